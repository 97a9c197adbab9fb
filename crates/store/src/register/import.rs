use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Context;
use groundgame_core::elector::ElectorNumber;
use groundgame_core::geography::Gazetteer;
use groundgame_core::register::absent::AbsentVote;
use groundgame_core::register::household::fingerprint;
use groundgame_core::register::layout::Format;
use groundgame_core::register::matching::{Carried, PreviousElectors, SeenNumbers};
use groundgame_core::register::RowError;
use serde::Serialize;
use tokio::sync::mpsc::Receiver;

use super::{NewElector, NewHousehold, Parsed};
use crate::args;
use crate::bulk;
use crate::campaigns::{self, Campaign};
use crate::db::{now, Tx};
use crate::error::{Error, Result};

/// How to import.
pub struct ImportOptions<'a> {
    /// The file's name, for the audit trail.
    pub source: String,
    pub format: Format,
    /// The header name of the elector number column, to name it in errors.
    pub number_column: Option<String>,
    /// Write the valid rows and reject the others, instead of writing nothing.
    pub skip_invalid: bool,
    pub gazetteer: &'a Gazetteer,
    /// Work out what the import would do, and write nothing.
    pub dry_run: bool,
    /// The audit log's line for the import, written in the import's own transaction.
    pub audit: Option<ImportAudit>,
}

/// Who imports, for the audit log.
#[derive(Debug, Clone)]
pub struct ImportAudit {
    pub user_id: Option<i64>,
    /// Said before the file's name: "command line: " for the command line.
    pub prefix: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub version: i64,
    pub format: String,
    pub rows_read: u64,
    pub electors: u64,
    pub rows_rejected: u64,
    pub households: u64,
    pub households_new: u64,
    pub households_not_geocoded: u64,
    pub polling_districts: usize,
    /// Electors who were on the previous version (matched by name and household, so their history
    /// is kept even when renumbered).
    pub electors_matched: u64,
    /// Electors of the previous version who are no longer on the register.
    pub electors_removed: u64,
    pub unknown_markers: BTreeMap<String, u64>,
    /// Electors on the register before.
    pub electors_before: u64,
    /// Households of the previous version no elector of this one lives at (removed).
    pub households_gone: u64,
    /// Their ids.
    #[serde(skip)]
    pub gone_household_ids: Vec<i64>,
    /// The first errors, with line and column.
    #[serde(skip)]
    pub errors: Vec<RowError>,
}

/// Electors are written in batches of this many.
const BATCH: usize = 4096;

/// The previous version's electors, with what identifies them.
pub(crate) const PREVIOUS_ELECTORS: &str =
    "SELECT e.id, e.polling_district, e.elector_number, e.elector_suffix, e.surname, e.forename, h.key, \
     e.absent_vote, e.first_version FROM electors e \
     LEFT JOIN households h ON h.campaign_id = e.campaign_id AND h.id = e.household_id WHERE e.campaign_id = $1";

/// Imports a full register as a new version of the campaign's register, replacing the previous
/// one in the same transaction. Electors and households that were on the previous version keep
/// their ids. With rows in error and no `skip_invalid`, nothing is written.
#[tracing::instrument(skip_all, fields(campaign = %campaign.ballot_id, source = %options.source), err(level = "debug"))]
pub async fn import_register(
    tx: &mut Tx,
    campaign: &Campaign,
    mut rows: Receiver<Vec<Parsed>>,
    options: ImportOptions<'_>,
) -> Result<ImportReport> {
    let version = if options.dry_run {
        campaigns::by_id(tx, campaign.id).await?.register_version + 1
    } else {
        campaigns::bump_version(tx, campaign.id).await?
    };
    let mut report = ImportReport { version, format: options.format.to_string(), ..Default::default() };

    let mut prev = PreviousElectors::default();
    bulk::scan(tx, PREVIOUS_ELECTORS, args![campaign.id], |row| {
        let number = ElectorNumber::from_parts(&row.text(1)?, &row.int(2)?.to_string(), &row.int(3)?.to_string())
            .map_err(|e| anyhow::anyhow!("stored elector number: {e}"))?;
        let absent_vote = row.opt_text(7)?.as_deref().and_then(AbsentVote::from_db);
        let carried = Carried { id: row.int(0)?, absent_vote, first_version: row.int(8)? };
        prev.add(&number, &row.text(4)?, &row.text(5)?, row.opt_text(6)?.as_deref(), carried);
        Ok(())
    })
    .await
    .context("Failed to read the previous register")?;
    let had_previous = !prev.is_empty();
    report.electors_before = prev.len() as u64;
    // Each household of the previous version, and whether this version still has it.
    let mut households: HashMap<u128, (i64, bool)> = HashMap::new();
    bulk::scan(tx, "SELECT id, key FROM households WHERE campaign_id = $1", args![campaign.id], |row| {
        households.insert(fingerprint(&row.text(1)?), (row.int(0)?, false));
        Ok(())
    })
    .await?;
    let had_households = !households.is_empty();

    if !options.dry_run {
        tx.execute("DELETE FROM electors WHERE campaign_id = $1", args![campaign.id]).await?;
    }
    let (mut next_id,): (i64,) = tx.fetch_one("SELECT next_row_id FROM campaigns WHERE id = $1", args![campaign.id]).await?;

    let mut seen = SeenNumbers::default();
    let mut districts = BTreeSet::new();
    let mut electors = Vec::with_capacity(BATCH);
    let mut new_households = Vec::new();
    let mut writing = true;

    while let Some(batch) = rows.recv().await {
        for item in batch {
            let super::Read { record, household, identity } = match item {
                Parsed::Record(r) => r,
                Parsed::Invalid(e) => {
                    reject(&mut report, e);
                    writing &= options.skip_invalid;
                    continue;
                }
                Parsed::Fatal(why) => return Err(Error::Invalid(why)),
            };
            report.rows_read += 1;
            if !seen.insert(&record.number) {
                reject(
                    &mut report,
                    RowError {
                        line: record.line,
                        column: options.number_column.clone(),
                        reason: format!("duplicate elector number {} in polling district {}", record.number, record.number.district),
                        raw: Vec::new(),
                    },
                );
                writing &= options.skip_invalid;
                continue;
            }
            for letter in record.markers.unknown() {
                *report.unknown_markers.entry(letter.to_string()).or_default() += 1;
            }
            if !writing {
                continue;
            }
            let counting_only = options.dry_run;
            let household_id = match household {
                None => None,
                Some((key, fp)) => {
                    let id = match households.get_mut(&fp) {
                        Some((id, used)) => {
                            report.households += u64::from(!*used);
                            *used = true;
                            *id
                        }
                        None => {
                            let id = next_id;
                            next_id += 1;
                            households.insert(fp, (id, true));
                            report.households += 1;
                            let point = options.gazetteer.locate(record.uprn.as_deref(), record.postcode.as_ref());
                            new_households.push(NewHousehold {
                                id,
                                polling_district: record.number.district.as_str().to_owned(),
                                key,
                                address: record.address_line(),
                                postcode: record.postcode.as_ref().map(|p| p.as_str().to_owned()),
                                uprn: record.uprn.clone(),
                                lat: point.map(|p| p.lat),
                                lon: point.map(|p| p.lon),
                            });
                            id
                        }
                    };
                    Some(id)
                }
            };
            let (id, absent_vote, first_version) = match prev.take_identity(identity) {
                Some(c) => {
                    report.electors_matched += 1;
                    (c.id, c.absent_vote, c.first_version)
                }
                None => {
                    next_id += 1;
                    (next_id - 1, None, version)
                }
            };
            if !districts.contains(record.number.district.as_str()) {
                districts.insert(record.number.district.as_str().to_owned());
            }
            if counting_only {
                report.electors += 1;
                continue;
            }
            electors.push(NewElector::from_record(record, id, household_id, absent_vote, first_version));
            if electors.len() >= BATCH {
                report.households_new += new_households.len() as u64;
                report.households_not_geocoded += new_households.iter().filter(|h| h.lat.is_none()).count() as u64;
                bulk::insert(tx, Some(campaign.id), std::mem::take(&mut new_households)).await?;
                report.electors += electors.len() as u64;
                bulk::insert(tx, Some(campaign.id), std::mem::replace(&mut electors, Vec::with_capacity(BATCH))).await?;
            }
        }
    }
    if report.rows_rejected > 0 && !options.skip_invalid {
        return Err(Error::Rows { total: report.rows_rejected as usize, errors: report.errors });
    }
    report.households_new += new_households.len() as u64;
    report.households_not_geocoded += new_households.iter().filter(|h| h.lat.is_none()).count() as u64;
    report.electors += electors.len() as u64;
    if !options.dry_run {
        bulk::insert(tx, Some(campaign.id), new_households).await?;
        bulk::insert(tx, Some(campaign.id), electors).await?;
    }
    if report.electors == 0 {
        return Err(Error::Invalid("the file holds no electors: nothing was written".into()));
    }

    report.electors_removed = prev.len() as u64;
    let gone: Vec<i64> = households.values().filter(|(_, used)| !used).map(|(id, _)| *id).collect();
    report.households_gone = gone.len() as u64;
    if options.dry_run {
        report.gone_household_ids = gone;
        report.polling_districts = districts.len();
        return Ok(report);
    }
    if had_households {
        super::delete_households(tx, campaign.id, &gone).await?;
    }
    report.gone_household_ids = gone;
    if had_previous || had_households {
        tx.execute("DELETE FROM polling_districts WHERE campaign_id = $1", args![campaign.id]).await?;
    }
    report.polling_districts = districts.len();
    for code in districts {
        tx.execute("INSERT INTO polling_districts (campaign_id, code) VALUES ($1, $2)", args![campaign.id, code]).await?;
    }
    tx.execute("UPDATE campaigns SET next_row_id = $1 WHERE id = $2", args![next_id, campaign.id]).await?;
    // Households the file's gazetteer could not place, placed from the postcodes imported into
    // the database (the whole country's, with `groundgame postcodes import`).
    let placed = super::geocode_from_postcodes(tx, campaign).await?;
    report.households_not_geocoded = report.households_not_geocoded.saturating_sub(placed);
    if let Some(a) = &options.audit {
        let detail = format!("{}{} as version {version} ({placed} households placed from imported postcodes)", a.prefix, options.source);
        crate::audit::record(tx, Some(campaign.id), a.user_id, "import_register", &detail, report.electors as i64).await?;
    }
    record_import(
        tx,
        campaign.id,
        version,
        "full",
        &options.source,
        &report.format,
        ImportCounts {
            rows_read: report.rows_read,
            rows_rejected: report.rows_rejected,
            added: report.electors - report.electors_matched,
            removed: report.electors_removed,
            amended: 0,
            matched: report.electors_matched,
            unknown_markers: &report.unknown_markers,
        },
    )
    .await?;
    Ok(report)
}

fn reject(report: &mut ImportReport, e: RowError) {
    super::keep_rejected(&mut report.rows_rejected, &mut report.errors, e);
}

pub(crate) struct ImportCounts<'a> {
    pub rows_read: u64,
    pub rows_rejected: u64,
    pub added: u64,
    pub removed: u64,
    pub amended: u64,
    pub matched: u64,
    pub unknown_markers: &'a BTreeMap<String, u64>,
}

/// Writes the audit trail's line for one change to the register.
pub(crate) async fn record_import(
    tx: &mut Tx,
    campaign_id: i64,
    version: i64,
    kind: &str,
    source: &str,
    format: &str,
    c: ImportCounts<'_>,
) -> Result<()> {
    let unknown: Vec<String> = c.unknown_markers.iter().map(|(m, n)| format!("{m}:{n}")).collect();
    tx.execute(
        "INSERT INTO register_imports (campaign_id, version, kind, source, format, rows_read, rows_rejected, electors_added, \
         electors_removed, electors_amended, electors_matched, unknown_markers, imported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        args![
            campaign_id,
            version,
            kind,
            source,
            format,
            c.rows_read as i64,
            c.rows_rejected as i64,
            c.added as i64,
            c.removed as i64,
            c.amended as i64,
            c.matched as i64,
            unknown.join(" "),
            now()
        ],
    )
    .await
    .context("Failed to write the import to the audit trail")?;
    Ok(())
}
