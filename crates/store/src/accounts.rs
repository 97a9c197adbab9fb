//! Accounts, memberships (a role in a campaign), invites, sessions, password resets and known
//! devices.
//!
//! Secrets never reach the database: passwords arrive as argon2 PHC strings and tokens (session
//! cookies, invite and reset links, device cookies) as their SHA-256, so a copy of the database
//! signs nobody in. Nothing here decides who may do what: the use cases do, and call these in
//! their own transactions.

use groundgame_core::access::Role;
use serde::Serialize;

use crate::args;
use crate::campaigns::Campaign;
use crate::db::{now, Tx};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
}

/// A user with their role in one campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    pub user: User,
    pub role: Role,
    /// Whether they have set a password (accepted their invite).
    pub active: bool,
}

fn parse_role(s: &str) -> Result<Role> {
    s.parse().map_err(|e: String| Error::Internal(anyhow::anyhow!(e)))
}

/// Normalises an email address for matching, and checks it looks like one.
pub fn normalise_email(email: &str) -> Result<String> {
    let e = email.trim().to_ascii_lowercase();
    match e.split_once('@') {
        Some((local, domain)) if !local.is_empty() && domain.contains('.') && !e.contains(char::is_whitespace) => Ok(e),
        _ => Err(Error::Invalid(format!("'{}' is not an email address", email.trim()))),
    }
}

/// The account for an email and its password hash (None until one is set).
pub async fn credentials(tx: &mut Tx, email: &str) -> Result<Option<(User, Option<String>)>> {
    let Ok(email) = normalise_email(email) else { return Ok(None) };
    let row: Option<(i64, String, String, Option<String>)> =
        tx.fetch_optional("SELECT id, email, name, password_hash FROM users WHERE email = $1", args![email]).await?;
    Ok(row.map(|(id, email, name, hash)| (User { id, email, name }, hash)))
}

/// The account with this id and its password hash.
pub async fn user_credentials(tx: &mut Tx, user_id: i64) -> Result<(User, Option<String>)> {
    let row: Option<(i64, String, String, Option<String>)> =
        tx.fetch_optional("SELECT id, email, name, password_hash FROM users WHERE id = $1", args![user_id]).await?;
    row.map(|(id, email, name, hash)| (User { id, email, name }, hash)).ok_or_else(|| Error::NotFound(format!("no account {user_id}")))
}

/// Creates an account. An email that already has one is a conflict: an existing account is never
/// taken over by creating it again.
pub async fn create_user(tx: &mut Tx, email: &str, name: &str, password_hash: Option<&str>) -> Result<User> {
    let email = normalise_email(email)?;
    if credentials(tx, &email).await?.is_some() {
        return Err(Error::Conflict(format!("{email} already has an account")));
    }
    let name = if name.trim().is_empty() { email.split('@').next().unwrap_or_default() } else { name.trim() };
    tx.fetch_one(
        "INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id, email, name",
        args![email.as_str(), name, password_hash, now()],
    )
    .await
}

/// The account for an email, created (without a password) if it is new.
pub async fn find_or_create_user(tx: &mut Tx, email: &str, name: &str) -> Result<User> {
    match credentials(tx, email).await? {
        Some((user, _)) => Ok(user),
        None => create_user(tx, email, name, None).await,
    }
}

/// Replaces an account's password.
pub async fn set_password(tx: &mut Tx, user_id: i64, password_hash: &str) -> Result<()> {
    tx.execute("UPDATE users SET password_hash = $1 WHERE id = $2", args![password_hash, user_id]).await?;
    Ok(())
}

/// Gives a user a role in a campaign (a new membership, or a new role in one they have).
pub async fn set_membership(tx: &mut Tx, campaign_id: i64, user_id: i64, role: Role) -> Result<()> {
    tx.execute(
        "INSERT INTO memberships (campaign_id, user_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (campaign_id, user_id) DO UPDATE SET role = excluded.role",
        args![campaign_id, user_id, role.as_str()],
    )
    .await?;
    Ok(())
}

/// Adds a user (by email, creating the account without a password if it is new) to a campaign in a
/// role. For the command line and the demo, which act with the whole database in hand; the web
/// app joins people only through invites.
pub async fn add_member(tx: &mut Tx, campaign: &Campaign, email: &str, name: &str, role: Role) -> Result<User> {
    let user = find_or_create_user(tx, email, name).await?;
    set_membership(tx, campaign.id, user.id, role).await?;
    Ok(user)
}

/// Takes a user out of a campaign. Whether they were in it.
pub async fn remove_membership(tx: &mut Tx, campaign_id: i64, user_id: i64) -> Result<bool> {
    Ok(tx.execute("DELETE FROM memberships WHERE campaign_id = $1 AND user_id = $2", args![campaign_id, user_id]).await? > 0)
}

/// A user's role in a campaign, if they are in it.
pub async fn role_in(tx: &mut Tx, campaign_id: i64, user_id: i64) -> Result<Option<Role>> {
    let row: Option<(String,)> =
        tx.fetch_optional("SELECT role FROM memberships WHERE campaign_id = $1 AND user_id = $2", args![campaign_id, user_id]).await?;
    row.map(|(r,)| parse_role(&r)).transpose()
}

/// How many organisers a campaign has.
pub async fn organisers(tx: &mut Tx, campaign_id: i64) -> Result<i64> {
    let (n,): (i64,) = tx
        .fetch_one(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM memberships WHERE campaign_id = $1 AND role = $2",
            args![campaign_id, Role::Organiser.as_str()],
        )
        .await?;
    Ok(n)
}

/// The campaigns a user is in, with their role in each, by ballot id.
pub async fn memberships(tx: &mut Tx, user_id: i64) -> Result<Vec<(i64, String, Role)>> {
    let rows: Vec<(i64, String, String)> = tx
        .fetch_all(
            "SELECT c.id, c.ballot_id, m.role FROM memberships m JOIN campaigns c ON c.id = m.campaign_id \
             WHERE m.user_id = $1 ORDER BY c.election_date DESC, c.ballot_id",
            args![user_id],
        )
        .await?;
    rows.into_iter().map(|(id, ballot, role)| Ok((id, ballot, parse_role(&role)?))).collect()
}

/// Everyone in a campaign.
pub async fn members(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<Member>> {
    let rows: Vec<(i64, String, String, String, bool)> = tx
        .fetch_all(
            "SELECT u.id, u.email, u.name, m.role, u.password_hash IS NOT NULL FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.campaign_id = $1 ORDER BY m.role, u.name",
            args![campaign.id],
        )
        .await?;
    rows.into_iter()
        .map(|(id, email, name, role, active)| Ok(Member { user: User { id, email, name }, role: parse_role(&role)?, active }))
        .collect()
}

/// A signed-in session: who, in which campaign, in what role (read from the membership each time,
/// so a changed or removed role takes effect at once).
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub campaign: Campaign,
    pub role: Role,
    pub csrf_token: String,
}

/// A session to open.
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub campaign_id: i64,
    pub csrf_token: &'a str,
    pub expires_at: &'a str,
    /// The browser's own description of itself, for the volunteer to recognise it.
    pub user_agent: &'a str,
    pub ip: &'a str,
}

pub async fn create_session(tx: &mut Tx, s: &NewSession<'_>) -> Result<()> {
    let agent: String = s.user_agent.chars().take(300).collect();
    tx.execute(
        "INSERT INTO sessions (token_hash, user_id, campaign_id, csrf_token, created_at, expires_at, user_agent, ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![s.token_hash, s.user_id, s.campaign_id, s.csrf_token, now(), s.expires_at, agent, s.ip],
    )
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: i64,
    email: String,
    user_name: String,
    role: String,
    csrf_token: String,
    #[sqlx(flatten)]
    campaign: crate::campaigns::CampaignRow,
}

/// The live session for a token hash, if it has not expired and its user is still a member: one
/// query, outside any transaction, as every request asks it.
pub async fn session(store: &crate::Store, token_hash: &str) -> Result<Option<Session>> {
    let row: Option<SessionRow> = store
        .fetch_optional(
            &format!(
                "SELECT u.id AS user_id, u.email, u.name AS user_name, m.role, s.csrf_token, {} FROM sessions s \
                 JOIN users u ON u.id = s.user_id \
                 JOIN memberships m ON m.user_id = s.user_id AND m.campaign_id = s.campaign_id \
                 JOIN campaigns c ON c.id = s.campaign_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2",
                crate::campaigns::COLUMNS_OF_C
            ),
            args![token_hash, now()],
        )
        .await?;
    row.map(|r| {
        Ok(Session {
            user: User { id: r.user_id, email: r.email, name: r.user_name },
            role: parse_role(&r.role)?,
            csrf_token: r.csrf_token,
            campaign: r.campaign.try_into()?,
        })
    })
    .transpose()
}

/// Ends one session (and clears out expired ones).
pub async fn end_session(tx: &mut Tx, token_hash: &str) -> Result<()> {
    tx.execute("DELETE FROM sessions WHERE token_hash = $1 OR expires_at < $2", args![token_hash, now()]).await?;
    Ok(())
}

/// Ends every session of an account but, when given, one. How many ended.
pub async fn end_sessions_of(tx: &mut Tx, user_id: i64, except: Option<&str>) -> Result<u64> {
    tx.execute("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2", args![user_id, except.unwrap_or("")]).await
}

/// Ends an account's sessions in one campaign. How many ended.
pub async fn end_sessions_in(tx: &mut Tx, campaign_id: i64, user_id: i64) -> Result<u64> {
    tx.execute("DELETE FROM sessions WHERE campaign_id = $1 AND user_id = $2", args![campaign_id, user_id]).await
}

/// One of an account's open sessions, as its owner sees it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SessionInfo {
    /// The session's id: the SHA-256 of its token, which signs nobody in.
    pub id: String,
    pub campaign: String,
    pub created_at: String,
    pub expires_at: String,
    pub user_agent: String,
    pub ip: String,
}

/// An account's open sessions, newest first.
pub async fn sessions_of(tx: &mut Tx, user_id: i64) -> Result<Vec<SessionInfo>> {
    tx.fetch_all(
        "SELECT s.token_hash AS id, c.ballot_id AS campaign, s.created_at, s.expires_at, s.user_agent, s.ip FROM sessions s \
         JOIN campaigns c ON c.id = s.campaign_id WHERE s.user_id = $1 AND s.expires_at > $2 ORDER BY s.created_at DESC",
        args![user_id, now()],
    )
    .await
}

/// Ends one session of an account by its id. Whether it was theirs and open.
pub async fn end_session_of(tx: &mut Tx, user_id: i64, token_hash: &str) -> Result<bool> {
    Ok(tx.execute("DELETE FROM sessions WHERE user_id = $1 AND token_hash = $2", args![user_id, token_hash]).await? > 0)
}

/// An invitation to join a campaign, waiting for its link to be opened.
#[derive(Debug, Clone, Serialize)]
pub struct Invite {
    pub campaign_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
}

pub async fn create_invite(
    tx: &mut Tx,
    campaign: &Campaign,
    token_hash: &str,
    invite: &Invite,
    by: Option<i64>,
    expires_at: &str,
) -> Result<()> {
    let email = normalise_email(&invite.email)?;
    tx.execute(
        "INSERT INTO invites (token_hash, campaign_id, email, name, role, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![token_hash, campaign.id, email, invite.name.trim(), invite.role.as_str(), by, now(), expires_at],
    )
    .await?;
    Ok(())
}

/// The invite behind a link, if it is unused, not withdrawn and unexpired.
pub async fn open_invite(tx: &mut Tx, token_hash: &str) -> Result<Option<Invite>> {
    let row: Option<(i64, String, String, String)> = tx
        .fetch_optional(
            "SELECT campaign_id, email, name, role FROM invites \
             WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
            args![token_hash, now()],
        )
        .await?;
    row.map(|(campaign_id, email, name, role)| Ok(Invite { campaign_id, email, name, role: parse_role(&role)? })).transpose()
}

/// Uses an invite once: the caller then makes the invited email a member. A second use, a
/// withdrawn or an expired invite is an error.
pub async fn use_invite(tx: &mut Tx, token_hash: &str) -> Result<Invite> {
    let invite =
        open_invite(tx, token_hash).await?.ok_or_else(|| Error::NotFound("this invite link has been used or has expired".into()))?;
    let used = tx
        .execute(
            "UPDATE invites SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND revoked_at IS NULL",
            args![now(), token_hash],
        )
        .await?;
    if used != 1 {
        return Err(Error::Conflict("this invite link has already been used".into()));
    }
    Ok(invite)
}

/// An invite waiting to be used, as its campaign's organisers see it.
#[derive(Debug, Clone, Serialize)]
pub struct PendingInvite {
    /// The invite's id: the SHA-256 of its link's token, which joins nobody.
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub expires_at: String,
}

/// Invites still waiting, newest first.
pub async fn pending_invites(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<PendingInvite>> {
    let rows: Vec<(String, String, String, String, String)> = tx
        .fetch_all(
            "SELECT token_hash, email, name, role, expires_at FROM invites \
             WHERE campaign_id = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC",
            args![campaign.id, now()],
        )
        .await?;
    rows.into_iter()
        .map(|(id, email, name, role, expires_at)| Ok(PendingInvite { id, email, name, role: parse_role(&role)?, expires_at }))
        .collect()
}

/// Withdraws an unused invite of a campaign. The email it was for, if there was one to withdraw.
pub async fn revoke_invite(tx: &mut Tx, campaign_id: i64, token_hash: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = tx
        .fetch_optional(
            "UPDATE invites SET revoked_at = $1 WHERE campaign_id = $2 AND token_hash = $3 AND used_at IS NULL AND revoked_at IS NULL \
             RETURNING email",
            args![now(), campaign_id, token_hash],
        )
        .await?;
    Ok(row.map(|r| r.0))
}

/// A one-time link to choose a new password.
pub async fn create_reset(tx: &mut Tx, token_hash: &str, user_id: i64, campaign_id: i64, by: Option<i64>, expires_at: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO password_resets (token_hash, user_id, campaign_id, issued_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        args![token_hash, user_id, campaign_id, by, now(), expires_at],
    )
    .await?;
    Ok(())
}

/// The account a reset link is for, if the link is unused and unexpired.
pub async fn open_reset(tx: &mut Tx, token_hash: &str) -> Result<Option<User>> {
    tx.fetch_optional(
        "SELECT u.id, u.email, u.name FROM password_resets r JOIN users u ON u.id = r.user_id \
         WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > $2",
        args![token_hash, now()],
    )
    .await
}

/// Uses a reset link once; the account it was for.
pub async fn use_reset(tx: &mut Tx, token_hash: &str) -> Result<User> {
    let user = open_reset(tx, token_hash).await?.ok_or_else(|| Error::NotFound("this reset link has been used or has expired".into()))?;
    let used =
        tx.execute("UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL", args![now(), token_hash]).await?;
    if used != 1 {
        return Err(Error::Conflict("this reset link has already been used".into()));
    }
    // Any other link still out for the account goes too.
    tx.execute("UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL", args![now(), user.id]).await?;
    Ok(user)
}

/// Remembers a browser that signed in to an account.
pub async fn add_device(tx: &mut Tx, token_hash: &str, user_id: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO known_devices (token_hash, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (token_hash) DO NOTHING",
        args![token_hash, user_id, now()],
    )
    .await?;
    Ok(())
}

/// Whether a browser's device cookie has signed in to this account before.
pub async fn is_known_device(tx: &mut Tx, token_hash: &str, user_id: i64) -> Result<bool> {
    let row: Option<(i64,)> =
        tx.fetch_optional("SELECT user_id FROM known_devices WHERE token_hash = $1 AND user_id = $2", args![token_hash, user_id]).await?;
    Ok(row.is_some())
}

// ---- Two-factor sign-in ----

/// An account's TOTP secret (base32) once set up, and the step of the last code used.
pub async fn totp(tx: &mut Tx, user_id: i64) -> Result<Option<(String, Option<i64>)>> {
    let row: Option<(Option<String>, Option<i64>)> = tx
        .fetch_optional("SELECT totp_secret, totp_last_step FROM users WHERE id = $1 AND totp_enabled_at IS NOT NULL", args![user_id])
        .await?;
    Ok(row.and_then(|(s, step)| s.map(|s| (s, step))))
}

/// Sets up TOTP for the account, with the step of the code that proved it and fresh recovery
/// codes (their hashes; the old ones stop working).
pub async fn enable_totp(tx: &mut Tx, user_id: i64, secret: &str, step: i64, recovery_hashes: &[String]) -> Result<()> {
    tx.execute(
        "UPDATE users SET totp_secret = $1, totp_enabled_at = $2, totp_last_step = $3 WHERE id = $4",
        args![secret, now(), step, user_id],
    )
    .await?;
    tx.execute("DELETE FROM recovery_codes WHERE user_id = $1", args![user_id]).await?;
    for h in recovery_hashes {
        tx.execute("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)", args![user_id, h.as_str()]).await?;
    }
    Ok(())
}

/// Turns TOTP off for the account (a password reset by an organiser after a lost phone).
pub async fn disable_totp(tx: &mut Tx, user_id: i64) -> Result<bool> {
    let n = tx
        .execute(
            "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1 AND totp_enabled_at IS NOT NULL",
            args![user_id],
        )
        .await?;
    tx.execute("DELETE FROM recovery_codes WHERE user_id = $1", args![user_id]).await?;
    Ok(n > 0)
}

/// Takes the code's time step if it is later than the last one used: false for a code used
/// already (a replay, or the same code twice), whichever server saw it first.
pub async fn take_totp_step(tx: &mut Tx, user_id: i64, step: i64) -> Result<bool> {
    let n = tx
        .execute(
            "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            args![user_id, step],
        )
        .await?;
    Ok(n == 1)
}

/// Uses a recovery code (by hash) if it is the account's and unused.
pub async fn use_recovery_code(tx: &mut Tx, user_id: i64, code_hash: &str) -> Result<bool> {
    let n = tx
        .execute(
            "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
            args![user_id, code_hash, now()],
        )
        .await?;
    Ok(n == 1)
}

/// A sign-in waiting for its second factor.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Ticket {
    pub user_id: i64,
    pub campaign_id: i64,
    pub new_device: i64,
    pub proposed_secret: Option<String>,
    pub tries: i64,
    pub expires_at: String,
}

pub async fn create_ticket(
    tx: &mut Tx,
    token_hash: &str,
    user_id: i64,
    campaign_id: i64,
    new_device: bool,
    proposed_secret: Option<&str>,
    expires_at: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO sign_in_tickets (token_hash, user_id, campaign_id, new_device, proposed_secret, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        args![token_hash, user_id, campaign_id, i64::from(new_device), proposed_secret, expires_at],
    )
    .await?;
    Ok(())
}

/// The ticket, if it is still open (not expired).
pub async fn ticket(tx: &mut Tx, token_hash: &str) -> Result<Option<Ticket>> {
    tx.fetch_optional(
        "SELECT user_id, campaign_id, new_device, proposed_secret, tries, expires_at FROM sign_in_tickets WHERE token_hash = $1 AND expires_at > $2",
        args![token_hash, now()],
    )
    .await
}

/// Counts a wrong code against the ticket; returns the tries so far.
pub async fn ticket_failed(tx: &mut Tx, token_hash: &str) -> Result<i64> {
    let (tries,): (i64,) =
        tx.fetch_one("UPDATE sign_in_tickets SET tries = tries + 1 WHERE token_hash = $1 RETURNING tries", args![token_hash]).await?;
    Ok(tries)
}

/// Ends a ticket (used, or tried too often), and any that have expired.
pub async fn end_ticket(tx: &mut Tx, token_hash: &str) -> Result<()> {
    tx.execute("DELETE FROM sign_in_tickets WHERE token_hash = $1 OR expires_at <= $2", args![token_hash, now()]).await?;
    Ok(())
}

// ---- Sign-in tries, counted for every server ----

/// One count a sign-in try belongs to: the SHA-256 of what is counted, and how many tries it
/// takes in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedBy {
    pub key: String,
    pub limit: usize,
}

/// Takes a place for a try (`attempt`, a fresh id) in each count at `now_ms`, or says how many
/// milliseconds to wait when any count is full. The counts' keys are held while they are read
/// and written, so however many servers take tries at once, no count passes its limit.
pub async fn take_sign_in_try(tx: &mut Tx, counts: &[CountedBy], attempt: &str, now_ms: i64, window_ms: i64) -> Result<Option<i64>> {
    let mut keys: Vec<&CountedBy> = counts.iter().collect();
    // Held in one order everywhere, so two tries never wait for each other.
    keys.sort_by(|a, b| a.key.cmp(&b.key));
    let since = now_ms - window_ms;
    let mut wait = 0i64;
    for c in &keys {
        tx.hold(&format!("sign-in:{}", c.key)).await?;
        tx.execute("DELETE FROM sign_in_tries WHERE key = $1 AND at_ms <= $2", args![c.key.as_str(), since]).await?;
        let nth: Option<(i64,)> = tx
            .fetch_optional(
                "SELECT at_ms FROM sign_in_tries WHERE key = $1 ORDER BY at_ms DESC LIMIT 1 OFFSET $2",
                args![c.key.as_str(), c.limit.saturating_sub(1) as i64],
            )
            .await?;
        if let Some((at,)) = nth.filter(|_| c.limit > 0) {
            wait = wait.max(window_ms - (now_ms - at));
        } else if c.limit == 0 {
            wait = wait.max(window_ms);
        }
    }
    if wait > 0 {
        return Ok(Some(wait));
    }
    for c in &keys {
        tx.execute("INSERT INTO sign_in_tries (key, attempt, at_ms) VALUES ($1, $2, $3)", args![c.key.as_str(), attempt, now_ms]).await?;
    }
    Ok(None)
}

/// A try whose password was right gives its place back: in `forgive`, every failure is
/// forgotten (this email from this address, or this browser); in the others, only this try.
pub async fn give_back_sign_in_try(tx: &mut Tx, attempt: &str, forgive: &[String]) -> Result<()> {
    for key in forgive {
        tx.execute("DELETE FROM sign_in_tries WHERE key = $1", args![key.as_str()]).await?;
    }
    tx.execute("DELETE FROM sign_in_tries WHERE attempt = $1", args![attempt]).await?;
    Ok(())
}

/// Forgets tries older than the window (what a count no longer looks at).
pub async fn forget_old_sign_in_tries(tx: &mut Tx, before_ms: i64) -> Result<u64> {
    tx.execute("DELETE FROM sign_in_tries WHERE at_ms <= $1", args![before_ms]).await
}
