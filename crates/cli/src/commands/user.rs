use std::io::BufRead;

use clap::{Args, Subcommand};
use groundgame_app::{accounts, Actor};
use groundgame_core::access::Role;

use super::{campaign_named, open_app};
use crate::config::Settings;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add someone to a campaign in a role, to bootstrap the first organiser. Prints a one-time
    /// invite link, or with --password-stdin sets the password read from standard input.
    Add(AddArgs),
    /// List the people in a campaign and their roles.
    List(ListArgs),
    /// Print a one-time link for someone in a campaign to choose a new password (an organiser
    /// locked out, say). Every session of the account ends when it is used.
    Reset(ResetArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Their email address: what they sign in with.
    email: String,
    /// The campaign's ballot id (may be left out when there is only one).
    #[arg(long)]
    campaign: Option<String>,
    /// organiser, data_officer, canvasser or teller.
    #[arg(long)]
    role: Role,
    /// Their name as others see it.
    #[arg(long, default_value = "")]
    name: String,
    /// Read the password from the first line of standard input instead of printing an invite
    /// link. For an existing account this replaces its password and ends its sessions.
    #[arg(long)]
    password_stdin: bool,
    /// The address the server is reached at, to print the link in full.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    campaign: Option<String>,
}

#[derive(Debug, Args)]
pub struct ResetArgs {
    /// Their email address.
    email: String,
    /// A campaign they are in (may be left out when there is only one).
    #[arg(long)]
    campaign: Option<String>,
    /// The address the server is reached at, to print the link in full.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Also turn off their two-factor sign-in (a lost phone and no recovery codes): they set it
    /// up again at their next sign-in.
    #[arg(long)]
    two_factor: bool,
}

pub async fn run(command: UserCommand, settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    match command {
        UserCommand::Add(args) => {
            let campaign = campaign_named(&app, args.campaign.as_deref()).await?;
            if args.password_stdin {
                let mut password = String::new();
                std::io::stdin().lock().read_line(&mut password)?;
                let password = password.trim_end_matches(['\r', '\n']).to_owned();
                let user = accounts::add_with_password(&app, &campaign, &args.email, &args.name, args.role, &password).await?;
                println!("{} can now sign in to {} as {}.", user.email, campaign.ballot_id, args.role.label());
            } else {
                let link = accounts::invite(&app, Actor::CommandLine(&campaign), &args.email, &args.name, args.role).await?;
                println!(
                    "Invited {} to {} as {}. Send them this one-time link (valid {} days); if they already have an account they join \
                     with its password:\n{}{}",
                    args.email.trim(),
                    campaign.ballot_id,
                    args.role.label(),
                    app.limits.invite_days,
                    args.url.trim_end_matches('/'),
                    link
                );
            }
        }
        UserCommand::List(args) => {
            let campaign = campaign_named(&app, args.campaign.as_deref()).await?;
            for m in accounts::members(&app, Actor::CommandLine(&campaign)).await? {
                println!("{:<14} {:<30} {}{}", m.role.label(), m.user.email, m.user.name, if m.active { "" } else { " (no password yet)" });
            }
        }
        UserCommand::Reset(args) => {
            let campaign = campaign_named(&app, args.campaign.as_deref()).await?;
            let email = groundgame_store::accounts::normalise_email(&args.email)?;
            let members = accounts::members(&app, Actor::CommandLine(&campaign)).await?;
            let Some(m) = members.iter().find(|m| m.user.email == email) else {
                anyhow::bail!("{email} is not in {}: `groundgame user list` shows who is", campaign.ballot_id);
            };
            if args.two_factor {
                let cleared = accounts::clear_second_factor(&app, m.user.id).await?;
                println!(
                    "{}",
                    if cleared {
                        "Two-factor sign-in is off: it is set up again at the next sign-in."
                    } else {
                        "They had no two-factor sign-in."
                    }
                );
            }
            let link = accounts::issue_reset(&app, Actor::CommandLine(&campaign), m.user.id).await?;
            println!(
                "Send this one-time link to {email} (valid {} hours) to choose a new password:\n{}{}",
                app.limits.reset_hours,
                args.url.trim_end_matches('/'),
                link
            );
        }
    }
    app.store.close().await;
    Ok(())
}
