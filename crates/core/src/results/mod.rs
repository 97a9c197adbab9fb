//! General election results by constituency: parties, seats, the bundled elections (2010 to 2024,
//! House of Commons Library) and the win number.
//!
//! Results files are read by [`parse`]; the elections shipped in the binary go through the same
//! reader, so a bundled election and an imported one are the same thing.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

use crate::geography::GssCode;

pub mod parse;

pub use parse::{parse, ImportError, Layout, Parsed};

/// A party as groundgame counts it. Parties outside this list are counted as [`Party::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Party {
    Con,
    Lab,
    LD,
    /// UKIP, the Brexit Party and Reform UK are distinct parties of one family (see [`Party::family`]).
    Ukip,
    Brexit,
    Reform,
    Green,
    Snp,
    PlaidCymru,
    Dup,
    SinnFein,
    Sdlp,
    Uup,
    Alliance,
    Other,
}

impl Party {
    pub const ALL: [Party; 15] = [
        Party::Con,
        Party::Lab,
        Party::LD,
        Party::Ukip,
        Party::Brexit,
        Party::Reform,
        Party::Green,
        Party::Snp,
        Party::PlaidCymru,
        Party::Dup,
        Party::SinnFein,
        Party::Sdlp,
        Party::Uup,
        Party::Alliance,
        Party::Other,
    ];

    /// The short code used on the command line, in the API and in results files.
    pub fn code(self) -> &'static str {
        match self {
            Party::Con => "Con",
            Party::Lab => "Lab",
            Party::LD => "LD",
            Party::Ukip => "UKIP",
            Party::Brexit => "BRX",
            Party::Reform => "RUK",
            Party::Green => "Green",
            Party::Snp => "SNP",
            Party::PlaidCymru => "PC",
            Party::Dup => "DUP",
            Party::SinnFein => "SF",
            Party::Sdlp => "SDLP",
            Party::Uup => "UUP",
            Party::Alliance => "APNI",
            Party::Other => "Other",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Party::Con => "Conservative",
            Party::Lab => "Labour",
            Party::LD => "Liberal Democrat",
            Party::Ukip => "UKIP",
            Party::Brexit => "Brexit Party",
            Party::Reform => "Reform UK",
            Party::Green => "Green",
            Party::Snp => "SNP",
            Party::PlaidCymru => "Plaid Cymru",
            Party::Dup => "DUP",
            Party::SinnFein => "Sinn Féin",
            Party::Sdlp => "SDLP",
            Party::Uup => "UUP",
            Party::Alliance => "Alliance",
            Party::Other => "Other",
        }
    }

    /// The family a party's vote is compared within across elections: UKIP (2010-2017), the Brexit
    /// Party (2019) and Reform UK (2024) are one family, represented by Reform UK. Every other party is
    /// its own family.
    pub fn family(self) -> Party {
        match self {
            Party::Ukip | Party::Brexit | Party::Reform => Party::Reform,
            p => p,
        }
    }

    /// Reads a party code or name as the results files and people write them: `Lab`, `labour`,
    /// `Lab Co-op`, `BRX`, `Brexit Party`, `APNI`, `Plaid Cymru`... `None` for any other party.
    pub fn parse(text: &str) -> Option<Party> {
        let key: String = text.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
        Some(match key.as_str() {
            "con" | "conservative" | "conservatives" | "conservativeandunionist" | "conservativeandunionistparty" | "conservativeparty" => {
                Party::Con
            }
            "lab" | "labour" | "labourparty" | "labcoop" | "labourcoop" | "labourcooperative" | "labourandcooperativeparty" => Party::Lab,
            "ld" | "libdem" | "libdems" | "liberaldemocrat" | "liberaldemocrats" => Party::LD,
            "ukip" | "ukindependenceparty" => Party::Ukip,
            "brx" | "brexit" | "brexitparty" | "thebrexitparty" => Party::Brexit,
            "ruk" | "reform" | "reformuk" => Party::Reform,
            "green" | "greens" | "grn" | "greenparty" | "gp" | "scottishgreen" | "scottishgreens" | "scottishgreenparty" => Party::Green,
            "snp" | "scottishnationalparty" => Party::Snp,
            "pc" | "plaid" | "plaidcymru" => Party::PlaidCymru,
            "dup" | "democraticunionistparty" => Party::Dup,
            "sf" | "sinnfein" | "sinnféin" => Party::SinnFein,
            "sdlp" | "socialdemocraticandlabourparty" => Party::Sdlp,
            "uup" | "ulsterunionistparty" => Party::Uup,
            "alliance" | "apni" | "allianceparty" | "alliancepartyofnorthernireland" => Party::Alliance,
            "other" | "others" | "oth" | "allothercandidates" | "ind" | "independent" | "spk" | "speaker" => Party::Other,
            _ => return None,
        })
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Party {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// The constituency boundaries an election was fought on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Boundaries {
    /// 2010 to 2019 (PCON13 codes, E14000530...).
    #[serde(rename = "2010")]
    Pcon2010,
    /// 2024 onwards (E14001063...).
    #[serde(rename = "2024")]
    Pcon2024,
}

impl Boundaries {
    pub fn label(self) -> &'static str {
        match self {
            Boundaries::Pcon2010 => "the 2010-2019 boundaries",
            Boundaries::Pcon2024 => "the 2024 boundaries",
        }
    }
}

/// One constituency's result at one general election.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeatResult {
    pub gss: String,
    pub name: String,
    pub region: String,
    pub nation: String,
    /// Not every results layout gives it (the candidate files do not).
    pub electorate: Option<u64>,
    pub valid_votes: u64,
    /// Votes by party, most votes first; parties with no votes are left out.
    pub votes: Vec<(Party, u64)>,
}

impl SeatResult {
    pub fn new(gss: String, name: String, region: String, nation: String, electorate: Option<u64>, votes: BTreeMap<Party, u64>) -> Self {
        let valid_votes = votes.values().sum();
        let mut votes: Vec<(Party, u64)> = votes.into_iter().filter(|v| v.1 > 0).collect();
        votes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        SeatResult { gss, name, region, nation, electorate, valid_votes, votes }
    }

    /// The winner and their votes.
    pub fn winner(&self) -> (Party, u64) {
        self.votes.first().copied().unwrap_or((Party::Other, 0))
    }
    /// The runner-up and their votes.
    pub fn second(&self) -> (Party, u64) {
        self.votes.get(1).copied().unwrap_or((Party::Other, 0))
    }
    /// Majority: the winner's votes less the runner-up's.
    pub fn majority(&self) -> u64 {
        self.winner().1 - self.second().1
    }
    /// The votes of a party's family (UKIP, Brexit and Reform together).
    pub fn family_votes(&self, family: Party) -> u64 {
        self.votes.iter().filter(|v| v.0.family() == family.family()).map(|v| v.1).sum()
    }
    pub fn turnout(&self) -> Option<f64> {
        self.electorate.filter(|e| *e > 0).map(|e| self.valid_votes as f64 / e as f64)
    }
    pub fn is_northern_ireland(&self) -> bool {
        self.gss.starts_with('N')
    }
}

/// One general election: every seat's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Election {
    /// The year names the election on the command line (`--election 2017`).
    pub year: i32,
    pub date: NaiveDate,
    pub boundaries: Boundaries,
    pub seats: Vec<SeatResult>,
}

impl Election {
    pub fn seat(&self, gss: &str) -> Option<&SeatResult> {
        self.seats.iter().find(|s| s.gss == gss)
    }
    /// The parties that stood anywhere, most votes first.
    pub fn parties(&self) -> Vec<Party> {
        let mut totals: BTreeMap<Party, u64> = BTreeMap::new();
        for s in &self.seats {
            for (p, v) in &s.votes {
                *totals.entry(*p).or_default() += v;
            }
        }
        let mut parties: Vec<(Party, u64)> = totals.into_iter().collect();
        parties.sort_by_key(|p| std::cmp::Reverse(p.1));
        parties.into_iter().map(|p| p.0).collect()
    }
    /// The party of `family` that stood in this election (`Reform` in 2019 is the Brexit Party).
    pub fn party_of_family(&self, family: Party) -> Party {
        if family.family() != Party::Reform {
            return family;
        }
        self.parties().into_iter().find(|p| p.family() == Party::Reform).unwrap_or(family)
    }
}

/// The bundled elections' dates, by year.
pub const BUNDLED: [(i32, &str); 5] =
    [(2010, "2010-05-06"), (2015, "2015-05-07"), (2017, "2017-06-08"), (2019, "2019-12-12"), (2024, "2024-07-04")];

const BUNDLED_CSV: [&str; 5] = [
    include_str!("../../../../data/elections/ge2010.csv"),
    include_str!("../../../../data/elections/ge2015.csv"),
    include_str!("../../../../data/elections/ge2017.csv"),
    include_str!("../../../../data/elections/ge2019.csv"),
    include_str!("../../../../data/elections/ge2024.csv"),
];

/// The general elections of 2010, 2015, 2017, 2019 and 2024 (House of Commons Library), read once.
pub fn bundled() -> &'static [Election] {
    static ELECTIONS: OnceLock<Vec<Election>> = OnceLock::new();
    ELECTIONS.get_or_init(|| {
        BUNDLED
            .iter()
            .zip(BUNDLED_CSV)
            .map(|((year, date), text)| {
                let parsed = parse(text.as_bytes()).expect("bundled results are valid");
                Election {
                    year: *year,
                    date: NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("bundled dates are valid"),
                    boundaries: parsed.boundaries,
                    seats: parsed.seats,
                }
            })
            .collect()
    })
}

/// A bundled election by year.
pub fn bundled_election(year: i32) -> Option<&'static Election> {
    bundled().iter().find(|e| e.year == year)
}

/// The latest bundled general election in the constituency before `date`.
pub fn previous_result<'a>(elections: &'a [Election], gss: &GssCode, date: NaiveDate) -> Option<(&'a Election, &'a SeatResult)> {
    let mut before: Vec<&Election> = elections.iter().filter(|e| e.date < date).collect();
    before.sort_by_key(|e| e.date);
    before.into_iter().rev().find_map(|e| e.seat(gss.as_str()).map(|s| (e, s)))
}

/// A campaign's win number: from the seat's last general election before polling day among
/// `elections` (the bundled ones with any imported in their place), applied to the eligible
/// electors on the register now.
pub fn campaign_win_number(elections: &[Election], gss: &str, polling_day: NaiveDate, eligible_now: u64) -> Option<WinNumber> {
    let gss = GssCode::parse(gss).ok()?;
    previous_result(elections, &gss, polling_day).and_then(|(e, r)| win_number(e, r, eligible_now))
}

/// The votes a campaign needs: the share that won last time, of the votes expected this time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WinNumber {
    pub last_election: NaiveDate,
    pub last_winner: Party,
    pub last_majority: u64,
    pub last_turnout: f64,
    /// Votes expected: eligible electors now times the last turnout.
    pub expected_votes: u64,
    pub win_number: u64,
}

/// The win number: expected votes cast (eligible electors times last turnout) times the winning
/// share last time, plus one. `None` when the last result has no electorate to take a turnout from.
pub fn win_number(election: &Election, last: &SeatResult, eligible_now: u64) -> Option<WinNumber> {
    let (winner, votes) = last.winner();
    let turnout = last.turnout()?;
    let expected = (eligible_now as f64 * turnout).round() as u64;
    let share = votes as f64 / last.valid_votes.max(1) as f64;
    Some(WinNumber {
        last_election: election.date,
        last_winner: winner,
        last_majority: last.majority(),
        last_turnout: turnout,
        expected_votes: expected,
        win_number: (expected as f64 * share).floor() as u64 + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derby_north(year: i32) -> &'static SeatResult {
        bundled_election(year).unwrap().seat("E14000662").unwrap()
    }

    #[test]
    fn derby_north_matches_the_published_results() {
        let r2015 = derby_north(2015);
        assert_eq!(r2015.winner(), (Party::Con, 16_402));
        assert_eq!(r2015.second(), (Party::Lab, 16_361));
        assert_eq!(r2015.majority(), 41);
        let r2017 = derby_north(2017);
        assert_eq!(
            (r2017.winner(), r2017.majority(), r2017.electorate, r2017.valid_votes),
            ((Party::Lab, 23_622), 2_015, Some(69_919), 48_672)
        );
        assert_eq!((derby_north(2019).winner().0, derby_north(2019).majority()), (Party::Con, 2_540));
        assert_eq!(derby_north(2010).winner(), (Party::Lab, 14_896));
        let r2024 = bundled_election(2024).unwrap().seat("E14001193").unwrap();
        assert_eq!((r2024.winner(), r2024.majority()), ((Party::Lab, 18_619), 8_915));
    }

    #[test]
    fn bundled_elections_have_every_seat_and_the_official_totals() {
        let totals = [(2015, 30_697_525), (2017, 32_204_184), (2019, 32_014_110), (2024, 28_809_340)];
        for (year, total) in totals {
            let e = bundled_election(year).unwrap();
            assert_eq!(e.seats.len(), 650);
            assert_eq!(e.seats.iter().map(|s| s.valid_votes).sum::<u64>(), total, "{year}");
        }
        assert_eq!(bundled_election(2010).unwrap().seats.len(), 650);
        assert_eq!(bundled_election(2019).unwrap().boundaries, Boundaries::Pcon2010);
        assert_eq!(bundled_election(2024).unwrap().boundaries, Boundaries::Pcon2024);
    }

    #[test]
    fn the_ukip_family_is_one_family_of_distinct_parties() {
        assert_eq!(bundled_election(2015).unwrap().party_of_family(Party::Reform), Party::Ukip);
        assert_eq!(bundled_election(2019).unwrap().party_of_family(Party::Ukip), Party::Brexit);
        assert_eq!(bundled_election(2024).unwrap().party_of_family(Party::Brexit), Party::Reform);
        assert_eq!(Party::parse("Brexit Party"), Some(Party::Brexit));
        assert_eq!(Party::parse("Lab Co-op"), Some(Party::Lab));
        assert_eq!(Party::parse("Monster Raving Loony"), None);
    }

    #[test]
    fn win_number_for_derby_north_in_2017() {
        let gss = GssCode::parse("E14000662").unwrap();
        let (e, r) = previous_result(bundled(), &gss, NaiveDate::from_ymd_opt(2017, 6, 8).unwrap()).unwrap();
        assert_eq!(e.year, 2015);
        let w = win_number(e, r, 69_794).unwrap();
        assert_eq!(w.expected_votes, 44_745);
        assert_eq!(w.win_number, 16_403);
    }
}
