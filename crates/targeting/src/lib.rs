//! Targeting: which seats a party can win or lose, what the next election may look like, and where
//! its volunteers do the most good.
//!
//! Pure logic over [`groundgame_core::results`]: no I/O, no database. The command line and the web
//! app load elections (bundled or imported) and hand them in.

/// Sending volunteers to seats: an exact assignment against 'nearest first'.
pub mod deployment;
/// Lifts to the marginals: which driver a rider is offered.
pub mod lifts;
/// Majorities, two-party (Butler) swing, target and defence lists.
pub mod marginality;
/// Seats within reach of a place, by distance and by need.
pub mod nearest;
/// Projecting every seat from vote shares: uniform, proportional and transition swing, national or
/// regional; backtests against real results.
pub mod projection;
/// Monte Carlo of seat totals and each seat's win probability.
pub mod simulation;

pub use marginality::{Filter, Standing};

use groundgame_core::results::{Election, Party};

/// The party a user names, as it stood in `election` (`UKIP` in 2019 is the Brexit Party, its
/// family's party that year); an error lists the parties that did stand.
pub fn party_in(election: &Election, name: &str) -> Result<Party, groundgame_core::Invalid> {
    let parties = election.parties();
    let listed = || parties.iter().filter(|p| **p != Party::Other).map(|p| p.code()).collect::<Vec<_>>().join(", ");
    let party = Party::parse(name).ok_or_else(|| format!("unknown party '{name}': one of {}", listed()))?;
    let party = election.party_of_family(party);
    if party == Party::Other || !parties.contains(&party) {
        return Err(format!("{} did not stand in {}: one of {}", party.name(), election.year, listed()).into());
    }
    Ok(party)
}
