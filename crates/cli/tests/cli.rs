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
        vec!["demo"],
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
