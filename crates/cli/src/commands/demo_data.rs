use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use groundgame_core::geography::GssCode;
use groundgame_core::register::layout::Format;
use groundgame_core::synthetic;

#[derive(Debug, Subcommand)]
pub enum DemoDataCommand {
    /// Write a realistic synthetic register export (and its absent voters list).
    Register(RegisterArgs),
    /// Write doors (CSV id,lat,lon) for the walk planner: a synthetic suburb, or doors around the
    /// demo seat's real postcode centroids.
    Doors(DoorsArgs),
    /// Write volunteers (CSV name,lat,lon,max_km,days) living around the seats of a region, for
    /// `groundgame seats deploy`.
    Volunteers(VolunteersArgs),
}

#[derive(Debug, Args)]
pub struct VolunteersArgs {
    #[arg(long, default_value_t = 300)]
    pub count: usize,
    /// The region they live in ('East Midlands'); all of Great Britain when left out.
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, short)]
    pub output: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DoorsKind {
    /// Streets with houses on both sides, terraces, semis, crescents, cul-de-sacs, blocks of flats.
    Suburb,
    /// About 15 doors around each of Derby North's postcode centroids.
    Postcodes,
}

#[derive(Debug, Args)]
pub struct DoorsArgs {
    #[arg(long, value_enum, default_value = "suburb")]
    pub kind: DoorsKind,
    /// How many doors.
    #[arg(long)]
    pub doors: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, short)]
    pub output: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Layout {
    /// Xpress full register, 13 fields (Elector Name).
    Xpress13,
    /// Xpress full register, 14 fields (Elector Surname, Elector Forename).
    Xpress14,
    /// The monthly update layout (ElectorNumber as PD-124/1).
    Monthly,
}

#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The constituency's GSS code (postcodes are bundled for Derby North, E14000662).
    #[arg(long, value_parser = |s: &str| GssCode::parse(s), default_value = "E14000662")]
    pub constituency: GssCode,
    /// How many electors.
    #[arg(long, default_value_t = 70_000)]
    pub electors: usize,
    /// The same seed always gives the same register.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The export layout to write.
    #[arg(long, value_enum, default_value = "xpress13")]
    pub layout: Layout,
    /// The register's publication date (attainers turn 18 within a year of it).
    #[arg(long, default_value = "2017-02-01")]
    pub register_date: NaiveDate,
    /// Where to write the register.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Where to write the absent voters list.
    #[arg(long)]
    pub absent_voters: Option<PathBuf>,
}

pub fn run(command: DemoDataCommand) -> anyhow::Result<()> {
    match command {
        DemoDataCommand::Doors(args) => {
            use groundgame_walks::instances;
            let doors = match args.kind {
                DoorsKind::Suburb => instances::suburb(args.doors, args.seed),
                DoorsKind::Postcodes => {
                    let centroids: Vec<(f64, f64)> =
                        groundgame_core::geography::demo_postcodes().into_iter().map(|(_, p, _)| (p.lat, p.lon)).collect();
                    instances::around_postcodes(&centroids, args.doors, 15, args.seed)
                }
            };
            let mut w = csv::Writer::from_path(&args.output).with_context(|| format!("Failed to create {}", args.output.display()))?;
            w.write_record(["id", "lat", "lon"])?;
            for d in &doors {
                w.write_record([d.id.clone(), format!("{:.7}", d.lat), format!("{:.7}", d.lon)])?;
            }
            w.flush()?;
            eprintln!("Wrote {} doors to {}.", doors.len(), args.output.display());
            Ok(())
        }
        DemoDataCommand::Volunteers(args) => {
            let volunteers = groundgame_core::volunteers::synthetic_volunteers(args.count, args.region.as_deref(), args.seed)
                .map_err(anyhow::Error::msg)?;
            let mut w = csv::Writer::from_path(&args.output).with_context(|| format!("Failed to create {}", args.output.display()))?;
            w.write_record(["name", "lat", "lon", "max_km", "days"])?;
            for v in &volunteers {
                w.write_record([
                    v.name.clone(),
                    format!("{:.5}", v.home.lat),
                    format!("{:.5}", v.home.lon),
                    v.max_km.to_string(),
                    v.days.join(" "),
                ])?;
            }
            w.flush()?;
            eprintln!("Wrote {} volunteers to {}.", volunteers.len(), args.output.display());
            Ok(())
        }
        DemoDataCommand::Register(args) => {
            let summary = write(&args)?;
            eprintln!(
                "Wrote {} electors in {} households and {} polling districts to {} ({} attainers, {} absent voters).",
                summary.electors,
                summary.households,
                summary.polling_districts,
                args.output.display(),
                summary.attainers,
                summary.absent_voters
            );
            Ok(())
        }
    }
}

pub fn write(args: &RegisterArgs) -> anyhow::Result<synthetic::Summary> {
    let options = synthetic::Options {
        constituency: args.constituency.clone(),
        electors: args.electors,
        seed: args.seed,
        format: match args.layout {
            Layout::Xpress13 => Format::Xpress13,
            Layout::Xpress14 => Format::Xpress14,
            Layout::Monthly => Format::MonthlyUpdate,
        },
        register_date: args.register_date,
    };
    let bar = indicatif::ProgressBar::new(args.electors as u64).with_style(
        indicatif::ProgressStyle::with_template("Writing electors [{bar:30}] {pos}/{len} {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let file = File::create(&args.output).with_context(|| format!("Failed to create {}", args.output.display()))?;
    let out = BufWriter::new(RowCounter { inner: file, bar: bar.clone(), pending: 0 });
    let mut av = match &args.absent_voters {
        Some(p) => Some(BufWriter::new(File::create(p).with_context(|| format!("Failed to create {}", p.display()))?)),
        None => None,
    };
    let summary = synthetic::write_register(&options, out, av.as_mut().map(|w| w as &mut dyn std::io::Write)).map_err(anyhow::Error::msg);
    bar.finish_and_clear();
    summary
}

/// Counts the lines written through it onto a progress bar (one line an elector, after the header).
struct RowCounter<W> {
    inner: W,
    bar: indicatif::ProgressBar,
    pending: u64,
}

impl<W: std::io::Write> std::io::Write for RowCounter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.pending += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        if self.pending >= 10_000 {
            self.bar.inc(self.pending);
            self.pending = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.bar.inc(std::mem::take(&mut self.pending));
        self.inner.flush()
    }
}
