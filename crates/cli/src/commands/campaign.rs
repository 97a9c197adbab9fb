use chrono::NaiveDate;
use clap::{Args, Subcommand};
use groundgame_core::geography::GssCode;
use groundgame_store::campaigns;

use super::open_store;
use crate::config::Settings;
use crate::output::print_json;

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
    let store = open_store(settings).await?;
    let mut tx = store.begin().await?;
    match command {
        CampaignCommand::Create(args) => {
            let campaign = campaigns::create(&mut tx, &args.constituency, args.election_date).await?;
            tx.commit().await?;
            println!("{}", campaign.ballot_id);
            eprintln!("Created the campaign for {} ({}), polling day {}.", campaign.name, campaign.gss, campaign.election_date);
        }
        CampaignCommand::List { json } => {
            let all = campaigns::list(&mut tx).await?;
            tx.commit().await?;
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
    store.close().await;
    Ok(())
}
