//! Franchise markers. The letters that stand before a name on the register say which elections the
//! elector may vote in. Their meanings live in [`MARKERS`], the one table to extend.

use chrono::{Datelike, NaiveDate};

/// The kinds of election a campaign can fight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElectionKind {
    /// A UK Parliamentary (Westminster) election.
    UkParliamentary,
    /// A local government election in England.
    Local,
}

/// What one marker letter means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub letter: char,
    pub meaning: &'static str,
    /// May an elector with this marker vote at a UK Parliamentary election?
    pub parliamentary: bool,
    /// May an elector with this marker vote at a local election in England?
    pub local: bool,
    /// Does the marker hide the elector's name and address (anonymous registration)?
    pub anonymous: bool,
}

/// Every marker groundgame knows. A letter not listed here is kept as it is on the register and
/// reported by the import, never guessed.
pub const MARKERS: &[Marker] = &[
    Marker {
        letter: 'F',
        meaning: "overseas elector (UK Parliamentary elections only)",
        parliamentary: true,
        local: false,
        anonymous: false,
    },
    Marker { letter: 'G', meaning: "EU citizen (local elections only)", parliamentary: false, local: true, anonymous: false },
    Marker { letter: 'K', meaning: "EU citizen (local and devolved elections only)", parliamentary: false, local: true, anonymous: false },
    Marker {
        letter: 'B',
        meaning: "EU citizen with retained rights (local elections only)",
        parliamentary: false,
        local: true,
        anonymous: false,
    },
    Marker {
        letter: 'L',
        meaning: "peer in the House of Lords (not UK Parliamentary elections)",
        parliamentary: false,
        local: true,
        anonymous: false,
    },
    Marker { letter: 'M', meaning: "devolved and local franchise only", parliamentary: false, local: true, anonymous: false },
    Marker { letter: 'E', meaning: "European Parliamentary elector only (obsolete)", parliamentary: false, local: false, anonymous: false },
    Marker { letter: 'N', meaning: "anonymous elector: number only", parliamentary: true, local: true, anonymous: true },
    Marker { letter: 'Z', meaning: "aged 76 or over (jury service)", parliamentary: true, local: true, anonymous: false },
];

/// Looks a marker letter up in [`MARKERS`].
pub fn marker(letter: char) -> Option<&'static Marker> {
    MARKERS.iter().find(|m| m.letter == letter.to_ascii_uppercase())
}

/// Markers as written on the register, normalised: upper-case letters, separators dropped, each
/// letter once, in the order first seen (`"f, n"` becomes `"FN"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Markers(String);

impl Markers {
    pub fn parse(s: &str) -> Result<Self, crate::Invalid> {
        let mut out = String::new();
        for c in s.chars() {
            if c.is_whitespace() || matches!(c, ',' | ';' | '/' | '|') {
                continue;
            }
            if !c.is_ascii_alphabetic() {
                return Err(format!("'{}' is not a franchise marker", s.trim()).into());
            }
            let c = c.to_ascii_uppercase();
            if !out.contains(c) {
                out.push(c);
            }
        }
        Ok(Markers(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn letters(&self) -> impl Iterator<Item = char> + '_ {
        self.0.chars()
    }

    pub fn contains(&self, letter: char) -> bool {
        self.0.contains(letter)
    }

    /// Letters that are not in [`MARKERS`].
    pub fn unknown(&self) -> impl Iterator<Item = char> + '_ {
        self.letters().filter(|c| marker(*c).is_none())
    }

    pub fn is_anonymous(&self) -> bool {
        self.letters().any(|c| marker(c).is_some_and(|m| m.anonymous))
    }
}

/// Whether an elector may vote at an election, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eligibility {
    Eligible,
    /// A marker restricts the franchise (the letter given).
    NotEntitled(char),
    /// An attainer who is not yet 18 on polling day.
    TooYoung,
    /// A marker whose meaning is not known: nothing is guessed.
    UnknownMarker(char),
}

impl Eligibility {
    pub fn may_vote(self) -> bool {
        self == Eligibility::Eligible
    }
}

/// Decides whether an elector with these markers and (for attainers) date of birth may vote at an
/// election of this kind held on `polling_day`.
pub fn eligibility(markers: &Markers, date_of_birth: Option<NaiveDate>, kind: ElectionKind, polling_day: NaiveDate) -> Eligibility {
    for letter in markers.letters() {
        match marker(letter) {
            None => return Eligibility::UnknownMarker(letter),
            Some(m) => {
                let entitled = match kind {
                    ElectionKind::UkParliamentary => m.parliamentary,
                    ElectionKind::Local => m.local,
                };
                if !entitled {
                    return Eligibility::NotEntitled(letter);
                }
            }
        }
    }
    match date_of_birth {
        Some(dob) if eighteenth_birthday(dob) > polling_day => Eligibility::TooYoung,
        _ => Eligibility::Eligible,
    }
}

/// The day a person born on `dob` turns 18 (someone born on 29 February turns 18 on 1 March in a
/// common year).
pub fn eighteenth_birthday(dob: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(dob.year() + 18, dob.month(), dob.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(dob.year() + 18, 3, 1).expect("1 March exists"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn parl(markers: &str, dob: Option<&str>) -> Eligibility {
        eligibility(&Markers::parse(markers).unwrap(), dob.map(day), ElectionKind::UkParliamentary, day("2017-06-08"))
    }

    #[test]
    fn british_and_overseas_electors_may_vote_for_parliament() {
        assert!(parl("", None).may_vote());
        assert!(parl("F", None).may_vote());
        assert!(parl("N", None).may_vote());
        assert!(parl("Z", None).may_vote());
    }

    #[test]
    fn eu_citizens_peers_and_local_only_electors_may_not_vote_for_parliament() {
        for m in ["G", "K", "B", "L", "M", "E", "ZG"] {
            assert!(matches!(parl(m, None), Eligibility::NotEntitled(_)), "{m}");
        }
        let local = |m: &str| eligibility(&Markers::parse(m).unwrap(), None, ElectionKind::Local, day("2017-05-04"));
        assert!(local("G").may_vote());
        assert!(!local("F").may_vote());
    }

    #[test]
    fn attainers_vote_only_if_eighteen_on_polling_day() {
        assert!(parl("", Some("1999-06-08")).may_vote());
        assert_eq!(parl("", Some("1999-06-09")), Eligibility::TooYoung);
        assert!(parl("", Some("1999-01-01")).may_vote());
        assert_eq!(eighteenth_birthday(day("2000-02-29")), day("2018-03-01"));
    }

    #[test]
    fn unknown_markers_are_reported_not_guessed() {
        assert_eq!(parl("Q", None), Eligibility::UnknownMarker('Q'));
        let m = Markers::parse("f, q").unwrap();
        assert_eq!(m.as_str(), "FQ");
        assert_eq!(m.unknown().collect::<String>(), "Q");
        assert!(Markers::parse("F1").is_err());
    }
}
