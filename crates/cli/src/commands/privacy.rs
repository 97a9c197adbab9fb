use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use groundgame_app::privacy::{self, RetentionState};
use groundgame_app::Actor;

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
    /// Records that an elector objected to being contacted: off every walk, sheet, phone,
    /// knock-up list, postal chase, friend match and register download, through re-imports.
    Object(ObjectArgs),
    /// The electors who objected.
    Objections(CampaignArgs),
    /// Everything held about one person, as one readable JSON file (a subject access request).
    Export(ExportArgs),
    /// Erases a volunteer's records from the campaign (as their own page's delete does).
    Erase(EraseArgs),
}

#[derive(Debug, Args)]
pub struct CampaignArgs {
    /// The campaign's ballot id (may be left out when there is only one).
    #[arg(long)]
    campaign: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ObjectArgs {
    /// The elector's number, as on the register (NA1-124).
    number: String,
    /// How the objection came (a letter, on the doorstep, an email).
    #[arg(long, default_value = "")]
    how: String,
    /// The campaign's ballot id (may be left out when there is only one).
    #[arg(long)]
    campaign: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A volunteer, by email.
    #[arg(long, conflicts_with = "elector", required_unless_present = "elector")]
    volunteer: Option<String>,
    /// An elector, by number (NA1-124).
    #[arg(long)]
    elector: Option<String>,
    /// Where to write the JSON.
    #[arg(long, short)]
    output: std::path::PathBuf,
    /// The campaign's ballot id (may be left out when there is only one).
    #[arg(long)]
    campaign: Option<String>,
}

#[derive(Debug, Args)]
pub struct EraseArgs {
    /// The volunteer's email.
    #[arg(long)]
    volunteer: String,
    /// The campaign's ballot id (may be left out when there is only one).
    #[arg(long)]
    campaign: Option<String>,
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
        PrivacyCommand::Object(args) => {
            let campaign = campaign_named(&app, args.campaign.as_deref()).await?;
            let (e, new) = privacy::record_objection(&app, Actor::CommandLine(&campaign), &args.number, &args.how).await?;
            let name = [e.forename, e.surname].into_iter().flatten().collect::<Vec<_>>().join(" ");
            let said = if new { "is now off every list" } else { "had already objected: still off every list" };
            println!("{} {name} {said}", e.elector_number);
        }
        PrivacyCommand::Objections(args) => {
            let campaign = campaign_named(&app, args.campaign.as_deref()).await?;
            let list = privacy::objections(&app, Actor::CommandLine(&campaign)).await?;
            if args.json {
                print_json(&list)?;
            } else {
                for o in &list {
                    let number = groundgame_core::elector::format_number(&o.polling_district, o.elector_number, o.elector_suffix);
                    println!("{number}  {}  {}  {}", o.name, o.recorded_at, o.how);
                }
                println!("{} {}", list.len(), if list.len() == 1 { "objection" } else { "objections" });
            }
        }
        PrivacyCommand::Export(args) => {
            let campaign = campaign_named(&app, args.campaign.as_deref()).await?;
            let bundle = match (&args.volunteer, &args.elector) {
                (Some(email), _) => privacy::volunteer_bundle(&app, &campaign, email).await?,
                (None, Some(number)) => privacy::elector_bundle(&app, Actor::CommandLine(&campaign), number).await?,
                (None, None) => unreachable!("clap requires one"),
            };
            let text = serde_json::to_string_pretty(&bundle)?;
            std::fs::write(&args.output, text).with_context(|| format!("Failed to write {}", args.output.display()))?;
            println!("Wrote everything held about them to {}", args.output.display());
        }
        PrivacyCommand::Erase(args) => {
            let campaign = campaign_named(&app, args.campaign.as_deref()).await?;
            privacy::erase_volunteer(&app, &campaign, &args.volunteer).await?;
            println!("Erased {}'s records from {}", args.volunteer, campaign.name);
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
