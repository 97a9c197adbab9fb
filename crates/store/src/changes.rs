//! Changes the committee room watches for, told to every process that serves the campaign.
//!
//! Within one process a change goes through a broadcast channel once its transaction commits.
//! On PostgreSQL it also goes through `NOTIFY`, sent inside the writing transaction: PostgreSQL
//! delivers it at commit (never for a transaction rolled back) to every listening connection, so
//! each other `groundgame serve` process on the database hears every change. A process ignores
//! the notifications of its own changes: it heard them already, at commit.

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
    /// What counts as a promise changed: a promise added or taken off by hand, a postal vote
    /// chased.
    Plan,
    /// Knock-up answers heard at doors, a knock-up round begun, a lift given.
    KnockUp,
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

/// A notification: a change, and the process that made it.
#[derive(Serialize, Deserialize)]
struct Notice {
    from: u64,
    change: Change,
}

/// This process, among the processes that serve the database.
fn this_process() -> u64 {
    static ME: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *ME.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair().0)
}

/// The `NOTIFY` a writing transaction on PostgreSQL sends: (the statement, its payload).
pub(crate) fn notify(change: &Change) -> (&'static str, String) {
    let notice = Notice { from: this_process(), change: *change };
    ("SELECT pg_notify('groundgame_changes', $1)", serde_json::to_string(&notice).unwrap_or_default())
}

/// The change a notification carries, unless this process made it (and heard it at commit).
fn heard(payload: &str) -> Result<Option<Change>, serde_json::Error> {
    // A server of the version before sends the change alone.
    let notice: Notice = match serde_json::from_str(payload) {
        Ok(n) => n,
        Err(_) => Notice { from: 0, change: serde_json::from_str(payload)? },
    };
    Ok((notice.from != this_process()).then_some(notice.change))
}

/// Listens on PostgreSQL for as long as the process runs, connecting again after a failure.
async fn listen(pool: PgPool, sender: broadcast::Sender<Change>) {
    // Until the store is closed (the server shutting down).
    while !pool.is_closed() {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => loop {
                    match listener.recv().await {
                        Ok(n) => match heard(n.payload()) {
                            Ok(Some(change)) => {
                                let _ = sender.send(change);
                            }
                            Ok(None) => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_ignores_the_notices_of_its_own_changes() {
        let change = Change { campaign_id: 7, what: What::Tellings };
        let (_, own) = notify(&change);
        assert_eq!(heard(&own).unwrap(), None, "heard already, at commit");
        let other = serde_json::to_string(&Notice { from: this_process().wrapping_add(1), change }).unwrap();
        assert_eq!(heard(&other).unwrap(), Some(change));
        assert!(heard("{\"campaign_id\": 7}").is_err());
        let old = serde_json::to_string(&change).unwrap();
        assert_eq!(heard(&old).unwrap(), Some(change), "a server of the version before");
    }
}
