//! Canvassing: the survey, canvassing sessions, who knocks which walk, the walk payload a phone is
//! handed, contacts sent from phones and keyed in from paper, and the live progress.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use groundgame_core::results::WinNumber;
use groundgame_core::survey::{self, Contact, Survey};
use groundgame_store::canvassing::{self, Batch, CanvassSession, ContactView, Source, SyncReport, WalkPayload};
use groundgame_store::progress::{self, Progress};
use groundgame_store::walks::{self, Walk, WalkDoor};
use groundgame_store::{audit, register};

use crate::{Actor, App, Error, Member, Result};

/// The campaign's survey.
pub async fn survey(app: &App, actor: Actor<'_>) -> Result<Survey> {
    let mut tx = app.store.begin().await?;
    let s = canvassing::survey(&mut tx, actor.campaign()).await?;
    tx.commit().await?;
    Ok(s)
}

/// Replaces the campaign's survey (checked first).
pub async fn set_survey(app: &App, actor: Actor<'_>, survey: &Survey) -> Result<()> {
    survey.validate()?;
    let mut tx = app.store.begin_write().await?;
    canvassing::set_survey(&mut tx, actor.campaign(), survey).await?;
    actor.audit(&mut tx, "survey_saved", &format!("{} questions, {} outcomes", survey.questions.len(), survey.outcomes.len()), 0).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn canvass_sessions(app: &App, actor: Actor<'_>) -> Result<Vec<CanvassSession>> {
    let mut tx = app.store.begin().await?;
    let s = canvassing::canvass_sessions(&mut tx, actor.campaign()).await?;
    tx.commit().await?;
    Ok(s)
}

/// A session with one time of three hours and thirty places (the organiser's pages set more).
pub async fn create_canvass_session(
    app: &App,
    actor: Actor<'_>,
    name: &str,
    starts_at: &str,
    meeting_point: &str,
) -> Result<CanvassSession> {
    let mut tx = app.store.begin_write().await?;
    let s = canvassing::create_canvass_session(&mut tx, actor.campaign(), name, starts_at, meeting_point).await?;
    let ends =
        chrono::NaiveDateTime::parse_from_str(&s.starts_at, "%Y-%m-%dT%H:%M").map_err(anyhow::Error::from)? + chrono::Duration::hours(3);
    groundgame_store::volunteers::add_slot(&mut tx, actor.campaign(), s.id, &s.starts_at, &ends.format("%Y-%m-%dT%H:%M").to_string(), 30)
        .await?;
    actor.audit(&mut tx, "session_added", &format!("{} at {}", s.name, s.starts_at), 0).await?;
    tx.commit().await?;
    Ok(s)
}

/// The walks assigned to the member.
pub async fn my_walks(app: &App, member: &Member) -> Result<Vec<Walk>> {
    let mut tx = app.store.begin().await?;
    let list = canvassing::assigned_walks(&mut tx, &member.campaign, member.user.id).await?;
    tx.commit().await?;
    Ok(list)
}

/// A walk for the doorstep, handed to the actor: a canvasser gets only walks assigned to them.
/// What it holds is recorded (so answers recorded while they hold it are kept whatever happens to
/// the walk later), and the read is audited.
pub async fn walk_payload(app: &App, actor: Actor<'_>, walk_id: i64) -> Result<WalkPayload> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let payload = canvassing::walk_payload(&mut tx, campaign, walk_id, &actor.door_scope()).await?;
    if let Some(user) = actor.user_id() {
        canvassing::record_handout(&mut tx, campaign, user, &payload).await?;
    }
    actor.audit(&mut tx, "walk_payload", &payload.walk.name, payload.electors() as i64).await?;
    tx.commit().await?;
    Ok(payload)
}

/// Gives a walk to a volunteer (or nobody) and a session (or none). Whoever held it before stops
/// holding it now.
/// Assigns several walks to one canvasser (or nobody) and one session (or none): the number
/// assigned. Each is checked and audited as one assignment is.
pub async fn assign_many(app: &App, actor: Actor<'_>, walk_ids: &[i64], user_id: Option<i64>, session_id: Option<i64>) -> Result<usize> {
    if walk_ids.len() > 500 {
        return Err(Error::Invalid("at most 500 walks at once".into()));
    }
    for id in walk_ids {
        assign(app, actor, *id, user_id, session_id).await?;
    }
    Ok(walk_ids.len())
}

pub async fn assign(app: &App, actor: Actor<'_>, walk_id: i64, user_id: Option<i64>, session_id: Option<i64>) -> Result<Walk> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    canvassing::assign(&mut tx, campaign, walk_id, user_id, session_id).await?;
    let (walk, _) = walks::get(&mut tx, campaign, walk_id).await?;
    let to = match user_id {
        Some(u) => groundgame_store::accounts::user_credentials(&mut tx, u).await?.0.email,
        None => "nobody".into(),
    };
    actor.audit(&mut tx, "walk_assigned", &format!("{} to {to}", walk.name), 0).await?;
    tx.commit().await?;
    Ok(walk)
}

/// Stores contacts sent from a phone, each exactly once however often the batch is sent.
/// `sent_at` is the phone's clock when it sent the batch: its error corrects the times recorded.
pub async fn sync(app: &App, actor: Actor<'_>, contacts: Vec<Contact>, sent_at: Option<DateTime<Utc>>) -> Result<SyncReport> {
    if contacts.len() > app.limits.sync_batch {
        return Err(Error::Invalid(format!("send at most {} contacts at a time", app.limits.sync_batch)));
    }
    let user_id = actor.user_id().ok_or_else(|| Error::forbidden("contacts are sent by a volunteer"))?;
    let clock_error = survey::clock_error(sent_at, Utc::now());
    // Written by the sync writer, with whatever other batches are waiting, in a task of its own:
    // a phone hanging up mid-request (it will resend) never cuts the write short.
    let job = crate::sync_queue::Job { campaign: actor.campaign().clone(), contacts, user_id, scope: actor.door_scope(), clock_error };
    Ok(app.syncs.submit(&app.store, job).await?)
}

/// A walk's payload for a paper sheet or for keying one in, audited as `action`.
pub async fn paper(app: &App, actor: Actor<'_>, walk_id: i64, action: &str) -> Result<WalkPayload> {
    let mut tx = app.store.begin_write().await?;
    let payload = canvassing::walk_payload(&mut tx, actor.campaign(), walk_id, &groundgame_store::canvassing::Scope::Campaign).await?;
    actor.audit(&mut tx, action, &payload.walk.name, payload.electors() as i64).await?;
    tx.commit().await?;
    Ok(payload)
}

/// One row of a keyed-in paper sheet: a door (no elector) or an elector, with what the sheet says.
#[derive(Debug, Clone, Default)]
pub struct PaperRow {
    pub household_id: i64,
    pub elector_id: Option<i64>,
    pub outcome: Option<String>,
    pub answers: BTreeMap<String, String>,
    pub note: String,
}

/// What keying in a sheet did.
#[derive(Debug)]
pub enum Keyed {
    Saved(usize),
    /// Nothing was saved: each reason says what to fix.
    Refused(Vec<String>),
}

/// Keys in a paper walk sheet canvassed on `day`: one contact per row with anything on it. A sheet
/// with any mistake saves nothing, so the person keying it in fixes it and saves again.
pub async fn key_in(app: &App, actor: Actor<'_>, walk_id: i64, day: NaiveDate, rows: Vec<PaperRow>) -> Result<Keyed> {
    let campaign = actor.campaign();
    let today = Utc::now().date_naive();
    if day > today {
        return Err(Error::Invalid(format!("the date canvassed, {}, is after today", day.format("%-d %B %Y"))));
    }
    let earliest = campaign.election_date - chrono::Days::new(730);
    if day < earliest {
        return Err(Error::Invalid(format!("the date canvassed, {}, is more than two years before polling day", day.format("%-d %B %Y"))));
    }
    let user_id = actor.user_id().ok_or_else(|| Error::forbidden("paper sheets are keyed in by a volunteer"))?;
    let recorded_at = day.and_hms_opt(12, 0, 0).expect("noon").and_utc();
    let contacts: Vec<Contact> = rows
        .into_iter()
        .filter(|r| !r.answers.is_empty() || r.outcome.is_some() || !r.note.trim().is_empty())
        .map(|r| Contact {
            id: uuid::Uuid::new_v4(),
            walk_id: Some(walk_id),
            household_id: r.household_id,
            elector_id: r.elector_id,
            recorded_at,
            outcome: r.outcome,
            answers: r.answers,
            note: r.note,
        })
        .collect();
    let mut tx = app.store.begin_write().await?;
    let batch = Batch {
        contacts: &contacts,
        user_id: Some(user_id),
        scope: canvassing::Scope::Campaign,
        source: Source::Paper,
        clock_error: chrono::Duration::zero(),
    };
    let report = canvassing::record_contacts(&mut tx, campaign, batch).await?;
    if !report.rejected.is_empty() {
        return Ok(Keyed::Refused(report.rejected.into_iter().map(|r| r.reason).collect()));
    }
    actor.audit(&mut tx, "paper_keyed_in", &format!("walk {walk_id}, canvassed {day}"), report.stored.len() as i64).await?;
    tx.commit().await?;
    Ok(Keyed::Saved(report.stored.len()))
}

/// A walk as the organiser's walk page shows it: its doors, every contact with its answers and
/// notes (audited: it is a bulk read of what voters said), the survey and the assignment.
pub struct WalkView {
    pub walk: Walk,
    pub doors: Vec<WalkDoor>,
    pub contacts: Vec<ContactView>,
    pub survey: Survey,
    pub assignment: Option<canvassing::Assignment>,
}

pub async fn walk_view(app: &App, actor: Actor<'_>, walk_id: i64) -> Result<WalkView> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let (walk, doors) = walks::get(&mut tx, campaign, walk_id).await?;
    let contacts = canvassing::walk_contacts(&mut tx, campaign, walk_id).await?;
    let survey = canvassing::survey(&mut tx, campaign).await?;
    let assignment = canvassing::assignments(&mut tx, campaign).await?.remove(&walk_id);
    actor.audit(&mut tx, "walk_contacts_viewed", &walk.name, contacts.len() as i64).await?;
    tx.commit().await?;
    Ok(WalkView { walk, doors, contacts, survey, assignment })
}

/// The sessions (of sign-in) that have read the live progress lately: a dashboard asks every
/// ten seconds, and the audit log has one line for it a quarter of an hour, not hundreds.
#[derive(Default)]
pub struct AuditedReads {
    last: Mutex<HashMap<String, Instant>>,
}

impl AuditedReads {
    /// Whether this session's read is to be written now.
    fn due(&self, session: &str, every: std::time::Duration) -> bool {
        let mut last = self.last.lock().expect("audited reads");
        let now = Instant::now();
        if last.get(session).is_some_and(|t| now.duration_since(*t) < every) {
            return false;
        }
        if last.len() > 10_000 {
            last.retain(|_, t| now.duration_since(*t) < every);
        }
        last.insert(session.to_owned(), now);
        true
    }
}

/// The campaign's live progress and its win number.
pub async fn progress(app: &App, actor: Actor<'_>) -> Result<(Progress, Option<WinNumber>, register::RegisterStats)> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin().await?;
    let p = progress::read(&mut tx, campaign).await?;
    let stats = crate::register::kept_stats(app, &mut tx, campaign.id).await?;
    tx.commit().await?;
    let session = match actor {
        Actor::Member(m) => m.session.as_str(),
        Actor::CommandLine(_) => "command line",
    };
    if app.audited.due(session, app.limits.progress_audit_every) {
        let mut tx = app.store.begin_write().await?;
        actor.audit(&mut tx, "progress_viewed", "live progress (one line each quarter hour per session)", p.totals.contacts as i64).await?;
        tx.commit().await?;
    }
    let elections = crate::targeting::elections(app).await?;
    let win = groundgame_core::results::campaign_win_number(&elections, &campaign.gss, campaign.election_date, stats.totals.eligible);
    Ok((p, win, stats))
}

/// The latest lines of the campaign's audit log, newest first.
pub async fn audit_log(app: &App, actor: Actor<'_>, limit: i64) -> Result<Vec<audit::Entry>> {
    let mut tx = app.store.begin().await?;
    let entries = audit::recent(&mut tx, actor.campaign().id, limit).await?;
    tx.commit().await?;
    Ok(entries)
}

/// The audit log searched by person, action and UK dates (from, to: both days included), with
/// the people and actions to choose from.
pub async fn search_audit_log(
    app: &App,
    actor: Actor<'_>,
    user: Option<&str>,
    action: Option<&str>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<(Vec<audit::Entry>, Vec<String>, Vec<String>)> {
    let start = |d: chrono::NaiveDate| {
        groundgame_store::db::time_text(groundgame_core::time::uk_instant(d.and_hms_opt(0, 0, 0).expect("midnight")))
    };
    let search = audit::Search {
        user: user.map(str::to_owned),
        action: action.map(str::to_owned),
        from: from.map(start),
        before: to.and_then(|d| d.succ_opt()).map(start),
    };
    let mut tx = app.store.begin().await?;
    let entries = audit::search(&mut tx, actor.campaign().id, &search, 500).await?;
    let (people, actions) = audit::facets(&mut tx, actor.campaign().id).await?;
    tx.commit().await?;
    Ok((entries, people, actions))
}

/// How many contacts the campaign holds.
pub async fn contact_count(app: &App, actor: Actor<'_>) -> Result<i64> {
    let mut tx = app.store.begin().await?;
    let n = canvassing::contact_count(&mut tx, actor.campaign()).await?;
    tx.commit().await?;
    Ok(n)
}

/// What voters raise: the top issues of every conversation, by district, intention, age band and
/// week (a read of what voters said: audited).
pub async fn issues_report(app: &App, actor: Actor<'_>) -> Result<groundgame_core::issues::IssuesReport> {
    use groundgame_core::issues::{report, Raised};
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let survey = canvassing::survey(&mut tx, campaign).await?;
    let rows = canvassing::answered(&mut tx, campaign, groundgame_core::survey::TOP_ISSUE).await?;
    actor.audit(&mut tx, "issues_report_read", &format!("{} answers", rows.len()), 0).await?;
    tx.commit().await?;
    let raised: Vec<Raised> = rows
        .into_iter()
        .filter_map(|r| {
            let at = chrono::DateTime::parse_from_rfc3339(&r.ordered_at).ok()?.with_timezone(&chrono::Utc);
            Some(Raised {
                polling_district: r.polling_district,
                day: groundgame_core::time::uk_local(at).date(),
                answers: serde_json::from_str(&r.answers).ok()?,
                date_of_birth: r.date_of_birth.and_then(|d| d.parse().ok()),
            })
        })
        .collect();
    Ok(report(&survey, &raised, groundgame_core::time::uk_now().date()))
}
