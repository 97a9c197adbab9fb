//! `polling-day simulate`: replays a simulated polling day into a running server, as its tellers
//! would send it, so that a committee room comes alive. The demo's polling-day set-up is here too.

use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::{Args, Subcommand};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

use groundgame_app::polling_day::PlaceInput;
use groundgame_app::{simulation, Actor, App};
use groundgame_store::campaigns::Campaign;
use groundgame_store::polling_day::PlaceKind;

use super::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD};
use super::{campaign_named, open_app};
use crate::config::Settings;

#[derive(Debug, Subcommand)]
pub enum PollingDayCommand {
    /// Replay a simulated polling day into a running server, as its tellers would send it: who
    /// votes in person and when (most between 4 and 8 pm), about three in ten numbers taken,
    /// 07:00 to 22:00 compressed into a few minutes. Open the committee room to watch.
    Simulate(SimulateArgs),
    /// Import the marked register after an election (who voted: one elector number a line, such
    /// as NA1-124/1) and measure the share of promises who voted, overall and by polling
    /// district. The share becomes the campaign's expected promise turnout.
    MarkedRegister(MarkedArgs),
}

#[derive(Debug, Args)]
pub struct MarkedArgs {
    /// The marked register: one elector number a line (or in the first column of a CSV).
    file: std::path::PathBuf,
    /// The campaign's ballot id (may be left out when there is only one).
    #[arg(long)]
    campaign: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The running server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The campaign's ballot id (may be left out when there is only one).
    #[arg(long)]
    campaign: Option<String>,
    /// How many real minutes the fifteen hours of polling take.
    #[arg(long, default_value_t = 10.0)]
    minutes: f64,
    /// The seed of the simulated day: the same seed replays the same day.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The teller account that sends the numbers.
    #[arg(long, default_value = DEMO_ACCOUNTS[3].0)]
    email: String,
    /// The committee room's account (an organiser), which starts knock-up rounds through the day.
    #[arg(long, default_value = DEMO_ACCOUNTS[0].0)]
    committee_room: String,
    /// How many walks each knock-up round sends knockers to (at 09:30, 13:00, 16:30 and 19:30,
    /// the walks with most promises to vote); 0 starts none.
    #[arg(long, default_value_t = 10)]
    round_walks: usize,
    /// Read the password of both accounts from the first line of standard input (otherwise the demo's).
    #[arg(long)]
    password_stdin: bool,
    /// The committee room account's code from its authenticator app, where the server asks
    /// organisers for a second factor (the demo's server does not).
    #[arg(long)]
    code: Option<String>,
}

/// When the committee room starts its knock-up rounds, in minutes from midnight.
const ROUNDS_AT: [u32; 4] = [9 * 60 + 30, 13 * 60, 16 * 60 + 30, 19 * 60 + 30];

pub async fn run(command: PollingDayCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        PollingDayCommand::Simulate(args) => simulate(args, settings).await,
        PollingDayCommand::MarkedRegister(args) => marked_register(args, settings).await,
    }
}

/// Sets up polling day for a campaign with walks: a polling station for each polling district,
/// a committee room for each group of districts (the letters of their codes: one per ward), and
/// promises from a simulated canvass of every door.
pub async fn set_up_demo(app: &App, campaign: &Campaign, canvasser: i64, seed: u64) -> anyhow::Result<()> {
    let actor = Actor::CommandLine(campaign);
    let started = Instant::now();
    let canvass = simulation::canvass(app, actor, canvasser, seed).await?;
    let districts = groundgame_app::walks::polling_districts(app, actor).await?;
    let mut wards: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for d in &districts {
        let walks = groundgame_app::walks::list(app, actor, Some(d)).await?;
        let street = walks.first().and_then(|w| w.name.split_once(": ").map(|(_, s)| s.split(" / ").next().unwrap_or(s).to_owned()));
        let name = match street {
            Some(s) => format!("{d} {s} community hall"),
            None => format!("{d} polling station"),
        };
        let input = PlaceInput { name, address: String::new(), polling_districts: d.clone() };
        groundgame_app::polling_day::save_place(app, actor, PlaceKind::PollingStation, input).await?;
        let ward: String = d.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        wards.entry(ward).or_default().push(d.clone());
    }
    for (ward, ds) in &wards {
        let input = PlaceInput { name: format!("Committee room {ward}"), address: String::new(), polling_districts: ds.join(", ") };
        groundgame_app::polling_day::save_place(app, actor, PlaceKind::CommitteeRoom, input).await?;
    }
    let promises = groundgame_app::polling_day::promises(app, actor).await?;
    println!(
        "Polling day: a simulated canvass knocked {} doors ({} contacts), making {} promises ({} by post) against {} needed; \
         {} polling stations and {} committee rooms ({:.1} s).",
        canvass.doors,
        canvass.contacts,
        promises.counts.promises,
        promises.counts.postal,
        promises.promises_needed.map_or_else(|| "none".to_owned(), |n| n.to_string()),
        districts.len(),
        wards.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn marked_register(args: MarkedArgs, settings: &Settings) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.file.display()))?;
    let app = open_app(settings).await?;
    let campaign = campaign_named(&app, args.campaign.as_deref()).await?;
    let report = groundgame_app::polling_day::import_marked_register(&app, Actor::CommandLine(&campaign), &text).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let share = |voted: u64, of: u64| if of == 0 { "-".to_owned() } else { format!("{:.0}%", 100.0 * voted as f64 / of as f64) };
    println!("{} numbers on the marked register, {} matched electors of {}.", report.numbers, report.matched, campaign.ballot_id);
    if !report.unmatched.is_empty() {
        println!("Matching nobody (the first {}): {}", report.unmatched.len(), report.unmatched.join(", "));
    }
    println!(
        "{} of {} promises voted ({}): the campaign now expects that share of its promises to vote.",
        report.promises_voted,
        report.promises,
        share(report.promises_voted, report.promises)
    );
    println!("{:<10} {:>9} {:>7} {:>6}", "district", "promises", "voted", "share");
    for (d, p, v) in &report.by_district {
        println!("{d:<10} {p:>9} {v:>7} {:>6}", share(*v, *p));
    }
    println!("\n{:<40} {:>9} {:>7} {:>6}", "canvasser (of the latest contact)", "promises", "voted", "share");
    for (c, p, v) in &report.by_canvasser {
        println!("{c:<40} {p:>9} {v:>7} {:>6}", share(*v, *p));
    }
    Ok(())
}

/// A small client of the running server, keeping the teller's session.
struct Server {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
    cookie: String,
    csrf: String,
}

impl Server {
    /// Signs in at `base` as `email`.
    async fn sign_in(base: &str, email: &str, password: &str, campaign: &str, code: Option<&str>) -> anyhow::Result<Server> {
        let mut server = Server {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base: base.to_owned(),
            cookie: String::new(),
            csrf: String::new(),
        };
        let (status, body, cookies) = server
            .send("POST", "/api/v1/login", &json!({ "email": email, "password": password, "campaign": campaign, "code": code }))
            .await?;
        if status != 200 {
            anyhow::bail!("{email} could not sign in at {base}: {}", body["error"].as_str().unwrap_or("refused"));
        }
        server.cookie =
            cookies.iter().find(|c| c.starts_with("gg_session=")).and_then(|c| c.split(';').next()).unwrap_or_default().to_owned();
        server.csrf = body["csrf_token"].as_str().unwrap_or_default().to_owned();
        Ok(server)
    }

    /// The committee room starts a knock-up round of the walks with most promises to vote: says
    /// how many.
    async fn start_rounds(&self, walks: usize) -> anyhow::Result<usize> {
        let (status, room, _) = self.send("GET", "/api/v1/committee-room", &Value::Null).await?;
        if status != 200 {
            anyhow::bail!("the committee room could not be read ({status}): {}", room["error"].as_str().unwrap_or(""));
        }
        let ids: Vec<i64> = room["walks"].as_array().into_iter().flatten().filter_map(|w| w["walk_id"].as_i64()).take(walks).collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let (status, body, _) = self.send("POST", "/api/v1/knock-up/rounds", &json!({ "walk_ids": ids })).await?;
        if status != 200 {
            anyhow::bail!("the server refused the knock-up round ({status}): {}", body["error"].as_str().unwrap_or(""));
        }
        Ok(ids.len())
    }

    async fn send(&self, method: &str, path: &str, body: &Value) -> anyhow::Result<(u16, Value, Vec<String>)> {
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .header("origin", &self.base)
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .body(Full::new(Bytes::from(body.to_string())))?;
        let response = self.client.request(request).await.map_err(|e| anyhow::anyhow!("cannot reach the server at {}: {e}", self.base))?;
        let status = response.status().as_u16();
        let cookies = response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), cookies))
    }
}

async fn simulate(args: SimulateArgs, settings: &Settings) -> anyhow::Result<()> {
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        DEMO_PASSWORD.to_owned()
    };
    if !(0.1..=900.0).contains(&args.minutes) {
        anyhow::bail!("--minutes is how long the day takes: from 0.1 to 900");
    }
    // Who votes and when comes from the campaign's own register and canvass.
    let app = open_app(settings).await?;
    let campaign = campaign_named(&app, args.campaign.as_deref()).await?;
    let voters = simulation::polling_day(&app, Actor::CommandLine(&campaign), args.seed).await?;
    app.store.close().await;
    let told: Vec<_> = voters.iter().filter(|v| v.told).collect();

    let base = args.url.trim_end_matches('/');
    let server = Server::sign_in(base, &args.email, &password, &campaign.ballot_id, None).await?;
    let room = match args.round_walks {
        0 => None,
        _ => Some(Server::sign_in(base, &args.committee_room, &password, &campaign.ballot_id, args.code.as_deref()).await?),
    };
    println!(
        "{} electors vote in person, {} of them promises; tellers take {} numbers. Polling day runs 07:00 to 22:00 in {} minutes.",
        voters.len(),
        voters.iter().filter(|v| v.promise).count(),
        told.len(),
        args.minutes
    );

    // Simulated minutes of the day per real second.
    let pace = 15.0 * 60.0 / (args.minutes * 60.0);
    let start = Instant::now();
    let open = f64::from(groundgame_core::polling_day::POLLS_OPEN_HOUR * 60);
    let (mut sent, mut next, mut hour_said, mut kept_aside, mut rounds) = (0usize, 0usize, 0u32, 0usize, 0usize);
    while next < told.len() {
        let now_minute = open + start.elapsed().as_secs_f64() * pace;
        if let Some(room) = &room {
            if rounds < ROUNDS_AT.len() && now_minute >= f64::from(ROUNDS_AT[rounds]) {
                let walks = room.start_rounds(args.round_walks).await?;
                let at = ROUNDS_AT[rounds];
                println!("  {:02}:{:02}  the committee room sends knockers round {walks} walks", at / 60, at % 60);
                rounds += 1;
            }
        }
        let due = told[next..].iter().take_while(|v| f64::from(v.minute) <= now_minute).count().min(500);
        if due == 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let entries: Vec<Value> = told[next..next + due]
            .iter()
            .map(|v| {
                json!({
                    "id": uuid::Uuid::now_v7(),
                    "polling_district": v.polling_district,
                    "number": v.number,
                    "recorded_at": format!("{}T{:02}:{:02}:00+01:00", campaign.election_date, v.minute / 60, v.minute % 60),
                })
            })
            .collect();
        let (status, body, _) = server.send("POST", "/api/v1/tellings", &json!({ "entries": entries })).await?;
        if status != 200 {
            anyhow::bail!("the server refused the tellers' numbers ({status}): {}", body["error"].as_str().unwrap_or(""));
        }
        kept_aside += body["unknown"].as_array().map_or(0, Vec::len);
        next += due;
        sent += due;
        let hour = told[next - 1].minute / 60;
        if hour > hour_said {
            hour_said = hour;
            println!("  {hour:02}:00  {sent} numbers sent");
        }
    }
    println!(
        "Polls closed at 22:00: {sent} numbers sent in {:.0} s ({kept_aside} kept aside as matching nobody).",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
