//! Relational organising's rules: what a supporter is shown of a register entry that may be their
//! friend (first name, surname initial and street, never more), and the age bands that tell a
//! campaign whether its young supporters are reaching older voters.

use serde::Serialize;

/// An age band, as a supporter gives their own or guesses a friend's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum AgeBand {
    Under25,
    From25To39,
    From40To64,
    From65,
}

impl AgeBand {
    pub const ALL: [AgeBand; 4] = [AgeBand::Under25, AgeBand::From25To39, AgeBand::From40To64, AgeBand::From65];

    /// How it is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeBand::Under25 => "under_25",
            AgeBand::From25To39 => "25_39",
            AgeBand::From40To64 => "40_64",
            AgeBand::From65 => "65_over",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgeBand::Under25 => "under 25",
            AgeBand::From25To39 => "25 to 39",
            AgeBand::From40To64 => "40 to 64",
            AgeBand::From65 => "65 and over",
        }
    }

    /// The band of an age in years.
    pub fn of_age(years: i32) -> AgeBand {
        match years {
            ..=24 => AgeBand::Under25,
            25..=39 => AgeBand::From25To39,
            40..=64 => AgeBand::From40To64,
            _ => AgeBand::From65,
        }
    }

    /// A stored or chosen band; None for "don't know" or anything else.
    pub fn parse(s: &str) -> Option<AgeBand> {
        AgeBand::ALL.into_iter().find(|b| b.as_str() == s.trim())
    }
}

/// A friend's name split as the register holds it: the first word is the forename, the last the
/// surname. None without both.
pub fn name_parts(name: &str) -> Option<(String, String)> {
    let words: Vec<&str> = name.split_whitespace().collect();
    match words.as_slice() {
        [first, .., last] => Some(((*first).to_owned(), (*last).to_owned())),
        _ => None,
    }
}

/// A register entry as a supporter may see it: "Jane S.".
pub fn shown_name(forename: &str, surname: &str) -> String {
    let first = forename.split_whitespace().next().unwrap_or("");
    match surname.chars().find(|c| c.is_alphabetic()) {
        Some(i) => format!("{first} {}.", i.to_uppercase()),
        None => first.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_supporter_sees_a_first_name_and_an_initial() {
        assert_eq!(shown_name("Jane Mary", "smith"), "Jane S.");
        assert_eq!(shown_name("Ali", "O'Neill"), "Ali O.");
        assert_eq!(name_parts("  Jane  van der Berg "), Some(("Jane".into(), "Berg".into())));
        assert_eq!(name_parts("Jane"), None);
    }

    #[test]
    fn bands_read_back() {
        for b in AgeBand::ALL {
            assert_eq!(AgeBand::parse(b.as_str()), Some(b));
        }
        assert_eq!(AgeBand::parse("dont_know"), None);
    }
}
