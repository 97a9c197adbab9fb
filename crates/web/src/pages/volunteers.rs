//! Volunteers (members, invites, reset links) and canvassing sessions.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::accounts;
use groundgame_core::access::Role;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout;
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::input::{FormBody, PagePath};
use crate::state::AppState;

/// A one-time link to hand on, shown once.
struct Link {
    what: &'static str,
    path: String,
}

fn full_link(state: &AppState, headers: &HeaderMap, path: &str) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if state.web.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}{path}")
}

async fn render(state: &AppState, viewer: &Viewer, headers: &HeaderMap, link: Option<Link>, error: Option<String>) -> PageResult<Markup> {
    let (members, pending) = accounts::people(&state.app, viewer.actor()).await?;
    let limits = &state.app.limits;
    Ok(layout::page(
        viewer,
        "Volunteers",
        html! {
            h1 { "Volunteers" }
            @if let Some(l) = &link {
                div.ok role="status" {
                    p { (l.what) }
                    p { input.copy readonly value=(full_link(state, headers, &l.path)) aria-label="The one-time link"; }
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
            p.hint { "Someone who already has an account joins with their own password; the invite never changes it. Links work once, for " (limits.invite_days) " days." }
            h2 { "In the campaign (" (members.len()) ")" }
            div.scroll { table {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Email" } th scope="col" { "Role" } th scope="col" { "Account" } th scope="col" { "Change" } } }
                tbody { @for m in &members { tr {
                    td { (m.user.name) } td { (m.user.email) } td { (m.role.label()) }
                    td { @if m.active { "active" } @else { "no password yet" } }
                    td {
                        form.inline method="post" action={ "/volunteers/" (m.user.id) "/role" } {
                            (layout::csrf(viewer))
                            label.visually-hidden for={ "role-" (m.user.id) } { "Role of " (m.user.name) }
                            select id={ "role-" (m.user.id) } name="role" {
                                @for r in Role::ALL { option value=(r.as_str()) selected[r == m.role] { (r.label()) } }
                            }
                            button type="submit" { "Change role" }
                        }
                        @if m.user.id != viewer.user.id {
                            form.inline method="post" action={ "/volunteers/" (m.user.id) "/reset" } {
                                (layout::csrf(viewer))
                                button.link type="submit" aria-label={ "Password reset link for " (m.user.name) } { "Reset link" }
                            }
                        }
                        form.inline method="post" action={ "/volunteers/" (m.user.id) "/remove" } {
                            (layout::csrf(viewer))
                            button.link.danger type="submit" aria-label={ "Remove " (m.user.name) " from the campaign" } { "Remove" }
                        }
                    }
                } } }
            } }
            @if !pending.is_empty() {
                h2 { "Invites waiting (" (pending.len()) ")" }
                ul { @for i in &pending { li {
                    (i.name) " <" (i.email) "> as " (i.role.label()) ", until " (i.expires_at.get(..10).unwrap_or(&i.expires_at)) " "
                    form.inline method="post" action={ "/volunteers/invites/" (i.id) "/withdraw" } {
                        (layout::csrf(viewer))
                        button.link type="submit" aria-label={ "Withdraw the invite for " (i.email) } { "Withdraw" }
                    }
                } } }
            }
        },
    ))
}

pub async fn page(State(state): State<AppState>, viewer: Viewer, headers: HeaderMap) -> PageResult<Markup> {
    render(&state, &viewer, &headers, None, None).await
}

/// Shows the page again with what went wrong, for what the person can fix; faults stay faults.
async fn or_show(
    state: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    result: Result<Option<Link>, groundgame_app::Error>,
) -> PageResult<Response> {
    match result {
        Ok(Some(link)) => Ok(render(state, viewer, headers, Some(link), None).await?.into_response()),
        Ok(None) => Ok(Redirect::to("/volunteers").into_response()),
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error() {
                return Err(e.into());
            }
            Ok((e.status, render(state, viewer, headers, None, Some(e.message)).await?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    name: String,
    email: String,
    role: String,
}

pub async fn invite(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    FormBody(f): FormBody<InviteForm>,
) -> PageResult<Response> {
    let role: Role = f.role.parse().map_err(AppError::bad_request)?;
    let result = accounts::invite(&state.app, viewer.actor(), &f.email, &f.name, role).await.map(|path| {
        Some(Link {
            what: "Send this one-time link to the volunteer (by text, WhatsApp or email). It works once, for the invited email only:",
            path,
        })
    });
    or_show(&state, &viewer, &headers, result).await
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

pub async fn change_role(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PagePath(id): PagePath<i64>,
    FormBody(f): FormBody<RoleForm>,
) -> PageResult<Response> {
    let role: Role = f.role.parse().map_err(AppError::bad_request)?;
    let result = accounts::change_role(&state.app, viewer.actor(), id, role).await.map(|_| None);
    or_show(&state, &viewer, &headers, result).await
}

pub async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let result = accounts::remove_member(&state.app, viewer.actor(), id).await.map(|_| None);
    or_show(&state, &viewer, &headers, result).await
}

pub async fn reset(State(state): State<AppState>, viewer: Viewer, headers: HeaderMap, PagePath(id): PagePath<i64>) -> PageResult<Response> {
    let result = accounts::issue_reset(&state.app, viewer.actor(), id).await.map(|path| {
        Some(Link { what: "Send this one-time link to them in person or by text: it lets them choose a new password, and signs them out everywhere else.", path })
    });
    or_show(&state, &viewer, &headers, result).await
}

pub async fn withdraw(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let result = accounts::revoke_invite(&state.app, viewer.actor(), &id).await.map(|_| None);
    or_show(&state, &viewer, &headers, result).await
}
