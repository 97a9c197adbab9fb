use chrono::NaiveDate;
use clap::{Args, Subcommand};
use groundgame_app::privacy::{self, RetentionState};

use super::{campaign_named, open_app};
use crate::config::Settings;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Deletes the register and canvass of every campaign past its retention day (polling day
    /// plus limits.retention_days, or the day chosen with `privacy retain`): electors,
    /// households, contacts, walks, polling-day records and relational matches, and the details
    /// of its audit lines. Anonymous counts by polling district stay. The space is given back,
    /// so no name or address stays in the database's files. Servers run this every six hours.
    Retention(RetentionArgs),
    /// Chooses the last day a campaign keeps its register and canvass.
    Retain(RetainArgs),
}

#[derive(Debug, Args)]
pub struct RetentionArgs {
    /// Run as if today were this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    as_of: Option<NaiveDate>,
    /// Say what would be deleted, and delete nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct RetainArgs {
    /// The campaign's ballot id (may be left out when there is only one).
    #[arg(long)]
    campaign: Option<String>,
    /// The last day (YYYY-MM-DD) the register and canvass are kept.
    #[arg(long, value_name = "DATE", conflicts_with = "default", required_unless_present = "default")]
    until: Option<NaiveDate>,
    /// Back to the default: polling day plus limits.retention_days.
    #[arg(long)]
    default: bool,
}

pub async fn run(command: PrivacyCommand, settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    match command {
        PrivacyCommand::Retention(args) => {
            let as_of = args.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
            let done = privacy::run_retention(&app, as_of, args.dry_run).await?;
            if args.json {
                print_json(&done)?;
            } else {
                for d in &done {
                    let until = d.retain_until.format("%-d %B %Y");
                    match d.state {
                        RetentionState::Kept => println!("{}: kept until {until}", d.campaign),
                        RetentionState::AlreadyDeleted => println!("{}: deleted before", d.campaign),
                        RetentionState::Due | RetentionState::Deleted => {
                            let verb = if d.state == RetentionState::Due { "would delete" } else { "deleted" };
                            let rows = d.deleted.as_ref().map(|x| {
                                x.rows
                                    .iter()
                                    .filter(|(_, n)| *n > 0)
                                    .map(|(t, n)| format!("{n} {}", t.replace('_', " ")))
                                    .collect::<Vec<_>>()
                            });
                            let audit = d.deleted.as_ref().map_or(0, |x| x.audit_details);
                            println!(
                                "{}: past {until}: {verb} {} and the details of {audit} audit lines",
                                d.campaign,
                                rows.filter(|r| !r.is_empty()).map_or("nothing of the register".into(), |r| r.join(", "))
                            );
                        }
                    }
                }
                if done.is_empty() {
                    println!("There are no campaigns.");
                }
            }
        }
        PrivacyCommand::Retain(args) => {
            let campaign = campaign_named(&app, args.campaign.as_deref()).await?;
            let until = privacy::set_retention(&app, &campaign, if args.default { None } else { args.until }).await?;
            println!("{}: the register and canvass are kept until {}", campaign.name, until.format("%-d %B %Y"));
        }
    }
    app.store.close().await;
    Ok(())
}
