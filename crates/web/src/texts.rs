//! Texting's API: a texter's one tap a text, their threads, the templates and opt-outs, and the
//! SMS provider's webhooks (replies and delivery reports), whose signatures are checked before
//! anything in them is believed.

use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use groundgame_app::texting::{self, Inbound, Received, Recipient};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Viewer;
use crate::error::{ApiResult, AppError};
use crate::input::{JsonBody, PathParam, QueryParams};
use crate::state::AppState;

/// Who a text or a thread is with: exactly one of the two.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct To {
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    to_elector: Option<i64>,
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    to_volunteer: Option<i64>,
}

impl To {
    fn recipient(&self) -> Result<Recipient, AppError> {
        recipient(self.to_elector, self.to_volunteer)
    }
}

/// Exactly one of an elector and a volunteer, as a form or a body names them.
pub(crate) fn recipient(to_elector: Option<i64>, to_volunteer: Option<i64>) -> Result<Recipient, AppError> {
    match (to_elector, to_volunteer) {
        (Some(e), None) => Ok(Recipient::Elector(e)),
        (None, Some(v)) => Ok(Recipient::Volunteer(v)),
        _ => Err(AppError::from(groundgame_app::Error::Invalid("say who the text is to: to_elector or to_volunteer, not both".into()))),
    }
}

#[derive(Deserialize)]
pub struct SendBody {
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    to_elector: Option<i64>,
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    to_volunteer: Option<i64>,
    #[serde(deserialize_with = "groundgame_core::whole_number::id")]
    template_id: i64,
}

/// One tap, one text: 202 once it is in the outbox, 409 with the reason when it may not go.
pub async fn send(State(state): State<AppState>, viewer: Viewer, JsonBody(b): JsonBody<SendBody>) -> ApiResult<Response> {
    let to = recipient(b.to_elector, b.to_volunteer)?;
    let sent = texting::send(&state.app, viewer.actor(), to, b.template_id, chrono::Utc::now()).await?;
    Ok((StatusCode::ACCEPTED, Json(sent)).into_response())
}

/// The texter's threads (an organiser's: everyone's) and the outbox.
pub async fn inbox(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    let threads = texting::threads(&state.app, viewer.actor()).await?;
    let outbox = texting::outbox(&state.app, viewer.actor()).await?;
    Ok(Json(json!({ "threads": threads, "outbox": outbox })))
}

pub async fn thread(State(state): State<AppState>, viewer: Viewer, QueryParams(to): QueryParams<To>) -> ApiResult<Json<Value>> {
    let (first_name, texts) = texting::thread(&state.app, viewer.actor(), to.recipient()?).await?;
    Ok(Json(json!({ "first_name": first_name, "texts": texts })))
}

pub async fn templates(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    Ok(Json(json!(texting::templates(&state.app, viewer.actor()).await?)))
}

#[derive(Deserialize)]
pub struct TemplateBody {
    name: String,
    body: String,
}

pub async fn add_template(State(state): State<AppState>, viewer: Viewer, JsonBody(b): JsonBody<TemplateBody>) -> ApiResult<Response> {
    let t = texting::add_template(&state.app, viewer.actor(), &b.name, &b.body).await?;
    Ok((StatusCode::CREATED, Json(t)).into_response())
}

pub async fn withdraw_template(State(state): State<AppState>, viewer: Viewer, PathParam(id): PathParam<i64>) -> ApiResult<StatusCode> {
    texting::withdraw_template(&state.app, viewer.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn opt_outs(State(state): State<AppState>, viewer: Viewer) -> ApiResult<Json<Value>> {
    Ok(Json(json!(texting::opt_outs(&state.app, viewer.actor()).await?)))
}

#[derive(Deserialize)]
pub struct OptOutBody {
    number: String,
    #[serde(default)]
    undo_reason: Option<String>,
}

/// Records an opt-out that came another way, or (with `undo_reason`) undoes one.
pub async fn change_opt_out(State(state): State<AppState>, viewer: Viewer, JsonBody(b): JsonBody<OptOutBody>) -> ApiResult<StatusCode> {
    match &b.undo_reason {
        Some(reason) => texting::undo_opt_out(&state.app, viewer.actor(), &b.number, reason).await?,
        None => {
            texting::record_opt_out(&state.app, viewer.actor(), &b.number).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct PhoneBody {
    elector_number: String,
    phone: String,
    #[serde(default)]
    sms_consent: bool,
    /// They agreed to calls: a number on the TPS or CTPS is called only then.
    #[serde(default)]
    call_consent: bool,
    #[serde(default)]
    how: String,
}

/// An elector's number from a matched list or the doorstep, with whether they agreed to texts.
pub async fn add_phone(State(state): State<AppState>, viewer: Viewer, JsonBody(b): JsonBody<PhoneBody>) -> ApiResult<StatusCode> {
    texting::add_elector_phone(&state.app, viewer.actor(), &b.elector_number, &b.phone, b.sms_consent, b.call_consent, &b.how).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A provider's webhook request, once its signature is checked: its form fields, or why it is
/// refused (403): the signature is missing or wrong, or texting is off (nothing could sign it).
fn signed_fields(state: &AppState, uri: &axum::http::Uri, headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, &'static str> {
    let refuse = |why: &'static str| why;
    let sms = &state.app.sms;
    if !sms.is_on() {
        return Err(refuse("texting is off on this server: no provider's request is expected"));
    }
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let url = state.app.mail.link(path);
    let given = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if given.is_empty() || !groundgame_app::sms::signed(&sms.token, &url, &fields, given) {
        tracing::warn!(%path, "an SMS webhook with a wrong or missing signature was refused");
        return Err(refuse("the request's X-Twilio-Signature is missing or wrong"));
    }
    Ok(fields)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
}

/// The empty TwiML answer: nothing to send back.
fn twiml() -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>").into_response()
}

/// A reply from someone texted: stored in its thread; a STOP opts the number out at once.
pub async fn inbound(State(state): State<AppState>, OriginalUri(uri): OriginalUri, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let fields = match signed_fields(&state, &uri, &headers, &body) {
        Ok(f) => f,
        Err(why) => return Ok((StatusCode::FORBIDDEN, Json(json!({ "error": why }))).into_response()),
    };
    let m = Inbound { from: field(&fields, "From"), body: field(&fields, "Body"), sid: field(&fields, "MessageSid") };
    if m.sid.is_empty() {
        return Err(AppError::from(groundgame_app::Error::Invalid("MessageSid is missing".into())));
    }
    match texting::receive(&state.app, &m, chrono::Utc::now()).await? {
        Received::NoThread => tracing::info!("a text came from a number no campaign has texted: not kept"),
        Received::Again | Received::Stored { .. } => {}
    }
    Ok(twiml())
}

/// A delivery report for one of our texts.
pub async fn status(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    PathParam((campaign, id)): PathParam<(i64, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let fields = match signed_fields(&state, &uri, &headers, &body) {
        Ok(f) => f,
        Err(why) => return Ok((StatusCode::FORBIDDEN, Json(json!({ "error": why }))).into_response()),
    };
    let error = Some(field(&fields, "ErrorCode")).filter(|e| !e.is_empty());
    texting::delivery_report(&state.app, campaign, &id, field(&fields, "MessageStatus"), error, chrono::Utc::now()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
