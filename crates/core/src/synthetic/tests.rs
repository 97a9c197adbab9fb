use std::io::Cursor;

use super::*;
use crate::register::layout::{Layout, Mapping};
use crate::register::reader::TableReader;
use crate::register::record::{RecordParser, UnknownMarkers};

fn options(electors: usize, format: Format) -> Options {
    Options {
        constituency: GssCode::parse("E14000662").unwrap(),
        electors,
        seed: 7,
        format,
        register_date: NaiveDate::from_ymd_opt(2017, 2, 1).unwrap(),
    }
}

fn generate(o: &Options) -> (Vec<u8>, Vec<u8>, Summary) {
    let mut out = Vec::new();
    let mut av = Vec::new();
    let s = write_register(o, &mut out, Some(&mut av)).unwrap();
    (out, av, s)
}

#[test]
fn the_same_seed_gives_the_same_register() {
    let a = generate(&options(3000, Format::Xpress13));
    let b = generate(&options(3000, Format::Xpress13));
    assert_eq!(a.0, b.0);
    let mut other = options(3000, Format::Xpress13);
    other.seed = 8;
    assert_ne!(a.0, generate(&other).0);
}

#[test]
fn every_layout_reads_back_without_errors() {
    for format in [Format::Xpress13, Format::Xpress14, Format::MonthlyUpdate] {
        let (bytes, av, summary) = generate(&options(5000, format));
        assert_eq!(summary.electors, 5000);
        let mut reader = TableReader::open(Cursor::new(bytes)).unwrap();
        let layout = Layout::for_register(&reader.headers, &Mapping::default()).unwrap();
        assert_eq!(layout.format, format);
        let parser = RecordParser::new(layout, UnknownMarkers::Refuse);
        let mut seen = std::collections::HashSet::new();
        let mut n = 0;
        while let Some(row) = reader.next_row() {
            let r = parser.parse(&row.unwrap()).unwrap_or_else(|e| panic!("{format}: {e}"));
            assert!(seen.insert(r.number.clone()), "duplicate {}", r.number);
            n += 1;
        }
        assert_eq!(n, 5000);
        let postal = String::from_utf8(av).unwrap().lines().count() - 1;
        assert!((600..1400).contains(&postal), "about one in five vote by post, got {postal}");
        assert!(summary.attainers > 20 && summary.attainers < 300, "{summary:?}");
        assert!(summary.households > 1800 && summary.households < 3500, "{summary:?}");
    }
}

#[test]
fn other_constituencies_are_refused_clearly() {
    let mut o = options(10, Format::Xpress13);
    o.constituency = GssCode::parse("E14000663").unwrap();
    assert!(write_register(&o, Vec::new(), None).unwrap_err().contains("E14000662"));
}
