use std::fmt;

use super::layout::{Field, Layout};
use super::reader::Row;
use super::RowError;
use crate::elector::ElectorNumber;

/// How an elector votes when not at the polling station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AbsentVote {
    Postal,
    Proxy,
    ProxyPostal,
}

impl AbsentVote {
    pub fn parse(s: &str) -> Result<Self, crate::Invalid> {
        let folded: String = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase();
        Ok(match folded.as_str() {
            "P" | "PV" | "POSTAL" | "POSTALVOTE" | "POSTALVOTER" => AbsentVote::Postal,
            "X" | "PX" | "PRX" | "PROXY" | "PROXYVOTE" | "PROXYVOTER" => AbsentVote::Proxy,
            "PP" | "XP" | "PROXYPOSTAL" | "POSTALPROXY" | "PROXYPOSTALVOTE" => AbsentVote::ProxyPostal,
            _ => return Err(format!("'{}' is not a kind of absent vote (postal P, proxy X or proxy postal PP)", s.trim()).into()),
        })
    }

    /// The word the database and reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            AbsentVote::Postal => "postal",
            AbsentVote::Proxy => "proxy",
            AbsentVote::ProxyPostal => "proxy_postal",
        }
    }

    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "postal" => Some(AbsentVote::Postal),
            "proxy" => Some(AbsentVote::Proxy),
            "proxy_postal" => Some(AbsentVote::ProxyPostal),
            _ => None,
        }
    }

    /// Does this elector's vote arrive by post (so is counted among postal voters)?
    pub fn is_postal(self) -> bool {
        matches!(self, AbsentVote::Postal | AbsentVote::ProxyPostal)
    }
}

impl fmt::Display for AbsentVote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AbsentVote::Postal => "postal vote",
            AbsentVote::Proxy => "proxy vote",
            AbsentVote::ProxyPostal => "proxy postal vote",
        })
    }
}

/// One line of an absent voters list.
#[derive(Debug, Clone, PartialEq)]
pub struct AbsentVoter {
    pub line: u64,
    pub number: ElectorNumber,
    pub vote: AbsentVote,
}

/// Reads one row of an absent voters list.
pub fn parse_absent_voter(layout: &Layout, row: &Row<'_>) -> Result<AbsentVoter, RowError> {
    let get = |field: Field| -> &str { layout.column(field).and_then(|i| row.fields.get(i)).map_or("", str::trim) };
    let fail = |field: Field, reason: String| RowError {
        line: row.line,
        column: layout.column_name(field).map(str::to_owned),
        reason,
        raw: row.fields.iter().map(str::to_owned).collect(),
    };
    let number = if layout.has(Field::PollingDistrict) {
        ElectorNumber::from_parts(get(Field::PollingDistrict), get(Field::ElectorNumber), get(Field::ElectorSuffix))
    } else if get(Field::ElectorNumber).is_empty() {
        Err(crate::Invalid::new("missing elector number"))
    } else {
        ElectorNumber::parse(get(Field::ElectorNumber))
    }
    .map_err(|e| fail(Field::ElectorNumber, e.to_string()))?;
    let vote = AbsentVote::parse(get(Field::AbsentVote)).map_err(|e| fail(Field::AbsentVote, e.to_string()))?;
    Ok(AbsentVoter { line: row.line, number, vote })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_vote_kinds_are_read_in_their_usual_spellings() {
        assert_eq!(AbsentVote::parse("P").unwrap(), AbsentVote::Postal);
        assert_eq!(AbsentVote::parse("Proxy").unwrap(), AbsentVote::Proxy);
        assert_eq!(AbsentVote::parse("Proxy Postal").unwrap(), AbsentVote::ProxyPostal);
        assert_eq!(AbsentVote::parse("postal-proxy").unwrap(), AbsentVote::ProxyPostal);
        assert!(AbsentVote::parse("carrier pigeon").is_err());
        assert!(AbsentVote::ProxyPostal.is_postal() && !AbsentVote::Proxy.is_postal());
    }
}
