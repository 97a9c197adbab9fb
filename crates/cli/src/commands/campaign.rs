use super::open_app;
use crate::config::Settings;
use crate::output::print_json;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use groundgame_core::geography::GssCode;

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign and print its id (the ballot id, such as parl.derby-north.2017-06-08).
    Create(CreateArgs),
    /// List the campaigns in the database.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The constituency's GSS code on the 2010-2019 boundaries (Derby North is E14000662).
    #[arg(long, value_parser = |s: &str| GssCode::parse(s))]
    constituency: GssCode,
    /// Polling day, YYYY-MM-DD.
    #[arg(long)]
    election_date: NaiveDate,
}

pub async fn run(command: CampaignCommand, settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    match command {
        CampaignCommand::Create(args) => {
            let campaign = groundgame_app::campaigns::create(&app, &args.constituency, args.election_date, None).await?;
            println!("{}", campaign.ballot_id);
            eprintln!("Created the campaign for {} ({}), polling day {}.", campaign.name, campaign.gss, campaign.election_date);
        }
        CampaignCommand::List { json } => {
            let all = groundgame_app::campaigns::list(&app).await?;
            if json {
                print_json(&all)?;
            } else if all.is_empty() {
                eprintln!("No campaigns yet: create one with `groundgame campaign create`.");
            } else {
                for c in all {
                    println!("{}\t{}\t{}\tregister version {}", c.ballot_id, c.gss, c.name, c.register_version);
                }
            }
        }
    }
    app.store.close().await;
    Ok(())
}
