use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use groundgame_core::access::Role;
use groundgame_core::survey::{Contact, Survey};
use groundgame_store::canvassing::{self, Scope, Source};
use groundgame_store::{accounts, audit, register, walks};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{self, ClientIp, Viewer};
use crate::error::{ApiResult, AppError};
use crate::AppState;

/// The most contacts one sync request may carry.
pub const MAX_BATCH: usize = 500;

pub async fn health(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let mut tx = state.store.begin().await?;
    tx.fetch_one::<(i64,)>("SELECT CAST(1 AS BIGINT)", vec![]).await?;
    tx.commit().await?;
    Ok(Json(json!({ "status": "ok" })))
}

pub async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

#[derive(Deserialize)]
pub struct Login {
    email: String,
    password: String,
    /// A ballot id, for someone in several campaigns.
    campaign: Option<String>,
}

pub async fn login(State(state): State<AppState>, ClientIp(ip): ClientIp, Json(l): Json<Login>) -> ApiResult<Response> {
    let s = auth::sign_in(&state, &l.email, &l.password, &ip, l.campaign.as_deref()).await?;
    Ok((
        [(header::SET_COOKIE, s.cookie)],
        Json(json!({ "user": s.user, "role": s.role, "csrf_token": s.csrf_token, "campaign_id": s.campaign_id })),
    )
        .into_response())
}

pub async fn logout(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    let cookie = auth::sign_out(&state, &viewer).await?;
    Ok(([(header::SET_COOKIE, cookie)], StatusCode::NO_CONTENT).into_response())
}

pub async fn me(viewer: Viewer) -> Json<Value> {
    Json(json!({
        "user": viewer.user,
        "role": viewer.role,
        "campaign": viewer.campaign,
        "csrf_token": viewer.csrf_token,
    }))
}

pub async fn survey(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Survey>> {
    let mut tx = state.store.begin().await?;
    let s = canvassing::survey(&mut tx, &viewer.campaign).await?;
    tx.commit().await?;
    Ok(Json(s))
}

pub async fn put_survey(State(state): State<AppState>, viewer: Viewer, Json(s): Json<Survey>) -> ApiResult<Json<Survey>> {
    let mut tx = state.store.begin_write().await?;
    canvassing::set_survey(&mut tx, &viewer.campaign, &s).await?;
    tx.commit().await?;
    Ok(Json(s))
}

pub async fn my_walks(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Vec<walks::Walk>>> {
    let mut tx = state.store.begin().await?;
    let list = canvassing::assigned_walks(&mut tx, &viewer.campaign, viewer.user.id).await?;
    tx.commit().await?;
    Ok(Json(list))
}

pub async fn walks(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Vec<canvassing::WalkProgress>>> {
    let mut tx = state.store.begin().await?;
    let p = canvassing::progress(&mut tx, &viewer.campaign).await?;
    tx.commit().await?;
    Ok(Json(p.walks))
}

/// A walk for the doorstep. Canvassers get only walks assigned to them; every read is audited.
pub async fn walk_payload(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> ApiResult<Json<canvassing::WalkPayload>> {
    let mut tx = state.store.begin_write().await?;
    if !viewer.sees_every_walk() && !canvassing::is_assigned(&mut tx, &viewer.campaign, id, viewer.user.id).await? {
        return Err(AppError::new(StatusCode::FORBIDDEN, "this walk is not assigned to you"));
    }
    let payload = canvassing::walk_payload(&mut tx, &viewer.campaign, id).await?;
    audit::record(&mut tx, Some(viewer.campaign.id), Some(viewer.user.id), "walk_payload", &payload.walk.name, payload.electors() as i64)
        .await?;
    tx.commit().await?;
    Ok(Json(payload))
}

#[derive(Deserialize)]
pub struct AssignBody {
    user_id: Option<i64>,
    session_id: Option<i64>,
}

pub async fn assign(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Json(b): Json<AssignBody>,
) -> ApiResult<StatusCode> {
    let mut tx = state.store.begin_write().await?;
    canvassing::assign(&mut tx, &viewer.campaign, id, b.user_id, b.session_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct SyncBody {
    contacts: Vec<Contact>,
}

/// Stores a batch of contacts from a phone. Idempotent: each contact id is stored once however
/// often the batch is sent.
pub async fn sync(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Result<Json<SyncBody>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<Json<canvassing::SyncReport>> {
    let Json(body) = body.map_err(|e| AppError::bad_request(format!("the batch could not be read: {}", e.body_text())))?;
    if body.contacts.len() > MAX_BATCH {
        return Err(AppError::bad_request(format!("send at most {MAX_BATCH} contacts at a time")));
    }
    let scope = if viewer.sees_every_walk() { Scope::Campaign } else { Scope::AssignedTo(viewer.user.id) };
    // Stored in a task of its own, so that a phone hanging up mid-request (it will resend) never
    // cuts a write short.
    let report = tokio::spawn(async move {
        let mut tx = state.store.begin_write().await?;
        let report = canvassing::record_contacts(&mut tx, &viewer.campaign, viewer.user.id, scope, &body.contacts, Source::App).await?;
        tx.commit().await?;
        Ok::<_, groundgame_store::Error>(report)
    })
    .await
    .map_err(AppError::internal)??;
    Ok(Json(report))
}

pub async fn progress(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    let mut tx = state.store.begin().await?;
    let p = canvassing::progress(&mut tx, &viewer.campaign).await?;
    let stats = register::stats(&mut tx, &viewer.campaign).await?;
    tx.commit().await?;
    let win = viewer.campaign.win_number(stats.totals.eligible);
    Ok(Json(json!({ "progress": p, "win_number": win })))
}

pub async fn register_stats(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<register::RegisterStats>> {
    let mut tx = state.store.begin().await?;
    let s = register::stats(&mut tx, &viewer.campaign).await?;
    tx.commit().await?;
    Ok(Json(s))
}

/// The register as CSV, audited.
pub async fn register_export(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    let mut tx = state.store.begin_write().await?;
    let csv = register::export_csv(&mut tx, &viewer.campaign).await?;
    audit::record(&mut tx, Some(viewer.campaign.id), Some(viewer.user.id), "export_register", "register CSV download", csv.rows as i64)
        .await?;
    tx.commit().await?;
    let name = format!("attachment; filename=\"{}-register.csv\"", viewer.campaign.ballot_id);
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)], csv.text).into_response())
}

pub async fn volunteers(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Vec<accounts::Member>>> {
    let mut tx = state.store.begin().await?;
    let m = accounts::members(&mut tx, &viewer.campaign).await?;
    tx.commit().await?;
    Ok(Json(m))
}

#[derive(Deserialize)]
pub struct InviteBody {
    email: String,
    #[serde(default)]
    name: String,
    role: Role,
}

pub async fn invite(State(state): State<AppState>, viewer: Viewer, Json(b): Json<InviteBody>) -> ApiResult<(StatusCode, Json<Value>)> {
    let link = auth::invite(&state, &viewer, &b.email, &b.name, b.role).await?;
    Ok((StatusCode::CREATED, Json(json!({ "link": link }))))
}

pub async fn sessions(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Vec<canvassing::CanvassSession>>> {
    let mut tx = state.store.begin().await?;
    let s = canvassing::sessions(&mut tx, &viewer.campaign).await?;
    tx.commit().await?;
    Ok(Json(s))
}

pub async fn audit(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Vec<audit::Entry>>> {
    let mut tx = state.store.begin().await?;
    let entries = audit::recent(&mut tx, viewer.campaign.id, 500).await?;
    tx.commit().await?;
    Ok(Json(entries))
}

pub async fn targets(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Query(q): axum::extract::Query<crate::pages::targets::ListQuery>,
) -> ApiResult<Json<Value>> {
    let list = crate::pages::targets::seat_list(&state, &viewer, &q).await?;
    Ok(Json(json!({
        "election": list.election.year,
        "party": list.party,
        "list": if list.defence { "defence" } else { "targets" },
        "seats": list.seats,
    })))
}

/// Public: the seats and their coming sessions, without the campaigns' own progress figures.
pub async fn nearest(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<crate::pages::targets::NearestQuery>,
) -> ApiResult<Json<Value>> {
    let answer = crate::pages::targets::nearest_seats(&state, &q)
        .await?
        .ok_or_else(|| AppError::bad_request("give ?postcode= (or ?lat= and ?lon=)"))?;
    let seats: Vec<Value> = answer
        .seats
        .iter()
        .map(|s| {
            json!({
                "gss": s.seat.gss, "name": s.seat.name, "region": s.seat.region, "holder": s.seat.holder, "second": s.seat.second,
                "majority": s.seat.majority, "swing_needed": s.seat.swing_needed, "kind": s.kind, "distance_km": s.distance_km,
                "need": s.need, "sessions": s.campaign.as_ref().map(|c| c.sessions.clone()).unwrap_or_default(),
            })
        })
        .collect();
    Ok(Json(json!({ "place": answer.place, "party": answer.party, "election": answer.year, "seats": seats })))
}
