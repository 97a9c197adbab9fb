//! The password policy: one rule for every place a password is chosen (an invite, a reset, a
//! change of password, the command line).

/// The fewest characters a password may have.
pub const MIN_LENGTH: usize = 10;
/// The most: hashing is slow on purpose, and a megabyte of password would make it slower still.
pub const MAX_LENGTH: usize = 200;

/// Checks a new password, saying what is wrong in words for the person choosing it.
pub fn check(password: &str) -> Result<(), crate::Invalid> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err(format!("the password needs at least {MIN_LENGTH} characters").into());
    }
    if n > MAX_LENGTH {
        return Err(format!("the password can have at most {MAX_LENGTH} characters").into());
    }
    if password.trim().is_empty() {
        return Err("the password cannot be only spaces".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_enough_and_not_absurdly_long() {
        assert!(check("short").unwrap_err().contains("at least 10"));
        assert!(check("          ").is_err());
        assert!(check("correct horse battery").is_ok());
        assert!(check(&"x".repeat(201)).is_err());
    }
}
