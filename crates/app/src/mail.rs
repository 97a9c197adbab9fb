//! Mail: the settings, and the mailer that sends the outbox behind the requests that queued it.
//!
//! Nothing pretends to send: with no SMTP server set, mail stays queued (and the pages say mail
//! is off); once one is set, the server's mailer sends what waits. A mail is claimed for two
//! minutes before it is sent, so that several servers on one database never send it twice, and
//! one that fails is tried again later (after 1, 2, 4, ... minutes, at most an hour apart).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::stream::{self, StreamExt};
use groundgame_store::db::time_text;
use groundgame_store::mail::{self, Queued};
use groundgame_store::Store;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How mail is sent, and how links in it are made.
#[derive(Debug, Clone, PartialEq)]
pub struct MailSettings {
    /// `smtp://HOST:PORT` (or smtps://, with user and password if the server needs them). None:
    /// mail is off.
    pub smtp_url: Option<String>,
    /// The From address.
    pub from: String,
    /// Where the server is reached from outside, for links in mail: `https://campaign.example`.
    pub public_url: String,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings { smtp_url: None, from: "groundgame <noreply@localhost>".into(), public_url: "http://127.0.0.1:8080".into() }
    }
}

impl MailSettings {
    pub fn is_on(&self) -> bool {
        self.smtp_url.is_some()
    }

    /// A full link to a path of this server.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }

    /// Checks the settings before the server starts: says what is wrong in the setting's terms.
    pub fn check(&self) -> Result<(), String> {
        self.from.parse::<Mailbox>().map_err(|e| format!("mail_from '{}' is not an address ({e})", self.from))?;
        if let Some(url) = &self.smtp_url {
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| format!("smtp_url is not an SMTP address ({e})"))?;
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err(format!("public_url '{}' must begin with http:// or https://", self.public_url));
        }
        Ok(())
    }
}

/// Mails claimed at a time.
const BATCH: i64 = 500;
/// Sent at once over the pooled connections.
const IN_FLIGHT: usize = 32;
/// How long a claim lasts: a mailer that dies mid-batch leaves its mail to be sent after this.
const CLAIM: chrono::Duration = chrono::Duration::minutes(2);

/// Sends the outbox until `stop` turns true: whatever waits, then again when woken or every
/// few seconds.
pub async fn run(store: Store, settings: Arc<MailSettings>, wake: Arc<tokio::sync::Notify>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let Some(url) = settings.smtp_url.clone() else { return };
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(&url) {
        Ok(b) => b.pool_config(lettre::transport::smtp::PoolConfig::new().max_size(IN_FLIGHT as u32)).build(),
        Err(e) => {
            tracing::error!("mail is off: smtp_url is not an SMTP address ({e})");
            return;
        }
    };
    loop {
        match send_waiting(&store, &settings, &transport).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!("the mailer could not read the outbox: {e:#}"),
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Claims a batch and sends it; the number claimed.
async fn send_waiting(store: &Store, settings: &MailSettings, transport: &AsyncSmtpTransport<Tokio1Executor>) -> anyhow::Result<usize> {
    let now = Utc::now();
    let mut tx = store.begin_write().await?;
    let batch = mail::claim(&mut tx, &time_text(now), &time_text(now + CLAIM), BATCH).await?;
    tx.commit().await?;
    let n = batch.len();
    if n == 0 {
        return Ok(0);
    }
    let results: Vec<(i64, i64, Result<(), String>)> = stream::iter(batch)
        .map(|m| async move {
            let result = match compose(settings, &m) {
                Ok(message) => transport.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            (m.id, m.attempts, result)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut tx = store.begin_write().await?;
    let done = time_text(Utc::now());
    for (id, attempts, result) in &results {
        match result {
            Ok(()) => mail::mark_sent(&mut tx, *id, &done).await?,
            Err(e) => {
                tracing::warn!("mail {id} could not be sent (try {attempts}): {e}");
                let wait = chrono::Duration::minutes(1i64 << (*attempts - 1).clamp(0, 6)).min(chrono::Duration::hours(1));
                mail::mark_failed(&mut tx, *id, e, &time_text(Utc::now() + wait)).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(n)
}

/// A queued mail as a message: plain text, the calendar file attached, and the one-click
/// unsubscribe headers (RFC 2369 and RFC 8058).
pub fn compose(settings: &MailSettings, m: &Queued) -> Result<Message, String> {
    let to: Mailbox = m.to_address.parse().map_err(|e| format!("'{}' is not an address: {e}", m.to_address))?;
    let from: Mailbox = settings.from.parse().map_err(|e| format!("mail_from is not an address: {e}"))?;
    let builder = Message::builder().from(from).to(to).subject(m.subject.clone());
    let text = SinglePart::plain(m.body.clone());
    let mut message = match &m.calendar {
        Some(ics) => {
            let calendar = Attachment::new("session.ics".to_owned())
                .body(ics.clone(), ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH").map_err(|e| e.to_string())?);
            builder.multipart(MultiPart::mixed().singlepart(text).singlepart(calendar))
        }
        None => builder.singlepart(text),
    }
    .map_err(|e| e.to_string())?;
    if let Some(url) = &m.unsubscribe_url {
        let headers = message.headers_mut();
        headers.insert_raw(HeaderValue::new(name("List-Unsubscribe"), format!("<{url}>")));
        headers.insert_raw(HeaderValue::new(name("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click".to_owned()));
    }
    Ok(message)
}

fn name(s: &'static str) -> HeaderName {
    HeaderName::new_from_ascii_str(s)
}
