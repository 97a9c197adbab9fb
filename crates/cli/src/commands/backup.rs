use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use indicatif::ProgressBar;

use super::open_app;
use crate::config::Settings;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy (a SQLite file). Written whole or not at all: the copy is made
    /// beside it and moved into place once checked.
    #[arg(long, short)]
    output: PathBuf,
}

/// Copies the SQLite database while servers go on using it. PostgreSQL is backed up with its own
/// tools (docs/OPERATIONS.md).
pub async fn run(args: BackupArgs, settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    let spinner = ProgressBar::new_spinner().with_message(format!("Backing up {} to {}", settings.database, args.output.display()));
    spinner.enable_steady_tick(Duration::from_millis(120));
    let done = groundgame_app::privacy::backup(&app, &args.output).await;
    spinner.finish_and_clear();
    app.store.close().await;
    let bytes = done?;
    println!("Backed up {} to {} ({:.1} MB, checked)", settings.database, args.output.display(), bytes as f64 / 1e6);
    Ok(())
}
