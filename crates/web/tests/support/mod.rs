//! A campaign to test against: a synthetic Derby North register, walks planned for one polling
//! district, an account for each role (and a second canvasser), the first walk assigned, all set
//! up through the same use cases the front doors call.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::NaiveDate;
use groundgame_app::register::RegisterSource;
use groundgame_app::walks::WalkSize;
use groundgame_app::{accounts, campaigns, canvassing, register, walks, Actor, App, Limits};
use groundgame_core::access::Role;
use groundgame_core::geography::{Gazetteer, GssCode};
use groundgame_core::register::layout::{Format, Mapping};
use groundgame_core::register::record::UnknownMarkers;
use groundgame_core::synthetic;
use groundgame_store::campaigns::Campaign;
use groundgame_store::walks::Walk;
use groundgame_web::{AppState, WebSettings};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub mod browser;
#[path = "../../../store/tests/common/mod.rs"]
pub mod common;
pub mod sms;
pub mod smtp;
pub use common::TestDb;

pub const PASSWORD: &str = "correct horse battery";

pub fn email(role: Role) -> String {
    format!("{}@test.example", role.as_str())
}
pub const SECOND_CANVASSER: &str = "second.canvasser@test.example";

pub struct Fixture {
    pub db: TestDb,
    pub app: App,
    pub campaign: Campaign,
    /// Walks of the first polling district, in number order. The first is assigned to the
    /// canvasser; the second to nobody.
    pub walks: Vec<Walk>,
    pub users: HashMap<String, i64>,
}

impl Fixture {
    pub fn state(&self) -> AppState {
        AppState::new(self.app.clone(), WebSettings::default())
    }

    pub fn actor(&self) -> Actor<'_> {
        Actor::CommandLine(&self.campaign)
    }

    /// The campaign as it is now in the database.
    pub async fn campaign_now(&self) -> Campaign {
        campaigns::named(&self.app, Some(&self.campaign.ballot_id)).await.unwrap()
    }
}

/// Writes a synthetic Derby North register of `electors` to `path`.
pub fn write_register(path: &Path, electors: usize, seed: u64) {
    let options = synthetic::Options {
        constituency: GssCode::parse("E14000662").unwrap(),
        electors,
        seed,
        format: Format::Xpress13,
        register_date: NaiveDate::from_ymd_opt(2017, 2, 1).unwrap(),
    };
    synthetic::write_register(&options, std::fs::File::create(path).unwrap(), None).unwrap();
}

/// Imports a register file from the command line's side.
pub async fn import(app: &App, campaign: &Campaign, path: &Path) -> groundgame_store::register::ImportReport {
    let gazetteer = Gazetteer::demo();
    let mapping = Mapping::default();
    let source = RegisterSource {
        path,
        name: "test.csv",
        mapping: &mapping,
        unknown_markers: UnknownMarkers::Refuse,
        rejects: None,
        gazetteer: &gazetteer,
    };
    register::import(app, Actor::CommandLine(campaign), &source, Default::default()).await.unwrap()
}

pub async fn fixture(db: TestDb, electors: usize, doors_per_walk: usize) -> Fixture {
    // Two-factor sign-in has tests of its own; the rest sign in with a password.
    // Texting is on, with a provider that is not there: texts wait in the outbox unless a test
    // starts its own provider (tests/texting.rs).
    let sms = groundgame_app::sms::SmsSettings {
        base_url: Some("http://127.0.0.1:9".into()),
        account: sms::ACCOUNT.into(),
        token: sms::TOKEN.into(),
        from: sms::FROM.into(),
    };
    let app = App::new(db.store.clone(), Limits { two_factor_required: false, ..Limits::default() }).with_sms(sms);
    let campaign =
        campaigns::create(&app, &GssCode::parse("E14000662").unwrap(), NaiveDate::from_ymd_opt(2017, 6, 8).unwrap(), None).await.unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    write_register(file.path(), electors, 7);
    import(&app, &campaign, file.path()).await;
    let campaign = campaigns::named(&app, Some(&campaign.ballot_id)).await.unwrap();
    let actor = Actor::CommandLine(&campaign);
    let district = walks::polling_districts(&app, actor).await.unwrap().remove(0);
    let planned = walks::plan_district(&app, actor, &district, WalkSize::DoorsPerWalk(doors_per_walk), 1).await.unwrap();
    let mut users = HashMap::new();
    for role in Role::ALL {
        let u = accounts::add_with_password(&app, &campaign, &email(role), role.label(), role, PASSWORD).await.unwrap();
        users.insert(email(role), u.id);
    }
    let second = accounts::add_with_password(&app, &campaign, SECOND_CANVASSER, "Second", Role::Canvasser, PASSWORD).await.unwrap();
    users.insert(SECOND_CANVASSER.to_owned(), second.id);
    canvassing::assign(&app, actor, planned.walks[0].id, Some(users[&email(Role::Canvasser)]), None).await.unwrap();
    set_up_days_ago(&db, &campaign, 30).await;
    let campaign = campaigns::named(&app, Some(&campaign.ballot_id)).await.unwrap();
    Fixture { db, app, campaign, walks: planned.walks, users }
}

/// Makes a campaign as if it had been set up `days` ago: nothing can have been canvassed with
/// groundgame before a campaign existed, and tests record answers minutes and hours ago.
pub async fn set_up_days_ago(db: &TestDb, campaign: &Campaign, days: i64) {
    let then = (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut tx = db.store.begin_write().await.unwrap();
    tx.execute("UPDATE campaigns SET created_at = $1 WHERE id = $2", groundgame_store::args![then, campaign.id]).await.unwrap();
    tx.commit().await.unwrap();
}

/// Moves the end of every holding of a walk `minutes` into the past: the walk was given to
/// someone else that long ago.
pub async fn ended_minutes_ago(db: &TestDb, campaign: &Campaign, walk: i64, minutes: i64) {
    let then = minutes_from_now(-minutes);
    let mut tx = db.store.begin_write().await.unwrap();
    tx.execute(
        "UPDATE handouts SET ended_at = $1 WHERE campaign_id = $2 AND walk_id = $3 AND ended_at IS NOT NULL",
        groundgame_store::args![then, campaign.id, walk],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// A browser-less client of the router: keeps the session cookie and CSRF token.
pub struct Client {
    pub app: axum::Router,
    pub cookie: Option<String>,
    pub device: Option<String>,
    pub csrf: Option<String>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as it came, for files that are not text.
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).map(|l| l.to_str().unwrap()).unwrap_or("")
    }

    /// The value of a cookie this reply sets.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
            let (k, v) = c.split(';').next()?.split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }
}

/// Percent-encodes a form value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Client {
    pub fn new(state: AppState) -> Client {
        Client { app: groundgame_web::app(state), cookie: None, device: None, csrf: None }
    }

    pub async fn request(&self, req: axum::http::request::Builder, body: Vec<u8>) -> Reply {
        let mut req = req.header(header::HOST, "localhost");
        let mut cookies = Vec::new();
        if let Some(c) = &self.cookie {
            cookies.push(format!("gg_session={c}"));
        }
        if let Some(d) = &self.device {
            cookies.push(format!("gg_device={d}"));
        }
        if !cookies.is_empty() {
            req = req.header(header::COOKIE, cookies.join("; "));
        }
        let response = self.app.clone().oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        // An event stream never ends: read it up to its first event.
        if headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream")) {
            let mut body = response.into_body();
            let mut read = Vec::new();
            while !String::from_utf8_lossy(&read).contains("\n\n") {
                match tokio::time::timeout(std::time::Duration::from_secs(30), body.frame()).await {
                    Ok(Some(Ok(frame))) => read.extend_from_slice(frame.data_ref().map(|d| d.as_ref()).unwrap_or_default()),
                    _ => break,
                }
            }
            return Reply { status, headers, body: String::from_utf8_lossy(&read).into_owned(), bytes: read };
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }

    /// Opens an event stream: its body, to read event by event with [`next_event`].
    pub async fn events(&self, path: &str) -> Body {
        let mut req = Request::builder().uri(path).header(header::HOST, "localhost");
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, format!("gg_session={c}"));
        }
        let response = self.app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.into_body()
    }

    pub async fn send(&self, method: Method, path: &str, content_type: Option<&str>, body: Vec<u8>, csrf: bool) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = content_type {
            req = req.header(header::CONTENT_TYPE, t);
        }
        if csrf {
            if let Some(t) = &self.csrf {
                req = req.header("x-csrf-token", t);
            }
        }
        self.request(req, body).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, Vec::new(), false).await
    }

    pub async fn json(&self, method: Method, path: &str, body: &Value) -> Reply {
        self.send(method, path, Some("application/json"), serde_json::to_vec(body).unwrap(), true).await
    }

    /// Posts a form as a page does: with the session's CSRF token as a field.
    pub async fn form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut pairs: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect();
        if let Some(t) = &self.csrf {
            pairs.push(format!("csrf={}", enc(t)));
        }
        self.send(Method::POST, path, Some("application/x-www-form-urlencoded"), pairs.join("&").into_bytes(), false).await
    }

    /// Signs in through the API, keeping the session and device cookies.
    pub async fn try_sign_in(state: AppState, email: &str, password: &str) -> (Client, Reply) {
        let mut c = Client::new(state);
        let r = c.json(Method::POST, "/api/v1/login", &serde_json::json!({ "email": email, "password": password })).await;
        if r.status == StatusCode::OK {
            c.cookie = r.set_cookie("gg_session");
            c.device = r.set_cookie("gg_device");
            c.csrf = Some(r.json()["csrf_token"].as_str().unwrap().to_owned());
        }
        (c, r)
    }

    pub async fn sign_in(state: AppState, email: &str) -> Client {
        let (c, r) = Client::try_sign_in(state, email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "sign-in of {email}: {}", r.body);
        let cookie = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        c
    }

    /// Takes the session cookie (and a device cookie) of a page's reply, and the CSRF token of the
    /// page it then leads to.
    pub async fn adopt(&mut self, reply: &Reply) {
        if let Some(c) = reply.set_cookie("gg_session") {
            self.cookie = Some(c);
        }
        if let Some(d) = reply.set_cookie("gg_device") {
            self.device = Some(d);
        }
        let me = self.get("/api/v1/me").await;
        if me.status == StatusCode::OK {
            self.csrf = me.json()["csrf_token"].as_str().map(str::to_owned);
        }
    }
}

/// The current time as the phone sends it.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A time `minutes` from now (negative: ago).
pub fn minutes_from_now(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `n` contacts for the first elector at each of the first `n` doors of a walk payload.
pub fn contacts(payload: &Value, n: usize, intention: &str, at: &str) -> Vec<Value> {
    payload["doors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["electors"].as_array().unwrap().is_empty())
        .take(n)
        .map(|d| {
            serde_json::json!({
                "id": uuid::Uuid::new_v4(),
                "walk_id": payload["walk"]["id"],
                "household_id": d["household_id"],
                "elector_id": d["electors"][0]["id"],
                "recorded_at": at,
                "answers": { "voting_intention": intention, "certainty": "4" },
            })
        })
        .collect()
}

/// The audit log's lines with this action.
pub async fn audited(f: &Fixture, action: &str) -> Vec<groundgame_store::audit::Entry> {
    register::audit_log(&f.app, &f.campaign, 10_000).await.unwrap().into_iter().filter(|e| e.action == action).collect()
}

/// The next event of a stream as (its name, its data read as JSON), or `None` if none comes
/// within `wait`. Comments (keep-alives) are skipped.
pub async fn next_event(body: &mut Body, buffer: &mut String, wait: std::time::Duration) -> Option<(String, Value)> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut name = String::from("message");
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if !data.is_empty() {
                return Some((name, serde_json::from_str(&data).unwrap_or(Value::String(data))));
            }
        }
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(d) = frame.data_ref() {
                    buffer.push_str(&String::from_utf8_lossy(d));
                }
            }
            _ => return None,
        }
    }
}
