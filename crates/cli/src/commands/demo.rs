use chrono::Datelike;
use std::path::PathBuf;

use anyhow::Context;
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

    // The demo's accounts sign in with the printed password alone, so that anyone can try every
    // role; a real campaign's organisers and data officers also set up a second factor.
    let limits = groundgame_app::Limits { two_factor_required: false, ..settings.limits.clone() };
    let app =
        App::new(Store::open_with(&url, &settings.store).await?, limits).with_mail(settings.mail.clone()).with_sms(settings.sms.clone());
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
    canvassing::set_survey(&app, actor, &demo_survey()).await?;
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
    let volunteers = set_up_volunteers(&app, &campaign, session.id).await?;
    let texting = match (canvasser, first_walks.first()) {
        (Some(c), Some(w)) => set_up_texting(&app, &campaign, c, w.id).await?,
        _ => 0,
    };
    let calling = match (canvasser, first_walks.get(1)) {
        (Some(c), Some(w)) => set_up_calling(&app, &campaign, c, w.id, &first_district).await?,
        _ => None,
    };
    println!("\nAccounts (password for all: {DEMO_PASSWORD}; the demo asks no second factor, which `groundgame serve` asks of organisers and data officers):");
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
    println!(
        "\nVolunteers: {} signed up to '{}' ({} with a place, {} waiting); its check-in is /sessions/{}/check-in.",
        volunteers.signed_up, session.name, volunteers.booked, volunteers.waiting, session.id
    );
    println!("  The public sign-up page: /join/{}   A supporter's share link to try: {}", campaign.ballot_id, volunteers.share_link);
    println!("  That supporter's own page (the link in their emails; their posts to share, a friend talked to): {}", volunteers.own_page);
    println!("  Supporters, the leaderboard and conversations with friends: /supporters; posts, the feed and the form other sites may embed: /posts.");
    println!("  The campaign's feed: /join/{0}/feed.atom   The form to embed: /join/{0}/embed   Sessions near a postcode: /join/{0}?postcode=DE22+2JN", campaign.ballot_id);
    if settings.mail.is_on() {
        println!("  Mail goes to the SMTP server set (smtp_url).");
    } else {
        println!("  Mail is off. To watch it, start a local SMTP catcher that prints every message:");
        println!("     python3 -m pip install aiosmtpd && python3 -m aiosmtpd -n -l 127.0.0.1:1025");
        println!("  and run the demo with --smtp-url smtp://127.0.0.1:1025: the mail queued so far is sent then.");
    }
    println!(
        "Texting: the canvasser's texts (/texts) to {texting} electors of their first walk who agreed to texts; the organiser writes the templates and sees every thread and the opt-outs there."
    );
    if let Some(c) = calling {
        println!(
            "Phone banking: the call list '{}' (/calls): {} people with a number the canvasser may call now; {} numbers of the walk are on the TPS file loaded (/register/screening), and only the one whose owner agreed to calls is offered.",
            c.name, c.ready, c.screened
        );
    }
    if settings.sms.is_on() {
        println!("  Texts go through the SMS provider set (sms.base_url).");
    } else {
        println!(
            "  No SMS provider is set: the texts wait in the outbox, and the page says so. docs/CONFIGURATION.md shows how to set one."
        );
    }
    println!("For whoever runs the server: /api/v1/health (public: the database and its schema version) and /metrics (the organiser: Prometheus metrics); docs/OPERATIONS.md.");
    if args.setup_only {
        app.store.close().await;
        return Ok(());
    }
    println!();
    serve(app, settings).await
}

/// What the demo's volunteers came to.
struct DemoVolunteers {
    signed_up: usize,
    booked: usize,
    waiting: usize,
    share_link: String,
    own_page: String,
}

/// The demo session's details, a dozen supporters signed up to it through the public path (the
/// first one's share link bringing the others), and its places full with two waiting.
async fn set_up_volunteers(app: &App, campaign: &groundgame_store::campaigns::Campaign, session_id: i64) -> anyhow::Result<DemoVolunteers> {
    use groundgame_app::volunteers::{self, SessionForm, SignUp};
    let actor = Actor::CommandLine(campaign);
    let view = volunteers::sessions(app, actor).await?.into_iter().find(|s| s.session.id == session_id).context("the demo session")?;
    let slot = view.slots.first().context("the demo session's time")?.clone();
    let organiser = accounts::members(app, actor).await?.into_iter().find(|m| m.role == Role::Organiser).map(|m| m.user.id);
    if view.session.address.is_empty() {
        let form = SessionForm {
            name: view.session.name.clone(),
            meeting_point: "Park Farm Centre, Allestree".into(),
            address: "Community room, Park Farm Centre, Park Farm Drive, Allestree".into(),
            postcode: Some(groundgame_core::geography::demo_postcodes()[0].0.as_str().to_owned()),
            details: "Walks and clipboards are handed out at 10:00; we pair newcomers with someone who has canvassed before.".into(),
            host_user_id: organiser,
            starts_at: slot.starts_at.clone(),
            ends_at: slot.ends_at.clone(),
            capacity: 10,
        };
        volunteers::edit_session(app, actor, session_id, slot.id, &form).await?;
    }
    const PEOPLE: [&str; 12] = [
        "Asha Patel",
        "Ben Okoro",
        "Chloe Evans",
        "Dan Murphy",
        "Ella Singh",
        "Femi Adeyemi",
        "Grace Walsh",
        "Harry Kaur",
        "Isla Brown",
        "Jack Nowak",
        "Kiran Shah",
        "Lily Hughes",
    ];
    let mut first_secret = None;
    let mut share = None;
    for (i, name) in PEOPLE.iter().enumerate() {
        let email = demo_email(name);
        let form = SignUp {
            name: (*name).into(),
            email: email.clone(),
            postcode: Some("DE22 2JN".into()),
            consent_email: i % 3 != 2,
            campaign: Some(campaign.ballot_id.clone()),
            session_id: Some(session_id),
            share_code: share.clone(),
            ..SignUp::default()
        };
        volunteers::sign_up(app, &form, "demo").await?;
        let secret = volunteers::secret_of(app, campaign, &email).await?.context("the demo volunteer")?;
        volunteers::confirm(app, &secret).await?;
        if i == 0 {
            let page = volunteers::own_page(app, &secret).await?;
            share = page
                .share_links
                .iter()
                .find(|(what, _)| what.starts_with(&view.session.name))
                .map(|(_, p)| p.trim_start_matches("/s/").to_owned());
            first_secret = Some(secret);
        }
    }
    // Posts for supporters to share, once.
    if groundgame_app::posts::list(app, actor).await?.is_empty() {
        for (title, body, link) in [
            (
                "We lost Derby North by 41 votes",
                "In 2015 this seat was lost by 41 votes: fewer than live on one street. One Saturday morning on the doorstep is how it is won back.",
                "",
            ),
            ("Saturday: canvassing from Park Farm", "Meet at 10:00 at Park Farm Centre. No experience needed: we pair you with someone who has done it before.", "https://www.example.org/manifesto"),
        ] {
            let form = groundgame_app::posts::PostForm { title: title.into(), body: body.into(), link_url: link.into(), image: None };
            groundgame_app::posts::publish(app, actor, &form).await?;
        }
    }
    // A lift: Ben drives from Allestree, Chloe asks for a seat; both say yes.
    let ben = volunteers::secret_of(app, campaign, &demo_email("Ben Okoro")).await?.context("Ben")?;
    let chloe = volunteers::secret_of(app, campaign, &demo_email("Chloe Evans")).await?.context("Chloe")?;
    if volunteers::own_page(app, &ben).await?.lifts.is_empty() {
        let from = groundgame_core::geography::demo_postcodes()[1].0.as_str().to_owned();
        groundgame_app::lifts::offer(app, &ben, session_id, &from, 3).await?;
        groundgame_app::lifts::ask(app, &chloe, session_id, "DE22 2JN").await?;
        if let Some(p) = volunteers::own_page(app, &chloe).await?.lifts.first().and_then(|l| l.paired.first()).cloned() {
            groundgame_app::lifts::answer(app, &chloe, p.offer_id, p.ask_id, true).await?;
            groundgame_app::lifts::answer(app, &ben, p.offer_id, p.ask_id, true).await?;
        }
    }
    // Relational organising: Asha (under 25) talks to an older neighbour on the register.
    if let Some(asha) = &first_secret {
        if volunteers::own_page(app, asha).await?.friends.is_empty() {
            groundgame_app::relational::set_age_band(app, asha, "under_25").await?;
            let district = groundgame_app::walks::polling_districts(app, actor).await?.into_iter().next().context("a polling district")?;
            let elector = groundgame_app::register::show_elector(app, actor, &format!("{district}-1")).await?;
            let name = format!("{} {}", elector.forename.unwrap_or_default(), elector.surname.unwrap_or_default());
            groundgame_app::relational::add_friend(app, asha, &name, "65_over").await?;
            let page = volunteers::own_page(app, asha).await?;
            if let Some(f) = page.friends.first() {
                if let Some(s) = f.suggestions.first() {
                    groundgame_app::relational::choose(app, asha, f.id, Some(s.elector_id)).await?;
                    let survey = groundgame_app::canvassing::survey(app, actor).await?;
                    if let Some(q) = survey.questions.first() {
                        let answer = q.choices.first().map(|c| c.code.clone()).unwrap_or_default();
                        let answers = std::collections::BTreeMap::from([(q.key.clone(), answer)]);
                        groundgame_app::relational::talk(app, asha, f.id, answers, "Talked over the garden fence").await?;
                    }
                }
            }
        }
    }
    let after = volunteers::sessions(app, actor).await?.into_iter().find(|s| s.session.id == session_id).context("the demo session")?;
    let t = after.slots.first().context("the demo session's time")?;
    Ok(DemoVolunteers {
        signed_up: PEOPLE.len(),
        booked: t.booked as usize,
        waiting: t.waiting as usize,
        share_link: share.map(|c| format!("/s/{c}")).unwrap_or_default(),
        own_page: first_secret.map(|s| format!("/v/{s}")).unwrap_or_default(),
    })
}

/// The usual script with the talking points a campaign writes: for each top issue, and for the
/// objections canvassers hear most.
fn demo_survey() -> groundgame_core::survey::Survey {
    use groundgame_core::survey::{Choice, Question, Survey, TOP_ISSUE};
    let mut survey = Survey::default();
    let points = |code: &str| -> &'static str {
        match code {
            "NHS" => "Waiting lists are the longest they have been. Our plan: more GPs, and no one waiting more than 18 weeks for treatment.",
            "Cost" => "Wages have not kept up with prices. A real living wage, and help with energy bills for those who need it most.",
            "Housing" => "Rents take half of many people's pay here. We will build council homes again and stop no-fault evictions.",
            "Schools" => "Class sizes are up and budgets down. Every school properly funded, and free school meals for every primary pupil.",
            "Jobs" => "Good jobs for Derby: back the railway works and Rolls-Royce suppliers, apprenticeships for every young person who wants one.",
            "Crime" => "Neighbourhood police back on the beat, and youth services that keep young people out of trouble.",
            "Brexit" => "Whatever you voted, we will get a deal that protects jobs here and keeps trade moving.",
            _ => "",
        }
    };
    for q in survey.questions.iter_mut().filter(|q| q.key == TOP_ISSUE) {
        for c in &mut q.choices {
            c.talking_points = points(&c.code).to_owned();
        }
    }
    let objection = |code: &str, label: &str, say: &str| Choice {
        code: code.into(),
        label: label.into(),
        whole_door: false,
        talking_points: say.into(),
    };
    survey.questions.push(Question {
        key: "objection".into(),
        label: "What puts them off".into(),
        choices: vec![
            objection("same", "You're all the same", "Ask what would make a difference to them, then say what we would do about it. This seat was decided by 41 votes: it is not all the same."),
            objection("no_point", "My vote won't change anything", "Derby North was won by 41 votes in 2015. A few streets decide it."),
            objection("not_sure", "Don't know enough", "Offer a leaflet and say what we stand for on the issue they care about most."),
        ],
    });
    survey
}

/// A demo supporter's address: "Ben Okoro" is ben.okoro@volunteer.example.
fn demo_email(name: &str) -> String {
    format!("{}@volunteer.example", name.to_lowercase().replace(' ', "."))
}

/// Two texting templates, a dozen electors of the canvasser's first walk with a number and their
/// consent to texts (numbers from Ofcom's range for drama, 07700 900000-900999, which reach no
/// one), and a first text to half of them from the canvasser, sent this evening if it is now out
/// of hours. Once only: a second run finds the templates and leaves it. How many were texted.
async fn set_up_texting(app: &App, campaign: &groundgame_store::campaigns::Campaign, canvasser: i64, walk: i64) -> anyhow::Result<usize> {
    use groundgame_app::texting::{self, Recipient};
    let actor = Actor::CommandLine(campaign);
    if !texting::templates(app, actor).await?.is_empty() {
        return Ok(0);
    }
    let saturday = texting::add_template(
        app,
        actor,
        "Saturday's session",
        "Hi {first_name}, it's {campaign}. We're out on the doorstep in your street on Saturday: is there anything you'd like us to hear?",
    )
    .await?;
    texting::add_template(
        app,
        actor,
        "Polling day",
        "Hi {first_name}, polling day is today. Your polling station: {polling_station}. Can we count on your vote?",
    )
    .await?;
    let sheet = canvassing::paper(app, actor, walk, "demo_texting").await?;
    let electors: Vec<_> = sheet.doors.iter().flat_map(|d| d.electors.iter()).take(12).collect();
    for (i, e) in electors.iter().enumerate() {
        texting::add_elector_phone(app, actor, &e.number, &format!("07700 900{:03}", 100 + i), true, false, "doorstep").await?;
    }
    let member = demo_member(app, campaign, canvasser, Role::Canvasser).await?;
    let now = chrono::Utc::now();
    let at = match groundgame_core::texting::sending_hours(now) {
        Ok(()) => now,
        // Out of hours: as if sent at 20:00 UK time, the last evening.
        Err(next) => next - chrono::Duration::hours(13),
    };
    let mut sent = 0;
    for e in electors.iter().step_by(2) {
        texting::send(app, Actor::Member(&member), Recipient::Elector(e.id), saturday.id, at).await?;
        sent += 1;
    }
    Ok(sent)
}

/// What the demo's call list came to.
struct DemoCalling {
    name: String,
    ready: i64,
    screened: usize,
}

/// Numbers for forty electors of the canvasser's second walk (from Ofcom's range for drama, like
/// the texting numbers), a few of them agreeing to calls; a TPS file with four of those numbers
/// (one whose owner agreed to calls); a call list of the first polling district, and one of
/// promises not yet voted for polling day; and two calls made by the canvasser. Once only: a second run finds the lists and leaves them.
async fn set_up_calling(
    app: &App,
    campaign: &groundgame_store::campaigns::Campaign,
    canvasser: i64,
    walk: i64,
    district: &str,
) -> anyhow::Result<Option<DemoCalling>> {
    use groundgame_app::calling::{self, CallRecord, NewCallList};
    use groundgame_core::calling::{CallFilter, Outcome, Screen};
    let actor = Actor::CommandLine(campaign);
    if !calling::lists(app, actor).await?.is_empty() {
        return Ok(None);
    }
    let sheet = canvassing::paper(app, actor, walk, "demo_calling").await?;
    let electors: Vec<_> = sheet.doors.iter().flat_map(|d| d.electors.iter()).take(40).collect();
    let mut tps = String::new();
    for (i, e) in electors.iter().enumerate() {
        let number = format!("07700 900{:03}", 200 + i);
        groundgame_app::texting::add_elector_phone(app, actor, &e.number, &number, false, i == 3, "doorstep").await?;
        if [3, 7, 17, 27].contains(&i) {
            tps.push_str(&number.replace(' ', ""));
            tps.push('\n');
        }
    }
    let screened = calling::upload_screening(app, actor, Screen::Tps, &tps).await? as usize;
    // The demo's canvass has just talked to most doors, so the list is the whole district: those
    // with a number are ready to call, the rest wait for one.
    let name = format!("Everyone in {district}");
    let filter = CallFilter { districts: vec![district.to_owned()], ..CallFilter::default() };
    let list = calling::create_list(app, actor, NewCallList { name: &name, filter, goal: 30, cooldown_hours: 4 }).await?;
    let polling_day = CallFilter { promises_not_voted: true, ..CallFilter::default() };
    calling::create_list(
        app,
        actor,
        NewCallList { name: "Polling day: promises not yet voted", filter: polling_day, goal: 0, cooldown_hours: 1 },
    )
    .await?;
    let member = demo_member(app, campaign, canvasser, Role::Canvasser).await?;
    let now = chrono::Utc::now();
    for outcome in [Outcome::NoAnswer, Outcome::LeftMessage] {
        if let Some(call) = calling::next(app, Actor::Member(&member), list.list.id, now).await? {
            let record = CallRecord { outcome: Some(outcome), ..CallRecord::default() };
            calling::record(app, Actor::Member(&member), list.list.id, call.elector_id, record, now).await?;
        }
    }
    let ready = calling::lists(app, actor).await?.into_iter().find(|l| l.list.id == list.list.id).map(|l| l.standing.ready).unwrap_or(0);
    Ok(Some(DemoCalling { name, ready, screened }))
}

/// A demo account as a member signed in to the campaign, for what the demo does in their name.
async fn demo_member(
    app: &App,
    campaign: &groundgame_store::campaigns::Campaign,
    user_id: i64,
    role: Role,
) -> anyhow::Result<groundgame_app::Member> {
    let mut tx = app.store.begin().await?;
    let (user, _) = groundgame_store::accounts::user_credentials(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(groundgame_app::Member { user, role, campaign: campaign.clone(), csrf_token: String::new(), session: String::new() })
}
