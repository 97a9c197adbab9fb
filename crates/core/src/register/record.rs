use chrono::NaiveDate;

use super::layout::{Field, Layout};
use super::reader::Row;
use super::{Change, RegisterRecord, RowError};
use crate::elector::{ElectorNumber, PollingDistrict};
use crate::franchise::Markers;
use crate::geography::Postcode;

/// How strictly unknown marker letters are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownMarkers {
    /// An unknown letter is an error naming the row (the default: nothing is guessed).
    #[default]
    Refuse,
    /// Kept as they are and reported; the elector's eligibility is then unknown.
    Keep,
}

/// Reads register rows into [`RegisterRecord`]s.
#[derive(Debug, Clone)]
pub struct RecordParser {
    layout: Layout,
    unknown_markers: UnknownMarkers,
}

impl RecordParser {
    pub fn new(layout: Layout, unknown_markers: UnknownMarkers) -> Self {
        RecordParser { layout, unknown_markers }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn parse(&self, row: &Row<'_>) -> Result<RegisterRecord, RowError> {
        let line = row.line;
        let get = |field: Field| -> &str { self.layout.column(field).and_then(|i| row.fields.get(i)).map_or("", str::trim) };
        // A rejected row is written out again for the data officer; an anonymous elector's row
        // keeps only the columns that number them.
        let numbering = [Field::PollingDistrict, Field::ElectorNumber, Field::ElectorSuffix, Field::Markers];
        let raw =
            || -> Vec<String> {
                let anonymous = Markers::parse(get(Field::Markers)).is_ok_and(|m| m.is_anonymous());
                row.fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        if !anonymous || numbering.iter().any(|n| self.layout.column(*n) == Some(i)) {
                            f.to_owned()
                        } else {
                            String::new()
                        }
                    })
                    .collect()
            };
        let fail = |field: Option<Field>, reason: String| RowError {
            line,
            column: field.and_then(|f| self.layout.column_name(f)).map(str::to_owned),
            reason,
            raw: raw(),
        };
        if row.fields.len() != self.layout.headers.len() {
            return Err(fail(None, format!("the row has {} fields, the header has {}", row.fields.len(), self.layout.headers.len())));
        }

        let change = if self.layout.has(Field::Change) {
            Some(Change::parse(get(Field::Change)).map_err(|e| fail(Some(Field::Change), e.to_string()))?)
        } else {
            None
        };

        let number = if self.layout.has(Field::PollingDistrict) {
            ElectorNumber::from_parts(get(Field::PollingDistrict), get(Field::ElectorNumber), get(Field::ElectorSuffix)).map_err(|e| {
                let at = if PollingDistrict::parse(get(Field::PollingDistrict)).is_err() {
                    Field::PollingDistrict
                } else if e.message().contains("suffix") {
                    Field::ElectorSuffix
                } else {
                    Field::ElectorNumber
                };
                fail(Some(at), e.to_string())
            })?
        } else {
            let raw = get(Field::ElectorNumber);
            if raw.is_empty() {
                return Err(fail(Some(Field::ElectorNumber), "missing elector number".into()));
            }
            let mut n = ElectorNumber::parse(raw).map_err(|e| fail(Some(Field::ElectorNumber), e.to_string()))?;
            if self.layout.has(Field::ElectorSuffix) && !get(Field::ElectorSuffix).is_empty() {
                n = ElectorNumber::from_parts(n.district.as_str(), &n.number.to_string(), get(Field::ElectorSuffix))
                    .map_err(|e| fail(Some(Field::ElectorSuffix), e.to_string()))?;
            }
            n
        };

        let markers = Markers::parse(get(Field::Markers)).map_err(|e| fail(Some(Field::Markers), e.to_string()))?;
        if self.unknown_markers == UnknownMarkers::Refuse {
            if let Some(letter) = markers.unknown().next() {
                return Err(fail(
                    Some(Field::Markers),
                    format!("unknown marker '{letter}' (pass --accept-unknown-markers to keep it as it is and report it)"),
                ));
            }
        }
        let date_of_birth = match get(Field::DateOfBirth) {
            "" => None,
            s => Some(parse_date_of_birth(s).map_err(|e| fail(Some(Field::DateOfBirth), e.to_string()))?),
        };

        let mut record = RegisterRecord {
            line,
            number,
            title: String::new(),
            forename: String::new(),
            middle_names: String::new(),
            surname: String::new(),
            address: Vec::new(),
            postcode: None,
            uprn: None,
            markers,
            date_of_birth,
            change,
        };
        if record.is_anonymous() || change == Some(Change::Deletion) {
            // An anonymous elector is a number only; a deletion needs nothing more than the number.
            return Ok(record);
        }

        record.title = clean(get(Field::Title));
        record.middle_names = clean(get(Field::MiddleNames));
        if self.layout.has(Field::Surname) {
            record.surname = clean(get(Field::Surname));
            record.forename = clean(get(Field::Forename));
        } else {
            let (surname, forename) = split_full_name(get(Field::FullName));
            record.surname = surname;
            record.forename = forename;
        }
        if record.surname.is_empty() {
            let at = if self.layout.has(Field::Surname) { Field::Surname } else { Field::FullName };
            return Err(fail(Some(at), "missing surname".into()));
        }
        for n in 1..=6 {
            let line = clean(get(Field::Address(n)));
            if !line.is_empty() {
                record.address.push(line);
            }
        }
        record.postcode = match get(Field::Postcode) {
            "" => None,
            s => Some(Postcode::parse(s).map_err(|e| fail(Some(Field::Postcode), format!("malformed postcode: {e}")))?),
        };
        record.uprn = match get(Field::Uprn) {
            "" => None,
            s => Some(parse_uprn(s).map_err(|e| fail(Some(Field::Uprn), e.to_string()))?),
        };
        if record.address.is_empty() && record.postcode.is_none() && record.uprn.is_none() {
            return Err(fail(Some(Field::Address(1)), "missing address".into()));
        }
        Ok(record)
    }
}

/// Collapses runs of white space (quoted fields can hold newlines) into single spaces.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `Surname, Forenames` (the Xpress order) or, without a comma, `Forenames Surname`.
fn split_full_name(s: &str) -> (String, String) {
    match s.split_once(',') {
        Some((surname, forenames)) => (clean(surname), clean(forenames)),
        None => {
            let s = clean(s);
            match s.rsplit_once(' ') {
                Some((forenames, surname)) => (surname.to_owned(), forenames.to_owned()),
                None => (s, String::new()),
            }
        }
    }
}

/// Dates of birth come as DD/MM/YYYY (one-digit day and month allowed).
pub fn parse_date_of_birth(s: &str) -> Result<NaiveDate, crate::Invalid> {
    NaiveDate::parse_from_str(s.trim(), "%d/%m/%Y")
        .ok()
        .filter(|d| (1900..=2100).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| format!("'{}' is not a date of birth (DD/MM/YYYY)", s.trim()).into())
}

/// UPRNs are text of up to 12 digits. A spreadsheet that turned one into a number may have left
/// `100030123456.0` or `1.00030123456E+11`: the first is mended, the second refused (digits lost).
fn parse_uprn(s: &str) -> Result<String, crate::Invalid> {
    let t = s.trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    if t.contains(['E', 'e']) {
        return Err(format!("'{s}' is a UPRN a spreadsheet turned into a number: its digits are lost; export UPRNs as text").into());
    }
    if t.is_empty() || t.len() > 12 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{s}' is not a UPRN (up to 12 digits)").into());
    }
    Ok(t.trim_start_matches('0').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::layout::Mapping;
    use crate::register::reader::TableReader;
    use std::io::Cursor;

    const X13: &str = "Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Name,PostCode,Address1,Address2,Address3,Address4,Address5,Address6\n";

    fn parse_all(text: &str) -> Vec<Result<RegisterRecord, RowError>> {
        let mut reader = TableReader::open(Cursor::new(text.as_bytes().to_vec())).unwrap();
        let layout = Layout::for_register(&reader.headers, &Mapping::default()).unwrap();
        let parser = RecordParser::new(layout, UnknownMarkers::Refuse);
        let mut out = Vec::new();
        while let Some(row) = reader.next_row() {
            out.push(parser.parse(&row.unwrap()));
        }
        out
    }

    #[test]
    fn parses_an_xpress_row() {
        let r = parse_all(&format!("{X13}NA1,124,1,F,,\"Smith, John Paul\",de22 1aa,12 Duffield Road,Darley Abbey,Derby,,,\n"));
        let r = r[0].as_ref().unwrap();
        assert_eq!(r.number.to_string(), "NA1-124/1");
        assert_eq!((r.surname.as_str(), r.forename.as_str()), ("Smith", "John Paul"));
        assert_eq!(r.address, ["12 Duffield Road", "Darley Abbey", "Derby"]);
        assert_eq!(r.postcode.as_ref().unwrap().as_str(), "DE22 1AA");
        assert_eq!(r.markers.as_str(), "F");
        assert_eq!(r.line, 2);
    }

    #[test]
    fn errors_name_line_column_and_reason() {
        let rows = parse_all(&format!(
            "{X13}NA1,,0,,,\"Smith, A\",DE22 1AA,1 A St,,,,,\nNA1,2,0,,,\"Smith, B\",NOTAPC,1 A St,,,,,\nNA1,3,0,Q,,\"Smith, C\",DE22 1AA,1 A St,,,,,\nNA1,4,0,,31/02/2001,\"Smith, D\",DE22 1AA,1 A St,,,,,\n"
        ));
        let e: Vec<String> = rows.iter().map(|r| r.as_ref().unwrap_err().to_string()).collect();
        assert_eq!(e[0], "line 2, column 'Elector Number': missing elector number");
        assert!(e[1].starts_with("line 3, column 'PostCode': malformed postcode"), "{}", e[1]);
        assert!(e[2].starts_with("line 4, column 'Elector Markers': unknown marker 'Q'"), "{}", e[2]);
        assert!(e[3].starts_with("line 5, column 'Elector DOB'"), "{}", e[3]);
    }

    #[test]
    fn anonymous_electors_keep_no_name_or_address() {
        let r = parse_all(&format!("{X13}NA1,9,0,N,,\"Secret, Person\",DE22 1AA,1 Hidden Road,,,,,\n"));
        let r = r[0].as_ref().unwrap();
        assert!(r.is_anonymous());
        assert!(r.surname.is_empty() && r.forename.is_empty() && r.address.is_empty() && r.postcode.is_none());
    }

    #[test]
    fn a_rejected_anonymous_row_keeps_no_name_or_address() {
        let r = parse_all(&format!("{X13}NA1,9,0,N,31/31/2001,\"Secret, Person\",DE22 1AA,1 Hidden Road,,,,,\n"));
        let e = r[0].as_ref().unwrap_err();
        assert!(e.reason.contains("date of birth"), "{e}");
        assert_eq!(&e.raw[..4], ["NA1", "9", "0", "N"]);
        assert!(e.raw[4..].iter().all(String::is_empty), "{:?}", e.raw);
    }

    #[test]
    fn names_without_a_comma_end_with_the_surname() {
        assert_eq!(split_full_name("Mary Ann  Jones"), ("Jones".into(), "Mary Ann".into()));
        assert_eq!(split_full_name("Cher"), ("Cher".into(), "".into()));
    }

    #[test]
    fn uprns_stay_text() {
        assert_eq!(parse_uprn("010034567890").unwrap(), "10034567890");
        assert_eq!(parse_uprn("100030123456.0").unwrap(), "100030123456");
        assert!(parse_uprn("1.00030123456E+11").unwrap_err().contains("spreadsheet"));
    }
}
