//! Lifts to the marginals: which driver's car a rider is offered. The nearest driver going to the
//! same session with a seat free, starting within reach of the rider; never one the rider or the
//! driver has already turned down.

use groundgame_core::geography::LatLon;

use crate::nearest::distance_km;

/// How far a rider may be from where a driver starts, in kilometres.
pub const REACH_KM: f64 = 15.0;

/// A driver's offer as matching sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Car {
    pub offer_id: i64,
    pub from: LatLon,
    /// Seats not yet promised to a rider.
    pub free: i64,
}

/// The car to offer a rider starting at `from`, with how far away it starts; `declined` are the
/// offers already turned down for this rider (by either side).
pub fn car_for(from: LatLon, cars: &[Car], declined: &[i64]) -> Option<(i64, f64)> {
    cars.iter()
        .filter(|c| c.free > 0 && !declined.contains(&c.offer_id))
        .map(|c| (c.offer_id, distance_km(from, c.from)))
        .filter(|(_, km)| *km <= REACH_KM)
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lat: f64, lon: f64) -> LatLon {
        LatLon { lat, lon }
    }

    #[test]
    fn the_nearest_car_with_a_seat_that_was_not_turned_down() {
        let rider = at(52.95, -1.50);
        let cars = [
            Car { offer_id: 1, from: at(52.96, -1.50), free: 0 },
            Car { offer_id: 2, from: at(52.97, -1.50), free: 2 },
            Car { offer_id: 3, from: at(52.98, -1.50), free: 1 },
            Car { offer_id: 4, from: at(53.50, -1.50), free: 3 },
        ];
        assert_eq!(car_for(rider, &cars, &[]).map(|c| c.0), Some(2), "the nearest full car is passed over");
        assert_eq!(car_for(rider, &cars, &[2]).map(|c| c.0), Some(3));
        assert_eq!(car_for(rider, &cars, &[2, 3]), None, "61 km away is out of reach");
        let (_, km) = car_for(rider, &cars, &[]).unwrap();
        assert!((km - 2.22).abs() < 0.05, "{km}");
    }
}
