//! Accounts: signing in and out, sessions, passwords, invites, members and reset links.
//!
//! The rules that keep one campaign's organiser out of another campaign's accounts live here:
//! - an invite never changes an existing account: someone who has one joins by signing in with
//!   their own password, or while signed in as the invited email;
//! - a reset link is issued only for an account whose every campaign the issuing organiser runs;
//! - a password change or reset ends every other session of the account;
//! - each of these is written to the audit log of every campaign the account belongs to.

use groundgame_core::access::Role;
use groundgame_store::accounts::{self, NewSession, PendingInvite, SessionInfo, User};
use groundgame_store::campaigns::{self, Campaign};
use groundgame_store::{audit, canvassing, WriteTx};
use serde::Serialize;

use crate::second_factor;
pub use crate::second_factor::{Enrolment, SignedIn};
use crate::secrets::{from_now, hash_password, new_token, token_hash, verify_password};
use crate::{Actor, App, Error, Member, Result};

/// Where a request comes from, as sessions and the sign-in limits see it.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: String,
    /// The browser's User-Agent, for the volunteer to recognise the session.
    pub user_agent: String,
    /// The device cookie the browser sent, if any.
    pub device: Option<String>,
}

/// A session just opened: the token for its cookie, and a new device cookie when the browser had
/// none this account knows.
#[derive(Debug)]
pub struct Opened {
    pub member: Member,
    pub token: String,
    pub device: Option<String>,
}

/// The session behind a cookie's token, if it is open and its user is still in its campaign.
pub async fn session(app: &App, token: &str) -> Result<Option<Member>> {
    let hash = token_hash(token);
    let Some(s) = accounts::session(&app.store, &hash).await? else { return Ok(None) };
    Ok(Some(Member { user: s.user, role: s.role, campaign: s.campaign, csrf_token: s.csrf_token, session: hash }))
}

/// Checks a password against the limits and the account, before any writing. The device cookie
/// counts only if it has signed in to this very account.
async fn check_password(app: &App, email: &str, password: &str, client: &Client) -> Result<(User, Option<String>)> {
    let mut tx = app.store.begin().await?;
    let found = accounts::credentials(&mut tx, email).await?;
    let device = match (&found, &client.device) {
        (Some((user, _)), Some(cookie)) => {
            let hash = token_hash(cookie);
            accounts::is_known_device(&mut tx, &hash, user.id).await?.then_some(hash)
        }
        _ => None,
    };
    tx.commit().await?;
    let attempt =
        app.limiter.begin(&app.store, email, &client.ip, device.as_deref()).await?.map_err(|wait| Error::TooManyAttempts { wait })?;
    let (user, hash) = match found {
        Some((u, h)) => (Some(u), h),
        None => (None, None),
    };
    let ok = verify_password(password, hash).await;
    match user.filter(|_| ok) {
        Some(user) => {
            attempt.succeeded(&app.store).await?;
            Ok((user, device))
        }
        None => {
            drop(attempt);
            Err(Error::SignIn("that email and password do not match an account".into()))
        }
    }
}

/// Forgets failed sign-in tries older than the window they are counted in.
pub async fn forget_old_sign_in_tries(app: &App) -> Result<u64> {
    app.limiter.forget_old(&app.store).await
}

/// Writes a failed sign-in to the audit log of every campaign the account (if there is one) is in.
async fn audit_failure(app: &App, email: &str, client: &Client, why: &str) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let account = accounts::credentials(&mut tx, email).await?;
    let detail = format!("{why} for {} from {}", email.trim(), client.ip);
    match account {
        Some((user, _)) => audit::record_for_account(&mut tx, user.id, None, None, "sign_in_failed", &detail).await?,
        None => audit::record(&mut tx, None, None, "sign_in_failed", &detail, 0).await?,
    }
    tx.commit().await?;
    Ok(())
}

/// Signs in with email and password to the named campaign (a ballot id) or the account's most
/// recent one.
pub async fn sign_in(app: &App, email: &str, password: &str, campaign: Option<&str>, client: &Client) -> Result<SignedIn> {
    let (user, device) = match check_password(app, email, password, client).await {
        Ok(found) => found,
        // Refusals for too many tries are not written: they cost an attacker nothing to send.
        Err(e @ Error::SignIn(_)) => {
            audit_failure(app, email, client, "wrong email or password").await?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    let mut tx = app.store.begin().await?;
    let memberships = accounts::memberships(&mut tx, user.id).await?;
    tx.commit().await?;
    let chosen = match campaign {
        Some(c) => memberships.iter().find(|m| m.1 == c),
        None => memberships.first(),
    };
    let Some(&(campaign_id, _, role)) = chosen else {
        return Err(Error::forbidden("this account is not in a campaign (or not in that one)"));
    };
    let mut tx = app.store.begin_write().await?;
    if let Some(next) = second_factor::gate(app, &mut tx, &user, campaign_id, role, device.is_none()).await? {
        tx.commit().await?;
        return Ok(next);
    }
    let opened = open_session(app, &mut tx, user.id, campaign_id, client, device.is_none()).await?;
    let m = &opened.member;
    audit::record(&mut tx, Some(campaign_id), Some(user.id), "sign_in", &format!("as {} from {}", m.role, client.ip), 0).await?;
    tx.commit().await?;
    Ok(SignedIn::Opened(Box::new(opened)))
}

/// Opens a session for a user in a campaign they are in, in the caller's write turn, and with
/// `new_device` a device cookie for the browser.
pub(crate) async fn open_session(
    app: &App,
    tx: &mut WriteTx,
    user_id: i64,
    campaign_id: i64,
    client: &Client,
    new_device: bool,
) -> Result<Opened> {
    let (user, _) = accounts::user_credentials(tx, user_id).await?;
    let role =
        accounts::role_in(tx, campaign_id, user_id).await?.ok_or_else(|| Error::forbidden("this account is not in that campaign"))?;
    let campaign = campaigns::by_id(tx, campaign_id).await?;
    let (token, session) = new_token();
    let (csrf_token, _) = new_token();
    accounts::create_session(
        tx,
        &NewSession {
            token_hash: &session,
            user_id,
            campaign_id,
            csrf_token: &csrf_token,
            expires_at: &from_now(chrono::Duration::days(app.limits.session_days)),
            user_agent: &client.user_agent,
            ip: &client.ip,
        },
    )
    .await?;
    let device = if new_device {
        let (cookie, hash) = new_token();
        accounts::add_device(tx, &hash, user_id).await?;
        Some(cookie)
    } else {
        None
    };
    Ok(Opened { member: Member { user, role, campaign, csrf_token, session }, token, device })
}

/// Ends the member's session.
pub async fn sign_out(app: &App, member: &Member) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    accounts::end_session(&mut tx, &member.session).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the member's account, this one included.
pub async fn sign_out_everywhere(app: &App, member: &Member) -> Result<u64> {
    let mut tx = app.store.begin_write().await?;
    let ended = accounts::end_sessions_of(&mut tx, member.user.id, None).await?;
    audit::record_for_account(
        &mut tx,
        member.user.id,
        None,
        Some(member.user.id),
        "sessions_ended",
        &format!("{ended} sessions, by their owner"),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// One of the member's open sessions.
#[derive(Debug, Clone, Serialize)]
pub struct OwnSession {
    #[serde(flatten)]
    pub info: SessionInfo,
    /// The session this request came with.
    pub current: bool,
}

/// The member's open sessions, newest first.
pub async fn own_sessions(app: &App, member: &Member) -> Result<Vec<OwnSession>> {
    let mut tx = app.store.begin().await?;
    let list = accounts::sessions_of(&mut tx, member.user.id).await?;
    tx.commit().await?;
    Ok(list.into_iter().map(|info| OwnSession { current: info.id == member.session, info }).collect())
}

/// Ends one of the member's own sessions (a lost phone's, say).
pub async fn end_own_session(app: &App, member: &Member, session: &str) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    if !accounts::end_session_of(&mut tx, member.user.id, session).await? {
        return Err(Error::NotFound("that session has already ended".into()));
    }
    audit::record_for_account(&mut tx, member.user.id, None, Some(member.user.id), "sessions_ended", "1 session, by their owner").await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the member's password after checking the current one (under the sign-in limits); every
/// other session of the account ends.
pub async fn change_password(app: &App, member: &Member, current: &str, new: &str, client: &Client) -> Result<u64> {
    groundgame_core::password::check(new)?;
    match check_password(app, &member.user.email, current, client).await {
        Ok((user, _)) if user.id == member.user.id => {}
        Ok(_) | Err(Error::SignIn(_)) => return Err(Error::SignIn("that is not your current password".into())),
        Err(e) => return Err(e),
    }
    let hash = hash_password(new).await?;
    let mut tx = app.store.begin_write().await?;
    accounts::set_password(&mut tx, member.user.id, &hash).await?;
    let ended = accounts::end_sessions_of(&mut tx, member.user.id, Some(&member.session)).await?;
    audit::record_for_account(
        &mut tx,
        member.user.id,
        None,
        Some(member.user.id),
        "password_changed",
        &format!("by its owner from {}; {ended} other sessions ended", client.ip),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Switches the member to another of their campaigns: a new session there, this one ended.
pub async fn switch_campaign(app: &App, member: &Member, ballot_id: &str, client: &Client) -> Result<Opened> {
    let mut tx = app.store.begin_write().await?;
    let memberships = accounts::memberships(&mut tx, member.user.id).await?;
    let Some(&(campaign_id, _, _)) = memberships.iter().find(|m| m.1 == ballot_id) else {
        return Err(Error::forbidden("you are not in that campaign"));
    };
    accounts::end_session(&mut tx, &member.session).await?;
    let opened = open_session(app, &mut tx, member.user.id, campaign_id, client, false).await?;
    tx.commit().await?;
    Ok(opened)
}

/// The campaigns the member's account is in: (ballot id, role).
pub async fn own_campaigns(app: &App, member: &Member) -> Result<Vec<(String, Role)>> {
    let mut tx = app.store.begin().await?;
    let list = accounts::memberships(&mut tx, member.user.id).await?;
    tx.commit().await?;
    Ok(list.into_iter().map(|(_, b, r)| (b, r)).collect())
}

// ---- Invites -------------------------------------------------------------------------------

/// Creates an invite to the actor's campaign and returns the path of its one-time link,
/// `/invite/<token>`. Only the token's hash is stored.
pub async fn invite(app: &App, actor: Actor<'_>, email: &str, name: &str, role: Role) -> Result<String> {
    let campaign = actor.campaign();
    let email = accounts::normalise_email(email)?;
    let (token, hash) = new_token();
    let mut tx = app.store.begin_write().await?;
    if let Some((user, _)) = accounts::credentials(&mut tx, &email).await? {
        if let Some(r) = accounts::role_in(&mut tx, campaign.id, user.id).await? {
            return Err(Error::Conflict(format!(
                "{email} is already in this campaign as {}: change their role on the volunteers page",
                r.label().to_lowercase()
            )));
        }
    }
    let invite = accounts::Invite { campaign_id: campaign.id, email: email.clone(), name: name.to_owned(), role };
    accounts::create_invite(&mut tx, campaign, &hash, &invite, actor.user_id(), &from_now(chrono::Duration::days(app.limits.invite_days)))
        .await?;
    actor.audit(&mut tx, "invite", &format!("{email} as {role}"), 0).await?;
    tx.commit().await?;
    Ok(format!("/invite/{token}"))
}

/// How an invite can be taken up by the person who opened its link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joining {
    /// The email has no account: they choose a password.
    NewAccount,
    /// The email has an account: they join by signing in with its password.
    SignIn,
    /// They are signed in as the invited email: one step to join.
    SignedIn,
    /// They are signed in as someone else: they must sign out first.
    SignedInAsOther(String),
    /// The email has an account with no password: an organiser of its campaigns sends a reset link.
    NoPassword,
}

/// An invite as its link shows it.
#[derive(Debug, Clone)]
pub struct InviteView {
    pub email: String,
    pub role: Role,
    pub campaign: String,
    pub joining: Joining,
}

const INVITE_GONE: &str = "this invite link has been used, withdrawn or has expired: ask your organiser for a new one";

/// What an invite link offers, to whoever opened it (signed in or not).
pub async fn open_invite(app: &App, token: &str, viewer: Option<&Member>) -> Result<InviteView> {
    let mut tx = app.store.begin().await?;
    let invite = accounts::open_invite(&mut tx, &token_hash(token)).await?.ok_or_else(|| Error::NotFound(INVITE_GONE.into()))?;
    let campaign = campaigns::by_id(&mut tx, invite.campaign_id).await?;
    let account = accounts::credentials(&mut tx, &invite.email).await?;
    tx.commit().await?;
    let joining = match (viewer, account) {
        (Some(v), _) if v.user.email == invite.email => Joining::SignedIn,
        (Some(v), _) => Joining::SignedInAsOther(v.user.email.clone()),
        (None, None) => Joining::NewAccount,
        (None, Some((_, Some(_)))) => Joining::SignIn,
        (None, Some((_, None))) => Joining::NoPassword,
    };
    Ok(InviteView { email: invite.email, role: invite.role, campaign: campaign.name, joining })
}

/// Takes up an invite: the invited email joins the campaign in the invited role. For a new
/// account `password` is the one they choose; for an existing account it must be theirs already
/// (checked under the sign-in limits); when `viewer` is signed in as the invited email no
/// password is needed. The session opened is in the campaign joined.
pub async fn accept_invite(app: &App, token: &str, password: Option<&str>, viewer: Option<&Member>, client: &Client) -> Result<SignedIn> {
    let hash = token_hash(token);
    let mut tx = app.store.begin().await?;
    let invite = accounts::open_invite(&mut tx, &hash).await?.ok_or_else(|| Error::NotFound(INVITE_GONE.into()))?;
    let account = accounts::credentials(&mut tx, &invite.email).await?;
    tx.commit().await?;
    // Who is joining, proved before anything is written.
    enum Who {
        New(String),
        Existing(i64, bool),
    }
    let who = match (viewer, &account) {
        (Some(v), _) if v.user.email == invite.email => Who::Existing(v.user.id, false),
        (Some(v), _) => {
            return Err(Error::forbidden(format!(
                "this invite is for {}, and you are signed in as {}: sign out first",
                invite.email, v.user.email
            )))
        }
        (None, None) => {
            let password = password.ok_or_else(|| Error::Invalid("choose a password".into()))?;
            Who::New(hash_password(password).await?)
        }
        (None, Some((_, None))) => {
            return Err(Error::forbidden(format!(
                "{} has an account with no password yet: ask your organiser for a password reset link",
                invite.email
            )))
        }
        (None, Some(_)) => {
            let password = password.ok_or_else(|| Error::SignIn("enter the password of your account".into()))?;
            let (user, device) = match check_password(app, &invite.email, password, client).await {
                Ok(found) => found,
                Err(Error::SignIn(_)) => {
                    audit_failure(app, &invite.email, client, "wrong password on an invite").await?;
                    return Err(Error::SignIn(format!(
                        "{} already has an account: enter its password to join (it is not changed)",
                        invite.email
                    )));
                }
                Err(e) => return Err(e),
            };
            Who::Existing(user.id, device.is_none())
        }
    };
    let mut tx = app.store.begin_write().await?;
    let invite = accounts::use_invite(&mut tx, &hash).await?;
    let (user_id, new_device, how) = match who {
        Who::New(password_hash) => {
            let user = accounts::create_user(&mut tx, &invite.email, &invite.name, Some(&password_hash)).await?;
            (user.id, true, "with a new account")
        }
        Who::Existing(id, new_device) => (id, new_device, "with their existing account"),
    };
    let already = accounts::role_in(&mut tx, invite.campaign_id, user_id).await?;
    if already.is_none() {
        accounts::set_membership(&mut tx, invite.campaign_id, user_id, invite.role).await?;
    }
    let role = accounts::role_in(&mut tx, invite.campaign_id, user_id).await?.unwrap_or(invite.role);
    audit::record(
        &mut tx,
        Some(invite.campaign_id),
        Some(user_id),
        "invite_accepted",
        &format!("{} joined as {role} {how}", invite.email),
        0,
    )
    .await?;
    if let Some(v) = viewer {
        accounts::end_session(&mut tx, &v.session).await?;
    }
    // Joining as an organiser or data officer sets up the second factor before the first session.
    let (user, _) = accounts::user_credentials(&mut tx, user_id).await?;
    if let Some(next) = second_factor::gate(app, &mut tx, &user, invite.campaign_id, role, new_device).await? {
        tx.commit().await?;
        return Ok(next);
    }
    let opened = open_session(app, &mut tx, user_id, invite.campaign_id, client, new_device).await?;
    tx.commit().await?;
    Ok(SignedIn::Opened(Box::new(opened)))
}

/// Withdraws an unused invite of the actor's campaign.
pub async fn revoke_invite(app: &App, actor: Actor<'_>, invite_id: &str) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let email = accounts::revoke_invite(&mut tx, actor.campaign().id, invite_id)
        .await?
        .ok_or_else(|| Error::NotFound("that invite has been used or withdrawn already".into()))?;
    actor.audit(&mut tx, "invite_withdrawn", &email, 0).await?;
    tx.commit().await?;
    Ok(())
}

/// Everyone in the actor's campaign, and the invites waiting.
pub async fn people(app: &App, actor: Actor<'_>) -> Result<(Vec<accounts::Member>, Vec<PendingInvite>)> {
    let mut tx = app.store.begin().await?;
    let members = accounts::members(&mut tx, actor.campaign()).await?;
    let pending = accounts::pending_invites(&mut tx, actor.campaign()).await?;
    tx.commit().await?;
    Ok((members, pending))
}

// ---- Members -------------------------------------------------------------------------------

/// Checks that `user_id` is in the actor's campaign and that the change keeps an organiser in it.
async fn member_to_change(tx: &mut WriteTx, actor: Actor<'_>, user_id: i64, new_role: Option<Role>) -> Result<(User, Role)> {
    let campaign = actor.campaign();
    let role =
        accounts::role_in(tx, campaign.id, user_id).await?.ok_or_else(|| Error::NotFound("that person is not in this campaign".into()))?;
    let (user, _) = accounts::user_credentials(tx, user_id).await?;
    if role == Role::Organiser && new_role != Some(Role::Organiser) && accounts::organisers(tx, campaign.id).await? <= 1 {
        return Err(Error::Conflict(format!("{} is the campaign's only organiser: make someone else an organiser first", user.name)));
    }
    Ok((user, role))
}

/// Gives a member of the actor's campaign another role. It takes effect on their next request.
pub async fn change_role(app: &App, actor: Actor<'_>, user_id: i64, role: Role) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (user, was) = member_to_change(&mut tx, actor, user_id, Some(role)).await?;
    accounts::set_membership(&mut tx, actor.campaign().id, user_id, role).await?;
    let detail = format!("{} from {was} to {role} in {}", user.email, actor.campaign().ballot_id);
    audit::record_for_account(&mut tx, user_id, None, actor.user_id(), "role_changed", &detail).await?;
    if !groundgame_core::access::allows(role, groundgame_core::access::Permission::MakeCalls) {
        // Their batches and the person they hold go back for other callers.
        groundgame_store::calling::unassign(&mut tx, actor.campaign().id, user_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Takes a member out of the actor's campaign: their sessions there end and their walks are
/// unassigned (what they recorded is kept).
pub async fn remove_member(app: &App, actor: Actor<'_>, user_id: i64) -> Result<()> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    let (user, was) = member_to_change(&mut tx, actor, user_id, None).await?;
    let detail = format!("{} ({was}) from {}", user.email, campaign.ballot_id);
    // Written while they still belong, so this campaign's log has it too.
    audit::record_for_account(&mut tx, user_id, None, actor.user_id(), "member_removed", &detail).await?;
    accounts::remove_membership(&mut tx, campaign.id, user_id).await?;
    accounts::end_sessions_in(&mut tx, campaign.id, user_id).await?;
    canvassing::unassign_user(&mut tx, campaign, user_id).await?;
    groundgame_store::calling::unassign(&mut tx, campaign.id, user_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Issues a one-time link for a member of the actor's campaign to choose a new password. Only for
/// an account every campaign of which the acting organiser runs: no organiser can take over an
/// account that belongs to a campaign of someone else.
pub async fn issue_reset(app: &App, actor: Actor<'_>, user_id: i64) -> Result<String> {
    let campaign = actor.campaign();
    let mut tx = app.store.begin_write().await?;
    if accounts::role_in(&mut tx, campaign.id, user_id).await?.is_none() {
        return Err(Error::NotFound("that person is not in this campaign".into()));
    }
    let (user, _) = accounts::user_credentials(&mut tx, user_id).await?;
    if let Some(organiser) = actor.user_id() {
        for (other, ballot, _) in accounts::memberships(&mut tx, user_id).await? {
            if accounts::role_in(&mut tx, other, organiser).await? != Some(Role::Organiser) {
                return Err(Error::forbidden(format!(
                    "{} is also in {ballot}, which you do not run: they can change their password on their account page, \
                     or an organiser of every campaign they are in can send them a reset link",
                    user.email
                )));
            }
        }
    }
    let (token, hash) = new_token();
    accounts::create_reset(
        &mut tx,
        &hash,
        user_id,
        campaign.id,
        actor.user_id(),
        &from_now(chrono::Duration::hours(app.limits.reset_hours)),
    )
    .await?;
    let detail = format!("for {} from {}", user.email, campaign.ballot_id);
    audit::record_for_account(&mut tx, user_id, None, actor.user_id(), "reset_link_issued", &detail).await?;
    tx.commit().await?;
    Ok(format!("/reset/{token}"))
}

const RESET_GONE: &str = "this reset link has been used or has expired: ask your organiser for a new one";

/// The account a reset link is for.
pub async fn open_reset(app: &App, token: &str) -> Result<User> {
    let mut tx = app.store.begin().await?;
    let user = accounts::open_reset(&mut tx, &token_hash(token)).await?.ok_or_else(|| Error::NotFound(RESET_GONE.into()))?;
    tx.commit().await?;
    Ok(user)
}

/// Uses a reset link: the new password is set, every session of the account ends, and a new one
/// opens in its most recent campaign.
pub async fn reset_password(app: &App, token: &str, new: &str, client: &Client) -> Result<SignedIn> {
    let password_hash = hash_password(new).await?;
    let mut tx = app.store.begin_write().await?;
    let user = accounts::use_reset(&mut tx, &token_hash(token)).await.map_err(|e| match e {
        groundgame_store::Error::NotFound(_) => Error::NotFound(RESET_GONE.into()),
        e => e.into(),
    })?;
    accounts::set_password(&mut tx, user.id, &password_hash).await?;
    let ended = accounts::end_sessions_of(&mut tx, user.id, None).await?;
    let detail = format!("with a reset link from {}; {ended} sessions ended", client.ip);
    audit::record_for_account(&mut tx, user.id, None, Some(user.id), "password_reset", &detail).await?;
    let memberships = accounts::memberships(&mut tx, user.id).await?;
    let Some(&(campaign_id, _, role)) = memberships.first() else {
        return Err(Error::forbidden("this account is no longer in a campaign"));
    };
    // A reset link changes the password, never the second factor: it is still asked.
    if let Some(next) = second_factor::gate(app, &mut tx, &user, campaign_id, role, true).await? {
        tx.commit().await?;
        return Ok(next);
    }
    let opened = open_session(app, &mut tx, user.id, campaign_id, client, true).await?;
    tx.commit().await?;
    Ok(SignedIn::Opened(Box::new(opened)))
}

/// Turns off an account's two-factor sign-in from the command line (a lost phone and no recovery
/// codes): its next sign-in sets it up again where its role requires it. Audited in each of its
/// campaigns.
pub async fn clear_second_factor(app: &App, user_id: i64) -> Result<bool> {
    let mut tx = app.store.begin_write().await?;
    let cleared = accounts::disable_totp(&mut tx, user_id).await?;
    if cleared {
        accounts::end_sessions_of(&mut tx, user_id, None).await?;
        audit::record_for_account(&mut tx, user_id, None, None, "two_factor_cleared", "on the command line; every session ended").await?;
    }
    tx.commit().await?;
    Ok(cleared)
}

// ---- The command line ----------------------------------------------------------------------

/// Adds someone to a campaign from the command line with a password they chose (the first
/// organiser, usually). The command line holds the whole database: it may set the password of an
/// existing account, and says so in the audit log.
pub async fn add_with_password(app: &App, campaign: &Campaign, email: &str, name: &str, role: Role, password: &str) -> Result<User> {
    let hash = hash_password(password).await?;
    let mut tx = app.store.begin_write().await?;
    let user = accounts::add_member(&mut tx, campaign, email, name, role).await?;
    accounts::set_password(&mut tx, user.id, &hash).await?;
    let ended = accounts::end_sessions_of(&mut tx, user.id, None).await?;
    let detail = format!("{} as {role} in {}, password set on the command line; {ended} sessions ended", user.email, campaign.ballot_id);
    audit::record_for_account(&mut tx, user.id, Some(campaign.id), None, "member_added", &detail).await?;
    tx.commit().await?;
    Ok(user)
}

/// Everyone in a campaign, for the command line.
pub async fn members(app: &App, actor: Actor<'_>) -> Result<Vec<accounts::Member>> {
    Ok(people(app, actor).await?.0)
}
