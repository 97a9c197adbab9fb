//! The binary as people use it: every command's help, the register's whole flow, errors that name
//! the line, and an import killed half-way.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn groundgame(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_groundgame"));
    c.arg("--database").arg(db).env_remove("GROUNDGAME_DATABASE_URL").env_remove("GROUNDGAME_CAMPAIGN").env("GROUNDGAME_LOG", "error");
    c
}

fn run(db: &Path, args: &[&str]) -> Output {
    groundgame(db).args(args).output().expect("the binary runs")
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn stats(db: &Path) -> serde_json::Value {
    serde_json::from_str(&ok(db, &["register", "stats", "--json"])).unwrap()
}

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        Workspace { dir: tempfile::tempdir().unwrap() }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn db(&self) -> PathBuf {
        self.path("gg.db")
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

#[test]
fn every_command_has_help() {
    let w = Workspace::new();
    for args in [
        vec![],
        vec!["campaign"],
        vec!["campaign", "create"],
        vec!["campaign", "list"],
        vec!["register"],
        vec!["register", "import"],
        vec!["register", "update"],
        vec!["register", "absent-voters"],
        vec!["register", "stats"],
        vec!["register", "show"],
        vec!["demo-data"],
        vec!["demo-data", "register"],
        vec!["demo-data", "doors"],
        vec!["walks"],
        vec!["walks", "plan"],
        vec!["walks", "score"],
        vec!["walks", "generate"],
        vec!["walks", "list"],
        vec!["walks", "show"],
        vec!["walks", "export"],
        vec!["demo"],
        vec!["demo-data", "volunteers"],
        vec!["results"],
        vec!["results", "import"],
        vec!["results", "list"],
        vec!["seats"],
        vec!["seats", "targets"],
        vec!["seats", "defence"],
        vec!["seats", "project"],
        vec!["seats", "backtest"],
        vec!["seats", "nearest"],
        vec!["seats", "deploy"],
        vec!["postcodes"],
        vec!["postcodes", "import"],
        vec!["user"],
        vec!["user", "add"],
        vec!["user", "list"],
        vec!["user", "reset"],
        vec!["serve"],
        vec!["polling-day"],
        vec!["polling-day", "simulate"],
        vec!["polling-day", "marked-register"],
        vec!["audit"],
        vec!["audit", "show"],
        vec!["audit", "verify"],
        vec!["privacy"],
        vec!["privacy", "retention"],
        vec!["privacy", "retain"],
        vec!["privacy", "object"],
        vec!["privacy", "objections"],
        vec!["privacy", "export"],
        vec!["privacy", "erase"],
        vec!["backup"],
        vec!["config"],
        vec!["config", "show"],
    ] {
        let mut a = args.clone();
        a.push("--help");
        let text = ok(&w.db(), &a);
        assert!(text.contains("Usage: groundgame"), "{args:?}: {text}");
    }
    assert!(!w.db().exists(), "help opens no database");
}

#[test]
fn the_register_flow_from_the_command_line() {
    let w = Workspace::new();
    let db = w.db();
    let register = w.path("register.csv");
    let av = w.path("av.csv");
    let r = register.to_str().unwrap();
    ok(&db, &["demo-data", "register", "--electors", "3000", "--seed", "5", "--output", r, "--absent-voters", av.to_str().unwrap()]);

    let id = ok(&db, &["campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"]);
    assert_eq!(id.trim(), "parl.derby-north.2017-06-08");
    let again = run(&db, &["campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let report: serde_json::Value = serde_json::from_str(&ok(&db, &["register", "import", r, "--campaign", id.trim(), "--json"])).unwrap();
    assert_eq!(report["electors"], 3000);
    ok(&db, &["register", "absent-voters", av.to_str().unwrap()]);
    let s = stats(&db);
    for key in ["electors", "households", "eligible", "attainers", "postal_voters", "polling_districts"] {
        assert!(s.get(key).is_some(), "stats --json has {key}: {s}");
    }
    assert_eq!(s["electors"], 3000);
    let postal = s["postal_voters"].as_u64().unwrap();
    assert!((300..900).contains(&postal), "about one in five vote by post: {postal}");
    let first_district = s["polling_districts"].as_object().unwrap().keys().next().unwrap().clone();

    let shown = ok(&db, &["register", "show", &format!("{first_district}-1"), "--json"]);
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["elector_number"], format!("{first_district}-1"));
    let missing = run(&db, &["register", "show", &format!("{first_district}-99999")]);
    assert!(!missing.status.success());

    // A notice of alteration in the monthly layout.
    let notice = w.write(
        "notice.csv",
        &format!(
            "ChangeType,ElectorNumber,MarkersRegisterText,ElectorDOB,ElectorSurname,ElectorForename,PropertyAddress1,PropertyAddress2,PropertyAddress3,PropertyAddress4,PropertyAddress5,PropertyPostCode\r\n\
             A,{first_district}-9000,,,Newcomer,Nia,99 New Street,Derby,,,,DE22 1AA\r\n"
        ),
    );
    let out = ok(&db, &["register", "update", notice.to_str().unwrap()]);
    assert!(out.contains("1 added"), "{out}");
    assert_eq!(stats(&db)["electors"], 3001);
}

#[test]
fn a_bad_file_names_the_line_and_writes_nothing() {
    let w = Workspace::new();
    let db = w.db();
    ok(&db, &["campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"]);
    let header = "Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Name,PostCode,Address1,Address2,Address3,Address4,Address5,Address6\n";
    let bad = w.write(
        "bad.csv",
        &format!("{header}NA1,1,0,,,\"Smith, Ann\",DE22 1AA,1 Duffield Road,,,,,\nNA1,2,0,,,\"Smith, Bob\",XX1,1 Duffield Road,,,,,\nNA1,,0,,,\"Smith, Cy\",DE22 1AA,1 Duffield Road,,,,,\n"),
    );
    let out = run(&db, &["register", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3, column 'PostCode': malformed postcode"), "{err}");
    assert!(err.contains("line 4, column 'Elector Number': missing elector number"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(stats(&db)["electors"], 0);

    let out = ok(&db, &["register", "import", bad.to_str().unwrap(), "--skip-invalid"]);
    assert!(out.contains("Imported 1 electors"), "{out}");
    let rejects = std::fs::read_to_string(w.path("bad.csv.rejects.csv")).unwrap();
    assert!(rejects.starts_with("line,column,reason,Elector Number Prefix"), "{rejects}");
    assert_eq!(rejects.lines().count(), 3, "{rejects}");

    let garbage = w.path("garbage.xlsx");
    std::fs::write(&garbage, b"PK\x03\x04\x00\x00\x00binary").unwrap();
    let out = run(&db, &["register", "import", garbage.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unreadable encoding"));
}

#[test]
fn killing_an_import_leaves_the_previous_register() {
    let w = Workspace::new();
    let db = w.db();
    let small = w.path("small.csv");
    let big = w.path("big.csv");
    ok(&db, &["demo-data", "register", "--electors", "1000", "--seed", "1", "--output", small.to_str().unwrap()]);
    ok(&db, &["demo-data", "register", "--electors", "400000", "--seed", "2", "--output", big.to_str().unwrap()]);
    ok(&db, &["campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"]);
    ok(&db, &["register", "import", small.to_str().unwrap()]);
    let before = stats(&db);

    let mut child =
        groundgame(&db).args(["register", "import", big.to_str().unwrap()]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "the import was still running when killed");
    child.kill().unwrap();
    child.wait().unwrap();

    let after = stats(&db);
    assert_eq!(after["electors"], 1000);
    assert_eq!(after["register_version"], before["register_version"]);
    assert_eq!(after, before);
}

#[test]
fn walks_are_planned_validly_and_the_same_for_a_seed() {
    let w = Workspace::new();
    let db = w.db();
    let doors = w.path("doors.csv");
    let d = doors.to_str().unwrap();
    ok(&db, &["demo-data", "doors", "--kind", "suburb", "--doors", "700", "--seed", "3", "--output", d]);
    let (a, b) = (w.path("a.csv"), w.path("b.csv"));
    let out = ok(&db, &["walks", "plan", "--input", d, "--doors-per-walk", "60", "--output", a.to_str().unwrap(), "--seed", "4"]);
    assert!(out.contains("700 doors in 12 walks"), "{out}");
    ok(&db, &["walks", "plan", "--input", d, "--doors-per-walk", "60", "--output", b.to_str().unwrap(), "--seed", "4"]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "same seed, same walks");
    let plan = std::fs::read_to_string(&a).unwrap();
    assert!(plan.starts_with("walk,seq,id\n"));
    assert_eq!(plan.lines().count(), 701);

    let score = ok(&db, &["walks", "score", "--input", d, "--walks", a.to_str().unwrap(), "--doors-per-walk", "60"]);
    assert!(score.contains("valid: 700 doors in 12 walks"), "{score}");
    let ratio: f64 = score.lines().find_map(|l| l.strip_prefix("ratio ")).unwrap().parse().unwrap();
    assert!((1.0..1.4).contains(&ratio), "{ratio}");

    // A plan with a door left out is not valid.
    let broken = w.write("broken.csv", &plan.lines().take(650).collect::<Vec<_>>().join("\n"));
    let out = run(&db, &["walks", "score", "--input", d, "--walks", broken.to_str().unwrap(), "--doors-per-walk", "60"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("in no walk"));
}

#[test]
fn bad_doors_are_refused_with_the_line() {
    let w = Workspace::new();
    let db = w.db();
    let out = w.path("out.csv");
    for (text, expected) in [
        ("id,lat,lon\na,52.9,-1.5\na,52.91,-1.5\n", "line 3: duplicate id 'a'"),
        ("id,lat,lon\na,52.9,\n", "line 2: missing longitude"),
        ("id,lat,lon\na,152.9,-1.5\n", "line 2: latitude 152.9 is out of range"),
        ("id,lat,lon\n", "the file has no doors"),
    ] {
        let f = w.write("doors.csv", text);
        let r = run(&db, &["walks", "plan", "--input", f.to_str().unwrap(), "--doors-per-walk", "5", "--output", out.to_str().unwrap()]);
        assert!(!r.status.success());
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains(expected), "{expected}: {err}");
    }
    let f = w.write("doors.csv", "id,lat,lon\na,52.9,-1.5\n");
    let r = run(&db, &["walks", "plan", "--input", f.to_str().unwrap(), "--doors-per-walk", "0", "--output", out.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&r.stderr).contains("at least 1"));
}

#[test]
fn the_campaigns_walks_are_generated_listed_and_exported() {
    let w = Workspace::new();
    let db = w.db();
    let register = w.path("register.csv");
    ok(&db, &["demo-data", "register", "--electors", "4000", "--seed", "2", "--output", register.to_str().unwrap()]);
    ok(&db, &["campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"]);
    ok(&db, &["register", "import", register.to_str().unwrap()]);
    let districts: Vec<String> = stats(&db)["polling_districts"].as_object().unwrap().keys().cloned().collect();
    let pd = &districts[0];
    let out = ok(&db, &["walks", "generate", "--polling-district", pd, "--doors-per-walk", "60"]);
    assert!(out.contains(&format!("{pd}: ")) && out.contains("walks (0 kept their ids"), "{out}");
    let list: serde_json::Value = serde_json::from_str(&ok(&db, &["walks", "list", "--json"])).unwrap();
    let list = list.as_array().unwrap();
    assert!(!list.is_empty());
    let doors: i64 = list.iter().map(|w| w["doors"].as_i64().unwrap()).sum();
    let households = stats(&db)["polling_districts"][pd]["households"].as_i64().unwrap();
    assert_eq!(doors, households, "every household of the district is in one walk");
    assert!(list.iter().all(|w| w["doors"].as_i64().unwrap() <= 60));
    let name = list[0]["name"].as_str().unwrap();
    assert!(name.starts_with(&format!("{pd} Walk 1: ")), "{name}");

    // The same plan again keeps every walk.
    let again = ok(&db, &["walks", "generate", "--polling-district", pd, "--doors-per-walk", "60"]);
    assert!(again.contains(&format!("({} kept their ids, 0 new", list.len())), "{again}");

    let id = list[0]["id"].as_i64().unwrap().to_string();
    let shown = ok(&db, &["walks", "show", &id]);
    assert!(shown.lines().count() > 2, "{shown}");
    let geo = w.path("walk.geojson");
    ok(&db, &["walks", "export", &id, "--format", "geojson", "--output", geo.to_str().unwrap()]);
    let g: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&geo).unwrap()).unwrap();
    assert_eq!(g["features"][0]["geometry"]["type"], "LineString");
    let svg = w.path("walk.svg");
    ok(&db, &["walks", "export", &id, "--format", "svg", "--output", svg.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<polyline"));

    // Reading an elector and exporting walks from the command line are in the audit log.
    ok(&db, &["register", "show", &format!("{pd}-1")]);
    let audit = json(&db, &["audit", "show", "--json", "--limit", "100"]);
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "walk_export").count(), 2, "{actions:?}");
    assert!(actions.contains(&"show_elector") && actions.contains(&"import_register") && actions.contains(&"walks_planned"), "{actions:?}");
    let shown = audit.as_array().unwrap().iter().find(|e| e["action"] == "show_elector").unwrap();
    assert!(shown["detail"].as_str().unwrap().starts_with("command line: "), "{shown}");
}

fn json(db: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(db, args)).unwrap()
}

#[test]
fn a_fresh_database_answers_every_seats_command_from_the_bundled_results() {
    let w = Workspace::new();
    let targets = json(&w.db(), &["seats", "targets", "--party", "Lab", "--election", "2015", "--limit", "100", "--json"]);
    let seats = targets.as_array().unwrap();
    assert_eq!(seats.len(), 100);
    assert_eq!(
        (seats[0]["gss"].as_str(), seats[0]["holder"].as_str(), seats[0]["majority"].as_u64()),
        (Some("W07000046"), Some("Con"), Some(27))
    );
    assert_eq!(
        (seats[1]["name"].as_str(), seats[1]["majority"].as_u64(), seats[1]["swing_needed"].as_f64()),
        (Some("Derby North"), Some(41), Some(0.05))
    );
    let swings: Vec<f64> = seats.iter().map(|s| s["swing_needed"].as_f64().unwrap()).collect();
    assert!(swings.windows(2).all(|w| w[0] <= w[1]), "nearest first");
    let east = json(&w.db(), &["seats", "targets", "--party", "Lab", "--election", "2015", "--region", "East Midlands", "--json"]);
    assert!(east.as_array().unwrap().iter().all(|s| s["region"] == "East Midlands"));
    let defence = json(&w.db(), &["seats", "defence", "--party", "Lab", "--election", "2017", "--limit", "650", "--json"]);
    let dn = defence.as_array().unwrap().iter().find(|s| s["gss"] == "E14000662").unwrap();
    assert_eq!((dn["majority"].as_u64(), dn["swing_needed"].as_f64()), (Some(2015), Some(2.07)));

    let uns = json(&w.db(), &["seats", "backtest", "--from", "2015", "--to", "2017", "--method", "uns", "--json"]);
    assert_eq!(uns["wrong"], 56);
    let best = json(&w.db(), &["seats", "backtest", "--from", "2015", "--to", "2017", "--json"]);
    assert!(best["wrong"].as_u64().unwrap() < 56);
    let con = best["parties"].as_array().unwrap().iter().find(|p| p["party"] == "Con").unwrap();
    assert_eq!(con["actual"], 317);
    assert!(con["projected"].as_u64().is_some() && con["share_mae"].as_f64().unwrap() > 0.0);
    let all = json(&w.db(), &["seats", "backtest", "--from", "2017", "--to", "2019", "--method", "all", "--json"]);
    assert_eq!(all.as_array().unwrap().len(), 7);
    let refused = run(&w.db(), &["seats", "backtest", "--from", "2019", "--to", "2024"]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("different boundaries"));

    let projection = json(
        &w.db(),
        &[
            "seats",
            "project",
            "--from",
            "2017",
            "--share",
            "Con=43.6",
            "--share",
            "Lab=32.1",
            "--share",
            "LD=11.6",
            "--share",
            "BRX=2",
            "--simulations",
            "500",
            "--json",
        ],
    );
    let con = projection["simulation"]["parties"].as_array().unwrap().iter().find(|p| p["party"] == "Con").unwrap();
    assert!(con["low"].as_u64() < con["high"].as_u64(), "{con}");
    assert!(con["median"].as_u64().unwrap() > 317, "a bigger Conservative lead wins more seats: {con}");
    let too_much = run(&w.db(), &["seats", "project", "--from", "2017", "--share", "Con=60", "--share", "Lab=50"]);
    assert!(String::from_utf8_lossy(&too_much.stderr).contains("more than 100%"));

    let near = json(&w.db(), &["seats", "nearest", "--postcode", "DE22 1AA", "--party", "Lab", "--election", "2015", "--json"]);
    assert_eq!(near[0]["name"], "Derby North");
    let by_point = json(
        &w.db(),
        &["seats", "nearest", "--lat", "52.93", "--lon", "-1.48", "--party", "Lab", "--election", "2015", "--by", "distance", "--json"],
    );
    assert_eq!(by_point[0]["name"], "Derby North");
}

#[test]
fn a_bad_results_file_names_its_rows_and_imports_nothing() {
    let w = Workspace::new();
    let good = include_str!("../../../data/elections/ge2019.csv");
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    // Line 11 repeats line 10 (so line 11's own seat goes missing), and line 2 has 5 electors.
    lines[10] = lines[9].clone();
    let mut fields: Vec<String> = lines[1].split(',').map(str::to_owned).collect();
    fields[4] = "5".into();
    lines[1] = fields.join(",");
    let file = w.write("bad.csv", &lines.join("\n"));
    let out = run(&w.db(), &["results", "import", file.to_str().unwrap(), "--election", "2019"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2:") && err.contains("more than the electorate of 5"), "{err}");
    assert!(err.contains("line 11:") && err.contains("appears again: it is on line 10 too"), "{err}");
    assert!(err.contains("is missing") && err.contains("nothing was imported"), "{err}");
    let list = json(&w.db(), &["results", "list", "--json"]);
    assert!(list.as_array().unwrap().iter().all(|e| e["source"] == "bundled"), "{list}");

    // The House of Commons Library's own layout imports, and answers in place of the bundled copy.
    let file = w.write("ge2019.csv", good);
    let text = ok(&w.db(), &["results", "import", file.to_str().unwrap(), "--election", "2019"]);
    assert!(text.contains("650 seats"), "{text}");
    let list = json(&w.db(), &["results", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().iter().find(|e| e["year"] == 2019).unwrap()["source"], "imported from ge2019.csv");
    let out = run(&w.db(), &["results", "import", file.to_str().unwrap(), "--election", "2031"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--date"));
}

#[test]
fn postcodes_import_from_code_point_open_and_volunteers_deploy() {
    let w = Workspace::new();
    // Two Code-Point Open rows (no header; British National Grid) for the City of London and Leeds.
    let rows = "\"EC1A 1BB\",10,531995,181536,\"E92000001\",\"\",\"\",\"\",\"E09000001\",\"E05009307\"\n\"LS1 1UR\",10,429920,433527,\"E92000001\",\"\",\"\",\"\",\"E08000035\",\"E05001420\"\n";
    let file = w.write("codepoint.csv", rows);
    let text = ok(&w.db(), &["postcodes", "import", file.to_str().unwrap()]);
    assert!(text.contains("Imported 2 postcodes"), "{text}");
    let near =
        json(&w.db(), &["seats", "nearest", "--postcode", "LS1 1UR", "--party", "Con", "--election", "2017", "--within", "15", "--json"]);
    assert!(near.as_array().unwrap().iter().any(|s| s["region"] == "Yorkshire and The Humber"), "{near}");
    let bad = w.write("bad.csv", "pcds,lat,long\nDE22 1AA,52.9,-1.48\nnonsense,52.9,-1.48\n");
    let out = run(&w.db(), &["postcodes", "import", bad.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3:"), "{}", String::from_utf8_lossy(&out.stderr));

    let volunteers = w.path("volunteers.csv");
    ok(&w.db(), &["demo-data", "volunteers", "--count", "60", "--region", "East Midlands", "-o", volunteers.to_str().unwrap()]);
    let plan = json(
        &w.db(),
        &[
            "seats",
            "deploy",
            "--volunteers",
            volunteers.to_str().unwrap(),
            "--party",
            "Lab",
            "--election",
            "2017",
            "--per-seat",
            "2",
            "--json",
        ],
    );
    let (best, nearest) = (plan["optimal"]["total_value"].as_f64().unwrap(), plan["nearest_first"]["total_value"].as_f64().unwrap());
    assert!(best > nearest && nearest > 0.0, "{best} against {nearest}");
    assert!(plan["optimal"]["assignments"].as_array().unwrap().iter().all(|a| a["distance_km"].as_f64().unwrap() <= 60.0));
}

#[test]
fn a_command_beside_a_writer_waits_its_turn_and_says_what_for() {
    let w = Workspace::new();
    let db = w.db();
    let register = w.path("register.csv");
    ok(&db, &["demo-data", "register", "--electors", "2000", "--seed", "3", "--output", register.to_str().unwrap()]);
    ok(&db, &["campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"]);
    ok(&db, &["register", "import", register.to_str().unwrap()]);
    // Another process (a running server, say) holds SQLite's write lock for three seconds.
    let other = rusqlite::Connection::open(&db).unwrap();
    other.execute_batch("BEGIN IMMEDIATE; UPDATE campaigns SET party = party;").unwrap();
    let released = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(3));
        other.execute_batch("COMMIT").unwrap();
    });
    let started = std::time::Instant::now();
    let out = groundgame(&db)
        .env("GROUNDGAME_LOG", "warn")
        .env("GROUNDGAME_SQLITE_BUSY_TIMEOUT_SECONDS", "1")
        .args(["walks", "generate", "--doors-per-walk", "60"])
        .output()
        .unwrap();
    released.join().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(started.elapsed() >= Duration::from_secs(2), "it waited for the lock");
    assert!(err.contains("waiting for another groundgame process") && err.contains("is free again"), "{err}");
}

#[test]
fn config_show_says_where_each_setting_comes_from() {
    let w = Workspace::new();
    let file = w.write("gg.toml", "[limits]\nsession_days = 7\n[server]\nbind = \"0.0.0.0:9999\"\n");
    let out = groundgame(&w.db())
        .env("GROUNDGAME_INVITE_DAYS", "3")
        .args(["--config", file.to_str().unwrap(), "config", "show", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let get = |name: &str| shown.as_array().unwrap().iter().find(|s| s["name"] == name).unwrap().clone();
    assert_eq!((get("limits.session_days")["value"].as_str(), get("limits.session_days")["source"].as_str()), (Some("7"), Some("file")));
    assert_eq!(get("limits.invite_days")["source"], "environment");
    assert_eq!(get("database")["source"], "flag");
    assert_eq!(get("limits.sync_batch")["source"], "default");
    let bad = w.write("bad.toml", "[limits]\nsesion_days = 7\n");
    let out = groundgame(&w.db()).args(["--config", bad.to_str().unwrap(), "config", "show"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("'limits.sesion_days' is not a setting"));
}

#[test]
fn audit_verify_says_the_chain_is_intact_and_names_a_changed_line() {
    let w = Workspace::new();
    let db = w.db();
    let register = w.path("register.csv");
    ok(&db, &["demo-data", "register", "--electors", "500", "--seed", "3", "--output", register.to_str().unwrap()]);
    ok(&db, &["campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"]);
    ok(&db, &["register", "import", register.to_str().unwrap()]);
    let out = ok(&db, &["audit", "verify"]);
    assert!(out.contains("Derby North (E14000662):") && out.contains("chain intact"), "{out}");
    let head = out.split("last hash ").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    assert_eq!(head.len(), 64, "{out}");
    // A backup is a database of its own, with the same register and a chain that verifies.
    let copy = w.path("copy.db");
    let said = ok(&db, &["backup", "--output", copy.to_str().unwrap()]);
    assert!(said.contains("Backed up") && said.contains("checked"), "{said}");
    assert_eq!(stats(&copy)["electors"], 500);
    assert!(ok(&copy, &["audit", "verify"]).contains("chain intact"));
    // Someone with the database file changes what a line says.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE audit_log SET rows = rows + 1 WHERE seq = 1 AND campaign_id IS NOT NULL", []).unwrap();
    drop(conn);
    let out = run(&db, &["audit", "verify"]);
    assert!(!out.status.success(), "a changed line fails the check");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("chain BROKEN") && said.contains("line 1 ") && said.contains("changed after it was written"), "{said}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not verify"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Retention: nothing goes before the campaign's day; a dry run says what would go and deletes
/// nothing; after the day, no elector's name or address is left anywhere in the database's
/// files, the anonymous counts stay and the audit chain still verifies.
#[test]
fn retention_deletes_the_register_and_leaves_no_name_or_address_in_the_file() {
    let w = Workspace::new();
    let db = w.db();
    let register = w.path("register.csv");
    ok(&db, &["demo-data", "register", "--electors", "800", "--seed", "11", "--output", register.to_str().unwrap()]);
    ok(&db, &["campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"]);
    ok(&db, &["register", "import", register.to_str().unwrap()]);
    ok(&db, &["walks", "generate", "--doors-per-walk", "40"]);
    // What to look for in the file's bytes: surnames, forenames and first address lines.
    let mut rows = csv::Reader::from_path(&register).unwrap();
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
    let (name, address) = (col("Elector Name"), col("Address1"));
    let mut needles: Vec<String> = rows
        .records()
        .flat_map(|r| {
            let r = r.unwrap();
            let (surname, forename) = r[name].split_once(", ").map(|(s, f)| (s.to_owned(), f.to_owned())).unwrap_or_default();
            [surname, forename, r[address].to_owned()]
        })
        .collect();
    needles.retain(|n| n.len() >= 6);
    needles.sort();
    needles.dedup();
    assert!(needles.len() > 100, "{} names and addresses to look for", needles.len());
    // Names that the database holds without any register (the bundled results' candidates)
    // are no sign of one.
    let bare = w.path("bare.db");
    ok(&bare, &["campaign", "create", "--constituency", "E14000662", "--election-date", "2017-06-08"]);
    let common = found_in(&bare, &needles);
    needles.retain(|n| !common.contains(n));
    let found = |db: &Path| found_in(db, &needles);
    assert!(found(&db).len() > needles.len() / 2, "the register is in the file before retention");

    // An objection, and a subject access bundle, from the command line.
    let out = ok(&db, &["privacy", "object", "NA1-3", "--how", "letter"]);
    assert!(out.contains("NA1-3") && out.contains("is now off every list"), "{out}");
    assert!(ok(&db, &["privacy", "objections"]).contains("\n1 objection\n"));
    let bundle = w.path("na1-3.json");
    ok(&db, &["privacy", "export", "--elector", "NA1-3", "--output", bundle.to_str().unwrap()]);
    let bundle: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    assert_eq!(bundle["register_entry"]["elector_number"], "NA1-3", "{bundle}");
    assert!(bundle["register_entry"]["objected"].as_str().unwrap().contains("letter"), "{bundle}");
    let missing = run(&db, &["privacy", "export", "--volunteer", "nobody@example.org", "--output", w.path("x.json").to_str().unwrap()]);
    assert!(!missing.status.success() && String::from_utf8_lossy(&missing.stderr).contains("no volunteer with the email"));

    // Set up today: kept until 90 days from now.
    let kept = ok(&db, &["privacy", "retention"]);
    assert!(kept.contains("kept until"), "{kept}");
    let later = (chrono::Utc::now().date_naive() + chrono::Days::new(200)).format("%Y-%m-%d").to_string();
    let dry = ok(&db, &["privacy", "retention", "--as-of", &later, "--dry-run"]);
    assert!(dry.contains("would delete") && dry.contains("800 electors"), "{dry}");
    assert_eq!(stats(&db)["electors"], 800, "a dry run deletes nothing");

    let done = ok(&db, &["privacy", "retention", "--as-of", &later]);
    assert!(done.contains(": deleted ") && done.contains(" 800 electors"), "{done}");
    assert_eq!(stats(&db)["electors"], 0);
    let left = found(&db);
    assert!(left.is_empty(), "{} names or addresses are still in the file: {:?}", left.len(), &left[..left.len().min(10)]);
    // Once only; the chain verifies with the details removed; the counts stay.
    assert!(ok(&db, &["privacy", "retention", "--as-of", &later]).contains("deleted before"));
    let verify = ok(&db, &["audit", "verify"]);
    assert!(verify.contains("chain intact") && verify.contains("detail removed by retention"), "{verify}");
    let log = ok(&db, &["audit", "show"]);
    assert!(log.contains("retention_deleted"), "{log}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let tallies: i64 = conn.query_row("SELECT COUNT(*) FROM progress_tallies", [], |r| r.get(0)).unwrap();
    let districts: i64 = conn.query_row("SELECT COUNT(*) FROM polling_districts", [], |r| r.get(0)).unwrap();
    assert!(districts > 0, "the polling districts stay, for the counts by district ({tallies} tallies)");
}

/// Which of the needles are in the SQLite database's files (the file, its log and journal).
fn found_in(db: &Path, needles: &[String]) -> Vec<String> {
    let mut bytes = std::fs::read(db).unwrap();
    for side in ["-wal", "-journal"] {
        if let Ok(b) = std::fs::read(format!("{}{side}", db.display())) {
            bytes.extend(b);
        }
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    needles.iter().filter(|n| text.contains(n.as_str())).cloned().collect()
}
