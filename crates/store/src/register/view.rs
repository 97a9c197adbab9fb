use std::collections::BTreeMap;

use chrono::NaiveDate;
use groundgame_core::elector::ElectorNumber;
use groundgame_core::franchise::{eligibility, marker, ElectionKind, Eligibility, Markers};
use groundgame_core::register::absent::AbsentVote;
use serde::Serialize;

use crate::args;
use crate::campaigns::Campaign;
use crate::db::Tx;
use crate::error::{Error, Result};

/// Counts for one polling district, or for the whole register.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DistrictStats {
    pub electors: u64,
    pub households: u64,
    /// May vote at this campaign's election on its polling day.
    pub eligible: u64,
    /// On the register with a date of birth (16 and 17 year olds).
    pub attainers: u64,
    /// Postal and proxy postal voters.
    pub postal_voters: u64,
    pub proxy_voters: u64,
    pub anonymous: u64,
    /// With a marker groundgame does not know (eligibility unknown).
    pub unknown_markers: u64,
    pub households_not_geocoded: u64,
}

/// The register at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterStats {
    pub campaign: String,
    pub election_date: NaiveDate,
    pub register_version: i64,
    #[serde(flatten)]
    pub totals: DistrictStats,
    pub polling_districts: BTreeMap<String, DistrictStats>,
}

/// Electors alike in everything that decides the counts.
#[derive(sqlx::FromRow)]
struct ElectorGroup {
    polling_district: String,
    markers: String,
    date_of_birth: Option<String>,
    absent_vote: Option<String>,
    electors: i64,
}

/// Statistics of the campaign's register, eligibility decided by the franchise table for the
/// campaign's polling day.
#[tracing::instrument(skip_all, fields(campaign = %campaign.ballot_id), err(level = "debug"))]
pub async fn stats(tx: &mut Tx, campaign: &Campaign) -> Result<RegisterStats> {
    let groups: Vec<ElectorGroup> = tx
        .fetch_all(
            "SELECT polling_district, markers, date_of_birth, absent_vote, CAST(COUNT(*) AS BIGINT) AS electors FROM electors \
             WHERE campaign_id = $1 GROUP BY polling_district, markers, date_of_birth, absent_vote",
            args![campaign.id],
        )
        .await?;
    let households: Vec<(String, i64, i64)> = tx
        .fetch_all(
            "SELECT polling_district, CAST(COUNT(*) AS BIGINT), CAST(SUM(CASE WHEN lat IS NULL THEN 1 ELSE 0 END) AS BIGINT) \
             FROM households WHERE campaign_id = $1 GROUP BY polling_district",
            args![campaign.id],
        )
        .await?;
    let codes: Vec<(String,)> = tx.fetch_all("SELECT code FROM polling_districts WHERE campaign_id = $1", args![campaign.id]).await?;
    let mut districts: BTreeMap<String, DistrictStats> = codes.into_iter().map(|(c,)| (c, DistrictStats::default())).collect();
    for ElectorGroup { polling_district: pd, markers, date_of_birth: dob, absent_vote: absent, electors: n } in groups {
        let n = n as u64;
        let markers = Markers::parse(&markers).unwrap_or_default();
        let dob = dob.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let d = districts.entry(pd).or_default();
        d.electors += n;
        match eligibility(&markers, dob, ElectionKind::UkParliamentary, campaign.election_date) {
            Eligibility::Eligible => d.eligible += n,
            Eligibility::UnknownMarker(_) => d.unknown_markers += n,
            _ => {}
        }
        if dob.is_some() {
            d.attainers += n;
        }
        if markers.is_anonymous() {
            d.anonymous += n;
        }
        match absent.as_deref().and_then(AbsentVote::from_db) {
            Some(a) if a.is_postal() => d.postal_voters += n,
            Some(AbsentVote::Proxy) => d.proxy_voters += n,
            _ => {}
        }
    }
    for (pd, n, not_geocoded) in households {
        let d = districts.entry(pd).or_default();
        d.households += n as u64;
        d.households_not_geocoded += not_geocoded as u64;
    }
    let mut totals = DistrictStats::default();
    for d in districts.values() {
        totals.electors += d.electors;
        totals.households += d.households;
        totals.eligible += d.eligible;
        totals.attainers += d.attainers;
        totals.postal_voters += d.postal_voters;
        totals.proxy_voters += d.proxy_voters;
        totals.anonymous += d.anonymous;
        totals.unknown_markers += d.unknown_markers;
        totals.households_not_geocoded += d.households_not_geocoded;
    }
    Ok(RegisterStats {
        campaign: campaign.ballot_id.clone(),
        election_date: campaign.election_date,
        register_version: campaign.register_version,
        totals,
        polling_districts: districts,
    })
}

/// One elector as the register shows them. An anonymous elector shows the number only.
#[derive(Debug, Clone, Serialize)]
pub struct ElectorView {
    pub elector_number: String,
    pub id: i64,
    pub anonymous: bool,
    pub title: Option<String>,
    pub forename: Option<String>,
    pub middle_names: Option<String>,
    pub surname: Option<String>,
    pub address: Vec<String>,
    pub postcode: Option<String>,
    pub uprn: Option<String>,
    pub markers: Vec<MarkerView>,
    pub date_of_birth: Option<NaiveDate>,
    pub eligible: bool,
    pub eligibility: String,
    pub absent_vote: Option<String>,
    pub household_id: Option<i64>,
    /// When and how they objected to being contacted, if they did: off every list.
    pub objected: Option<String>,
    pub household_electors: u64,
    pub location: Option<(f64, f64)>,
    pub first_version: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MarkerView {
    pub marker: char,
    pub meaning: String,
}

#[derive(sqlx::FromRow)]
struct ElectorRow {
    id: i64,
    title: String,
    forename: String,
    middle_names: String,
    surname: String,
    address: String,
    postcode: Option<String>,
    uprn: Option<String>,
    markers: String,
    date_of_birth: Option<String>,
    household_id: Option<i64>,
    absent_vote: Option<String>,
    first_version: i64,
}

/// Looks an elector up by number (`NA1-124/1`).
pub async fn show_elector(tx: &mut Tx, campaign: &Campaign, number: &str) -> Result<ElectorView> {
    let number = ElectorNumber::parse(number)?;
    let row: ElectorRow = tx
        .fetch_optional(
            "SELECT id, title, forename, middle_names, surname, address, postcode, uprn, markers, date_of_birth, household_id, absent_vote, first_version \
             FROM electors WHERE campaign_id = $1 AND polling_district = $2 AND elector_number = $3 AND elector_suffix = $4",
            args![campaign.id, number.district.as_str(), i64::from(number.number), i64::from(number.suffix)],
        )
        .await?
        .ok_or_else(|| Error::NotFound(format!("{number} is not on the register of {}", campaign.ballot_id)))?;
    let markers = Markers::parse(&row.markers).unwrap_or_default();
    let dob = row.date_of_birth.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let decision = eligibility(&markers, dob, ElectionKind::UkParliamentary, campaign.election_date);
    let (household_electors, location) = match row.household_id {
        Some(h) => {
            let (n,): (i64,) = tx
                .fetch_one(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM electors WHERE campaign_id = $1 AND household_id = $2",
                    args![campaign.id, h],
                )
                .await?;
            let point: Option<(Option<f64>, Option<f64>)> =
                tx.fetch_optional("SELECT lat, lon FROM households WHERE campaign_id = $1 AND id = $2", args![campaign.id, h]).await?;
            (n as u64, point.and_then(|(la, lo)| Some((la?, lo?))))
        }
        None => (0, None),
    };
    let objection: Option<(String, String)> = tx
        .fetch_optional("SELECT recorded_at, how FROM objections WHERE campaign_id = $1 AND elector_id = $2", args![campaign.id, row.id])
        .await?;
    let anonymous = markers.is_anonymous();
    let keep = |s: String| (!anonymous && !s.is_empty()).then_some(s);
    Ok(ElectorView {
        elector_number: number.to_string(),
        id: row.id,
        anonymous,
        title: keep(row.title),
        forename: keep(row.forename),
        middle_names: keep(row.middle_names),
        surname: keep(row.surname),
        address: if anonymous { Vec::new() } else { row.address.lines().map(str::to_owned).collect() },
        postcode: row.postcode.filter(|_| !anonymous),
        uprn: row.uprn.filter(|_| !anonymous),
        markers: markers
            .letters()
            .map(|c| MarkerView {
                marker: c,
                meaning: marker(c).map_or("unknown marker (kept as on the register)".into(), |m| m.meaning.to_owned()),
            })
            .collect(),
        date_of_birth: dob,
        eligible: decision.may_vote(),
        eligibility: match decision {
            Eligibility::Eligible => format!("may vote on {}", campaign.election_date),
            Eligibility::NotEntitled(m) => {
                format!("may not vote at a UK Parliamentary election (marker {m})")
            }
            Eligibility::TooYoung => format!("attainer: not 18 by {}", campaign.election_date),
            Eligibility::UnknownMarker(m) => format!("unknown: marker {m} is not known"),
        },
        absent_vote: row.absent_vote.as_deref().and_then(AbsentVote::from_db).map(|a| a.to_string()),
        household_id: row.household_id.filter(|_| !anonymous),
        objected: objection.map(|(at, how)| if how.is_empty() { at } else { format!("{at} ({how})") }),
        household_electors: if anonymous { 0 } else { household_electors },
        location: location.filter(|_| !anonymous),
        first_version: row.first_version,
    })
}

/// The register written out as CSV, and how many electors it holds.
pub struct RegisterCsv {
    pub text: String,
    pub rows: usize,
}

#[derive(sqlx::FromRow)]
struct ExportRow {
    polling_district: String,
    elector_number: i64,
    elector_suffix: i64,
    title: String,
    forename: String,
    middle_names: String,
    surname: String,
    address: String,
    postcode: Option<String>,
    markers: String,
    date_of_birth: Option<String>,
    absent_vote: Option<String>,
}

/// The current register as CSV in elector number order (anonymous electors as their number only),
/// without the electors who objected to being contacted. Callers audit it: it is the whole register.
pub async fn export_csv(tx: &mut Tx, campaign: &Campaign) -> Result<RegisterCsv> {
    let rows: Vec<ExportRow> = tx
        .fetch_all(
            &format!(
                "SELECT polling_district, elector_number, elector_suffix, title, forename, middle_names, surname, address, postcode, markers, \
                 date_of_birth, absent_vote FROM electors e WHERE campaign_id = $1 AND {} ORDER BY polling_district, elector_number, elector_suffix",
                crate::privacy::CONTACTABLE
            ),
            args![campaign.id],
        )
        .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "Elector Number",
        "Title",
        "Forename",
        "Middle Names",
        "Surname",
        "Address",
        "Postcode",
        "Markers",
        "Date of Birth",
        "Absent Vote",
    ];
    let write = |w: &mut csv::Writer<Vec<u8>>, r: &ExportRow| -> csv::Result<()> {
        let number = groundgame_core::elector::format_number(&r.polling_district, r.elector_number, r.elector_suffix);
        let address = r.address.replace('\n', ", ");
        let cells = [
            number.as_str(),
            &r.title,
            &r.forename,
            &r.middle_names,
            &r.surname,
            &address,
            r.postcode.as_deref().unwrap_or(""),
            &r.markers,
            r.date_of_birth.as_deref().unwrap_or(""),
            r.absent_vote.as_deref().unwrap_or(""),
        ];
        // Opened in a spreadsheet: no name or address may run as a formula there.
        w.write_record(cells.iter().map(|c| groundgame_core::csv_cell::safe(c)).collect::<Vec<_>>().iter().map(|c| c.as_bytes()))
    };
    w.write_record(header).map_err(anyhow::Error::new)?;
    for r in &rows {
        write(&mut w, r).map_err(anyhow::Error::new)?;
    }
    let text = String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?).map_err(anyhow::Error::new)?;
    Ok(RegisterCsv { text, rows: rows.len() })
}

/// Places households that have no location yet at their postcode's centroid, from the postcodes
/// imported with `groundgame postcodes import`. How many were placed.
pub async fn geocode_from_postcodes(tx: &mut Tx, campaign: &Campaign) -> Result<u64> {
    tx.execute(
        "UPDATE households SET lat = (SELECT p.lat FROM postcodes p WHERE p.postcode = households.postcode), \
         lon = (SELECT p.lon FROM postcodes p WHERE p.postcode = households.postcode) \
         WHERE campaign_id = $1 AND lat IS NULL AND postcode IN (SELECT postcode FROM postcodes)",
        args![campaign.id],
    )
    .await
}
