//! Phone banking's API: call lists, a caller's next person and the calls they record, batches
//! for callers, and the TPS and CTPS files.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use groundgame_app::calling::{self, CallRecord, NewCallList};
use groundgame_core::calling::{CallFilter, Outcome, Screen};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Viewer;
use crate::error::{ApiResult, AppError};
use crate::input::{JsonBody, PathParam};
use crate::state::AppState;

pub async fn lists(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    Ok(Json(json!(calling::lists(&state.app, viewer.actor()).await?)))
}

fn default_cooldown() -> i64 {
    4
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListBody {
    name: String,
    #[serde(default)]
    filter: CallFilter,
    #[serde(default)]
    goal: i64,
    #[serde(default = "default_cooldown")]
    cooldown_hours: i64,
}

pub async fn create_list(State(state): State<AppState>, viewer: Viewer, JsonBody(b): JsonBody<ListBody>) -> ApiResult<Response> {
    let new = NewCallList { name: &b.name, filter: b.filter, goal: b.goal, cooldown_hours: b.cooldown_hours };
    let list = calling::create_list(&state.app, viewer.actor(), new).await?;
    Ok((StatusCode::CREATED, Json(list)).into_response())
}

pub async fn close_list(State(state): State<AppState>, viewer: Viewer, PathParam(id): PathParam<i64>) -> ApiResult<StatusCode> {
    calling::close_list(&state.app, viewer.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's next person (the one they hold, if any): `{"call": null}` when no one is ready.
pub async fn next(State(state): State<AppState>, viewer: Viewer, PathParam(id): PathParam<i64>) -> ApiResult<Json<Value>> {
    let call = calling::next(&state.app, viewer.actor(), id, chrono::Utc::now()).await?;
    Ok(Json(json!({ "call": call })))
}

pub async fn release(State(state): State<AppState>, viewer: Viewer, PathParam(id): PathParam<i64>) -> ApiResult<StatusCode> {
    calling::release(&state.app, viewer.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallBody {
    #[serde(deserialize_with = "groundgame_core::whole_number::id")]
    elector_id: i64,
    outcome: String,
    #[serde(default)]
    call_back_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    answers: BTreeMap<String, String>,
    #[serde(default)]
    note: String,
}

/// Records the call to the person the caller holds: 409 when they no longer hold them.
pub async fn record(
    State(state): State<AppState>,
    viewer: Viewer,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<CallBody>,
) -> ApiResult<Json<Value>> {
    let outcome = Outcome::parse(&b.outcome).map_err(|e| AppError::from(groundgame_app::Error::from(e)))?;
    let call = CallRecord { outcome: Some(outcome), call_back_at: b.call_back_at, answers: b.answers, note: b.note };
    let recorded = calling::record(&state.app, viewer.actor(), id, b.elector_id, call, chrono::Utc::now()).await?;
    Ok(Json(json!(recorded)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    #[serde(deserialize_with = "groundgame_core::whole_number::id")]
    user_id: i64,
    #[serde(deserialize_with = "groundgame_core::whole_number::id")]
    count: i64,
}

pub async fn batch(
    State(state): State<AppState>,
    viewer: Viewer,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<BatchBody>,
) -> ApiResult<Json<Value>> {
    let n = calling::assign_batch(&state.app, viewer.actor(), id, b.user_id, b.count).await?;
    Ok(Json(json!({ "assigned": n })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningBody {
    list: String,
    /// The file's text: one number a line.
    numbers: String,
}

/// Loads a TPS or CTPS file: the numbers on it replace the list's before.
pub async fn screening(State(state): State<AppState>, viewer: Viewer, JsonBody(b): JsonBody<ScreeningBody>) -> ApiResult<Json<Value>> {
    let list = Screen::parse(&b.list).map_err(|e| AppError::from(groundgame_app::Error::from(e)))?;
    let n = calling::upload_screening(&state.app, viewer.actor(), list, &b.numbers).await?;
    Ok(Json(json!({ "list": list, "numbers": n })))
}

pub async fn screened(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    let counts: BTreeMap<String, i64> = calling::screened_counts(&state.app, viewer.actor()).await?.into_iter().collect();
    Ok(Json(json!(counts)))
}
