//! The baseline for the sync benchmark: a bare axum endpoint that accepts the same POST body
//! (parsed as JSON) and answers 200, with no session, no database and no checks. What groundgame's
//! /api/v1/sync adds on top is the cost of doing the work. It also answers GET /s/{code} with a
//! 303 to a fixed page, the baseline for share-link redirects.
//! Usage: cargo run --release -p groundgame-web --example bare_axum -- 127.0.0.1:8091

use axum::response::Redirect;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

async fn sync(Json(body): Json<Value>) -> Json<Value> {
    let n = body["contacts"].as_array().map_or(0, Vec::len);
    Json(json!({ "stored": n }))
}

#[tokio::main]
async fn main() {
    let bind = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8091".into());
    let listener = tokio::net::TcpListener::bind(&bind).await.expect("bind");
    println!("bare axum on http://{bind}/");
    axum::serve(listener, Router::new().route("/api/v1/sync", post(sync)).route("/s/{code}", get(|| async { Redirect::to("/join/x") })))
        .await
        .expect("serve");
}
