use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::bound::lower_bound;
use crate::cut::cut_tour;
use crate::doors::{total_distance, Door, DoorsError};
use crate::geo::Projection;
use crate::path::polish;
use crate::tour::{hilbert_order, improve, neighbours, perturb, Points, Tour};

/// How to plan.
#[derive(Debug, Clone)]
pub struct Options {
    /// At most this many doors a walk (K).
    pub per_walk: usize,
    /// The same seed and input always give the same plan (unless the time limit cuts the search
    /// short).
    pub seed: u64,
    /// Stop improving after this long. `None`: a budget that grows with the number of doors.
    pub time_limit: Option<Duration>,
    /// Kicks of the iterated local search per door, at least `min_kicks` and at most `max_kicks`
    /// in all: the work budget, independent of the clock, so that a plan is the same on any
    /// machine. Small areas get a search many times their size, as it costs little.
    pub kicks_per_door: usize,
    pub min_kicks: usize,
    pub max_kicks: usize,
}

impl Options {
    pub fn new(per_walk: usize) -> Options {
        Options { per_walk, seed: 1, time_limit: None, kicks_per_door: 60, min_kicks: 100_000, max_kicks: 300_000 }
    }
}

/// A plan: walks of door indices in walking order, with their total length and the lower bound.
#[derive(Debug, Clone)]
pub struct Plan {
    pub walks: Vec<Vec<usize>>,
    /// Metres, great-circle.
    pub distance: f64,
    pub lower_bound: f64,
}

impl Plan {
    pub fn ratio(&self) -> f64 {
        if self.lower_bound > 0.0 {
            self.distance / self.lower_bound
        } else {
            1.0
        }
    }
}

/// The default time limit, a safety net behind the work budget: the targets the planner is held
/// to (two seconds up to 3,000 doors, five at 10,000, ten at 35,000), straight lines between.
fn default_limit(n: usize) -> Duration {
    let secs = match n {
        0..=3000 => 2.0,
        3001..=10_000 => 2.0 + (n - 3000) as f64 * 3.0 / 7000.0,
        _ => (5.0 + (n - 10_000) as f64 * 5.0 / 25_000.0).min(10.0),
    };
    Duration::from_secs_f64(secs)
}

/// Plans walks for the doors.
pub fn plan(doors: &[Door], options: &Options) -> Result<Plan, DoorsError> {
    let started = Instant::now();
    if options.per_walk < 1 {
        return Err(DoorsError::Invalid("--doors-per-walk must be at least 1".into()));
    }
    if doors.is_empty() {
        return Err(DoorsError::Invalid("there are no doors to plan".into()));
    }
    let n = doors.len();
    let walks_needed = n.div_ceil(options.per_walk);
    let deadline = started + options.time_limit.unwrap_or_else(|| default_limit(n));
    let projection = Projection::around(doors.iter().map(|d| (d.lat, d.lon)));
    let pts = Points { xy: doors.iter().map(|d| projection.project(d.lat, d.lon)).collect() };

    let walks: Vec<Vec<u32>> = if n <= 3 {
        let all: Vec<u32> = (0..n as u32).collect();
        all.chunks(options.per_walk).map(<[u32]>::to_vec).collect()
    } else {
        let nb = neighbours(&pts);
        let budget = options.kicks_per_door.saturating_mul(n).clamp(options.min_kicks, options.max_kicks.max(options.min_kicks));
        // Small areas: several searches from different seeds, the best kept (each gets the
        // per-door budget); large ones: one search with the whole budget.
        let per_search = options.kicks_per_door.saturating_mul(n).max(1);
        let searches = (budget / per_search).clamp(1, 16);
        let mut best: Option<(f64, Vec<Vec<u32>>)> = None;
        for s in 0..searches {
            let kicks = if searches == 1 { budget } else { per_search };
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed.wrapping_add(s as u64 * 0x9e37_79b9));
            let walks = search(&pts, &nb, options.per_walk, kicks, &mut rng, deadline);
            let length: f64 = walks.iter().map(|w| w.windows(2).map(|p| pts.dist(p[0], p[1])).sum::<f64>()).sum();
            if best.as_ref().is_none_or(|(b, _)| length < *b - 1e-9) {
                best = Some((length, walks));
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        best.expect("at least one search").1
    };
    let walks: Vec<Vec<usize>> = walks.into_iter().map(|w| w.into_iter().map(|i| i as usize).collect()).collect();
    debug_assert_eq!(walks.len(), walks_needed);
    let distance = total_distance(doors, &walks);
    Ok(Plan { lower_bound: lower_bound(doors, walks.len()), walks, distance })
}

/// One search: a tour improved by local search and `kicks` kicks, cut into walks, each polished.
fn search(
    pts: &Points,
    nb: &[[u32; crate::tour::NEIGHBOURS]],
    per_walk: usize,
    kicks: usize,
    rng: &mut ChaCha8Rng,
    deadline: Instant,
) -> Vec<Vec<u32>> {
    let n = pts.len();
    let mut tour = Tour::new(hilbert_order(pts));
    let mut queue: Vec<u32> = tour.order.iter().rev().copied().collect();
    let mut queued = vec![true; n];
    improve(&mut tour, pts, nb, &mut queue, &mut queued);
    perturb(&mut tour, pts, nb, rng, kicks, deadline);
    let edge: Vec<f64> = (0..n).map(|i| pts.dist(tour.order[i], tour.order[(i + 1) % n])).collect();
    let mut walks = cut_tour(&tour.order, &edge, per_walk);
    for w in &mut walks {
        polish(w, pts, 20);
    }
    walks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(n: usize) -> Vec<Door> {
        (0..n).map(|i| Door { id: format!("d{i}"), lat: 52.9 + (i / 20) as f64 * 1e-4, lon: -1.5 + (i % 20) as f64 * 1.5e-4 }).collect()
    }

    #[test]
    fn every_door_once_in_walks_of_at_most_k() {
        for (n, k) in [(1, 1), (2, 5), (3, 2), (7, 3), (100, 7), (400, 40), (401, 40), (250, 1000)] {
            let doors = grid(n);
            let plan = plan(&doors, &Options::new(k)).unwrap();
            assert_eq!(plan.walks.len(), n.div_ceil(k), "{n} {k}");
            assert!(plan.walks.iter().all(|w| !w.is_empty() && w.len() <= k));
            let mut all: Vec<usize> = plan.walks.concat();
            all.sort_unstable();
            assert_eq!(all, (0..n).collect::<Vec<_>>());
            assert!(plan.distance >= plan.lower_bound - 1e-6, "{n} {k}: {} < {}", plan.distance, plan.lower_bound);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_plan() {
        let doors = grid(600);
        let mut o = Options::new(40);
        o.time_limit = Some(Duration::from_secs(60));
        let a = plan(&doors, &o).unwrap();
        let b = plan(&doors, &o).unwrap();
        assert_eq!(a.walks, b.walks);
    }

    #[test]
    fn a_grid_is_walked_nearly_as_short_as_the_bound() {
        let doors = grid(400);
        let p = plan(&doors, &Options::new(40)).unwrap();
        assert!(p.ratio() < 1.1, "{}", p.ratio());
    }

    #[test]
    fn refuses_k_below_one() {
        assert!(plan(&grid(3), &Options::new(0)).is_err());
    }
}
