//! Register uploads waiting for their organiser to confirm what they would change.

use std::collections::BTreeMap;

use crate::args;
use crate::campaigns::Campaign;
use crate::db::{in_list, now, Tx};
use crate::error::Result;

/// An upload as kept.
pub struct Upload {
    pub name: String,
    pub content: Vec<u8>,
    /// The register version it was previewed against.
    pub register_version: i64,
}

/// Keeps an upload under `id`, and drops those older than `stale_before` (RFC 3339).
pub async fn keep(tx: &mut Tx, campaign: &Campaign, id: &str, user_id: Option<i64>, upload: Upload, stale_before: &str) -> Result<()> {
    tx.execute("DELETE FROM register_uploads WHERE created_at < $1", args![stale_before]).await?;
    tx.execute(
        "INSERT INTO register_uploads (id, campaign_id, user_id, name, content, register_version, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![id, campaign.id, user_id, upload.name, upload.content, upload.register_version, now()],
    )
    .await?;
    Ok(())
}

/// The upload kept under `id` for this campaign.
pub async fn get(tx: &mut Tx, campaign: &Campaign, id: &str) -> Result<Option<Upload>> {
    let row: Option<(String, Vec<u8>, i64)> = tx
        .fetch_optional(
            "SELECT name, content, register_version FROM register_uploads WHERE id = $1 AND campaign_id = $2",
            args![id, campaign.id],
        )
        .await?;
    Ok(row.map(|(name, content, register_version)| Upload { name, content, register_version }))
}

pub async fn drop_upload(tx: &mut Tx, campaign: &Campaign, id: &str) -> Result<()> {
    tx.execute("DELETE FROM register_uploads WHERE id = $1 AND campaign_id = $2", args![id, campaign.id]).await?;
    Ok(())
}

/// The walks that would lose doors if these households left the register: walk id -> doors lost.
pub async fn walks_losing(tx: &mut Tx, campaign: &Campaign, gone: &[i64]) -> Result<BTreeMap<i64, i64>> {
    let mut lost: BTreeMap<i64, i64> = BTreeMap::new();
    for chunk in gone.chunks(500) {
        let (list, a) = in_list(chunk.iter().copied(), args![campaign.id]);
        let rows: Vec<(i64,)> =
            tx.fetch_all(&format!("SELECT walk_id FROM walk_doors WHERE campaign_id = $1 AND household_id IN ({list})"), a).await?;
        for (w,) in rows {
            *lost.entry(w).or_default() += 1;
        }
    }
    Ok(lost)
}
