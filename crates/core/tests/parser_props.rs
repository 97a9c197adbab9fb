//! Property tests: no input makes the register parser panic, and what it accepts it reads back.

use std::io::Cursor;

use groundgame_core::elector::ElectorNumber;
use groundgame_core::geography::Postcode;
use groundgame_core::register::layout::{Layout, Mapping};
use groundgame_core::register::reader::TableReader;
use groundgame_core::register::record::{RecordParser, UnknownMarkers};
use proptest::prelude::*;

const X13: &str = "Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Name,PostCode,Address1,Address2,Address3,Address4,Address5,Address6\n";

/// Reads every row of a file; returns how many parsed.
fn parse_all(bytes: Vec<u8>) -> usize {
    let Ok(mut reader) = TableReader::open(Cursor::new(bytes)) else { return 0 };
    let Ok(layout) = Layout::for_register(&reader.headers, &Mapping::default()) else { return 0 };
    let parser = RecordParser::new(layout, UnknownMarkers::Keep);
    let mut n = 0;
    while let Some(row) = reader.next_row() {
        if let Ok(row) = row {
            if parser.parse(&row).is_ok() {
                n += 1;
            }
        }
    }
    n
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        parse_all(bytes);
    }

    #[test]
    fn arbitrary_rows_under_a_real_header_never_panic(rows in proptest::collection::vec("[ -~\t\"\r\n,éÖ]{0,120}", 0..20)) {
        let mut text = X13.to_owned();
        for r in rows {
            text.push_str(&r);
            text.push('\n');
        }
        parse_all(text.into_bytes());
    }

    #[test]
    fn well_formed_rows_all_parse(rows in proptest::collection::vec(("[A-Z]{1,2}[0-9]?", 1u32..5000, 0u32..3, "[A-Z][a-z]{1,10}", "[A-Z][a-z]{1,10}", 1u32..300), 1..30)) {
        let mut text = X13.to_owned();
        let mut seen = std::collections::HashSet::new();
        let mut expected = 0;
        for (pd, n, s, surname, forename, house) in rows {
            if !seen.insert((pd.clone(), n, s)) {
                continue;
            }
            expected += 1;
            text.push_str(&format!("{pd},{n},{s},,,\"{surname}, {forename}\",DE22 1AA,{house} Duffield Road,Derby,,,,\n"));
        }
        prop_assert_eq!(parse_all(text.into_bytes()), expected);
    }

    #[test]
    fn elector_numbers_round_trip(pd in "[A-Z]{1,3}[0-9]{0,2}", n in 1u32..100000, s in 0u32..20) {
        let number = ElectorNumber::from_parts(&pd, &n.to_string(), &s.to_string()).unwrap();
        prop_assert_eq!(ElectorNumber::parse(&number.to_string()).unwrap(), number);
    }

    #[test]
    fn postcode_normalisation_is_idempotent(s in "[A-Za-z0-9 ]{0,10}") {
        if let Ok(p) = Postcode::parse(&s) {
            prop_assert_eq!(Postcode::parse(p.as_str()).unwrap(), p);
        }
    }
}
