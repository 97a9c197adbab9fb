use std::collections::{BTreeMap, HashMap};

use groundgame_core::elector::ElectorNumber;
use groundgame_core::register::absent::AbsentVote;
use groundgame_core::register::household::fingerprint;
use groundgame_core::register::matching::{Carried, PreviousElectors, SeenNumbers};
use groundgame_core::register::{Change, RegisterRecord, RowError};
use serde::Serialize;

use super::import::{record_import, ImportCounts, ImportOptions};
use super::{NewElector, NewHousehold, Parsed};
use crate::args;
use crate::bulk;
use crate::campaigns::{self, Campaign};
use crate::db::Tx;
use crate::error::{Error, Result};

/// What a notice of alteration did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdateReport {
    pub version: i64,
    pub rows_read: u64,
    pub rows_rejected: u64,
    pub added: u64,
    pub deleted: u64,
    pub amended: u64,
    /// Additions that were the same person as a deletion (renumbered): history kept.
    pub renumbered: u64,
    pub households_new: u64,
    pub unknown_markers: BTreeMap<String, u64>,
    #[serde(skip)]
    pub errors: Vec<RowError>,
}

#[derive(sqlx::FromRow)]
struct Current {
    id: i64,
    polling_district: String,
    elector_number: i64,
    elector_suffix: i64,
    surname: String,
    forename: String,
    key: Option<String>,
    absent_vote: Option<String>,
    first_version: i64,
}

/// Applies a monthly notice of alteration: deletions, then amendments, then additions, in one
/// transaction. An addition who is the same person at the same address as a deletion in the same
/// notice (a renumbering) keeps their elector id and history. Rows without a change type amend
/// the elector of that number if there is one and add them otherwise.
#[tracing::instrument(skip_all, fields(campaign = %campaign.ballot_id, source = %options.source), err(level = "debug"))]
pub async fn apply_update(tx: &mut Tx, campaign: &Campaign, rows: Vec<Parsed>, options: ImportOptions<'_>) -> Result<UpdateReport> {
    let version = campaigns::bump_version(tx, campaign.id).await?;
    let mut report = UpdateReport { version, ..Default::default() };
    let current: Vec<Current> = tx.fetch_all(super::import::PREVIOUS_ELECTORS, args![campaign.id]).await?;
    if current.is_empty() {
        return Err(Error::Invalid(format!(
            "campaign {} has no register yet: import a full register first with `groundgame register import`",
            campaign.ballot_id
        )));
    }
    let mut by_number: HashMap<String, Current> = HashMap::with_capacity(current.len());
    for c in current {
        let n = ElectorNumber::from_parts(&c.polling_district, &c.elector_number.to_string(), &c.elector_suffix.to_string())
            .map_err(|e| anyhow::anyhow!("stored elector number: {e}"))?;
        by_number.insert(n.to_string(), c);
    }

    let mut records = Vec::new();
    let mut seen = SeenNumbers::default();
    for item in rows {
        match item {
            Parsed::Record(super::Read { record: r, .. }) => {
                report.rows_read += 1;
                if !seen.insert(&r.number) {
                    let e = row_error(&r, &options, format!("elector number {} appears twice in the notice", r.number));
                    reject(&mut report, e);
                } else {
                    for letter in r.markers.unknown() {
                        *report.unknown_markers.entry(letter.to_string()).or_default() += 1;
                    }
                    records.push(r);
                }
            }
            Parsed::Invalid(e) => reject(&mut report, e),
            Parsed::Fatal(why) => return Err(Error::Invalid(why)),
        }
    }

    let effective = |r: &RegisterRecord, exists: bool| r.change.unwrap_or(if exists { Change::Amendment } else { Change::Addition });
    let mut deleted = PreviousElectors::default();

    // Deletions first, so that a renumbered elector's new number can be added.
    let deletions: Vec<&RegisterRecord> =
        records.iter().filter(|r| effective(r, by_number.contains_key(&r.number.to_string())) == Change::Deletion).collect();
    for r in deletions {
        match by_number.remove(&r.number.to_string()) {
            None => {
                let e = row_error(r, &options, format!("{} is not on the register, so it cannot be deleted", r.number));
                reject(&mut report, e);
            }
            Some(c) => {
                tx.execute("DELETE FROM electors WHERE campaign_id = $1 AND id = $2", args![campaign.id, c.id]).await?;
                let carried = Carried {
                    id: c.id,
                    absent_vote: c.absent_vote.as_deref().and_then(AbsentVote::from_db),
                    first_version: c.first_version,
                };
                deleted.add(&r.number, &c.surname, &c.forename, c.key.as_deref(), carried);
                report.deleted += 1;
            }
        }
    }

    let households: Vec<(i64, String)> = tx.fetch_all("SELECT id, key FROM households WHERE campaign_id = $1", args![campaign.id]).await?;
    let mut households: HashMap<u128, i64> = households.into_iter().map(|(id, key)| (fingerprint(&key), id)).collect();
    let (mut next_id,): (i64,) = tx.fetch_one("SELECT next_row_id FROM campaigns WHERE id = $1", args![campaign.id]).await?;
    let mut new_households = Vec::new();
    let mut additions = Vec::new();

    for r in records {
        let number = r.number.to_string();
        let change = effective(&r, by_number.contains_key(&number));
        if change == Change::Deletion {
            continue;
        }
        let key = r.household_key();
        let household_id = key.as_ref().map(|key| {
            *households.entry(fingerprint(key)).or_insert_with(|| {
                let id = next_id;
                next_id += 1;
                let point = options.gazetteer.locate(r.uprn.as_deref(), r.postcode.as_ref());
                new_households.push(NewHousehold {
                    id,
                    polling_district: r.number.district.as_str().to_owned(),
                    key: key.clone(),
                    address: r.address_line(),
                    postcode: r.postcode.as_ref().map(|p| p.as_str().to_owned()),
                    uprn: r.uprn.clone(),
                    lat: point.map(|p| p.lat),
                    lon: point.map(|p| p.lon),
                });
                id
            })
        });
        match (change, by_number.get(&number)) {
            (Change::Amendment, None) => {
                let e = row_error(&r, &options, format!("{} is not on the register, so it cannot be amended", r.number));
                reject(&mut report, e);
            }
            (Change::Amendment, Some(c)) => {
                let e = NewElector::from_record(r, c.id, household_id, None, c.first_version);
                tx.execute(
                    "UPDATE electors SET title = $3, forename = $4, middle_names = $5, surname = $6, address = $7, postcode = $8, \
                     uprn = $9, markers = $10, date_of_birth = $11, household_id = $12 WHERE campaign_id = $1 AND id = $2",
                    args![
                        campaign.id,
                        e.id,
                        e.title,
                        e.forename,
                        e.middle_names,
                        e.surname,
                        e.address,
                        e.postcode,
                        e.uprn,
                        e.markers,
                        e.date_of_birth,
                        e.household_id
                    ],
                )
                .await?;
                report.amended += 1;
            }
            (Change::Addition, Some(_)) => {
                let e = row_error(&r, &options, format!("{} is already on the register, so it cannot be added", r.number));
                reject(&mut report, e);
            }
            (_, _) => {
                let (id, absent_vote, first_version) = match deleted.take(&r, key.as_deref()) {
                    Some(c) => {
                        report.renumbered += 1;
                        (c.id, c.absent_vote, c.first_version)
                    }
                    None => {
                        next_id += 1;
                        (next_id - 1, None, version)
                    }
                };
                tx.execute(
                    "INSERT INTO polling_districts (campaign_id, code) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    args![campaign.id, r.number.district.as_str()],
                )
                .await?;
                additions.push(NewElector::from_record(r, id, household_id, absent_vote, first_version));
                report.added += 1;
            }
        }
    }
    if report.rows_rejected > 0 && !options.skip_invalid {
        return Err(Error::Rows { total: report.rows_rejected as usize, errors: report.errors });
    }
    report.households_new = new_households.len() as u64;
    bulk::insert(tx, Some(campaign.id), new_households).await?;
    bulk::insert(tx, Some(campaign.id), additions).await?;
    // Households no elector lives at any more.
    let lived_in: Vec<(i64,)> = tx
        .fetch_all("SELECT DISTINCT household_id FROM electors WHERE campaign_id = $1 AND household_id IS NOT NULL", args![campaign.id])
        .await?;
    let lived_in: std::collections::HashSet<i64> = lived_in.into_iter().map(|(id,)| id).collect();
    let gone: Vec<i64> = households.values().copied().filter(|id| !lived_in.contains(id)).collect();
    super::delete_households(tx, campaign.id, &gone).await?;
    tx.execute("UPDATE campaigns SET next_row_id = $1 WHERE id = $2", args![next_id, campaign.id]).await?;
    record_import(
        tx,
        campaign.id,
        version,
        "update",
        &options.source,
        &options.format.to_string(),
        ImportCounts {
            rows_read: report.rows_read,
            rows_rejected: report.rows_rejected,
            added: report.added - report.renumbered,
            removed: report.deleted - report.renumbered,
            amended: report.amended,
            matched: report.renumbered,
            unknown_markers: &report.unknown_markers,
        },
    )
    .await?;
    Ok(report)
}

fn row_error(r: &RegisterRecord, options: &ImportOptions<'_>, reason: String) -> RowError {
    RowError { line: r.line, column: options.number_column.clone(), reason, raw: Vec::new() }
}

fn reject(report: &mut UpdateReport, e: RowError) {
    super::keep_rejected(&mut report.rows_rejected, &mut report.errors, e);
}
