use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Subcommand};
use groundgame_app::walks::{self, WalkSize};
use groundgame_app::{Actor, App};
use groundgame_walks::bound::lower_bound;
use groundgame_walks::doors::{read_and_check_walks, read_doors, total_distance, write_walks};
use groundgame_walks::{plan, Options};

use super::register::CampaignArgs;
use super::{campaign_named, open_app};
use crate::config::Settings;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum WalksCommand {
    /// Cut doors (CSV id,lat,lon) into walks of at most K doors, each in walking order, and write
    /// them as CSV walk,seq,id.
    Plan(PlanArgs),
    /// Check a plan against its doors and print its walking distance and the lower bound.
    Score(ScoreArgs),
    /// Plan the campaign's walks: each polling district's geocoded households (one door each) cut
    /// into walks and saved. Walks that re-planning leaves mostly unchanged keep their ids.
    Generate(GenerateArgs),
    /// List the campaign's walks.
    List {
        #[command(flatten)]
        campaign: CampaignArgs,
        /// Only this polling district.
        #[arg(long)]
        polling_district: Option<String>,
    },
    /// Show a walk's doors in walking order.
    Show {
        /// The walk's id.
        walk: i64,
        #[command(flatten)]
        campaign: CampaignArgs,
    },
    /// Export a walk as GeoJSON (for maps) or as an SVG map (for printed sheets).
    Export {
        /// The walk's id.
        walk: i64,
        #[command(flatten)]
        campaign: CampaignArgs,
        #[arg(long, value_enum)]
        format: ExportFormat,
        #[arg(long, short)]
        output: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Geojson,
    Svg,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    campaign: CampaignArgs,
    /// Only this polling district [default: every district].
    #[arg(long)]
    polling_district: Option<String>,
    /// At most this many doors a walk.
    #[arg(long, conflicts_with = "walks", required_unless_present = "walks")]
    doors_per_walk: Option<usize>,
    /// Or: this many walks in each district.
    #[arg(long)]
    walks: Option<usize>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
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
    /// Stop improving after this many seconds [default: 2 s up to 3,000 doors, 5 s at 10,000, 10 s
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

pub async fn run(command: WalksCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        WalksCommand::Generate(args) => generate(args, settings).await?,
        WalksCommand::List { campaign, polling_district } => {
            let app = open_app(settings).await?;
            let c = campaign_named(&app, campaign.campaign.as_deref()).await?;
            let all = walks::list(&app, Actor::CommandLine(&c), polling_district.as_deref()).await?;
            let against = walks::against_register(&app, Actor::CommandLine(&c)).await?;
            app.store.close().await;
            if campaign.json {
                print_json(&all)?;
            } else {
                for w in all {
                    let now = against.doors_now.get(&w.id).copied().unwrap_or(0);
                    println!(
                        "{:>6}  {}  ({} doors, {} electors, {:.1} km, about {} min){}",
                        w.id,
                        w.name,
                        w.doors,
                        w.electors,
                        w.distance_m / 1000.0,
                        w.minutes,
                        if now < w.doors {
                            format!("  [only {now} doors still on the register: plan {} again]", w.polling_district)
                        } else {
                            String::new()
                        }
                    );
                }
            }
        }
        WalksCommand::Show { walk, campaign } => {
            let app = open_app(settings).await?;
            let c = campaign_named(&app, campaign.campaign.as_deref()).await?;
            let (w, doors) = walks::get(&app, Actor::CommandLine(&c), walk).await?;
            app.store.close().await;
            if campaign.json {
                print_json(&serde_json::json!({ "walk": w, "doors": doors }))?;
            } else {
                println!("{} ({} doors, {} electors, about {} min)", w.name, w.doors, w.electors, w.minutes);
                for d in doors {
                    println!("{:>4}  {}", d.seq, d.address);
                }
            }
        }
        WalksCommand::Export { walk, campaign, format, output } => {
            let app = open_app(settings).await?;
            let c = campaign_named(&app, campaign.campaign.as_deref()).await?;
            let format = match format {
                ExportFormat::Geojson => walks::ExportFormat::Geojson,
                ExportFormat::Svg => walks::ExportFormat::Svg,
            };
            let (w, text) = walks::export(&app, Actor::CommandLine(&c), walk, format).await?;
            app.store.close().await;
            std::fs::write(&output, text).with_context(|| format!("Failed to write {}", output.display()))?;
            eprintln!("Wrote {} to {}.", w.name, output.display());
        }
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

async fn generate(args: GenerateArgs, settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    let campaign = campaign_named(&app, args.campaign.campaign.as_deref()).await?;
    let size = match (args.doors_per_walk, args.walks) {
        (Some(k), _) => WalkSize::DoorsPerWalk(k),
        (None, Some(w)) => WalkSize::Walks(w),
        (None, None) => unreachable!("clap requires one"),
    };
    generate_walks(&app, &campaign, args.polling_district.as_deref(), size, args.seed, true).await?;
    app.store.close().await;
    Ok(())
}

/// Plans and saves the walks of one polling district or of all, with a progress bar. Returns the
/// number of walks.
pub async fn generate_walks(
    app: &App,
    campaign: &groundgame_store::campaigns::Campaign,
    district: Option<&str>,
    size: WalkSize,
    seed: u64,
    verbose: bool,
) -> anyhow::Result<usize> {
    let actor = Actor::CommandLine(campaign);
    let mut total = 0;
    let districts = match district {
        Some(d) => vec![d.trim().to_ascii_uppercase()],
        None => walks::polling_districts(app, actor).await?,
    };
    anyhow::ensure!(!districts.is_empty(), "campaign {} has no register yet: import one first", campaign.ballot_id);
    let bar = indicatif::ProgressBar::new(districts.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("Planning walks [{bar:30}] {pos}/{len} districts {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    for district in districts {
        bar.inc(1);
        let planned = walks::plan_district(app, actor, &district, size, seed).await?;
        total += planned.walks.len();
        if !verbose {
            continue;
        }
        bar.suspend(|| {
            println!(
                "{district}: {} doors in {} walks ({} kept their ids, {} new, {} retired), ratio to the lower bound {:.3}{}",
                planned.doors,
                planned.walks.len(),
                planned.report.kept,
                planned.report.new,
                planned.report.removed,
                planned.ratio,
                if planned.unlocated > 0 {
                    format!("; {} households not geocoded were left out", planned.unlocated)
                } else {
                    String::new()
                }
            )
        });
    }
    bar.finish_and_clear();
    Ok(total)
}
