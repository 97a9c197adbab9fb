//! Texting's records: electors' numbers with their consent, templates, every text each way (the
//! outbox is the texts still `waiting`, claimed by one sender at a time so that several servers
//! never send one twice), and the numbers that opted out.

use std::collections::HashMap;

use serde::Serialize;

use crate::args;
use crate::db::Tx;
use crate::error::Result;

/// An elector's number as held: where it came from and whether they agreed to texts.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ElectorPhone {
    pub elector_id: i64,
    pub number: String,
    pub source: String,
    pub sms_consent: i64,
    /// They agreed to calls on it (which lets a number on the TPS or CTPS be called).
    pub call_consent: i64,
    pub consent_at: Option<String>,
    pub consent_how: Option<String>,
    pub consent_wording: Option<String>,
    pub added_at: String,
}

/// Consent to texts as given: when, how and to what wording.
#[derive(Debug, Clone, PartialEq)]
pub struct Consent<'a> {
    pub given: bool,
    pub at: &'a str,
    pub how: &'a str,
    pub wording: &'a str,
}

/// Records an elector's number (or its consent anew): the latest word on consent stands.
pub async fn add_elector_phone(
    tx: &mut Tx,
    campaign_id: i64,
    elector_id: i64,
    number: &str,
    source: &str,
    consent: &Consent<'_>,
    user_id: Option<i64>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO elector_phones (campaign_id, elector_id, number, source, sms_consent, consent_at, consent_how, consent_wording, added_at, added_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $6, $9) \
         ON CONFLICT (campaign_id, elector_id, number) DO UPDATE SET sms_consent = excluded.sms_consent, consent_at = excluded.consent_at, \
         consent_how = excluded.consent_how, consent_wording = excluded.consent_wording, source = excluded.source",
        args![campaign_id, elector_id, number, source, i64::from(consent.given), consent.at, consent.how, consent.wording, user_id],
    )
    .await?;
    Ok(())
}

/// The elector's numbers, the ones they agreed to texts on first, newest first.
/// Every elector of the campaign by (polling district, number, suffix): for matching a list.
pub async fn elector_ids(tx: &mut Tx, campaign_id: i64) -> Result<HashMap<(String, i64, i64), i64>> {
    let mut out = HashMap::new();
    crate::bulk::scan(
        tx,
        "SELECT id, polling_district, elector_number, elector_suffix FROM electors WHERE campaign_id = $1",
        args![campaign_id],
        |row| {
            out.insert((row.text(1)?, row.int(2)?, row.int(3)?), row.int(0)?);
            Ok(())
        },
    )
    .await?;
    Ok(out)
}

/// A number of a matched list, for [`add_matched_list`].
pub struct MatchedPhone<'a> {
    pub elector_id: i64,
    pub number: &'a str,
    pub sms: bool,
    pub calls: bool,
}

/// Records a matched list's numbers together (each elector and number once), with the consent the
/// list carries: the latest word on consent stands, as for one number.
pub async fn add_matched_list(
    tx: &mut Tx,
    campaign_id: i64,
    phones: &[MatchedPhone<'_>],
    consent: &Consent<'_>,
    now: &str,
    user_id: Option<i64>,
) -> Result<()> {
    let rows = phones
        .iter()
        .map(|p| {
            args![
                campaign_id,
                p.elector_id,
                p.number,
                "upload",
                i64::from(p.sms),
                consent.at,
                consent.how,
                consent.wording,
                now,
                user_id,
                i64::from(p.calls)
            ]
        })
        .collect();
    crate::bulk::upsert(
        tx,
        "elector_phones",
        "(campaign_id, elector_id, number) DO UPDATE SET sms_consent = excluded.sms_consent, call_consent = excluded.call_consent, \
         consent_at = excluded.consent_at, consent_how = excluded.consent_how, consent_wording = excluded.consent_wording, source = excluded.source",
        rows,
    )
    .await
}

pub async fn elector_phones(tx: &mut Tx, campaign_id: i64, elector_id: i64) -> Result<Vec<ElectorPhone>> {
    tx.fetch_all(
        "SELECT elector_id, number, source, sms_consent, call_consent, consent_at, consent_how, consent_wording, added_at FROM elector_phones \
         WHERE campaign_id = $1 AND elector_id = $2 ORDER BY sms_consent DESC, consent_at DESC",
        args![campaign_id, elector_id],
    )
    .await
}

/// A text template.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct TextTemplate {
    pub id: i64,
    pub name: String,
    pub body: String,
    pub created_at: String,
    pub withdrawn_at: Option<String>,
}

pub async fn add_template(tx: &mut Tx, campaign_id: i64, name: &str, body: &str, now: &str) -> Result<i64> {
    tx.hold_next_id("text_templates", campaign_id).await?;
    let (id,): (i64,) = tx
        .fetch_one(
            "INSERT INTO text_templates (campaign_id, id, name, body, created_at) \
             SELECT $1, COALESCE(MAX(id), 0) + 1, $2, $3, $4 FROM text_templates WHERE campaign_id = $1 RETURNING id",
            args![campaign_id, name, body, now],
        )
        .await?;
    Ok(id)
}

/// The campaign's templates in use, oldest first.
pub async fn templates(tx: &mut Tx, campaign_id: i64) -> Result<Vec<TextTemplate>> {
    tx.fetch_all(
        "SELECT id, name, body, created_at, withdrawn_at FROM text_templates WHERE campaign_id = $1 AND withdrawn_at IS NULL ORDER BY id",
        args![campaign_id],
    )
    .await
}

pub async fn template(tx: &mut Tx, campaign_id: i64, id: i64) -> Result<Option<TextTemplate>> {
    tx.fetch_optional(
        "SELECT id, name, body, created_at, withdrawn_at FROM text_templates WHERE campaign_id = $1 AND id = $2",
        args![campaign_id, id],
    )
    .await
}

/// Withdraws a template: no new text uses it; the texts sent with it keep their words.
pub async fn withdraw_template(tx: &mut Tx, campaign_id: i64, id: i64, now: &str) -> Result<bool> {
    let n = tx
        .execute(
            "UPDATE text_templates SET withdrawn_at = $1 WHERE campaign_id = $2 AND id = $3 AND withdrawn_at IS NULL",
            args![now, campaign_id, id],
        )
        .await?;
    Ok(n == 1)
}

/// A text to put in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct NewText<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub elector_id: Option<i64>,
    pub volunteer_id: Option<i64>,
    pub user_id: Option<i64>,
    pub template_id: Option<i64>,
    pub body: &'a str,
    /// When it may first go (now, or 09:00 if it is out of hours).
    pub not_before: &'a str,
}

pub async fn queue(tx: &mut Tx, campaign_id: i64, t: &NewText<'_>, now: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO texts (campaign_id, id, direction, number, elector_id, volunteer_id, user_id, template_id, body, status, created_at, next_try_at) \
         VALUES ($1, $2, 'out', $3, $4, $5, $6, $7, $8, 'waiting', $9, $10)",
        args![campaign_id, t.id, t.number, t.elector_id, t.volunteer_id, t.user_id, t.template_id, t.body, now, t.not_before],
    )
    .await?;
    Ok(())
}

/// A text of a thread.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Text {
    pub id: String,
    pub direction: String,
    #[serde(skip)]
    pub number: String,
    pub elector_id: Option<i64>,
    pub volunteer_id: Option<i64>,
    pub user_id: Option<i64>,
    pub template_id: Option<i64>,
    pub body: String,
    pub status: String,
    pub error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub status_at: Option<String>,
}

const TEXT: &str =
    "id, direction, number, elector_id, volunteer_id, user_id, template_id, body, status, error, created_at, sent_at, status_at";

pub async fn text(tx: &mut Tx, campaign_id: i64, id: &str) -> Result<Option<Text>> {
    tx.fetch_optional(&format!("SELECT {TEXT} FROM texts WHERE campaign_id = $1 AND id = $2"), args![campaign_id, id]).await
}

/// Who a thread is with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum With {
    Elector(i64),
    Volunteer(i64),
}

/// A thread's texts, oldest first.
pub async fn thread(tx: &mut Tx, campaign_id: i64, with: With) -> Result<Vec<Text>> {
    let (column, id) = match with {
        With::Elector(id) => ("elector_id", id),
        With::Volunteer(id) => ("volunteer_id", id),
    };
    tx.fetch_all(&format!("SELECT {TEXT} FROM texts WHERE campaign_id = $1 AND {column} = $2 ORDER BY id"), args![campaign_id, id]).await
}

/// The latest texts of a texter's threads (or of every thread, for `None`), newest first: at
/// most `limit`.
pub async fn latest(tx: &mut Tx, campaign_id: i64, user_id: Option<i64>, limit: i64) -> Result<Vec<Text>> {
    match user_id {
        Some(u) => {
            tx.fetch_all(
                &format!("SELECT {TEXT} FROM texts WHERE campaign_id = $1 AND user_id = $2 ORDER BY id DESC LIMIT $3"),
                args![campaign_id, u, limit],
            )
            .await
        }
        None => {
            tx.fetch_all(&format!("SELECT {TEXT} FROM texts WHERE campaign_id = $1 ORDER BY id DESC LIMIT $2"), args![campaign_id, limit])
                .await
        }
    }
}

/// A text claimed for sending.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Claimed {
    pub campaign_id: i64,
    pub id: String,
    pub number: String,
    pub body: String,
    pub attempts: i64,
}

/// Claims up to `limit` texts due by `now` and not claimed by another sender now, until `until`.
pub async fn claim(tx: &mut Tx, now: &str, until: &str, limit: i64) -> Result<Vec<Claimed>> {
    tx.fetch_all(
        "UPDATE texts SET claimed_until = $1, attempts = attempts + 1 \
         WHERE (campaign_id, id) IN (SELECT t.campaign_id, t.id FROM texts t WHERE t.status = 'waiting' AND t.next_try_at <= $2 \
                                     AND (t.claimed_until IS NULL OR t.claimed_until < $2) \
                                     AND NOT EXISTS (SELECT 1 FROM sms_opt_outs o WHERE o.campaign_id = t.campaign_id \
                                                     AND o.number = t.number AND o.undone_at IS NULL) \
                                     ORDER BY t.next_try_at LIMIT $3) \
         AND status = 'waiting' AND (claimed_until IS NULL OR claimed_until < $2) \
         RETURNING campaign_id, id, number, body, attempts",
        args![until, now, limit],
    )
    .await
}

/// Takes texts that have waited since before `cutoff` off the outbox: what they say ("see you on
/// Saturday") may no longer be true. How many.
pub async fn expire_waiting(tx: &mut Tx, cutoff: &str, now: &str) -> Result<u64> {
    tx.execute(
        "UPDATE texts SET status = 'failed', error = 'not sent within a day of being queued: too late to send', status_at = $1, \
         claimed_until = NULL WHERE status = 'waiting' AND created_at < $2",
        args![now, cutoff],
    )
    .await
}

/// The provider took the text. A status callback that came first is not undone, and a text marked
/// off the outbox while it was on its way (its number opted out that moment) is recorded as sent,
/// because it was.
pub async fn mark_sent(tx: &mut Tx, campaign_id: i64, id: &str, sid: &str, now: &str) -> Result<()> {
    tx.execute(
        "UPDATE texts SET status = CASE WHEN status IN ('waiting', 'failed') THEN 'sent' ELSE status END, provider_sid = $1, sent_at = $2, \
         status_at = COALESCE(status_at, $2), claimed_until = NULL, error = NULL WHERE campaign_id = $3 AND id = $4",
        args![sid, now, campaign_id, id],
    )
    .await?;
    Ok(())
}

/// Sending failed: try again at `next_try`, or (None) never.
pub async fn mark_failed(tx: &mut Tx, campaign_id: i64, id: &str, error: &str, next_try: Option<&str>, now: &str) -> Result<()> {
    match next_try {
        Some(next) => {
            tx.execute(
                "UPDATE texts SET claimed_until = NULL, error = $1, next_try_at = $2 WHERE campaign_id = $3 AND id = $4 AND status = 'waiting'",
                args![error, next, campaign_id, id],
            )
            .await?
        }
        None => {
            tx.execute(
                "UPDATE texts SET claimed_until = NULL, error = $1, status = 'failed', status_at = $2 WHERE campaign_id = $3 AND id = $4 AND status = 'waiting'",
                args![error, now, campaign_id, id],
            )
            .await?
        }
    };
    Ok(())
}

/// Takes a number's waiting texts off the outbox unsent: it opted out before they went.
pub async fn cancel_waiting(tx: &mut Tx, campaign_id: i64, number: &str, now: &str) -> Result<u64> {
    tx.execute(
        "UPDATE texts SET status = 'failed', error = 'opted out before it was sent', status_at = $1, claimed_until = NULL \
         WHERE campaign_id = $2 AND number = $3 AND status = 'waiting'",
        args![now, campaign_id, number],
    )
    .await
}

/// Sets a text's status as a provider's callback reports it, if it is still `from` (the caller
/// decided the move is forward): false if another report changed it first.
pub async fn set_status(tx: &mut Tx, campaign_id: i64, id: &str, from: &str, status: &str, error: Option<&str>, now: &str) -> Result<bool> {
    let n = tx
        .execute(
            "UPDATE texts SET status = $1, error = COALESCE($2, error), status_at = $3, claimed_until = NULL \
             WHERE campaign_id = $4 AND id = $5 AND status = $6",
            args![status, error, now, campaign_id, id, from],
        )
        .await?;
    Ok(n == 1)
}

/// Every campaign that has texted a number.
pub async fn campaigns_that_texted(tx: &mut Tx, number: &str) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> =
        tx.fetch_all("SELECT DISTINCT campaign_id FROM texts WHERE number = $1 AND direction = 'out'", args![number]).await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// The last text sent to a number from any campaign: whose thread a reply joins.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LastSent {
    pub campaign_id: i64,
    pub elector_id: Option<i64>,
    pub volunteer_id: Option<i64>,
    pub user_id: Option<i64>,
}

pub async fn last_sent_to(tx: &mut Tx, number: &str) -> Result<Option<LastSent>> {
    tx.fetch_optional(
        "SELECT campaign_id, elector_id, volunteer_id, user_id FROM texts WHERE number = $1 AND direction = 'out' ORDER BY id DESC LIMIT 1",
        args![number],
    )
    .await
}

/// A reply as the provider brought it.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub body: &'a str,
    /// The provider's id for it.
    pub sid: &'a str,
}

/// Stores a reply once by the provider's id for it, in the thread of `to`: false if it was
/// stored before.
pub async fn receive(tx: &mut Tx, campaign_id: i64, m: &Incoming<'_>, to: &LastSent, now: &str) -> Result<bool> {
    let n = tx
        .execute(
            "INSERT INTO texts (campaign_id, id, direction, number, elector_id, volunteer_id, user_id, body, status, provider_sid, created_at, status_at) \
             VALUES ($1, $2, 'in', $3, $4, $5, $6, $7, 'received', $8, $9, $9) \
             ON CONFLICT (campaign_id, provider_sid) WHERE direction = 'in' DO NOTHING",
            args![campaign_id, m.id, m.number, to.elector_id, to.volunteer_id, to.user_id, m.body, m.sid, now],
        )
        .await?;
    Ok(n == 1)
}

/// How many of the campaign's texts stand at each status.
pub async fn counts(tx: &mut Tx, campaign_id: i64) -> Result<Vec<(String, String, i64)>> {
    tx.fetch_all(
        "SELECT direction, status, CAST(COUNT(*) AS BIGINT) FROM texts WHERE campaign_id = $1 GROUP BY direction, status ORDER BY direction, status",
        args![campaign_id],
    )
    .await
}

/// The campaign's texts waiting in the outbox.
pub async fn waiting(tx: &mut Tx, campaign_id: i64) -> Result<i64> {
    let (n,): (i64,) = tx
        .fetch_one("SELECT CAST(COUNT(*) AS BIGINT) FROM texts WHERE campaign_id = $1 AND status = 'waiting'", args![campaign_id])
        .await?;
    Ok(n)
}

/// A number that asked to hear no more.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OptOut {
    pub number: String,
    pub opted_out_at: String,
    pub how: String,
    pub words: Option<String>,
    pub undone_at: Option<String>,
    pub undo_reason: Option<String>,
}

/// Opts a number out of the campaign's texts: true if it was not opted out already.
pub async fn opt_out(tx: &mut Tx, campaign_id: i64, number: &str, how: &str, words: Option<&str>, now: &str) -> Result<bool> {
    let n = tx
        .execute(
            "INSERT INTO sms_opt_outs (campaign_id, number, opted_out_at, how, words) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (campaign_id, number) DO UPDATE SET opted_out_at = excluded.opted_out_at, how = excluded.how, words = excluded.words, \
             undone_at = NULL, undone_by = NULL, undo_reason = NULL WHERE sms_opt_outs.undone_at IS NOT NULL",
            args![campaign_id, number, now, how, words],
        )
        .await?;
    Ok(n == 1)
}

pub async fn is_opted_out(tx: &mut Tx, campaign_id: i64, number: &str) -> Result<bool> {
    let found: Option<(String,)> = tx
        .fetch_optional(
            "SELECT number FROM sms_opt_outs WHERE campaign_id = $1 AND number = $2 AND undone_at IS NULL",
            args![campaign_id, number],
        )
        .await?;
    Ok(found.is_some())
}

/// Every opt-out of the campaign, undone ones too, newest first.
pub async fn opt_outs(tx: &mut Tx, campaign_id: i64) -> Result<Vec<OptOut>> {
    tx.fetch_all(
        "SELECT number, opted_out_at, how, words, undone_at, undo_reason FROM sms_opt_outs WHERE campaign_id = $1 ORDER BY opted_out_at DESC",
        args![campaign_id],
    )
    .await
}

/// Undoes a standing opt-out, with the reason: true if there was one.
pub async fn undo_opt_out(tx: &mut Tx, campaign_id: i64, number: &str, user_id: Option<i64>, reason: &str, now: &str) -> Result<bool> {
    let n = tx
        .execute(
            "UPDATE sms_opt_outs SET undone_at = $1, undone_by = $2, undo_reason = $3 WHERE campaign_id = $4 AND number = $5 AND undone_at IS NULL",
            args![now, user_id, reason, campaign_id, number],
        )
        .await?;
    Ok(n == 1)
}

/// A volunteer as texting needs them.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VolunteerToText {
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub unsubscribed_at: Option<String>,
}

pub async fn volunteer(tx: &mut Tx, campaign_id: i64, id: i64) -> Result<Option<VolunteerToText>> {
    tx.fetch_optional("SELECT id, name, phone, unsubscribed_at FROM volunteers WHERE campaign_id = $1 AND id = $2", args![campaign_id, id])
        .await
}

/// An elector as texting needs them: first name, objection, polling station.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ElectorToText {
    pub id: i64,
    pub forename: Option<String>,
    pub polling_district: String,
    pub objected: Option<String>,
    pub polling_station: Option<String>,
}

pub async fn elector(tx: &mut Tx, campaign_id: i64, id: i64) -> Result<Option<ElectorToText>> {
    tx.fetch_optional(
        "SELECT e.id, e.forename, e.polling_district, o.recorded_at AS objected, s.name AS polling_station FROM electors e \
         LEFT JOIN objections o ON o.campaign_id = e.campaign_id AND o.elector_id = e.id \
         LEFT JOIN polling_station_districts d ON d.campaign_id = e.campaign_id AND d.polling_district = e.polling_district \
         LEFT JOIN polling_stations s ON s.campaign_id = d.campaign_id AND s.id = d.station_id \
         WHERE e.campaign_id = $1 AND e.id = $2",
        args![campaign_id, id],
    )
    .await
}

/// The volunteer's next booked session time after `now`: its name and start.
pub async fn next_session(tx: &mut Tx, campaign_id: i64, volunteer_id: i64, now: &str) -> Result<Option<(String, String)>> {
    tx.fetch_optional(
        "SELECT c.name, t.starts_at FROM signups s JOIN session_slots t ON t.campaign_id = s.campaign_id AND t.id = s.slot_id \
         JOIN canvass_sessions c ON c.campaign_id = t.campaign_id AND c.id = t.session_id \
         WHERE s.campaign_id = $1 AND s.volunteer_id = $2 AND s.status = 'booked' AND t.starts_at > $3 AND c.cancelled_at IS NULL \
         ORDER BY t.starts_at LIMIT 1",
        args![campaign_id, volunteer_id, now],
    )
    .await
}

/// An elector a texter may text next: first name and polling district only.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ToText {
    pub elector_id: i64,
    pub forename: Option<String>,
    pub polling_district: String,
}

/// Electors who agreed to texts on a number that has not opted out, who have not objected, and
/// whom no one has texted since `since`: at most `limit`, in register order.
pub async fn to_text_next(tx: &mut Tx, campaign_id: i64, since: &str, limit: i64) -> Result<Vec<ToText>> {
    tx.fetch_all(
        "SELECT e.id AS elector_id, e.forename, e.polling_district FROM electors e \
         WHERE e.campaign_id = $1 \
         AND EXISTS (SELECT 1 FROM elector_phones p WHERE p.campaign_id = e.campaign_id AND p.elector_id = e.id AND p.sms_consent = 1 \
                     AND NOT EXISTS (SELECT 1 FROM sms_opt_outs o WHERE o.campaign_id = p.campaign_id AND o.number = p.number AND o.undone_at IS NULL)) \
         AND NOT EXISTS (SELECT 1 FROM objections x WHERE x.campaign_id = e.campaign_id AND x.elector_id = e.id) \
         AND NOT EXISTS (SELECT 1 FROM texts t WHERE t.campaign_id = e.campaign_id AND t.elector_id = e.id AND t.direction = 'out' AND t.created_at >= $2) \
         ORDER BY e.polling_district, e.elector_number, e.elector_suffix LIMIT $3",
        args![campaign_id, since, limit],
    )
    .await
}
