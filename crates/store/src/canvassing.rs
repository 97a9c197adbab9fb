//! Canvassing: the survey, sessions, who knocks which walk, contacts and live progress.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use groundgame_core::survey::{self, Contact, Survey, MAX_NOTE};
use serde::Serialize;

use crate::args;
use crate::campaigns::Campaign;
use crate::db::{now, Arg, Tx};
use crate::error::{Error, Result};
use crate::walks::{self, Walk};

/// The campaign's script: the saved one, or the UK default until one is saved.
pub async fn survey(tx: &mut Tx, campaign: &Campaign) -> Result<Survey> {
    let row: Option<(String,)> = tx.fetch_optional("SELECT definition FROM surveys WHERE campaign_id = $1", args![campaign.id]).await?;
    match row {
        Some((json,)) => Ok(serde_json::from_str(&json).map_err(|e| anyhow::anyhow!("the saved survey is not valid: {e}"))?),
        None => Ok(Survey::default()),
    }
}

pub async fn set_survey(tx: &mut Tx, campaign: &Campaign, survey: &Survey) -> Result<()> {
    survey.validate().map_err(Error::Invalid)?;
    let json = serde_json::to_string(survey).map_err(anyhow::Error::new)?;
    tx.execute(
        "INSERT INTO surveys (campaign_id, definition, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (campaign_id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at",
        args![campaign.id, json, now()],
    )
    .await?;
    Ok(())
}

/// A canvassing session: when and where volunteers meet to be given walks.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct CanvassSession {
    pub id: i64,
    pub name: String,
    /// 'YYYY-MM-DDTHH:MM', local time.
    pub starts_at: String,
    pub meeting_point: String,
}

pub async fn create_session(tx: &mut Tx, campaign: &Campaign, name: &str, starts_at: &str, meeting_point: &str) -> Result<CanvassSession> {
    let when = chrono::NaiveDateTime::parse_from_str(starts_at.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| Error::Invalid(format!("'{starts_at}' is not a date and time (YYYY-MM-DDTHH:MM)")))?;
    if name.trim().is_empty() {
        return Err(Error::Invalid("a session needs a name".into()));
    }
    let (id,): (i64,) = tx
        .fetch_one("UPDATE campaigns SET next_row_id = next_row_id + 1 WHERE id = $1 RETURNING next_row_id - 1", args![campaign.id])
        .await?;
    let session = CanvassSession {
        id,
        name: name.trim().to_owned(),
        starts_at: when.format("%Y-%m-%dT%H:%M").to_string(),
        meeting_point: meeting_point.trim().to_owned(),
    };
    tx.execute(
        "INSERT INTO canvass_sessions (campaign_id, id, name, starts_at, meeting_point) VALUES ($1, $2, $3, $4, $5)",
        args![campaign.id, id, session.name.as_str(), session.starts_at.as_str(), session.meeting_point.as_str()],
    )
    .await?;
    Ok(session)
}

pub async fn sessions(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<CanvassSession>> {
    tx.fetch_all(
        "SELECT id, name, starts_at, meeting_point FROM canvass_sessions WHERE campaign_id = $1 ORDER BY starts_at, id",
        args![campaign.id],
    )
    .await
}

/// Who knocks a walk and in which session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, sqlx::FromRow)]
pub struct Assignment {
    pub walk_id: i64,
    pub user_id: Option<i64>,
    pub canvasser: Option<String>,
    pub session_id: Option<i64>,
    pub session: Option<String>,
}

/// Gives a walk to a volunteer (or nobody) and a session (or none).
pub async fn assign(tx: &mut Tx, campaign: &Campaign, walk_id: i64, user_id: Option<i64>, session_id: Option<i64>) -> Result<()> {
    walks::get(tx, campaign, walk_id).await?;
    if let Some(u) = user_id {
        let member: Option<(i64,)> =
            tx.fetch_optional("SELECT user_id FROM memberships WHERE campaign_id = $1 AND user_id = $2", args![campaign.id, u]).await?;
        if member.is_none() {
            return Err(Error::Invalid(format!("volunteer {u} is not in this campaign")));
        }
    }
    if let Some(s) = session_id {
        let found: Option<(i64,)> =
            tx.fetch_optional("SELECT id FROM canvass_sessions WHERE campaign_id = $1 AND id = $2", args![campaign.id, s]).await?;
        if found.is_none() {
            return Err(Error::Invalid(format!("there is no session {s}")));
        }
    }
    tx.execute(
        "INSERT INTO walk_assignments (campaign_id, walk_id, user_id, session_id, assigned_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (campaign_id, walk_id) DO UPDATE SET user_id = excluded.user_id, session_id = excluded.session_id, \
         assigned_at = excluded.assigned_at",
        args![campaign.id, walk_id, user_id, session_id, now()],
    )
    .await?;
    Ok(())
}

/// Every assignment of the campaign, by walk.
pub async fn assignments(tx: &mut Tx, campaign: &Campaign) -> Result<HashMap<i64, Assignment>> {
    let rows: Vec<Assignment> = tx
        .fetch_all(
            "SELECT a.walk_id, a.user_id, u.name AS canvasser, a.session_id, s.name AS session FROM walk_assignments a \
             LEFT JOIN users u ON u.id = a.user_id \
             LEFT JOIN canvass_sessions s ON s.campaign_id = a.campaign_id AND s.id = a.session_id \
             WHERE a.campaign_id = $1",
            args![campaign.id],
        )
        .await?;
    Ok(rows.into_iter().map(|a| (a.walk_id, a)).collect())
}

/// The walks assigned to one volunteer.
pub async fn assigned_walks(tx: &mut Tx, campaign: &Campaign, user_id: i64) -> Result<Vec<Walk>> {
    tx.fetch_all(
        "SELECT w.id, w.polling_district, w.number, w.name, w.doors, w.electors, w.distance_m, w.minutes, w.register_version \
         FROM walks w JOIN walk_assignments a ON a.campaign_id = w.campaign_id AND a.walk_id = w.id \
         WHERE w.campaign_id = $1 AND a.user_id = $2 ORDER BY w.polling_district, w.number",
        args![campaign.id, user_id],
    )
    .await
}

pub async fn is_assigned(tx: &mut Tx, campaign: &Campaign, walk_id: i64, user_id: i64) -> Result<bool> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            "SELECT walk_id FROM walk_assignments WHERE campaign_id = $1 AND walk_id = $2 AND user_id = $3",
            args![campaign.id, walk_id, user_id],
        )
        .await?;
    Ok(row.is_some())
}

/// An elector as the doorstep needs them: no date of birth, no markers beyond what changes the
/// conversation.
#[derive(Debug, Clone, Serialize)]
pub struct DoorstepElector {
    pub id: i64,
    /// 'NA1-124/1'.
    pub number: String,
    pub name: String,
    /// Votes by post: their vote may already be cast.
    pub postal: bool,
    /// The latest voting intention recorded, if any.
    pub intention: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoorstepDoor {
    pub household_id: i64,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub electors: Vec<DoorstepElector>,
}

/// What a canvasser's phone receives for one walk.
#[derive(Debug, Clone, Serialize)]
pub struct WalkPayload {
    pub walk: Walk,
    pub survey: Survey,
    pub doors: Vec<DoorstepDoor>,
}

impl WalkPayload {
    pub fn electors(&self) -> usize {
        self.doors.iter().map(|d| d.electors.len()).sum()
    }
}

#[derive(sqlx::FromRow)]
struct DoorstepRow {
    id: i64,
    household_id: i64,
    polling_district: String,
    elector_number: i64,
    elector_suffix: i64,
    forename: String,
    surname: String,
    absent_vote: Option<String>,
}

/// The doors of a walk in order, with the electors at each, minimised for the doorstep.
pub async fn walk_payload(tx: &mut Tx, campaign: &Campaign, walk_id: i64) -> Result<WalkPayload> {
    let (walk, doors) = walks::get(tx, campaign, walk_id).await?;
    // Electors have no index by household (it would slow every import): one pass over the
    // campaign's electors with the walk's doors as a list beats a join that searches per door.
    let (list, a) = id_list(doors.iter().map(|d| d.household_id), args![campaign.id]);
    let rows: Vec<DoorstepRow> = if doors.is_empty() {
        Vec::new()
    } else {
        tx.fetch_all(
            &format!(
                "SELECT id, household_id, polling_district, elector_number, elector_suffix, forename, surname, absent_vote \
                 FROM electors WHERE campaign_id = $1 AND household_id IN ({list}) ORDER BY elector_number, elector_suffix"
            ),
            a,
        )
        .await?
    };
    let states = elector_states(tx, campaign, Some(walk_id)).await?;
    let mut by_door: HashMap<i64, Vec<DoorstepElector>> = HashMap::new();
    for r in rows {
        let number = groundgame_core::elector::format_number(&r.polling_district, r.elector_number, r.elector_suffix);
        by_door.entry(r.household_id).or_default().push(DoorstepElector {
            id: r.id,
            number,
            // Anonymous electors have no name on the register and are never canvassed by name.
            name: format!("{} {}", r.forename, r.surname).trim().to_owned(),
            postal: matches!(r.absent_vote.as_deref(), Some("postal" | "proxy_postal")),
            intention: states.get(&r.id).and_then(|s| s.intention.clone()),
        });
    }
    let doors = doors
        .into_iter()
        .map(|d| DoorstepDoor {
            electors: by_door.remove(&d.household_id).unwrap_or_default(),
            household_id: d.household_id,
            address: d.address,
            lat: d.lat,
            lon: d.lon,
        })
        .collect();
    Ok(WalkPayload { walk, survey: survey(tx, campaign).await?, doors })
}

/// Where contacts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    App,
    Paper,
}

/// Which doors a volunteer may send contacts for.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Any door in the campaign (organisers, paper entry).
    Campaign,
    /// Only doors of walks assigned to this user.
    AssignedTo(i64),
}

/// What happened to a batch of contacts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncReport {
    /// Stored now.
    pub stored: Vec<uuid::Uuid>,
    /// Already stored by an earlier send: nothing to do.
    pub duplicates: Vec<uuid::Uuid>,
    /// Refused, with the reason; the rest of the batch is stored.
    pub rejected: Vec<Rejected>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejected {
    pub id: uuid::Uuid,
    pub reason: String,
}

/// Stores a batch of contacts exactly once each: an id already stored is a duplicate, not an
/// error, so a batch replayed after a dropped connection changes nothing.
pub async fn record_contacts(
    tx: &mut Tx,
    campaign: &Campaign,
    user_id: i64,
    scope: Scope,
    contacts: &[Contact],
    source: Source,
) -> Result<SyncReport> {
    let script = survey(tx, campaign).await?;
    let mut report = SyncReport::default();
    // Which households (and their electors) each contact may name.
    let doors = allowed_doors(tx, campaign, &scope, contacts).await?;
    let mut valid: Vec<&Contact> = Vec::with_capacity(contacts.len());
    let mut seen = HashSet::new();
    for c in contacts {
        let reason = if !seen.insert(c.id) {
            Some("sent twice in one batch".to_owned())
        } else if let Err(e) = script.check(&c.answers, c.outcome.as_deref()) {
            Some(e)
        } else if c.note.chars().count() > MAX_NOTE {
            Some(format!("the note is longer than {MAX_NOTE} characters"))
        } else {
            match doors.get(&c.household_id) {
                None => Some(match scope {
                    Scope::AssignedTo(_) => format!("door {} is not on a walk assigned to you", c.household_id),
                    Scope::Campaign => format!("door {} is not in this campaign", c.household_id),
                }),
                Some(electors) => match c.elector_id {
                    Some(e) if !electors.contains(&e) => Some(format!("elector {e} does not live at door {}", c.household_id)),
                    _ => None,
                },
            }
        };
        match reason {
            Some(reason) => report.rejected.push(Rejected { id: c.id, reason }),
            None => valid.push(c),
        }
    }
    if valid.is_empty() {
        return Ok(report);
    }
    let received = now();
    let source = match source {
        Source::App => "app",
        Source::Paper => "paper",
    };
    const COLUMNS: &str =
        "id, campaign_id, walk_id, household_id, elector_id, user_id, recorded_at, received_at, outcome, answers, note, source";
    let mut rows: Vec<Vec<Arg>> = Vec::with_capacity(valid.len());
    for c in &valid {
        rows.push(args![
            c.id.to_string(),
            campaign.id,
            c.walk_id,
            c.household_id,
            c.elector_id,
            user_id,
            c.recorded_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            received.as_str(),
            c.outcome.clone(),
            serde_json::to_string(&c.answers).map_err(anyhow::Error::new)?,
            c.note.trim(),
            source
        ]);
    }
    let placeholders: Vec<String> = (1..=12).map(|i| format!("${i}")).collect();
    let one = format!("INSERT INTO contacts ({COLUMNS}) VALUES ({}) ON CONFLICT (id) DO NOTHING", placeholders.join(", "));
    let written = match crate::bulk::sqlite_insert_each(tx, &one, rows.clone()).await? {
        Some(written) => written,
        None => {
            // PostgreSQL: one statement for the batch; RETURNING names the ids that were new.
            let mut values = Vec::with_capacity(rows.len());
            let mut a: Vec<Arg> = Vec::with_capacity(rows.len() * 12);
            for row in rows {
                let n = a.len();
                values.push(format!("({})", (1..=12).map(|i| format!("${}", n + i)).collect::<Vec<_>>().join(", ")));
                a.extend(row);
            }
            let sql = format!("INSERT INTO contacts ({COLUMNS}) VALUES {} ON CONFLICT (id) DO NOTHING RETURNING id", values.join(", "));
            let new: Vec<(String,)> = tx.fetch_all(&sql, a).await?;
            let new: HashSet<String> = new.into_iter().map(|r| r.0).collect();
            valid.iter().map(|c| new.contains(&c.id.to_string())).collect()
        }
    };
    for (c, new) in valid.iter().zip(written) {
        if new {
            report.stored.push(c.id);
        } else {
            report.duplicates.push(c.id);
        }
    }
    Ok(report)
}

/// The households the contacts name that the scope allows, each with the electors (of those the
/// contacts name) who live there. Every lookup is by primary key or by the user's assignments, so
/// a batch costs the same whatever the size of the register.
async fn allowed_doors(tx: &mut Tx, campaign: &Campaign, scope: &Scope, contacts: &[Contact]) -> Result<HashMap<i64, HashSet<i64>>> {
    let named: HashSet<i64> = contacts.iter().map(|c| c.household_id).collect();
    if named.is_empty() {
        return Ok(HashMap::new());
    }
    let allowed: Vec<i64> = match scope {
        Scope::Campaign => {
            let (list, a) = id_list(named.iter().copied(), args![campaign.id]);
            let rows: Vec<(i64,)> =
                tx.fetch_all(&format!("SELECT id FROM households WHERE campaign_id = $1 AND id IN ({list})"), a).await?;
            rows.into_iter().map(|r| r.0).collect()
        }
        Scope::AssignedTo(user) => {
            let rows: Vec<(i64,)> = tx
                .fetch_all(
                    // Written as IN (...) so that SQLite reads the user's few walks first rather
                    // than every door of the campaign.
                    "SELECT household_id FROM walk_doors WHERE campaign_id = $1 AND walk_id IN \
                     (SELECT walk_id FROM walk_assignments WHERE campaign_id = $1 AND user_id = $2)",
                    args![campaign.id, *user],
                )
                .await?;
            rows.into_iter().map(|r| r.0).filter(|h| named.contains(h)).collect()
        }
    };
    let mut doors: HashMap<i64, HashSet<i64>> = allowed.into_iter().map(|h| (h, HashSet::new())).collect();
    let electors: HashSet<i64> = contacts.iter().filter_map(|c| c.elector_id).collect();
    if !electors.is_empty() {
        let (list, a) = id_list(electors.into_iter(), args![campaign.id]);
        let rows: Vec<(i64, Option<i64>)> =
            tx.fetch_all(&format!("SELECT id, household_id FROM electors WHERE campaign_id = $1 AND id IN ({list})"), a).await?;
        for (e, h) in rows {
            if let Some(set) = h.and_then(|h| doors.get_mut(&h)) {
                set.insert(e);
            }
        }
    }
    Ok(doors)
}

/// `$2, $3, ...` for a list of ids after the given arguments, and the arguments with the ids.
fn id_list(ids: impl Iterator<Item = i64>, mut a: Vec<Arg>) -> (String, Vec<Arg>) {
    let list: Vec<String> = ids
        .map(|id| {
            a.push(id.into());
            format!("${}", a.len())
        })
        .collect();
    (list.join(", "), a)
}

#[derive(sqlx::FromRow)]
struct ContactRow {
    household_id: i64,
    elector_id: Option<i64>,
    recorded_at: String,
    outcome: Option<String>,
    answers: String,
}

/// An elector's state, derived from their contacts: the latest recorded wins.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ElectorState {
    pub intention: Option<String>,
    pub certainty: Option<u8>,
    pub support: Option<u8>,
    pub outcome: Option<String>,
    pub recorded_at: String,
}

async fn contact_rows(tx: &mut Tx, campaign: &Campaign, walk: Option<i64>) -> Result<Vec<ContactRow>> {
    let columns = "c.household_id, c.elector_id, c.recorded_at, c.outcome, c.answers";
    match walk {
        Some(w) => {
            tx.fetch_all(
                &format!(
                    "SELECT {columns} FROM contacts c JOIN walk_doors d ON d.campaign_id = c.campaign_id AND d.household_id = c.household_id \
                     WHERE c.campaign_id = $1 AND d.walk_id = $2 ORDER BY c.recorded_at, c.id"
                ),
                args![campaign.id, w],
            )
            .await
        }
        None => {
            tx.fetch_all(&format!("SELECT {columns} FROM contacts c WHERE c.campaign_id = $1 ORDER BY c.recorded_at, c.id"), args![campaign.id])
                .await
        }
    }
}

fn answers_of(row: &ContactRow) -> BTreeMap<String, String> {
    serde_json::from_str(&row.answers).unwrap_or_default()
}

/// Folds contacts (in recorded order) into each elector's current state. A later contact replaces
/// what it answers and keeps what it does not; two canvassers on one walk merge the same way.
fn fold_states(party: &str, rows: &[ContactRow]) -> HashMap<i64, ElectorState> {
    let mut states: HashMap<i64, ElectorState> = HashMap::new();
    for r in rows {
        let Some(e) = r.elector_id else { continue };
        let answers = answers_of(r);
        let s = states.entry(e).or_default();
        if let Some(i) = answers.get(survey::VOTING_INTENTION) {
            s.intention = Some(i.clone());
            s.certainty = answers.get(survey::CERTAINTY).and_then(|c| c.parse().ok());
        }
        s.outcome = r.outcome.clone();
        s.recorded_at = r.recorded_at.clone();
        s.support = survey::support_score(party, s.intention.as_deref(), s.certainty);
    }
    states
}

/// The current state of every contacted elector (of one walk, or the whole campaign).
pub async fn elector_states(tx: &mut Tx, campaign: &Campaign, walk: Option<i64>) -> Result<HashMap<i64, ElectorState>> {
    let rows = contact_rows(tx, campaign, walk).await?;
    Ok(fold_states(&campaign.party, &rows))
}

/// Counts for a walk, a polling district, a day or the campaign.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Doors on the walks (not counted by day).
    pub doors: u64,
    pub doors_knocked: u64,
    pub contacts: u64,
    /// Doors where someone was spoken to (answers recorded).
    pub doors_spoken: u64,
    /// Electors whose latest intention is the campaign's party.
    pub supporters: u64,
}

impl Tally {
    /// Doors spoken at, of doors knocked.
    pub fn contact_rate(&self) -> f64 {
        if self.doors_knocked == 0 {
            0.0
        } else {
            self.doors_spoken as f64 / self.doors_knocked as f64
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct WalkProgress {
    pub walk: Walk,
    pub tally: Tally,
    pub assignment: Option<Assignment>,
    /// 'not started', 'in progress' or 'done'.
    pub status: &'static str,
}

/// The campaign's live progress.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub totals: Tally,
    pub contact_rate: f64,
    pub walks: Vec<WalkProgress>,
    pub polling_districts: BTreeMap<String, Tally>,
    pub days: BTreeMap<NaiveDate, Tally>,
}

pub async fn progress(tx: &mut Tx, campaign: &Campaign) -> Result<Progress> {
    let rows = contact_rows(tx, campaign, None).await?;
    let states = fold_states(&campaign.party, &rows);
    let households: Vec<(i64, String)> =
        tx.fetch_all("SELECT id, polling_district FROM households WHERE campaign_id = $1", args![campaign.id]).await?;
    let district_of: HashMap<i64, String> = households.into_iter().collect();
    let walk_doors: Vec<(i64, i64)> =
        tx.fetch_all("SELECT walk_id, household_id FROM walk_doors WHERE campaign_id = $1", args![campaign.id]).await?;
    let walk_of: HashMap<i64, i64> = walk_doors.iter().map(|&(w, h)| (h, w)).collect();
    let walk_list = walks::list(tx, campaign, None).await?;
    let mut assigned = assignments(tx, campaign).await?;

    let mut totals = Tally::default();
    let mut by_walk: HashMap<i64, Tally> = HashMap::new();
    let mut by_district: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_day: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
    for w in &walk_list {
        by_walk.entry(w.id).or_default().doors = w.doors as u64;
        by_district.entry(w.polling_district.clone()).or_default().doors += w.doors as u64;
        totals.doors += w.doors as u64;
    }
    let mut knocked: HashSet<i64> = HashSet::new();
    let mut spoken: HashSet<i64> = HashSet::new();
    let mut knocked_day: HashSet<(NaiveDate, i64)> = HashSet::new();
    let mut spoken_day: HashSet<(NaiveDate, i64)> = HashSet::new();
    for r in &rows {
        let day = r.recorded_at.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).unwrap_or_default();
        let district = district_of.get(&r.household_id);
        let walk = walk_of.get(&r.household_id);
        let talked = r.outcome.is_none() && !answers_of(r).is_empty();
        let mut tallies: Vec<&mut Tally> = vec![&mut totals];
        if let Some(w) = walk.and_then(|w| by_walk.get_mut(w)) {
            tallies.push(w);
        }
        let new_door = knocked.insert(r.household_id);
        let new_spoken = talked && spoken.insert(r.household_id);
        for t in tallies {
            t.contacts += 1;
            t.doors_knocked += u64::from(new_door);
            t.doors_spoken += u64::from(new_spoken);
        }
        if let Some(d) = district {
            let t = by_district.entry(d.clone()).or_default();
            t.contacts += 1;
            t.doors_knocked += u64::from(new_door);
            t.doors_spoken += u64::from(new_spoken);
        }
        let t = by_day.entry(day).or_default();
        t.contacts += 1;
        t.doors_knocked += u64::from(knocked_day.insert((day, r.household_id)));
        t.doors_spoken += u64::from(talked && spoken_day.insert((day, r.household_id)));
    }
    // Supporters by their latest state, counted where they live and on the day it was recorded.
    let household_of: HashMap<i64, i64> = rows.iter().filter_map(|r| r.elector_id.map(|e| (e, r.household_id))).collect();
    for (elector, s) in &states {
        let supporter = s.intention.as_deref().is_some_and(|i| i.eq_ignore_ascii_case(&campaign.party))
            && !s.outcome.as_deref().is_some_and(|o| survey::GONE.contains(&o));
        if !supporter {
            continue;
        }
        totals.supporters += 1;
        let h = household_of[elector];
        if let Some(t) = walk_of.get(&h).and_then(|w| by_walk.get_mut(w)) {
            t.supporters += 1;
        }
        if let Some(t) = district_of.get(&h).and_then(|d| by_district.get_mut(d)) {
            t.supporters += 1;
        }
        if let Some(t) =
            s.recorded_at.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).and_then(|d| by_day.get_mut(&d))
        {
            t.supporters += 1;
        }
    }
    let walks = walk_list
        .into_iter()
        .map(|w| {
            let tally = by_walk.remove(&w.id).unwrap_or_default();
            let status = if tally.doors_knocked == 0 {
                "not started"
            } else if tally.doors_knocked >= tally.doors {
                "done"
            } else {
                "in progress"
            };
            WalkProgress { assignment: assigned.remove(&w.id), walk: w, tally, status }
        })
        .collect();
    Ok(Progress { contact_rate: totals.contact_rate(), totals, walks, polling_districts: by_district, days: by_day })
}

/// Contacts of a walk, newest first, for the organiser's walk page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ContactView {
    pub id: String,
    pub household_id: i64,
    pub elector_id: Option<i64>,
    pub recorded_at: String,
    pub outcome: Option<String>,
    pub answers: String,
    pub note: String,
    pub source: String,
    pub canvasser: Option<String>,
}

pub async fn walk_contacts(tx: &mut Tx, campaign: &Campaign, walk_id: i64) -> Result<Vec<ContactView>> {
    tx.fetch_all(
        "SELECT c.id, c.household_id, c.elector_id, c.recorded_at, c.outcome, c.answers, c.note, c.source, u.name AS canvasser \
         FROM contacts c JOIN walk_doors d ON d.campaign_id = c.campaign_id AND d.household_id = c.household_id \
         LEFT JOIN users u ON u.id = c.user_id WHERE c.campaign_id = $1 AND d.walk_id = $2 ORDER BY c.recorded_at DESC, c.id",
        args![campaign.id, walk_id],
    )
    .await
}

/// How many contacts the campaign holds.
pub async fn contact_count(tx: &mut Tx, campaign: &Campaign) -> Result<i64> {
    let (n,): (i64,) = tx.fetch_one("SELECT CAST(COUNT(*) AS BIGINT) FROM contacts WHERE campaign_id = $1", args![campaign.id]).await?;
    Ok(n)
}
