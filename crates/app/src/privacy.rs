//! Data protection: the audit log's chain checked end to end, and retention (each campaign's
//! register and canvass deleted once it is over).

use chrono::NaiveDate;
use groundgame_core::campaign::retention_date;
use groundgame_store::audit::{self, ChainReport};
use groundgame_store::campaigns::Campaign;
use groundgame_store::privacy::{self, Deleted};
use groundgame_store::register::{self, ElectorView};

use crate::{Actor, App, Error, Result};

/// One chain checked, with the campaign it belongs to named.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChainCheck {
    /// "Derby North (E14000662)", or "no campaign" for sign-ins and account changes outside one.
    pub campaign: String,
    #[serde(flatten)]
    pub report: ChainReport,
}

/// Checks every line of every campaign's audit chain. Read-only, and safe while servers run.
pub async fn verify_audit_log(app: &App) -> Result<Vec<ChainCheck>> {
    let mut tx = app.store.begin().await?;
    let campaigns = groundgame_store::campaigns::list(&mut tx).await?;
    let reports = audit::verify(&mut tx).await?;
    tx.commit().await?;
    Ok(reports
        .into_iter()
        .map(|report| {
            let campaign = match report.campaign_id {
                None => "no campaign".to_owned(),
                Some(id) => {
                    campaigns.iter().find(|c| c.id == id).map_or_else(|| format!("campaign {id}"), |c| format!("{} ({})", c.name, c.gss))
                }
            };
            ChainCheck { campaign, report }
        })
        .collect())
}

/// What retention did with one campaign.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RetentionOutcome {
    /// "Derby North (parl.derby-north.2017-06-08)".
    pub campaign: String,
    /// The last day the campaign keeps its register and canvass.
    pub retain_until: NaiveDate,
    pub state: RetentionState,
    /// What was (or, in a dry run, would be) deleted.
    pub deleted: Option<Deleted>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionState {
    /// Its day has not passed.
    Kept,
    /// Its day has passed: a dry run says what would go.
    Due,
    /// Deleted now.
    Deleted,
    /// Deleted before.
    AlreadyDeleted,
}

/// The campaign's last day for its register and canvass, and when they were deleted (if so).
pub async fn retention_of(app: &App, campaign: &Campaign) -> Result<(NaiveDate, Option<String>)> {
    let mut tx = app.store.begin().await?;
    let r = privacy::retention(&mut tx, campaign.id).await?;
    tx.commit().await?;
    Ok((last_day(app, campaign, &r), r.register_deleted_at))
}

fn last_day(app: &App, campaign: &Campaign, r: &privacy::Retention) -> NaiveDate {
    let set_up_on =
        campaign.created_at.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).unwrap_or(campaign.election_date);
    retention_date(campaign.election_date, set_up_on, app.limits.retention_days, r.chosen())
}

/// Chooses the campaign's last day (none: the default), from the command line.
pub async fn set_retention(app: &App, campaign: &Campaign, day: Option<NaiveDate>) -> Result<NaiveDate> {
    let mut tx = app.store.begin_write().await?;
    privacy::set_retain_until(&mut tx, campaign.id, day).await?;
    let r = privacy::retention(&mut tx, campaign.id).await?;
    let until = last_day(app, campaign, &r);
    audit::record(&mut tx, Some(campaign.id), None, "retention_set", &format!("register and canvass kept until {until}"), 0).await?;
    tx.commit().await?;
    Ok(until)
}

/// Deletes the register and canvass of every campaign whose last day is before `as_of` (or,
/// with `dry_run`, says what it would delete), then gives the space back so that no name or
/// address stays in the database's files. Each campaign is its own transaction, and audited.
pub async fn run_retention(app: &App, as_of: NaiveDate, dry_run: bool) -> Result<Vec<RetentionOutcome>> {
    let mut tx = app.store.begin().await?;
    let campaigns = groundgame_store::campaigns::list(&mut tx).await?;
    let mut states = Vec::new();
    for c in campaigns {
        let r = privacy::retention(&mut tx, c.id).await?;
        states.push((c, r));
    }
    tx.commit().await?;
    let mut out = Vec::new();
    let mut any = false;
    for (c, r) in states {
        let until = last_day(app, &c, &r);
        let campaign = format!("{} ({})", c.name, c.ballot_id);
        let (state, deleted) = if r.register_deleted_at.is_some() {
            (RetentionState::AlreadyDeleted, None)
        } else if as_of <= until {
            (RetentionState::Kept, None)
        } else if dry_run {
            let mut tx = app.store.begin().await?;
            let counted = privacy::count_register(&mut tx, c.id).await?;
            tx.commit().await?;
            (RetentionState::Due, Some(counted))
        } else {
            let mut tx = app.store.begin_write().await?;
            match privacy::delete_register(&mut tx, c.id).await? {
                Some(d) => {
                    let detail =
                        format!("register and canvass deleted, kept until {until}: {} rows, {} audit details", d.total(), d.audit_details);
                    audit::record(&mut tx, Some(c.id), None, "retention_deleted", &detail, d.total() as i64).await?;
                    tx.commit().await?;
                    any = true;
                    (RetentionState::Deleted, Some(d))
                }
                None => (RetentionState::AlreadyDeleted, None),
            }
        };
        out.push(RetentionOutcome { campaign, retain_until: until, state, deleted });
    }
    if any {
        let mut tables: Vec<&str> = privacy::REGISTER_TABLES.to_vec();
        tables.push("audit_log");
        if !app.store.reclaim(&tables).await? {
            tracing::warn!("the database's write-ahead log is in use by another process: the deleted rows leave it at its next checkpoint");
        }
    }
    Ok(out)
}

/// A copy of the whole database, taken while servers run (SQLite; PostgreSQL has its own
/// tools), audited with no campaign. Returns the copy's size in bytes.
pub async fn backup(app: &App, output: &std::path::Path) -> Result<u64> {
    let bytes = app.store.backup_to(output).await?;
    let mut tx = app.store.begin_write().await?;
    audit::record(&mut tx, None, None, "backup", &format!("{} bytes to {}", bytes, output.display()), 0).await?;
    tx.commit().await?;
    Ok(bytes)
}

/// Records that an elector objected to being contacted: from now on they are on no walk, sheet,
/// phone, knock-up list, postal chase, friend match or export of the campaign, whatever register
/// is imported next. Audited. Returns the elector and whether the objection is new.
pub async fn record_objection(app: &App, actor: Actor<'_>, number: &str, how: &str) -> Result<(ElectorView, bool)> {
    let how = how.trim();
    if how.chars().count() > 500 {
        return Err(Error::Invalid("say how the objection came in 500 characters or fewer".into()));
    }
    let mut tx = app.store.begin_write().await?;
    let e = register::show_elector(&mut tx, actor.campaign(), number).await?;
    let new = privacy::object(&mut tx, actor.campaign().id, e.id, actor.user_id(), how).await?;
    if new {
        actor.audit(&mut tx, "objection_recorded", &e.elector_number, 1).await?;
    }
    let e = register::show_elector(&mut tx, actor.campaign(), number).await?;
    tx.commit().await?;
    Ok((e, new))
}

/// The campaign's objections (audited: a list of electors).
pub async fn objections(app: &App, actor: Actor<'_>) -> Result<Vec<privacy::Objection>> {
    let mut tx = app.store.begin_write().await?;
    let list = privacy::objections(&mut tx, actor.campaign().id).await?;
    actor.audit(&mut tx, "objections_viewed", "", list.len() as i64).await?;
    tx.commit().await?;
    Ok(list)
}

/// Everything held about one elector, as one readable bundle for a subject access request:
/// their register entry, contacts (theirs and their door's), polling-day records, friend matches,
/// objection, and the audit lines that name their number. Audited.
pub async fn elector_bundle(app: &App, actor: Actor<'_>, number: &str) -> Result<serde_json::Value> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let e = register::show_elector(&mut tx, campaign, number).await?;
    let records = privacy::elector_records(&mut tx, campaign.id, e.id, e.household_id, &e.elector_number).await?;
    actor.audit(&mut tx, "subject_access_elector", &e.elector_number, 1).await?;
    tx.commit().await?;
    Ok(serde_json::json!({
        "about": format!("Everything {} holds about elector {} in groundgame", campaign.name, e.elector_number),
        "campaign": campaign.ballot_id,
        "made_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "register_entry": e,
        "records": records,
    }))
}

/// Everything held about one volunteer of the campaign (what their own page downloads), for a
/// request that comes another way. Audited.
pub async fn volunteer_bundle(app: &App, campaign: &Campaign, email: &str) -> Result<serde_json::Value> {
    let secret = volunteer_secret(app, campaign, email).await?;
    let bundle = crate::volunteers::export_own(app, &secret).await?;
    let mut tx = app.store.begin_write().await?;
    audit::record(&mut tx, Some(campaign.id), None, "subject_access_volunteer", "a volunteer's records", 1).await?;
    tx.commit().await?;
    Ok(bundle)
}

/// Erases a volunteer of the campaign (as their own page's delete does), for a request that
/// comes another way.
pub async fn erase_volunteer(app: &App, campaign: &Campaign, email: &str) -> Result<()> {
    let secret = volunteer_secret(app, campaign, email).await?;
    crate::volunteers::delete_own(app, &secret).await
}

async fn volunteer_secret(app: &App, campaign: &Campaign, email: &str) -> Result<String> {
    crate::volunteers::secret_of(app, campaign, email)
        .await?
        .ok_or_else(|| Error::NotFound(format!("{} has no volunteer with the email {email}", campaign.name)))
}
