//! Phone banking within PECR: organisers make call lists from the canvass; a caller takes one
//! person at a time (or works through a batch handed to them), sees that person's number only
//! while they hold them (every showing audited), dials it from their own phone, and records what
//! the line did or what the person said. Numbers on the TPS or CTPS are called only with the
//! person's consent; someone who asks not to be called, or objected, is never called again.

use chrono::{DateTime, Duration, Utc};
use groundgame_core::access::Permission;
use groundgame_core::calling::{self as rules, CallFilter, Outcome, Screen};
use groundgame_core::survey::Contact;
use groundgame_store::calling::{self as store, CallList, CallMade, NewList, Standing};
use groundgame_store::canvassing::{self, Batch, Source};
use groundgame_store::db::time_text;
use serde::Serialize;
use std::collections::BTreeMap;

use crate::{Actor, App, Error, Result};

/// How long a caller holds the person they took before another caller may take them.
pub const HOLD: Duration = Duration::minutes(15);

/// A call list as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ListView {
    #[serde(flatten)]
    pub list: CallList,
    pub filter: CallFilter,
    pub in_words: String,
    pub standing: Standing,
}

/// A new call list's settings.
pub struct NewCallList<'a> {
    pub name: &'a str,
    pub filter: CallFilter,
    /// Conversations to aim for (0: everyone on it).
    pub goal: i64,
    pub cooldown_hours: i64,
}

/// Makes a call list from a filter over the canvass. Audited.
pub async fn create_list(app: &App, actor: Actor<'_>, new: NewCallList<'_>) -> Result<ListView> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::Invalid("give the call list a name of at most 100 characters".into()));
    }
    if !(0..=1_000_000).contains(&new.goal) {
        return Err(Error::Invalid("the goal is a number of conversations from 0 to 1,000,000".into()));
    }
    if !(1..=24 * 14).contains(&new.cooldown_hours) {
        return Err(Error::Invalid("wait from 1 hour to 14 days (336 hours) before calling someone again".into()));
    }
    let filter = new.filter.checked()?;
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    // A filter names what the campaign has: a typing slip would make an empty list in silence.
    let survey = groundgame_store::canvassing::survey(&mut tx, campaign).await?;
    let intentions: Vec<&str> = survey
        .questions
        .iter()
        .find(|q| q.key == groundgame_core::survey::VOTING_INTENTION)
        .map(|q| q.choices.iter().map(|c| c.code.as_str()).collect())
        .unwrap_or_default();
    if let Some(bad) = filter.intentions.iter().find(|i| !intentions.contains(&i.as_str())) {
        return Err(Error::Invalid(format!("'{bad}' is not a voting intention of the survey: choose from {}", intentions.join(", "))));
    }
    let districts = groundgame_store::campaigns::polling_districts(&mut tx, campaign).await?;
    if let Some(bad) = filter.districts.iter().find(|d| !districts.contains(d)) {
        return Err(Error::Invalid(format!("'{bad}' is not a polling district of the register")));
    }
    let list = NewList { name, filter: &filter, goal: new.goal, cooldown_hours: new.cooldown_hours, user_id: actor.user_id() };
    let (id, n) = store::create_list(&mut tx, campaign, &list, Utc::now()).await?;
    actor.audit(&mut tx, "call_list_created", &format!("{name}: {}", filter.in_words()), n as i64).await?;
    let list = store::list(&mut tx, campaign.id, id).await?.expect("just made");
    let view = view(&mut tx, campaign.id, list).await?;
    tx.commit().await?;
    Ok(view)
}

async fn view(tx: &mut groundgame_store::Tx, campaign_id: i64, list: CallList) -> Result<ListView> {
    let standing = store::standing(tx, campaign_id, list.id, &groundgame_store::db::now()).await?;
    let filter = list.filter();
    Ok(ListView { in_words: filter.in_words(), filter, standing, list })
}

/// The campaign's call lists with how each stands.
pub async fn lists(app: &App, actor: Actor<'_>) -> Result<Vec<ListView>> {
    let campaign_id = actor.campaign().id;
    let mut tx = app.store.begin().await?;
    let mut out = Vec::new();
    for list in store::lists(&mut tx, campaign_id).await? {
        out.push(view(&mut tx, campaign_id, list).await?);
    }
    tx.commit().await?;
    Ok(out)
}

async fn open_list(tx: &mut groundgame_store::Tx, campaign_id: i64, id: i64) -> Result<CallList> {
    match store::list(tx, campaign_id, id).await? {
        Some(l) if l.closed_at.is_none() => Ok(l),
        Some(_) => Err(Error::Conflict("that call list is closed".into())),
        None => Err(Error::NotFound(format!("there is no call list {id}"))),
    }
}

/// Closes a call list: no one takes anyone from it any more; its calls are kept.
pub async fn close_list(app: &App, actor: Actor<'_>, id: i64) -> Result<()> {
    let campaign_id = actor.campaign().id;
    let mut tx = app.store.begin_write().await?;
    let list = open_list(&mut tx, campaign_id, id).await?;
    tx.execute(
        "UPDATE call_lists SET closed_at = $1 WHERE campaign_id = $2 AND id = $3",
        groundgame_store::args![groundgame_store::db::now(), campaign_id, id],
    )
    .await?;
    actor.audit(&mut tx, "call_list_closed", &list.name, 0).await?;
    tx.commit().await?;
    Ok(())
}

/// The person a caller holds: enough to ask for them and to dial.
#[derive(Debug, Clone, Serialize)]
pub struct ToCall {
    pub list_id: i64,
    pub list_name: String,
    pub elector_id: i64,
    pub name: String,
    pub first_name: String,
    pub polling_district: String,
    /// The number, for this caller only while they hold the person.
    pub number: String,
    pub tel: String,
    pub held_until: String,
    /// Tries before this one.
    pub attempts: i64,
    pub last_outcome: Option<String>,
    /// What to say first.
    pub introduction: String,
}

fn caller(actor: Actor<'_>) -> Result<i64> {
    actor.user_id().ok_or_else(|| Error::forbidden("calls are made by a volunteer signed in"))
}

/// Gives the caller the next person on the list (the one they hold, if they hold one), or None
/// when no one is ready. The number is shown to them alone, and the showing is audited.
pub async fn next(app: &App, actor: Actor<'_>, list_id: i64, at: DateTime<Utc>) -> Result<Option<ToCall>> {
    show(app, actor, list_id, at, true).await
}

/// The person the caller holds on the list now, if any (taking no one new). Audited like [`next`].
pub async fn held(app: &App, actor: Actor<'_>, list_id: i64, at: DateTime<Utc>) -> Result<Option<ToCall>> {
    show(app, actor, list_id, at, false).await
}

async fn show(app: &App, actor: Actor<'_>, list_id: i64, at: DateTime<Utc>, take: bool) -> Result<Option<ToCall>> {
    let user_id = caller(actor)?;
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let list = open_list(&mut tx, campaign.id, list_id).await?;
    let now = time_text(at);
    let held = if take {
        store::take_next(&mut tx, campaign.id, list_id, user_id, &now, &time_text(at + HOLD)).await?
    } else {
        store::holding(&mut tx, campaign.id, list_id, user_id, &now).await?
    };
    let Some(held) = held else {
        tx.commit().await?;
        return Ok(None);
    };
    let e = store::person(&mut tx, campaign.id, held.elector_id)
        .await?
        .ok_or_else(|| Error::NotFound("that elector has left the register".into()))?;
    actor.audit(&mut tx, "call_number_shown", &format!("{} on {}", e.elector_number(), list.name), 1).await?;
    tx.commit().await?;
    let first_name = crate::texting::first_word(&e.forename);
    let caller_first = match actor {
        Actor::Member(m) => crate::texting::first_word(&m.user.name),
        Actor::CommandLine(_) => String::new(),
    };
    Ok(Some(ToCall {
        list_id,
        list_name: list.name,
        elector_id: held.elector_id,
        name: format!("{} {}", e.forename, e.surname).trim().to_owned(),
        introduction: rules::introduction(&first_name, &caller_first, &campaign.name),
        first_name,
        polling_district: e.polling_district,
        tel: rules::tel_link(&held.number),
        number: held.number,
        held_until: held.held_until,
        attempts: held.attempts,
        last_outcome: held.last_outcome,
    }))
}

/// What a caller records of a call.
#[derive(Debug, Clone, Default)]
pub struct CallRecord {
    pub outcome: Option<Outcome>,
    pub call_back_at: Option<DateTime<Utc>>,
    /// The survey's answers, when they talked.
    pub answers: BTreeMap<String, String>,
    pub note: String,
}

/// What came of recording a call.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub outcome: Outcome,
    /// Off the list (with why), or called again from this time.
    pub done: Option<&'static str>,
    pub call_again_at: Option<String>,
}

/// Records the call to the person the caller holds. A caller who no longer holds them (the hold
/// ran out, or the same form was sent twice) is told so and nothing is recorded twice.
pub async fn record(app: &App, actor: Actor<'_>, list_id: i64, elector_id: i64, call: CallRecord, at: DateTime<Utc>) -> Result<Recorded> {
    let user_id = caller(actor)?;
    let outcome = call.outcome.ok_or_else(|| Error::Invalid("say what came of the call".into()))?;
    if outcome != Outcome::Talked && !call.answers.is_empty() {
        return Err(Error::Invalid("answers are recorded only when they talked: choose \"Talked\"".into()));
    }
    if outcome == Outcome::Talked && call.answers.is_empty() {
        return Err(Error::Invalid("say what they said: answer at least one question of the survey".into()));
    }
    let campaign = actor.campaign();
    let now = time_text(at);
    let mut tx = app.store.begin_write().await?;
    let list = open_list(&mut tx, campaign.id, list_id).await?;
    let held =
        store::holding(&mut tx, campaign.id, list_id, user_id, &now).await?.filter(|h| h.elector_id == elector_id).ok_or_else(|| {
            Error::Conflict("you no longer hold this person (the hold ran out, or the call is already recorded): take the next one".into())
        })?;
    let next = rules::after(outcome, held.attempts + 1, Duration::hours(list.cooldown_hours), call.call_back_at, at)?;
    if outcome == Outcome::Talked {
        let e = store::person(&mut tx, campaign.id, elector_id)
            .await?
            .ok_or_else(|| Error::NotFound("that elector has left the register".into()))?;
        let household_id = e.household_id.ok_or_else(|| Error::Invalid("that elector has no household on the register".into()))?;
        let contacts = [Contact {
            id: uuid::Uuid::now_v7(),
            walk_id: None,
            household_id,
            elector_id: Some(elector_id),
            recorded_at: at,
            outcome: None,
            answers: call.answers,
            note: call.note.trim().to_owned(),
        }];
        let batch = Batch {
            contacts: &contacts,
            user_id: Some(user_id),
            scope: canvassing::Scope::Campaign,
            source: Source::Phone,
            clock_error: Duration::zero(),
        };
        let report = canvassing::record_contacts(&mut tx, campaign, batch).await?;
        if let Some(r) = report.rejected.first() {
            return Err(Error::Invalid(r.reason.clone()));
        }
    }
    let id = uuid::Uuid::now_v7().to_string();
    let call_back = call.call_back_at.filter(|_| outcome == Outcome::CallBack).map(time_text);
    let made = CallMade {
        id: &id,
        list_id,
        elector_id,
        user_id,
        number: &held.number,
        outcome,
        called_at: &now,
        call_back_at: call_back.as_deref(),
        next,
    };
    store::record_call(&mut tx, campaign.id, &made).await?;
    actor.audit(&mut tx, "call_made", &format!("{} on {}", outcome.code(), list.name), 1).await?;
    tx.commit().await?;
    Ok(match next {
        rules::Next::Done(why) => Recorded { outcome, done: Some(why), call_again_at: None },
        rules::Next::Again(t) => Recorded { outcome, done: None, call_again_at: Some(time_text(t)) },
    })
}

/// Lets go of the person the caller holds, for another caller.
pub async fn release(app: &App, actor: Actor<'_>, list_id: i64) -> Result<()> {
    let user_id = caller(actor)?;
    let mut tx = app.store.begin_write().await?;
    store::release(&mut tx, actor.campaign().id, list_id, user_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Hands a caller the next `count` people no one has, as a batch. Audited.
pub async fn assign_batch(app: &App, actor: Actor<'_>, list_id: i64, user_id: i64, count: i64) -> Result<u64> {
    if !(1..=1000).contains(&count) {
        return Err(Error::Invalid("a batch is from 1 to 1,000 people".into()));
    }
    let campaign_id = actor.campaign().id;
    let mut tx = app.store.begin_write().await?;
    let list = open_list(&mut tx, campaign_id, list_id).await?;
    let role = groundgame_store::accounts::role_in(&mut tx, campaign_id, user_id)
        .await?
        .ok_or_else(|| Error::NotFound("that person is not in this campaign".into()))?;
    if !groundgame_core::access::allows(role, Permission::MakeCalls) {
        return Err(Error::Invalid(format!("a {role} does not make calls")));
    }
    let (who, _) = groundgame_store::accounts::user_credentials(&mut tx, user_id).await?;
    let n = store::assign_batch(&mut tx, campaign_id, list_id, user_id, count).await?;
    actor.audit(&mut tx, "call_batch_assigned", &format!("{n} on {} to {}", list.name, who.email), n as i64).await?;
    tx.commit().await?;
    Ok(n)
}

/// Loads a TPS or CTPS file (the whole list: it replaces the one before), and takes everyone it
/// screens out off the open call lists. Returns how many numbers it has. Audited.
pub async fn upload_screening(app: &App, actor: Actor<'_>, list: Screen, file: &str) -> Result<u64> {
    if list == Screen::Asked {
        return Err(Error::Invalid("upload the TPS or the CTPS: the numbers people asked us not to call are kept by the calls".into()));
    }
    let numbers = rules::screened_numbers(file)?;
    let campaign_id = actor.campaign().id;
    let mut tx = app.store.begin_write().await?;
    let n = store::replace_screened(&mut tx, campaign_id, list, &numbers, &groundgame_store::db::now()).await?;
    store::rescreen(&mut tx, campaign_id).await?;
    actor.audit(&mut tx, "screening_uploaded", list.code(), n as i64).await?;
    tx.commit().await?;
    Ok(n)
}

pub async fn screened_counts(app: &App, actor: Actor<'_>) -> Result<Vec<(String, i64)>> {
    let mut tx = app.store.begin().await?;
    let counts = store::screened_counts(&mut tx, actor.campaign().id).await?;
    tx.commit().await?;
    Ok(counts)
}
