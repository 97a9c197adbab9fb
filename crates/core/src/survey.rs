//! The doorstep survey (the script) and what a contact says about an elector.
//!
//! A campaign has one survey. Its questions and door outcomes are configurable; the default follows
//! UK doorstep conventions. Contacts are immutable events: an elector's current state is derived
//! from them, the latest by the time it was recorded on the phone.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

/// One answer a canvasser can tap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// What is stored and printed on walk sheets: 'Lab', '5', 'Y'.
    pub code: String,
    pub label: String,
    /// For an outcome: it is for the whole door (nobody answered, do not knock), so the phone
    /// offers it once per door rather than per elector.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole_door: bool,
    /// What to say when a voter gives this answer (their top issue, an objection): a few lines
    /// the campaign writes, shown under the answer on the phone, offline like the rest.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub talking_points: String,
}

/// A question on the script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Stable key for answers: 'voting_intention'.
    pub key: String,
    pub label: String,
    pub choices: Vec<Choice>,
}

/// A campaign's script: questions for each elector spoken to, outcomes for doors and electors not
/// spoken to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    pub questions: Vec<Question>,
    pub outcomes: Vec<Choice>,
}

/// The longest talking points one answer may carry.
pub const MAX_TALKING_POINTS: usize = 1000;
/// The question whose answer is what matters most to the voter.
pub const TOP_ISSUE: &str = "top_issue";

/// The question whose answer is a party code.
pub const VOTING_INTENTION: &str = "voting_intention";
/// How sure they are, 1 (might change) to 5 (certain).
pub const CERTAINTY: &str = "certainty";
/// Outcomes after which an elector is no longer at the address.
pub const GONE: [&str; 2] = ["moved", "deceased"];

fn choices(list: &[(&str, &str)]) -> Vec<Choice> {
    list.iter()
        .map(|(code, label)| Choice { code: (*code).into(), label: (*label).into(), whole_door: false, talking_points: String::new() })
        .collect()
}

/// The outcomes of the usual script that are for a whole door.
const WHOLE_DOOR: [&str; 4] = ["NI", "refused", "inaccessible", "DNK"];

fn question(key: &str, label: &str, list: &[(&str, &str)]) -> Question {
    Question { key: key.into(), label: label.into(), choices: choices(list) }
}

const YES_NO: [(&str, &str); 2] = [("Y", "Yes"), ("N", "No")];

impl Default for Survey {
    /// The usual UK doorstep script.
    fn default() -> Self {
        Survey {
            questions: vec![
                question(
                    VOTING_INTENTION,
                    "Voting intention",
                    &[
                        ("Lab", "Labour"),
                        ("Con", "Conservative"),
                        ("LD", "Liberal Democrat"),
                        ("Green", "Green"),
                        ("Reform", "Reform UK / UKIP"),
                        ("Other", "Other"),
                        ("WV", "Won't vote"),
                        ("WS", "Won't say"),
                    ],
                ),
                question(CERTAINTY, "Certainty", &[("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 certain")]),
                question("ref2016", "2016 referendum", &[("Remain", "Remain"), ("Leave", "Leave"), ("DNV", "Did not vote")]),
                question(
                    "past_vote",
                    "Last general election",
                    &[
                        ("Lab", "Labour"),
                        ("Con", "Conservative"),
                        ("LD", "Lib Dem"),
                        ("Green", "Green"),
                        ("UKIP", "UKIP"),
                        ("Other", "Other"),
                        ("DNV", "Did not vote"),
                    ],
                ),
                question(
                    TOP_ISSUE,
                    "Top issue",
                    &[
                        ("NHS", "NHS"),
                        ("Cost", "Cost of living"),
                        ("Housing", "Housing"),
                        ("Brexit", "Brexit"),
                        ("Jobs", "Jobs"),
                        ("Schools", "Schools"),
                        ("Crime", "Crime"),
                    ],
                ),
                question("poster", "Wants a poster", &YES_NO),
                question("postal_vote", "Postal vote interest", &YES_NO),
                question("volunteer", "Volunteer interest", &YES_NO),
            ],
            outcomes: choices(&[
                ("NI", "Not in"),
                ("moved", "Moved"),
                ("refused", "Refused"),
                ("inaccessible", "Inaccessible"),
                ("DNK", "Do not knock"),
                ("deceased", "Deceased"),
            ]),
        }
        .with_whole_door_outcomes()
    }
}

impl Survey {
    /// A survey saved before outcomes said which are for a whole door has the usual ones marked.
    pub fn with_whole_door_outcomes(mut self) -> Survey {
        if !self.outcomes.iter().any(|o| o.whole_door) {
            for o in &mut self.outcomes {
                o.whole_door = WHOLE_DOOR.contains(&o.code.as_str());
            }
        }
        self
    }

    /// Checks the script itself: keys and codes present and unique.
    pub fn validate(&self) -> Result<(), crate::Invalid> {
        let mut keys = HashSet::new();
        for q in &self.questions {
            if q.key.trim().is_empty() {
                return Err(format!("question '{}' has no key", q.label).into());
            }
            if !keys.insert(q.key.as_str()) {
                return Err(format!("question key '{}' is used twice", q.key).into());
            }
            if q.choices.is_empty() {
                return Err(format!("question '{}' has no choices", q.key).into());
            }
            unique_codes(&q.choices, &q.key)?;
            for c in &q.choices {
                if c.talking_points.chars().count() > MAX_TALKING_POINTS {
                    return Err(
                        format!("{}: the talking points for '{}' are longer than {MAX_TALKING_POINTS} characters", q.key, c.label).into()
                    );
                }
            }
        }
        unique_codes(&self.outcomes, "outcomes")
    }

    /// Checks one contact's answers and outcome against the script, saying what is wrong.
    pub fn check(&self, answers: &BTreeMap<String, String>, outcome: Option<&str>) -> Result<(), crate::Invalid> {
        for (key, code) in answers {
            let q = self.questions.iter().find(|q| &q.key == key).ok_or_else(|| format!("unknown question '{key}'"))?;
            if !q.choices.iter().any(|c| &c.code == code) {
                return Err(format!("'{code}' is not an answer to '{key}'").into());
            }
        }
        if let Some(o) = outcome {
            if !self.outcomes.iter().any(|c| c.code == o) {
                return Err(format!("unknown outcome '{o}'").into());
            }
        }
        if answers.is_empty() && outcome.is_none() {
            return Err("a contact needs an answer or an outcome".into());
        }
        Ok(())
    }
}

/// Choices as the survey form writes them, one a line: `code | label | talking points` (for an
/// outcome, the third part is `whole door` or nothing).
pub fn choices_to_lines(choices: &[Choice], outcomes: bool) -> String {
    choices
        .iter()
        .map(|c| {
            let third = if outcomes {
                if c.whole_door {
                    "whole door"
                } else {
                    ""
                }
            } else {
                c.talking_points.as_str()
            };
            if third.is_empty() {
                format!("{} | {}", c.code, c.label)
            } else {
                format!("{} | {} | {third}", c.code, c.label)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads choices from the survey form's lines (see [`choices_to_lines`]); `what` names the
/// question in an error, with the line.
pub fn choices_from_lines(text: &str, what: &str, outcomes: bool) -> Result<Vec<Choice>, crate::Invalid> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let mut parts = line.splitn(3, '|').map(str::trim);
        let code = parts.next().unwrap_or("");
        let label = parts.next().unwrap_or("");
        let third = parts.next().unwrap_or("");
        if code.is_empty() || label.is_empty() {
            return Err(format!("{what}, line {}: write it as 'code | label', for example 'Lab | Labour'", i + 1).into());
        }
        let whole_door = outcomes && matches!(third.to_ascii_lowercase().as_str(), "whole door" | "door" | "yes");
        if outcomes && !third.is_empty() && !whole_door {
            return Err(format!("{what}, line {}: the third part is 'whole door' or nothing", i + 1).into());
        }
        out.push(Choice {
            code: code.to_owned(),
            label: label.to_owned(),
            whole_door,
            talking_points: if outcomes { String::new() } else { third.to_owned() },
        });
    }
    Ok(out)
}

fn unique_codes(choices: &[Choice], what: &str) -> Result<(), crate::Invalid> {
    let mut seen = HashSet::new();
    for c in choices {
        if c.code.trim().is_empty() || !seen.insert(c.code.as_str()) {
            return Err(format!("{what}: code '{}' is empty or used twice", c.code).into());
        }
    }
    Ok(())
}

/// One contact as the phone records it: an immutable event with the phone's own UUID, so that
/// sending it twice stores it once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: uuid::Uuid,
    #[serde(default, deserialize_with = "crate::whole_number::optional_id")]
    pub walk_id: Option<i64>,
    #[serde(deserialize_with = "crate::whole_number::id")]
    pub household_id: i64,
    /// None for an outcome for the whole door ('not in').
    #[serde(default, deserialize_with = "crate::whole_number::optional_id")]
    pub elector_id: Option<i64>,
    /// When it was recorded, by the phone's clock.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    #[serde(default)]
    pub note: String,
}

/// What a phone sends to sync: its recorded contacts, and its clock when it sent them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncBatch {
    pub contacts: Vec<Contact>,
    /// The phone's clock when it sent the batch: its error corrects the contacts' times.
    #[serde(default)]
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The longest note kept with a contact.
pub const MAX_NOTE: usize = 2000;

/// A phone clock this close to the server's is taken as right: the rest is network delay.
pub const CLOCK_TOLERANCE: chrono::Duration = chrono::Duration::minutes(2);

/// How far a phone's clock is behind (positive) or ahead of (negative) the server's, from the time
/// the phone says it sent a batch and the time the server received it. Within
/// [`CLOCK_TOLERANCE`] the clock is taken as right.
pub fn clock_error(phone_sent_at: Option<chrono::DateTime<chrono::Utc>>, received_at: chrono::DateTime<chrono::Utc>) -> chrono::Duration {
    match phone_sent_at {
        Some(sent) => {
            let error = received_at.signed_duration_since(sent);
            if error.abs() <= CLOCK_TOLERANCE {
                chrono::Duration::zero()
            } else {
                error
            }
        }
        None => chrono::Duration::zero(),
    }
}

/// The time a contact counts at, which decides whose answer is the latest. It is the time the
/// phone recorded it, corrected by that phone's clock error, and never before the campaign began
/// nor after the server received it: a phone with a wrong clock can neither freeze an elector's
/// state in the future nor bury its own answers in the past, and cannot reorder anyone else's.
pub fn ordered_at(
    recorded_at: chrono::DateTime<chrono::Utc>,
    clock_error: chrono::Duration,
    campaign_began: chrono::DateTime<chrono::Utc>,
    received_at: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    let corrected = recorded_at.checked_add_signed(clock_error).unwrap_or(received_at);
    if corrected > received_at || corrected < campaign_began {
        received_at
    } else {
        corrected
    }
}

/// Whether a contact means someone at the door was spoken to: answers recorded, no outcome.
pub fn spoken_to(outcome: Option<&str>, answers: &BTreeMap<String, String>) -> bool {
    outcome.is_none() && !answers.is_empty()
}

/// Whether an elector in this state counts as a supporter of `party`: their latest intention is
/// the party, and they have not moved away or died since.
pub fn is_supporter(party: &str, intention: Option<&str>, outcome: Option<&str>) -> bool {
    intention.is_some_and(|i| i.eq_ignore_ascii_case(party)) && !outcome.is_some_and(|o| GONE.contains(&o))
}

/// An elector's state, folded from their contacts in the order they count at.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ElectorState {
    pub intention: Option<String>,
    pub certainty: Option<u8>,
    pub support: Option<u8>,
    pub outcome: Option<String>,
    /// When the latest contact counts at.
    pub recorded_at: String,
}

impl ElectorState {
    /// Folds in the next contact: it replaces what it answers and keeps what it does not (an
    /// intention given once stands until another is given); its outcome replaces the last.
    pub fn apply(&mut self, party: &str, answers: &BTreeMap<String, String>, outcome: Option<&str>, at: &str) {
        if let Some(i) = answers.get(VOTING_INTENTION) {
            self.intention = Some(i.clone());
            self.certainty = answers.get(CERTAINTY).and_then(|c| c.parse().ok());
        }
        self.outcome = outcome.map(str::to_owned);
        self.recorded_at = at.to_owned();
        self.support = support_score(party, self.intention.as_deref(), self.certainty);
    }

    pub fn is_supporter(&self, party: &str) -> bool {
        is_supporter(party, self.intention.as_deref(), self.outcome.as_deref())
    }
}

/// Support score, 0 (certain against) to 100 (certain for), from an intention and its certainty.
/// Unknown certainty counts as 3; won't vote, won't say and no answer are 50.
pub fn support_score(party: &str, intention: Option<&str>, certainty: Option<u8>) -> Option<u8> {
    let intention = intention?;
    let sure = i32::from(certainty.unwrap_or(3).clamp(1, 5));
    Some(match intention {
        "WV" | "WS" => 50,
        i if i.eq_ignore_ascii_case(party) => (50 + 10 * sure) as u8,
        _ => (50 - 10 * sure) as u8,
    })
}

#[cfg(test)]
mod form_lines {
    use super::*;

    #[test]
    fn choices_go_to_lines_and_back() {
        let survey = Survey::default();
        let q = &survey.questions[0];
        assert_eq!(choices_from_lines(&choices_to_lines(&q.choices, false), &q.key, false).unwrap(), q.choices);
        assert_eq!(choices_from_lines(&choices_to_lines(&survey.outcomes, true), "outcomes", true).unwrap(), survey.outcomes);
        let with_points = choices_from_lines("NHS | NHS | No one waiting more than 18 weeks.", "top_issue", false).unwrap();
        assert_eq!(with_points[0].talking_points, "No one waiting more than 18 weeks.");
        assert!(choices_from_lines("Lab", "voting_intention", false).unwrap_err().to_string().contains("line 1"));
        assert!(choices_from_lines("NI | Not in | maybe", "outcomes", true).is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_script_is_valid_and_checks_answers() {
        let s = Survey::default();
        s.validate().unwrap();
        let mut a = BTreeMap::new();
        a.insert(VOTING_INTENTION.to_string(), "Lab".to_string());
        s.check(&a, None).unwrap();
        a.insert(CERTAINTY.to_string(), "9".to_string());
        assert_eq!(s.check(&a, None).unwrap_err(), "'9' is not an answer to 'certainty'");
        assert!(s.check(&BTreeMap::new(), Some("NI")).is_ok());
        assert!(s.check(&BTreeMap::new(), Some("gone fishing")).is_err());
        assert!(s.check(&BTreeMap::new(), None).is_err());
    }

    #[test]
    fn support_scores() {
        assert_eq!(support_score("Lab", Some("Lab"), Some(5)), Some(100));
        assert_eq!(support_score("Lab", Some("Con"), Some(5)), Some(0));
        assert_eq!(support_score("Lab", Some("WS"), None), Some(50));
        assert_eq!(support_score("Lab", Some("LD"), None), Some(20));
        assert_eq!(support_score("Lab", None, None), None);
    }

    #[test]
    fn a_wrong_phone_clock_cannot_move_a_contact_out_of_range() {
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
        let began = t("2026-11-01T00:00:00Z");
        let received = t("2026-12-01T12:00:00Z");
        // A right clock: the phone's time stands, whatever the delay in sending.
        let e = clock_error(Some(t("2026-12-01T11:59:30Z")), received);
        assert_eq!(e, chrono::Duration::zero());
        assert_eq!(ordered_at(t("2026-12-01T10:00:00Z"), e, began, received), t("2026-12-01T10:00:00Z"));
        // A clock a year ahead: corrected by the error measured when it synced.
        let e = clock_error(Some(t("2027-12-01T12:00:00Z")), received);
        assert_eq!(ordered_at(t("2027-12-01T10:00:00Z"), e, began, received), t("2026-12-01T10:00:00Z"));
        // 9999-12-31 from a phone that sends no clock: no later than when it arrived.
        assert_eq!(ordered_at(t("9999-12-31T00:00:00Z"), chrono::Duration::zero(), began, received), received);
        // Before the campaign began: when it arrived.
        assert_eq!(ordered_at(t("0001-01-01T00:00:00Z"), chrono::Duration::zero(), began, received), received);
        // A clock five hours behind, recorded two hours before sending.
        let e = clock_error(Some(t("2026-12-01T07:00:00Z")), received);
        assert_eq!(ordered_at(t("2026-12-01T05:00:00Z"), e, began, received), t("2026-12-01T10:00:00Z"));
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let mut s = Survey::default();
        s.questions.push(s.questions[0].clone());
        assert!(s.validate().unwrap_err().contains("used twice"));
    }
}
