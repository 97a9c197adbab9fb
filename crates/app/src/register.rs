//! The electoral register: full imports (from the command line, or uploaded and previewed before
//! they replace anything), notices of alteration, absent voters lists, statistics, one elector,
//! and the audited export.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use groundgame_core::geography::Gazetteer;
use groundgame_core::register::layout::Mapping;
use groundgame_core::register::record::UnknownMarkers;
use groundgame_store::audit;
use groundgame_store::campaigns::{self, Campaign};
use groundgame_store::register::pipeline::{self, AbsentVotersFile, RegisterFile};
use groundgame_store::register::uploads;
use groundgame_store::register::{
    self, AbsentVotersReport, ElectorView, ImportAudit, ImportOptions, ImportReport, RegisterCsv, RegisterStats, UpdateReport,
};
use serde::Serialize;

use crate::{Actor, App, Error, Result};

/// The register's statistics, read with the campaign as it is now (not as a session loaded it).
pub async fn stats(app: &App, actor: Actor<'_>) -> Result<RegisterStats> {
    let mut tx = app.store.begin().await?;
    let s = kept_stats(app, &mut tx, actor.campaign().id).await?;
    tx.commit().await?;
    Ok(s)
}

/// Each campaign's register statistics, for the register version they were worked out for. Every
/// change to the register (an import, a notice, an absent voters list) is a new version, so they
/// are counted once a version, not once a dashboard refresh (a scan of every elector).
#[derive(Default)]
pub(crate) struct KeptStats {
    by_campaign: std::sync::Mutex<std::collections::HashMap<i64, RegisterStats>>,
}

/// The campaign's register statistics as of its register version now, read in `tx`.
pub(crate) async fn kept_stats(app: &App, tx: &mut groundgame_store::Tx, campaign_id: i64) -> Result<RegisterStats> {
    let campaign = campaigns::by_id(tx, campaign_id).await?;
    let kept = |by_campaign: &std::collections::HashMap<i64, RegisterStats>| {
        by_campaign
            .get(&campaign.id)
            .filter(|s| s.register_version == campaign.register_version && s.election_date == campaign.election_date)
            .cloned()
    };
    if let Some(s) = kept(&app.stats.by_campaign.lock().unwrap_or_else(|p| p.into_inner())) {
        return Ok(s);
    }
    let s = register::stats(tx, &campaign).await?;
    app.stats.by_campaign.lock().unwrap_or_else(|p| p.into_inner()).insert(campaign.id, s.clone());
    Ok(s)
}

/// A register file to import, as the person importing it gave it.
pub struct RegisterSource<'a> {
    pub path: &'a Path,
    /// What its user calls it (an upload's own name, not the temporary file it is kept in).
    pub name: &'a str,
    pub mapping: &'a Mapping,
    pub unknown_markers: UnknownMarkers,
    /// Write the valid rows and send the others to a rejects file.
    pub rejects: Option<PathBuf>,
    /// Postcode and UPRN points beside the bundled ones and those imported into the database.
    pub gazetteer: &'a Gazetteer,
}

impl RegisterSource<'_> {
    fn open(&self) -> Result<RegisterFile> {
        Ok(RegisterFile::open_named(self.path, self.name, self.mapping, self.unknown_markers)?)
    }

    /// How to import this file; `by` is who imports it, for the audit line written with it.
    fn options(&self, file: &RegisterFile, dry_run: bool, by: Option<Actor<'_>>) -> ImportOptions<'_> {
        ImportOptions {
            source: self.name.to_owned(),
            format: file.format(),
            number_column: file.number_column(),
            skip_invalid: self.rejects.is_some(),
            gazetteer: self.gazetteer,
            dry_run,
            audit: by.map(|a| ImportAudit {
                user_id: a.user_id(),
                prefix: if matches!(a, Actor::CommandLine(_)) { "command line: ".into() } else { String::new() },
            }),
        }
    }
}

/// Imports a full register file as the campaign's new register, in one transaction in this
/// process's turn to write, its audit line in the same transaction. Households placed nowhere by
/// the file's own gazetteer are placed from the postcodes imported into the database. A failed
/// import is audited too.
pub async fn import(app: &App, actor: Actor<'_>, source: &RegisterSource<'_>, progress: Arc<AtomicU64>) -> Result<ImportReport> {
    let campaign = actor.campaign();
    let result = async {
        let file = source.open()?;
        let options = source.options(&file, false, Some(actor));
        Ok::<_, Error>(pipeline::import_file(&app.store, campaign, file, options, source.rejects.clone(), progress).await?)
    }
    .await;
    if let Err(e) = &result {
        audit_failed(app, actor, "import_register_failed", source.name, e).await?;
    }
    result
}

/// Writes a failed import to the audit log (in a turn of its own: the import wrote nothing).
async fn audit_failed(app: &App, actor: Actor<'_>, action: &str, name: &str, e: &Error) -> Result<()> {
    let why = match e {
        Error::Internal(_) => "a fault on the server".to_owned(),
        e => e.to_string(),
    };
    let mut tx = app.store.begin_write().await?;
    actor.audit(&mut tx, action, &format!("{name}: {why}"), 0).await?;
    tx.commit().await?;
    Ok(())
}

/// What importing a file would change, worked out before anything is written.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// The upload waiting for confirmation.
    pub upload: String,
    pub name: String,
    pub report: ImportReport,
    /// Walks that would lose doors: (walk id, name, doors lost, doors on the walk).
    pub walks_losing_doors: Vec<(i64, String, i64, i64)>,
    /// The new register is much smaller than the one it replaces: confirming needs saying so.
    pub much_smaller: bool,
}

/// A new register below this share of the one it replaces needs an explicit confirmation.
pub const MUCH_SMALLER: f64 = 0.8;

fn is_much_smaller(report: &ImportReport) -> bool {
    report.electors_before > 0 && (report.electors as f64) < MUCH_SMALLER * report.electors_before as f64
}

/// Reads an uploaded register file and works out what importing it would change, writing nothing
/// to the register; the file is kept (for an hour) until its organiser confirms or cancels.
pub async fn preview_upload(app: &App, actor: Actor<'_>, name: &str, path: &Path) -> Result<Preview> {
    let campaign = actor.campaign();
    let gazetteer = Gazetteer::demo();
    let source = upload_source(path, name, &gazetteer);
    let result = async {
        let file = source.open()?;
        let options = source.options(&file, true, None);
        Ok::<_, Error>(pipeline::import_file(&app.store, campaign, file, options, None, Arc::default()).await?)
    }
    .await;
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            audit_failed(app, actor, "import_register_failed", name, &e).await?;
            return Err(e);
        }
    };
    let content = std::fs::read(path).map_err(anyhow::Error::new)?;
    let (upload, _) = crate::secrets::new_token();
    let keep = chrono::Duration::from_std(app.limits.upload_keep_for).unwrap_or(chrono::Duration::hours(1));
    let stale = (chrono::Utc::now() - keep).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut tx = app.store.begin_write().await?;
    let current = campaigns::by_id(&mut tx, campaign.id).await?;
    let kept = uploads::Upload { name: name.to_owned(), content, register_version: current.register_version };
    uploads::keep(&mut tx, campaign, &upload, actor.user_id(), kept, &stale).await?;
    let lost = uploads::walks_losing(&mut tx, campaign, &report.gone_household_ids).await?;
    let walks = groundgame_store::walks::list(&mut tx, campaign, None).await?;
    tx.commit().await?;
    let walks_losing_doors = walks.into_iter().filter_map(|w| lost.get(&w.id).map(|n| (w.id, w.name, *n, w.doors))).collect();
    Ok(Preview { upload, name: name.to_owned(), walks_losing_doors, much_smaller: is_much_smaller(&report), report })
}

/// An uploaded file, read as the web app reads every upload: its layout from its header, unknown
/// markers refused, the bundled gazetteer (and the imported postcodes, after the import).
fn upload_source<'a>(path: &'a Path, name: &'a str, gazetteer: &'a Gazetteer) -> RegisterSource<'a> {
    static NO_MAPPING: std::sync::OnceLock<Mapping> = std::sync::OnceLock::new();
    RegisterSource {
        path,
        name,
        mapping: NO_MAPPING.get_or_init(Mapping::default),
        unknown_markers: UnknownMarkers::Refuse,
        rejects: None,
        gazetteer,
    }
}

/// Imports an upload its organiser has seen the preview of. A much smaller register needs
/// `smaller_confirmed`; a register changed since the preview needs a new preview.
pub async fn confirm_upload(app: &App, actor: Actor<'_>, upload: &str, smaller_confirmed: bool) -> Result<ImportReport> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin().await?;
    let kept = uploads::get(&mut tx, campaign, upload).await?;
    let current = campaigns::by_id(&mut tx, campaign.id).await?;
    tx.commit().await?;
    let kept =
        kept.ok_or_else(|| Error::NotFound("that upload has been imported, cancelled or has expired: upload the file again".into()))?;
    if kept.register_version != current.register_version {
        return Err(Error::Conflict(
            "the register has changed since this upload was checked: upload the file again to see what it would change now".into(),
        ));
    }
    let file = tempfile::NamedTempFile::new().map_err(anyhow::Error::new)?;
    std::fs::write(file.path(), &kept.content).map_err(anyhow::Error::new)?;
    let gazetteer = Gazetteer::demo();
    let source = upload_source(file.path(), &kept.name, &gazetteer);
    if !smaller_confirmed {
        let f = source.open()?;
        let options = source.options(&f, true, None);
        let preview = pipeline::import_file(&app.store, &current, f, options, None, Arc::default()).await?;
        if is_much_smaller(&preview) {
            return Err(Error::Invalid(format!(
                "this register has {} electors where the current one has {}: tick the box to say you mean to remove the others",
                preview.electors, preview.electors_before
            )));
        }
    }
    let report = import(app, actor, &source, Arc::default()).await?;
    let mut tx = app.store.begin_write().await?;
    uploads::drop_upload(&mut tx, campaign, upload).await?;
    tx.commit().await?;
    Ok(report)
}

/// Drops an upload without importing it.
pub async fn cancel_upload(app: &App, actor: Actor<'_>, upload: &str) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    uploads::drop_upload(&mut tx, actor.campaign(), upload).await?;
    tx.commit().await?;
    Ok(())
}

/// Applies a notice of alteration.
pub async fn update(app: &App, actor: Actor<'_>, source: &RegisterSource<'_>) -> Result<UpdateReport> {
    let file = source.open()?;
    let options = source.options(&file, false, None);
    let rows = file.read_all(source.rejects.clone())?;
    let mut tx = app.store.begin_write().await?;
    let report = register::apply_update(&mut tx, actor.campaign(), rows, options).await?;
    actor
        .audit(
            &mut tx,
            "register_update",
            &format!("{} as version {}", source.name, report.version),
            (report.added + report.amended + report.deleted) as i64,
        )
        .await?;
    tx.commit().await?;
    Ok(report)
}

/// Replaces the absent voters list.
pub async fn absent_voters(
    app: &App,
    actor: Actor<'_>,
    list: AbsentVotersFile,
    name: &str,
    skip_invalid: bool,
) -> Result<AbsentVotersReport> {
    let mut tx = app.store.begin_write().await?;
    let report = register::import_absent_voters(&mut tx, actor.campaign(), list, name, skip_invalid).await?;
    actor
        .audit(
            &mut tx,
            "absent_voters",
            &format!("{name} as version {}", report.version),
            (report.postal + report.proxy + report.proxy_postal) as i64,
        )
        .await?;
    tx.commit().await?;
    Ok(report)
}

/// Reads an absent voters list file.
pub fn read_absent_voters(path: &Path, mapping: &Mapping) -> Result<AbsentVotersFile> {
    Ok(pipeline::read_absent_voters(path, mapping)?)
}

/// The whole register as CSV (formulas made harmless), audited with the number of electors.
pub async fn export(app: &App, actor: Actor<'_>) -> Result<RegisterCsv> {
    let mut tx = app.store.begin_write().await?;
    let csv = register::export_csv(&mut tx, actor.campaign()).await?;
    actor.audit(&mut tx, "export_register", "register CSV download", csv.rows as i64).await?;
    tx.commit().await?;
    Ok(csv)
}

/// One elector by number, audited.
pub async fn show_elector(app: &App, actor: Actor<'_>, number: &str) -> Result<ElectorView> {
    let mut tx = app.store.begin_write().await?;
    let e = register::show_elector(&mut tx, actor.campaign(), number).await?;
    actor.audit(&mut tx, "show_elector", &e.elector_number, 1).await?;
    tx.commit().await?;
    Ok(e)
}

/// The audit log's latest lines for a campaign (the command line's view).
pub async fn audit_log(app: &App, campaign: &Campaign, limit: i64) -> Result<Vec<audit::Entry>> {
    let mut tx = app.store.begin().await?;
    let e = audit::recent(&mut tx, campaign.id, limit).await?;
    tx.commit().await?;
    Ok(e)
}
