//! Canvassing: the survey, sessions, who knocks which walk, contacts and live progress.

use std::collections::{BTreeMap, HashMap, HashSet};

use groundgame_core::register::absent::AbsentVote;
use groundgame_core::survey::{self, Contact, Survey, MAX_NOTE};
use serde::Serialize;

use crate::args;
use crate::campaigns::Campaign;
use crate::db::{in_list, now, time_text, Arg, Tx};
use crate::error::{Error, Result};
use crate::walks::{self, Walk};

/// The campaign's script: the saved one, or the UK default until one is saved.
pub async fn survey(tx: &mut Tx, campaign: &Campaign) -> Result<Survey> {
    let row: Option<(String,)> = tx.fetch_optional("SELECT definition FROM surveys WHERE campaign_id = $1", args![campaign.id]).await?;
    row.map(|(json,)| json).as_deref().map_or(Ok(Survey::default()), saved_survey)
}

/// A saved survey's JSON, read as the phone and the checks use it.
fn saved_survey(json: &str) -> Result<Survey> {
    let saved: Survey = serde_json::from_str(json).map_err(|e| anyhow::anyhow!("the saved survey is not valid: {e}"))?;
    Ok(saved.with_whole_door_outcomes())
}

pub async fn set_survey(tx: &mut Tx, campaign: &Campaign, survey: &Survey) -> Result<()> {
    survey.validate()?;
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

pub async fn create_canvass_session(
    tx: &mut Tx,
    campaign: &Campaign,
    name: &str,
    starts_at: &str,
    meeting_point: &str,
) -> Result<CanvassSession> {
    let when = chrono::NaiveDateTime::parse_from_str(starts_at.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| Error::Invalid(format!("'{starts_at}' is not a date and time (YYYY-MM-DDTHH:MM)")))?;
    if name.trim().is_empty() {
        return Err(Error::Invalid("a session needs a name".into()));
    }
    let id = crate::campaigns::next_row_id(tx, campaign).await?;
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

pub async fn canvass_sessions(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<CanvassSession>> {
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
    // Whoever held the walk before stops holding it now; what they recorded until now is kept.
    end_walk_handouts(tx, campaign, walk_id, user_id).await?;
    Ok(())
}

/// Takes a volunteer off every walk of a campaign (they left it).
pub async fn unassign_user(tx: &mut Tx, campaign: &Campaign, user_id: i64) -> Result<()> {
    tx.execute("UPDATE walk_assignments SET user_id = NULL WHERE campaign_id = $1 AND user_id = $2", args![campaign.id, user_id]).await?;
    end_user_handouts(tx, campaign, user_id).await
}

/// Every assignment of the campaign, by walk.
pub async fn assignments(tx: &mut Tx, campaign: &Campaign) -> Result<HashMap<i64, Assignment>> {
    let mut out = HashMap::new();
    crate::bulk::scan(
        tx,
        "SELECT a.walk_id, a.user_id, u.name AS canvasser, a.session_id, s.name AS session FROM walk_assignments a \
         LEFT JOIN users u ON u.id = a.user_id \
         LEFT JOIN canvass_sessions s ON s.campaign_id = a.campaign_id AND s.id = a.session_id \
         WHERE a.campaign_id = $1",
        args![campaign.id],
        |row| {
            let a = Assignment {
                walk_id: row.int(0)?,
                user_id: row.opt_int(1)?,
                canvasser: row.opt_text(2)?,
                session_id: row.opt_int(3)?,
                session: row.opt_text(4)?,
            };
            out.insert(a.walk_id, a);
            Ok(())
        },
    )
    .await?;
    Ok(out)
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

/// The doors of a walk in order, with the electors at each, minimised for the doorstep; only a
/// walk the scope reaches.
pub async fn walk_payload(tx: &mut Tx, campaign: &Campaign, walk_id: i64, scope: &Scope) -> Result<WalkPayload> {
    let (walk, doors) = walks::get_in_scope(tx, campaign, walk_id, scope).await?;
    // The electors at the walk's doors, by the (campaign, household) index: with 650 campaigns
    // in one PostgreSQL, a pass over the campaign's electors took 40 ms where this takes 0.2.
    let (list, a) = in_list(doors.iter().map(|d| d.household_id), args![campaign.id]);
    let rows: Vec<DoorstepRow> = if doors.is_empty() {
        Vec::new()
    } else {
        tx.fetch_all(
            &format!(
                "SELECT id, household_id, polling_district, elector_number, elector_suffix, forename, surname, absent_vote \
                 FROM electors e WHERE campaign_id = $1 AND household_id IN ({list}) AND {} ORDER BY elector_number, elector_suffix",
                crate::privacy::CONTACTABLE
            ),
            a,
        )
        .await?
    };
    let households: Vec<i64> = doors.iter().map(|d| d.household_id).collect();
    let states = crate::progress::elector_states(tx, campaign, &households).await?;
    let mut by_door: HashMap<i64, Vec<DoorstepElector>> = HashMap::new();
    for r in rows {
        let number = groundgame_core::elector::format_number(&r.polling_district, r.elector_number, r.elector_suffix);
        by_door.entry(r.household_id).or_default().push(DoorstepElector {
            id: r.id,
            number,
            // Anonymous electors have no name on the register and are never canvassed by name.
            name: format!("{} {}", r.forename, r.surname).trim().to_owned(),
            postal: r.absent_vote.as_deref().and_then(AbsentVote::from_db).is_some_and(AbsentVote::is_postal),
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
    /// A supporter's conversation with a friend or relative, from their own page.
    Relational,
    /// A call from a phone bank's list.
    Phone,
}

/// Which walks a volunteer reaches and which doors they may send contacts for.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Any door in the campaign (organisers, paper entry).
    Campaign,
    /// Only doors handed to this user on a walk they held when the answer was recorded (or, for a
    /// phone that has no record of what it was handed, doors of walks assigned to them now).
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

/// A batch of contacts to store, with what is known of where it came from.
pub struct Batch<'a> {
    pub contacts: &'a [Contact],
    /// Who sent it; None for a supporter without an account (a relational conversation).
    pub user_id: Option<i64>,
    pub scope: Scope,
    pub source: Source,
    /// How far the sending phone's clock is behind the server's (negative: ahead), measured when
    /// it sent the batch ([`survey::clock_error`]).
    pub clock_error: chrono::Duration,
}

/// A slack on the end of a holding: a phone's clock, corrected, may still be a little out.
const HOLDING_SLACK: chrono::Duration = chrono::Duration::minutes(2);

/// Stores a batch of contacts exactly once each: an id already stored (in this campaign) is a
/// duplicate, not an error, so a batch replayed after a dropped connection changes nothing. An id
/// already stored with other answers is refused, never silently dropped.
pub async fn record_contacts(tx: &mut Tx, campaign: &Campaign, batch: Batch<'_>) -> Result<SyncReport> {
    let mut reports = record_batches(tx, &[(campaign, batch)]).await?;
    Ok(reports.pop().unwrap_or_default())
}

/// A batch's contacts as they are taken in: when each counts, and those that may be stored.
struct Taking<'a> {
    times: Vec<chrono::DateTime<chrono::Utc>>,
    received: String,
    valid: Vec<(&'a Contact, String)>,
}

/// Stores several batches (of any campaigns) together, as [`record_contacts`] stores one, with
/// a report for each in order: what they need is read in one go, their contacts are inserted
/// together and each campaign's progress takes in all of its new contacts at once. An error fails
/// them all; the caller may then store them one at a time to find the batch at fault.
pub async fn record_batches(tx: &mut Tx, batches: &[(&Campaign, Batch<'_>)]) -> Result<Vec<SyncReport>> {
    let received = chrono::Utc::now();
    let mut taking: Vec<Taking> = batches
        .iter()
        .map(|(campaign, batch)| {
            let began = chrono::DateTime::parse_from_rfc3339(&campaign.created_at)
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
            let times = batch
                .contacts
                .iter()
                .map(|c| match batch.source {
                    Source::App => survey::ordered_at(c.recorded_at, batch.clock_error, began, received),
                    // Paper dates come from the person keying the sheet in, checked by the caller.
                    Source::Paper | Source::Relational | Source::Phone => c.recorded_at.min(received),
                })
                .collect();
            Taking { times, received: time_text(received), valid: Vec::new() }
        })
        .collect();
    let mut reports = vec![SyncReport::default(); batches.len()];
    // The campaigns of the batches, each once, with the batches that are theirs.
    let mut campaigns: Vec<(&Campaign, Vec<usize>)> = Vec::new();
    for (b, (campaign, _)) in batches.iter().enumerate() {
        match campaigns.iter_mut().find(|(c, _)| c.id == campaign.id) {
            Some((_, of)) => of.push(b),
            None => campaigns.push((campaign, vec![b])),
        }
    }

    // Everything the batches need to know, read together: each campaign's survey and what its
    // progress holds for the doors named, and the doors each batch names.
    let mut reads = crate::bulk::Reads::new(tx);
    let mut owner: Vec<Owner> = Vec::new();
    let mut loads = Vec::with_capacity(campaigns.len());
    for (c, (campaign, of)) in campaigns.iter().enumerate() {
        reads.add("SELECT definition FROM surveys WHERE campaign_id = $1".into(), args![campaign.id]);
        owner.push(Owner::Survey(c));
        let touched = crate::progress::Touched {
            households: of.iter().flat_map(|b| batches[*b].1.contacts.iter().map(|c| c.household_id)).collect(),
            electors: of.iter().flat_map(|b| batches[*b].1.contacts.iter().filter_map(|c| c.elector_id)).collect(),
            days: of.iter().flat_map(|b| taking[*b].times.iter().map(|t| crate::progress::day_of(&time_text(*t)))).collect(),
        };
        loads.push(crate::progress::Loaded::queries(campaign, &touched, &mut reads));
        owner.resize(reads.len(), Owner::Progress(c));
    }
    let mut doors: Vec<DoorsLoad> = Vec::with_capacity(batches.len());
    for (b, (campaign, batch)) in batches.iter().enumerate() {
        doors.push(Doors::queries(campaign, batch.user_id, &batch.scope, batch.contacts, &mut reads));
        owner.resize(reads.len(), Owner::Doors(b));
    }
    let mut saved: Vec<Option<String>> = vec![None; campaigns.len()];
    crate::bulk::read(tx, reads, |i, row| {
        match owner[i] {
            Owner::Survey(c) => saved[c] = Some(row.text(0)?),
            Owner::Progress(c) => {
                loads[c].take(i, &row, &campaigns[c].0.party)?;
            }
            Owner::Doors(b) => {
                doors[b].take(i, &row)?;
            }
        }
        Ok(())
    })
    .await?;
    let scripts: Vec<Survey> = saved.iter().map(|s| s.as_deref().map_or(Ok(Survey::default()), saved_survey)).collect::<Result<_>>()?;
    let doors: Vec<Doors> = doors.into_iter().map(DoorsLoad::finish).collect();

    // Each contact checked against its campaign's survey and what its sender may name.
    for (c, (_, of)) in campaigns.iter().enumerate() {
        for b in of {
            let batch = &batches[*b].1;
            let t = &mut taking[*b];
            let mut seen = HashSet::new();
            for (contact, at) in batch.contacts.iter().zip(&t.times) {
                let reason = if !seen.insert(contact.id) {
                    Some("sent twice in one batch".to_owned())
                } else if let Err(e) = scripts[c].check(&contact.answers, contact.outcome.as_deref()) {
                    Some(e.to_string())
                } else if contact.note.chars().count() > MAX_NOTE {
                    Some(format!("the note is longer than {MAX_NOTE} characters"))
                } else {
                    doors[*b].refusal(contact, *at, &batch.scope)
                };
                match reason {
                    Some(reason) => reports[*b].rejected.push(Rejected { id: contact.id, reason }),
                    None => t.valid.push((contact, time_text(*at))),
                }
            }
        }
    }

    // Every valid contact inserted; those already there are repeats.
    let mut rows: Vec<Vec<Arg>> = Vec::new();
    for (b, (campaign, batch)) in batches.iter().enumerate() {
        let t = &taking[b];
        let source = match batch.source {
            Source::App => "app",
            Source::Paper => "paper",
            Source::Relational => "relational",
            Source::Phone => "phone",
        };
        for (c, at) in &t.valid {
            rows.push(args![
                campaign.id,
                c.id.to_string(),
                c.walk_id,
                c.household_id,
                c.elector_id,
                doors[b].district.get(&c.household_id).cloned(),
                batch.user_id,
                time_text(c.recorded_at),
                t.received.as_str(),
                at.as_str(),
                c.outcome.clone(),
                answers_json(&c.answers)?,
                c.note.trim(),
                source
            ]);
        }
    }
    let mut written = insert_contacts(tx, rows).await?.into_iter();
    let mut repeated: Vec<Vec<&Contact>> = vec![Vec::new(); batches.len()];
    let mut new: Vec<Vec<(String, &Contact, &str)>> = vec![Vec::new(); batches.len()];
    for (b, t) in taking.iter().enumerate() {
        for (c, at) in &t.valid {
            if written.next().unwrap_or(false) {
                reports[b].stored.push(c.id);
                new[b].push((c.id.to_string(), *c, at.as_str()));
            } else {
                repeated[b].push(*c);
            }
        }
    }

    // Each campaign's progress takes in its new contacts; repeats are told from reused ids.
    for ((campaign, of), loaded) in campaigns.iter().zip(loads) {
        let counted: Vec<crate::progress::Counted> = of
            .iter()
            .flat_map(|b| {
                let district = &doors[*b].district;
                new[*b].iter().map(move |(id, c, at)| crate::progress::Counted {
                    id,
                    household_id: c.household_id,
                    elector_id: c.elector_id,
                    polling_district: district.get(&c.household_id).map(String::as_str),
                    ordered_at: at,
                    outcome: c.outcome.as_deref(),
                    answers: &c.answers,
                })
            })
            .collect();
        crate::progress::apply_loaded(tx, campaign, &counted, loaded).await?;
        let ids: Vec<uuid::Uuid> = of.iter().flat_map(|b| repeated[*b].iter().map(|c| c.id)).collect();
        if ids.is_empty() {
            continue;
        }
        let stored = stored_contacts(tx, campaign, ids.into_iter()).await?;
        for b in of {
            let user_id = batches[*b].1.user_id;
            let report = &mut reports[*b];
            for contact in &repeated[*b] {
                match stored.get(&contact.id) {
                    Some(s) if s.is_same(contact, user_id) => report.duplicates.push(contact.id),
                    _ => report.rejected.push(Rejected {
                        id: contact.id,
                        reason: "another answer with the same id is already stored: this one was not; keep it and tell your organiser"
                            .into(),
                    }),
                }
            }
        }
    }
    Ok(reports)
}

/// Whose rows a query of [`record_batches`]'s reads brings: a campaign's survey or progress, or
/// a batch's doors.
#[derive(Clone, Copy)]
enum Owner {
    Survey(usize),
    Progress(usize),
    Doors(usize),
}

const CONTACT_COLUMNS: &[&str] = &[
    "campaign_id",
    "id",
    "walk_id",
    "household_id",
    "elector_id",
    "polling_district",
    "user_id",
    "recorded_at",
    "received_at",
    "ordered_at",
    "outcome",
    "answers",
    "note",
    "source",
];

/// Inserts contacts (rows of [`CONTACT_COLUMNS`]) unless already stored, and says of each whether
/// it was new. The same id twice is new the first time only.
async fn insert_contacts(tx: &mut Tx, rows: Vec<Vec<Arg>>) -> Result<Vec<bool>> {
    crate::bulk::insert_new(tx, "contacts", CONTACT_COLUMNS, rows).await
}

fn answers_json(answers: &BTreeMap<String, String>) -> Result<String> {
    Ok(serde_json::to_string(answers).map_err(anyhow::Error::new)?)
}

/// A contact as stored, to tell a resend from a different answer that reuses an id.
#[derive(sqlx::FromRow)]
struct StoredContact {
    id: String,
    walk_id: Option<i64>,
    household_id: i64,
    elector_id: Option<i64>,
    user_id: Option<i64>,
    recorded_at: String,
    outcome: Option<String>,
    answers: String,
    note: String,
}

impl StoredContact {
    fn is_same(&self, c: &Contact, user_id: Option<i64>) -> bool {
        self.walk_id == c.walk_id
            && self.household_id == c.household_id
            && self.elector_id == c.elector_id
            && self.user_id == user_id
            && self.recorded_at == time_text(c.recorded_at)
            && self.outcome == c.outcome
            && answers_json(&c.answers).is_ok_and(|a| a == self.answers)
            && self.note == c.note.trim()
    }
}

async fn stored_contacts(
    tx: &mut Tx,
    campaign: &Campaign,
    ids: impl Iterator<Item = uuid::Uuid>,
) -> Result<HashMap<uuid::Uuid, StoredContact>> {
    let (list, a) = in_list(ids.map(|id| id.to_string()), args![campaign.id]);
    let rows: Vec<StoredContact> = tx
        .fetch_all(
            &format!(
                "SELECT id, walk_id, household_id, elector_id, user_id, recorded_at, outcome, answers, note FROM contacts \
                 WHERE campaign_id = $1 AND id IN ({list})"
            ),
            a,
        )
        .await?;
    Ok(rows.into_iter().filter_map(|r| Some((uuid::Uuid::parse_str(&r.id).ok()?, r))).collect())
}

/// A door or elector handed to a volunteer on a walk.
struct Holding {
    walk_id: i64,
    ended_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What a batch's contacts may name: the doors and electors handed to its sender (with when they
/// stopped holding them), and the doors as the register and the walks are now.
struct Doors {
    /// (household, elector or 0) -> the holding.
    handed: HashMap<(i64, i64), Holding>,
    /// Households the scope allows now, each with the electors (of those named) living there and
    /// the walks it is on now.
    current: HashMap<i64, (HashSet<i64>, HashSet<i64>)>,
    /// The polling district of each named household still on the register.
    district: HashMap<i64, String>,
}

/// Doors being read: the numbers of their queries in the batch of reads, and the rows so far.
struct DoorsLoad {
    /// Handouts, doors on walks now, electors' households, households' districts.
    queries: [usize; 4],
    named: HashSet<i64>,
    handed: HashMap<(i64, i64), Holding>,
    on_walks: Vec<(i64, Option<i64>)>,
    homes: Vec<(i64, i64)>,
    district: HashMap<i64, String>,
}

impl Doors {
    /// Adds the queries for the doors and electors a batch names. Every lookup is by primary key
    /// or by the user's assignments, so a batch costs the same whatever the size of the register.
    fn queries(
        campaign: &Campaign,
        user_id: Option<i64>,
        scope: &Scope,
        contacts: &[Contact],
        reads: &mut crate::bulk::Reads,
    ) -> DoorsLoad {
        let named: HashSet<i64> = contacts.iter().map(|c| c.household_id).collect();
        let mut a = args![campaign.id, user_id];
        let list = reads.list(named.iter().copied(), &mut a);
        let q_handouts = reads.add(
            format!(
                "SELECT household_id, elector_id, walk_id, ended_at FROM handouts WHERE campaign_id = $1 AND user_id = $2 AND household_id IN ({list})"
            ),
            a,
        );
        // (household, walk) pairs the scope allows now.
        let q_walks = match scope {
            Scope::Campaign => {
                let mut a = args![campaign.id];
                let list = reads.list(named.iter().copied(), &mut a);
                reads.add(
                    format!(
                        "SELECT h.id, d.walk_id FROM households h LEFT JOIN walk_doors d ON d.campaign_id = h.campaign_id \
                         AND d.household_id = h.id WHERE h.campaign_id = $1 AND h.id IN ({list})"
                    ),
                    a,
                )
            }
            // Written as IN (...) so that SQLite reads the user's few walks first rather than
            // every door of the campaign.
            Scope::AssignedTo(user) => reads.add(
                "SELECT household_id, walk_id FROM walk_doors WHERE campaign_id = $1 AND walk_id IN \
                 (SELECT walk_id FROM walk_assignments WHERE campaign_id = $1 AND user_id = $2)"
                    .into(),
                args![campaign.id, *user],
            ),
        };
        let mut a = args![campaign.id];
        let list = reads.list(contacts.iter().filter_map(|c| c.elector_id).collect::<HashSet<_>>(), &mut a);
        let q_homes = reads.add(
            format!("SELECT id, household_id FROM electors WHERE campaign_id = $1 AND household_id IS NOT NULL AND id IN ({list})"),
            a,
        );
        let mut a = args![campaign.id];
        let list = reads.list(named.iter().copied(), &mut a);
        let q_district = reads.add(format!("SELECT id, polling_district FROM households WHERE campaign_id = $1 AND id IN ({list})"), a);
        DoorsLoad {
            queries: [q_handouts, q_walks, q_homes, q_district],
            named,
            handed: HashMap::new(),
            on_walks: Vec::new(),
            homes: Vec::new(),
            district: HashMap::new(),
        }
    }
}

impl DoorsLoad {
    /// Takes a row of one of these queries; says whether it was one.
    fn take(&mut self, query: usize, row: &crate::bulk::ScanRow<'_>) -> Result<bool> {
        match self.queries.iter().position(|q| *q == query) {
            Some(0) => {
                let ended_at =
                    row.opt_text(3)?.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.with_timezone(&chrono::Utc));
                self.handed.insert((row.int(0)?, row.int(1)?), Holding { walk_id: row.int(2)?, ended_at });
            }
            Some(1) => {
                let h = row.int(0)?;
                if self.named.contains(&h) {
                    self.on_walks.push((h, row.opt_int(1)?));
                }
            }
            Some(2) => self.homes.push((row.int(0)?, row.int(1)?)),
            Some(3) => {
                self.district.insert(row.int(0)?, row.text(1)?);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn finish(self) -> Doors {
        let mut current: HashMap<i64, (HashSet<i64>, HashSet<i64>)> = HashMap::new();
        for (h, w) in self.on_walks {
            current.entry(h).or_default().1.extend(w);
        }
        for (e, h) in self.homes {
            if let Some(entry) = current.get_mut(&h) {
                entry.0.insert(e);
            }
        }
        Doors { handed: self.handed, current, district: self.district }
    }
}

impl Doors {
    /// Why a contact counted at `at` may not be stored, if it may not.
    fn refusal(&self, c: &Contact, at: chrono::DateTime<chrono::Utc>, scope: &Scope) -> Option<String> {
        let held = self.holding_refusal(c, at);
        if held.as_ref().is_some_and(Option::is_none) {
            return None;
        }
        let now = self.current_refusal(c, scope);
        match (held, now) {
            (_, None) => None,
            // What was handed to them says more than how the walks are now.
            (Some(Some(why)), Some(_)) => Some(why),
            (_, Some(why)) => Some(why),
        }
    }

    /// None: nothing was handed to them at this door; Some(None): the door was theirs then.
    fn holding_refusal(&self, c: &Contact, at: chrono::DateTime<chrono::Utc>) -> Option<Option<String>> {
        let door = self.handed.get(&(c.household_id, 0))?;
        if let Some(w) = c.walk_id {
            if w != door.walk_id {
                return Some(Some(format!("door {} was handed to you on walk {}, not walk {w}", c.household_id, door.walk_id)));
            }
        }
        if let Some(e) = c.elector_id {
            if !self.handed.contains_key(&(c.household_id, e)) {
                return Some(Some(format!("elector {e} was not at door {} on the walk you were given", c.household_id)));
            }
        }
        if let Some(ended) = door.ended_at {
            if at > ended + HOLDING_SLACK {
                return Some(Some(format!(
                    "this walk was given to someone else at {} (UTC) and this answer was recorded after that, at {}: \
                     tell your organiser what you found",
                    ended.format("%H:%M on %-d %b"),
                    at.format("%H:%M on %-d %b")
                )));
            }
        }
        Some(None)
    }

    fn current_refusal(&self, c: &Contact, scope: &Scope) -> Option<String> {
        let Some((electors, walks)) = self.current.get(&c.household_id) else {
            return Some(match scope {
                Scope::AssignedTo(_) => format!("door {} is not on a walk assigned to you", c.household_id),
                Scope::Campaign => format!("door {} is not in this campaign", c.household_id),
            });
        };
        if let Some(e) = c.elector_id {
            if !electors.contains(&e) {
                return Some(format!("elector {e} does not live at door {}", c.household_id));
            }
        }
        match c.walk_id {
            Some(w) if !walks.contains(&w) => Some(format!("door {} is not on walk {w}", c.household_id)),
            _ => None,
        }
    }
}

/// Records what a walk payload handed to a volunteer: each door and elector on it, from now, on
/// this walk. A door handed again (after the walk came back to them) is theirs again.
pub async fn record_handout(tx: &mut Tx, campaign: &Campaign, user_id: i64, payload: &WalkPayload) -> Result<()> {
    let at = now();
    let mut rows: Vec<Vec<Arg>> = Vec::new();
    for d in &payload.doors {
        rows.push(args![campaign.id, user_id, d.household_id, 0i64, payload.walk.id, at.as_str()]);
        for e in &d.electors {
            rows.push(args![campaign.id, user_id, d.household_id, e.id, payload.walk.id, at.as_str()]);
        }
    }
    crate::bulk::upsert(
        tx,
        "handouts (campaign_id, user_id, household_id, elector_id, walk_id, handed_at)",
        "(campaign_id, user_id, household_id, elector_id) DO UPDATE SET walk_id = excluded.walk_id, ended_at = NULL, \
         handed_at = CASE WHEN handouts.ended_at IS NULL AND handouts.walk_id = excluded.walk_id THEN handouts.handed_at \
         ELSE excluded.handed_at END",
        rows,
    )
    .await
}

/// Ends the holdings of a walk by everyone but `keep` (its new volunteer): from now, what they
/// record on it is not theirs to send.
pub async fn end_walk_handouts(tx: &mut Tx, campaign: &Campaign, walk_id: i64, keep: Option<i64>) -> Result<()> {
    tx.execute(
        "UPDATE handouts SET ended_at = $1 WHERE campaign_id = $2 AND walk_id = $3 AND ended_at IS NULL AND user_id <> $4",
        args![now(), campaign.id, walk_id, keep.unwrap_or(0)],
    )
    .await?;
    Ok(())
}

/// Ends every holding of a volunteer in a campaign (they left it).
pub async fn end_user_handouts(tx: &mut Tx, campaign: &Campaign, user_id: i64) -> Result<()> {
    tx.execute(
        "UPDATE handouts SET ended_at = $1 WHERE campaign_id = $2 AND user_id = $3 AND ended_at IS NULL",
        args![now(), campaign.id, user_id],
    )
    .await?;
    Ok(())
}

/// Ends the holdings of doors that are no longer on the walk they were handed on (after walks
/// were re-planned), among the given walks.
pub(crate) async fn end_moved_handouts(tx: &mut Tx, campaign: &Campaign, walk_ids: &[i64], walk_of: &HashMap<i64, i64>) -> Result<()> {
    // The doors handed out on these walks that are on another walk now (or on none), by walk.
    let mut moved: HashMap<i64, HashSet<i64>> = HashMap::new();
    for chunk in walk_ids.chunks(400) {
        let (list, a) = in_list(chunk.iter().copied(), args![campaign.id]);
        let sql = format!("SELECT walk_id, household_id FROM handouts WHERE campaign_id = $1 AND ended_at IS NULL AND walk_id IN ({list})");
        crate::bulk::scan(tx, &sql, a, |row| {
            let (walk, household) = (row.int(0)?, row.int(1)?);
            if walk_of.get(&household) != Some(&walk) {
                moved.entry(walk).or_default().insert(household);
            }
            Ok(())
        })
        .await?;
    }
    let ended_at = now();
    for (walk, households) in moved {
        let households: Vec<i64> = households.into_iter().collect();
        for chunk in households.chunks(400) {
            let (list, a) = in_list(chunk.iter().copied(), args![ended_at.as_str(), campaign.id, walk]);
            tx.execute(
                &format!(
                    "UPDATE handouts SET ended_at = $1 WHERE campaign_id = $2 AND walk_id = $3 AND ended_at IS NULL AND household_id IN ({list})"
                ),
                a,
            )
            .await?;
        }
    }
    Ok(())
}

/// Contacts of a walk, newest first, for the organiser's walk page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ContactView {
    pub id: String,
    pub household_id: i64,
    pub elector_id: Option<i64>,
    /// 'NA1-124/1', when the elector is still on the register.
    pub elector_number: Option<String>,
    pub elector_name: Option<String>,
    /// The time it counts at.
    pub ordered_at: String,
    /// The time the phone gave, when it is not the time it counts at.
    pub phone_time: Option<String>,
    pub outcome: Option<String>,
    pub answers: String,
    pub note: String,
    pub source: String,
    pub canvasser: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ContactViewRow {
    id: String,
    household_id: i64,
    elector_id: Option<i64>,
    polling_district: Option<String>,
    elector_number: Option<i64>,
    elector_suffix: Option<i64>,
    forename: Option<String>,
    surname: Option<String>,
    recorded_at: String,
    ordered_at: String,
    outcome: Option<String>,
    answers: String,
    note: String,
    source: String,
    canvasser: Option<String>,
}

pub async fn walk_contacts(tx: &mut Tx, campaign: &Campaign, walk_id: i64) -> Result<Vec<ContactView>> {
    let rows: Vec<ContactViewRow> = tx
        .fetch_all(
            "SELECT c.id, c.household_id, c.elector_id, e.polling_district, e.elector_number, e.elector_suffix, e.forename, e.surname, \
             c.recorded_at, c.ordered_at, c.outcome, c.answers, c.note, c.source, u.name AS canvasser \
             FROM contacts c JOIN walk_doors d ON d.campaign_id = c.campaign_id AND d.household_id = c.household_id \
             LEFT JOIN electors e ON e.campaign_id = c.campaign_id AND e.id = c.elector_id \
             LEFT JOIN users u ON u.id = c.user_id WHERE c.campaign_id = $1 AND d.walk_id = $2 ORDER BY c.ordered_at DESC, c.id",
            args![campaign.id, walk_id],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let number = match (&r.polling_district, r.elector_number, r.elector_suffix) {
                (Some(pd), Some(n), Some(s)) => Some(groundgame_core::elector::format_number(pd, n, s)),
                _ => None,
            };
            let name = match (&r.forename, &r.surname) {
                (Some(f), Some(s)) => Some(format!("{f} {s}").trim().to_owned()).filter(|n| !n.is_empty()),
                _ => None,
            };
            let differs = r.recorded_at.get(..16) != r.ordered_at.get(..16);
            ContactView {
                id: r.id,
                household_id: r.household_id,
                elector_id: r.elector_id,
                elector_number: number,
                elector_name: name,
                phone_time: differs.then_some(r.recorded_at),
                ordered_at: r.ordered_at,
                outcome: r.outcome,
                answers: r.answers,
                note: r.note,
                source: r.source,
                canvasser: r.canvasser,
            }
        })
        .collect())
}

/// How many contacts the campaign holds.
pub async fn contact_count(tx: &mut Tx, campaign: &Campaign) -> Result<i64> {
    let (n,): (i64,) = tx.fetch_one("SELECT CAST(COUNT(*) AS BIGINT) FROM contacts WHERE campaign_id = $1", args![campaign.id]).await?;
    Ok(n)
}

/// A contact that gave an answer to `question`: its district, the UK day... as stored (the time
/// it counts at), its answers, and the elector's date of birth when the register has one.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Answered {
    pub polling_district: Option<String>,
    pub ordered_at: String,
    pub answers: String,
    pub date_of_birth: Option<String>,
}

/// Every contact of the campaign that answered `question` (its key appears in the answers).
pub async fn answered(tx: &mut Tx, campaign: &Campaign, question: &str) -> Result<Vec<Answered>> {
    tx.fetch_all(
        "SELECT c.polling_district, c.ordered_at, c.answers, e.date_of_birth FROM contacts c \
         LEFT JOIN electors e ON e.campaign_id = c.campaign_id AND e.id = c.elector_id \
         WHERE c.campaign_id = $1 AND c.answers LIKE $2",
        args![campaign.id, format!("%\"{question}\"%")],
    )
    .await
}
