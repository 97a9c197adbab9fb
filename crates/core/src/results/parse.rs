//! Reading results files: the House of Commons Library's layouts, one row per constituency (votes
//! per party in columns) or one row per candidate, recognised from the header.
//!
//! Everything is checked before anything is returned: unknown party columns, duplicate or unknown
//! constituencies, numbers that are not numbers, party votes that do not add up to the valid vote,
//! more votes than electors, and seats missing from the boundary set. Each problem names its line.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::OnceLock;

use super::{Boundaries, Party, SeatResult};

/// The two shapes of results file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One row per constituency, a column of votes per party.
    Constituency,
    /// One row per candidate, with their party and votes.
    Candidate,
}

/// A results file read and checked.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub layout: Layout,
    pub boundaries: Boundaries,
    pub seats: Vec<SeatResult>,
    /// Candidate files: party labels counted as [`Party::Other`], with their votes.
    pub counted_as_other: BTreeMap<String, u64>,
}

/// One thing wrong with a results file, at a line (1 is the header) or in the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<u64>,
    pub message: String,
}

/// A file that cannot be imported, with every problem found (nothing is imported).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    /// What the file is: 'results file', 'postcode file'.
    pub file: &'static str,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 20;
        write!(
            f,
            "the results file has {} problem{}; nothing was imported:",
            self.problems.len(),
            if self.problems.len() == 1 { "" } else { "s" }
        )?;
        for p in self.problems.iter().take(SHOWN) {
            match p.line {
                Some(line) => write!(f, "\n  line {line}: {}", p.message)?,
                None => write!(f, "\n  {}", p.message)?,
            }
        }
        if self.problems.len() > SHOWN {
            write!(f, "\n  ... and {} more", self.problems.len() - SHOWN)?;
        }
        Ok(())
    }
}

const RESULTS_FILE: &str = "results file";

/// A seat of a boundary set, with its place on the hexagon cartogram.
#[derive(Debug, Clone, PartialEq)]
pub struct Seat {
    pub gss: String,
    pub name: String,
    pub region: String,
    pub nation: String,
    /// Column and row on the cartogram (odd rows shifted right by half a hexagon).
    pub q: i32,
    pub r: i32,
}

/// Every seat of a boundary set (650 each), bundled from the ODI Leeds hexagon cartograms.
pub fn seats(boundaries: Boundaries) -> &'static [Seat] {
    static SEATS: OnceLock<[Vec<Seat>; 2]> = OnceLock::new();
    let all = SEATS.get_or_init(|| {
        let read = |text: &str| -> Vec<Seat> {
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            reader
                .records()
                .map(|r| {
                    let r = r.expect("bundled seat list is valid CSV");
                    Seat {
                        gss: r[0].to_owned(),
                        name: r[1].to_owned(),
                        region: r[2].to_owned(),
                        nation: r[3].to_owned(),
                        q: r[4].parse().expect("bundled hex column"),
                        r: r[5].parse().expect("bundled hex row"),
                    }
                })
                .collect()
        };
        [read(include_str!("../../../../data/elections/seats_2010.csv")), read(include_str!("../../../../data/elections/seats_2024.csv"))]
    });
    match boundaries {
        Boundaries::Pcon2010 => &all[0],
        Boundaries::Pcon2024 => &all[1],
    }
}

/// The seat a GSS code names on a boundary set. Some Scottish seats kept their code in 2024.
pub fn seat(boundaries: Boundaries, gss: &str) -> Option<&'static Seat> {
    static INDEX: OnceLock<[HashMap<&'static str, &'static Seat>; 2]> = OnceLock::new();
    let index =
        INDEX.get_or_init(|| [Boundaries::Pcon2010, Boundaries::Pcon2024].map(|b| seats(b).iter().map(|s| (s.gss.as_str(), s)).collect()));
    index[boundaries as usize].get(gss).copied()
}

/// The boundary set most of a file's codes belong to.
fn boundaries_of<'a>(codes: impl Iterator<Item = &'a str> + Clone) -> Boundaries {
    let count = |b| codes.clone().filter(|c| seat(b, c).is_some()).count();
    if count(Boundaries::Pcon2024) > count(Boundaries::Pcon2010) {
        Boundaries::Pcon2024
    } else {
        Boundaries::Pcon2010
    }
}

/// Header names compared without case, spaces or punctuation: `ONS ID`, `ons_id` and `Ons Id` match.
fn key(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase()
}

const GSS: &[&str] = &["onsid", "id", "gss", "gsscode", "constituencyid", "pcon13cd", "pcon24cd", "pconcd"];
const NAME: &[&str] = &["constituencyname", "constituency", "name", "pcon13nm", "pcon24nm"];
const REGION: &[&str] = &["regionname", "region"];
const NATION: &[&str] = &["countryname", "country", "nation"];
const ELECTORATE: &[&str] = &["electorate"];
const VALID: &[&str] = &["validvotes", "totalvotes", "valid"];
const PARTY: &[&str] = &["partyabbreviation", "partycode", "party", "partyname", "partynameidentifier"];
const VOTES: &[&str] = &["votes"];
/// Columns of the published layouts that say nothing groundgame keeps.
const IGNORED: &[&str] = &[
    "onsregionid",
    "regionid",
    "countyname",
    "county",
    "constituencytype",
    "declarationtime",
    "result",
    "firstparty",
    "secondparty",
    "invalidvotes",
    "majority",
    "otherwinner",
    "ofwhichotherwinner",
    "memberfirstname",
    "membersurname",
    "membergender",
    "seats",
    "turnout",
    "election",
    "boundaryset",
    "",
];

struct Columns {
    index: HashMap<String, usize>,
}

impl Columns {
    fn find(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.index.get(*n).copied())
    }
}

/// Reads a results file (UTF-8, with or without a byte-order mark, or Windows-1252).
pub fn parse(bytes: &[u8]) -> Result<Parsed, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0,
    };
    let fail = |line: Option<u64>, message: String| ImportError { file: RESULTS_FILE, problems: vec![Problem { line, message }] };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| fail(Some(1), format!("cannot read the header: {e}")))?.clone();
    let mut columns = Columns { index: HashMap::new() };
    for (i, h) in headers.iter().enumerate() {
        columns.index.entry(key(h)).or_insert(i);
    }
    let Some(gss) = columns.find(GSS) else {
        return Err(fail(Some(1), "no constituency code column (ons_id, ONS ID or gss)".into()));
    };
    let party_column = columns.find(PARTY);
    let votes_column = columns.find(VOTES);
    let rows: Vec<(u64, csv::StringRecord)> = reader
        .records()
        .map(|r| r.map(|r| (r.position().map_or(0, |p| p.line()), r)))
        .collect::<Result<_, _>>()
        .map_err(|e| fail(e.position().map(|p| p.line()), format!("not valid CSV: {e}")))?;
    if rows.is_empty() {
        return Err(fail(None, "the file has a header but no results".into()));
    }
    let boundaries = boundaries_of(rows.iter().map(|(_, r)| r.get(gss).unwrap_or("").trim()));
    let common = Common {
        boundaries,
        gss,
        name: columns.find(NAME),
        region: columns.find(REGION),
        nation: columns.find(NATION),
        electorate: columns.find(ELECTORATE),
    };
    match (party_column, votes_column) {
        (Some(party), Some(votes)) => {
            let name = columns.find(&["partyname", "partynameidentifier"]).filter(|c| *c != party);
            candidates(&rows, &common, party, name, votes)
        }
        _ => constituencies(&headers, &rows, &common, columns.find(VALID)),
    }
}

struct Common {
    boundaries: Boundaries,
    gss: usize,
    name: Option<usize>,
    region: Option<usize>,
    nation: Option<usize>,
    electorate: Option<usize>,
}

/// What every seat row has, whatever the layout.
struct SeatKey {
    seat: &'static Seat,
    name: String,
    region: String,
    nation: String,
    electorate: Option<u64>,
}

fn field(row: &csv::StringRecord, column: Option<usize>) -> Option<&str> {
    column.and_then(|c| row.get(c)).map(str::trim).filter(|v| !v.is_empty())
}

fn number(row: &csv::StringRecord, column: usize, header: &str, problems: &mut Vec<Problem>, line: u64) -> u64 {
    let raw = row.get(column).unwrap_or("").trim();
    if raw.is_empty() {
        return 0;
    }
    match raw.replace(',', "").parse::<u64>() {
        Ok(n) => n,
        Err(_) => {
            problems.push(Problem { line: Some(line), message: format!("{header} is not a whole number of votes: '{raw}'") });
            0
        }
    }
}

/// One name for each region whatever the file calls it: the Library's 2015 and 2017 files say
/// 'East', the 1918-2017 file 'Eastern', later ones 'East of England'.
fn region_name(name: &str) -> String {
    match name {
        "East" | "Eastern" | "East of England" => "East of England".to_owned(),
        other => other.to_owned(),
    }
}

fn seat_key(row: &csv::StringRecord, c: &Common, line: u64, problems: &mut Vec<Problem>) -> Option<SeatKey> {
    let code = field(row, Some(c.gss)).unwrap_or("");
    let Some(seat) = seat(c.boundaries, code) else {
        let message = if code.is_empty() {
            "no constituency code".to_owned()
        } else {
            format!("unknown constituency code '{code}' (not a seat on {}, as most of the file is)", c.boundaries.label())
        };
        problems.push(Problem { line: Some(line), message });
        return None;
    };
    let electorate = c.electorate.map(|col| number(row, col, "the electorate", problems, line)).filter(|e| *e > 0);
    Some(SeatKey {
        seat,
        name: field(row, c.name).map_or_else(|| seat.name.clone(), str::to_owned),
        region: field(row, c.region).map_or_else(|| seat.region.clone(), region_name),
        nation: field(row, c.nation).map_or_else(|| seat.nation.clone(), str::to_owned),
        electorate,
    })
}

fn constituencies(
    headers: &csv::StringRecord,
    rows: &[(u64, csv::StringRecord)],
    c: &Common,
    valid: Option<usize>,
) -> Result<Parsed, ImportError> {
    let mut problems = Vec::new();
    let known = [Some(c.gss), c.name, c.region, c.nation, c.electorate, valid];
    let mut parties: Vec<(usize, Party)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if known.contains(&Some(i)) || IGNORED.contains(&key(h).as_str()) || key(h).ends_with("share") {
            continue;
        }
        match Party::parse(h) {
            Some(p) => parties.push((i, p)),
            None => problems
                .push(Problem { line: Some(1), message: format!("unknown party code '{}' in column {} of the header", h.trim(), i + 1) }),
        }
    }
    if parties.is_empty() {
        problems.push(Problem { line: Some(1), message: "no party columns (con, lab, ld, ...) and no party and votes columns".into() });
    }
    if !problems.is_empty() {
        return Err(ImportError { file: RESULTS_FILE, problems });
    }
    let mut collected = Collected::default();
    for (line, row) in rows {
        let Some(seat) = seat_key(row, c, *line, &mut problems) else { continue };
        let mut votes: BTreeMap<Party, u64> = BTreeMap::new();
        for (col, party) in &parties {
            *votes.entry(*party).or_default() += number(row, *col, &format!("'{}'", headers[*col].trim()), &mut problems, *line);
        }
        let sum: u64 = votes.values().sum();
        if let Some(col) = valid {
            let total = number(row, col, "the valid vote", &mut problems, *line);
            if total != sum {
                problems.push(Problem {
                    line: Some(*line),
                    message: format!("{} ({}): the party votes add up to {sum} but the valid vote is {total}", seat.seat.gss, seat.name),
                });
            }
        }
        collected.add(seat, votes, *line, &mut problems);
    }
    collected.finish(Layout::Constituency, c.boundaries, problems, BTreeMap::new())
}

fn candidates(
    rows: &[(u64, csv::StringRecord)],
    c: &Common,
    party: usize,
    party_name: Option<usize>,
    votes: usize,
) -> Result<Parsed, ImportError> {
    let mut problems = Vec::new();
    let mut by_seat: BTreeMap<&'static str, (SeatKey, BTreeMap<Party, u64>, u64)> = BTreeMap::new();
    let mut counted_as_other: BTreeMap<String, u64> = BTreeMap::new();
    for (line, row) in rows {
        let Some(seat) = seat_key(row, c, *line, &mut problems) else { continue };
        let n = number(row, votes, "the candidate's votes", &mut problems, *line);
        let label = field(row, Some(party)).or_else(|| field(row, party_name));
        let Some(label) = label else {
            problems.push(Problem { line: Some(*line), message: "the candidate has no party (write 'Ind' for an independent)".into() });
            continue;
        };
        let p = Party::parse(label).or_else(|| field(row, party_name).and_then(Party::parse)).unwrap_or_else(|| {
            *counted_as_other.entry(label.to_owned()).or_default() += n;
            Party::Other
        });
        let entry = by_seat.entry(seat.seat.gss.as_str()).or_insert_with(|| (seat, BTreeMap::new(), *line));
        *entry.1.entry(p).or_default() += n;
    }
    let mut collected = Collected::default();
    for (_, (seat, votes, line)) in by_seat {
        collected.add(seat, votes, line, &mut problems);
    }
    collected.finish(Layout::Candidate, c.boundaries, problems, counted_as_other)
}

#[derive(Default)]
struct Collected {
    first_line: HashMap<&'static str, u64>,
    seats: Vec<SeatResult>,
}

impl Collected {
    fn add(&mut self, seat: SeatKey, votes: BTreeMap<Party, u64>, line: u64, problems: &mut Vec<Problem>) {
        let gss = seat.seat.gss.as_str();
        if let Some(first) = self.first_line.insert(gss, line) {
            problems.push(Problem { line: Some(line), message: format!("{gss} ({}) appears again: it is on line {first} too", seat.name) });
            return;
        }
        let total: u64 = votes.values().sum();
        if let Some(electorate) = seat.electorate.filter(|e| total > *e) {
            problems.push(Problem {
                line: Some(line),
                message: format!("{gss} ({}): {total} votes are more than the electorate of {electorate}", seat.name),
            });
        }
        if total == 0 {
            problems.push(Problem { line: Some(line), message: format!("{gss} ({}) has no votes", seat.name) });
        }
        self.seats.push(SeatResult::new(gss.to_owned(), seat.name, seat.region, seat.nation, seat.electorate, votes));
    }

    fn finish(
        mut self,
        layout: Layout,
        boundaries: Boundaries,
        mut problems: Vec<Problem>,
        counted_as_other: BTreeMap<String, u64>,
    ) -> Result<Parsed, ImportError> {
        let missing: Vec<&Seat> = seats(boundaries).iter().filter(|s| !self.first_line.contains_key(s.gss.as_str())).collect();
        if !missing.is_empty() {
            let listed: Vec<String> = missing.iter().take(10).map(|s| format!("{} ({})", s.gss, s.name)).collect();
            problems.push(Problem {
                line: None,
                message: format!(
                    "{} seat{} of {} {} missing: {}{}",
                    missing.len(),
                    if missing.len() == 1 { "" } else { "s" },
                    boundaries.label(),
                    if missing.len() == 1 { "is" } else { "are" },
                    listed.join(", "),
                    if missing.len() > 10 { ", ..." } else { "" }
                ),
            });
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line.unwrap_or(u64::MAX));
            return Err(ImportError { file: RESULTS_FILE, problems });
        }
        self.seats.sort_by(|a, b| a.gss.cmp(&b.gss));
        Ok(Parsed { layout, boundaries, seats: self.seats, counted_as_other })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARED: &str = "../../../shared/data/elections";

    fn shared(file: &str) -> Option<Vec<u8>> {
        std::fs::read(format!("{}/{SHARED}/{file}", env!("CARGO_MANIFEST_DIR"))).ok()
    }

    fn bundled_2017() -> String {
        include_str!("../../../../data/elections/ge2017.csv").to_owned()
    }

    fn problems(text: &str) -> Vec<Problem> {
        parse(text.as_bytes()).unwrap_err().problems
    }

    #[test]
    fn the_bundled_layout_reads_back() {
        let parsed = parse(bundled_2017().as_bytes()).unwrap();
        assert_eq!(parsed.layout, Layout::Constituency);
        assert_eq!(parsed.seats.len(), 650);
        let dn = parsed.seats.iter().find(|s| s.gss == "E14000662").unwrap();
        assert_eq!((dn.winner(), dn.majority()), ((Party::Lab, 23_622), 2_015));
    }

    #[test]
    fn the_published_library_and_commission_files_read_as_published() {
        // The original files are read when the shared data is at hand (as on the development
        // machine); the bundled copies are checked against them.
        let Some(bytes) = shared("hoc_ge2019_results_by_candidate.csv") else { return };
        let by_candidate = parse(&bytes).unwrap();
        assert_eq!(by_candidate.layout, Layout::Candidate);
        let bundled = super::super::bundled_election(2019).unwrap();
        for seat in &by_candidate.seats {
            let b = bundled.seat(&seat.gss).unwrap();
            assert_eq!((seat.winner(), seat.majority()), (b.winner(), b.majority()), "{}", seat.name);
        }
        assert!(by_candidate.counted_as_other.contains_key("The Yorkshire Party"));
        let ec2015 = parse(&shared("ec_ge2015_results_by_candidate.csv").unwrap()).unwrap();
        let dn = ec2015.seats.iter().find(|s| s.gss == "E14000662").unwrap();
        assert_eq!((dn.winner(), dn.majority()), ((Party::Con, 16_402), 41));
        for (file, year) in [("hoc_ge2015_results_by_constituency.csv", 2015), ("hoc_ge2024_results_by_constituency.csv", 2024)] {
            let parsed = parse(&shared(file).unwrap()).unwrap();
            let bundled = &super::super::bundled_election(year).unwrap().seats;
            assert_eq!(parsed.seats.len(), bundled.len(), "{file}");
            for (read, original) in parsed.seats.iter().zip(bundled) {
                assert!(read == original, "{file}: {read:?} against {original:?}");
            }
        }
    }

    /// The bundled 2019 results written out as a candidate file (the Electoral Commission's header,
    /// Windows-1252), with 'other' split into a minor party: it reads back to the same results.
    #[test]
    fn a_candidate_file_reads_back_to_the_same_results() {
        let bundled = super::super::bundled_election(2019).unwrap();
        let mut text = String::from("Forename,Surname,Constituency Name,Votes,Constituency ID ,Region ,Country ,Party abbreviation\n");
        for seat in &bundled.seats {
            for (party, votes) in &seat.votes {
                let label = match party {
                    Party::Other => "Monster Raving Loony",
                    Party::SinnFein => "Sinn Féin",
                    p => p.code(),
                };
                let name = if seat.name.contains(',') { format!("\"{}\"", seat.name) } else { seat.name.clone() };
                text.push_str(&format!("A,Candidate,{name},{votes},{},{},{},{label}\n", seat.gss, seat.region, seat.nation));
            }
        }
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
        let parsed = parse(&bytes).unwrap();
        assert_eq!(parsed.layout, Layout::Candidate);
        assert_eq!(parsed.counted_as_other.keys().collect::<Vec<_>>(), ["Monster Raving Loony"]);
        for (read, original) in parsed.seats.iter().zip(&bundled.seats) {
            assert_eq!((&read.gss, &read.votes, read.electorate), (&original.gss, &original.votes, None));
        }
        assert!(parsed.seats.iter().any(|s| s.votes.iter().any(|v| v.0 == Party::SinnFein)), "Sinn Féin read from Windows-1252");
    }

    #[test]
    fn an_unknown_party_column_is_named() {
        let text = bundled_2017().replacen("alliance", "zzp", 1);
        let p = problems(&text);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, Some(1));
        assert!(p[0].message.contains("unknown party code 'zzp' in column"), "{}", p[0].message);
    }

    #[test]
    fn duplicates_bad_totals_and_missing_seats_name_their_rows() {
        let mut lines: Vec<String> = bundled_2017().lines().map(str::to_owned).collect();
        // Line 3 copied over line 5: line 5 is a duplicate, and line 5's seat goes missing.
        lines[4] = lines[2].clone();
        // More votes than electors on line 7.
        let mut fields: Vec<String> = lines[6].split(',').map(str::to_owned).collect();
        fields[4] = "100".into();
        lines[6] = fields.join(",");
        // Party votes that do not add up to the valid vote on line 9.
        let mut fields: Vec<String> = lines[8].split(',').map(str::to_owned).collect();
        fields[6] = (fields[6].parse::<u64>().unwrap() + 1).to_string();
        lines[8] = fields.join(",");
        let p = problems(&lines.join("\n"));
        let at = |line: u64| p.iter().find(|p| p.line == Some(line)).map(|p| p.message.clone()).unwrap_or_default();
        assert!(at(5).contains("appears again: it is on line 3 too"), "{p:?}");
        assert!(at(7).contains("more than the electorate of 100"), "{p:?}");
        assert!(at(9).contains("add up to"), "{p:?}");
        assert!(p.iter().any(|p| p.line.is_none() && p.message.starts_with("1 seat of the 2010-2019 boundaries is missing")), "{p:?}");
        assert_eq!(p.len(), 4);
    }

    #[test]
    fn unknown_codes_and_bad_numbers_are_named() {
        let text = format!("{}\nE99999999,Nowhere,East,England,100,10,5,5\n", bundled_2017().lines().next().unwrap());
        let p = problems(&text);
        assert_eq!(p[0].line, Some(2));
        assert!(p[0].message.contains("unknown constituency code 'E99999999'"));
        let text = bundled_2017().replacen(",69919,48672,21607,", ",69919,48672,lots,", 1);
        assert!(problems(&text).iter().any(|p| p.message.contains("'con' is not a whole number of votes: 'lots'")));
        assert!(problems("ons_id,con\n").iter().any(|p| p.message.contains("no results")));
    }

    #[test]
    fn a_candidate_without_a_party_is_named() {
        let text = "ons_id,party_abbreviation,votes\nE14000662,Con,16402\nE14000662,,16361\n";
        let p = problems(text);
        assert_eq!(p[0].line, Some(3));
        assert!(p[0].message.contains("no party"));
    }
}
