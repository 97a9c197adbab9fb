//! Polling day with real server processes: two `groundgame serve` on one PostgreSQL database (a
//! committee room open on one hears, within a second, each number a teller sends to the other:
//! PostgreSQL's NOTIFY carries the change between them), and a server killed (SIGKILL) in the
//! middle of a stream of teller entries (every acknowledged entry is there after a restart, and
//! the phone's resends of the rest are taken once).

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{request, serve, set_up, sign_in, struck_off, telling, Events, Postgres};

#[test]
fn a_committee_room_on_one_server_hears_a_teller_on_another() {
    let Some(pg) = Postgres::create("two_servers") else { return };
    let database = pg.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let district = set_up(&database, dir.path());

    {
        let a = serve(&database);
        let b = serve(&database);
        let organiser = sign_in(a.port, "organiser@test.example");
        let teller = sign_in(b.port, "teller@test.example");
        let mut room = Events::open(a.port, &organiser);
        assert_eq!(struck_off(&room.next_room(), &district), 0, "the first event comes at once");
        for n in 1..=3u64 {
            let entry = json!({ "id": uuid::Uuid::new_v4(), "polling_district": district, "number": n.to_string(), "recorded_at": "2017-06-08T08:00:00Z" });
            let sent = Instant::now();
            let support::Answer { status, body, .. } = request(
                b.port,
                "POST",
                "/api/v1/tellings",
                &[("Cookie", &teller.cookie), ("X-CSRF-Token", &teller.csrf)],
                Some(&json!({ "entries": [entry] })),
            )
            .unwrap();
            assert_eq!(status, 200, "{body}");
            let counted = struck_off(&room.next_room(), &district);
            let took = sent.elapsed();
            assert_eq!(counted, n, "server A counts the strike-off sent to server B");
            assert!(took < Duration::from_secs(1), "the event came {took:?} after the strike-off");
        }
    }
}

#[test]
fn a_server_killed_mid_stream_loses_no_acknowledged_telling() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("gg.db").to_str().unwrap().to_owned();
    let district = set_up(&database, dir.path());
    let server = serve(&database);
    let port = server.port;
    let teller = sign_in(port, "teller@test.example");
    let body = request(port, "GET", &format!("/api/v1/teller/names?polling_district={district}"), &[("Cookie", &teller.cookie)], None)
        .unwrap()
        .body;
    let names: Value = serde_json::from_str(&body).unwrap();
    let numbers: Vec<String> =
        names["electors"].as_array().unwrap().iter().take(300).map(|e| e["number"].as_str().unwrap().to_owned()).collect();
    assert!(numbers.len() >= 200, "{} electors in {district}", numbers.len());
    // A phone sends entries one after another; the server is killed while they go.
    let entries: Vec<(String, Value)> = numbers.iter().map(|n| telling(&district, n)).collect();
    let (acked_tx, acked_rx) = std::sync::mpsc::channel::<String>();
    let sending = {
        let entries = entries.clone();
        let (cookie, csrf) = (teller.cookie.clone(), teller.csrf.clone());
        std::thread::spawn(move || {
            for (id, entry) in entries {
                let headers = [("Cookie", cookie.as_str()), ("X-CSRF-Token", csrf.as_str())];
                match request(port, "POST", "/api/v1/tellings", &headers, Some(&json!({ "entries": [entry] }))) {
                    Some(a) if a.status == 200 && a.body.contains(&id) => acked_tx.send(id).unwrap(),
                    _ => return,
                }
            }
        })
    };
    let mut acked: Vec<String> = (0..50).map(|_| acked_rx.recv_timeout(Duration::from_secs(30)).expect("entries acknowledged")).collect();
    drop(server); // SIGKILL, mid-stream
    sending.join().unwrap();
    acked.extend(acked_rx.try_iter());
    assert!(acked.len() < entries.len(), "the kill came mid-stream: {} of {} acknowledged", acked.len(), entries.len());

    // After a restart the phone sends everything again: what was acknowledged is there already
    // (a duplicate), the rest is stored now, each exactly once.
    let server = serve(&database);
    let teller = sign_in(server.port, "teller@test.example");
    let all: Vec<Value> = entries.iter().map(|e| e.1.clone()).collect();
    let headers = [("Cookie", teller.cookie.as_str()), ("X-CSRF-Token", teller.csrf.as_str())];
    let support::Answer { status, body, .. } =
        request(server.port, "POST", "/api/v1/tellings", &headers, Some(&json!({ "entries": all }))).unwrap();
    assert_eq!(status, 200, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    let ids =
        |k: &str| report[k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect::<std::collections::HashSet<_>>();
    let duplicates = ids("duplicates");
    for id in &acked {
        assert!(duplicates.contains(id), "acknowledged telling {id} survived the kill");
    }
    assert!(ids("unknown").is_empty(), "{report}");
    assert_eq!(duplicates.len() + ids("stored").len(), entries.len(), "{report}");
    let organiser = sign_in(server.port, "organiser@test.example");
    let body = request(server.port, "GET", "/api/v1/committee-room", &[("Cookie", &organiser.cookie)], None).unwrap().body;
    let room: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(struck_off(&room, &district) as usize, entries.len(), "each voter struck off once");
}
