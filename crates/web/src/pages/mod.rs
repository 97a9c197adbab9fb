use axum::response::{IntoResponse, Redirect, Response};
use groundgame_core::access::{Permission, Role};
use maud::{html, Markup};

use crate::auth::{MaybeViewer, Viewer};
use crate::error::{AppError, PageError};

pub mod campaign;
pub mod canvass;
pub mod layout;
pub mod login;
pub mod register;
pub mod targets;
pub mod volunteers;
pub mod walks;

/// The start page: each role lands where its work is.
pub async fn home(MaybeViewer(viewer): MaybeViewer) -> Response {
    let Some(v) = viewer else { return Redirect::to("/login").into_response() };
    let to = if v.may(Permission::ViewProgress) {
        "/campaign"
    } else if v.may(Permission::Canvass) {
        "/canvass"
    } else {
        "/account"
    };
    Redirect::to(to).into_response()
}

pub async fn account(viewer: Viewer, axum::extract::State(state): axum::extract::State<crate::AppState>) -> Result<Markup, PageError> {
    let mut tx = state.store.begin().await?;
    let campaigns = groundgame_store::accounts::memberships(&mut tx, viewer.user.id).await?;
    tx.commit().await?;
    Ok(layout::page(
        &viewer,
        "Your account",
        html! {
            h1 { "Your account" }
            p { "Signed in as " strong { (viewer.user.email) } " in " (viewer.campaign.name) " as " (viewer.role.label()) "." }
            @if viewer.role == Role::Teller {
                p { "Tellers take numbers at polling stations on polling day. Your organiser will give you your station." }
            }
            @if campaigns.len() > 1 {
                h2 { "Your campaigns" }
                form method="post" action="/switch" {
                    (layout::csrf(&viewer))
                    label for="campaign" { "Switch to" }
                    select #campaign name="campaign" {
                        @for (_, ballot, role) in &campaigns {
                            option value=(ballot) selected[*ballot == viewer.campaign.ballot_id] { (ballot) " (" (role.label()) ")" }
                        }
                    }
                    button type="submit" { "Switch" }
                }
            }
            @if viewer.may(Permission::CreateCampaign) {
                p { a href="/campaigns/new" { "Start another campaign" } }
            }
        },
    ))
}

pub async fn not_found() -> PageError {
    PageError(AppError::not_found("there is no page here"))
}
