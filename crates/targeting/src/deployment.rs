//! Sending volunteers to seats. Each volunteer gives some days; each target seat wants some
//! volunteers on each day, and a volunteer-day there is worth the seat's need less the share of
//! the day spent travelling. The exact plan is an assignment problem, solved per day by the
//! Hungarian algorithm (Kuhn-Munkres); 'nearest first' sends everyone to their closest seat.

use std::collections::BTreeSet;

use groundgame_core::geography::LatLon;
use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;
use serde::Serialize;

use crate::nearest::distance_km;

/// A volunteer: where they start, how far they will go, and which days they give.
#[derive(Debug, Clone, PartialEq)]
pub struct Volunteer {
    pub name: String,
    pub home: LatLon,
    pub max_km: f64,
    pub days: Vec<String>,
}

/// A seat wanting volunteers on a day, and what one volunteer-day there is worth.
#[derive(Debug, Clone, PartialEq)]
pub struct SeatNeed {
    pub gss: String,
    pub name: String,
    pub location: LatLon,
    pub day: String,
    pub wanted: u32,
    pub value: f64,
}

/// A canvassing shift's length and travel speed: time on the road is time not on the doorstep.
pub const SHIFT_HOURS: f64 = 3.0;
pub const ROAD_KMH: f64 = 40.0;

/// The value of sending a volunteer `km` away to a seat worth `value` a volunteer-day: the seat's
/// value times the part of the shift left after the journey there and back.
pub fn effort_value(value: f64, km: f64) -> f64 {
    value * (1.0 - 2.0 * km / ROAD_KMH / SHIFT_HOURS).max(0.0)
}

#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub volunteer: String,
    pub day: String,
    pub gss: String,
    pub seat: String,
    pub distance_km: f64,
    /// What this volunteer-day adds: zero when the seat already has all it wanted that day.
    pub value: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub method: &'static str,
    pub assignments: Vec<Assignment>,
    /// The sum of the assignments' values.
    pub total_value: f64,
    /// Volunteer-days with no seat in reach (or, for the exact plan, none worth the trip).
    pub unused_volunteer_days: usize,
    /// Places wanted and left empty, over all seats and days.
    pub unfilled_places: u32,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn days(volunteers: &[Volunteer], needs: &[SeatNeed]) -> BTreeSet<String> {
    volunteers.iter().flat_map(|v| v.days.iter().cloned()).chain(needs.iter().map(|n| n.day.clone())).collect()
}

fn finish(method: &'static str, mut assignments: Vec<Assignment>, volunteer_days: usize, needs: &[SeatNeed]) -> Plan {
    assignments.sort_by(|a, b| a.day.cmp(&b.day).then(a.volunteer.cmp(&b.volunteer)));
    let filled = |n: &SeatNeed| assignments.iter().filter(|a| a.day == n.day && a.gss == n.gss && a.value > 0.0).count() as u32;
    Plan {
        method,
        total_value: round3(assignments.iter().map(|a| a.value).sum()),
        unused_volunteer_days: volunteer_days - assignments.len(),
        unfilled_places: needs.iter().map(|n| n.wanted.saturating_sub(filled(n))).sum(),
        assignments,
    }
}

/// Values are compared as integers in millionths.
const SCALE: f64 = 1_000_000.0;
/// The weight of a pairing that is out of reach: far below anything real, far from overflow.
const OUT_OF_REACH: i64 = -(1 << 40);

/// The plan with the greatest total value: for each day, every available volunteer against every
/// place wanted (a seat wanting 5 is 5 places), plus a 'stay home' place each, worth nothing.
pub fn optimal(volunteers: &[Volunteer], needs: &[SeatNeed]) -> Plan {
    let mut assignments = Vec::new();
    let mut volunteer_days = 0;
    for day in days(volunteers, needs) {
        let people: Vec<&Volunteer> = volunteers.iter().filter(|v| v.days.contains(&day)).collect();
        volunteer_days += people.len();
        let places: Vec<&SeatNeed> =
            needs.iter().filter(|n| n.day == day).flat_map(|n| std::iter::repeat_n(n, n.wanted as usize)).collect();
        if people.is_empty() || places.is_empty() {
            continue;
        }
        let columns = places.len() + people.len();
        let mut weights = Vec::with_capacity(people.len() * columns);
        for v in &people {
            for p in &places {
                let km = distance_km(v.home, p.location);
                let value = effort_value(p.value, km);
                weights.push(if km <= v.max_km && value > 0.0 { (value * SCALE).round() as i64 } else { OUT_OF_REACH });
            }
            weights.extend(std::iter::repeat_n(0, people.len()));
        }
        let matrix = Matrix::from_vec(people.len(), columns, weights).expect("a row per volunteer, a column per place");
        let (_, chosen) = kuhn_munkres(&matrix);
        for (v, column) in people.iter().zip(chosen) {
            let Some(place) = places.get(column) else { continue };
            let km = distance_km(v.home, place.location);
            if km > v.max_km || effort_value(place.value, km) <= 0.0 {
                continue;
            }
            assignments.push(Assignment {
                volunteer: v.name.clone(),
                day: day.clone(),
                gss: place.gss.clone(),
                seat: place.name.clone(),
                distance_km: round3(km),
                value: round3(effort_value(place.value, km)),
            });
        }
    }
    finish("optimal", assignments, volunteer_days, needs)
}

/// Everyone goes to the nearest seat wanting volunteers that day, within their reach; a volunteer
/// beyond the places a seat wanted adds nothing.
pub fn nearest_first(volunteers: &[Volunteer], needs: &[SeatNeed]) -> Plan {
    let mut assignments = Vec::new();
    let mut volunteer_days = 0;
    for day in days(volunteers, needs) {
        let seats: Vec<&SeatNeed> = needs.iter().filter(|n| n.day == day && n.wanted > 0).collect();
        let mut taken = vec![0u32; seats.len()];
        for v in volunteers.iter().filter(|v| v.days.contains(&day)) {
            volunteer_days += 1;
            let nearest = seats
                .iter()
                .enumerate()
                .map(|(i, s)| (i, distance_km(v.home, s.location)))
                .filter(|(_, km)| *km <= v.max_km)
                .min_by(|a, b| a.1.total_cmp(&b.1));
            let Some((i, km)) = nearest else { continue };
            taken[i] += 1;
            let value = if taken[i] <= seats[i].wanted { effort_value(seats[i].value, km) } else { 0.0 };
            assignments.push(Assignment {
                volunteer: v.name.clone(),
                day: day.clone(),
                gss: seats[i].gss.clone(),
                seat: seats[i].name.clone(),
                distance_km: round3(km),
                value: round3(value),
            });
        }
    }
    finish("nearest first", assignments, volunteer_days, needs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> LatLon {
        LatLon { lat, lon }
    }

    fn volunteer(name: &str, home: LatLon, max_km: f64) -> Volunteer {
        Volunteer { name: name.into(), home, max_km, days: vec!["Sat".into()] }
    }

    fn seat(gss: &str, location: LatLon, wanted: u32, value: f64) -> SeatNeed {
        SeatNeed { gss: gss.into(), name: gss.into(), location, day: "Sat".into(), wanted, value }
    }

    #[test]
    fn the_exact_plan_sends_the_flexible_volunteer_on_and_fills_both_seats() {
        // Two volunteers live by seat A, which wants one; seat B, 15 km away, also wants one.
        // Nearest first sends both to A (one wasted); the exact plan sends the one who will travel to B.
        let a = at(52.92, -1.47);
        let b = at(52.92 + 15.0 / 111.2, -1.47);
        let volunteers = [volunteer("near", a, 5.0), volunteer("willing", a, 30.0)];
        let needs = [seat("A", a, 1, 1.0), seat("B", b, 1, 1.0)];
        let best = optimal(&volunteers, &needs);
        let nearest = nearest_first(&volunteers, &needs);
        assert_eq!(best.unfilled_places, 0);
        assert_eq!(nearest.unfilled_places, 1);
        assert!(best.assignments.iter().any(|x| x.volunteer == "willing" && x.gss == "B"));
        // B is worth 1 less the quarter of the shift spent on 30 km of road.
        assert!((best.total_value - (1.0 + effort_value(1.0, 15.0))).abs() < 0.01, "{}", best.total_value);
        assert!((nearest.total_value - 1.0).abs() < 1e-9);
    }

    #[test]
    fn no_one_is_sent_beyond_their_reach_or_on_a_day_they_did_not_give() {
        let home = at(52.92, -1.47);
        let far = at(53.92, -1.47);
        let mut sunday_only = volunteer("sun", home, 200.0);
        sunday_only.days = vec!["Sun".into()];
        let volunteers = [volunteer("short", home, 10.0), sunday_only];
        let needs = [seat("FAR", far, 5, 1.0), seat("HOME", home, 1, 0.5)];
        let plan = optimal(&volunteers, &needs);
        assert_eq!(plan.assignments.len(), 1);
        assert_eq!((plan.assignments[0].volunteer.as_str(), plan.assignments[0].gss.as_str()), ("short", "HOME"));
        assert_eq!(plan.unused_volunteer_days, 1);
    }

    #[test]
    fn the_exact_plan_is_never_worse_than_nearest_first() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(3);
        for _ in 0..20 {
            let mut point = || at(52.5 + rng.gen::<f64>(), -2.0 + rng.gen::<f64>());
            let seats: Vec<LatLon> = (0..6).map(|_| point()).collect();
            let homes: Vec<LatLon> = (0..25).map(|_| point()).collect();
            let needs: Vec<SeatNeed> =
                seats.iter().enumerate().map(|(i, l)| seat(&format!("S{i}"), *l, 1 + i as u32 % 4, 0.3 + 0.1 * i as f64)).collect();
            let volunteers: Vec<Volunteer> =
                homes.iter().enumerate().map(|(i, h)| volunteer(&format!("V{i}"), *h, 20.0 + (i % 5) as f64 * 10.0)).collect();
            assert!(optimal(&volunteers, &needs).total_value + 1e-6 >= nearest_first(&volunteers, &needs).total_value);
        }
    }
}
