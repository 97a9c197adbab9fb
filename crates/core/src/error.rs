//! What core's parsers and checks say when input is not what it should be.

/// Input that is not what it should be (an elector number, a postcode, a date, a register's
/// layout, a survey, a password), said in words for the person who gave it. The store, the use
/// cases and the front doors each turn it into their own error in one place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(String);

impl Invalid {
    pub fn new(why: impl Into<String>) -> Self {
        Invalid(why.into())
    }

    /// The same, said of a place: `line 3: ...`.
    pub fn at(self, place: impl std::fmt::Display) -> Self {
        Invalid(format!("{place}: {}", self.0))
    }

    pub fn message(&self) -> &str {
        &self.0
    }
}

impl From<String> for Invalid {
    fn from(why: String) -> Self {
        Invalid(why)
    }
}

impl From<&str> for Invalid {
    fn from(why: &str) -> Self {
        Invalid(why.to_owned())
    }
}

/// What core's parsers and checks return.
pub type Checked<T> = Result<T, Invalid>;

/// The message, to read as text.
impl std::ops::Deref for Invalid {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<&str> for Invalid {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}
