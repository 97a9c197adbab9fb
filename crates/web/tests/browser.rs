//! End to end in headless Chromium, with the network really cut (the server stopped, so the
//! service worker cannot hide a failure): a canvasser records answers offline and nothing is lost;
//! "My walks" and every assigned walk open with no signal on first use; signing out clears the
//! phone, but only once every answer is sent.

mod support;

use std::time::Duration;

use fantoccini::Locator;
use groundgame_core::access::Role;
use groundgame_store::canvassing;
use support::browser::{in_menu, sign_in, wait_until, Driver, Server};
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
    let payload = groundgame_app::canvassing::walk_payload(&f.app, f.actor(), walk).await.unwrap();
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
        // The next elector to answer opens by itself; another is opened with a tap on their name.
        if phone.find(Locator::Id(&format!("elector-{elector}"))).await.unwrap().attr("hidden").await.unwrap().is_some() {
            phone.find(Locator::Css(&format!("#door-{} button.elector", door.household_id))).await.unwrap().click().await.unwrap();
        }
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
    let contacts = desk.find(Locator::Css("span[data-k='totals.contacts']")).await.unwrap().text().await.unwrap();
    let supporters = desk.find(Locator::Css("span[data-k='totals.supporters']")).await.unwrap().text().await.unwrap();
    assert_eq!((contacts.as_str(), supporters.as_str()), ("20", "20"));
    let walk_row = desk.find(Locator::Css(&format!("td[data-k='walk.{walk}.status']"))).await.unwrap().text().await.unwrap();
    assert_eq!(walk_row, "in progress");
    desk.close().await.unwrap();
    server.stop().await;
    f.db.finish().await;
}

/// What the phone holds: (walks, answers, whether the page cache exists), read in the page.
async fn phone_holds(phone: &fantoccini::Client) -> (u64, u64, bool) {
    let v = phone
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const r = indexedDB.open('groundgame', 3);
               r.onupgradeneeded = () => { r.result.createObjectStore('walks', { keyPath: 'walk.id' }); r.result.createObjectStore('events', { keyPath: 'id' }); r.result.createObjectStore('meta'); r.result.createObjectStore('names', { keyPath: 'key' }); };
               r.onsuccess = async () => {
                 const d = r.result;
                 const count = (n) => new Promise((ok) => { const q = d.transaction(n).objectStore(n).count(); q.onsuccess = () => ok(q.result); });
                 const walks = await count('walks'), events = await count('events');
                 d.close();
                 done([walks, events, await caches.has('groundgame-pages')]);
               };"#,
            vec![],
        )
        .await
        .unwrap();
    (v[0].as_u64().unwrap(), v[1].as_u64().unwrap(), v[2].as_bool().unwrap())
}

/// New user, 1: a canvasser signs in at the meeting point, opens a walk, loses signal and taps
/// "My walks": it was "not saved on this phone". Now the list and every assigned walk are kept
/// from sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_walks_and_every_assigned_walk_open_with_no_signal_on_first_use() {
    let Some(driver) = Driver::start().await else { return };
    let f = fixture(TestDb::sqlite().await, 2000, 40).await;
    groundgame_app::canvassing::assign(&f.app, f.actor(), f.walks[1].id, Some(f.users[&email(Role::Canvasser)]), None).await.unwrap();
    let mut server = Server::start(f.app.clone()).await;
    let phone = driver.browser("meeting-point").await;
    sign_in(&phone, &server, &email(Role::Canvasser), PASSWORD).await;
    wait_until(&phone, "document.documentElement.dataset.precached === '2'", "both walks kept on the phone", Duration::from_secs(20)).await;
    // Opens the first walk while there is signal.
    phone.find(Locator::Css(&format!("a[data-walk='{}']", f.walks[0].id))).await.unwrap().click().await.unwrap();
    wait_until(&phone, "document.querySelectorAll('li.door').length > 20", "the first walk", Duration::from_secs(20)).await;
    wait_until(&phone, "navigator.serviceWorker && navigator.serviceWorker.controller", "the service worker", Duration::from_secs(20))
        .await;

    // The signal goes; "My walks" opens, and so does the walk never opened before.
    server.stop().await;
    in_menu(&phone, Locator::LinkText("My walks")).await;
    wait_until(&phone, "document.querySelectorAll('a[data-walk]').length === 2", "the list of walks, offline", Duration::from_secs(20))
        .await;
    let body = phone.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(!body.contains("not saved"), "{body}");
    phone.find(Locator::Css(&format!("a[data-walk='{}']", f.walks[1].id))).await.unwrap().click().await.unwrap();
    wait_until(&phone, "document.querySelectorAll('li.door').length > 10", "the second walk, offline", Duration::from_secs(20)).await;
    let name = phone.find(Locator::Id("walk-name")).await.unwrap().text().await.unwrap();
    assert_eq!(name, f.walks[1].name);
    phone.close().await.unwrap();
    f.db.finish().await;
}

/// Finding 10: sign-out left 3 walks and 398 electors with names, addresses and intentions on
/// the phone. Now it clears them, but never an answer not yet sent without saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_clears_the_phone_once_every_answer_is_sent() {
    let Some(driver) = Driver::start().await else { return };
    let f = fixture(TestDb::sqlite().await, 2000, 40).await;
    let walk = f.walks[0].id;
    let mut server = Server::start(f.app.clone()).await;
    let phone = driver.browser("sign-out").await;
    sign_in(&phone, &server, &email(Role::Canvasser), PASSWORD).await;
    wait_until(&phone, "document.documentElement.dataset.precached === '1'", "the walk kept on the phone", Duration::from_secs(20)).await;
    phone.goto(&server.url(&format!("/canvass/walks/{walk}"))).await.unwrap();
    wait_until(&phone, "document.querySelectorAll('li.door').length > 20", "the doors", Duration::from_secs(20)).await;
    wait_until(&phone, "navigator.serviceWorker && navigator.serviceWorker.controller", "the service worker", Duration::from_secs(20))
        .await;

    // One answer recorded with no signal, then "Sign out".
    server.stop().await;
    phone.find(Locator::Css("li.door button[data-outcome='NI']")).await.unwrap().click().await.unwrap();
    wait_until(&phone, "document.getElementById('sync-status').dataset.unsent === '1'", "1 unsent answer", Duration::from_secs(10)).await;
    let status = phone.find(Locator::Id("sync-status")).await.unwrap().text().await.unwrap();
    assert!(status.starts_with("1 answer waiting to send"), "{status}");
    in_menu(&phone, Locator::Css("form.sign-out button")).await;
    wait_until(&phone, "!document.getElementById('unsent-dialog').hidden", "the warning", Duration::from_secs(20)).await;
    let warning = phone.find(Locator::Id("unsent-text")).await.unwrap().text().await.unwrap();
    assert!(warning.contains("1 answer has not reached the server"), "{warning}");
    phone.find(Locator::Id("unsent-stay")).await.unwrap().click().await.unwrap();
    assert_eq!(phone_holds(&phone).await.1, 1, "staying keeps the answer");

    // Signal again: signing out sends it first, then clears the phone.
    server.restart().await;
    in_menu(&phone, Locator::Css("form.sign-out button")).await;
    wait_until(&phone, "location.pathname === '/login'", "the sign-in page", Duration::from_secs(20)).await;
    assert_eq!(contacts_on_server(&f.db.store, &f.campaign).await, 1);
    assert_eq!(phone_holds(&phone).await, (0, 0, false), "no walk, no answer and no page left on the phone");
    phone.close().await.unwrap();
    server.stop().await;
    f.db.finish().await;
}

/// Polling day with no signal at the station: a teller takes 30 numbers offline (one typed on
/// the keypad with the voter's name shown, one taken back with Undo), the phone sends them when
/// the signal returns, the knock-up list of the district loses exactly the promises among them,
/// and the committee room, open all along, counts them without a reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teller_works_offline_and_the_committee_room_follows() {
    use groundgame_app::polling_day::{self, KnockUp};
    let Some(driver) = Driver::start().await else { return };
    let f = fixture(TestDb::sqlite().await, 2000, 40).await;
    let district = f.walks[0].polling_district.clone();
    groundgame_app::simulation::canvass(&f.app, f.actor(), f.users[&email(Role::Canvasser)], 5).await.unwrap();
    let knock_up = || async {
        let list = polling_day::knock_up(&f.app, f.actor(), KnockUp::District(district.clone())).await.unwrap();
        list.electors.into_iter().map(|e| e.elector_number).collect::<Vec<String>>()
    };
    let before = knock_up().await;
    assert!(before.len() > 40, "the simulated canvass made promises: {}", before.len());
    let names = polling_day::teller_names(&f.app, f.actor(), &district).await.unwrap();
    // 20 promises and 10 electors who are not, as printed on their poll cards.
    let printed = |full: &str| full.split_once('-').unwrap().1.to_owned();
    let promised: Vec<String> = before.iter().step_by(2).take(20).map(|n| printed(n)).collect();
    let others: Vec<String> =
        names.iter().map(|n| n.number.clone()).filter(|n| !before.contains(&format!("{district}-{n}"))).take(10).collect();
    assert_eq!((promised.len(), others.len()), (20, 10));

    let mut server = Server::start(f.app.clone()).await;
    let desk = driver.browser("committee-room").await;
    sign_in(&desk, &server, &email(Role::Organiser), PASSWORD).await;
    desk.goto(&server.url("/committee-room")).await.unwrap();
    wait_until(&desk, "document.getElementById('room').dataset.promisesVoted === '0'", "the committee room", Duration::from_secs(20)).await;

    let phone = driver.browser("teller").await;
    sign_in(&phone, &server, &email(Role::Teller), PASSWORD).await;
    assert_eq!(phone.current_url().await.unwrap().path(), "/tell", "a teller lands on the teller page");
    phone.find(Locator::Css(&format!("#district option[value='{district}']"))).await.unwrap().click().await.unwrap();
    wait_until(&phone, "document.getElementById('names-status').textContent.includes('voters')", "the names", Duration::from_secs(20))
        .await;
    wait_until(&phone, "navigator.serviceWorker && navigator.serviceWorker.controller", "the service worker", Duration::from_secs(20))
        .await;

    // The signal goes.
    server.stop().await;
    // The first on the keypad: the voter's name shows before it is struck off.
    for key in promised[0].chars() {
        phone.find(Locator::Css(&format!(".keypad button[data-key='{key}']"))).await.unwrap().click().await.unwrap();
    }
    let first_name = &names.iter().find(|n| n.number == promised[0]).unwrap().name;
    let who = phone.find(Locator::Id("who")).await.unwrap().text().await.unwrap();
    assert!(who.contains(first_name.as_str()), "{who} names {first_name}");
    phone.find(Locator::Id("strike")).await.unwrap().click().await.unwrap();
    // The rest typed, each with Enter; one mistyped and taken back.
    let number = phone.find(Locator::Id("number")).await.unwrap();
    for n in promised[1..].iter().chain(&others) {
        number.send_keys(&format!("{n}\n")).await.unwrap();
    }
    number.send_keys("7777\n").await.unwrap();
    // The list is drawn again as each number is kept: wait for the mistyped one's Undo, then tap
    // it (found again if a redraw replaced it between finding and tapping).
    wait_until(
        &phone,
        "document.querySelector(\"#recent li button[aria-label*='7777']\")",
        "an undo of the last number",
        Duration::from_secs(10),
    )
    .await;
    tap(&phone, "#recent li button[aria-label*='7777']").await;
    wait_until(
        &phone,
        "document.getElementById('sync-status').dataset.unsent === '32'",
        "31 numbers and an undo unsent",
        Duration::from_secs(20),
    )
    .await;
    let status = phone.find(Locator::Id("sync-status")).await.unwrap().text().await.unwrap();
    assert!(status.contains("32 numbers waiting to send"), "{status}");
    // Reloading with no signal loses nothing.
    phone.refresh().await.unwrap();
    wait_until(
        &phone,
        "document.getElementById('sync-status').dataset.unsent === '32'",
        "32 still unsent after reload",
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(knock_up().await, before, "nothing reached the server");

    // The signal returns: everything is sent once, and the committee room counts the 20
    // promises without a reload.
    server.restart().await;
    wait_until(&phone, "document.getElementById('sync-status').dataset.unsent === '0'", "the outbox to empty", Duration::from_secs(30))
        .await;
    let after = knock_up().await;
    let struck: Vec<String> = promised.iter().map(|n| format!("{district}-{n}")).collect();
    let expected: Vec<String> = before.iter().filter(|n| !struck.contains(n)).cloned().collect();
    assert_eq!(after, expected, "exactly the promised supporters among the 30 leave the knock-up list");
    wait_until(
        &desk,
        "document.getElementById('room').dataset.promisesVoted === '20'",
        "the committee room to count 20",
        Duration::from_secs(20),
    )
    .await;
    let log = groundgame_app::register::audit_log(&f.app, &f.campaign, 1000).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "telling_withdrawn").count(), 1, "the undo reached the server");
    phone.close().await.unwrap();
    desk.close().await.unwrap();
    server.stop().await;
    f.db.finish().await;
}

/// Taps a button, finding it again if the page drew it anew between finding and tapping.
async fn tap(phone: &fantoccini::Client, css: &str) {
    for _ in 0..10 {
        if let Ok(button) = phone.find(Locator::Css(css)).await {
            if button.click().await.is_ok() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("could not tap {css}");
}

/// Knocking up with no signal: the canvasser's knock-up page of their walk opens offline (it was
/// kept when they signed in), a promise marked "Voted" and a door marked "Do not return today"
/// leave the list at once, and the server has both once the signal returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_knocker_works_offline_and_the_list_follows() {
    use groundgame_app::polling_day::{self, KnockUp};
    let Some(driver) = Driver::start().await else { return };
    let f = fixture(TestDb::sqlite().await, 2000, 40).await;
    let walk = f.walks[0].id;
    groundgame_app::simulation::canvass(&f.app, f.actor(), f.users[&email(Role::Canvasser)], 5).await.unwrap();
    let list = || async { polling_day::knock_up(&f.app, f.actor(), KnockUp::Walk(walk)).await.unwrap().electors };
    // The committee room sends the knocker out: the walk's first round of the day.
    polling_day::start_rounds(&f.app, f.actor(), &[walk], None).await.unwrap();
    let before = list().await;
    let doors: Vec<i64> = before.iter().map(|e| e.household_id).fold(Vec::new(), |mut v, h| {
        if v.last() != Some(&h) {
            v.push(h);
        }
        v
    });
    assert!(doors.len() >= 3, "promises at {} doors", doors.len());
    let voter = before[0].clone();
    let closed = doors[2];

    let mut server = Server::start(f.app.clone()).await;
    let phone = driver.browser("knocker").await;
    sign_in(&phone, &server, &email(Role::Canvasser), PASSWORD).await;
    wait_until(&phone, "document.documentElement.dataset.precached === '1'", "the walk kept on the phone", Duration::from_secs(20)).await;
    phone.goto(&server.url(&format!("/canvass/walks/{walk}/knock-up"))).await.unwrap();
    wait_until(
        &phone,
        &format!("document.getElementById('knock').dataset.left === '{}'", before.len()),
        "the knock-up list",
        Duration::from_secs(20),
    )
    .await;
    wait_until(
        &phone,
        "document.getElementById('knock-round').textContent.startsWith('Round 1, from')",
        "the round",
        Duration::from_secs(10),
    )
    .await;
    wait_until(&phone, "navigator.serviceWorker && navigator.serviceWorker.controller", "the service worker", Duration::from_secs(20))
        .await;

    server.stop().await;
    phone.refresh().await.unwrap();
    wait_until(
        &phone,
        &format!("document.getElementById('knock').dataset.left === '{}'", before.len()),
        "the list, offline",
        Duration::from_secs(20),
    )
    .await;
    tap(&phone, &format!("button[data-answer=voted][data-elector='{}']", voter.elector_id)).await;
    // The list is drawn again at once: wait for it before the next tap.
    wait_until(
        &phone,
        &format!("!document.getElementById('knock-elector-{}')", voter.elector_id),
        "the voter off the list",
        Duration::from_secs(10),
    )
    .await;
    tap(&phone, &format!("button[data-answer=do_not_return][data-door='{closed}']")).await;
    let at_closed = before.iter().filter(|e| e.household_id == closed).count();
    let left = before.len() - 1 - at_closed;
    wait_until(
        &phone,
        &format!("document.getElementById('knock').dataset.left === '{left}'"),
        "both off the list at once",
        Duration::from_secs(10),
    )
    .await;
    wait_until(&phone, "document.getElementById('sync-status').dataset.unsent === '2'", "2 answers unsent", Duration::from_secs(10)).await;
    assert_eq!(list().await.len(), before.len(), "nothing reached the server");

    server.restart().await;
    wait_until(&phone, "document.getElementById('sync-status').dataset.unsent === '0'", "the outbox to empty", Duration::from_secs(30))
        .await;
    let after = list().await;
    assert_eq!(after.len(), left, "the server's list follows");
    assert!(!after.iter().any(|e| e.elector_id == voter.elector_id || e.household_id == closed));
    phone.close().await.unwrap();
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

/// Every page each role can open, in Chromium on a 360x740 phone and a 1280x900 desktop: nothing
/// scrolls sideways, and no link on it leads where that role cannot go (Forbidden, or nothing
/// there). Public pages too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_and_links_only_where_the_role_may_go() {
    use groundgame_core::access::allows;
    use groundgame_web::{Access, ROUTES};
    let Some(driver) = Driver::start().await else { return };
    let f = fixture(TestDb::sqlite().await, 1500, 20).await;
    let actor = f.actor();
    let day = (chrono::Utc::now() + chrono::Duration::days(6)).format("%Y-%m-%d").to_string();
    let form = groundgame_app::volunteers::SessionForm {
        name: "Saturday morning, Darley Abbey".into(),
        meeting_point: "Darley Park café".into(),
        starts_at: format!("{day}T10:00"),
        ends_at: format!("{day}T13:00"),
        capacity: 12,
        ..Default::default()
    };
    let session = groundgame_app::volunteers::add_session(&f.app, actor, &form).await.unwrap();
    let signup = groundgame_app::volunteers::SignUp {
        name: "Asha Patel".into(),
        email: "asha@example.org".into(),
        campaign: Some(f.campaign.ballot_id.clone()),
        session_id: Some(session),
        ..Default::default()
    };
    groundgame_app::volunteers::sign_up(&f.app, &signup, "192.0.2.9").await.unwrap();
    let secret = groundgame_app::volunteers::secret_of(&f.app, &f.campaign, "asha@example.org").await.unwrap().unwrap();
    groundgame_app::volunteers::confirm(&f.app, &secret).await.unwrap();
    let post =
        groundgame_app::posts::PostForm { title: "Why Derby North matters".into(), body: "41 votes in 2015.".into(), ..Default::default() };
    let post = groundgame_app::posts::publish(&f.app, actor, &post).await.unwrap();
    let walk = f.walks[0].id.to_string();
    let ballot = f.campaign.ballot_id.clone();
    let gss = f.campaign.gss.clone();
    let texted = texts_to_show(&f).await;
    let concrete = |path: &str| -> Option<String> {
        if path == "/texts/thread" {
            return Some(format!("{path}?to_elector={texted}"));
        }
        let p = path
            .replace("{campaign}", &ballot)
            .replace("{session}", &session.to_string())
            .replace("{secret}", &secret)
            .replace("{gss}", &gss)
            .replace("/posts/{id}", &format!("/posts/{post}"))
            .replace("/sessions/{id}", &format!("/sessions/{session}"))
            .replace("{id}", &walk);
        (!p.contains('{')).then_some(p)
    };
    // Pages: GET routes that answer HTML (not the API, files, feeds, images or one-button pages).
    let pages: Vec<(&Access, String)> = ROUTES
        .iter()
        .filter(|r| r.method == axum::http::Method::GET && !r.is_api())
        .filter(|r| !["/static/", "/sw.js", "/manifest", "/s/", "/logout", "/invite/", "/reset/"].iter().any(|x| r.path.starts_with(x)))
        .filter(|r| {
            ![".ics", ".atom", "/image", "/data", ".csv", ".geojson", ".gpx", "/export", "/events"].iter().any(|x| r.path.contains(x))
        })
        .filter_map(|r| concrete(r.path).map(|p| (&r.access, p)))
        .collect();
    let server = Server::start(f.app.clone()).await;
    let mut problems = Vec::new();
    let mut opened = 0;
    for role in [None, Some(Role::Organiser), Some(Role::DataOfficer), Some(Role::Canvasser), Some(Role::Teller)] {
        let who = role.map_or("signed out", |r| r.label());
        let phone = driver.browser(&format!("fit-{who}")).await;
        if let Some(r) = role {
            sign_in(&phone, &server, &email(r), PASSWORD).await;
        }
        let mut links_checked = std::collections::HashSet::new();
        let mut kinds: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        // The phone first, links and all; then the desktop, for width alone (the links are the same).
        for (width, height) in [(360, 740), (1280, 900)] {
            phone.set_window_size(width, height).await.unwrap();
            for (access, path) in &pages {
                let may = match (access, role) {
                    (Access::Public, _) => true,
                    (Access::Needs(p), Some(r)) => allows(r, *p),
                    (Access::Needs(_), None) => false,
                };
                if !may {
                    continue;
                }
                phone.goto(&server.url(path)).await.unwrap();
                wait_until(&phone, "document.readyState === 'complete'", path, Duration::from_secs(20)).await;
                opened += 1;
                let (scroll, client) = {
                    let v = phone
                        .execute("return [document.scrollingElement.scrollWidth, document.documentElement.clientWidth];", vec![])
                        .await
                        .unwrap();
                    (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
                };
                if scroll > client {
                    let widest = phone
                    .execute(
                        "var w = null; document.querySelectorAll('main *').forEach(function (e) { var r = e.getBoundingClientRect(); \
                         if (r.right > document.documentElement.clientWidth + 1 && (!w || r.width > w.r)) { w = { r: r.width, t: e.tagName + (e.className ? '.' + e.className : '') + ' ' + (e.textContent || '').trim().slice(0, 40) }; } }); return w && w.t;",
                        vec![],
                    )
                    .await
                    .unwrap();
                    problems.push(format!("{who}: {path} is {scroll} px wide at {client} px (widest: {widest})"));
                }
                if width > 360 {
                    continue;
                }
                // Every link on the page, opened the way the browser would (with this session).
                let links: Vec<String> = phone
                .execute(
                    "return Array.from(document.querySelectorAll('a[href^=\"/\"]')).map(function (a) { return a.getAttribute('href'); });",
                    vec![],
                )
                .await
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .filter(|l| !l.starts_with("/logout") && !l.starts_with("/s/"))
                .collect();
                for link in links {
                    // Each link once, and at most three of a kind (650 seats' pages, a walk's doors).
                    let kind: String = link
                        .split(['/', '?'])
                        .map(|seg| if seg.chars().any(|c| c.is_ascii_digit()) { "*" } else { seg })
                        .collect::<Vec<_>>()
                        .join("/");
                    if !links_checked.insert(link.clone()) || *kinds.entry(kind).and_modify(|n| *n += 1).or_insert(1) > 3 {
                        continue;
                    }
                    let status = phone
                    .execute_async(
                        "var done = arguments[arguments.length - 1]; fetch(arguments[0], { credentials: 'same-origin', redirect: 'manual' }).then(function (r) { done(r.type === 'opaqueredirect' ? 303 : r.status); }, function () { done(0); });",
                        vec![serde_json::Value::String(link.clone())],
                    )
                    .await
                    .unwrap();
                    let status = status.as_u64().unwrap_or(0);
                    if status == 403 || status == 404 || status == 0 || status >= 500 {
                        problems.push(format!("{who}: {path} links to {link}, which answers {status}"));
                    }
                }
            }
        }
        phone.close().await.unwrap();
    }
    assert!(opened > 80, "{opened} pages opened");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    f.db.finish().await;
}

/// The usual doorstep answer on a phone: the walk opens at its first door with the first elector
/// ready, and intention, certainty and Save are three taps; Save with nothing chosen says why; a
/// keyboard goes from Labour to Save in a few Tabs; a whole house answers the same in one more tap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_usual_doorstep_answer_is_three_taps_and_a_house_answers_together() {
    let Some(driver) = Driver::start().await else { return };
    let f = fixture(TestDb::sqlite().await, 4000, 20).await;
    let walk = f.walks[0].id;
    let payload = groundgame_app::canvassing::walk_payload(&f.app, f.actor(), walk).await.unwrap();
    let first = payload.doors.iter().find(|d| !d.electors.is_empty()).unwrap();
    assert_eq!(first.household_id, payload.doors[0].household_id, "the first door has electors");
    // A house of several electors, on another walk given to the same canvasser.
    let mut house = None;
    for w in &f.walks[1..] {
        let p = groundgame_app::canvassing::walk_payload(&f.app, f.actor(), w.id).await.unwrap();
        if let Some(d) = p.doors.iter().find(|d| d.electors.len() >= 2) {
            groundgame_app::canvassing::assign(&f.app, f.actor(), w.id, Some(f.users[&email(Role::Canvasser)]), None).await.unwrap();
            house = Some((w.id, d.clone()));
            break;
        }
    }
    let (house_walk, house) = house.expect("a house of two or more electors");
    // The campaign's talking points for a top issue.
    let mut survey = groundgame_core::survey::Survey::default();
    let issue = survey.questions.iter_mut().find(|q| q.key == groundgame_core::survey::TOP_ISSUE).unwrap();
    issue.choices.iter_mut().find(|c| c.code == "NHS").unwrap().talking_points = "No one waiting more than 18 weeks.".into();
    groundgame_app::canvassing::set_survey(&f.app, f.actor(), &survey).await.unwrap();
    let server = Server::start(f.app.clone()).await;
    let phone = driver.browser("doorstep").await;
    phone.set_window_size(360, 740).await.unwrap();
    sign_in(&phone, &server, &email(Role::Canvasser), PASSWORD).await;
    phone.goto(&server.url(&format!("/canvass/walks/{walk}"))).await.unwrap();
    wait_until(&phone, "document.querySelectorAll('li.door').length > 5", "the doors", Duration::from_secs(20)).await;

    // The walk's map names its streets (there are no map tiles).
    wait_until(&phone, "document.querySelectorAll('#walk-map text.street').length > 0", "street names on the map", Duration::from_secs(10))
        .await;

    // Opening the walk: the first elector of the first door is ready; three taps save the answer.
    let e0 = first.electors[0].id;
    let mut taps = 0;
    for css in [
        format!("#elector-{e0} button[data-q=voting_intention][data-code=Lab]"),
        format!("#elector-{e0} button[data-q=certainty][data-code='5']"),
        format!("button[data-save='{e0}']"),
    ] {
        phone.find(Locator::Css(&css)).await.unwrap().click().await.unwrap();
        taps += 1;
    }
    wait_until(&phone, "document.getElementById('sync-status').dataset.unsent !== undefined && gg", "the status", Duration::from_secs(5))
        .await;
    wait_until(
        &phone,
        &format!("document.querySelector('#door-{} .door-status').textContent.includes('Done')", first.household_id),
        "the first answer saved",
        Duration::from_secs(10),
    )
    .await;
    assert!(taps <= 3, "{taps} taps from opening the walk to the first saved answer");
    // The one-screen part: intention, certainty and Save fit a 740 px screen without scrolling.
    let fits = phone.execute(&format!("return document.querySelector(\"button[data-save='{e0}']\") !== null;"), vec![]).await.unwrap();
    assert_eq!(fits, serde_json::Value::Bool(true));

    // The next elector opened by itself; Save with nothing chosen says why and records nothing.
    let next = phone
        .execute(
            "var p = Array.from(document.querySelectorAll('.survey')).find(function (x) { return !x.hidden; }); return p ? p.id : null;",
            vec![],
        )
        .await
        .unwrap();
    let next = next.as_str().expect("an elector open after the first answer").trim_start_matches("elector-").to_owned();
    phone.find(Locator::Css(&format!("button[data-save='{next}']"))).await.unwrap().click().await.unwrap();
    let why = phone.find(Locator::Css(&format!("#elector-{next} .why"))).await.unwrap().text().await.unwrap();
    assert!(why.starts_with("Nothing chosen yet"), "{why}");

    // A keyboard: from Labour to Save in at most three Tabs (each group of answers is one stop).
    phone
        .find(Locator::Css(&format!("#elector-{next} button[data-q=voting_intention][data-code=Lab]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut tabs = 0;
    loop {
        phone.active_element().await.unwrap().send_keys("\u{E004}").await.unwrap();
        tabs += 1;
        let on = phone.execute("return document.activeElement.dataset.save || null;", vec![]).await.unwrap();
        if on.as_str() == Some(next.as_str()) || tabs > 40 {
            break;
        }
    }
    assert!(tabs <= 3, "{tabs} Tabs from Labour to Save");

    // Their top issue, under "More questions": the campaign's lines for it appear at once.
    phone.find(Locator::Css(&format!("#elector-{next} details.more summary"))).await.unwrap().click().await.unwrap();
    phone.find(Locator::Css(&format!("#elector-{next} button[data-q=top_issue][data-code=NHS]"))).await.unwrap().click().await.unwrap();
    let say = phone.find(Locator::Css(&format!("#elector-{next} [data-points=top_issue]"))).await.unwrap().text().await.unwrap();
    assert_eq!(say, "No one waiting more than 18 weeks.");
    phone.find(Locator::Css(&format!("button[data-save='{next}']"))).await.unwrap().click().await.unwrap();

    // A house of several: the first elector's answer, then "Same for the other N here".
    phone.goto(&server.url(&format!("/canvass/walks/{house_walk}"))).await.unwrap();
    wait_until(
        &phone,
        &format!("document.getElementById('door-{}') !== null", house.household_id),
        "the house's walk",
        Duration::from_secs(20),
    )
    .await;
    let h0 = house.electors[0].id;
    if phone.find(Locator::Id(&format!("elector-{h0}"))).await.unwrap().attr("hidden").await.unwrap().is_some() {
        phone.find(Locator::Css(&format!("#door-{} button.elector", house.household_id))).await.unwrap().click().await.unwrap();
    }
    phone
        .find(Locator::Css(&format!("#elector-{h0} button[data-q=voting_intention][data-code=Lab]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    phone.find(Locator::Css(&format!("button[data-save='{h0}']"))).await.unwrap().click().await.unwrap();
    let same = phone.find(Locator::Css(&format!("#door-{} button.same", house.household_id))).await.unwrap();
    let label = same.text().await.unwrap();
    let others = house.electors.len() - 1;
    assert!(label.starts_with("Same for") && (others == 1 || label.contains(&format!("the other {others} here"))), "{label}");
    same.click().await.unwrap();
    let want = 2 + house.electors.len();
    let store = f.db.store.clone();
    let started = std::time::Instant::now();
    loop {
        let n = contacts_on_server(&store, &f.campaign).await;
        if n as usize >= want {
            assert_eq!(n as usize, want, "one answer each, nothing twice");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{n} of {want} answers reached the server");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // What voters raise: the one top issue given, counted for the organiser.
    let issues = groundgame_app::canvassing::issues_report(&f.app, f.actor()).await.unwrap();
    assert_eq!(issues.total.get("NHS"), Some(&1));
    phone.close().await.unwrap();
    f.db.finish().await;
}

/// A 60-door walk's sheet printed to PDF in Chromium (A4): how many pages it takes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sixty_door_walk_sheet_prints_on_four_a4_pages_at_most() {
    use base64::Engine;
    use support::browser::Cdp;
    let Some(driver) = Driver::start().await else { return };
    let f = fixture(TestDb::sqlite().await, 4000, 60).await;
    let walk = f.walks.iter().max_by_key(|w| w.doors).unwrap();
    assert_eq!(walk.doors, 60, "a walk of 60 doors");
    let server = Server::start(f.app.clone()).await;
    let desk = driver.browser("sheet").await;
    sign_in(&desk, &server, &email(Role::DataOfficer), PASSWORD).await;
    desk.goto(&server.url(&format!("/walks/{}/sheet", walk.id))).await.unwrap();
    wait_until(&desk, "document.querySelector('table.sheet-table') !== null", "the sheet", Duration::from_secs(20)).await;
    let pdf = desk
        .issue_cmd(Cdp("Page.printToPDF", serde_json::json!({ "paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": true })))
        .await
        .unwrap();
    let bytes = base64::engine::general_purpose::STANDARD.decode(pdf["data"].as_str().unwrap()).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    // Each page object is "/Type /Page" (the page tree is "/Type /Pages").
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    println!("a {}-door walk ({} electors) prints on {pages} A4 pages", walk.doors, walk.electors);
    assert!((1..=4).contains(&pages), "{pages} A4 pages for {} doors and {} electors", walk.doors, walk.electors);
    desk.close().await.unwrap();
    f.db.finish().await;
}

/// A template, four electors who agreed to texts, and a text from the canvasser to the first
/// (in the outbox, from the hour before): the first elector's id.
async fn texts_to_show(f: &support::Fixture) -> i64 {
    use groundgame_app::texting;
    let actor = f.actor();
    let t = texting::add_template(
        &f.app,
        actor,
        "Saturday",
        "Hi {first_name}, we're in your street on Saturday: anything you'd like us to hear?",
    )
    .await
    .unwrap();
    let sheet = groundgame_app::canvassing::paper(&f.app, actor, f.walks[0].id, "test").await.unwrap();
    let electors: Vec<_> = sheet.doors.iter().flat_map(|d| d.electors.iter()).take(4).collect();
    for (i, e) in electors.iter().enumerate() {
        texting::add_elector_phone(&f.app, actor, &e.number, &format!("07700 900{:03}", 300 + i), true, false, "doorstep").await.unwrap();
    }
    let id = uuid::Uuid::now_v7().to_string();
    let at = groundgame_store::db::time_text(chrono::Utc::now() - chrono::Duration::hours(1));
    let text = groundgame_store::texting::NewText {
        id: &id,
        number: "+447700900300",
        elector_id: Some(electors[0].id),
        volunteer_id: None,
        user_id: Some(f.users[&email(Role::Canvasser)]),
        template_id: Some(t.id),
        body: "Hi there, we're in your street on Saturday: anything you'd like us to hear? Reply STOP to stop these texts.",
        not_before: &at,
    };
    let mut tx = f.app.store.begin_write().await.unwrap();
    groundgame_store::texting::queue(&mut tx, f.campaign.id, &text, &at).await.unwrap();
    tx.commit().await.unwrap();
    electors[0].id
}

/// A texter on a phone-sized page: who to text next, one tap to send (or, out of hours, the
/// reason in words), their thread, all with the keyboard as well as taps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_texter_sends_with_one_tap_on_a_phone_and_reads_the_thread() {
    let Some(driver) = Driver::start().await else { return };
    let f = fixture(TestDb::sqlite().await, 600, 20).await;
    let texted = texts_to_show(&f).await;
    let server = Server::start(f.app.clone()).await;
    let phone = driver.browser("texter").await;
    phone.set_window_size(360, 740).await.unwrap();
    sign_in(&phone, &server, &email(Role::Canvasser), PASSWORD).await;
    phone.goto(&server.url("/texts")).await.unwrap();
    wait_until(&phone, "document.readyState === 'complete'", "/texts", Duration::from_secs(20)).await;
    let status = phone.find(fantoccini::Locator::Css("p[role=status]")).await.unwrap().text().await.unwrap();
    assert!(status.contains("No SMS provider") || status.contains("delivered"), "{status}");
    // Three people wait (the first was texted within the fortnight); the first Send, by keyboard.
    let offered = phone.find_all(fantoccini::Locator::Css("form[action='/texts/send']")).await.unwrap();
    assert_eq!(offered.len(), 3, "three people to text next");
    let send = phone.find(fantoccini::Locator::Css("form[action='/texts/send'] button")).await.unwrap();
    send.send_keys("\u{E007}").await.unwrap(); // Enter
    wait_until(&phone, "document.querySelector('p.ok, p.error') !== null", "the answer", Duration::from_secs(20)).await;
    let in_hours = groundgame_core::texting::sending_hours(chrono::Utc::now()).is_ok();
    if in_hours {
        let ok = phone.find(fantoccini::Locator::Css("p.ok")).await.unwrap().text().await.unwrap();
        assert!((ok.contains("Queued") || ok.contains("Sent to the outbox")) && ok.contains("Reply STOP"), "{ok}");
        assert_eq!(phone.find_all(fantoccini::Locator::Css("form[action='/texts/send']")).await.unwrap().len(), 2, "one fewer to text");
    } else {
        let refused = phone.find(fantoccini::Locator::Css("p.error")).await.unwrap().text().await.unwrap();
        assert!(refused.contains("quiet hours") && refused.contains("09:00"), "{refused}");
    }
    // The page fits the phone, and the thread opens from it.
    let wide: bool = phone
        .execute("return document.scrollingElement.scrollWidth > document.documentElement.clientWidth;", vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(!wide, "the texts page fits 360 px");
    phone.goto(&server.url(&format!("/texts/thread?to_elector={texted}"))).await.unwrap();
    let thread = phone.find(fantoccini::Locator::Css("ol.thread")).await.unwrap().text().await.unwrap();
    assert!(thread.contains("waiting in the outbox") && thread.contains("Reply STOP"), "{thread}");
    phone.close().await.unwrap();
    f.db.finish().await;
}

/// A caller's session on a phone-sized page: the call list, the next person with a button that
/// dials them from the phone, what to say, and the call saved (a conversation with an answer, then
/// a busy line), with the keyboard as well as taps. The page fits 360 px, and the server has each
/// call and each showing of a number audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_works_a_call_list_on_a_phone() {
    use groundgame_app::{calling, texting};
    let Some(driver) = Driver::start().await else { return };
    let f = fixture(TestDb::sqlite().await, 600, 20).await;
    let actor = f.actor();
    let sheet = groundgame_app::canvassing::paper(&f.app, actor, f.walks[0].id, "test").await.unwrap();
    let electors: Vec<_> = sheet.doors.iter().flat_map(|d| d.electors.iter()).take(2).collect();
    for (i, e) in electors.iter().enumerate() {
        texting::add_elector_phone(&f.app, actor, &e.number, &format!("07700 900{:03}", 400 + i), false, true, "doorstep").await.unwrap();
    }
    let new = calling::NewCallList { name: "Saturday phone bank", filter: Default::default(), goal: 10, cooldown_hours: 4 };
    let list = calling::create_list(&f.app, actor, new).await.unwrap();
    assert_eq!(list.standing.ready, 2);
    let id = list.list.id;
    let mut server = Server::start(f.app.clone()).await;
    let phone = driver.browser("caller").await;
    phone.set_window_size(360, 740).await.unwrap();
    sign_in(&phone, &server, &email(Role::Canvasser), PASSWORD).await;
    let fits = || async {
        let wide: bool = phone
            .execute("return document.scrollingElement.scrollWidth > document.documentElement.clientWidth;", vec![])
            .await
            .unwrap()
            .as_bool()
            .unwrap();
        !wide
    };
    phone.goto(&server.url("/calls")).await.unwrap();
    wait_until(&phone, "document.readyState === 'complete'", "/calls", Duration::from_secs(20)).await;
    assert!(phone.source().await.unwrap().contains("Saturday phone bank"));
    assert!(fits().await, "the call lists fit 360 px");
    let names: Vec<String> = electors.iter().map(|e| e.name.clone()).collect();
    for (round, outcome) in [(1, "talked"), (2, "busy")] {
        // The next person, by keyboard.
        let next = phone.find(Locator::Css(&format!("form[action='/calls/{id}/next'] button"))).await.unwrap();
        next.send_keys("\u{E007}").await.unwrap(); // Enter
        wait_until(&phone, "document.querySelector('a.button.call') !== null", "the person to call", Duration::from_secs(20)).await;
        let dial = phone.find(Locator::Css("a.button.call")).await.unwrap();
        let tel = dial.attr("href").await.unwrap().unwrap();
        assert!(tel.starts_with("tel:+44770090040"), "{tel}");
        let who = phone.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
        assert!(names.iter().any(|n| n.contains(who.split(' ').next().unwrap())), "{who} is one of {names:?}");
        assert!(!phone.find(Locator::Css("p.script")).await.unwrap().text().await.unwrap().is_empty(), "what to say");
        assert!(fits().await, "the caller's session fits 360 px");
        // What came of it: the radio chosen with the space bar, the answer with a tap.
        let radio = phone.find(Locator::Css(&format!("input[name=outcome][value={outcome}]"))).await.unwrap();
        radio.send_keys(" ").await.unwrap();
        if outcome == "talked" {
            phone.find(Locator::Css(&format!("form[action='/calls/{id}/record'] details summary"))).await.unwrap().click().await.unwrap();
            phone.find(Locator::Css("input[name='q.voting_intention'][value='Lab']")).await.unwrap().click().await.unwrap();
        }
        let save = phone.find(Locator::Css(&format!("form[action='/calls/{id}/record'] button[type=submit]"))).await.unwrap();
        save.send_keys("\u{E007}").await.unwrap();
        wait_until(&phone, "document.querySelector('p.ok, p.error') !== null", "the call saved", Duration::from_secs(20)).await;
        let said = phone.find(Locator::Css("p.ok, p.error")).await.unwrap().text().await.unwrap();
        let expected = if round == 1 { "Saved: Talked" } else { "Saved: Busy. They will be offered again after" };
        assert!(said.contains(expected), "round {round}: {said}");
        assert!(fits().await);
    }
    // No one is left to call now; the server has both calls, the answer and both showings audited.
    let next = phone.find(Locator::Css(&format!("form[action='/calls/{id}/next'] button"))).await.unwrap();
    next.send_keys("\u{E007}").await.unwrap();
    wait_until(&phone, "document.querySelector('p.error') !== null", "no one ready", Duration::from_secs(20)).await;
    let said = phone.find(Locator::Css("p.error")).await.unwrap().text().await.unwrap();
    assert!(said.contains("No one on this list is ready"), "{said}");
    let lists = calling::lists(&f.app, actor).await.unwrap();
    assert_eq!((lists[0].standing.calls, lists[0].standing.talked), (2, 1), "{:?}", lists[0].standing);
    assert_eq!(groundgame_app::canvassing::contact_count(&f.app, actor).await.unwrap(), 1, "the answer reached the canvass");
    let log = groundgame_app::register::audit_log(&f.app, &f.campaign, 1000).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "call_number_shown").count(), 2);
    assert_eq!(log.iter().filter(|e| e.action == "call_made").count(), 2);
    phone.close().await.unwrap();
    server.stop().await;
    f.db.finish().await;
}
