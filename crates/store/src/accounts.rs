//! Accounts, memberships (a role in a campaign), invites and sessions.
//!
//! Secrets never reach the database: passwords arrive as argon2 PHC strings and tokens (session
//! cookies, invite links) as their SHA-256, so a copy of the database signs nobody in.

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

/// Adds a user to a campaign in a role, creating the account if it is new. A password hash, when
/// given, replaces the account's password.
pub async fn add_member(
    tx: &mut Tx,
    campaign: &Campaign,
    email: &str,
    name: &str,
    role: Role,
    password_hash: Option<&str>,
) -> Result<User> {
    let email = normalise_email(email)?;
    let existing: Option<User> = tx.fetch_optional("SELECT id, email, name FROM users WHERE email = $1", args![email.as_str()]).await?;
    let user = match existing {
        Some(u) => u,
        None => {
            let name = if name.trim().is_empty() { email.split('@').next().unwrap_or_default() } else { name.trim() };
            tx.fetch_one(
                "INSERT INTO users (email, name, created_at) VALUES ($1, $2, $3) RETURNING id, email, name",
                args![email.as_str(), name, now()],
            )
            .await?
        }
    };
    if let Some(hash) = password_hash {
        tx.execute("UPDATE users SET password_hash = $1 WHERE id = $2", args![hash, user.id]).await?;
    }
    tx.execute(
        "INSERT INTO memberships (campaign_id, user_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (campaign_id, user_id) DO UPDATE SET role = excluded.role",
        args![campaign.id, user.id, role.as_str()],
    )
    .await?;
    Ok(user)
}

/// The account for an email and its password hash, for signing in.
pub async fn credentials(tx: &mut Tx, email: &str) -> Result<Option<(User, Option<String>)>> {
    let Ok(email) = normalise_email(email) else { return Ok(None) };
    let row: Option<(i64, String, String, Option<String>)> =
        tx.fetch_optional("SELECT id, email, name, password_hash FROM users WHERE email = $1", args![email]).await?;
    Ok(row.map(|(id, email, name, hash)| (User { id, email, name }, hash)))
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

pub async fn create_session(
    tx: &mut Tx,
    token_hash: &str,
    user_id: i64,
    campaign_id: i64,
    csrf_token: &str,
    expires_at: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO sessions (token_hash, user_id, campaign_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        args![token_hash, user_id, campaign_id, csrf_token, now(), expires_at],
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
            "SELECT u.id AS user_id, u.email, u.name AS user_name, m.role, s.csrf_token, \
             c.id, c.ballot_id, c.gss, c.name, c.election_date, c.register_version, c.party FROM sessions s \
             JOIN users u ON u.id = s.user_id \
             JOIN memberships m ON m.user_id = s.user_id AND m.campaign_id = s.campaign_id \
             JOIN campaigns c ON c.id = s.campaign_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
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

pub async fn end_session(tx: &mut Tx, token_hash: &str) -> Result<()> {
    tx.execute("DELETE FROM sessions WHERE token_hash = $1 OR expires_at < $2", args![token_hash, now()]).await?;
    Ok(())
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

/// The invite behind a link, if it is unused and unexpired.
pub async fn open_invite(tx: &mut Tx, token_hash: &str) -> Result<Option<Invite>> {
    let row: Option<(i64, String, String, String)> = tx
        .fetch_optional(
            "SELECT campaign_id, email, name, role FROM invites WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
            args![token_hash, now()],
        )
        .await?;
    row.map(|(campaign_id, email, name, role)| Ok(Invite { campaign_id, email, name, role: parse_role(&role)? })).transpose()
}

/// Uses an invite once: the account is created (or joined) with the password. A second use fails.
pub async fn accept_invite(tx: &mut Tx, token_hash: &str, password_hash: &str) -> Result<(User, i64)> {
    let invite =
        open_invite(tx, token_hash).await?.ok_or_else(|| Error::NotFound("this invite link has been used or has expired".into()))?;
    let used = tx.execute("UPDATE invites SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL", args![now(), token_hash]).await?;
    if used != 1 {
        return Err(Error::Conflict("this invite link has already been used".into()));
    }
    let campaign = crate::campaigns::by_id(tx, invite.campaign_id).await?;
    let user = add_member(tx, &campaign, &invite.email, &invite.name, invite.role, Some(password_hash)).await?;
    Ok((user, campaign.id))
}

/// Invites still waiting, newest first.
pub async fn pending_invites(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<(String, String, Role, String)>> {
    let rows: Vec<(String, String, String, String)> = tx
        .fetch_all(
            "SELECT email, name, role, expires_at FROM invites WHERE campaign_id = $1 AND used_at IS NULL AND expires_at > $2 \
             ORDER BY created_at DESC",
            args![campaign.id, now()],
        )
        .await?;
    rows.into_iter().map(|(e, n, r, x)| Ok((e, n, parse_role(&r)?, x))).collect()
}
