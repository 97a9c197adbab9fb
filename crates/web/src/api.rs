//! The JSON API: each handler reads the request, calls one use case and answers JSON.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use groundgame_app::targeting::{ListQuery, NearestQuery};
use groundgame_app::{accounts, canvassing, polling_day, register, targeting};
use groundgame_core::access::Role;
use groundgame_core::survey::{Survey, SyncBatch};
use groundgame_store::canvassing::{SyncReport, WalkPayload};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{self, ClientInfo, Viewer};
use crate::error::{ApiResult, AppError};
use crate::input::{JsonBody, PathParam, QueryParams};
use crate::state::AppState;

/// For a load balancer or a monitor: 200 when the database answers and its schema is this
/// build's, 503 (with the reason) when not.
pub async fn health(State(state): State<AppState>) -> Response {
    use groundgame_app::health;
    match health::database(&state.app).await {
        Ok(db) => {
            let current = health::schema_current(&db);
            let body = json!({
                "status": if current { "ok" } else { "schema_differs" },
                "database": "reachable",
                "backend": db.backend,
                "schema_version": db.schema_version,
                "expected_schema_version": db.expected_schema_version,
            });
            (if current { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(body)).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "health: the database did not answer");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "database": "unreachable" }))).into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct Login {
    email: String,
    password: String,
    /// A ballot id, for someone in several campaigns.
    campaign: Option<String>,
    /// The code of the account's authenticator app (or a recovery code), when it has one.
    code: Option<String>,
}

pub async fn login(State(state): State<AppState>, ClientInfo(client): ClientInfo, JsonBody(l): JsonBody<Login>) -> ApiResult<Response> {
    let opened = match accounts::sign_in(&state.app, &l.email, &l.password, l.campaign.as_deref(), &client).await? {
        accounts::SignedIn::Opened(opened) => *opened,
        accounts::SignedIn::SecondFactor { enrol: Some(_), .. } => {
            return Err(AppError::from(groundgame_app::Error::SignIn(
                "this account must set up two-factor sign-in first: sign in once at /login on the web".into(),
            )))
        }
        accounts::SignedIn::SecondFactor { ticket, enrol: None } => match l.code.as_deref() {
            Some(code) => groundgame_app::second_factor::complete(&state.app, &ticket, code, &client).await?.0,
            None => {
                return Err(AppError::from(groundgame_app::Error::SignIn(
                    "this account signs in with a code from its authenticator app: send it as \"code\"".into(),
                )))
            }
        },
    };
    let m = &opened.member;
    let body = Json(json!({ "user": m.user, "role": m.role, "csrf_token": m.csrf_token, "campaign": m.campaign.ballot_id }));
    Ok(auth::with_session(&state, &opened, body))
}

pub async fn logout(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    accounts::sign_out(&state.app, &viewer).await?;
    Ok(([(header::SET_COOKIE, auth::clear_cookie(&state))], StatusCode::NO_CONTENT).into_response())
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
    Ok(Json(canvassing::survey(&state.app, viewer.actor()).await?))
}

pub async fn put_survey(State(state): State<AppState>, viewer: Viewer, JsonBody(s): JsonBody<Survey>) -> ApiResult<Json<Survey>> {
    canvassing::set_survey(&state.app, viewer.actor(), &s).await?;
    Ok(Json(s))
}

pub async fn my_walks(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    Ok(Json(json!(canvassing::my_walks(&state.app, &viewer).await?)))
}

pub async fn walks(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    let (p, _, _) = canvassing::progress(&state.app, viewer.actor()).await?;
    Ok(Json(json!(p.walks)))
}

/// A walk for the doorstep. Canvassers get only walks assigned to them; every read is audited.
pub async fn walk_payload(State(state): State<AppState>, viewer: Viewer, PathParam(id): PathParam<i64>) -> ApiResult<Json<WalkPayload>> {
    Ok(Json(canvassing::walk_payload(&state.app, viewer.actor(), id).await?))
}

#[derive(Deserialize)]
pub struct AssignBody {
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    user_id: Option<i64>,
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    session_id: Option<i64>,
}

pub async fn assign(
    State(state): State<AppState>,
    viewer: Viewer,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<AssignBody>,
) -> ApiResult<StatusCode> {
    canvassing::assign(&state.app, viewer.actor(), id, b.user_id, b.session_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stores a batch of contacts from a phone. Idempotent: each contact id is stored once however
/// often the batch is sent.
pub async fn sync(State(state): State<AppState>, viewer: Viewer, JsonBody(body): JsonBody<SyncBatch>) -> ApiResult<Json<SyncReport>> {
    Ok(Json(canvassing::sync(&state.app, viewer.actor(), body.contacts, body.sent_at).await?))
}

/// Numbers a teller took at a polling station, as the phone sends them.
#[derive(Deserialize)]
pub struct TellingsBody {
    entries: Vec<TellingEntry>,
}

#[derive(Deserialize)]
struct TellingEntry {
    id: uuid::Uuid,
    polling_district: String,
    number: String,
    recorded_at: chrono::DateTime<chrono::Utc>,
}

/// Stores tellers' numbers. Idempotent: each entry id is stored once however often it is sent.
pub async fn tellings(
    State(state): State<AppState>,
    viewer: Viewer,
    JsonBody(body): JsonBody<TellingsBody>,
) -> ApiResult<Json<groundgame_store::polling_day::TellingReport>> {
    let entries = body
        .entries
        .into_iter()
        .map(|e| groundgame_store::polling_day::Telling {
            id: e.id,
            polling_district: e.polling_district,
            number: e.number,
            recorded_at: e.recorded_at,
        })
        .collect();
    Ok(Json(polling_day::record_tellings(&state.app, viewer.actor(), entries).await?))
}

/// Takes back a telling: the teller's undo.
pub async fn withdraw_telling(
    State(state): State<AppState>,
    viewer: Viewer,
    PathParam(id): PathParam<uuid::Uuid>,
) -> ApiResult<StatusCode> {
    polling_day::withdraw_telling(&state.app, viewer.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct KnockUpQuery {
    polling_district: Option<String>,
    walk_id: Option<i64>,
}

/// The promises who have not voted, in walk order: a polling district's (the committee room's)
/// or one walk's (a canvasser's own walks).
pub async fn knock_up(State(state): State<AppState>, viewer: Viewer, QueryParams(q): QueryParams<KnockUpQuery>) -> ApiResult<Json<Value>> {
    let of = match (q.polling_district, q.walk_id) {
        (Some(d), None) => polling_day::KnockUp::District(d),
        (None, Some(w)) => polling_day::KnockUp::Walk(w),
        _ => return Err(groundgame_app::Error::Invalid("ask for one polling_district or one walk_id".into()).into()),
    };
    let list = polling_day::knock_up(&state.app, viewer.actor(), of.clone()).await?;
    Ok(Json(match of {
        polling_day::KnockUp::District(d) => {
            json!({ "polling_district": d.trim().to_ascii_uppercase(), "electors": list.electors, "rounds": list.rounds })
        }
        polling_day::KnockUp::Walk(w) => json!({ "walk_id": w, "electors": list.electors, "round": list.rounds.first() }),
    }))
}

#[derive(Deserialize)]
pub struct RoundsBody {
    #[serde(deserialize_with = "groundgame_core::whole_number::ids")]
    walk_ids: Vec<i64>,
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    knocker_user_id: Option<i64>,
}

/// Starts a knock-up round of each walk, and gives them to a knocker if one is named.
pub async fn start_rounds(State(state): State<AppState>, viewer: Viewer, JsonBody(body): JsonBody<RoundsBody>) -> ApiResult<Json<Value>> {
    let rounds = polling_day::start_rounds(&state.app, viewer.actor(), &body.walk_ids, body.knocker_user_id).await?;
    Ok(Json(json!({ "rounds": rounds })))
}

/// Marks a lift asked for at a door as given.
pub async fn give_lift(State(state): State<AppState>, viewer: Viewer, PathParam(id): PathParam<uuid::Uuid>) -> ApiResult<StatusCode> {
    polling_day::give_lift(&state.app, viewer.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A polling district's postal voter promises, with what each said of their postal vote.
pub async fn postal_votes(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryParams(q): QueryParams<DistrictQuery>,
) -> ApiResult<Json<Value>> {
    let electors = polling_day::postal_promises(&state.app, viewer.actor(), &q.polling_district).await?;
    Ok(Json(json!({ "polling_district": q.polling_district.trim().to_ascii_uppercase(), "electors": electors })))
}

#[derive(Deserialize)]
pub struct PostalChaseBody {
    status: groundgame_core::polling_day::PostalChase,
}

/// Records what a postal voter said when asked whether their postal vote is posted.
pub async fn postal_chase(
    State(state): State<AppState>,
    viewer: Viewer,
    PathParam(id): PathParam<i64>,
    JsonBody(body): JsonBody<PostalChaseBody>,
) -> ApiResult<StatusCode> {
    polling_day::record_postal_chase(&state.app, viewer.actor(), id, body.status).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The promises added by hand.
pub async fn hand_promises(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "electors": polling_day::hand_promises(&state.app, viewer.actor()).await? })))
}

#[derive(Deserialize)]
pub struct HandPromiseBody {
    elector_number: String,
}

/// Adds an elector to the promises by hand.
pub async fn add_hand_promise(
    State(state): State<AppState>,
    viewer: Viewer,
    JsonBody(body): JsonBody<HandPromiseBody>,
) -> ApiResult<Json<Value>> {
    let name = polling_day::add_hand_promise(&state.app, viewer.actor(), &body.elector_number).await?;
    Ok(Json(json!({ "elector_number": body.elector_number.trim().to_ascii_uppercase(), "name": name })))
}

/// Takes an elector off the promises added by hand.
pub async fn remove_hand_promise(State(state): State<AppState>, viewer: Viewer, PathParam(id): PathParam<i64>) -> ApiResult<StatusCode> {
    polling_day::remove_hand_promise(&state.app, viewer.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Answers heard at promises' doors, as the phone sends them.
#[derive(Deserialize)]
pub struct KnockAnswersBody {
    answers: Vec<KnockAnswerEntry>,
}

#[derive(Deserialize)]
struct KnockAnswerEntry {
    id: uuid::Uuid,
    #[serde(deserialize_with = "groundgame_core::whole_number::id")]
    walk_id: i64,
    #[serde(deserialize_with = "groundgame_core::whole_number::id")]
    household_id: i64,
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    elector_id: Option<i64>,
    answer: groundgame_core::polling_day::DoorAnswer,
    recorded_at: chrono::DateTime<chrono::Utc>,
}

/// Stores answers heard at promises' doors; idempotent by answer id.
pub async fn knock_answers(
    State(state): State<AppState>,
    viewer: Viewer,
    JsonBody(body): JsonBody<KnockAnswersBody>,
) -> ApiResult<Json<groundgame_store::polling_day::KnockReport>> {
    let answers = body
        .answers
        .into_iter()
        .map(|a| groundgame_store::polling_day::KnockAnswer {
            id: a.id,
            walk_id: a.walk_id,
            household_id: a.household_id,
            elector_id: a.elector_id,
            answer: a.answer.as_str().to_owned(),
            recorded_at: a.recorded_at,
        })
        .collect();
    Ok(Json(polling_day::record_knock_answers(&state.app, viewer.actor(), answers).await?))
}

#[derive(Deserialize)]
pub struct DistrictQuery {
    polling_district: String,
}

/// The names of a polling district's electors by number, for a teller's phone (audited).
pub async fn teller_names(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryParams(q): QueryParams<DistrictQuery>,
) -> ApiResult<Json<Value>> {
    let electors = polling_day::teller_names(&state.app, viewer.actor(), &q.polling_district).await?;
    Ok(Json(json!({ "polling_district": q.polling_district.trim().to_ascii_uppercase(), "electors": electors })))
}

/// The polling stations and the districts a teller may choose.
pub async fn polling_stations(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<polling_day::TellerChoices>> {
    Ok(Json(polling_day::teller_choices(&state.app, viewer.actor()).await?))
}

#[derive(Deserialize)]
pub struct StationCountBody {
    #[serde(deserialize_with = "groundgame_core::whole_number::id")]
    ballot_papers: i64,
}

/// A station's official count of ballot papers issued so far.
pub async fn station_count(
    State(state): State<AppState>,
    viewer: Viewer,
    PathParam(id): PathParam<i64>,
    JsonBody(body): JsonBody<StationCountBody>,
) -> ApiResult<StatusCode> {
    polling_day::record_station_count(&state.app, viewer.actor(), id, body.ballot_papers).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The committee room's numbers now.
pub async fn committee_room(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    let room = polling_day::committee_room(&state.app, viewer.actor(), std::time::Instant::now(), false).await?;
    Ok(Json(serde_json::to_value(&*room).map_err(anyhow::Error::new).map_err(groundgame_app::Error::Internal)?))
}

/// The committee room's numbers as they change: a `room` event with them at once, then one
/// within a second of every strike-off, answer or change of place (changes close together make
/// one event), and at least every 30 s. A stream lasts five minutes: the browser then connects
/// again, and its session and role are checked again (a volunteer signed out or moved to another
/// role stops hearing).
/// How long one committee-room stream lasts before the browser connects (and is checked) again.
const STREAM_LIFE: std::time::Duration = std::time::Duration::from_secs(300);

pub async fn committee_room_events(
    State(state): State<AppState>,
    viewer: Viewer,
) -> axum::response::sse::Sse<impl futures_util::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use tokio::sync::broadcast::error::RecvError;
    let changes = state.app.store.watch();
    let campaign = viewer.campaign.id;
    let ends = tokio::time::Instant::now() + STREAM_LIFE;
    let stream = futures_util::stream::unfold((state, viewer, changes, true), move |(state, viewer, mut changes, first)| async move {
        let mut stopping = state.stopping.clone();
        if *stopping.borrow() || tokio::time::Instant::now() >= ends {
            return None;
        }
        if !first {
            // Wait for a change of this campaign, or 30 s; end when the server shuts down.
            let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
            loop {
                tokio::select! {
                    _ = stopping.changed() => return None,
                    _ = tokio::time::sleep_until(ends) => return None,
                    heard = tokio::time::timeout_at(deadline, changes.recv()) => match heard {
                        Ok(Ok(c)) if c.campaign_id != campaign => continue,
                        Ok(Ok(_)) | Ok(Err(RecvError::Lagged(_))) | Err(_) => break,
                        Ok(Err(RecvError::Closed)) => return None,
                    },
                }
            }
            // Changes close together make one event.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            while let Ok(_) | Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) = changes.try_recv() {}
        }
        let heard = std::time::Instant::now();
        let event = match polling_day::committee_room(&state.app, viewer.actor(), heard, !first).await {
            Ok(room) => Event::default().event("room").json_data(&*room).unwrap_or_else(|_| Event::default().comment("unreadable")),
            Err(e) => {
                tracing::warn!(error = %e, "could not count the committee room");
                Event::default().event("trouble").data("the numbers could not be counted just now; they come again with the next change")
            }
        };
        Some((Ok(event), (state, viewer, changes, false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The campaign's promises, those voted, and how many the seat needs.
pub async fn promises(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<polling_day::Promises>> {
    Ok(Json(polling_day::promises(&state.app, viewer.actor()).await?))
}

/// The live progress and the win number, serialised as they are (no JSON tree in between: every
/// dashboard reads this every 10 s).
#[derive(serde::Serialize)]
pub struct LiveProgress {
    progress: groundgame_store::progress::Progress,
    win_number: Option<groundgame_core::results::WinNumber>,
}

pub async fn progress(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<LiveProgress>> {
    let (progress, win_number, _) = canvassing::progress(&state.app, viewer.actor()).await?;
    Ok(Json(LiveProgress { progress, win_number }))
}

pub async fn register_stats(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    Ok(Json(json!(register::stats(&state.app, viewer.actor()).await?)))
}

/// The register as CSV, audited.
pub async fn register_export(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Response> {
    let csv = register::export(&state.app, viewer.actor()).await?;
    let name = format!("attachment; filename=\"{}-register.csv\"", viewer.campaign.ballot_id);
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)], csv.text).into_response())
}

pub async fn volunteers(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    let (members, invites) = accounts::people(&state.app, viewer.actor()).await?;
    Ok(Json(json!({ "members": members, "invites": invites })))
}

#[derive(Deserialize)]
pub struct RoleBody {
    role: Role,
}

pub async fn change_role(
    State(state): State<AppState>,
    viewer: Viewer,
    PathParam(id): PathParam<i64>,
    JsonBody(b): JsonBody<RoleBody>,
) -> ApiResult<StatusCode> {
    accounts::change_role(&state.app, viewer.actor(), id, b.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove_member(State(state): State<AppState>, viewer: Viewer, PathParam(id): PathParam<i64>) -> ApiResult<StatusCode> {
    accounts::remove_member(&state.app, viewer.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct InviteBody {
    email: String,
    #[serde(default)]
    name: String,
    role: Role,
}

pub async fn invite(
    State(state): State<AppState>,
    viewer: Viewer,
    JsonBody(b): JsonBody<InviteBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let link = accounts::invite(&state.app, viewer.actor(), &b.email, &b.name, b.role).await?;
    Ok((StatusCode::CREATED, Json(json!({ "link": link }))))
}

pub async fn revoke_invite(State(state): State<AppState>, viewer: Viewer, PathParam(id): PathParam<String>) -> ApiResult<StatusCode> {
    accounts::revoke_invite(&state.app, viewer.actor(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn canvass_sessions(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    Ok(Json(json!(canvassing::canvass_sessions(&state.app, viewer.actor()).await?)))
}

pub async fn audit(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    Ok(Json(json!(canvassing::audit_log(&state.app, viewer.actor(), 500).await?)))
}

pub async fn targets(State(state): State<AppState>, viewer: Viewer, QueryParams(q): QueryParams<ListQuery>) -> ApiResult<Json<Value>> {
    let list = targeting::seat_list(&state.app, &viewer.campaign, &q).await?;
    Ok(Json(json!({
        "election": list.election.year,
        "party": list.party,
        "list": if list.defence { "defence" } else { "targets" },
        "seats": list.seats,
    })))
}

/// Public: the seats and their coming sessions, without the campaigns' own progress figures.
pub async fn nearest(State(state): State<AppState>, QueryParams(q): QueryParams<NearestQuery>) -> ApiResult<Json<Value>> {
    let answer =
        targeting::nearest_seats(&state.app, &q).await?.ok_or_else(|| AppError::bad_request("give ?postcode= (or ?lat= and ?lon=)"))?;
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

/// A public sign-up: 202 whatever the email (known, new or unsubscribed), so that no one learns
/// from it who has signed up before.
pub async fn sign_up(
    State(state): State<AppState>,
    ClientInfo(client): ClientInfo,
    JsonBody(body): JsonBody<groundgame_app::volunteers::SignUp>,
) -> ApiResult<Response> {
    groundgame_app::volunteers::sign_up(&state.app, &body, &client.ip).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "status": "accepted", "next": "the link emailed to the address given confirms the sign-up" })))
        .into_response())
}
