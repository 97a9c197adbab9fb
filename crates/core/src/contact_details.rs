//! A volunteer's email address and phone number as people type them, checked and put in the one
//! form records are matched by: the same address or number typed differently is the same person.

use crate::Invalid;

/// An email address, checked for the shape mail can be delivered to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// As given, trimmed (mail goes to it).
    address: String,
}

impl Email {
    pub fn parse(s: &str) -> Result<Email, Invalid> {
        let address = s.trim();
        if address.is_empty() {
            return Err(Invalid::new("an email address is needed"));
        }
        let bad = || Invalid::new(format!("'{address}' is not an email address (like name@example.org)"));
        if address.len() > 254 || address.chars().any(|c| c.is_whitespace() || c.is_control() || "<>,;\"()[]\\".contains(c)) {
            return Err(bad());
        }
        let (local, domain) = address.rsplit_once('@').ok_or_else(bad)?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(bad());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| l.is_empty() || l.len() > 63 || l.starts_with('-') || l.ends_with('-'))
            || labels.last().is_some_and(|tld| tld.len() < 2)
        {
            return Err(bad());
        }
        Ok(Email { address: address.to_owned() })
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// What records are matched by: the address in lower case.
    pub fn key(&self) -> String {
        self.address.to_lowercase()
    }
}

/// A UK phone number (or an international one written with its +).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    /// E.164: +447700900123.
    e164: String,
}

impl Phone {
    pub fn parse(s: &str) -> Result<Phone, Invalid> {
        let given = s.trim();
        let bad = || Invalid::new(format!("'{given}' is not a phone number (like 07700 900123)"));
        if given.chars().any(|c| !(c.is_ascii_digit() || " +-().".contains(c))) {
            return Err(bad());
        }
        let digits: String = given.chars().filter(char::is_ascii_digit).collect();
        let e164 = if given.starts_with('+') {
            format!("+{digits}")
        } else if let Some(rest) = digits.strip_prefix("00") {
            format!("+{rest}")
        } else if let Some(national) = digits.strip_prefix('0') {
            format!("+44{national}")
        } else {
            return Err(bad());
        };
        let n = e164.len() - 1;
        let uk_ok = !e164.starts_with("+44") || (n == 12 || n == 11) && !e164.starts_with("+440");
        if !(8..=15).contains(&n) || !uk_ok {
            return Err(bad());
        }
        Ok(Phone { e164 })
    }

    /// The number in E.164, which is also what records are matched by.
    pub fn e164(&self) -> &str {
        &self.e164
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_matched_in_lower_case() {
        let e = Email::parse("  Asha.Patel@Example.org ").unwrap();
        assert_eq!((e.as_str(), e.key().as_str()), ("Asha.Patel@Example.org", "asha.patel@example.org"));
        for bad in ["", "asha", "asha@", "@example.org", "asha@example", "a b@example.org", "asha@example.o", "a@-x.org", "x<y>@e.org"] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Email::parse("asha@example.org\r\nBcc: x@y.org").is_err(), "no header injection");
    }

    #[test]
    fn phone_numbers_are_matched_in_e164() {
        for (typed, e164) in [
            ("07700 900123", "+447700900123"),
            ("+44 7700 900123", "+447700900123"),
            ("0044 7700-900123", "+447700900123"),
            ("(01332) 123456", "+441332123456"),
        ] {
            assert_eq!(Phone::parse(typed).unwrap().e164(), e164, "{typed}");
        }
        for bad in ["", "12345", "07700 9001234567", "ring me", "+44 07700 900123"] {
            assert!(Phone::parse(bad).is_err(), "{bad:?}");
        }
    }
}
