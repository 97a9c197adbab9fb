//! Polling day with real server processes: two `groundgame serve` on one PostgreSQL database (a
//! committee room open on one hears, within a second, each number a teller sends to the other:
//! PostgreSQL's NOTIFY carries the change between them), and a server killed (SIGKILL) in the
//! middle of a stream of teller entries (every acknowledged entry is there after a restart, and
//! the phone's resends of the rest are taken once).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";

fn groundgame(database: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_groundgame"));
    c.arg("--database")
        .arg(database)
        .env_remove("GROUNDGAME_DATABASE_URL")
        .env_remove("GROUNDGAME_CAMPAIGN")
        .env("GROUNDGAME_LOG", "error")
        // These tests are about servers and the committee room: the organiser signs in with a
        // password (two-factor sign-in has tests of its own, in the web crate).
        .env("GROUNDGAME_TWO_FACTOR_REQUIRED", "false");
    c
}

fn ok(database: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = groundgame(database)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A server process, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(database: &str) -> Server {
    let port = free_port();
    let child = groundgame(database)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let server = Server { child, port };
    let started = Instant::now();
    while request(port, "GET", "/api/v1/health", &[], None).map(|r| r.0) != Some(200) {
        assert!(started.elapsed() < Duration::from_secs(30), "the server on port {port} did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// One HTTP/1.0 request (so the answer is never chunked, and ends when the server closes).
fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Option<(u16, String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, head.to_owned(), body.to_owned()))
}

/// A signed-in account: its cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

fn sign_in(port: u16, email: &str) -> Session {
    let (status, head, body) =
        request(port, "POST", "/api/v1/login", &[], Some(&json!({ "email": email, "password": PASSWORD }))).expect("signing in");
    assert_eq!(status, 200, "{body}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let csrf = serde_json::from_str::<Value>(&body).unwrap()["csrf_token"].as_str().unwrap().to_owned();
    Session { cookie, csrf }
}

/// A committee room's event stream, read event by event.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn open(port: u16, session: &Session) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let head = format!(
            "GET /api/v1/committee-room/events HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nCookie: {}\r\nAccept: text/event-stream\r\n\r\n",
            session.cookie
        );
        stream.write_all(head.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.contains(" 200 "), "the event stream opens: {line}");
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        Events { reader }
    }

    /// The next `room` event's numbers.
    fn next_room(&mut self) -> Value {
        let mut name = String::new();
        let mut data = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            assert!(self.reader.read_line(&mut line).unwrap() > 0, "the stream ended");
            let l = line.trim_end_matches(['\r', '\n']);
            if l.is_empty() {
                if name == "room" && !data.is_empty() {
                    return serde_json::from_str(&data).unwrap();
                }
                name.clear();
                data.clear();
            } else if let Some(v) = l.strip_prefix("event:") {
                name = v.trim().to_owned();
            } else if let Some(v) = l.strip_prefix("data:") {
                data.push_str(v.trim_start());
            }
        }
    }
}

fn struck_off(room: &Value, district: &str) -> u64 {
    room["districts"].as_array().unwrap().iter().find(|d| d["polling_district"] == district).map_or(0, |d| d["voted"].as_u64().unwrap())
}

#[test]
fn a_committee_room_on_one_server_hears_a_teller_on_another() {
    let Ok(admin) = std::env::var("GROUNDGAME_TEST_POSTGRES_URL") else {
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!("CI=true but GROUNDGAME_TEST_POSTGRES_URL is not set: the PostgreSQL tests must run in CI");
        }
        eprintln!("SKIPPED: two servers on one PostgreSQL (set GROUNDGAME_TEST_POSTGRES_URL, or run .ci/run)");
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let name = format!("gg_two_servers_{}", std::process::id());
    let sql = |statement: String| {
        let admin = admin.clone();
        runtime.block_on(async move {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to the PostgreSQL test server");
            sqlx::query(&statement).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        })
    };
    sql(format!("CREATE DATABASE {name}"));
    let (base, _) = admin.rsplit_once('/').unwrap();
    let database = format!("{base}/{name}");

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
            let (status, _, body) = request(
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
    sql(format!("DROP DATABASE {name} WITH (FORCE)"));
}

/// A campaign on `database` with a 1,500-elector register, an organiser and a teller: returns a
/// polling district.
fn set_up(database: &str, dir: &std::path::Path) -> String {
    let register = dir.join("register.csv");
    ok(database, &["demo-data", "register", "--electors", "1500", "--seed", "3", "--output", register.to_str().unwrap()], None);
    ok(database, &["campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"], None);
    ok(database, &["register", "import", register.to_str().unwrap()], None);
    let password = format!("{PASSWORD}\n");
    ok(database, &["user", "add", "organiser@test.example", "--role", "organiser", "--password-stdin"], Some(&password));
    ok(database, &["user", "add", "teller@test.example", "--role", "teller", "--password-stdin"], Some(&password));
    let stats: Value = serde_json::from_str(&ok(database, &["register", "stats", "--json"], None)).unwrap();
    stats["polling_districts"].as_object().unwrap().keys().next().unwrap().clone()
}

fn telling(district: &str, number: &str) -> (String, Value) {
    let id = uuid::Uuid::new_v4().to_string();
    (id.clone(), json!({ "id": id, "polling_district": district, "number": number, "recorded_at": "2017-06-08T08:00:00Z" }))
}

#[test]
fn a_server_killed_mid_stream_loses_no_acknowledged_telling() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("gg.db").to_str().unwrap().to_owned();
    let district = set_up(&database, dir.path());
    let server = serve(&database);
    let port = server.port;
    let teller = sign_in(port, "teller@test.example");
    let (_, _, body) =
        request(port, "GET", &format!("/api/v1/teller/names?polling_district={district}"), &[("Cookie", &teller.cookie)], None).unwrap();
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
                    Some((200, _, body)) if body.contains(&id) => acked_tx.send(id).unwrap(),
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
    let (status, _, body) = request(server.port, "POST", "/api/v1/tellings", &headers, Some(&json!({ "entries": all }))).unwrap();
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
    let (_, _, body) = request(server.port, "GET", "/api/v1/committee-room", &[("Cookie", &organiser.cookie)], None).unwrap();
    let room: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(struck_off(&room, &district) as usize, entries.len(), "each voter struck off once");
}
