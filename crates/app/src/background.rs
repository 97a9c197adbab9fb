//! The work a server does behind the requests: sending the mail outbox and the texts, queueing the reminders
//! that are due (and forgetting sign-in tries older than their window), writing the share links' clicks, and deleting the register and canvass of
//! campaigns past their retention day. Every server process runs it; what one
//! does another never repeats (mail is claimed, reminders are marked sent once).

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::{accounts, mail, privacy, texting, volunteers, App};

/// How often reminders are looked for.
const REMINDERS_EVERY: Duration = Duration::from_secs(60);
/// How often counted clicks are written.
const CLICKS_EVERY: Duration = Duration::from_secs(5);
/// How often campaigns past their retention day are looked for (each is deleted once, by
/// whichever server gets to it first).
const RETENTION_EVERY: Duration = Duration::from_secs(6 * 3600);

/// Starts the background work; it ends when `stop` turns true (clicks counted are written first).
pub fn start(app: &App, stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    if app.mail.is_on() {
        tasks.push(tokio::spawn(mail::run(app.store.clone(), app.mail.clone(), app.mail_queued.clone(), stop.clone())));
    }
    if app.sms.is_on() {
        tasks.push(tokio::spawn(texting::run_sender(app.clone(), stop.clone())));
    }
    let (a, mut s) = (app.clone(), stop.clone());
    tasks.push(tokio::spawn(async move {
        loop {
            if let Err(e) = volunteers::send_reminders(&a, chrono::Utc::now()).await {
                tracing::warn!("reminders could not be queued: {e:#}");
            }
            if let Err(e) = accounts::forget_old_sign_in_tries(&a).await {
                tracing::warn!("old sign-in tries could not be forgotten: {e:#}");
            }
            tokio::select! {
                _ = tokio::time::sleep(REMINDERS_EVERY) => {}
                _ = s.changed() => return,
            }
        }
    }));
    let (a, mut s) = (app.clone(), stop.clone());
    tasks.push(tokio::spawn(async move {
        loop {
            match privacy::run_retention(&a, chrono::Utc::now().date_naive(), false).await {
                Ok(done) => {
                    for d in done.iter().filter(|d| d.state == privacy::RetentionState::Deleted) {
                        tracing::info!("retention: deleted the register and canvass of {} (kept until {})", d.campaign, d.retain_until);
                    }
                }
                Err(e) => tracing::warn!("retention could not run: {e:#}"),
            }
            tokio::select! {
                _ = tokio::time::sleep(RETENTION_EVERY) => {}
                _ = s.changed() => return,
            }
        }
    }));
    let (a, mut s) = (app.clone(), stop);
    tasks.push(tokio::spawn(async move {
        loop {
            let stopping = tokio::select! {
                _ = tokio::time::sleep(CLICKS_EVERY) => false,
                _ = s.changed() => true,
            };
            if let Err(e) = volunteers::flush_clicks(&a).await {
                tracing::warn!("share link clicks could not be written: {e:#}");
            }
            if stopping {
                return;
            }
        }
    }));
    tasks
}
