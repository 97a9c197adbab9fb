//! A CSV file from groundgame is opened in a spreadsheet by a data officer. A cell that begins
//! with `=`, `+`, `-` or `@` (or a tab or carriage return, which spreadsheets skip before looking)
//! would be run as a formula there, so such a cell is written with a leading apostrophe, which
//! spreadsheets show as text and never run (OWASP's advice for CSV injection).

use std::borrow::Cow;

/// The cell as it is safe to write.
pub fn safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_written_as_text() {
        assert_eq!(safe("=HYPERLINK(\"http://evil.example\")"), "'=HYPERLINK(\"http://evil.example\")");
        assert_eq!(safe("+44 1332 000000"), "'+44 1332 000000");
        assert_eq!(safe("-2+3"), "'-2+3");
        assert_eq!(safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe("\t=1"), "'\t=1");
        assert_eq!(safe("12 Duffield Road"), "12 Duffield Road");
        assert_eq!(safe(""), "");
    }
}
