/// The mean radius of the Earth, in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The great-circle distance between two points given as (latitude, longitude) in degrees, in metres.
pub fn haversine(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1) = (a.0.to_radians(), a.1.to_radians());
    let (la2, lo2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// An equirectangular projection around a centre: metres east and north. Over a constituency it
/// differs from great-circle distance by far less than a door's width.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    lat0: f64,
    lon0: f64,
    kx: f64,
    ky: f64,
}

impl Projection {
    pub fn around(points: impl Iterator<Item = (f64, f64)>) -> Projection {
        let (mut n, mut la, mut lo) = (0.0, 0.0, 0.0);
        for (a, b) in points {
            n += 1.0;
            la += a;
            lo += b;
        }
        let (lat0, lon0) = if n > 0.0 { (la / n, lo / n) } else { (0.0, 0.0) };
        let ky = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        Projection { lat0, lon0, kx: ky * lat0.to_radians().cos(), ky }
    }

    pub fn project(&self, lat: f64, lon: f64) -> (f64, f64) {
        ((lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_a_known_distance() {
        // Derby to Nottingham city centres: about 20.6 km.
        let d = haversine((52.9225, -1.4746), (52.9548, -1.1581));
        assert!((d - 21_500.0).abs() < 1_000.0, "{d}");
        assert_eq!(haversine((52.9, -1.5), (52.9, -1.5)), 0.0);
    }

    #[test]
    fn the_projection_agrees_with_haversine_over_a_city() {
        let p = Projection::around([(52.92, -1.49)].into_iter());
        let (a, b) = ((52.93, -1.50), (52.91, -1.46));
        let (xa, ya) = p.project(a.0, a.1);
        let (xb, yb) = p.project(b.0, b.1);
        let flat = ((xa - xb).powi(2) + (ya - yb).powi(2)).sqrt();
        assert!((flat - haversine(a, b)).abs() / haversine(a, b) < 1e-3);
    }
}
