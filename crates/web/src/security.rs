//! Headers every answer carries. The pages load scripts, styles and images from this site only,
//! nothing may frame them, browsers may not guess content types, and links send no address to
//! other sites (invite and reset links carry their token in the path). `same-origin` rather than
//! `no-referrer`: with `no-referrer` browsers send `Origin: null` on form posts, which the guard
//! must refuse as cross-site.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::Response;

/// What the pages may load: everything from this site, nothing inline, no frames.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// Sets the headers on an answer; `tls` (served over HTTPS) adds Strict-Transport-Security.
pub async fn headers(State(tls): State<bool>, mut response: Response) -> Response {
    let h = response.headers_mut();
    // A page with its own policy (the embeddable sign-up page, framed by the organiser's sites)
    // says who may frame it there; the old X-Frame-Options cannot name sites, so it is left off.
    let own_policy = h.contains_key(header::CONTENT_SECURITY_POLICY);
    let mut set = |name: header::HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if !own_policy {
        set(header::X_FRAME_OPTIONS, "DENY");
    }
    set(header::REFERRER_POLICY, "same-origin");
    if tls {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    response
}
