use std::time::Duration;

/// How long things last and how many tries are allowed: every limit the use cases apply, in one
/// place, with the defaults a campaign runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Sessions last this long: canvassers may be offline for days between syncs.
    pub session_days: i64,
    /// How long an invite link works.
    pub invite_days: i64,
    /// How long a password reset link works.
    pub reset_hours: i64,
    pub sign_in: SignInLimits,
    /// The most contacts one sync may carry.
    pub sync_batch: usize,
    /// How long the campaigns' progress is reused by the public nearest-marginal page.
    pub progress_fresh_for: Duration,
    /// A dashboard's reads of the live progress are audited once in this long per session.
    pub progress_audit_every: Duration,
    /// How long a register upload waits for its organiser to confirm it.
    pub upload_keep_for: Duration,
    /// Public sign-ups taken from one address in ten minutes; more wait.
    pub signups_per_address: u32,
    /// Days after polling day (or after set-up, when later) that a campaign keeps its register
    /// and canvass, unless its organiser chose a day.
    pub retention_days: u32,
    /// Organisers and data officers (who can download the register) must set up two-factor
    /// sign-in before their first session.
    pub two_factor_required: bool,
}

/// Failed sign-ins allowed in a sliding window before further tries wait. A browser that has
/// signed in to the account before (it holds a device cookie) is limited on its own, so that
/// someone guessing an account's password, or a whole office's shared address, locks nobody out
/// of their own phone.
#[derive(Debug, Clone, PartialEq)]
pub struct SignInLimits {
    pub window: Duration,
    /// One email from one address.
    pub per_email_and_address: usize,
    /// One email from anywhere (browsers it does not know).
    pub per_email: usize,
    /// One address, any email (browsers it does not know): a committee room's shared network has
    /// room for many mistyped passwords.
    pub per_address: usize,
    /// One known browser.
    pub per_device: usize,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits { window: Duration::from_secs(15 * 60), per_email_and_address: 5, per_email: 20, per_address: 60, per_device: 10 }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            session_days: 30,
            invite_days: 14,
            reset_hours: 48,
            sign_in: SignInLimits::default(),
            sync_batch: 500,
            progress_fresh_for: Duration::from_secs(60),
            progress_audit_every: Duration::from_secs(15 * 60),
            upload_keep_for: Duration::from_secs(3600),
            signups_per_address: 20,
            retention_days: groundgame_core::campaign::RETENTION_DAYS,
            two_factor_required: true,
        }
    }
}
