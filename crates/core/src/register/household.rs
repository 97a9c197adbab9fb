//! A household is everyone registered at one address: one door for a canvasser. Electors are
//! grouped by UPRN when the export has one, else by their normalised address and postcode.
//!
//! The same person keeps one identity across register versions: same normalised name at the same
//! household. That is how an elector who is renumbered keeps their canvass history.

use std::hash::{Hash, Hasher};

use super::RegisterRecord;
use crate::geography::Postcode;

/// Upper case, letters and digits only, one space between words: `12, Duffield Rd.` and
/// `12 DUFFIELD RD` are the same.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    normalise_into(s, &mut out);
    out
}

/// [`normalise`], appending to `out`.
pub fn normalise_into(s: &str, out: &mut String) {
    let start = out.len();
    let mut gap = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if gap && out.len() > start {
                out.push(' ');
            }
            gap = false;
            if c.is_ascii() {
                out.push(c.to_ascii_uppercase());
            } else {
                out.extend(c.to_uppercase());
            }
        } else if c != '\'' {
            gap = true;
        }
    }
}

/// Street-type abbreviations written out in full, when they end an address line ("1 Duffield Rd"
/// is "1 Duffield Road"; "St Mary's Close" keeps its saint).
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("RD", "ROAD"),
    ("ST", "STREET"),
    ("AVE", "AVENUE"),
    ("AV", "AVENUE"),
    ("CL", "CLOSE"),
    ("CRES", "CRESCENT"),
    ("CRS", "CRESCENT"),
    ("DR", "DRIVE"),
    ("LN", "LANE"),
    ("GDNS", "GARDENS"),
    ("GRN", "GREEN"),
    ("GR", "GROVE"),
    ("TER", "TERRACE"),
    ("TERR", "TERRACE"),
    ("PL", "PLACE"),
    ("SQ", "SQUARE"),
    ("CT", "COURT"),
    ("WY", "WAY"),
];

/// An address line normalised, with a trailing street-type abbreviation written out.
pub fn normalise_address_line(s: &str) -> String {
    let mut n = String::with_capacity(s.len());
    normalise_address_line_into(s, &mut n);
    n
}

fn normalise_address_line_into(s: &str, out: &mut String) {
    let start = out.len();
    normalise_into(s, out);
    let last_start = out[start..].rfind(' ').map_or(0, |i| start + i + 1);
    if last_start > 0 {
        if let Some((_, full)) = ABBREVIATIONS.iter().find(|(abbr, _)| *abbr == &out[last_start..]) {
            out.truncate(last_start);
            out.push_str(full);
        }
    }
}

/// The key that groups electors into one household.
pub fn household_key(uprn: Option<&str>, address: &[String], postcode: Option<&Postcode>) -> String {
    if let Some(uprn) = uprn {
        return format!("U:{uprn}");
    }
    let mut key = String::with_capacity(64);
    key.push_str("A:");
    for line in address {
        let before = key.len();
        normalise_address_line_into(line, &mut key);
        if key.len() > before {
            key.push('|');
        }
    }
    if let Some(pc) = postcode {
        key.push_str(pc.as_str());
    }
    key
}

impl RegisterRecord {
    /// The household this elector belongs to; `None` for an anonymous elector, who has no address.
    pub fn household_key(&self) -> Option<String> {
        if self.is_anonymous() {
            return None;
        }
        Some(household_key(self.uprn.as_deref(), &self.address, self.postcode.as_ref()))
    }

    /// The address as one line for people to read.
    pub fn address_line(&self) -> String {
        let mut s = self.address.join(", ");
        if let Some(pc) = &self.postcode {
            if !s.is_empty() {
                s.push_str(", ");
            }
            s.push_str(pc.as_str());
        }
        s
    }
}

/// Who a person is across register versions: their normalised name at their household.
/// Anonymous electors are matched by elector number instead.
pub fn identity_key(surname: &str, forename: &str, household_key: &str) -> String {
    format!("{}|{}|{}", normalise(surname), normalise(forename), household_key)
}

/// A 128-bit fingerprint of a key, so that large registers can be indexed in little memory.
/// Stable within one build of the program (never stored).
pub fn fingerprint(key: &str) -> u128 {
    fingerprint_of(key)
}

/// A 128-bit fingerprint of any hashable value (two independently seeded 64-bit hashes).
pub fn fingerprint_of<T: Hash + ?Sized>(value: &T) -> u128 {
    let mut a = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut a);
    let mut b = std::collections::hash_map::DefaultHasher::new();
    0x9e37_79b9_7f4a_7c15_u64.hash(&mut b);
    value.hash(&mut b);
    ((a.finish() as u128) << 64) | b.finish() as u128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_address_written_two_ways_is_one_household() {
        let pc = Postcode::parse("DE22 1AA").ok();
        let a = household_key(None, &["12, Duffield Rd.".into(), "Derby".into()], pc.as_ref());
        let b = household_key(None, &["12 DUFFIELD RD".into(), "  derby ".into()], pc.as_ref());
        assert_eq!(a, b);
        let c = household_key(None, &["14 Duffield Rd".into(), "Derby".into()], pc.as_ref());
        assert_ne!(a, c);
        assert_eq!(household_key(Some("1234"), &["anything".into()], pc.as_ref()), "U:1234");
        assert_eq!(normalise_address_line("1, Duffield Rd."), "1 DUFFIELD ROAD");
        assert_eq!(normalise_address_line("St Mary's Cl"), "ST MARYS CLOSE");
        assert_eq!(normalise_address_line("Rd"), "RD");
    }

    #[test]
    fn identities_ignore_case_and_punctuation() {
        assert_eq!(identity_key("O'Brien", "Mary-Jane", "U:1"), identity_key("OBRIEN", "mary jane", "U:1"));
        assert_ne!(fingerprint("a"), fingerprint("b"));
    }
}
