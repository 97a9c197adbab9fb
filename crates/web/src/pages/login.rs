use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use groundgame_store::accounts;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout;
use crate::auth::{self, ClientIp, MaybeViewer, Viewer, MIN_PASSWORD};
use crate::error::{AppError, PageError, PageResult};
use crate::AppState;

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
            p.hint { "Volunteers join with the link their organiser sends them." }
        },
    )
}

pub async fn page(MaybeViewer(viewer): MaybeViewer, Query(q): Query<Next>) -> Response {
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

pub async fn submit(State(state): State<AppState>, ClientIp(ip): ClientIp, Form(f): Form<LoginForm>) -> Response {
    let next = auth::safe_next(f.next.as_deref());
    match auth::sign_in(&state, &f.email, &f.password, &ip, None).await {
        Ok(s) => ([(header::SET_COOKIE, s.cookie)], Redirect::to(&next)).into_response(),
        Err(e) => (e.status, login_form(&next, &f.email, Some(&e.message))).into_response(),
    }
}

pub async fn logout(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    let cookie = auth::sign_out(&state, &viewer).await?;
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

fn invite_form(token: &str, invite: &accounts::Invite, campaign: &str, error: Option<&str>) -> Markup {
    layout::bare(
        "Join the campaign",
        html! {
            h1 { "Join " (campaign) }
            p { "You are invited as " strong { (invite.role.label()) } " with the email " strong { (invite.email) } "." }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action={ "/invite/" (token) } {
                label for="password" { "Choose a password (at least " (MIN_PASSWORD) " characters)" }
                input #password type="password" name="password" autocomplete="new-password" minlength=(MIN_PASSWORD) required;
                button type="submit" { "Join" }
            }
        },
    )
}

async fn open(state: &AppState, token: &str) -> Result<(accounts::Invite, String), AppError> {
    let mut tx = state.store.begin().await?;
    let invite = accounts::open_invite(&mut tx, &auth::token_hash(token))
        .await?
        .ok_or_else(|| AppError::not_found("this invite link has been used or has expired: ask your organiser for a new one"))?;
    let campaign = groundgame_store::campaigns::by_id(&mut tx, invite.campaign_id).await?;
    tx.commit().await?;
    Ok((invite, campaign.name))
}

pub async fn invite_page(State(state): State<AppState>, Path(token): Path<String>) -> PageResult<Markup> {
    let (invite, campaign) = open(&state, &token).await?;
    Ok(invite_form(&token, &invite, &campaign, None))
}

#[derive(Deserialize)]
pub struct InviteForm {
    password: String,
}

pub async fn accept_invite(State(state): State<AppState>, Path(token): Path<String>, Form(f): Form<InviteForm>) -> PageResult<Response> {
    let (invite, campaign) = open(&state, &token).await?;
    if f.password.chars().count() < MIN_PASSWORD {
        let msg = format!("the password needs at least {MIN_PASSWORD} characters");
        return Ok((axum::http::StatusCode::BAD_REQUEST, invite_form(&token, &invite, &campaign, Some(&msg))).into_response());
    }
    let hash = auth::hash_password(f.password).await?;
    let mut tx = state.store.begin_write().await?;
    let (user, campaign_id) = accounts::accept_invite(&mut tx, &auth::token_hash(&token), &hash).await?;
    tx.commit().await?;
    let cookie = auth::open_session(&state, user.id, campaign_id).await?;
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response())
}

#[derive(Deserialize)]
pub struct SwitchForm {
    campaign: String,
}

pub async fn switch(State(state): State<AppState>, viewer: Viewer, Form(f): Form<SwitchForm>) -> PageResult<Response> {
    let mut tx = state.store.begin().await?;
    let memberships = accounts::memberships(&mut tx, viewer.user.id).await?;
    tx.commit().await?;
    let Some(&(campaign_id, _, _)) = memberships.iter().find(|m| m.1 == f.campaign) else {
        return Err(PageError(AppError::forbidden()));
    };
    auth::sign_out(&state, &viewer).await?;
    let cookie = auth::open_session(&state, viewer.user.id, campaign_id).await?;
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response())
}
