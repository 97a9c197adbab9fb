//! One's own account: the campaigns one is in, the password, and where one is signed in.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::accounts;
use groundgame_core::access::{Permission, Role};
use groundgame_core::password::MIN_LENGTH;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout;
use crate::auth::{self, ClientInfo, Viewer};
use crate::error::{AppError, PageResult};
use crate::input::{FormBody, PageQuery};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct Shown {
    reset: Option<String>,
}

/// A short, recognisable name for a browser from its User-Agent.
fn device(agent: &str) -> String {
    let browser =
        ["Edg", "Firefox", "Chrome", "Safari"].into_iter().find(|b| agent.contains(b)).map(|b| if b == "Edg" { "Edge" } else { b });
    let system = ["Android", "iPhone", "iPad", "Windows", "Mac OS", "Linux"].into_iter().find(|s| agent.contains(s));
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) if agent.is_empty() => "an unnamed device".to_owned(),
        (None, None) => agent.chars().take(40).collect(),
    }
}

async fn render(state: &AppState, viewer: &Viewer, message: Option<Markup>) -> PageResult<Markup> {
    let campaigns = accounts::own_campaigns(&state.app, viewer).await?;
    let sessions = accounts::own_sessions(&state.app, viewer).await?;
    let two_factor = groundgame_app::second_factor::is_on(&state.app, viewer.user.id).await?;
    Ok(layout::page(
        viewer,
        "Your account",
        html! {
            h1 { "Your account" }
            @if let Some(m) = message { (m) }
            p { "Signed in as " strong { (viewer.user.email) } " in " (viewer.campaign.name) " as " (viewer.role.label()) "." }
            @if viewer.role == Role::Teller {
                p { "Tellers take numbers at polling stations on polling day. Your organiser will give you your station." }
            }
            @if campaigns.len() > 1 {
                h2 { "Your campaigns" }
                form method="post" action="/switch" {
                    (layout::csrf(viewer))
                    label for="campaign" { "Switch to" }
                    select #campaign name="campaign" {
                        @for (ballot, role) in &campaigns {
                            option value=(ballot) selected[*ballot == viewer.campaign.ballot_id] { (ballot) " (" (role.label()) ")" }
                        }
                    }
                    button type="submit" { "Switch" }
                }
            }
            @if viewer.may(Permission::CreateCampaign) {
                p { a href="/campaigns/new" { "Start another campaign" } }
            }
            h2 { "Change your password" }
            form method="post" action="/account/password" {
                (layout::csrf(viewer))
                input type="hidden" name="username" value=(viewer.user.email) autocomplete="username";
                label for="current" { "Current password" }
                input #current type="password" name="current" autocomplete="current-password" required;
                label for="new" { "New password (at least " (MIN_LENGTH) " characters)" }
                input #new type="password" name="new" autocomplete="new-password" minlength=(MIN_LENGTH) required;
                button type="submit" { "Change the password" }
            }
            p.hint { "Changing it signs you out everywhere else." }
            h2 { "Two-factor sign-in" }
            @if two_factor {
                p { "On: you sign in with a code from your authenticator app as well as your password. Lost the phone? Use a recovery "
                    "code, or ask your organiser to turn it off (groundgame user reset --two-factor)." }
            } @else {
                p { "Off. With it on, your password alone cannot sign in: a code from an authenticator app on your phone is needed too." }
                form method="post" action="/account/two-factor" {
                    (layout::csrf(viewer))
                    button type="submit" { "Turn on two-factor sign-in" }
                }
            }
            h2 { "Where you are signed in (" (sessions.len()) ")" }
            div.scroll { table {
                thead { tr { th scope="col" { "Device" } th scope="col" { "Since" } th scope="col" { "From" } th scope="col" { "Campaign" } th scope="col" { span.visually-hidden { "Action" } } } }
                tbody { @for s in &sessions { tr {
                    td { (device(&s.info.user_agent)) @if s.current { " (this one)" } }
                    td { (s.info.created_at.get(..16).unwrap_or(&s.info.created_at).replace('T', " ")) }
                    td { (s.info.ip) }
                    td { (s.info.campaign) }
                    td { @if !s.current {
                        form.inline method="post" action="/account/sessions/end" {
                            (layout::csrf(viewer))
                            input type="hidden" name="session" value=(s.info.id);
                            button.link type="submit" aria-label={ "Sign out " (device(&s.info.user_agent)) " from " (s.info.ip) } { "Sign out" }
                        }
                    } }
                } } }
            } }
            form method="post" action="/account/sign-out-everywhere" {
                (layout::csrf(viewer))
                button.danger type="submit" { "Sign out everywhere, here too" }
            }
        },
    ))
}

pub async fn page(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<Shown>) -> PageResult<Markup> {
    let message = q.reset.map(|_| html! { p.ok role="status" { "Your new password is set, and every other session has ended." } });
    render(&state, &viewer, message).await
}

#[derive(Deserialize)]
pub struct SwitchForm {
    campaign: String,
}

pub async fn switch(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientInfo(client): ClientInfo,
    FormBody(f): FormBody<SwitchForm>,
) -> PageResult<Response> {
    let opened = accounts::switch_campaign(&state.app, &viewer, &f.campaign, &client).await?;
    Ok(auth::with_session(&state, &opened, Redirect::to("/")))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientInfo(client): ClientInfo,
    FormBody(f): FormBody<PasswordForm>,
) -> PageResult<Response> {
    match accounts::change_password(&state.app, &viewer, &f.current, &f.new, &client).await {
        Ok(ended) => {
            let m = html! { p.ok role="status" { "Your password is changed. " (ended) " other sessions were signed out." } };
            Ok(render(&state, &viewer, Some(m)).await?.into_response())
        }
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error() {
                return Err(e.into());
            }
            let m = html! { p.error role="alert" { (e.message) } };
            Ok((e.status, render(&state, &viewer, Some(m)).await?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct EndForm {
    session: String,
}

pub async fn end_session(State(state): State<AppState>, viewer: Viewer, FormBody(f): FormBody<EndForm>) -> PageResult<Response> {
    accounts::end_own_session(&state.app, &viewer, &f.session).await?;
    Ok(Redirect::to("/account").into_response())
}

pub async fn sign_out_everywhere(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    accounts::sign_out_everywhere(&state.app, &viewer).await?;
    Ok(([(axum::http::header::SET_COOKIE, auth::clear_cookie(&state))], Redirect::to("/login?signed-out=1")).into_response())
}

/// Sets up two-factor sign-in for one's own account (the first code finishes it).
pub async fn two_factor(State(state): State<AppState>, viewer: Viewer) -> PageResult<Response> {
    let step = groundgame_app::second_factor::start(&state.app, &viewer).await?;
    Ok(super::login::signed_in(&state, step, "/account"))
}
