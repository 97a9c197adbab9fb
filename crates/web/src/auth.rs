//! The guard every route goes through, and the cookies it reads and sets.
//!
//! Each route of [`crate::routes::ROUTES`] carries its own guard, built with the route's line of
//! the table, so there is no lookup that could miss: the guard checks that a write comes from
//! this site, loads the session for routes that need one, checks the role, and for writes the
//! CSRF token.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::accounts::{self, Client, Opened};

use crate::error::AppError;
use crate::route::{Access, Route};
use crate::state::{AppState, WebSettings};
pub use crate::viewer::{MaybeViewer, Viewer};

pub const SESSION_COOKIE: &str = "gg_session";
/// A long-lived cookie naming this browser: a browser that has signed in to an account before
/// keeps signing in while someone else is guessing that account's password.
pub const DEVICE_COOKIE: &str = "gg_device";
const DEVICE_DAYS: i64 = 400;

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Viewer>().cloned().ok_or_else(AppError::unauthorized)
    }
}

/// Public routes that care (the start page, sign-in, invites) read the session themselves, so
/// that the guard does no database work for the public routes that do not (assets, health).
impl FromRequestParts<AppState> for MaybeViewer {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(v) = parts.extensions.get::<Viewer>() {
            return Ok(MaybeViewer(Some(v.clone())));
        }
        Ok(MaybeViewer(load_viewer(state, &parts.headers).await?))
    }
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

async fn load_viewer(state: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, AppError> {
    let Some(token) = cookie_value(headers, SESSION_COOKIE) else { return Ok(None) };
    Ok(accounts::session(&state.app, &token).await?.map(Viewer))
}

/// Where the request comes from: its address, its browser and its device cookie.
pub struct ClientInfo(pub Client);

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ip = match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(peer) => client_address(peer.0.ip(), &parts.headers, &state.web).to_string(),
            None => "local".into(),
        };
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let device = cookie_value(&parts.headers, DEVICE_COOKIE);
        Ok(ClientInfo(Client { ip, user_agent, device }))
    }
}

/// The address a request comes from. Behind trusted proxies it is the nearest address in
/// X-Forwarded-For that no trusted proxy added (the hops are read from the right, where each proxy
/// appends the address it was reached from); from anyone else the header is ignored, since a
/// client can write any address it likes there.
fn client_address(peer: IpAddr, headers: &HeaderMap, web: &WebSettings) -> IpAddr {
    let mut address = peer.to_canonical();
    if !web.is_trusted_proxy(address) {
        return address;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    for hop in hops.iter().rev() {
        // A hop that is not an address ends what can be believed: the last trusted one stands.
        let Ok(hop) = hop.parse::<IpAddr>() else { break };
        address = hop.to_canonical();
        if !web.is_trusted_proxy(address) {
            break;
        }
    }
    address
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

/// The most a form (not a file upload) may carry for the guard to read its CSRF field.
const FORM_LIMIT: usize = 1024 * 1024;

/// The guard of one route: `route` is that route's line of the table.
pub async fn guard(State((state, route)): State<(AppState, &'static Route)>, request: Request<Body>, next: Next) -> Response {
    match check(&state, route, request).await {
        Ok(request) => next.run(request).await,
        Err(response) => response,
    }
}

async fn check(state: &AppState, route: &'static Route, request: Request<Body>) -> Result<Request<Body>, Response> {
    let target = request.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let deny = |e: AppError| -> Response {
        if route.is_api() {
            e.into_response()
        } else if e.status == StatusCode::UNAUTHORIZED {
            Redirect::to(&format!("/login?next={}", urlencode(&target))).into_response()
        } else {
            crate::error::PageError(e).into_response()
        }
    };
    if is_unsafe(request.method()) && cross_site(request.headers()) {
        return Err(deny(AppError::new(StatusCode::FORBIDDEN, "cross-site request refused")));
    }
    let Access::Needs(permission) = route.access else { return Ok(request) };
    let viewer = load_viewer(state, request.headers()).await.map_err(&deny)?;
    let Some(viewer) = viewer else { return Err(deny(AppError::unauthorized())) };
    if !viewer.may(permission) {
        return Err(deny(AppError::forbidden()));
    }
    let mut request = request;
    if is_unsafe(request.method()) {
        request = check_csrf(request, &viewer.csrf_token, route.upload).await.map_err(&deny)?;
    }
    request.extensions_mut().insert(viewer);
    Ok(request)
}

fn csrf_refused() -> AppError {
    AppError::new(StatusCode::FORBIDDEN, "the form has expired or did not come from this site: reload the page and try again")
}

/// The token comes as the X-CSRF-Token header (scripts) or a `csrf` form field (forms). A file
/// upload, whose multipart body the guard does not read, carries it in the query string: only
/// routes marked as uploads accept it there, and only with a multipart body.
async fn check_csrf(request: Request<Body>, expected: &str, upload: bool) -> Result<Request<Body>, AppError> {
    if let Some(h) = request.headers().get("x-csrf-token") {
        return if h.as_bytes() == expected.as_bytes() { Ok(request) } else { Err(csrf_refused()) };
    }
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|c| c.to_str().ok()).unwrap_or_default().to_owned();
    if upload && content_type.starts_with("multipart/form-data") {
        let given = request.uri().query().and_then(|q| form_field(q, "csrf"));
        return if given.as_deref() == Some(expected) { Ok(request) } else { Err(csrf_refused()) };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(csrf_refused());
    }
    let (parts, body) = request.into_parts();
    let bytes =
        axum::body::to_bytes(body, FORM_LIMIT).await.map_err(|_| AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "the form is too large"))?;
    let ok = std::str::from_utf8(&bytes).ok().and_then(|s| form_field(s, "csrf")).as_deref() == Some(expected);
    if !ok {
        return Err(csrf_refused());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Checks the CSRF token of a public route's form for a signed-in viewer (accepting an invite
/// while signed in).
pub fn csrf_matches(viewer: &Viewer, given: Option<&str>) -> Result<(), AppError> {
    if given == Some(viewer.csrf_token.as_str()) {
        Ok(())
    } else {
        Err(csrf_refused())
    }
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

/// Where to go after signing in: only a path on this site. What browsers strip from a URL (tabs
/// and newlines) is stripped first, so `/\t/evil.example` is seen as the `//evil.example` a
/// browser would follow; anything not plainly a local path goes to the start page.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(next) = next else { return "/".into() };
    let cleaned: String = next.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let local = cleaned.starts_with('/')
        && !cleaned.starts_with("//")
        && !cleaned.contains('\\')
        && !cleaned.chars().any(|c| c.is_control() || c.is_whitespace())
        && HeaderValue::from_str(&cleaned).is_ok();
    if local {
        cleaned
    } else {
        "/".into()
    }
}

fn cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}", if secure { "; Secure" } else { "" })
}

/// The cookies that carry a session just opened (and the browser's device cookie when it has
/// none yet).
pub fn session_cookies(state: &AppState, opened: &Opened) -> Vec<(header::HeaderName, String)> {
    let secure = state.web.secure_cookies;
    let mut out = vec![(header::SET_COOKIE, cookie(SESSION_COOKIE, &opened.token, state.app.limits.session_days * 24 * 3600, secure))];
    if let Some(d) = &opened.device {
        out.push((header::SET_COOKIE, cookie(DEVICE_COOKIE, d, DEVICE_DAYS * 24 * 3600, secure)));
    }
    out
}

/// A response that sets the cookies of a session just opened.
pub fn with_session(state: &AppState, opened: &Opened, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    for (name, value) in session_cookies(state, opened) {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().append(name, v);
        }
    }
    response
}

/// The cookie that ends a session in the browser.
pub fn clear_cookie(state: &AppState) -> String {
    cookie(SESSION_COOKIE, "", 0, state.web.secure_cookies)
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
        assert_eq!(safe_next(Some("/walks?district=NA1&x=1")), "/walks?district=NA1&x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/x",
            "\t//evil.example",
            "/\\evil.example",
            "/%5Cevil",
            "javascript:alert(1)",
            "evil.example",
            "/ /x",
            "",
        ] {
            let got = safe_next(Some(bad));
            assert!(got == "/" || (got.starts_with('/') && !got.starts_with("//") && !got.contains('\\')), "{bad:?} -> {got:?}");
            assert!(!got.contains("evil") || bad == "/%5Cevil", "{bad:?} -> {got:?}");
        }
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    fn from(peer: &str, forwarded: &[&str], trusted: &[&str]) -> String {
        let web = WebSettings { trusted_proxies: trusted.iter().map(|t| t.parse().unwrap()).collect(), ..WebSettings::default() };
        let mut headers = HeaderMap::new();
        for f in forwarded {
            headers.append("x-forwarded-for", HeaderValue::from_str(f).unwrap());
        }
        client_address(peer.parse().unwrap(), &headers, &web).to_string()
    }

    #[test]
    fn only_a_trusted_proxy_says_where_a_request_came_from() {
        // No proxy trusted: the header is anyone's to write.
        assert_eq!(from("203.0.113.9", &["198.51.100.1"], &[]), "203.0.113.9");
        // From the proxy: the address it appended.
        assert_eq!(from("10.0.0.2", &["198.51.100.7"], &["10.0.0.0/8"]), "198.51.100.7");
        // A client's own forged entries sit to the left of what the proxy added: ignored.
        assert_eq!(from("10.0.0.2", &["1.2.3.4, 198.51.100.7"], &["10.0.0.0/8"]), "198.51.100.7");
        // Two trusted hops (a load balancer in front of the proxy), in one header or two.
        assert_eq!(from("10.0.0.2", &["1.2.3.4, 198.51.100.7, 10.0.0.1"], &["10.0.0.0/8"]), "198.51.100.7");
        assert_eq!(from("10.0.0.2", &["1.2.3.4, 198.51.100.7", "10.0.0.1"], &["10.0.0.0/8"]), "198.51.100.7");
        // The same header from an untrusted peer changes nothing.
        assert_eq!(from("198.51.100.50", &["10.0.0.1"], &["10.0.0.0/8"]), "198.51.100.50");
        // Garbage stops the walk at the last believable hop.
        assert_eq!(from("10.0.0.2", &["nonsense, 10.0.0.1"], &["10.0.0.0/8"]), "10.0.0.1");
        // No header: the proxy itself.
        assert_eq!(from("10.0.0.2", &[], &["10.0.0.0/8"]), "10.0.0.2");
        // A proxy on IPv6 loopback, and an IPv4 client seen through a dual-stack socket.
        assert_eq!(from("::1", &["2001:db8::5"], &["::1/128"]), "2001:db8::5");
        assert_eq!(from("::ffff:127.0.0.1", &["::ffff:198.51.100.3"], &["127.0.0.1/32"]), "198.51.100.3");
    }
}
