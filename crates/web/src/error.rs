use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// A failure answered to the client: what went wrong, in the user's terms, and the status.
/// API routes answer it as JSON; pages wrap it in [`PageError`] to answer HTML.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub message: String,
    /// Row-by-row problems (register imports).
    pub rows: Vec<String>,
}

impl AppError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        AppError { status, message: message.into(), rows: Vec::new() }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "your role in this campaign does not allow this")
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "sign in first")
    }
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!("{e:#}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "something went wrong on the server; it has been logged")
    }
}

impl From<groundgame_store::Error> for AppError {
    fn from(e: groundgame_store::Error) -> Self {
        use groundgame_store::Error as E;
        match e {
            E::NotFound(m) => Self::new(StatusCode::NOT_FOUND, m),
            E::Conflict(m) => Self::new(StatusCode::CONFLICT, m),
            E::Invalid(m) => Self::new(StatusCode::BAD_REQUEST, m),
            E::Rows { ref errors, total } => AppError {
                status: StatusCode::BAD_REQUEST,
                message: format!("{total} row(s) could not be imported; nothing was written"),
                rows: errors.iter().map(|r| r.to_string()).collect(),
            },
            E::Internal(e) => Self::internal(format!("{e:#}")),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        match e.downcast::<groundgame_store::Error>() {
            Ok(e) => e.into(),
            Err(e) => Self::internal(format!("{e:#}")),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if !self.rows.is_empty() {
            body["rows"] = json!(self.rows);
        }
        (self.status, Json(body)).into_response()
    }
}

/// An error answered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        let page = crate::pages::layout::bare(
            "Something went wrong",
            maud::html! {
                h1 { (e.status.canonical_reason().unwrap_or("Error")) }
                p role="alert" { (e.message) }
                @if !e.rows.is_empty() {
                    ul { @for r in &e.rows { li { (r) } } }
                }
                p { a href="/" { "Back to the start" } }
            },
        );
        (e.status, page).into_response()
    }
}

pub type ApiResult<T> = Result<T, AppError>;
pub type PageResult<T> = Result<T, PageError>;
