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

/// What the audit log is searched for: a person (their email), an action, and times (UTC,
/// RFC 3339) from and before.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub user: Option<String>,
    pub action: Option<String>,
    pub from: Option<String>,
    pub before: Option<String>,
}

/// The campaign's audit lines that match, newest first.
pub async fn search(tx: &mut Tx, campaign_id: i64, s: &Search, limit: i64) -> Result<Vec<Entry>> {
    tx.fetch_all(
        "SELECT a.id, a.at, u.email AS user, a.action, a.detail, a.rows FROM audit_log a LEFT JOIN users u ON u.id = a.user_id \
         WHERE a.campaign_id = $1 AND ($2 IS NULL OR u.email = $2) AND ($3 IS NULL OR a.action = $3) \
         AND ($4 IS NULL OR a.at >= $4) AND ($5 IS NULL OR a.at < $5) ORDER BY a.id DESC LIMIT $6",
        args![campaign_id, s.user.clone(), s.action.clone(), s.from.clone(), s.before.clone(), limit],
    )
    .await
}

/// Who appears in the campaign's audit log, and which actions, for the filters.
pub async fn facets(tx: &mut Tx, campaign_id: i64) -> Result<(Vec<String>, Vec<String>)> {
    let people: Vec<(String,)> = tx
        .fetch_all(
            "SELECT DISTINCT u.email FROM audit_log a JOIN users u ON u.id = a.user_id WHERE a.campaign_id = $1 ORDER BY u.email",
            args![campaign_id],
        )
        .await?;
    let actions: Vec<(String,)> =
        tx.fetch_all("SELECT DISTINCT action FROM audit_log WHERE campaign_id = $1 ORDER BY action", args![campaign_id]).await?;
    Ok((people.into_iter().map(|p| p.0).collect(), actions.into_iter().map(|a| a.0).collect()))
}
