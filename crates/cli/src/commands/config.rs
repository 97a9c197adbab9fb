use clap::{Args, Subcommand};

use crate::config::Settings;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting in effect, where it came from (flag, environment, file or default),
    /// and the environment variable that sets it. Passwords are never printed.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(command: ConfigCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Show(args) => {
            if args.json {
                return print_json(&settings.shown);
            }
            match &settings.file {
                Some(f) => println!("Settings file: {}", f.display()),
                None => println!("Settings file: none (groundgame.toml in this folder, --config or GROUNDGAME_CONFIG names one)"),
            }
            let width = settings.shown.iter().map(|s| s.name.len()).max().unwrap_or(0);
            for s in &settings.shown {
                let env = s.env;
                let source = match s.source {
                    crate::config::Source::Flag => "flag",
                    crate::config::Source::Environment => "environment",
                    crate::config::Source::File => "file",
                    crate::config::Source::Default => "default",
                };
                println!("{:<width$}  {:<28} {:<12} {env}", s.name, s.value, source);
            }
        }
    }
    Ok(())
}
