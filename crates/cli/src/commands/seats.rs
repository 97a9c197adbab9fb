use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use groundgame_app::{targeting, App};
use groundgame_core::geography::{LatLon, Postcode};
use groundgame_core::results::{Election, Party};
use groundgame_store::targeting::{election_before, election_of};
use groundgame_targeting::deployment::{self, SeatNeed, Volunteer};
use groundgame_targeting::marginality::{self, Filter, Standing};
use groundgame_targeting::nearest::{self, Kind, Reach};
use groundgame_targeting::party_in;
use groundgame_targeting::projection::{backtest, winner, Backtest, Method, Model};
use groundgame_targeting::simulation::{simulate, Scenario};
use serde::Serialize;
use serde_json::json;

use super::open_app;
use crate::config::Settings;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum SeatsCommand {
    /// Seats a party does not hold, nearest first: the swing (two-party, Butler) it needs in each.
    Targets(ListArgs),
    /// Seats a party holds, the most marginal first: the swing that would lose each.
    Defence(ListArgs),
    /// Project every seat from new national (and regional) vote shares, optionally with a Monte
    /// Carlo of seat totals and each seat's win probability.
    Project(ProjectArgs),
    /// Project one election from the one before with its real shares, and compare with what
    /// happened (Great Britain; Northern Ireland left out).
    Backtest(BacktestArgs),
    /// Marginal seats within reach of a postcode or a point, by need and by distance, with their
    /// campaigns' coming canvassing sessions.
    Nearest(NearestArgs),
    /// Send volunteers to marginal seats: the exact plan against 'nearest first'.
    Deploy(DeployArgs),
}

#[derive(Debug, Args)]
pub struct PartyElection {
    /// The party: Con, Lab, LD, UKIP / BRX / RUK (one family), Green, SNP, PC, ...
    #[arg(long)]
    pub party: String,
    /// The election whose results to start from (2010, 2015, 2017, 2019, 2024 or an imported one).
    #[arg(long)]
    pub election: i32,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub which: PartyElection,
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Only seats in this region ('East Midlands', 'London', 'Scotland', ...).
    #[arg(long)]
    pub region: Option<String>,
    /// Only seats in this nation (England, Scotland, Wales, Northern Ireland).
    #[arg(long)]
    pub nation: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// The election to project from.
    #[arg(long)]
    pub from: i32,
    /// A party's new share of the Great Britain vote, in per cent: --share Lab=40 --share Con=30.
    /// Parties not named share what is left in their old proportions.
    #[arg(long = "share", value_name = "PARTY=PCT", required = true)]
    pub shares: Vec<String>,
    /// A party's new share in one nation or English region (regional methods): --region-share
    /// 'Scotland:SNP=35'. Parties not named there move as they do nationally.
    #[arg(long = "region-share", value_name = "AREA:PARTY=PCT")]
    pub region_shares: Vec<String>,
    #[arg(long, default_value_t = Method::BEST)]
    pub method: Method,
    /// Run this many simulations (a Monte Carlo; 0 for the projection alone).
    #[arg(long, default_value_t = 0)]
    pub simulations: usize,
    /// The uncertainty of each national share, in points (a standard deviation).
    #[arg(long, default_value_t = 2.0)]
    pub uncertainty: f64,
    /// The uncertainty of each share in each seat on top, in points.
    #[arg(long, default_value_t = 3.0)]
    pub seat_uncertainty: f64,
    #[arg(long, default_value_t = 2017)]
    pub seed: u64,
    /// List this party's seats that could go either way (win probability 5% to 95%).
    #[arg(long)]
    pub party: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    #[arg(long)]
    pub from: i32,
    #[arg(long)]
    pub to: i32,
    /// A projection method, or 'all' for a table of every method.
    #[arg(long, default_value_t = Method::BEST.name().to_owned())]
    pub method: String,
    /// List the seats called wrong.
    #[arg(long)]
    pub seats: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct Place {
    /// A postcode ('DE22 1AA'): the bundled demo area, or any imported with `groundgame postcodes import`.
    #[arg(long, conflicts_with_all = ["lat", "lon"])]
    pub postcode: Option<String>,
    #[arg(long, requires = "lon", allow_hyphen_values = true)]
    pub lat: Option<f64>,
    #[arg(long, requires = "lat", allow_hyphen_values = true)]
    pub lon: Option<f64>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SortBy {
    Need,
    Distance,
}

#[derive(Debug, Args)]
pub struct NearestArgs {
    #[command(flatten)]
    pub place: Place,
    #[command(flatten)]
    pub which: PartyElection,
    /// How far to look, in kilometres.
    #[arg(long, default_value_t = 50.0)]
    pub within: f64,
    /// The largest swing (points) that still makes a seat marginal.
    #[arg(long, default_value_t = 10.0)]
    pub max_swing: f64,
    #[arg(long, default_value_t = 15)]
    pub limit: usize,
    #[arg(long, value_enum, default_value = "need")]
    pub by: SortBy,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Volunteers: CSV with name, postcode (or lat and lon), max_km and days (such as 'Sat Sun').
    #[arg(long)]
    pub volunteers: PathBuf,
    #[command(flatten)]
    pub which: PartyElection,
    /// The largest swing (points) that makes a seat worth sending volunteers to.
    #[arg(long, default_value_t = 10.0)]
    pub max_swing: f64,
    /// Volunteers each seat wants on each day.
    #[arg(long, default_value_t = 10)]
    pub per_seat: u32,
    /// List every assignment of the exact plan.
    #[arg(long)]
    pub assignments: bool,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(command: SeatsCommand, settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    let elections = targeting::elections(&app).await?;
    match command {
        SeatsCommand::Targets(args) => list(&elections, args, false),
        SeatsCommand::Defence(args) => list(&elections, args, true),
        SeatsCommand::Project(args) => project(&elections, args),
        SeatsCommand::Backtest(args) => run_backtest(&elections, args),
        SeatsCommand::Nearest(args) => nearest_seats(&app, &elections, args).await,
        SeatsCommand::Deploy(args) => deploy(&app, &elections, args).await,
    }
}

fn pick<'a>(elections: &'a [Election], which: &PartyElection) -> anyhow::Result<(&'a Election, Party)> {
    let election = election_of(elections, which.election)?;
    let party = party_in(election, &which.party).map_err(anyhow::Error::msg)?;
    Ok((election, party))
}

fn list(elections: &[Election], args: ListArgs, defence: bool) -> anyhow::Result<()> {
    let (election, party) = pick(elections, &args.which)?;
    let filter = Filter { region: args.region.clone(), nation: args.nation.clone() };
    filter.check(election).map_err(anyhow::Error::msg)?;
    let mut seats = if defence { marginality::defences(election, party, &filter) } else { marginality::targets(election, party, &filter) };
    seats.truncate(args.limit);
    if args.json {
        return print_json(&seats);
    }
    let what = if defence { "defences" } else { "targets" };
    println!("{} {what} after the {} general election, nearest first:", party.name(), election.year);
    print_standings(&seats);
    Ok(())
}

fn print_standings(seats: &[Standing]) {
    println!("{:>4}  {:<10} {:<40} {:<6} {:<6} {:>8} {:>7} {:>7}", "", "gss", "seat", "holder", "second", "majority", "maj %", "swing");
    for (i, s) in seats.iter().enumerate() {
        println!(
            "{:>4}  {:<10} {:<40} {:<6} {:<6} {:>8} {:>7.2} {:>7.2}",
            i + 1,
            s.gss,
            truncate(&s.name, 40),
            s.holder.code(),
            s.second.code(),
            s.majority,
            s.majority_pct,
            s.swing_needed
        );
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('…')).collect()
    }
}

/// `PARTY=PCT` as a family and a fraction.
fn share(text: &str) -> anyhow::Result<(Party, f64)> {
    let (party, pct) = text.split_once('=').with_context(|| format!("'{text}' is not PARTY=PERCENT (such as Lab=40)"))?;
    let party = Party::parse(party).with_context(|| format!("unknown party '{party}' in '{text}'"))?;
    let pct: f64 = pct.trim().trim_end_matches('%').parse().with_context(|| format!("'{pct}' is not a percentage in '{text}'"))?;
    if !(0.0..=100.0).contains(&pct) {
        bail!("{pct} is not a percentage between 0 and 100 in '{text}'");
    }
    Ok((party.family(), pct / 100.0))
}

/// New shares: the named ones, the rest filling what is left in their old proportions.
fn fill(model: &Model, old: &[f64], named: &[(Party, f64)], what: &str) -> anyhow::Result<Vec<f64>> {
    let named_total: f64 = named.iter().map(|n| n.1).sum();
    if named_total > 1.000_001 {
        bail!("the shares named for {what} add up to {:.1}%, more than 100%", named_total * 100.0);
    }
    let is_named = |j: usize| named.iter().any(|n| Some(j) == model.family_index(n.0));
    let rest_old: f64 = (0..old.len()).filter(|j| !is_named(*j)).map(|j| old[j]).sum();
    Ok((0..old.len())
        .map(|j| match named.iter().find(|n| Some(j) == model.family_index(n.0)) {
            Some(n) => n.1,
            None if rest_old > 0.0 => old[j] / rest_old * (1.0 - named_total),
            None => 0.0,
        })
        .collect())
}

fn project(elections: &[Election], args: ProjectArgs) -> anyhow::Result<()> {
    let from = election_of(elections, args.from)?;
    let named: Vec<(Party, f64)> = args.shares.iter().map(|s| share(s)).collect::<anyhow::Result<_>>()?;
    let mut regional: Vec<(String, Party, f64)> = Vec::new();
    for r in &args.region_shares {
        let (area, rest) = r.split_once(':').with_context(|| format!("'{r}' is not AREA:PARTY=PERCENT (such as Scotland:SNP=35)"))?;
        let (p, v) = share(rest)?;
        regional.push((area.trim().to_owned(), p, v));
    }
    let extra: Vec<Party> = named.iter().map(|n| n.0).chain(regional.iter().map(|r| r.1)).collect();
    let mut model = Model::new(from, &extra);
    if let Some(before) = election_before(elections, from) {
        model = model.with_history(before);
    }
    let national = fill(&model, &model.national, &named, "Great Britain")?;
    let mut by_area: Vec<Vec<f64>> = vec![Vec::new(); model.areas.len()];
    for area in regional.iter().map(|r| r.0.clone()).collect::<std::collections::BTreeSet<_>>() {
        let a = model
            .areas
            .iter()
            .position(|x| x.eq_ignore_ascii_case(&area))
            .with_context(|| format!("no nation or English region '{area}': one of {}", model.areas.join(", ")))?;
        let named_here: Vec<(Party, f64)> = regional.iter().filter(|r| r.0.eq_ignore_ascii_case(&area)).map(|r| (r.1, r.2)).collect();
        // Parties not named here move by the national change, then everything is scaled to fit.
        let moved: Vec<f64> = (0..national.len()).map(|j| (model.by_area[a][j] + national[j] - model.national[j]).max(0.0)).collect();
        by_area[a] = fill(&model, &moved, &named_here, &area)?;
    }
    if !regional.is_empty() && !args.method.is_regional() {
        bail!("--region-share needs a regional method (regional-uns, regional-proportional, regional-transition or realignment)");
    }
    let projected = model.project(args.method, &national, Some(&by_area));
    let mut seats: BTreeMap<Party, (usize, usize)> = BTreeMap::new();
    let mut changes = Vec::new();
    for (seat, shares) in model.seats.iter().zip(&projected) {
        let (old, new) = (model.families[winner(&seat.shares)], model.families[winner(shares)]);
        seats.entry(old).or_default().0 += 1;
        seats.entry(new).or_default().1 += 1;
        if old != new {
            changes.push(json!({ "gss": seat.gss, "name": seat.name, "from": old, "to": new }));
        }
    }
    let totals: Vec<serde_json::Value> = seats
        .iter()
        .filter(|(_, v)| v.0 + v.1 > 0)
        .map(|(p, v)| json!({ "party": p, "share": (national[model.family_index(*p).unwrap_or(0)] * 1000.0).round() / 10.0, "before": v.0, "projected": v.1 }))
        .collect();
    let carried = from.seats.len() - model.seats.len();
    let simulation = if args.simulations > 0 {
        let started = Instant::now();
        let sim = simulate(
            &model,
            &Scenario {
                method: args.method,
                national: national.clone(),
                by_area: if args.method.is_regional() { by_area.clone() } else { Vec::new() },
                national_sd: args.uncertainty / 100.0,
                seat_sd: args.seat_uncertainty / 100.0,
                simulations: args.simulations,
                seed: args.seed,
            },
        );
        Some((sim, started.elapsed()))
    } else {
        None
    };
    let party = args.party.as_deref().map(|p| Party::parse(p).with_context(|| format!("unknown party '{p}'"))).transpose()?;
    let close: Vec<(String, String, f64)> = match (&simulation, party) {
        (Some((sim, _)), Some(p)) => {
            let mut v: Vec<(String, String, f64)> = sim
                .seats
                .iter()
                .map(|s| {
                    (s.gss.clone(), s.name.clone(), s.win_probability.iter().find(|w| w.0.family() == p.family()).map_or(0.0, |w| w.1))
                })
                .filter(|s| (0.05..=0.95).contains(&s.2))
                .collect();
            v.sort_by(|a, b| (a.2 - 0.5).abs().total_cmp(&(b.2 - 0.5).abs()));
            v
        }
        _ => Vec::new(),
    };
    if args.json {
        return print_json(&json!({
            "from": from.year,
            "method": args.method,
            "seats": totals,
            "changes": changes,
            "northern_ireland_carried_over": carried,
            "simulation": simulation.as_ref().map(|(s, t)| json!({ "runs": s.simulations, "seconds": t.as_secs_f64(), "parties": s.parties, "seats": s.seats })),
            "toss_ups": close.iter().map(|c| json!({ "gss": c.0, "name": c.1, "win_probability": c.2 })).collect::<Vec<_>>(),
        }));
    }
    println!(
        "Projection from {} by {} ({} seats in Great Britain; Northern Ireland's {carried} carried over):",
        from.year,
        args.method,
        model.seats.len()
    );
    println!("  {:<6} {:>6} {:>7} {:>10}", "party", "share", from.year, "projected");
    for t in &totals {
        let count = |k: &str| t[k].as_u64().unwrap_or(0);
        println!(
            "  {:<6} {:>5.1}% {:>7} {:>10}",
            t["party"].as_str().unwrap_or(""),
            t["share"].as_f64().unwrap_or(0.0),
            count("before"),
            count("projected")
        );
    }
    println!("{} seats change hands.", changes.len());
    if let Some((sim, took)) = &simulation {
        println!(
            "\n{} simulations ({:.2} s), national shares ±{} points, seats ±{} points (standard deviations):",
            sim.simulations,
            took.as_secs_f64(),
            args.uncertainty,
            args.seat_uncertainty
        );
        println!("  {:<6} {:>7} {:>6} {:>13} {:>10}", "party", "mean", "median", "90% interval", "majority");
        for p in &sim.parties {
            println!(
                "  {:<6} {:>7.1} {:>6} {:>6}-{:<6} {:>9.1}%",
                p.party.code(),
                p.mean,
                p.median,
                p.low,
                p.high,
                p.majority_probability * 100.0
            );
        }
        if let Some(p) = party {
            println!("\n{} seats that could go either way ({} win probability 5% to 95%): {}", p.name(), p.code(), close.len());
            for c in close.iter().take(25) {
                println!("  {:<10} {:<40} {:>5.1}%", c.0, truncate(&c.1, 40), c.2 * 100.0);
            }
        }
    }
    Ok(())
}

fn run_backtest(elections: &[Election], args: BacktestArgs) -> anyhow::Result<()> {
    let from = election_of(elections, args.from)?;
    let to = election_of(elections, args.to)?;
    if to.date <= from.date {
        bail!("--to ({}) must come after --from ({})", args.to, args.from);
    }
    let methods: Vec<Method> = if args.method.eq_ignore_ascii_case("all") {
        Method::ALL.to_vec()
    } else {
        vec![args.method.parse().map_err(anyhow::Error::msg)?]
    };
    let before = election_before(elections, from);
    let results: Vec<Backtest> =
        methods.iter().map(|m| backtest(before, from, to, *m)).collect::<Result<_, _>>().map_err(anyhow::Error::msg)?;
    if args.json {
        return if results.len() == 1 { print_json(&results[0]) } else { print_json(&results) };
    }
    for b in &results {
        println!("{} -> {} by {}: {} of {} seats called wrong (Great Britain)", b.from, b.to, b.method, b.wrong, b.seats);
        println!("  {:<6} {:>9} {:>7} {:>14}", "party", "projected", "actual", "share error");
        for p in &b.parties {
            println!("  {:<6} {:>9} {:>7} {:>11.2} pt", p.party.code(), p.projected, p.actual, p.share_mae);
        }
        if args.seats {
            for w in &b.wrong_seats {
                println!("    {:<10} {:<40} projected {:<6} actual {}", w.gss, truncate(&w.name, 40), w.projected.code(), w.actual.code());
            }
        }
    }
    if results.iter().any(|b| b.method == Method::Realignment) && before.is_none() {
        println!(
            "(realignment needs the election before {} on the same boundaries; there is none, so it is regional uniform swing here)",
            from.year
        );
    }
    Ok(())
}

async fn place(app: &App, place: &Place) -> anyhow::Result<(LatLon, String)> {
    targeting::locate_place(app, place.postcode.as_deref(), place.lat, place.lon).await?.context("give --postcode, or --lat and --lon")
}

async fn nearest_seats(app: &App, elections: &[Election], args: NearestArgs) -> anyhow::Result<()> {
    let (election, party) = pick(elections, &args.which)?;
    let (from, label) = place(app, &args.place).await?;
    let progress = targeting::campaign_progress(app).await?;
    let reach = Reach { within_km: args.within, max_swing: args.max_swing };
    let mut seats = nearest::nearest(election, party, from, &reach, &progress).map_err(anyhow::Error::msg)?;
    if args.by == SortBy::Distance {
        seats.sort_by(|a, b| a.distance_km.total_cmp(&b.distance_km));
    }
    seats.truncate(args.limit);
    if args.json {
        return print_json(&seats);
    }
    println!(
        "{} marginals (swing up to {} points) within {} km of {label}, after {}, by {}:",
        party.name(),
        args.max_swing,
        args.within,
        election.year,
        if args.by == SortBy::Need { "need" } else { "distance" }
    );
    println!("  {:<40} {:<4} {:<6} {:>7} {:>6} {:>6}", "seat", "", "holder", "swing", "km", "need");
    for s in &seats {
        println!(
            "  {:<40} {:<4} {:<6} {:>7.2} {:>6.1} {:>6.3}",
            truncate(&s.seat.name, 40),
            if s.kind == Kind::Gain { "gain" } else { "hold" },
            s.seat.holder.code(),
            s.seat.swing_needed,
            s.distance_km,
            s.need
        );
        for session in s.campaign.iter().flat_map(|c| &c.sessions) {
            println!("      canvassing: {} at {}, meet at {}", session.name, session.starts_at.replace('T', " "), session.meeting_point);
        }
    }
    if seats.is_empty() {
        println!("  none: try a larger --within or --max-swing");
    }
    Ok(())
}

/// Reads the volunteers file: name, postcode or lat and lon, max_km, days.
async fn read_volunteers(app: &App, path: &PathBuf) -> anyhow::Result<Vec<Volunteer>> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let (name, postcode, lat, lon, max_km, days) = (col("name"), col("postcode"), col("lat"), col("lon"), col("max_km"), col("days"));
    let (Some(name), Some(max_km), Some(days)) = (name, max_km, days) else {
        bail!("{}: the header needs name, max_km and days columns, and postcode or lat and lon", path.display());
    };
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.with_context(|| format!("{} line {line}", path.display()))?;
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).map(str::trim).filter(|v| !v.is_empty());
        let at = |what: &str| format!("{} line {line}: {what}", path.display());
        let home = match (get(postcode), get(lat), get(lon)) {
            (_, Some(la), Some(lo)) => {
                LatLon::new(la.parse().with_context(|| at("lat is not a number"))?, lo.parse().with_context(|| at("lon is not a number"))?)
                    .map_err(|e| anyhow::anyhow!(at(&e)))?
            }
            (Some(p), _, _) => {
                let p = Postcode::parse(p).map_err(|e| anyhow::anyhow!(at(&e)))?;
                targeting::locate_postcode(app, &p).await.with_context(|| at("the postcode has no location"))?
            }
            _ => bail!(at("no postcode and no lat and lon")),
        };
        let max_km: f64 = get(Some(max_km)).unwrap_or("").parse().with_context(|| at("max_km is not a number"))?;
        let days: Vec<String> = get(Some(days)).unwrap_or("").split([' ', ';', '|']).filter(|d| !d.is_empty()).map(str::to_owned).collect();
        if days.is_empty() {
            bail!(at("no days given"));
        }
        out.push(Volunteer { name: get(Some(name)).unwrap_or("").to_owned(), home, max_km, days });
    }
    Ok(out)
}

#[derive(Serialize)]
struct Comparison<'a> {
    seats: usize,
    volunteer_days: usize,
    places_wanted: u32,
    optimal: &'a deployment::Plan,
    nearest_first: &'a deployment::Plan,
}

async fn deploy(app: &App, elections: &[Election], args: DeployArgs) -> anyhow::Result<()> {
    let (election, party) = pick(elections, &args.which)?;
    let volunteers = read_volunteers(app, &args.volunteers).await?;
    let progress = targeting::campaign_progress(app).await?;
    let days: std::collections::BTreeSet<&String> = volunteers.iter().flat_map(|v| &v.days).collect();
    // Every marginal seat some volunteer can reach, wanting --per-seat volunteers each day.
    let seats: Vec<nearest::Marginal> = nearest::marginals(election, party, args.max_swing, &progress)
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .filter(|m| volunteers.iter().any(|v| nearest::distance_km(v.home, m.at) <= v.max_km))
        .collect();
    let needs: Vec<SeatNeed> = seats
        .iter()
        .flat_map(|m| {
            days.iter().map(|day| SeatNeed {
                gss: m.seat.gss.clone(),
                name: m.seat.name.clone(),
                location: m.at,
                day: (*day).clone(),
                wanted: args.per_seat,
                value: m.need,
            })
        })
        .collect();
    let optimal = deployment::optimal(&volunteers, &needs);
    let nearest = deployment::nearest_first(&volunteers, &needs);
    let comparison = Comparison {
        seats: seats.len(),
        volunteer_days: volunteers.iter().map(|v| v.days.len()).sum(),
        places_wanted: needs.iter().map(|n| n.wanted).sum(),
        optimal: &optimal,
        nearest_first: &nearest,
    };
    if args.json {
        return print_json(&comparison);
    }
    println!(
        "{} volunteers ({} volunteer-days) and {} {} marginal seats within their reach ({} places wanted over {} days):",
        volunteers.len(),
        comparison.volunteer_days,
        comparison.seats,
        party.name(),
        comparison.places_wanted,
        days.len()
    );
    println!("  {:<14} {:>12} {:>10} {:>10} {:>15}", "plan", "total value", "assigned", "unused", "places unfilled");
    for plan in [&optimal, &nearest] {
        println!(
            "  {:<14} {:>12.2} {:>10} {:>10} {:>15}",
            plan.method,
            plan.total_value,
            plan.assignments.iter().filter(|a| a.value > 0.0).count(),
            plan.unused_volunteer_days + plan.assignments.iter().filter(|a| a.value == 0.0).count(),
            plan.unfilled_places
        );
    }
    if nearest.total_value > 0.0 {
        println!("The exact plan is worth {:.1}% more than nearest first.", (optimal.total_value / nearest.total_value - 1.0) * 100.0);
    }
    if args.assignments {
        for a in &optimal.assignments {
            println!(
                "  {:<5} {:<24} -> {:<40} {:>5.1} km  {:.3}",
                a.day,
                truncate(&a.volunteer, 24),
                truncate(&a.seat, 40),
                a.distance_km,
                a.value
            );
        }
    }
    Ok(())
}
