//! Synthetic door sets for tests and benchmarks: realistic suburbs (streets with houses on both
//! sides every 5-12 m, terraces, semis, crescents, cul-de-sacs, blocks of flats with many doors at one
//! point), and doors scattered around real postcode centroids.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::doors::Door;
use crate::geo::EARTH_RADIUS_M;

/// Where the suburbs are laid out (Derby North's centre).
const ORIGIN: (f64, f64) = (52.9219, -1.4909);

fn to_lat_lon(x: f64, y: f64) -> (f64, f64) {
    let ky = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    let kx = ky * ORIGIN.0.to_radians().cos();
    (ORIGIN.0 + y / ky, ORIGIN.1 + x / kx)
}

/// A suburb of about `doors` doors: blocks of 250 m between main roads, each with a mix of streets.
pub fn suburb(doors: usize, seed: u64) -> Vec<Door> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(doors + 64);
    let block = 250.0;
    // Lay blocks out in a square spiral-free grid wide enough for the doors (about 220 a block).
    let side = ((doors as f64 / 220.0).sqrt().ceil() as usize).max(1);
    'blocks: for by in 0..side * 2 {
        for bx in 0..side {
            let (ox, oy) = (bx as f64 * block, by as f64 * block);
            // A main road along the block's south edge, houses on both sides.
            street(&mut rng, &mut points, (ox, oy), (ox + block, oy), Spacing::Semis);
            let kinds = rng.gen_range(2..5);
            for s in 0..kinds {
                let t = (s as f64 + 1.0) / (kinds as f64 + 1.0);
                match rng.gen_range(0..5) {
                    0 => {
                        // A straight side road across the block.
                        street(&mut rng, &mut points, (ox + 10.0, oy + t * block), (ox + block - 10.0, oy + t * block), Spacing::Terrace)
                    }
                    1 => crescent(&mut rng, &mut points, (ox + block / 2.0, oy + t * block), block * 0.35),
                    2 => {
                        // A cul-de-sac from the main road with a turning head.
                        let x = ox + t * block;
                        let len = rng.gen_range(60.0..120.0);
                        street(&mut rng, &mut points, (x, oy + 15.0), (x, oy + 15.0 + len), Spacing::Detached);
                        for a in 0..6 {
                            let ang = a as f64 / 6.0 * std::f64::consts::TAU;
                            points.push((x + 18.0 * ang.cos(), oy + 15.0 + len + 18.0 + 18.0 * ang.sin()));
                        }
                    }
                    3 => {
                        // A block of flats: many doors at one point.
                        let n = rng.gen_range(10..40);
                        let p = (ox + rng.gen_range(30.0..block - 30.0), oy + t * block);
                        points.extend(std::iter::repeat_n(p, n));
                    }
                    _ => street(
                        &mut rng,
                        &mut points,
                        (ox + 10.0, oy + t * block),
                        (ox + block - 10.0, oy + t * block + 30.0),
                        Spacing::Semis,
                    ),
                }
                if points.len() >= doors {
                    break 'blocks;
                }
            }
        }
    }
    points.truncate(doors);
    points
        .into_iter()
        .enumerate()
        .map(|(i, (x, y))| {
            let (lat, lon) = to_lat_lon(x, y);
            Door { id: format!("D{}", i + 1), lat, lon }
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Spacing {
    /// Terraced houses, a door every 5-6 m.
    Terrace,
    /// Pairs of semis: 6 m within a pair, 12 m between pairs.
    Semis,
    /// Detached houses, 10-12 m apart.
    Detached,
}

/// Houses on both sides of a straight street, 10 m either side of its centre line.
fn street(rng: &mut ChaCha8Rng, points: &mut Vec<(f64, f64)>, a: (f64, f64), b: (f64, f64), spacing: Spacing) {
    let len = (b.0 - a.0).hypot(b.1 - a.1);
    let (ux, uy) = ((b.0 - a.0) / len, (b.1 - a.1) / len);
    let (nx, ny) = (-uy, ux);
    for side in [-1.0, 1.0] {
        let mut t = rng.gen_range(0.0..4.0);
        let mut pair = 0;
        while t < len {
            points.push((a.0 + ux * t + nx * 10.0 * side, a.1 + uy * t + ny * 10.0 * side));
            t += match spacing {
                Spacing::Terrace => rng.gen_range(5.0..6.0),
                Spacing::Semis => {
                    pair += 1;
                    if pair % 2 == 1 {
                        6.0
                    } else {
                        rng.gen_range(11.0..12.0)
                    }
                }
                Spacing::Detached => rng.gen_range(10.0..12.0),
            };
        }
    }
}

/// Houses around the outside and inside of a half-circle crescent.
fn crescent(rng: &mut ChaCha8Rng, points: &mut Vec<(f64, f64)>, centre: (f64, f64), radius: f64) {
    for (r, step) in [(radius + 10.0, 8.0), (radius - 10.0, 8.0)] {
        let mut arc = rng.gen_range(0.0..3.0);
        while arc < std::f64::consts::PI * r {
            let ang = arc / r;
            points.push((centre.0 + r * ang.cos(), centre.1 + r * ang.sin() * 0.5));
            arc += step + rng.gen_range(-2.0..3.0);
        }
    }
}

/// About `per_postcode` doors within 40 m of each of the given postcode centroids, taking the
/// centroids nearest the first one until `doors` doors are placed.
pub fn around_postcodes(centroids: &[(f64, f64)], doors: usize, per_postcode: usize, seed: u64) -> Vec<Door> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let Some(&first) = centroids.first() else { return Vec::new() };
    let mut sorted = centroids.to_vec();
    sorted.sort_by(|a, b| {
        ((a.0 - first.0).powi(2) + (a.1 - first.1).powi(2)).total_cmp(&((b.0 - first.0).powi(2) + (b.1 - first.1).powi(2)))
    });
    let ky = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    let mut out = Vec::with_capacity(doors);
    'all: for (lat, lon) in sorted.iter().cycle() {
        let kx = ky * lat.to_radians().cos();
        for _ in 0..per_postcode {
            if out.len() >= doors {
                break 'all;
            }
            let (dx, dy) = (rng.gen_range(-40.0..40.0), rng.gen_range(-40.0..40.0));
            out.push(Door { id: format!("P{}", out.len() + 1), lat: lat + dy / ky, lon: lon + dx / kx });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suburbs_have_the_doors_asked_for_and_flats_share_points() {
        let d = suburb(3000, 1);
        assert_eq!(d.len(), 3000);
        let mut points: Vec<(u64, u64)> = d.iter().map(|d| (d.lat.to_bits(), d.lon.to_bits())).collect();
        points.sort_unstable();
        points.dedup();
        assert!(points.len() < 3000, "blocks of flats put many doors at one point");
        assert_eq!(suburb(3000, 1), d);
    }
}
