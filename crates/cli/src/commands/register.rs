use std::fs::File;
use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use groundgame_app::register::{self as use_case, RegisterSource};
use groundgame_app::{Actor, App};
use groundgame_core::geography::Gazetteer;
use groundgame_core::register::layout::Mapping;
use groundgame_core::register::record::UnknownMarkers;
use groundgame_store::campaigns::Campaign;
use groundgame_store::register::{ImportReport, RegisterStats};
use indicatif::{ProgressBar, ProgressStyle};

use super::{campaign_named, open_app};
use crate::config::Settings;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum RegisterCommand {
    /// Import a full register export, replacing the campaign's register as a new version (one
    /// transaction). The layout is recognised from the header: Xpress (13 or 14 fields), the
    /// monthly update layout, or columns named with --map.
    Import(FileArgs),
    /// Apply a monthly notice of alteration (additions, deletions, amendments).
    Update(FileArgs),
    /// Import the absent voters list (postal, proxy, proxy postal), replacing the previous one.
    AbsentVoters(AbsentArgs),
    /// Electors, households, eligible electors, attainers and postal voters, by polling district.
    Stats(CampaignArgs),
    /// Show one elector by number, such as NA1-124/1.
    Show {
        /// The elector number: polling district, number and suffix (NA1-124/1).
        number: String,
        #[command(flatten)]
        campaign: CampaignArgs,
    },
    /// Load a matched list of phone numbers: a CSV file whose header names elector_number and
    /// phone, and sms and calls (yes or no: whether each person agreed to texts, to calls), with
    /// the consent the list carries. A wrong line refuses the whole file, naming the line.
    Phones(PhonesArgs),
}

#[derive(Debug, Args)]
pub struct PhonesArgs {
    /// The matched list (CSV, UTF-8).
    pub file: PathBuf,
    #[command(flatten)]
    pub campaign: CampaignArgs,
    /// The words the people on the list agreed to, as they were shown them.
    #[arg(long, default_value = "")]
    pub consent_wording: String,
    /// The day they agreed (YYYY-MM-DD).
    #[arg(long)]
    pub consent_date: chrono::NaiveDate,
    /// How they agreed, such as "online sign-up form".
    #[arg(long, default_value = "")]
    pub consent_how: String,
}

#[derive(Debug, Args)]
pub struct CampaignArgs {
    /// The campaign's id (ballot id, such as parl.derby-north.2017-06-08); may be left out when
    /// the database holds one campaign.
    #[arg(long, env = "GROUNDGAME_CAMPAIGN")]
    pub campaign: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FileArgs {
    /// The export: CSV or tab-separated, UTF-8 (with or without BOM) or Windows-1252.
    pub file: PathBuf,
    #[command(flatten)]
    pub campaign: CampaignArgs,
    /// Name a column for a layout groundgame does not recognise: SOURCE_COLUMN=field, once per
    /// column. Fields: polling_district, elector_number, elector_suffix, title, forename,
    /// middle_names, surname, name, address1..address6, postcode, uprn, markers, date_of_birth,
    /// change.
    #[arg(long = "map", value_name = "SOURCE_COLUMN=field")]
    pub map: Vec<String>,
    /// Write the valid rows and reject the others to a rejects CSV, instead of writing nothing.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Where to write rejected rows with their reasons [default: FILE.rejects.csv].
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Keep franchise markers groundgame does not know as they are (and report them), instead of
    /// refusing the rows.
    #[arg(long)]
    pub accept_unknown_markers: bool,
    /// Postcode centroids (CSV with postcode, lat and lon columns, such as ONSPD) to geocode
    /// households, beside the bundled centroids of the demo seat.
    #[arg(long)]
    pub postcodes: Option<PathBuf>,
    /// UPRN coordinates (CSV with uprn, lat and lon columns).
    #[arg(long)]
    pub uprn_coordinates: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AbsentArgs {
    /// The absent voters list: elector numbers and the kind of absent vote.
    pub file: PathBuf,
    #[command(flatten)]
    pub campaign: CampaignArgs,
    /// Name a column: SOURCE_COLUMN=field (elector_number, polling_district, elector_suffix,
    /// absent_vote).
    #[arg(long = "map", value_name = "SOURCE_COLUMN=field")]
    pub map: Vec<String>,
    /// Apply the valid rows and report the others, instead of writing nothing.
    #[arg(long)]
    pub skip_invalid: bool,
}

pub async fn run(command: RegisterCommand, settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    let result = run_on(&app, command).await;
    app.store.close().await;
    result
}

async fn run_on(app: &App, command: RegisterCommand) -> anyhow::Result<()> {
    match command {
        RegisterCommand::Import(args) => {
            let campaign = campaign_named(app, args.campaign.campaign.as_deref()).await?;
            let started = std::time::Instant::now();
            let report = import_file(app, &campaign, &args).await?;
            if args.campaign.json {
                print_json(&report)?;
            } else {
                print_import(&report, &args, started.elapsed());
            }
        }
        RegisterCommand::Update(args) => {
            let campaign = campaign_named(app, args.campaign.campaign.as_deref()).await?;
            let (mapping, places) = (mapping(&args)?, gazetteer(&args)?);
            let report = use_case::update(app, Actor::CommandLine(&campaign), &source(&args, &mapping, &places)).await?;
            if args.campaign.json {
                print_json(&report)?;
            } else {
                println!(
                    "Register version {}: {} added, {} deleted, {} amended ({} renumbered, history kept); {} rows rejected.",
                    report.version, report.added, report.deleted, report.amended, report.renumbered, report.rows_rejected
                );
                print_rejected(&report.errors, report.rows_rejected, &args);
            }
        }
        RegisterCommand::AbsentVoters(args) => {
            let mapping = Mapping::parse(&args.map).map_err(anyhow::Error::msg)?;
            let list = use_case::read_absent_voters(&args.file, &mapping)?;
            let campaign = campaign_named(app, args.campaign.campaign.as_deref()).await?;
            let report =
                use_case::absent_voters(app, Actor::CommandLine(&campaign), list, &file_name(&args.file), args.skip_invalid).await?;
            if args.campaign.json {
                print_json(&report)?;
            } else {
                println!(
                    "Absent voters: {} postal, {} proxy, {} proxy postal; {} rows rejected.",
                    report.postal, report.proxy, report.proxy_postal, report.rows_rejected
                );
                for e in &report.errors {
                    eprintln!("  rejected {e}");
                }
            }
        }
        RegisterCommand::Phones(args) => {
            let campaign = campaign_named(app, args.campaign.campaign.as_deref()).await?;
            let file = std::fs::read_to_string(&args.file).with_context(|| format!("Could not read {}", args.file.display()))?;
            let consent = groundgame_app::texting::ListConsent {
                wording: &args.consent_wording,
                given_on: args.consent_date,
                how: &args.consent_how,
            };
            let report = groundgame_app::texting::add_matched_list(app, Actor::CommandLine(&campaign), &file, &consent).await?;
            if args.campaign.json {
                print_json(&report)?;
            } else {
                println!(
                    "{} numbers of {} electors: {} agreed to texts, {} to calls.",
                    report.numbers, report.electors, report.agreed_to_texts, report.agreed_to_calls
                );
            }
        }
        RegisterCommand::Stats(args) => {
            let campaign = campaign_named(app, args.campaign.as_deref()).await?;
            let stats = use_case::stats(app, Actor::CommandLine(&campaign)).await?;
            if args.json {
                print_json(&stats)?;
            } else {
                print_stats(&campaign, &stats);
            }
        }
        RegisterCommand::Show { number, campaign } => {
            let c = campaign_named(app, campaign.campaign.as_deref()).await?;
            let e = use_case::show_elector(app, Actor::CommandLine(&c), &number).await?;
            if campaign.json {
                print_json(&e)?;
            } else {
                println!("{}", e.elector_number);
                if e.anonymous {
                    println!("  anonymous elector: number only");
                } else {
                    let name: Vec<&str> =
                        [&e.title, &e.forename, &e.middle_names, &e.surname].into_iter().flatten().map(String::as_str).collect();
                    println!("  {}", name.join(" "));
                    for line in &e.address {
                        println!("  {line}");
                    }
                    if let Some(pc) = &e.postcode {
                        println!("  {pc}");
                    }
                    if let Some(uprn) = &e.uprn {
                        println!("  UPRN {uprn}");
                    }
                    println!("  household of {} elector(s)", e.household_electors);
                }
                for m in &e.markers {
                    println!("  marker {}: {}", m.marker, m.meaning);
                }
                if let Some(dob) = e.date_of_birth {
                    println!("  date of birth {}", dob.format("%d/%m/%Y"));
                }
                println!("  {}", e.eligibility);
                if let Some(a) = &e.absent_vote {
                    println!("  {a}");
                }
                println!("  on the register since version {}", e.first_version);
            }
        }
    }
    Ok(())
}

fn mapping(args: &FileArgs) -> anyhow::Result<Mapping> {
    Mapping::parse(&args.map).map_err(anyhow::Error::msg)
}

fn source<'a>(args: &'a FileArgs, mapping: &'a Mapping, gazetteer: &'a Gazetteer) -> RegisterSource<'a> {
    RegisterSource {
        path: &args.file,
        name: args.file.to_str().unwrap_or("the register file"),
        mapping,
        unknown_markers: if args.accept_unknown_markers { UnknownMarkers::Keep } else { UnknownMarkers::Refuse },
        rejects: rejects_path(args),
        gazetteer,
    }
}

fn rejects_path(args: &FileArgs) -> Option<PathBuf> {
    args.skip_invalid.then(|| {
        args.rejects.clone().unwrap_or_else(|| {
            let mut p = args.file.clone().into_os_string();
            p.push(".rejects.csv");
            PathBuf::from(p)
        })
    })
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

fn gazetteer(args: &FileArgs) -> anyhow::Result<Gazetteer> {
    let mut g = Gazetteer::demo();
    if let Some(path) = &args.postcodes {
        let f = File::open(path).with_context(|| format!("Failed to open {}", path.display()))?;
        g.add_postcodes(std::io::BufReader::new(f)).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    if let Some(path) = &args.uprn_coordinates {
        let f = File::open(path).with_context(|| format!("Failed to open {}", path.display()))?;
        g.add_uprns(std::io::BufReader::new(f)).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    Ok(g)
}

/// Imports a full register file with a progress bar, in one transaction.
pub async fn import_file(app: &App, campaign: &Campaign, args: &FileArgs) -> anyhow::Result<ImportReport> {
    let (mapping, places) = (mapping(args)?, gazetteer(args)?);
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    tracing::info!("reading {}", args.file.display());
    let bar = ProgressBar::new(size).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {elapsed}").expect("valid template").progress_chars("=> "),
    );
    bar.set_message(format!("Importing {}", file_name(&args.file)));
    let progress = Arc::new(AtomicU64::new(0));
    let ticker = {
        let bar = bar.clone();
        let progress = progress.clone();
        tokio::spawn(async move {
            loop {
                bar.set_position(progress.load(Ordering::Relaxed));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let result = use_case::import(app, Actor::CommandLine(campaign), &source(args, &mapping, &places), progress).await;
    ticker.abort();
    bar.finish_and_clear();
    Ok(result?)
}

fn print_import(report: &ImportReport, args: &FileArgs, took: Duration) {
    println!(
        "Imported {} electors in {} households and {} polling districts as register version {} ({}, {:.2} s).",
        report.electors,
        report.households,
        report.polling_districts,
        report.version,
        report.format,
        took.as_secs_f64()
    );
    if report.electors_matched > 0 || report.electors_removed > 0 {
        println!(
            "  {} electors were on the previous version (history kept), {} are new, {} left the register.",
            report.electors_matched,
            report.electors - report.electors_matched,
            report.electors_removed
        );
    }
    if report.households_not_geocoded > 0 {
        println!(
            "  {} new households could not be geocoded: give --postcodes (ONSPD or Code-Point Open centroids) or --uprn-coordinates.",
            report.households_not_geocoded
        );
    }
    for (marker, n) in &report.unknown_markers {
        println!("  unknown marker '{marker}' on {n} electors: kept as it is; their eligibility is unknown.");
    }
    print_rejected(&report.errors, report.rows_rejected, args);
}

fn print_rejected(errors: &[groundgame_core::register::RowError], total: u64, args: &FileArgs) {
    if total == 0 {
        return;
    }
    for e in errors.iter().take(20) {
        eprintln!("  rejected {e}");
    }
    if total as usize > errors.len().min(20) {
        eprintln!("  ... {} rows rejected in all", total);
    }
    if let Some(p) = rejects_path(args) {
        eprintln!("  rejected rows and their reasons are in {}", p.display());
    }
}

pub fn print_stats(campaign: &Campaign, s: &RegisterStats) {
    println!("{} ({}), polling day {}, register version {}", campaign.name, campaign.ballot_id, campaign.election_date, s.register_version);
    println!("{:<10} {:>9} {:>10} {:>9} {:>9} {:>8}", "district", "electors", "households", "eligible", "attainers", "postal");
    for (code, d) in &s.polling_districts {
        println!("{:<10} {:>9} {:>10} {:>9} {:>9} {:>8}", code, d.electors, d.households, d.eligible, d.attainers, d.postal_voters);
    }
    let t = &s.totals;
    println!("{:<10} {:>9} {:>10} {:>9} {:>9} {:>8}", "total", t.electors, t.households, t.eligible, t.attainers, t.postal_voters);
    if t.anonymous + t.proxy_voters + t.unknown_markers + t.households_not_geocoded > 0 {
        println!(
            "{} anonymous electors, {} proxy voters, {} with unknown markers, {} households not geocoded.",
            t.anonymous, t.proxy_voters, t.unknown_markers, t.households_not_geocoded
        );
    }
}
