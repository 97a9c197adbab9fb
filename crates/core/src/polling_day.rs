//! Polling day: who is a promise, how many promises the seat needs, and how a teller's number
//! reads. Pure rules; the store keeps the tellings and the committee room reads them.

use crate::elector::{ElectorNumber, PollingDistrict};
use crate::error::Checked;
use crate::survey::GONE;

/// Polls open at 07:00 and close at 22:00, UK time.
pub const POLLS_OPEN_HOUR: u32 = 7;
pub const POLLS_CLOSE_HOUR: u32 = 22;

/// The share of promises expected to vote when nothing has been measured: two thirds.
pub const DEFAULT_PROMISE_TURNOUT: f64 = 2.0 / 3.0;

/// An assumed share (in percent) of a day's votes cast in each hour from 07:00 (the first) to
/// 21:00 (the last): a rush before work, a quiet middle of the day, and most votes between 4 and
/// 8 pm. Not measured: it sets what "on course" means until a marked register says better.
pub const VOTING_BY_HOUR: [u8; 15] = [8, 8, 6, 5, 5, 5, 5, 5, 6, 7, 9, 10, 9, 7, 5];

/// The share of the day's votes cast by `hour:minute` (UK time), by [`VOTING_BY_HOUR`].
pub fn share_voted_by(hour: u32, minute: u32) -> f64 {
    let at = f64::from(hour) + f64::from(minute.min(59)) / 60.0;
    let mut done = 0.0;
    for (i, share) in VOTING_BY_HOUR.iter().enumerate() {
        let start = f64::from(POLLS_OPEN_HOUR) + i as f64;
        done += f64::from(*share) * (at - start).clamp(0.0, 1.0);
    }
    done / 100.0
}

/// What counts as a promise: an elector whose latest intention is the campaign's party with at
/// least this certainty (1 to 5), or whom an organiser added by hand, and who has not moved or
/// died.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromiseRule {
    pub min_certainty: u8,
}

impl Default for PromiseRule {
    fn default() -> Self {
        PromiseRule { min_certainty: 4 }
    }
}

impl PromiseRule {
    /// Whether an elector's latest answers (or an organiser's hand, `by_hand`) make them a
    /// promise. A certainty not asked is not a promise: a "probably" is not a promise to vote. An
    /// elector added by hand stays a promise whatever the doorstep said later, unless they moved
    /// or died.
    pub fn is_promise(&self, party: &str, intention: Option<&str>, certainty: Option<u8>, outcome: Option<&str>, by_hand: bool) -> bool {
        let answered = intention.is_some_and(|i| i.eq_ignore_ascii_case(party)) && certainty.is_some_and(|c| c >= self.min_certainty);
        (answered || by_hand) && !outcome.is_some_and(|o| GONE.contains(&o))
    }
}

/// What a knocker hears at a promise's door on polling day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoorAnswer {
    /// They have voted: off the list, counted as voted.
    Voted,
    /// They say they will: stays on the list for a later round.
    WillVote,
    /// Nobody answered: stays on the list, for the next round.
    NotIn,
    /// They need a lift to the polling station: stays on the list, and the committee room sees it.
    NeedsLift,
    /// Do not knock this door again today (the whole door): off today's list.
    DoNotReturn,
}

impl DoorAnswer {
    pub const ALL: [DoorAnswer; 5] =
        [DoorAnswer::Voted, DoorAnswer::WillVote, DoorAnswer::NotIn, DoorAnswer::NeedsLift, DoorAnswer::DoNotReturn];

    pub fn as_str(self) -> &'static str {
        match self {
            DoorAnswer::Voted => "voted",
            DoorAnswer::WillVote => "will_vote",
            DoorAnswer::NotIn => "not_in",
            DoorAnswer::NeedsLift => "needs_lift",
            DoorAnswer::DoNotReturn => "do_not_return",
        }
    }

    pub fn parse(s: &str) -> Option<DoorAnswer> {
        DoorAnswer::ALL.into_iter().find(|a| a.as_str() == s.trim())
    }

    /// Whether the answer is about the whole door rather than one elector.
    pub fn whole_door(self) -> bool {
        matches!(self, DoorAnswer::DoNotReturn | DoorAnswer::NotIn)
    }

    /// Whether the elector (or, for a whole-door answer, everyone at the door) leaves today's list.
    pub fn drops(self) -> bool {
        matches!(self, DoorAnswer::Voted | DoorAnswer::DoNotReturn)
    }

    /// Whether the answer holds for the rest of the day. The others ("not in", "will vote") are
    /// cleared when the committee room starts the walk's next knock-up round: that door is
    /// knocked again.
    pub fn holds_all_day(self) -> bool {
        matches!(self, DoorAnswer::Voted | DoorAnswer::DoNotReturn | DoorAnswer::NeedsLift)
    }
}

/// What a postal voter promise says when asked whether their postal vote is posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostalChase {
    /// It is in the post (or handed in): their vote is cast, off the knock-up list.
    Posted,
    /// Not yet: ask again, and on the day remind them to hand it in at a polling station.
    NotYet,
    /// Lost, spoilt or never came: the council issues a replacement until 5 pm on polling day.
    NeedsReplacement,
}

impl PostalChase {
    pub const ALL: [PostalChase; 3] = [PostalChase::Posted, PostalChase::NotYet, PostalChase::NeedsReplacement];

    pub fn as_str(self) -> &'static str {
        match self {
            PostalChase::Posted => "posted",
            PostalChase::NotYet => "not_yet",
            PostalChase::NeedsReplacement => "needs_replacement",
        }
    }

    pub fn parse(s: &str) -> Option<PostalChase> {
        PostalChase::ALL.into_iter().find(|a| a.as_str() == s.trim())
    }

    /// In the campaign's words, for pages and sheets.
    pub fn label(self) -> &'static str {
        match self {
            PostalChase::Posted => "Posted",
            PostalChase::NotYet => "Not posted yet",
            PostalChase::NeedsReplacement => "Needs a replacement",
        }
    }
}

/// How many promises the seat needs: the votes needed, over the share of promises expected to
/// vote (a share outside 1% to 100% is taken as the default).
pub fn promises_needed(votes_needed: u64, turnout: f64) -> u64 {
    let turnout = if (0.01..=1.0).contains(&turnout) { turnout } else { DEFAULT_PROMISE_TURNOUT };
    (votes_needed as f64 / turnout).ceil() as u64
}

/// An elector number as a teller types it at a polling station whose district is `district`:
/// `888`, `888/8`, `888.8` or `888-8`, with or without spaces, or the whole number (`NA1-888/8`)
/// when a station serves more than one district.
pub fn teller_number(district: &str, typed: &str) -> Checked<ElectorNumber> {
    let t: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return Err("type the number on the voter's poll card or as the voter gave it".into());
    }
    if t.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return ElectorNumber::parse(&t);
    }
    let district = PollingDistrict::parse(district)?;
    let (number, suffix) = match t.split_once(['/', '.', '-']) {
        Some((n, s)) => (n, s),
        None => (t.as_str(), ""),
    };
    ElectorNumber::from_parts(district.as_str(), number, suffix)
        .map_err(|_| format!("'{}' is not an elector number: type it as printed, such as 124 or 124/1", typed.trim()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_promise_is_our_party_for_certain_and_still_here() {
        let rule = PromiseRule::default();
        assert!(rule.is_promise("Lab", Some("Lab"), Some(4), None, false));
        assert!(rule.is_promise("Lab", Some("lab"), Some(5), Some("NI"), false));
        assert!(!rule.is_promise("Lab", Some("Lab"), Some(3), None, false), "a maybe is not a promise");
        assert!(!rule.is_promise("Lab", Some("Lab"), None, None, false), "certainty not asked");
        assert!(!rule.is_promise("Lab", Some("Con"), Some(5), None, false));
        assert!(!rule.is_promise("Lab", Some("Lab"), Some(5), Some("moved"), false));
        assert!(PromiseRule { min_certainty: 3 }.is_promise("Lab", Some("Lab"), Some(3), None, false));
        assert!(rule.is_promise("Lab", None, None, None, true), "added by hand, never canvassed");
        assert!(rule.is_promise("Lab", Some("Con"), Some(2), None, true), "added by hand whatever the doorstep said");
        assert!(!rule.is_promise("Lab", None, None, Some("deceased"), true), "but not once they died");
    }

    #[test]
    fn promises_needed_is_the_votes_over_the_turnout() {
        // Derby North 2015: lost by 41; with two thirds of promises voting, 62 more promises.
        assert_eq!(promises_needed(41, DEFAULT_PROMISE_TURNOUT), 62);
        assert_eq!(promises_needed(41, 0.5), 82);
        assert_eq!(promises_needed(41, 0.0), 62, "an unmeasured turnout is the default");
        assert_eq!(promises_needed(0, 0.7), 0);
    }

    #[test]
    fn door_answers_read_back_and_say_who_drops_off() {
        for a in DoorAnswer::ALL {
            assert_eq!(DoorAnswer::parse(a.as_str()), Some(a));
        }
        assert_eq!(DoorAnswer::parse("maybe"), None);
        assert!(DoorAnswer::Voted.drops() && DoorAnswer::DoNotReturn.drops());
        assert!(!DoorAnswer::NotIn.drops() && !DoorAnswer::WillVote.drops() && !DoorAnswer::NeedsLift.drops());
        assert!(DoorAnswer::DoNotReturn.whole_door() && !DoorAnswer::Voted.whole_door());
        assert!(DoorAnswer::Voted.holds_all_day() && DoorAnswer::NeedsLift.holds_all_day());
        assert!(!DoorAnswer::NotIn.holds_all_day() && !DoorAnswer::WillVote.holds_all_day(), "cleared by the next round");
        for a in PostalChase::ALL {
            assert_eq!(PostalChase::parse(a.as_str()), Some(a));
        }
        assert_eq!(PostalChase::parse("lost"), None);
    }

    #[test]
    fn the_day_votes_mostly_in_the_evening() {
        assert_eq!(VOTING_BY_HOUR.iter().map(|&s| u32::from(s)).sum::<u32>(), 100);
        assert_eq!(share_voted_by(6, 30), 0.0, "before the polls open");
        assert!((share_voted_by(8, 0) - 0.08).abs() < 1e-9);
        assert!((share_voted_by(7, 30) - 0.04).abs() < 1e-9, "half of the first hour");
        assert!((share_voted_by(22, 0) - 1.0).abs() < 1e-9, "everyone by close of poll");
        assert!((share_voted_by(23, 10) - 1.0).abs() < 1e-9);
        assert!((share_voted_by(20, 0) - share_voted_by(16, 0) - 0.35).abs() < 1e-9, "a third of the day's votes from 4 to 8 pm");
    }

    #[test]
    fn numbers_read_as_tellers_type_them() {
        let n = |d: &str, t: &str| teller_number(d, t).map(|n| n.to_string());
        assert_eq!(n("NA1", "888").unwrap(), "NA1-888");
        assert_eq!(n("NA1", "888/8").unwrap(), "NA1-888/8");
        assert_eq!(n("na1", " 888.8 ").unwrap(), "NA1-888/8");
        assert_eq!(n("NA1", "888-8").unwrap(), "NA1-888/8");
        assert_eq!(n("NA1", "88 8").unwrap(), "NA1-888");
        assert_eq!(n("NA1", "NB2-14/1").unwrap(), "NB2-14/1", "the whole number names its own district");
        assert!(n("NA1", "").unwrap_err().message().contains("type the number"));
        assert!(n("NA1", "12a").unwrap_err().message().contains("'12a' is not an elector number"));
        assert!(n("NA1", "0").is_err());
        assert!(n("", "12").is_err(), "no district");
    }
}
