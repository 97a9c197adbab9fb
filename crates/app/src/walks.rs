//! Walks: planning a polling district's doors into walks, and reading and exporting them.
//!
//! Planning reads the district in a read transaction, runs the planner on a thread of its own at
//! the lowest CPU priority, and only then takes a short turn to write, so that phones syncing
//! never wait behind the planner: neither for the database nor, on a machine with few cores, for
//! a CPU.

use groundgame_store::campaigns;
use groundgame_store::walks::{self, DoorRow, NewWalk, ReplanReport, Walk, WalkDoor, WalksAgainstRegister};
use groundgame_walks::export::{self, MapDoor};
use groundgame_walks::naming::{minutes, walk_streets};
use groundgame_walks::{plan, Door, Options};

use crate::{Actor, App, Error, Result};

/// How big walks are to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkSize {
    DoorsPerWalk(usize),
    Walks(usize),
}

/// What planning one polling district did.
#[derive(Debug, Clone)]
pub struct DistrictPlan {
    pub district: String,
    pub walks: Vec<Walk>,
    pub report: ReplanReport,
    /// Geocoded doors planned.
    pub doors: usize,
    /// Households left out because they have no location.
    pub unlocated: usize,
    /// Walking distance over the lower bound.
    pub ratio: f64,
}

/// The planner's part, pure: a district's doors cut into walks.
struct Planned {
    walks: Vec<NewWalk>,
    doors: usize,
    unlocated: usize,
    ratio: f64,
}

fn plan_doors(district: &str, rows: Vec<DoorRow>, size: WalkSize, seed: u64) -> Result<Planned> {
    // A household left with nobody on the register (everyone moved away) is no door to knock.
    let rows: Vec<_> = rows.into_iter().filter(|r| r.electors > 0).collect();
    let located: Vec<_> = rows.iter().filter(|r| r.lat.is_some() && r.lon.is_some()).collect();
    let unlocated = rows.len() - located.len();
    if located.is_empty() {
        return Err(Error::Invalid(format!("polling district {district} has no households placed on the map")));
    }
    let doors: Vec<Door> =
        located.iter().map(|r| Door { id: r.id.to_string(), lat: r.lat.unwrap_or_default(), lon: r.lon.unwrap_or_default() }).collect();
    let per_walk = match size {
        WalkSize::DoorsPerWalk(k) => k,
        WalkSize::Walks(0) => return Err(Error::Invalid("a district needs at least 1 walk".into())),
        WalkSize::Walks(w) => doors.len().div_ceil(w),
    };
    let mut options = Options::new(per_walk);
    options.seed = seed;
    let planned = plan(&doors, &options).map_err(|e| Error::Invalid(format!("polling district {district}: {e}")))?;
    let walks = planned
        .walks
        .iter()
        .map(|w| {
            let distance = groundgame_walks::doors::total_distance(&doors, std::slice::from_ref(w));
            NewWalk {
                doors: w.iter().map(|&i| located[i].id).collect(),
                electors: w.iter().map(|&i| located[i].electors).sum(),
                distance_m: distance,
                minutes: minutes(distance, w.len()),
                streets: walk_streets(w.iter().map(|&i| located[i].address.as_str())),
            }
        })
        .collect();
    Ok(Planned { walks, doors: doors.len(), unlocated, ratio: planned.ratio() })
}

/// Plans a polling district's households into walks and saves them, keeping the ids (and so the
/// assignments) of walks that most of their doors stay on.
pub async fn plan_district(app: &App, actor: Actor<'_>, district: &str, size: WalkSize, seed: u64) -> Result<DistrictPlan> {
    let campaign = actor.campaign();
    let district = district.trim().to_ascii_uppercase();
    let mut tx = app.store.begin().await?;
    let read_at = campaigns::by_id(&mut tx, campaign.id).await?;
    if !campaigns::polling_districts(&mut tx, &read_at).await?.contains(&district) {
        return Err(Error::NotFound(format!("there is no polling district {district} on the register")));
    }
    let rows = walks::district_doors(&mut tx, &read_at, &district).await?;
    tx.commit().await?;
    let name = district.clone();
    let planned = in_background(move || plan_doors(&name, rows, size, seed)).await??;
    let mut tx = app.store.begin_write().await?;
    let now = campaigns::by_id(&mut tx, campaign.id).await?;
    if now.register_version != read_at.register_version {
        return Err(Error::Conflict("the register changed while the walks were being planned: plan them again".into()));
    }
    let (walks, report) = walks::replace_district(&mut tx, &now, &district, planned.walks).await?;
    actor
        .audit(&mut tx, "walks_planned", &format!("{district}: {} walks ({} kept, {} new)", walks.len(), report.kept, report.new), 0)
        .await?;
    tx.commit().await?;
    Ok(DistrictPlan { district, walks, report, doors: planned.doors, unlocated: planned.unlocated, ratio: planned.ratio })
}

/// Runs slow work (the planner) on a thread of its own at the lowest CPU priority, so that
/// whatever else the server is doing (phones syncing above all) gets a core first.
async fn in_background<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("walk-planner".into())
        .spawn(move || {
            lowest_priority();
            let _ = done.send(work());
        })
        .map_err(anyhow::Error::new)?;
    // A panic in the work drops `done`.
    Ok(result.await.map_err(|_| anyhow::anyhow!("the walk planner stopped without a plan"))?)
}

/// Gives the calling thread the lowest CPU priority (nice 19). On Linux a thread's nice value is
/// its own; if it cannot be set, the work runs at the usual priority.
#[cfg(target_os = "linux")]
fn lowest_priority() {
    // SAFETY: setpriority and gettid only read their arguments and change this thread's nice value.
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19) };
}

#[cfg(not(target_os = "linux"))]
fn lowest_priority() {}

/// The campaign's polling districts.
pub async fn polling_districts(app: &App, actor: Actor<'_>) -> Result<Vec<String>> {
    let mut tx = app.store.begin().await?;
    let d = campaigns::polling_districts(&mut tx, actor.campaign()).await?;
    tx.commit().await?;
    Ok(d)
}

pub async fn list(app: &App, actor: Actor<'_>, district: Option<&str>) -> Result<Vec<Walk>> {
    let mut tx = app.store.begin().await?;
    let w = walks::list(&mut tx, actor.campaign(), district).await?;
    tx.commit().await?;
    Ok(w)
}

/// A walk and its doors in order (addresses, no electors).
pub async fn get(app: &App, actor: Actor<'_>, walk_id: i64) -> Result<(Walk, Vec<WalkDoor>)> {
    let mut tx = app.store.begin().await?;
    let w = walks::get(&mut tx, actor.campaign(), walk_id).await?;
    tx.commit().await?;
    Ok(w)
}

/// The doors of each walk of a district, for the district map.
pub async fn district_routes(app: &App, actor: Actor<'_>, walk_ids: &[i64]) -> Result<Vec<(Walk, Vec<WalkDoor>)>> {
    let mut tx = app.store.begin().await?;
    let mut out = Vec::with_capacity(walk_ids.len());
    for id in walk_ids {
        out.push(walks::get(&mut tx, actor.campaign(), *id).await?);
    }
    tx.commit().await?;
    Ok(out)
}

/// How the walks stand against the register as it is now.
pub async fn against_register(app: &App, actor: Actor<'_>) -> Result<WalksAgainstRegister> {
    let mut tx = app.store.begin().await?;
    let a = walks::against_register(&mut tx, actor.campaign()).await?;
    tx.commit().await?;
    Ok(a)
}

/// How a walk is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Geojson,
    Svg,
}

/// A walk as GeoJSON or an SVG map (addresses in walking order), audited.
pub async fn export(app: &App, actor: Actor<'_>, walk_id: i64, format: ExportFormat) -> Result<(Walk, String)> {
    let mut tx = app.store.begin_write().await?;
    let (walk, doors) = walks::get(&mut tx, actor.campaign(), walk_id).await?;
    let map: Vec<MapDoor> =
        doors.iter().filter_map(|d| Some(MapDoor { seq: d.seq as usize, address: d.address.clone(), lat: d.lat?, lon: d.lon? })).collect();
    let text = match format {
        ExportFormat::Geojson => export::geojson(&walk.name, &map),
        ExportFormat::Svg => export::svg(&walk.name, &map),
    };
    let how = match format {
        ExportFormat::Geojson => "GeoJSON",
        ExportFormat::Svg => "SVG",
    };
    actor.audit(&mut tx, "walk_export", &format!("{} as {how}", walk.name), doors.len() as i64).await?;
    tx.commit().await?;
    Ok((walk, text))
}
