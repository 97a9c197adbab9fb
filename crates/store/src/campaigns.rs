use anyhow::Context;
use chrono::NaiveDate;
use groundgame_core::campaign::BallotId;
use groundgame_core::geography::{constituency, GssCode};
use serde::Serialize;

use crate::args;
use crate::db::{now, Tx};
use crate::error::{Error, Result};

/// A campaign: one election in one constituency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Campaign {
    #[serde(skip)]
    pub id: i64,
    pub ballot_id: String,
    pub gss: String,
    pub name: String,
    pub election_date: NaiveDate,
    pub register_version: i64,
    /// The party the campaign works for ('Lab'): its supporters are the ones counted.
    pub party: String,
    /// When the campaign was set up (RFC 3339): nothing was canvassed with groundgame before it.
    #[serde(skip)]
    pub created_at: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct CampaignRow {
    pub(crate) id: i64,
    pub(crate) ballot_id: String,
    pub(crate) gss: String,
    pub(crate) name: String,
    pub(crate) election_date: String,
    pub(crate) register_version: i64,
    pub(crate) party: String,
    pub(crate) created_at: String,
}

impl TryFrom<CampaignRow> for Campaign {
    type Error = Error;
    fn try_from(r: CampaignRow) -> Result<Self> {
        Ok(Campaign {
            election_date: NaiveDate::parse_from_str(&r.election_date, "%Y-%m-%d")
                .with_context(|| format!("Failed to read the election date of campaign {}", r.ballot_id))?,
            id: r.id,
            ballot_id: r.ballot_id,
            gss: r.gss,
            name: r.name,
            register_version: r.register_version,
            party: r.party,
            created_at: r.created_at,
        })
    }
}

const COLUMNS: &str = "id, ballot_id, gss, name, election_date, register_version, party, created_at";
/// The same columns of a campaign joined as `c`.
pub(crate) const COLUMNS_OF_C: &str = "c.id, c.ballot_id, c.gss, c.name, c.election_date, c.register_version, c.party, c.created_at";

/// Creates the campaign for a UK parliamentary election in a constituency of the bundled list.
#[tracing::instrument(skip(tx), err(level = "debug"))]
pub async fn create(tx: &mut Tx, gss: &GssCode, election_date: NaiveDate) -> Result<Campaign> {
    let seat = constituency(gss)
        .ok_or_else(|| Error::NotFound(format!("{gss} is not a constituency on the 2010-2019 boundaries (Derby North is E14000662)")))?;
    let ballot = BallotId::parliamentary(&seat.name, election_date);
    if find(tx, ballot.as_str()).await?.is_some() {
        return Err(Error::Conflict(format!("campaign {ballot} already exists")));
    }
    let row: CampaignRow = tx
        .fetch_one(
            &format!(
                "INSERT INTO campaigns (ballot_id, gss, name, election_date, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
            ),
            args![ballot.as_str(), gss.as_str(), seat.name.as_str(), election_date.format("%Y-%m-%d").to_string(), now()],
        )
        .await?;
    row.try_into()
}

/// Sets the party the campaign works for.
pub async fn set_party(tx: &mut Tx, campaign: &Campaign, party: &str) -> Result<()> {
    let party = party.trim();
    if party.is_empty() || party.len() > 20 {
        return Err(Error::Invalid(format!("'{party}' is not a party code (for example Lab, Con, LD, Green)")));
    }
    tx.execute("UPDATE campaigns SET party = $1 WHERE id = $2", args![party, campaign.id]).await?;
    // Who counts as a supporter has changed.
    let campaign = by_id(tx, campaign.id).await?;
    crate::progress::rebuild(tx, &campaign).await
}

/// The campaign with this id.
pub async fn by_id(tx: &mut Tx, id: i64) -> Result<Campaign> {
    let row: Option<CampaignRow> = tx.fetch_optional(&format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1"), args![id]).await?;
    row.map(Campaign::try_from).transpose()?.ok_or_else(|| Error::NotFound(format!("no campaign {id}")))
}

pub async fn find(tx: &mut Tx, ballot_id: &str) -> Result<Option<Campaign>> {
    let row: Option<CampaignRow> =
        tx.fetch_optional(&format!("SELECT {COLUMNS} FROM campaigns WHERE ballot_id = $1"), args![ballot_id]).await?;
    row.map(Campaign::try_from).transpose()
}

/// The campaign named by its ballot id, or an error that says how to create it.
pub async fn get(tx: &mut Tx, ballot_id: &str) -> Result<Campaign> {
    find(tx, ballot_id).await?.ok_or_else(|| {
        Error::NotFound(format!(
            "no campaign {ballot_id}: create it with `groundgame campaign create --constituency GSS --election-date YYYY-MM-DD`"
        ))
    })
}

pub async fn list(tx: &mut Tx) -> Result<Vec<Campaign>> {
    let rows: Vec<CampaignRow> = tx.fetch_all(&format!("SELECT {COLUMNS} FROM campaigns ORDER BY ballot_id"), vec![]).await?;
    rows.into_iter().map(Campaign::try_from).collect()
}

/// Polling district codes of the campaign's register.
pub async fn polling_districts(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<String>> {
    let rows: Vec<(String,)> =
        tx.fetch_all("SELECT code FROM polling_districts WHERE campaign_id = $1 ORDER BY code", args![campaign.id]).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Starts a new register version and returns its number.
pub(crate) async fn bump_version(tx: &mut Tx, campaign_id: i64) -> Result<i64> {
    let (v,): (i64,) = tx
        .fetch_one(
            "UPDATE campaigns SET register_version = register_version + 1 WHERE id = $1 RETURNING register_version",
            args![campaign_id],
        )
        .await?;
    Ok(v)
}

/// The campaign's next row id (sessions, their times, volunteers, sign-ups, ...): ids are never
/// reused within a campaign.
pub(crate) async fn next_row_id(tx: &mut Tx, campaign: &Campaign) -> Result<i64> {
    let (id,): (i64,) = tx
        .fetch_one("UPDATE campaigns SET next_row_id = next_row_id + 1 WHERE id = $1 RETURNING next_row_id - 1", args![campaign.id])
        .await?;
    Ok(id)
}
