//! Persistence for groundgame: SQLite by default (one file, zero set-up) and PostgreSQL when a
//! campaign outgrows one machine. One repository API over both; the backend is chosen by the
//! database URL.

/// Accounts, memberships, invites and sessions.
pub mod accounts;
/// The audit log of exports, bulk reads and sign-ins.
pub mod audit;
/// Bulk writes and reads: SQLite's own API beneath the transaction, COPY and cursors on PostgreSQL.
mod bulk;
/// Phone banking: screened numbers, call lists and calls.
pub mod calling;
/// Campaigns: one election in one constituency.
pub mod campaigns;
/// Surveys, sessions, assignments, contacts and progress.
pub mod canvassing;
/// Changes the committee room watches for, told to every process.
pub mod changes;
/// The seam between backends: transactions, typed arguments, rows.
pub mod db;
/// The errors a caller can act on.
mod error;
/// The outbox of mail to send.
pub mod mail;
/// Polling day: tellers' numbers, promises and the knock-up list.
pub mod polling_day;
/// Posts for supporters to share, and who may frame the sign-up page.
pub mod posts;
/// The live progress, kept as contacts are stored.
/// Retention: a campaign's register and canvass deleted when it is over.
pub mod privacy;
pub mod progress;
/// The electoral register: import, updates, absent voters, statistics.
pub mod register;
/// Imported election results and postcodes; each seat's campaign as targeting sees it.
pub mod targeting;
/// Texting: electors' numbers and consent, templates, texts each way, opt-outs.
pub mod texting;
/// Volunteers, sessions and sign-ups, reminders, share links, lifts and friends.
pub mod volunteers;
/// Saved walks with stable ids.
pub mod walks;

pub use db::{Backend, DatabaseHealth, DatabaseUrl, Durability, Store, StoreOptions, Tx, WriteTx};
pub use error::Error;
