//! Signing in and out, invites and password reset links.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::accounts::{self, Enrolment, InviteView, Joining, SignedIn};
use groundgame_app::second_factor;
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
        Ok(step) => signed_in(&state, step, &next),
        Err(e) => {
            let e = AppError::from(e);
            (e.status, login_form(&next, &f.email, Some(&e.message))).into_response()
        }
    }
}

/// A correct password: the session, or the second factor's page first.
pub(crate) fn signed_in(state: &AppState, step: SignedIn, next: &str) -> Response {
    match step {
        SignedIn::Opened(opened) => auth::with_session(state, &opened, Redirect::to(next)),
        SignedIn::SecondFactor { ticket, enrol } => code_form(&ticket, enrol.as_ref(), next, None).into_response(),
    }
}

/// The second factor: the code the authenticator app shows (or a recovery code), and, the first
/// time, the app set up from a QR code or the secret typed in.
fn code_form(ticket: &str, enrol: Option<&Enrolment>, next: &str, error: Option<&str>) -> Markup {
    let qr = enrol
        .and_then(|e| qrcode::QrCode::new(e.url.as_bytes()).ok())
        .map(|q| q.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build());
    layout::bare(
        "Two-factor sign-in",
        html! {
            h1 { "Two-factor sign-in" }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            @if let Some(e) = enrol {
                p { "Your role can download the register, so your account signs in with a code from an authenticator app on your "
                    "phone as well as your password (any TOTP app: FreeOTP, Aegis, Google or Microsoft Authenticator, 1Password, ...)." }
                ol {
                    li { "In the app, add an account by scanning this code:" }
                }
                @if let Some(svg) = &qr { figure.qr { (layout::raw(svg.clone())) figcaption.visually-hidden { "QR code for the authenticator app" } } }
                p { "or type this key in: " code.secret { (e.secret) } }
                ol start="2" { li { "Type the six digits the app shows:" } }
            } @else {
                p { "Type the six digits your authenticator app shows for groundgame, or one of your recovery codes." }
            }
            form method="post" action="/login/code" {
                input type="hidden" name="ticket" value=(ticket);
                input type="hidden" name="next" value=(next);
                @if let Some(e) = enrol { input type="hidden" name="secret" value=(e.secret); input type="hidden" name="url" value=(e.url); }
                label for="code" { "Code" }
                input #code name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus maxlength="20" spellcheck="false";
                button type="submit" { "Sign in" }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct CodeForm {
    ticket: String,
    code: String,
    next: Option<String>,
    /// Carried back to show the set-up again after a wrong code (the server keeps its own copy).
    secret: Option<String>,
    url: Option<String>,
}

pub async fn code(State(state): State<AppState>, ClientInfo(client): ClientInfo, FormBody(f): FormBody<CodeForm>) -> Response {
    let next = auth::safe_next(f.next.as_deref());
    match second_factor::complete(&state.app, &f.ticket, &f.code, &client).await {
        Ok((opened, None)) => auth::with_session(&state, &opened, Redirect::to(&next)),
        Ok((opened, Some(codes))) => {
            let page = layout::bare(
                "Recovery codes",
                html! {
                    h1 { "Two-factor sign-in is set up" }
                    p { "Keep these recovery codes somewhere safe, away from your phone. Each signs you in once if the phone is lost; "
                        "they are shown only now." }
                    ul.codes { @for c in &codes { li { code { (c) } } } }
                    p { a.button href=(next) { "Continue" } }
                },
            );
            auth::with_session(&state, &opened, page)
        }
        Err(e) => {
            let e = AppError::from(e);
            let enrol = match (f.secret, f.url) {
                (Some(secret), Some(url)) => Some(Enrolment { secret, url }),
                _ => None,
            };
            if e.message.contains("again") {
                return (e.status, login_form(&next, "", Some(&e.message))).into_response();
            }
            (e.status, code_form(&f.ticket, enrol.as_ref(), &next, Some(&e.message))).into_response()
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
        Ok(step) => Ok(signed_in(&state, step, "/")),
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
        Ok(step) => Ok(signed_in(&state, step, "/account?reset=1")),
        Err(e @ groundgame_app::Error::Invalid(_)) => {
            let user = accounts::open_reset(&state.app, &token).await?;
            Ok((StatusCode::BAD_REQUEST, reset_form(&token, &user.email, Some(&e.to_string()))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
