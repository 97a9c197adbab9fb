use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use groundgame_app::targeting;
use groundgame_core::postcodes::{read_postcode_file, PostcodeLayout};
use indicatif::{ProgressBar, ProgressStyle};

use super::open_app;
use crate::config::Settings;

#[derive(Debug, Subcommand)]
pub enum PostcodesCommand {
    /// Import postcode centroids for the whole country: an ONS Postcode Directory CSV (pcds, lat,
    /// long), a Code-Point Open CSV (British National Grid, converted to WGS84), or any CSV with
    /// postcode, lat and lon columns. Postcodes already known are updated.
    Import {
        /// The file.
        file: PathBuf,
    },
}

pub async fn run(command: PostcodesCommand, settings: &Settings) -> anyhow::Result<()> {
    let PostcodesCommand::Import { file } = command;
    let size = std::fs::metadata(&file).with_context(|| format!("cannot read {}", file.display()))?.len();
    let bar = ProgressBar::new(size).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {elapsed}").expect("valid template").progress_chars("=> "),
    );
    bar.set_message("Reading postcodes");
    let path = file.clone();
    let reading_bar = bar.clone();
    let read = tokio::task::spawn_blocking(move || {
        let input = BufReader::with_capacity(1 << 20, File::open(&path)?);
        Ok::<_, std::io::Error>(read_postcode_file(input, |bytes| reading_bar.set_position(bytes)))
    })
    .await??;
    bar.finish_and_clear();
    let parsed = read.with_context(|| format!("{} was not imported", file.display()))?;
    let (count, skipped, layout) = (parsed.points.len(), parsed.without_location, parsed.layout);
    let spinner = ProgressBar::new_spinner().with_message(format!("Storing {count} postcodes"));
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let app = open_app(settings).await?;
    targeting::import_postcodes(&app, parsed.points).await?;
    spinner.finish_and_clear();
    let layout = match layout {
        PostcodeLayout::LatLon => "latitude and longitude",
        PostcodeLayout::CodePointOpen => "Code-Point Open grid references converted to WGS84",
    };
    println!("Imported {count} postcodes ({layout}); {skipped} without a location were skipped.");
    Ok(())
}
