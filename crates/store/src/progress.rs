//! The live progress, kept as contacts are stored, in the same transaction: each door's and each
//! elector's part, and the counts for the campaign, each walk, polling district and day. Reading
//! it costs the same at a thousand contacts and at a million. [`rebuild`] works the same tables
//! out again from the contacts themselves, for an older database, after walks are re-planned or
//! the campaign's party changes, and in the tests as the check on what is kept.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use groundgame_core::survey::{spoken_to, ElectorState};
use serde::Serialize;

use crate::campaigns::Campaign;
use crate::db::{in_list, Arg, Tx};
use crate::error::Result;
use crate::walks::{self, Walk};
use crate::{args, bulk};

/// Counts for a walk, a polling district, a day or the campaign.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Doors on the walks (not counted by day).
    pub doors: u64,
    /// Doors with at least one contact (once a day in a day's figures).
    pub doors_knocked: u64,
    /// Every contact recorded, "not in" and refusals included.
    pub contacts: u64,
    /// Doors where someone was spoken to (answers recorded).
    pub doors_spoken: u64,
    /// Electors whose latest intention is the campaign's party.
    pub supporters: u64,
}

impl Tally {
    /// Doors spoken at, of doors knocked: the one definition of the contact rate, which pages and
    /// the live dashboard show as the server works it out.
    pub fn contact_rate(&self) -> f64 {
        if self.doors_knocked == 0 {
            0.0
        } else {
            self.doors_spoken as f64 / self.doors_knocked as f64
        }
    }
}

impl Serialize for Tally {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut t = s.serialize_struct("Tally", 6)?;
        t.serialize_field("doors", &self.doors)?;
        t.serialize_field("doors_knocked", &self.doors_knocked)?;
        t.serialize_field("contacts", &self.contacts)?;
        t.serialize_field("doors_spoken", &self.doors_spoken)?;
        t.serialize_field("supporters", &self.supporters)?;
        t.serialize_field("contact_rate", &self.contact_rate())?;
        t.end()
    }
}

/// A walk with its counts and who has it.
#[derive(Debug, Clone, Serialize)]
pub struct WalkProgress {
    pub walk: Walk,
    pub tally: Tally,
    pub assignment: Option<crate::canvassing::Assignment>,
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

/// A contact as the progress takes it in.
pub(crate) struct Counted<'a> {
    pub id: &'a str,
    pub household_id: i64,
    pub elector_id: Option<i64>,
    pub polling_district: Option<&'a str>,
    /// The time it counts at (RFC 3339).
    pub ordered_at: &'a str,
    pub outcome: Option<&'a str>,
    pub answers: &'a BTreeMap<String, String>,
}

/// The day a time falls on in the UK, where the doors are.
pub(crate) fn day_of(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| groundgame_core::time::uk_local(t.with_timezone(&chrono::Utc)).date().format("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| at.get(..10).unwrap_or_default().to_owned())
}

/// An elector's state as kept, with where it counts.
#[derive(Debug, Clone)]
struct Kept {
    household_id: i64,
    polling_district: Option<String>,
    state: ElectorState,
    last_contact: String,
}

/// Where a supporter counts: their walk, polling district and day.
type Place = (Option<i64>, Option<String>, String);

impl Kept {
    /// Where this state counts as a supporter, if it does.
    fn supporter_at(&self, party: &str, walk_of: &HashMap<i64, i64>) -> Option<Place> {
        self.state
            .is_supporter(party)
            .then(|| (walk_of.get(&self.household_id).copied(), self.polling_district.clone(), day_of(&self.state.recorded_at)))
    }
}

/// Changes to the counts, by (kind, key).
#[derive(Default)]
struct Deltas(HashMap<(&'static str, String), [i64; 4]>);

const CONTACTS: usize = 0;
const KNOCKED: usize = 1;
const SPOKEN: usize = 2;
const SUPPORTERS: usize = 3;

impl Deltas {
    /// Adds `n` to one count of the campaign and of the walk and district given.
    fn add(&mut self, what: usize, n: i64, walk: Option<i64>, district: Option<&str>) {
        self.0.entry(("all", String::new())).or_default()[what] += n;
        if let Some(w) = walk {
            self.0.entry(("walk", w.to_string())).or_default()[what] += n;
        }
        if let Some(d) = district {
            self.0.entry(("district", d.to_owned())).or_default()[what] += n;
        }
    }

    fn add_day(&mut self, what: usize, n: i64, day: &str) {
        self.0.entry(("day", day.to_owned())).or_default()[what] += n;
    }

    fn supporter(&mut self, n: i64, at: Place) {
        self.add(SUPPORTERS, n, at.0, at.1.as_deref());
        self.add_day(SUPPORTERS, n, &at.2);
    }
}

/// The walk each of these households is on now.
async fn walks_of(tx: &mut Tx, campaign: &Campaign, households: &HashSet<i64>) -> Result<HashMap<i64, i64>> {
    if households.is_empty() {
        return Ok(HashMap::new());
    }
    let (list, a) = in_list(households.iter().copied(), args![campaign.id]);
    let rows: Vec<(i64, i64)> = tx
        .fetch_all(&format!("SELECT household_id, walk_id FROM walk_doors WHERE campaign_id = $1 AND household_id IN ({list})"), a)
        .await?;
    Ok(rows.into_iter().collect())
}

#[derive(sqlx::FromRow)]
struct ElectorRow {
    elector_id: i64,
    household_id: i64,
    polling_district: Option<String>,
    intention: Option<String>,
    certainty: Option<i64>,
    outcome: Option<String>,
    ordered_at: String,
    last_contact: String,
}

impl ElectorRow {
    fn kept(self, party: &str) -> (i64, Kept) {
        let certainty = self.certainty.and_then(|c| u8::try_from(c).ok());
        let support = groundgame_core::survey::support_score(party, self.intention.as_deref(), certainty);
        let state = ElectorState { intention: self.intention, certainty, support, outcome: self.outcome, recorded_at: self.ordered_at };
        (
            self.elector_id,
            Kept { household_id: self.household_id, polling_district: self.polling_district, state, last_contact: self.last_contact },
        )
    }
}

const ELECTOR_COLUMNS: &str = "elector_id, household_id, polling_district, intention, certainty, outcome, ordered_at, last_contact";

/// What the progress holds for a batch's doors and electors, read before the batch is taken in.
#[derive(Default)]
pub(crate) struct Loaded {
    kept: HashMap<i64, Kept>,
    walk_of: HashMap<i64, i64>,
    doors: HashMap<i64, (Option<String>, i64, bool)>,
    /// (day, door) -> (someone spoken to there that day, contacts there that day).
    days: HashMap<(String, i64), (bool, i64)>,
    /// The numbers of this load's queries in the batch of reads: electors, walks, doors, days.
    queries: [usize; 4],
}

/// The days, households and electors a batch of contacts touches.
pub(crate) struct Touched {
    pub households: HashSet<i64>,
    pub electors: HashSet<i64>,
    pub days: HashSet<String>,
}

impl Touched {
    pub(crate) fn of(new: &[Counted<'_>]) -> Touched {
        Touched {
            households: new.iter().map(|c| c.household_id).collect(),
            electors: new.iter().filter_map(|c| c.elector_id).collect(),
            days: new.iter().map(|c| day_of(c.ordered_at)).collect(),
        }
    }
}

impl Loaded {
    /// Adds to `reads` the queries for what the batch touches; their rows come back through
    /// [`Loaded::take`].
    pub(crate) fn queries(campaign: &Campaign, t: &Touched, reads: &mut bulk::Reads) -> Loaded {
        let mut a = args![campaign.id];
        let electors = reads.list(t.electors.iter().copied(), &mut a);
        let q_electors =
            reads.add(format!("SELECT {ELECTOR_COLUMNS} FROM progress_electors WHERE campaign_id = $1 AND elector_id IN ({electors})"), a);
        let mut a = args![campaign.id];
        let households = reads.list(t.households.iter().copied(), &mut a);
        let q_walks = reads.add(
            format!("SELECT household_id, walk_id FROM walk_doors WHERE campaign_id = $1 AND household_id IN ({households})"),
            a.clone(),
        );
        let q_doors = reads.add(
            format!(
                "SELECT household_id, polling_district, contacts, spoken FROM progress_doors WHERE campaign_id = $1 AND household_id IN ({households})"
            ),
            a,
        );
        // By (day, household): the key's order, so that the lookup never reads other days' doors.
        let mut a = args![campaign.id];
        let days = reads.list(t.days.iter().map(String::as_str), &mut a);
        let households = reads.list(t.households.iter().copied(), &mut a);
        let q_days = reads.add(
            format!("SELECT day, household_id, spoken, contacts FROM progress_door_days WHERE campaign_id = $1 AND day IN ({days}) AND household_id IN ({households})"),
            a,
        );
        Loaded { queries: [q_electors, q_walks, q_doors, q_days], ..Default::default() }
    }

    /// Takes a row of one of this load's queries; says whether it was one.
    pub(crate) fn take(&mut self, query: usize, row: &bulk::ScanRow<'_>, party: &str) -> Result<bool> {
        match self.queries.iter().position(|q| *q == query) {
            Some(0) => {
                let r = ElectorRow {
                    elector_id: row.int(0)?,
                    household_id: row.int(1)?,
                    polling_district: row.opt_text(2)?,
                    intention: row.opt_text(3)?,
                    certainty: row.opt_int(4)?,
                    outcome: row.opt_text(5)?,
                    ordered_at: row.text(6)?,
                    last_contact: row.text(7)?,
                };
                let (e, k) = r.kept(party);
                self.kept.insert(e, k);
            }
            Some(1) => {
                self.walk_of.insert(row.int(0)?, row.int(1)?);
            }
            Some(2) => {
                self.doors.insert(row.int(0)?, (row.opt_text(1)?, row.int(2)?, row.int(3)? != 0));
            }
            Some(3) => {
                self.days.insert((row.text(0)?, row.int(1)?), (row.int(2)? != 0, row.int(3)?));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Takes in contacts just stored (in the caller's transaction), reading what it needs first.
pub(crate) async fn apply(tx: &mut Tx, campaign: &Campaign, new: &[Counted<'_>]) -> Result<()> {
    if new.is_empty() {
        return Ok(());
    }
    let mut reads = bulk::Reads::new(tx);
    let mut loaded = Loaded::queries(campaign, &Touched::of(new), &mut reads);
    bulk::read(tx, reads, |i, row| loaded.take(i, &row, &campaign.party).map(|_| ())).await?;
    apply_loaded(tx, campaign, new, loaded).await
}

/// Takes in contacts just stored, with what the progress held for them read already.
pub(crate) async fn apply_loaded(tx: &mut Tx, campaign: &Campaign, new: &[Counted<'_>], loaded: Loaded) -> Result<()> {
    if new.is_empty() {
        return Ok(());
    }
    let party = campaign.party.as_str();
    let households: HashSet<i64> = new.iter().map(|c| c.household_id).collect();
    let Loaded { mut kept, mut walk_of, mut doors, mut days, .. } = loaded;
    // An elector last seen at another door: that door's walk too.
    let elsewhere: HashSet<i64> = kept.values().map(|k| k.household_id).filter(|h| !walk_of.contains_key(h)).collect();
    walk_of.extend(walks_of(tx, campaign, &elsewhere).await?);
    let before: HashMap<i64, Option<Place>> = kept.iter().map(|(e, k)| (*e, k.supporter_at(party, &walk_of))).collect();

    let mut deltas = Deltas::default();
    let mut order: Vec<&Counted> = new.iter().collect();
    order.sort_by(|a, b| (a.ordered_at, a.id).cmp(&(b.ordered_at, b.id)));
    let mut changed_doors = HashSet::new();
    let mut changed_days = HashSet::new();
    let mut changed_electors = HashSet::new();
    let mut refold = HashSet::new();
    for c in order {
        let walk = walk_of.get(&c.household_id).copied();
        let door = doors.entry(c.household_id).or_insert_with(|| (c.polling_district.map(str::to_owned), 0, false));
        let district = door.0.clone();
        let talked = spoken_to(c.outcome, c.answers);
        deltas.add(CONTACTS, 1, walk, district.as_deref());
        if door.1 == 0 {
            deltas.add(KNOCKED, 1, walk, district.as_deref());
        }
        door.1 += 1;
        if talked && !door.2 {
            door.2 = true;
            deltas.add(SPOKEN, 1, walk, district.as_deref());
        }
        changed_doors.insert(c.household_id);
        let day = day_of(c.ordered_at);
        deltas.add_day(CONTACTS, 1, &day);
        let that_day = days.entry((day.clone(), c.household_id)).or_insert_with(|| {
            deltas.add_day(KNOCKED, 1, &day);
            (false, 0)
        });
        that_day.1 += 1;
        if talked && !that_day.0 {
            that_day.0 = true;
            deltas.add_day(SPOKEN, 1, &day);
        }
        changed_days.insert((day, c.household_id));
        let Some(e) = c.elector_id else { continue };
        changed_electors.insert(e);
        match kept.get_mut(&e) {
            Some(k) if (c.ordered_at, c.id) < (k.state.recorded_at.as_str(), k.last_contact.as_str()) => {
                // It counts before the latest one: fold the elector's contacts again.
                refold.insert(e);
            }
            Some(k) => {
                k.state.apply(party, c.answers, c.outcome, c.ordered_at);
                k.last_contact = c.id.to_owned();
                k.household_id = c.household_id;
                k.polling_district = c.polling_district.map(str::to_owned).or(k.polling_district.take());
            }
            None => {
                let mut state = ElectorState::default();
                state.apply(party, c.answers, c.outcome, c.ordered_at);
                kept.insert(
                    e,
                    Kept {
                        household_id: c.household_id,
                        polling_district: c.polling_district.map(str::to_owned),
                        state,
                        last_contact: c.id.to_owned(),
                    },
                );
            }
        }
    }
    if !refold.is_empty() {
        // Their contacts are at the doors of this batch or at the doors they were last seen at.
        let doors_of: HashSet<i64> =
            refold.iter().filter_map(|e| kept.get(e)).map(|k| k.household_id).chain(households.iter().copied()).collect();
        let mut again = fold_electors(tx, campaign, &refold, &doors_of).await?;
        for e in &refold {
            if let Some(k) = again.remove(e) {
                kept.insert(*e, k);
            }
        }
    }
    // Supporters: each changed elector's old part taken away, their new part added.
    let missing: HashSet<i64> =
        changed_electors.iter().filter_map(|e| kept.get(e)).map(|k| k.household_id).filter(|h| !walk_of.contains_key(h)).collect();
    walk_of.extend(walks_of(tx, campaign, &missing).await?);
    for e in &changed_electors {
        if let Some(Some(at)) = before.get(e) {
            deltas.supporter(-1, at.clone());
        }
        if let Some(at) = kept.get(e).and_then(|k| k.supporter_at(party, &walk_of)) {
            deltas.supporter(1, at);
        }
    }
    write(tx, campaign, &doors, &changed_doors, &days, &changed_days, &kept, &changed_electors, deltas).await
}

#[allow(clippy::too_many_arguments)]
async fn write(
    tx: &mut Tx,
    campaign: &Campaign,
    doors: &HashMap<i64, (Option<String>, i64, bool)>,
    changed_doors: &HashSet<i64>,
    days: &HashMap<(String, i64), (bool, i64)>,
    changed_days: &HashSet<(String, i64)>,
    kept: &HashMap<i64, Kept>,
    changed_electors: &HashSet<i64>,
    deltas: Deltas,
) -> Result<()> {
    let id = campaign.id;
    let doors = changed_doors.iter().filter_map(|h| doors.get(h).map(|(d, n, s)| args![id, *h, d.clone(), *n, i64::from(*s)])).collect();
    let days = changed_days.iter().filter_map(|k| days.get(k).map(|(s, n)| args![id, k.0.as_str(), k.1, i64::from(*s), *n])).collect();
    let electors = changed_electors.iter().filter_map(|e| kept.get(e).map(|k| elector_args(id, *e, k, &campaign.party))).collect();
    let tallies = deltas
        .0
        .into_iter()
        .filter(|(_, d)| d.iter().any(|n| *n != 0))
        .map(|((kind, key), d)| args![id, kind, key, d[CONTACTS], d[KNOCKED], d[SPOKEN], d[SUPPORTERS]])
        .collect();
    bulk::write(
        tx,
        vec![
            bulk::Upsert {
                into: "progress_doors (campaign_id, household_id, polling_district, contacts, spoken)",
                on_conflict: "(campaign_id, household_id) DO UPDATE SET polling_district = excluded.polling_district, \
                              contacts = excluded.contacts, spoken = excluded.spoken",
                rows: doors,
            },
            bulk::Upsert {
                into: "progress_door_days (campaign_id, day, household_id, spoken, contacts)",
                on_conflict: "(campaign_id, day, household_id) DO UPDATE SET spoken = excluded.spoken, contacts = excluded.contacts",
                rows: days,
            },
            bulk::Upsert {
                into: "progress_electors (campaign_id, elector_id, household_id, polling_district, intention, certainty, outcome, \
                       ordered_at, last_contact, supporter)",
                on_conflict: "(campaign_id, elector_id) DO UPDATE SET household_id = excluded.household_id, \
                              polling_district = excluded.polling_district, intention = excluded.intention, \
                              certainty = excluded.certainty, outcome = excluded.outcome, ordered_at = excluded.ordered_at, \
                              last_contact = excluded.last_contact, supporter = excluded.supporter",
                rows: electors,
            },
            bulk::Upsert {
                into: "progress_tallies (campaign_id, kind, key, contacts, doors_knocked, doors_spoken, supporters)",
                on_conflict: "(campaign_id, kind, key) DO UPDATE SET contacts = progress_tallies.contacts + excluded.contacts, \
                              doors_knocked = progress_tallies.doors_knocked + excluded.doors_knocked, \
                              doors_spoken = progress_tallies.doors_spoken + excluded.doors_spoken, \
                              supporters = progress_tallies.supporters + excluded.supporters",
                rows: tallies,
            },
        ],
    )
    .await
}

fn elector_args(campaign_id: i64, elector: i64, k: &Kept, party: &str) -> Vec<Arg> {
    args![
        campaign_id,
        elector,
        k.household_id,
        k.polling_district.clone(),
        k.state.intention.clone(),
        k.state.certainty.map(i64::from),
        k.state.outcome.clone(),
        k.state.recorded_at.as_str(),
        k.last_contact.as_str(),
        i64::from(k.state.is_supporter(party))
    ]
}

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: String,
    household_id: i64,
    elector_id: Option<i64>,
    polling_district: Option<String>,
    ordered_at: String,
    outcome: Option<String>,
    answers: String,
}

/// Folds the contacts of these electors, from the start; `doors` are the households their
/// contacts are at (contacts are found by door, which has an index, then by elector).
async fn fold_electors(tx: &mut Tx, campaign: &Campaign, electors: &HashSet<i64>, doors: &HashSet<i64>) -> Result<HashMap<i64, Kept>> {
    let mut rows: Vec<ContactRow> = Vec::new();
    let all: Vec<i64> = doors.iter().copied().collect();
    for chunk in all.chunks(500) {
        let (list, a) = in_list(chunk.iter().copied(), args![campaign.id]);
        let found: Vec<ContactRow> = tx
            .fetch_all(
                &format!(
                    "SELECT id, household_id, elector_id, polling_district, ordered_at, outcome, answers FROM contacts \
                     WHERE campaign_id = $1 AND household_id IN ({list}) AND elector_id IS NOT NULL"
                ),
                a,
            )
            .await?;
        rows.extend(found.into_iter().filter(|r| r.elector_id.is_some_and(|e| electors.contains(&e))));
    }
    rows.sort_by(|a, b| (&a.ordered_at, &a.id).cmp(&(&b.ordered_at, &b.id)));
    let mut out: HashMap<i64, Kept> = HashMap::new();
    for r in rows {
        let Some(e) = r.elector_id else { continue };
        let answers: BTreeMap<String, String> = serde_json::from_str(&r.answers).unwrap_or_default();
        let k = out.entry(e).or_insert_with(|| Kept {
            household_id: r.household_id,
            polling_district: None,
            state: ElectorState::default(),
            last_contact: String::new(),
        });
        k.state.apply(&campaign.party, &answers, r.outcome.as_deref(), &r.ordered_at);
        k.last_contact = r.id;
        k.household_id = r.household_id;
        k.polling_district = r.polling_district.or(k.polling_district.take());
    }
    Ok(out)
}

/// Works every progress table of a campaign out again from its contacts.
pub async fn rebuild(tx: &mut Tx, campaign: &Campaign) -> Result<()> {
    for table in ["progress_doors", "progress_door_days", "progress_electors", "progress_tallies"] {
        tx.execute(&format!("DELETE FROM {table} WHERE campaign_id = $1"), args![campaign.id]).await?;
    }
    // Read in the order they count at, a row at a time.
    let mut contacts: Vec<(ContactRow, BTreeMap<String, String>)> = Vec::new();
    bulk::scan(
        tx,
        "SELECT id, household_id, elector_id, polling_district, ordered_at, outcome, answers FROM contacts WHERE campaign_id = $1 \
         ORDER BY ordered_at, id",
        args![campaign.id],
        |row| {
            let answers = serde_json::from_str(&row.text(6)?).unwrap_or_default();
            let r = ContactRow {
                id: row.text(0)?,
                household_id: row.int(1)?,
                elector_id: row.opt_int(2)?,
                polling_district: row.opt_text(3)?,
                ordered_at: row.text(4)?,
                outcome: row.opt_text(5)?,
                answers: String::new(),
            };
            contacts.push((r, answers));
            Ok(())
        },
    )
    .await?;
    let counted: Vec<Counted> = contacts
        .iter()
        .map(|(r, answers)| Counted {
            id: &r.id,
            household_id: r.household_id,
            elector_id: r.elector_id,
            polling_district: r.polling_district.as_deref(),
            ordered_at: &r.ordered_at,
            outcome: r.outcome.as_deref(),
            answers,
        })
        .collect();
    // Taken in as one batch into empty tables, which is what `apply` does with any batch.
    for chunk in counted.chunks(5_000) {
        apply(tx, campaign, chunk).await?;
    }
    // Every campaign that has been counted has its row for the whole campaign, even at zero.
    bulk::upsert(
        tx,
        "progress_tallies (campaign_id, kind, key, contacts, doors_knocked, doors_spoken, supporters)",
        "(campaign_id, kind, key) DO NOTHING",
        vec![args![campaign.id, "all", "", 0i64, 0i64, 0i64, 0i64]],
    )
    .await
}

/// Works out again the counts of these walks (a district's, old and new, just re-planned: their
/// doors are on other walks now), from each door's kept part. `walk_of` is the walk of each door
/// of the new walks. What is kept is read in bulk; only these walks' counts are written.
pub(crate) async fn rebuild_walks(tx: &mut Tx, campaign: &Campaign, walk_ids: &[i64], walk_of: &HashMap<i64, i64>) -> Result<()> {
    for chunk in walk_ids.chunks(400) {
        // A walk's key is its id as text.
        let (list, a) = in_list(chunk.iter().map(i64::to_string), args![campaign.id]);
        tx.execute(&format!("DELETE FROM progress_tallies WHERE campaign_id = $1 AND kind = 'walk' AND key IN ({list})"), a).await?;
    }
    let mut by_walk: HashMap<i64, [i64; 4]> = HashMap::new();
    bulk::scan(tx, "SELECT household_id, contacts, spoken FROM progress_doors WHERE campaign_id = $1", args![campaign.id], |row| {
        if let Some(w) = walk_of.get(&row.int(0)?) {
            let t = by_walk.entry(*w).or_default();
            t[CONTACTS] += row.int(1)?;
            t[KNOCKED] += 1;
            t[SPOKEN] += row.int(2)?;
        }
        Ok(())
    })
    .await?;
    bulk::scan(tx, "SELECT household_id FROM progress_electors WHERE campaign_id = $1 AND supporter = 1", args![campaign.id], |row| {
        if let Some(w) = walk_of.get(&row.int(0)?) {
            by_walk.entry(*w).or_default()[SUPPORTERS] += 1;
        }
        Ok(())
    })
    .await?;
    let rows = by_walk
        .into_iter()
        .map(|(w, t)| args![campaign.id, "walk", w.to_string(), t[CONTACTS], t[KNOCKED], t[SPOKEN], t[SUPPORTERS]])
        .collect();
    bulk::upsert(
        tx,
        "progress_tallies (campaign_id, kind, key, contacts, doors_knocked, doors_spoken, supporters)",
        "(campaign_id, kind, key) DO NOTHING",
        rows,
    )
    .await
}

/// Rebuilds the progress of every campaign that has contacts but was never counted (a database
/// from before progress was kept).
pub(crate) async fn build_missing(tx: &mut Tx) -> Result<()> {
    let missing: Vec<(i64,)> = tx
        .fetch_all(
            "SELECT c.id FROM campaigns c WHERE EXISTS (SELECT 1 FROM contacts k WHERE k.campaign_id = c.id) \
             AND NOT EXISTS (SELECT 1 FROM progress_tallies t WHERE t.campaign_id = c.id AND t.kind = 'all')",
            vec![],
        )
        .await?;
    for (id,) in missing {
        let campaign = crate::campaigns::by_id(tx, id).await?;
        tracing::info!(campaign = %campaign.ballot_id, "counting the progress of a campaign from its contacts");
        rebuild(tx, &campaign).await?;
    }
    Ok(())
}

/// The campaign's live progress, read from what is kept.
pub async fn read(tx: &mut Tx, campaign: &Campaign) -> Result<Progress> {
    let mut rows: Vec<(String, String, i64, i64, i64, i64)> = Vec::new();
    bulk::scan(
        tx,
        "SELECT kind, key, contacts, doors_knocked, doors_spoken, supporters FROM progress_tallies WHERE campaign_id = $1",
        args![campaign.id],
        |row| {
            rows.push((row.text(0)?, row.text(1)?, row.int(2)?, row.int(3)?, row.int(4)?, row.int(5)?));
            Ok(())
        },
    )
    .await?;
    let tally = |r: &(String, String, i64, i64, i64, i64)| Tally {
        doors: 0,
        contacts: r.2.max(0) as u64,
        doors_knocked: r.3.max(0) as u64,
        doors_spoken: r.4.max(0) as u64,
        supporters: r.5.max(0) as u64,
    };
    let mut totals = Tally::default();
    let mut by_walk: HashMap<i64, Tally> = HashMap::new();
    let mut by_district: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_day: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
    for r in &rows {
        match r.0.as_str() {
            "all" => totals = tally(r),
            "walk" => {
                if let Ok(w) = r.1.parse() {
                    by_walk.insert(w, tally(r));
                }
            }
            "district" => {
                by_district.insert(r.1.clone(), tally(r));
            }
            "day" => {
                if let Ok(d) = NaiveDate::parse_from_str(&r.1, "%Y-%m-%d") {
                    by_day.insert(d, tally(r));
                }
            }
            _ => {}
        }
    }
    let walk_list = walks::list(tx, campaign, None).await?;
    let mut assigned = crate::canvassing::assignments(tx, campaign).await?;
    for w in &walk_list {
        by_district.entry(w.polling_district.clone()).or_default().doors += w.doors as u64;
        totals.doors += w.doors as u64;
    }
    let walks = walk_list
        .into_iter()
        .map(|w| {
            let mut tally = by_walk.remove(&w.id).unwrap_or_default();
            tally.doors = w.doors as u64;
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

/// The state of each contacted elector living at these households.
pub async fn elector_states(tx: &mut Tx, campaign: &Campaign, households: &[i64]) -> Result<HashMap<i64, ElectorState>> {
    let mut out = HashMap::new();
    for chunk in households.chunks(500) {
        let (list, a) = in_list(chunk.iter().copied(), args![campaign.id]);
        let rows: Vec<ElectorRow> = tx
            .fetch_all(&format!("SELECT {ELECTOR_COLUMNS} FROM progress_electors WHERE campaign_id = $1 AND household_id IN ({list})"), a)
            .await?;
        out.extend(rows.into_iter().map(|r| {
            let (e, k) = r.kept(&campaign.party);
            (e, k.state)
        }));
    }
    Ok(out)
}
