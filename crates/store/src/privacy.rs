//! Retention: a campaign's register and canvass deleted once the campaign is over, keeping only
//! anonymous counts (the progress tallies by polling district and in all), and the space they
//! held given back so that no name or address stays in the database's files. Objections: the
//! electors who asked not to be contacted, and the one condition every list of electors adds.

use chrono::NaiveDate;
use serde::Serialize;

use crate::args;
use crate::db::{now, Tx};
use crate::error::Result;

/// Every table that holds the register's people or what was learnt about them, children first:
/// texting (every text each way, electors' numbers, opt-outs), the canvass (contacts and their progress rows), polling day, relational matches, walks (their
/// doors are addresses), uploads waiting to be confirmed, then electors and households.
pub const REGISTER_TABLES: [&str; 25] = [
    "objections",
    "calls",
    "call_list_people",
    "texts",
    "elector_phones",
    "sms_opt_outs",
    "contacts",
    "progress_doors",
    "progress_door_days",
    "progress_electors",
    "handouts",
    "tellings",
    "knock_up_answers",
    "marked_voters",
    "knock_up_rounds",
    "hand_promises",
    "postal_chase",
    "lifts_given",
    "friends",
    "walk_assignments",
    "walk_doors",
    "walks",
    "register_uploads",
    "electors",
    "households",
];

/// A campaign's retention: the day an organiser chose, if any, and when the data went.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Retention {
    pub retain_until: Option<String>,
    pub register_deleted_at: Option<String>,
}

impl Retention {
    pub fn chosen(&self) -> Option<NaiveDate> {
        self.retain_until.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    }
}

pub async fn retention(tx: &mut Tx, campaign_id: i64) -> Result<Retention> {
    tx.fetch_one("SELECT retain_until, register_deleted_at FROM campaigns WHERE id = $1", args![campaign_id]).await
}

/// Chooses the campaign's last day (or none, for the default).
pub async fn set_retain_until(tx: &mut Tx, campaign_id: i64, day: Option<NaiveDate>) -> Result<()> {
    let day = day.map(|d| d.format("%Y-%m-%d").to_string());
    tx.execute("UPDATE campaigns SET retain_until = $1 WHERE id = $2", args![day, campaign_id]).await?;
    Ok(())
}

/// What retention removed (or, in a dry run, would remove): rows by table, and audit lines
/// whose detail was cleared (the lines themselves stay, with who, what, when and how many).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Deleted {
    pub rows: Vec<(String, u64)>,
    pub audit_details: u64,
}

impl Deleted {
    pub fn total(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// Counts what deleting the campaign's register would remove.
pub async fn count_register(tx: &mut Tx, campaign_id: i64) -> Result<Deleted> {
    let mut out = Deleted::default();
    for table in REGISTER_TABLES {
        let (n,): (i64,) = tx.fetch_one(&format!("SELECT COUNT(*) FROM {table} WHERE campaign_id = $1"), args![campaign_id]).await?;
        out.rows.push((table.to_owned(), n as u64));
    }
    let (n,): (i64,) = tx.fetch_one("SELECT COUNT(*) FROM audit_log WHERE campaign_id = $1 AND detail <> ''", args![campaign_id]).await?;
    out.audit_details = n as u64;
    Ok(out)
}

/// Deletes the campaign's register and canvass, clears its audit lines' details, and marks it
/// done. Claims the campaign first, so that of several servers running retention at once only
/// one deletes (the others find nothing to do and return `None`).
pub async fn delete_register(tx: &mut Tx, campaign_id: i64) -> Result<Option<Deleted>> {
    let claimed = tx
        .execute("UPDATE campaigns SET register_deleted_at = $1 WHERE id = $2 AND register_deleted_at IS NULL", args![now(), campaign_id])
        .await?;
    if claimed == 0 {
        return Ok(None);
    }
    let mut out = Deleted::default();
    for table in REGISTER_TABLES {
        let n = tx.execute(&format!("DELETE FROM {table} WHERE campaign_id = $1"), args![campaign_id]).await?;
        out.rows.push((table.to_owned(), n));
    }
    out.audit_details = tx.execute("UPDATE audit_log SET detail = '' WHERE campaign_id = $1 AND detail <> ''", args![campaign_id]).await?;
    // A new register version (an empty one): statistics kept for the old one, and phones
    // holding its walks, learn that it has gone.
    crate::campaigns::bump_version(tx, campaign_id).await?;
    Ok(Some(out))
}

/// The condition every list of electors to contact adds, for electors as `e`: not objected.
pub const CONTACTABLE: &str = "NOT EXISTS (SELECT 1 FROM objections o WHERE o.campaign_id = e.campaign_id AND o.elector_id = e.id)";

/// One elector's objection, as the organiser's list shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Objection {
    pub elector_id: i64,
    pub polling_district: String,
    pub elector_number: i64,
    pub elector_suffix: i64,
    pub name: String,
    pub recorded_at: String,
    pub how: String,
}

/// Records an elector's objection (once: a second says nothing new). Returns whether it is new.
pub async fn object(tx: &mut Tx, campaign_id: i64, elector_id: i64, user_id: Option<i64>, how: &str) -> Result<bool> {
    let n = tx
        .execute(
            "INSERT INTO objections (campaign_id, elector_id, recorded_at, user_id, how) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (campaign_id, elector_id) DO NOTHING",
            args![campaign_id, elector_id, now(), user_id, how],
        )
        .await?;
    Ok(n > 0)
}

/// The campaign's objections, by elector number.
pub async fn objections(tx: &mut Tx, campaign_id: i64) -> Result<Vec<Objection>> {
    tx.fetch_all(
        "SELECT o.elector_id, e.polling_district, e.elector_number, e.elector_suffix, \
         TRIM(e.forename || ' ' || e.surname) AS name, o.recorded_at, o.how \
         FROM objections o JOIN electors e ON e.campaign_id = o.campaign_id AND e.id = o.elector_id \
         WHERE o.campaign_id = $1 ORDER BY e.polling_district, e.elector_number, e.elector_suffix",
        args![campaign_id],
    )
    .await
}

/// A contact about one elector, as a subject access bundle shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ContactRecord {
    pub recorded_at: String,
    pub source: String,
    pub outcome: Option<String>,
    /// Question key -> answer code, as JSON.
    pub answers: String,
    pub note: String,
}

/// Everything held about one elector beyond their register entry: contacts (theirs and their
/// door's), polling-day records, friend matches, their objection, their numbers and texts, and
/// audit lines that name their number.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ElectorRecords {
    pub contacts: Vec<ContactRecord>,
    /// When a teller took their number (withdrawn ones included, marked).
    pub tellings: Vec<(String, Option<String>)>,
    /// Knock-up answers on polling day: (day, answer).
    pub knock_up_answers: Vec<(String, String)>,
    /// Added as a promise by hand, when.
    pub promises_by_hand: Vec<String>,
    /// The postal vote chase: (status, when).
    pub postal_chase: Vec<(String, String)>,
    /// Listed as a friend by a volunteer: (when listed, whether a conversation was recorded).
    pub listed_as_friend: Vec<(String, bool)>,
    pub objection: Option<(String, String)>,
    /// Their mobile numbers, with where each came from and their consent to texts.
    pub phones: Vec<crate::texting::ElectorPhone>,
    /// Every text to them and from them: (when, which way, the words, its status).
    pub texts: Vec<(String, String, String, String)>,
    /// Every call made to them from a call list.
    pub calls: Vec<crate::calling::CallRecord>,
    /// Audit lines naming their elector number: (when, action, detail).
    pub audit_lines: Vec<(String, String, String)>,
}

pub async fn elector_records(
    tx: &mut Tx,
    campaign_id: i64,
    elector_id: i64,
    household_id: Option<i64>,
    number: &str,
) -> Result<ElectorRecords> {
    let contacts = tx
        .fetch_all(
            "SELECT recorded_at, source, outcome, answers, note FROM contacts \
             WHERE campaign_id = $1 AND (elector_id = $2 OR (elector_id IS NULL AND household_id = $3)) ORDER BY ordered_at",
            args![campaign_id, elector_id, household_id.unwrap_or(-1)],
        )
        .await?;
    let tellings = tx
        .fetch_all(
            "SELECT recorded_at, withdrawn_at FROM tellings WHERE campaign_id = $1 AND elector_id = $2 ORDER BY received_at",
            args![campaign_id, elector_id],
        )
        .await?;
    let knock_up_answers = tx
        .fetch_all(
            "SELECT day, answer FROM knock_up_answers WHERE campaign_id = $1 AND (elector_id = $2 OR (elector_id IS NULL AND household_id = $3)) ORDER BY received_at",
            args![campaign_id, elector_id, household_id.unwrap_or(-1)],
        )
        .await?;
    let by_hand: Vec<(String,)> = tx
        .fetch_all("SELECT added_at FROM hand_promises WHERE campaign_id = $1 AND elector_id = $2", args![campaign_id, elector_id])
        .await?;
    let postal_chase = tx
        .fetch_all(
            "SELECT status, recorded_at FROM postal_chase WHERE campaign_id = $1 AND elector_id = $2",
            args![campaign_id, elector_id],
        )
        .await?;
    let friends: Vec<(String, Option<String>)> = tx
        .fetch_all("SELECT created_at, talked_at FROM friends WHERE campaign_id = $1 AND elector_id = $2", args![campaign_id, elector_id])
        .await?;
    let objection = tx
        .fetch_optional(
            "SELECT recorded_at, how FROM objections WHERE campaign_id = $1 AND elector_id = $2",
            args![campaign_id, elector_id],
        )
        .await?;
    let phones = crate::texting::elector_phones(tx, campaign_id, elector_id).await?;
    let texts = tx
        .fetch_all(
            "SELECT created_at, direction, body, status FROM texts WHERE campaign_id = $1 AND elector_id = $2 ORDER BY id",
            args![campaign_id, elector_id],
        )
        .await?;
    let calls = crate::calling::calls_to(tx, campaign_id, elector_id).await?;
    let audit_lines = tx
        .fetch_all(
            "SELECT at, action, detail FROM audit_log WHERE campaign_id = $1 AND detail LIKE $2 ORDER BY id",
            args![campaign_id, format!("%{}%", number.replace(['%', '_'], ""))],
        )
        .await?;
    Ok(ElectorRecords {
        contacts,
        tellings,
        knock_up_answers,
        promises_by_hand: by_hand.into_iter().map(|(a,)| a).collect(),
        postal_chase,
        listed_as_friend: friends.into_iter().map(|(at, talked)| (at, talked.is_some())).collect(),
        objection,
        phones,
        texts,
        calls,
        audit_lines,
    })
}
