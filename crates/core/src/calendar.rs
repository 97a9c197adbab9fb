//! iCalendar (RFC 5545) for canvassing sessions: one event as a file to add to a calendar, the
//! same event cancelled, and a volunteer's feed of the sessions they have a place at. Only what
//! calendars need is written: a stable UID per session time, a SEQUENCE that grows with each
//! change (so an edit replaces the event rather than adding another), times in UTC, and text
//! escaped and folded as the standard says.

use chrono::{DateTime, Utc};

/// One session time, as a calendar shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The same for every version of the event: `slot-12-7@groundgame`.
    pub uid: String,
    /// Grows by one each time the event changes.
    pub sequence: i64,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub summary: String,
    pub location: String,
    pub description: String,
    /// A page about the event (the volunteer's own page).
    pub url: Option<String>,
    pub cancelled: bool,
}

/// Whether a calendar is sent to add or change events, or to take them away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A file to add (or a feed to subscribe to).
    Publish,
    /// The events are cancelled.
    Cancel,
}

const PRODID: &str = "-//groundgame//canvassing sessions//EN";

/// A calendar of these events. `name` names a feed (X-WR-CALNAME), shown by calendar apps.
pub fn calendar(events: &[Event], method: Method, name: Option<&str>, stamped: DateTime<Utc>) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, &format!("PRODID:{PRODID}"));
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, if method == Method::Cancel { "METHOD:CANCEL" } else { "METHOD:PUBLISH" });
    if let Some(name) = name {
        line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    }
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", text(&e.uid)));
        line(&mut out, &format!("SEQUENCE:{}", e.sequence));
        line(&mut out, &format!("DTSTAMP:{}", utc(stamped)));
        line(&mut out, &format!("DTSTART:{}", utc(e.starts)));
        line(&mut out, &format!("DTEND:{}", utc(e.ends)));
        line(&mut out, &format!("SUMMARY:{}", text(&e.summary)));
        if !e.location.is_empty() {
            line(&mut out, &format!("LOCATION:{}", text(&e.location)));
        }
        if !e.description.is_empty() {
            line(&mut out, &format!("DESCRIPTION:{}", text(&e.description)));
        }
        if let Some(url) = &e.url {
            line(&mut out, &format!("URL:{}", url.replace(['\r', '\n'], "")));
        }
        line(&mut out, if e.cancelled || method == Method::Cancel { "STATUS:CANCELLED" } else { "STATUS:CONFIRMED" });
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value escaped: backslash, semicolon, comma and newlines (RFC 5545 3.3.11).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line ended by CRLF and folded so that no line is longer than 75 octets, never
/// inside a character (RFC 5545 3.1).
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        Event {
            uid: "slot-1-7@groundgame".into(),
            sequence: 2,
            starts: DateTime::parse_from_rfc3339("2017-06-03T09:00:00Z").unwrap().with_timezone(&Utc),
            ends: DateTime::parse_from_rfc3339("2017-06-03T12:00:00Z").unwrap().with_timezone(&Utc),
            summary: "Canvassing, Darley; bring a pen".into(),
            location: "Darley Park café, Derby DE22 1DX".into(),
            description: "Meet at the café.\nWalks are handed out at 10:00, then we go. ".repeat(3),
            url: Some("https://example.org/v/abc".into()),
            cancelled: false,
        }
    }

    #[test]
    fn an_event_is_escaped_folded_and_in_utc() {
        let stamped = DateTime::parse_from_rfc3339("2017-06-01T08:00:00Z").unwrap().with_timezone(&Utc);
        let ics = calendar(&[event()], Method::Publish, Some("My sessions"), stamped);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.contains("\r\nDTSTART:20170603T090000Z\r\n"));
        assert!(ics.contains("\r\nSUMMARY:Canvassing\\, Darley\\; bring a pen\r\n"));
        assert!(ics.contains("\r\nSEQUENCE:2\r\n") && ics.contains("STATUS:CONFIRMED"));
        for l in ics.split("\r\n") {
            assert!(l.len() <= 75, "{l:?} is {} octets", l.len());
        }
        // Unfolded, the description is whole again, its newlines escaped.
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains("DESCRIPTION:Meet at the café.\\nWalks are handed out"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "every line ends in CRLF");
    }

    #[test]
    fn a_cancelled_event_says_so() {
        let ics = calendar(&[event()], Method::Cancel, None, Utc::now());
        assert!(ics.contains("METHOD:CANCEL\r\n") && ics.contains("STATUS:CANCELLED\r\n") && !ics.contains("X-WR-CALNAME"));
    }
}
