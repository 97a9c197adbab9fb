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

        // A canvasser reads the knock-up list of their own walk only, once the committee room
        // has started a round of it.
        let r = canvasser.get(&format!("/api/v1/knock-up?walk_id={walk}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: no round yet: {}", r.body);
        assert!(r.json()["error"].as_str().unwrap().contains("has not started a knock-up round"), "{name}: {}", r.body);
        let r = organiser.json(Method::POST, "/api/v1/knock-up/rounds", &json!({ "walk_ids": [walk] })).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let r = canvasser.get(&format!("/api/v1/knock-up?walk_id={walk}")).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert_eq!(r.json()["round"]["number"], 1, "{name}: {}", r.body);
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
        // Of a whole district, a canvasser gets only the walks of their rounds.
        let r = canvasser.get(&format!("/api/v1/knock-up?polling_district={district}")).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let theirs: Vec<String> =
            r.json()["electors"].as_array().unwrap().iter().map(|e| e["elector_number"].as_str().unwrap().to_owned()).collect();
        assert_eq!(theirs, numbers, "{name}: their round's walk, nothing else");
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
        let by_canvasser: Vec<(u64, u64)> = report.by_canvasser.iter().map(|c| (c.1, c.2)).collect();
        assert_eq!(by_canvasser, vec![(8, 4)], "{name}: one canvasser (the organiser synced them): {:?}", report.by_canvasser);
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
        assert_eq!(count("knock_up_list"), 8, "{name}: every read of the list names electors");
        assert_eq!(count("teller_names"), 1, "{name}");
        assert_eq!(count("knock_up_answers"), 1, "{name}: the first send, not the repeat");
        f.db.finish().await;
    }
}

/// The committee room plans the day, on either backend: promises added by hand count whatever
/// the doorstep said; each knock-up round clears "not in" and "will vote" but not "voted" or a
/// lift; lifts are marked given; a postal voter who says theirs is posted leaves the list; a
/// canvasser can start nothing, and nobody can chase another campaign's voters.
#[tokio::test]
async fn rounds_hand_promises_postal_votes_and_lifts() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 1500, 20).await;
        let district = f.walks[0].polling_district.clone();
        let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
        let canvasser = Client::sign_in(f.state(), &email(Role::Canvasser)).await;
        let walk = f.walks[0].id;
        let electors = walk_electors(&organiser, walk).await;
        // Four promises; the eighth elector said Conservative; the seventh was never canvassed.
        let mut contacts: Vec<Value> = electors.iter().take(4).map(|e| contact(walk, e.2, e.0, "Lab", "5")).collect();
        contacts.push(contact(walk, electors[7].2, electors[7].0, "Con", "5"));
        let r = organiser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": contacts })).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);

        // Promises added by hand, whatever the doorstep said; a number nobody has, or no number,
        // says so.
        for e in [&electors[6], &electors[7]] {
            let r = organiser.json(Method::POST, "/api/v1/promises/by-hand", &json!({ "elector_number": e.1 })).await;
            assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        }
        let r = organiser.json(Method::POST, "/api/v1/promises/by-hand", &json!({ "elector_number": "ZZ9-1" })).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
        let r = organiser.json(Method::POST, "/api/v1/promises/by-hand", &json!({ "elector_number": "rubbish" })).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.body);
        let r = canvasser.json(Method::POST, "/api/v1/promises/by-hand", &json!({ "elector_number": electors[5].1 })).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
        let listed = knock_up(&organiser, &district).await;
        let expected: Vec<String> = [0, 1, 2, 3, 6, 7].iter().map(|&i| electors[i].1.clone()).collect();
        assert_eq!(listed, expected, "{name}: the hand-added among the promises, in walk order");
        assert_eq!(organiser.get("/api/v1/promises").await.json()["promises"], 6, "{name}");
        let by_hand = organiser.get("/api/v1/promises/by-hand").await.json();
        assert_eq!(by_hand["electors"].as_array().unwrap().len(), 2, "{name}: {by_hand}");

        // Knock-up rounds: only the committee room starts them.
        let r = canvasser.json(Method::POST, "/api/v1/knock-up/rounds", &json!({ "walk_ids": [walk] })).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
        let r = organiser.json(Method::POST, "/api/v1/knock-up/rounds", &json!({ "walk_ids": [] })).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.body);
        let r = organiser.json(Method::POST, "/api/v1/knock-up/rounds", &json!({ "walk_ids": [999_999] })).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
        let r = organiser.json(Method::POST, "/api/v1/knock-up/rounds", &json!({ "walk_ids": [walk] })).await;
        assert_eq!(r.json()["rounds"][0]["number"], 1, "{name}: {}", r.body);
        // Round 1: nobody in at the first door, the second will vote, the third needs a lift,
        // the fourth voted.
        let knock = |household: i64, elector: Option<i64>, answer: &str| {
            json!({ "id": uuid::Uuid::new_v4(), "walk_id": walk, "household_id": household, "elector_id": elector,
                    "answer": answer, "recorded_at": "2017-06-08T15:00:00Z" })
        };
        let lift = knock(electors[2].2, Some(electors[2].0), "needs_lift");
        let answers = vec![
            knock(electors[0].2, Some(electors[0].0), "not_in"),
            knock(electors[1].2, Some(electors[1].0), "will_vote"),
            lift.clone(),
            knock(electors[3].2, Some(electors[3].0), "voted"),
        ];
        let r = canvasser.json(Method::POST, "/api/v1/knock-up/answers", &json!({ "answers": answers })).await;
        assert_eq!(r.json()["stored"].as_array().unwrap().len(), 4, "{name}: {}", r.body);
        let list = |r: &Value| -> Vec<(String, Value, Value)> {
            r["electors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e["elector_number"].as_str().unwrap().to_owned(), e["answer_today"].clone(), e["needs_lift"].clone()))
                .collect()
        };
        let round1 = canvasser.get(&format!("/api/v1/knock-up?walk_id={walk}")).await.json();
        let heard = list(&round1);
        assert!(!heard.iter().any(|e| e.0 == electors[3].1), "{name}: who voted is off");
        assert_eq!(heard.iter().find(|e| e.0 == electors[0].1).unwrap().1, "not_in", "{name}: {round1}");
        assert_eq!(heard.iter().find(|e| e.0 == electors[1].1).unwrap().1, "will_vote", "{name}");
        // Round 2 clears "not in" and "will vote": knock them again. Who voted stays off; the
        // lift still stands.
        let r = organiser.json(Method::POST, "/api/v1/knock-up/rounds", &json!({ "walk_ids": [walk] })).await;
        assert_eq!(r.json()["rounds"][0]["number"], 2, "{name}: {}", r.body);
        let round2 = canvasser.get(&format!("/api/v1/knock-up?walk_id={walk}")).await.json();
        assert_eq!(round2["round"]["number"], 2, "{name}");
        let heard = list(&round2);
        assert!(!heard.iter().any(|e| e.0 == electors[3].1), "{name}: who voted stays off");
        assert_eq!(heard.iter().find(|e| e.0 == electors[0].1).unwrap().1, Value::Null, "{name}: not in is cleared: {round2}");
        assert_eq!(heard.iter().find(|e| e.0 == electors[1].1).unwrap().1, Value::Null, "{name}: will vote is cleared");
        assert_eq!(heard.iter().find(|e| e.0 == electors[2].1).unwrap().2, true, "{name}: the lift stands");
        // An answer heard before round 2 began, on a phone with no signal until after: it is of
        // round 1 by the phone's clock, and is cleared with it.
        let started: chrono::DateTime<chrono::Utc> = round2["round"]["started_at"].as_str().unwrap().parse().unwrap();
        let mut late = knock(electors[1].2, Some(electors[1].0), "not_in");
        late["recorded_at"] = json!(started - chrono::Duration::seconds(1));
        let r = canvasser.json(Method::POST, "/api/v1/knock-up/answers", &json!({ "answers": [late] })).await;
        assert_eq!(r.json()["stored"].as_array().unwrap().len(), 1, "{name}: {}", r.body);
        let again = canvasser.get(&format!("/api/v1/knock-up?walk_id={walk}")).await.json();
        assert_eq!(list(&again).iter().find(|e| e.0 == electors[1].1).unwrap().1, Value::Null, "{name}: of round 1: {again}");

        // The committee room sees who is out, and the lift to give; a driver is sent once.
        let room = organiser.get("/api/v1/committee-room").await.json();
        assert_eq!((room["lifts_asked"].as_u64(), room["lifts_given"].as_u64()), (Some(1), Some(0)), "{name}: {room}");
        let out = &room["rounds"][0];
        assert_eq!((out["walk_id"].as_i64(), out["number"].as_i64()), (Some(walk), Some(2)), "{name}: {room}");
        assert_eq!(out["doors_knocked"], 0, "{name}: nothing heard since round 2 began");
        assert_eq!(room["walks"][0]["being_knocked"], true, "{name}");
        let lift_id = lift["id"].as_str().unwrap();
        assert_eq!(room["lifts"][0]["id"], lift_id, "{name}");
        for _ in 0..2 {
            let r = organiser.send(Method::POST, &format!("/api/v1/lifts/{lift_id}/given"), None, Vec::new(), true).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{name}: {}", r.body);
        }
        let r = organiser.send(Method::POST, &format!("/api/v1/lifts/{}/given", uuid::Uuid::new_v4()), None, Vec::new(), true).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}");
        let r = canvasser.send(Method::POST, &format!("/api/v1/lifts/{lift_id}/given"), None, Vec::new(), true).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
        let room = organiser.get("/api/v1/committee-room").await.json();
        assert_eq!(room["lifts_given"], 1, "{name}: {room}");
        assert!(room["lifts"][0]["given_at"].is_string(), "{name}: {room}");

        // Taken off by hand: the Conservative is no promise again; the never-canvassed neither.
        let r = organiser.send(Method::DELETE, &format!("/api/v1/promises/by-hand/{}", electors[7].0), None, Vec::new(), true).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{name}: {}", r.body);
        let r = organiser.send(Method::DELETE, &format!("/api/v1/promises/by-hand/{}", electors[7].0), None, Vec::new(), true).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}");
        assert!(!knock_up(&organiser, &district).await.contains(&electors[7].1), "{name}");

        // The postal-vote chase: the first promise votes by post. Until asked they stay on the
        // list, flagged; once they say it is posted, they are off it.
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), format!("ElectorNumber,AbsentVoterType\n{},P\n", electors[0].1)).unwrap();
        let list_file = groundgame_app::register::read_absent_voters(file.path(), &Default::default()).unwrap();
        groundgame_app::register::absent_voters(&f.app, f.actor(), list_file, "av.csv", false).await.unwrap();
        let postal = organiser.get(&format!("/api/v1/postal-votes?polling_district={district}")).await.json();
        let first = &postal["electors"][0];
        assert_eq!((first["elector_id"].as_i64(), &first["postal_chase"]), (Some(electors[0].0), &Value::Null), "{name}: {postal}");
        assert_eq!(postal["electors"].as_array().unwrap().len(), 1, "{name}: {postal}");
        let chase = |status: &str| json!({ "status": status });
        let at = format!("/api/v1/postal-votes/{}", electors[0].0);
        assert_eq!(organiser.json(Method::PUT, &at, &chase("not_yet")).await.status, StatusCode::NO_CONTENT, "{name}");
        assert!(knock_up(&organiser, &district).await.contains(&electors[0].1), "{name}: not posted yet: still to chase");
        assert_eq!(organiser.json(Method::PUT, &at, &chase("lost")).await.status, StatusCode::BAD_REQUEST, "{name}");
        let not_postal = format!("/api/v1/postal-votes/{}", electors[1].0);
        assert_eq!(organiser.json(Method::PUT, &not_postal, &chase("posted")).await.status, StatusCode::NOT_FOUND, "{name}");
        assert_eq!(canvasser.json(Method::PUT, &at, &chase("posted")).await.status, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(organiser.json(Method::PUT, &at, &chase("posted")).await.status, StatusCode::NO_CONTENT, "{name}");
        assert!(!knock_up(&organiser, &district).await.contains(&electors[0].1), "{name}: posted: their vote is in");
        let room = organiser.get("/api/v1/committee-room").await.json();
        let day = room["districts"].as_array().unwrap().iter().find(|d| d["polling_district"] == district.as_str()).unwrap().clone();
        assert_eq!((day["postal_promises"].as_u64(), day["postal_posted"].as_u64()), (Some(1), Some(1)), "{name}: {day}");

        // The pages: the rounds form starts a round and gives the walk to a knocker; the postal
        // chase records by form; a lift is marked given from the committee room.
        let knocker = f.users[&email(Role::Canvasser)].to_string();
        let r = organiser
            .form("/polling-day/rounds", &[("polling_district", &district), (&format!("walk_{walk}"), "on"), ("knocker", &knocker)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: a redirect, so that a reload starts nothing: {}", r.body);
        let back = r.headers.get("location").unwrap().to_str().unwrap().to_owned();
        assert!(organiser.get(&back).await.body.contains("Started the next knock-up round of 1 walk"), "{name}: {back}");
        let teller = f.users[&email(Role::Teller)].to_string();
        let r = organiser.form("/polling-day/rounds", &[(&format!("walk_{walk}"), "on"), ("knocker", &teller)]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: a teller cannot knock up");
        assert!(r.body.contains("is not a canvasser"), "{name}");
        let r = organiser.json(Method::POST, "/api/v1/knock-up/rounds", &json!({ "walk_ids": [walk, walk] })).await;
        assert_eq!(r.json()["rounds"].as_array().unwrap().len(), 1, "{name}: a walk named twice starts once: {}", r.body);
        let r = organiser.form("/polling-day/rounds", &[("polling_district", &district)]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: no walk chosen");
        assert!(r.body.contains("choose the walks"), "{name}");
        let page = organiser.get(&format!("/polling-day/rounds?walk={walk}")).await;
        assert!(page.body.contains("round 4 began"), "{name}: {}", page.body);
        let r = organiser.form(&format!("/polling-day/postal/{district}/{}", electors[0].0), &[("status", "needs_replacement")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        let page = organiser.get(&format!("/polling-day/postal/{district}")).await;
        assert!(page.body.contains("Needs a replacement ("), "{name}: {}", page.body);
        let r = organiser.form("/polling-day/hand-promises", &[("elector_number", "ZZ9-1")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(r.body.contains("is not on the register"), "{name}");

        let log = groundgame_app::register::audit_log(&f.app, &f.campaign, 1000).await.unwrap();
        let count = |action: &str| log.iter().filter(|e| e.action == action).count();
        assert_eq!(count("knock_up_rounds_started"), 4, "{name}");
        assert_eq!(count("promise_added_by_hand"), 2, "{name}");
        assert_eq!(count("promise_removed_by_hand"), 1, "{name}");
        assert_eq!(count("lift_given"), 2, "{name}: each mark is audited");
        assert_eq!(count("postal_vote_chased"), 3, "{name}");
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
