//! Texting's rules, within PECR and the ICO's guidance: when a text may go (09:00 to 21:00 UK
//! time), which replies are an opt-out, and what a template may say and how it is filled in for
//! each person (always saying who it is from and how to stop them).

use chrono::{DateTime, Duration, NaiveTime, Utc};

use crate::time::{uk_instant, uk_local};
use crate::Invalid;

/// The first minute of the day a text may go, UK time.
pub const SENDING_STARTS: (u32, u32) = (9, 0);
/// The minute texts stop, UK time.
pub const SENDING_ENDS: (u32, u32) = (21, 0);

/// Whether a text may go at `at`; if not, the moment it next may (09:00 UK time).
pub fn sending_hours(at: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
    let local = uk_local(at);
    let starts = NaiveTime::from_hms_opt(SENDING_STARTS.0, SENDING_STARTS.1, 0).expect("a time");
    let ends = NaiveTime::from_hms_opt(SENDING_ENDS.0, SENDING_ENDS.1, 0).expect("a time");
    let time = local.time();
    if time >= starts && time < ends {
        return Ok(());
    }
    let day = if time >= ends { local.date() + Duration::days(1) } else { local.date() };
    Err(uk_instant(day.and_time(starts)))
}

/// Whether a reply asks to hear no more. A message that is only an opt-out word (STOP,
/// UNSUBSCRIBE, CANCEL, END, QUIT, STOPALL, with punctuation or "please"), or that says so in
/// words ("remove me", "take me off", "opt out", "stop texting", "don't text me"), opts out; a
/// reply that merely contains "stop" in a sentence ("can't stop at 5") does not.
pub fn opts_out(reply: &str) -> bool {
    let words: Vec<String> = reply
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('\'', ""))
        .collect();
    const ALONE: [&str; 7] = ["stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout"];
    const POLITE: [&str; 5] = ["please", "thanks", "thank", "you", "now"];
    if !words.is_empty()
        && words.iter().any(|w| ALONE.contains(&w.as_str()))
        && words.iter().all(|w| ALONE.contains(&w.as_str()) || POLITE.contains(&w.as_str()))
    {
        return true;
    }
    let text = format!(" {} ", words.join(" "));
    const SAID: [&str; 12] = [
        " remove me ",
        " remove my number ",
        " take me off ",
        " opt out ",
        " opt me out ",
        " unsubscribe ",
        " stop texting ",
        " stop messaging ",
        " stop sending ",
        " dont text ",
        " do not text ",
        " no more texts ",
    ];
    SAID.iter().any(|s| text.contains(s))
}

/// What a template may fill in for each person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    FirstName,
    Campaign,
    /// The volunteer's next booked session: its name, day and time.
    Session,
    /// The elector's polling station.
    PollingStation,
}

impl Field {
    pub const ALL: [Field; 4] = [Field::FirstName, Field::Campaign, Field::Session, Field::PollingStation];

    pub fn name(self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::Campaign => "campaign",
            Field::Session => "session",
            Field::PollingStation => "polling_station",
        }
    }
}

/// The longest text sent: four SMS parts.
pub const LONGEST: usize = 612;

/// A template's words, checked: every `{field}` is one of [`Field::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    body: String,
}

impl Template {
    pub fn parse(body: &str) -> Result<Template, Invalid> {
        let body = body.trim();
        if body.is_empty() {
            return Err(Invalid::new("a template needs some words"));
        }
        if body.chars().count() > LONGEST {
            return Err(Invalid::new(format!(
                "a template is at most {LONGEST} characters (four texts); this one is {}",
                body.chars().count()
            )));
        }
        for piece in pieces(body) {
            if let Piece::Field(name) = piece {
                if !Field::ALL.iter().any(|f| f.name() == name) {
                    let known: Vec<String> = Field::ALL.iter().map(|f| format!("{{{}}}", f.name())).collect();
                    return Err(Invalid::new(format!("{{{name}}} is not a field a text can fill in: use {}", known.join(", "))));
                }
            } else if let Piece::Unclosed = piece {
                return Err(Invalid::new("a { opens a field that no } closes: write fields like {first_name}"));
            }
        }
        Ok(Template { body: body.to_owned() })
    }

    pub fn as_str(&self) -> &str {
        &self.body
    }

    /// The fields it uses.
    pub fn fields(&self) -> Vec<Field> {
        Field::ALL.into_iter().filter(|f| self.body.contains(&format!("{{{}}}", f.name()))).collect()
    }

    /// The text for one person: the fields filled in, and (if the words do not already) who it is
    /// from and how to stop more. A field the person has no value for is an error naming it.
    pub fn fill(&self, value: impl Fn(Field) -> Option<String>, campaign: &str) -> Result<String, Invalid> {
        let mut out = String::new();
        for piece in pieces(&self.body) {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Field(name) => {
                    let field = Field::ALL.into_iter().find(|f| f.name() == name).expect("checked when parsed");
                    let v = if field == Field::Campaign { Some(campaign.to_owned()) } else { value(field) };
                    match v {
                        Some(v) if !v.trim().is_empty() => out.push_str(v.trim()),
                        _ => {
                            return Err(Invalid::new(format!(
                                "this person has no {} for the template's {{{name}}}",
                                name.replace('_', " ")
                            )))
                        }
                    }
                }
                Piece::Unclosed => unreachable!("checked when parsed"),
            }
        }
        Ok(signed(out, campaign))
    }
}

/// A text as it goes: saying who it is from and how to stop them, unless its words already do.
pub fn signed(mut out: String, campaign: &str) -> String {
    let end_sentence = |out: &mut String| {
        if out.ends_with(|c: char| c.is_alphanumeric()) {
            out.push('.');
        }
    };
    if !out.contains(campaign) {
        end_sentence(&mut out);
        out.push_str(&format!(" From {campaign}."));
    }
    if !out.to_lowercase().contains("stop") {
        end_sentence(&mut out);
        out.push_str(" Reply STOP to stop these texts.");
    }
    out
}

enum Piece<'a> {
    Text(&'a str),
    Field(&'a str),
    Unclosed,
}

fn pieces(body: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        out.push(Piece::Text(&rest[..open]));
        match rest[open..].find('}') {
            Some(close) => {
                out.push(Piece::Field(rest[open + 1..open + close].trim()));
                rest = &rest[open + close + 1..];
            }
            None => {
                out.push(Piece::Unclosed);
                return out;
            }
        }
    }
    out.push(Piece::Text(rest));
    out
}

/// Where a text stands, as the provider reports it. Only `Delivered` counts as a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Delivery {
    /// In our outbox: no provider has it yet.
    Waiting,
    /// The provider took it.
    Sent,
    Delivered,
    Undelivered,
    Failed,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Waiting => "waiting",
            Delivery::Sent => "sent",
            Delivery::Delivered => "delivered",
            Delivery::Undelivered => "undelivered",
            Delivery::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Delivery> {
        [Delivery::Waiting, Delivery::Sent, Delivery::Delivered, Delivery::Undelivered, Delivery::Failed]
            .into_iter()
            .find(|d| d.as_str() == s)
    }

    /// A provider's message status (Twilio's words): None for one that says nothing new.
    pub fn from_provider(status: &str) -> Option<Delivery> {
        match status.to_ascii_lowercase().as_str() {
            "accepted" | "scheduled" | "queued" | "sending" | "sent" => Some(Delivery::Sent),
            "delivered" | "read" => Some(Delivery::Delivered),
            "undelivered" => Some(Delivery::Undelivered),
            "failed" | "canceled" => Some(Delivery::Failed),
            _ => None,
        }
    }

    /// Whether a report of `next` may replace this one: callbacks arrive in any order, and a late
    /// "sent" must not undo "delivered".
    pub fn may_become(self, next: Delivery) -> bool {
        match self {
            Delivery::Waiting | Delivery::Sent => next > self,
            Delivery::Delivered | Delivery::Undelivered | Delivery::Failed => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn texts_go_between_nine_and_nine_uk_time_across_the_clock_change() {
        // Winter: UK time is UTC.
        assert!(sending_hours(utc(2026, 1, 15, 9, 0)).is_ok());
        assert_eq!(sending_hours(utc(2026, 1, 15, 8, 59)), Err(utc(2026, 1, 15, 9, 0)));
        assert_eq!(sending_hours(utc(2026, 1, 15, 21, 0)), Err(utc(2026, 1, 16, 9, 0)));
        assert!(sending_hours(utc(2026, 1, 15, 20, 59)).is_ok());
        // Summer: UK time is UTC+1, so 08:30 UTC is 09:30 there, and 20:00 UTC is 21:00.
        assert!(sending_hours(utc(2026, 6, 15, 8, 30)).is_ok());
        assert_eq!(sending_hours(utc(2026, 6, 15, 7, 59)), Err(utc(2026, 6, 15, 8, 0)));
        assert_eq!(sending_hours(utc(2026, 6, 15, 20, 0)), Err(utc(2026, 6, 16, 8, 0)));
        // The night the clocks go forward (29 March 2026, 01:00 UTC): at 22:00 UTC on the 28th
        // (22:00 GMT) the next chance is 09:00 BST on the 29th, 08:00 UTC.
        assert_eq!(sending_hours(utc(2026, 3, 28, 22, 0)), Err(utc(2026, 3, 29, 8, 0)));
        // And back (25 October 2026, 01:00 UTC): at 20:30 UTC on the 24th it is 21:30 BST, and
        // the next chance is 09:00 GMT on the 25th, 09:00 UTC.
        assert_eq!(sending_hours(utc(2026, 10, 24, 20, 30)), Err(utc(2026, 10, 25, 9, 0)));
        assert!(sending_hours(utc(2026, 10, 25, 20, 30)).is_ok(), "20:30 GMT after the change");
    }

    #[test]
    fn an_opt_out_is_a_word_alone_or_said_in_words() {
        for stop in [
            "STOP",
            "stop",
            " Stop. ",
            "STOP!!",
            "stop please",
            "Unsubscribe",
            "STOPALL",
            "cancel",
            "Please remove me from your list",
            "take me off this",
            "Opt out",
            "stop texting me",
            "Don't text me again",
            "no more texts thanks",
            "END",
            "quit",
        ] {
            assert!(opts_out(stop), "{stop:?}");
        }
        for talk in [
            "Can't stop at 5, sorry",
            "I'll vote Labour",
            "When does the session end tomorrow?",
            "Yes please",
            "",
            "Stop by the office?",
            "who is this",
        ] {
            assert!(!opts_out(talk), "{talk:?}");
        }
    }

    #[test]
    fn a_template_fills_in_each_person_and_says_who_it_is_from_and_how_to_stop() {
        let t = Template::parse("Hi {first_name}, it's {campaign}: can you help on Saturday?").unwrap();
        assert_eq!(t.fields(), vec![Field::FirstName, Field::Campaign]);
        let text = t.fill(|f| (f == Field::FirstName).then(|| "Asha".to_owned()), "Derby North Labour").unwrap();
        assert_eq!(text, "Hi Asha, it's Derby North Labour: can you help on Saturday? Reply STOP to stop these texts.");
        let plain = Template::parse("Polling day is Thursday. Your station: {polling_station}").unwrap();
        let text = plain.fill(|_| Some("St Mark's Church Hall".into()), "Derby North Labour").unwrap();
        assert_eq!(
            text,
            "Polling day is Thursday. Your station: St Mark's Church Hall. From Derby North Labour. Reply STOP to stop these texts."
        );
        let missing = Template::parse("See you at {session}").unwrap().fill(|_| None, "X").unwrap_err();
        assert!(missing.to_string().contains("no session"), "{missing}");
        let unknown = Template::parse("Hi {surname}").unwrap_err();
        assert!(unknown.to_string().contains("{surname} is not a field") && unknown.to_string().contains("{first_name}"), "{unknown}");
        assert!(Template::parse("Hi {first_name").unwrap_err().to_string().contains("no } closes"));
        assert!(Template::parse("   ").is_err());
        assert!(Template::parse(&"x".repeat(LONGEST + 1)).unwrap_err().to_string().contains("612"));
    }

    #[test]
    fn a_late_status_never_undoes_a_later_one() {
        assert_eq!(Delivery::from_provider("queued"), Some(Delivery::Sent));
        assert_eq!(Delivery::from_provider("delivered"), Some(Delivery::Delivered));
        assert_eq!(Delivery::from_provider("receiving"), None);
        assert!(Delivery::Waiting.may_become(Delivery::Sent));
        assert!(Delivery::Sent.may_become(Delivery::Delivered));
        assert!(!Delivery::Delivered.may_become(Delivery::Sent));
        assert!(!Delivery::Failed.may_become(Delivery::Delivered));
        assert!(!Delivery::Sent.may_become(Delivery::Sent));
    }
}
