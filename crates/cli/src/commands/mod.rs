//! The subcommands. Each module owns its arguments and how it runs.

use clap::Subcommand;
use groundgame_app::App;
use groundgame_store::campaigns::Campaign;
use groundgame_store::Store;

use crate::config::Settings;

/// `audit show`: a campaign's audit log.
mod audit;
/// `backup`: a copy of the database while it runs.
mod backup;
/// `campaign create`, `campaign list`.
mod campaign;
/// `config show`: the settings in effect.
mod config;
/// `demo`: the demo seat, end to end.
mod demo;
/// `demo-data register`: synthetic registers.
mod demo_data;
/// `polling-day simulate`: a polling day replayed into a running server.
mod polling_day;
/// `postcodes import`: postcode centroids for the whole country.
mod postcodes;
/// `privacy retention|retain|object|objections|export|erase`: data protection.
mod privacy;
/// `register import|update|absent-voters|stats|show`.
mod register;
/// `results import|list`: general election results.
mod results;
/// `seats targets|defence|project|backtest|nearest|deploy`: targeting.
mod seats;
/// `serve`: the web app and API.
mod serve;
/// `user add|list|reset`: accounts and roles.
mod user;
/// `walks plan|score`: the walk planner on CSV files.
mod walks;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Campaigns: one election in one constituency.
    #[command(subcommand)]
    Campaign(campaign::CampaignCommand),
    /// The electoral register: import, updates, absent voters, statistics.
    #[command(subcommand)]
    Register(register::RegisterCommand),
    /// Walks: cut doors into walks and order them for the least walking.
    #[command(subcommand)]
    Walks(walks::WalksCommand),
    /// Synthetic data for demos, tests and benchmarks (never real voters).
    #[command(subcommand, name = "demo-data")]
    DemoData(demo_data::DemoDataCommand),
    /// General election results: bundled 2010 to 2024, and imports of others.
    #[command(subcommand)]
    Results(results::ResultsCommand),
    /// Targeting: marginal seats, swing, projections, backtests, the nearest marginal and
    /// deployment of volunteers.
    #[command(subcommand)]
    Seats(seats::SeatsCommand),
    /// Polling day: replay a simulated day into a running server.
    #[command(subcommand, name = "polling-day")]
    PollingDay(polling_day::PollingDayCommand),
    /// Postcode centroids (ONSPD or Code-Point Open) for finding places across the country.
    #[command(subcommand)]
    Postcodes(postcodes::PostcodesCommand),
    /// Serve the web app, the API and the canvasser app.
    Serve(serve::ServeArgs),
    /// Accounts: add people to a campaign in a role.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Set up the demo seat (Derby North): a synthetic register, walks, a survey and an account
    /// for each role, then serve it.
    Demo(demo::DemoArgs),
    /// The audit log: who read or changed what, and when; and its chain checked.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Data protection: retention, objections, subject access and erasure.
    #[command(subcommand)]
    Privacy(privacy::PrivacyCommand),
    /// Copy the SQLite database to a file while servers go on using it.
    Backup(backup::BackupArgs),
    /// The settings in effect: each with its value and where it came from.
    #[command(subcommand)]
    Config(config::ConfigCommand),
}

impl Command {
    /// The server's flags, for the commands that serve.
    pub fn serve_args(&self) -> Option<&serve::ServeArgs> {
        match self {
            Command::Serve(a) => Some(a),
            Command::Demo(d) => Some(&d.serve),
            _ => None,
        }
    }
}

pub async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Campaign(c) => campaign::run(c, &settings).await,
        Command::Register(c) => register::run(c, &settings).await,
        Command::Walks(c) => walks::run(c, &settings).await,
        Command::DemoData(c) => demo_data::run(c),
        Command::Results(c) => results::run(c, &settings).await,
        Command::Seats(c) => seats::run(c, &settings).await,
        Command::Postcodes(c) => postcodes::run(c, &settings).await,
        Command::PollingDay(c) => polling_day::run(c, &settings).await,
        Command::Serve(args) => serve::run(args, &settings).await,
        Command::User(c) => user::run(c, &settings).await,
        Command::Demo(args) => demo::run(args, &settings).await,
        Command::Audit(c) => audit::run(c, &settings).await,
        Command::Privacy(c) => privacy::run(c, &settings).await,
        Command::Backup(args) => backup::run(args, &settings).await,
        Command::Config(c) => config::run(c, &settings),
    }
}

pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    Ok(Store::open_with(&settings.database, &settings.store).await?)
}

/// The use cases over the settings' database, with the settings' limits.
pub async fn open_app(settings: &Settings) -> anyhow::Result<App> {
    Ok(App::new(open_store(settings).await?, settings.limits.clone()).with_mail(settings.mail.clone()).with_sms(settings.sms.clone()))
}

/// The campaign a command names with `--campaign`, or the only campaign when there is one.
pub async fn campaign_named(app: &App, name: Option<&str>) -> anyhow::Result<Campaign> {
    Ok(groundgame_app::campaigns::named(app, name).await?)
}
