//! Campaigns: one election in one constituency.

use chrono::NaiveDate;
use groundgame_core::access::Role;
use groundgame_core::geography::GssCode;
use groundgame_store::campaigns::{self, Campaign};
use groundgame_store::{accounts, audit};

use crate::accounts::{Client, Opened};
use crate::{App, Error, Member, Result};

/// Creates the campaign for a UK parliamentary election (from the command line).
pub async fn create(app: &App, gss: &GssCode, polling_day: NaiveDate, party: Option<&str>) -> Result<Campaign> {
    let mut tx = app.store.begin_write().await?;
    let campaign = campaigns::create(&mut tx, gss, polling_day).await?;
    if let Some(p) = party {
        campaigns::set_party(&mut tx, &campaign, p).await?;
    }
    audit::record(&mut tx, Some(campaign.id), None, "campaign_created", "on the command line", 0).await?;
    tx.commit().await?;
    Ok(campaign)
}

/// Creates the campaign if it does not exist yet (the demo), or returns the one there is.
pub async fn find_or_create(app: &App, gss: &GssCode, polling_day: NaiveDate) -> Result<Campaign> {
    let seat = groundgame_core::geography::constituency(gss).ok_or_else(|| Error::NotFound(format!("{gss} is not a constituency")))?;
    let ballot = groundgame_core::campaign::BallotId::parliamentary(&seat.name, polling_day);
    let mut tx = app.store.begin().await?;
    let found = campaigns::find(&mut tx, ballot.as_str()).await?;
    tx.commit().await?;
    match found {
        Some(c) => Ok(c),
        None => create(app, gss, polling_day, None).await,
    }
}

/// A member starts another campaign from the web app: they are its organiser, and their session
/// moves to it.
pub async fn start(app: &App, member: &Member, gss: &GssCode, polling_day: NaiveDate, party: &str, client: &Client) -> Result<Opened> {
    let mut tx = app.store.begin_write().await?;
    let campaign = campaigns::create(&mut tx, gss, polling_day).await?;
    campaigns::set_party(&mut tx, &campaign, party).await?;
    accounts::set_membership(&mut tx, campaign.id, member.user.id, Role::Organiser).await?;
    audit::record(&mut tx, Some(campaign.id), Some(member.user.id), "campaign_created", &format!("from {}", member.campaign.ballot_id), 0)
        .await?;
    tx.commit().await?;
    crate::accounts::switch_campaign(app, member, &campaign.ballot_id, client).await
}

/// The campaign named by its ballot id, or the only one when there is one and none is named.
pub async fn named(app: &App, name: Option<&str>) -> Result<Campaign> {
    let mut tx = app.store.begin().await?;
    let result = match name {
        Some(name) => campaigns::get(&mut tx, name).await.map_err(Error::from),
        None => {
            let all = campaigns::list(&mut tx).await?;
            match all.len() {
                1 => Ok(all.into_iter().next().expect("one")),
                0 => Err(Error::NotFound("no campaign yet: create one with `groundgame campaign create`".into())),
                _ => Err(Error::Invalid(format!(
                    "name the campaign with --campaign, one of: {}",
                    all.iter().map(|c| c.ballot_id.as_str()).collect::<Vec<_>>().join(", ")
                ))),
            }
        }
    };
    tx.commit().await?;
    result
}

/// Every campaign in the database.
pub async fn list(app: &App) -> Result<Vec<Campaign>> {
    let mut tx = app.store.begin().await?;
    let all = campaigns::list(&mut tx).await?;
    tx.commit().await?;
    Ok(all)
}

/// Sets the party a campaign works for (the command line and the demo).
pub async fn set_party(app: &App, campaign: &Campaign, party: &str) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    campaigns::set_party(&mut tx, campaign, party).await?;
    tx.commit().await?;
    Ok(())
}
