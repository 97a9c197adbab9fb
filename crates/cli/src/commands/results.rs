use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use groundgame_app::targeting;
use groundgame_core::results::{self, Layout};
use serde_json::json;

use super::open_app;
use crate::config::Settings;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum ResultsCommand {
    /// Import a general election's results: the House of Commons Library's layouts, one row per
    /// constituency (votes per party in columns) or one row per candidate (party and votes), or
    /// the Electoral Commission's candidate file. Every row is checked first; on any problem
    /// nothing is imported.
    Import(ImportArgs),
    /// The elections there are: bundled (2010, 2015, 2017, 2019, 2024) and imported.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The results file (CSV; UTF-8 with or without BOM, or Windows-1252).
    pub file: PathBuf,
    /// The election's year: how commands name it (`--election 2029`).
    #[arg(long)]
    pub election: i32,
    /// Polling day (YYYY-MM-DD); known for the bundled years.
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// Replace an election of the same year imported before.
    #[arg(long)]
    pub replace: bool,
}

pub async fn run(command: ResultsCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        ResultsCommand::Import(args) => import(args, settings).await,
        ResultsCommand::List { json } => list(json, settings).await,
    }
}

async fn import(args: ImportArgs, settings: &Settings) -> anyhow::Result<()> {
    let date = match args.date {
        Some(d) => d,
        None => results::BUNDLED
            .iter()
            .find(|(y, _)| *y == args.election)
            .map(|(_, d)| NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("bundled dates are valid"))
            .with_context(|| format!("give polling day of the {} election with --date YYYY-MM-DD", args.election))?,
    };
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let parsed = results::parse(&bytes).with_context(|| format!("{} was not imported", args.file.display()))?;
    let (layout, seats, boundaries) = (parsed.layout, parsed.seats.len(), parsed.boundaries);
    let other: Vec<String> = parsed.counted_as_other.keys().cloned().collect();
    let app = open_app(settings).await?;
    let source = args.file.file_name().map_or_else(|| args.file.display().to_string(), |f| f.to_string_lossy().into_owned());
    targeting::import_election(&app, args.election, date, parsed, &source, args.replace).await?;
    let layout = match layout {
        Layout::Constituency => "one row per constituency",
        Layout::Candidate => "one row per candidate",
    };
    println!("Imported the {} general election ({date}): {seats} seats on {}, {layout}.", args.election, boundaries.label());
    if !other.is_empty() {
        println!("Counted as Other: {}.", other.join(", "));
    }
    Ok(())
}

async fn list(json: bool, settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    let elections = targeting::elections(&app).await?;
    let imported = targeting::imported_years(&app).await?;
    let rows: Vec<serde_json::Value> = elections
        .iter()
        .map(|e| {
            let source =
                imported.iter().find(|i| i.0 == i64::from(e.year)).map_or("bundled".to_owned(), |i| format!("imported from {}", i.1));
            json!({ "year": e.year, "date": e.date, "boundaries": e.boundaries, "seats": e.seats.len(), "source": source })
        })
        .collect();
    if json {
        return print_json(&rows);
    }
    for (e, row) in elections.iter().zip(&rows) {
        println!("{}  {}  {} seats on {}, {}", e.year, e.date, e.seats.len(), e.boundaries.label(), row["source"].as_str().unwrap_or(""));
    }
    Ok(())
}
