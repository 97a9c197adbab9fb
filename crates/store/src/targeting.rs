//! Imported election results and postcodes, and the state of each seat's campaign for targeting.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use groundgame_core::geography::{LatLon, Postcode};
use groundgame_core::results::{self, Boundaries, Election, Parsed, Party, SeatResult};
use groundgame_targeting::nearest::{CampaignProgress, UpcomingSession};

use crate::args;
use crate::bulk::{self, BulkRow};
use crate::campaigns;
use crate::db::{now, Arg, Tx};
use crate::error::{Error, Result};

struct ResultRow {
    year: i32,
    gss: String,
    name: String,
    region: String,
    nation: String,
    electorate: Option<u64>,
    party: &'static str,
    votes: u64,
}

impl BulkRow for ResultRow {
    const TABLE: &'static str = "election_results";
    const COLUMNS: &'static [&'static str] = &["year", "gss", "name", "region", "nation", "electorate", "party", "votes"];
    fn push_args(self, out: &mut Vec<Arg>) {
        out.extend(args![
            i64::from(self.year),
            self.gss,
            self.name,
            self.region,
            self.nation,
            self.electorate.map(|e| e as i64),
            self.party,
            self.votes as i64
        ]);
    }
}

/// Stores an election read from a results file, in place of any imported election of that year
/// (`replace`) or refusing if there is one.
pub async fn import_election(tx: &mut Tx, year: i32, date: NaiveDate, parsed: Parsed, source: &str, replace: bool) -> Result<()> {
    let existing: Option<(i64,)> =
        tx.fetch_optional("SELECT CAST(year AS BIGINT) FROM elections WHERE year = $1", args![i64::from(year)]).await?;
    if existing.is_some() {
        if !replace {
            return Err(Error::Conflict(format!("the {year} election is already imported: add --replace to import it again")));
        }
        tx.execute("DELETE FROM election_results WHERE year = $1", args![i64::from(year)]).await?;
        tx.execute("DELETE FROM elections WHERE year = $1", args![i64::from(year)]).await?;
    }
    let boundaries = match parsed.boundaries {
        Boundaries::Pcon2010 => "2010",
        Boundaries::Pcon2024 => "2024",
    };
    tx.execute(
        "INSERT INTO elections (year, election_date, boundaries, source, imported_at) VALUES ($1, $2, $3, $4, $5)",
        args![i64::from(year), date.format("%Y-%m-%d").to_string(), boundaries, source, now()],
    )
    .await?;
    let rows: Vec<ResultRow> = parsed
        .seats
        .into_iter()
        .flat_map(|s| {
            let seat = s.clone();
            s.votes.into_iter().map(move |(party, votes)| ResultRow {
                year,
                gss: seat.gss.clone(),
                name: seat.name.clone(),
                region: seat.region.clone(),
                nation: seat.nation.clone(),
                electorate: seat.electorate,
                party: party.code(),
                votes,
            })
        })
        .collect();
    bulk::insert(tx, None, rows).await
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    year: i64,
    election_date: String,
    boundaries: String,
    gss: String,
    name: String,
    region: String,
    nation: String,
    electorate: Option<i64>,
    party: String,
    votes: i64,
}

/// Every election: the bundled ones, with any imported election taking the place of a bundled one
/// of the same year. Oldest first.
pub async fn elections(tx: &mut Tx) -> Result<Vec<Election>> {
    let rows: Vec<StoredRow> = tx
        .fetch_all(
            "SELECT CAST(e.year AS BIGINT) AS year, e.election_date, e.boundaries, r.gss, r.name, r.region, r.nation, \
             CAST(r.electorate AS BIGINT) AS electorate, r.party, CAST(r.votes AS BIGINT) AS votes \
             FROM elections e JOIN election_results r ON r.year = e.year ORDER BY e.year, r.gss",
            vec![],
        )
        .await?;
    /// An imported election as read: its date, boundaries, and each seat's first row and votes.
    type Seats = BTreeMap<String, (StoredRow, BTreeMap<Party, u64>)>;
    let mut imported: BTreeMap<i64, (String, String, Seats)> = BTreeMap::new();
    for row in rows {
        let party = Party::parse(&row.party).ok_or_else(|| anyhow::anyhow!("unknown party '{}' stored for {}", row.party, row.gss))?;
        let election = imported.entry(row.year).or_insert_with(|| (row.election_date.clone(), row.boundaries.clone(), BTreeMap::new()));
        let votes = row.votes as u64;
        let seat = election.2.entry(row.gss.clone()).or_insert_with(|| (row, BTreeMap::new()));
        *seat.1.entry(party).or_default() += votes;
    }
    let mut all: Vec<Election> = results::bundled().iter().filter(|e| !imported.contains_key(&i64::from(e.year))).cloned().collect();
    for (year, (date, boundaries, seats)) in imported {
        all.push(Election {
            year: year as i32,
            date: NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|e| anyhow::anyhow!("stored date '{date}': {e}"))?,
            boundaries: if boundaries == "2024" { Boundaries::Pcon2024 } else { Boundaries::Pcon2010 },
            seats: seats
                .into_values()
                .map(|(r, votes)| SeatResult::new(r.gss, r.name, r.region, r.nation, r.electorate.map(|e| e as u64), votes))
                .collect(),
        });
    }
    all.sort_by_key(|e| e.date);
    Ok(all)
}

/// Which elections there are and where each came from.
pub async fn imported_years(tx: &mut Tx) -> Result<Vec<(i64, String, String)>> {
    tx.fetch_all("SELECT CAST(year AS BIGINT), source, imported_at FROM elections ORDER BY year", vec![]).await
}

struct PostcodeRow(String, f64, f64);

impl BulkRow for PostcodeRow {
    const TABLE: &'static str = "postcodes_import";
    const COLUMNS: &'static [&'static str] = &["postcode", "lat", "lon"];
    fn push_args(self, out: &mut Vec<Arg>) {
        out.extend(args![self.0, self.1, self.2]);
    }
}

/// Stores postcode centroids, replacing any earlier location of the same postcodes.
pub async fn import_postcodes(tx: &mut Tx, points: Vec<(Postcode, LatLon)>) -> Result<()> {
    let rows: Vec<Vec<Arg>> = points.iter().map(|(p, l)| args![p.as_str(), l.lat, l.lon]).collect();
    let upsert = "INSERT INTO postcodes (postcode, lat, lon) VALUES ($1, $2, $3) \
                  ON CONFLICT (postcode) DO UPDATE SET lat = excluded.lat, lon = excluded.lon";
    if bulk::sqlite_insert_each(tx, upsert, rows).await?.is_some() {
        return Ok(());
    }
    // PostgreSQL: COPY into a scratch table, then one upsert from it.
    tx.execute(
        "CREATE TEMPORARY TABLE IF NOT EXISTS postcodes_import (postcode TEXT, lat DOUBLE PRECISION, lon DOUBLE PRECISION) ON COMMIT DROP",
        vec![],
    )
    .await?;
    tx.execute("TRUNCATE postcodes_import", vec![]).await?;
    bulk::insert(tx, None, points.into_iter().map(|(p, l)| PostcodeRow(p.as_str().to_owned(), l.lat, l.lon)).collect()).await?;
    tx.execute(
        "INSERT INTO postcodes (postcode, lat, lon) SELECT DISTINCT ON (postcode) postcode, lat, lon FROM postcodes_import \
         ON CONFLICT (postcode) DO UPDATE SET lat = excluded.lat, lon = excluded.lon",
        vec![],
    )
    .await?;
    Ok(())
}

/// Where a postcode is: an imported centroid, else the bundled demo area's.
pub async fn locate_postcode(tx: &mut Tx, postcode: &Postcode) -> Result<LatLon> {
    let row: Option<(f64, f64)> = tx.fetch_optional("SELECT lat, lon FROM postcodes WHERE postcode = $1", args![postcode.as_str()]).await?;
    if let Some((lat, lon)) = row {
        return Ok(LatLon { lat, lon });
    }
    groundgame_core::postcodes::demo_area().get(postcode.as_str()).copied().ok_or_else(|| {
        Error::NotFound(format!(
            "{postcode} is not a known postcode: only the demo area around Derby is bundled; import ONSPD or Code-Point Open with \
             `groundgame postcodes import FILE`"
        ))
    })
}

/// A place given as a postcode or as a latitude and longitude, with how to name it. `None` when
/// neither is given.
pub async fn locate_place(tx: &mut Tx, postcode: Option<&str>, lat: Option<f64>, lon: Option<f64>) -> Result<Option<(LatLon, String)>> {
    match (postcode.map(str::trim).filter(|p| !p.is_empty()), lat, lon) {
        (Some(p), _, _) => {
            let postcode = Postcode::parse(p)?;
            Ok(Some((locate_postcode(tx, &postcode).await?, postcode.to_string())))
        }
        (None, Some(lat), Some(lon)) => Ok(Some((LatLon::new(lat, lon)?, format!("{lat:.4}, {lon:.4}")))),
        _ => Ok(None),
    }
}

/// How far each seat's campaign has got, for the campaigns in this database.
pub async fn campaign_progress(tx: &mut Tx) -> Result<HashMap<String, CampaignProgress>> {
    let mut out = HashMap::new();
    let elections = elections(tx).await?;
    // Canvassing sessions are set in the campaign's own (UK) time.
    let today = groundgame_core::time::uk_now().format("%Y-%m-%dT%H:%M").to_string();
    for campaign in campaigns::list(tx).await? {
        let stats = crate::register::stats(tx, &campaign).await?;
        let progress = crate::progress::read(tx, &campaign).await?;
        let win = groundgame_core::results::campaign_win_number(&elections, &campaign.gss, campaign.election_date, stats.totals.eligible);
        let (walks, assigned): (i64, i64) = tx
            .fetch_one(
                "SELECT CAST(COUNT(*) AS BIGINT), CAST(COUNT(a.walk_id) AS BIGINT) FROM walks w \
                 LEFT JOIN walk_assignments a ON a.campaign_id = w.campaign_id AND a.walk_id = w.id AND a.user_id IS NOT NULL \
                 WHERE w.campaign_id = $1",
                args![campaign.id],
            )
            .await?;
        let sessions = crate::volunteers::sessions(tx, &campaign)
            .await?
            .into_iter()
            .filter(|s| s.starts_at.as_str() >= today.as_str() && s.cancelled_at.is_none())
            .map(|s| UpcomingSession { id: s.id, name: s.name, starts_at: s.starts_at, meeting_point: s.meeting_point })
            .collect();
        let ratio = |a: f64, b: f64| if b > 0.0 { (a / b).min(1.0) } else { 0.0 };
        out.insert(
            campaign.gss.clone(),
            CampaignProgress {
                campaign: campaign.ballot_id.clone(),
                supporters_found: ratio(progress.totals.supporters as f64, win.map_or(0.0, |w| w.win_number as f64)),
                volunteers: ratio(assigned as f64, walks as f64),
                sessions,
            },
        );
    }
    Ok(out)
}

/// One election by year, from [`elections`]; an error lists the years there are.
pub fn election_of(elections: &[Election], year: i32) -> Result<&Election> {
    elections.iter().find(|e| e.year == year).ok_or_else(|| {
        let years: Vec<String> = elections.iter().map(|e| e.year.to_string()).collect();
        Error::NotFound(format!("no {year} election: there are {} (import others with `groundgame results import`)", years.join(", ")))
    })
}

/// The election before `election` on the same boundaries, if there is one.
pub fn election_before<'a>(elections: &'a [Election], election: &Election) -> Option<&'a Election> {
    elections.iter().rev().find(|e| e.date < election.date && e.boundaries == election.boundaries)
}
