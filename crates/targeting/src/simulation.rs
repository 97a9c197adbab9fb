use groundgame_core::results::Party;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::Serialize;

use crate::projection::{normalise, winner, Method, Model, Shares};

/// What to simulate: new shares with their uncertainty.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub method: Method,
    /// New national shares, fractions in the model's family order.
    pub national: Shares,
    /// New shares by area, for the regional methods (empty, or an empty entry for an area: the
    /// national change there).
    pub by_area: Vec<Shares>,
    /// Standard deviation of each party's national share, as a fraction (0.02 is 2 points): the
    /// polls' error, shared by every seat in one simulation.
    pub national_sd: f64,
    /// Standard deviation of each party's share in each seat on top (local effects).
    pub seat_sd: f64,
    pub simulations: usize,
    pub seed: u64,
}

/// Seat totals over the simulations, and each seat's chances.
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    pub simulations: usize,
    pub parties: Vec<PartySeats>,
    pub seats: Vec<SeatChances>,
}

/// One party's seats across the simulations.
#[derive(Debug, Clone, Serialize)]
pub struct PartySeats {
    pub party: Party,
    pub mean: f64,
    /// The 5th, 50th and 95th percentiles: a 90% interval and the median.
    pub low: u32,
    pub median: u32,
    pub high: u32,
    /// The share of simulations in which the party wins more than half the seats of Great Britain.
    pub majority_probability: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeatChances {
    pub gss: String,
    pub name: String,
    /// Each party's probability of winning, most likely first; parties that never win are left out.
    pub win_probability: Vec<(Party, f64)>,
}

/// Simulations per chunk of work (each chunk has its own random stream, so results do not depend
/// on the number of threads).
const CHUNK: usize = 250;

/// Runs the Monte Carlo: each simulation draws one national error per party, projects every seat
/// by the method, adds a local error per party and seat, and counts winners.
pub fn simulate(model: &Model, scenario: &Scenario) -> Simulation {
    let k = model.families.len();
    let n_seats = model.seats.len();
    let chunks = scenario.simulations.div_ceil(CHUNK);
    let (wins, totals) = (0..chunks)
        .into_par_iter()
        .map(|chunk| {
            let mut rng = SmallRng::seed_from_u64(scenario.seed ^ (chunk as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let runs = CHUNK.min(scenario.simulations - chunk * CHUNK);
            let mut wins = vec![0u32; n_seats * k];
            let mut totals: Vec<Vec<u32>> = Vec::with_capacity(runs);
            let mut national = vec![0.0; k];
            let mut by_area: Vec<Shares> = scenario.by_area.clone();
            let mut shares = vec![0.0; k];
            let mut errors = vec![0.0; k];
            for _ in 0..runs {
                let mut seats_won = vec![0u32; k];
                for j in 0..k {
                    errors[j] = if scenario.national[j] > 0.0 { rng.sample::<f64, _>(StandardNormal) * scenario.national_sd } else { 0.0 };
                    national[j] = (scenario.national[j] + errors[j]).max(0.0);
                }
                normalise(&mut national);
                for (area, given) in by_area.iter_mut().zip(&scenario.by_area) {
                    // An area with no shares of its own takes the national change.
                    if given.is_empty() {
                        continue;
                    }
                    for j in 0..k {
                        area[j] = if given[j] > 0.0 { (given[j] + errors[j]).max(0.0) } else { 0.0 };
                    }
                    normalise(area);
                }
                let areas = model.area_targets(scenario.method, &national, Some(&by_area));
                for (s, seat) in model.seats.iter().enumerate() {
                    model.project_seat(scenario.method, seat, &national, &areas, &mut shares);
                    for v in shares.iter_mut() {
                        if *v > 0.0 {
                            *v += rng.sample::<f64, _>(StandardNormal) * scenario.seat_sd;
                        }
                    }
                    let w = winner(&shares);
                    wins[s * k + w] += 1;
                    seats_won[w] += 1;
                }
                totals.push(seats_won);
            }
            (wins, totals)
        })
        .reduce(
            || (vec![0u32; n_seats * k], Vec::new()),
            |(mut wa, mut ta), (wb, tb)| {
                wa.iter_mut().zip(&wb).for_each(|(a, b)| *a += b);
                ta.extend(tb);
                (wa, ta)
            },
        );
    let runs = scenario.simulations.max(1) as f64;
    let half = n_seats as u32 / 2;
    let parties = (0..k)
        .map(|j| {
            let mut seats: Vec<u32> = totals.iter().map(|t| t[j]).collect();
            seats.sort_unstable();
            let pick = |q: f64| seats.get(((seats.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0);
            PartySeats {
                party: model.families[j],
                mean: (seats.iter().map(|s| *s as f64).sum::<f64>() / runs * 10.0).round() / 10.0,
                low: pick(0.05),
                median: pick(0.5),
                high: pick(0.95),
                majority_probability: seats.iter().filter(|s| **s > half).count() as f64 / runs,
            }
        })
        .filter(|p| p.high > 0)
        .collect();
    let seats = model
        .seats
        .iter()
        .enumerate()
        .map(|(s, seat)| {
            let mut win_probability: Vec<(Party, f64)> =
                (0..k).filter(|j| wins[s * k + j] > 0).map(|j| (model.families[j], wins[s * k + j] as f64 / runs)).collect();
            win_probability.sort_by(|a, b| b.1.total_cmp(&a.1));
            SeatChances { gss: seat.gss.clone(), name: seat.name.clone(), win_probability }
        })
        .collect();
    Simulation { simulations: scenario.simulations, parties, seats }
}

#[cfg(test)]
mod tests {
    use super::*;
    use groundgame_core::results::bundled_election;

    fn scenario(model: &Model, national_sd: f64, seat_sd: f64) -> Scenario {
        Scenario {
            method: Method::Uns,
            national: model.national.clone(),
            by_area: Vec::new(),
            national_sd,
            seat_sd,
            simulations: 2_000,
            seed: 7,
        }
    }

    #[test]
    fn with_no_uncertainty_every_simulation_is_the_projection() {
        let model = Model::new(bundled_election(2017).unwrap(), &[]);
        let sim = simulate(&model, &scenario(&model, 0.0, 0.0));
        let con = sim.parties.iter().find(|p| p.party == Party::Con).unwrap();
        // 2017 in Great Britain: 317 Conservative seats.
        assert_eq!((con.low, con.median, con.high, con.mean), (317, 317, 317, 317.0));
        assert!(sim.seats.iter().all(|s| s.win_probability.len() == 1 && s.win_probability[0].1 == 1.0));
    }

    #[test]
    fn uncertainty_widens_the_interval_and_marginals_are_toss_ups() {
        let model = Model::new(bundled_election(2015).unwrap(), &[]);
        let sim = simulate(&model, &scenario(&model, 0.02, 0.02));
        let con = sim.parties.iter().find(|p| p.party == Party::Con).unwrap();
        assert!(con.low < con.median && con.median < con.high, "{con:?}");
        assert!(con.low <= 330 && 330 <= con.high, "{con:?}");
        let dn = sim.seats.iter().find(|s| s.gss == "E14000662").unwrap();
        let lab = dn.win_probability.iter().find(|p| p.0 == Party::Lab).unwrap().1;
        assert!((0.35..0.65).contains(&lab), "Derby North, majority 41, is a toss-up: {lab}");
        let safe = sim.seats.iter().find(|s| s.name == "Liverpool Walton").unwrap();
        assert_eq!(safe.win_probability, vec![(Party::Lab, 1.0)]);
        // The same seed gives the same answer.
        let again = simulate(&model, &scenario(&model, 0.02, 0.02));
        assert_eq!(again.parties[0].mean, sim.parties[0].mean);
    }
}
