use clap::{Args, Subcommand};

use super::{campaign_named, open_app};
use crate::config::Settings;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// The latest lines of a campaign's audit log, newest first: every export and bulk read of
    /// the register and of what voters said, every sign-in, and every change to accounts,
    /// members, walks and the register.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The campaign's ballot id (may be left out when there is only one).
    #[arg(long)]
    campaign: Option<String>,
    /// How many lines.
    #[arg(long, default_value_t = 50)]
    limit: i64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(command: AuditCommand, settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    match command {
        AuditCommand::Show(args) => {
            let campaign = campaign_named(&app, args.campaign.as_deref()).await?;
            let entries = groundgame_app::register::audit_log(&app, &campaign, args.limit.max(1)).await?;
            if args.json {
                print_json(&entries)?;
            } else {
                for e in entries {
                    println!("{}  {:<28} {:<22} {} ({} rows)", e.at, e.user.unwrap_or_else(|| "-".into()), e.action, e.detail, e.rows);
                }
            }
        }
    }
    app.store.close().await;
    Ok(())
}
