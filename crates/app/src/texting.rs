//! Peer-to-peer texting within PECR: a texter sends each text with one tap, only to a number
//! whose person agreed to texts, never to a number that opted out or a person who objected, and
//! never outside 09:00-21:00 UK time; replies land in the texter's thread, and a STOP (in any of
//! its forms) opts the number out of the campaign at once. Texts wait in the outbox (the `texts`
//! still `waiting`) until the sender hands them to the provider; only a text the provider reports
//! delivered counts as contact.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use groundgame_core::contact_details::Phone;
use groundgame_core::texting::{self as rules, Delivery, Field, Template};
use groundgame_store::campaigns::Campaign;
use groundgame_store::db::time_text;
use groundgame_store::texting::{self as store, Consent, LastSent, NewText, Text, TextTemplate, With};
use groundgame_store::volunteers as volunteer_store;
use serde::Serialize;

use crate::sms::{Provider, SendError};
use crate::{Actor, App, Error, Result};

/// Who a text goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    Elector(i64),
    Volunteer(i64),
}

impl Recipient {
    fn with(self) -> With {
        match self {
            Recipient::Elector(id) => With::Elector(id),
            Recipient::Volunteer(id) => With::Volunteer(id),
        }
    }
}

/// The words PECR asks a number's consent to be recorded against when a canvasser takes it.
pub const DOORSTEP_WORDING: &str = "Can we text you about the campaign? You can reply STOP at any time.";

/// Records an elector's phone number taken on the doorstep or from a matched list, with whether
/// they agreed to texts and to calls (a number on the TPS is called only with the second). Audited.
pub async fn add_elector_phone(
    app: &App,
    actor: Actor<'_>,
    elector_number: &str,
    phone: &str,
    consent: bool,
    calls: bool,
    how: &str,
) -> Result<()> {
    let phone = Phone::parse(phone)?;
    let how = how.trim();
    let mut tx = app.store.begin_write().await?;
    let e = groundgame_store::register::show_elector(&mut tx, actor.campaign(), elector_number).await?;
    let now = groundgame_store::db::now();
    let source = if how.is_empty() { "doorstep" } else { how };
    let consent = Consent { given: consent, at: &now, how: source, wording: DOORSTEP_WORDING };
    store::add_elector_phone(&mut tx, actor.campaign().id, e.id, phone.e164(), source, &consent, actor.user_id()).await?;
    groundgame_store::calling::set_call_consent(&mut tx, actor.campaign().id, e.id, phone.e164(), calls).await?;
    actor.audit(&mut tx, "elector_phone_added", &e.elector_number, 1).await?;
    tx.commit().await?;
    Ok(())
}

/// The consent a matched list carries: what the people on it agreed to, when and how (a data
/// officer's upload is not a doorstep, and PECR asks for the consent as it was given).
#[derive(Debug, Clone)]
pub struct ListConsent<'a> {
    pub wording: &'a str,
    pub given_on: chrono::NaiveDate,
    pub how: &'a str,
}

/// What a matched list came to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MatchedReport {
    pub numbers: usize,
    pub electors: usize,
    pub agreed_to_texts: usize,
    pub agreed_to_calls: usize,
}

/// Loads a matched list (elector number, phone, and whether they agreed to texts and to calls)
/// with the consent it carries. A line that is wrong, or an elector not on the register, refuses
/// the whole file with its line number, and nothing is kept. People left off open call lists for
/// having no number come back onto them. Audited.
pub async fn add_matched_list(app: &App, actor: Actor<'_>, file: &str, consent: &ListConsent<'_>) -> Result<MatchedReport> {
    let list = groundgame_core::calling::matched_list(file)?;
    let (wording, how) = (consent.wording.trim(), consent.how.trim());
    let agreed = list.iter().any(|m| m.sms || m.calls);
    if agreed && (wording.is_empty() || wording.chars().count() > 1000) {
        return Err(Error::Invalid("give the words the people on the list agreed to (at most 1,000 characters)".into()));
    }
    if agreed && (how.is_empty() || how.chars().count() > 200) {
        return Err(Error::Invalid("say how their consent was given (at most 200 characters), such as \"online sign-up form\"".into()));
    }
    if consent.given_on > groundgame_core::time::uk_local(Utc::now()).date() {
        return Err(Error::Invalid("the consent's date is in the future".into()));
    }
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let ids = store::elector_ids(&mut tx, campaign.id).await?;
    let mut phones = Vec::with_capacity(list.len());
    for m in &list {
        let n = groundgame_core::elector::ElectorNumber::parse(&m.elector_number)
            .map_err(|e| Error::Invalid(format!("line {}: {e}", m.line)))?;
        let id = ids
            .get(&(n.district.as_str().to_owned(), i64::from(n.number), i64::from(n.suffix)))
            .ok_or_else(|| Error::Invalid(format!("line {}: {n} is not on the register: nothing of the file is kept", m.line)))?;
        phones.push(store::MatchedPhone { elector_id: *id, number: &m.phone, sms: m.sms, calls: m.calls });
    }
    let at = time_text(groundgame_core::time::uk_instant(consent.given_on.and_hms_opt(0, 0, 0).expect("midnight")));
    let c = Consent { given: true, at: &at, how, wording };
    store::add_matched_list(&mut tx, campaign.id, &phones, &c, &groundgame_store::db::now(), actor.user_id()).await?;
    groundgame_store::calling::numbered_again(&mut tx, campaign.id).await?;
    groundgame_store::calling::rescreen(&mut tx, campaign.id).await?;
    let mut electors: Vec<i64> = phones.iter().map(|p| p.elector_id).collect();
    electors.sort_unstable();
    electors.dedup();
    let report = MatchedReport {
        numbers: phones.len(),
        electors: electors.len(),
        agreed_to_texts: list.iter().filter(|m| m.sms).count(),
        agreed_to_calls: list.iter().filter(|m| m.calls).count(),
    };
    actor
        .audit(
            &mut tx,
            "matched_list_uploaded",
            &format!("{} numbers of {} electors", report.numbers, report.electors),
            report.numbers as i64,
        )
        .await?;
    tx.commit().await?;
    Ok(report)
}

/// A template for texters. Only organisers write them.
pub async fn add_template(app: &App, actor: Actor<'_>, name: &str, body: &str) -> Result<TextTemplate> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::Invalid("give the template a name of at most 100 characters".into()));
    }
    let template = Template::parse(body)?;
    let mut tx = app.store.begin_write().await?;
    let now = groundgame_store::db::now();
    let id = store::add_template(&mut tx, actor.campaign().id, name, template.as_str(), &now).await?;
    actor.audit(&mut tx, "text_template_added", name, 1).await?;
    let t = store::template(&mut tx, actor.campaign().id, id).await?.expect("just added");
    tx.commit().await?;
    Ok(t)
}

pub async fn templates(app: &App, actor: Actor<'_>) -> Result<Vec<TextTemplate>> {
    let mut tx = app.store.begin().await?;
    let list = store::templates(&mut tx, actor.campaign().id).await?;
    tx.commit().await?;
    Ok(list)
}

pub async fn withdraw_template(app: &App, actor: Actor<'_>, id: i64) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    if !store::withdraw_template(&mut tx, actor.campaign().id, id, &groundgame_store::db::now()).await? {
        return Err(Error::NotFound(format!("there is no template {id} in use")));
    }
    actor.audit(&mut tx, "text_template_withdrawn", &id.to_string(), 1).await?;
    tx.commit().await?;
    Ok(())
}

/// A text as its texter sees it: the words and where it stands, never the number.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    pub id: String,
    pub status: String,
    pub body: String,
    /// Said when there is no provider: the text waits in the outbox.
    pub note: Option<String>,
}

/// Sends a template's text to one person, at one tap: 409 (Conflict) with the reason when it may
/// not go. A second tap within a minute on the same text is the same text, not another.
pub async fn send(app: &App, actor: Actor<'_>, to: Recipient, template_id: i64, at: DateTime<Utc>) -> Result<Sent> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let template = store::template(&mut tx, campaign.id, template_id)
        .await?
        .filter(|t| t.withdrawn_at.is_none())
        .ok_or_else(|| Error::NotFound(format!("there is no template {template_id} in use")))?;
    let template = Template::parse(&template.body)?;
    let now = time_text(at);
    let (number, first_name, session, station) = match to {
        Recipient::Elector(id) => {
            let e = store::elector(&mut tx, campaign.id, id).await?.ok_or_else(|| Error::NotFound(format!("there is no elector {id}")))?;
            if e.objected.is_some() {
                return Err(Error::Conflict("they objected to being contacted: no text, call or knock goes to them".into()));
            }
            let consented: Vec<String> = store::elector_phones(&mut tx, campaign.id, id)
                .await?
                .into_iter()
                .filter(|p| p.sms_consent == 1)
                .map(|p| p.number)
                .collect();
            if consented.is_empty() {
                return Err(Error::Conflict("no consent: they have not agreed to texts on any number we hold".into()));
            }
            // The first number they agreed to that has not opted out (the opt-out check below
            // refuses when every one has).
            let mut number = consented[0].clone();
            for n in &consented {
                if !store::is_opted_out(&mut tx, campaign.id, n).await? {
                    number = n.clone();
                    break;
                }
            }
            (number, e.forename.map(|f| first_word(&f)), None, e.polling_station)
        }
        Recipient::Volunteer(_) if !actor.may(groundgame_core::access::Permission::ManageVolunteers) => {
            return Err(Error::forbidden("texting volunteers is for those who manage volunteers"));
        }
        Recipient::Volunteer(id) => {
            let v =
                store::volunteer(&mut tx, campaign.id, id).await?.ok_or_else(|| Error::NotFound(format!("there is no volunteer {id}")))?;
            if v.unsubscribed_at.is_some() {
                return Err(Error::Conflict("they unsubscribed: nothing is sent to them".into()));
            }
            let number = v.phone.clone().ok_or_else(|| Error::Conflict("no number: they gave no phone number".into()))?;
            let consents = volunteer_store::consents(&mut tx, campaign, id).await?;
            if !volunteer_store::consents_to(&consents, volunteer_store::Channel::Sms) {
                return Err(Error::Conflict("no consent: they have not agreed to texts".into()));
            }
            let session = store::next_session(&mut tx, campaign.id, id, &now).await?.map(|(name, starts)| {
                let when = chrono::DateTime::parse_from_rfc3339(&starts)
                    .map(|t| groundgame_core::time::uk_local(t.with_timezone(&Utc)).format("%A %-d %B at %H:%M").to_string())
                    .unwrap_or(starts);
                format!("{name}, {when}")
            });
            (number, Some(first_word(&v.name)), session, None)
        }
    };
    if store::is_opted_out(&mut tx, campaign.id, &number).await? {
        return Err(Error::Conflict("opted out: this number asked for no more texts from the campaign".into()));
    }
    if let Err(next) = rules::sending_hours(at) {
        let when = groundgame_core::time::uk_local(next).format("%H:%M on %A");
        return Err(Error::Conflict(format!("quiet hours: texts go between 09:00 and 21:00 UK time; the next chance is {when}")));
    }
    let body = template.fill(
        |f| match f {
            Field::FirstName => first_name.clone(),
            Field::Session => session.clone(),
            Field::PollingStation => station.clone(),
            Field::Campaign => None,
        },
        &campaign.name,
    )?;
    // Held until the commit, so that a second tap sent at the same moment (a transaction beside
    // this one, on PostgreSQL) waits for this one and finds its text.
    tx.hold(&format!("texts to {number} in campaign {}", campaign.id)).await?;
    let since = time_text(at - chrono::Duration::minutes(1));
    if let Some(same) = store::latest(&mut tx, campaign.id, actor.user_id(), 20)
        .await?
        .into_iter()
        .find(|t| t.direction == "out" && t.number == number && t.body == body && t.created_at >= since)
    {
        tx.commit().await?;
        return Ok(sent(app, same));
    }
    let id = uuid::Uuid::now_v7().to_string();
    let (elector_id, volunteer_id) = match to {
        Recipient::Elector(e) => (Some(e), None),
        Recipient::Volunteer(v) => (None, Some(v)),
    };
    let new = NewText {
        id: &id,
        number: &number,
        elector_id,
        volunteer_id,
        user_id: actor.user_id(),
        template_id: Some(template_id),
        body: &body,
        not_before: &now,
    };
    store::queue(&mut tx, campaign.id, &new, &now).await?;
    let text = store::text(&mut tx, campaign.id, &id).await?.expect("just queued");
    tx.commit().await?;
    app.texts_queued.notify_one();
    Ok(sent(app, text))
}

/// Queues a text the campaign sends a volunteer itself (a session reminder), through the same
/// outbox and provider as a texter's: only with a provider set up (a reminder that waited for one
/// would come too late), to a number they agreed to texts on and that has not opted out, inside
/// sending hours and before `too_late` (a reminder held past quiet hours beyond that is not
/// sent). Whether it was queued; the caller wakes the outbox after its commit.
pub(crate) async fn queue_volunteer_text(
    app: &App,
    tx: &mut groundgame_store::Tx,
    campaign: &Campaign,
    v: &volunteer_store::Volunteer,
    words: &str,
    (now, too_late): (DateTime<Utc>, DateTime<Utc>),
) -> Result<bool> {
    let Some(number) = v.phone.as_deref() else { return Ok(false) };
    if !app.sms.is_on() || v.unsubscribed_at.is_some() {
        return Ok(false);
    }
    let consents = volunteer_store::consents(tx, campaign, v.id).await?;
    if !volunteer_store::consents_to(&consents, volunteer_store::Channel::Sms) || store::is_opted_out(tx, campaign.id, number).await? {
        return Ok(false);
    }
    let not_before = rules::sending_hours(now).err().unwrap_or(now);
    if not_before >= too_late {
        return Ok(false);
    }
    let body = rules::signed(words.to_owned(), &campaign.name);
    let id = uuid::Uuid::now_v7().to_string();
    let new = NewText {
        id: &id,
        number,
        elector_id: None,
        volunteer_id: Some(v.id),
        user_id: None,
        template_id: None,
        body: &body,
        not_before: &time_text(not_before),
    };
    store::queue(tx, campaign.id, &new, &time_text(now)).await?;
    Ok(true)
}

fn sent(app: &App, t: Text) -> Sent {
    let note = (!app.sms.is_on() && t.status == "waiting")
        .then(|| "No SMS provider is set up: the text waits in the outbox until one is (see docs/CONFIGURATION.md, sms.base_url).".into());
    Sent { id: t.id, status: t.status, body: t.body, note }
}

pub(crate) fn first_word(name: &str) -> String {
    name.split_whitespace().next().unwrap_or_default().to_owned()
}

/// A thread in a texter's inbox: who it is with (first name only), its last text, and whether the
/// last word is theirs (a reply waiting for an answer).
#[derive(Debug, Clone, Serialize)]
pub struct Thread {
    pub with: With,
    pub first_name: String,
    pub last: Text,
    pub awaiting_answer: bool,
}

/// How long after a text someone is not offered to text again.
pub const TEXTED_LATELY: chrono::Duration = chrono::Duration::days(14);

/// Electors to text next: agreed to texts, not opted out or objected, not texted in the last
/// fortnight. First names and districts only.
pub async fn to_text_next(app: &App, actor: Actor<'_>, limit: i64) -> Result<Vec<store::ToText>> {
    let mut tx = app.store.begin().await?;
    let since = time_text(Utc::now() - TEXTED_LATELY);
    let mut list = store::to_text_next(&mut tx, actor.campaign().id, &since, limit).await?;
    tx.commit().await?;
    for e in &mut list {
        e.forename = e.forename.as_deref().map(first_word);
    }
    Ok(list)
}

/// The texter's threads, newest first (an organiser's: everyone's).
pub async fn threads(app: &App, actor: Actor<'_>) -> Result<Vec<Thread>> {
    let campaign = actor.campaign();
    let mine = if actor.may(groundgame_core::access::Permission::ManageTexting) { None } else { actor.user_id() };
    let mut tx = app.store.begin().await?;
    let texts = store::latest(&mut tx, campaign.id, mine, 2000).await?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for t in texts {
        let with = match (t.elector_id, t.volunteer_id) {
            (Some(e), _) => With::Elector(e),
            (_, Some(v)) => With::Volunteer(v),
            _ => continue,
        };
        if !seen.insert(with) {
            continue;
        }
        let first_name = first_name(&mut tx, campaign, with).await?.unwrap_or_default();
        out.push(Thread { with, first_name, awaiting_answer: t.direction == "in", last: t });
    }
    tx.commit().await?;
    Ok(out)
}

/// The first name of someone of the campaign ("" when the register has none), or None when they
/// are not of the campaign.
async fn first_name(tx: &mut groundgame_store::Tx, campaign: &Campaign, with: With) -> Result<Option<String>> {
    Ok(match with {
        With::Elector(id) => store::elector(tx, campaign.id, id).await?.map(|e| e.forename.map(|f| first_word(&f)).unwrap_or_default()),
        With::Volunteer(id) => store::volunteer(tx, campaign.id, id).await?.map(|v| first_word(&v.name)),
    })
}

/// One thread's texts, oldest first: the texter's own threads only (an organiser's: any).
pub async fn thread(app: &App, actor: Actor<'_>, with: Recipient) -> Result<(String, Vec<Text>)> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let texts = store::thread(&mut tx, campaign.id, with.with()).await?;
    let everyone = actor.may(groundgame_core::access::Permission::ManageTexting);
    if !everyone && !texts.iter().any(|t| t.user_id == actor.user_id() && t.user_id.is_some()) {
        return Err(Error::NotFound("there is no thread of yours with them".into()));
    }
    let name = first_name(&mut tx, campaign, with.with())
        .await?
        .ok_or_else(|| Error::NotFound("there is no one of that id in this campaign".into()))?;
    if everyone {
        actor.audit(&mut tx, "text_thread_viewed", &format!("{:?}", with.with()), texts.len() as i64).await?;
    }
    tx.commit().await?;
    Ok((name, texts))
}

/// What the campaign's texting stands at.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Outbox {
    pub provider: bool,
    pub waiting: i64,
    pub sent: i64,
    pub delivered: i64,
    pub undelivered: i64,
    pub failed: i64,
    pub replies: i64,
}

pub async fn outbox(app: &App, actor: Actor<'_>) -> Result<Outbox> {
    let mut tx = app.store.begin().await?;
    let counts = store::counts(&mut tx, actor.campaign().id).await?;
    tx.commit().await?;
    let mut o = Outbox { provider: app.sms.is_on(), ..Default::default() };
    for (direction, status, n) in counts {
        match (direction.as_str(), status.as_str()) {
            ("in", _) => o.replies += n,
            (_, "waiting") => o.waiting += n,
            (_, "sent") => o.sent += n,
            (_, "delivered") => o.delivered += n,
            (_, "undelivered") => o.undelivered += n,
            _ => o.failed += n,
        }
    }
    Ok(o)
}

/// The campaign's opt-outs, undone ones too, for export. Audited (a list of numbers).
pub async fn opt_outs(app: &App, actor: Actor<'_>) -> Result<Vec<store::OptOut>> {
    let mut tx = app.store.begin_write().await?;
    let list = store::opt_outs(&mut tx, actor.campaign().id).await?;
    actor.audit(&mut tx, "sms_opt_outs_exported", "", list.len() as i64).await?;
    tx.commit().await?;
    Ok(list)
}

/// Records an opt-out that came another way (a call, a letter).
pub async fn record_opt_out(app: &App, actor: Actor<'_>, number: &str) -> Result<bool> {
    let phone = Phone::parse(number)?;
    let mut tx = app.store.begin_write().await?;
    let now = groundgame_store::db::now();
    let new = store::opt_out(&mut tx, actor.campaign().id, phone.e164(), "organiser", None, &now).await?;
    store::cancel_waiting(&mut tx, actor.campaign().id, phone.e164(), &now).await?;
    actor.audit(&mut tx, "sms_opted_out", "recorded by an organiser", 1).await?;
    tx.commit().await?;
    Ok(new)
}

/// Undoes an opt-out (they asked to hear again, in writing, say): the reason is kept and audited.
pub async fn undo_opt_out(app: &App, actor: Actor<'_>, number: &str, reason: &str) -> Result<()> {
    let reason = reason.trim();
    if reason.chars().count() < 5 || reason.chars().count() > 500 {
        return Err(Error::Invalid("say why the opt-out is undone (5 to 500 characters): it is kept with the record".into()));
    }
    let phone = Phone::parse(number)?;
    let mut tx = app.store.begin_write().await?;
    if !store::undo_opt_out(&mut tx, actor.campaign().id, phone.e164(), actor.user_id(), reason, &groundgame_store::db::now()).await? {
        return Err(Error::NotFound("that number has no standing opt-out".into()));
    }
    actor.audit(&mut tx, "sms_opt_out_undone", reason, 1).await?;
    tx.commit().await?;
    Ok(())
}

/// A message the provider's inbound webhook brought.
#[derive(Debug, Clone)]
pub struct Inbound<'a> {
    pub from: &'a str,
    pub body: &'a str,
    pub sid: &'a str,
}

/// What became of an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Stored in the thread of the last text sent to its number.
    Stored { opted_out: bool },
    /// Stored before (the provider retried its webhook).
    Again,
    /// No campaign texted that number: nothing is kept.
    NoThread,
}

/// Stores a reply in its thread; a STOP opts the number out of that campaign at once (and, for a
/// volunteer, withdraws their consent to texts), taking its waiting texts off the outbox.
pub async fn receive(app: &App, m: &Inbound<'_>, at: DateTime<Utc>) -> Result<Received> {
    let Ok(phone) = Phone::parse(m.from) else { return Ok(Received::NoThread) };
    let number = phone.e164();
    let mut tx = app.store.begin_write().await?;
    let Some(last): Option<LastSent> = store::last_sent_to(&mut tx, number).await? else {
        tx.commit().await?;
        return Ok(Received::NoThread);
    };
    let now = time_text(at);
    let body: String = m.body.chars().take(1600).collect();
    let id = uuid::Uuid::now_v7().to_string();
    let incoming = store::Incoming { id: &id, number, body: &body, sid: m.sid };
    if !store::receive(&mut tx, last.campaign_id, &incoming, &last, &now).await? {
        tx.commit().await?;
        return Ok(Received::Again);
    }
    let opted_out = rules::opts_out(&body);
    if opted_out {
        // Every campaign on this server texts from the same number, so a STOP is to all of them
        // that have texted this one, not only the last.
        for campaign_id in store::campaigns_that_texted(&mut tx, number).await? {
            store::opt_out(&mut tx, campaign_id, number, "reply", Some(&body), &now).await?;
            store::cancel_waiting(&mut tx, campaign_id, number, &now).await?;
            if campaign_id != last.campaign_id {
                groundgame_store::audit::record(&mut tx, Some(campaign_id), None, "sms_opted_out", "by a reply", 1).await?;
            }
        }
        if let Some(v) = last.volunteer_id {
            let campaign = groundgame_store::campaigns::by_id(&mut tx, last.campaign_id).await?;
            volunteer_store::record_consent(&mut tx, &campaign, v, volunteer_store::Channel::Sms, false, "replied to a text", &body, &now)
                .await?;
        }
        groundgame_store::audit::record(&mut tx, Some(last.campaign_id), None, "sms_opted_out", "by a reply", 1).await?;
    }
    tx.commit().await?;
    Ok(Received::Stored { opted_out })
}

/// A delivery report from the provider's status callback. Reports out of order never move a
/// text back; only 'delivered' counts as contact.
pub async fn delivery_report(
    app: &App,
    campaign_id: i64,
    text_id: &str,
    status: &str,
    error: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    let Some(next) = Delivery::from_provider(status) else { return Ok(()) };
    let mut tx = app.store.begin_write().await?;
    let Some(t) = store::text(&mut tx, campaign_id, text_id).await? else {
        tx.commit().await?;
        return Ok(());
    };
    let error = error.map(|e| format!("the provider reported error {e}"));
    let mut current = t;
    // Reports handled at once by two servers: the move is made only from the status read, and
    // read again if another report changed it first.
    for _ in 0..3 {
        let from = Delivery::parse(&current.status).unwrap_or(Delivery::Waiting);
        if current.direction != "out" || !from.may_become(next) {
            break;
        }
        if store::set_status(&mut tx, campaign_id, text_id, &current.status, next.as_str(), error.as_deref(), &time_text(at)).await? {
            break;
        }
        match store::text(&mut tx, campaign_id, text_id).await? {
            Some(t) => current = t,
            None => break,
        }
    }
    tx.commit().await?;
    Ok(())
}

/// How long a text may wait in the outbox (no provider, or one that is down) before it is too
/// late to send.
pub const KEPT_WAITING: chrono::Duration = chrono::Duration::hours(24);
/// Sent at once over the pooled connections.
const IN_FLIGHT: usize = 64;
/// Texts claimed at a time: two rounds of those in flight, so that a batch is sent (each send at
/// most 20 s) well within its claim.
const BATCH: i64 = 2 * IN_FLIGHT as i64;
/// How long a claim lasts: a sender that dies mid-batch leaves its texts to be sent after this,
/// and no claim lapses while its batch is still being sent (two rounds of at most 20 s).
const CLAIM: chrono::Duration = chrono::Duration::minutes(5);

/// Sends the outbox until `stop` turns true: whatever waits, then again when woken or every few
/// seconds; nothing outside sending hours.
pub async fn run_sender(app: App, mut stop: tokio::sync::watch::Receiver<bool>) {
    let Some(provider) = Provider::new(&app.sms) else { return };
    let provider = Arc::new(provider);
    loop {
        let now = Utc::now();
        let wait = match rules::sending_hours(now) {
            Ok(()) => {
                match send_outbox(&app, &provider, now).await {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!("texts could not be sent: {e:#}"),
                }
                Duration::from_secs(5)
            }
            Err(next) => (next - now).to_std().unwrap_or_default().min(Duration::from_secs(60)),
        };
        tokio::select! {
            _ = app.texts_queued.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Hands one batch of the outbox, as of `now`, to the provider: how many were claimed. Nothing
/// goes outside sending hours.
pub async fn send_outbox(app: &App, provider: &Arc<Provider>, now: DateTime<Utc>) -> Result<usize> {
    if rules::sending_hours(now).is_err() {
        return Ok(0);
    }
    let mut tx = app.store.begin_write().await?;
    store::expire_waiting(&mut tx, &time_text(now - KEPT_WAITING), &time_text(now)).await?;
    let claimed = store::claim(&mut tx, &time_text(now), &time_text(now + CLAIM), BATCH).await?;
    tx.commit().await?;
    let n = claimed.len();
    let results = stream::iter(claimed)
        .map(|t| {
            let provider = provider.clone();
            let callback = app.mail.link(&format!("/api/v1/sms/status/{}/{}", t.campaign_id, t.id));
            async move {
                let outcome = provider.send(&t.number, &t.body, &callback).await;
                (t, outcome)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .ready_chunks(IN_FLIGHT);
    futures_util::pin_mut!(results);
    while let Some(done) = results.next().await {
        let stamp = time_text(Utc::now().max(now));
        let mut tx = app.store.begin_write().await?;
        for (t, outcome) in done {
            match outcome {
                Ok(sid) => store::mark_sent(&mut tx, t.campaign_id, &t.id, &sid, &stamp).await?,
                Err(SendError::Refused(why)) => store::mark_failed(&mut tx, t.campaign_id, &t.id, &why, None, &stamp).await?,
                Err(SendError::Later(why)) => {
                    let minutes = 1i64 << t.attempts.clamp(1, 7).saturating_sub(1);
                    let next = time_text(Utc::now().max(now) + chrono::Duration::minutes(minutes.min(60)));
                    let give_up = t.attempts >= 10;
                    store::mark_failed(&mut tx, t.campaign_id, &t.id, &why, (!give_up).then_some(next.as_str()), &stamp).await?;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(n)
}
