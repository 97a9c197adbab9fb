//! The audit log: every export and bulk read of the register, by anyone, and every sign-in.

use serde::Serialize;
use sha2::{Digest, Sha256};

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

/// The hash before a chain's first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of a line's detail, kept when retention removes the detail itself.
pub fn detail_digest(detail: &str) -> String {
    hex(&Sha256::digest(detail.as_bytes()))
}

/// The fields of a line that its hash covers.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChainedLine {
    pub id: i64,
    pub seq: i64,
    pub user_id: Option<i64>,
    pub at: String,
    pub action: String,
    pub detail: String,
    pub rows: i64,
    pub detail_digest: String,
    pub hash: String,
}

/// A line's hash: over the previous line's hash, the line's place and chain, and every field
/// (the detail by its digest), each ended by a zero byte so no two lines read the same.
pub fn line_hash(prev: &str, scope: i64, l: &ChainedLine) -> String {
    let mut h = Sha256::new();
    let user = l.user_id.map(|u| u.to_string()).unwrap_or_default();
    for part in [prev, &l.seq.to_string(), &scope.to_string(), &user, &l.at, &l.action, &l.detail_digest, &l.rows.to_string()] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex(&h.finalize())
}

/// Writes one entry in the caller's transaction, so the record and the read stand or fall
/// together, chained to the campaign's previous line. The chain's row is taken first: with
/// several servers on one PostgreSQL, a campaign's lines are chained one at a time.
pub async fn record(tx: &mut Tx, campaign_id: Option<i64>, user_id: Option<i64>, action: &str, detail: &str, rows: i64) -> Result<()> {
    let scope = campaign_id.unwrap_or(0);
    let (seq, prev): (i64, String) = tx
        .fetch_one(
            "INSERT INTO audit_chain (scope, seq, hash) VALUES ($1, 1, $2) \
             ON CONFLICT (scope) DO UPDATE SET seq = audit_chain.seq + 1 RETURNING seq, hash",
            args![scope, GENESIS],
        )
        .await?;
    let mut line = ChainedLine {
        id: 0,
        seq,
        user_id,
        at: now(),
        action: action.to_owned(),
        detail: detail.to_owned(),
        rows,
        detail_digest: detail_digest(detail),
        hash: String::new(),
    };
    line.hash = line_hash(&prev, scope, &line);
    tx.execute("UPDATE audit_chain SET hash = $2 WHERE scope = $1", args![scope, line.hash.clone()]).await?;
    tx.execute(
        "INSERT INTO audit_log (campaign_id, user_id, at, action, detail, rows, seq, detail_digest, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![campaign_id, user_id, line.at, line.action, line.detail, rows, seq, line.detail_digest, line.hash],
    )
    .await?;
    Ok(())
}

/// What checking one chain found.
#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    /// The campaign, or none for lines of no campaign.
    pub campaign_id: Option<i64>,
    /// Lines on the chain, and lines written before the chain began (not covered).
    pub lines: i64,
    pub before_chain: i64,
    /// Lines whose detail retention removed (their digest still verifies).
    pub details_removed: i64,
    /// The last line's hash: written down or published, it shows later that nothing was
    /// rewritten from the start.
    pub head: String,
    /// What does not verify, in words; empty when the chain is whole.
    pub problems: Vec<String>,
}

/// Lines read at a time when checking a chain.
const VERIFY_PAGE: i64 = 5000;

/// Checks every chain, line by line from its start: each hash against the line's fields and the
/// line before, no place in the chain missing, no line added outside it, and the chain's end
/// where its row says.
pub async fn verify(tx: &mut Tx) -> Result<Vec<ChainReport>> {
    let heads: Vec<(i64, i64, String)> = tx.fetch_all("SELECT scope, seq, hash FROM audit_chain ORDER BY scope", args![]).await?;
    let mut reports = Vec::new();
    for (scope, head_seq, head_hash) in heads {
        let campaign_id = (scope != 0).then_some(scope);
        let filter = if scope == 0 { "campaign_id IS NULL AND $1 = 0" } else { "campaign_id = $1" };
        let mut r =
            ChainReport { campaign_id, lines: 0, before_chain: 0, details_removed: 0, head: head_hash.clone(), problems: Vec::new() };
        let (mut prev, mut expected, mut first_id) = (GENESIS.to_owned(), 1_i64, None::<i64>);
        loop {
            let sql = format!(
                "SELECT id, seq, user_id, at, action, detail, rows, detail_digest, hash FROM audit_log \
                 WHERE {filter} AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT $4"
            );
            // Up to the chain's end as read above: lines written since are for the next check.
            let page: Vec<ChainedLine> = tx.fetch_all(&sql, args![scope, expected, head_seq, VERIFY_PAGE]).await?;
            let n = page.len() as i64;
            for l in page {
                first_id.get_or_insert(l.id);
                if l.seq < expected {
                    r.problems.push(format!("line {} of the chain appears more than once", l.seq));
                    continue;
                }
                if l.seq != expected {
                    r.problems.push(format!("lines {expected} to {} of the chain are missing: removed after they were written", l.seq - 1));
                }
                let digest_ok = l.detail_digest == detail_digest(&l.detail);
                if !digest_ok && l.detail.is_empty() {
                    r.details_removed += 1;
                } else if !digest_ok {
                    r.problems.push(format!("line {} (at {}, {}): its detail was changed after it was written", l.seq, l.at, l.action));
                }
                if line_hash(&prev, scope, &l) != l.hash {
                    r.problems.push(format!(
                        "line {} (at {}, {}): it does not match its hash: changed after it was written",
                        l.seq, l.at, l.action
                    ));
                }
                prev = l.hash.clone();
                expected = l.seq + 1;
                r.lines += 1;
            }
            if n < VERIFY_PAGE {
                break;
            }
        }
        if expected - 1 != head_seq || prev != head_hash {
            r.problems.push(format!(
                "the chain ends at line {} but its last line written was {head_seq}: lines removed from its end",
                expected - 1
            ));
        }
        // Lines without a place in the chain: before it began, or slipped in since.
        let unchained: Vec<(i64,)> =
            tx.fetch_all(&format!("SELECT id FROM audit_log WHERE {filter} AND seq IS NULL ORDER BY id"), args![scope]).await?;
        for (id,) in unchained {
            match first_id {
                Some(first) if id > first => r.problems.push(format!("audit line {id} was added outside the chain")),
                _ => r.before_chain += 1,
            }
        }
        reports.push(r);
    }
    Ok(reports)
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
