//! Targeting: elections (bundled, or imported in their place), target and defence lists, the
//! nearest marginal seats to a place, and each campaign's progress as the ranking sees it.

use std::collections::HashMap;
use std::time::Instant;

use chrono::NaiveDate;
use groundgame_core::geography::{LatLon, Postcode};
use groundgame_core::results::parse::Parsed;
use groundgame_core::results::{Boundaries, Election, Party};
use groundgame_store::campaigns::Campaign;
use groundgame_store::targeting::{self, election_of};
use groundgame_targeting::marginality::{self, Filter, Standing};
use groundgame_targeting::nearest::{self, CampaignProgress, Nearby, Reach};
use groundgame_targeting::party_in;

use crate::{App, Error, Result};

/// Campaign progress by the seat's GSS code.
pub type CampaignProgressMap = HashMap<String, CampaignProgress>;

/// Every campaign's progress, kept for a while: the public nearest-marginal page must not cost a
/// register scan per visitor.
#[derive(Default)]
pub struct ProgressCache {
    kept: tokio::sync::Mutex<Option<(Instant, CampaignProgressMap)>>,
}

/// Every campaign's progress, at most [`crate::Limits::progress_fresh_for`] old.
pub async fn campaign_progress(app: &App) -> Result<CampaignProgressMap> {
    let mut kept = app.progress.kept.lock().await;
    if let Some((_, map)) = kept.as_ref().filter(|(at, _)| at.elapsed() < app.limits.progress_fresh_for) {
        return Ok(map.clone());
    }
    let mut tx = app.store.begin().await?;
    let map = targeting::campaign_progress(&mut tx).await?;
    tx.commit().await?;
    *kept = Some((Instant::now(), map.clone()));
    Ok(map)
}

/// Every general election: the bundled ones, with imported ones in their place.
pub async fn elections(app: &App) -> Result<Vec<Election>> {
    let mut tx = app.store.begin().await?;
    let e = targeting::elections(&mut tx).await?;
    tx.commit().await?;
    Ok(e)
}

/// The imported elections: (year, source, imported at).
pub async fn imported_years(app: &App) -> Result<Vec<(i64, String, String)>> {
    let mut tx = app.store.begin().await?;
    let y = targeting::imported_years(&mut tx).await?;
    tx.commit().await?;
    Ok(y)
}

/// Imports an election's results, in place of a bundled one of its year only with `replace`.
pub async fn import_election(app: &App, year: i32, date: NaiveDate, parsed: Parsed, source: &str, replace: bool) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    targeting::import_election(&mut tx, year, date, parsed, source, replace).await?;
    tx.commit().await?;
    Ok(())
}

/// Imports postcode centroids for the whole country.
pub async fn import_postcodes(app: &App, points: Vec<(Postcode, LatLon)>) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    targeting::import_postcodes(&mut tx, points).await?;
    tx.commit().await?;
    Ok(())
}

/// Where a postcode is (imported postcodes first, then the bundled demo area).
pub async fn locate_postcode(app: &App, postcode: &Postcode) -> Result<LatLon> {
    let mut tx = app.store.begin().await?;
    let at = targeting::locate_postcode(&mut tx, postcode).await?;
    tx.commit().await?;
    Ok(at)
}

/// A place from a postcode or a latitude and longitude, with how to name it; None when neither is
/// given.
pub async fn locate_place(app: &App, postcode: Option<&str>, lat: Option<f64>, lon: Option<f64>) -> Result<Option<(LatLon, String)>> {
    let mut tx = app.store.begin().await?;
    let at = targeting::locate_place(&mut tx, postcode, lat, lon).await?;
    tx.commit().await?;
    Ok(at)
}

/// What a target or defence list is asked for. Left out: the campaign's party and the last
/// election before its polling day.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ListQuery {
    pub party: Option<String>,
    pub election: Option<i32>,
    pub region: Option<String>,
    pub limit: Option<usize>,
    /// The seats to win (the default) or to hold.
    pub list: Option<ListKind>,
}

/// Which seats a list holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    /// Seats the party does not hold, closest first.
    #[default]
    Targets,
    /// Seats the party holds, most marginal first.
    Defence,
}

/// How the nearest seats are ordered.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NearestOrder {
    /// Where help counts most, weighing the margin against the distance.
    #[default]
    Need,
    /// The closest first.
    Distance,
}

/// A list worked out: the election, the party, and the seats.
pub struct SeatList {
    pub election: Election,
    pub party: Party,
    pub defence: bool,
    pub region: Option<String>,
    pub seats: Vec<Standing>,
}

fn blank(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A target or defence list for a campaign's members.
pub async fn seat_list(app: &App, campaign: &Campaign, q: &ListQuery) -> Result<SeatList> {
    let elections = elections(app).await?;
    let year = match q.election {
        Some(y) => y,
        None => elections.iter().rev().find(|e| e.date < campaign.election_date).or(elections.last()).map_or(2019, |e| e.year),
    };
    let election = election_of(&elections, year)?.clone();
    let party_name = blank(&q.party).unwrap_or_else(|| campaign.party.clone());
    let party = party_in(&election, &party_name)?;
    // One box for both: a nation's name filters by nation, anything else by region.
    let (region, nation) = match blank(&q.region) {
        Some(r) if election.seats.iter().any(|s| s.nation.eq_ignore_ascii_case(&r)) => (None, Some(r)),
        r => (r, None),
    };
    let filter = Filter { region: region.clone(), nation: nation.clone() };
    filter.check(&election)?;
    let defence = q.list == Some(ListKind::Defence);
    let mut seats =
        if defence { marginality::defences(&election, party, &filter) } else { marginality::targets(&election, party, &filter) };
    seats.truncate(q.limit.unwrap_or(100).clamp(1, 650));
    Ok(SeatList { election, party, defence, region: region.or(nation), seats })
}

/// What the nearest-marginal page is asked.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct NearestQuery {
    pub postcode: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub party: Option<String>,
    pub election: Option<i32>,
    pub within: Option<f64>,
    pub by: Option<NearestOrder>,
}

pub struct NearestAnswer {
    pub place: String,
    pub party: Party,
    pub year: i32,
    pub seats: Vec<Nearby>,
}

/// The marginal seats near a postcode or a point, for anyone (signed in or not). `None` when no
/// place is given yet. An unknown postcode is said in the visitor's words.
pub async fn nearest_seats(app: &App, q: &NearestQuery) -> Result<Option<NearestAnswer>> {
    let from = match locate_place(app, q.postcode.as_deref(), q.lat, q.lon).await {
        Ok(Some(from)) => from,
        Ok(None) => return Ok(None),
        Err(Error::NotFound(_)) => {
            return Err(Error::NotFound(format!(
                "we do not know where {} is yet: check it, or try the postcode of somewhere near you",
                q.postcode.as_deref().unwrap_or("that postcode").trim()
            )))
        }
        Err(e) => return Err(e),
    };
    let elections = elections(app).await?;
    let progress = campaign_progress(app).await?;
    let default_year = elections.iter().rev().find(|e| e.boundaries == Boundaries::Pcon2010).map_or(2019, |e| e.year);
    let election = election_of(&elections, q.election.unwrap_or(default_year))?;
    let party = party_in(election, blank(&q.party).as_deref().unwrap_or("Lab"))?;
    let reach = Reach { within_km: q.within.unwrap_or(50.0).clamp(1.0, 500.0), ..Reach::default() };
    let mut seats = nearest::nearest(election, party, from.0, &reach, &progress)?;
    if q.by == Some(NearestOrder::Distance) {
        seats.sort_by(|a, b| a.distance_km.total_cmp(&b.distance_km));
    }
    seats.truncate(25);
    Ok(Some(NearestAnswer { place: from.1, party, year: election.year, seats }))
}

/// One seat for a campaign's members: its result at every general election held on its
/// boundaries, where the campaign's party stood each time, and the seat's own groundgame
/// campaign's progress if there is one here.
#[derive(Debug, Clone)]
pub struct SeatView {
    pub gss: String,
    pub name: String,
    pub region: String,
    pub party: Party,
    /// (year, the result, where the party stood).
    pub results: Vec<(i32, groundgame_core::results::SeatResult, Option<Standing>)>,
    pub campaign: Option<CampaignProgress>,
}

pub async fn seat(app: &App, campaign: &Campaign, gss: &str) -> Result<SeatView> {
    let elections = elections(app).await?;
    let mut results = Vec::new();
    let mut party = Party::Other;
    for e in &elections {
        let Some(r) = e.seat(gss) else { continue };
        let p = party_in(e, &campaign.party).unwrap_or(Party::Other);
        party = p;
        results.push((e.year, r.clone(), marginality::standing(r, p)));
    }
    let Some((_, last, _)) = results.last() else { return Err(Error::NotFound(format!("there is no seat {gss} in the results"))) };
    let (name, region) = (last.name.clone(), last.region.clone());
    let progress = campaign_progress(app).await?;
    Ok(SeatView { gss: gss.to_owned(), name, region, party, results, campaign: progress.get(gss).cloned() })
}
