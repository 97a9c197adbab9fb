use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use groundgame_core::results::{Election, Party, SeatResult};
use serde::Serialize;

/// How a change in vote shares is spread over seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Uniform national swing: every seat moves by the national change in points.
    Uns,
    /// Proportional swing: every seat's share is scaled by the national ratio.
    Proportional,
    /// Transition swing: a party losing votes loses them in proportion to its share in each seat, and
    /// the parties gaining take them where they are lost.
    Transition,
    /// The same three, with each nation's and English region's own shares in place of the national.
    RegionalUns,
    RegionalProportional,
    RegionalTransition,
    /// Regional uniform swing, plus half of how far each seat moved against its area at the election
    /// before: realignments (Leave towns to the Conservatives, cities to Labour) run on. Needs the
    /// election before on the same boundaries; without it, the same as regional uniform swing.
    Realignment,
}

impl Method {
    pub const ALL: [Method; 7] = [
        Method::Uns,
        Method::Proportional,
        Method::Transition,
        Method::RegionalUns,
        Method::RegionalProportional,
        Method::RegionalTransition,
        Method::Realignment,
    ];
    /// The method that calls the most seats right across the bundled elections (docs/TARGETING.md).
    pub const BEST: Method = Method::Realignment;

    pub fn name(self) -> &'static str {
        match self {
            Method::Uns => "uns",
            Method::Proportional => "proportional",
            Method::Transition => "transition",
            Method::RegionalUns => "regional-uns",
            Method::RegionalProportional => "regional-proportional",
            Method::RegionalTransition => "regional-transition",
            Method::Realignment => "realignment",
        }
    }
    pub fn is_regional(self) -> bool {
        matches!(self, Method::RegionalUns | Method::RegionalProportional | Method::RegionalTransition | Method::Realignment)
    }
    fn rule(self) -> Rule {
        match self {
            Method::Uns | Method::RegionalUns | Method::Realignment => Rule::Additive,
            Method::Proportional | Method::RegionalProportional => Rule::Proportional,
            Method::Transition | Method::RegionalTransition => Rule::Transition,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Method {
    type Err = groundgame_core::Invalid;
    fn from_str(s: &str) -> Result<Self, groundgame_core::Invalid> {
        Method::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("no projection method '{s}': one of {}", Method::ALL.map(Method::name).join(", ")).into())
    }
}

#[derive(Clone, Copy)]
enum Rule {
    Additive,
    Proportional,
    Transition,
}

/// Moves one seat's shares (`seat`, fractions in `families` order) from the area's old shares
/// (`from`) to its new ones (`to`), writing the result to `out`. Shares are kept at or above zero
/// and summing to one.
/// `trend`, when not empty, is added to an additive swing (times [`REALIGNMENT_CARRIED`]).
fn swing_seat(rule: Rule, seat: &[f64], from: &[f64], to: &[f64], trend: &[f64], out: &mut [f64]) {
    match rule {
        Rule::Additive => {
            for i in 0..seat.len() {
                let carried = trend.get(i).map_or(0.0, |t| t * REALIGNMENT_CARRIED);
                out[i] = (seat[i] + to[i] - from[i] + carried).max(0.0);
            }
        }
        Rule::Proportional => {
            for i in 0..seat.len() {
                out[i] = if from[i] > 0.0 { seat[i] * to[i] / from[i] } else { to[i] };
            }
        }
        Rule::Transition => {
            // The votes losing parties shed here, against what they shed in the whole area.
            let (mut lost_here, mut lost_area) = (0.0, 0.0);
            for i in 0..seat.len() {
                if to[i] < from[i] {
                    lost_here += seat[i] * (1.0 - to[i] / from[i]);
                    lost_area += from[i] - to[i];
                }
            }
            let pool = if lost_area > 0.0 { lost_here / lost_area } else { 0.0 };
            for i in 0..seat.len() {
                out[i] = if to[i] < from[i] { seat[i] * to[i] / from[i] } else { seat[i] + (to[i] - from[i]) * pool };
            }
        }
    }
    normalise(out);
}

/// Scales shares to sum to one (all zero stays all zero).
pub(crate) fn normalise(shares: &mut [f64]) {
    let sum: f64 = shares.iter().sum();
    if sum > 0.0 {
        shares.iter_mut().for_each(|v| *v /= sum);
    }
}

/// Vote shares by party family: fractions in the order of a [`Model`]'s families.
pub type Shares = Vec<f64>;

/// How much of a seat's movement against its area at the last election the realignment method
/// carries into the next: half (see docs/TARGETING.md for 0 to 1).
pub const REALIGNMENT_CARRIED: f64 = 0.5;

/// An election's Great Britain seats as fractions by family, ready to project. Northern Ireland's
/// parties stand nowhere else and are left out: its seats are carried over unchanged.
#[derive(Debug, Clone)]
pub struct Model {
    /// Families, most votes first, then any added for a later election, then Other.
    pub families: Vec<Party>,
    pub seats: Vec<ModelSeat>,
    /// Area names: the nations and English regions.
    pub areas: Vec<String>,
    pub national: Shares,
    pub by_area: Vec<Shares>,
}

#[derive(Debug, Clone)]
pub struct ModelSeat {
    pub gss: String,
    pub name: String,
    pub area: usize,
    pub votes: u64,
    pub shares: Shares,
    /// How far each share moved against the area's since the election before (zero without one).
    pub trend: Shares,
}

/// Another election in a model's terms (see [`Model::regroup`]).
struct Regrouped {
    national: Shares,
    by_area: Vec<Shares>,
    /// Each of the model's seats: its valid votes and shares then, if it has a result.
    seats: Vec<Option<(u64, Shares)>>,
}

/// The area a seat's regional swing comes from: its English region, or Scotland or Wales.
fn area_of(seat: &SeatResult) -> &str {
    if seat.nation == "England" {
        &seat.region
    } else {
        &seat.nation
    }
}

fn great_britain(election: &Election) -> impl Iterator<Item = &SeatResult> {
    election.seats.iter().filter(|s| !s.is_northern_ireland())
}

/// Families by their Great Britain votes, most first, Other left out.
fn families_of(election: &Election) -> Vec<Party> {
    let mut totals: BTreeMap<Party, u64> = BTreeMap::new();
    for s in great_britain(election) {
        for (p, v) in &s.votes {
            *totals.entry(p.family()).or_default() += v;
        }
    }
    let mut families: Vec<(Party, u64)> = totals.into_iter().filter(|(p, _)| *p != Party::Other).collect();
    families.sort_by_key(|f| std::cmp::Reverse(f.1));
    families.into_iter().map(|f| f.0).collect()
}

impl Model {
    /// The Great Britain seats of `election`, with columns also for the `extra` parties (a party
    /// that did not stand then starts from nothing).
    pub fn new(election: &Election, extra: &[Party]) -> Model {
        let mut families = families_of(election);
        for p in extra {
            if *p != Party::Other && !families.contains(&p.family()) {
                families.push(p.family());
            }
        }
        families.push(Party::Other);
        let mut areas: Vec<String> = great_britain(election).map(|s| area_of(s).to_owned()).collect();
        areas.sort();
        areas.dedup();
        let seats: Vec<ModelSeat> = great_britain(election)
            .map(|s| ModelSeat {
                gss: s.gss.clone(),
                name: s.name.clone(),
                area: areas.iter().position(|a| a == area_of(s)).expect("area listed"),
                votes: s.valid_votes,
                shares: shares_of(s, &families),
                trend: vec![0.0; families.len()],
            })
            .collect();
        let national = pooled(seats.iter().map(|s| (s.votes, &s.shares)), families.len());
        let by_area =
            (0..areas.len()).map(|a| pooled(seats.iter().filter(|s| s.area == a).map(|s| (s.votes, &s.shares)), families.len())).collect();
        Model { families, seats, areas, national, by_area }
    }

    /// Adds each seat's movement against its area since `earlier` (on the same boundaries), for the
    /// families that stood in both.
    pub fn with_history(mut self, earlier: &Election) -> Model {
        let Regrouped { national, by_area: earlier_area, seats: earlier_seats } = self.regroup(earlier);
        let stood: Vec<bool> = national.iter().map(|v| *v > 0.0).collect();
        for (seat, before) in self.seats.iter_mut().zip(earlier_seats) {
            let Some((_, before)) = before else { continue };
            for j in 0..seat.trend.len() {
                if stood[j] && j + 1 < seat.trend.len() {
                    seat.trend[j] = (seat.shares[j] - before[j]) - (self.by_area[seat.area][j] - earlier_area[seat.area][j]);
                }
            }
        }
        self
    }

    pub fn family_index(&self, party: Party) -> Option<usize> {
        self.families.iter().position(|f| *f == party.family())
    }

    /// Another election on the same boundaries in this model's terms: national shares, shares by
    /// this model's areas (seats keep their area whatever the other file calls its region), and
    /// each seat's valid votes and shares. Parties this model does not know count as Other.
    fn regroup(&self, other: &Election) -> Regrouped {
        let k = self.families.len();
        let seats: Vec<Option<(u64, Shares)>> =
            self.seats.iter().map(|s| other.seat(&s.gss).map(|r| (r.valid_votes, shares_of(r, &self.families)))).collect();
        let weighted = |area: Option<usize>| {
            let rows = self.seats.iter().zip(&seats).filter(|(s, _)| area.is_none_or(|a| s.area == a));
            pooled(rows.filter_map(|(_, r)| r.as_ref().map(|(votes, shares)| (*votes, shares))), k)
        };
        Regrouped { national: weighted(None), by_area: (0..self.areas.len()).map(|a| weighted(Some(a))).collect(), seats }
    }

    /// Another election's shares, national and by area, in this model's terms.
    pub fn actual(&self, later: &Election) -> (Shares, Vec<Shares>) {
        let Regrouped { national, by_area, .. } = self.regroup(later);
        (national, by_area)
    }

    /// Every seat's shares under `method`, given new national shares and, for the regional methods,
    /// new shares by area (an area left out takes the national change).
    pub fn project(&self, method: Method, national: &[f64], by_area: Option<&[Shares]>) -> Vec<Shares> {
        let areas = self.area_targets(method, national, by_area);
        let mut out = vec![vec![0.0; self.families.len()]; self.seats.len()];
        for (seat, o) in self.seats.iter().zip(out.iter_mut()) {
            self.project_seat(method, seat, national, &areas, o);
        }
        out
    }

    /// New shares for each area: as given, or the area's old shares moved by the national change.
    pub(crate) fn area_targets(&self, method: Method, national: &[f64], by_area: Option<&[Shares]>) -> Vec<Shares> {
        if !method.is_regional() {
            return Vec::new();
        }
        (0..self.areas.len())
            .map(|a| match by_area.and_then(|b| b.get(a)).filter(|s| !s.is_empty()) {
                Some(given) => given.clone(),
                None => {
                    let mut out = vec![0.0; national.len()];
                    swing_seat(method.rule(), &self.by_area[a], &self.national, national, &[], &mut out);
                    out
                }
            })
            .collect()
    }

    pub(crate) fn project_seat(&self, method: Method, seat: &ModelSeat, national: &[f64], areas: &[Shares], out: &mut [f64]) {
        let trend: &[f64] = if method == Method::Realignment { &seat.trend } else { &[] };
        if method.is_regional() {
            swing_seat(method.rule(), &seat.shares, &self.by_area[seat.area], &areas[seat.area], trend, out);
        } else {
            swing_seat(method.rule(), &seat.shares, &self.national, national, trend, out);
        }
    }
}

fn shares_of(seat: &SeatResult, families: &[Party]) -> Shares {
    let mut out = vec![0.0; families.len()];
    let total = seat.valid_votes.max(1) as f64;
    for (p, v) in &seat.votes {
        let i = families.iter().position(|f| *f == p.family()).unwrap_or(families.len() - 1);
        out[i] += *v as f64 / total;
    }
    out
}

/// Vote-weighted shares over some seats, given as (valid votes, shares).
fn pooled<'a>(seats: impl Iterator<Item = (u64, &'a Shares)>, n: usize) -> Shares {
    let mut sum = vec![0.0; n];
    let mut votes = 0.0;
    for (v, shares) in seats {
        for (acc, share) in sum.iter_mut().zip(shares) {
            *acc += share * v as f64;
        }
        votes += v as f64;
    }
    sum.iter().map(|v| v / votes.max(1.0)).collect()
}

/// The winner of projected shares.
pub fn winner(shares: &[f64]) -> usize {
    shares.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |w| w.0)
}

/// A backtest: one election projected from the one before with the later election's real shares,
/// against what happened, over Great Britain (Northern Ireland left out).
#[derive(Debug, Clone, Serialize)]
pub struct Backtest {
    pub from: i32,
    pub to: i32,
    pub method: Method,
    pub seats: usize,
    /// Seats whose projected winner is not the real winner.
    pub wrong: usize,
    pub parties: Vec<BacktestParty>,
    /// The seats called wrong.
    pub wrong_seats: Vec<WrongSeat>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BacktestParty {
    pub party: Party,
    pub projected: usize,
    pub actual: usize,
    /// Mean absolute error of the party's share per seat, in percentage points.
    pub share_mae: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct WrongSeat {
    pub gss: String,
    pub name: String,
    pub projected: Party,
    pub actual: Party,
}

/// Projects `to` from `from` by `method` and compares. The two must be on the same boundaries;
/// `before`, the election before `from` on the same boundaries if there is one, feeds the
/// realignment method.
pub fn backtest(before: Option<&Election>, from: &Election, to: &Election, method: Method) -> Result<Backtest, groundgame_core::Invalid> {
    if from.boundaries != to.boundaries {
        return Err(format!(
            "{} and {} were fought on different boundaries ({} and {}): a backtest needs the same seats",
            from.year,
            to.year,
            from.boundaries.label(),
            to.boundaries.label()
        )
        .into());
    }
    let mut model = Model::new(from, &families_of(to));
    if let Some(before) = before.filter(|b| b.boundaries == from.boundaries && b.date < from.date) {
        model = model.with_history(before);
    }
    let (national, by_area) = model.actual(to);
    let projected = model.project(method, &national, Some(&by_area));
    let mut parties: Vec<BacktestParty> =
        model.families.iter().map(|f| BacktestParty { party: *f, projected: 0, actual: 0, share_mae: 0.0 }).collect();
    let mut wrong_seats = Vec::new();
    for (seat, shares) in model.seats.iter().zip(&projected) {
        let real = to.seat(&seat.gss).ok_or_else(|| format!("{} ({}) has no result in {}", seat.gss, seat.name, to.year))?;
        let real_shares = shares_of(real, &model.families);
        let (p, a) = (winner(shares), winner(&real_shares));
        parties[p].projected += 1;
        parties[a].actual += 1;
        for (i, party) in parties.iter_mut().enumerate() {
            party.share_mae += (shares[i] - real_shares[i]).abs();
        }
        if p != a {
            wrong_seats.push(WrongSeat {
                gss: seat.gss.clone(),
                name: seat.name.clone(),
                projected: model.families[p],
                actual: model.families[a],
            });
        }
    }
    let n = model.seats.len() as f64;
    for p in &mut parties {
        p.share_mae = (p.share_mae / n * 10_000.0).round() / 100.0;
    }
    parties.retain(|p| p.projected + p.actual > 0 || p.share_mae >= 0.5);
    Ok(Backtest { from: from.year, to: to.year, method, seats: model.seats.len(), wrong: wrong_seats.len(), parties, wrong_seats })
}

#[cfg(test)]
mod tests {
    use super::*;
    use groundgame_core::results::bundled_election;

    fn run(from: i32, to: i32, method: Method) -> Backtest {
        let before = groundgame_core::results::bundled().iter().rev().find(|e| e.year < from);
        backtest(before, bundled_election(from).unwrap(), bundled_election(to).unwrap(), method).unwrap()
    }

    #[test]
    fn uniform_swing_calls_56_seats_wrong_for_2015_to_2017() {
        let b = run(2015, 2017, Method::Uns);
        assert_eq!(b.seats, 632);
        assert_eq!(b.wrong, 56);
        let actual: BTreeMap<Party, usize> = b.parties.iter().map(|p| (p.party, p.actual)).collect();
        // 2017 in Great Britain: Con 317, Lab 262, SNP 35, LD 12, PC 4, Green 1, the Speaker.
        assert_eq!((actual[&Party::Con], actual[&Party::Lab], actual[&Party::Snp], actual[&Party::LD]), (317, 262, 35, 12));
    }

    #[test]
    fn the_default_method_does_clearly_better_on_every_pair() {
        for (from, to) in [(2010, 2015), (2015, 2017), (2017, 2019)] {
            let best = run(from, to, Method::BEST);
            let uns = run(from, to, Method::Uns);
            assert!(best.wrong < uns.wrong, "{from}->{to}: {} against {}", best.wrong, uns.wrong);
        }
        // The figures in docs/TARGETING.md.
        let wrong: Vec<usize> = [(2010, 2015), (2015, 2017), (2017, 2019)].iter().map(|(f, t)| run(*f, *t, Method::BEST).wrong).collect();
        assert_eq!(wrong, [37, 48, 32]);
    }

    #[test]
    fn different_boundaries_cannot_be_backtested() {
        let err = backtest(None, bundled_election(2019).unwrap(), bundled_election(2024).unwrap(), Method::Uns).unwrap_err();
        assert!(err.contains("different boundaries"));
    }

    #[test]
    fn projecting_to_the_same_shares_changes_nothing() {
        let model = Model::new(bundled_election(2017).unwrap(), &[]);
        for m in Method::ALL.into_iter().filter(|m| *m != Method::Realignment) {
            let p = model.project(m, &model.national.clone(), None);
            for (seat, shares) in model.seats.iter().zip(&p) {
                for (a, b) in seat.shares.iter().zip(shares) {
                    assert!((a - b).abs() < 1e-9, "{m}");
                }
            }
        }
    }
}
