//! Extractors for the request's path, query and body that answer a bad request in the caller's
//! words (JSON for the API, a page for pages), never axum's plain-text rejections.

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::AppError;

fn path_error(e: PathRejection) -> AppError {
    AppError::new(StatusCode::NOT_FOUND, format!("there is nothing at this address: {}", e.body_text()))
}

fn query_error(e: QueryRejection) -> AppError {
    AppError::bad_request(format!("the question in the address could not be read: {}", e.body_text()))
}

fn json_error(e: JsonRejection) -> AppError {
    let status = match e {
        JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        JsonRejection::BytesRejection(_) => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    AppError::new(status, format!("the request could not be read: {}", e.body_text()))
}

fn form_error(e: FormRejection) -> AppError {
    match e {
        FormRejection::InvalidFormContentType(_) => AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send the form as the page does"),
        e => AppError::bad_request(format!("the form could not be read: {}", e.body_text())),
    }
}

/// A path parameter.
pub struct PathParam<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParam<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state).await.map(|p| PathParam(p.0)).map_err(path_error)
    }
}

/// The query string.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state).await.map(|q| QueryParams(q.0)).map_err(query_error)
    }
}

/// A JSON body: an object (serde would take the fields of a struct in order from an array too),
/// read into `T` with the path to whatever does not fit. axum checks the content type, the size
/// and the syntax; the text is then read into `T` directly, with no JSON tree in between.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let axum::Json(raw) = axum::Json::<Box<serde_json::value::RawValue>>::from_request(req, state).await.map_err(json_error)?;
        if !raw.get().starts_with('{') {
            return Err(AppError::bad_request("the request could not be read: send a JSON object ({ ... })"));
        }
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(raw.get()))
            .map(JsonBody)
            .map_err(|e| AppError::bad_request(format!("the request could not be read: {e}")))
    }
}

/// A form body.
pub struct FormBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for FormBody<T> {
    type Rejection = crate::error::PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(req, state).await.map(|f| FormBody(f.0)).map_err(|e| crate::error::PageError(form_error(e)))
    }
}

/// A path parameter for a page: a bad one is a page saying so.
pub struct PagePath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PagePath<T> {
    type Rejection = crate::error::PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PagePath(p.0))
            .map_err(|e| crate::error::PageError(path_error(e)))
    }
}

/// The query string of a page.
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = crate::error::PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| PageQuery(q.0))
            .map_err(|e| crate::error::PageError(query_error(e)))
    }
}
