//! The audit log: every export and bulk read of the register, by anyone, and every sign-in.

use serde::Serialize;

use crate::args;
use crate::db::{now, Tx};
use crate::error::Result;

/// What was done, to how many electors (or rows).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: String,
    pub user: Option<String>,
    pub action: String,
    pub detail: String,
    pub rows: i64,
}

/// Writes one entry in the caller's transaction, so the record and the read stand or fall together.
pub async fn record(tx: &mut Tx, campaign_id: Option<i64>, user_id: Option<i64>, action: &str, detail: &str, rows: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log (campaign_id, user_id, at, action, detail, rows) VALUES ($1, $2, $3, $4, $5, $6)",
        args![campaign_id, user_id, now(), action, detail, rows],
    )
    .await?;
    Ok(())
}

/// Writes one entry about an account in every campaign it belongs to (and in `also`, when given),
/// so that each campaign's organisers see what happened to their people: password changes,
/// resets, sessions ended, membership changes.
pub async fn record_for_account(tx: &mut Tx, account: i64, also: Option<i64>, by: Option<i64>, action: &str, detail: &str) -> Result<()> {
    let campaigns: Vec<(i64,)> = tx.fetch_all("SELECT campaign_id FROM memberships WHERE user_id = $1", args![account]).await?;
    let mut ids: Vec<i64> = campaigns.into_iter().map(|c| c.0).collect();
    if let Some(c) = also {
        if !ids.contains(&c) {
            ids.push(c);
        }
    }
    if ids.is_empty() {
        return record(tx, None, by, action, detail, 0).await;
    }
    for id in ids {
        record(tx, Some(id), by, action, detail, 0).await?;
    }
    Ok(())
}

/// The latest entries of a campaign, newest first.
pub async fn recent(tx: &mut Tx, campaign_id: i64, limit: i64) -> Result<Vec<Entry>> {
    tx.fetch_all(
        "SELECT a.id, a.at, u.email AS user, a.action, a.detail, a.rows FROM audit_log a LEFT JOIN users u ON u.id = a.user_id \
         WHERE a.campaign_id = $1 ORDER BY a.id DESC LIMIT $2",
        args![campaign_id, limit],
    )
    .await
}
