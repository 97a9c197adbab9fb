use groundgame_core::results::{Election, Party, SeatResult};
use serde::Serialize;

/// Which seats a list covers: a region ('East Midlands') or a nation ('Scotland'), or all.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub region: Option<String>,
    pub nation: Option<String>,
}

impl Filter {
    pub fn allows(&self, seat: &SeatResult) -> bool {
        let same = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(have));
        same(&self.region, &seat.region) && same(&self.nation, &seat.nation)
    }

    /// Checks the names against the election's regions and nations, listing them when one is unknown.
    pub fn check(&self, election: &Election) -> Result<(), groundgame_core::Invalid> {
        let known = |pick: fn(&SeatResult) -> &str| {
            let mut v: Vec<&str> = election.seats.iter().map(pick).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        for (want, what, names) in [(&self.region, "region", known(|s| &s.region)), (&self.nation, "nation", known(|s| &s.nation))] {
            if let Some(w) = want {
                if !names.iter().any(|n| n.eq_ignore_ascii_case(w)) {
                    return Err(format!("no {what} '{w}' in the {} election: one of {}", election.year, names.join(", ")).into());
                }
            }
        }
        Ok(())
    }
}

/// One seat as a party sees it: who holds it, by how much, and the swing that would change it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    pub gss: String,
    pub name: String,
    pub region: String,
    pub nation: String,
    /// The winner.
    pub holder: Party,
    /// The runner-up.
    pub second: Party,
    /// The winner's lead over the runner-up, in votes.
    pub majority: u64,
    /// The same as a percentage of the valid vote.
    pub majority_pct: f64,
    /// The party's own share, in per cent.
    pub party_share: f64,
    /// The two-party (Butler) swing, in percentage points, that would take the seat from the holder
    /// (a target) or lose it to the runner-up (a defence).
    pub swing_needed: f64,
}

/// Where `party` stands in one seat: `None` where it did not stand.
pub fn standing(seat: &SeatResult, party: Party) -> Option<Standing> {
    let votes = seat.family_votes(party);
    if votes == 0 {
        return None;
    }
    let total = seat.valid_votes.max(1) as f64;
    let (holder, holder_votes) = seat.winner();
    let (second, second_votes) = seat.second();
    let against = if holder.family() == party.family() { second_votes } else { holder_votes };
    Some(Standing {
        gss: seat.gss.clone(),
        name: seat.name.clone(),
        region: seat.region.clone(),
        nation: seat.nation.clone(),
        holder,
        second,
        majority: seat.majority(),
        majority_pct: round2(100.0 * seat.majority() as f64 / total),
        party_share: round2(100.0 * votes as f64 / total),
        swing_needed: round2(100.0 * votes.abs_diff(against) as f64 / total / 2.0),
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Seats `party` does not hold, nearest first (the least swing needed).
pub fn targets(election: &Election, party: Party, filter: &Filter) -> Vec<Standing> {
    ranked(election, party, filter, false)
}

/// Seats `party` holds, the most marginal first.
pub fn defences(election: &Election, party: Party, filter: &Filter) -> Vec<Standing> {
    ranked(election, party, filter, true)
}

fn ranked(election: &Election, party: Party, filter: &Filter, held: bool) -> Vec<Standing> {
    let mut list: Vec<Standing> = election
        .seats
        .iter()
        .filter(|s| filter.allows(s) && (s.winner().0.family() == party.family()) == held)
        .filter_map(|s| standing(s, party))
        .collect();
    list.sort_by(|a, b| a.swing_needed.total_cmp(&b.swing_needed).then(a.majority.cmp(&b.majority)).then_with(|| a.gss.cmp(&b.gss)));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use groundgame_core::results::bundled_election;

    #[test]
    fn derby_north_against_the_published_figures() {
        let e2015 = bundled_election(2015).unwrap();
        let dn = standing(e2015.seat("E14000662").unwrap(), Party::Lab).unwrap();
        // Con 16,402, Lab 16,361 of 44,745: majority 41 (0.09%), a swing of 0.05 points.
        assert_eq!((dn.holder, dn.second, dn.majority, dn.majority_pct, dn.swing_needed), (Party::Con, Party::Lab, 41, 0.09, 0.05));
        let lab = targets(e2015, Party::Lab, &Filter::default());
        assert_eq!(lab[0].name, "Gower", "Labour's closest target in 2015 (Con majority 27)");
        assert_eq!(lab[1].name, "Derby North");
        let e2017 = bundled_election(2017).unwrap();
        let dn = standing(e2017.seat("E14000662").unwrap(), Party::Lab).unwrap();
        // Lab 23,622, Con 21,607 of 48,672: majority 2,015 (4.14%), 2.07 points to lose it.
        assert_eq!((dn.holder, dn.majority, dn.majority_pct, dn.swing_needed), (Party::Lab, 2_015, 4.14, 2.07));
        let defence = defences(e2017, Party::Lab, &Filter { region: Some("east midlands".into()), nation: None });
        assert!(defence.iter().all(|s| s.region == "East Midlands" && s.holder == Party::Lab));
        assert!(defence.iter().any(|s| s.name == "Derby North"));
        assert!(defence.windows(2).all(|w| w[0].swing_needed <= w[1].swing_needed));
    }

    #[test]
    fn the_reform_family_targets_across_years() {
        let e2019 = bundled_election(2019).unwrap();
        let t = targets(e2019, Party::Ukip, &Filter::default());
        assert!(!t.is_empty() && t.iter().all(|s| s.party_share > 0.0));
        let e2015 = bundled_election(2015).unwrap();
        assert!(defences(e2015, Party::Reform, &Filter::default()).iter().any(|s| s.name == "Clacton"));
    }

    #[test]
    fn unknown_regions_are_listed() {
        let e = bundled_election(2017).unwrap();
        let err = Filter { region: Some("Middle Earth".into()), nation: None }.check(e).unwrap_err();
        assert!(err.contains("East Midlands"), "{err}");
    }
}
