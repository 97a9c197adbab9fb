//! The register's story, told once and run on every backend: a campaign is created, its register
//! imported, re-imported, updated, given its absent voters, and looked at.

mod common;

use std::io::Write;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use chrono::NaiveDate;
use common::TestDb;
use groundgame_core::geography::{Gazetteer, GssCode};
use groundgame_core::register::layout::Mapping;
use groundgame_core::register::record::UnknownMarkers;
use groundgame_store::campaigns::{self, Campaign};
use groundgame_store::register::pipeline::{read_absent_voters, RegisterFile};
use groundgame_store::register::{self, ImportOptions, ImportReport, UpdateReport};
use groundgame_store::{Error, Store};

const X14: &str = "Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Surname,Elector Forename,PostCode,Address1,Address2,Address3,Address4,Address5,Address6\n";

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

async fn new_campaign(store: &Store) -> Campaign {
    let mut tx = store.begin().await.unwrap();
    let c = campaigns::create(&mut tx, &GssCode::parse("E14000662").unwrap(), NaiveDate::from_ymd_opt(2017, 6, 8).unwrap()).await.unwrap();
    tx.commit().await.unwrap();
    c
}

async fn import(
    store: &Store,
    campaign: &Campaign,
    text: &str,
    skip_invalid: bool,
    unknown: UnknownMarkers,
) -> Result<ImportReport, Error> {
    let f = file(text);
    let reg = RegisterFile::open(f.path(), &Mapping::default(), unknown)?;
    let gazetteer = Gazetteer::demo();
    let options = ImportOptions {
        source: "test.csv".into(),
        format: reg.format(),
        number_column: reg.number_column(),
        skip_invalid,
        gazetteer: &gazetteer,
        dry_run: false,
        audit: None,
    };
    let (rows, reader) = reg.spawn(None, Arc::new(AtomicU64::new(0)));
    let mut tx = store.begin().await?;
    let result = register::import_register(&mut tx, campaign, rows, options).await;
    reader.join().unwrap()?;
    let report = result?;
    tx.commit().await?;
    Ok(report)
}

async fn update(store: &Store, campaign: &Campaign, text: &str) -> Result<UpdateReport, Error> {
    let f = file(text);
    let reg = RegisterFile::open(f.path(), &Mapping::default(), UnknownMarkers::Refuse)?;
    let gazetteer = Gazetteer::demo();
    let options = ImportOptions {
        source: "update.csv".into(),
        format: reg.format(),
        number_column: reg.number_column(),
        skip_invalid: false,
        gazetteer: &gazetteer,
        dry_run: false,
        audit: None,
    };
    let rows = reg.read_all(None)?;
    let mut tx = store.begin().await?;
    let report = register::apply_update(&mut tx, campaign, rows, options).await?;
    tx.commit().await?;
    Ok(report)
}

async fn stats(store: &Store, campaign: &Campaign) -> register::RegisterStats {
    let mut tx = store.begin().await.unwrap();
    let c = campaigns::get(&mut tx, &campaign.ballot_id).await.unwrap();
    register::stats(&mut tx, &c).await.unwrap()
}

async fn id_of(store: &Store, campaign: &Campaign, number: &str) -> i64 {
    let mut tx = store.begin().await.unwrap();
    register::show_elector(&mut tx, campaign, number).await.unwrap().id
}

fn register_text() -> String {
    format!(
        "{X14}\
NA1,1,0,,,Smith,Ann,DE22 1AA,1 Duffield Road,Derby,,,,\n\
NA1,2,0,,,Smith,Bob,DE22 1AA,\"1, Duffield Rd.\",Derby,,,,\n\
NA1,3,0,G,,Kowalski,Jan,DE22 1AA,3 Duffield Road,Derby,,,,\n\
NA1,3,1,,01/07/1999,Kowalski,Ewa,DE22 1AA,3 Duffield Road,Derby,,,,\n\
NA1,4,0,,01/01/1999,Jones,Cara,DE22 1AE,5 Duffield Road,Derby,,,,\n\
NA1,5,0,N,,,,,,,,,,\n\
NB1,1,0,F,,Patel,Dev,DE22 1AF,7 Belper Road,Derby,,,,\n"
    )
}

#[tokio::test]
async fn campaigns_are_created_once_and_named_by_ballot_id() {
    for db in TestDb::all().await {
        let c = new_campaign(&db.store).await;
        assert_eq!(c.ballot_id, "parl.derby-north.2017-06-08", "{}", db.name);
        assert_eq!(c.name, "Derby North");
        let mut tx = db.store.begin().await.unwrap();
        let again = campaigns::create(&mut tx, &GssCode::parse("E14000662").unwrap(), NaiveDate::from_ymd_opt(2017, 6, 8).unwrap()).await;
        assert!(matches!(again, Err(Error::Conflict(_))), "{}", db.name);
        let unknown = campaigns::create(&mut tx, &GssCode::parse("E14999999").unwrap(), NaiveDate::from_ymd_opt(2017, 6, 8).unwrap()).await;
        assert!(matches!(unknown, Err(Error::NotFound(_))), "{}", db.name);
        drop(tx);
        db.finish().await;
    }
}

#[tokio::test]
async fn an_import_groups_households_and_counts_who_may_vote() {
    for db in TestDb::all().await {
        let c = new_campaign(&db.store).await;
        let report = import(&db.store, &c, &register_text(), false, UnknownMarkers::Refuse).await.unwrap();
        assert_eq!(report.electors, 7, "{}", db.name);
        // Ann and Bob share a door written two ways; the Kowalskis share one; the anonymous elector has none.
        assert_eq!(report.households, 4, "{}", db.name);
        assert_eq!(report.polling_districts, 2);
        assert_eq!(report.households_not_geocoded, 0, "{}: demo postcodes geocode", db.name);
        let s = stats(&db.store, &c).await;
        assert_eq!(s.totals.electors, 7);
        // Not eligible: Jan (G) and Ewa (18 on 1 July 2017, after polling day).
        assert_eq!(s.totals.eligible, 5, "{}", db.name);
        assert_eq!(s.totals.attainers, 2);
        assert_eq!(s.totals.anonymous, 1);
        assert_eq!(s.polling_districts["NB1"].electors, 1);
        assert_eq!(s.register_version, 1);

        let mut tx = db.store.begin().await.unwrap();
        let anonymous = register::show_elector(&mut tx, &c, "NA1-5").await.unwrap();
        assert!(anonymous.anonymous && anonymous.surname.is_none() && anonymous.address.is_empty() && anonymous.postcode.is_none());
        let ewa = register::show_elector(&mut tx, &c, "na1-3/1").await.unwrap();
        assert_eq!(ewa.forename.as_deref(), Some("Ewa"));
        assert!(!ewa.eligible);
        assert_eq!(ewa.household_electors, 2);
        assert!(matches!(register::show_elector(&mut tx, &c, "NA1-99").await, Err(Error::NotFound(_))));
        drop(tx);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_bad_row_writes_nothing_and_skip_invalid_writes_the_rest() {
    for db in TestDb::all().await {
        let c = new_campaign(&db.store).await;
        let bad = format!(
            "{}NA1,6,0,,,Brown,Di,NOTAPOSTCODE,9 Duffield Road,Derby,,,,\nNA1,1,0,,,Smith,Ann,DE22 1AA,1 Duffield Road,Derby,,,,\n",
            register_text()
        );
        let err = import(&db.store, &c, &bad, false, UnknownMarkers::Refuse).await.unwrap_err();
        let Error::Rows { errors, total } = err else { panic!("{}: expected row errors, got {err:?}", db.name) };
        assert_eq!(total, 2);
        assert_eq!(errors[0].to_string(), "line 9, column 'PostCode': malformed postcode: 'NOTAPOSTCODE' is not a UK postcode");
        assert_eq!(errors[1].to_string(), "line 10, column 'Elector Number': duplicate elector number NA1-1 in polling district NA1");
        let s = stats(&db.store, &c).await;
        assert_eq!((s.totals.electors, s.register_version), (0, 0), "{}: nothing written", db.name);

        let report = import(&db.store, &c, &bad, true, UnknownMarkers::Refuse).await.unwrap();
        assert_eq!((report.electors, report.rows_rejected), (7, 2), "{}", db.name);
        db.finish().await;
    }
}

#[tokio::test]
async fn unknown_markers_are_refused_or_kept_and_reported() {
    for db in TestDb::all().await {
        let c = new_campaign(&db.store).await;
        let text = format!("{X14}NA1,1,0,Q,,Smith,Ann,DE22 1AA,1 Duffield Road,Derby,,,,\n");
        assert!(matches!(import(&db.store, &c, &text, false, UnknownMarkers::Refuse).await, Err(Error::Rows { .. })));
        let report = import(&db.store, &c, &text, false, UnknownMarkers::Keep).await.unwrap();
        assert_eq!(report.unknown_markers.get("Q"), Some(&1), "{}", db.name);
        let s = stats(&db.store, &c).await;
        assert_eq!((s.totals.eligible, s.totals.unknown_markers), (0, 1));
        db.finish().await;
    }
}

#[tokio::test]
async fn a_new_register_version_keeps_each_persons_id_when_renumbered() {
    for db in TestDb::all().await {
        let c = new_campaign(&db.store).await;
        import(&db.store, &c, &register_text(), false, UnknownMarkers::Refuse).await.unwrap();
        let ann = id_of(&db.store, &c, "NA1-1").await;
        let cara = id_of(&db.store, &c, "NA1-4").await;
        // Next year's register: a newcomer at number 1 shifts everyone on; Bob has moved away.
        let next = format!(
            "{X14}\
NA1,1,0,,,Young,Zoe,DE22 1AA,0 Duffield Road,Derby,,,,\n\
NA1,2,0,,,Smith,Ann,DE22 1AA,1 Duffield Road,Derby,,,,\n\
NA1,3,0,G,,Kowalski,Jan,DE22 1AA,3 Duffield Road,Derby,,,,\n\
NA1,4,0,,,Kowalski,Ewa,DE22 1AA,3 Duffield Road,Derby,,,,\n\
NA1,5,0,,,JONES,cara,DE22 1AE,5 Duffield Road,Derby,,,,\n\
NA1,6,0,N,,,,,,,,,,\n"
        );
        let report = import(&db.store, &c, &next, false, UnknownMarkers::Refuse).await.unwrap();
        assert_eq!(report.version, 2);
        assert_eq!(report.electors_matched, 4, "{}: Ann, Jan, Ewa, Cara", db.name);
        assert_eq!(report.electors_removed, 3, "{}: Bob, Dev and the anonymous elector NA1-5", db.name);
        assert_eq!(id_of(&db.store, &c, "NA1-2").await, ann, "{}", db.name);
        assert_eq!(id_of(&db.store, &c, "NA1-5").await, cara);
        assert_ne!(id_of(&db.store, &c, "NA1-1").await, ann);
        let s = stats(&db.store, &c).await;
        assert_eq!(s.totals.electors, 6);
        assert!(!s.polling_districts.contains_key("NB1"), "{}: districts follow the register", db.name);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_notice_of_alteration_adds_deletes_amends_and_renumbers() {
    for db in TestDb::all().await {
        let c = new_campaign(&db.store).await;
        import(&db.store, &c, &register_text(), false, UnknownMarkers::Refuse).await.unwrap();
        let cara = id_of(&db.store, &c, "NA1-4").await;
        let notice = "ChangeType,ElectorNumber,MarkersRegisterText,ElectorDOB,ElectorSurname,ElectorForename,PropertyAddress1,PropertyAddress2,PropertyAddress3,PropertyAddress4,PropertyAddress5,PropertyPostCode\n\
D,NA1-4,,,,,,,,,,\n\
A,NA1-4/1,,,Jones,Cara,5 Duffield Road,Derby,,,,DE22 1AE\n\
M,NA1-1,,,Smith-Jones,Ann,1 Duffield Road,Derby,,,,DE22 1AA\n\
A,NA1-7,,,Green,Gil,11 Duffield Road,Derby,,,,DE22 1AE\n\
D,NB1-1,,,,,,,,,,\n";
        let report = update(&db.store, &c, notice).await.unwrap();
        assert_eq!((report.added, report.deleted, report.amended, report.renumbered), (2, 2, 1, 1), "{}", db.name);
        assert_eq!(id_of(&db.store, &c, "NA1-4/1").await, cara, "{}: renumbered, same person", db.name);
        let mut tx = db.store.begin().await.unwrap();
        assert_eq!(register::show_elector(&mut tx, &c, "NA1-1").await.unwrap().surname.as_deref(), Some("Smith-Jones"));
        assert!(register::show_elector(&mut tx, &c, "NB1-1").await.is_err());
        drop(tx);
        assert_eq!(stats(&db.store, &c).await.totals.electors, 7);

        // Deleting someone who is not there: nothing in the notice is applied.
        let bad = "ChangeType,ElectorNumber,MarkersRegisterText,ElectorDOB,ElectorSurname,ElectorForename,PropertyAddress1,PropertyAddress2,PropertyAddress3,PropertyAddress4,PropertyAddress5,PropertyPostCode\n\
A,NA1-8,,,Hill,Hal,13 Duffield Road,Derby,,,,DE22 1AE\n\
D,NA1-99,,,,,,,,,,\n";
        let Err(Error::Rows { errors, .. }) = update(&db.store, &c, bad).await else { panic!("{}: expected row errors", db.name) };
        assert_eq!(errors[0].to_string(), "line 3, column 'ElectorNumber': NA1-99 is not on the register, so it cannot be deleted");
        assert_eq!(stats(&db.store, &c).await.totals.electors, 7, "{}: nothing applied", db.name);
        db.finish().await;
    }
}

#[tokio::test]
async fn absent_voters_replace_the_previous_list_and_survive_renumbering() {
    for db in TestDb::all().await {
        let c = new_campaign(&db.store).await;
        import(&db.store, &c, &register_text(), false, UnknownMarkers::Refuse).await.unwrap();
        let f = file("ElectorNumber,AbsentVoterType\nNA1-1,P\nNA1-2,Proxy\nNA1-3/1,PP\n");
        let list = read_absent_voters(f.path(), &Mapping::default()).unwrap();
        let mut tx = db.store.begin().await.unwrap();
        let r = register::import_absent_voters(&mut tx, &c, list, "av.csv", false).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((r.postal, r.proxy, r.proxy_postal), (1, 1, 1), "{}", db.name);
        let s = stats(&db.store, &c).await;
        assert_eq!((s.totals.postal_voters, s.totals.proxy_voters), (2, 1));

        let f = file("ElectorNumber,AbsentVoterType\nNA1-1,P\nZZ9-1,P\n");
        let list = read_absent_voters(f.path(), &Mapping::default()).unwrap();
        let mut tx = db.store.begin().await.unwrap();
        let Err(Error::Rows { errors, .. }) = register::import_absent_voters(&mut tx, &c, list, "av.csv", false).await else {
            panic!("{}: expected row errors", db.name)
        };
        assert_eq!(errors[0].to_string(), "line 3, column 'ElectorNumber': ZZ9-1 is not on the register");
        drop(tx);

        // Ann is renumbered in the next register: her postal vote goes with her.
        let next = register_text().replace("NA1,1,0,,,Smith,Ann", "NA1,9,0,,,Smith,Ann");
        import(&db.store, &c, &next, false, UnknownMarkers::Refuse).await.unwrap();
        let mut tx = db.store.begin().await.unwrap();
        assert_eq!(register::show_elector(&mut tx, &c, "NA1-9").await.unwrap().absent_vote.as_deref(), Some("postal vote"), "{}", db.name);
        drop(tx);
        db.finish().await;
    }
}

#[tokio::test]
async fn hostile_text_is_stored_as_text() {
    for db in TestDb::all().await {
        let c = new_campaign(&db.store).await;
        let text = format!(
            "{X14}NA1,1,0,,,\"Robert'); DROP TABLE electors;--\",\"O'Neil \"\"Bobby\"\"\",DE22 1AA,\"1 Duffield Road\",Derby,,,,\n"
        );
        import(&db.store, &c, &text, false, UnknownMarkers::Refuse).await.unwrap();
        let mut tx = db.store.begin().await.unwrap();
        let e = register::show_elector(&mut tx, &c, "NA1-1").await.unwrap();
        assert_eq!(e.surname.as_deref(), Some("Robert'); DROP TABLE electors;--"), "{}", db.name);
        assert_eq!(e.forename.as_deref(), Some("O'Neil \"Bobby\""));
        // The campaign lookup takes text too.
        assert!(matches!(campaigns::get(&mut tx, "x' OR '1'='1").await, Err(Error::NotFound(_))));
        drop(tx);
        db.finish().await;
    }
}

#[tokio::test]
async fn a_synthetic_register_imports_whole() {
    use groundgame_core::register::layout::Format;
    use groundgame_core::synthetic;
    for db in TestDb::all().await {
        let c = new_campaign(&db.store).await;
        let mut bytes = Vec::new();
        let summary = synthetic::write_register(
            &synthetic::Options {
                constituency: GssCode::parse("E14000662").unwrap(),
                electors: 20_000,
                seed: 3,
                format: Format::Xpress13,
                register_date: NaiveDate::from_ymd_opt(2017, 2, 1).unwrap(),
            },
            &mut bytes,
            None,
        )
        .unwrap();
        let report = import(&db.store, &c, std::str::from_utf8(&bytes).unwrap(), false, UnknownMarkers::Refuse).await.unwrap();
        assert_eq!(report.electors as usize, summary.electors, "{}", db.name);
        assert_eq!(report.households as usize, summary.households, "{}", db.name);
        // Importing the same register again matches everyone.
        let again = import(&db.store, &c, std::str::from_utf8(&bytes).unwrap(), false, UnknownMarkers::Refuse).await.unwrap();
        assert_eq!(again.electors_matched as usize, summary.electors, "{}", db.name);
        assert_eq!(again.households_new, 0);
        db.finish().await;
    }
}

#[tokio::test]
async fn re_planned_walks_keep_their_ids_where_little_changed() {
    use groundgame_store::walks::{self, NewWalk};
    for db in TestDb::all().await {
        let c = new_campaign(&db.store).await;
        import(&db.store, &c, &register_text(), false, UnknownMarkers::Refuse).await.unwrap();
        let mut tx = db.store.begin().await.unwrap();
        let c = campaigns::get(&mut tx, &c.ballot_id).await.unwrap();
        let doors = walks::district_doors(&mut tx, &c, "NA1").await.unwrap();
        assert_eq!(doors.len(), 3, "{}", db.name);
        assert_eq!(doors.iter().map(|d| d.electors).sum::<i64>(), 5, "{}: the anonymous elector has no door", db.name);
        let ids: Vec<i64> = doors.iter().map(|d| d.id).collect();
        let walk = |doors: Vec<i64>, streets: &str| NewWalk {
            electors: doors.len() as i64,
            distance_m: 10.0,
            minutes: 5,
            streets: streets.into(),
            doors,
        };
        let (first, report) =
            walks::replace_district(&mut tx, &c, "NA1", vec![walk(vec![ids[0], ids[1]], "Duffield Rd"), walk(vec![ids[2]], "Belper Rd")])
                .await
                .unwrap();
        assert_eq!((report.new, report.kept), (2, 0));
        assert_eq!(first[0].name, "NA1 Walk 1: Duffield Rd");
        // Re-planned: the first walk keeps its doors (in another order), the second changes wholly.
        let (second, report) =
            walks::replace_district(&mut tx, &c, "NA1", vec![walk(vec![ids[2]], "X"), walk(vec![ids[1], ids[0]], "Y")]).await.unwrap();
        assert_eq!((report.kept, report.new), (2, 0), "{}", db.name);
        let kept = second.iter().find(|w| w.name.ends_with(": Y")).unwrap();
        assert_eq!((kept.id, kept.number), (first[0].id, 1), "{}", db.name);
        let (w, d) = walks::get(&mut tx, &c, kept.id).await.unwrap();
        assert_eq!(w.doors, 2);
        assert_eq!(d.iter().map(|d| d.household_id).collect::<Vec<_>>(), vec![ids[1], ids[0]]);
        assert_eq!(walks::list(&mut tx, &c, None).await.unwrap().len(), 2);
        drop(tx);
        db.finish().await;
    }
}
