//! Canvassing sessions' rules: places and the waiting list, when each reminder is due, and how
//! many of those booked to expect (and so how many walks to have ready) from their history.
//!
//! A sign-up is an intent to come until its email is confirmed; confirmed, it takes a place if
//! the time has one left, and waits otherwise. A place that frees goes to whoever has waited
//! longest (confirmed first). Cancelled sign-ups hold nothing and are never counted as coming.

use chrono::{DateTime, Duration, NaiveTime, Utc};

use crate::time::{uk_instant, uk_local};

/// Where a sign-up stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standing {
    /// Signed up; the email is not confirmed yet. Holds no place.
    Pending,
    /// A place.
    Booked,
    /// Confirmed, on the waiting list.
    Waiting,
    Cancelled,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Pending => "pending",
            Standing::Booked => "booked",
            Standing::Waiting => "waiting",
            Standing::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Standing> {
        [Standing::Pending, Standing::Booked, Standing::Waiting, Standing::Cancelled].into_iter().find(|x| x.as_str() == s)
    }

    /// In words for the volunteer.
    pub fn label(self) -> &'static str {
        match self {
            Standing::Pending => "waiting for you to confirm your email",
            Standing::Booked => "you have a place",
            Standing::Waiting => "on the waiting list",
            Standing::Cancelled => "cancelled",
        }
    }
}

/// Where a newly confirmed sign-up goes, with `booked` places of `capacity` taken.
pub fn place(booked: i64, capacity: i64) -> Standing {
    if booked < capacity {
        Standing::Booked
    } else {
        Standing::Waiting
    }
}

/// The reminders of a session time. The confirmation is sent at once, not scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reminder {
    /// The day before: still coming? One tap to confirm or cancel.
    DayBefore,
    /// The morning of the session (or, for an evening session, still that morning).
    MorningOf,
    /// An hour after it ends, to the host: who came, who did not?
    HostFollowUp,
}

impl Reminder {
    pub const ALL: [Reminder; 3] = [Reminder::DayBefore, Reminder::MorningOf, Reminder::HostFollowUp];

    pub fn as_str(self) -> &'static str {
        match self {
            Reminder::DayBefore => "day_before",
            Reminder::MorningOf => "morning_of",
            Reminder::HostFollowUp => "host_follow_up",
        }
    }

    /// Whether this reminder is due `now` for a session time from `starts` to `ends`, for a place
    /// booked at `booked_at` (the host's follow-up ignores it). A reminder whose moment has passed
    /// is still sent while it is useful (a morning reminder until the session ends), and never
    /// to someone who booked after its moment (they have just had the confirmation).
    pub fn due(self, starts: DateTime<Utc>, ends: DateTime<Utc>, booked_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        match self {
            Reminder::DayBefore => {
                let from = starts - Duration::hours(24);
                booked_at < from && now >= from && now < starts - Duration::hours(3)
            }
            Reminder::MorningOf => {
                let morning = morning_of(starts);
                booked_at < morning && now >= morning && now < ends
            }
            Reminder::HostFollowUp => now >= ends + Duration::hours(1) && now < ends + Duration::hours(24),
        }
    }
}

/// 07:30 on a UK clock on the day a session starts, or three hours before it if that is earlier.
pub fn morning_of(starts: DateTime<Utc>) -> DateTime<Utc> {
    let day = uk_local(starts).date();
    let morning = uk_instant(day.and_time(NaiveTime::from_hms_opt(7, 30, 0).expect("07:30")));
    morning.min(starts - Duration::hours(3))
}

/// A volunteer's record of turning up: times booked that have passed, and the times of those
/// they did not come to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attendance {
    pub came: i64,
    pub no_show: i64,
}

/// Someone with no history is taken to miss three times in ten (the share of sign-ups who do not
/// come that organisers report when no reminders are sent), weighed as three past sessions.
const PRIOR_NO_SHOW: f64 = 0.3;
const PRIOR_WEIGHT: f64 = 3.0;

impl Attendance {
    /// The chance they do not come, from their history and the prior.
    pub fn no_show_rate(&self) -> f64 {
        (self.no_show as f64 + PRIOR_NO_SHOW * PRIOR_WEIGHT) / ((self.came + self.no_show) as f64 + PRIOR_WEIGHT)
    }

    /// Their no-show rate from their history alone, if they have one.
    pub fn measured_no_show_rate(&self) -> Option<f64> {
        let n = self.came + self.no_show;
        (n > 0).then(|| self.no_show as f64 / n as f64)
    }
}

/// How many of those booked to expect, from each one's history.
pub fn expected(booked: &[Attendance]) -> f64 {
    booked.iter().map(|a| 1.0 - a.no_show_rate()).sum()
}

/// Walks to have ready: one for each canvasser expected, rounded up.
pub fn walks_needed(booked: &[Attendance]) -> usize {
    (expected(booked) - 1e-9).ceil().max(0.0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn places_go_to_the_first_confirmed_and_then_the_waiting_list() {
        assert_eq!(place(0, 2), Standing::Booked);
        assert_eq!(place(1, 2), Standing::Booked);
        assert_eq!(place(2, 2), Standing::Waiting);
        for s in [Standing::Pending, Standing::Booked, Standing::Waiting, Standing::Cancelled] {
            assert_eq!(Standing::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn reminders_are_due_in_their_window_and_not_to_late_bookers() {
        // Saturday 3 June 2017, 10:00-13:00 BST (09:00-12:00 UTC).
        let (starts, ends) = (at("2017-06-03T09:00:00Z"), at("2017-06-03T12:00:00Z"));
        let early = at("2017-05-30T12:00:00Z");
        let d = Reminder::DayBefore;
        assert!(!d.due(starts, ends, early, at("2017-06-02T08:59:00Z")));
        assert!(d.due(starts, ends, early, at("2017-06-02T09:00:00Z")));
        assert!(d.due(starts, ends, early, at("2017-06-02T23:00:00Z")), "a late scheduler still sends it");
        assert!(!d.due(starts, ends, early, at("2017-06-03T06:30:00Z")), "not three hours before");
        assert!(!d.due(starts, ends, at("2017-06-02T10:00:00Z"), at("2017-06-02T10:01:00Z")), "booked within the day");
        let m = Reminder::MorningOf;
        assert_eq!(morning_of(starts), at("2017-06-03T06:00:00Z"), "07:30 BST, three hours before 10:00 being 07:00");
        assert!(m.due(starts, ends, early, at("2017-06-03T06:00:00Z")));
        assert!(m.due(starts, ends, early, at("2017-06-03T10:00:00Z")), "still sent after the start");
        assert!(!m.due(starts, ends, early, at("2017-06-03T12:00:00Z")), "not after the end");
        assert!(!m.due(starts, ends, at("2017-06-03T08:00:00Z"), at("2017-06-03T08:01:00Z")));
        let evening = at("2017-06-03T17:00:00Z");
        assert_eq!(morning_of(evening), at("2017-06-03T06:30:00Z"), "07:30 BST");
        let h = Reminder::HostFollowUp;
        assert!(!h.due(starts, ends, early, at("2017-06-03T12:59:00Z")));
        assert!(h.due(starts, ends, early, at("2017-06-03T13:00:00Z")));
        assert!(!h.due(starts, ends, early, at("2017-06-04T12:00:00Z")));
    }

    #[test]
    fn history_says_how_many_to_expect() {
        let newcomer = Attendance::default();
        assert!((newcomer.no_show_rate() - 0.3).abs() < 1e-9);
        let reliable = Attendance { came: 9, no_show: 0 };
        let flaky = Attendance { came: 1, no_show: 5 };
        assert!(reliable.no_show_rate() < 0.1 && flaky.no_show_rate() > 0.6);
        assert_eq!(flaky.measured_no_show_rate(), Some(5.0 / 6.0));
        assert_eq!(walks_needed(&[newcomer; 10]), 7);
        assert_eq!(walks_needed(&[]), 0);
    }
}
