//! The mail outbox: mail is queued in the transaction that makes it (a sign-up and its
//! confirmation are stored together or not at all) and sent behind by the server's mailer. A
//! mailer claims a batch for a while before sending it, so that several servers on one database
//! never send the same mail twice; mail whose sending failed is tried again later.

use crate::args;
use crate::db::Tx;
use crate::error::Result;

/// A mail to queue.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mail {
    pub campaign_id: Option<i64>,
    pub volunteer_id: Option<i64>,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// An iCalendar file to attach.
    pub calendar: Option<String>,
    /// The one-click unsubscribe address (RFC 8058).
    pub unsubscribe_url: Option<String>,
    /// What it is: 'confirm_signup', 'booked', 'day_before', ...
    pub kind: &'static str,
}

pub async fn queue(tx: &mut Tx, mail: &Mail, now: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO mail_outbox (campaign_id, volunteer_id, to_address, subject, body, calendar, unsubscribe_url, kind, created_at, next_try_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        args![
            mail.campaign_id,
            mail.volunteer_id,
            mail.to.as_str(),
            mail.subject.as_str(),
            mail.body.as_str(),
            mail.calendar.clone(),
            mail.unsubscribe_url.clone(),
            mail.kind,
            now
        ],
    )
    .await?;
    Ok(())
}

/// A queued mail claimed for sending.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Queued {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub calendar: Option<String>,
    pub unsubscribe_url: Option<String>,
    pub kind: String,
    pub attempts: i64,
}

/// Claims up to `limit` mails due by `now` and not claimed by a mailer now, until `until`. A
/// mail claimed by another server meanwhile is not taken (the claim is checked again on the row).
pub async fn claim(tx: &mut Tx, now: &str, until: &str, limit: i64) -> Result<Vec<Queued>> {
    tx.fetch_all(
        "UPDATE mail_outbox SET claimed_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM mail_outbox WHERE sent_at IS NULL AND next_try_at <= $2 \
                      AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT $3) \
         AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < $2) \
         RETURNING id, to_address, subject, body, calendar, unsubscribe_url, kind, attempts",
        args![until, now, limit],
    )
    .await
}

pub async fn mark_sent(tx: &mut Tx, id: i64, now: &str) -> Result<()> {
    tx.execute("UPDATE mail_outbox SET sent_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2", args![now, id]).await?;
    Ok(())
}

/// Sending failed: try again at `next_try`.
pub async fn mark_failed(tx: &mut Tx, id: i64, error: &str, next_try: &str) -> Result<()> {
    tx.execute("UPDATE mail_outbox SET claimed_until = NULL, last_error = $1, next_try_at = $2 WHERE id = $3", args![error, next_try, id])
        .await?;
    Ok(())
}

/// How many mails wait to be sent, and the oldest's time.
pub async fn waiting(tx: &mut Tx) -> Result<(i64, Option<String>)> {
    tx.fetch_one("SELECT CAST(COUNT(*) AS BIGINT), MIN(created_at) FROM mail_outbox WHERE sent_at IS NULL", args![]).await
}

/// The mail to one address, newest first (for the tests and the demo's mail-less mode).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Sent {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub kind: String,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

pub async fn to_address(tx: &mut Tx, campaign_id: i64, address: &str) -> Result<Vec<Sent>> {
    tx.fetch_all(
        "SELECT id, to_address, subject, kind, created_at, sent_at, last_error FROM mail_outbox \
         WHERE campaign_id = $1 AND lower(to_address) = lower($2) ORDER BY id DESC",
        args![campaign_id, address],
    )
    .await
}

/// Whether a mail of this kind was queued for the volunteer since `since`.
pub async fn queued_since(tx: &mut Tx, campaign_id: i64, volunteer_id: i64, kind: &str, since: &str) -> Result<bool> {
    let found: Option<(i64,)> = tx
        .fetch_optional(
            "SELECT id FROM mail_outbox WHERE campaign_id = $1 AND volunteer_id = $2 AND kind = $3 AND created_at >= $4 LIMIT 1",
            args![campaign_id, volunteer_id, kind, since],
        )
        .await?;
    Ok(found.is_some())
}

/// Drops a volunteer's mail not yet sent (they unsubscribed).
pub async fn drop_waiting(tx: &mut Tx, campaign_id: i64, volunteer_id: i64) -> Result<u64> {
    tx.execute("DELETE FROM mail_outbox WHERE campaign_id = $1 AND volunteer_id = $2 AND sent_at IS NULL", args![campaign_id, volunteer_id])
        .await
}

/// The mail queued for a volunteer, newest first.
pub async fn to_volunteer(tx: &mut Tx, campaign_id: i64, volunteer_id: i64) -> Result<Vec<Sent>> {
    tx.fetch_all(
        "SELECT id, to_address, subject, kind, created_at, sent_at, last_error FROM mail_outbox \
         WHERE campaign_id = $1 AND volunteer_id = $2 ORDER BY id DESC",
        args![campaign_id, volunteer_id],
    )
    .await
}
