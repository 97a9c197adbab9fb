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
    /// Checks the audit log's chain, line by line: each line's hash against its contents and the
    /// line before, nothing missing, nothing added. Prints each campaign's last hash (keep it:
    /// a later check that ends on the same hash shows nothing was rewritten). Exits 1 if any
    /// line fails.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
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
        AuditCommand::Verify(args) => {
            let checks = groundgame_app::privacy::verify_audit_log(&app).await?;
            app.store.close().await;
            let broken: usize = checks.iter().map(|c| c.report.problems.len()).sum();
            if args.json {
                print_json(&checks)?;
            } else {
                for c in &checks {
                    let r = &c.report;
                    let state = if r.problems.is_empty() { "intact" } else { "BROKEN" };
                    println!("{}: {} lines, chain {state}, last hash {}", c.campaign, r.lines, r.head);
                    if r.before_chain > 0 {
                        println!("  {} earlier lines were written before the chain began and are not covered", r.before_chain);
                    }
                    if r.details_removed > 0 {
                        println!("  {} lines had their detail removed by retention (their digests still verify)", r.details_removed);
                    }
                    for p in &r.problems {
                        println!("  {p}");
                    }
                }
                if checks.is_empty() {
                    println!("The audit log has no lines yet.");
                }
            }
            if broken > 0 {
                anyhow::bail!("the audit log does not verify: {broken} problems");
            }
            return Ok(());
        }
    }
    app.store.close().await;
    Ok(())
}
