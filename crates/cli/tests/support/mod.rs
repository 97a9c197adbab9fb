//! Real `groundgame` processes for the tests of this crate: the binary run as a command, servers
//! on loopback ports, plain HTTP/1.0 requests to them, a committee room's event stream, and a
//! PostgreSQL database of a test's own.
#![allow(dead_code)] // each test file uses its own share of these

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const PASSWORD: &str = "correct horse battery";

pub fn groundgame(database: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_groundgame"));
    c.arg("--database")
        .arg(database)
        .env_remove("GROUNDGAME_DATABASE_URL")
        .env_remove("GROUNDGAME_CAMPAIGN")
        .env("GROUNDGAME_LOG", "error")
        // These tests are about servers and processes: organisers sign in with a password
        // (two-factor sign-in has tests of its own, in the web crate).
        .env("GROUNDGAME_TWO_FACTOR_REQUIRED", "false");
    c
}

/// Runs the binary with `args` (and `stdin`), which must succeed: its standard output.
pub fn ok(database: &str, args: &[&str], stdin: Option<&str>) -> String {
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

/// A server process, stopped (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn serve(database: &str) -> Server {
    serve_with(database, &[])
}

/// A server on `database` with these settings in its environment, once it answers its health
/// check.
pub fn serve_with(database: &str, settings: &[(&str, &str)]) -> Server {
    let port = free_port();
    let child = groundgame(database)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .envs(settings.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let server = Server { child, port };
    let started = Instant::now();
    while request(port, "GET", "/api/v1/health", &[], None).map(|r| r.status) != Some(200) {
        assert!(started.elapsed() < Duration::from_secs(30), "the server on port {port} did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// A server's answer.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `name=value` of the first cookie this answer sets.
    pub fn cookie(&self) -> Option<String> {
        self.head
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
    }
}

/// One HTTP/1.0 request with a JSON body, or none (HTTP/1.0, so that the answer is never chunked
/// and ends when the server closes). None when the server cannot be reached.
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Option<Answer> {
    match body {
        Some(b) => send(port, method, path, headers, Some("application/json"), b.to_string().as_bytes()),
        None => send(port, method, path, headers, None, b""),
    }
}

/// A form posted as a page posts it.
pub fn post_form(port: u16, path: &str, headers: &[(&str, &str)], fields: &str) -> Option<Answer> {
    send(port, "POST", path, headers, Some("application/x-www-form-urlencoded"), fields.as_bytes())
}

pub fn send(port: u16, method: &str, path: &str, headers: &[(&str, &str)], content_type: Option<&str>, body: &[u8]) -> Option<Answer> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(t) = content_type {
        head.push_str(&format!("Content-Type: {t}\r\nContent-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some(Answer { status, head: head.to_owned(), body: body.to_owned() })
}

/// A signed-in account: its cookie, CSRF token and user id.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
    pub user_id: i64,
}

impl Session {
    /// The headers a page's script sends with a write.
    pub fn headers(&self) -> [(&str, &str); 2] {
        [("Cookie", self.cookie.as_str()), ("X-CSRF-Token", self.csrf.as_str())]
    }

    pub fn get(&self, port: u16, path: &str) -> Answer {
        request(port, "GET", path, &[("Cookie", &self.cookie)], None).expect("the server answers")
    }

    pub fn write(&self, port: u16, method: &str, path: &str, body: &Value) -> Answer {
        request(port, method, path, &self.headers(), Some(body)).expect("the server answers")
    }
}

pub fn try_sign_in(port: u16, email: &str, password: &str, headers: &[(&str, &str)]) -> Answer {
    request(port, "POST", "/api/v1/login", headers, Some(&json!({ "email": email, "password": password }))).expect("signing in")
}

pub fn sign_in(port: u16, email: &str) -> Session {
    let answer = try_sign_in(port, email, PASSWORD, &[]);
    assert_eq!(answer.status, 200, "sign-in of {email} on port {port}: {}", answer.body);
    let cookie = answer.cookie().expect("a session cookie");
    let body = answer.json();
    Session { cookie, csrf: body["csrf_token"].as_str().unwrap().to_owned(), user_id: body["user"]["id"].as_i64().unwrap() }
}

/// A committee room's event stream, read event by event.
pub struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    pub fn open(port: u16, session: &Session) -> Events {
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
    pub fn next_room(&mut self) -> Value {
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

/// How many voters the committee room counts as struck off in a polling district.
pub fn struck_off(room: &Value, district: &str) -> u64 {
    room["districts"].as_array().unwrap().iter().find(|d| d["polling_district"] == district).map_or(0, |d| d["voted"].as_u64().unwrap())
}

/// A teller's strike-off of one elector number.
pub fn telling(district: &str, number: &str) -> (String, Value) {
    let id = uuid::Uuid::new_v4().to_string();
    (id.clone(), json!({ "id": id, "polling_district": district, "number": number, "recorded_at": "2017-06-08T08:00:00Z" }))
}

/// A campaign on `database` with a 1,500-elector register, an organiser, a teller and a
/// canvasser: returns a polling district.
pub fn set_up(database: &str, dir: &std::path::Path) -> String {
    let register = dir.join("register.csv");
    ok(database, &["demo-data", "register", "--electors", "1500", "--seed", "3", "--output", register.to_str().unwrap()], None);
    ok(database, &["campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"], None);
    ok(database, &["register", "import", register.to_str().unwrap()], None);
    let password = format!("{PASSWORD}\n");
    for (email, role) in
        [("organiser@test.example", "organiser"), ("teller@test.example", "teller"), ("canvasser@test.example", "canvasser")]
    {
        ok(database, &["user", "add", email, "--role", role, "--password-stdin"], Some(&password));
    }
    let stats: Value = serde_json::from_str(&ok(database, &["register", "stats", "--json"], None)).unwrap();
    stats["polling_districts"].as_object().unwrap().keys().next().unwrap().clone()
}

/// A PostgreSQL database of the test's own on the test server, dropped at the end. None (the
/// test skips, saying so) when no server is configured; in CI a missing server is a failure.
pub struct Postgres {
    admin: String,
    name: String,
    pub url: String,
}

impl Postgres {
    pub fn create(what: &str) -> Option<Postgres> {
        let Ok(admin) = std::env::var("GROUNDGAME_TEST_POSTGRES_URL") else {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true but GROUNDGAME_TEST_POSTGRES_URL is not set: the PostgreSQL tests must run in CI");
            }
            eprintln!("SKIPPED: {what} on one PostgreSQL (set GROUNDGAME_TEST_POSTGRES_URL, or run .ci/run)");
            return None;
        };
        let name = format!("gg_{what}_{}", std::process::id()).replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        execute(&admin, &format!("CREATE DATABASE {name}"));
        let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
        let url = format!("{base}/{name}");
        Some(Postgres { admin, name, url })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        execute(&self.admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

fn execute(admin: &str, statement: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(admin).await.expect("connect to the PostgreSQL test server");
        sqlx::query(statement).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    })
}
