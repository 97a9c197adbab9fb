use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use groundgame_app::Error;
use serde_json::json;

/// A failure answered to the client: what went wrong, in the user's terms, and the status.
/// API routes answer it as JSON; pages wrap it in [`PageError`] to answer HTML.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub message: String,
    /// Row-by-row problems (register imports).
    pub rows: Vec<String>,
    /// Seconds to wait before trying again (Retry-After).
    pub retry_after: Option<u64>,
}

impl AppError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        AppError { status, message: message.into(), rows: Vec::new(), retry_after: None }
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

/// The one place a use case's outcome becomes an HTTP status.
impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::SignIn(_) => StatusCode::UNAUTHORIZED,
            Error::TooManyAttempts { .. } | Error::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Invalid(_) | Error::Rows { .. } => StatusCode::BAD_REQUEST,
            Error::Internal(e) => return Self::internal(format!("{e:#}")),
        };
        let mut out = AppError::new(status, e.to_string());
        match e {
            Error::Rows { errors, .. } => out.rows = errors.iter().map(|r| r.to_string()).collect(),
            Error::TooManyAttempts { wait } | Error::TooMany { wait, .. } => out.retry_after = Some(wait.as_secs().max(1)),
            _ => {}
        }
        out
    }
}

impl From<groundgame_store::Error> for AppError {
    fn from(e: groundgame_store::Error) -> Self {
        Error::from(e).into()
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        Error::from(e).into()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if !self.rows.is_empty() {
            body["rows"] = json!(self.rows);
        }
        let mut response = (self.status, Json(body)).into_response();
        retry_after(&mut response, self.retry_after);
        response
    }
}

fn retry_after(response: &mut Response, seconds: Option<u64>) {
    if let Some(s) = seconds {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, s.into());
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
        let mut response = (e.status, page).into_response();
        retry_after(&mut response, e.retry_after);
        response
    }
}

pub type ApiResult<T> = Result<T, AppError>;
pub type PageResult<T> = Result<T, PageError>;
