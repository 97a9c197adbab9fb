//! Static assets embedded in the binary: no build step, nothing to deploy beside it.

use crate::input::PathParam;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// Bumped when the app shell changes, so phones drop the old cache.
pub const VERSION: &str = concat!("gg-", env!("CARGO_PKG_VERSION"), "-6");

const FILES: &[(&str, &str, &str)] = &[
    ("style.css", "text/css; charset=utf-8", include_str!("../static/style.css")),
    ("offline.js", "text/javascript; charset=utf-8", include_str!("../static/offline.js")),
    ("canvass.js", "text/javascript; charset=utf-8", include_str!("../static/canvass.js")),
    ("live.js", "text/javascript; charset=utf-8", include_str!("../static/live.js")),
    ("tell.js", "text/javascript; charset=utf-8", include_str!("../static/tell.js")),
    ("knock.js", "text/javascript; charset=utf-8", include_str!("../static/knock.js")),
    ("committee.js", "text/javascript; charset=utf-8", include_str!("../static/committee.js")),
    ("scan.js", "text/javascript; charset=utf-8", include_str!("../static/scan.js")),
    ("icon.svg", "image/svg+xml", include_str!("../static/icon.svg")),
];

pub async fn file(PathParam(name): PathParam<String>) -> Response {
    match FILES.iter().find(|f| f.0 == name) {
        Some((_, mime, body)) => ([(header::CONTENT_TYPE, *mime), (header::CACHE_CONTROL, "no-cache")], *body).into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

pub async fn service_worker() -> Response {
    let body = include_str!("../static/sw.js").replace("@VERSION@", VERSION);
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

pub async fn manifest() -> Response {
    (
        [(header::CONTENT_TYPE, "application/manifest+json")],
        r##"{"name":"groundgame","short_name":"groundgame","start_url":"/canvass","display":"standalone","background_color":"#ffffff","theme_color":"#b00020","icons":[{"src":"/static/icon.svg","sizes":"any","type":"image/svg+xml"}]}"##,
    )
        .into_response()
}
