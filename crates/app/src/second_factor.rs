//! Two-factor sign-in: a time-based code (TOTP, RFC 6238: SHA-1, six digits, 30 s steps, as
//! every authenticator app reads it) after the password, with ten recovery codes for a lost
//! phone. Once an account has set it up, it always asks; accounts whose role can download the
//! register (organisers and data officers) must set it up before their first session, unless
//! the settings say otherwise.
//!
//! No session exists until the code is right: a correct password opens a short-lived ticket
//! (a few tries, ten minutes), and the code turns the ticket into a session. Each code works
//! once, on any server: the account keeps the time step of the last one used.

use groundgame_core::access::{needs_second_factor, Role};
use groundgame_store::accounts::{self, User};
use groundgame_store::{audit, WriteTx};
use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::accounts::{open_session, Client, Opened};
use crate::secrets::{from_now, new_token, token_hash};
use crate::{App, Error, Result};

/// How long a ticket waits for its code, and how many wrong codes it takes.
const TICKET_MINUTES: i64 = 10;
const TICKET_TRIES: i64 = 5;
/// Recovery codes made when two-factor sign-in is set up.
const RECOVERY_CODES: usize = 10;
/// Steps either side of now a code is taken from: a phone's clock a little out still signs in.
const SKEW_STEPS: i64 = 1;
const STEP_SECONDS: i64 = 30;

/// What a correct password leads to.
#[derive(Debug)]
pub enum SignedIn {
    Opened(Box<Opened>),
    /// The code is still to come (with `enrol`, after setting the app up first).
    SecondFactor {
        ticket: String,
        enrol: Option<Enrolment>,
    },
}

/// Setting up an authenticator app: the secret to type in, and the otpauth:// address its QR
/// code carries.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub url: String,
}

fn totp(secret: &str, email: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|_| Error::Internal(anyhow::anyhow!("a stored TOTP secret is not base32")))?;
    TOTP::new(Algorithm::SHA1, 6, 0, STEP_SECONDS as u64, bytes, Some("groundgame".to_owned()), email.to_owned())
        .map_err(|e| Error::Internal(anyhow::anyhow!("a TOTP secret is unusable: {e}")))
}

fn enrolment(secret: &str, email: &str) -> Result<Enrolment> {
    Ok(Enrolment { secret: secret.to_owned(), url: totp(secret, email)?.get_url() })
}

/// The time step a six-digit code belongs to, within the skew of now, if it is right.
fn step_of(t: &TOTP, code: &str, now: i64) -> Option<i64> {
    let here = now / STEP_SECONDS;
    (here - SKEW_STEPS..=here + SKEW_STEPS).find(|s| t.check(code, (*s * STEP_SECONDS) as u64))
}

/// A code as people type it: spaces and dashes dropped, letters in lower case.
fn normalise(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

fn recovery_codes() -> Vec<String> {
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rng.fill_bytes(&mut bytes);
            let s: String = bytes.iter().map(|b| LETTERS[*b as usize % LETTERS.len()] as char).collect();
            format!("{}-{}", &s[..5], &s[5..])
        })
        .collect()
}

/// After a correct password: whether a session opens now, or a second factor comes first.
pub(crate) async fn gate(
    app: &App,
    tx: &mut WriteTx,
    user: &User,
    campaign_id: i64,
    role: Role,
    new_device: bool,
) -> Result<Option<SignedIn>> {
    let enabled = accounts::totp(tx, user.id).await?.is_some();
    let required = app.limits.two_factor_required && needs_second_factor(role);
    if !enabled && !required {
        return Ok(None);
    }
    let proposed = (!enabled).then(|| Secret::generate_secret().to_encoded().to_string());
    let (ticket, hash) = new_token();
    accounts::create_ticket(
        tx,
        &hash,
        user.id,
        campaign_id,
        new_device,
        proposed.as_deref(),
        &from_now(chrono::Duration::minutes(TICKET_MINUTES)),
    )
    .await?;
    let enrol = match proposed {
        Some(s) => Some(enrolment(&s, &user.email)?),
        None => None,
    };
    Ok(Some(SignedIn::SecondFactor { ticket, enrol }))
}

/// Whether the account has two-factor sign-in set up.
pub async fn is_on(app: &App, user_id: i64) -> Result<bool> {
    let mut tx = app.store.begin().await?;
    let on = accounts::totp(&mut tx, user_id).await?.is_some();
    tx.commit().await?;
    Ok(on)
}

/// A signed-in member chooses to set up two-factor sign-in (optional for their role): the
/// set-up, finished by the first code like a first sign-in (which opens a new session).
pub async fn start(app: &App, member: &crate::Member) -> Result<SignedIn> {
    let mut tx = app.store.begin_write().await?;
    if accounts::totp(&mut tx, member.user.id).await?.is_some() {
        return Err(Error::Conflict("two-factor sign-in is already on for this account".into()));
    }
    let secret = Secret::generate_secret().to_encoded().to_string();
    let (ticket, hash) = new_token();
    let expires = from_now(chrono::Duration::minutes(TICKET_MINUTES));
    accounts::create_ticket(&mut tx, &hash, member.user.id, member.campaign.id, false, Some(&secret), &expires).await?;
    tx.commit().await?;
    Ok(SignedIn::SecondFactor { ticket, enrol: Some(enrolment(&secret, &member.user.email)?) })
}

/// The code for a ticket (or, once set up, a recovery code): the session opens. When the app was
/// being set up, also the recovery codes, to be shown once.
pub async fn complete(app: &App, ticket: &str, code: &str, client: &Client) -> Result<(Opened, Option<Vec<String>>)> {
    let hash = token_hash(ticket);
    let mut tx = app.store.begin_write().await?;
    let t = accounts::ticket(&mut tx, &hash)
        .await?
        .ok_or_else(|| Error::SignIn("that sign-in has expired: enter your email and password again".into()))?;
    let (user, _) = accounts::user_credentials(&mut tx, t.user_id).await?;
    let code = normalise(code);
    let now = chrono::Utc::now().timestamp();
    // What the code proves: a fresh six-digit code of the app (its time step), or a recovery code.
    enum Proof {
        Step(i64),
        Recovery,
        Wrong,
    }
    let (proof, recovery, how) = match (&t.proposed_secret, accounts::totp(&mut tx, user.id).await?) {
        (Some(secret), _) => {
            let step = step_of(&totp(secret, &user.email)?, &code, now);
            (step.map_or(Proof::Wrong, Proof::Step), Some(recovery_codes()), "set up two-factor sign-in")
        }
        (None, Some((secret, _))) if code.len() == 6 => match step_of(&totp(&secret, &user.email)?, &code, now) {
            // A code counts once: its step must be later than the last one used.
            Some(s) if accounts::take_totp_step(&mut tx, user.id, s).await? => (Proof::Step(s), None, "with a code"),
            _ => (Proof::Wrong, None, ""),
        },
        (None, Some(_)) if accounts::use_recovery_code(&mut tx, user.id, &token_hash(&code)).await? => {
            (Proof::Recovery, None, "with a recovery code")
        }
        _ => (Proof::Wrong, None, ""),
    };
    let fresh = !matches!(proof, Proof::Wrong);
    if !fresh {
        let tries = accounts::ticket_failed(&mut tx, &hash).await?;
        let detail = format!("wrong or used second-factor code for {} from {}", user.email, client.ip);
        audit::record_for_account(&mut tx, user.id, Some(t.campaign_id), None, "sign_in_failed", &detail).await?;
        if tries >= TICKET_TRIES {
            accounts::end_ticket(&mut tx, &hash).await?;
            tx.commit().await?;
            return Err(Error::SignIn("too many wrong codes: enter your email and password again".into()));
        }
        tx.commit().await?;
        return Err(Error::SignIn(
            "that code is not right (or was used already): type the six digits the app shows now. If it is right, check that the \
             phone sets its clock automatically"
                .into(),
        ));
    }
    if let (Some(secret), Some(codes), Proof::Step(s)) = (&t.proposed_secret, &recovery, &proof) {
        let hashes: Vec<String> = codes.iter().map(|c| token_hash(&normalise(c))).collect();
        accounts::enable_totp(&mut tx, user.id, secret, *s, &hashes).await?;
        audit::record_for_account(&mut tx, user.id, Some(t.campaign_id), Some(user.id), "two_factor_enabled", &user.email).await?;
    }
    accounts::end_ticket(&mut tx, &hash).await?;
    let opened = open_session(app, &mut tx, user.id, t.campaign_id, client, t.new_device != 0).await?;
    audit::record(
        &mut tx,
        Some(t.campaign_id),
        Some(user.id),
        "sign_in",
        &format!("as {} from {}, {how}", opened.member.role, client.ip),
        0,
    )
    .await?;
    tx.commit().await?;
    Ok((opened, recovery))
}

/// The code an authenticator app shows at a time for a secret: what a phone would show, for tests.
pub fn code_at(secret: &str, email: &str, at: chrono::DateTime<chrono::Utc>) -> Result<String> {
    Ok(totp(secret, email)?.generate(at.timestamp() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_taken_within_a_step_of_now_and_read_as_typed() {
        let secret = Secret::generate_secret().to_encoded().to_string();
        let t = totp(&secret, "a@example.org").unwrap();
        let now = 1_700_000_000_i64;
        let code = t.generate(now as u64);
        assert_eq!(step_of(&t, &code, now), Some(now / 30));
        assert_eq!(step_of(&t, &code, now + 30), Some(now / 30), "a phone 30 s behind still signs in");
        assert_eq!(step_of(&t, &code, now + 120), None, "a code from two minutes ago does not");
        assert_eq!(normalise(" 123 456 "), "123456");
        assert_eq!(normalise("AbCdE-fGhJk"), "abcdefghjk");
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'), "{codes:?}");
        assert!(enrolment(&secret, "a@example.org").unwrap().url.starts_with("otpauth://totp/groundgame:a%40example.org?secret="));
    }
}
