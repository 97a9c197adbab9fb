//! General election results by constituency, bundled from the House of Commons Library.

use chrono::NaiveDate;
use serde::Serialize;

use crate::geography::GssCode;

/// The parties of the bundled results files, in their column order.
pub const PARTIES: [&str; 13] = ["Con", "Lab", "LD", "UKIP", "Green", "SNP", "PC", "DUP", "SF", "SDLP", "UUP", "Alliance", "Other"];

/// One constituency's result at one general election.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeatResult {
    pub election: NaiveDate,
    pub gss: String,
    pub name: String,
    pub electorate: u64,
    pub valid_votes: u64,
    /// Votes by party code, in [`PARTIES`] order.
    pub votes: Vec<(&'static str, u64)>,
}

impl SeatResult {
    /// The winner and their votes.
    pub fn winner(&self) -> (&'static str, u64) {
        self.votes.iter().copied().max_by_key(|v| v.1).unwrap_or(("Other", 0))
    }
    /// Majority: the winner's votes less the runner-up's.
    pub fn majority(&self) -> u64 {
        let mut v: Vec<u64> = self.votes.iter().map(|p| p.1).collect();
        v.sort_unstable_by(|a, b| b.cmp(a));
        v[0] - v.get(1).copied().unwrap_or(0)
    }
    pub fn turnout(&self) -> f64 {
        self.valid_votes as f64 / self.electorate.max(1) as f64
    }
}

const ELECTIONS: [(&str, &str); 2] = [
    ("2015-05-07", include_str!("../../../data/elections/ge2015.csv")),
    ("2017-06-08", include_str!("../../../data/elections/ge2017.csv")),
];

fn parse(date: &str, text: &str, gss: &str) -> Option<SeatResult> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for record in reader.records().map_while(Result::ok) {
        if record.get(0) != Some(gss) {
            continue;
        }
        let num = |i: usize| record.get(i).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
        return Some(SeatResult {
            election: NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
            gss: gss.to_owned(),
            name: record.get(1)?.to_owned(),
            electorate: num(4),
            valid_votes: num(5),
            votes: PARTIES.iter().enumerate().map(|(i, p)| (*p, num(6 + i))).collect(),
        });
    }
    None
}

/// The latest bundled general election in the constituency before `date`.
pub fn previous_result(gss: &GssCode, date: NaiveDate) -> Option<SeatResult> {
    ELECTIONS
        .iter()
        .rev()
        .filter(|(d, _)| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok_and(|d| d < date))
        .find_map(|(d, text)| parse(d, text, gss.as_str()))
}

/// The votes a campaign needs: the share that won last time, of the votes expected this time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WinNumber {
    pub last_election: NaiveDate,
    pub last_winner: &'static str,
    pub last_majority: u64,
    pub last_turnout: f64,
    /// Votes expected: eligible electors now times the last turnout.
    pub expected_votes: u64,
    pub win_number: u64,
}

/// The win number: expected votes cast (eligible electors times last turnout) times the winning
/// share last time, plus one.
pub fn win_number(last: &SeatResult, eligible_now: u64) -> WinNumber {
    let (winner, votes) = last.winner();
    let expected = (eligible_now as f64 * last.turnout()).round() as u64;
    let share = votes as f64 / last.valid_votes.max(1) as f64;
    WinNumber {
        last_election: last.election,
        last_winner: winner,
        last_majority: last.majority(),
        last_turnout: last.turnout(),
        expected_votes: expected,
        win_number: (expected as f64 * share).floor() as u64 + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derby_north_before_2017_is_the_2015_result() {
        let gss = GssCode::parse("E14000662").unwrap();
        let r = previous_result(&gss, NaiveDate::from_ymd_opt(2017, 6, 8).unwrap()).unwrap();
        assert_eq!(r.winner(), ("Con", 16_402));
        assert_eq!(r.majority(), 41);
        let w = win_number(&r, 69_794);
        assert_eq!(w.expected_votes, 44_745);
        assert_eq!(w.win_number, 16_403);
        let later = previous_result(&gss, NaiveDate::from_ymd_opt(2019, 12, 12).unwrap()).unwrap();
        assert_eq!(later.majority(), 2_015);
    }
}
