//! The server's own health, for the health check and the metrics: whether its database answers,
//! at which schema version, and how much mail waits to be sent. Nothing here names a campaign or a
//! person.

use std::time::Duration;

use groundgame_store::mail as outbox;
use groundgame_store::DatabaseHealth;

use crate::{App, Error, Result};

/// How long the health check waits for the database: a load balancer asks every few seconds, and
/// an answer that takes the pool's whole wait (10 s) is the same as none.
const DATABASE_WAIT: Duration = Duration::from_secs(3);

/// The database's reachability and schema version, or an error when it does not answer in time.
pub async fn database(app: &App) -> Result<DatabaseHealth> {
    match tokio::time::timeout(DATABASE_WAIT, app.store.health()).await {
        Ok(health) => Ok(health?),
        Err(_) => Err(Error::Internal(anyhow::anyhow!("the database did not answer within {} seconds", DATABASE_WAIT.as_secs()))),
    }
}

/// Whether this build and the database agree on the schema.
pub fn schema_current(db: &DatabaseHealth) -> bool {
    db.schema_version == db.expected_schema_version
}

/// Mail waiting in the outbox: how many, and how long the oldest has waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailWaiting {
    pub count: i64,
    pub oldest: Option<Duration>,
}

pub async fn mail_waiting(app: &App) -> Result<MailWaiting> {
    let mut tx = app.store.begin().await?;
    let (count, oldest) = outbox::waiting(&mut tx).await?;
    tx.commit().await?;
    let now = chrono::Utc::now();
    let oldest = oldest
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| (now - t.with_timezone(&chrono::Utc)).to_std().unwrap_or_default());
    Ok(MailWaiting { count, oldest })
}
