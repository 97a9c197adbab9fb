//! Signing in and out, invites and password reset links.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::accounts::{self, InviteView, Joining};
use groundgame_core::password::MIN_LENGTH;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout;
use crate::auth::{self, ClientInfo, MaybeViewer, Viewer};
use crate::error::{AppError, PageResult};
use crate::input::{FormBody, PagePath, PageQuery};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct Next {
    next: Option<String>,
}

fn login_form(next: &str, email: &str, error: Option<&str>) -> Markup {
    layout::bare(
        "Sign in",
        html! {
            h1 { "Sign in" }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                label for="email" { "Email" }
                input #email type="email" name="email" autocomplete="username" required value=(email);
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required;
                button type="submit" { "Sign in" }
            }
            p.hint { "Volunteers join with the link their organiser sends them. Forgotten your password? Ask your organiser for a reset link." }
        },
    )
}

pub async fn page(MaybeViewer(viewer): MaybeViewer, PageQuery(q): PageQuery<Next>) -> Response {
    let next = auth::safe_next(q.next.as_deref());
    if viewer.is_some() {
        return Redirect::to(&next).into_response();
    }
    login_form(&next, "", None).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub async fn submit(State(state): State<AppState>, ClientInfo(client): ClientInfo, FormBody(f): FormBody<LoginForm>) -> Response {
    let next = auth::safe_next(f.next.as_deref());
    match accounts::sign_in(&state.app, &f.email, &f.password, None, &client).await {
        Ok(opened) => auth::with_session(&state, &opened, Redirect::to(&next)),
        Err(e) => {
            let e = AppError::from(e);
            (e.status, login_form(&next, &f.email, Some(&e.message))).into_response()
        }
    }
}

pub async fn logout(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    accounts::sign_out(&state.app, &viewer).await?;
    Ok(([(axum::http::header::SET_COOKIE, auth::clear_cookie(&state))], Redirect::to("/login?signed-out=1")).into_response())
}

fn invite_form(token: &str, invite: &InviteView, viewer: Option<&Viewer>, error: Option<&str>) -> Markup {
    layout::bare(
        "Join the campaign",
        html! {
            h1 { "Join " (invite.campaign) }
            p { "You are invited as " strong { (invite.role.label()) } " with the email " strong { (invite.email) } "." }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            @match &invite.joining {
                Joining::NewAccount => {
                    form method="post" action={ "/invite/" (token) } {
                        label for="password" { "Choose a password (at least " (MIN_LENGTH) " characters)" }
                        input #password type="password" name="password" autocomplete="new-password" minlength=(MIN_LENGTH) required;
                        button type="submit" { "Join" }
                    }
                }
                Joining::SignIn => {
                    p { (invite.email) " already has a groundgame account. Enter its password to join: it stays as it is." }
                    form method="post" action={ "/invite/" (token) } {
                        label for="password" { "Your password" }
                        input #password type="password" name="password" autocomplete="current-password" required;
                        button type="submit" { "Join" }
                    }
                }
                Joining::SignedIn => {
                    form method="post" action={ "/invite/" (token) } {
                        @if let Some(v) = viewer { input type="hidden" name="csrf" value=(v.csrf_token); }
                        button type="submit" { "Join " (invite.campaign) }
                    }
                }
                Joining::SignedInAsOther(email) => {
                    p role="alert" { "You are signed in as " (email) ". This invite is for " (invite.email) ": sign out, then open the link again." }
                }
                Joining::NoPassword => {
                    p role="alert" { (invite.email) " has an account with no password yet. Ask your organiser for a password reset link." }
                }
            }
        },
    )
}

pub async fn invite_page(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    PagePath(token): PagePath<String>,
) -> PageResult<Markup> {
    let invite = accounts::open_invite(&state.app, &token, viewer.as_ref().map(|v| &v.0)).await?;
    Ok(invite_form(&token, &invite, viewer.as_ref(), None))
}

#[derive(Deserialize)]
pub struct InviteForm {
    password: Option<String>,
    csrf: Option<String>,
}

pub async fn accept_invite(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    ClientInfo(client): ClientInfo,
    PagePath(token): PagePath<String>,
    FormBody(f): FormBody<InviteForm>,
) -> PageResult<Response> {
    // Joining while signed in is a write with the session: it needs the session's token.
    if let Some(v) = &viewer {
        auth::csrf_matches(v, f.csrf.as_deref())?;
    }
    let member = viewer.as_ref().map(|v| &v.0);
    match accounts::accept_invite(&state.app, &token, f.password.as_deref(), member, &client).await {
        Ok(opened) => Ok(auth::with_session(&state, &opened, Redirect::to("/"))),
        Err(e) => {
            let e = AppError::from(e);
            if e.status == StatusCode::NOT_FOUND || e.status.is_server_error() {
                return Err(e.into());
            }
            let invite = accounts::open_invite(&state.app, &token, member).await?;
            Ok((e.status, invite_form(&token, &invite, viewer.as_ref(), Some(&e.message))).into_response())
        }
    }
}

fn reset_form(token: &str, email: &str, error: Option<&str>) -> Markup {
    layout::bare(
        "Choose a new password",
        html! {
            h1 { "Choose a new password" }
            p { "For " strong { (email) } ". Every other place this account is signed in will be signed out." }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action={ "/reset/" (token) } {
                input type="hidden" name="username" value=(email) autocomplete="username";
                label for="password" { "New password (at least " (MIN_LENGTH) " characters)" }
                input #password type="password" name="password" autocomplete="new-password" minlength=(MIN_LENGTH) required;
                button type="submit" { "Set the password" }
            }
        },
    )
}

pub async fn reset_page(State(state): State<AppState>, PagePath(token): PagePath<String>) -> PageResult<Markup> {
    let user = accounts::open_reset(&state.app, &token).await?;
    Ok(reset_form(&token, &user.email, None))
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

pub async fn reset(
    State(state): State<AppState>,
    ClientInfo(client): ClientInfo,
    PagePath(token): PagePath<String>,
    FormBody(f): FormBody<ResetForm>,
) -> PageResult<Response> {
    match accounts::reset_password(&state.app, &token, &f.password, &client).await {
        Ok(opened) => Ok(auth::with_session(&state, &opened, Redirect::to("/account?reset=1"))),
        Err(e @ groundgame_app::Error::Invalid(_)) => {
            let user = accounts::open_reset(&state.app, &token).await?;
            Ok((StatusCode::BAD_REQUEST, reset_form(&token, &user.email, Some(&e.to_string()))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
