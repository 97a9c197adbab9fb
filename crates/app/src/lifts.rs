//! Lifts to the marginals: a volunteer with a place at a session offers seats in their car from a
//! postcode, or asks for one; the app pairs each rider with the nearest driver who has a seat free
//! (`groundgame_targeting::lifts`). Each side sees only the other's first name and how far apart
//! they start until both accept; then both are emailed the other's name, email and phone. A
//! declined pairing is never proposed again, and the rider is offered the next car.
//!
//! These are lifts for canvassers to a session. Polling day's lifts to the polling station are
//! promises of the knock-up (`polling_day`).

use chrono::Utc;
use groundgame_core::geography::{LatLon, Postcode};
use groundgame_store::campaigns::Campaign;
use groundgame_store::db::time_text;
use groundgame_store::volunteers::{self as store, LiftFrom, LiftSide, Pairing, Volunteer};
use groundgame_store::Tx;
use groundgame_targeting::lifts::{car_for, Car};
use serde::Serialize;

use crate::volunteers::{by_link, queue};
use crate::{App, Error, Result};

/// The most seats one car may offer.
const MAX_SEATS: i64 = 8;

/// The other side of a lift as a volunteer may see it.
#[derive(Debug, Clone, Serialize)]
pub struct OtherSide {
    pub offer_id: i64,
    pub ask_id: i64,
    /// Their first name; their full name once both have accepted.
    pub name: String,
    pub distance_km: f64,
    pub i_accepted: bool,
    pub they_accepted: bool,
    /// Only once both have accepted.
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// One of a volunteer's offers or asks, with whoever it is paired with.
#[derive(Debug, Clone, Serialize)]
pub struct MyLift {
    pub side: &'static str,
    pub id: i64,
    pub session_id: i64,
    pub session: String,
    pub postcode: String,
    pub seats: Option<i64>,
    pub paired: Vec<OtherSide>,
}

fn first_name(name: &str) -> String {
    name.split_whitespace().next().unwrap_or("").to_owned()
}

async fn place_of(tx: &mut Tx, postcode: &str) -> Result<(Postcode, LatLon)> {
    let p = Postcode::parse(postcode.trim()).map_err(|_| Error::Invalid(format!("'{}' is not a postcode", postcode.trim())))?;
    let at = groundgame_store::targeting::locate_postcode(tx, &p)
        .await
        .map_err(|_| Error::Invalid(format!("we do not know where {} is yet: try the postcode of somewhere near you", p.as_str())))?;
    Ok((p, at))
}

/// The session, if the volunteer has a place (booked) at one of its times.
async fn booked_session(tx: &mut Tx, campaign: &Campaign, v: &Volunteer, session_id: i64) -> Result<store::Session> {
    for s in store::signups_of(tx, campaign, v.id).await? {
        if s.status == "booked" && store::slot(tx, campaign, s.slot_id).await?.session_id == session_id {
            return store::session(tx, campaign, session_id).await.map_err(Error::from);
        }
    }
    Err(Error::Invalid("lifts are for those with a place at the session".into()))
}

/// Offers seats to a session from a postcode; riders waiting are paired at once.
pub async fn offer(app: &App, secret: &str, session_id: i64, postcode: &str, seats: i64) -> Result<()> {
    if !(1..=MAX_SEATS).contains(&seats) {
        return Err(Error::Invalid(format!("seats: a number from 1 to {MAX_SEATS}")));
    }
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    booked_session(&mut tx, &campaign, &v, session_id).await?;
    let (mine, _) = store::lifts_of(&mut tx, &campaign, v.id).await?;
    if mine.iter().any(|o| o.session_id == session_id) {
        return Err(Error::Conflict("you already offer a lift to this session: withdraw it to change it".into()));
    }
    let (p, at) = place_of(&mut tx, postcode).await?;
    let from = LiftFrom { session_id, volunteer_id: v.id, postcode: p.as_str(), at: (at.lat, at.lon) };
    store::add_lift_offer(&mut tx, &campaign, &from, seats, &time_text(Utc::now())).await?;
    pair(app, &mut tx, &campaign, session_id).await?;
    tx.commit().await?;
    app.mail_waiting();
    Ok(())
}

/// Asks for a seat to a session from a postcode; paired with the nearest car at once if there is one.
pub async fn ask(app: &App, secret: &str, session_id: i64, postcode: &str) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    booked_session(&mut tx, &campaign, &v, session_id).await?;
    let (_, mine) = store::lifts_of(&mut tx, &campaign, v.id).await?;
    if mine.iter().any(|a| a.session_id == session_id) {
        return Err(Error::Conflict("you have already asked for a lift to this session".into()));
    }
    let (p, at) = place_of(&mut tx, postcode).await?;
    let from = LiftFrom { session_id, volunteer_id: v.id, postcode: p.as_str(), at: (at.lat, at.lon) };
    store::add_lift_ask(&mut tx, &campaign, &from, &time_text(Utc::now())).await?;
    pair(app, &mut tx, &campaign, session_id).await?;
    tx.commit().await?;
    app.mail_waiting();
    Ok(())
}

/// Pairs every rider of a session who has no live pairing with the nearest car with a seat, in
/// the order they asked; both sides are emailed. The pairings made.
async fn pair(app: &App, tx: &mut Tx, campaign: &Campaign, session_id: i64) -> Result<usize> {
    let offers = store::lift_offers(tx, campaign, session_id).await?;
    let asks = store::lift_asks(tx, campaign, session_id).await?;
    let pairings = store::pairings(tx, campaign, session_id).await?;
    let live = |p: &&Pairing| p.declined_at.is_none();
    let mut cars: Vec<Car> = offers
        .iter()
        .map(|o| Car {
            offer_id: o.id,
            from: LatLon { lat: o.lat, lon: o.lon },
            free: o.seats - pairings.iter().filter(live).filter(|p| p.offer_id == o.id).count() as i64,
        })
        .collect();
    let session = store::session(tx, campaign, session_id).await?;
    let now = time_text(Utc::now());
    let mut made = 0;
    for a in &asks {
        if pairings.iter().filter(live).any(|p| p.ask_id == a.id) {
            continue;
        }
        let declined: Vec<i64> = pairings.iter().filter(|p| p.ask_id == a.id).map(|p| p.offer_id).collect();
        let Some((offer_id, km)) = car_for(LatLon { lat: a.lat, lon: a.lon }, &cars, &declined) else { continue };
        store::propose_pairing(tx, campaign, offer_id, a.id, km, &now).await?;
        if let Some(c) = cars.iter_mut().find(|c| c.offer_id == offer_id) {
            c.free -= 1;
        }
        made += 1;
        let driver = store::get(tx, campaign, offers.iter().find(|o| o.id == offer_id).map_or(0, |o| o.volunteer_id)).await?;
        let rider = store::get(tx, campaign, a.volunteer_id).await?;
        let body = |to: &Volunteer, what: &str| {
            format!(
                "Hello {},\n\n{what} to {} ({km:.1} km apart).\nSay yes or no on your page (the link below). Once you have both said yes, we send you each other's contact details.\n",
                first_name(&to.name),
                session.name,
            )
        };
        let subject = format!("A lift to {}", session.name);
        let to_driver = body(&driver, &format!("{} would like a seat in your car", first_name(&rider.name)));
        let to_rider = body(&rider, &format!("{} has a seat in their car", first_name(&driver.name)));
        queue(app, tx, campaign, &driver, "lift_proposed", &subject, to_driver, None).await?;
        queue(app, tx, campaign, &rider, "lift_proposed", &subject, to_rider, None).await?;
    }
    Ok(made)
}

/// Which side of a pairing the volunteer is on, and the pairing; NotFound when it is not theirs.
async fn my_pairing(tx: &mut Tx, campaign: &Campaign, v: &Volunteer, offer_id: i64, ask_id: i64) -> Result<(LiftSide, i64, Pairing)> {
    let missing = || Error::NotFound("there is no such lift".into());
    let offer = store::lift_offer(tx, campaign, offer_id).await?.ok_or_else(missing)?;
    let ask = store::lift_ask(tx, campaign, ask_id).await?.ok_or_else(missing)?;
    let side = if offer.volunteer_id == v.id {
        LiftSide::Driver
    } else if ask.volunteer_id == v.id {
        LiftSide::Rider
    } else {
        return Err(missing());
    };
    let p = store::pairings(tx, campaign, offer.session_id)
        .await?
        .into_iter()
        .find(|p| p.offer_id == offer_id && p.ask_id == ask_id && p.declined_at.is_none())
        .ok_or_else(missing)?;
    Ok((side, offer.session_id, p))
}

/// Accepts or declines a pairing. When both have accepted, each is emailed the other's details;
/// a declined rider is offered the next car.
pub async fn answer(app: &App, secret: &str, offer_id: i64, ask_id: i64, accept: bool) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let (side, session_id, before) = my_pairing(&mut tx, &campaign, &v, offer_id, ask_id).await?;
    let now = time_text(Utc::now());
    if accept {
        store::accept_pairing(&mut tx, &campaign, offer_id, ask_id, side, &now).await?;
        let both = match side {
            LiftSide::Driver => before.driver_accepted_at.is_none() && before.rider_accepted_at.is_some(),
            LiftSide::Rider => before.rider_accepted_at.is_none() && before.driver_accepted_at.is_some(),
        };
        if both {
            let session = store::session(&mut tx, &campaign, session_id).await?;
            let offer =
                store::lift_offer(&mut tx, &campaign, offer_id).await?.ok_or_else(|| Error::NotFound("there is no such lift".into()))?;
            let ask = store::lift_ask(&mut tx, &campaign, ask_id).await?.ok_or_else(|| Error::NotFound("there is no such lift".into()))?;
            let driver = store::get(&mut tx, &campaign, offer.volunteer_id).await?;
            let rider = store::get(&mut tx, &campaign, ask.volunteer_id).await?;
            let details = |who: &Volunteer| {
                format!(
                    "{}\n  email: {}\n  phone: {}",
                    who.name,
                    who.email.as_deref().unwrap_or("(none given)"),
                    who.phone.as_deref().unwrap_or("(none given)")
                )
            };
            let subject = format!("Your lift to {} is agreed", session.name);
            let to_driver = format!(
                "Hello {},\n\nYou are giving a lift to {} from {}. Your rider:\n{}\n\nAgree where and when to meet between you.\n",
                first_name(&driver.name),
                session.name,
                ask.postcode,
                details(&rider)
            );
            let to_rider = format!(
                "Hello {},\n\nYou have a lift to {} from near {}. Your driver:\n{}\n\nAgree where and when to meet between you.\n",
                first_name(&rider.name),
                session.name,
                offer.postcode,
                details(&driver)
            );
            queue(app, &mut tx, &campaign, &driver, "lift_agreed", &subject, to_driver, None).await?;
            queue(app, &mut tx, &campaign, &rider, "lift_agreed", &subject, to_rider, None).await?;
        }
    } else {
        store::decline_pairings(&mut tx, &campaign, Some(offer_id), Some(ask_id), &now).await?;
        pair(app, &mut tx, &campaign, session_id).await?;
    }
    tx.commit().await?;
    app.mail_waiting();
    Ok(())
}

/// Withdraws one of the volunteer's offers or asks; its riders (or the rider) are offered other cars.
pub async fn withdraw(app: &App, secret: &str, driver: bool, id: i64) -> Result<()> {
    let mut tx = app.store.begin_write().await?;
    let (campaign, v) = by_link(&mut tx, secret).await?;
    let missing = || Error::NotFound("there is no such lift".into());
    let (side, session_id) = if driver {
        let o = store::lift_offer(&mut tx, &campaign, id).await?.filter(|o| o.volunteer_id == v.id).ok_or_else(missing)?;
        (LiftSide::Driver, o.session_id)
    } else {
        let a = store::lift_ask(&mut tx, &campaign, id).await?.filter(|a| a.volunteer_id == v.id).ok_or_else(missing)?;
        (LiftSide::Rider, a.session_id)
    };
    let now = time_text(Utc::now());
    if store::withdraw_lift(&mut tx, &campaign, side, id, &now).await? {
        pair(app, &mut tx, &campaign, session_id).await?;
    }
    tx.commit().await?;
    app.mail_waiting();
    Ok(())
}

/// Withdraws a volunteer's offers and asks (to one session, or all when their data is deleted),
/// offering their riders or driver other cars.
pub(crate) async fn forget(app: &App, tx: &mut Tx, campaign: &Campaign, v: &Volunteer, session_id: Option<i64>) -> Result<()> {
    let (mut offers, mut asks) = store::lifts_of(tx, campaign, v.id).await?;
    offers.retain(|o| session_id.is_none_or(|s| o.session_id == s));
    asks.retain(|a| session_id.is_none_or(|s| a.session_id == s));
    let now = time_text(Utc::now());
    let mut sessions = Vec::new();
    for o in &offers {
        store::withdraw_lift(tx, campaign, LiftSide::Driver, o.id, &now).await?;
        sessions.push(o.session_id);
    }
    for a in &asks {
        store::withdraw_lift(tx, campaign, LiftSide::Rider, a.id, &now).await?;
        sessions.push(a.session_id);
    }
    sessions.sort_unstable();
    sessions.dedup();
    for s in sessions {
        pair(app, tx, campaign, s).await?;
    }
    Ok(())
}

/// A volunteer's lifts for their page.
pub(crate) async fn mine(tx: &mut Tx, campaign: &Campaign, v: &Volunteer) -> Result<Vec<MyLift>> {
    let (offers, asks) = store::lifts_of(tx, campaign, v.id).await?;
    let mut out = Vec::new();
    let mut sessions: Vec<i64> = offers.iter().map(|o| o.session_id).chain(asks.iter().map(|a| a.session_id)).collect();
    sessions.sort_unstable();
    sessions.dedup();
    for session_id in sessions {
        let session = store::session(tx, campaign, session_id).await?;
        let pairings: Vec<Pairing> =
            store::pairings(tx, campaign, session_id).await?.into_iter().filter(|p| p.declined_at.is_none()).collect();
        let all_offers = store::lift_offers(tx, campaign, session_id).await?;
        let all_asks = store::lift_asks(tx, campaign, session_id).await?;
        for (side, id, postcode, seats) in offers
            .iter()
            .filter(|o| o.session_id == session_id)
            .map(|o| ("driver", o.id, o.postcode.clone(), Some(o.seats)))
            .chain(asks.iter().filter(|a| a.session_id == session_id).map(|a| ("rider", a.id, a.postcode.clone(), None)))
        {
            let mut paired = Vec::new();
            for p in pairings.iter().filter(|p| if side == "driver" { p.offer_id == id } else { p.ask_id == id }) {
                let other_id = if side == "driver" {
                    all_asks.iter().find(|a| a.id == p.ask_id).map(|a| a.volunteer_id)
                } else {
                    all_offers.iter().find(|o| o.id == p.offer_id).map(|o| o.volunteer_id)
                };
                let Some(other_id) = other_id else { continue };
                let other = store::get(tx, campaign, other_id).await?;
                let (mine, theirs) = if side == "driver" {
                    (p.driver_accepted_at.is_some(), p.rider_accepted_at.is_some())
                } else {
                    (p.rider_accepted_at.is_some(), p.driver_accepted_at.is_some())
                };
                let agreed = mine && theirs;
                paired.push(OtherSide {
                    offer_id: p.offer_id,
                    ask_id: p.ask_id,
                    name: if agreed { other.name.clone() } else { first_name(&other.name) },
                    distance_km: p.distance_km,
                    i_accepted: mine,
                    they_accepted: theirs,
                    email: other.email.clone().filter(|_| agreed),
                    phone: other.phone.clone().filter(|_| agreed),
                });
            }
            out.push(MyLift { side, id, session_id, session: session.name.clone(), postcode, seats, paired });
        }
    }
    Ok(out)
}
