//! UK local time. Campaigns set canvassing sessions and polling hours in the time on the street:
//! Greenwich Mean Time, or British Summer Time (an hour ahead) from 01:00 GMT on the last Sunday
//! of March to 01:00 GMT on the last Sunday of October.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

/// The last Sunday of a month, at 01:00 UTC: when the clocks change.
fn change(year: i32, month: u32) -> DateTime<Utc> {
    let last = NaiveDate::from_ymd_opt(year, month + 1, 1).expect("a month") - Duration::days(1);
    let back = (last.weekday().num_days_from_sunday()) as i64;
    let sunday = last - Duration::days(back);
    debug_assert_eq!(sunday.weekday(), Weekday::Sun);
    Utc.from_utc_datetime(&sunday.and_hms_opt(1, 0, 0).expect("01:00"))
}

/// Whether British Summer Time is in force at this instant.
pub fn is_summer_time(at: DateTime<Utc>) -> bool {
    let year = at.year();
    at >= change(year, 3) && at < change(year, 10)
}

/// An instant as a UK clock on the wall shows it.
pub fn uk_local(at: DateTime<Utc>) -> NaiveDateTime {
    let offset = if is_summer_time(at) { Duration::hours(1) } else { Duration::zero() };
    (at + offset).naive_utc()
}

/// When the UK day of `at` began (midnight on a UK clock), as an instant.
pub fn uk_day_start(at: DateTime<Utc>) -> DateTime<Utc> {
    let local = uk_local(at);
    let offset = local - at.naive_utc();
    let midnight = local.date().and_time(chrono::NaiveTime::MIN);
    DateTime::from_naive_utc_and_offset(midnight - offset, Utc)
}

/// The time now on a UK clock.
pub fn uk_now() -> NaiveDateTime {
    uk_local(Utc::now())
}

/// The instant a UK clock on the wall shows `local` at. In the hour the clocks go back (which a
/// wall clock shows twice) the first is taken; in the hour they skip, the time an hour on.
pub fn uk_instant(local: NaiveDateTime) -> DateTime<Utc> {
    let as_gmt = Utc.from_utc_datetime(&local);
    let summer = Utc.from_utc_datetime(&(local - Duration::hours(1)));
    if is_summer_time(summer) {
        summer
    } else {
        as_gmt
    }
}

/// A stored instant (RFC 3339, UTC) as a UK clock shows it, hours and minutes (`14:05`); the
/// text itself if it is no instant.
pub fn uk_clock(stored: &str) -> String {
    match DateTime::parse_from_rfc3339(stored) {
        Ok(at) => uk_local(at.with_timezone(&Utc)).format("%H:%M").to_string(),
        Err(_) => stored.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_instant_reads_on_a_uk_clock() {
        assert_eq!(uk_clock("2017-06-08T13:05:00.000Z"), "14:05", "summer time");
        assert_eq!(uk_clock("2019-12-12T13:05:00Z"), "13:05", "winter");
        assert_eq!(uk_clock("not a time"), "not a time");
    }

    #[test]
    fn a_wall_clock_time_is_an_instant() {
        let local = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(uk_instant(local("2017-06-03T10:00")), at("2017-06-03T09:00:00Z"));
        assert_eq!(uk_instant(local("2019-12-07T10:00")), at("2019-12-07T10:00:00Z"));
        for s in ["2017-06-03T10:00", "2019-12-07T10:00", "2017-03-26T03:30", "2017-10-29T00:30"] {
            assert_eq!(uk_local(uk_instant(local(s))), local(s), "{s} round trips");
        }
    }

    #[test]
    fn a_uk_day_starts_at_uk_midnight() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // Summer: midnight in London is 23:00 UTC the day before.
        assert_eq!(uk_day_start(at("2017-06-08T08:00:00Z")), at("2017-06-07T23:00:00Z"));
        assert_eq!(uk_day_start(at("2017-06-07T23:30:00Z")), at("2017-06-07T23:00:00Z"));
        // Winter: midnight is midnight.
        assert_eq!(uk_day_start(at("2019-12-12T21:59:00Z")), at("2019-12-12T00:00:00Z"));
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn summer_time_starts_and_ends_on_the_last_sundays_of_march_and_october() {
        // 2017: 26 March and 29 October. Polling day, 8 June 2017, was in summer time.
        assert!(!is_summer_time(t("2017-03-26T00:59:59Z")));
        assert!(is_summer_time(t("2017-03-26T01:00:00Z")));
        assert!(is_summer_time(t("2017-10-29T00:59:59Z")));
        assert!(!is_summer_time(t("2017-10-29T01:00:00Z")));
        assert_eq!(uk_local(t("2017-06-08T21:00:00Z")).to_string(), "2017-06-08 22:00:00", "the polls close at 10 pm");
        assert_eq!(uk_local(t("2019-12-12T21:00:00Z")).to_string(), "2019-12-12 21:00:00", "a December election is in GMT");
        // 2026: 29 March and 25 October.
        assert!(is_summer_time(t("2026-03-29T01:00:00Z")) && !is_summer_time(t("2026-10-25T01:00:00Z")));
    }
}
