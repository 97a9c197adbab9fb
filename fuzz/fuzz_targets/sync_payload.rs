//! Any bytes, as the body of a phone's sync: reading it, checking each contact against the
//! survey and working out the time it counts at must never panic, whatever the dates say.
//! Run: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run sync_payload
#![no_main]

use groundgame_core::survey::{clock_error, ordered_at, Survey, SyncBatch, MAX_NOTE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(batch) = serde_json::from_slice::<SyncBatch>(data) else { return };
    let survey = Survey::default();
    let received = chrono::DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let began = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let error = clock_error(batch.sent_at, received);
    for c in &batch.contacts {
        let _ = survey.check(&c.answers, c.outcome.as_deref());
        let _ = c.note.chars().count() > MAX_NOTE;
        let at = ordered_at(c.recorded_at, error, began, received);
        assert!(at >= began && at <= received, "a contact counts between the campaign's start and its arrival");
        let _ = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    }
});
