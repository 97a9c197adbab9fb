//! groundgame's use cases: one function for each thing a user does (sign in, accept an invite,
//! import a register, plan a district, hand a canvasser their walk, record contacts, export, ...).
//!
//! Each use case owns its transaction (a read, or a turn to write), writes its audit line in that
//! same transaction, and takes the acting [`Actor`] so that what it may reach is decided in its
//! queries, not by the caller. The front doors (the command line and the web app) only parse
//! input and present output: neither begins a transaction.

use std::sync::Arc;

use groundgame_store::Store;

/// Accounts: sign-in, sessions, passwords, invites, members, reset links.
pub mod accounts;
/// Who acts: a signed-in member of a campaign, or the command line.
mod actor;
/// What a server does behind the requests: mail, reminders, share links' clicks.
pub mod background;
/// Campaigns: creating one, finding one by name.
pub mod calling;
pub mod campaigns;
/// Canvassing: the survey, sessions, assignments, walk payloads, contacts, paper sheets, progress.
pub mod canvassing;
/// The errors a use case ends with, in the terms its user acts on.
mod error;
/// The server's own health: its database, its schema version, the mail waiting.
pub mod health;
/// Lifts to the marginals: drivers' seats and riders, paired by distance.
pub mod lifts;
/// Failed sign-ins, counted before a password is checked.
mod limiter;
/// Settings the use cases read: how long things last and how many tries are allowed.
pub mod limits;
/// Mail: its settings and the mailer that sends the outbox.
pub mod mail;
/// Polling day: tellers' numbers, the knock-up list, promises against what the seat needs.
pub mod polling_day;
/// Share kits: posts to share, the campaign's feed, and who may embed its sign-up page.
pub mod posts;
/// Data protection: the audit log's chain, retention, subject access and erasure.
pub mod privacy;
/// The electoral register: imports (previewed before they replace anything), updates, exports.
pub mod register;
/// Relational organising: friends matched to the register, conversations, the age-band report.
pub mod relational;
/// Two-factor sign-in: TOTP codes and recovery codes after the password.
pub mod second_factor;
/// Passwords and one-time tokens.
pub mod secrets;
/// A simulated canvass and polling day, for the demo and the benchmarks.
pub mod simulation;
/// The SMS provider (Twilio's HTTP API) and its webhook signatures.
pub mod sms;
/// Group commit for the phones' batches.
mod sync_queue;
/// Targeting: target and defence lists, the nearest marginal, elections and postcodes.
pub mod targeting;
/// Peer-to-peer texting: templates, one tap a text, replies and opt-outs, the sender.
pub mod texting;
/// Volunteers: sign-up, places and the waiting list, reminders, check-in, share links.
pub mod volunteers;
/// Walks: planning a district (the planner runs outside the writers' turn), lists, exports.
pub mod walks;

pub use actor::{Actor, Member};
pub use error::{Error, Result};
pub use limits::Limits;

/// What every use case reaches: the database and the state kept between requests.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub limits: Arc<Limits>,
    limiter: Arc<limiter::LoginLimiter>,
    progress: Arc<targeting::ProgressCache>,
    audited: Arc<canvassing::AuditedReads>,
    syncs: Arc<sync_queue::SyncQueue>,
    stats: Arc<register::KeptStats>,
    committee_rooms: Arc<polling_day::CommitteeRooms>,
    pub mail: Arc<mail::MailSettings>,
    /// Woken when mail is queued, so that the mailer sends it at once.
    pub mail_queued: Arc<tokio::sync::Notify>,
    pub sms: Arc<sms::SmsSettings>,
    /// Woken when a text is queued, so that the sender sends it at once.
    pub texts_queued: Arc<tokio::sync::Notify>,
    clicks: Arc<volunteers::Clicks>,
    signups: Arc<volunteers::SignupCounts>,
    signup_queue: Arc<volunteers::SignupQueue>,
}

impl App {
    pub fn new(store: Store, limits: Limits) -> App {
        App {
            limiter: Arc::new(limiter::LoginLimiter::new(limits.sign_in.clone())),
            progress: Arc::default(),
            audited: Arc::default(),
            syncs: Arc::default(),
            stats: Arc::default(),
            committee_rooms: Arc::default(),
            mail: Arc::default(),
            mail_queued: Arc::default(),
            sms: Arc::default(),
            texts_queued: Arc::default(),
            clicks: Arc::default(),
            signups: Arc::default(),
            signup_queue: Arc::default(),
            limits: Arc::new(limits),
            store,
        }
    }
}

impl App {
    /// The same, sending mail as these settings say.
    pub fn with_mail(mut self, mail: mail::MailSettings) -> App {
        self.mail = Arc::new(mail);
        self
    }

    /// The same, sending texts through this provider.
    pub fn with_sms(mut self, sms: sms::SmsSettings) -> App {
        self.sms = Arc::new(sms);
        self
    }

    /// Tells the mailer there is mail to send.
    pub(crate) fn mail_waiting(&self) {
        self.mail_queued.notify_one();
    }
}
