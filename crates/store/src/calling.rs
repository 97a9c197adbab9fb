//! Phone banking's records: the numbers screened out, call lists and who is on each, and every
//! call. A caller holds one person of a list at a time; taking the next person claims a row no
//! other caller holds (on PostgreSQL, rows another caller is claiming at that moment are skipped,
//! not waited for), so two hundred callers on one list never get the same person.

use std::collections::HashMap;

use groundgame_core::calling::{self as rules, CallFilter, Screen};
use groundgame_core::polling_day::PromiseRule;
use serde::Serialize;

use crate::args;
use crate::bulk;
use crate::campaigns::Campaign;
use crate::db::{Arg, Tx};
use crate::error::Result;

/// Replaces the campaign's numbers on one screening list (a TPS or CTPS file is the whole list
/// each time): returns how many are on it now.
pub async fn replace_screened(tx: &mut Tx, campaign_id: i64, list: Screen, numbers: &[String], now: &str) -> Result<u64> {
    tx.execute("DELETE FROM screened_numbers WHERE campaign_id = $1 AND list = $2", args![campaign_id, list.code()]).await?;
    add_screened(tx, campaign_id, list, numbers, now).await?;
    Ok(numbers.len() as u64)
}

pub async fn add_screened(tx: &mut Tx, campaign_id: i64, list: Screen, numbers: &[String], now: &str) -> Result<()> {
    let rows = numbers.iter().map(|n| args![campaign_id, n.as_str(), list.code(), now]).collect();
    bulk::upsert(tx, "screened_numbers", "(campaign_id, number, list) DO NOTHING", rows).await
}

/// How many numbers each screening list has.
pub async fn screened_counts(tx: &mut Tx, campaign_id: i64) -> Result<Vec<(String, i64)>> {
    tx.fetch_all(
        "SELECT list, CAST(COUNT(*) AS BIGINT) FROM screened_numbers WHERE campaign_id = $1 GROUP BY list ORDER BY list",
        args![campaign_id],
    )
    .await
}

/// A number an elector may be reached on, with what decides whether it may be called.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub number: String,
    pub call_consent: bool,
    pub screens: Vec<Screen>,
}

/// The first of the lines that may be called, those the person agreed to calls on first.
pub fn callable(lines: &[Line]) -> Option<&Line> {
    let mut ok: Vec<&Line> = lines.iter().filter(|l| rules::may_call(&l.screens, l.call_consent)).collect();
    ok.sort_by_key(|l| !l.call_consent);
    ok.first().copied()
}

/// The electors' numbers with their screening, for `ids` (all of the campaign's, for None).
async fn lines(tx: &mut Tx, campaign_id: i64, ids: Option<&[i64]>) -> Result<HashMap<i64, Vec<Line>>> {
    let mut a = args![campaign_id];
    let only = match ids {
        Some(ids) => {
            let (list, with) = crate::db::in_list(ids.iter().copied(), a);
            a = with;
            format!("AND p.elector_id IN ({list})")
        }
        None => String::new(),
    };
    let rows: Vec<(i64, String, i64, Option<String>)> = tx
        .fetch_all(
            &format!(
                "SELECT p.elector_id, p.number, p.call_consent, s.list FROM elector_phones p \
                 LEFT JOIN screened_numbers s ON s.campaign_id = p.campaign_id AND s.number = p.number \
                 WHERE p.campaign_id = $1 {only} ORDER BY p.elector_id, p.number"
            ),
            a,
        )
        .await?;
    let mut out: HashMap<i64, Vec<Line>> = HashMap::new();
    for (elector, number, consent, list) in rows {
        let lines = out.entry(elector).or_default();
        if lines.last().is_none_or(|l: &Line| l.number != number) {
            lines.push(Line { number, call_consent: consent == 1, screens: Vec::new() });
        }
        if let Some(s) = list.and_then(|l| Screen::parse(&l).ok()) {
            lines.last_mut().expect("pushed").screens.push(s);
        }
    }
    Ok(out)
}

/// Why someone on a list cannot be called now, if they cannot.
fn not_callable(lines: Option<&Vec<Line>>) -> Option<&'static str> {
    match lines {
        None => Some("no_number"),
        Some(l) if callable(l).is_none() => Some("screened"),
        Some(_) => None,
    }
}

/// A call list.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct CallList {
    pub id: i64,
    pub name: String,
    #[serde(skip)]
    pub filter: String,
    pub goal: i64,
    pub cooldown_hours: i64,
    pub created_at: String,
    pub closed_at: Option<String>,
}

impl CallList {
    pub fn filter(&self) -> CallFilter {
        serde_json::from_str(&self.filter).unwrap_or_default()
    }
}

const LIST: &str = "id, name, filter, goal, cooldown_hours, created_at, closed_at";

pub async fn lists(tx: &mut Tx, campaign_id: i64) -> Result<Vec<CallList>> {
    tx.fetch_all(&format!("SELECT {LIST} FROM call_lists WHERE campaign_id = $1 ORDER BY id"), args![campaign_id]).await
}

pub async fn list(tx: &mut Tx, campaign_id: i64, id: i64) -> Result<Option<CallList>> {
    tx.fetch_optional(&format!("SELECT {LIST} FROM call_lists WHERE campaign_id = $1 AND id = $2"), args![campaign_id, id]).await
}

/// A new call list.
pub struct NewList<'a> {
    pub name: &'a str,
    pub filter: &'a CallFilter,
    pub goal: i64,
    pub cooldown_hours: i64,
    pub user_id: Option<i64>,
}

/// Makes a call list from its filter over the canvass as it stands at `now`: everyone it takes
/// who has not objected goes on it, those with no number or no number that may be called marked
/// so. Returns the list's id and how many it took.
pub async fn create_list(tx: &mut Tx, campaign: &Campaign, new: &NewList<'_>, now: chrono::DateTime<chrono::Utc>) -> Result<(i64, u64)> {
    let now_text = crate::db::time_text(now);
    let filter_json = serde_json::to_string(new.filter).expect("a filter is JSON");
    tx.hold_next_id("call_lists", campaign.id).await?;
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO call_lists (campaign_id, id, name, filter, goal, cooldown_hours, created_at, created_by) \
             SELECT $1, COALESCE(MAX(id), 0) + 1, $2, $3, $4, $5, $6, $7 FROM call_lists WHERE campaign_id = $1 RETURNING id",
            args![campaign.id, new.name, filter_json, new.goal, new.cooldown_hours, now_text.as_str(), new.user_id],
        )
        .await?;
    let taken = matching(tx, campaign, new.filter, now).await?;
    let lines = lines(tx, campaign.id, None).await?;
    let rows: Vec<Vec<Arg>> = taken
        .iter()
        .map(|&e| {
            let done = not_callable(lines.get(&e));
            args![campaign.id, id, e, None::<i64>, None::<i64>, None::<String>, now_text.as_str(), 0_i64, None::<String>, done]
        })
        .collect();
    let n = rows.len() as u64;
    bulk::upsert(tx, "call_list_people", "(campaign_id, list_id, elector_id) DO NOTHING", rows).await?;
    Ok((id, n))
}

/// The electors a filter takes, not counting those who objected.
async fn matching(tx: &mut Tx, campaign: &Campaign, f: &CallFilter, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<i64>> {
    let mut a = args![campaign.id];
    let mut sql = format!(
        "SELECT e.id, p.intention, p.certainty, p.outcome, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM hand_promises h WHERE h.campaign_id = e.campaign_id AND h.elector_id = e.id) THEN 1 ELSE 0 END AS BIGINT) \
         FROM electors e LEFT JOIN progress_electors p ON p.campaign_id = e.campaign_id AND p.elector_id = e.id \
         WHERE e.campaign_id = $1 AND {}",
        crate::privacy::CONTACTABLE
    );
    if !f.districts.is_empty() {
        let (list, with) = crate::db::in_list(f.districts.iter().map(String::as_str), a);
        a = with;
        sql.push_str(&format!(" AND e.polling_district IN ({list})"));
    }
    if !f.intentions.is_empty() {
        let (list, with) = crate::db::in_list(f.intentions.iter().map(String::as_str), a);
        a = with;
        sql.push_str(&format!(" AND p.intention IN ({list})"));
    }
    if let Some(max) = f.max_certainty {
        a.push(i64::from(max).into());
        sql.push_str(&format!(" AND (p.certainty IS NULL OR p.certainty <= ${})", a.len()));
    }
    if let Some(days) = f.not_contacted_days {
        a.push(crate::db::time_text(now - chrono::Duration::days(i64::from(days))).into());
        sql.push_str(&format!(" AND (p.ordered_at IS NULL OR p.ordered_at < ${})", a.len()));
    }
    if f.promises_not_voted {
        sql.push_str(
            " AND NOT EXISTS (SELECT 1 FROM tellings v WHERE v.campaign_id = e.campaign_id AND v.elector_id = e.id AND v.withdrawn_at IS NULL)",
        );
    }
    sql.push_str(" ORDER BY e.polling_district, e.elector_number, e.elector_suffix");
    let rule: Option<PromiseRule> = if f.promises_not_voted { Some(crate::polling_day::promise_rule(tx, campaign).await?) } else { None };
    let mut out = Vec::new();
    bulk::scan(tx, &sql, a, |row| {
        let keep = match &rule {
            None => true,
            Some(rule) => {
                let certainty = row.opt_int(2)?.and_then(|c| u8::try_from(c).ok());
                rule.is_promise(&campaign.party, row.opt_text(1)?.as_deref(), certainty, row.opt_text(3)?.as_deref(), row.int(4)? != 0)
            }
        };
        if keep {
            out.push(row.int(0)?);
        }
        Ok(())
    })
    .await?;
    Ok(out)
}

/// How a list stands at a moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Standing {
    /// Everyone on it.
    pub people: i64,
    /// Ready to call now.
    pub ready: i64,
    /// Held by a caller now.
    pub held: i64,
    /// Waiting for their cooldown or call-back time.
    pub waiting: i64,
    /// Handed to a caller in a batch, not yet called.
    pub assigned: i64,
    /// Done or not callable, by why ('talked', 'no_number', 'screened', ...).
    pub done: Vec<(String, i64)>,
    pub calls: i64,
    pub talked: i64,
}

pub async fn standing(tx: &mut Tx, campaign_id: i64, list_id: i64, now: &str) -> Result<Standing> {
    let rows: Vec<(Option<String>, i64, i64, i64, i64)> = tx
        .fetch_all(
            "SELECT done, CAST(COUNT(*) AS BIGINT), \
             CAST(SUM(CASE WHEN done IS NULL AND held_until > $3 THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN done IS NULL AND call_after > $3 AND (held_until IS NULL OR held_until <= $3) THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN done IS NULL AND assigned_to IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) \
             FROM call_list_people WHERE campaign_id = $1 AND list_id = $2 GROUP BY done ORDER BY done",
            args![campaign_id, list_id, now],
        )
        .await?;
    let mut s = Standing::default();
    for (done, n, held, waiting, assigned) in rows {
        s.people += n;
        match done {
            None => {
                s.held = held;
                s.waiting = waiting;
                s.assigned = assigned;
                s.ready = n - held - waiting;
            }
            Some(why) => {
                if why == "talked" {
                    s.talked = n;
                }
                s.done.push((why, n));
            }
        }
    }
    let (calls,): (i64,) = tx
        .fetch_one("SELECT CAST(COUNT(*) AS BIGINT) FROM calls WHERE campaign_id = $1 AND list_id = $2", args![campaign_id, list_id])
        .await?;
    s.calls = calls;
    Ok(s)
}

/// The person a caller holds now: who, and the number to dial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Held {
    pub list_id: i64,
    pub elector_id: i64,
    pub held_until: String,
    pub attempts: i64,
    pub last_outcome: Option<String>,
    #[serde(skip)]
    pub number: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    elector_id: i64,
    held_until: Option<String>,
    attempts: i64,
    last_outcome: Option<String>,
}

/// Who `user_id` holds on the list now, if anyone.
pub async fn holding(tx: &mut Tx, campaign_id: i64, list_id: i64, user_id: i64, now: &str) -> Result<Option<Held>> {
    let row: Option<Row> = tx
        .fetch_optional(
            "SELECT elector_id, held_until, attempts, last_outcome FROM call_list_people \
             WHERE campaign_id = $1 AND list_id = $2 AND held_by = $3 AND held_until > $4 AND done IS NULL LIMIT 1",
            args![campaign_id, list_id, user_id, now],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let lines = lines(tx, campaign_id, Some(&[row.elector_id])).await?;
    match lines.get(&row.elector_id).and_then(|l| callable(l)) {
        Some(line) => Ok(Some(held(list_id, row, line.number.clone()))),
        None => {
            // Screened since it was taken: let it go.
            set_done(tx, campaign_id, list_id, row.elector_id, not_callable(lines.get(&row.elector_id)).unwrap_or("screened")).await?;
            Ok(None)
        }
    }
}

fn held(list_id: i64, row: Row, number: String) -> Held {
    Held {
        list_id,
        elector_id: row.elector_id,
        held_until: row.held_until.unwrap_or_default(),
        attempts: row.attempts,
        last_outcome: row.last_outcome,
        number,
    }
}

async fn set_done(tx: &mut Tx, campaign_id: i64, list_id: i64, elector_id: i64, why: &str) -> Result<()> {
    tx.execute(
        "UPDATE call_list_people SET done = $1, held_by = NULL, held_until = NULL WHERE campaign_id = $2 AND list_id = $3 AND elector_id = $4",
        args![why, campaign_id, list_id, elector_id],
    )
    .await?;
    Ok(())
}

/// How many people a take looks at in one go.
const LOOK_AT: i64 = 8;

/// Gives `user_id` the next person to call, held until `until`: the one they hold already, else
/// the first ready person handed to them in a batch, else the first ready person handed to no one,
/// skipping (and marking) anyone who has since objected, voted or been screened out.
pub async fn take_next(tx: &mut Tx, campaign_id: i64, list_id: i64, user_id: i64, now: &str, until: &str) -> Result<Option<Held>> {
    if let Some(h) = holding(tx, campaign_id, list_id, user_id, now).await? {
        return Ok(Some(h));
    }
    // On PostgreSQL a row is locked until the commit: a take locks the one row it looks at (and
    // skips those other takes hold), or a few callers would lock everyone between them. SQLite
    // writes one transaction at a time, so it looks at several at once.
    let (skip_locked, look_at) = if tx.is_postgres() { (" FOR UPDATE SKIP LOCKED", 1) } else { ("", LOOK_AT) };
    for mine in [true, false] {
        loop {
            let whose = if mine { "assigned_to = $3" } else { "assigned_to IS NULL" };
            let rows: Vec<Row> = tx
                .fetch_all(
                    &format!(
                        "SELECT elector_id, held_until, attempts, last_outcome FROM call_list_people \
                         WHERE campaign_id = $1 AND list_id = $2 AND done IS NULL AND call_after <= $4 AND {whose} \
                         AND (held_until IS NULL OR held_until <= $4) ORDER BY call_after, elector_id LIMIT {look_at}{skip_locked}"
                    ),
                    args![campaign_id, list_id, user_id, now],
                )
                .await?;
            if rows.is_empty() {
                break;
            }
            let ids: Vec<i64> = rows.iter().map(|r| r.elector_id).collect();
            let lines = lines(tx, campaign_id, Some(&ids)).await?;
            let gone = gone(tx, campaign_id, &ids).await?;
            for row in rows {
                let why = gone.get(&row.elector_id).copied().or_else(|| not_callable(lines.get(&row.elector_id)));
                if let Some(why) = why {
                    set_done(tx, campaign_id, list_id, row.elector_id, why).await?;
                    continue;
                }
                let line = callable(&lines[&row.elector_id]).expect("callable").number.clone();
                tx.execute(
                    "UPDATE call_list_people SET held_by = $1, held_until = $2 WHERE campaign_id = $3 AND list_id = $4 AND elector_id = $5",
                    args![user_id, until, campaign_id, list_id, row.elector_id],
                )
                .await?;
                let row = Row { held_until: Some(until.to_owned()), ..row };
                return Ok(Some(held(list_id, row, line)));
            }
        }
    }
    Ok(None)
}

/// Which of `ids` are no longer to be called at all: objected, or voted today (struck off by a
/// teller).
async fn gone(tx: &mut Tx, campaign_id: i64, ids: &[i64]) -> Result<HashMap<i64, &'static str>> {
    let (list, a) = crate::db::in_list(ids.iter().copied(), args![campaign_id]);
    let rows: Vec<(i64, String)> = tx
        .fetch_all(
            &format!(
                "SELECT elector_id, 'objected' FROM objections WHERE campaign_id = $1 AND elector_id IN ({list}) \
                 UNION ALL SELECT elector_id, 'voted' FROM tellings WHERE campaign_id = $1 AND withdrawn_at IS NULL AND elector_id IN ({list})"
            ),
            a,
        )
        .await?;
    Ok(rows.into_iter().map(|(e, why)| (e, if why == "objected" { "objected" } else { "voted" })).collect())
}

/// Lets go of the person a caller holds, for the next caller.
pub async fn release(tx: &mut Tx, campaign_id: i64, list_id: i64, user_id: i64) -> Result<u64> {
    tx.execute(
        "UPDATE call_list_people SET held_by = NULL, held_until = NULL WHERE campaign_id = $1 AND list_id = $2 AND held_by = $3",
        args![campaign_id, list_id, user_id],
    )
    .await
}

/// A call as recorded.
pub struct CallMade<'a> {
    pub id: &'a str,
    pub list_id: i64,
    pub elector_id: i64,
    pub user_id: i64,
    pub number: &'a str,
    pub outcome: rules::Outcome,
    pub called_at: &'a str,
    pub call_back_at: Option<&'a str>,
    /// What follows: done (with why), or not before this time.
    pub next: rules::Next,
}

/// Records a call and moves the person on: done, or ready again at the time the rules give.
pub async fn record_call(tx: &mut Tx, campaign_id: i64, c: &CallMade<'_>) -> Result<()> {
    tx.execute(
        "INSERT INTO calls (campaign_id, id, list_id, elector_id, user_id, number, outcome, called_at, call_back_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![campaign_id, c.id, c.list_id, c.elector_id, c.user_id, c.number, c.outcome.code(), c.called_at, c.call_back_at],
    )
    .await?;
    let (done, after): (Option<&str>, Option<String>) = match c.next {
        rules::Next::Done(why) => (Some(why), None),
        rules::Next::Again(at) => (None, Some(crate::db::time_text(at))),
    };
    tx.execute(
        "UPDATE call_list_people SET held_by = NULL, held_until = NULL, attempts = attempts + 1, last_outcome = $1, \
         done = $2, call_after = COALESCE($3, call_after) WHERE campaign_id = $4 AND list_id = $5 AND elector_id = $6",
        args![c.outcome.code(), done, after, campaign_id, c.list_id, c.elector_id],
    )
    .await?;
    if c.outcome == rules::Outcome::AskedNotToCall {
        add_screened(tx, campaign_id, Screen::Asked, &[c.number.to_owned()], c.called_at).await?;
    }
    Ok(())
}

/// Hands the next `count` ready people no one has to `user_id`, as a batch: returns how many.
pub async fn assign_batch(tx: &mut Tx, campaign_id: i64, list_id: i64, user_id: i64, count: i64) -> Result<u64> {
    tx.execute(
        "UPDATE call_list_people SET assigned_to = $1 WHERE campaign_id = $2 AND list_id = $3 AND elector_id IN \
         (SELECT elector_id FROM call_list_people WHERE campaign_id = $2 AND list_id = $3 AND done IS NULL AND assigned_to IS NULL \
          ORDER BY call_after, elector_id LIMIT $4)",
        args![user_id, campaign_id, list_id, count],
    )
    .await
}

/// Takes back what is handed to `user_id` and not yet done (their batches), on every list.
pub async fn unassign(tx: &mut Tx, campaign_id: i64, user_id: i64) -> Result<u64> {
    tx.execute(
        "UPDATE call_list_people SET assigned_to = NULL, held_by = NULL, held_until = NULL \
         WHERE campaign_id = $1 AND (assigned_to = $2 OR held_by = $2) AND done IS NULL",
        args![campaign_id, user_id],
    )
    .await
}

/// Puts back on the open lists whoever was left off for having no number and has one now.
pub async fn numbered_again(tx: &mut Tx, campaign_id: i64) -> Result<u64> {
    tx.execute(
        "UPDATE call_list_people SET done = NULL WHERE campaign_id = $1 AND done = 'no_number' \
         AND EXISTS (SELECT 1 FROM elector_phones p WHERE p.campaign_id = call_list_people.campaign_id AND p.elector_id = call_list_people.elector_id) \
         AND EXISTS (SELECT 1 FROM call_lists l WHERE l.campaign_id = call_list_people.campaign_id AND l.id = call_list_people.list_id AND l.closed_at IS NULL)",
        args![campaign_id],
    )
    .await
}

/// After a screening list changes, marks those on open lists whom no number lets us call now
/// (unless a caller holds them: their next take finds it).
pub async fn rescreen(tx: &mut Tx, campaign_id: i64) -> Result<u64> {
    let open: Vec<(i64, i64)> = tx
        .fetch_all(
            "SELECT list_id, elector_id FROM call_list_people WHERE campaign_id = $1 AND done IS NULL AND held_by IS NULL",
            args![campaign_id],
        )
        .await?;
    if open.is_empty() {
        return Ok(0);
    }
    let lines = lines(tx, campaign_id, None).await?;
    // Marked in a few statements (by list and why, a few hundred at a time), not one for each.
    let mut marked: std::collections::BTreeMap<(i64, &str), Vec<i64>> = Default::default();
    for (list_id, e) in open {
        if let Some(why) = not_callable(lines.get(&e)) {
            marked.entry((list_id, why)).or_default().push(e);
        }
    }
    let mut n = 0;
    for ((list_id, why), electors) in marked {
        for chunk in electors.chunks(500) {
            let (list, a) = crate::db::in_list(chunk.iter().copied(), args![why, campaign_id, list_id]);
            n += tx
                .execute(
                    &format!(
                        "UPDATE call_list_people SET done = $1 WHERE campaign_id = $2 AND list_id = $3 AND done IS NULL \
                         AND held_by IS NULL AND elector_id IN ({list})"
                    ),
                    a,
                )
                .await?;
        }
    }
    Ok(n)
}

/// The person on a list a caller holds, as the caller sees them.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Person {
    pub forename: String,
    pub surname: String,
    pub polling_district: String,
    pub elector_number: i64,
    pub elector_suffix: i64,
    pub household_id: Option<i64>,
}

impl Person {
    pub fn elector_number(&self) -> String {
        groundgame_core::elector::format_number(&self.polling_district, self.elector_number, self.elector_suffix)
    }
}

pub async fn person(tx: &mut Tx, campaign_id: i64, elector_id: i64) -> Result<Option<Person>> {
    tx.fetch_optional(
        "SELECT forename, surname, polling_district, elector_number, elector_suffix, household_id FROM electors \
         WHERE campaign_id = $1 AND id = $2",
        args![campaign_id, elector_id],
    )
    .await
}

/// The calls made to an elector, for their subject access bundle.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct CallRecord {
    pub list_id: i64,
    pub number: String,
    pub outcome: String,
    pub called_at: String,
    pub call_back_at: Option<String>,
}

pub async fn calls_to(tx: &mut Tx, campaign_id: i64, elector_id: i64) -> Result<Vec<CallRecord>> {
    tx.fetch_all(
        "SELECT list_id, number, outcome, called_at, call_back_at FROM calls WHERE campaign_id = $1 AND elector_id = $2 ORDER BY called_at",
        args![campaign_id, elector_id],
    )
    .await
}

/// Sets whether the elector agreed to calls on a number they gave.
pub async fn set_call_consent(tx: &mut Tx, campaign_id: i64, elector_id: i64, number: &str, consent: bool) -> Result<()> {
    tx.execute(
        "UPDATE elector_phones SET call_consent = $1 WHERE campaign_id = $2 AND elector_id = $3 AND number = $4",
        args![i64::from(consent), campaign_id, elector_id, number],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: &str, consent: bool, screens: &[Screen]) -> Line {
        Line { number: n.into(), call_consent: consent, screens: screens.to_vec() }
    }

    #[test]
    fn the_number_called_is_one_that_may_be_and_a_consented_one_first() {
        assert_eq!(callable(&[line("+1", false, &[Screen::Tps])]), None);
        let lines = [line("+1", false, &[]), line("+2", true, &[Screen::Tps]), line("+3", true, &[Screen::Asked])];
        assert_eq!(callable(&lines).unwrap().number, "+2");
        assert_eq!(not_callable(None), Some("no_number"));
        assert_eq!(not_callable(Some(&vec![line("+1", false, &[Screen::Ctps])])), Some("screened"));
    }
}
