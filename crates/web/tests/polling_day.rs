//! Polling day through the API, on SQLite and PostgreSQL: tellers strike off voters by the numbers
//! they take, each number once however often it is sent and whatever the phone's clock says;
//! numbers that match nobody are kept aside; the knock-up list of a polling district is its
//! promises who have not voted, in walk order; an undo puts a voter back.

mod support;

use std::collections::{BTreeMap, HashSet};

use axum::http::{Method, StatusCode};
use groundgame_core::access::Role;
use serde_json::{json, Value};
use support::{email, fixture, next_event, Client, TestDb};

/// The electors of the fixture's first walk: (id, number, household), in walk order.
async fn walk_electors(organiser: &Client, walk: i64) -> Vec<(i64, String, i64)> {
    let payload = organiser.get(&format!("/api/v1/walks/{walk}/canvass")).await.json();
    let mut out = Vec::new();
    for door in payload["doors"].as_array().unwrap() {
        for e in door["electors"].as_array().unwrap() {
            out.push((e["id"].as_i64().unwrap(), e["number"].as_str().unwrap().to_owned(), door["household_id"].as_i64().unwrap()));
        }
    }
    out
}

fn contact(walk: i64, household: i64, elector: i64, intention: &str, certainty: &str) -> Value {
    let mut answers = BTreeMap::new();
    answers.insert("voting_intention", intention);
    answers.insert("certainty", certainty);
    json!({
        "id": uuid::Uuid::new_v4(), "walk_id": walk, "household_id": household, "elector_id": elector,
        "recorded_at": chrono::Utc::now() - chrono::Duration::hours(2), "answers": answers
    })
}

fn telling(district: &str, number: &str, recorded_at: &str) -> Value {
    json!({ "id": uuid::Uuid::new_v4(), "polling_district": district, "number": number, "recorded_at": recorded_at })
}

fn ids(v: &Value) -> HashSet<String> {
    v.as_array().unwrap().iter().map(|i| i.as_str().unwrap().to_owned()).collect()
}

/// The numbers on the knock-up list of `district`.
async fn knock_up(client: &Client, district: &str) -> Vec<String> {
    let r = client.get(&format!("/api/v1/knock-up?polling_district={district}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["electors"].as_array().unwrap().iter().map(|e| e["elector_number"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn tellers_strike_off_promises_and_the_knock_up_list_follows() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 1500, 20).await;
        let district = f.walks[0].polling_district.clone();
        let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
        let teller = Client::sign_in(f.state(), &email(Role::Teller)).await;
        let canvasser = Client::sign_in(f.state(), &email(Role::Canvasser)).await;

        // A canvass of the first walk: the first eight electors promise (Labour, certain), the
        // next two are Labour but unsure, the next two are Conservative.
        let walk = f.walks[0].id;
        let electors = walk_electors(&organiser, walk).await;
        assert!(electors.len() >= 12, "{name}: the walk has {} electors", electors.len());
        let mut contacts = Vec::new();
        for (i, (id, _, household)) in electors.iter().take(12).enumerate() {
            let (intention, certainty) = match i {
                0..=7 => ("Lab", if i % 2 == 0 { "5" } else { "4" }),
                8 | 9 => ("Lab", "3"),
                _ => ("Con", "5"),
            };
            contacts.push(contact(walk, *household, *id, intention, certainty));
        }
        let r = organiser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": contacts })).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(r.json()["rejected"].as_array().unwrap().is_empty(), "{name}: {}", r.body);
        let promises: Vec<String> = electors.iter().take(8).map(|e| e.1.clone()).collect();
        assert_eq!(knock_up(&organiser, &district).await, promises, "{name}: the promises, in walk order");
        let counts = organiser.get("/api/v1/promises").await.json();
        assert_eq!(counts["promises"], 8, "{name}: {counts}");
        assert_eq!(counts["voted"], 0, "{name}");

        // The teller takes three promises' numbers as printed (without the district), one
        // unsure Labour voter's, and a number nobody has, from a phone whose clock is years out.
        let short = |n: &str| n.split_once('-').unwrap().1.replace('/', ".");
        let wrong_clock = "2009-01-01T08:00:00Z";
        let entries = vec![
            telling(&district, &short(&promises[0]), wrong_clock),
            telling(&district, &short(&promises[3]), wrong_clock),
            telling(&district, &promises[5], "2099-06-08T08:00:00Z"),
            telling(&district, &short(&electors[8].1), wrong_clock),
            telling(&district, "99999", wrong_clock),
            telling("ZZ9", "12", wrong_clock),
        ];
        let body = json!({ "entries": entries });
        let r = teller.json(Method::POST, "/api/v1/tellings", &body).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let report = r.json();
        let sent: Vec<String> = entries.iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids(&report["stored"]), sent[..4].iter().cloned().collect(), "{name}: {report}");
        assert_eq!(ids(&report["unknown"]), sent[4..].iter().cloned().collect(), "{name}: unknown numbers are kept aside");
        assert!(report["duplicates"].as_array().unwrap().is_empty());
        // Sent again (the phone never heard the answer): nothing changes.
        let again = teller.json(Method::POST, "/api/v1/tellings", &body).await.json();
        assert_eq!(ids(&again["duplicates"]), sent.iter().cloned().collect(), "{name}: {again}");
        assert!(again["stored"].as_array().unwrap().is_empty() && again["unknown"].as_array().unwrap().is_empty());

        let left: Vec<String> = promises.iter().enumerate().filter(|(i, _)| ![0, 3, 5].contains(i)).map(|(_, n)| n.clone()).collect();
        assert_eq!(knock_up(&organiser, &district).await, left, "{name}: exactly the promises struck off leave the list");
        let counts = organiser.get("/api/v1/promises").await.json();
        assert_eq!((counts["promises"].as_u64(), counts["voted"].as_u64()), (Some(8), Some(3)), "{name}: {counts}");
        assert_eq!(counts["unknown_tellings"], 2, "{name}");

        // The teller's undo puts a voter back; nobody else's telling is theirs to undo.
        let r = teller.send(Method::DELETE, &format!("/api/v1/tellings/{}", sent[0]), None, Vec::new(), true).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{name}: {}", r.body);
        assert!(knock_up(&organiser, &district).await.contains(&promises[0]), "{name}: back on the list");
        let organisers_own = telling(&district, &short(&promises[1]), wrong_clock);
        let r = organiser.json(Method::POST, "/api/v1/tellings", &json!({ "entries": [organisers_own.clone()] })).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: an organiser may strike off too");
        let theirs = format!("/api/v1/tellings/{}", organisers_own["id"].as_str().unwrap());
        let r = teller.send(Method::DELETE, &theirs, None, Vec::new(), true).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: a teller undoes only their own");
        assert!(!knock_up(&organiser, &district).await.contains(&promises[1]), "{name}: still struck off");
        let r = organiser.send(Method::DELETE, &theirs, None, Vec::new(), true).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{name}: the organiser corrects any");

        // Tellers see no knock-up list; canvassers strike nobody off.
        assert_eq!(teller.get(&format!("/api/v1/knock-up?polling_district={district}")).await.status, StatusCode::FORBIDDEN);
        let r = canvasser.json(Method::POST, "/api/v1/tellings", &json!({ "entries": [telling(&district, "1", wrong_clock)] })).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
        // Bad input says what is wrong.
        let r = organiser.get("/api/v1/knock-up?polling_district=9%209").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.body);
        assert!(r.json()["error"].as_str().unwrap().contains("not a polling district"), "{name}: {}", r.body);

        // A canvasser reads the knock-up list of their own walk only, never a whole district.
        let r = canvasser.get(&format!("/api/v1/knock-up?walk_id={walk}")).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let mine: Vec<String> =
            r.json()["electors"].as_array().unwrap().iter().map(|e| e["elector_number"].as_str().unwrap().to_owned()).collect();
        assert_eq!(mine, knock_up(&organiser, &district).await, "{name}: all the promises are on the first walk");
        let r = canvasser.get(&format!("/api/v1/knock-up?walk_id={}", f.walks[1].id)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: not their walk");

        // Knocking up: one promise has voted, one door is not to be knocked again today, one
        // promise needs a lift. Each answer is stored once; answers for someone else's walk, for
        // an elector not at the door, or that are no answer are refused with the reason.
        let knock = |walk: i64, household: i64, elector: Option<i64>, answer: &str| {
            json!({ "id": uuid::Uuid::new_v4(), "walk_id": walk, "household_id": household, "elector_id": elector,
                    "answer": answer, "recorded_at": "2017-06-08T15:00:00Z" })
        };
        let (voter, closed, lift) = (&electors[2], &electors[4], &electors[6]);
        let answers = vec![
            knock(walk, voter.2, Some(voter.0), "voted"),
            knock(walk, closed.2, None, "do_not_return"),
            knock(walk, lift.2, Some(lift.0), "needs_lift"),
            knock(f.walks[1].id, closed.2, None, "not_in"),
            knock(walk, electors.iter().find(|e| e.2 != voter.2).unwrap().2, Some(voter.0), "voted"),
        ];
        let body = json!({ "answers": answers });
        let r = canvasser.json(Method::POST, "/api/v1/knock-up/answers", &body).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let report = r.json();
        assert_eq!(report["stored"].as_array().unwrap().len(), 3, "{name}: {report}");
        let reasons: Vec<&str> = report["rejected"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap()).collect();
        assert_eq!(reasons.len(), 2, "{name}: {report}");
        assert!(reasons.iter().any(|r| r.contains("not yours")), "{name}: {reasons:?}");
        assert!(reasons.iter().any(|r| r.contains("does not live at door")), "{name}: {reasons:?}");
        let maybe = json!({ "answers": [knock(walk, voter.2, Some(voter.0), "maybe")] });
        let r = canvasser.json(Method::POST, "/api/v1/knock-up/answers", &maybe).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: an answer that is no answer: {}", r.body);
        let again = canvasser.json(Method::POST, "/api/v1/knock-up/answers", &body).await.json();
        assert_eq!(again["duplicates"].as_array().unwrap().len(), 3, "{name}: {again}");
        let r = canvasser.get(&format!("/api/v1/knock-up?walk_id={walk}")).await.json();
        let now: Vec<&Value> = r["electors"].as_array().unwrap().iter().collect();
        let numbers: Vec<String> = now.iter().map(|e| e["elector_number"].as_str().unwrap().to_owned()).collect();
        let expected: Vec<String> =
            mine.iter().filter(|n| **n != voter.1 && !electors.iter().any(|e| e.2 == closed.2 && &e.1 == *n)).cloned().collect();
        assert_eq!(numbers, expected, "{name}: the voter and the closed door drop off");
        let lifted = now.iter().find(|e| e["elector_id"] == lift.0).expect("the lift stays on the list");
        assert_eq!(lifted["needs_lift"], true, "{name}: {lifted}");
        assert!(lifted["knocks_today"].as_i64().unwrap() >= 1, "{name}: {lifted}");
        let room = organiser.get("/api/v1/committee-room").await.json();
        assert_eq!(room["lifts"].as_array().unwrap().len(), 1, "{name}: {room}");
        assert_eq!(room["voted_at_door"], 1, "{name}: {room}");
        let r = canvasser.get(&format!("/api/v1/knock-up?polling_district={district}")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {}", r.body);
        assert_eq!(canvasser.get("/api/v1/committee-room").await.status, StatusCode::FORBIDDEN, "{name}");

        // The committee room counts it all: promises 3 and 5 voted (0 and 1 were taken back),
        // three voters struck off in the district, two numbers kept aside, six promises left
        // on the first walk.
        let room = organiser.get("/api/v1/committee-room").await.json();
        assert_eq!(room["promises"]["promises"], 8, "{name}: {room}");
        assert_eq!(room["promises"]["voted"], 2, "{name}: {room}");
        let day = room["districts"].as_array().unwrap().iter().find(|d| d["polling_district"] == district.as_str()).unwrap().clone();
        assert_eq!((day["promises_voted"].as_u64(), day["voted"].as_u64()), (Some(2), Some(3)), "{name}: {day}");
        assert_eq!(room["unknown"].as_array().unwrap().len(), 2, "{name}: {room}");
        assert_eq!(room["walks"][0]["walk_id"], walk, "{name}: go here next");
        assert_eq!(room["walks"][0]["promises_left"], 6, "{name}: {room}");

        // A teller's name list is names and numbers only, of a district on the register.
        let names = teller.get(&format!("/api/v1/teller/names?polling_district={district}")).await.json();
        let first = &names["electors"][0];
        assert!(first["number"].as_str().is_some() && first["name"].as_str().is_some(), "{name}: {first}");
        assert_eq!(first.as_object().unwrap().len(), 2, "{name}: nothing but the number and the name: {first}");
        assert_eq!(teller.get("/api/v1/teller/names?polling_district=ZZ9").await.status, StatusCode::NOT_FOUND, "{name}");

        // After the election, the marked register measures the promises' turnout: half of them.
        let marked: String = std::iter::once("elector number".to_owned())
            .chain(promises.iter().take(4).cloned())
            .chain(std::iter::once("ZZ9-1".to_owned()))
            .collect::<Vec<_>>()
            .join("\n");
        let bad = groundgame_app::polling_day::import_marked_register(&f.app, f.actor(), &format!("{marked}\nnot a number")).await;
        assert!(bad.unwrap_err().to_string().contains("line 7"), "{name}: a bad line is named, nothing written");
        let report = groundgame_app::polling_day::import_marked_register(&f.app, f.actor(), &marked).await.unwrap();
        assert_eq!((report.numbers, report.matched, report.promises, report.promises_voted), (5, 4, 8, 4), "{name}: {report:?}");
        assert_eq!(report.unmatched, vec!["ZZ9-1".to_owned()], "{name}");
        let counts = organiser.get("/api/v1/promises").await.json();
        assert_eq!(counts["expected_turnout"], 0.5, "{name}: {counts}");
        // The organiser sets the rule by hand too: certainty 5 only, 80% expected to vote.
        let r = organiser.form("/polling-day/promises", &[("min_certainty", "5"), ("turnout", "80")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        let counts = organiser.get("/api/v1/promises").await.json();
        assert_eq!((counts["promises"].as_u64(), counts["expected_turnout"].as_f64()), (Some(4), Some(0.8)), "{name}: {counts}");
        let r = organiser.form("/polling-day/promises", &[("min_certainty", "9"), ("turnout", "")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");

        // Every strike and correction is audited.
        let log = groundgame_app::register::audit_log(&f.app, &f.campaign, 1000).await.unwrap();
        let count = |action: &str| log.iter().filter(|e| e.action == action).count();
        assert_eq!(count("tellings_recorded"), 2, "{name}: the first send and the organiser's, not the repeat");
        assert_eq!(count("telling_withdrawn"), 2, "{name}");
        assert_eq!(count("knock_up_list"), 7, "{name}: every read of the list names electors");
        assert_eq!(count("teller_names"), 1, "{name}");
        assert_eq!(count("knock_up_answers"), 1, "{name}: the first send, not the repeat");
        f.db.finish().await;
    }
}

/// The committee room's event stream sends the numbers at once, then within a second of a
/// strike-off, on either backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committee_room_hears_each_strike_off_within_a_second() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 1500, 20).await;
        let district = f.walks[0].polling_district.clone();
        let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
        let teller = Client::sign_in(f.state(), &email(Role::Teller)).await;
        let mut stream = organiser.events("/api/v1/committee-room/events").await;
        let mut buffer = String::new();
        let wait = std::time::Duration::from_secs(5);
        let (event, first) = next_event(&mut stream, &mut buffer, wait).await.expect("the first event at once");
        assert_eq!(event, "room", "{name}");
        let struck = |room: &Value| {
            room["districts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["polling_district"] == district.as_str())
                .map(|d| d["voted"].as_u64().unwrap())
        };
        assert_eq!(struck(&first), Some(0), "{name}: {first}");
        for n in 1..=3u64 {
            let sent = std::time::Instant::now();
            let r = teller
                .json(Method::POST, "/api/v1/tellings", &json!({ "entries": [telling(&district, &n.to_string(), "2017-06-08T08:00:00Z")] }))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
            let (event, room) = next_event(&mut stream, &mut buffer, wait).await.expect("an event after the strike-off");
            let took = sent.elapsed();
            assert_eq!(event, "room", "{name}");
            assert_eq!(struck(&room), Some(n), "{name}: the event counts the strike-off");
            assert!(took < std::time::Duration::from_secs(1), "{name}: the event came {took:?} after the strike-off");
        }
        drop(stream);
        f.db.finish().await;
    }
}
