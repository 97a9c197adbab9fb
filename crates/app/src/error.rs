use std::time::Duration;

use groundgame_core::register::RowError;

/// How a use case can end other than well, in the terms the person in front of it acts on.
/// Internal failures carry their cause chain for the logs and are never shown.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The email and password (or the current password) are not right.
    #[error("{0}")]
    SignIn(String),
    /// Too many failed tries recently: wait.
    #[error("too many failed sign-ins: try again in {} minutes", .wait.as_secs().div_ceil(60).max(1))]
    TooManyAttempts { wait: Duration },
    /// Too many of something else from one place recently (sign-ups from one address): wait.
    #[error("{what}: try again in {} minutes", .wait.as_secs().div_ceil(60).max(1))]
    TooMany { what: String, wait: Duration },
    /// Signed in, but this is not theirs to do or see.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    /// Rows of an import that could not be read: nothing was written.
    #[error("{} row(s) could not be imported; nothing was written", .total)]
    Rows { errors: Vec<RowError>, total: usize },
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl From<groundgame_store::Error> for Error {
    fn from(e: groundgame_store::Error) -> Self {
        use groundgame_store::Error as E;
        match e {
            E::NotFound(m) => Error::NotFound(m),
            E::Conflict(m) => Error::Conflict(m),
            E::Invalid(m) => Error::Invalid(m),
            E::Rows { errors, total } => Error::Rows { errors, total },
            E::Internal(e) => Error::Internal(e),
        }
    }
}

/// Core's word on bad input.
impl From<groundgame_core::Invalid> for Error {
    fn from(e: groundgame_core::Invalid) -> Self {
        Error::Invalid(e.to_string())
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        match e.downcast::<groundgame_store::Error>() {
            Ok(e) => e.into(),
            Err(e) => Error::Internal(e),
        }
    }
}

impl Error {
    pub fn forbidden(what: impl Into<String>) -> Self {
        Error::Forbidden(what.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
