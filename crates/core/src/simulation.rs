//! A simulated canvass and polling day for the demo seat and the benchmarks: what electors say
//! on the doorstep, who votes and when, and whose numbers the tellers take. Seeded, so a run can
//! be repeated exactly. Synthetic through and through: no real voter is in it.

use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::polling_day::{POLLS_OPEN_HOUR, VOTING_BY_HOUR};

/// What one elector said at the door, or `None` when nobody answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorstepAnswer {
    /// A party code of the default survey, or `WS` (will not say) or `WV` (will not vote).
    pub intention: &'static str,
    /// 1 (could change their mind) to 5 (certain).
    pub certainty: u8,
}

/// Intentions and their weights on the doorstep of a Labour-held marginal in 2017 (a share of
/// those who answer, in percent).
/// The codes are the default survey's.
const INTENTIONS: [(&str, u32); 7] = [("Lab", 44), ("Con", 33), ("LD", 6), ("Reform", 4), ("Green", 2), ("WS", 8), ("WV", 3)];

/// A seeded source of the simulation.
pub struct Simulation {
    rng: ChaCha8Rng,
}

impl Simulation {
    pub fn new(seed: u64) -> Simulation {
        Simulation { rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// Whether anyone answers the door when a canvasser knocks: seven times in ten.
    pub fn answers_the_door(&mut self) -> bool {
        self.rng.gen_bool(0.7)
    }

    /// What an elector at an answered door says.
    pub fn doorstep(&mut self) -> DoorstepAnswer {
        let total: u32 = INTENTIONS.iter().map(|i| i.1).sum();
        let mut pick = self.rng.gen_range(0..total);
        let intention = INTENTIONS
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map_or("WS", |i| i.0);
        // Most who name a party are sure of it.
        let certainty = match self.rng.gen_range(0..10) {
            0 => 2,
            1 | 2 => 3,
            3..=5 => 4,
            _ => 5,
        };
        DoorstepAnswer { intention, certainty }
    }

    /// Whether an elector votes in person, and at what minute after midnight (UK time) if so.
    /// Promises vote more often than others; postal voters vote by post, not at a station.
    pub fn votes_at(&mut self, promise: bool, postal: bool) -> Option<u32> {
        let turnout = if promise { 0.74 } else { 0.62 };
        if postal || !self.rng.gen_bool(turnout) {
            return None;
        }
        let total: u32 = VOTING_BY_HOUR.iter().map(|&s| u32::from(s)).sum();
        let mut pick = self.rng.gen_range(0..total);
        let mut hour = POLLS_OPEN_HOUR;
        for share in VOTING_BY_HOUR {
            if pick < u32::from(share) {
                break;
            }
            pick -= u32::from(share);
            hour += 1;
        }
        Some(hour * 60 + self.rng.gen_range(0..60))
    }

    /// Whether a teller takes the number of a voter who votes at `minute`: since voter ID, only
    /// about three in ten give it, more in the morning when every station is covered.
    pub fn told(&mut self, minute: u32) -> bool {
        let morning = minute < (POLLS_OPEN_HOUR + 2) * 60;
        self.rng.gen_bool(if morning { 0.5 } else { 0.3 })
    }

    /// A number between `low` and `high` (inclusive).
    pub fn between(&mut self, low: u32, high: u32) -> u32 {
        self.rng.gen_range(low..=high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_day() {
        let run = |seed| {
            let mut s = Simulation::new(seed);
            (0..200).map(|i| (s.answers_the_door(), s.doorstep(), s.votes_at(i % 3 == 0, i % 7 == 0))).collect::<Vec<_>>()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn the_simulated_seat_looks_like_a_marginal() {
        let mut s = Simulation::new(1);
        let n = 20_000;
        let answered = (0..n).filter(|_| s.answers_the_door()).count() as f64 / n as f64;
        assert!((0.67..0.73).contains(&answered), "about seven in ten answer: {answered}");
        let answers: Vec<_> = (0..n).map(|_| s.doorstep()).collect();
        let lab_sure = answers.iter().filter(|a| a.intention == "Lab" && a.certainty >= 4).count() as f64 / answers.len() as f64;
        assert!((0.28..0.36).contains(&lab_sure), "about a third are certain Labour: {lab_sure}");
        let voted: Vec<u32> = (0..n).filter_map(|_| s.votes_at(false, false)).collect();
        let turnout = voted.len() as f64 / n as f64;
        assert!((0.59..0.65).contains(&turnout), "{turnout}");
        assert!(voted.iter().all(|m| (7 * 60..22 * 60).contains(m)), "everyone votes while the polls are open");
        let evening = voted.iter().filter(|m| (16 * 60..20 * 60).contains(*m)).count() as f64 / voted.len() as f64;
        assert!((0.32..0.38).contains(&evening), "a third vote from 4 to 8 pm: {evening}");
        assert_eq!(s.votes_at(true, true), None, "a postal voter does not come to the station");
    }
}
