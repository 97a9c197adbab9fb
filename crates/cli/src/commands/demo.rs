use chrono::Datelike;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use groundgame_app::walks::WalkSize;
use groundgame_app::{accounts, campaigns, canvassing, register, Actor, App};
use groundgame_core::access::Role;
use groundgame_core::geography::GssCode;
use groundgame_store::{DatabaseUrl, Store};

use super::demo_data::{self, Layout, RegisterArgs};
use super::register::{import_file, print_stats, CampaignArgs, FileArgs};
use super::serve::{serve, ServeArgs};
use super::walks::generate_walks;
use crate::config::Settings;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Electors on the synthetic register.
    #[arg(long, default_value_t = 70_000)]
    electors: usize,
    /// The seed of the synthetic register.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where the demo's generated files go.
    #[arg(long, default_value = "groundgame-demo")]
    dir: PathBuf,
    /// Set everything up but do not start the server.
    #[arg(long)]
    setup_only: bool,
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The demo's accounts, one for each role, all with this password.
pub const DEMO_PASSWORD: &str = "doorstep-2017";
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 4] = [
    ("organiser@demo.example", "Olivia Organiser", Role::Organiser),
    ("data@demo.example", "Dev Data-Officer", Role::DataOfficer),
    ("canvasser@demo.example", "Callum Canvasser", Role::Canvasser),
    ("teller@demo.example", "Tess Teller", Role::Teller),
];

/// Derby North, the model seat: lost by 41 votes in 2015, won by 2,015 in 2017.
const DEMO_SEAT: &str = "E14000662";
const DEMO_POLLING_DAY: &str = "2017-06-08";
/// About two hours of canvassing a walk.
const DEMO_DOORS_PER_WALK: usize = 60;

pub async fn run(args: DemoArgs, settings: &Settings) -> anyhow::Result<()> {
    let url = if settings.database_given { settings.database.clone() } else { DatabaseUrl::new("groundgame-demo.db") };
    std::fs::create_dir_all(&args.dir)?;
    let register_file = args.dir.join("derby-north-register.csv");
    let absent_file = args.dir.join("derby-north-absent-voters.csv");
    let summary = demo_data::write(&RegisterArgs {
        constituency: GssCode::parse(DEMO_SEAT).map_err(anyhow::Error::msg)?,
        electors: args.electors,
        seed: args.seed,
        layout: Layout::Xpress13,
        register_date: NaiveDate::from_ymd_opt(2017, 2, 1).expect("valid date"),
        output: register_file.clone(),
        absent_voters: Some(absent_file.clone()),
    })?;
    println!("Wrote a synthetic register of {} electors for Derby North to {}.", summary.electors, register_file.display());

    let app = App::new(Store::open_with(&url, &settings.store).await?, settings.limits.clone());
    let polling_day = NaiveDate::parse_from_str(DEMO_POLLING_DAY, "%Y-%m-%d")?;
    let gss = GssCode::parse(DEMO_SEAT).map_err(anyhow::Error::msg)?;
    let campaign = campaigns::find_or_create(&app, &gss, polling_day).await?;
    let file_args = FileArgs {
        file: register_file,
        campaign: CampaignArgs { campaign: Some(campaign.ballot_id.clone()), json: false },
        map: Vec::new(),
        skip_invalid: false,
        rejects: None,
        accept_unknown_markers: false,
        postcodes: None,
        uprn_coordinates: None,
    };
    let started = std::time::Instant::now();
    let report = import_file(&app, &campaign, &file_args).await?;
    println!(
        "Imported it into {} as campaign {} (register version {}) in {:.2} s.",
        url,
        campaign.ballot_id,
        report.version,
        started.elapsed().as_secs_f64()
    );
    let list = register::read_absent_voters(&absent_file, &Default::default())?;
    let av = register::absent_voters(&app, Actor::CommandLine(&campaign), list, "derby-north-absent-voters.csv", false).await?;
    println!("Imported the absent voters list: {} postal, {} proxy, {} proxy postal.\n", av.postal, av.proxy, av.proxy_postal);

    let campaign = campaigns::named(&app, Some(&campaign.ballot_id)).await?;
    let actor = Actor::CommandLine(&campaign);
    let started = std::time::Instant::now();
    let walks = generate_walks(&app, &campaign, None, WalkSize::DoorsPerWalk(DEMO_DOORS_PER_WALK), 1, false).await?;
    println!(
        "Planned {walks} walks of at most {DEMO_DOORS_PER_WALK} doors across the polling districts in {:.1} s.\n",
        started.elapsed().as_secs_f64()
    );
    let stats = register::stats(&app, actor).await?;
    print_stats(&campaign, &stats);
    let first_district = stats.polling_districts.keys().next().cloned().unwrap_or_default();

    // A survey, accounts for each role, a session and walks for the canvasser.
    canvassing::set_survey(&app, actor, &Default::default()).await?;
    let mut canvasser = None;
    for (email, name, role) in DEMO_ACCOUNTS {
        let user = accounts::add_with_password(&app, &campaign, email, name, role, DEMO_PASSWORD).await?;
        if role == Role::Canvasser {
            canvasser = Some(user.id);
        }
    }
    let session = match canvassing::canvass_sessions(&app, actor).await?.into_iter().next() {
        Some(s) => s,
        None => {
            // Next Saturday morning, so the public 'nearest marginal' page has a session to show.
            let today = chrono::Local::now().date_naive();
            let days_on = match (12 - today.weekday().num_days_from_monday()) % 7 {
                0 => 7,
                d => d,
            };
            let saturday = today + chrono::Days::new(u64::from(days_on));
            let starts_at = format!("{}T10:00", saturday.format("%Y-%m-%d"));
            canvassing::create_canvass_session(&app, actor, "Saturday morning canvass", &starts_at, "Park Farm Centre, Allestree").await?
        }
    };
    let first_walks = groundgame_app::walks::list(&app, actor, Some(&first_district)).await?;
    for w in first_walks.iter().take(3) {
        canvassing::assign(&app, actor, w.id, canvasser, Some(session.id)).await?;
    }
    if groundgame_app::polling_day::places(&app, actor, groundgame_store::polling_day::PlaceKind::PollingStation).await?.is_empty() {
        if let Some(canvasser) = canvasser {
            super::polling_day::set_up_demo(&app, &campaign, canvasser, args.seed).await?;
        }
    }
    // Today's knock-up round of the canvasser's walks (the committee room starts them on polling
    // day), so that their knock-up lists open in the demo.
    let rounds = groundgame_app::polling_day::rounds_today(&app, actor).await?;
    let fresh: Vec<i64> = first_walks.iter().take(3).map(|w| w.id).filter(|id| !rounds.contains_key(id)).collect();
    if !fresh.is_empty() {
        groundgame_app::polling_day::start_rounds(&app, actor, &fresh, None).await?;
    }
    println!("\nAccounts (password for all: {DEMO_PASSWORD}):");
    for (email, _, role) in DEMO_ACCOUNTS {
        println!("  {:<13} {email}", role.label());
    }
    println!("The canvasser has {} walks of {first_district} in the session '{}'.", first_walks.len().min(3), session.name);
    println!("\nTry: groundgame --database {url} register show {first_district}-1");
    println!("     groundgame --database {url} walks list --polling-district {first_district}");
    println!("     groundgame seats targets --party Lab --election 2015 --region 'East Midlands'");
    println!("     groundgame --database {url} seats nearest --postcode 'DE22 1AA' --party Lab --election 2015");
    println!("Pages: /targets (signed in) and /marginals?postcode=DE22+1AA (public: the nearest marginals and this Saturday's session).");
    println!("Polling day: sign in as the organiser and open /committee-room, then in another terminal run");
    println!("     groundgame --database {url} polling-day simulate --minutes 10");
    println!("and watch the committee room come alive; the teller's page is /tell.");
    if args.setup_only {
        app.store.close().await;
        return Ok(());
    }
    println!();
    serve(app, settings).await
}
