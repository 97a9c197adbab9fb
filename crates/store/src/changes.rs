//! Changes the committee room watches for, told to every process that serves the campaign.
//!
//! Within one process a change goes through a broadcast channel once its transaction commits.
//! On PostgreSQL it goes through `NOTIFY` instead, sent inside the writing transaction: PostgreSQL
//! delivers it at commit (never for a transaction rolled back) to every listening connection, so
//! each `groundgame serve` process on the database, this one included, hears every change.

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::broadcast;

/// The PostgreSQL channel the changes go by.
const CHANNEL: &str = "groundgame_changes";

/// What changed in a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum What {
    /// Tellers struck voters off, or a strike-off was taken back.
    Tellings,
    /// Canvassers recorded answers at doors.
    Contacts,
    /// The polling stations, committee rooms or a station's official count changed.
    Places,
    /// The committee room's plan changed: a knock-up round began, a promise was added or taken
    /// off by hand, a postal vote was chased, a lift was given.
    Plan,
}

/// A change in one campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub campaign_id: i64,
    pub what: What,
}

/// The changes this process hears.
pub(crate) struct Changes {
    sender: broadcast::Sender<Change>,
    listening: std::sync::Once,
}

impl Default for Changes {
    fn default() -> Self {
        Changes { sender: broadcast::channel(1024).0, listening: std::sync::Once::new() }
    }
}

impl Changes {
    pub(crate) fn subscribe(&self, postgres: Option<&PgPool>) -> broadcast::Receiver<Change> {
        let receiver = self.sender.subscribe();
        if let Some(pool) = postgres {
            self.listening.call_once(|| {
                tokio::spawn(listen(pool.clone(), self.sender.clone()));
            });
        }
        receiver
    }

    /// Tells this process's watchers (SQLite, after a commit).
    pub(crate) fn tell(&self, change: Change) {
        // Nobody watching is not an error.
        let _ = self.sender.send(change);
    }
}

/// The `NOTIFY` a writing transaction on PostgreSQL sends: (the statement, its payload).
pub(crate) fn notify(change: &Change) -> (&'static str, String) {
    ("SELECT pg_notify('groundgame_changes', $1)", serde_json::to_string(change).unwrap_or_default())
}

/// Listens on PostgreSQL for as long as the process runs, connecting again after a failure.
async fn listen(pool: PgPool, sender: broadcast::Sender<Change>) {
    // Until the store is closed (the server shutting down).
    while !pool.is_closed() {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => loop {
                    match listener.recv().await {
                        Ok(n) => match serde_json::from_str::<Change>(n.payload()) {
                            Ok(change) => {
                                let _ = sender.send(change);
                            }
                            Err(e) => tracing::warn!(error = %e, payload = n.payload(), "ignored a change notification it could not read"),
                        },
                        Err(_) if pool.is_closed() => return,
                        Err(e) => {
                            tracing::warn!(error = %e, "lost the PostgreSQL connection that hears changes; connecting again");
                            break;
                        }
                    }
                },
                Err(e) => tracing::warn!(error = %e, "could not listen for changes on PostgreSQL; trying again"),
            },
            Err(_) if pool.is_closed() => return,
            Err(e) => tracing::warn!(error = %e, "could not connect to PostgreSQL to hear changes; trying again"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}
