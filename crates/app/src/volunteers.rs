//! Volunteers and the online-to-doorstep pipeline: the public sign-up (double opt-in by email),
//! places and the waiting list, the volunteer's own page (reached by the link in every email:
//! their sign-ups, calendar, data, unsubscribing), reminders, check-in with walks handed out at
//! the meeting point, share links and the leaderboard.
//!
//! The public never learns whether an email is known: every sign-up is answered the same, and
//! what it says reaches only the inbox. Details typed into the public form change a record only
//! once the link emailed to its address is followed.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use groundgame_core::calendar::{self, Event, Method};
use groundgame_core::contact_details::{Email, Phone};
use groundgame_core::geography::Postcode;
use groundgame_core::sessions::{self, Attendance, Reminder, Standing};
use groundgame_core::time::{uk_instant, uk_local};
use groundgame_store::campaigns::{self, Campaign};
use groundgame_store::db::time_text;
use groundgame_store::mail::{self as outbox, Mail};
use groundgame_store::volunteers::{
    self as store, Attendee, Channel, Field, NewSignup, NewVolunteer, Session, SessionDetails, Sharer, Signup, Slot, Target, Volunteer,
};
use groundgame_store::walks::FreeWalk;
use groundgame_store::{accounts, canvassing, Tx, WriteTx};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::accounts::{Client, Opened};
use crate::secrets::{hash_password, new_token};
use crate::{Actor, App, Error, Result};

/// What a volunteer agrees to when they tick the box on the sign-up form; kept with the consent.
pub const EMAIL_CONSENT_WORDING: &str =
    "Email me news of the campaign and more chances to help. I can unsubscribe at any time from the link in every email.";

/// The public sign-up form, or the API's body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SignUp {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub postcode: Option<String>,
    #[serde(default)]
    pub consent_email: bool,
    /// The campaign's ballot id, when no share link or session names it.
    #[serde(default)]
    pub campaign: Option<String>,
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    pub session_id: Option<i64>,
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    pub slot_id: Option<i64>,
    /// The share link they came by.
    #[serde(default, rename = "ref")]
    pub share_code: Option<String>,
}

/// Checked details of a sign-up, before anything is read.
struct Checked {
    name: String,
    email: Email,
    postcode: Option<Postcode>,
}

fn check_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid("your name is needed".into()));
    }
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Error::Invalid("a name can be at most 100 letters, on one line".into()));
    }
    Ok(name.to_owned())
}

fn check(s: &SignUp) -> Result<Checked> {
    let name = check_name(&s.name)?;
    let email = Email::parse(&s.email)?;
    let postcode = match s.postcode.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(Postcode::parse(p).map_err(|_| Error::Invalid(format!("'{p}' is not a postcode (like DE22 1DX)")))?),
        None => None,
    };
    Ok(Checked { name, email, postcode })
}

/// The public form's details, kept until the email is confirmed.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingDetails {
    name: String,
    postcode: Option<String>,
    consent_email: bool,
}

/// A random code from letters and digits that cannot be mistaken for one another.
fn code(len: usize) -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    let mut rng = rand::thread_rng();
    (0..len).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// A new volunteer's check-in code: six characters a host can type, not yet used in the campaign.
async fn fresh_check_in_code(tx: &mut groundgame_store::Tx, campaign: &Campaign) -> Result<String> {
    loop {
        let c = code(6);
        if store::check_in_code_free(tx, campaign, &c).await? {
            return Ok(c);
        }
    }
}

/// Share links: 12 characters (60 bits), not to be guessed.
fn share_code() -> String {
    code(12)
}

fn now_text() -> String {
    time_text(Utc::now())
}

/// Sign-ups counted per address in windows of ten minutes.
#[derive(Default)]
pub struct SignupCounts {
    by_address: Mutex<HashMap<String, (std::time::Instant, u32)>>,
}

const SIGNUP_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);

impl SignupCounts {
    /// Counts a sign-up from `address`; how long to wait if it is one too many.
    fn take(&self, address: &str, limit: u32) -> std::result::Result<(), std::time::Duration> {
        let now = std::time::Instant::now();
        let mut map = self.by_address.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < SIGNUP_WINDOW);
        }
        let entry = map.entry(address.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= SIGNUP_WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            return Err(SIGNUP_WINDOW.saturating_sub(now.duration_since(entry.0)));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// Takes a sign-up from `address`: the same answer whatever the email. The confirmation goes to
/// the address given; nothing else changes until it is followed. A flood from one address waits.
pub async fn sign_up(app: &App, form: &SignUp, address: &str) -> Result<()> {
    let checked = check(form)?;
    app.signups
        .take(address, app.limits.signups_per_address)
        .map_err(|wait| Error::TooMany { what: "too many sign-ups from your address".into(), wait })?;
    app.signup_queue.submit(app, form.clone(), checked).await
}

/// Group commit for sign-ups: those waiting for their turn to write are written together in
/// one transaction, each in a savepoint of its own (so that one refused leaves the others), and
/// each answered only after the commit it is in. After a viral post, one flush to disk takes in
/// many sign-ups.
#[derive(Default)]
pub struct SignupQueue {
    sender: Mutex<Option<tokio::sync::mpsc::Sender<Waiting>>>,
}

struct Waiting {
    form: SignUp,
    checked: Checked,
    reply: tokio::sync::oneshot::Sender<Result<()>>,
}

/// The most sign-ups written in one transaction.
const SIGNUP_GROUP: usize = 64;

impl SignupQueue {
    async fn submit(&self, app: &App, form: SignUp, checked: Checked) -> Result<()> {
        let sender = {
            let mut sender = self.sender.lock().unwrap_or_else(|p| p.into_inner());
            match sender.as_ref() {
                Some(s) if !s.is_closed() => s.clone(),
                _ => {
                    let (tx, rx) = tokio::sync::mpsc::channel(4 * SIGNUP_GROUP);
                    tokio::spawn(write_signups(app.clone(), rx));
                    sender.insert(tx).clone()
                }
            }
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        sender.send(Waiting { form, checked, reply }).await.map_err(|_| anyhow::anyhow!("the sign-up writer has stopped"))?;
        answer.await.map_err(|_| anyhow::anyhow!("the sign-up writer stopped before answering"))?
    }
}

async fn write_signups(app: App, mut jobs: tokio::sync::mpsc::Receiver<Waiting>) {
    while let Some(first) = jobs.recv().await {
        let mut group = vec![first];
        while group.len() < SIGNUP_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        // A task of its own: a panic fails this group (each is told), never the writer.
        let (work, replies): (Vec<(SignUp, Checked)>, Vec<_>) = group.into_iter().map(|w| ((w.form, w.checked), w.reply)).unzip();
        let n = work.len();
        let results = match tokio::spawn(write_signup_group(app.clone(), work)).await {
            Ok(r) => r,
            Err(e) => (0..n).map(|_| Err(Error::Internal(anyhow::anyhow!("the sign-up writer failed: {e}")))).collect(),
        };
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
    }
}

async fn write_signup_group(app: App, work: Vec<(SignUp, Checked)>) -> Vec<Result<()>> {
    let failed = |n: usize, e: &dyn std::fmt::Display| -> Vec<Result<()>> {
        (0..n).map(|_| Err(Error::Internal(anyhow::anyhow!("the sign-up could not be written: {e}")))).collect()
    };
    let mut tx = match app.store.begin_write().await {
        Ok(tx) => tx,
        Err(e) => return failed(work.len(), &e),
    };
    let mut results = Vec::with_capacity(work.len());
    let mut reads = GroupReads::default();
    for (form, checked) in &work {
        if let Err(e) = tx.execute("SAVEPOINT signup", vec![]).await {
            return failed(work.len(), &e);
        }
        let result = sign_up_in(&app, &mut tx, &mut reads, form, checked).await;
        let close: &[&str] =
            if result.is_ok() { &["RELEASE SAVEPOINT signup"] } else { &["ROLLBACK TO SAVEPOINT signup", "RELEASE SAVEPOINT signup"] };
        for sql in close {
            if let Err(e) = tx.execute(sql, vec![]).await {
                return failed(work.len(), &e);
            }
        }
        results.push(result);
    }
    if let Err(e) = tx.commit().await {
        return failed(work.len(), &e);
    }
    app.mail_waiting();
    results
}

/// What a group of sign-ups reads once: campaigns, share links, and each session with the time
/// a sign-up for it gets. Sign-ups only add pending places, so the places a time has left do not
/// change within the group; a confirmation or a cancellation is another transaction.
#[derive(Default)]
struct GroupReads {
    campaigns: HashMap<String, Campaign>,
    campaigns_by_id: HashMap<i64, Campaign>,
    links: HashMap<String, Option<store::ShareLink>>,
    times: HashMap<(i64, i64, Option<i64>), (Session, Slot)>,
}

impl GroupReads {
    async fn link(&mut self, tx: &mut Tx, code: &str) -> Result<Option<store::ShareLink>> {
        if let Some(l) = self.links.get(code) {
            return Ok(l.clone());
        }
        let l = store::share_link(tx, code).await?;
        self.links.insert(code.to_owned(), l.clone());
        Ok(l)
    }

    async fn campaign_by_id(&mut self, tx: &mut Tx, id: i64) -> Result<Campaign> {
        if let Some(c) = self.campaigns_by_id.get(&id) {
            return Ok(c.clone());
        }
        let c = campaigns::by_id(tx, id).await?;
        self.campaigns_by_id.insert(id, c.clone());
        Ok(c)
    }

    async fn campaign(&mut self, tx: &mut Tx, ballot: &str) -> Result<Campaign> {
        if let Some(c) = self.campaigns.get(ballot) {
            return Ok(c.clone());
        }
        let c = campaigns::find(tx, ballot).await?.ok_or_else(|| Error::NotFound(format!("there is no campaign {ballot} here")))?;
        self.campaigns.insert(ballot.to_owned(), c.clone());
        Ok(c)
    }

    async fn time(
        &mut self,
        tx: &mut Tx,
        campaign: &Campaign,
        session_id: i64,
        slot_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(Session, Slot)> {
        let key = (campaign.id, session_id, slot_id);
        if let Some(t) = self.times.get(&key) {
            return Ok(t.clone());
        }
        let t = open_slot_of(tx, campaign, session_id, slot_id, now).await?;
        self.times.insert(key, t.clone());
        Ok(t)
    }
}

async fn sign_up_in(app: &App, tx: &mut WriteTx, reads: &mut GroupReads, form: &SignUp, checked: &Checked) -> Result<()> {
    let now = Utc::now();
    let now_s = time_text(now);
    // Which campaign, session and sharer: the share link names them, or the form does.
    let link = match form.share_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => reads.link(tx, c).await?,
        None => None,
    };
    let campaign = match (&link, form.campaign.as_deref().map(str::trim).filter(|c| !c.is_empty())) {
        (Some(l), _) => reads.campaign_by_id(tx, l.campaign_id).await?,
        (None, Some(ballot)) => reads.campaign(tx, ballot).await?,
        (None, None) => {
            return Err(Error::NotFound("no campaign named: say which campaign to join (campaign), or come by a share link (ref)".into()))
        }
    };
    let session_id = form.session_id.or_else(|| link.as_ref().filter(|l| l.target == Target::Session.as_str()).and_then(|l| l.target_id));
    let time = match session_id {
        Some(s) => Some(reads.time(tx, &campaign, s, form.slot_id, now).await?),
        None => None,
    };
    let slot = time.as_ref().map(|(_, slot)| slot);
    let place = match &checked.postcode {
        Some(p) => groundgame_store::targeting::locate_postcode(tx, p).await.ok().map(|l| (l.lat, l.lon)),
        None => None,
    };
    let key = checked.email.key();
    let found = store::find(tx, &campaign, Some(&key), None).await?;
    // A new record has nothing waiting, no sign-up and no mail yet: those reads are skipped.
    let new = found.is_none();
    let volunteer = match found {
        Some(v) => v,
        None => {
            let recruiter = link.as_ref().and_then(|l| l.volunteer_id);
            let check_in_code = fresh_check_in_code(tx, &campaign).await?;
            store::create(
                tx,
                &campaign,
                &NewVolunteer {
                    name: &checked.name,
                    email: Some((checked.email.as_str(), key.clone())),
                    postcode: checked.postcode.as_ref().map(|p| p.as_str()),
                    at: place,
                    link_secret: new_token().0,
                    check_in_code,
                    recruited_by: recruiter,
                    share_code: link.as_ref().map(|l| l.code.as_str()),
                    ..NewVolunteer::default()
                },
                &now_s,
            )
            .await?
        }
    };
    let pending = PendingDetails {
        name: checked.name.clone(),
        postcode: checked.postcode.as_ref().map(|p| p.as_str().to_owned()),
        consent_email: form.consent_email,
    };
    // The first form waiting for the link stands: someone else typing this address again cannot
    // change what its owner confirms.
    if new || store::pending_details(tx, &campaign, volunteer.id).await?.is_none() {
        store::set_pending_details(tx, &campaign, volunteer.id, Some(&serde_json::to_string(&pending).map_err(anyhow::Error::from)?))
            .await?;
    }
    if let Some(slot) = slot {
        let share = link.as_ref().map(|l| l.code.as_str());
        let existing = if new { None } else { store::find_signup(tx, &campaign, volunteer.id, slot.id).await? };
        match existing {
            None => {
                store::insert_signup(
                    tx,
                    &campaign,
                    &NewSignup {
                        volunteer_id: volunteer.id,
                        slot_id: slot.id,
                        status: Standing::Pending.as_str(),
                        share_code: share,
                        walk_in: false,
                    },
                    &now_s,
                )
                .await?;
            }
            Some(s) if s.status == Standing::Cancelled.as_str() => store::sign_up_again(tx, &campaign, s.id, share, &now_s).await?,
            Some(_) => {}
        }
    }
    // One confirmation in ten minutes at most: a form filled in with someone else's address
    // again and again does not fill their inbox.
    let since = time_text(now - Duration::minutes(10));
    if volunteer.unsubscribed_at.is_none()
        && (new || !outbox::queued_since(tx, campaign.id, volunteer.id, "confirm_signup", &since).await?)
    {
        let what = match &time {
            Some((session, slot)) => format!("{} on {}", session.name, when(slot)),
            None => format!("the {} campaign", campaign.name),
        };
        let page = app.mail.link(&format!("/v/{}", volunteer.link_secret));
        let body = format!(
            "Hello {},\n\nSomeone (we hope you) signed up with this address to help {}: {what}.\n\n\
             To confirm, open this link and press Confirm:\n{page}/confirm\n\n\
             If it was not you, ignore this email: nothing happens until the link is followed.\n",
            checked.name, campaign.name
        );
        queue(app, tx, &campaign, &volunteer, "confirm_signup", &format!("Confirm your sign-up: {what}"), body, None).await?;
    }
    Ok(())
}

/// The time a sign-up is for: the one asked for, or the session's next with a place left (or its
/// next, to wait for one). A cancelled session or one whose times have all ended takes none.
async fn open_slot_of(
    tx: &mut Tx,
    campaign: &Campaign,
    session_id: i64,
    slot_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(Session, Slot)> {
    let session =
        store::session(tx, campaign, session_id).await.map_err(|_| Error::NotFound(format!("there is no session {session_id}")))?;
    if session.cancelled_at.is_some() {
        return Err(Error::Conflict(format!("{} has been cancelled", session.name)));
    }
    let slots: Vec<Slot> = store::slots(tx, campaign, Some(session_id)).await?.into_iter().filter(|s| ends(s) > now).collect();
    if let Some(id) = slot_id {
        let slot = slots.into_iter().find(|s| s.id == id);
        return match slot {
            Some(slot) => Ok((session, slot)),
            None => Err(Error::NotFound(format!("{} has no time {id} still to come", session.name))),
        };
    }
    let first_free = slots.iter().position(|s| s.booked < s.capacity).unwrap_or(0);
    match slots.into_iter().nth(first_free) {
        Some(slot) => Ok((session, slot)),
        None => Err(Error::Conflict(format!("{} is over", session.name))),
    }
}

fn local(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok()
}

fn starts(s: &Slot) -> DateTime<Utc> {
    local(&s.starts_at).map(uk_instant).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn ends(s: &Slot) -> DateTime<Utc> {
    local(&s.ends_at).map(uk_instant).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// "Saturday 3 June, 10:00 to 13:00".
pub fn when(s: &Slot) -> String {
    describe_time(&s.starts_at, &s.ends_at)
}

/// A time from its UK wall-clock start and end: "Saturday 7 June, 10:00 to 13:00".
pub fn describe_time(starts_at: &str, ends_at: &str) -> String {
    match (local(starts_at), local(ends_at)) {
        (Some(a), Some(b)) => format!("{}, {} to {}", a.format("%A %-d %B"), a.format("%H:%M"), b.format("%H:%M")),
        _ => starts_at.to_owned(),
    }
}

/// Queues a mail to a volunteer with the footer every mail has: their page and one-click
/// unsubscribe. Nothing is queued for someone unsubscribed or without an email.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn queue(
    app: &App,
    tx: &mut Tx,
    campaign: &Campaign,
    v: &Volunteer,
    kind: &'static str,
    subject: &str,
    body: String,
    calendar: Option<String>,
) -> Result<()> {
    let Some(to) = v.email.clone() else { return Ok(()) };
    if v.unsubscribed_at.is_some() {
        return Ok(());
    }
    let page = app.mail.link(&format!("/v/{}", v.link_secret));
    let body = format!(
        "{body}\n-- \n{}\nYour page (your sign-ups, your calendar, your data): {page}\nUnsubscribe from all mail of this campaign: {page}/unsubscribe\n",
        campaign.name
    );
    outbox::queue(
        tx,
        &Mail {
            campaign_id: Some(campaign.id),
            volunteer_id: Some(v.id),
            to,
            subject: subject.to_owned(),
            body,
            calendar,
            unsubscribe_url: Some(format!("{page}/unsubscribe")),
            kind,
        },
        &now_text(),
    )
    .await?;
    Ok(())
}

/// Where to meet, for those with a place: the exact address and the meeting point.
fn meet_at(session: &Session) -> String {
    if session.address.is_empty() {
        session.meeting_point.clone()
    } else {
        format!("{}, {}", session.address, session.meeting_point)
    }
}

/// A session time as a calendar event (the exact address: only for those with a place).
fn event(app: &App, session: &Session, slot: &Slot, v: &Volunteer) -> Event {
    let location = meet_at(session);
    Event {
        uid: format!("slot-{}-{}@groundgame", slot.session_id, slot.id),
        sequence: session.sequence,
        starts: starts(slot),
        ends: ends(slot),
        summary: session.name.clone(),
        location,
        description: session.details.clone(),
        url: Some(app.mail.link(&format!("/v/{}", v.link_secret))),
        cancelled: session.cancelled_at.is_some(),
    }
}

fn ics(app: &App, session: &Session, slot: &Slot, v: &Volunteer, method: Method) -> String {
    calendar::calendar(&[event(app, session, slot, v)], method, None, Utc::now())
}

/// Tells a volunteer they have a place, with the calendar file.
async fn tell_booked(app: &App, tx: &mut Tx, campaign: &Campaign, v: &Volunteer, slot: &Slot, promoted: bool) -> Result<()> {
    let session = store::session(tx, campaign, slot.session_id).await?;
    let at = meet_at(&session);
    let opening = if promoted { "A place has come free, and it is yours" } else { "You have a place" };
    let body = format!(
        "Hello {},\n\n{opening}: {}, {}.\nMeet at: {at}\n{}\n\nThe calendar file is attached. If you cannot come, cancel from your page so that someone waiting can have the place.\n",
        v.name,
        session.name,
        when(slot),
        session.details
    );
    let calendar = Some(ics(app, &session, slot, v, Method::Publish));
    queue(app, tx, campaign, v, "booked", &format!("{opening}: {} on {}", session.name, when(slot)), body, calendar).await
}

/// The volunteer behind an own link, and their campaign.
pub(crate) async fn by_link(tx: &mut Tx, secret: &str) -> Result<(Campaign, Volunteer)> {
    let gone = || Error::NotFound("this link is not valid any more: sign up again, or use the newest email we sent you".into());
    if secret.len() < 20 {
        return Err(gone());
    }
    let (campaign_id, v) = store::by_link(tx, secret).await?.ok_or_else(gone)?;
    Ok((campaigns::by_id(tx, campaign_id).await?, v))
}

/// Confirms the volunteer's email from the link sent to it: the details they gave are applied
/// (kept in their history), their consent to campaign email recorded if they gave it, and each
/// sign-up waiting for it takes a place or joins the waiting list.
pub async fn confirm(app: &App, secret: &str) -> Result<Vec<(Slot, Standing)>> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let now = Utc::now();
    let now_s = time_text(now);
    let how = "given on the sign-up form, confirmed from the emailed link";
    if let Some(json) = store::pending_details(&mut tx, &campaign, v.id).await? {
        if let Ok(d) = serde_json::from_str::<PendingDetails>(&json) {
            store::change(&mut tx, &campaign, &v, Field::Name, &d.name, None, how, &now_s).await?;
            if let Some(p) = &d.postcode {
                if store::change(&mut tx, &campaign, &v, Field::Postcode, p, None, how, &now_s).await? {
                    let place = match Postcode::parse(p) {
                        Ok(pc) => groundgame_store::targeting::locate_postcode(&mut tx, &pc).await.ok().map(|l| (l.lat, l.lon)),
                        Err(_) => None,
                    };
                    store::set_place(&mut tx, &campaign, v.id, place).await?;
                }
            }
            let lines = store::consents(&mut tx, &campaign, v.id).await?;
            if d.consent_email && !store::consents_to(&lines, Channel::Email) {
                store::record_consent(&mut tx, &campaign, v.id, Channel::Email, true, how, EMAIL_CONSENT_WORDING, &now_s).await?;
            }
        }
        store::set_pending_details(&mut tx, &campaign, v.id, None).await?;
    }
    store::confirm_email(&mut tx, &campaign, v.id, &now_s).await?;
    let v = store::get(&mut tx, &campaign, v.id).await?;
    let mut placed = Vec::new();
    for s in store::pending_signups(&mut tx, &campaign, v.id).await? {
        let slot = store::slot(&mut tx, &campaign, s.slot_id).await?;
        let session = store::session(&mut tx, &campaign, slot.session_id).await?;
        let standing = if session.cancelled_at.is_some() || ends(&slot) <= now {
            Standing::Cancelled
        } else {
            sessions::place(store::booked_count(&mut tx, &campaign, slot.id).await?, slot.capacity)
        };
        store::set_status(&mut tx, &campaign, s.id, standing.as_str(), &now_s).await?;
        match standing {
            Standing::Booked => tell_booked(app, &mut tx, &campaign, &v, &slot, false).await?,
            Standing::Waiting => {
                let body = format!(
                    "Hello {},\n\n{} on {} is full, and you are on the waiting list. If a place comes free it is yours, and we will email you at once.\n",
                    v.name,
                    session.name,
                    when(&slot)
                );
                queue(app, &mut tx, &campaign, &v, "waiting", &format!("On the waiting list: {}", session.name), body, None).await?;
            }
            _ => {}
        }
        placed.push((slot, standing));
    }
    tx.commit().await?;
    app.mail_waiting();
    Ok(placed)
}

/// Gives freed places at a time to those who have waited longest, telling each.
async fn fill_places(app: &App, tx: &mut WriteTx, campaign: &Campaign, slot_id: i64) -> Result<usize> {
    let mut n = 0;
    loop {
        let slot = store::slot(tx, campaign, slot_id).await?;
        if slot.booked >= slot.capacity {
            return Ok(n);
        }
        let Some(next) = store::next_waiting(tx, campaign, slot_id).await? else { return Ok(n) };
        store::set_status(tx, campaign, next.id, Standing::Booked.as_str(), &now_text()).await?;
        let v = store::get(tx, campaign, next.volunteer_id).await?;
        tell_booked(app, tx, campaign, &v, &slot, true).await?;
        n += 1;
    }
}

/// A sign-up on the volunteer's own page.
#[derive(Debug, Clone, Serialize)]
pub struct OwnSignup {
    pub signup: Signup,
    pub standing: &'static str,
    pub session: Session,
    pub slot: Slot,
    pub when: String,
    /// The exact address, for those with a place.
    pub address: Option<String>,
    pub over: bool,
}

/// The volunteer's own page.
#[derive(Debug, Clone, Serialize)]
pub struct OwnPage {
    pub campaign: Campaign,
    pub volunteer: Volunteer,
    pub signups: Vec<OwnSignup>,
    pub consents: Vec<store::Consent>,
    pub has_account: bool,
    /// Their share links: (what it is for, the path /s/CODE).
    pub share_links: Vec<(String, String)>,
    /// The campaign's posts, each with their own share link.
    pub posts: Vec<crate::posts::SharedPost>,
    /// Their lifts offered and asked for, with whoever they are paired with.
    pub lifts: Vec<crate::lifts::MyLift>,
    /// Friends and family they listed.
    pub friends: Vec<crate::relational::FriendView>,
    /// The survey, when there is a conversation to record.
    pub survey: Option<groundgame_core::survey::Survey>,
    pub mail_on: bool,
}

async fn own_signups(tx: &mut Tx, campaign: &Campaign, v: &Volunteer) -> Result<Vec<OwnSignup>> {
    let now = Utc::now();
    let mut out = Vec::new();
    for s in store::signups_of(tx, campaign, v.id).await? {
        let slot = store::slot(tx, campaign, s.slot_id).await?;
        let session = store::session(tx, campaign, slot.session_id).await?;
        let standing = Standing::parse(&s.status).unwrap_or(Standing::Pending);
        let address = (standing == Standing::Booked && !session.address.is_empty()).then(|| session.address.clone());
        out.push(OwnSignup { standing: standing.label(), when: when(&slot), over: ends(&slot) <= now, address, signup: s, session, slot });
    }
    Ok(out)
}

/// What the volunteer's own link shows them. Their share links are made on first sight.
pub async fn own_page(app: &App, secret: &str) -> Result<OwnPage> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, volunteer) = by_link(&mut tx, secret).await?;
    let signups = own_signups(&mut tx, &campaign, &volunteer).await?;
    let consents = store::consents(&mut tx, &campaign, volunteer.id).await?;
    let has_account = match &volunteer.email {
        Some(e) => accounts::credentials(&mut tx, e).await?.is_some(),
        None => false,
    } || volunteer.user_id.is_some();
    let mut share_links = Vec::new();
    let mut posts = Vec::new();
    if volunteer.email_confirmed_at.is_some() {
        let now = now_text();
        let join = store::share_link_for(&mut tx, &campaign, Some(volunteer.id), Target::Join, None, &share_code(), &now).await?;
        share_links.push((format!("Join the {} campaign", campaign.name), format!("/s/{join}")));
        let local_now = uk_local(Utc::now()).format("%Y-%m-%dT%H:%M").to_string();
        let mut seen = std::collections::HashSet::new();
        for open in store::open_slots(&mut tx, Some(campaign.id), &local_now).await? {
            if seen.insert(open.session_id) {
                let c = store::share_link_for(
                    &mut tx,
                    &campaign,
                    Some(volunteer.id),
                    Target::Session,
                    Some(open.session_id),
                    &share_code(),
                    &now,
                )
                .await?;
                share_links.push((format!("{} ({})", open.name, open.starts_at.replace('T', " ")), format!("/s/{c}")));
            }
        }
        for post in crate::posts::published(&mut tx, &campaign).await? {
            let c = store::share_link_for(&mut tx, &campaign, Some(volunteer.id), Target::Post, Some(post.id), &share_code(), &now).await?;
            posts.push(crate::posts::SharedPost { post, link: format!("/s/{c}") });
        }
    }
    let lifts = crate::lifts::mine(&mut tx, &campaign, &volunteer).await?;
    let friends = crate::relational::friends(&mut tx, &campaign, &volunteer).await?;
    let survey = if friends.iter().any(|f| f.matched.is_some() && f.talked_at.is_none()) {
        Some(crate::relational::survey(&mut tx, &campaign).await?)
    } else {
        None
    };
    tx.commit().await?;
    Ok(OwnPage {
        campaign,
        volunteer,
        signups,
        consents,
        has_account,
        share_links,
        posts,
        lifts,
        friends,
        survey,
        mail_on: app.mail.is_on(),
    })
}

/// The volunteer cancels a sign-up; a place it held goes to whoever waited longest.
pub async fn cancel_own(app: &App, secret: &str, signup_id: i64) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let s = own_signup(&mut tx, &campaign, &v, signup_id).await?;
    if s.status != Standing::Cancelled.as_str() {
        store::set_status(&mut tx, &campaign, s.id, Standing::Cancelled.as_str(), &now_text()).await?;
        if s.status == Standing::Booked.as_str() {
            fill_places(app, &mut tx, &campaign, s.slot_id).await?;
            // No place left at the session: no lift to it either.
            let session_id = store::slot(&mut tx, &campaign, s.slot_id).await?.session_id;
            let mut still = false;
            for other in store::signups_of(&mut tx, &campaign, v.id).await? {
                still |= other.status == Standing::Booked.as_str()
                    && store::slot(&mut tx, &campaign, other.slot_id).await?.session_id == session_id;
            }
            if !still {
                crate::lifts::forget(app, &mut tx, &campaign, &v, Some(session_id)).await?;
            }
        }
    }
    tx.commit().await?;
    app.mail_waiting();
    Ok(())
}

/// "Still coming": the answer to the day-before reminder.
pub async fn still_coming(app: &App, secret: &str, signup_id: i64) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let s = own_signup(&mut tx, &campaign, &v, signup_id).await?;
    if s.status != Standing::Booked.as_str() {
        return Err(Error::Conflict("this sign-up has no place to keep: sign up again from the session's page".into()));
    }
    store::set_still_coming(&mut tx, &campaign, s.id, &now_text()).await?;
    tx.commit().await?;
    Ok(())
}

async fn own_signup(tx: &mut Tx, campaign: &Campaign, v: &Volunteer, id: i64) -> Result<Signup> {
    match store::signup(tx, campaign, id).await {
        Ok(s) if s.volunteer_id == v.id => Ok(s),
        _ => Err(Error::NotFound("you have no such sign-up".into())),
    }
}

/// One-click unsubscribe (RFC 8058) or the page's button: no more mail of any kind, consent to
/// campaign email withdrawn, mail waiting dropped. Unsubscribing twice is the same as once.
pub async fn unsubscribe(app: &App, secret: &str, how: &str) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    if v.unsubscribed_at.is_none() {
        let now = now_text();
        store::set_unsubscribed(&mut tx, &campaign, v.id, Some(&now)).await?;
        store::record_consent(&mut tx, &campaign, v.id, Channel::Email, false, how, "Unsubscribe from all mail of this campaign", &now)
            .await?;
        outbox::drop_waiting(&mut tx, campaign.id, v.id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Mail again, from the volunteer's own page.
pub async fn resubscribe(app: &App, secret: &str) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    store::set_unsubscribed(&mut tx, &campaign, v.id, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Everything held about the volunteer, as one readable document.
pub async fn export_own(app: &App, secret: &str) -> Result<serde_json::Value> {
    let mut tx = app.store.begin().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let signups = own_signups(&mut tx, &campaign, &v).await?;
    let consents = store::consents(&mut tx, &campaign, v.id).await?;
    let history = store::history(&mut tx, &campaign, v.id).await?;
    let mail = outbox::to_volunteer(&mut tx, campaign.id, v.id).await?;
    let lifts = crate::lifts::mine(&mut tx, &campaign, &v).await?;
    let friends = store::friends_of(&mut tx, &campaign, v.id).await?;
    tx.commit().await?;
    let signups: Vec<serde_json::Value> = signups
        .iter()
        .map(|s| {
            serde_json::json!({
                "session": s.session.name, "when": s.when, "standing": s.standing, "signed_up_at": s.signup.signed_up_at,
                "confirmed_at": s.signup.confirmed_at, "cancelled_at": s.signup.cancelled_at, "checked_in_at": s.signup.checked_in_at,
                "no_show_at": s.signup.no_show_at,
            })
        })
        .collect();
    let mail: Vec<serde_json::Value> = mail
        .iter()
        .map(|m| serde_json::json!({"subject": m.subject, "kind": m.kind, "queued_at": m.created_at, "sent_at": m.sent_at}))
        .collect();
    Ok(serde_json::json!({
        "about": "Everything the campaign holds about you in groundgame",
        "campaign": campaign.name,
        "volunteer": v,
        "consents": consents,
        "history": history,
        "signups": signups,
        "lifts": lifts,
        "friends_listed": friends.iter().map(|f| serde_json::json!({"name": f.name, "age_band": f.age_band, "talked_at": f.talked_at})).collect::<Vec<_>>(),
        "mail": mail,
    }))
}

/// The volunteer deletes everything held about them. Their account, if they made one, stays
/// theirs (its own page removes them from the campaign).
pub async fn delete_own(app: &App, secret: &str) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    // Their riders or driver are offered other cars first.
    crate::lifts::forget(app, &mut tx, &campaign, &v, None).await?;
    store::delete(&mut tx, &campaign, v.id).await?;
    groundgame_store::audit::record(&mut tx, Some(campaign.id), None, "volunteer_deleted_own_data", &format!("volunteer {}", v.id), 0)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A new own link in place of the old (which stops working), emailed to them.
pub async fn new_link(app: &App, secret: &str) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let fresh = new_token().0;
    store::set_link_secret(&mut tx, &campaign, v.id, &fresh).await?;
    let v = store::get(&mut tx, &campaign, v.id).await?;
    let body =
        format!("Hello {},\n\nHere is your new link; the old one no longer works:\n{}\n", v.name, app.mail.link(&format!("/v/{fresh}")));
    queue(app, &mut tx, &campaign, &v, "new_link", "Your new link", body, None).await?;
    tx.commit().await?;
    app.mail_waiting();
    Ok(())
}

/// The volunteer's calendar feed: the times they have a place at (cancelled ones as cancelled).
pub async fn calendar_feed(app: &App, secret: &str) -> Result<String> {
    let mut tx = app.store.begin().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let signups = own_signups(&mut tx, &campaign, &v).await?;
    tx.commit().await?;
    let events: Vec<Event> = signups
        .iter()
        .filter(|s| {
            s.signup.status == Standing::Booked.as_str() || s.signup.status == Standing::Cancelled.as_str() && s.signup.booked_at.is_some()
        })
        .map(|s| {
            let mut e = event(app, &s.session, &s.slot, &v);
            e.cancelled |= s.signup.status == Standing::Cancelled.as_str();
            e
        })
        .collect();
    Ok(calendar::calendar(&events, Method::Publish, Some(&format!("{}: my sessions", campaign.name)), Utc::now()))
}

/// One sign-up's calendar file.
pub async fn signup_calendar(app: &App, secret: &str, signup_id: i64) -> Result<String> {
    let mut tx = app.store.begin().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let s = own_signup(&mut tx, &campaign, &v, signup_id).await?;
    if s.status != Standing::Booked.as_str() {
        return Err(Error::NotFound("a calendar file is for a session you have a place at".into()));
    }
    let slot = store::slot(&mut tx, &campaign, s.slot_id).await?;
    let session = store::session(&mut tx, &campaign, slot.session_id).await?;
    tx.commit().await?;
    Ok(ics(app, &session, &slot, &v, Method::Publish))
}

/// Sets up canvassing on the volunteer's phone: an account for their confirmed email, with the
/// password they choose, in the campaign as a canvasser; signed in. Someone who already has an
/// account signs in with it instead (it is never changed from here).
pub async fn set_up_account(app: &App, secret: &str, password: &str, client: &Client) -> Result<Opened> {
    groundgame_core::password::check(password)?;
    let mut tx = app.store.begin().await?;
    let (_, v) = by_link(&mut tx, secret).await?;
    let email = v.email.clone().ok_or_else(|| Error::Invalid("an account needs an email address".into()))?;
    if v.email_confirmed_at.is_none() {
        return Err(Error::Conflict("confirm your email first (the button above)".into()));
    }
    if accounts::credentials(&mut tx, &email).await?.is_some() {
        return Err(Error::Conflict(format!("{email} already has an account: sign in with it to see your walks")));
    }
    tx.commit().await?;
    let hash = hash_password(password).await?;
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let user = accounts::create_user(&mut tx, &email, &v.name, Some(&hash)).await?;
    accounts::set_membership(&mut tx, campaign.id, user.id, groundgame_core::access::Role::Canvasser).await?;
    store::link_account(&mut tx, &campaign, v.id, user.id).await?;
    let opened = crate::accounts::open_session(app, &mut tx, user.id, campaign.id, client, true).await?;
    groundgame_store::audit::record(
        &mut tx,
        Some(campaign.id),
        Some(user.id),
        "volunteer_account",
        &format!("{email} set up an account from their own link"),
        0,
    )
    .await?;
    tx.commit().await?;
    Ok(opened)
}

// ---- The organiser's side ----

/// A session with its times, for the organiser.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub session: Session,
    pub slots: Vec<Slot>,
    pub walks: usize,
}

pub async fn sessions(app: &App, actor: Actor<'_>) -> Result<Vec<SessionView>> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin().await?;
    let list = store::sessions(&mut tx, campaign).await?;
    let slots = store::slots(&mut tx, campaign, None).await?;
    let assignments = canvassing::assignments(&mut tx, campaign).await?;
    tx.commit().await?;
    Ok(list
        .into_iter()
        .map(|session| {
            let walks = assignments.values().filter(|a| a.session_id == Some(session.id)).count();
            let slots = slots.iter().filter(|t| t.session_id == session.id).cloned().collect();
            SessionView { session, slots, walks }
        })
        .collect())
}

/// A session as an organiser sets it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SessionForm {
    pub name: String,
    pub meeting_point: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub postcode: Option<String>,
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub host_user_id: Option<i64>,
    /// 'YYYY-MM-DDTHH:MM' (UK time).
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: i64,
}

fn check_time(s: &str, what: &str) -> Result<String> {
    let t = local(s.trim()).ok_or_else(|| Error::Invalid(format!("{what}: '{s}' is not a date and time (YYYY-MM-DDTHH:MM)")))?;
    Ok(t.format("%Y-%m-%dT%H:%M").to_string())
}

/// Adds a time to a session (or, with no session, a session with its first time).
pub async fn add_session(app: &App, actor: Actor<'_>, form: &SessionForm) -> Result<i64> {
    let (starts_at, ends_at) = check_slot(form)?;
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let created = canvassing::create_canvass_session(&mut tx, campaign, &form.name, &starts_at, &form.meeting_point).await?;
    store::add_slot(&mut tx, campaign, created.id, &starts_at, &ends_at, form.capacity).await?;
    set_details(&mut tx, campaign, created.id, form).await?;
    actor.audit(&mut tx, "session_added", &format!("{} at {}", created.name, created.starts_at), 0).await?;
    tx.commit().await?;
    Ok(created.id)
}

fn check_slot(form: &SessionForm) -> Result<(String, String)> {
    let starts_at = check_time(&form.starts_at, "start")?;
    let ends_at = check_time(&form.ends_at, "end")?;
    if ends_at <= starts_at {
        return Err(Error::Invalid("a session must end after it starts".into()));
    }
    if !(1..=1000).contains(&form.capacity) {
        return Err(Error::Invalid("places: a number from 1 to 1000".into()));
    }
    Ok((starts_at, ends_at))
}

async fn set_details(tx: &mut WriteTx, campaign: &Campaign, id: i64, form: &SessionForm) -> Result<()> {
    let name = form.name.trim();
    if name.is_empty() {
        return Err(Error::Invalid("a session needs a name".into()));
    }
    let postcode = match form.postcode.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(Postcode::parse(p).map_err(|_| Error::Invalid(format!("'{p}' is not a postcode")))?),
        None => None,
    };
    let at = match &postcode {
        Some(p) => Some(groundgame_store::targeting::locate_postcode(tx, p).await.map(|l| (l.lat, l.lon))?),
        None => None,
    };
    if let Some(host) = form.host_user_id {
        if accounts::role_in(tx, campaign.id, host).await?.is_none() {
            return Err(Error::Invalid("the host must be in the campaign".into()));
        }
    }
    store::update_session(
        tx,
        campaign,
        id,
        &SessionDetails {
            name,
            meeting_point: form.meeting_point.trim(),
            address: form.address.trim(),
            postcode: postcode.as_ref().map(|p| p.as_str()),
            at,
            details: form.details.trim(),
            host_user_id: form.host_user_id,
        },
    )
    .await?;
    Ok(())
}

/// Changes a session and its time (the first, or `slot_id`): everyone with a place or waiting is
/// told what changed, with the calendar file that replaces the old; places that the change frees
/// go to those waiting.
pub async fn edit_session(app: &App, actor: Actor<'_>, session_id: i64, slot_id: i64, form: &SessionForm) -> Result<usize> {
    let (starts_at, ends_at) = check_slot(form)?;
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let before = store::session(&mut tx, campaign, session_id).await?;
    let slot = store::slot(&mut tx, campaign, slot_id).await?;
    if slot.session_id != session_id {
        return Err(Error::NotFound(format!("session {session_id} has no time {slot_id}")));
    }
    store::update_slot(&mut tx, campaign, slot_id, &starts_at, &ends_at, form.capacity).await?;
    set_details(&mut tx, campaign, session_id, form).await?;
    let session = store::session(&mut tx, campaign, session_id).await?;
    let slot = store::slot(&mut tx, campaign, slot_id).await?;
    let mut told = 0;
    for a in store::attendees(&mut tx, campaign, session_id).await? {
        if a.slot_id != slot_id || !(a.status == "booked" || a.status == "waiting") {
            continue;
        }
        let v = store::get(&mut tx, campaign, a.volunteer_id).await?;
        let body = format!(
            "Hello {},\n\n{} has changed. It is now {}, meeting at {}.\n{}\n\nThe attached calendar file replaces the old one. If you can no longer come, cancel from your page.\n",
            v.name,
            before.name,
            when(&slot),
            if a.status == "booked" { meet_at(&session) } else { session.meeting_point.clone() },
            session.details
        );
        let calendar = (a.status == "booked").then(|| ics(app, &session, &slot, &v, Method::Publish));
        queue(app, &mut tx, campaign, &v, "session_changed", &format!("Changed: {}", session.name), body, calendar).await?;
        told += 1;
    }
    let promoted = fill_places(app, &mut tx, campaign, slot_id).await?;
    actor.audit(&mut tx, "session_changed", &format!("{}: {} told, {promoted} given a place", session.name, told), 0).await?;
    tx.commit().await?;
    app.mail_waiting();
    Ok(told)
}

/// Cancels a session: everyone signed up is told, with a calendar cancellation.
/// Deletes a session nobody has signed up to (one with sign-ups is cancelled instead, which tells
/// them). Walks given for it keep their canvasser.
pub async fn delete_session(app: &App, actor: Actor<'_>, session_id: i64) -> Result<()> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let session = store::session(&mut tx, campaign, session_id).await.map_err(|_| Error::NotFound("there is no such session".into()))?;
    if !store::attendees(&mut tx, campaign, session_id).await?.is_empty() {
        return Err(Error::Conflict(format!("people have signed up to {}: cancel it instead, and they are told", session.name)));
    }
    store::delete_session(&mut tx, campaign, session_id).await?;
    actor.audit(&mut tx, "session_deleted", &session.name, 0).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn cancel_session(app: &App, actor: Actor<'_>, session_id: i64) -> Result<usize> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let session = store::session(&mut tx, campaign, session_id).await?;
    if session.cancelled_at.is_some() {
        return Ok(0);
    }
    store::cancel_session(&mut tx, campaign, session_id, &now_text()).await?;
    let session = store::session(&mut tx, campaign, session_id).await?;
    let mut told = 0;
    for a in store::attendees(&mut tx, campaign, session_id).await? {
        if !(a.status == "booked" || a.status == "waiting") {
            continue;
        }
        let slot = store::slot(&mut tx, campaign, a.slot_id).await?;
        let v = store::get(&mut tx, campaign, a.volunteer_id).await?;
        let body = format!(
            "Hello {},\n\nSorry: {} on {} is cancelled. Your page lists the other sessions you can join.\n",
            v.name,
            session.name,
            when(&slot)
        );
        let calendar = (a.status == "booked").then(|| ics(app, &session, &slot, &v, Method::Cancel));
        queue(app, &mut tx, campaign, &v, "session_cancelled", &format!("Cancelled: {}", session.name), body, calendar).await?;
        told += 1;
    }
    actor.audit(&mut tx, "session_cancelled", &format!("{}: {told} told", session.name), 0).await?;
    tx.commit().await?;
    app.mail_waiting();
    Ok(told)
}

/// The host's check-in list.
#[derive(Debug, Clone, Serialize)]
pub struct CheckInList {
    pub session: Session,
    pub slots: Vec<Slot>,
    pub attendees: Vec<Attendee>,
    /// Of those booked, how many to expect from their history; and walks to have ready.
    pub expected: f64,
    pub walks_needed: usize,
    /// Walks given to this session, and walks no one holds nearest the meeting point.
    pub walks_given: usize,
    pub free_walks_near: Vec<(FreeWalk, Option<f64>)>,
}

fn attendance(a: &Attendee) -> Attendance {
    Attendance { came: a.came_before, no_show: a.no_show_before }
}

pub async fn check_in_list(app: &App, actor: Actor<'_>, session_id: i64) -> Result<CheckInList> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let session = store::session(&mut tx, campaign, session_id).await?;
    let slots = store::slots(&mut tx, campaign, Some(session_id)).await?;
    let attendees = store::attendees(&mut tx, campaign, session_id).await?;
    let walks_given = canvassing::assignments(&mut tx, campaign).await?.values().filter(|a| a.session_id == Some(session_id)).count();
    let mut free = nearest_free_walks(&mut tx, campaign, &session).await?;
    free.truncate(10);
    actor.audit(&mut tx, "check_in_list", &format!("{}: {} signed up", session.name, attendees.len()), 0).await?;
    tx.commit().await?;
    let booked: Vec<Attendance> = attendees.iter().filter(|a| a.status == "booked").map(attendance).collect();
    Ok(CheckInList {
        expected: sessions::expected(&booked),
        walks_needed: sessions::walks_needed(&booked),
        session,
        slots,
        attendees,
        walks_given,
        free_walks_near: free,
    })
}

/// Walks no one holds, nearest the session's meeting point first (km), or in order if it has no
/// place.
async fn nearest_free_walks(tx: &mut Tx, campaign: &Campaign, session: &Session) -> Result<Vec<(FreeWalk, Option<f64>)>> {
    let mut free: Vec<(FreeWalk, Option<f64>)> = groundgame_store::walks::unassigned(tx, campaign)
        .await?
        .into_iter()
        .map(|w| {
            let km = match (session.lat, session.lon) {
                (Some(lat), Some(lon)) => Some(groundgame_walks::geo::haversine((lat, lon), (w.lat, w.lon)) / 1000.0),
                _ => None,
            };
            (w, km)
        })
        .collect();
    free.sort_by(|a, b| a.1.unwrap_or(0.0).total_cmp(&b.1.unwrap_or(0.0)).then(a.0.id.cmp(&b.0.id)));
    Ok(free)
}

/// Whom the host checks in.
#[derive(Debug, Clone)]
pub enum Arrival {
    Signup(i64),
    /// The code on the volunteer's own page.
    Code(String),
}

/// What check-in did.
#[derive(Debug, Clone, Serialize)]
pub struct CheckedIn {
    pub name: String,
    /// The walk handed out, if they have an account to take it on.
    pub walk: Option<String>,
    pub note: Option<String>,
}

/// Checks someone in, and hands them the walk no one holds nearest the meeting point (straight
/// onto their phone: it is theirs on "My walks"). Someone without an account is checked in and
/// told how to set one up.
pub async fn check_in(app: &App, actor: Actor<'_>, session_id: i64, who: Arrival) -> Result<CheckedIn> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let session = store::session(&mut tx, campaign, session_id).await?;
    let attendees = store::attendees(&mut tx, campaign, session_id).await?;
    let a = match &who {
        Arrival::Signup(id) => attendees.iter().find(|a| a.signup_id == *id),
        Arrival::Code(code) => {
            let code = code.trim().to_lowercase();
            attendees
                .iter()
                .find(|a| a.check_in_code == code && a.status == "booked")
                .or_else(|| attendees.iter().find(|a| a.check_in_code == code))
        }
    }
    .ok_or_else(|| Error::NotFound(format!("no one signed up to {} has that code", session.name)))?
    .clone();
    if a.status == "cancelled" {
        return Err(Error::Conflict(format!("{} cancelled: sign them up again as a walk-in", a.name)));
    }
    if a.status != "booked" {
        store::set_status(&mut tx, campaign, a.signup_id, Standing::Booked.as_str(), &now_text()).await?;
    }
    store::set_attendance(&mut tx, campaign, a.signup_id, Some(true), actor.user_id(), &now_text()).await?;
    let v = store::get(&mut tx, campaign, a.volunteer_id).await?;
    let result = hand_out(&mut tx, campaign, &session, &v).await?;
    actor
        .audit(
            &mut tx,
            "checked_in",
            &format!("{} at {}{}", v.name, session.name, result.walk.as_ref().map(|w| format!(", given {w}")).unwrap_or_default()),
            0,
        )
        .await?;
    tx.commit().await?;
    Ok(result)
}

/// Hands a checked-in volunteer their walk: the one no one holds nearest the meeting point.
async fn hand_out(tx: &mut WriteTx, campaign: &Campaign, session: &Session, v: &Volunteer) -> Result<CheckedIn> {
    let user = match v.user_id {
        Some(u) => Some(u),
        None => match &v.email {
            // Their email is confirmed (or given to the host in person): the account with it is theirs.
            Some(e) if v.email_confirmed_at.is_some() => accounts::credentials(tx, e).await?.map(|(u, _)| u.id),
            _ => None,
        },
    };
    let Some(user) = user else {
        return Ok(CheckedIn {
            name: v.name.clone(),
            walk: None,
            note: Some("no account yet: they set one up from the link in their email (\"Set up my phone\"), then check them in again for a walk, or give them a printed sheet".into()),
        });
    };
    if v.user_id.is_none() {
        store::link_account(tx, campaign, v.id, user).await?;
    }
    if accounts::role_in(tx, campaign.id, user).await?.is_none() {
        accounts::set_membership(tx, campaign.id, user, groundgame_core::access::Role::Canvasser).await?;
    }
    let held = canvassing::assigned_walks(tx, campaign, user).await?;
    if let Some(w) = held.first() {
        return Ok(CheckedIn { name: v.name.clone(), walk: Some(w.name.clone()), note: Some("already holds this walk".into()) });
    }
    let free = nearest_free_walks(tx, campaign, session).await?;
    let Some((walk, _)) = free.into_iter().next() else {
        return Ok(CheckedIn {
            name: v.name.clone(),
            walk: None,
            note: Some("no walk is free: plan more, or pair them with someone".into()),
        });
    };
    canvassing::assign(tx, campaign, walk.id, Some(user), Some(session.id)).await?;
    Ok(CheckedIn { name: v.name.clone(), walk: Some(walk.name), note: None })
}

/// The host marks someone as not having come (or clears their attendance).
pub async fn mark_attendance(app: &App, actor: Actor<'_>, session_id: i64, signup_id: i64, came: Option<bool>) -> Result<()> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let attendees = store::attendees(&mut tx, campaign, session_id).await?;
    let a = attendees.iter().find(|a| a.signup_id == signup_id).ok_or_else(|| Error::NotFound("no such sign-up at this session".into()))?;
    store::set_attendance(&mut tx, campaign, signup_id, came, actor.user_id(), &now_text()).await?;
    let what = match came {
        Some(true) => "came",
        Some(false) => "did not come",
        None => "attendance cleared",
    };
    actor.audit(&mut tx, "attendance", &format!("{}: {what}", a.name), 0).await?;
    tx.commit().await?;
    Ok(())
}

/// Someone who turns up without signing up: signed up on the spot (the same email or phone is
/// the record already held), checked in, and handed a walk if they have an account.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WalkIn {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub slot_id: i64,
}

pub async fn walk_in(app: &App, actor: Actor<'_>, session_id: i64, w: &WalkIn) -> Result<CheckedIn> {
    let name = check_name(&w.name)?;
    let email = w.email.as_deref().map(str::trim).filter(|e| !e.is_empty()).map(Email::parse).transpose()?;
    let phone = w.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(Phone::parse).transpose()?;
    if email.is_none() && phone.is_none() {
        return Err(Error::Invalid("an email or a phone number is needed, to tell them of the next session".into()));
    }
    let campaign = actor.campaign();
    let now = now_text();
    let how = "given to the host at check-in";
    let mut tx = app.store.begin_write().await?;
    let session = store::session(&mut tx, campaign, session_id).await?;
    let slot = store::slot(&mut tx, campaign, w.slot_id).await?;
    if slot.session_id != session_id {
        return Err(Error::NotFound(format!("{} has no time {}", session.name, w.slot_id)));
    }
    let found = store::find(&mut tx, campaign, email.as_ref().map(Email::key).as_deref(), phone.as_ref().map(Phone::e164)).await?;
    let v = match found {
        Some(v) => {
            // What the host was told in person is the volunteer's word: kept, with what it was.
            if let Some(e) = &email {
                if v.email.is_none() {
                    store::change(&mut tx, campaign, &v, Field::Email, e.as_str(), Some(&e.key()), how, &now).await?;
                }
            }
            if let Some(p) = &phone {
                store::change(&mut tx, campaign, &v, Field::Phone, p.e164(), Some(p.e164()), how, &now).await?;
            }
            store::get(&mut tx, campaign, v.id).await?
        }
        None => {
            let check_in_code = fresh_check_in_code(&mut tx, campaign).await?;
            store::create(
                &mut tx,
                campaign,
                &NewVolunteer {
                    name: &name,
                    email: email.as_ref().map(|e| (e.as_str(), e.key())),
                    phone: phone.as_ref().map(|p| (p.e164(), p.e164().to_owned())),
                    link_secret: new_token().0,
                    check_in_code,
                    ..NewVolunteer::default()
                },
                &now,
            )
            .await?
        }
    };
    // In person, their address is as good as confirmed.
    store::confirm_email(&mut tx, campaign, v.id, &now).await?;
    let signup = match store::find_signup(&mut tx, campaign, v.id, slot.id).await? {
        Some(s) => s,
        None => {
            store::insert_signup(
                &mut tx,
                campaign,
                &NewSignup { volunteer_id: v.id, slot_id: slot.id, status: Standing::Booked.as_str(), share_code: None, walk_in: true },
                &now,
            )
            .await?
        }
    };
    store::set_status(&mut tx, campaign, signup.id, Standing::Booked.as_str(), &now).await?;
    store::set_attendance(&mut tx, campaign, signup.id, Some(true), actor.user_id(), &now).await?;
    let v = store::get(&mut tx, campaign, v.id).await?;
    let result = hand_out(&mut tx, campaign, &session, &v).await?;
    if result.walk.is_none() {
        let page = app.mail.link(&format!("/v/{}", v.link_secret));
        let body = format!(
            "Hello {},\n\nThank you for coming to {}. To canvass from your phone, open your page and choose \"Set up my phone\":\n{page}\n",
            v.name, session.name
        );
        queue(app, &mut tx, campaign, &v, "walk_in", &format!("Welcome to {}", campaign.name), body, None).await?;
    }
    actor.audit(&mut tx, "walk_in", &format!("{} at {}", v.name, session.name), 0).await?;
    tx.commit().await?;
    app.mail_waiting();
    Ok(result)
}

/// The campaign's volunteers, for its organisers (audited).
pub async fn list(app: &App, actor: Actor<'_>) -> Result<Vec<store::Listed>> {
    let mut tx = app.store.begin_write().await?;
    let list = store::list(&mut tx, actor.campaign()).await?;
    actor.audit(&mut tx, "volunteers_listed", &format!("{} volunteers", list.len()), 0).await?;
    tx.commit().await?;
    Ok(list)
}

pub async fn leaderboard(app: &App, actor: Actor<'_>) -> Result<Vec<Sharer>> {
    let mut tx = app.store.begin().await?;
    let board = store::leaderboard(&mut tx, actor.campaign()).await?;
    tx.commit().await?;
    Ok(board)
}

// ---- Reminders ----

/// Queues the reminders due now: the day before and the morning of, to each with a place; the
/// host's follow-up an hour after a time ends. Each is sent once, whichever server gets to it
/// first; those who cancelled are never reminded. The number queued.
pub async fn send_reminders(app: &App, now: DateTime<Utc>) -> Result<usize> {
    let fmt = |t: DateTime<Utc>| uk_local(t).format("%Y-%m-%dT%H:%M").to_string();
    let mut queued = 0;
    let mut texted = false;
    let mut after = (0, 0);
    loop {
        let mut tx = app.store.begin_write().await?;
        let places = store::places_to_remind(&mut tx, &fmt(now - Duration::hours(12)), &fmt(now + Duration::hours(25)), after, 500).await?;
        if let Some(last) = places.last() {
            after = (last.campaign_id, last.signup_id);
        }
        for p in &places {
            let campaign = campaigns::by_id(&mut tx, p.campaign_id).await?;
            let slot = store::slot(&mut tx, &campaign, p.slot_id).await?;
            let booked_at =
                p.booked_at.as_deref().and_then(|b| DateTime::parse_from_rfc3339(b).ok()).map_or(now, |b| b.with_timezone(&Utc));
            for (reminder, sent) in [(Reminder::DayBefore, p.day_before_sent), (Reminder::MorningOf, p.morning_sent)] {
                let due = reminder.due(starts(&slot), ends(&slot), booked_at, now);
                // A reminder whose moment has gone by without it being due is marked so that the
                // place is not read again and again.
                let gone =
                    !due && now >= starts(&slot) - if reminder == Reminder::DayBefore { Duration::hours(3) } else { Duration::zero() };
                if sent == 1 || !(due || gone) {
                    continue;
                }
                if !store::mark_reminded(&mut tx, campaign.id, reminder.as_str(), p.signup_id, &now_text()).await? || !due {
                    continue;
                }
                let v = store::get(&mut tx, &campaign, p.volunteer_id).await?;
                let session = store::session(&mut tx, &campaign, p.session_id).await?;
                texted |= remind(app, &mut tx, &campaign, &v, &session, &slot, p.signup_id, reminder, now).await?;
                queued += 1;
            }
        }
        // The host's follow-up.
        for e in store::ended_without_follow_up(&mut tx, &fmt(now - Duration::hours(25)), &fmt(now - Duration::hours(1))).await? {
            let campaign = campaigns::by_id(&mut tx, e.campaign_id).await?;
            let slot = store::slot(&mut tx, &campaign, e.slot_id).await?;
            if !Reminder::HostFollowUp.due(starts(&slot), ends(&slot), now, now) {
                continue;
            }
            if !store::mark_reminded(&mut tx, campaign.id, Reminder::HostFollowUp.as_str(), e.slot_id, &now_text()).await? {
                continue;
            }
            let session = store::session(&mut tx, &campaign, e.session_id).await?;
            if let Some(host) = session.host_user_id {
                let (user, _) = accounts::user_credentials(&mut tx, host).await?;
                let attendees = store::attendees(&mut tx, &campaign, session.id).await?;
                let of_slot: Vec<&Attendee> = attendees.iter().filter(|a| a.slot_id == slot.id && a.status == "booked").collect();
                let came = of_slot.iter().filter(|a| a.checked_in_at.is_some()).count();
                let unmarked: Vec<&str> =
                    of_slot.iter().filter(|a| a.checked_in_at.is_none() && a.no_show_at.is_none()).map(|a| a.name.as_str()).collect();
                let body = format!(
                    "Hello {},\n\n{} on {}: {came} of {} with a place were checked in.\nWho else came, and who did not? Mark them on the check-in page, so that the next session knows how many walks it needs:\n{}\n\nNot yet marked: {}\n",
                    user.name,
                    session.name,
                    when(&slot),
                    of_slot.len(),
                    app.mail.link(&format!("/sessions/{}/check-in", session.id)),
                    if unmarked.is_empty() { "nobody".to_owned() } else { unmarked.join(", ") }
                );
                outbox::queue(
                    &mut tx,
                    &Mail {
                        campaign_id: Some(campaign.id),
                        volunteer_id: None,
                        to: user.email.clone(),
                        subject: format!("Who came to {}?", session.name),
                        body,
                        calendar: None,
                        unsubscribe_url: None,
                        kind: "host_follow_up",
                    },
                    &now_text(),
                )
                .await?;
                queued += 1;
            }
        }
        tx.commit().await?;
        if places.len() < 500 {
            break;
        }
    }
    if queued > 0 {
        app.mail_waiting();
    }
    if texted {
        app.texts_queued.notify_one();
    }
    Ok(queued)
}

#[allow(clippy::too_many_arguments)]
async fn remind(
    app: &App,
    tx: &mut Tx,
    campaign: &Campaign,
    v: &Volunteer,
    session: &Session,
    slot: &Slot,
    signup_id: i64,
    reminder: Reminder,
    now: DateTime<Utc>,
) -> Result<bool> {
    let page = app.mail.link(&format!("/v/{}", v.link_secret));
    let at = meet_at(session);
    let first = crate::texting::first_word(&v.name);
    let text = match reminder {
        Reminder::DayBefore => format!(
            "Hi {first}, {} is tomorrow, {}, at {at}. Still coming? Tap {page}/signups/{signup_id}/coming (or, if you can't, {page}/signups/{signup_id}/cancel).",
            session.name,
            when(slot)
        ),
        Reminder::MorningOf => format!(
            "Hi {first}, see you today: {}, {}, at {at}. Your check-in code is {}. Can't make it? {page}/signups/{signup_id}/cancel",
            session.name,
            when(slot),
            v.check_in_code.to_uppercase()
        ),
        Reminder::HostFollowUp => return Ok(false),
    };
    let texted = crate::texting::queue_volunteer_text(app, tx, campaign, v, &text, (now, starts(slot))).await?;
    let (subject, body) = match reminder {
        Reminder::DayBefore => (
            format!("Still coming? {} tomorrow", session.name),
            format!(
                "Hello {},\n\n{} is tomorrow: {}, at {at}.\n\nStill coming? One tap:\n  Yes, I'm coming: {page}/signups/{signup_id}/coming\n  I can't come now: {page}/signups/{signup_id}/cancel\n\nIf you cannot come, saying so gives your place to someone on the waiting list.\n",
                v.name,
                session.name,
                when(slot)
            ),
        ),
        Reminder::MorningOf => (
            format!("Today: {}", session.name),
            format!(
                "Hello {},\n\nSee you today: {}, {}, at {at}.\n{}\nYour check-in code is {} (or just give your name).\n\nCan't make it after all? {page}/signups/{signup_id}/cancel\n",
                v.name,
                session.name,
                when(slot),
                session.details,
                v.check_in_code.to_uppercase()
            ),
        ),
        Reminder::HostFollowUp => return Ok(false),
    };
    queue(app, tx, campaign, v, reminder.as_str(), &subject, body, Some(ics(app, session, slot, v, Method::Publish))).await?;
    Ok(texted)
}

// ---- Share links ----

/// Clicks on share links, counted in memory and written every few seconds (a redirect writes
/// nothing itself, so that a post going viral costs the database one write per link per flush).
#[derive(Default)]
pub struct Clicks {
    counts: Mutex<HashMap<String, i64>>,
    /// Codes already read: where each leads. A code never changes its target.
    known: Mutex<HashMap<String, Option<String>>>,
}

/// The most share links remembered between flushes.
const KNOWN_LINKS: usize = 100_000;

/// Where a share link leads (a local path with the code to credit), counting the click. None for
/// a code that is no link.
pub async fn follow(app: &App, code: &str) -> Result<Option<String>> {
    if code.len() > 32 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    let known = app.clicks.known.lock().unwrap_or_else(|p| p.into_inner()).get(code).cloned();
    let target = match known {
        Some(t) => t,
        None => {
            let mut tx = app.store.begin().await?;
            let link = store::share_link(&mut tx, code).await?;
            let target = match link {
                Some(l) => {
                    let campaign = campaigns::by_id(&mut tx, l.campaign_id).await?;
                    Some(match (Target::parse(&l.target), l.target_id) {
                        (Some(Target::Session), Some(id)) => format!("/join/{}/{id}?ref={code}", campaign.ballot_id),
                        (Some(Target::Post), Some(id)) => format!("/join/{}/posts/{id}?ref={code}", campaign.ballot_id),
                        _ => format!("/join/{}?ref={code}", campaign.ballot_id),
                    })
                }
                None => None,
            };
            tx.commit().await?;
            let mut known = app.clicks.known.lock().unwrap_or_else(|p| p.into_inner());
            if known.len() >= KNOWN_LINKS {
                known.clear();
            }
            known.insert(code.to_owned(), target.clone());
            target
        }
    };
    if target.is_some() {
        *app.clicks.counts.lock().unwrap_or_else(|p| p.into_inner()).entry(code.to_owned()).or_default() += 1;
    }
    Ok(target)
}

/// Writes the clicks counted since the last flush.
pub async fn flush_clicks(app: &App) -> Result<usize> {
    let counts: Vec<(String, i64)> =
        std::mem::take(&mut *app.clicks.counts.lock().unwrap_or_else(|p| p.into_inner())).into_iter().collect();
    if counts.is_empty() {
        return Ok(0);
    }
    let mut tx = app.store.begin_write().await?;
    store::add_clicks(&mut tx, &counts).await?;
    tx.commit().await?;
    Ok(counts.len())
}

/// A public session's page: its times and places, the meeting point (not the address).
#[derive(Debug, Clone, Serialize)]
pub struct PublicSession {
    pub campaign: Campaign,
    pub session: Session,
    pub slots: Vec<Slot>,
}

pub async fn public_session(app: &App, ballot_id: &str, session_id: i64) -> Result<PublicSession> {
    let mut tx = app.store.begin().await?;
    let campaign = campaigns::find(&mut tx, ballot_id).await?.ok_or_else(|| Error::NotFound("there is no such campaign here".into()))?;
    let session = store::session(&mut tx, &campaign, session_id).await.map_err(|_| Error::NotFound("there is no such session".into()))?;
    let now = Utc::now();
    let slots = store::slots(&mut tx, &campaign, Some(session_id)).await?.into_iter().filter(|s| ends(s) > now).collect();
    tx.commit().await?;
    Ok(PublicSession { campaign, session, slots })
}

/// A campaign's sign-up page: its sessions still to come.
pub async fn public_campaign(app: &App, ballot_id: &str) -> Result<(Campaign, Vec<store::OpenSlot>)> {
    let mut tx = app.store.begin().await?;
    let campaign = campaigns::find(&mut tx, ballot_id).await?.ok_or_else(|| Error::NotFound("there is no such campaign here".into()))?;
    let local_now = uk_local(Utc::now()).format("%Y-%m-%dT%H:%M").to_string();
    let open = store::open_slots(&mut tx, Some(campaign.id), &local_now).await?;
    tx.commit().await?;
    Ok((campaign, open))
}

/// The session each of a canvasser's walks was given for: its name, time and where to meet
/// (with the exact address: they are in the campaign), by walk.
pub async fn my_sessions(app: &App, member: &crate::Member) -> Result<HashMap<i64, (String, String, String)>> {
    let campaign = &member.campaign;
    let mut tx = app.store.begin().await?;
    let assignments = canvassing::assignments(&mut tx, campaign).await?;
    let mut out = HashMap::new();
    for a in assignments.values().filter(|a| a.user_id == Some(member.user.id)) {
        let Some(session_id) = a.session_id else { continue };
        let session = store::session(&mut tx, campaign, session_id).await?;
        let slots = store::slots(&mut tx, campaign, Some(session_id)).await?;
        let time = slots.first().map(when).unwrap_or_else(|| session.starts_at.replace('T', " "));
        let place = meet_at(&session);
        out.insert(a.walk_id, (session.name, time, place));
    }
    tx.commit().await?;
    Ok(out)
}

/// The own link's secret of the volunteer with this email, for the command line (the demo
/// prints a supporter's page).
pub async fn secret_of(app: &App, campaign: &Campaign, email: &str) -> Result<Option<String>> {
    let key = Email::parse(email)?.key();
    let mut tx = app.store.begin().await?;
    let v = store::find(&mut tx, campaign, Some(&key), None).await?;
    tx.commit().await?;
    Ok(v.map(|v| v.link_secret))
}

// ---- The nearest sessions ----

/// A session to come near someone: in the campaign they came to, or in a nearby marginal seat's.
#[derive(Debug, Clone, Serialize)]
pub struct NearSession {
    /// The session's campaign (ballot id) and name, and the seat it is fought in.
    pub campaign: String,
    pub campaign_name: String,
    pub seat: String,
    pub session_id: i64,
    pub name: String,
    pub starts_at: String,
    pub ends_at: String,
    pub meeting_point: String,
    pub places_left: i64,
    pub distance_km: f64,
    /// In the campaign whose page this is.
    pub here: bool,
}

/// The sessions still to come nearest a postcode: the campaign's own and those of the marginal
/// seats near it (the nearest-marginal ranking, for the campaign's party), closest first, with
/// where the postcode is. Each session once, at its first time with a place (or its first).
pub async fn nearest_sessions(app: &App, ballot_id: &str, postcode: &str) -> Result<(Campaign, String, Vec<NearSession>)> {
    use groundgame_targeting::nearest::distance_km;
    let campaign = {
        let mut tx = app.store.begin().await?;
        let c = campaigns::find(&mut tx, ballot_id).await?.ok_or_else(|| Error::NotFound("there is no such campaign here".into()))?;
        tx.commit().await?;
        c
    };
    let q =
        crate::targeting::NearestQuery { postcode: Some(postcode.to_owned()), party: Some(campaign.party.clone()), ..Default::default() };
    let answer = match crate::targeting::nearest_seats(app, &q).await? {
        Some(a) => a,
        None => return Err(Error::Invalid("type your postcode to find the sessions nearest you".into())),
    };
    let Some((from, _)) = crate::targeting::locate_place(app, Some(postcode), None, None).await? else {
        return Err(Error::Invalid("type your postcode to find the sessions nearest you".into()));
    };
    // The seats in reach with a campaign here, and the campaign's own seat whatever its margin.
    let mut seats: HashMap<String, String> = answer.seats.iter().map(|n| (n.seat.gss.clone(), n.seat.name.clone())).collect();
    let places = groundgame_core::geography::constituencies();
    let centre =
        |gss: &str| places.iter().find(|c| c.gss.as_str() == gss).map(|c| groundgame_core::geography::LatLon { lat: c.lat, lon: c.lon });
    seats
        .entry(campaign.gss.clone())
        .or_insert_with(|| places.iter().find(|c| c.gss.as_str() == campaign.gss).map_or(campaign.name.clone(), |c| c.name.clone()));
    let mut tx = app.store.begin().await?;
    let in_reach: Vec<Campaign> = campaigns::list(&mut tx).await?.into_iter().filter(|c| seats.contains_key(&c.gss)).collect();
    let local_now = uk_local(Utc::now()).format("%Y-%m-%dT%H:%M").to_string();
    let mut out: Vec<NearSession> = Vec::new();
    for c in &in_reach {
        for open in store::open_slots(&mut tx, Some(c.id), &local_now).await? {
            let at = match (open.lat, open.lon) {
                (Some(lat), Some(lon)) => Some(groundgame_core::geography::LatLon { lat, lon }),
                _ => centre(&c.gss),
            };
            let Some(at) = at else { continue };
            let left = open.capacity - open.booked;
            match out.iter_mut().find(|s| s.campaign == c.ballot_id && s.session_id == open.session_id) {
                // A later time of a session shows only if the first shown is full and it is not.
                Some(seen) if seen.places_left <= 0 && left > 0 => {
                    (seen.starts_at, seen.ends_at, seen.places_left) = (open.starts_at, open.ends_at, left);
                }
                Some(_) => {}
                None => out.push(NearSession {
                    campaign: c.ballot_id.clone(),
                    campaign_name: c.name.clone(),
                    seat: seats[&c.gss].clone(),
                    session_id: open.session_id,
                    name: open.name,
                    starts_at: open.starts_at,
                    ends_at: open.ends_at,
                    meeting_point: open.meeting_point,
                    places_left: left,
                    distance_km: distance_km(from, at),
                    here: c.id == campaign.id,
                }),
            }
        }
    }
    tx.commit().await?;
    out.sort_by(|a, b| a.distance_km.total_cmp(&b.distance_km).then_with(|| a.starts_at.cmp(&b.starts_at)));
    out.truncate(20);
    Ok((campaign, answer.place, out))
}

// ---- A volunteer's own details ----

/// What a volunteer is asked when they tick "You may text me".
pub const SMS_CONSENT_WORDING: &str = "The campaign may send me text messages about canvassing sessions and the campaign.";
/// What a volunteer is asked when they tick "You may phone me".
pub const PHONE_CONSENT_WORDING: &str = "The campaign may phone me about canvassing sessions and the campaign.";

/// When a volunteer can help, as they tick it.
pub const AVAILABILITY: [&str; 4] = ["weekday evenings", "Saturdays", "Sundays", "polling day"];
/// What a volunteer can do besides knocking on doors.
pub const SKILLS: [&str; 4] = ["driver", "phone banking", "data entry", "hosting a session"];

/// The details a volunteer keeps on their own page.
#[derive(Debug, Clone, Default)]
pub struct OwnDetails {
    pub phone: String,
    pub availability: Vec<String>,
    pub skills: Vec<String>,
    /// Languages they speak besides English, as they write them.
    pub languages: String,
    pub consent_sms: bool,
    pub consent_phone: bool,
}

/// Saves a volunteer's own details (each change kept in their history) and their consent to
/// texts and calls (each change a line of the ledger with its wording). A phone number already on
/// another volunteer's record is refused: records are merged by the organiser, never by a form.
pub async fn update_own_details(app: &App, secret: &str, d: &OwnDetails) -> Result<()> {
    let phone = match d.phone.trim() {
        "" => None,
        p => Some(Phone::parse(p)?),
    };
    let pick = |given: &[String], known: &[&str]| -> Vec<String> {
        known.iter().filter(|k| given.iter().any(|g| g == *k)).map(|k| (*k).to_owned()).collect()
    };
    let availability = pick(&d.availability, &AVAILABILITY).join(", ");
    let mut skills = pick(&d.skills, &SKILLS);
    let languages = d.languages.trim();
    if languages.chars().count() > 100 {
        return Err(Error::Invalid("languages: at most 100 characters".into()));
    }
    if !languages.is_empty() {
        skills.push(format!("speaks {languages}"));
    }
    if (d.consent_sms || d.consent_phone) && phone.is_none() {
        return Err(Error::Invalid("give a phone number to be texted or phoned".into()));
    }
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    if v.email_confirmed_at.is_none() {
        return Err(Error::Invalid("confirm your sign-up first (the link in our email)".into()));
    }
    let now = now_text();
    let how = "own page";
    if let Some(p) = &phone {
        if let Some(other) = store::find(&mut tx, &campaign, None, Some(p.e164())).await? {
            if other.id != v.id {
                return Err(Error::Conflict("that number is on another volunteer's record: ask the campaign's organiser".into()));
            }
        }
    }
    match &phone {
        Some(p) => store::change(&mut tx, &campaign, &v, Field::Phone, p.e164(), Some(p.e164()), how, &now).await?,
        None if v.phone.is_some() => store::change(&mut tx, &campaign, &v, Field::Phone, "", None, how, &now).await?,
        None => false,
    };
    store::change(&mut tx, &campaign, &v, Field::Availability, &availability, None, how, &now).await?;
    store::change(&mut tx, &campaign, &v, Field::Skills, &skills.join(", "), None, how, &now).await?;
    let lines = store::consents(&mut tx, &campaign, v.id).await?;
    for (channel, given, wording) in
        [(Channel::Sms, d.consent_sms, SMS_CONSENT_WORDING), (Channel::Phone, d.consent_phone, PHONE_CONSENT_WORDING)]
    {
        let had = store::consents_to(&lines, channel);
        if had != given {
            store::record_consent(&mut tx, &campaign, v.id, channel, given, how, wording, &now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
