//! A campaign to test against: a synthetic Derby North register, walks planned for one polling
//! district, an account for each role (and a second canvasser), the first walk assigned.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::NaiveDate;
use groundgame_core::access::Role;
use groundgame_core::geography::{Gazetteer, GssCode};
use groundgame_core::register::layout::{Format, Mapping};
use groundgame_core::register::record::UnknownMarkers;
use groundgame_core::synthetic;
use groundgame_store::campaigns::{self, Campaign};
use groundgame_store::register::pipeline::{import_file, RegisterFile};
use groundgame_store::register::ImportOptions;
use groundgame_store::walks::{self, Walk, WalkSize};
use groundgame_store::{accounts, canvassing};
use groundgame_web::AppState;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub mod browser;
#[path = "../../../store/tests/common/mod.rs"]
pub mod common;
pub use common::TestDb;

pub const PASSWORD: &str = "correct horse battery";

pub fn email(role: Role) -> String {
    format!("{}@test.example", role.as_str())
}
pub const SECOND_CANVASSER: &str = "second.canvasser@test.example";

pub struct Fixture {
    pub db: TestDb,
    pub campaign: Campaign,
    /// Walks of the first polling district, in number order. The first is assigned to the
    /// canvasser (and the second canvasser); the second to nobody.
    pub walks: Vec<Walk>,
    pub users: HashMap<String, i64>,
}

pub async fn fixture(db: TestDb, electors: usize, doors_per_walk: usize) -> Fixture {
    let store = db.store.clone();
    let mut tx = store.begin().await.unwrap();
    let campaign =
        campaigns::create(&mut tx, &GssCode::parse("E14000662").unwrap(), NaiveDate::from_ymd_opt(2017, 6, 8).unwrap()).await.unwrap();
    tx.commit().await.unwrap();

    let file = tempfile::NamedTempFile::new().unwrap();
    let options = synthetic::Options {
        constituency: GssCode::parse("E14000662").unwrap(),
        electors,
        seed: 7,
        format: Format::Xpress13,
        register_date: NaiveDate::from_ymd_opt(2017, 2, 1).unwrap(),
    };
    synthetic::write_register(&options, std::fs::File::create(file.path()).unwrap(), None).unwrap();
    let reg = RegisterFile::open(file.path(), &Mapping::default(), UnknownMarkers::Refuse).unwrap();
    let gazetteer = Gazetteer::demo();
    let import = ImportOptions {
        source: "test.csv".into(),
        format: reg.format(),
        number_column: reg.number_column(),
        skip_invalid: false,
        gazetteer: &gazetteer,
    };
    import_file(&store, &campaign, reg, import, None, Arc::new(AtomicU64::new(0))).await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let campaign = campaigns::get(&mut tx, &campaign.ballot_id).await.unwrap();
    let district = campaigns::polling_districts(&mut tx, &campaign).await.unwrap().remove(0);
    let planned = walks::plan_district(&mut tx, &campaign, &district, WalkSize::DoorsPerWalk(doors_per_walk), 1).await.unwrap();
    let hash = groundgame_web::auth::hash_password(PASSWORD.to_owned()).await.unwrap();
    let mut users = HashMap::new();
    for role in Role::ALL {
        let u = accounts::add_member(&mut tx, &campaign, &email(role), role.label(), role, Some(&hash)).await.unwrap();
        users.insert(email(role), u.id);
    }
    let second = accounts::add_member(&mut tx, &campaign, SECOND_CANVASSER, "Second", Role::Canvasser, Some(&hash)).await.unwrap();
    users.insert(SECOND_CANVASSER.to_owned(), second.id);
    canvassing::assign(&mut tx, &campaign, planned.walks[0].id, Some(users[&email(Role::Canvasser)]), None).await.unwrap();
    tx.commit().await.unwrap();
    Fixture { db, campaign, walks: planned.walks, users }
}

/// A browser-less client of the router: keeps the session cookie and CSRF token.
pub struct Client {
    pub app: axum::Router,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Client {
    pub fn new(state: AppState) -> Client {
        Client { app: groundgame_web::app(state), cookie: None, csrf: None }
    }

    pub async fn send(&self, method: Method, path: &str, content_type: Option<&str>, body: Vec<u8>, csrf: bool) -> Reply {
        let mut req = Request::builder().method(method).uri(path).header(header::HOST, "localhost");
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c);
        }
        if let Some(t) = content_type {
            req = req.header(header::CONTENT_TYPE, t);
        }
        if csrf {
            if let Some(t) = &self.csrf {
                req = req.header("x-csrf-token", t);
            }
        }
        let response = self.app.clone().oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, Vec::new(), false).await
    }

    pub async fn json(&self, method: Method, path: &str, body: &Value) -> Reply {
        self.send(method, path, Some("application/json"), serde_json::to_vec(body).unwrap(), true).await
    }

    pub async fn sign_in(state: AppState, email: &str) -> Client {
        let mut c = Client::new(state);
        let r = c.json(Method::POST, "/api/v1/login", &serde_json::json!({ "email": email, "password": PASSWORD })).await;
        assert_eq!(r.status, StatusCode::OK, "sign-in of {email}: {}", r.body);
        let cookie = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        c.cookie = Some(cookie.split(';').next().unwrap().to_owned());
        c.csrf = Some(r.json()["csrf_token"].as_str().unwrap().to_owned());
        c
    }
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
