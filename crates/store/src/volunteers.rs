//! Volunteers of a campaign (with or without an account), their consents and the history of
//! their details; session times and sign-ups with places and the waiting list; reminders sent;
//! share links and their clicks. What may be done and when is decided by the use cases.

use serde::Serialize;

use crate::args;
use crate::campaigns::Campaign;
use crate::db::Tx;
use crate::error::{Error, Result};

/// Everything held about a volunteer but their consents and history.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Volunteer {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub postcode: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub availability: String,
    pub skills: String,
    pub age_band: Option<String>,
    pub user_id: Option<i64>,
    #[serde(skip)]
    pub link_secret: String,
    pub check_in_code: String,
    pub recruited_by: Option<i64>,
    pub share_code: Option<String>,
    pub email_confirmed_at: Option<String>,
    pub unsubscribed_at: Option<String>,
    pub created_at: String,
}

const VOLUNTEER: &str = "id, name, email, phone, postcode, lat, lon, availability, skills, age_band, user_id, link_secret, \
     check_in_code, recruited_by, share_code, email_confirmed_at, unsubscribed_at, created_at";

/// A new volunteer record.
#[derive(Debug, Clone, Default)]
pub struct NewVolunteer<'a> {
    pub name: &'a str,
    pub email: Option<(&'a str, String)>,
    pub phone: Option<(&'a str, String)>,
    pub postcode: Option<&'a str>,
    pub at: Option<(f64, f64)>,
    pub link_secret: String,
    pub check_in_code: String,
    pub recruited_by: Option<i64>,
    pub share_code: Option<&'a str>,
    pub user_id: Option<i64>,
}

/// Whether a check-in code is free in the campaign (codes are short, for a host to type, so
/// with tens of thousands of volunteers a random one is sometimes taken).
pub async fn check_in_code_free(tx: &mut Tx, campaign: &Campaign, code: &str) -> Result<bool> {
    let taken: Option<(i64,)> =
        tx.fetch_optional("SELECT id FROM volunteers WHERE campaign_id = $1 AND check_in_code = $2", args![campaign.id, code]).await?;
    Ok(taken.is_none())
}

pub async fn create(tx: &mut Tx, campaign: &Campaign, v: &NewVolunteer<'_>, now: &str) -> Result<Volunteer> {
    let id = crate::campaigns::next_row_id(tx, campaign).await?;
    tx.execute(
        "INSERT INTO volunteers (campaign_id, id, name, email, email_key, phone, phone_key, postcode, lat, lon, user_id, link_secret, \
         check_in_code, recruited_by, share_code, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        args![
            campaign.id,
            id,
            v.name,
            v.email.as_ref().map(|e| e.0),
            v.email.as_ref().map(|e| e.1.clone()),
            v.phone.as_ref().map(|p| p.0),
            v.phone.as_ref().map(|p| p.1.clone()),
            v.postcode,
            v.at.map(|a| a.0),
            v.at.map(|a| a.1),
            v.user_id,
            v.link_secret.as_str(),
            v.check_in_code.as_str(),
            v.recruited_by,
            v.share_code,
            now
        ],
    )
    .await?;
    get(tx, campaign, id).await
}

pub async fn get(tx: &mut Tx, campaign: &Campaign, id: i64) -> Result<Volunteer> {
    tx.fetch_optional(&format!("SELECT {VOLUNTEER} FROM volunteers WHERE campaign_id = $1 AND id = $2"), args![campaign.id, id])
        .await?
        .ok_or_else(|| Error::NotFound(format!("no volunteer {id} in this campaign")))
}

/// The volunteer with this email (in lower case) or, failing that, this phone (E.164).
pub async fn find(tx: &mut Tx, campaign: &Campaign, email_key: Option<&str>, phone_key: Option<&str>) -> Result<Option<Volunteer>> {
    if let Some(key) = email_key {
        let found = tx
            .fetch_optional(
                &format!("SELECT {VOLUNTEER} FROM volunteers WHERE campaign_id = $1 AND email_key = $2"),
                args![campaign.id, key],
            )
            .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    if let Some(key) = phone_key {
        return tx
            .fetch_optional(
                &format!("SELECT {VOLUNTEER} FROM volunteers WHERE campaign_id = $1 AND phone_key = $2 ORDER BY id LIMIT 1"),
                args![campaign.id, key],
            )
            .await;
    }
    Ok(None)
}

/// The volunteer whose own link this is, and their campaign's id.
pub async fn by_link(tx: &mut Tx, secret: &str) -> Result<Option<(i64, Volunteer)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        campaign_id: i64,
        #[sqlx(flatten)]
        volunteer: Volunteer,
    }
    let row: Option<Row> =
        tx.fetch_optional(&format!("SELECT campaign_id, {VOLUNTEER} FROM volunteers WHERE link_secret = $1"), args![secret]).await?;
    Ok(row.map(|r| (r.campaign_id, r.volunteer)))
}

pub async fn by_check_in_code(tx: &mut Tx, campaign: &Campaign, code: &str) -> Result<Option<Volunteer>> {
    tx.fetch_optional(
        &format!("SELECT {VOLUNTEER} FROM volunteers WHERE campaign_id = $1 AND check_in_code = $2"),
        args![campaign.id, code],
    )
    .await
}

pub async fn by_user(tx: &mut Tx, campaign: &Campaign, user_id: i64) -> Result<Option<Volunteer>> {
    tx.fetch_optional(
        &format!("SELECT {VOLUNTEER} FROM volunteers WHERE campaign_id = $1 AND user_id = $2 ORDER BY id LIMIT 1"),
        args![campaign.id, user_id],
    )
    .await
}

/// A detail of a volunteer that can change, each change kept in their history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Email,
    Phone,
    Postcode,
    Availability,
    Skills,
    AgeBand,
}

impl Field {
    fn column(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Postcode => "postcode",
            Field::Availability => "availability",
            Field::Skills => "skills",
            Field::AgeBand => "age_band",
        }
    }
}

/// Changes a detail, keeping what it was in the history. `key` is the matching form of an email
/// or phone. Nothing is written when the value is unchanged.
#[allow(clippy::too_many_arguments)]
pub async fn change(
    tx: &mut Tx,
    campaign: &Campaign,
    volunteer: &Volunteer,
    field: Field,
    value: &str,
    key: Option<&str>,
    how: &str,
    now: &str,
) -> Result<bool> {
    let old = match field {
        Field::Name => Some(volunteer.name.clone()),
        Field::Email => volunteer.email.clone(),
        Field::Phone => volunteer.phone.clone(),
        Field::Postcode => volunteer.postcode.clone(),
        Field::Availability => Some(volunteer.availability.clone()),
        Field::Skills => Some(volunteer.skills.clone()),
        Field::AgeBand => volunteer.age_band.clone(),
    };
    if old.as_deref() == Some(value) {
        return Ok(false);
    }
    let column = field.column();
    match field {
        Field::Email | Field::Phone => {
            let key_column = if field == Field::Email { "email_key" } else { "phone_key" };
            tx.execute(
                &format!("UPDATE volunteers SET {column} = $1, {key_column} = $2 WHERE campaign_id = $3 AND id = $4"),
                args![value, key, campaign.id, volunteer.id],
            )
            .await?
        }
        _ => {
            tx.execute(
                &format!("UPDATE volunteers SET {column} = $1 WHERE campaign_id = $2 AND id = $3"),
                args![value, campaign.id, volunteer.id],
            )
            .await?
        }
    };
    tx.execute(
        "INSERT INTO volunteer_history (campaign_id, volunteer_id, at, field, old_value, new_value, how) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![campaign.id, volunteer.id, now, column, old, value, how],
    )
    .await?;
    Ok(true)
}

/// Where a volunteer's postcode is.
pub async fn set_place(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64, at: Option<(f64, f64)>) -> Result<()> {
    tx.execute(
        "UPDATE volunteers SET lat = $1, lon = $2 WHERE campaign_id = $3 AND id = $4",
        args![at.map(|a| a.0), at.map(|a| a.1), campaign.id, volunteer_id],
    )
    .await?;
    Ok(())
}

pub async fn link_account(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64, user_id: i64) -> Result<()> {
    tx.execute("UPDATE volunteers SET user_id = $1 WHERE campaign_id = $2 AND id = $3", args![user_id, campaign.id, volunteer_id]).await?;
    Ok(())
}

pub async fn confirm_email(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64, now: &str) -> Result<()> {
    tx.execute(
        "UPDATE volunteers SET email_confirmed_at = COALESCE(email_confirmed_at, $1) WHERE campaign_id = $2 AND id = $3",
        args![now, campaign.id, volunteer_id],
    )
    .await?;
    Ok(())
}

/// Stops (with a time) or allows again (None) every mail to the volunteer.
/// Keeps what the public form gave until the email is confirmed (None once applied).
pub async fn set_pending_details(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64, details: Option<&str>) -> Result<()> {
    tx.execute("UPDATE volunteers SET pending_details = $1 WHERE campaign_id = $2 AND id = $3", args![details, campaign.id, volunteer_id])
        .await?;
    Ok(())
}

pub async fn pending_details(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64) -> Result<Option<String>> {
    let (d,): (Option<String>,) =
        tx.fetch_one("SELECT pending_details FROM volunteers WHERE campaign_id = $1 AND id = $2", args![campaign.id, volunteer_id]).await?;
    Ok(d)
}

pub async fn set_unsubscribed(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64, at: Option<&str>) -> Result<()> {
    tx.execute("UPDATE volunteers SET unsubscribed_at = $1 WHERE campaign_id = $2 AND id = $3", args![at, campaign.id, volunteer_id])
        .await?;
    Ok(())
}

pub async fn set_link_secret(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64, secret: &str) -> Result<()> {
    tx.execute("UPDATE volunteers SET link_secret = $1 WHERE campaign_id = $2 AND id = $3", args![secret, campaign.id, volunteer_id])
        .await?;
    Ok(())
}

/// A line of a volunteer's history.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Change {
    pub at: String,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub how: String,
}

pub async fn history(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64) -> Result<Vec<Change>> {
    tx.fetch_all(
        "SELECT at, field, old_value, new_value, how FROM volunteer_history WHERE campaign_id = $1 AND volunteer_id = $2 ORDER BY at, field",
        args![campaign.id, volunteer_id],
    )
    .await
}

/// A channel a volunteer can be reached on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
    Phone,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Sms, Channel::Phone];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Phone => "phone",
        }
    }
}

/// Consent given or withdrawn.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Consent {
    pub channel: String,
    pub given: i64,
    pub at: String,
    pub how: String,
    pub wording: String,
}

#[allow(clippy::too_many_arguments)]
pub async fn record_consent(
    tx: &mut Tx,
    campaign: &Campaign,
    volunteer_id: i64,
    channel: Channel,
    given: bool,
    how: &str,
    wording: &str,
    now: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO volunteer_consents (campaign_id, volunteer_id, channel, given, at, how, wording) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![campaign.id, volunteer_id, channel.as_str(), i64::from(given), now, how, wording],
    )
    .await?;
    Ok(())
}

/// Every consent line of a volunteer, oldest first.
pub async fn consents(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64) -> Result<Vec<Consent>> {
    tx.fetch_all(
        "SELECT channel, given, at, how, wording FROM volunteer_consents WHERE campaign_id = $1 AND volunteer_id = $2 ORDER BY at",
        args![campaign.id, volunteer_id],
    )
    .await
}

/// Whether the latest word on a channel is consent.
pub fn consents_to(lines: &[Consent], channel: Channel) -> bool {
    lines.iter().rfind(|c| c.channel == channel.as_str()).is_some_and(|c| c.given == 1)
}

/// A volunteer as the organiser's list shows them.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub postcode: Option<String>,
    pub skills: String,
    pub user_id: Option<i64>,
    pub email_confirmed_at: Option<String>,
    pub unsubscribed_at: Option<String>,
    pub created_at: String,
    pub booked: i64,
    pub came: i64,
    pub no_show: i64,
    pub recruited: i64,
}

pub async fn list(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<Listed>> {
    tx.fetch_all(
        "SELECT v.id, v.name, v.email, v.phone, v.postcode, v.skills, v.user_id, v.email_confirmed_at, v.unsubscribed_at, v.created_at, \
         CAST((SELECT COUNT(*) FROM signups s WHERE s.campaign_id = v.campaign_id AND s.volunteer_id = v.id AND s.status = 'booked') AS BIGINT) AS booked, \
         CAST((SELECT COUNT(*) FROM signups s WHERE s.campaign_id = v.campaign_id AND s.volunteer_id = v.id AND s.checked_in_at IS NOT NULL) AS BIGINT) AS came, \
         CAST((SELECT COUNT(*) FROM signups s WHERE s.campaign_id = v.campaign_id AND s.volunteer_id = v.id AND s.no_show_at IS NOT NULL) AS BIGINT) AS no_show, \
         CAST((SELECT COUNT(*) FROM volunteers r WHERE r.campaign_id = v.campaign_id AND r.recruited_by = v.id) AS BIGINT) AS recruited \
         FROM volunteers v WHERE v.campaign_id = $1 ORDER BY v.name, v.id",
        args![campaign.id],
    )
    .await
}

/// Removes a volunteer and everything that names them; share links they made stay, counted for
/// the campaign, without them. Reminders of their sign-ups go with the sign-ups.
pub async fn delete(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64) -> Result<()> {
    tx.execute(
        "DELETE FROM reminders_sent WHERE campaign_id = $1 AND kind <> 'host_follow_up' AND of_id IN \
         (SELECT id FROM signups WHERE campaign_id = $1 AND volunteer_id = $2)",
        args![campaign.id, volunteer_id],
    )
    .await?;
    for sql in [
        "DELETE FROM lift_pairings WHERE campaign_id = $1 AND \
         (offer_id IN (SELECT id FROM lift_offers WHERE campaign_id = $1 AND volunteer_id = $2) \
          OR ask_id IN (SELECT id FROM lift_asks WHERE campaign_id = $1 AND volunteer_id = $2))",
        "DELETE FROM lift_offers WHERE campaign_id = $1 AND volunteer_id = $2",
        "DELETE FROM lift_asks WHERE campaign_id = $1 AND volunteer_id = $2",
        "DELETE FROM friends WHERE campaign_id = $1 AND volunteer_id = $2",
        "DELETE FROM signups WHERE campaign_id = $1 AND volunteer_id = $2",
        "DELETE FROM volunteer_consents WHERE campaign_id = $1 AND volunteer_id = $2",
        "DELETE FROM volunteer_history WHERE campaign_id = $1 AND volunteer_id = $2",
        "DELETE FROM mail_outbox WHERE campaign_id = $1 AND volunteer_id = $2",
        "DELETE FROM texts WHERE campaign_id = $1 AND volunteer_id = $2",
        "UPDATE share_links SET volunteer_id = NULL WHERE campaign_id = $1 AND volunteer_id = $2",
        "UPDATE volunteers SET recruited_by = NULL WHERE campaign_id = $1 AND recruited_by = $2",
        "DELETE FROM volunteers WHERE campaign_id = $1 AND id = $2",
    ] {
        tx.execute(sql, args![campaign.id, volunteer_id]).await?;
    }
    Ok(())
}

// ---- Sessions and their times ----

/// A canvassing session with what only those with a place see.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    pub name: String,
    pub starts_at: String,
    /// Where to meet, as the public see it ("outside the library").
    pub meeting_point: String,
    /// The exact address: only for those with a place.
    pub address: String,
    pub postcode: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub details: String,
    pub host_user_id: Option<i64>,
    pub cancelled_at: Option<String>,
    pub sequence: i64,
    /// When it last changed (RFC 3339); None if never since it was added.
    pub updated_at: Option<String>,
}

const SESSION: &str =
    "id, name, starts_at, meeting_point, address, postcode, lat, lon, details, host_user_id, cancelled_at, sequence, updated_at";

/// A session time with its places.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Slot {
    pub id: i64,
    pub session_id: i64,
    /// UK wall clock, 'YYYY-MM-DDTHH:MM'.
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: i64,
    pub booked: i64,
    pub waiting: i64,
}

const SLOT: &str = "t.id, t.session_id, t.starts_at, t.ends_at, t.capacity, \
    CAST((SELECT COUNT(*) FROM signups s WHERE s.campaign_id = t.campaign_id AND s.slot_id = t.id AND s.status = 'booked') AS BIGINT) AS booked, \
    CAST((SELECT COUNT(*) FROM signups s WHERE s.campaign_id = t.campaign_id AND s.slot_id = t.id AND s.status = 'waiting') AS BIGINT) AS waiting";

pub async fn session(tx: &mut Tx, campaign: &Campaign, id: i64) -> Result<Session> {
    tx.fetch_optional(&format!("SELECT {SESSION} FROM canvass_sessions WHERE campaign_id = $1 AND id = $2"), args![campaign.id, id])
        .await?
        .ok_or_else(|| Error::NotFound(format!("no session {id} in this campaign")))
}

pub async fn sessions(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<Session>> {
    tx.fetch_all(&format!("SELECT {SESSION} FROM canvass_sessions WHERE campaign_id = $1 ORDER BY starts_at, id"), args![campaign.id]).await
}

/// Every time of the campaign's sessions (or of one session), in order.
pub async fn slots(tx: &mut Tx, campaign: &Campaign, session_id: Option<i64>) -> Result<Vec<Slot>> {
    tx.fetch_all(
        &format!(
            "SELECT {SLOT} FROM session_slots t WHERE t.campaign_id = $1 AND ($2 IS NULL OR t.session_id = $2) ORDER BY t.starts_at, t.id"
        ),
        args![campaign.id, session_id],
    )
    .await
}

pub async fn slot(tx: &mut Tx, campaign: &Campaign, id: i64) -> Result<Slot> {
    tx.fetch_optional(&format!("SELECT {SLOT} FROM session_slots t WHERE t.campaign_id = $1 AND t.id = $2"), args![campaign.id, id])
        .await?
        .ok_or_else(|| Error::NotFound(format!("no session time {id} in this campaign")))
}

/// What an organiser sets of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDetails<'a> {
    pub name: &'a str,
    pub meeting_point: &'a str,
    pub address: &'a str,
    pub postcode: Option<&'a str>,
    pub at: Option<(f64, f64)>,
    pub details: &'a str,
    pub host_user_id: Option<i64>,
}

/// Sets a session's details, and its start to its first time's; the calendar sequence grows.
pub async fn update_session(tx: &mut Tx, campaign: &Campaign, id: i64, d: &SessionDetails<'_>) -> Result<()> {
    let n = tx
        .execute(
            "UPDATE canvass_sessions SET name = $1, meeting_point = $2, address = $3, postcode = $4, lat = $5, lon = $6, details = $7, \
             host_user_id = $8, sequence = sequence + 1, \
             starts_at = COALESCE((SELECT MIN(starts_at) FROM session_slots t WHERE t.campaign_id = $9 AND t.session_id = $10), starts_at), \
             updated_at = $11 WHERE campaign_id = $9 AND id = $10",
            args![
                d.name,
                d.meeting_point,
                d.address,
                d.postcode,
                d.at.map(|a| a.0),
                d.at.map(|a| a.1),
                d.details,
                d.host_user_id,
                campaign.id,
                id,
                crate::db::time_text(chrono::Utc::now())
            ],
        )
        .await?;
    if n == 0 {
        return Err(Error::NotFound(format!("no session {id} in this campaign")));
    }
    Ok(())
}

pub async fn cancel_session(tx: &mut Tx, campaign: &Campaign, id: i64, now: &str) -> Result<()> {
    tx.execute(
        "UPDATE canvass_sessions SET cancelled_at = $1, updated_at = $1, sequence = sequence + 1 WHERE campaign_id = $2 AND id = $3",
        args![now, campaign.id, id],
    )
    .await?;
    Ok(())
}

pub async fn add_slot(tx: &mut Tx, campaign: &Campaign, session_id: i64, starts_at: &str, ends_at: &str, capacity: i64) -> Result<i64> {
    let id = crate::campaigns::next_row_id(tx, campaign).await?;
    tx.execute(
        "INSERT INTO session_slots (campaign_id, id, session_id, starts_at, ends_at, capacity) VALUES ($1, $2, $3, $4, $5, $6)",
        args![campaign.id, id, session_id, starts_at, ends_at, capacity],
    )
    .await?;
    Ok(id)
}

pub async fn update_slot(tx: &mut Tx, campaign: &Campaign, id: i64, starts_at: &str, ends_at: &str, capacity: i64) -> Result<()> {
    tx.execute(
        "UPDATE session_slots SET starts_at = $1, ends_at = $2, capacity = $3 WHERE campaign_id = $4 AND id = $5",
        args![starts_at, ends_at, capacity, campaign.id, id],
    )
    .await?;
    Ok(())
}

/// A session time open to sign-ups, anywhere, for the public pages.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OpenSlot {
    pub campaign_id: i64,
    pub session_id: i64,
    pub slot_id: i64,
    pub name: String,
    pub meeting_point: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: i64,
    pub booked: i64,
}

/// Every time not cancelled that ends after `local_now` (UK wall clock), in every campaign or one.
pub async fn open_slots(tx: &mut Tx, campaign_id: Option<i64>, local_now: &str) -> Result<Vec<OpenSlot>> {
    tx.fetch_all(
        "SELECT t.campaign_id, t.session_id, t.id AS slot_id, c.name, c.meeting_point, c.lat, c.lon, t.starts_at, t.ends_at, t.capacity, \
         CAST((SELECT COUNT(*) FROM signups s WHERE s.campaign_id = t.campaign_id AND s.slot_id = t.id AND s.status = 'booked') AS BIGINT) AS booked \
         FROM session_slots t JOIN canvass_sessions c ON c.campaign_id = t.campaign_id AND c.id = t.session_id \
         WHERE c.cancelled_at IS NULL AND t.ends_at > $1 AND ($2 IS NULL OR t.campaign_id = $2) ORDER BY t.starts_at, t.id",
        args![local_now, campaign_id],
    )
    .await
}

// ---- Sign-ups ----

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Signup {
    pub id: i64,
    pub volunteer_id: i64,
    pub slot_id: i64,
    pub status: String,
    pub signed_up_at: String,
    pub confirmed_at: Option<String>,
    pub booked_at: Option<String>,
    pub cancelled_at: Option<String>,
    pub still_coming_at: Option<String>,
    pub checked_in_at: Option<String>,
    pub no_show_at: Option<String>,
    pub walk_in: i64,
    pub share_code: Option<String>,
}

const SIGNUP: &str = "id, volunteer_id, slot_id, status, signed_up_at, confirmed_at, booked_at, cancelled_at, still_coming_at, \
    checked_in_at, no_show_at, walk_in, share_code";

pub async fn signup(tx: &mut Tx, campaign: &Campaign, id: i64) -> Result<Signup> {
    tx.fetch_optional(&format!("SELECT {SIGNUP} FROM signups WHERE campaign_id = $1 AND id = $2"), args![campaign.id, id])
        .await?
        .ok_or_else(|| Error::NotFound(format!("no sign-up {id} in this campaign")))
}

pub async fn find_signup(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64, slot_id: i64) -> Result<Option<Signup>> {
    tx.fetch_optional(
        &format!("SELECT {SIGNUP} FROM signups WHERE campaign_id = $1 AND volunteer_id = $2 AND slot_id = $3"),
        args![campaign.id, volunteer_id, slot_id],
    )
    .await
}

/// Pending sign-ups of a volunteer, waiting for the email to be confirmed.
pub async fn pending_signups(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64) -> Result<Vec<Signup>> {
    tx.fetch_all(
        &format!("SELECT {SIGNUP} FROM signups WHERE campaign_id = $1 AND volunteer_id = $2 AND status = 'pending' ORDER BY id"),
        args![campaign.id, volunteer_id],
    )
    .await
}

pub async fn signups_of(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64) -> Result<Vec<Signup>> {
    tx.fetch_all(
        &format!("SELECT {SIGNUP} FROM signups WHERE campaign_id = $1 AND volunteer_id = $2 ORDER BY signed_up_at, id"),
        args![campaign.id, volunteer_id],
    )
    .await
}

/// A new sign-up as it is written.
#[derive(Debug, Clone)]
pub struct NewSignup<'a> {
    pub volunteer_id: i64,
    pub slot_id: i64,
    pub status: &'a str,
    pub share_code: Option<&'a str>,
    pub walk_in: bool,
}

pub async fn insert_signup(tx: &mut Tx, campaign: &Campaign, s: &NewSignup<'_>, now: &str) -> Result<Signup> {
    let id = crate::campaigns::next_row_id(tx, campaign).await?;
    tx.execute(
        "INSERT INTO signups (campaign_id, id, volunteer_id, slot_id, status, signed_up_at, share_code, walk_in) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![campaign.id, id, s.volunteer_id, s.slot_id, s.status, now, s.share_code, i64::from(s.walk_in)],
    )
    .await?;
    signup(tx, campaign, id).await
}

/// A sign-up signed up again (after a cancellation, or before it was confirmed): pending again.
pub async fn sign_up_again(tx: &mut Tx, campaign: &Campaign, id: i64, share_code: Option<&str>, now: &str) -> Result<()> {
    tx.execute(
        "UPDATE signups SET status = 'pending', cancelled_at = NULL, signed_up_at = $1, share_code = COALESCE(share_code, $2) \
         WHERE campaign_id = $3 AND id = $4",
        args![now, share_code, campaign.id, id],
    )
    .await?;
    Ok(())
}

/// Moves a sign-up to `status`, stamping what that means (a place's time, a cancellation's).
pub async fn set_status(tx: &mut Tx, campaign: &Campaign, id: i64, status: &str, now: &str) -> Result<()> {
    tx.execute(
        "UPDATE signups SET status = $1, \
         confirmed_at = CASE WHEN $1 IN ('booked', 'waiting') THEN COALESCE(confirmed_at, $2) ELSE confirmed_at END, \
         booked_at = CASE WHEN $1 = 'booked' THEN $2 ELSE booked_at END, \
         cancelled_at = CASE WHEN $1 = 'cancelled' THEN $2 ELSE NULL END \
         WHERE campaign_id = $3 AND id = $4",
        args![status, now, campaign.id, id],
    )
    .await?;
    Ok(())
}

pub async fn set_still_coming(tx: &mut Tx, campaign: &Campaign, id: i64, now: &str) -> Result<()> {
    tx.execute("UPDATE signups SET still_coming_at = $1 WHERE campaign_id = $2 AND id = $3", args![now, campaign.id, id]).await?;
    Ok(())
}

/// Marks someone as come (checked in) or as not having come; None clears both.
pub async fn set_attendance(tx: &mut Tx, campaign: &Campaign, id: i64, came: Option<bool>, by: Option<i64>, now: &str) -> Result<()> {
    let (checked, no_show) = match came {
        Some(true) => (Some(now), None),
        Some(false) => (None, Some(now)),
        None => (None, None),
    };
    tx.execute(
        "UPDATE signups SET checked_in_at = $1, no_show_at = $2, checked_in_by = $3 WHERE campaign_id = $4 AND id = $5",
        args![checked, no_show, by, campaign.id, id],
    )
    .await?;
    Ok(())
}

/// The sign-up who has waited longest for a place at a time (confirmed first).
pub async fn next_waiting(tx: &mut Tx, campaign: &Campaign, slot_id: i64) -> Result<Option<Signup>> {
    tx.fetch_optional(
        &format!(
            "SELECT {SIGNUP} FROM signups WHERE campaign_id = $1 AND slot_id = $2 AND status = 'waiting' ORDER BY confirmed_at, id LIMIT 1"
        ),
        args![campaign.id, slot_id],
    )
    .await
}

pub async fn booked_count(tx: &mut Tx, campaign: &Campaign, slot_id: i64) -> Result<i64> {
    let (n,): (i64,) = tx
        .fetch_one(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM signups WHERE campaign_id = $1 AND slot_id = $2 AND status = 'booked'",
            args![campaign.id, slot_id],
        )
        .await?;
    Ok(n)
}

/// A sign-up with who it is, for the host's check-in list and the notices to send.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Attendee {
    pub signup_id: i64,
    pub volunteer_id: i64,
    pub slot_id: i64,
    pub status: String,
    pub name: String,
    pub email: Option<String>,
    pub user_id: Option<i64>,
    pub check_in_code: String,
    pub link_secret: String,
    pub unsubscribed_at: Option<String>,
    pub booked_at: Option<String>,
    pub still_coming_at: Option<String>,
    pub checked_in_at: Option<String>,
    pub no_show_at: Option<String>,
    pub walk_in: i64,
    /// Of their earlier sign-ups: times they came, and times they did not.
    pub came_before: i64,
    pub no_show_before: i64,
}

/// Everyone signed up to a session's times (not pending), with their history of coming.
pub async fn attendees(tx: &mut Tx, campaign: &Campaign, session_id: i64) -> Result<Vec<Attendee>> {
    tx.fetch_all(
        "SELECT s.id AS signup_id, s.volunteer_id, s.slot_id, s.status, v.name, v.email, v.user_id, v.check_in_code, v.link_secret, \
         v.unsubscribed_at, s.booked_at, s.still_coming_at, s.checked_in_at, s.no_show_at, s.walk_in, \
         CAST((SELECT COUNT(*) FROM signups e WHERE e.campaign_id = s.campaign_id AND e.volunteer_id = s.volunteer_id AND e.id <> s.id \
               AND e.checked_in_at IS NOT NULL) AS BIGINT) AS came_before, \
         CAST((SELECT COUNT(*) FROM signups e WHERE e.campaign_id = s.campaign_id AND e.volunteer_id = s.volunteer_id AND e.id <> s.id \
               AND e.no_show_at IS NOT NULL) AS BIGINT) AS no_show_before \
         FROM signups s JOIN session_slots t ON t.campaign_id = s.campaign_id AND t.id = s.slot_id \
         JOIN volunteers v ON v.campaign_id = s.campaign_id AND v.id = s.volunteer_id \
         WHERE s.campaign_id = $1 AND t.session_id = $2 AND s.status <> 'pending' ORDER BY t.starts_at, v.name, s.id",
        args![campaign.id, session_id],
    )
    .await
}

/// A place booked at a time that starts soon or ended lately: a reminder may be due.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Booked {
    pub campaign_id: i64,
    pub signup_id: i64,
    pub volunteer_id: i64,
    pub session_id: i64,
    pub slot_id: i64,
    pub starts_at: String,
    pub ends_at: String,
    pub booked_at: Option<String>,
    pub day_before_sent: i64,
    pub morning_sent: i64,
}

/// Places booked at times starting between the two UK wall-clock times, not yet sent both
/// reminders, with a reachable email: the next `limit` after `after` (campaign, sign-up), in order.
pub async fn places_to_remind(tx: &mut Tx, from_local: &str, to_local: &str, after: (i64, i64), limit: i64) -> Result<Vec<Booked>> {
    tx.fetch_all(
        "SELECT s.campaign_id, s.id AS signup_id, s.volunteer_id, t.session_id, t.id AS slot_id, t.starts_at, t.ends_at, s.booked_at, \
         CAST((SELECT COUNT(*) FROM reminders_sent r WHERE r.campaign_id = s.campaign_id AND r.kind = 'day_before' AND r.of_id = s.id) AS BIGINT) AS day_before_sent, \
         CAST((SELECT COUNT(*) FROM reminders_sent r WHERE r.campaign_id = s.campaign_id AND r.kind = 'morning_of' AND r.of_id = s.id) AS BIGINT) AS morning_sent \
         FROM session_slots t JOIN signups s ON s.campaign_id = t.campaign_id AND s.slot_id = t.id AND s.status = 'booked' \
         JOIN canvass_sessions c ON c.campaign_id = t.campaign_id AND c.id = t.session_id AND c.cancelled_at IS NULL \
         JOIN volunteers v ON v.campaign_id = s.campaign_id AND v.id = s.volunteer_id AND v.email IS NOT NULL AND v.unsubscribed_at IS NULL \
         WHERE t.starts_at >= $1 AND t.starts_at < $2 AND (s.campaign_id > $3 OR s.campaign_id = $3 AND s.id > $4) \
         AND (NOT EXISTS (SELECT 1 FROM reminders_sent r WHERE r.campaign_id = s.campaign_id AND r.kind = 'day_before' AND r.of_id = s.id) \
           OR NOT EXISTS (SELECT 1 FROM reminders_sent r WHERE r.campaign_id = s.campaign_id AND r.kind = 'morning_of' AND r.of_id = s.id)) \
         ORDER BY s.campaign_id, s.id LIMIT $5",
        args![from_local, to_local, after.0, after.1, limit],
    )
    .await
}

/// A session time that ended between the two UK wall-clock times whose host has not had the
/// follow-up.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Ended {
    pub campaign_id: i64,
    pub session_id: i64,
    pub slot_id: i64,
    pub starts_at: String,
    pub ends_at: String,
}

pub async fn ended_without_follow_up(tx: &mut Tx, from_local: &str, to_local: &str) -> Result<Vec<Ended>> {
    tx.fetch_all(
        "SELECT t.campaign_id, t.session_id, t.id AS slot_id, t.starts_at, t.ends_at FROM session_slots t \
         JOIN canvass_sessions c ON c.campaign_id = t.campaign_id AND c.id = t.session_id AND c.cancelled_at IS NULL AND c.host_user_id IS NOT NULL \
         WHERE t.ends_at >= $1 AND t.ends_at < $2 \
         AND NOT EXISTS (SELECT 1 FROM reminders_sent r WHERE r.campaign_id = t.campaign_id AND r.kind = 'host_follow_up' AND r.of_id = t.id) \
         ORDER BY t.ends_at",
        args![from_local, to_local],
    )
    .await
}

/// Marks a reminder sent; false if it already was (by this server or another).
pub async fn mark_reminded(tx: &mut Tx, campaign_id: i64, kind: &str, of_id: i64, now: &str) -> Result<bool> {
    let n = tx
        .execute(
            "INSERT INTO reminders_sent (campaign_id, kind, of_id, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            args![campaign_id, kind, of_id, now],
        )
        .await?;
    Ok(n == 1)
}

// ---- Share links ----

/// What a share link leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The campaign's sign-up page.
    Join,
    Session,
    Post,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Join => "join",
            Target::Session => "session",
            Target::Post => "post",
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        [Target::Join, Target::Session, Target::Post].into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ShareLink {
    pub code: String,
    pub campaign_id: i64,
    pub volunteer_id: Option<i64>,
    pub target: String,
    pub target_id: Option<i64>,
    pub clicks: i64,
}

pub async fn share_link(tx: &mut Tx, code: &str) -> Result<Option<ShareLink>> {
    tx.fetch_optional("SELECT code, campaign_id, volunteer_id, target, target_id, clicks FROM share_links WHERE code = $1", args![code])
        .await
}

/// The volunteer's link to a target, made with `new_code` if they have none yet.
pub async fn share_link_for(
    tx: &mut Tx,
    campaign: &Campaign,
    volunteer_id: Option<i64>,
    target: Target,
    target_id: Option<i64>,
    new_code: &str,
    now: &str,
) -> Result<String> {
    let found: Option<(String,)> = tx
        .fetch_optional(
            "SELECT code FROM share_links WHERE campaign_id = $1 AND volunteer_id IS NOT DISTINCT FROM $2 AND target = $3 \
             AND target_id IS NOT DISTINCT FROM $4",
            args![campaign.id, volunteer_id, target.as_str(), target_id],
        )
        .await?;
    if let Some((code,)) = found {
        return Ok(code);
    }
    tx.execute(
        "INSERT INTO share_links (code, campaign_id, volunteer_id, target, target_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        args![new_code, campaign.id, volunteer_id, target.as_str(), target_id, now],
    )
    .await?;
    Ok(new_code.to_owned())
}

/// Adds counted clicks to their links.
pub async fn add_clicks(tx: &mut Tx, clicks: &[(String, i64)]) -> Result<()> {
    for (code, n) in clicks {
        tx.execute("UPDATE share_links SET clicks = clicks + $1 WHERE code = $2", args![*n, code.as_str()]).await?;
    }
    Ok(())
}

/// A sharer's line of the leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Sharer {
    pub volunteer_id: i64,
    pub name: String,
    pub clicks: i64,
    /// Sign-ups through their links.
    pub signups: i64,
    /// Of those, who came.
    pub came: i64,
    /// Sign-ups through the links of the people they brought.
    pub second_hand: i64,
}

pub async fn leaderboard(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<Sharer>> {
    tx.fetch_all(
        "SELECT v.id AS volunteer_id, v.name, \
         CAST(COALESCE((SELECT SUM(l.clicks) FROM share_links l WHERE l.campaign_id = v.campaign_id AND l.volunteer_id = v.id), 0) AS BIGINT) AS clicks, \
         CAST((SELECT COUNT(*) FROM signups s JOIN share_links l ON l.code = s.share_code \
               WHERE s.campaign_id = v.campaign_id AND l.volunteer_id = v.id AND s.status <> 'pending') AS BIGINT) AS signups, \
         CAST((SELECT COUNT(*) FROM signups s JOIN share_links l ON l.code = s.share_code \
               WHERE s.campaign_id = v.campaign_id AND l.volunteer_id = v.id AND s.checked_in_at IS NOT NULL) AS BIGINT) AS came, \
         CAST((SELECT COUNT(*) FROM signups s JOIN share_links l ON l.code = s.share_code \
               JOIN volunteers r ON r.campaign_id = l.campaign_id AND r.id = l.volunteer_id \
               WHERE s.campaign_id = v.campaign_id AND r.recruited_by = v.id AND s.status <> 'pending') AS BIGINT) AS second_hand \
         FROM volunteers v WHERE v.campaign_id = $1 \
         AND EXISTS (SELECT 1 FROM share_links l WHERE l.campaign_id = v.campaign_id AND l.volunteer_id = v.id) \
         ORDER BY signups DESC, came DESC, clicks DESC, v.name LIMIT 50",
        args![campaign.id],
    )
    .await
}

// ---- Lifts to the marginals ----

/// A driver's seats from a postcode to a session.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LiftOffer {
    pub id: i64,
    pub session_id: i64,
    pub volunteer_id: i64,
    pub postcode: String,
    pub lat: f64,
    pub lon: f64,
    pub seats: i64,
    pub withdrawn_at: Option<String>,
}

/// A rider's ask for a seat to a session.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LiftAsk {
    pub id: i64,
    pub session_id: i64,
    pub volunteer_id: i64,
    pub postcode: String,
    pub lat: f64,
    pub lon: f64,
    pub withdrawn_at: Option<String>,
}

/// A driver and a rider put together; each accepts or declines.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Pairing {
    pub offer_id: i64,
    pub ask_id: i64,
    pub distance_km: f64,
    pub proposed_at: String,
    pub driver_accepted_at: Option<String>,
    pub rider_accepted_at: Option<String>,
    pub declined_at: Option<String>,
}

/// Whose lift it is: the driver's offer or the rider's ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiftSide {
    Driver,
    Rider,
}

/// Where a lift starts.
pub struct LiftFrom<'a> {
    pub session_id: i64,
    pub volunteer_id: i64,
    pub postcode: &'a str,
    pub at: (f64, f64),
}

pub async fn add_lift_offer(tx: &mut Tx, campaign: &Campaign, from: &LiftFrom<'_>, seats: i64, now: &str) -> Result<i64> {
    let id = crate::campaigns::next_row_id(tx, campaign).await?;
    tx.execute(
        "INSERT INTO lift_offers (campaign_id, id, session_id, volunteer_id, postcode, lat, lon, seats, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![campaign.id, id, from.session_id, from.volunteer_id, from.postcode, from.at.0, from.at.1, seats, now],
    )
    .await?;
    Ok(id)
}

pub async fn add_lift_ask(tx: &mut Tx, campaign: &Campaign, from: &LiftFrom<'_>, now: &str) -> Result<i64> {
    let id = crate::campaigns::next_row_id(tx, campaign).await?;
    tx.execute(
        "INSERT INTO lift_asks (campaign_id, id, session_id, volunteer_id, postcode, lat, lon, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![campaign.id, id, from.session_id, from.volunteer_id, from.postcode, from.at.0, from.at.1, now],
    )
    .await?;
    Ok(id)
}

const OFFER: &str = "id, session_id, volunteer_id, postcode, lat, lon, seats, withdrawn_at";
const ASK: &str = "id, session_id, volunteer_id, postcode, lat, lon, withdrawn_at";

/// A session's offers and asks not withdrawn, in the order they came.
pub async fn lift_offers(tx: &mut Tx, campaign: &Campaign, session_id: i64) -> Result<Vec<LiftOffer>> {
    tx.fetch_all(
        &format!("SELECT {OFFER} FROM lift_offers WHERE campaign_id = $1 AND session_id = $2 AND withdrawn_at IS NULL ORDER BY id"),
        args![campaign.id, session_id],
    )
    .await
}

pub async fn lift_asks(tx: &mut Tx, campaign: &Campaign, session_id: i64) -> Result<Vec<LiftAsk>> {
    tx.fetch_all(
        &format!("SELECT {ASK} FROM lift_asks WHERE campaign_id = $1 AND session_id = $2 AND withdrawn_at IS NULL ORDER BY id"),
        args![campaign.id, session_id],
    )
    .await
}

/// A volunteer's own offers and asks not withdrawn.
pub async fn lifts_of(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64) -> Result<(Vec<LiftOffer>, Vec<LiftAsk>)> {
    let offers = tx
        .fetch_all(
            &format!("SELECT {OFFER} FROM lift_offers WHERE campaign_id = $1 AND volunteer_id = $2 AND withdrawn_at IS NULL ORDER BY id"),
            args![campaign.id, volunteer_id],
        )
        .await?;
    let asks = tx
        .fetch_all(
            &format!("SELECT {ASK} FROM lift_asks WHERE campaign_id = $1 AND volunteer_id = $2 AND withdrawn_at IS NULL ORDER BY id"),
            args![campaign.id, volunteer_id],
        )
        .await?;
    Ok((offers, asks))
}

pub async fn lift_offer(tx: &mut Tx, campaign: &Campaign, id: i64) -> Result<Option<LiftOffer>> {
    tx.fetch_optional(&format!("SELECT {OFFER} FROM lift_offers WHERE campaign_id = $1 AND id = $2"), args![campaign.id, id]).await
}

pub async fn lift_ask(tx: &mut Tx, campaign: &Campaign, id: i64) -> Result<Option<LiftAsk>> {
    tx.fetch_optional(&format!("SELECT {ASK} FROM lift_asks WHERE campaign_id = $1 AND id = $2"), args![campaign.id, id]).await
}

/// Every pairing of a session's offers, declined ones too.
pub async fn pairings(tx: &mut Tx, campaign: &Campaign, session_id: i64) -> Result<Vec<Pairing>> {
    tx.fetch_all(
        "SELECT p.offer_id, p.ask_id, p.distance_km, p.proposed_at, p.driver_accepted_at, p.rider_accepted_at, p.declined_at \
         FROM lift_pairings p JOIN lift_offers o ON o.campaign_id = p.campaign_id AND o.id = p.offer_id \
         WHERE p.campaign_id = $1 AND o.session_id = $2 ORDER BY p.proposed_at, p.ask_id",
        args![campaign.id, session_id],
    )
    .await
}

pub async fn propose_pairing(tx: &mut Tx, campaign: &Campaign, offer_id: i64, ask_id: i64, km: f64, now: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO lift_pairings (campaign_id, offer_id, ask_id, distance_km, proposed_at) VALUES ($1, $2, $3, $4, $5)",
        args![campaign.id, offer_id, ask_id, km, now],
    )
    .await?;
    Ok(())
}

/// One side accepts a pairing not declined; false if there is no such pairing.
pub async fn accept_pairing(tx: &mut Tx, campaign: &Campaign, offer_id: i64, ask_id: i64, side: LiftSide, now: &str) -> Result<bool> {
    let column = match side {
        LiftSide::Driver => "driver_accepted_at",
        LiftSide::Rider => "rider_accepted_at",
    };
    let n = tx
        .execute(
            &format!(
                "UPDATE lift_pairings SET {column} = COALESCE({column}, $1) \
                 WHERE campaign_id = $2 AND offer_id = $3 AND ask_id = $4 AND declined_at IS NULL"
            ),
            args![now, campaign.id, offer_id, ask_id],
        )
        .await?;
    Ok(n == 1)
}

/// Declines pairings: one, or every pairing of an offer or an ask (withdrawn).
pub async fn decline_pairings(tx: &mut Tx, campaign: &Campaign, offer_id: Option<i64>, ask_id: Option<i64>, now: &str) -> Result<u64> {
    tx.execute(
        "UPDATE lift_pairings SET declined_at = $1 WHERE campaign_id = $2 AND declined_at IS NULL \
         AND ($3 IS NULL OR offer_id = $3) AND ($4 IS NULL OR ask_id = $4)",
        args![now, campaign.id, offer_id, ask_id],
    )
    .await
}

/// Withdraws an offer or an ask, declining every pairing it has; false if it was withdrawn already.
pub async fn withdraw_lift(tx: &mut Tx, campaign: &Campaign, side: LiftSide, id: i64, now: &str) -> Result<bool> {
    let table = match side {
        LiftSide::Driver => "lift_offers",
        LiftSide::Rider => "lift_asks",
    };
    let n = tx
        .execute(
            &format!("UPDATE {table} SET withdrawn_at = $1 WHERE campaign_id = $2 AND id = $3 AND withdrawn_at IS NULL"),
            args![now, campaign.id, id],
        )
        .await?;
    match side {
        LiftSide::Driver => decline_pairings(tx, campaign, Some(id), None, now).await?,
        LiftSide::Rider => decline_pairings(tx, campaign, None, Some(id), now).await?,
    };
    Ok(n == 1)
}

// ---- Relational organising ----

/// A friend or relative a supporter listed.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Friend {
    pub id: i64,
    pub volunteer_id: i64,
    pub name: String,
    pub age_band: Option<String>,
    pub elector_id: Option<i64>,
    pub contact_id: Option<String>,
    pub talked_at: Option<String>,
}

const FRIEND: &str = "id, volunteer_id, name, age_band, elector_id, contact_id, talked_at";

pub async fn add_friend(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64, name: &str, age_band: Option<&str>, now: &str) -> Result<i64> {
    let id = crate::campaigns::next_row_id(tx, campaign).await?;
    tx.execute(
        "INSERT INTO friends (campaign_id, id, volunteer_id, name, age_band, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        args![campaign.id, id, volunteer_id, name, age_band, now],
    )
    .await?;
    Ok(id)
}

pub async fn friends_of(tx: &mut Tx, campaign: &Campaign, volunteer_id: i64) -> Result<Vec<Friend>> {
    tx.fetch_all(
        &format!("SELECT {FRIEND} FROM friends WHERE campaign_id = $1 AND volunteer_id = $2 ORDER BY id"),
        args![campaign.id, volunteer_id],
    )
    .await
}

pub async fn set_friend_elector(tx: &mut Tx, campaign: &Campaign, id: i64, elector_id: Option<i64>) -> Result<()> {
    tx.execute("UPDATE friends SET elector_id = $1 WHERE campaign_id = $2 AND id = $3", args![elector_id, campaign.id, id]).await?;
    Ok(())
}

pub async fn friend_talked(tx: &mut Tx, campaign: &Campaign, id: i64, contact_id: &str, now: &str) -> Result<()> {
    tx.execute(
        "UPDATE friends SET contact_id = $1, talked_at = $2 WHERE campaign_id = $3 AND id = $4",
        args![contact_id, now, campaign.id, id],
    )
    .await?;
    Ok(())
}

pub async fn remove_friend(tx: &mut Tx, campaign: &Campaign, id: i64) -> Result<()> {
    tx.execute("DELETE FROM friends WHERE campaign_id = $1 AND id = $2", args![campaign.id, id]).await?;
    Ok(())
}

/// A register entry that may be a supporter's friend, with what is needed to show it masked.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Candidate {
    pub elector_id: i64,
    pub household_id: Option<i64>,
    pub forename: String,
    pub surname: String,
    pub address: String,
    pub postcode: Option<String>,
}

/// Electors of the campaign with this surname (any case) whose forename begins with `forename`
/// (any case), at most `limit`.
pub async fn register_matches(tx: &mut Tx, campaign: &Campaign, forename: &str, surname: &str, limit: i64) -> Result<Vec<Candidate>> {
    tx.fetch_all(
        &format!(
            "SELECT id AS elector_id, household_id, forename, surname, address, postcode FROM electors e \
             WHERE campaign_id = $1 AND LOWER(surname) = LOWER($2) AND LOWER(forename) LIKE LOWER($3) AND household_id IS NOT NULL \
             AND {} ORDER BY forename, address, id LIMIT $4",
            crate::privacy::CONTACTABLE
        ),
        args![campaign.id, surname, format!("{}%", forename.replace(['%', '_'], "")), limit],
    )
    .await
}

pub async fn candidate(tx: &mut Tx, campaign: &Campaign, elector_id: i64) -> Result<Option<Candidate>> {
    tx.fetch_optional(
        &format!(
            "SELECT id AS elector_id, household_id, forename, surname, address, postcode FROM electors e WHERE campaign_id = $1 AND id = $2 AND {}",
            crate::privacy::CONTACTABLE
        ),
        args![campaign.id, elector_id],
    )
    .await
}

/// A conversation a supporter recorded with a friend, as the organiser sees it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Conversation {
    pub supporter: String,
    pub supporter_age_band: Option<String>,
    pub friend_age_band: Option<String>,
    pub elector_id: i64,
    pub polling_district: String,
    pub elector_number: i64,
    pub elector_suffix: i64,
    pub forename: String,
    pub surname: String,
    pub address: String,
    pub talked_at: String,
    pub answers: Option<String>,
}

/// Every friend a supporter has talked to and recorded: only these are the organiser's to see.
pub async fn conversations(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<Conversation>> {
    tx.fetch_all(
        "SELECT v.name AS supporter, v.age_band AS supporter_age_band, f.age_band AS friend_age_band, e.id AS elector_id, \
         e.polling_district, e.elector_number, e.elector_suffix, e.forename, e.surname, e.address, f.talked_at, c.answers \
         FROM friends f JOIN volunteers v ON v.campaign_id = f.campaign_id AND v.id = f.volunteer_id \
         JOIN electors e ON e.campaign_id = f.campaign_id AND e.id = f.elector_id \
         LEFT JOIN contacts c ON c.campaign_id = f.campaign_id AND c.id = f.contact_id \
         WHERE f.campaign_id = $1 AND f.talked_at IS NOT NULL ORDER BY f.talked_at DESC LIMIT 500",
        args![campaign.id],
    )
    .await
}

/// Friends listed and friends talked to, by the supporter's and the friend's age bands.
pub async fn age_band_report(tx: &mut Tx, campaign: &Campaign) -> Result<Vec<(Option<String>, Option<String>, i64, i64)>> {
    tx.fetch_all(
        "SELECT v.age_band, f.age_band, CAST(COUNT(*) AS BIGINT), CAST(COUNT(f.talked_at) AS BIGINT) \
         FROM friends f JOIN volunteers v ON v.campaign_id = f.campaign_id AND v.id = f.volunteer_id \
         WHERE f.campaign_id = $1 GROUP BY v.age_band, f.age_band ORDER BY v.age_band, f.age_band",
        args![campaign.id],
    )
    .await
}

/// Deletes a session with its times and anything pointing at it (walks given for it keep their
/// canvasser; lifts to it go). The caller checks that nobody signed up.
pub async fn delete_session(tx: &mut Tx, campaign: &Campaign, id: i64) -> Result<()> {
    for sql in [
        "UPDATE walk_assignments SET session_id = NULL WHERE campaign_id = $1 AND session_id = $2",
        "DELETE FROM lift_pairings WHERE campaign_id = $1 AND offer_id IN (SELECT id FROM lift_offers WHERE campaign_id = $1 AND session_id = $2)",
        "DELETE FROM lift_offers WHERE campaign_id = $1 AND session_id = $2",
        "DELETE FROM lift_asks WHERE campaign_id = $1 AND session_id = $2",
        "DELETE FROM share_links WHERE campaign_id = $1 AND target = 'session' AND target_id = $2",
        "DELETE FROM session_slots WHERE campaign_id = $1 AND session_id = $2",
        "DELETE FROM canvass_sessions WHERE campaign_id = $1 AND id = $2",
    ] {
        tx.execute(sql, args![campaign.id, id]).await?;
    }
    Ok(())
}
