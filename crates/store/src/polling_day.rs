//! Polling day: the numbers tellers take at the polling stations, and the knock-up list of promises
//! who have not voted.

use std::collections::{BTreeMap, HashMap, HashSet};

use groundgame_core::elector::{format_number, ElectorNumber};
use groundgame_core::polling_day::{teller_number, DoorAnswer, PostalChase, PromiseRule};
use serde::Serialize;

use crate::args;
use crate::bulk;
use crate::campaigns::Campaign;
use crate::canvassing::Scope;
use crate::db::{now, Arg, Tx};
use crate::error::{Error, Result};

/// The day the committee room counts: its date on a UK clock, and when it began (UK midnight,
/// as stored in UTC). Only tellings received since then strike anyone off: a rehearsal or a
/// simulation the day before does not.
#[derive(Debug, Clone)]
pub struct Day {
    pub date: String,
    pub starts: String,
}

/// A number a teller took, as the phone sends it.
#[derive(Debug, Clone)]
pub struct Telling {
    pub id: uuid::Uuid,
    pub polling_district: String,
    pub number: String,
    /// The phone's clock: kept as its account, never used to order strike-offs.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// What happened to a batch of tellings.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TellingReport {
    /// Stored now, each striking off the elector with that number.
    pub stored: Vec<uuid::Uuid>,
    /// Already stored by an earlier send: nothing to do.
    pub duplicates: Vec<uuid::Uuid>,
    /// Stored now, but the number matches nobody on the register: kept aside for the committee
    /// room, never dropped.
    pub unknown: Vec<uuid::Uuid>,
}

const TELLING_COLUMNS: &[&str] =
    &["campaign_id", "id", "user_id", "polling_district", "number", "elector_id", "recorded_at", "received_at"];

/// Stores tellings exactly once each (a resend changes nothing). A number is matched to the
/// elector it names in the campaign's register; one that matches nobody (mistyped, a district
/// the campaign does not have) is stored all the same, with no elector, to be resolved.
pub async fn record_tellings(tx: &mut Tx, campaign: &Campaign, user_id: Option<i64>, tellings: &[Telling]) -> Result<TellingReport> {
    let numbers: Vec<Option<ElectorNumber>> = tellings.iter().map(|t| teller_number(&t.polling_district, &t.number).ok()).collect();
    // The electors the numbers name, read district by district.
    let mut by_district: BTreeMap<&str, HashSet<i64>> = BTreeMap::new();
    for n in numbers.iter().flatten() {
        by_district.entry(n.district.as_str()).or_default().insert(i64::from(n.number));
    }
    let mut reads = bulk::Reads::new(tx);
    for (district, wanted) in &by_district {
        let mut a = args![campaign.id, *district];
        let list = reads.list(wanted.iter().copied(), &mut a);
        reads.add(
            format!(
                "SELECT id, polling_district, elector_number, elector_suffix FROM electors \
                 WHERE campaign_id = $1 AND polling_district = $2 AND elector_number IN ({list})"
            ),
            a,
        );
    }
    let mut found: HashMap<(String, i64, i64), i64> = HashMap::new();
    bulk::read(tx, reads, |_, row| {
        found.insert((row.text(1)?, row.int(2)?, row.int(3)?), row.int(0)?);
        Ok(())
    })
    .await?;

    let received = now();
    let elector_of = |n: &Option<ElectorNumber>| {
        n.as_ref().and_then(|n| found.get(&(n.district.as_str().to_owned(), i64::from(n.number), i64::from(n.suffix))).copied())
    };
    let rows: Vec<Vec<Arg>> = tellings
        .iter()
        .zip(&numbers)
        .map(|(t, n)| {
            let district = n.as_ref().map_or_else(|| t.polling_district.trim().to_ascii_uppercase(), |n| n.district.as_str().to_owned());
            args![
                campaign.id,
                t.id.to_string(),
                user_id,
                district,
                t.number.trim(),
                elector_of(n),
                crate::db::time_text(t.recorded_at),
                received.as_str()
            ]
        })
        .collect();
    let written = bulk::insert_new(tx, "tellings", TELLING_COLUMNS, rows).await?;
    let mut report = TellingReport::default();
    for ((t, n), new) in tellings.iter().zip(&numbers).zip(written) {
        match (new, elector_of(n)) {
            (false, _) => report.duplicates.push(t.id),
            (true, Some(_)) => report.stored.push(t.id),
            (true, None) => report.unknown.push(t.id),
        }
    }
    Ok(report)
}

/// Takes a telling back (a teller's undo): its elector is no longer struck off by it. `by` may
/// take back only their own tellings unless `any` (an organiser). Says whether there was such a
/// telling to take back; taking one back twice changes nothing.
pub async fn withdraw_telling(tx: &mut Tx, campaign: &Campaign, id: uuid::Uuid, by: Option<i64>, any: bool) -> Result<bool> {
    let row: Option<(Option<i64>, Option<String>)> = tx
        .fetch_optional("SELECT user_id, withdrawn_at FROM tellings WHERE campaign_id = $1 AND id = $2", args![campaign.id, id.to_string()])
        .await?;
    let Some((owner, withdrawn)) = row else { return Ok(false) };
    if !any && owner != by {
        return Ok(false);
    }
    if withdrawn.is_none() {
        tx.execute(
            "UPDATE tellings SET withdrawn_at = $1, withdrawn_by = $2 WHERE campaign_id = $3 AND id = $4",
            args![now(), by, campaign.id, id.to_string()],
        )
        .await?;
    }
    Ok(true)
}

/// A promise who has not voted, as the knock-up list shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnockUpElector {
    pub elector_id: i64,
    pub elector_number: String,
    pub name: String,
    pub household_id: i64,
    pub address: String,
    /// The walk their door is on, and the door's place in it; `None` when off every walk.
    pub walk_id: Option<i64>,
    pub seq: Option<i64>,
    /// Contacts at their door today (UK time): how often it has been knocked.
    pub knocks_today: i64,
    /// A postal voter: chase the postal vote (hand it in at a station) rather than knock.
    pub postal: bool,
    /// What a postal voter said when asked whether their postal vote is posted (one who said
    /// "posted" has voted and is not listed).
    pub postal_chase: Option<PostalChase>,
    /// On the last marked register imported (they voted last time): knocked first when time is short.
    pub voted_last_time: bool,
    /// Added by an organiser's hand rather than by their answers at the door.
    pub by_hand: bool,
    /// The latest answer heard for them (or their whole door) today that still holds: "not in"
    /// and "will vote" are cleared when their walk's next knock-up round starts.
    pub answer_today: Option<DoorAnswer>,
    /// They asked for a lift today.
    pub needs_lift: bool,
    /// The number and suffix, for the order within a door.
    #[serde(skip)]
    order: (i64, i64),
}

/// Whose knock-up list: a polling district's, or one walk's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnockUpOf<'a> {
    District(&'a str),
    Walk(i64),
}

/// Whether an organiser added the elector `e` by hand as a promise, as a column (1 or 0).
const BY_HAND: &str =
    "CAST(CASE WHEN EXISTS (SELECT 1 FROM hand_promises h WHERE h.campaign_id = e.campaign_id AND h.elector_id = e.id) THEN 1 ELSE 0 END AS BIGINT)";

/// What the elector `e` said of their postal vote, as a column.
const POSTAL_CHASE: &str = "(SELECT c.status FROM postal_chase c WHERE c.campaign_id = e.campaign_id AND c.elector_id = e.id)";

/// The rule's columns: intention, certainty, outcome from the kept progress `p`, and [`BY_HAND`].
const RULE_COLUMNS: &str = "p.intention, p.certainty, p.outcome";

/// Decides whether a row is a promise from the rule's four columns, read from `at` on.
fn row_is_promise(rule: &PromiseRule, party: &str, row: &bulk::ScanRow, at: usize) -> Result<bool> {
    let certainty = row.opt_int(at + 1)?.and_then(|c| u8::try_from(c).ok());
    let by_hand = row.opt_int(at + 3)?.unwrap_or(0) != 0;
    Ok(rule.is_promise(party, row.opt_text(at)?.as_deref(), certainty, row.opt_text(at + 2)?.as_deref(), by_hand))
}

/// The SQL that reads the campaign's possible promises: the electors whose kept progress reaches
/// the rule's certainty (`$2`), and those added by hand. `columns` are read from `e` (the
/// elector), `p` (their kept progress; NULL when never canvassed) and `d` (their walk door; NULL
/// off every walk), and are followed by the rule's four columns for [`row_is_promise`]. `$1` is
/// the campaign. Each elector comes once; the rule decides.
fn promise_candidates(columns: &str) -> String {
    format!(
        "SELECT {columns}, {RULE_COLUMNS}, {BY_HAND} FROM progress_electors p \
         JOIN electors e ON e.campaign_id = p.campaign_id AND e.id = p.elector_id \
         LEFT JOIN walk_doors d ON d.campaign_id = e.campaign_id AND d.household_id = e.household_id \
         WHERE p.campaign_id = $1 AND p.certainty >= $2 \
         UNION ALL SELECT {columns}, {RULE_COLUMNS}, 1 FROM hand_promises h \
         JOIN electors e ON e.campaign_id = h.campaign_id AND e.id = h.elector_id \
         LEFT JOIN progress_electors p ON p.campaign_id = e.campaign_id AND p.elector_id = e.id \
         LEFT JOIN walk_doors d ON d.campaign_id = e.campaign_id AND d.household_id = e.household_id \
         WHERE h.campaign_id = $1 AND (p.certainty IS NULL OR p.certainty < $2)"
    )
}

/// The promises of a polling district or a walk who have not voted (no telling strikes them off,
/// no knocker heard "voted", no posted postal vote), in walk order. Read from the district's
/// electors (by the register's number index), or the walk's doors, and what the progress keeps of
/// each, so it costs the same whatever the campaign's size. Answers heard before the walk's
/// latest knock-up round began are cleared unless they hold all day.
pub async fn knock_up(tx: &mut Tx, campaign: &Campaign, of: KnockUpOf<'_>, day: &Day) -> Result<Vec<KnockUpElector>> {
    let today = day.date.as_str();
    let rule = promise_rule(tx, campaign).await?;
    let columns = format!(
        "e.id, e.polling_district, e.elector_number, e.elector_suffix, e.forename, e.surname, e.household_id, \
         e.address, e.absent_vote, d.walk_id, d.seq, t.contacts, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM marked_voters m WHERE m.campaign_id = e.campaign_id AND m.elector_id = e.id) \
         THEN 1 ELSE 0 END AS BIGINT), {POSTAL_CHASE}, {RULE_COLUMNS}"
    );
    // Not voted, and not objected to being contacted.
    let not_voted = format!(
        "NOT EXISTS (SELECT 1 FROM tellings v WHERE v.campaign_id = e.campaign_id AND v.elector_id = e.id AND v.withdrawn_at IS NULL \
         AND v.received_at >= $4) AND {}",
        crate::privacy::CONTACTABLE
    );
    // Each placeholder first appears in the order of its number (SQLite numbers them so).
    let door_day = |n: u8| {
        format!("LEFT JOIN progress_door_days t ON t.campaign_id = e.campaign_id AND t.day = ${n} AND t.household_id = e.household_id")
    };
    let (sql, args) = match of {
        KnockUpOf::District(district) => (
            format!(
                "SELECT {columns}, {BY_HAND} FROM electors e \
                 LEFT JOIN walk_doors d ON d.campaign_id = e.campaign_id AND d.household_id = e.household_id \
                 LEFT JOIN progress_electors p ON p.campaign_id = e.campaign_id AND p.elector_id = e.id {} \
                 WHERE e.campaign_id = $2 AND e.polling_district = $3 AND {not_voted}",
                door_day(1)
            ),
            args![today, campaign.id, district, day.starts.as_str()],
        ),
        KnockUpOf::Walk(walk) => (
            // The walk's doors first, then what is kept of each door's electors: materialised, so
            // that neither planner starts from the campaign's whole progress.
            format!(
                "WITH d AS MATERIALIZED (SELECT campaign_id, walk_id, seq, household_id FROM walk_doors \
                 WHERE campaign_id = $1 AND walk_id = $2) \
                 SELECT {columns}, {BY_HAND} FROM d \
                 JOIN progress_electors p ON p.campaign_id = d.campaign_id AND p.household_id = d.household_id \
                 JOIN electors e ON e.campaign_id = p.campaign_id AND e.id = p.elector_id {} \
                 WHERE {not_voted}",
                door_day(3)
            ),
            args![campaign.id, walk, today, day.starts.as_str()],
        ),
    };
    let mut queries = vec![(sql, args)];
    if let KnockUpOf::Walk(walk) = of {
        // Electors added by hand and never canvassed have nothing kept: read by their ids (few,
        // if any), the register's own key first, so that no planner starts from the register.
        let uncanvassed: Vec<(i64,)> = tx
            .fetch_all(
                "SELECT h.elector_id FROM hand_promises h WHERE h.campaign_id = $1 AND NOT EXISTS \
                 (SELECT 1 FROM progress_electors p WHERE p.campaign_id = h.campaign_id AND p.elector_id = h.elector_id)",
                args![campaign.id],
            )
            .await?;
        if !uncanvassed.is_empty() {
            let (list, a) = crate::db::in_list(uncanvassed.into_iter().map(|r| r.0), args![today, campaign.id, walk, day.starts.as_str()]);
            queries.push((
                format!(
                    "SELECT {columns}, CAST(1 AS BIGINT) FROM electors e \
                     JOIN walk_doors d ON d.campaign_id = e.campaign_id AND d.household_id = e.household_id \
                     LEFT JOIN progress_electors p ON p.campaign_id = e.campaign_id AND p.elector_id = e.id {} \
                     WHERE e.campaign_id = $2 AND d.walk_id = $3 AND {not_voted} AND e.id IN ({list})",
                    door_day(1)
                ),
                a,
            ));
        }
    }
    let mut out = Vec::new();
    for (sql, args) in queries {
        bulk::scan(tx, &sql, args, |row| {
            if !row_is_promise(&rule, &campaign.party, &row, 14)? {
                return Ok(());
            }
            let postal_chase = row.opt_text(13)?.as_deref().and_then(PostalChase::parse);
            let Some(household_id) = row.opt_int(6)? else { return Ok(()) };
            if postal_chase == Some(PostalChase::Posted) {
                return Ok(());
            }
            out.push(KnockUpElector {
                elector_id: row.int(0)?,
                elector_number: format_number(&row.text(1)?, row.int(2)?, row.int(3)?),
                name: format!("{} {}", row.text(4)?, row.text(5)?).trim().to_owned(),
                household_id,
                address: row.text(7)?.replace('\n', ", "),
                walk_id: row.opt_int(9)?,
                seq: row.opt_int(10)?,
                knocks_today: row.opt_int(11)?.unwrap_or(0),
                postal: is_postal(row.opt_text(8)?.as_deref()),
                postal_chase,
                voted_last_time: row.opt_int(12)?.unwrap_or(0) != 0,
                by_hand: row.opt_int(17)?.unwrap_or(0) != 0,
                answer_today: None,
                needs_lift: false,
                order: (row.int(2)?, row.int(3)?),
            });
            Ok(())
        })
        .await?;
    }
    let rounds = rounds(
        tx,
        campaign,
        today,
        match of {
            KnockUpOf::Walk(w) => Some(w),
            KnockUpOf::District(_) => None,
        },
    )
    .await?;
    // What knockers heard at these doors today: who voted, which doors not to knock again.
    let (sql, args) = match of {
        KnockUpOf::District(district) => (
            "SELECT household_id, elector_id, answer, recorded_at, received_at FROM knock_up_answers WHERE campaign_id = $1 AND day = $2 \
             AND household_id IN (SELECT id FROM households WHERE campaign_id = $1 AND polling_district = $3) ORDER BY received_at, id",
            args![campaign.id, today, district],
        ),
        KnockUpOf::Walk(walk) => (
            "SELECT household_id, elector_id, answer, recorded_at, received_at FROM knock_up_answers WHERE campaign_id = $1 AND day = $2 \
             AND household_id IN (SELECT household_id FROM walk_doors WHERE campaign_id = $1 AND walk_id = $3) ORDER BY received_at, id",
            args![campaign.id, today, walk],
        ),
    };
    let heard: Vec<(i64, Option<i64>, String, String, String)> = tx.fetch_all(sql, args).await?;
    // A knock is a visit: answers heard at one door in the same minute are one knock.
    let mut knocks: HashMap<i64, HashSet<String>> = HashMap::new();
    let mut by_elector: HashMap<i64, Vec<(DoorAnswer, String)>> = HashMap::new();
    let mut by_door: HashMap<i64, Vec<(DoorAnswer, String)>> = HashMap::new();
    for (household, elector, answer, recorded, received) in heard {
        let Some(answer) = DoorAnswer::parse(&answer) else { continue };
        // When it was heard: the phone's clock (an answer kept offline and sent later belongs to
        // the round it was heard in) when it is plausible, that is today and no later than the
        // server received it; otherwise (a clock that is wrong) when it was received.
        let at = if recorded.as_str() >= day.starts.as_str() && recorded <= received { recorded } else { received };
        knocks.entry(household).or_default().insert(at.chars().take(16).collect());
        match elector {
            Some(e) => by_elector.entry(e).or_default().push((answer, at)),
            None => by_door.entry(household).or_default().push((answer, at)),
        }
    }
    out.retain_mut(|e| {
        e.knocks_today += knocks.get(&e.household_id).map_or(0, |k| k.len() as i64);
        // What still holds now: all of today's answers that hold all day, and the rest heard
        // since the walk's latest round began.
        let round_start = e.walk_id.and_then(|w| rounds.get(&w)).map(|r| r.started_at.as_str());
        let holds = |list: Option<&Vec<(DoorAnswer, String)>>| -> Vec<DoorAnswer> {
            list.into_iter()
                .flatten()
                .filter(|(a, at)| a.holds_all_day() || round_start.is_none_or(|s| at.as_str() >= s))
                .map(|(a, _)| *a)
                .collect()
        };
        let mine = holds(by_elector.get(&e.elector_id));
        let door = holds(by_door.get(&e.household_id));
        e.answer_today = mine.last().or(door.last()).copied();
        e.needs_lift = mine.contains(&DoorAnswer::NeedsLift) || door.contains(&DoorAnswer::NeedsLift);
        // The latest word on the elector stands: a "voted" corrected by a later answer is undone.
        !door.contains(&DoorAnswer::DoNotReturn) && mine.last() != Some(&DoorAnswer::Voted)
    });
    out.sort_by_key(|e| (e.walk_id.is_none(), e.walk_id, e.seq, e.order));
    Ok(out)
}

/// A walk's knock-up round: the committee room sent knockers round it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Round {
    pub walk_id: i64,
    /// The walk's rounds that day: 1, 2, 3, ...
    pub number: i64,
    pub started_at: String,
}

/// The latest knock-up round of each walk on `day` (of one walk, if given).
pub async fn rounds(tx: &mut Tx, campaign: &Campaign, day: &str, walk: Option<i64>) -> Result<HashMap<i64, Round>> {
    let rows: Vec<Round> = match walk {
        Some(w) => {
            tx.fetch_all(
                "SELECT walk_id, number, started_at FROM knock_up_rounds WHERE campaign_id = $1 AND day = $2 AND walk_id = $3 ORDER BY number",
                args![campaign.id, day, w],
            )
            .await?
        }
        None => {
            tx.fetch_all(
                "SELECT walk_id, number, started_at FROM knock_up_rounds WHERE campaign_id = $1 AND day = $2 ORDER BY walk_id, number",
                args![campaign.id, day],
            )
            .await?
        }
    };
    Ok(rows.into_iter().map(|r| (r.walk_id, r)).collect())
}

/// Starts the walk's next knock-up round on `day` (its first, or one more than its last).
pub async fn start_round(tx: &mut Tx, campaign: &Campaign, day: &str, walk_id: i64, by: Option<i64>) -> Result<Round> {
    let (last,): (Option<i64>,) = tx
        .fetch_one(
            "SELECT MAX(number) FROM knock_up_rounds WHERE campaign_id = $1 AND day = $2 AND walk_id = $3",
            args![campaign.id, day, walk_id],
        )
        .await?;
    let round = Round { walk_id, number: last.unwrap_or(0) + 1, started_at: now() };
    // Two committee rooms starting the same walk's next round at once start it once.
    let started = tx
        .execute(
            "INSERT INTO knock_up_rounds (campaign_id, day, walk_id, number, started_at, started_by) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (campaign_id, day, walk_id, number) DO NOTHING",
            args![campaign.id, day, walk_id, round.number, round.started_at.as_str(), by],
        )
        .await?;
    if started == 0 {
        return rounds(tx, campaign, day, Some(walk_id))
            .await?
            .remove(&walk_id)
            .ok_or_else(|| Error::Conflict(format!("walk {walk_id}'s round could not be started: try again")));
    }
    Ok(round)
}

/// The walks assigned to `user` that have a knock-up round on `day` (in `district`, if given).
pub async fn round_walks_of(tx: &mut Tx, campaign: &Campaign, day: &str, user: i64, district: Option<&str>) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = tx
        .fetch_all(
            "SELECT DISTINCT r.walk_id FROM knock_up_rounds r \
             JOIN walk_assignments a ON a.campaign_id = r.campaign_id AND a.walk_id = r.walk_id \
             JOIN walks w ON w.campaign_id = r.campaign_id AND w.id = r.walk_id \
             WHERE r.campaign_id = $1 AND r.day = $2 AND a.user_id = $3 AND ($4 = '' OR w.polling_district = $4) ORDER BY r.walk_id",
            args![campaign.id, day, user, district.unwrap_or("")],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// An answer heard at a promise's door, as the phone sends it.
#[derive(Debug, Clone)]
pub struct KnockAnswer {
    pub id: uuid::Uuid,
    pub walk_id: i64,
    pub household_id: i64,
    /// `None` for the whole door.
    pub elector_id: Option<i64>,
    pub answer: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// What happened to a batch of answers at the door.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct KnockReport {
    pub stored: Vec<uuid::Uuid>,
    pub duplicates: Vec<uuid::Uuid>,
    pub rejected: Vec<crate::canvassing::Rejected>,
}

const KNOCK_COLUMNS: &[&str] =
    &["campaign_id", "id", "user_id", "walk_id", "household_id", "elector_id", "answer", "day", "recorded_at", "received_at"];

/// Stores answers heard at promises' doors, each once by its id. An answer for a door not on its
/// walk, a walk out of the sender's scope, an elector not at the door, or an answer that is no
/// answer is refused with the reason; the rest are stored.
pub async fn record_knock_answers(
    tx: &mut Tx,
    campaign: &Campaign,
    user_id: Option<i64>,
    scope: &Scope,
    today: &str,
    answers: &[KnockAnswer],
) -> Result<KnockReport> {
    let mut report = KnockReport::default();
    let reject =
        |report: &mut KnockReport, id: uuid::Uuid, reason: String| report.rejected.push(crate::canvassing::Rejected { id, reason });
    // Each walk's doors, if the sender may reach the walk.
    let mut doors: HashMap<i64, Option<HashSet<i64>>> = HashMap::new();
    for a in answers {
        if doors.contains_key(&a.walk_id) {
            continue;
        }
        let reachable = walk_in_scope(tx, campaign, a.walk_id, scope).await.is_ok();
        let set = if reachable {
            let rows: Vec<(i64,)> = tx
                .fetch_all("SELECT household_id FROM walk_doors WHERE campaign_id = $1 AND walk_id = $2", args![campaign.id, a.walk_id])
                .await?;
            Some(rows.into_iter().map(|r| r.0).collect())
        } else {
            None
        };
        doors.insert(a.walk_id, set);
    }
    let electors: Vec<i64> = answers.iter().filter_map(|a| a.elector_id).collect();
    let mut homes: HashMap<i64, Option<i64>> = HashMap::new();
    if !electors.is_empty() {
        let (list, a) = crate::db::in_list(electors.iter().copied(), args![campaign.id]);
        let rows: Vec<(i64, Option<i64>)> =
            tx.fetch_all(&format!("SELECT id, household_id FROM electors WHERE campaign_id = $1 AND id IN ({list})"), a).await?;
        homes.extend(rows);
    }
    let received = now();
    let mut rows = Vec::new();
    let mut taken = Vec::new();
    for a in answers {
        let Some(answer) = DoorAnswer::parse(&a.answer) else {
            reject(&mut report, a.id, format!("'{}' is not an answer at the door", a.answer));
            continue;
        };
        match doors.get(&a.walk_id) {
            Some(Some(set)) if set.contains(&a.household_id) => {}
            Some(Some(_)) => {
                reject(&mut report, a.id, format!("door {} is not on walk {}", a.household_id, a.walk_id));
                continue;
            }
            _ => {
                reject(&mut report, a.id, format!("walk {} is not yours to knock up", a.walk_id));
                continue;
            }
        }
        match (a.elector_id, answer.whole_door()) {
            (None, false) if answer != DoorAnswer::NeedsLift => {
                reject(&mut report, a.id, format!("'{}' is said of one elector: say who", answer.as_str()));
                continue;
            }
            (Some(e), _) if homes.get(&e).copied().flatten() != Some(a.household_id) => {
                reject(&mut report, a.id, format!("elector {e} does not live at door {}", a.household_id));
                continue;
            }
            _ => {}
        }
        rows.push(args![
            campaign.id,
            a.id.to_string(),
            user_id,
            a.walk_id,
            a.household_id,
            a.elector_id,
            answer.as_str(),
            today,
            crate::db::time_text(a.recorded_at),
            received.as_str()
        ]);
        taken.push(a.id);
    }
    let written = bulk::insert_new(tx, "knock_up_answers", KNOCK_COLUMNS, rows).await?;
    for (id, new) in taken.into_iter().zip(written) {
        if new {
            report.stored.push(id);
        } else {
            report.duplicates.push(id);
        }
    }
    Ok(report)
}

fn is_postal(absent_vote: Option<&str>) -> bool {
    absent_vote.and_then(groundgame_core::register::absent::AbsentVote::from_db).is_some_and(|a| a.is_postal())
}

/// The campaign's promises, how many have voted, and what it counts as a promise.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PromiseCounts {
    pub promises: u64,
    pub voted: u64,
    /// Promises with a postal vote (listed apart: their vote is chased, not knocked up).
    pub postal: u64,
    pub min_certainty: u8,
    /// The share of promises expected to vote, when the campaign has measured it.
    pub measured_turnout: Option<f64>,
    /// Tellings whose number matched nobody, waiting to be resolved.
    pub unknown_tellings: u64,
}

/// Counts the campaign's promises and those struck off as voted.
pub async fn promise_counts(tx: &mut Tx, campaign: &Campaign, day: &Day) -> Result<PromiseCounts> {
    let mut counts = promise_settings(tx, campaign, day).await?;
    let rule = PromiseRule { min_certainty: counts.min_certainty };
    let struck = first_struck(tx, campaign, day).await?;
    bulk::scan(tx, &promise_candidates("e.id, e.absent_vote"), args![campaign.id, i64::from(rule.min_certainty)], |row| {
        if row_is_promise(&rule, &campaign.party, &row, 2)? {
            counts.promises += 1;
            counts.voted += u64::from(struck.contains_key(&row.int(0)?));
            counts.postal += u64::from(is_postal(row.opt_text(1)?.as_deref()));
        }
        Ok(())
    })
    .await?;
    Ok(counts)
}

/// When each voter was first struck off today, by elector. Read on its own: joined into a scan
/// of the promises, PostgreSQL's planner (with no statistics yet on a fresh table) loops over it
/// for every row.
async fn first_struck(tx: &mut Tx, campaign: &Campaign, day: &Day) -> Result<HashMap<i64, String>> {
    let mut first: HashMap<i64, String> = HashMap::new();
    bulk::scan(
        tx,
        "SELECT elector_id, MIN(received_at) FROM tellings WHERE campaign_id = $1 AND elector_id IS NOT NULL AND withdrawn_at IS NULL \
         AND received_at >= $2 GROUP BY elector_id",
        args![campaign.id, day.starts.as_str()],
        |row| {
            first.insert(row.int(0)?, row.text(1)?);
            Ok(())
        },
    )
    .await?;
    Ok(first)
}

/// What the campaign counts as a promise, its measured promise turnout and the tellings waiting
/// to be resolved, with no promises counted yet.
pub async fn promise_settings(tx: &mut Tx, campaign: &Campaign, day: &Day) -> Result<PromiseCounts> {
    let (min, turnout, unknown): (i64, Option<f64>, i64) = tx
        .fetch_one(
            "SELECT c.promise_min_certainty, c.promise_turnout, (SELECT CAST(COUNT(*) AS BIGINT) FROM tellings t \
             WHERE t.campaign_id = c.id AND t.elector_id IS NULL AND t.withdrawn_at IS NULL AND t.received_at >= $2) \
             FROM campaigns c WHERE c.id = $1",
            args![campaign.id, day.starts.as_str()],
        )
        .await?;
    Ok(PromiseCounts {
        min_certainty: u8::try_from(min.clamp(1, 5)).unwrap_or(4),
        measured_turnout: turnout,
        unknown_tellings: unknown as u64,
        ..Default::default()
    })
}

pub(crate) async fn promise_rule(tx: &mut Tx, campaign: &Campaign) -> Result<PromiseRule> {
    let (min,): (i64,) = tx.fetch_one("SELECT promise_min_certainty FROM campaigns WHERE id = $1", args![campaign.id]).await?;
    Ok(PromiseRule { min_certainty: u8::try_from(min.clamp(1, 5)).unwrap_or(4) })
}

/// A polling station or a committee room: a named place with the polling districts it serves
/// (a station) or runs (a committee room). Each district belongs to at most one of each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub polling_districts: Vec<String>,
}

/// Which kind of place: its two tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    PollingStation,
    CommitteeRoom,
}

impl PlaceKind {
    fn tables(self) -> (&'static str, &'static str, &'static str) {
        match self {
            PlaceKind::PollingStation => ("polling_stations", "polling_station_districts", "station_id"),
            PlaceKind::CommitteeRoom => ("committee_rooms", "committee_room_districts", "room_id"),
        }
    }
}

/// The campaign's places of one kind, by name, each with its districts.
pub async fn places(tx: &mut Tx, campaign: &Campaign, kind: PlaceKind) -> Result<Vec<Place>> {
    let (places, districts, fk) = kind.tables();
    let rows: Vec<(i64, String, String)> = tx
        .fetch_all(&format!("SELECT id, name, address FROM {places} WHERE campaign_id = $1 ORDER BY name, id"), args![campaign.id])
        .await?;
    let links: Vec<(i64, String)> = tx
        .fetch_all(
            &format!("SELECT {fk}, polling_district FROM {districts} WHERE campaign_id = $1 ORDER BY polling_district"),
            args![campaign.id],
        )
        .await?;
    let mut by_place: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, d) in links {
        by_place.entry(id).or_default().push(d);
    }
    Ok(rows
        .into_iter()
        .map(|(id, name, address)| Place { id, polling_districts: by_place.remove(&id).unwrap_or_default(), name, address })
        .collect())
}

/// Saves a place by its name (a new one, or the one of that name again, its address and districts
/// replaced). A district another place of the kind had moves to this one. Returns its id.
pub async fn save_place(
    tx: &mut Tx,
    campaign: &Campaign,
    kind: PlaceKind,
    name: &str,
    address: &str,
    polling_districts: &[String],
) -> Result<i64> {
    let (places, districts, fk) = kind.tables();
    // Held before looking for the name too: two saves of one new name at once make one place.
    tx.hold_next_id(places, campaign.id).await?;
    let existing: Option<(i64,)> =
        tx.fetch_optional(&format!("SELECT id FROM {places} WHERE campaign_id = $1 AND name = $2"), args![campaign.id, name]).await?;
    let id = match existing {
        Some((id,)) => {
            tx.execute(&format!("UPDATE {places} SET address = $1 WHERE campaign_id = $2 AND id = $3"), args![address, campaign.id, id])
                .await?;
            tx.execute(&format!("DELETE FROM {districts} WHERE campaign_id = $1 AND {fk} = $2"), args![campaign.id, id]).await?;
            id
        }
        None => {
            let (id,): (i64,) = tx
                .fetch_one(
                    &format!(
                        "INSERT INTO {places} (campaign_id, id, name, address) \
                         SELECT $1, COALESCE(MAX(id), 0) + 1, $2, $3 FROM {places} WHERE campaign_id = $1 RETURNING id"
                    ),
                    args![campaign.id, name, address],
                )
                .await?;
            id
        }
    };
    for d in polling_districts {
        tx.execute(
            &format!(
                "INSERT INTO {districts} (campaign_id, {fk}, polling_district) VALUES ($1, $2, $3) \
                 ON CONFLICT (campaign_id, polling_district) DO UPDATE SET {fk} = excluded.{fk}"
            ),
            args![campaign.id, id, d.as_str()],
        )
        .await?;
    }
    Ok(id)
}

/// Deletes a place; says whether there was one.
pub async fn delete_place(tx: &mut Tx, campaign: &Campaign, kind: PlaceKind, id: i64) -> Result<bool> {
    let (places, districts, fk) = kind.tables();
    tx.execute(&format!("DELETE FROM {districts} WHERE campaign_id = $1 AND {fk} = $2"), args![campaign.id, id]).await?;
    Ok(tx.execute(&format!("DELETE FROM {places} WHERE campaign_id = $1 AND id = $2"), args![campaign.id, id]).await? > 0)
}

/// Records the official count of ballot papers issued at a station so far. Says whether there is
/// such a station.
pub async fn record_station_count(
    tx: &mut Tx,
    campaign: &Campaign,
    station_id: i64,
    ballot_papers: i64,
    user_id: Option<i64>,
) -> Result<bool> {
    let known: Option<(i64,)> =
        tx.fetch_optional("SELECT id FROM polling_stations WHERE campaign_id = $1 AND id = $2", args![campaign.id, station_id]).await?;
    if known.is_none() {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO polling_station_counts (campaign_id, station_id, counted_at, ballot_papers, user_id) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (campaign_id, station_id, counted_at) DO UPDATE SET ballot_papers = excluded.ballot_papers",
        args![campaign.id, station_id, now(), ballot_papers, user_id],
    )
    .await?;
    Ok(true)
}

/// Whether a walk exists and the scope reaches it (for a canvasser: assigned to them).
pub async fn walk_in_scope(tx: &mut Tx, campaign: &Campaign, walk_id: i64, scope: &Scope) -> Result<()> {
    let found: Option<(i64,)> = match scope {
        Scope::Campaign => {
            tx.fetch_optional("SELECT id FROM walks WHERE campaign_id = $1 AND id = $2", args![campaign.id, walk_id]).await?
        }
        Scope::AssignedTo(user) => {
            tx.fetch_optional(
                "SELECT walk_id FROM walk_assignments WHERE campaign_id = $1 AND walk_id = $2 AND user_id = $3",
                args![campaign.id, walk_id, *user],
            )
            .await?
        }
    };
    match (found, scope) {
        (Some(_), _) => Ok(()),
        (None, Scope::Campaign) => Err(Error::NotFound(format!("no walk {walk_id} in {}", campaign.ballot_id))),
        (None, Scope::AssignedTo(_)) => Err(Error::NotFound(format!("walk {walk_id} is not assigned to you"))),
    }
}

/// A polling district on the day: its promises and how many have voted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DistrictDay {
    pub polling_district: String,
    pub electors: u64,
    /// Voters the tellers struck off, promises or not.
    pub voted: u64,
    pub promises: u64,
    pub promises_voted: u64,
    pub postal_promises: u64,
    /// Postal voter promises who said their postal vote is posted.
    pub postal_posted: u64,
}

/// A polling station on the day: what its tellers took against the official count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StationDay {
    pub id: i64,
    pub name: String,
    pub polling_districts: Vec<String>,
    /// Voters the tellers struck off at the station.
    pub struck_off: u64,
    /// The latest official count of ballot papers issued, and when it was given.
    pub ballot_papers: Option<u64>,
    pub counted_at: Option<String>,
}

/// Strike-offs in one hour of the day (UK time).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HourDay {
    pub hour: u32,
    pub voted: u64,
    pub promises_voted: u64,
}

/// A walk with promises still to vote: where to send the next knocker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalkLeft {
    pub walk_id: i64,
    pub name: String,
    pub polling_district: String,
    pub promises_left: u64,
    /// Who holds the walk now, if anyone.
    pub canvasser: Option<String>,
    /// Its latest knock-up round today, if any.
    pub round: Option<i64>,
    /// Knockers are on it now (its latest round began lately).
    pub being_knocked: bool,
}

/// A walk being knocked up now: who is out, where, and how far they have got.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundDay {
    pub walk_id: i64,
    pub name: String,
    pub polling_district: String,
    pub number: i64,
    pub started_at: String,
    pub canvasser: Option<String>,
    /// Doors with an answer since the round began.
    pub doors_knocked: u64,
    pub promises_left: u64,
}

/// A telling whose number matches nobody: for the committee room to resolve.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct UnknownTelling {
    pub id: String,
    pub polling_district: String,
    pub number: String,
    pub received_at: String,
}

/// Everything the committee room watches, counted in one go.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CommitteeRoomCounts {
    pub districts: Vec<DistrictDay>,
    pub stations: Vec<StationDay>,
    pub hours: Vec<HourDay>,
    /// Where to send the next knocker: the walks with most promises left to vote for each knocker
    /// sent (a walk already being knocked counts half), best first.
    pub walks: Vec<WalkLeft>,
    /// The walks being knocked up now (their latest round began lately), latest first.
    pub rounds: Vec<RoundDay>,
    pub unknown: Vec<UnknownTelling>,
    /// Volunteers who recorded a contact or a knock-up answer at a door in the last hour
    /// ([`volunteers_out`]: counted apart, less often).
    pub volunteers_out: u64,
    /// Lifts to the polling station asked for at the door today: those still to give first,
    /// latest first.
    pub lifts: Vec<LiftWanted>,
    pub lifts_asked: u64,
    pub lifts_given: u64,
    /// Electors who said at the door today that they have voted.
    pub voted_at_door: u64,
}

/// A lift asked for at a door on polling day.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LiftWanted {
    /// The answer that asked for it: what the committee room marks as given.
    pub id: String,
    pub address: String,
    pub walk: String,
    pub received_at: String,
    /// When a driver was sent, if one was.
    pub given_at: Option<String>,
}

/// At most this many walks are suggested, and unknown tellings listed.
const SHOWN: usize = 20;

/// When the committee room counts from, as stored: walks whose latest round began since
/// `rounds_since` are being knocked now.
#[derive(Debug, Clone)]
pub struct Lately {
    pub rounds_since: String,
}

/// Volunteers out: those who recorded a contact or a knock-up answer at a door since `since` (on
/// `day`, UK date).
pub async fn volunteers_out(tx: &mut Tx, campaign: &Campaign, since: &str, day: &str) -> Result<u64> {
    let (n,): (i64,) = tx
        .fetch_one(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT user_id FROM contacts WHERE campaign_id = $1 AND ordered_at >= $2 \
             UNION SELECT user_id FROM knock_up_answers WHERE campaign_id = $1 AND day = $3 AND received_at >= $2) u \
             WHERE user_id IS NOT NULL",
            args![campaign.id, since, day],
        )
        .await?;
    Ok(n as u64)
}

/// The campaign's promises as the committee room counts them: read once and kept while nothing
/// but strike-offs changes (a contact, a promise by hand, the postal chase or the rule change it).
#[derive(Debug, Clone, Default)]
pub struct PromiseSet {
    /// Electors on the register, by polling district.
    pub electors: Vec<(String, u64)>,
    pub promises: Vec<Promise>,
}

/// A promise, as the committee room counts them.
#[derive(Debug, Clone, PartialEq)]
pub struct Promise {
    pub elector_id: i64,
    pub polling_district: String,
    /// The walk their door is on, if any.
    pub walk_id: Option<i64>,
    pub postal: bool,
    /// A postal voter who said their postal vote is posted.
    pub posted: bool,
}

/// Reads the campaign's promises and its electors by polling district.
pub async fn promise_set(tx: &mut Tx, campaign: &Campaign) -> Result<PromiseSet> {
    let rule = promise_rule(tx, campaign).await?;
    let electors: Vec<(String, i64)> = tx
        .fetch_all(
            "SELECT polling_district, CAST(COUNT(*) AS BIGINT) FROM electors WHERE campaign_id = $1 GROUP BY polling_district",
            args![campaign.id],
        )
        .await?;
    let mut promises = Vec::new();
    // Narrowed in the query to the rule's certainty or added by hand; the rule itself decides.
    bulk::scan(
        tx,
        &promise_candidates(&format!("e.absent_vote, e.polling_district, d.walk_id, e.id, {POSTAL_CHASE}")),
        args![campaign.id, i64::from(rule.min_certainty)],
        |row| {
            if !row_is_promise(&rule, &campaign.party, &row, 5)? {
                return Ok(());
            }
            let postal = is_postal(row.opt_text(0)?.as_deref());
            promises.push(Promise {
                elector_id: row.int(3)?,
                polling_district: row.text(1)?,
                walk_id: row.opt_int(2)?,
                postal,
                posted: postal && row.opt_text(4)?.as_deref().and_then(PostalChase::parse) == Some(PostalChase::Posted),
            });
            Ok(())
        },
    )
    .await?;
    Ok(PromiseSet { electors: electors.into_iter().map(|(d, n)| (d, n as u64)).collect(), promises })
}

/// A standing telling that struck an elector off: (elector, their polling district, received at).
pub type Strike = (i64, String, String);

/// The standing tellings that struck someone off, received since `since` (and since the day
/// began): all of the day's, or those since the last read. Read by the time received.
pub async fn strikes_since(tx: &mut Tx, campaign: &Campaign, day: &Day, since: Option<&str>) -> Result<Vec<Strike>> {
    let since = since.filter(|s| *s > day.starts.as_str()).unwrap_or(day.starts.as_str());
    let mut out = Vec::new();
    bulk::scan(
        tx,
        "SELECT elector_id, polling_district, received_at FROM tellings WHERE campaign_id = $1 AND received_at >= $2 \
         AND elector_id IS NOT NULL AND withdrawn_at IS NULL",
        args![campaign.id, since],
        |row| {
            out.push((row.int(0)?, row.text(1)?, row.text(2)?));
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// How many tellings have been taken back today, and the latest: when it changes, strike-offs
/// counted before may no longer stand.
pub async fn withdrawals(tx: &mut Tx, campaign: &Campaign, day: &Day) -> Result<(i64, Option<String>)> {
    tx.fetch_one(
        "SELECT CAST(COUNT(*) AS BIGINT), MAX(withdrawn_at) FROM tellings WHERE campaign_id = $1 AND withdrawn_at >= $2",
        args![campaign.id, day.starts.as_str()],
    )
    .await
}

/// Counts the committee room's numbers from the campaign's promises and who has been struck off
/// today (`struck`: elector -> (polling district, first received)). `hour_of` turns a stored UTC
/// time into its UK hour.
pub async fn committee_room(
    tx: &mut Tx,
    campaign: &Campaign,
    day: &Day,
    lately: &Lately,
    promise_set: &PromiseSet,
    struck: &HashMap<i64, (String, String)>,
    hour_of: impl Fn(&str) -> Option<u32>,
) -> Result<CommitteeRoomCounts> {
    let mut districts: BTreeMap<String, DistrictDay> = BTreeMap::new();
    let mut hours: BTreeMap<u32, HourDay> = BTreeMap::new();
    let mut walks_left: HashMap<i64, u64> = HashMap::new();
    for (d, n) in &promise_set.electors {
        districts.insert(d.clone(), DistrictDay { polling_district: d.clone(), electors: *n, ..Default::default() });
    }
    // Each UK hour once per stored hour (`2017-06-08T15`), not once per voter.
    let mut hour_memo: HashMap<String, Option<u32>> = HashMap::new();
    let mut hour = |first: &str| -> Option<u32> {
        let key: String = first.chars().take(13).collect();
        *hour_memo.entry(key).or_insert_with_key(|k| hour_of(&format!("{k}:00:00.000Z")))
    };
    // Every voter struck off, by district and hour.
    for (d, first) in struck.values() {
        districts.entry(d.clone()).or_insert_with(|| DistrictDay { polling_district: d.clone(), ..Default::default() }).voted += 1;
        if let Some(h) = hour(first) {
            hours.entry(h).or_insert_with(|| HourDay { hour: h, ..Default::default() }).voted += 1;
        }
    }
    // Every promise, whether and when they voted, and their walk.
    for p in &promise_set.promises {
        let day = districts
            .entry(p.polling_district.clone())
            .or_insert_with(|| DistrictDay { polling_district: p.polling_district.clone(), ..Default::default() });
        day.promises += 1;
        day.postal_promises += u64::from(p.postal);
        day.postal_posted += u64::from(p.posted);
        match struck.get(&p.elector_id) {
            Some((_, first)) => {
                day.promises_voted += 1;
                if let Some(h) = hour(first) {
                    hours.entry(h).or_insert_with(|| HourDay { hour: h, ..Default::default() }).promises_voted += 1;
                }
            }
            // A posted postal vote is cast: no knocker is sent for it.
            None if p.posted => {}
            None => {
                if let Some(w) = p.walk_id {
                    *walks_left.entry(w).or_default() += 1;
                }
            }
        }
    }

    // The stations, what their tellers took and their latest official count.
    let stations = places(tx, campaign, PlaceKind::PollingStation).await?;
    let counts: Vec<(i64, String, i64)> = tx
        .fetch_all(
            "SELECT c.station_id, c.counted_at, c.ballot_papers FROM polling_station_counts c WHERE c.campaign_id = $1 \
             AND c.counted_at = (SELECT MAX(l.counted_at) FROM polling_station_counts l WHERE l.campaign_id = c.campaign_id \
             AND l.station_id = c.station_id)",
            args![campaign.id],
        )
        .await?;
    let counts: HashMap<i64, (String, i64)> = counts.into_iter().map(|(s, at, n)| (s, (at, n))).collect();
    let stations = stations
        .into_iter()
        .map(|s| {
            let count = counts.get(&s.id);
            StationDay {
                id: s.id,
                struck_off: s.polling_districts.iter().filter_map(|d| districts.get(d)).map(|d| d.voted).sum(),
                ballot_papers: count.map(|c| c.1 as u64),
                counted_at: count.map(|c| c.0.clone()),
                name: s.name,
                polling_districts: s.polling_districts,
            }
        })
        .collect();

    // The walks being knocked now, and how many doors have answered since their round began.
    let today_rounds = rounds(tx, campaign, &day.date, None).await?;
    let knocked: Vec<(i64, i64, i64)> = tx
        .fetch_all(
            // An answer is of the round it was heard in, as the knock-up list decides: by the
            // phone's clock when that is plausible (today, and not after its receipt).
            "WITH t AS (SELECT CAST($1 AS TEXT) AS day_starts) \
             SELECT r.walk_id, r.number, CAST(COUNT(DISTINCT a.household_id) AS BIGINT) FROM knock_up_rounds r CROSS JOIN t \
             LEFT JOIN knock_up_answers a ON a.campaign_id = r.campaign_id AND a.day = r.day AND a.walk_id = r.walk_id \
             AND CASE WHEN a.recorded_at >= t.day_starts AND a.recorded_at <= a.received_at THEN a.recorded_at ELSE a.received_at END \
             >= r.started_at \
             WHERE r.campaign_id = $2 AND r.day = $3 AND r.started_at >= $4 GROUP BY r.walk_id, r.number",
            args![day.starts.as_str(), campaign.id, day.date.as_str(), lately.rounds_since.as_str()],
        )
        .await?;
    let active: HashMap<i64, u64> = knocked
        .into_iter()
        .filter(|(w, n, _)| today_rounds.get(w).is_some_and(|r| r.number == *n))
        .map(|(w, _, doors)| (w, doors as u64))
        .collect();
    // Where to send the next knocker: the walks with most promises left for each knocker sent.
    let mut top: Vec<(i64, u64)> = walks_left.iter().map(|(w, n)| (*w, *n)).collect();
    let worth = |(w, left): &(i64, u64)| if active.contains_key(w) { left / 2 } else { *left };
    top.sort_by(|a, b| worth(b).cmp(&worth(a)).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    top.truncate(SHOWN);
    let mut wanted: Vec<i64> = top.iter().map(|t| t.0).chain(active.keys().copied()).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut named: HashMap<i64, (String, String, Option<String>)> = HashMap::new();
    if !wanted.is_empty() {
        let (list, a) = crate::db::in_list(wanted.iter().copied(), args![campaign.id]);
        let rows: Vec<(i64, String, String, Option<String>)> = tx
            .fetch_all(
                &format!(
                    "SELECT w.id, w.name, w.polling_district, u.name FROM walks w \
                     LEFT JOIN walk_assignments a ON a.campaign_id = w.campaign_id AND a.walk_id = w.id \
                     LEFT JOIN users u ON u.id = a.user_id WHERE w.campaign_id = $1 AND w.id IN ({list})"
                ),
                a,
            )
            .await?;
        named.extend(rows.into_iter().map(|(id, n, d, u)| (id, (n, d, u))));
    }
    let walks = top
        .into_iter()
        .filter_map(|(id, left)| {
            let (name, district, canvasser) = named.get(&id)?;
            Some(WalkLeft {
                walk_id: id,
                name: name.clone(),
                polling_district: district.clone(),
                promises_left: left,
                canvasser: canvasser.clone(),
                round: today_rounds.get(&id).map(|r| r.number),
                being_knocked: active.contains_key(&id),
            })
        })
        .collect();
    let mut out_now: Vec<RoundDay> = active
        .iter()
        .filter_map(|(id, doors)| {
            let (name, district, canvasser) = named.get(id)?;
            let round = today_rounds.get(id)?;
            Some(RoundDay {
                walk_id: *id,
                name: name.clone(),
                polling_district: district.clone(),
                number: round.number,
                started_at: round.started_at.clone(),
                canvasser: canvasser.clone(),
                doors_knocked: *doors,
                promises_left: walks_left.get(id).copied().unwrap_or(0),
            })
        })
        .collect();
    out_now.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(a.walk_id.cmp(&b.walk_id)));
    let unknown: Vec<UnknownTelling> = tx
        .fetch_all(
            &format!(
                "SELECT id, polling_district, number, received_at FROM tellings WHERE campaign_id = $1 AND elector_id IS NULL \
                 AND withdrawn_at IS NULL AND received_at >= $2 ORDER BY received_at DESC, id LIMIT {SHOWN}"
            ),
            args![campaign.id, day.starts.as_str()],
        )
        .await?;
    let lifts: Vec<LiftWanted> = tx
        .fetch_all(
            &format!(
                "SELECT a.id, h.address, w.name AS walk, a.received_at, g.given_at FROM knock_up_answers a \
                 JOIN households h ON h.campaign_id = a.campaign_id AND h.id = a.household_id \
                 JOIN walks w ON w.campaign_id = a.campaign_id AND w.id = a.walk_id \
                 LEFT JOIN lifts_given g ON g.campaign_id = a.campaign_id AND g.answer_id = a.id \
                 WHERE a.campaign_id = $1 AND a.day = $2 AND a.answer = 'needs_lift' \
                 ORDER BY CASE WHEN g.given_at IS NULL THEN 0 ELSE 1 END, a.received_at DESC LIMIT {SHOWN}"
            ),
            args![campaign.id, day.date.as_str()],
        )
        .await?;
    let (lifts_asked, lifts_given): (i64, i64) = tx
        .fetch_one(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COUNT(g.given_at) AS BIGINT) FROM knock_up_answers a \
             LEFT JOIN lifts_given g ON g.campaign_id = a.campaign_id AND g.answer_id = a.id \
             WHERE a.campaign_id = $1 AND a.day = $2 AND a.answer = 'needs_lift'",
            args![campaign.id, day.date.as_str()],
        )
        .await?;
    let (voted_at_door,): (i64,) = tx
        .fetch_one(
            "SELECT CAST(COUNT(DISTINCT elector_id) AS BIGINT) FROM knock_up_answers WHERE campaign_id = $1 AND day = $2 AND answer = 'voted'",
            args![campaign.id, day.date.as_str()],
        )
        .await?;
    Ok(CommitteeRoomCounts {
        lifts: lifts.into_iter().map(|l| LiftWanted { address: l.address.replace('\n', ", "), ..l }).collect(),
        voted_at_door: voted_at_door as u64,
        lifts_asked: lifts_asked as u64,
        lifts_given: lifts_given as u64,
        districts: districts.into_values().collect(),
        stations,
        hours: hours.into_values().collect(),
        walks,
        rounds: out_now,
        unknown,
        volunteers_out: 0,
    })
}

/// A voter as a teller's phone keeps them, to show the name of the number typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TellerElector {
    /// The number within the district, as printed on a poll card: `124` or `124/1`.
    pub number: String,
    pub name: String,
}

/// The electors of a polling district, by number, with their names only (a teller needs no more).
pub async fn teller_names(tx: &mut Tx, campaign: &Campaign, district: &str) -> Result<Vec<TellerElector>> {
    let rows: Vec<(i64, i64, String, String)> = tx
        .fetch_all(
            "SELECT elector_number, elector_suffix, forename, surname FROM electors WHERE campaign_id = $1 AND polling_district = $2 \
             ORDER BY elector_number, elector_suffix",
            args![campaign.id, district],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(n, s, forename, surname)| TellerElector {
            number: if s == 0 { n.to_string() } else { format!("{n}/{s}") },
            name: format!("{forename} {surname}").trim().to_owned(),
        })
        .collect())
}

/// The polling districts of the campaign's register.
pub async fn districts(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<String>> {
    let rows: Vec<(String,)> =
        tx.fetch_all("SELECT code FROM polling_districts WHERE campaign_id = $1 ORDER BY code", args![campaign.id]).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Every elector at a door of a walk: (walk, household, elector), in walk order. For the
/// simulated canvass of the demo and the benchmarks.
pub async fn walk_electors(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<(i64, i64, i64)>> {
    // Read apart and joined here: with no statistics, SQLite's planner joined every door to the
    // whole register (minutes for the demo seat).
    let doors: Vec<(i64, i64)> = tx
        .fetch_all("SELECT walk_id, household_id FROM walk_doors WHERE campaign_id = $1 ORDER BY walk_id, seq", args![campaign.id])
        .await?;
    let electors: Vec<(i64, i64)> = tx
        .fetch_all(
            "SELECT household_id, id FROM electors WHERE campaign_id = $1 AND household_id IS NOT NULL ORDER BY elector_number, elector_suffix",
            args![campaign.id],
        )
        .await?;
    let mut at: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for (household, id) in electors {
        at.entry(household).or_default().push(id);
    }
    Ok(doors
        .into_iter()
        .flat_map(|(walk, household)| at.get(&household).into_iter().flatten().map(move |&e| (walk, household, e)))
        .collect())
}

/// An elector as the simulated polling day sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct DayElector {
    pub polling_district: String,
    /// As printed on a poll card: `124` or `124/1`.
    pub number: String,
    pub promise: bool,
    pub postal: bool,
}

/// Every elector of the campaign, whether a promise and whether a postal voter.
pub async fn day_electors(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<DayElector>> {
    let rule = promise_rule(tx, campaign).await?;
    let mut out = Vec::new();
    bulk::scan(
        tx,
        &format!(
            "SELECT e.polling_district, e.elector_number, e.elector_suffix, e.absent_vote, {RULE_COLUMNS}, {BY_HAND} \
             FROM electors e LEFT JOIN progress_electors p ON p.campaign_id = e.campaign_id AND p.elector_id = e.id \
             WHERE e.campaign_id = $1 ORDER BY e.polling_district, e.elector_number, e.elector_suffix"
        ),
        args![campaign.id],
        |row| {
            let (n, s) = (row.int(1)?, row.int(2)?);
            out.push(DayElector {
                polling_district: row.text(0)?,
                number: if s == 0 { n.to_string() } else { format!("{n}/{s}") },
                promise: row_is_promise(&rule, &campaign.party, &row, 4)?,
                postal: is_postal(row.opt_text(3)?.as_deref()),
            });
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// Sets what counts as a promise (the least certainty, 1 to 5) and the share of promises expected
/// to vote (`None`: two thirds, or what a marked register measured).
pub async fn set_promise_rule(tx: &mut Tx, campaign: &Campaign, min_certainty: u8, turnout: Option<f64>) -> Result<()> {
    tx.execute(
        "UPDATE campaigns SET promise_min_certainty = $1, promise_turnout = $2 WHERE id = $3",
        args![i64::from(min_certainty), turnout, campaign.id],
    )
    .await?;
    Ok(())
}

/// What a marked register said of the campaign's promises.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MarkedReport {
    /// Numbers on the marked register, and those that matched an elector.
    pub numbers: u64,
    pub matched: u64,
    /// Numbers that matched nobody (the first few).
    pub unmatched: Vec<String>,
    pub promises: u64,
    pub promises_voted: u64,
    /// The share of promises who voted, by polling district: (district, promises, voted).
    pub by_district: Vec<(String, u64, u64)>,
    /// The same by the canvasser of each promise's latest contact: (canvasser, promises, voted).
    pub by_canvasser: Vec<(String, u64, u64)>,
}

/// Replaces the campaign's marked register with these elector numbers and measures the share of
/// promises who voted, keeping it as the campaign's expected promise turnout.
pub async fn import_marked_register(tx: &mut Tx, campaign: &Campaign, numbers: &[ElectorNumber], typed: &[String]) -> Result<MarkedReport> {
    let mut by_district: BTreeMap<&str, HashSet<(i64, i64)>> = BTreeMap::new();
    for n in numbers {
        by_district.entry(n.district.as_str()).or_default().insert((i64::from(n.number), i64::from(n.suffix)));
    }
    let mut found: HashMap<(String, i64, i64), i64> = HashMap::new();
    for (district, wanted) in &by_district {
        let rows: Vec<(i64, i64, i64)> = tx
            .fetch_all(
                "SELECT id, elector_number, elector_suffix FROM electors WHERE campaign_id = $1 AND polling_district = $2",
                args![campaign.id, *district],
            )
            .await?;
        for (id, n, s) in rows {
            if wanted.contains(&(n, s)) {
                found.insert(((*district).to_owned(), n, s), id);
            }
        }
    }
    tx.execute("DELETE FROM marked_voters WHERE campaign_id = $1", args![campaign.id]).await?;
    let mut report = MarkedReport { numbers: numbers.len() as u64, ..Default::default() };
    let mut voted: HashSet<i64> = HashSet::new();
    let mut rows = Vec::new();
    for (n, typed) in numbers.iter().zip(typed) {
        match found.get(&(n.district.as_str().to_owned(), i64::from(n.number), i64::from(n.suffix))) {
            Some(&id) if voted.insert(id) => rows.push(args![campaign.id, id]),
            Some(_) => {}
            None if report.unmatched.len() < 20 => report.unmatched.push(typed.clone()),
            None => {}
        }
    }
    report.matched = voted.len() as u64;
    bulk::upsert(tx, "marked_voters", "(campaign_id, elector_id) DO NOTHING", rows).await?;
    let rule = promise_rule(tx, campaign).await?;
    let mut districts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut canvassers: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    // The canvasser of each promise's latest contact (none: added by hand and never canvassed).
    let canvasser = "(SELECT u.name FROM contacts c JOIN users u ON u.id = c.user_id \
                     WHERE c.campaign_id = e.campaign_id AND c.id = p.last_contact)";
    bulk::scan(
        tx,
        &promise_candidates(&format!("e.id, e.polling_district, {canvasser}")),
        args![campaign.id, i64::from(rule.min_certainty)],
        |row| {
            if row_is_promise(&rule, &campaign.party, &row, 3)? {
                let has_voted = u64::from(voted.contains(&row.int(0)?));
                let d = districts.entry(row.text(1)?).or_default();
                d.0 += 1;
                d.1 += has_voted;
                let who = row.opt_text(2)?.unwrap_or_else(|| "(added by hand, or no canvasser named)".to_owned());
                let c = canvassers.entry(who).or_default();
                c.0 += 1;
                c.1 += has_voted;
            }
            Ok(())
        },
    )
    .await?;
    report.by_canvasser = canvassers.into_iter().map(|(c, (p, v))| (c, p, v)).collect();
    report.promises = districts.values().map(|d| d.0).sum();
    report.promises_voted = districts.values().map(|d| d.1).sum();
    report.by_district = districts.into_iter().map(|(d, (p, v))| (d, p, v)).collect();
    if report.promises > 0 {
        let turnout = report.promises_voted as f64 / report.promises as f64;
        tx.execute("UPDATE campaigns SET promise_turnout = $1 WHERE id = $2", args![turnout, campaign.id]).await?;
    }
    Ok(report)
}

/// An elector on one of the committee room's lists: the promises added by hand, the postal-vote
/// chase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedElector {
    pub elector_id: i64,
    pub elector_number: String,
    pub name: String,
    pub address: String,
    /// When they were added (by hand) or last asked (the postal chase).
    pub at: Option<String>,
    /// The postal chase: what they said; `None` until asked.
    pub postal_chase: Option<PostalChase>,
}

/// The elector with this number in the campaign's register: (id, name, address).
async fn elector_by_number(tx: &mut Tx, campaign: &Campaign, number: &ElectorNumber) -> Result<(i64, String, String)> {
    let row: Option<(i64, String, String, String)> = tx
        .fetch_optional(
            "SELECT id, forename, surname, address FROM electors \
             WHERE campaign_id = $1 AND polling_district = $2 AND elector_number = $3 AND elector_suffix = $4",
            args![campaign.id, number.district.as_str(), i64::from(number.number), i64::from(number.suffix)],
        )
        .await?;
    let (id, forename, surname, address) =
        row.ok_or_else(|| Error::NotFound(format!("{number} is not on the register of {}", campaign.ballot_id)))?;
    Ok((id, format!("{forename} {surname}").trim().to_owned(), address.replace('\n', ", ")))
}

/// Adds an elector to the promises by hand; says their name, and whether they were not on the
/// list already.
pub async fn add_hand_promise(tx: &mut Tx, campaign: &Campaign, number: &ElectorNumber, by: Option<i64>) -> Result<(String, bool)> {
    let (id, name, _) = elector_by_number(tx, campaign, number).await?;
    let added = tx
        .execute(
            "INSERT INTO hand_promises (campaign_id, elector_id, added_at, added_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (campaign_id, elector_id) DO NOTHING",
            args![campaign.id, id, now(), by],
        )
        .await?;
    Ok((name, added > 0))
}

/// Takes an elector off the promises added by hand; says whether they were on it.
pub async fn remove_hand_promise(tx: &mut Tx, campaign: &Campaign, elector_id: i64) -> Result<bool> {
    Ok(tx.execute("DELETE FROM hand_promises WHERE campaign_id = $1 AND elector_id = $2", args![campaign.id, elector_id]).await? > 0)
}

/// The promises added by hand, in register order.
pub async fn hand_promises(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<ListedElector>> {
    let mut out = Vec::new();
    bulk::scan(
        tx,
        "SELECT e.id, e.polling_district, e.elector_number, e.elector_suffix, e.forename, e.surname, e.address, h.added_at \
         FROM hand_promises h JOIN electors e ON e.campaign_id = h.campaign_id AND e.id = h.elector_id \
         WHERE h.campaign_id = $1 ORDER BY e.polling_district, e.elector_number, e.elector_suffix",
        args![campaign.id],
        |row| {
            out.push(ListedElector {
                elector_id: row.int(0)?,
                elector_number: format_number(&row.text(1)?, row.int(2)?, row.int(3)?),
                name: format!("{} {}", row.text(4)?, row.text(5)?).trim().to_owned(),
                address: row.text(6)?.replace('\n', ", "),
                at: row.opt_text(7)?,
                postal_chase: None,
            });
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// The postal voter promises of a polling district, in register order, with what each said
/// when last asked whether their postal vote is posted.
pub async fn postal_promises(tx: &mut Tx, campaign: &Campaign, district: &str) -> Result<Vec<ListedElector>> {
    let rule = promise_rule(tx, campaign).await?;
    let mut out = Vec::new();
    bulk::scan(
        tx,
        &format!(
            "SELECT e.id, e.polling_district, e.elector_number, e.elector_suffix, e.forename, e.surname, e.address, e.absent_vote, \
             c.status, c.recorded_at, {RULE_COLUMNS}, {BY_HAND} FROM electors e \
             LEFT JOIN progress_electors p ON p.campaign_id = e.campaign_id AND p.elector_id = e.id \
             LEFT JOIN postal_chase c ON c.campaign_id = e.campaign_id AND c.elector_id = e.id \
             WHERE e.campaign_id = $1 AND e.polling_district = $2 AND e.absent_vote IS NOT NULL AND {} \
             ORDER BY e.elector_number, e.elector_suffix",
            crate::privacy::CONTACTABLE
        ),
        args![campaign.id, district],
        |row| {
            if !is_postal(row.opt_text(7)?.as_deref()) || !row_is_promise(&rule, &campaign.party, &row, 10)? {
                return Ok(());
            }
            out.push(ListedElector {
                elector_id: row.int(0)?,
                elector_number: format_number(&row.text(1)?, row.int(2)?, row.int(3)?),
                name: format!("{} {}", row.text(4)?, row.text(5)?).trim().to_owned(),
                address: row.text(6)?.replace('\n', ", "),
                postal_chase: row.opt_text(8)?.as_deref().and_then(PostalChase::parse),
                at: row.opt_text(9)?,
            });
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// Records what a postal voter said of their postal vote; says their number, or `None` when
/// the elector is not a postal voter of the campaign.
pub async fn record_postal_chase(
    tx: &mut Tx,
    campaign: &Campaign,
    elector_id: i64,
    status: PostalChase,
    by: Option<i64>,
) -> Result<Option<String>> {
    let row: Option<(String, i64, i64, Option<String>)> = tx
        .fetch_optional(
            "SELECT polling_district, elector_number, elector_suffix, absent_vote FROM electors WHERE campaign_id = $1 AND id = $2",
            args![campaign.id, elector_id],
        )
        .await?;
    let Some((district, number, suffix, absent)) = row else { return Ok(None) };
    if !is_postal(absent.as_deref()) {
        return Ok(None);
    }
    tx.execute(
        "INSERT INTO postal_chase (campaign_id, elector_id, status, recorded_at, user_id) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (campaign_id, elector_id) DO UPDATE SET status = excluded.status, recorded_at = excluded.recorded_at, \
         user_id = excluded.user_id",
        args![campaign.id, elector_id, status.as_str(), now(), by],
    )
    .await?;
    Ok(Some(format_number(&district, number, suffix)))
}

/// Marks a lift asked for at a door as given (a driver was sent); says whether there was such a
/// lift. Marking it twice changes nothing.
pub async fn give_lift(tx: &mut Tx, campaign: &Campaign, answer_id: &str, by: Option<i64>) -> Result<bool> {
    let asked: Option<(String,)> = tx
        .fetch_optional(
            "SELECT id FROM knock_up_answers WHERE campaign_id = $1 AND id = $2 AND answer = 'needs_lift'",
            args![campaign.id, answer_id],
        )
        .await?;
    if asked.is_none() {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO lifts_given (campaign_id, answer_id, given_at, given_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (campaign_id, answer_id) DO NOTHING",
        args![campaign.id, answer_id, now(), by],
    )
    .await?;
    Ok(true)
}
