//! Canvassing sessions for organisers: times with places, editing and cancelling (everyone
//! signed up is told), and the host's check-in at the meeting point, where walks are handed out.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::volunteers::{self, Arrival, CheckedIn, SessionForm, WalkIn};
use groundgame_app::{accounts, Error};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout;
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::input::{FormBody, PagePath, PageQuery};
use crate::state::AppState;

/// The session form's fields as the browser sends them.
#[derive(Debug, Default, Deserialize)]
pub struct Fields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    meeting_point: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    details: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    slot_id: Option<i64>,
}

impl Fields {
    fn form(&self) -> Result<SessionForm, Error> {
        let capacity = self.capacity.trim().parse().map_err(|_| Error::Invalid("places: a whole number".into()))?;
        Ok(SessionForm {
            name: self.name.clone(),
            meeting_point: self.meeting_point.clone(),
            address: self.address.clone(),
            postcode: Some(self.postcode.clone()),
            details: self.details.clone(),
            host_user_id: self.host.trim().parse().ok(),
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            capacity,
        })
    }
}

async fn fields(state: &AppState, viewer: &Viewer, f: &Fields) -> PageResult<Markup> {
    let members = accounts::members(&state.app, viewer.actor()).await?;
    let hosts: Vec<_> =
        members.iter().filter(|m| groundgame_core::access::allows(m.role, groundgame_core::access::Permission::AssignWalks)).collect();
    Ok(html! {
        label for="name" { "Name" }
        input #name name="name" value=(f.name) required placeholder="Saturday morning, Allestree";
        label for="starts_at" { "Starts" }
        input #starts_at type="datetime-local" name="starts_at" value=(f.starts_at) required;
        label for="ends_at" { "Ends" }
        input #ends_at type="datetime-local" name="ends_at" value=(f.ends_at) required;
        label for="capacity" { "Places" }
        input #capacity type="number" min="1" max="1000" name="capacity" value=(if f.capacity.is_empty() { "20" } else { &f.capacity }) required;
        label for="meeting_point" { "Meeting point (public)" }
        input #meeting_point name="meeting_point" value=(f.meeting_point) placeholder="Park Farm shops";
        label for="address" { "Exact address (only for those with a place)" }
        input #address name="address" value=(f.address) placeholder="12 Park Farm Drive";
        label for="postcode" { "Postcode of the meeting point (for the map and the walks nearest it)" }
        input #postcode name="postcode" value=(f.postcode) size="9";
        label for="details" { "What to expect, what to bring" }
        textarea #details name="details" rows="2" { (f.details) }
        label for="host" { "Host (checks people in; asked afterwards who came)" }
        select #host name="host" {
            option value="" { "No host" }
            @for m in &hosts { option value=(m.user.id) selected[f.host == m.user.id.to_string()] { (m.user.name) } }
        }
    })
}

async fn list_page(state: &AppState, viewer: &Viewer, f: &Fields, error: Option<String>, said: Option<String>) -> PageResult<Markup> {
    let sessions = volunteers::sessions(&state.app, viewer.actor()).await?;
    let ballot = &viewer.campaign.ballot_id;
    Ok(layout::page(
        viewer,
        "Canvassing sessions",
        html! {
            h1 { "Canvassing sessions" }
            @if !state.app.mail.is_on() { p.error role="status" { "Mail is off on this server (no smtp_url): confirmations and reminders wait in the outbox until it is set." } }
            p { "The public sign-up page: " a href={ "/join/" (ballot) } { "/join/" (ballot) } " (share it; each supporter's own page has personal share links)." }
            @if let Some(e) = &error { p.error role="alert" { (e) } }
            @if let Some(s) = &said { p.ok role="status" { (s) } }
            @if sessions.is_empty() { p { "No sessions yet." } } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Session" } th scope="col" { "Times" } th scope="col" { "Places" } th scope="col" { "Walks" } th scope="col" { "Open" } } }
                    tbody { @for s in &sessions { tr {
                        td { (s.session.name) @if s.session.cancelled_at.is_some() { br; strong { "cancelled" } } br; small { (s.session.meeting_point) } }
                        td { @for t in &s.slots { (volunteers::when(t)) br; } }
                        td { @for t in &s.slots { (t.booked) " of " (t.capacity) @if t.waiting > 0 { ", " (t.waiting) " waiting" } br; } }
                        td { (s.walks) }
                        td {
                            a href={ "/sessions/" (s.session.id) "/check-in" } { "Check-in" } br;
                            a href={ "/sessions/" (s.session.id) } { "Edit" } br;
                            a href={ "/join/" (ballot) "/" (s.session.id) } { "Public page" }
                        }
                    } } }
                } }
            }
            h2 { "Add a session" }
            form method="post" action="/sessions" {
                (layout::csrf(viewer))
                (fields(state, viewer, f).await?)
                button type="submit" { "Add" }
            }
            p { "Give walks to a session on the " a href="/walks" { "walks page" } ", or at check-in." }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    deleted: Option<String>,
}

pub async fn list(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<ListQuery>) -> PageResult<Markup> {
    let said = q.deleted.map(|_| "Deleted.".to_owned());
    list_page(&state, &viewer, &Fields::default(), None, said).await
}

/// Shows the page again with what the organiser can fix; faults stay faults.
async fn or_again<F, Fut>(result: Result<Response, Error>, again: F) -> PageResult<Response>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = PageResult<Markup>>,
{
    match result {
        Ok(r) => Ok(r),
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error() {
                return Err(e.into());
            }
            let status = e.status;
            Ok((status, again(e.message).await?).into_response())
        }
    }
}

pub async fn add(State(state): State<AppState>, viewer: Viewer, FormBody(f): FormBody<Fields>) -> PageResult<Response> {
    let result = match f.form() {
        Ok(form) => volunteers::add_session(&state.app, viewer.actor(), &form)
            .await
            .map(|id| Redirect::to(&format!("/sessions/{id}/check-in")).into_response()),
        Err(e) => Err(e),
    };
    or_again(result, |m| list_page(&state, &viewer, &f, Some(m), None)).await
}

async fn edit_page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    given: Option<&Fields>,
    said: Option<String>,
    error: Option<String>,
) -> PageResult<Markup> {
    let all = volunteers::sessions(&state.app, viewer.actor()).await?;
    let s = all.into_iter().find(|s| s.session.id == id).ok_or_else(|| AppError::not_found("there is no such session"))?;
    let slot = s.slots.first().cloned();
    let current = Fields {
        name: s.session.name.clone(),
        meeting_point: s.session.meeting_point.clone(),
        address: s.session.address.clone(),
        postcode: s.session.postcode.clone().unwrap_or_default(),
        details: s.session.details.clone(),
        host: s.session.host_user_id.map(|h| h.to_string()).unwrap_or_default(),
        starts_at: slot.as_ref().map(|t| t.starts_at.clone()).unwrap_or_default(),
        ends_at: slot.as_ref().map(|t| t.ends_at.clone()).unwrap_or_default(),
        capacity: slot.as_ref().map(|t| t.capacity.to_string()).unwrap_or_default(),
        slot_id: slot.as_ref().map(|t| t.id),
    };
    let f = given.unwrap_or(&current);
    Ok(layout::page(
        viewer,
        &format!("Edit {}", s.session.name),
        html! {
            h1 { "Edit " (s.session.name) }
            @if let Some(m) = &said { p.ok role="status" { (m) } }
            @if let Some(e) = &error { p.error role="alert" { (e) } }
            @if s.session.cancelled_at.is_some() { p { strong { "This session is cancelled." } } } @else {
                form method="post" action={ "/sessions/" (id) } {
                    (layout::csrf(viewer))
                    input type="hidden" name="slot_id" value=(current.slot_id.unwrap_or_default());
                    (fields(state, viewer, f).await?)
                    button type="submit" { "Save and tell everyone signed up" }
                }
                form method="post" action={ "/sessions/" (id) "/cancel" } {
                    (layout::csrf(viewer))
                    button.danger type="submit" { "Cancel the session (everyone signed up is told)" }
                }
                form method="post" action={ "/sessions/" (id) "/delete" } {
                    (layout::csrf(viewer))
                    button.link.danger type="submit" { "Delete it (only while nobody has signed up)" }
                }
            }
            p { a href="/sessions" { "All sessions" } }
        },
    ))
}

pub async fn edit(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Markup> {
    edit_page(&state, &viewer, id, None, None, None).await
}

pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    FormBody(f): FormBody<Fields>,
) -> PageResult<Response> {
    let result = match (f.form(), f.slot_id) {
        (Ok(form), Some(slot)) => volunteers::edit_session(&state.app, viewer.actor(), id, slot, &form).await,
        (Ok(_), None) => Err(Error::Invalid("the form has no session time: reload the page".into())),
        (Err(e), _) => Err(e),
    };
    match result {
        Ok(told) => Ok(edit_page(&state, &viewer, id, None, Some(format!("Saved: {told} signed up told.")), None).await?.into_response()),
        Err(e) => or_again(Err(e), |m| edit_page(&state, &viewer, id, Some(&f), None, Some(m))).await,
    }
}

pub async fn cancel(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Markup> {
    let told = volunteers::cancel_session(&state.app, viewer.actor(), id).await?;
    edit_page(&state, &viewer, id, None, Some(format!("Cancelled: {told} signed up told.")), None).await
}

async fn check_in_page(state: &AppState, viewer: &Viewer, id: i64, done: Option<&CheckedIn>, error: Option<String>) -> PageResult<Markup> {
    let list = volunteers::check_in_list(&state.app, viewer.actor(), id).await?;
    let booked = list.attendees.iter().filter(|a| a.status == "booked").count();
    let came = list.attendees.iter().filter(|a| a.checked_in_at.is_some()).count();
    Ok(layout::page(
        viewer,
        &format!("Check-in: {}", list.session.name),
        html! {
            h1 { "Check-in: " (list.session.name) }
            p { @for t in &list.slots { (volunteers::when(t)) " · " } (list.session.meeting_point) }
            @if let Some(d) = done {
                div.ok role="status" {
                    p { strong { (d.name) } " is checked in." @if let Some(w) = &d.walk { " Their walk: " strong { (w) } " (on their phone under My walks)." } }
                    @if let Some(n) = &d.note { p { (n) } }
                }
            }
            @if let Some(e) = &error { p.error role="alert" { (e) } }
            p {
                (came) " checked in of " (booked) " with a place. Expect about " (format!("{:.0}", list.expected))
                " from their record of coming: have " (list.walks_needed) " walks ready (" (list.walks_given) " given to this session, "
                (list.free_walks_near.len()) @if list.free_walks_near.len() == 10 { "+" } " free nearby)."
            }
            form method="post" action={ "/sessions/" (id) "/check-in" } data-scan {
                (layout::csrf(viewer))
                label for="code" { "Check-in code" }
                input #code name="code" autocomplete="off" autocapitalize="characters" size="8" required;
                button type="submit" { "Check in" }
            }
            h2 { "Signed up" }
            @if list.attendees.is_empty() { p { "No one yet." } }
            ul.check-in {
                @for a in &list.attendees {
                    li {
                        strong { (a.name) } " · " (a.status)
                        @if a.walk_in == 1 { " · walk-in" }
                        @if a.still_coming_at.is_some() { " · said still coming" }
                        @let record = a.came_before + a.no_show_before;
                        @if record > 0 { " · came " (a.came_before) " of " (record) " before" } @else { " · first time" }
                        @if a.checked_in_at.is_some() {
                            " · " strong { "here" }
                        } @else if a.status != "cancelled" {
                            form.inline method="post" action={ "/sessions/" (id) "/check-in" } {
                                (layout::csrf(viewer))
                                input type="hidden" name="signup_id" value=(a.signup_id);
                                button type="submit" aria-label={ "Check in " (a.name) } { "Check in" }
                            }
                            @if a.no_show_at.is_none() {
                                form.inline method="post" action={ "/sessions/" (id) "/attendance/" (a.signup_id) } {
                                    (layout::csrf(viewer))
                                    input type="hidden" name="came" value="no";
                                    button.link type="submit" aria-label={ (a.name) " did not come" } { "Did not come" }
                                }
                            } @else { " · did not come" }
                        }
                    }
                }
            }
            h2 { "Walk-in" }
            form method="post" action={ "/sessions/" (id) "/walk-in" } {
                (layout::csrf(viewer))
                @if list.slots.len() > 1 {
                    label for="slot_id" { "Time" }
                    select #slot_id name="slot_id" { @for t in &list.slots { option value=(t.id) { (volunteers::when(t)) } } }
                } @else if let Some(t) = list.slots.first() { input type="hidden" name="slot_id" value=(t.id); }
                label for="wname" { "Name" }
                input #wname name="name" required;
                label for="wemail" { "Email" }
                input #wemail type="email" name="email";
                label for="wphone" { "Phone" }
                input #wphone type="tel" name="phone";
                button type="submit" { "Sign up and check in" }
            }
            (layout::script("/static/scan.js"))
            @if !list.free_walks_near.is_empty() {
                h2 { "Free walks nearest the meeting point" }
                ol { @for (w, km) in &list.free_walks_near { li { (w.name) " · " (w.doors) " doors" @if let Some(k) = km { " · " (format!("{k:.1}")) " km" } } } }
            }
        },
    ))
}

pub async fn check_in_list(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Markup> {
    check_in_page(&state, &viewer, id, None, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct CheckInForm {
    #[serde(default)]
    signup_id: Option<i64>,
    #[serde(default)]
    code: Option<String>,
}

pub async fn check_in(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    FormBody(f): FormBody<CheckInForm>,
) -> PageResult<Response> {
    let who = match (f.signup_id, f.code.as_deref().map(str::trim).filter(|c| !c.is_empty())) {
        (Some(s), _) => Arrival::Signup(s),
        (None, Some(c)) => Arrival::Code(c.to_owned()),
        (None, None) => {
            return Ok((
                StatusCode::BAD_REQUEST,
                check_in_page(&state, &viewer, id, None, Some("type their code, or press Check in by their name".into())).await?,
            )
                .into_response())
        }
    };
    match volunteers::check_in(&state.app, viewer.actor(), id, who).await {
        Ok(done) => Ok(check_in_page(&state, &viewer, id, Some(&done), None).await?.into_response()),
        Err(e) => or_again(Err(e), |m| check_in_page(&state, &viewer, id, None, Some(m))).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AttendanceForm {
    #[serde(default)]
    came: String,
}

pub async fn attendance(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((id, signup)): PagePath<(i64, i64)>,
    FormBody(f): FormBody<AttendanceForm>,
) -> PageResult<Response> {
    let came = match f.came.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    volunteers::mark_attendance(&state.app, viewer.actor(), id, signup, came).await?;
    Ok(Redirect::to(&format!("/sessions/{id}/check-in")).into_response())
}

pub async fn walk_in(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    FormBody(w): FormBody<WalkIn>,
) -> PageResult<Response> {
    match volunteers::walk_in(&state.app, viewer.actor(), id, &w).await {
        Ok(done) => Ok(check_in_page(&state, &viewer, id, Some(&done), None).await?.into_response()),
        Err(e) => or_again(Err(e), |m| check_in_page(&state, &viewer, id, None, Some(m))).await,
    }
}

/// Deletes a session nobody has signed up to; with sign-ups, the page says to cancel it instead.
pub async fn delete(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Response> {
    match volunteers::delete_session(&state.app, viewer.actor(), id).await {
        Ok(()) => Ok(Redirect::to("/sessions?deleted=1").into_response()),
        Err(Error::Conflict(m)) => Ok((StatusCode::CONFLICT, edit_page(&state, &viewer, id, None, None, Some(m)).await?).into_response()),
        Err(e) => Err(e.into()),
    }
}
