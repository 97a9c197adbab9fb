use std::io::BufRead;

use clap::{Args, Subcommand};
use groundgame_core::access::Role;
use groundgame_store::accounts;

use super::{campaign_named, open_store};
use crate::config::Settings;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add someone to a campaign in a role (creating their account), to bootstrap the first
    /// organiser. Prints a one-time link to choose a password, or reads one from standard input.
    Add(AddArgs),
    /// List the people in a campaign and their roles.
    List(ListArgs),
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
    /// Read the password from the first line of standard input instead of printing an invite link.
    #[arg(long)]
    password_stdin: bool,
    /// The address the server is reached at, to print the invite link in full.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    campaign: Option<String>,
}

pub async fn run(command: UserCommand, settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    match command {
        UserCommand::Add(args) => {
            let mut tx = store.begin().await?;
            let campaign = campaign_named(&mut tx, args.campaign.as_deref()).await?;
            if args.password_stdin {
                let mut password = String::new();
                std::io::stdin().lock().read_line(&mut password)?;
                let password = password.trim_end_matches(['\r', '\n']).to_owned();
                anyhow::ensure!(
                    password.chars().count() >= groundgame_web::auth::MIN_PASSWORD,
                    "the password needs at least {} characters",
                    groundgame_web::auth::MIN_PASSWORD
                );
                let hash = groundgame_web::auth::hash_password(password).await?;
                let user = accounts::add_member(&mut tx, &campaign, &args.email, &args.name, args.role, Some(&hash)).await?;
                tx.commit().await?;
                println!("{} can now sign in to {} as {}.", user.email, campaign.ballot_id, args.role.label());
            } else {
                accounts::normalise_email(&args.email)?;
                tx.commit().await?;
                let link = groundgame_web::auth::create_invite(&store, &campaign, &args.email, &args.name, args.role, None).await?;
                println!(
                    "Invited {} to {} as {}. Send them this one-time link to choose a password (valid {} days):\n{}{}",
                    args.email.trim(),
                    campaign.ballot_id,
                    args.role.label(),
                    groundgame_web::auth::INVITE_DAYS,
                    args.url.trim_end_matches('/'),
                    link
                );
            }
        }
        UserCommand::List(args) => {
            let mut tx = store.begin().await?;
            let campaign = campaign_named(&mut tx, args.campaign.as_deref()).await?;
            let members = accounts::members(&mut tx, &campaign).await?;
            tx.commit().await?;
            for m in members {
                println!("{:<14} {:<30} {}{}", m.role.label(), m.user.email, m.user.name, if m.active { "" } else { " (invited)" });
            }
        }
    }
    store.close().await;
    Ok(())
}
