//! Phone banking's rules: who a call list takes from the canvass, what a call's outcome means for
//! when (and whether) the person is called again, which numbers may be called at all (the TPS and
//! CTPS, with consent, and never one whose person asked us not to), and the words a caller opens
//! with.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Invalid;

/// Who a call list takes from the canvass. Every part given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallFilter {
    /// Their latest voting intention is one of these (for example "undecided"); empty: any.
    #[serde(default)]
    pub intentions: Vec<String>,
    /// They were at most this sure of it (1 to 5), or have not said.
    #[serde(default)]
    pub max_certainty: Option<u8>,
    /// They live in one of these polling districts; empty: any.
    #[serde(default)]
    pub districts: Vec<String>,
    /// Not contacted (at the door or on the phone) for at least this many days; never contacted
    /// counts too.
    #[serde(default)]
    pub not_contacted_days: Option<u32>,
    /// Only promises who have not yet voted (polling day's phone bank).
    #[serde(default)]
    pub promises_not_voted: bool,
}

impl CallFilter {
    pub fn checked(mut self) -> Result<CallFilter, Invalid> {
        for list in [&mut self.intentions, &mut self.districts] {
            for v in list.iter_mut() {
                *v = v.trim().to_owned();
            }
            list.retain(|v| !v.is_empty());
            list.sort();
            list.dedup();
        }
        if self.intentions.len() > 20 || self.districts.len() > 200 {
            return Err(Invalid::new("a call list names at most 20 intentions and 200 polling districts"));
        }
        if self.max_certainty.is_some_and(|c| !(1..=5).contains(&c)) {
            return Err(Invalid::new("certainty is from 1 to 5"));
        }
        if self.not_contacted_days.is_some_and(|d| d > 3650) {
            return Err(Invalid::new("'not contacted for' is at most 3650 days"));
        }
        Ok(self)
    }

    /// The filter in words, for the list's page.
    pub fn in_words(&self) -> String {
        let mut parts = Vec::new();
        if self.promises_not_voted {
            parts.push("promises not yet voted".to_owned());
        }
        if !self.intentions.is_empty() {
            parts.push(format!("intention {}", self.intentions.join(" or ")));
        }
        if let Some(c) = self.max_certainty {
            parts.push(format!("certainty at most {c}"));
        }
        if !self.districts.is_empty() {
            parts.push(format!("in {}", self.districts.join(", ")));
        }
        if let Some(d) = self.not_contacted_days {
            parts.push(format!("not contacted for {d} days"));
        }
        if parts.is_empty() {
            "everyone on the register".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

/// What came of a call: what the line did (nobody to talk to), or what the person said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    // The line.
    Busy,
    NoAnswer,
    LeftMessage,
    WrongNumber,
    // The person.
    /// They talked: their answers are the survey's.
    Talked,
    /// They would not talk.
    Refused,
    /// Not now: call back after the time they gave.
    CallBack,
    /// They asked us not to call again: the number is screened out for good.
    AskedNotToCall,
}

impl Outcome {
    pub const ALL: [Outcome; 8] = [
        Outcome::Talked,
        Outcome::CallBack,
        Outcome::Refused,
        Outcome::AskedNotToCall,
        Outcome::NoAnswer,
        Outcome::Busy,
        Outcome::LeftMessage,
        Outcome::WrongNumber,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Busy => "busy",
            Outcome::NoAnswer => "no_answer",
            Outcome::LeftMessage => "left_message",
            Outcome::WrongNumber => "wrong_number",
            Outcome::Talked => "talked",
            Outcome::Refused => "refused",
            Outcome::CallBack => "call_back",
            Outcome::AskedNotToCall => "asked_not_to_call",
        }
    }

    pub fn parse(code: &str) -> Result<Outcome, Invalid> {
        Outcome::ALL.into_iter().find(|o| o.code() == code).ok_or_else(|| {
            Invalid::new(format!("'{code}' is not a call outcome: use one of {}", Outcome::ALL.map(Outcome::code).join(", ")))
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Busy => "Busy",
            Outcome::NoAnswer => "No answer",
            Outcome::LeftMessage => "Left a message",
            Outcome::WrongNumber => "Wrong number",
            Outcome::Talked => "Talked",
            Outcome::Refused => "Would not talk",
            Outcome::CallBack => "Call back later",
            Outcome::AskedNotToCall => "Asked not to be called",
        }
    }

    /// Whether the outcome is the line's (nobody spoke) rather than the person's.
    pub fn is_the_lines(self) -> bool {
        matches!(self, Outcome::Busy | Outcome::NoAnswer | Outcome::LeftMessage | Outcome::WrongNumber)
    }
}

/// How many times the line may fail before the person is left as unreachable.
pub const MOST_ATTEMPTS: i64 = 3;

/// The longest a call-back may be put off.
pub const LONGEST_CALL_BACK_DAYS: i64 = 60;

/// What happens to the person after a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Off the list, with why.
    Done(&'static str),
    /// Called again, not before this time.
    Again(DateTime<Utc>),
}

/// What follows a call's outcome: the `attempts`-th try (counting this one), on a list that waits
/// `cooldown` between tries, at the server's time `now`; `call_back` is when the person asked to
/// be called back (for [`Outcome::CallBack`] only), refused when past or too far off.
pub fn after(
    outcome: Outcome,
    attempts: i64,
    cooldown: Duration,
    call_back: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Next, Invalid> {
    Ok(match outcome {
        Outcome::Talked => Next::Done("talked"),
        Outcome::Refused => Next::Done("refused"),
        Outcome::WrongNumber => Next::Done("wrong_number"),
        Outcome::AskedNotToCall => Next::Done("asked_not_to"),
        Outcome::CallBack => {
            let at = call_back.ok_or_else(|| Invalid::new("say when to call back"))?;
            if at <= now {
                return Err(Invalid::new("the time to call back is already past: give a later one"));
            }
            if at > now + Duration::days(LONGEST_CALL_BACK_DAYS) {
                return Err(Invalid::new(format!("a call-back is at most {LONGEST_CALL_BACK_DAYS} days away")));
            }
            Next::Again(at)
        }
        Outcome::Busy | Outcome::NoAnswer | Outcome::LeftMessage if attempts >= MOST_ATTEMPTS => Next::Done("unreachable"),
        Outcome::Busy | Outcome::NoAnswer | Outcome::LeftMessage => Next::Again(now + cooldown),
    })
}

/// The Telephone Preference Service's lists, and the campaign's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Screen {
    /// The Telephone Preference Service (people).
    Tps,
    /// The Corporate TPS (organisations).
    Ctps,
    /// People who asked this campaign not to call them.
    Asked,
}

impl Screen {
    pub fn code(self) -> &'static str {
        match self {
            Screen::Tps => "tps",
            Screen::Ctps => "ctps",
            Screen::Asked => "asked",
        }
    }

    pub fn parse(code: &str) -> Result<Screen, Invalid> {
        match code.trim().to_ascii_lowercase().as_str() {
            "tps" => Ok(Screen::Tps),
            "ctps" => Ok(Screen::Ctps),
            "asked" => Ok(Screen::Asked),
            other => Err(Invalid::new(format!("'{other}' is not a screening list: use tps or ctps"))),
        }
    }
}

/// Whether a number may be called: never when its person asked us not to; not when it is on the
/// TPS or CTPS, unless the person agreed to our calls; otherwise yes (live calls need no consent
/// under PECR).
pub fn may_call(screens: &[Screen], call_consent: bool) -> bool {
    if screens.contains(&Screen::Asked) {
        return false;
    }
    call_consent || screens.is_empty()
}

/// The numbers of a TPS or CTPS file (one number a line, the first field of a CSV line), as
/// E.164. A header line or a blank one is skipped; a line that is not a number is refused with its
/// line number, so a wrong file is not half-loaded.
pub fn screened_numbers(file: &str) -> Result<Vec<String>, Invalid> {
    let mut out = Vec::new();
    for (i, line) in file.lines().enumerate() {
        let field = line.split([',', '\t', ';']).next().unwrap_or("").trim().trim_matches('"');
        if field.is_empty() || (i == 0 && !field.chars().any(|c| c.is_ascii_digit())) {
            continue;
        }
        let digits: String = field.chars().filter(char::is_ascii_digit).collect();
        // The TPS files leave off the leading 0 of a national number.
        let given = if !field.starts_with(['+', '0']) && digits.len() == 10 { format!("0{digits}") } else { field.to_owned() };
        let phone = crate::contact_details::Phone::parse(&given).map_err(|e| e.at(format!("line {}", i + 1)))?;
        out.push(phone.e164().to_owned());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A line of a matched list: an elector's number on the register, a phone number for them, and
/// what they agreed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedNumber {
    /// Its line in the file.
    pub line: usize,
    /// The elector number as the register has it ("AB1-23", "AB1-23/1").
    pub elector_number: String,
    /// E.164.
    pub phone: String,
    pub sms: bool,
    pub calls: bool,
}

/// The most lines a matched list may have.
pub const LONGEST_MATCHED_LIST: usize = 500_000;

/// A matched list, as a data officer uploads it: a CSV file whose header names the columns
/// `elector_number` and `phone`, and optionally `sms` and `calls` (yes or no: whether the person
/// agreed to texts, and to calls). A line that is wrong is refused with its line number and
/// nothing of the file is kept; the same elector and phone twice keeps the later line.
pub fn matched_list(file: &str) -> Result<Vec<MatchedNumber>, Invalid> {
    // The reader passes over blank lines without counting them: kept as empty records, every
    // line number said is the file's own.
    let file: String = file.lines().map(|l| if l.trim().is_empty() { "," } else { l }).collect::<Vec<_>>().join("\n");
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(file.as_bytes());
    let headers = reader.headers().map_err(|e| Invalid::new(format!("the first line is not a CSV header: {e}")))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(elector), Some(phone)) = (column("elector_number"), column("phone")) else {
        return Err(Invalid::new(format!(
            "the first line names the columns: elector_number and phone (and sms and calls, yes or no); it has: {}",
            headers.iter().collect::<Vec<_>>().join(", ")
        )));
    };
    let (sms, calls) = (column("sms"), column("calls"));
    let mut out: Vec<MatchedNumber> = Vec::new();
    let mut seen: std::collections::HashMap<(String, String), usize> = std::collections::HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Invalid::new(format!("line {} is not CSV: {e}", i + 2)))?;
        // Blank lines are skipped by the reader: the line is the file's own.
        let line = record.position().map_or(i + 2, |p| p.line() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if out.len() >= LONGEST_MATCHED_LIST {
            return Err(Invalid::new(format!("a matched list has at most {LONGEST_MATCHED_LIST} lines: split the file")));
        }
        let field = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("");
        let elector_number = field(Some(elector)).to_owned();
        if elector_number.is_empty() {
            return Err(Invalid::new(format!("line {line} has no elector number")));
        }
        let number = crate::contact_details::Phone::parse(field(Some(phone))).map_err(|e| e.at(format!("line {line}")))?;
        let yes = |c: Option<usize>, what: &str| match field(c).to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "1" => Ok(true),
            "no" | "n" | "false" | "0" | "" => Ok(false),
            other => Err(Invalid::new(format!("line {line}: {what} is yes or no, not \"{other}\""))),
        };
        let m = MatchedNumber { line, elector_number, phone: number.e164().to_owned(), sms: yes(sms, "sms")?, calls: yes(calls, "calls")? };
        match seen.get(&(m.elector_number.clone(), m.phone.clone())) {
            Some(&at) => out[at] = m,
            None => {
                seen.insert((m.elector_number.clone(), m.phone.clone()), out.len());
                out.push(m);
            }
        }
    }
    if out.is_empty() {
        return Err(Invalid::new("the file has no lines after its header"));
    }
    Ok(out)
}

/// What the caller says first: who they are, who they call for, and that the person can ask not
/// to be called again (the ICO asks callers to identify the campaign and offer an opt-out).
pub fn introduction(their_first_name: &str, caller_first_name: &str, campaign: &str) -> String {
    let them = if their_first_name.is_empty() { "there" } else { their_first_name };
    format!(
        "Hello, is that {them}? My name is {caller_first_name}, and I'm a volunteer calling for {campaign}. \
         Have you got a couple of minutes? (If they would rather we did not call again, say we won't, \
         and choose \"Asked not to be called\".)"
    )
}

/// A number as a caller dials it: the tel: link's target.
pub fn tel_link(e164: &str) -> String {
    format!("tel:{e164}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 18, 0, 0).unwrap()
    }

    #[test]
    fn the_line_failing_tries_again_after_the_cooldown_then_gives_up() {
        let cool = Duration::hours(4);
        assert_eq!(after(Outcome::NoAnswer, 1, cool, None, now()).unwrap(), Next::Again(now() + cool));
        assert_eq!(after(Outcome::Busy, 2, cool, None, now()).unwrap(), Next::Again(now() + cool));
        assert_eq!(after(Outcome::LeftMessage, MOST_ATTEMPTS, cool, None, now()).unwrap(), Next::Done("unreachable"));
        assert_eq!(after(Outcome::WrongNumber, 1, cool, None, now()).unwrap(), Next::Done("wrong_number"));
    }

    #[test]
    fn a_call_back_is_in_the_future_and_not_too_far_off() {
        let cool = Duration::hours(4);
        assert!(after(Outcome::CallBack, 1, cool, None, now()).is_err());
        assert!(after(Outcome::CallBack, 1, cool, Some(now() - Duration::minutes(1)), now()).is_err());
        assert!(after(Outcome::CallBack, 1, cool, Some(now() + Duration::days(61)), now()).is_err());
        let at = now() + Duration::days(1);
        // Even after the most attempts: they asked for it.
        assert_eq!(after(Outcome::CallBack, 9, cool, Some(at), now()).unwrap(), Next::Again(at));
    }

    #[test]
    fn the_tps_holds_unless_they_agreed_and_asking_us_not_to_holds_always() {
        assert!(may_call(&[], false));
        assert!(!may_call(&[Screen::Tps], false));
        assert!(!may_call(&[Screen::Ctps], false));
        assert!(may_call(&[Screen::Tps], true));
        assert!(!may_call(&[Screen::Asked], true));
    }

    #[test]
    fn tps_files_are_read_with_their_leading_zero_and_a_bad_line_is_named() {
        let got = screened_numbers("Number\n1332000001\n01332 000002\n\"+441332000003\",x\n\n1332000001\n").unwrap();
        assert_eq!(got, ["+441332000001", "+441332000002", "+441332000003"]);
        let e = screened_numbers("01332000001\nnot a number\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
    }

    #[test]
    fn outcomes_are_read_by_code_and_split_line_from_person() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.code()).unwrap(), o);
        }
        assert!(Outcome::parse("maybe").unwrap_err().to_string().contains("talked"));
        assert!(Outcome::NoAnswer.is_the_lines());
        assert!(!Outcome::CallBack.is_the_lines());
    }

    #[test]
    fn filters_are_tidied_and_said_in_words() {
        let f = CallFilter {
            intentions: vec![" undecided ".into(), "".into(), "undecided".into()],
            districts: vec!["NA".into()],
            max_certainty: None,
            not_contacted_days: Some(14),
            promises_not_voted: false,
        }
        .checked()
        .unwrap();
        assert_eq!(f.intentions, ["undecided"]);
        assert_eq!(f.in_words(), "intention undecided; in NA; not contacted for 14 days");
        assert_eq!(CallFilter::default().in_words(), "everyone on the register");
    }

    #[test]
    fn the_introduction_names_the_campaign_and_offers_an_opt_out() {
        let s = introduction("Pat", "Sam", "Derby North Labour");
        assert!(s.contains("Pat") && s.contains("Sam") && s.contains("Derby North Labour") && s.contains("not call again"));
    }
    #[test]
    fn a_matched_list_names_its_columns_and_refuses_a_wrong_line_by_number() {
        let list =
            matched_list("Elector_Number,Phone,SMS,Calls\nAB1-1,07700 900001,yes,no\nAB1-2,+447700900002,,Y\n\nAB1-1,07700900001,no,yes\n")
                .unwrap();
        assert_eq!(list.len(), 2, "the same elector and phone twice: the later line");
        assert_eq!(
            list[0],
            MatchedNumber { line: 5, elector_number: "AB1-1".into(), phone: "+447700900001".into(), sms: false, calls: true }
        );
        assert_eq!((list[1].sms, list[1].calls), (false, true));
        let e = matched_list("number,mobile\nAB1-1,07700900001\n").unwrap_err();
        assert!(e.to_string().contains("elector_number and phone"), "{e}");
        let e = matched_list("elector_number,phone\nAB1-1,07700900001\nAB1-2,call me\n").unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
        let e = matched_list("elector_number,phone,sms\nAB1-1,07700900001,maybe\n").unwrap_err();
        assert!(e.to_string().contains("line 2") && e.to_string().contains("maybe"), "{e}");
        assert!(matched_list("elector_number,phone\n").is_err());
    }
}
