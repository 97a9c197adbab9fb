use axum::response::{IntoResponse, Redirect, Response};
use groundgame_core::access::Permission;

use crate::auth::MaybeViewer;
use crate::error::{AppError, PageError};

pub mod account;
pub mod calls;
pub mod campaign;
pub mod canvass;
pub mod join;
pub mod layout;
pub mod login;
pub mod own;
pub mod polling_day;
pub mod register;
pub mod sessions;
pub mod share_kit;
pub mod targets;
pub mod texts;
pub mod volunteers;
pub mod walk_sheet;
pub mod walks;

/// The start page: each role lands where its work is.
pub async fn home(MaybeViewer(viewer): MaybeViewer) -> Response {
    let Some(v) = viewer else { return Redirect::to("/login").into_response() };
    let to = if v.may(Permission::ViewProgress) {
        "/campaign"
    } else if v.may(Permission::Canvass) {
        "/canvass"
    } else if v.may(Permission::Tell) {
        "/tell"
    } else {
        "/account"
    };
    Redirect::to(to).into_response()
}

/// A file of personal data to download (a walk sheet, a subject access bundle): named for the
/// browser to save, and never kept in a shared cache.
pub fn personal_file(content_type: &str, file_name: &str, body: impl IntoResponse) -> Response {
    use axum::http::header;
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

pub async fn not_found() -> PageError {
    PageError(AppError::not_found("there is no page here"))
}
