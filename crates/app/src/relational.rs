//! Relational organising: a supporter lists friends and family in the seat, picks each one's
//! register entry from suggestions that show only first name, surname initial and street, and
//! records the conversation they had with the campaign's survey (a contact whose source is
//! 'relational'). Nothing else of the register reaches the supporter: never turnout, intention
//! or anything another canvasser recorded. Organisers see a friend only once a conversation is
//! recorded, and a report by the supporter's and the friend's age bands.

use std::collections::BTreeMap;

use chrono::Utc;
use groundgame_core::relational::{name_parts, shown_name, AgeBand};
use groundgame_core::survey::{Contact, Survey};
use groundgame_store::campaigns::Campaign;
use groundgame_store::canvassing::{self, Batch, Scope, Source};
use groundgame_store::db::time_text;
use groundgame_store::volunteers::{self as store, Candidate, Conversation, Field, Friend, Volunteer};
use groundgame_store::Tx;
use serde::Serialize;

use crate::volunteers::by_link;
use crate::{Actor, App, Error, Result};

/// The most friends one supporter may list (each shows a few register entries, masked).
pub const MAX_FRIENDS: usize = 50;
/// Register entries suggested for one friend.
const SUGGESTIONS: i64 = 5;

/// A register entry offered as a friend's: its id and how the supporter sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub elector_id: i64,
    pub shown: String,
}

/// A friend on the supporter's page.
#[derive(Debug, Clone, Serialize)]
pub struct FriendView {
    pub id: i64,
    pub name: String,
    pub age_band: Option<&'static str>,
    /// The register entry chosen, as the supporter sees it.
    pub matched: Option<String>,
    pub talked_at: Option<String>,
    /// Until one is chosen: the register entries it may be.
    pub suggestions: Vec<Suggestion>,
}

/// "Jane S., Alder Cres": all a supporter sees of a register entry.
fn shown(c: &Candidate) -> String {
    let street = groundgame_walks::naming::street_of(&c.address.replace('\n', ", "));
    match street {
        Some(s) => format!("{}, {s}", shown_name(&c.forename, &c.surname)),
        None => shown_name(&c.forename, &c.surname),
    }
}

async fn suggestions(tx: &mut Tx, campaign: &Campaign, f: &Friend) -> Result<Vec<Candidate>> {
    let Some((first, last)) = name_parts(&f.name) else { return Ok(Vec::new()) };
    Ok(store::register_matches(tx, campaign, &first, &last, SUGGESTIONS).await?)
}

/// A supporter's friends for their page.
pub(crate) async fn friends(tx: &mut Tx, campaign: &Campaign, v: &Volunteer) -> Result<Vec<FriendView>> {
    let mut out = Vec::new();
    for f in store::friends_of(tx, campaign, v.id).await? {
        let (matched, suggested) = match f.elector_id {
            Some(e) => (store::candidate(tx, campaign, e).await?.map(|c| shown(&c)), Vec::new()),
            None => (None, suggestions(tx, campaign, &f).await?),
        };
        out.push(FriendView {
            id: f.id,
            name: f.name.clone(),
            age_band: f.age_band.as_deref().and_then(AgeBand::parse).map(AgeBand::label),
            matched,
            talked_at: f.talked_at.clone(),
            suggestions: suggested.iter().map(|c| Suggestion { elector_id: c.elector_id, shown: shown(c) }).collect(),
        });
    }
    Ok(out)
}

fn band(s: &str) -> Option<&'static str> {
    AgeBand::parse(s).map(AgeBand::as_str)
}

/// Lists a friend or relative: their name (first name and surname) and a guess at their age.
pub async fn add_friend(app: &App, secret: &str, name: &str, age_band: &str) -> Result<()> {
    let name = name.trim();
    match name_parts(name) {
        Some((first, last)) if first.chars().count() >= 2 && last.chars().count() >= 2 => {}
        _ => return Err(Error::Invalid("give your friend's first name and surname in full, as they would be on the register".into())),
    }
    if name.chars().count() > 100 {
        return Err(Error::Invalid("the name is longer than 100 characters".into()));
    }
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    if v.email_confirmed_at.is_none() {
        return Err(Error::Invalid("confirm your sign-up first (the link in our email)".into()));
    }
    if store::friends_of(&mut tx, &campaign, v.id).await?.len() >= MAX_FRIENDS {
        return Err(Error::Invalid(format!("you have listed {MAX_FRIENDS} people: thank you! Talk to those first")));
    }
    let id = store::add_friend(&mut tx, &campaign, v.id, name, band(age_band), &time_text(Utc::now())).await?;
    // The register entries suggested are a read of the register: audited, with how many.
    let friend =
        Friend { id, volunteer_id: v.id, name: name.to_owned(), age_band: None, elector_id: None, contact_id: None, talked_at: None };
    let shown = suggestions(&mut tx, &campaign, &friend).await?.len();
    groundgame_store::audit::record(
        &mut tx,
        Some(campaign.id),
        None,
        "friend_matches_shown",
        &format!("volunteer {}: {shown} register entries suggested (first name, initial, street)", v.id),
        shown as i64,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn own_friend(tx: &mut Tx, campaign: &Campaign, v: &Volunteer, id: i64) -> Result<Friend> {
    store::friends_of(tx, campaign, v.id)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or_else(|| Error::NotFound("there is no such friend on your list".into()))
}

/// Chooses which suggested register entry is the friend (only one that was suggested), or none.
pub async fn choose(app: &App, secret: &str, friend_id: i64, elector_id: Option<i64>) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let f = own_friend(&mut tx, &campaign, &v, friend_id).await?;
    if f.talked_at.is_some() {
        return Err(Error::Conflict("you have recorded your conversation with them already".into()));
    }
    if let Some(e) = elector_id {
        if !suggestions(&mut tx, &campaign, &f).await?.iter().any(|c| c.elector_id == e) {
            return Err(Error::Invalid("choose one of the people suggested".into()));
        }
    }
    store::set_friend_elector(&mut tx, &campaign, friend_id, elector_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Records the conversation with a friend whose register entry is chosen, with the campaign's
/// survey: a contact like a doorstep one, whose source is 'relational'.
pub async fn talk(app: &App, secret: &str, friend_id: i64, answers: BTreeMap<String, String>, note: &str) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let f = own_friend(&mut tx, &campaign, &v, friend_id).await?;
    if f.talked_at.is_some() {
        return Err(Error::Conflict("you have recorded your conversation with them already".into()));
    }
    let elector = match f.elector_id {
        Some(e) => store::candidate(&mut tx, &campaign, e).await?,
        None => None,
    };
    let Some(Candidate { elector_id, household_id: Some(household_id), .. }) = elector else {
        return Err(Error::Invalid("first choose who they are on the register".into()));
    };
    let answers: BTreeMap<String, String> = answers.into_iter().filter(|(_, a)| !a.trim().is_empty()).collect();
    if answers.is_empty() {
        return Err(Error::Invalid("choose at least one answer: what did they say?".into()));
    }
    let contact = Contact {
        id: uuid::Uuid::new_v4(),
        walk_id: None,
        household_id,
        elector_id: Some(elector_id),
        recorded_at: Utc::now(),
        outcome: None,
        answers,
        note: note.trim().to_owned(),
    };
    let batch = Batch {
        contacts: std::slice::from_ref(&contact),
        user_id: v.user_id,
        scope: Scope::Campaign,
        source: Source::Relational,
        clock_error: chrono::Duration::zero(),
    };
    let report = canvassing::record_contacts(&mut tx, &campaign, batch).await?;
    if let Some(r) = report.rejected.first() {
        return Err(Error::Invalid(r.reason.clone()));
    }
    store::friend_talked(&mut tx, &campaign, friend_id, &contact.id.to_string(), &time_text(Utc::now())).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a friend off the list (a conversation recorded stays: it is the campaign's canvass).
pub async fn remove(app: &App, secret: &str, friend_id: i64) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    own_friend(&mut tx, &campaign, &v, friend_id).await?;
    store::remove_friend(&mut tx, &campaign, friend_id).await?;
    tx.commit().await?;
    Ok(())
}

/// The supporter's own age band (for the report), kept in their history like every change.
pub async fn set_age_band(app: &App, secret: &str, age_band: &str) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let value = band(age_band).unwrap_or("");
    store::change(&mut tx, &campaign, &v, Field::AgeBand, value, None, "own page", &time_text(Utc::now())).await?;
    tx.commit().await?;
    Ok(())
}

/// The campaign's survey, for recording a conversation.
pub(crate) async fn survey(tx: &mut Tx, campaign: &Campaign) -> Result<Survey> {
    Ok(canvassing::survey(tx, campaign).await?)
}

/// What organisers see: each recorded conversation, and friends listed and talked to by the
/// supporter's and the friend's age bands.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub conversations: Vec<Conversation>,
    /// (supporter's band, friend's band, listed, talked to); None is "not said".
    pub bands: Vec<(Option<&'static str>, Option<&'static str>, i64, i64)>,
}

pub async fn report(app: &App, actor: Actor<'_>) -> Result<Report> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let conversations = store::conversations(&mut tx, campaign).await?;
    let bands = store::age_band_report(&mut tx, campaign)
        .await?
        .into_iter()
        .map(|(a, b, listed, talked)| {
            let label = |s: Option<String>| s.as_deref().and_then(AgeBand::parse).map(AgeBand::label);
            (label(a), label(b), listed, talked)
        })
        .collect();
    actor.audit(&mut tx, "relational_report_read", &format!("{} conversations", conversations.len()), conversations.len() as i64).await?;
    tx.commit().await?;
    Ok(Report { conversations, bands })
}
