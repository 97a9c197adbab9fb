use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand};
use groundgame_walks::bound::lower_bound;
use groundgame_walks::doors::{read_and_check_walks, read_doors, total_distance, write_walks};
use groundgame_walks::{plan, Options};

#[derive(Debug, Subcommand)]
pub enum WalksCommand {
    /// Cut doors (CSV id,lat,lon) into walks of at most K doors, each in walking order, and write
    /// them as CSV walk,seq,id.
    Plan(PlanArgs),
    /// Check a plan against its doors and print its walking distance and the lower bound.
    Score(ScoreArgs),
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Doors: CSV with a header naming id, lat and lon (other columns are ignored).
    #[arg(long)]
    input: PathBuf,
    /// At most this many doors a walk (K); there will be ceil(n / K) walks.
    #[arg(long)]
    doors_per_walk: usize,
    /// Where to write the walks (CSV walk,seq,id).
    #[arg(long)]
    output: PathBuf,
    /// The same seed and input always give the same walks.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Stop improving after this many seconds [default: 1.5 s up to 3,000 doors, growing to 9 s
    /// at 35,000].
    #[arg(long)]
    time_limit: Option<f64>,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The doors the plan was made for.
    #[arg(long)]
    input: PathBuf,
    /// The plan (CSV walk,seq,id).
    #[arg(long)]
    walks: PathBuf,
    /// The K the plan was made for.
    #[arg(long)]
    doors_per_walk: usize,
}

pub fn run(command: WalksCommand) -> anyhow::Result<()> {
    match command {
        WalksCommand::Plan(args) => {
            let doors = read(&args.input)?;
            let mut options = Options::new(args.doors_per_walk);
            options.seed = args.seed;
            if let Some(t) = args.time_limit {
                anyhow::ensure!(t.is_finite() && t > 0.0, "--time-limit must be a positive number of seconds");
                options.time_limit = Some(Duration::from_secs_f64(t));
            }
            let started = Instant::now();
            let plan = plan(&doors, &options).map_err(|e| anyhow::anyhow!("{}: {e}", args.input.display()))?;
            let took = started.elapsed();
            let out = File::create(&args.output).with_context(|| format!("Failed to create {}", args.output.display()))?;
            write_walks(BufWriter::new(out), &doors, &plan.walks).with_context(|| format!("Failed to write {}", args.output.display()))?;
            println!(
                "{} doors in {} walks: {:.0} m walking, lower bound {:.0} m, ratio {:.3} ({:.2} s).",
                doors.len(),
                plan.walks.len(),
                plan.distance,
                plan.lower_bound,
                plan.ratio(),
                took.as_secs_f64()
            );
        }
        WalksCommand::Score(args) => {
            let doors = read(&args.input)?;
            let file = File::open(&args.walks).with_context(|| format!("Failed to open {}", args.walks.display()))?;
            let walks = read_and_check_walks(BufReader::new(file), &doors, args.doors_per_walk)
                .map_err(|e| anyhow::anyhow!("{}: {e}", args.walks.display()))?;
            let distance = total_distance(&doors, &walks);
            let bound = lower_bound(&doors, walks.len());
            println!("valid: {} doors in {} walks", doors.len(), walks.len());
            println!("distance_m {distance:.1}");
            println!("lower_bound_m {bound:.1}");
            println!("ratio {:.4}", if bound > 0.0 { distance / bound } else { 1.0 });
        }
    }
    Ok(())
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<groundgame_walks::Door>> {
    let file = File::open(path).with_context(|| format!("Failed to open {}", path.display()))?;
    read_doors(BufReader::new(file)).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}
