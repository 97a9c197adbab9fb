//! Group commit for syncs. Phones' batches waiting for their turn to write are written together,
//! in one transaction: one commit (and one flush to disk) for many batches, whose reads, inserts
//! and progress are done together. If that fails, they are written again one at a time, each
//! inside a savepoint of its own, so that a batch that fails leaves the others as they are. A
//! batch is acknowledged only after the commit it is in.

use chrono::Duration;
use groundgame_core::survey::Contact;
use groundgame_store::campaigns::Campaign;
use groundgame_store::canvassing::{self, Batch, Scope, Source, SyncReport};
use groundgame_store::changes::{Change, What};
use groundgame_store::Store;
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};

/// The most batches written in one transaction.
const GROUP: usize = 32;
/// A group takes no more batches once it holds this many contacts, so that the lists of what it
/// names stay well within what one statement may bind whatever a batch's limit.
const GROUP_CONTACTS: usize = 4000;

/// A phone's batch, waiting to be written.
pub(crate) struct Job {
    pub campaign: Campaign,
    pub contacts: Vec<Contact>,
    pub user_id: i64,
    pub scope: Scope,
    pub clock_error: Duration,
}

/// A batch and where its answer goes.
struct Waiting {
    job: Job,
    reply: oneshot::Sender<Result<SyncReport, groundgame_store::Error>>,
}

type Answer = Result<SyncReport, groundgame_store::Error>;

/// The queue of batches and the task that writes them.
#[derive(Default)]
pub(crate) struct SyncQueue {
    sender: Mutex<Option<mpsc::Sender<Waiting>>>,
}

impl SyncQueue {
    /// Hands a batch to the writer and waits until it is committed (or refused). The writer is
    /// started with the first batch, on the runtime that sends it, and again if it has gone.
    pub(crate) async fn submit(&self, store: &Store, job: Job) -> Answer {
        let sender = {
            let mut sender = self.sender.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            match sender.as_ref() {
                Some(s) if !s.is_closed() => s.clone(),
                _ => {
                    let (tx, rx) = mpsc::channel(4 * GROUP);
                    tokio::spawn(write_batches(store.clone(), rx));
                    sender.insert(tx).clone()
                }
            }
        };
        let (reply, answer) = oneshot::channel();
        sender.send(Waiting { job, reply }).await.map_err(|_| anyhow::anyhow!("the sync writer has stopped"))?;
        answer.await.map_err(|_| anyhow::anyhow!("the sync writer stopped before answering"))?
    }
}

/// Writes batches as they come, as many together as are waiting. Each group is written in a task
/// of its own, so that a panic fails that group's batches (the phones send them again) and never
/// the writer.
async fn write_batches(store: Store, mut jobs: mpsc::Receiver<Waiting>) {
    while let Some(first) = jobs.recv().await {
        let mut contacts = first.job.contacts.len();
        let mut group = vec![first];
        while group.len() < GROUP && contacts < GROUP_CONTACTS {
            match jobs.try_recv() {
                Ok(job) => {
                    contacts += job.job.contacts.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        let (group, replies): (Vec<Job>, Vec<_>) = group.into_iter().map(|w| (w.job, w.reply)).unzip();
        let n = group.len();
        let results = match tokio::spawn(write_group(store.clone(), group)).await {
            Ok(results) => results,
            Err(e) => failed(n, &anyhow::anyhow!("the sync writer failed: {e}").into()),
        };
        for (reply, result) in replies.into_iter().zip(results) {
            // A phone that hung up has gone; it will send the batch again and be told it is stored.
            let _ = reply.send(result);
        }
    }
}

/// The answer for each of `n` batches when their group could not be written.
fn failed(n: usize, e: &groundgame_store::Error) -> Vec<Answer> {
    (0..n).map(|_| Err(groundgame_store::Error::Internal(anyhow::anyhow!("the batch could not be written: {e}")))).collect()
}

/// The group written together in one transaction; if that fails, one batch at a time.
async fn write_group(store: Store, group: Vec<Job>) -> Vec<Answer> {
    let mut tx = match store.begin_write().await {
        Ok(tx) => tx,
        Err(e) => return failed(group.len(), &e),
    };
    let batches: Vec<(&Campaign, Batch)> = group.iter().map(|job| (&job.campaign, batch(job))).collect();
    match canvassing::record_batches(&mut tx, &batches).await {
        Ok(reports) => {
            if let Err(e) = announce(&mut tx, &group, &reports).await {
                return failed(group.len(), &e);
            }
            return match tx.commit().await {
                Ok(()) => reports.into_iter().map(Ok).collect(),
                Err(e) => failed(group.len(), &e),
            };
        }
        Err(e) => {
            tracing::warn!("a group of {} batches could not be written together ({e}); writing them one at a time", group.len());
            drop(tx);
        }
    }
    one_at_a_time(store, &group).await
}

/// Tells the committee rooms of the campaigns that have new contacts.
async fn announce(tx: &mut groundgame_store::WriteTx, group: &[Job], reports: &[SyncReport]) -> Result<(), groundgame_store::Error> {
    for (job, report) in group.iter().zip(reports) {
        if !report.stored.is_empty() {
            tx.announce(Change { campaign_id: job.campaign.id, what: What::Contacts }).await?;
        }
    }
    Ok(())
}

fn batch(job: &Job) -> Batch<'_> {
    Batch {
        contacts: &job.contacts,
        user_id: Some(job.user_id),
        scope: job.scope.clone(),
        source: Source::App,
        clock_error: job.clock_error,
    }
}

/// One transaction for the group, a savepoint for each batch.
async fn one_at_a_time(store: Store, group: &[Job]) -> Vec<Answer> {
    let mut tx = match store.begin_write().await {
        Ok(tx) => tx,
        Err(e) => return failed(group.len(), &e),
    };
    let mut results = Vec::with_capacity(group.len());
    for job in group {
        // A batch's own failure is rolled back to its savepoint and told to that phone. A failure
        // of the savepoints themselves means the transaction is no longer what it seems (SQLite
        // may have rolled it all back after a disk error): nothing of the group is kept or
        // acknowledged, and every phone sends its batch again.
        if let Err(e) = tx.execute("SAVEPOINT sync_batch", vec![]).await {
            return failed(group.len(), &e);
        }
        let result = canvassing::record_contacts(&mut tx, &job.campaign, batch(job)).await;
        let close: &[&str] = if result.is_ok() {
            &["RELEASE SAVEPOINT sync_batch"]
        } else {
            &["ROLLBACK TO SAVEPOINT sync_batch", "RELEASE SAVEPOINT sync_batch"]
        };
        for sql in close {
            if let Err(e) = tx.execute(sql, vec![]).await {
                return failed(group.len(), &e);
            }
        }
        results.push(result);
    }
    let stored: Vec<SyncReport> = results.iter().map(|r| r.as_ref().cloned().unwrap_or_default()).collect();
    if let Err(e) = announce(&mut tx, group, &stored).await {
        return failed(group.len(), &e);
    }
    match tx.commit().await {
        Ok(()) => results,
        Err(e) => failed(group.len(), &e),
    }
}
