//! A party's deployment: three `groundgame serve` processes on one PostgreSQL database, behind a
//! load balancer that sends each request wherever it likes. Whatever one process keeps in memory
//! must not make another wrong: sign-in, the sign-in limiter, invites, sign-out, canvassing sync
//! and live progress, and the committee room's live events, each started on one server and
//! finished on the others.

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{ok, post_form, request, serve_with, set_up, sign_in, struck_off, telling, try_sign_in, Events, Postgres, Server, PASSWORD};

#[test]
fn three_servers_on_one_database_act_as_one() {
    let Some(pg) = Postgres::create("three_servers") else { return };
    let database = pg.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let district = set_up(&database, dir.path());
    ok(&database, &["walks", "generate", "--doors-per-walk", "40"], None);
    let spare = "spare@test.example";
    ok(&database, &["user", "add", spare, "--role", "canvasser", "--password-stdin"], Some(&format!("{PASSWORD}\n")));

    let metrics_port = support::free_port();
    let metrics_bind = format!("127.0.0.1:{metrics_port}");
    let a = serve_with(&database, &[("GROUNDGAME_METRICS_BIND", &metrics_bind)]);
    let b = serve_with(&database, &[]);
    // C stands behind a reverse proxy on loopback, and believes what it says of the client.
    let c = serve_with(&database, &[("GROUNDGAME_TRUSTED_PROXIES", "127.0.0.1")]);
    let servers: [&Server; 3] = [&a, &b, &c];

    // -- The sign-in limiter counts failures made on any server. --
    for (n, server) in servers.iter().cycle().take(5).enumerate() {
        let wrong = try_sign_in(server.port, spare, "not the password", &[]);
        assert_eq!(wrong.status, 401, "failed sign-in {} on port {}: {}", n + 1, server.port, wrong.body);
    }
    for server in servers {
        let refused = try_sign_in(server.port, spare, PASSWORD, &[]);
        assert_eq!(refused.status, 429, "after five failures spread over three servers, port {} waits too: {}", server.port, refused.body);
        assert!(refused.body.contains("minute"), "the wait is said in words: {}", refused.body);
    }
    // Behind the trusted proxy each client is its own address: someone else is not locked out by
    // the failures of the address before them, and a forged header from outside is not believed.
    let elsewhere = try_sign_in(c.port, spare, PASSWORD, &[("X-Forwarded-For", "203.0.113.8")]);
    assert_eq!(elsewhere.status, 200, "a client at another address signs in through the proxy: {}", elsewhere.body);
    let forged = try_sign_in(b.port, spare, PASSWORD, &[("X-Forwarded-For", "203.0.113.9")]);
    assert_eq!(forged.status, 429, "server B trusts no proxy, so the header changes nothing: {}", forged.body);

    // -- An invite made on A is accepted on B, refused when replayed on C, and signs in on C. --
    let organiser_a = sign_in(a.port, "organiser@test.example");
    let invite = organiser_a.write(
        a.port,
        "POST",
        "/api/v1/invites",
        &json!({ "email": "newbie@test.example", "name": "Newbie", "role": "canvasser" }),
    );
    assert_eq!(invite.status, 201, "{}", invite.body);
    let link = invite.json()["link"].as_str().unwrap().to_owned();
    let path = &link[link.find("/invite/").expect("an invite link")..];
    let accepted = post_form(b.port, path, &[], "password=a+long+enough+password").unwrap();
    assert_eq!(accepted.status, 303, "the invite is accepted on B: {}", accepted.body);
    let replayed = post_form(c.port, path, &[], "password=another+long+password").unwrap();
    assert_eq!(replayed.status, 404, "the used invite is refused on C: {}", replayed.body);
    let newbie = try_sign_in(c.port, "newbie@test.example", "a long enough password", &[]);
    assert_eq!(newbie.status, 200, "{}", newbie.body);
    assert_eq!(newbie.json()["role"], "canvasser");
    let replayed_password = try_sign_in(c.port, "newbie@test.example", "another long password", &[]);
    assert_eq!(replayed_password.status, 401, "the replay set no password");

    // -- A walk assigned on A, read on B, synced through C and A (the phone resends), counted on B. --
    let canvasser = sign_in(b.port, "canvasser@test.example");
    let walks = organiser_a.get(a.port, "/api/v1/walks").json();
    let walk = walks.as_array().unwrap()[0]["walk"]["id"].as_i64().unwrap_or_else(|| panic!("a walk: {walks}"));
    let assigned = organiser_a.write(a.port, "PUT", &format!("/api/v1/walks/{walk}/assignment"), &json!({ "user_id": canvasser.user_id }));
    assert_eq!(assigned.status, 204, "{}", assigned.body);
    let payload = canvasser.get(b.port, &format!("/api/v1/walks/{walk}/canvass"));
    assert_eq!(payload.status, 200, "the walk assigned on A opens on B: {}", payload.body);
    let contacts = contacts(&payload.json(), 20);
    assert_eq!(contacts.len(), 20);
    let half = canvasser.write(c.port, "POST", "/api/v1/sync", &json!({ "contacts": &contacts[..10] })).json();
    assert_eq!(half["stored"].as_array().unwrap().len(), 10, "{half}");
    let all = canvasser.write(a.port, "POST", "/api/v1/sync", &json!({ "contacts": &contacts })).json();
    assert_eq!(
        (all["stored"].as_array().unwrap().len(), all["duplicates"].as_array().unwrap().len()),
        (10, 10),
        "A knows what C stored: {all}"
    );
    let organiser_b = sign_in(b.port, "organiser@test.example");
    let progress = organiser_b.get(b.port, "/api/v1/progress").json();
    assert_eq!(progress["progress"]["totals"]["contacts"], 20, "B counts each contact once: {progress}");
    assert_eq!(progress["progress"]["totals"]["supporters"], 20, "{progress}");
    // The walk is taken back on C: the phone can no longer read it on A.
    let unassigned = organiser_a.write(c.port, "PUT", &format!("/api/v1/walks/{walk}/assignment"), &json!({ "user_id": null }));
    assert_eq!(unassigned.status, 204, "{}", unassigned.body);
    let gone = canvasser.get(a.port, &format!("/api/v1/walks/{walk}/canvass"));
    assert_eq!(gone.status, 404, "the walk taken back on C is closed on A: {}", gone.body);

    // -- Committee rooms open on A and B hear a teller on C within a second. --
    let teller = sign_in(c.port, "teller@test.example");
    let mut room_a = Events::open(a.port, &organiser_a);
    let mut room_b = Events::open(b.port, &organiser_b);
    assert_eq!(struck_off(&room_a.next_room(), &district), 0);
    assert_eq!(struck_off(&room_b.next_room(), &district), 0);
    let names = teller.get(c.port, &format!("/api/v1/teller/names?polling_district={district}")).json();
    let numbers: Vec<&str> = names["electors"].as_array().unwrap().iter().take(3).map(|e| e["number"].as_str().unwrap()).collect();
    for (n, number) in numbers.iter().enumerate() {
        let (_, entry) = telling(&district, number);
        let sent = Instant::now();
        let stored = teller.write(c.port, "POST", "/api/v1/tellings", &json!({ "entries": [entry] }));
        assert_eq!(stored.status, 200, "{}", stored.body);
        for (name, room) in [("A", &mut room_a), ("B", &mut room_b)] {
            assert_eq!(struck_off(&room.next_room(), &district), n as u64 + 1, "server {name} counts the strike-off sent to C");
        }
        let took = sent.elapsed();
        assert!(took < Duration::from_secs(1), "both rooms heard within {took:?}");
    }

    // -- Signing out on A ends the session on B and C too. --
    let out = request(a.port, "POST", "/api/v1/logout", &organiser_b.headers(), Some(&json!({}))).unwrap();
    assert_eq!(out.status, 204, "{}", out.body);
    for server in servers {
        let me = organiser_b.get(server.port, "/api/v1/me");
        assert_eq!(me.status, 401, "the session signed out on A is over on port {}: {}", server.port, me.body);
    }
    assert_eq!(organiser_a.get(b.port, "/api/v1/me").status, 200, "another session of the same account goes on");

    // -- The metrics address answers without a session, and with /metrics alone. --
    let metrics = request(metrics_port, "GET", "/metrics", &[], None).expect("the metrics address answers");
    assert_eq!(metrics.status, 200, "{}", metrics.body);
    assert!(
        metrics.body.contains(r#"groundgame_http_requests_total{method="POST",route="/api/v1/login",status="401"}"#),
        "{}",
        metrics.body
    );
    assert!(metrics.body.contains("groundgame_database_up 1"), "{}", metrics.body);
    let other = request(metrics_port, "GET", "/api/v1/walks", &[], None).unwrap();
    assert_eq!(other.status, 404, "the metrics address serves nothing else");
    let health = request(b.port, "GET", "/api/v1/health", &[], None).unwrap().json();
    assert_eq!((health["database"].as_str(), health["backend"].as_str()), (Some("reachable"), Some("postgresql")), "{health}");
    drop((a, b, c));
}

/// Contacts for the first elector at each of the first `n` doors of a walk's payload.
fn contacts(payload: &Value, n: usize) -> Vec<Value> {
    let at = "2017-06-01T10:00:00.000Z";
    payload["doors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["electors"].as_array().unwrap().is_empty())
        .take(n)
        .map(|d| {
            json!({
                "id": uuid::Uuid::new_v4(),
                "walk_id": payload["walk"]["id"],
                "household_id": d["household_id"],
                "elector_id": d["electors"][0]["id"],
                "recorded_at": at,
                "answers": { "voting_intention": "Lab", "certainty": "4" },
            })
        })
        .collect()
}
