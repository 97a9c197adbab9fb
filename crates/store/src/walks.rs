//! Saved walks: a polling district's doors cut into walks, with stable ids across re-planning.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::args;
use crate::campaigns::Campaign;
use crate::canvassing::Scope;
use crate::db::{in_list, Arg, Tx};
use crate::error::{Error, Result};

/// A household as a door to plan: where it is, who lives there.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DoorRow {
    pub id: i64,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub electors: i64,
}

/// The households of a polling district with the number of electors at each.
pub async fn district_doors(tx: &mut Tx, campaign: &Campaign, district: &str) -> Result<Vec<DoorRow>> {
    let mut rows: Vec<DoorRow> = tx
        .fetch_all(
            "SELECT id, address, lat, lon, CAST(0 AS BIGINT) AS electors FROM households \
             WHERE campaign_id = $1 AND polling_district = $2 ORDER BY id",
            args![campaign.id, district],
        )
        .await?;
    let counts: Vec<(i64, i64)> = tx
        .fetch_all(
            "SELECT household_id, CAST(COUNT(*) AS BIGINT) FROM electors WHERE campaign_id = $1 AND polling_district = $2 \
             AND household_id IS NOT NULL GROUP BY household_id",
            args![campaign.id, district],
        )
        .await?;
    let counts: HashMap<i64, i64> = counts.into_iter().collect();
    for r in &mut rows {
        r.electors = counts.get(&r.id).copied().unwrap_or(0);
    }
    Ok(rows)
}

/// A walk as planned, before it is saved.
#[derive(Debug, Clone)]
pub struct NewWalk {
    /// Households in walking order.
    pub doors: Vec<i64>,
    pub electors: i64,
    pub distance_m: f64,
    pub minutes: i64,
    /// The streets the walk is named after.
    pub streets: String,
}

/// A saved walk.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Walk {
    pub id: i64,
    pub polling_district: String,
    pub number: i64,
    pub name: String,
    pub doors: i64,
    pub electors: i64,
    pub distance_m: f64,
    pub minutes: i64,
    pub register_version: i64,
}

/// What re-planning a district did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReplanReport {
    pub walks: usize,
    /// Walks that kept their id (most of their doors unchanged).
    pub kept: usize,
    pub new: usize,
    pub removed: usize,
}

/// A new walk keeps an old walk's id (and number) when they share at least this share of their
/// doors (of the larger of the two).
const KEEP_OVERLAP: f64 = 0.5;

/// Replaces the walks of a polling district with newly planned ones, in the caller's transaction.
/// A new walk that shares most of its doors with an old one keeps that walk's id and number.
pub async fn replace_district(
    tx: &mut Tx,
    campaign: &Campaign,
    district: &str,
    planned: Vec<NewWalk>,
) -> Result<(Vec<Walk>, ReplanReport)> {
    let old: Vec<(i64, i64)> =
        tx.fetch_all("SELECT id, number FROM walks WHERE campaign_id = $1 AND polling_district = $2", args![campaign.id, district]).await?;
    let mut door_walk: HashMap<i64, i64> = HashMap::new();
    let mut old_size: HashMap<i64, usize> = HashMap::new();
    for chunk in old.chunks(400) {
        let (list, a) = in_list(chunk.iter().map(|(id, _)| *id), args![campaign.id]);
        let sql = format!("SELECT walk_id, household_id FROM walk_doors WHERE campaign_id = $1 AND walk_id IN ({list})");
        crate::bulk::scan(tx, &sql, a, |row| {
            let walk = row.int(0)?;
            door_walk.insert(row.int(1)?, walk);
            *old_size.entry(walk).or_default() += 1;
            Ok(())
        })
        .await?;
    }
    let old_number: HashMap<i64, i64> = old.iter().copied().collect();

    // Match each new walk to the old walk it overlaps most, best overlaps first.
    let mut candidates: Vec<(f64, usize, i64)> = Vec::new();
    for (i, w) in planned.iter().enumerate() {
        let mut overlap: HashMap<i64, usize> = HashMap::new();
        for d in &w.doors {
            if let Some(o) = door_walk.get(d) {
                *overlap.entry(*o).or_default() += 1;
            }
        }
        for (o, shared) in overlap {
            let share = shared as f64 / w.doors.len().max(old_size[&o]) as f64;
            if share >= KEEP_OVERLAP {
                candidates.push((share, i, o));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut kept: HashMap<usize, i64> = HashMap::new();
    let mut taken: HashSet<i64> = HashSet::new();
    for (_, i, o) in candidates {
        if !kept.contains_key(&i) && !taken.contains(&o) {
            kept.insert(i, o);
            taken.insert(o);
        }
    }

    tx.execute(
        "DELETE FROM walk_doors WHERE campaign_id = $1 AND walk_id IN (SELECT id FROM walks WHERE campaign_id = $1 AND polling_district = $2)",
        args![campaign.id, district],
    )
    .await?;
    tx.execute("DELETE FROM walks WHERE campaign_id = $1 AND polling_district = $2", args![campaign.id, district]).await?;

    let used_numbers: HashSet<i64> = kept.values().map(|o| old_number[o]).collect();
    let mut next_number = 1;
    let (mut next_id,): (i64,) = tx.fetch_one("SELECT next_row_id FROM campaigns WHERE id = $1", args![campaign.id]).await?;
    let mut saved = Vec::with_capacity(planned.len());
    let mut doors = Vec::with_capacity(planned.iter().map(|w| w.doors.len()).sum());
    let mut report = ReplanReport { walks: planned.len(), kept: kept.len(), ..Default::default() };
    report.removed = old.len() - kept.len();
    for (i, w) in planned.into_iter().enumerate() {
        let (id, number) = match kept.get(&i) {
            Some(o) => (*o, old_number[o]),
            None => {
                while used_numbers.contains(&next_number) || saved.iter().any(|s: &Walk| s.number == next_number) {
                    next_number += 1;
                }
                next_id += 1;
                report.new += 1;
                (next_id - 1, next_number)
            }
        };
        let walk = Walk {
            id,
            polling_district: district.to_owned(),
            number,
            name: if w.streets.is_empty() {
                format!("{district} Walk {number}")
            } else {
                format!("{district} Walk {number}: {}", w.streets)
            },
            doors: w.doors.len() as i64,
            electors: w.electors,
            distance_m: w.distance_m,
            minutes: w.minutes,
            register_version: campaign.register_version,
        };
        doors.extend(w.doors.iter().enumerate().map(|(k, &household_id)| NewWalkDoor {
            walk_id: walk.id,
            seq: k as i64 + 1,
            household_id,
        }));
        saved.push(walk);
    }
    let walk_of: HashMap<i64, i64> = doors.iter().map(|d| (d.household_id, d.walk_id)).collect();
    crate::bulk::insert(tx, Some(campaign.id), saved.clone()).await?;
    crate::bulk::insert(tx, Some(campaign.id), doors).await?;
    tx.execute("UPDATE campaigns SET next_row_id = $1 WHERE id = $2", args![next_id, campaign.id]).await?;
    // A door that left the walk it was handed out on is no longer its volunteer's.
    let old_ids: Vec<i64> = old.iter().map(|o| o.0).collect();
    crate::canvassing::end_moved_handouts(tx, campaign, &old_ids, &walk_of).await?;
    // Doors are on other walks now: the district's walks' counts follow them.
    let walk_ids: Vec<i64> = old_ids.iter().chain(saved.iter().map(|w| &w.id)).copied().collect();
    crate::progress::rebuild_walks(tx, campaign, &walk_ids, &walk_of).await?;
    saved.sort_by_key(|w| w.number);
    Ok((saved, report))
}

/// A door of a walk, in walking order.
struct NewWalkDoor {
    walk_id: i64,
    seq: i64,
    household_id: i64,
}

impl crate::bulk::BulkRow for Walk {
    const TABLE: &'static str = "walks";
    const COLUMNS: &'static [&'static str] =
        &["campaign_id", "id", "polling_district", "number", "name", "doors", "electors", "distance_m", "minutes", "register_version"];

    fn push_args(self, out: &mut Vec<Arg>) {
        out.extend([
            Arg::Int(Some(self.id)),
            Arg::Text(Some(self.polling_district)),
            Arg::Int(Some(self.number)),
            Arg::Text(Some(self.name)),
            Arg::Int(Some(self.doors)),
            Arg::Int(Some(self.electors)),
            Arg::Real(Some(self.distance_m)),
            Arg::Int(Some(self.minutes)),
            Arg::Int(Some(self.register_version)),
        ]);
    }
}

impl crate::bulk::BulkRow for NewWalkDoor {
    const TABLE: &'static str = "walk_doors";
    const COLUMNS: &'static [&'static str] = &["campaign_id", "walk_id", "seq", "household_id"];

    fn push_args(self, out: &mut Vec<Arg>) {
        out.extend([Arg::Int(Some(self.walk_id)), Arg::Int(Some(self.seq)), Arg::Int(Some(self.household_id))]);
    }
}

const WALK_COLUMNS: &str = "id, polling_district, number, name, doors, electors, distance_m, minutes, register_version";

/// The campaign's walks (or a district's), in order. Read in bulk: the live progress reads them
/// all on every refresh of every dashboard.
pub async fn list(tx: &mut Tx, campaign: &Campaign, district: Option<&str>) -> Result<Vec<Walk>> {
    let (sql, a) = match district {
        Some(d) => (
            format!("SELECT {WALK_COLUMNS} FROM walks WHERE campaign_id = $1 AND polling_district = $2 ORDER BY polling_district, number"),
            args![campaign.id, d],
        ),
        None => (format!("SELECT {WALK_COLUMNS} FROM walks WHERE campaign_id = $1 ORDER BY polling_district, number"), args![campaign.id]),
    };
    let mut walks = Vec::new();
    crate::bulk::scan(tx, &sql, a, |row| {
        walks.push(Walk {
            id: row.int(0)?,
            polling_district: row.text(1)?,
            number: row.int(2)?,
            name: row.text(3)?,
            doors: row.int(4)?,
            electors: row.int(5)?,
            distance_m: row.real(6)?,
            minutes: row.int(7)?,
            register_version: row.int(8)?,
        });
        Ok(())
    })
    .await?;
    Ok(walks)
}

/// One door of a walk, for maps and sheets.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct WalkDoor {
    pub seq: i64,
    pub household_id: i64,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// A walk and its doors in order.
pub async fn get(tx: &mut Tx, campaign: &Campaign, walk_id: i64) -> Result<(Walk, Vec<WalkDoor>)> {
    get_in_scope(tx, campaign, walk_id, &Scope::Campaign).await
}

/// A walk and its doors, if the scope reaches it: for a canvasser, only a walk assigned to them
/// (decided in the query, so no caller can forget to ask).
pub async fn get_in_scope(tx: &mut Tx, campaign: &Campaign, walk_id: i64, scope: &Scope) -> Result<(Walk, Vec<WalkDoor>)> {
    let found: Option<Walk> = match scope {
        Scope::Campaign => {
            tx.fetch_optional(&format!("SELECT {WALK_COLUMNS} FROM walks WHERE campaign_id = $1 AND id = $2"), args![campaign.id, walk_id])
                .await?
        }
        Scope::AssignedTo(user) => {
            tx.fetch_optional(
                &format!(
                    "SELECT {WALK_COLUMNS} FROM walks w WHERE w.campaign_id = $1 AND w.id = $2 AND EXISTS \
                     (SELECT 1 FROM walk_assignments a WHERE a.campaign_id = w.campaign_id AND a.walk_id = w.id AND a.user_id = $3)"
                ),
                args![campaign.id, walk_id, *user],
            )
            .await?
        }
    };
    let walk = found.ok_or_else(|| match scope {
        Scope::Campaign => Error::NotFound(format!("no walk {walk_id} in {}", campaign.ballot_id)),
        Scope::AssignedTo(_) => Error::NotFound(format!("walk {walk_id} is not assigned to you")),
    })?;
    let doors: Vec<WalkDoor> = tx
        .fetch_all(
            "SELECT d.seq, d.household_id, h.address, h.lat, h.lon FROM walk_doors d \
             JOIN households h ON h.campaign_id = d.campaign_id AND h.id = d.household_id \
             WHERE d.campaign_id = $1 AND d.walk_id = $2 ORDER BY d.seq",
            args![campaign.id, walk_id],
        )
        .await?;
    Ok((walk, doors))
}

/// How the walks stand against the register as it is now (a new register may have taken doors
/// off them, or brought households no walk has).
#[derive(Debug, Clone, Default, Serialize)]
pub struct WalksAgainstRegister {
    /// Walk id -> its doors where someone still lives.
    pub doors_now: HashMap<i64, i64>,
    /// Polling district -> households with electors on no walk.
    pub not_on_a_walk: std::collections::BTreeMap<String, i64>,
}

pub async fn against_register(tx: &mut Tx, campaign: &Campaign) -> Result<WalksAgainstRegister> {
    let lived_in: Vec<(i64,)> = tx
        .fetch_all("SELECT DISTINCT household_id FROM electors WHERE campaign_id = $1 AND household_id IS NOT NULL", args![campaign.id])
        .await?;
    let lived_in: HashSet<i64> = lived_in.into_iter().map(|r| r.0).collect();
    let doors: Vec<(i64, i64)> =
        tx.fetch_all("SELECT walk_id, household_id FROM walk_doors WHERE campaign_id = $1", args![campaign.id]).await?;
    let mut out = WalksAgainstRegister::default();
    let mut walked = HashSet::new();
    for (walk, household) in doors {
        walked.insert(household);
        *out.doors_now.entry(walk).or_default() += i64::from(lived_in.contains(&household));
    }
    let households: Vec<(i64, String)> =
        tx.fetch_all("SELECT id, polling_district FROM households WHERE campaign_id = $1", args![campaign.id]).await?;
    for (id, district) in households {
        if lived_in.contains(&id) && !walked.contains(&id) {
            *out.not_on_a_walk.entry(district).or_default() += 1;
        }
    }
    Ok(out)
}

/// A walk no one holds, with where its doors are on average.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct FreeWalk {
    pub id: i64,
    pub name: String,
    pub doors: i64,
    pub lat: f64,
    pub lon: f64,
}

/// Every walk not given to anyone, with the middle of its doors: those handed out at a meeting
/// point are the nearest of these.
pub async fn unassigned(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<FreeWalk>> {
    tx.fetch_all(
        "SELECT w.id, w.name, CAST(w.doors AS BIGINT) AS doors, AVG(h.lat) AS lat, AVG(h.lon) AS lon FROM walks w \
         JOIN walk_doors d ON d.campaign_id = w.campaign_id AND d.walk_id = w.id \
         JOIN households h ON h.campaign_id = d.campaign_id AND h.id = d.household_id \
         WHERE w.campaign_id = $1 AND h.lat IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM walk_assignments a WHERE a.campaign_id = w.campaign_id AND a.walk_id = w.id AND a.user_id IS NOT NULL) \
         GROUP BY w.id, w.name, w.doors",
        args![campaign.id],
    )
    .await
}
