//! Synthetic volunteers for demos and the deployment comparison: homes scattered around the seats
//! of a region, each willing to travel some distance on some days. Never real people.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::geography::{constituencies, LatLon};

/// One synthetic volunteer.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticVolunteer {
    pub name: String,
    pub home: LatLon,
    pub max_km: f64,
    pub days: Vec<&'static str>,
}

/// `count` volunteers living around the seats of `region` (or everywhere when `None`): a seat is
/// picked at random, then a home within about 6 km of its centre. Half travel 10 km or less, a few
/// up to 60; most give one day of a weekend, some both.
pub fn synthetic_volunteers(count: usize, region: Option<&str>, seed: u64) -> Result<Vec<SyntheticVolunteer>, String> {
    let seats: Vec<_> = constituencies().into_iter().filter(|c| region.is_none_or(|r| c.region.eq_ignore_ascii_case(r))).collect();
    if seats.is_empty() {
        return Err(format!("no seats in the region '{}'", region.unwrap_or("")));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let reach = [5.0, 10.0, 10.0, 15.0, 20.0, 30.0, 40.0, 60.0];
    let days: [&[&'static str]; 4] = [&["Sat"], &["Sun"], &["Sat", "Sun"], &["Sat"]];
    Ok((0..count)
        .map(|i| {
            let seat = seats.choose(&mut rng).expect("seats");
            let (r, angle) = (6.0 * rng.gen::<f64>().sqrt(), rng.gen::<f64>() * std::f64::consts::TAU);
            let lat = seat.lat + r * angle.sin() / 111.2;
            let lon = seat.lon + r * angle.cos() / (111.2 * seat.lat.to_radians().cos());
            SyntheticVolunteer {
                name: format!("Volunteer {:03}", i + 1),
                home: LatLon { lat, lon },
                max_km: *reach.choose(&mut rng).expect("reach"),
                days: days.choose(&mut rng).expect("days").to_vec(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volunteers_live_in_the_region_and_repeat_with_the_seed() {
        let a = synthetic_volunteers(50, Some("East Midlands"), 1).unwrap();
        assert_eq!(a, synthetic_volunteers(50, Some("East Midlands"), 1).unwrap());
        assert!(a.iter().all(|v| (51.9..53.7).contains(&v.home.lat) && (-2.2..0.5).contains(&v.home.lon)), "{a:?}");
        assert!(a.iter().all(|v| !v.days.is_empty() && v.max_km >= 5.0));
        assert!(synthetic_volunteers(1, Some("Atlantis"), 1).is_err());
    }
}
