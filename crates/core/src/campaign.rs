use std::fmt;

use chrono::NaiveDate;

/// A Democracy Club-style ballot id for a UK parliamentary election in one constituency,
/// such as `parl.derby-north.2017-06-08`. It names a campaign everywhere in groundgame.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BallotId(String);

impl BallotId {
    /// Builds the id from the constituency's name and the polling day, as uk-election-ids does:
    /// lower case, `&` becomes `and`, every run of other characters becomes one hyphen.
    pub fn parliamentary(constituency_name: &str, polling_day: NaiveDate) -> Self {
        BallotId(format!("parl.{}.{}", slug(constituency_name), polling_day.format("%Y-%m-%d")))
    }

    pub fn parse(s: &str) -> Result<Self, crate::Invalid> {
        let s = s.trim();
        let mut parts = s.split('.');
        let (Some(kind), Some(org), Some(date), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(format!("'{s}' is not a ballot id like parl.derby-north.2017-06-08").into());
        };
        let org_ok = !org.is_empty() && org.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if kind != "parl" || !org_ok || NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
            return Err(format!("'{s}' is not a ballot id like parl.derby-north.2017-06-08").into());
        }
        Ok(BallotId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BallotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn slug(name: &str) -> String {
    let name = name.to_lowercase().replace('&', " and ");
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') && c != '\'' {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ballot_id_follows_democracy_club_conventions() {
        assert_eq!(BallotId::parliamentary("Derby North", day("2017-06-08")).as_str(), "parl.derby-north.2017-06-08");
        assert_eq!(BallotId::parliamentary("Brighton, Kemptown", day("2019-12-12")).as_str(), "parl.brighton-kemptown.2019-12-12");
        assert_eq!(BallotId::parliamentary("Ynys Môn", day("2019-12-12")).as_str(), "parl.ynys-m-n.2019-12-12");
        assert_eq!(BallotId::parliamentary("Berwick-upon-Tweed", day("2015-05-07")).as_str(), "parl.berwick-upon-tweed.2015-05-07");
    }

    #[test]
    fn ballot_id_parse_rejects_other_shapes() {
        assert!(BallotId::parse("parl.derby-north.2017-06-08").is_ok());
        assert!(BallotId::parse("parl.derby-north").is_err());
        assert!(BallotId::parse("parl.Derby North.2017-06-08").is_err());
        assert!(BallotId::parse("parl.derby-north.2017-13-08").is_err());
    }
}

/// How long after polling day a campaign keeps its register and canvass, unless its organiser
/// chooses a date or the settings say otherwise (the ICO asks for a review after each campaign;
/// 90 days covers petitions and recounts).
pub const RETENTION_DAYS: u32 = 90;

/// The last day a campaign keeps its register and canvass: the organiser's chosen day, or
/// polling day plus `days`, counted from the day the campaign was set up when that is later (a
/// campaign that replays a past election keeps its data as long as any other).
pub fn retention_date(election_date: NaiveDate, set_up_on: NaiveDate, days: u32, chosen: Option<NaiveDate>) -> NaiveDate {
    chosen.unwrap_or_else(|| election_date.max(set_up_on) + chrono::Days::new(u64::from(days)))
}

#[cfg(test)]
mod retention_tests {
    use super::*;

    #[test]
    fn retention_runs_from_polling_day_or_from_set_up_when_later() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(retention_date(d("2017-06-08"), d("2017-04-20"), 90, None), d("2017-09-06"));
        assert_eq!(retention_date(d("2017-06-08"), d("2026-12-02"), 90, None), d("2027-03-02"));
        assert_eq!(retention_date(d("2017-06-08"), d("2017-04-20"), 90, Some(d("2018-01-01"))), d("2018-01-01"));
    }
}
