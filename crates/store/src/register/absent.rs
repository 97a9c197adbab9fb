use std::collections::{HashMap, HashSet};

use groundgame_core::elector::ElectorNumber;
use groundgame_core::register::absent::AbsentVote;
use groundgame_core::register::RowError;
use serde::Serialize;

use super::import::{record_import, ImportCounts};
use super::pipeline::AbsentVotersFile;
use crate::args;
use crate::campaigns::{self, Campaign};
use crate::db::{Arg, Tx};
use crate::error::{Error, Result};

/// What an absent voters list did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AbsentVotersReport {
    pub version: i64,
    pub rows_read: u64,
    pub rows_rejected: u64,
    pub postal: u64,
    pub proxy: u64,
    pub proxy_postal: u64,
    #[serde(skip)]
    pub errors: Vec<RowError>,
}

/// Replaces the campaign's absent voters with this list (it is the whole list as the council
/// holds it), in one transaction. Every elector number must be on the register.
#[tracing::instrument(skip_all, fields(campaign = %campaign.ballot_id), err(level = "debug"))]
pub async fn import_absent_voters(
    tx: &mut Tx,
    campaign: &Campaign,
    list: AbsentVotersFile,
    source: &str,
    skip_invalid: bool,
) -> Result<AbsentVotersReport> {
    let AbsentVotersFile { rows, number_column } = list;
    let version = campaigns::bump_version(tx, campaign.id).await?;
    let mut report = AbsentVotersReport { version, ..Default::default() };
    let current: Vec<(i64, String, i64, i64)> = tx
        .fetch_all("SELECT id, polling_district, elector_number, elector_suffix FROM electors WHERE campaign_id = $1", args![campaign.id])
        .await?;
    let mut ids = HashMap::with_capacity(current.len());
    for (id, pd, n, s) in current {
        let number =
            ElectorNumber::from_parts(&pd, &n.to_string(), &s.to_string()).map_err(|e| anyhow::anyhow!("stored elector number: {e}"))?;
        ids.insert(number.to_string(), id);
    }
    let mut by_kind: HashMap<AbsentVote, Vec<i64>> = HashMap::new();
    let mut seen = HashSet::new();
    for row in rows {
        let voter = match row {
            Ok(v) => v,
            Err(e) => {
                reject(&mut report, e);
                continue;
            }
        };
        report.rows_read += 1;
        let fail = |reason: String| RowError { line: voter.line, column: number_column.clone(), reason, raw: Vec::new() };
        match ids.get(&voter.number.to_string()) {
            None => reject(&mut report, fail(format!("{} is not on the register", voter.number))),
            Some(id) if !seen.insert(*id) => reject(&mut report, fail(format!("{} is listed twice", voter.number))),
            Some(id) => by_kind.entry(voter.vote).or_default().push(*id),
        }
    }
    if report.rows_rejected > 0 && !skip_invalid {
        return Err(Error::Rows { total: report.rows_rejected as usize, errors: report.errors });
    }
    tx.execute("UPDATE electors SET absent_vote = NULL WHERE campaign_id = $1 AND absent_vote IS NOT NULL", args![campaign.id]).await?;
    for (kind, ids) in &by_kind {
        match kind {
            AbsentVote::Postal => report.postal = ids.len() as u64,
            AbsentVote::Proxy => report.proxy = ids.len() as u64,
            AbsentVote::ProxyPostal => report.proxy_postal = ids.len() as u64,
        }
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
            let mut a = args![campaign.id, kind.as_str()];
            a.extend(chunk.iter().map(|id| Arg::Int(Some(*id))));
            tx.execute(&format!("UPDATE electors SET absent_vote = $2 WHERE campaign_id = $1 AND id IN ({})", placeholders.join(",")), a)
                .await?;
        }
    }
    let listed = report.postal + report.proxy + report.proxy_postal;
    record_import(
        tx,
        campaign.id,
        version,
        "absent_voters",
        source,
        "absent voters list",
        ImportCounts {
            rows_read: report.rows_read,
            rows_rejected: report.rows_rejected,
            added: 0,
            removed: 0,
            amended: listed,
            matched: 0,
            unknown_markers: &Default::default(),
        },
    )
    .await?;
    Ok(report)
}

fn reject(report: &mut AbsentVotersReport, e: RowError) {
    super::keep_rejected(&mut report.rows_rejected, &mut report.errors, e);
}
