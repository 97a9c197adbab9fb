//! Any bytes, as a register export or an absent voters list: the parser must never panic.
//! Run: cargo fuzz run register_parser (see docs/BENCHMARKS.md for how it was run here).
#![no_main]

use std::io::Cursor;

use groundgame_core::register::absent::parse_absent_voter;
use groundgame_core::register::layout::{Layout, Mapping};
use groundgame_core::register::reader::TableReader;
use groundgame_core::register::record::{RecordParser, UnknownMarkers};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = TableReader::open(Cursor::new(data.to_vec())) else { return };
    let headers = reader.headers.clone();
    let register = Layout::for_register(&headers, &Mapping::default()).ok().map(|l| RecordParser::new(l, UnknownMarkers::Keep));
    let absent = Layout::for_absent_voters(&headers, &Mapping::default()).ok();
    while let Some(row) = reader.next_row() {
        let Ok(row) = row else { continue };
        if let Some(p) = &register {
            if let Ok(record) = p.parse(&row) {
                let _ = record.household_key();
                let _ = record.number.to_string();
            }
        }
        if let Some(l) = &absent {
            let _ = parse_absent_voter(l, &row);
        }
    }
});
