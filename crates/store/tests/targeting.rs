//! Imported results and postcodes on both backends: an import takes the place of the bundled
//! election of its year, a bad file writes nothing, postcodes are found and updated.

mod common;

use chrono::NaiveDate;
use common::TestDb;
use groundgame_core::geography::{LatLon, Postcode};
use groundgame_core::results::{self, Party};
use groundgame_store::targeting::{self, election_of};
use groundgame_store::Error;

const GE2017: &str = include_str!("../../../data/elections/ge2017.csv");

#[tokio::test]
async fn an_imported_election_takes_the_place_of_the_bundled_one() {
    for db in TestDb::all().await {
        let name = db.name;
        // The 2017 file with Derby North's Labour vote cut by 3,000: Conservatives hold it by 985.
        let edited = GE2017.replace(",69919,48672,21607,23622,", ",69919,45672,21607,20622,");
        assert_ne!(edited, GE2017);
        let parsed = results::parse(edited.as_bytes()).unwrap();
        let mut tx = db.store.begin().await.unwrap();
        let date = NaiveDate::from_ymd_opt(2017, 6, 8).unwrap();
        targeting::import_election(&mut tx, 2017, date, parsed.clone(), "edited.csv", false).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.store.begin().await.unwrap();
        let elections = targeting::elections(&mut tx).await.unwrap();
        assert_eq!(elections.iter().map(|e| e.year).collect::<Vec<_>>(), [2010, 2015, 2017, 2019, 2024], "{name}");
        let dn = election_of(&elections, 2017).unwrap().seat("E14000662").unwrap();
        assert_eq!((dn.winner(), dn.majority(), dn.electorate), ((Party::Con, 21_607), 985, Some(69_919)), "{name}");
        assert_eq!(election_of(&elections, 2015).unwrap().seat("E14000662").unwrap().majority(), 41);
        // Every seat came back as it went in.
        assert_eq!(election_of(&elections, 2017).unwrap().seats, parsed.seats, "{name}");
        // A second import of the year is refused unless it replaces the first.
        let again = targeting::import_election(&mut tx, 2017, date, parsed.clone(), "again.csv", false).await.unwrap_err();
        assert!(matches!(again, Error::Conflict(_)), "{again}");
        drop(tx);
        let mut tx = db.store.begin().await.unwrap();
        let original = results::parse(GE2017.as_bytes()).unwrap();
        targeting::import_election(&mut tx, 2017, date, original, "ge2017.csv", true).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.store.begin().await.unwrap();
        let elections = targeting::elections(&mut tx).await.unwrap();
        assert_eq!(election_of(&elections, 2017).unwrap().seat("E14000662").unwrap().majority(), 2_015);
        assert!(election_of(&elections, 2029).unwrap_err().to_string().contains("there are 2010, 2015, 2017, 2019, 2024"));
        drop(tx);
        db.finish().await;
    }
}

#[tokio::test]
async fn postcodes_are_found_imported_or_bundled_and_updated() {
    for db in TestDb::all().await {
        let name = db.name;
        let mut tx = db.store.begin().await.unwrap();
        let bundled = targeting::locate_postcode(&mut tx, &Postcode::parse("DE22 1AA").unwrap()).await.unwrap();
        assert!((bundled.lat - 52.930851).abs() < 1e-6, "{name}");
        let unknown = targeting::locate_postcode(&mut tx, &Postcode::parse("SW1A 1AA").unwrap()).await.unwrap_err();
        assert!(unknown.to_string().contains("groundgame postcodes import"), "{unknown}");
        let points = vec![
            (Postcode::parse("SW1A 1AA").unwrap(), LatLon { lat: 51.501009, lon: -0.141588 }),
            (Postcode::parse("DE22 1AA").unwrap(), LatLon { lat: 52.93, lon: -1.48 }),
        ];
        targeting::import_postcodes(&mut tx, points).await.unwrap();
        targeting::import_postcodes(&mut tx, vec![(Postcode::parse("SW1A 1AA").unwrap(), LatLon { lat: 51.5, lon: -0.14 })]).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = db.store.begin().await.unwrap();
        let palace = targeting::locate_postcode(&mut tx, &Postcode::parse("sw1a1aa").unwrap()).await.unwrap();
        assert_eq!((palace.lat, palace.lon), (51.5, -0.14), "{name}: the later import wins");
        let derby = targeting::locate_postcode(&mut tx, &Postcode::parse("DE22 1AA").unwrap()).await.unwrap();
        assert_eq!((derby.lat, derby.lon), (52.93, -1.48), "{name}: an imported centroid comes before the bundled one");
        drop(tx);
        db.finish().await;
    }
}
