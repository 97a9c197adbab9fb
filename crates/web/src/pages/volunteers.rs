use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Form;
use groundgame_core::access::Role;
use groundgame_store::{accounts, canvassing};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout;
use crate::auth::{self, Viewer};
use crate::error::{AppError, PageResult};
use crate::AppState;

async fn render(state: &AppState, viewer: &Viewer, headers: &HeaderMap, link: Option<String>, error: Option<String>) -> PageResult<Markup> {
    let mut tx = state.store.begin().await?;
    let members = accounts::members(&mut tx, &viewer.campaign).await?;
    let pending = accounts::pending_invites(&mut tx, &viewer.campaign).await?;
    tx.commit().await?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.secure_cookies { "https" } else { "http" };
    Ok(layout::page(
        viewer,
        "Volunteers",
        html! {
            h1 { "Volunteers" }
            @if let Some(l) = &link {
                div.ok role="status" {
                    p { "Send this one-time link to the volunteer (by text, WhatsApp or email). It works once and for " (auth::INVITE_DAYS) " days:" }
                    p { input.copy readonly value={ (scheme) "://" (host) (l) } aria-label="Invite link" onclick="this.select()"; }
                }
            }
            @if let Some(e) = &error { p.error role="alert" { (e) } }
            h2 { "Invite a volunteer" }
            form method="post" action="/volunteers/invite" {
                (layout::csrf(viewer))
                label for="name" { "Name" }
                input #name name="name" autocomplete="off";
                label for="email" { "Email" }
                input #email type="email" name="email" required autocomplete="off";
                label for="role" { "Role" }
                select #role name="role" {
                    @for r in Role::ALL { option value=(r.as_str()) selected[r == Role::Canvasser] { (r.label()) } }
                }
                button type="submit" { "Create invite link" }
            }
            h2 { "In the campaign (" (members.len()) ")" }
            div.scroll { table {
                thead { tr { th scope="col" { "Name" } th { "Email" } th { "Role" } th { "Joined" } } }
                tbody { @for m in &members { tr { td { (m.user.name) } td { (m.user.email) } td { (m.role.label()) } td { @if m.active { "yes" } @else { "invited" } } } } }
            } }
            @if !pending.is_empty() {
                h2 { "Invites waiting" }
                ul { @for (email, name, role, expires) in &pending { li { (name) " <" (email) "> as " (role.label()) ", until " (expires.get(..10).unwrap_or(expires)) } } }
            }
        },
    ))
}

pub async fn page(State(state): State<AppState>, viewer: Viewer, headers: HeaderMap) -> PageResult<Markup> {
    render(&state, &viewer, &headers, None, None).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    name: String,
    email: String,
    role: String,
}

pub async fn invite(State(state): State<AppState>, viewer: Viewer, headers: HeaderMap, Form(f): Form<InviteForm>) -> PageResult<Response> {
    let role: Role = f.role.parse().map_err(AppError::bad_request)?;
    match auth::invite(&state, &viewer, &f.email, &f.name, role).await {
        Ok(link) => Ok(render(&state, &viewer, &headers, Some(link), None).await?.into_response()),
        Err(e) if e.status.is_client_error() => {
            Ok((e.status, render(&state, &viewer, &headers, None, Some(e.message)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn sessions_page(state: &AppState, viewer: &Viewer, error: Option<String>) -> PageResult<Markup> {
    let mut tx = state.store.begin().await?;
    let sessions = canvassing::sessions(&mut tx, &viewer.campaign).await?;
    let assignments = canvassing::assignments(&mut tx, &viewer.campaign).await?;
    tx.commit().await?;
    Ok(layout::page(
        viewer,
        "Canvassing sessions",
        html! {
            h1 { "Canvassing sessions" }
            @if let Some(e) = &error { p.error role="alert" { (e) } }
            @if sessions.is_empty() { p { "No sessions yet." } } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Session" } th { "Starts" } th { "Meeting point" } th { "Walks" } } }
                    tbody { @for s in &sessions { tr {
                        td { (s.name) } td { (s.starts_at.replace('T', " ")) } td { (s.meeting_point) }
                        td { (assignments.values().filter(|a| a.session_id == Some(s.id)).count()) }
                    } } }
                } }
            }
            h2 { "Add a session" }
            form method="post" action="/sessions" {
                (layout::csrf(viewer))
                label for="name" { "Name" }
                input #name name="name" required placeholder="Saturday morning, Allestree";
                label for="starts_at" { "Starts" }
                input #starts_at type="datetime-local" name="starts_at" required;
                label for="meeting_point" { "Meeting point" }
                input #meeting_point name="meeting_point" placeholder="Park Farm shops";
                button type="submit" { "Add" }
            }
            p { "Give walks to a session on the " a href="/walks" { "walks page" } "." }
        },
    ))
}

pub async fn sessions(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    sessions_page(&state, &viewer, None).await
}

#[derive(Deserialize)]
pub struct SessionForm {
    name: String,
    starts_at: String,
    meeting_point: String,
}

pub async fn add_session(State(state): State<AppState>, viewer: Viewer, Form(f): Form<SessionForm>) -> PageResult<Response> {
    let mut tx = state.store.begin_write().await?;
    match canvassing::create_session(&mut tx, &viewer.campaign, &f.name, &f.starts_at, &f.meeting_point).await {
        Ok(_) => {
            tx.commit().await?;
            Ok(sessions_page(&state, &viewer, None).await?.into_response())
        }
        Err(groundgame_store::Error::Invalid(m)) => {
            drop(tx);
            Ok((axum::http::StatusCode::BAD_REQUEST, sessions_page(&state, &viewer, Some(m)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
