use groundgame_core::register::RowError;

/// What went wrong, in the terms a user acts on. Internal failures carry their cause chain for the
/// logs and are shown as such.
#[derive(Debug, thiserror::Error)]
pub enum Error {
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
    Internal(#[from] anyhow::Error),
}

/// Core's word on bad input is the store's too.
impl From<groundgame_core::Invalid> for Error {
    fn from(e: groundgame_core::Invalid) -> Self {
        Error::Invalid(e.to_string())
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Internal(anyhow::Error::new(e))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
