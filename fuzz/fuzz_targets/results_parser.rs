//! Any bytes, as an election results file (the House of Commons Library's layouts or the
//! Electoral Commission's candidate file): the reader must never panic.
//! Run: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run results_parser
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = groundgame_core::results::parse::parse(data) {
        for seat in &parsed.seats {
            let _ = seat.winner();
            let _ = seat.majority();
        }
    }
});
