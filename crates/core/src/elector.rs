use std::fmt;

/// A polling district code as councils write it (`NA1`, `AB`, `KD3`): one to eight letters and
/// digits, starting with a letter, kept in upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PollingDistrict(String);

impl PollingDistrict {
    pub fn parse(s: &str) -> Result<Self, crate::Invalid> {
        let code = s.trim().to_ascii_uppercase();
        let ok = (1..=8).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_alphabetic())
            && code.chars().all(|c| c.is_ascii_alphanumeric());
        if ok {
            Ok(PollingDistrict(code))
        } else if code.is_empty() {
            Err("missing polling district".into())
        } else {
            Err(format!("'{}' is not a polling district code (letters then digits, such as NA1)", s.trim()).into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PollingDistrict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An elector number: polling district, number and suffix, shown `PD-124/1` (the suffix only
/// when it is not zero: a suffix of 0 means none).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ElectorNumber {
    pub district: PollingDistrict,
    pub number: u32,
    pub suffix: u32,
}

impl ElectorNumber {
    /// Parses the combined form `PD-124/1`, `PD-124` or `PD 124/1`.
    pub fn parse(s: &str) -> Result<Self, crate::Invalid> {
        let t = s.trim();
        let bad = || format!("'{t}' is not an elector number like NA1-124/1");
        let split = t.rfind(['-', ' ']).ok_or_else(bad)?;
        let (district, rest) = (&t[..split], &t[split + 1..]);
        let (number, suffix) = match rest.split_once('/') {
            Some((n, s)) => (n, Some(s)),
            None => (rest, None),
        };
        let district = PollingDistrict::parse(district).map_err(|_| bad())?;
        Ok(ElectorNumber {
            district,
            number: parse_number(number).ok_or_else(bad)?,
            suffix: match suffix {
                Some(s) => parse_suffix(s).ok_or_else(bad)?,
                None => 0,
            },
        })
    }

    /// Builds the number from the separate fields of an Xpress export.
    pub fn from_parts(district: &str, number: &str, suffix: &str) -> Result<Self, crate::Invalid> {
        let district = PollingDistrict::parse(district)?;
        let number = parse_number(number).ok_or_else(|| {
            if number.trim().is_empty() {
                "missing elector number".to_owned()
            } else {
                format!("'{}' is not an elector number", number.trim())
            }
        })?;
        let suffix = parse_suffix(suffix).ok_or_else(|| format!("'{}' is not an elector number suffix", suffix.trim()))?;
        Ok(ElectorNumber { district, number, suffix })
    }
}

fn parse_number(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

fn parse_suffix(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() {
        return Some(0);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl fmt::Display for ElectorNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_number(f, &self.district.0, i64::from(self.number), i64::from(self.suffix))
    }
}

/// An elector number from its stored parts, as people write it: `NA1-124/1`, or `NA1-124` with no
/// suffix.
pub fn format_number(district: &str, number: i64, suffix: i64) -> String {
    let mut s = String::new();
    write_number(&mut s, district, number, suffix).expect("writing to a String");
    s
}

fn write_number(f: &mut impl fmt::Write, district: &str, number: i64, suffix: i64) -> fmt::Result {
    write!(f, "{district}-{number}")?;
    if suffix != 0 {
        write!(f, "/{suffix}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elector_numbers_show_the_suffix_only_when_not_zero() {
        let n = ElectorNumber::from_parts("na1", "124", "1").unwrap();
        assert_eq!(n.to_string(), "NA1-124/1");
        assert_eq!(ElectorNumber::from_parts("NA1", "124", "0").unwrap().to_string(), "NA1-124");
        assert_eq!(ElectorNumber::from_parts("NA1", "124", "").unwrap().to_string(), "NA1-124");
    }

    #[test]
    fn combined_elector_numbers_round_trip() {
        for s in ["NA1-124/1", "AB-7", "KD3-1200/12"] {
            assert_eq!(ElectorNumber::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(ElectorNumber::parse("NA1-124/0").unwrap().to_string(), "NA1-124");
        assert_eq!(ElectorNumber::parse(" na1 124/2 ").unwrap().to_string(), "NA1-124/2");
    }

    #[test]
    fn malformed_elector_numbers_are_refused() {
        for s in ["", "124", "NA1-", "NA1-abc", "NA1-0", "1A-12", "NA1-12/x", "NA1--12"] {
            assert!(ElectorNumber::parse(s).is_err(), "{s} should be refused");
        }
        assert_eq!(ElectorNumber::from_parts("NA1", "", "").unwrap_err(), "missing elector number");
    }
}
