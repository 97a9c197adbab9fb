//! Matching a new register against the one it replaces, in little memory: the same person at the
//! same household keeps their elector id (and so their canvass history) whatever their new number;
//! a household keeps its id while its key is unchanged.

use std::collections::{HashMap, HashSet};

use super::absent::AbsentVote;
use super::household::{fingerprint, identity_key};
use super::RegisterRecord;
use crate::elector::ElectorNumber;

/// What is carried over from an elector of the previous register version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carried {
    pub id: i64,
    pub absent_vote: Option<AbsentVote>,
    pub first_version: i64,
}

/// Electors of the previous version, by identity (anonymous electors by number).
#[derive(Debug, Default)]
pub struct PreviousElectors {
    by_identity: HashMap<u128, Carried>,
    /// Second and later people with the same identity (a father and son of one name at one address).
    more: HashMap<u128, Vec<Carried>>,
}

impl PreviousElectors {
    /// Adds an elector of the previous version. `household_key` is `None` for anonymous electors.
    pub fn add(&mut self, number: &ElectorNumber, surname: &str, forename: &str, household_key: Option<&str>, carried: Carried) {
        let key = identity_fingerprint(number, surname, forename, household_key);
        if let Some(first) = self.by_identity.insert(key, carried) {
            // Keep the earlier one first in line.
            self.by_identity.insert(key, first);
            self.more.entry(key).or_default().push(carried);
        }
    }

    /// Takes the previous elector this record is, if any (each is matched once).
    pub fn take(&mut self, record: &RegisterRecord, household_key: Option<&str>) -> Option<Carried> {
        if self.by_identity.is_empty() {
            return None;
        }
        self.take_identity(identity_fingerprint(&record.number, &record.surname, &record.forename, household_key))
    }

    /// Takes the previous elector with this identity ([`identity_of`]), if any.
    pub fn take_identity(&mut self, key: u128) -> Option<Carried> {
        if self.by_identity.is_empty() {
            return None;
        }
        if let Some(more) = self.more.get_mut(&key) {
            if let Some(c) = more.pop() {
                if more.is_empty() {
                    self.more.remove(&key);
                }
                // Hand out the first in line first.
                let first = self.by_identity.insert(key, c);
                return first;
            }
        }
        self.by_identity.remove(&key)
    }

    pub fn is_empty(&self) -> bool {
        self.by_identity.is_empty()
    }

    pub fn len(&self) -> usize {
        self.by_identity.len() + self.more.values().map(Vec::len).sum::<usize>()
    }
}

/// Who a record's elector is, for matching against the previous version: their name at their
/// household (`household_key`), or their number if anonymous.
pub fn identity_of(record: &RegisterRecord, household_key: Option<&str>) -> u128 {
    identity_fingerprint(&record.number, &record.surname, &record.forename, household_key)
}

fn identity_fingerprint(number: &ElectorNumber, surname: &str, forename: &str, household_key: Option<&str>) -> u128 {
    match household_key {
        Some(h) => fingerprint(&identity_key(surname, forename, h)),
        None => fingerprint(&format!("N:{number}")),
    }
}

/// Catches an elector number given twice in one file, exactly, in 8 bytes a number: polling
/// districts are numbered as they are first seen and packed with number and suffix into a `u64`.
#[derive(Debug, Default)]
pub struct SeenNumbers {
    districts: HashMap<String, u64>,
    packed: HashSet<u64>,
    /// Numbers too large to pack (never in a real register, but never wrong either).
    large: HashSet<(u64, u32, u32)>,
}

impl SeenNumbers {
    /// False if the number was seen before.
    pub fn insert(&mut self, number: &ElectorNumber) -> bool {
        let next = self.districts.len() as u64;
        let district = match self.districts.get(number.district.as_str()) {
            Some(d) => *d,
            None => *self.districts.entry(number.district.as_str().to_owned()).or_insert(next),
        };
        let (n, s) = (u64::from(number.number), u64::from(number.suffix));
        if district < (1 << 24) && n < (1 << 28) && s < (1 << 12) {
            self.packed.insert(district << 40 | n << 12 | s)
        } else {
            self.large.insert((district, number.number, number.suffix))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::franchise::Markers;

    fn record(number: &str, surname: &str, forename: &str) -> RegisterRecord {
        RegisterRecord {
            line: 2,
            number: ElectorNumber::parse(number).unwrap(),
            title: String::new(),
            forename: forename.into(),
            middle_names: String::new(),
            surname: surname.into(),
            address: vec!["1 A Street".into()],
            postcode: None,
            uprn: None,
            markers: Markers::default(),
            date_of_birth: None,
            change: None,
        }
    }

    #[test]
    fn a_renumbered_elector_is_the_same_person() {
        let mut prev = PreviousElectors::default();
        let carried = Carried { id: 7, absent_vote: Some(AbsentVote::Postal), first_version: 1 };
        prev.add(&ElectorNumber::parse("NA1-5").unwrap(), "Smith", "Ann", Some("A:1 A STREET|"), carried);
        let r = record("NA1-9", "SMITH", "ann");
        assert_eq!(prev.take(&r, Some("A:1 A STREET|")), Some(carried));
        assert_eq!(prev.take(&r, Some("A:1 A STREET|")), None, "matched once only");
    }

    #[test]
    fn two_people_of_one_name_at_one_address_are_both_matched() {
        let mut prev = PreviousElectors::default();
        let n = ElectorNumber::parse("NA1-5").unwrap();
        for id in [1, 2] {
            prev.add(&n, "Smith", "John", Some("h"), Carried { id, absent_vote: None, first_version: 1 });
        }
        assert_eq!(prev.len(), 2);
        let r = record("NA1-5", "Smith", "John");
        let a = prev.take(&r, Some("h")).unwrap().id;
        let b = prev.take(&r, Some("h")).unwrap().id;
        assert_eq!((a, b), (1, 2));
        assert!(prev.take(&r, Some("h")).is_none());
    }

    #[test]
    fn duplicate_numbers_are_caught() {
        let mut seen = SeenNumbers::default();
        assert!(seen.insert(&ElectorNumber::parse("NA1-5").unwrap()));
        assert!(seen.insert(&ElectorNumber::parse("NA1-5/1").unwrap()));
        assert!(!seen.insert(&ElectorNumber::parse("NA1-5/0").unwrap()));
        // Numbers too large to pack are still exact.
        let huge = ElectorNumber::parse("NA1-4000000000/70000").unwrap();
        assert!(seen.insert(&huge));
        assert!(!seen.insert(&huge));
        assert!(seen.insert(&ElectorNumber::parse("NA2-5").unwrap()), "another district, same number");
    }
}
