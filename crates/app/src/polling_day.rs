//! Polling day: tellers strike off the voters whose numbers they take, the committee room knocks
//! up the promises who have not voted, and watches the day's numbers live.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use groundgame_core::access::Permission;
use groundgame_core::elector::{ElectorNumber, PollingDistrict};
use groundgame_core::polling_day::{promises_needed, share_voted_by, PostalChase, DEFAULT_PROMISE_TURNOUT};
use groundgame_store::changes::{Change, What};
use groundgame_store::polling_day::{
    self, CommitteeRoomCounts, Day, KnockAnswer, KnockReport, KnockUpElector, KnockUpOf, Lately, ListedElector, MarkedReport, Place,
    PlaceKind, PromiseCounts, PromiseSet, Round, TellerElector, Telling, TellingReport,
};
use groundgame_store::{Tx, WriteTx};
use serde::Serialize;

use crate::{Actor, App, Error, Result};

/// The longest number or polling district a teller's entry may carry.
pub const MAX_TYPED: usize = 32;

/// Stores the numbers a teller took, each exactly once however often the phone sends them. A
/// number that matches nobody is kept aside for the committee room; nothing is dropped. Audited
/// with how many were struck off; the committee rooms hear of it at commit.
pub async fn record_tellings(app: &App, actor: Actor<'_>, tellings: Vec<Telling>) -> Result<TellingReport> {
    if tellings.len() > app.limits.sync_batch {
        return Err(Error::Invalid(format!("send at most {} numbers at a time", app.limits.sync_batch)));
    }
    // Nothing is dropped, not even what cannot be a number: it is kept aside (cut short) for the
    // committee room, and the rest of the phone's numbers go in with it.
    let cut = |s: String| if s.chars().count() > MAX_TYPED { s.chars().take(MAX_TYPED).collect() } else { s };
    let tellings: Vec<Telling> =
        tellings.into_iter().map(|t| Telling { number: cut(t.number), polling_district: cut(t.polling_district), ..t }).collect();
    let mut tx = app.store.begin_write().await?;
    let report = polling_day::record_tellings(&mut tx, actor.campaign(), actor.user_id(), &tellings).await?;
    if !report.stored.is_empty() || !report.unknown.is_empty() {
        let mut districts: Vec<&str> = tellings.iter().map(|t| t.polling_district.as_str()).collect();
        districts.sort_unstable();
        districts.dedup();
        let detail = format!(
            "{} struck off, {} kept aside (the number matches nobody), {} sent again; polling district {}",
            report.stored.len(),
            report.unknown.len(),
            report.duplicates.len(),
            districts.join(", ")
        );
        actor.audit(&mut tx, "tellings_recorded", &detail, report.stored.len() as i64).await?;
        announce(&mut tx, &actor, What::Tellings).await?;
    }
    tx.commit().await?;
    Ok(report)
}

/// Takes back a telling (a teller's undo, or an organiser's correction): its elector is no longer
/// struck off by it. A teller takes back only their own. Audited.
pub async fn withdraw_telling(app: &App, actor: Actor<'_>, id: uuid::Uuid) -> Result<()> {
    let any = actor.may(Permission::RunPollingDay);
    let mut tx = app.store.begin_write().await?;
    if !polling_day::withdraw_telling(&mut tx, actor.campaign(), id, actor.user_id(), any).await? {
        return Err(Error::NotFound(format!("no telling {id} of yours to take back")));
    }
    actor.audit(&mut tx, "telling_withdrawn", &id.to_string(), 1).await?;
    announce(&mut tx, &actor, What::Tellings).await?;
    tx.commit().await?;
    Ok(())
}

/// Today's date on a UK clock, as stored.
fn uk_today() -> String {
    groundgame_core::time::uk_now().date().format("%Y-%m-%d").to_string()
}

/// Today, as the committee room counts it: tellings received since UK midnight.
fn today() -> Day {
    let now = chrono::Utc::now();
    Day { date: uk_today(), starts: groundgame_store::db::time_text(groundgame_core::time::uk_day_start(now)) }
}

/// Stores what knockers heard at promises' doors, each once however often it is sent: voted and
/// "do not return today" take them (or the door) off today's list. A canvasser answers only for
/// the doors of their own walks. Audited; the committee rooms hear of it.
pub async fn record_knock_answers(app: &App, actor: Actor<'_>, answers: Vec<KnockAnswer>) -> Result<KnockReport> {
    if answers.len() > app.limits.sync_batch {
        return Err(Error::Invalid(format!("send at most {} answers at a time", app.limits.sync_batch)));
    }
    let mut tx = app.store.begin_write().await?;
    let report =
        polling_day::record_knock_answers(&mut tx, actor.campaign(), actor.user_id(), &actor.door_scope(), &uk_today(), &answers).await?;
    if !report.stored.is_empty() {
        let detail = format!("{} stored, {} refused, {} sent again", report.stored.len(), report.rejected.len(), report.duplicates.len());
        actor.audit(&mut tx, "knock_up_answers", &detail, report.stored.len() as i64).await?;
        announce(&mut tx, &actor, What::KnockUp).await?;
    }
    tx.commit().await?;
    Ok(report)
}

async fn announce(tx: &mut WriteTx, actor: &Actor<'_>, what: What) -> Result<()> {
    Ok(tx.announce(Change { campaign_id: actor.campaign().id, what }).await?)
}

/// Whose knock-up list to read.
#[derive(Debug, Clone)]
pub enum KnockUp {
    /// A whole polling district: the committee room's.
    District(String),
    /// One walk: for a canvasser, only a walk assigned to them.
    Walk(i64),
}

/// A knock-up list, and the latest knock-up round today of each walk on it.
#[derive(Debug, Clone, Serialize)]
pub struct KnockUpList {
    pub electors: Vec<KnockUpElector>,
    pub rounds: Vec<Round>,
}

/// The knock-up list of a polling district or a walk: its promises who have not voted, in walk
/// order, with how often each door was knocked today. The committee room reads any; a canvasser
/// reads only the walks assigned to them that the committee room has started a knock-up round
/// for today (of a district: those walks' part of it). Audited: it names electors.
pub async fn knock_up(app: &App, actor: Actor<'_>, of: KnockUp) -> Result<KnockUpList> {
    let day = today();
    // Read without the writers' turn; the audit line is written before anything is answered.
    let mut tx = app.store.begin().await?;
    let campaign = actor.campaign();
    let committee_room = actor.may(Permission::RunPollingDay);
    let rounds = polling_day::rounds(&mut tx, campaign, &day.date, None).await?;
    let (electors, walks, what) = match &of {
        KnockUp::District(d) => {
            let district = PollingDistrict::parse(d)?;
            if committee_room {
                let list = polling_day::knock_up(&mut tx, campaign, KnockUpOf::District(district.as_str()), &day).await?;
                let mut walks: Vec<i64> = list.iter().filter_map(|e| e.walk_id).collect();
                walks.dedup();
                (list, walks, format!("polling district {district}"))
            } else {
                let user = actor.user_id().ok_or_else(|| Error::forbidden("a polling district's knock-up list is the committee room's"))?;
                let walks = polling_day::round_walks_of(&mut tx, campaign, &day.date, user, Some(district.as_str())).await?;
                let mut list = Vec::new();
                for w in &walks {
                    list.extend(polling_day::knock_up(&mut tx, campaign, KnockUpOf::Walk(*w), &day).await?);
                }
                (list, walks, format!("polling district {district}, the walks of your knock-up rounds"))
            }
        }
        KnockUp::Walk(walk) => {
            polling_day::walk_in_scope(&mut tx, campaign, *walk, &actor.door_scope()).await?;
            if !committee_room && !rounds.contains_key(walk) {
                return Err(Error::NotFound(format!(
                    "the committee room has not started a knock-up round of walk {walk} today: ask them to, then open the list again"
                )));
            }
            (polling_day::knock_up(&mut tx, campaign, KnockUpOf::Walk(*walk), &day).await?, vec![*walk], format!("walk {walk}"))
        }
    };
    tx.commit().await?;
    let mut tx = app.store.begin_write().await?;
    actor.audit(&mut tx, "knock_up_list", &what, electors.len() as i64).await?;
    tx.commit().await?;
    let mut rounds: Vec<Round> = walks.iter().filter_map(|w| rounds.get(w).cloned()).collect();
    rounds.sort_by_key(|r| r.walk_id);
    rounds.dedup_by_key(|r| r.walk_id);
    Ok(KnockUpList { electors, rounds })
}

/// Starts the next knock-up round of each walk (the committee room sends knockers out):
/// answers heard before it that do not hold all day are cleared, and a canvasser holding the
/// walk may read its list. `knocker`, if given, is given the walks (keeping their sessions).
/// Audited; the committee rooms and knockers hear of it.
pub async fn start_rounds(app: &App, actor: Actor<'_>, walk_ids: &[i64], knocker: Option<i64>) -> Result<Vec<Round>> {
    if walk_ids.is_empty() {
        return Err(Error::Invalid("choose the walks to knock up".into()));
    }
    if walk_ids.len() > 500 {
        return Err(Error::Invalid("start rounds for at most 500 walks at a time".into()));
    }
    let campaign = actor.campaign();
    let day = uk_today();
    let mut walk_ids = walk_ids.to_vec();
    walk_ids.sort_unstable();
    walk_ids.dedup();
    let mut tx = app.store.begin_write().await?;
    if let Some(user) = knocker {
        let role = groundgame_store::accounts::role_in(&mut tx, campaign.id, user).await?;
        if !role.is_some_and(|r| groundgame_core::access::allows(r, Permission::Canvass)) {
            return Err(Error::NotFound(format!(
                "volunteer {user} is not a canvasser of this campaign: they could not open the knock-up list"
            )));
        }
    }
    let held = groundgame_store::canvassing::assignments(&mut tx, campaign).await?;
    let mut rounds = Vec::new();
    let mut names = Vec::new();
    for &walk in &walk_ids {
        let (w, _) = groundgame_store::walks::get(&mut tx, campaign, walk).await?;
        if let Some(user) = knocker {
            let session = held.get(&walk).and_then(|a| a.session_id);
            groundgame_store::canvassing::assign(&mut tx, campaign, walk, Some(user), session).await?;
        }
        let round = polling_day::start_round(&mut tx, campaign, &day, walk, actor.user_id()).await?;
        names.push(format!("{} (round {})", w.name, round.number));
        rounds.push(round);
    }
    let to = match knocker {
        Some(u) => format!("; given to {}", groundgame_store::accounts::user_credentials(&mut tx, u).await?.0.email),
        None => String::new(),
    };
    actor.audit(&mut tx, "knock_up_rounds_started", &format!("{}{to}", names.join(", ")), rounds.len() as i64).await?;
    announce(&mut tx, &actor, What::KnockUp).await?;
    tx.commit().await?;
    Ok(rounds)
}

/// The latest knock-up round today of each walk that has one.
pub async fn rounds_today(app: &App, actor: Actor<'_>) -> Result<HashMap<i64, Round>> {
    let mut tx = app.store.begin().await?;
    let rounds = polling_day::rounds(&mut tx, actor.campaign(), &uk_today(), None).await?;
    tx.commit().await?;
    Ok(rounds)
}

/// A walk as the committee room chooses walks for a knock-up round.
#[derive(Debug, Clone, Serialize)]
pub struct RoundChoice {
    pub walk: groundgame_store::walks::Walk,
    /// Its latest round today, if any.
    pub round: Option<Round>,
    /// Who holds it now.
    pub canvasser: Option<String>,
}

/// The walks of a polling district (every walk, when none is given) with their latest round
/// today and who holds them: what the committee room chooses from to start rounds.
pub async fn round_choices(app: &App, actor: Actor<'_>, district: Option<&str>) -> Result<Vec<RoundChoice>> {
    let district = district.map(PollingDistrict::parse).transpose()?;
    let mut tx = app.store.begin().await?;
    let campaign = actor.campaign();
    let walks = groundgame_store::walks::list(&mut tx, campaign, district.as_ref().map(|d| d.as_str())).await?;
    let rounds = polling_day::rounds(&mut tx, campaign, &uk_today(), None).await?;
    let held = groundgame_store::canvassing::assignments(&mut tx, campaign).await?;
    tx.commit().await?;
    Ok(walks
        .into_iter()
        .map(|walk| RoundChoice {
            round: rounds.get(&walk.id).cloned(),
            canvasser: held.get(&walk.id).and_then(|a| a.canvasser.clone()),
            walk,
        })
        .collect())
}

/// Adds an elector (by number, `NA1-124/1`) to the promises by hand: a promise whatever the
/// doorstep says, until taken off. Audited.
pub async fn add_hand_promise(app: &App, actor: Actor<'_>, number: &str) -> Result<String> {
    let number = ElectorNumber::parse(number.trim())?;
    let mut tx = app.store.begin_write().await?;
    let (name, added) = polling_day::add_hand_promise(&mut tx, actor.campaign(), &number, actor.user_id()).await?;
    if added {
        actor.audit(&mut tx, "promise_added_by_hand", &number.to_string(), 1).await?;
        announce(&mut tx, &actor, What::Plan).await?;
    }
    tx.commit().await?;
    Ok(name)
}

/// Takes an elector off the promises added by hand (their doorstep answers decide again). Audited.
pub async fn remove_hand_promise(app: &App, actor: Actor<'_>, elector_id: i64) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    if !polling_day::remove_hand_promise(&mut tx, actor.campaign(), elector_id).await? {
        return Err(Error::NotFound(format!("elector {elector_id} is not among the promises added by hand")));
    }
    actor.audit(&mut tx, "promise_removed_by_hand", &elector_id.to_string(), 1).await?;
    announce(&mut tx, &actor, What::Plan).await?;
    tx.commit().await?;
    Ok(())
}

/// The promises added by hand. Audited: it names electors.
pub async fn hand_promises(app: &App, actor: Actor<'_>) -> Result<Vec<ListedElector>> {
    let mut tx = app.store.begin_write().await?;
    let list = polling_day::hand_promises(&mut tx, actor.campaign()).await?;
    if !list.is_empty() {
        actor.audit(&mut tx, "hand_promises_list", "promises added by hand", list.len() as i64).await?;
    }
    tx.commit().await?;
    Ok(list)
}

/// A polling district's postal voter promises, for the postal-vote chase. Audited.
pub async fn postal_promises(app: &App, actor: Actor<'_>, district: &str) -> Result<Vec<ListedElector>> {
    let district = PollingDistrict::parse(district)?;
    let mut tx = app.store.begin_write().await?;
    let list = polling_day::postal_promises(&mut tx, actor.campaign(), district.as_str()).await?;
    actor.audit(&mut tx, "postal_chase_list", &format!("polling district {district}"), list.len() as i64).await?;
    tx.commit().await?;
    Ok(list)
}

/// Records what a postal voter promise said when asked whether their postal vote is posted.
/// One who said "posted" has voted and leaves the knock-up lists. Audited.
pub async fn record_postal_chase(app: &App, actor: Actor<'_>, elector_id: i64, status: PostalChase) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let Some(number) = polling_day::record_postal_chase(&mut tx, actor.campaign(), elector_id, status, actor.user_id()).await? else {
        return Err(Error::NotFound(format!("elector {elector_id} is not a postal voter on the register")));
    };
    actor.audit(&mut tx, "postal_vote_chased", &format!("{number}: {}", status.as_str()), 1).await?;
    announce(&mut tx, &actor, What::Plan).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a lift asked for at a door as given: a driver is on the way. Audited.
pub async fn give_lift(app: &App, actor: Actor<'_>, answer_id: uuid::Uuid) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    if !polling_day::give_lift(&mut tx, actor.campaign(), &answer_id.to_string(), actor.user_id()).await? {
        return Err(Error::NotFound(format!("no lift was asked for by answer {answer_id}")));
    }
    actor.audit(&mut tx, "lift_given", &answer_id.to_string(), 1).await?;
    announce(&mut tx, &actor, What::KnockUp).await?;
    tx.commit().await?;
    Ok(())
}

/// The names of a polling district's electors by number, for a teller's phone to show the name
/// of each number typed. Names only; audited.
pub async fn teller_names(app: &App, actor: Actor<'_>, district: &str) -> Result<Vec<TellerElector>> {
    let district = PollingDistrict::parse(district)?;
    let mut tx = app.store.begin_write().await?;
    let names = polling_day::teller_names(&mut tx, actor.campaign(), district.as_str()).await?;
    if names.is_empty() {
        return Err(Error::NotFound(format!("polling district {district} is not on the register")));
    }
    actor.audit(&mut tx, "teller_names", &format!("polling district {district}"), names.len() as i64).await?;
    tx.commit().await?;
    Ok(names)
}

/// The polling districts a teller chooses from: each station's, or the register's when no
/// stations are set up.
#[derive(Debug, Clone, Serialize)]
pub struct TellerChoices {
    pub stations: Vec<Place>,
    /// Districts on the register that no station serves.
    pub other_districts: Vec<String>,
}

pub async fn teller_choices(app: &App, actor: Actor<'_>) -> Result<TellerChoices> {
    let mut tx = app.store.begin().await?;
    let stations = polling_day::places(&mut tx, actor.campaign(), PlaceKind::PollingStation).await?;
    let served: std::collections::HashSet<&String> = stations.iter().flat_map(|s| &s.polling_districts).collect();
    let other_districts = polling_day::districts(&mut tx, actor.campaign()).await?.into_iter().filter(|d| !served.contains(d)).collect();
    tx.commit().await?;
    Ok(TellerChoices { stations, other_districts })
}

/// The campaign's polling stations or committee rooms.
pub async fn places(app: &App, actor: Actor<'_>, kind: PlaceKind) -> Result<Vec<Place>> {
    let mut tx = app.store.begin().await?;
    let places = polling_day::places(&mut tx, actor.campaign(), kind).await?;
    tx.commit().await?;
    Ok(places)
}

/// A polling station or committee room as an organiser types it.
#[derive(Debug, Clone, Default)]
pub struct PlaceInput {
    pub name: String,
    pub address: String,
    /// Polling district codes, separated by commas or spaces.
    pub polling_districts: String,
}

/// Saves a polling station or committee room (by its name: the same name again replaces its
/// address and districts). Every district must be on the register. Audited.
pub async fn save_place(app: &App, actor: Actor<'_>, kind: PlaceKind, input: PlaceInput) -> Result<i64> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::Invalid("give the place a name of up to 120 characters".into()));
    }
    let address = input.address.trim();
    if address.chars().count() > 300 {
        return Err(Error::Invalid("the address is longer than 300 characters".into()));
    }
    let mut districts = Vec::new();
    for code in input.polling_districts.split([',', ' ', ';', '\n']).map(str::trim).filter(|c| !c.is_empty()) {
        let d = PollingDistrict::parse(code)?.as_str().to_owned();
        if !districts.contains(&d) {
            districts.push(d);
        }
    }
    if districts.is_empty() {
        return Err(Error::Invalid("list the polling districts it serves, such as NA1, NA2".into()));
    }
    let mut tx = app.store.begin_write().await?;
    let known = polling_day::districts(&mut tx, actor.campaign()).await?;
    if let Some(missing) = districts.iter().find(|d| !known.contains(d)) {
        return Err(Error::Invalid(format!("polling district {missing} is not on the campaign's register")));
    }
    let id = polling_day::save_place(&mut tx, actor.campaign(), kind, name, address, &districts).await?;
    let what = match kind {
        PlaceKind::PollingStation => "polling_station_saved",
        PlaceKind::CommitteeRoom => "committee_room_saved",
    };
    actor.audit(&mut tx, what, &format!("{name}: {}", districts.join(", ")), 0).await?;
    announce(&mut tx, &actor, What::Places).await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes a polling station or committee room. Audited.
pub async fn delete_place(app: &App, actor: Actor<'_>, kind: PlaceKind, id: i64) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    if !polling_day::delete_place(&mut tx, actor.campaign(), kind, id).await? {
        return Err(Error::NotFound(format!("no such place {id}")));
    }
    actor.audit(&mut tx, "place_deleted", &id.to_string(), 0).await?;
    announce(&mut tx, &actor, What::Places).await?;
    tx.commit().await?;
    Ok(())
}

/// Records a station's official count of ballot papers issued so far. Audited.
pub async fn record_station_count(app: &App, actor: Actor<'_>, station_id: i64, ballot_papers: i64) -> Result<()> {
    if !(0..=100_000).contains(&ballot_papers) {
        return Err(Error::Invalid("the count of ballot papers is a whole number from 0 to 100,000".into()));
    }
    let mut tx = app.store.begin_write().await?;
    if !polling_day::record_station_count(&mut tx, actor.campaign(), station_id, ballot_papers, actor.user_id()).await? {
        return Err(Error::NotFound(format!("no polling station {station_id}")));
    }
    actor.audit(&mut tx, "station_count", &format!("station {station_id}: {ballot_papers} ballot papers"), 0).await?;
    announce(&mut tx, &actor, What::Places).await?;
    tx.commit().await?;
    Ok(())
}

/// The campaign's promises against what it needs to win.
#[derive(Debug, Clone, Serialize)]
pub struct Promises {
    #[serde(flatten)]
    pub counts: PromiseCounts,
    /// The share of promises expected to vote: measured, or two thirds.
    pub expected_turnout: f64,
    /// Votes needed to win (the win number), when the last result gives one.
    pub votes_needed: Option<u64>,
    /// Promises needed: the votes needed over the expected turnout.
    pub promises_needed: Option<u64>,
}

/// How many promises the campaign has, how many have voted, and how many it needs.
pub async fn promises(app: &App, actor: Actor<'_>) -> Result<Promises> {
    let mut tx = app.store.begin().await?;
    let counts = polling_day::promise_counts(&mut tx, actor.campaign(), &today()).await?;
    let promises = with_needs(app, &mut tx, actor, counts).await?;
    tx.commit().await?;
    Ok(promises)
}

async fn with_needs(app: &App, tx: &mut Tx, actor: Actor<'_>, counts: PromiseCounts) -> Result<Promises> {
    let campaign = actor.campaign();
    let stats = crate::register::kept_stats(app, tx, campaign.id).await?;
    let elections = crate::targeting::elections(app).await?;
    let win = groundgame_core::results::campaign_win_number(&elections, &campaign.gss, campaign.election_date, stats.totals.eligible);
    let expected_turnout = counts.measured_turnout.unwrap_or(DEFAULT_PROMISE_TURNOUT);
    let votes_needed = win.map(|w| w.win_number);
    Ok(Promises { counts, expected_turnout, votes_needed, promises_needed: votes_needed.map(|v| promises_needed(v, expected_turnout)) })
}

/// What the committee room shows: the day's numbers, counted together.
#[derive(Debug, Clone, Serialize)]
pub struct CommitteeRoom {
    /// When it was counted, on a UK clock (`14:05`).
    pub as_of: String,
    pub promises: Promises,
    /// Promises expected to have voted by now, were they voting as the day usually goes.
    pub expected_promises_voted_by_now: u64,
    #[serde(flatten)]
    pub counts: CommitteeRoomCounts,
}

/// Each campaign's committee room as last counted, and what it keeps between counts: every open
/// dashboard of a campaign shares one count per change, and a count reads only what changed.
#[derive(Default)]
pub(crate) struct CommitteeRooms {
    rooms: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<Kept>>>>,
    heard: Mutex<Heard>,
}

/// The changes this process has heard, as generations: a campaign's promises read at one
/// generation stand until it moves on.
#[derive(Default)]
struct Heard {
    changes: Option<tokio::sync::broadcast::Receiver<Change>>,
    /// Changes other than strike-offs, by campaign.
    generations: HashMap<i64, u64>,
    /// Times changes were missed (the channel overflowed): every campaign reads again.
    missed: u64,
}

impl CommitteeRooms {
    /// The campaign's generation now, after every change heard so far. A change committed in this
    /// process is heard by the time its writer returns; another server's, once PostgreSQL delivers it.
    fn generation(&self, app: &App, campaign_id: i64) -> (u64, u64) {
        use tokio::sync::broadcast::error::TryRecvError;
        let mut heard = self.heard.lock().expect("committee room changes lock");
        let heard = &mut *heard;
        let changes = heard.changes.get_or_insert_with(|| app.store.watch());
        loop {
            match changes.try_recv() {
                // Strike-offs and knock-up activity change no promise.
                Ok(Change { what: What::Tellings | What::KnockUp, .. }) => {}
                Ok(change) => *heard.generations.entry(change.campaign_id).or_default() += 1,
                Err(TryRecvError::Lagged(_)) => heard.missed += 1,
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
        (heard.missed, heard.generations.get(&campaign_id).copied().unwrap_or(0))
    }
}

/// What is kept of a campaign's committee room between counts.
#[derive(Default)]
struct Kept {
    counted: Option<Counted>,
    /// The promises, when they were read, and the generation they were read at.
    promises: Option<(Instant, (u64, u64), Arc<PromiseSet>)>,
    struck: Struck,
    /// Volunteers out in the last hour, and when they were counted.
    volunteers: Option<(Instant, u64)>,
}

/// Who has been struck off today: elector -> (polling district, first received), read whole at
/// first and then only what was received since.
#[derive(Default)]
struct Struck {
    day: String,
    read_whole_at: Option<Instant>,
    /// The latest receipt read.
    mark: Option<String>,
    /// Tellings taken back today when last read: when it changes, everything is read again.
    withdrawals: (i64, Option<String>),
    first: HashMap<i64, (String, String)>,
}

/// The least time between two counts of one campaign's committee room.
const RECOUNT_GAP: std::time::Duration = std::time::Duration::from_millis(400);

/// How long what the committee room keeps stands before it is read whole again, whatever was
/// heard: a change another server announced and this one missed is counted by then.
const KEEP_FOR: std::time::Duration = std::time::Duration::from_secs(20);

/// Strike-offs are read again from this long before the latest one read: writers on other
/// servers may commit out of the order of their clocks. Reading one twice changes nothing.
const STRIKES_OVERLAP: chrono::Duration = chrono::Duration::seconds(10);

/// A count, and when it began.
type Counted = (Instant, Arc<CommitteeRoom>);

/// The committee room's numbers, counted no earlier than `fresh_after` (a count begun after a
/// change was heard includes it). `paced`: the caller follows a stream of changes, so counts of
/// the campaign begin at most every [`RECOUNT_GAP`]. The promises are read again only after a
/// change other than a strike-off (or [`KEEP_FOR`]), and strike-offs only since the last count.
/// Aggregates only: names no elector, so it is not audited.
pub async fn committee_room(app: &App, actor: Actor<'_>, fresh_after: Instant, paced: bool) -> Result<Arc<CommitteeRoom>> {
    let campaign = actor.campaign();
    let slot = app.committee_rooms.rooms.lock().expect("committee rooms lock").entry(campaign.id).or_default().clone();
    let mut kept = slot.lock().await;
    if let Some((begun, room)) = kept.counted.as_ref() {
        if *begun >= fresh_after {
            return Ok(room.clone());
        }
        // Counts begin at most every RECOUNT_GAP: a steady stream of strike-offs is counted a few
        // times a second, whatever the number of dashboards, and each still sees it within a second.
        let since = begun.elapsed();
        if paced && since < RECOUNT_GAP {
            tokio::time::sleep(RECOUNT_GAP - since).await;
        }
    }
    let begun = Instant::now();
    let generation = app.committee_rooms.generation(app, campaign.id);
    let now = chrono::Utc::now();
    // A round is one to two hours.
    let lately = Lately { rounds_since: groundgame_store::db::time_text(now - chrono::Duration::hours(2)) };
    let mut tx = app.store.begin().await?;
    let day = today();
    let promise_set = match &kept.promises {
        Some((at, g, set)) if *g == generation && at.elapsed() < KEEP_FOR => set.clone(),
        _ => {
            let set = Arc::new(polling_day::promise_set(&mut tx, campaign).await?);
            kept.promises = Some((begun, generation, set.clone()));
            set
        }
    };
    let withdrawals = polling_day::withdrawals(&mut tx, campaign, &day).await?;
    let struck = &mut kept.struck;
    if struck.day != day.date || struck.withdrawals != withdrawals || struck.read_whole_at.is_none_or(|t| t.elapsed() >= KEEP_FOR) {
        *struck = Struck { day: day.date.clone(), read_whole_at: Some(begun), withdrawals, ..Struck::default() };
    }
    let since = struck
        .mark
        .as_deref()
        .and_then(|m| chrono::DateTime::parse_from_rfc3339(m).ok())
        .map(|m| groundgame_store::db::time_text(m.with_timezone(&chrono::Utc) - STRIKES_OVERLAP));
    for (elector, district, at) in polling_day::strikes_since(&mut tx, campaign, &day, since.as_deref()).await? {
        if struck.mark.as_deref().is_none_or(|m| at.as_str() > m) {
            struck.mark = Some(at.clone());
        }
        match struck.first.entry(elector) {
            std::collections::hash_map::Entry::Occupied(mut o) if at < o.get().1 => o.get_mut().1 = at,
            std::collections::hash_map::Entry::Occupied(_) => {}
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((district, at));
            }
        }
    }
    let mut counts = polling_day::committee_room(&mut tx, campaign, &day, &lately, &promise_set, &kept.struck.first, |utc| {
        let at = chrono::DateTime::parse_from_rfc3339(utc).ok()?.with_timezone(&chrono::Utc);
        Some(chrono::Timelike::hour(&groundgame_core::time::uk_local(at)))
    })
    .await?;
    // Who is out (a contact or an answer at a door in the last hour) is counted at most every
    // KEEP_FOR: it reads the hour's contacts.
    counts.volunteers_out = match kept.volunteers {
        Some((at, n)) if at.elapsed() < KEEP_FOR => n,
        _ => {
            let since = groundgame_store::db::time_text(now - chrono::Duration::hours(1));
            let n = polling_day::volunteers_out(&mut tx, campaign, &since, &day.date).await?;
            kept.volunteers = Some((begun, n));
            n
        }
    };
    let promise_counts = PromiseCounts {
        promises: counts.districts.iter().map(|d| d.promises).sum(),
        voted: counts.districts.iter().map(|d| d.promises_voted).sum(),
        postal: counts.districts.iter().map(|d| d.postal_promises).sum(),
        ..polling_day::promise_settings(&mut tx, campaign, &day).await?
    };
    let promises = with_needs(app, &mut tx, actor, promise_counts).await?;
    tx.commit().await?;
    let local = groundgame_core::time::uk_local(now);
    let share = share_voted_by(chrono::Timelike::hour(&local), chrono::Timelike::minute(&local));
    let room = Arc::new(CommitteeRoom {
        as_of: local.format("%H:%M").to_string(),
        // Postal voters vote by post: they are never struck off at a station.
        expected_promises_voted_by_now: ((promises.counts.promises - promises.counts.postal) as f64 * promises.expected_turnout * share)
            .round() as u64,
        promises,
        counts,
    });
    kept.counted = Some((begun, room.clone()));
    Ok(room)
}

/// Sets what counts as a promise (the least certainty, 1 to 5) and, if given, the share of
/// promises expected to vote in percent (otherwise two thirds, or what a marked register
/// measured). Audited.
pub async fn set_promise_rule(app: &App, actor: Actor<'_>, min_certainty: u8, turnout_percent: Option<u8>) -> Result<()> {
    if !(1..=5).contains(&min_certainty) {
        return Err(Error::Invalid("a promise's least certainty is 1 to 5".into()));
    }
    if turnout_percent.is_some_and(|t| !(1..=100).contains(&t)) {
        return Err(Error::Invalid("the share of promises expected to vote is 1% to 100%".into()));
    }
    let mut tx = app.store.begin_write().await?;
    polling_day::set_promise_rule(&mut tx, actor.campaign(), min_certainty, turnout_percent.map(|t| f64::from(t) / 100.0)).await?;
    let turnout = turnout_percent.map_or_else(|| "two thirds".to_owned(), |t| format!("{t}%"));
    actor.audit(&mut tx, "promise_rule_set", &format!("certainty {min_certainty} or more; expected turnout {turnout}"), 0).await?;
    announce(&mut tx, &actor, What::Places).await?;
    tx.commit().await?;
    Ok(())
}

/// Imports the marked register after an election (one elector number a line, `NA1-124/1`; a
/// first line that is no number is taken as a header) and measures the share of promises who
/// voted, overall and by polling district, keeping it as the expected promise turnout. A line
/// that is not an elector number is refused with its line number; nothing is written then.
pub async fn import_marked_register(app: &App, actor: Actor<'_>, text: &str) -> Result<MarkedReport> {
    let mut numbers = Vec::new();
    let mut typed = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let cell = line.split([',', '\t', ';']).next().unwrap_or("").trim().trim_matches('"');
        if cell.is_empty() {
            continue;
        }
        match ElectorNumber::parse(cell) {
            Ok(n) => {
                numbers.push(n);
                typed.push(cell.to_owned());
            }
            Err(_) if i == 0 => {}
            Err(e) => errors.push(format!("line {}: {e}", i + 1)),
        }
    }
    if !errors.is_empty() {
        let shown: Vec<&str> = errors.iter().take(10).map(String::as_str).collect();
        return Err(Error::Invalid(format!(
            "{} line(s) are not elector numbers; nothing was imported: {}",
            errors.len(),
            shown.join("; ")
        )));
    }
    let mut tx = app.store.begin_write().await?;
    let report = polling_day::import_marked_register(&mut tx, actor.campaign(), &numbers, &typed).await?;
    let detail =
        format!("{} numbers, {} matched; {} of {} promises voted", report.numbers, report.matched, report.promises_voted, report.promises);
    actor.audit(&mut tx, "marked_register_imported", &detail, report.matched as i64).await?;
    tx.commit().await?;
    Ok(report)
}
