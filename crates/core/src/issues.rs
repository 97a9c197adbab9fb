//! What voters raise on the doorstep: the answers to the survey's top-issue question counted by
//! polling district, by voting intention, by age band (where the register gives a date of birth)
//! and by week, so that an organiser can see what the doorstep is saying and a leaflet answer it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::relational::AgeBand;
use crate::survey::{Survey, TOP_ISSUE, VOTING_INTENTION};

/// One contact that gave a top issue.
#[derive(Debug, Clone, PartialEq)]
pub struct Raised {
    pub polling_district: Option<String>,
    /// The UK day it counts on.
    pub day: NaiveDate,
    pub answers: BTreeMap<String, String>,
    pub date_of_birth: Option<NaiveDate>,
}

/// Counts of each issue (by code) in one row of the report.
pub type Counts = BTreeMap<String, u64>;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IssuesReport {
    /// The issues in the survey's order: (code, label).
    pub issues: Vec<(String, String)>,
    pub total: Counts,
    pub by_district: BTreeMap<String, Counts>,
    /// By the voting intention given in the same conversation ("not said" when none).
    pub by_intention: BTreeMap<String, Counts>,
    /// By age band, from the register's date of birth (most electors have none: "not known").
    pub by_age: BTreeMap<String, Counts>,
    /// By the Monday of the week.
    pub by_week: BTreeMap<NaiveDate, Counts>,
}

fn age_on(born: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    age
}

/// The report over `raised`, ages reckoned on `on`. Nothing when the survey has no top issue.
pub fn report(survey: &Survey, raised: &[Raised], on: NaiveDate) -> IssuesReport {
    let Some(q) = survey.questions.iter().find(|q| q.key == TOP_ISSUE) else { return IssuesReport::default() };
    let mut r = IssuesReport { issues: q.choices.iter().map(|c| (c.code.clone(), c.label.clone())).collect(), ..Default::default() };
    let intentions = survey.questions.iter().find(|q| q.key == VOTING_INTENTION);
    for x in raised {
        let Some(issue) = x.answers.get(TOP_ISSUE) else { continue };
        let add = |counts: &mut Counts| *counts.entry(issue.clone()).or_default() += 1;
        add(&mut r.total);
        add(r.by_district.entry(x.polling_district.clone().unwrap_or_else(|| "no district".into())).or_default());
        let intention = x
            .answers
            .get(VOTING_INTENTION)
            .map(|code| intentions.and_then(|q| q.choices.iter().find(|c| &c.code == code)).map_or(code.clone(), |c| c.label.clone()))
            .unwrap_or_else(|| "not said".into());
        add(r.by_intention.entry(intention).or_default());
        let band = x.date_of_birth.map(|b| AgeBand::of_age(age_on(b, on)).label().to_owned()).unwrap_or_else(|| "not known".into());
        add(r.by_age.entry(band).or_default());
        let monday = x.day - chrono::Days::new(u64::from(x.day.weekday().num_days_from_monday()));
        add(r.by_week.entry(monday).or_default());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raised(district: &str, day: &str, issue: &str, intention: Option<&str>, born: Option<&str>) -> Raised {
        let mut answers = BTreeMap::from([(TOP_ISSUE.to_owned(), issue.to_owned())]);
        if let Some(i) = intention {
            answers.insert(VOTING_INTENTION.into(), i.into());
        }
        Raised {
            polling_district: Some(district.into()),
            day: day.parse().unwrap(),
            answers,
            date_of_birth: born.map(|b| b.parse().unwrap()),
        }
    }

    #[test]
    fn issues_by_district_intention_age_and_week() {
        let rows = [
            raised("NA1", "2017-05-30", "NHS", Some("Lab"), None),
            raised("NA1", "2017-06-01", "NHS", Some("Con"), Some("1999-06-20")),
            raised("NA2", "2017-06-05", "Housing", None, None),
        ];
        let r = report(&Survey::default(), &rows, "2017-06-08".parse().unwrap());
        assert_eq!(r.total["NHS"], 2);
        assert_eq!(r.by_district["NA1"]["NHS"], 2);
        assert_eq!(r.by_intention["Labour"]["NHS"], 1);
        assert_eq!(r.by_intention["not said"]["Housing"], 1);
        assert_eq!(r.by_age["under 25"]["NHS"], 1, "17 on polling day");
        assert_eq!(r.by_age["not known"].values().sum::<u64>(), 2);
        let weeks: Vec<_> = r.by_week.keys().map(|d| d.to_string()).collect();
        assert_eq!(weeks, ["2017-05-29", "2017-06-05"]);
        assert_eq!(r.issues[0], ("NHS".to_owned(), "NHS".to_owned()));
    }
}
