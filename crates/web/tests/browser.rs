//! End to end in headless Chromium: a canvasser goes offline mid-walk, records answers at 20
//! doors, reloads the page with no connection, comes back online, and the server holds exactly 20
//! contacts, which the organiser sees on the dashboard.

mod support;

use std::time::Duration;

use fantoccini::Locator;
use groundgame_core::access::Role;
use groundgame_store::canvassing;
use support::browser::{sign_in, wait_until, Driver, Server};
use support::{email, fixture, TestDb, PASSWORD};

async fn contacts_on_server(store: &groundgame_store::Store, campaign: &groundgame_store::campaigns::Campaign) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let n = canvassing::contact_count(&mut tx, campaign).await.unwrap();
    tx.commit().await.unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canvasser_works_offline_and_nothing_is_lost() {
    let Some(driver) = Driver::start().await else { return };
    let f = fixture(TestDb::sqlite().await, 2000, 40).await;
    let store = f.db.store.clone();
    let walk = f.walks[0].id;
    let mut tx = store.begin().await.unwrap();
    let payload = canvassing::walk_payload(&mut tx, &f.campaign, walk).await.unwrap();
    tx.commit().await.unwrap();
    let doors: Vec<_> = payload.doors.iter().filter(|d| !d.electors.is_empty()).take(20).collect();
    assert_eq!(doors.len(), 20, "the walk has 20 doors with electors");

    let mut server = Server::start(f.app.clone()).await;
    let phone = driver.browser("canvasser").await;
    sign_in(&phone, &server, &email(Role::Canvasser), PASSWORD).await;
    assert!(phone.current_url().await.unwrap().path().starts_with("/canvass"), "a canvasser lands on their walks");
    // Opening the list keeps every assigned walk on the phone.
    wait_until(
        &phone,
        "document.querySelector('[data-saved]') && document.querySelector('[data-saved]').textContent.includes('saved on this phone')",
        "the walk to be saved",
        Duration::from_secs(20),
    )
    .await;
    phone.goto(&server.url(&format!("/canvass/walks/{walk}"))).await.unwrap();
    wait_until(&phone, "document.querySelectorAll('li.door').length > 20", "the doors", Duration::from_secs(20)).await;
    wait_until(&phone, "navigator.serviceWorker && navigator.serviceWorker.controller", "the service worker", Duration::from_secs(20))
        .await;
    let first_door = phone.find(Locator::Css("li.door h2")).await.unwrap().text().await.unwrap();
    assert!(first_door.starts_with("1. "), "{first_door}");

    // The signal goes.
    server.stop().await;
    for door in &doors {
        let elector = door.electors[0].id;
        phone.find(Locator::Css(&format!("#door-{} button.elector", door.household_id))).await.unwrap().click().await.unwrap();
        phone
            .find(Locator::Css(&format!("#elector-{elector} button[data-q=voting_intention][data-code=Lab]")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        phone
            .find(Locator::Css(&format!("#elector-{elector} button[data-q=certainty][data-code='5']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        phone.find(Locator::Css(&format!("button[data-save='{elector}']"))).await.unwrap().click().await.unwrap();
    }
    wait_until(&phone, "document.getElementById('sync-status').dataset.unsent === '20'", "20 unsent answers", Duration::from_secs(10))
        .await;
    let status = phone.find(Locator::Id("sync-status")).await.unwrap().text().await.unwrap();
    assert!(status.contains("20 answers waiting to send"), "{status}");

    // Reloading with no connection loses nothing: the page comes from the service worker, the
    // walk and the answers from IndexedDB.
    phone.refresh().await.unwrap();
    wait_until(
        &phone,
        "document.querySelectorAll('li.door.done').length === 20",
        "20 doors marked done after reload",
        Duration::from_secs(20),
    )
    .await;
    wait_until(
        &phone,
        "document.getElementById('sync-status').dataset.unsent === '20'",
        "20 still unsent after reload",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(contacts_on_server(&store, &f.campaign).await, 0);

    // The signal comes back: the outbox empties within a few seconds, each answer stored once.
    server.restart().await;
    wait_until(&phone, "document.getElementById('sync-status').dataset.unsent === '0'", "the outbox to empty", Duration::from_secs(30))
        .await;
    assert_eq!(contacts_on_server(&store, &f.campaign).await, 20);
    // Later syncs (every 5 s) send nothing again.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(contacts_on_server(&store, &f.campaign).await, 20);
    phone.close().await.unwrap();

    // The organiser sees them on the dashboard.
    let desk = driver.browser("organiser").await;
    sign_in(&desk, &server, &email(Role::Organiser), PASSWORD).await;
    assert_eq!(desk.current_url().await.unwrap().path(), "/campaign");
    let contacts = desk.find(Locator::Css("dd[data-k='totals.contacts']")).await.unwrap().text().await.unwrap();
    let supporters = desk.find(Locator::Css("dd[data-k='totals.supporters']")).await.unwrap().text().await.unwrap();
    assert_eq!((contacts.as_str(), supporters.as_str()), ("20", "20"));
    let walk_row = desk.find(Locator::Css(&format!("td[data-k='walk.{walk}.status']"))).await.unwrap().text().await.unwrap();
    assert_eq!(walk_row, "in progress");
    desk.close().await.unwrap();
    server.stop().await;
    f.db.finish().await;
}

/// A benchmark, not a test (run by bench/web/run.sh): how soon an 80-door walk page can be used
/// on a throttled phone profile (4x slower CPU, 150 ms round trips, 1.6 Mbit/s down).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run by bench/web/run.sh"]
async fn walk_page_on_a_throttled_phone() {
    use serde_json::json;
    use support::browser::Cdp;
    let Some(driver) = Driver::start().await else { return };
    let f = fixture(TestDb::sqlite().await, 4000, 80).await;
    // The largest walk of at most 80 doors.
    let largest = f.walks.iter().max_by_key(|w| w.doors).expect("walks");
    let (walk, door_count) = (largest.id, largest.doors);
    let mut tx = f.db.store.begin().await.unwrap();
    groundgame_store::canvassing::assign(&mut tx, &f.campaign, walk, Some(f.users[&email(Role::Canvasser)]), None).await.unwrap();
    tx.commit().await.unwrap();
    let mut server = Server::start(f.app.clone()).await;
    let phone = driver.browser("throttled").await;
    sign_in(&phone, &server, &email(Role::Canvasser), PASSWORD).await;
    phone.issue_cmd(Cdp("Network.enable", json!({}))).await.unwrap();
    phone
        .issue_cmd(Cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 93_750 }),
        ))
        .await
        .unwrap();
    phone.issue_cmd(Cdp("Emulation.setCPUThrottlingRate", json!({ "rate": 4 }))).await.unwrap();
    let mut first = None;
    let mut repeat = Vec::new();
    for i in 0..6 {
        phone.goto(&server.url(&format!("/canvass/walks/{walk}"))).await.unwrap();
        wait_until(&phone, "document.documentElement.dataset.interactive", "the walk page", Duration::from_secs(30)).await;
        let ms: f64 =
            phone.execute("return Number(document.documentElement.dataset.interactive);", vec![]).await.unwrap().as_f64().unwrap();
        let doors = phone.execute("return document.querySelectorAll('li.door').length;", vec![]).await.unwrap();
        assert_eq!(doors, json!(door_count));
        if i == 0 {
            first = Some(ms);
        } else {
            repeat.push(ms);
        }
    }
    repeat.sort_by(f64::total_cmp);
    println!(
        "walk page interactive ({door_count} doors, 4x CPU throttling, 150 ms RTT, 1.6 Mbit/s): first open {:.0} ms, then median {:.0} ms (min {:.0}, max {:.0}) over {} opens",
        first.unwrap(),
        repeat[repeat.len() / 2],
        repeat[0],
        repeat[repeat.len() - 1],
        repeat.len()
    );
    phone.close().await.unwrap();
    server.stop().await;
    f.db.finish().await;
}
