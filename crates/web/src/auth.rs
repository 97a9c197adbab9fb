use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use groundgame_core::access::{allows, Permission, Role};
use groundgame_store::accounts::{self, User};
use groundgame_store::campaigns::Campaign;
use groundgame_store::{audit, Store};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::routes::{self, Access};
use crate::AppState;

pub const SESSION_COOKIE: &str = "gg_session";
/// Canvassers may be offline for days between syncs: sessions last a month.
pub const SESSION_DAYS: i64 = 30;
pub const INVITE_DAYS: i64 = 14;
pub const MIN_PASSWORD: usize = 10;

/// Hashes a password with argon2id (on a blocking thread: it is slow on purpose).
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await?
}

async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        // With no account, hash anyway so that timing does not tell which emails exist.
        let hash = hash.unwrap_or_else(|| {
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Y1WKVfXqXK0nT1xXcZ0fCkq2b0z9M9u4kgQJ7yXyXw".to_owned()
        });
        PasswordHash::new(&hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A new random token (for a cookie or a link) and the hash that is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn days_from_now(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Failed sign-ins per email and per address, in a sliding window.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);
    pub const PER_EMAIL: usize = 5;
    pub const PER_ADDRESS: usize = 30;

    fn keys(email: &str, ip: &str) -> [(String, usize); 2] {
        [(format!("e:{}", email.trim().to_ascii_lowercase()), Self::PER_EMAIL), (format!("a:{ip}"), Self::PER_ADDRESS)]
    }

    /// Err(wait) when too many sign-ins have failed recently.
    pub fn check(&self, email: &str, ip: &str) -> Result<(), Duration> {
        let mut map = self.failures.lock().expect("limiter lock");
        let now = Instant::now();
        for (key, limit) in Self::keys(email, ip) {
            if let Some(times) = map.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < Self::WINDOW);
                if times.len() >= limit {
                    return Err(Self::WINDOW - now.duration_since(times[0]));
                }
            }
        }
        Ok(())
    }

    pub fn failed(&self, email: &str, ip: &str) {
        let mut map = self.failures.lock().expect("limiter lock");
        for (key, _) in Self::keys(email, ip) {
            map.entry(key).or_default().push(Instant::now());
        }
    }

    pub fn succeeded(&self, email: &str) {
        let mut map = self.failures.lock().expect("limiter lock");
        map.remove(&format!("e:{}", email.trim().to_ascii_lowercase()));
    }
}

/// The signed-in volunteer of a request, in one campaign.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    pub role: Role,
    pub campaign: Campaign,
    pub csrf_token: String,
    pub token_hash: String,
}

impl Viewer {
    pub fn may(&self, permission: Permission) -> bool {
        allows(self.role, permission)
    }
    /// Whether this volunteer sees every walk, or only those assigned to them.
    pub fn sees_every_walk(&self) -> bool {
        self.may(Permission::PlanWalks)
    }
}

/// The viewer if signed in: what public routes get.
#[derive(Debug, Clone)]
pub struct MaybeViewer(pub Option<Viewer>);

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Viewer>().cloned().ok_or_else(AppError::unauthorized)
    }
}

/// Public routes that care (the start page, sign-in) read the session themselves, so that the
/// guard does no database work for the public routes that do not (assets, health).
impl FromRequestParts<AppState> for MaybeViewer {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(v) = parts.extensions.get::<Viewer>() {
            return Ok(MaybeViewer(Some(v.clone())));
        }
        Ok(MaybeViewer(load_viewer(&state.store, &parts.headers).await?))
    }
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

async fn load_viewer(store: &Store, headers: &HeaderMap) -> Result<Option<Viewer>, AppError> {
    let Some(token) = cookie_value(headers, SESSION_COOKIE) else { return Ok(None) };
    let hash = token_hash(&token);
    let Some(s) = accounts::session(store, &hash).await? else { return Ok(None) };
    Ok(Some(Viewer { user: s.user, role: s.role, campaign: s.campaign, csrf_token: s.csrf_token, token_hash: hash }))
}

/// The request's client address (for rate limits).
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "local".into())))
    }
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A cross-site request: its Origin (when the browser sends one) is not this host.
fn cross_site(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else { return false };
    if origin == "null" {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    origin.split_once("://").map(|(_, h)| h != host).unwrap_or(true)
}

/// The most a form (not a file upload) may carry.
const FORM_LIMIT: usize = 1024 * 1024;

/// Every route goes through here: find its spec, load the session, check the role, check CSRF.
pub async fn guard(State(state): State<AppState>, request: Request<Body>, next: Next) -> Response {
    match check(&state, request).await {
        Ok(request) => next.run(request).await,
        Err(response) => response,
    }
}

async fn check(state: &AppState, request: Request<Body>) -> Result<Request<Body>, Response> {
    let path = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let Some(spec) = routes::find(request.method().as_str(), &path) else {
        tracing::error!(%path, "a route is missing from the route table: refused");
        return Err(AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "this route has no access rule").into_response());
    };
    let target = request_target(request.uri());
    let deny = |e: AppError| -> Response {
        if spec.is_api() {
            e.into_response()
        } else if e.status == StatusCode::UNAUTHORIZED {
            let next = &target;
            Redirect::to(&format!("/login?next={}", urlencode(next))).into_response()
        } else {
            crate::error::PageError(e).into_response()
        }
    };
    if is_unsafe(request.method()) && cross_site(request.headers()) {
        return Err(deny(AppError::new(StatusCode::FORBIDDEN, "cross-site request refused")));
    }
    let Access::Needs(permission) = spec.access else { return Ok(request) };
    let viewer = load_viewer(&state.store, request.headers()).await.map_err(&deny)?;
    let Some(viewer) = viewer else { return Err(deny(AppError::unauthorized())) };
    if !viewer.may(permission) {
        return Err(deny(AppError::forbidden()));
    }
    let mut request = request;
    if is_unsafe(request.method()) {
        request = check_csrf(request, &viewer.csrf_token).await.map_err(&deny)?;
    }
    request.extensions_mut().insert(viewer);
    Ok(request)
}

/// The token may come as the X-CSRF-Token header (scripts), a `csrf` form field (forms) or a
/// `csrf` query parameter (file uploads).
async fn check_csrf(request: Request<Body>, expected: &str) -> Result<Request<Body>, AppError> {
    let refused =
        || AppError::new(StatusCode::FORBIDDEN, "the form has expired or did not come from this site: reload the page and try again");
    if let Some(h) = request.headers().get("x-csrf-token") {
        return if h.as_bytes() == expected.as_bytes() { Ok(request) } else { Err(refused()) };
    }
    if let Some(q) = request.uri().query() {
        if form_field(q, "csrf").as_deref() == Some(expected) {
            return Ok(request);
        }
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refused());
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| AppError::bad_request("the form is too large"))?;
    let ok = std::str::from_utf8(&bytes).ok().and_then(|s| form_field(s, "csrf")).as_deref() == Some(expected);
    if !ok {
        return Err(refused());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn form_field(encoded: &str, name: &str) -> Option<String> {
    encoded.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| urldecode(v))
    })
}

fn urldecode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn request_target(uri: &axum::http::Uri) -> String {
    uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into())
}

/// Only local paths are followed after sign-in.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// The cookie that carries a session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_DAYS * 24 * 3600,
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie(secure: bool) -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", if secure { "; Secure" } else { "" })
}

/// What signing in gives.
pub struct SignedIn {
    pub user: User,
    pub role: Role,
    pub campaign_id: i64,
    pub csrf_token: String,
    pub cookie: String,
}

/// Checks a password (rate-limited) and opens a session in the volunteer's campaign (the named
/// one, or their most recent).
pub async fn sign_in(state: &AppState, email: &str, password: &str, ip: &str, campaign: Option<&str>) -> Result<SignedIn, AppError> {
    if let Err(wait) = state.limiter.check(email, ip) {
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many failed sign-ins: try again in {} minutes", wait.as_secs().div_ceil(60)),
        ));
    }
    // Read and check the password before taking a turn to write: hashing is slow on purpose.
    let mut tx = state.store.begin().await?;
    let found = accounts::credentials(&mut tx, email).await?;
    let memberships = match &found {
        Some((u, _)) => accounts::memberships(&mut tx, u.id).await?,
        None => Vec::new(),
    };
    tx.commit().await?;
    let (user, hash) = match found {
        Some((u, h)) => (Some(u), h),
        None => (None, None),
    };
    let ok = verify_password(password.to_owned(), hash).await;
    let Some(user) = user.filter(|_| ok) else {
        state.limiter.failed(email, ip);
        return Err(AppError::new(StatusCode::UNAUTHORIZED, "that email and password do not match an account"));
    };
    state.limiter.succeeded(email);
    let chosen = match campaign {
        Some(c) => memberships.iter().find(|m| m.1 == c),
        None => memberships.first(),
    };
    let Some(&(campaign_id, _, role)) = chosen else {
        return Err(AppError::new(StatusCode::FORBIDDEN, "this account is not in a campaign (or not in that one)"));
    };
    let (token, token_hash) = new_token();
    let (csrf_token, _) = new_token();
    let mut tx = state.store.begin_write().await?;
    accounts::create_session(&mut tx, &token_hash, user.id, campaign_id, &csrf_token, &days_from_now(SESSION_DAYS)).await?;
    audit::record(&mut tx, Some(campaign_id), Some(user.id), "sign_in", &format!("as {role} from {ip}"), 0).await?;
    tx.commit().await?;
    Ok(SignedIn { user, role, campaign_id, csrf_token, cookie: session_cookie(&token, state.secure_cookies) })
}

/// Opens a new session for a user in a campaign they are a member of (after accepting an invite
/// or switching campaign).
pub async fn open_session(state: &AppState, user_id: i64, campaign_id: i64) -> Result<String, AppError> {
    let (token, token_hash) = new_token();
    let (csrf_token, _) = new_token();
    let mut tx = state.store.begin_write().await?;
    accounts::create_session(&mut tx, &token_hash, user_id, campaign_id, &csrf_token, &days_from_now(SESSION_DAYS)).await?;
    tx.commit().await?;
    Ok(session_cookie(&token, state.secure_cookies))
}

pub async fn sign_out(state: &AppState, viewer: &Viewer) -> Result<String, AppError> {
    let mut tx = state.store.begin_write().await?;
    accounts::end_session(&mut tx, &viewer.token_hash).await?;
    tx.commit().await?;
    Ok(clear_cookie(state.secure_cookies))
}

/// Creates an invite and returns the path of its one-time link.
pub async fn invite(state: &AppState, viewer: &Viewer, email: &str, name: &str, role: Role) -> Result<String, AppError> {
    Ok(create_invite(&state.store, &viewer.campaign, email, name, role, Some(viewer.user.id)).await?)
}

/// Creates an invite (from the web app or the command line) and returns the path of its one-time
/// link: `/invite/<token>`. Only the token's hash is stored.
pub async fn create_invite(
    store: &Store,
    campaign: &Campaign,
    email: &str,
    name: &str,
    role: Role,
    by: Option<i64>,
) -> Result<String, groundgame_store::Error> {
    let (token, hash) = new_token();
    let mut tx = store.begin_write().await?;
    let invite = accounts::Invite { campaign_id: campaign.id, email: email.to_owned(), name: name.to_owned(), role };
    accounts::create_invite(&mut tx, campaign, &hash, &invite, by, &days_from_now(INVITE_DAYS)).await?;
    audit::record(&mut tx, Some(campaign.id), by, "invite", &format!("{} as {role}", email.trim()), 0).await?;
    tx.commit().await?;
    Ok(format!("/invite/{token}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode() {
        assert_eq!(form_field("a=1&csrf=x%2By+z", "csrf").as_deref(), Some("x+y z"));
        assert_eq!(form_field("a=1", "csrf"), None);
        assert_eq!(urldecode("100%"), "100%");
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/walks/3")), "/walks/3");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn the_limiter_locks_an_email_after_five_failures() {
        let l = LoginLimiter::default();
        for _ in 0..LoginLimiter::PER_EMAIL {
            assert!(l.check("a@b.org", "1.2.3.4").is_ok());
            l.failed("a@b.org", "1.2.3.4");
        }
        assert!(l.check("A@b.org ", "9.9.9.9").is_err());
        assert!(l.check("c@b.org", "1.2.3.4").is_ok());
    }
}
