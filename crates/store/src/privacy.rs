//! Retention: a campaign's register and canvass deleted once the campaign is over, keeping only
//! anonymous counts (the progress tallies by polling district and in all), and the space they
//! held given back so that no name or address stays in the database's files.

use chrono::NaiveDate;
use serde::Serialize;

use crate::args;
use crate::db::{now, Tx};
use crate::error::Result;

/// Every table that holds the register's people or what was learnt about them, children first:
/// the canvass (contacts and their progress rows), polling day, relational matches, walks (their
/// doors are addresses), uploads waiting to be confirmed, then electors and households.
pub const REGISTER_TABLES: [&str; 19] = [
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
