//! The phone bank's pages: the call lists (for organisers, making them and handing out batches),
//! and a caller's session: one person at a time, a button that dials them from the caller's own
//! phone, what to say first, the survey, and what came of the call.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDateTime;
use groundgame_app::calling::{self, CallRecord, ListView, NewCallList, ToCall};
use groundgame_app::texting::ListConsent;
use groundgame_core::access::Permission;
use groundgame_core::calling::{CallFilter, Outcome, Screen};
use groundgame_core::survey::{Survey, VOTING_INTENTION};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout;
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::input::{FormBody, PagePath};
use crate::state::AppState;

use super::layout::Said;

fn standing_line(v: &ListView) -> Markup {
    let s = &v.standing;
    let not_callable: i64 =
        s.done.iter().filter(|(why, _)| matches!(why.as_str(), "no_number" | "screened" | "objected")).map(|(_, n)| n).sum();
    html! {
        p {
            strong { (s.ready) " ready to call" } ", " (s.waiting) " waiting to be tried again, " (s.held) " with a caller now; "
            (s.talked) " talked"
            @if v.list.goal > 0 { " of a goal of " (v.list.goal) }
            " (" (s.calls) " calls). "
            @if not_callable > 0 { (not_callable) " cannot be called (no number, TPS, or objected)." }
        }
    }
}

async fn render(state: &AppState, viewer: &Viewer, said: Said) -> PageResult<Markup> {
    let actor = viewer.actor();
    let lists = calling::lists(&state.app, actor).await?;
    let organiser = viewer.may(Permission::ManageCallLists);
    let survey = groundgame_app::canvassing::survey(&state.app, actor).await?;
    let callers = if organiser {
        groundgame_app::accounts::members(&state.app, actor)
            .await?
            .into_iter()
            .filter(|m| m.active && groundgame_core::access::allows(m.role, Permission::MakeCalls))
            .collect()
    } else {
        Vec::new()
    };
    Ok(layout::page(
        viewer,
        "Calls",
        html! {
            h1 { "Calls" }
            (layout::said(&said))
            p.hint {
                "Say who you are and who you are calling for. No one on the TPS is offered unless they agreed to our calls, "
                "and no one who objected or asked us not to call is ever offered."
            }
            @let open: Vec<&ListView> = lists.iter().filter(|l| l.list.closed_at.is_none()).collect();
            @if open.is_empty() {
                p { "There is no call list yet." @if organiser { " Make one below." } @else { " Ask an organiser to make one." } }
            }
            ul.cards {
                @for v in &open {
                    li {
                        h2 { (v.list.name) }
                        p.hint { (v.in_words) }
                        (standing_line(v))
                        form.inline method="post" action={ "/calls/" (v.list.id) "/next" } {
                            (layout::csrf(viewer))
                            button type="submit" { "Call the next person" }
                        }
                        @if organiser {
                            form.inline method="post" action={ "/calls/" (v.list.id) "/batch" } {
                                (layout::csrf(viewer))
                                label for={ "caller-" (v.list.id) } { "Hand a batch to " }
                                select id={ "caller-" (v.list.id) } name="user_id" required {
                                    @for m in &callers { option value=(m.user.id) { (m.user.name) } }
                                }
                                label for={ "count-" (v.list.id) } { " of " }
                                input id={ "count-" (v.list.id) } name="count" type="number" min="1" max="1000" value="25" inputmode="numeric";
                                button type="submit" { "Hand out" }
                            }
                            form.inline method="post" action={ "/calls/" (v.list.id) "/close" } {
                                (layout::csrf(viewer))
                                button.link type="submit" aria-label={ "Close " (v.list.name) } { "Close the list" }
                            }
                        }
                    }
                }
            }
            @if organiser {
                h2 { "Make a call list" }
                form method="post" action="/calls" {
                    (layout::csrf(viewer))
                    label for="name" { "Name" }
                    input #name name="name" required maxlength="100" placeholder="Undecided in the marginal wards";
                    fieldset {
                        legend { "Who: their latest voting intention (none ticked: any)" }
                        @for c in survey.questions.iter().find(|q| q.key == VOTING_INTENTION).map(|q| q.choices.as_slice()).unwrap_or_default() {
                            label { input type="checkbox" name="intention" value=(c.code); " " (c.label) }
                        }
                    }
                    label for="max_certainty" { "At most this sure of it" }
                    select #max_certainty name="max_certainty" {
                        option value="" { "Any" }
                        @for c in 1..=5 { option value=(c) { (c) } }
                    }
                    label for="districts" { "Polling districts (separated by commas; empty: all)" }
                    input #districts name="districts" placeholder="NA, NB";
                    label for="not_contacted_days" { "Not contacted for at least (days)" }
                    input #not_contacted_days name="not_contacted_days" type="number" min="0" max="3650" inputmode="numeric" value="14";
                    label { input type="checkbox" name="promises_not_voted" value="yes"; " Only promises who have not yet voted (polling day)" }
                    label for="goal" { "Goal: conversations" }
                    input #goal name="goal" type="number" min="0" max="1000000" inputmode="numeric" value="0";
                    label for="cooldown_hours" { "Hours before trying someone again after no answer" }
                    input #cooldown_hours name="cooldown_hours" type="number" min="1" max="336" inputmode="numeric" value="4";
                    button type="submit" { "Make the list" }
                }
            }
        },
    ))
}

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    render(&state, &viewer, None).await
}

async fn or_show(state: &AppState, viewer: &Viewer, result: Result<String, groundgame_app::Error>) -> PageResult<Response> {
    match result {
        Ok(message) => Ok(render(state, viewer, Some((true, message))).await?.into_response()),
        Err(e) => {
            let e = layout::to_show(e)?;
            Ok((e.status, render(state, viewer, Some((false, e.message))).await?).into_response())
        }
    }
}

/// The new-list form as sent: repeated `intention` fields, so read from the pairs.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> PageResult<Response> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim()).unwrap_or("");
    let number = |k: &str| -> Result<Option<i64>, groundgame_app::Error> {
        let v = get(k);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse().map(Some).map_err(|_| groundgame_app::Error::Invalid(format!("'{v}' is not a whole number")))
    };
    let result = async {
        let filter = CallFilter {
            intentions: pairs.iter().filter(|(n, _)| n == "intention").map(|(_, v)| v.clone()).collect(),
            max_certainty: number("max_certainty")?.map(|c| u8::try_from(c).unwrap_or(0)),
            districts: get("districts").split(',').map(str::to_owned).collect(),
            not_contacted_days: number("not_contacted_days")?.filter(|d| *d > 0).map(|d| u32::try_from(d).unwrap_or(u32::MAX)),
            promises_not_voted: get("promises_not_voted") == "yes",
        };
        let new = NewCallList {
            name: get("name"),
            filter,
            goal: number("goal")?.unwrap_or(0),
            cooldown_hours: number("cooldown_hours")?.unwrap_or(4),
        };
        let v = calling::create_list(&state.app, viewer.actor(), new).await?;
        Ok(format!("Call list \"{}\" made: {} people on it, {} ready to call.", v.list.name, v.standing.people, v.standing.ready))
    }
    .await;
    or_show(&state, &viewer, result).await
}

#[derive(Deserialize)]
pub struct BatchForm {
    #[serde(deserialize_with = "groundgame_core::whole_number::id")]
    user_id: i64,
    #[serde(deserialize_with = "groundgame_core::whole_number::id")]
    count: i64,
}

pub async fn batch(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    FormBody(f): FormBody<BatchForm>,
) -> PageResult<Response> {
    let result = calling::assign_batch(&state.app, viewer.actor(), id, f.user_id, f.count)
        .await
        .map(|n| format!("Handed out {n} {}.", if n == 1 { "person" } else { "people" }));
    or_show(&state, &viewer, result).await
}

pub async fn close(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Response> {
    calling::close_list(&state.app, viewer.actor(), id).await?;
    Ok(Redirect::to("/calls").into_response())
}

/// Takes the next person (or keeps the one held) and shows the call.
pub async fn take_next(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Response> {
    let call = calling::next(&state.app, viewer.actor(), id, chrono::Utc::now()).await?;
    let said =
        if call.is_none() { Some((false, "No one on this list is ready to call right now: try again later.".to_owned())) } else { None };
    Ok(session(&state, &viewer, id, call, said).await?.into_response())
}

/// The caller's session on a list: the person they hold, if any.
pub async fn calling_page(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Markup> {
    let call = calling::held(&state.app, viewer.actor(), id, chrono::Utc::now()).await?;
    session(&state, &viewer, id, call, None).await
}

fn answer_fields(survey: &Survey) -> Markup {
    html! {
        @for q in &survey.questions {
            fieldset.answers {
                legend { (q.label) }
                label { input type="radio" name={ "q." (q.key) } value="" checked; " Not asked" }
                @for c in &q.choices {
                    label { input type="radio" name={ "q." (q.key) } value=(c.code); " " (c.label) }
                }
            }
        }
    }
}

async fn session(state: &AppState, viewer: &Viewer, list_id: i64, call: Option<ToCall>, said: Said) -> PageResult<Markup> {
    let survey = groundgame_app::canvassing::survey(&state.app, viewer.actor()).await?;
    let title = match &call {
        Some(c) => format!("Calling {}", c.first_name),
        None => "Calls".to_owned(),
    };
    Ok(layout::page(
        viewer,
        &title,
        html! {
            (layout::said(&said))
            @match &call {
                None => {
                    h1 { "Calls" }
                    p { "You are not calling anyone on this list now." }
                    form method="post" action={ "/calls/" (list_id) "/next" } {
                        (layout::csrf(viewer))
                        button type="submit" { "Call the next person" }
                    }
                    p { a href="/calls" { "All call lists" } }
                }
                Some(c) => {
                    h1 { (c.name) }
                    p.hint { (c.list_name) " · " (c.polling_district)
                        @if c.attempts > 0 { " · tried " (c.attempts) " times before" }
                        " · yours until " (groundgame_core::time::uk_clock(&c.held_until)) }
                    p { a.button.call href=(c.tel) { "Call " (c.number) } }
                    h2 { "What to say" }
                    p.script { (c.introduction) }
                    form method="post" action={ "/calls/" (list_id) "/record" } {
                        (layout::csrf(viewer))
                        input type="hidden" name="elector_id" value=(c.elector_id);
                        fieldset {
                            legend { "What happened" }
                            @for o in Outcome::ALL {
                                label { input type="radio" name="outcome" value=(o.code()) required; " " (o.label()) }
                            }
                        }
                        label for="call_back_at" { "Call back after (UK time, for \"Call back later\")" }
                        input #call_back_at name="call_back_at" type="datetime-local";
                        details {
                            summary { "Their answers (when you talked)" }
                            (answer_fields(&survey))
                            label for="note" { "Note" }
                            textarea #note name="note" rows="2" maxlength="1000" {}
                        }
                        button type="submit" { "Save the call" }
                    }
                    form.inline method="post" action={ "/calls/" (list_id) "/release" } {
                        (layout::csrf(viewer))
                        button.link type="submit" { "Let someone else call them" }
                    }
                }
            }
        },
    ))
}

pub async fn record(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> PageResult<Response> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim()).unwrap_or("");
    let result = async {
        let elector_id: i64 = get("elector_id").parse().map_err(|_| groundgame_app::Error::Invalid("say who was called".into()))?;
        let outcome = match get("outcome") {
            "" => None,
            code => Some(Outcome::parse(code)?),
        };
        let call_back_at = match get("call_back_at") {
            "" => None,
            t => Some(groundgame_core::time::uk_instant(
                NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
                    .map_err(|_| groundgame_app::Error::Invalid(format!("'{t}' is not a date and time")))?,
            )),
        };
        let answers =
            pairs.iter().filter_map(|(k, v)| k.strip_prefix("q.").filter(|_| !v.is_empty()).map(|k| (k.to_owned(), v.clone()))).collect();
        let call = CallRecord { outcome, call_back_at, answers, note: get("note").to_owned() };
        calling::record(&state.app, viewer.actor(), id, elector_id, call, chrono::Utc::now()).await
    }
    .await;
    match result {
        Ok(r) => {
            let next = match (r.done, &r.call_again_at) {
                (Some(_), _) => "They are off the list.".to_owned(),
                (None, Some(t)) => format!("They will be offered again after {}.", groundgame_core::time::uk_clock(t)),
                (None, None) => String::new(),
            };
            let said = Some((true, format!("Saved: {}. {next}", r.outcome.label())));
            Ok(session(&state, &viewer, id, None, said).await?.into_response())
        }
        Err(e) => {
            let e = layout::to_show(e)?;
            let call = calling::held(&state.app, viewer.actor(), id, chrono::Utc::now()).await?;
            Ok((e.status, session(&state, &viewer, id, call, Some((false, e.message))).await?).into_response())
        }
    }
}

pub async fn release(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Response> {
    calling::release(&state.app, viewer.actor(), id).await?;
    Ok(Redirect::to("/calls").into_response())
}

/// The data officer's page for the TPS and CTPS files.
pub async fn screening_page(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    screening_render(&state, &viewer, None).await
}

async fn screening_render(state: &AppState, viewer: &Viewer, said: Said) -> PageResult<Markup> {
    let counts = calling::screened_counts(&state.app, viewer.actor()).await?;
    let count = |list: &str| counts.iter().find(|(l, _)| l == list).map(|(_, n)| *n).unwrap_or(0);
    Ok(layout::page(
        viewer,
        "Phone screening",
        html! {
            h1 { "Phone screening" }
            (layout::said(&said))
            p {
                "Numbers on the Telephone Preference Service (TPS) or its corporate list (CTPS) are not offered to callers unless the "
                "person agreed to our calls. Each file you upload replaces the one before; download a fresh one at least every 28 days."
            }
            p { "TPS: " strong { (count("tps")) } " numbers. CTPS: " strong { (count("ctps")) } " numbers. Asked us not to call: "
                strong { (count("asked")) } "." }
            form method="post" action={ "/register/screening?csrf=" (viewer.csrf_token) } enctype="multipart/form-data" {
                label for="list" { "Which list" }
                select #list name="list" { option value="tps" { "TPS" } option value="ctps" { "CTPS" } }
                label for="file" { "The file (one number a line)" }
                input #file type="file" name="file" accept=".csv,.txt,text/csv,text/plain" required;
                button type="submit" { "Upload" }
            }
            h2 #matched { "A matched list of numbers" }
            p {
                "A CSV file whose first line names the columns " code { "elector_number" } " and " code { "phone" } ", and "
                code { "sms" } " and " code { "calls" } " (yes or no: whether each person agreed to texts, and to calls). "
                "Give the consent as the people on it gave it. A wrong line refuses the whole file, naming the line."
            }
            form method="post" action={ "/register/matched-list?csrf=" (viewer.csrf_token) } enctype="multipart/form-data" {
                label for="matched-file" { "The matched list" }
                input #matched-file type="file" name="file" accept=".csv,text/csv" required;
                label for="consent-wording" { "The words they agreed to" }
                textarea #consent-wording name="consent_wording" rows="3" {}
                label for="consent-date" { "The day they agreed" }
                input #consent-date type="date" name="consent_date";
                label for="consent-how" { "How they agreed (such as \"online sign-up form\")" }
                input #consent-how type="text" name="consent_how" maxlength="200";
                button type="submit" { "Upload the matched list" }
            }
        },
    ))
}

/// An upload form's fields, each as text (the file too), by name.
async fn text_fields(mut multipart: Multipart) -> Result<std::collections::BTreeMap<String, String>, AppError> {
    let mut fields = std::collections::BTreeMap::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| AppError::bad_request(format!("the upload failed: {e}")))? {
        let name = field.name().unwrap_or_default().to_owned();
        let text = field.text().await.map_err(|e| AppError::bad_request(format!("the file is not text: {e}")))?;
        fields.insert(name, text);
    }
    Ok(fields)
}

/// The screening page again, saying what an upload came to (or, 400, why it was refused).
async fn screening_answer(state: &AppState, viewer: &Viewer, result: Result<String, groundgame_app::Error>) -> PageResult<Response> {
    match result {
        Ok(m) => Ok(screening_render(state, viewer, Some((true, m))).await?.into_response()),
        Err(e) => {
            let e = layout::to_show(e)?;
            Ok((StatusCode::BAD_REQUEST, screening_render(state, viewer, Some((false, e.message))).await?).into_response())
        }
    }
}

/// A data officer's matched list of numbers (multipart: the file and the consent it carries).
pub async fn upload_matched_list(State(state): State<AppState>, viewer: Viewer, multipart: Multipart) -> PageResult<Response> {
    let fields = text_fields(multipart).await?;
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let result = async {
        let file = fields.get("file").ok_or_else(|| groundgame_app::Error::Invalid("choose a file to upload".into()))?;
        let given_on = match field("consent_date").trim() {
            "" => groundgame_core::time::uk_local(chrono::Utc::now()).date(),
            d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| groundgame_app::Error::Invalid(format!("'{d}' is not a date like 2017-05-01")))?,
        };
        let consent = ListConsent { wording: field("consent_wording"), given_on, how: field("consent_how") };
        let r = groundgame_app::texting::add_matched_list(&state.app, viewer.actor(), file, &consent).await?;
        Ok(format!(
            "Loaded {} numbers of {} electors: {} agreed to texts, {} to calls.",
            r.numbers, r.electors, r.agreed_to_texts, r.agreed_to_calls
        ))
    }
    .await;
    screening_answer(&state, &viewer, result).await
}

pub async fn upload_screening(State(state): State<AppState>, viewer: Viewer, multipart: Multipart) -> PageResult<Response> {
    let fields = text_fields(multipart).await?;
    let result = async {
        let list = Screen::parse(fields.get("list").map(String::as_str).unwrap_or("tps"))?;
        let text = fields.get("file").ok_or_else(|| groundgame_app::Error::Invalid("choose a file to upload".into()))?;
        let n = calling::upload_screening(&state.app, viewer.actor(), list, text).await?;
        Ok(format!("Loaded {n} numbers onto the {} list.", list.code().to_uppercase()))
    }
    .await;
    screening_answer(&state, &viewer, result).await
}
