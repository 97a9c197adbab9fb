//! An SMS provider on loopback that implements the part of Twilio's HTTP API groundgame uses:
//! `POST /2010-04-01/Accounts/{sid}/Messages.json` (basic authentication with the account and its
//! token; To, From, Body, StatusCallback), answering 201 with the message's sid, then reporting
//! `sent` and `delivered` (or `undelivered`, for the numbers it is told cannot take texts) to the
//! status callback, each report signed with X-Twilio-Signature as Twilio signs them. It also sends
//! replies to a server's inbound webhook, signed the same way.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use base64::Engine;
use serde_json::json;

pub const ACCOUNT: &str = "AC00000000000000000000000000000001";
pub const TOKEN: &str = "a test auth token";
pub const FROM: &str = "+447700900000";

/// A message the provider took.
#[derive(Debug, Clone)]
pub struct Message {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
    pub status_callback: String,
}

#[derive(Default)]
struct Held {
    messages: Vec<Message>,
    undeliverable: HashSet<String>,
    down: bool,
}

pub struct Provider {
    pub url: String,
    held: Arc<Mutex<Held>>,
    http: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Shared {
    held: Arc<Mutex<Held>>,
    http: reqwest::Client,
}

impl Provider {
    pub async fn start() -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let held = Arc::new(Mutex::new(Held::default()));
        let http = reqwest::Client::new();
        let router = Router::new()
            .route("/2010-04-01/Accounts/{account}/Messages.json", post(messages))
            .with_state(Shared { held: held.clone(), http: http.clone() });
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Provider { url, held, http, task }
    }

    /// Texts to `number` are taken but reported undelivered.
    pub fn cannot_deliver_to(&self, number: &str) {
        self.held.lock().unwrap().undeliverable.insert(number.to_owned());
    }

    /// The provider answers 503 to every message while down.
    pub fn set_down(&self, down: bool) {
        self.held.lock().unwrap().down = down;
    }

    pub fn messages(&self) -> Vec<Message> {
        self.held.lock().unwrap().messages.clone()
    }

    /// A reply from `from`, sent to the server's inbound webhook at `url` as the provider sends
    /// it (signed, or with `signature` instead when given): the status it answered.
    pub async fn reply(&self, url: &str, from: &str, body: &str, sid: &str, signature: Option<&str>) -> u16 {
        let fields = vec![
            ("AccountSid".to_owned(), ACCOUNT.to_owned()),
            ("Body".to_owned(), body.to_owned()),
            ("From".to_owned(), from.to_owned()),
            ("MessageSid".to_owned(), sid.to_owned()),
            ("NumMedia".to_owned(), "0".to_owned()),
            ("To".to_owned(), FROM.to_owned()),
        ];
        post_signed(&self.http, url, &fields, signature).await
    }
}

/// Posts a signed form as the provider does: the status the server answered.
pub async fn post_signed(http: &reqwest::Client, url: &str, fields: &[(String, String)], signature: Option<&str>) -> u16 {
    let signed = groundgame_app::sms::signature(TOKEN, url, fields);
    let mut req = http.post(url).form(fields);
    match signature {
        Some("") => {}
        Some(s) => req = req.header("X-Twilio-Signature", s),
        None => req = req.header("X-Twilio-Signature", signed),
    }
    req.send().await.map(|r| r.status().as_u16()).unwrap_or(0)
}

fn twilio_error(status: StatusCode, code: u32, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message, "status": status.as_u16() }))).into_response()
}

async fn messages(
    State(s): State<Shared>,
    Path(account): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{TOKEN}")));
    if account != ACCOUNT || headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return twilio_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let (to, from, body, callback) = (get("To"), get("From"), get("Body"), get("StatusCallback"));
    if s.held.lock().unwrap().down {
        return twilio_error(StatusCode::SERVICE_UNAVAILABLE, 20500, "Service unavailable");
    }
    if !(to.starts_with('+') && (9..=16).contains(&to.len()) && to[1..].chars().all(|c| c.is_ascii_digit())) {
        return twilio_error(StatusCode::BAD_REQUEST, 21211, &format!("The 'To' number {to} is not a valid phone number."));
    }
    if from != FROM {
        return twilio_error(StatusCode::BAD_REQUEST, 21606, "The From phone number is not a valid, SMS-capable number for your account.");
    }
    if body.is_empty() {
        return twilio_error(StatusCode::BAD_REQUEST, 21602, "Message body is required.");
    }
    let undeliverable = {
        let mut held = s.held.lock().unwrap();
        let sid = format!("SM{:032x}", held.messages.len() + 1);
        held.messages.push(Message { sid, to: to.clone(), from: from.clone(), body: body.clone(), status_callback: callback.clone() });
        held.undeliverable.contains(&to)
    };
    let sid = s.held.lock().unwrap().messages.last().unwrap().sid.clone();
    if !callback.is_empty() {
        let (http, sid, to) = (s.http.clone(), sid.clone(), to.clone());
        tokio::spawn(async move {
            let last = if undeliverable { "undelivered" } else { "delivered" };
            for status in ["sent", last] {
                tokio::time::sleep(Duration::from_millis(10)).await;
                let mut fields = vec![
                    ("AccountSid".to_owned(), ACCOUNT.to_owned()),
                    ("From".to_owned(), FROM.to_owned()),
                    ("MessageSid".to_owned(), sid.clone()),
                    ("MessageStatus".to_owned(), status.to_owned()),
                    ("To".to_owned(), to.clone()),
                ];
                if status == "undelivered" {
                    fields.push(("ErrorCode".to_owned(), "30003".to_owned()));
                }
                post_signed(&http, &callback, &fields, None).await;
            }
        });
    }
    (
        StatusCode::CREATED,
        Json(json!({ "sid": sid, "account_sid": ACCOUNT, "to": to, "from": from, "body": body, "status": "queued", "num_segments": "1" })),
    )
        .into_response()
}
