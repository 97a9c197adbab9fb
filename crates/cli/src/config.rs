//! Configuration: one clap struct for flags and environment variables (its doc comments are the
//! `--help`), and an optional TOML file beneath them. A flag beats the environment, which beats
//! the file, which beats the default.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Parser;
use groundgame_store::DatabaseUrl;
use serde::Deserialize;

use crate::commands::Command;

/// groundgame runs a constituency field campaign: the electoral register, walks, canvassing,
/// volunteers, targeting and polling day.
#[derive(Debug, Parser)]
#[command(name = "groundgame", version, about, propagate_version = true)]
pub struct Cli {
    /// The database: a SQLite file (created on first use) or a postgres:// URL.
    /// [default: groundgame.db]
    #[arg(long, global = true, env = "GROUNDGAME_DATABASE_URL", hide_env_values = true)]
    pub database: Option<String>,

    /// A TOML file with settings (`database`, `log`). [default: groundgame.toml if present]
    #[arg(long, global = true, env = "GROUNDGAME_CONFIG")]
    pub config: Option<PathBuf>,

    /// Log level or filter for messages on standard error (error, warn, info, debug, trace).
    /// [default: warn]
    #[arg(long, global = true, env = "GROUNDGAME_LOG")]
    pub log: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

/// The settings file's shape.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database: Option<String>,
    log: Option<String>,
}

/// Settings after flags, environment, file and defaults are resolved.
#[derive(Debug)]
pub struct Settings {
    pub database: DatabaseUrl,
    /// Whether the database was chosen explicitly (the demo has its own default).
    pub database_given: bool,
    pub log: String,
}

impl Settings {
    pub fn resolve(cli: &Cli) -> anyhow::Result<Settings> {
        let file = match &cli.config {
            Some(path) => read_file(path)?,
            None if Path::new("groundgame.toml").exists() => read_file(Path::new("groundgame.toml"))?,
            None => FileSettings::default(),
        };
        let database = cli.database.clone().or(file.database);
        Ok(Settings {
            database_given: database.is_some(),
            database: DatabaseUrl::new(database.unwrap_or_else(|| "groundgame.db".into())),
            log: cli.log.clone().or(file.log).unwrap_or_else(|| "warn".into()),
        })
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path).with_context(|| format!("Failed to read the settings file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not a valid settings file", path.display()))
}

pub fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_flag_beats_the_settings_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gg.toml");
        std::fs::write(&path, "database = \"from-file.db\"\nlog = \"info\"\n").unwrap();
        let p = path.to_str().unwrap();
        let cli = Cli::parse_from(["groundgame", "--config", p, "campaign", "list"]);
        let s = Settings::resolve(&cli).unwrap();
        assert_eq!(s.database.expose(), "from-file.db");
        assert_eq!(s.log, "info");
        let cli = Cli::parse_from(["groundgame", "--config", p, "--database", "flag.db", "campaign", "list"]);
        assert_eq!(Settings::resolve(&cli).unwrap().database.expose(), "flag.db");
        std::fs::write(&path, "databse = \"typo.db\"\n").unwrap();
        assert!(Settings::resolve(&Cli::parse_from(["groundgame", "--config", p, "campaign", "list"])).is_err());
    }
}
