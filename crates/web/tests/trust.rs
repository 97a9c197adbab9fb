//! Trust: what an organiser of another campaign, a signed-out visitor, a phone with a wrong clock,
//! a replayed request or a reassigned walk can make the server do. Each test is a hole found
//! under attack (or on a busy Saturday) and what now happens instead, on SQLite and PostgreSQL
//! where storage is involved.

mod support;

use axum::http::{header, Method, StatusCode};
use chrono::NaiveDate;
use groundgame_app::walks::WalkSize;
use groundgame_app::{accounts, campaigns, canvassing, walks, Actor};
use groundgame_core::access::Role;
use groundgame_core::geography::GssCode;
use groundgame_store::campaigns::Campaign;
use groundgame_store::walks::Walk;
use groundgame_web::{AppState, WebSettings, ROUTES};
use serde_json::json;
use support::{audited, contacts, email, enc, fixture, minutes_from_now, Client, Fixture, TestDb, PASSWORD, SECOND_CANVASSER};

/// Another campaign on the same server, run by someone else: Derby North at the 2019 election,
/// with its own organiser and canvasser, register and walks.
struct Other {
    campaign: Campaign,
    organiser: &'static str,
    canvasser: &'static str,
    walk: Walk,
}

async fn other_campaign(f: &Fixture) -> Other {
    let app = &f.app;
    let c =
        campaigns::create(app, &GssCode::parse("E14000662").unwrap(), NaiveDate::from_ymd_opt(2019, 12, 12).unwrap(), None).await.unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    support::write_register(file.path(), 600, 11);
    support::import(app, &c, file.path()).await;
    let c = campaigns::named(app, Some(&c.ballot_id)).await.unwrap();
    let actor = Actor::CommandLine(&c);
    let district = walks::polling_districts(app, actor).await.unwrap().remove(0);
    let planned = walks::plan_district(app, actor, &district, WalkSize::DoorsPerWalk(20), 1).await.unwrap();
    let (organiser, canvasser) = ("other.organiser@test.example", "other.canvasser@test.example");
    accounts::add_with_password(app, &c, organiser, "Other Organiser", Role::Organiser, PASSWORD).await.unwrap();
    let u = accounts::add_with_password(app, &c, canvasser, "Other Canvasser", Role::Canvasser, PASSWORD).await.unwrap();
    canvassing::assign(app, actor, planned.walks[0].id, Some(u.id), None).await.unwrap();
    support::set_up_days_ago(&f.db, &c, 30).await;
    let c = campaigns::named(app, Some(&c.ballot_id)).await.unwrap();
    Other { campaign: c, organiser, canvasser, walk: planned.walks[0].clone() }
}

/// Posts a form body as it is (no CSRF field added).
async fn form_post(client: &Client, path: &str, body: String) -> support::Reply {
    client.send(Method::POST, path, Some("application/x-www-form-urlencoded"), body.into_bytes(), false).await
}

async fn audit_of(f: &Fixture, campaign: &Campaign, action: &str) -> Vec<groundgame_store::audit::Entry> {
    groundgame_app::register::audit_log(&f.app, campaign, 10_000).await.unwrap().into_iter().filter(|e| e.action == action).collect()
}

/// Finding 1: an organiser invited another campaign's organiser and took over their account by
/// accepting the link with a password of their own choosing.
#[tokio::test]
async fn an_invite_never_changes_an_existing_account() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 600, 20).await;
        let other = other_campaign(&f).await;
        let state = f.state();
        let attacker = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        let r = attacker.json(Method::POST, "/api/v1/invites", &json!({ "email": other.organiser, "role": "organiser" })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.body);
        let link = r.json()["link"].as_str().unwrap().to_owned();

        // The attacker opens the link signed out and chooses a password: refused, nothing changes.
        let anonymous = Client::new(state.clone());
        let page = anonymous.get(&link).await;
        assert!(page.body.contains("already has a groundgame account"), "{name}: {}", page.body);
        let taken = form_post(&anonymous, &link, "password=the+attacker+chose+this".into()).await;
        assert_eq!(taken.status, StatusCode::UNAUTHORIZED, "{name}: {}", taken.body);
        assert!(taken.set_cookie("gg_session").is_none());
        let (_, r) = Client::try_sign_in(state.clone(), other.organiser, "the attacker chose this").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}: the attacker's password does not open the account");
        let (_, r) = Client::try_sign_in(state.clone(), other.organiser, PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: the owner's password still does");
        // The try is in the victim's campaign's audit log, not just a sign-in.
        let failed = audit_of(&f, &other.campaign, "sign_in_failed").await;
        assert!(failed.iter().any(|e| e.detail.contains("invite")), "{name}: {failed:?}");

        // Signed in as someone else, the link says so and joins nobody.
        let page = attacker.get(&link).await;
        assert!(page.body.contains("You are signed in as organiser@test.example"), "{name}: {}", page.body);
        let r = form_post(&attacker, &link, format!("csrf={}", enc(attacker.csrf.as_deref().unwrap()))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {}", r.body);

        // The owner, signed in, joins in one step; or signed out, with their own password.
        let mut owner = Client::sign_in(state.clone(), other.organiser).await;
        let r = form_post(&owner, &link, format!("csrf={}", enc(owner.csrf.as_deref().unwrap()))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        owner.adopt(&r).await;
        let me = owner.get("/api/v1/me").await.json();
        assert_eq!(me["campaign"]["ballot_id"], f.campaign.ballot_id.as_str(), "{name}: the session is in the campaign joined");
        let (_, r) = Client::try_sign_in(state.clone(), other.organiser, PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: their password is theirs still");

        // An invite for someone already in the campaign is refused.
        let r = attacker.json(Method::POST, "/api/v1/invites", &json!({ "email": email(Role::Teller), "role": "organiser" })).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{name}: {}", r.body);
        f.db.finish().await;
    }
}

/// Finding 2: sessions could not be ended. Changing or resetting a password ends the others.
#[tokio::test]
async fn a_password_change_or_reset_ends_every_other_session() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 600, 20).await;
        let other = other_campaign(&f).await;
        let state = f.state();
        let phone = Client::sign_in(state.clone(), &email(Role::Canvasser)).await;
        let laptop = Client::sign_in(state.clone(), &email(Role::Canvasser)).await;
        assert!(laptop.get("/account").await.body.contains("Where you are signed in (2)"), "{name}");

        let wrong = laptop.form("/account/password", &[("current", "not my password"), ("new", "a fresh new password")]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{name}");
        let short = laptop.form("/account/password", &[("current", PASSWORD), ("new", "short")]).await;
        assert_eq!(short.status, StatusCode::BAD_REQUEST, "{name}");
        let changed = laptop.form("/account/password", &[("current", PASSWORD), ("new", "a fresh new password")]).await;
        assert_eq!(changed.status, StatusCode::OK, "{name}: {}", changed.body);
        assert_eq!(phone.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED, "{name}: the phone's session ended");
        assert_eq!(laptop.get("/api/v1/me").await.status, StatusCode::OK, "{name}: this one goes on");
        assert_eq!(Client::try_sign_in(state.clone(), &email(Role::Canvasser), PASSWORD).await.1.status, StatusCode::UNAUTHORIZED);
        assert_eq!(audited(&f, "password_changed").await.len(), 1, "{name}");

        // Ending one session, then all of them.
        let third = Client::sign_in(state.clone(), &email(Role::Teller)).await;
        let fourth = Client::sign_in(state.clone(), &email(Role::Teller)).await;
        let session = groundgame_app::secrets::token_hash(third.cookie.as_deref().unwrap());
        let r = fourth.form("/account/sessions/end", &[("session", &session)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(third.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
        // A session of someone else is not theirs to end.
        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        let theirs = groundgame_app::secrets::token_hash(organiser.cookie.as_deref().unwrap());
        assert_eq!(fourth.form("/account/sessions/end", &[("session", &theirs)]).await.status, StatusCode::NOT_FOUND);
        let r = fourth.form("/account/sign-out-everywhere", &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(fourth.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(organiser.get("/api/v1/me").await.status, StatusCode::OK);

        // A reset link, from an organiser who runs every campaign of the account.
        let teller = f.users[&email(Role::Teller)];
        let r = organiser.form(&format!("/volunteers/{teller}/reset"), &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let link = r.body.split("/reset/").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let still_in = Client::sign_in(state.clone(), &email(Role::Teller)).await;
        let anonymous = Client::new(state.clone());
        let r = form_post(&anonymous, &format!("/reset/{link}"), "password=the+new+teller+password".into()).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        assert_eq!(still_in.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED, "{name}: a reset ends every session");
        assert_eq!(Client::try_sign_in(state.clone(), &email(Role::Teller), "the new teller password").await.1.status, StatusCode::OK);
        assert_eq!(
            form_post(&anonymous, &format!("/reset/{link}"), "password=once+more+again+please".into()).await.status,
            StatusCode::NOT_FOUND
        );

        // Not for someone who is also in a campaign the organiser does not run.
        accounts::add_with_password(&f.app, &other.campaign, SECOND_CANVASSER, "Second", Role::Canvasser, PASSWORD).await.unwrap();
        let second = f.users[SECOND_CANVASSER];
        let r = organiser.form(&format!("/volunteers/{second}/reset"), &[]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {}", r.body);
        assert!(r.body.contains("which you do not run"), "{name}");
        // Their own password change is audited in both of their campaigns.
        let s = Client::sign_in(state.clone(), SECOND_CANVASSER).await;
        s.form("/account/password", &[("current", PASSWORD), ("new", "second's new password")]).await;
        assert_eq!(audit_of(&f, &f.campaign, "password_changed").await.len(), 2, "{name}");
        assert_eq!(audit_of(&f, &other.campaign, "password_changed").await.len(), 1, "{name}");
        f.db.finish().await;
    }
}

/// Finding 2 (continued): organisers remove members, change their roles and withdraw invites,
/// and cannot leave a campaign without an organiser.
#[tokio::test]
async fn organisers_manage_their_members_and_invites_and_no_one_else_s() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 600, 20).await;
        let other = other_campaign(&f).await;
        let state = f.state();
        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        let canvasser = Client::sign_in(state.clone(), &email(Role::Canvasser)).await;
        let payload = canvasser.get(&format!("/api/v1/walks/{}/canvass", f.walks[0].id)).await.json();
        let sent =
            canvasser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": contacts(&payload, 3, "Lab", &minutes_from_now(-5)) })).await;
        assert_eq!(sent.json()["stored"].as_array().unwrap().len(), 3);

        // A role change takes effect on the next request.
        let id = f.users[&email(Role::Canvasser)];
        let r = organiser.form(&format!("/volunteers/{id}/role"), &[("role", "teller")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        assert_eq!(canvasser.get("/api/v1/my/walks").await.status, StatusCode::FORBIDDEN, "{name}");
        organiser.form(&format!("/volunteers/{id}/role"), &[("role", "canvasser")]).await;
        // Removed: their session ends at once, their walk is unassigned, what they recorded stays.
        let r = organiser.form(&format!("/volunteers/{id}/remove"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        assert_eq!(canvasser.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED, "{name}");
        assert!(canvassing::my_walks(
            &f.app,
            &groundgame_app::Member {
                user: groundgame_store::accounts::User { id, email: email(Role::Canvasser), name: String::new() },
                role: Role::Canvasser,
                campaign: f.campaign.clone(),
                csrf_token: String::new(),
                session: String::new(),
            }
        )
        .await
        .unwrap()
        .is_empty());
        assert_eq!(canvassing::contact_count(&f.app, f.actor()).await.unwrap(), 3);
        assert_eq!(audited(&f, "member_removed").await.len(), 1, "{name}");
        assert_eq!(audited(&f, "role_changed").await.len(), 2, "{name}");

        // The only organiser can be neither removed nor demoted.
        let me = f.users[&email(Role::Organiser)];
        assert_eq!(organiser.form(&format!("/volunteers/{me}/remove"), &[]).await.status, StatusCode::CONFLICT, "{name}");
        assert_eq!(organiser.form(&format!("/volunteers/{me}/role"), &[("role", "teller")]).await.status, StatusCode::CONFLICT, "{name}");
        // Another campaign's people are out of reach.
        let theirs = accounts::members(&f.app, Actor::CommandLine(&other.campaign)).await.unwrap();
        let their_organiser = theirs.iter().find(|m| m.user.email == other.organiser).unwrap().user.id;
        for path in [format!("/volunteers/{their_organiser}/remove"), format!("/volunteers/{their_organiser}/reset")] {
            assert_eq!(organiser.form(&path, &[]).await.status, StatusCode::NOT_FOUND, "{name}: {path}");
        }
        assert_eq!(
            organiser.json(Method::PUT, &format!("/api/v1/volunteers/{their_organiser}/role"), &json!({ "role": "teller" })).await.status,
            StatusCode::NOT_FOUND
        );

        // A withdrawn invite no longer opens; another campaign's invite cannot be withdrawn.
        let link = accounts::invite(&f.app, f.actor(), "late@test.example", "Late", Role::Canvasser).await.unwrap();
        let hash = groundgame_app::secrets::token_hash(link.trim_start_matches("/invite/"));
        let their_link =
            accounts::invite(&f.app, Actor::CommandLine(&other.campaign), "theirs@test.example", "", Role::Teller).await.unwrap();
        let their_hash = groundgame_app::secrets::token_hash(their_link.trim_start_matches("/invite/"));
        assert_eq!(organiser.form(&format!("/volunteers/invites/{their_hash}/withdraw"), &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(organiser.form(&format!("/volunteers/invites/{hash}/withdraw"), &[]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(Client::new(state.clone()).get(&link).await.status, StatusCode::NOT_FOUND, "{name}");
        assert_eq!(Client::new(state.clone()).get(&their_link).await.status, StatusCode::OK);
        f.db.finish().await;
    }
}

/// Finding 3: `next=/%09/evil.example` sent the browser away; `next=/%0a/x` gave a 500.
#[tokio::test]
async fn only_local_paths_are_followed_after_sign_in() {
    let f = fixture(TestDb::sqlite().await, 300, 20).await;
    let state = f.state();
    let anonymous = Client::new(state.clone());
    for next in ["/%09/evil.example", "/%0a/x", "%2F%2Fevil.example", "https://evil.example", "/%5C%5Cevil.example", "/\\evil"] {
        let page = anonymous.get(&format!("/login?next={next}")).await;
        assert_eq!(page.status, StatusCode::OK, "{next}");
        assert!(!page.body.contains("evil.example") || page.body.contains("value=\"/\""), "{next}: {}", page.body);
        let body = format!("email={}&password={}&next={next}", enc(&email(Role::Teller)), enc(PASSWORD));
        let r = form_post(&anonymous, "/login", body).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}: {}", r.body);
        assert_eq!(r.location(), "/", "{next}");
    }
    let body = format!("email={}&password={}&next=%2Fwalks%3Fdistrict%3DNA1", enc(&email(Role::Teller)), enc(PASSWORD));
    assert_eq!(form_post(&anonymous, "/login", body).await.location(), "/walks?district=NA1");
    f.db.finish().await;
}

/// Findings 4 and 13: HEAD and OPTIONS answered 500 on every route; a GET of a POST-only address
/// said "this route has no access rule".
#[tokio::test]
async fn every_path_answers_head_options_and_other_methods_in_words() {
    let f = fixture(TestDb::sqlite().await, 300, 20).await;
    let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
    let mut paths: Vec<&str> = ROUTES.iter().map(|r| r.path).collect();
    paths.dedup();
    for template in paths {
        let path = template.replace("{id}", &f.walks[0].id.to_string()).replace("{token}", "x").replace("{file}", "style.css");
        let methods: Vec<&str> = ROUTES.iter().filter(|r| r.path == template).map(|r| r.method.as_str()).collect();
        let options = organiser.send(Method::OPTIONS, &path, None, Vec::new(), false).await;
        assert_eq!(options.status, StatusCode::NO_CONTENT, "OPTIONS {path}");
        let allow = options.headers[header::ALLOW].to_str().unwrap().to_owned();
        for m in &methods {
            assert!(allow.contains(m), "OPTIONS {path}: {allow}");
        }
        let trace = organiser.send(Method::TRACE, &path, None, Vec::new(), false).await;
        assert_eq!(trace.status, StatusCode::METHOD_NOT_ALLOWED, "TRACE {path}");
        assert_eq!(trace.headers[header::ALLOW].to_str().unwrap(), allow);
        if !methods.contains(&"GET") {
            let get = organiser.get(&path).await;
            assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED, "GET {path}");
            assert!(get.body.contains("this address takes a form"), "GET {path}: {}", get.body);
            assert!(!get.body.contains("access rule"));
        }
    }
    let head = Client::new(f.state()).send(Method::HEAD, "/api/v1/health", None, Vec::new(), false).await;
    assert_eq!((head.status, head.body.as_str()), (StatusCode::OK, ""));
    f.db.finish().await;
}

/// Finding 5: a contact dated 9999-12-31 became the latest for ever, and the by-day table gained
/// 0001-01-01 and 9999-12-31.
#[tokio::test]
async fn a_wrong_phone_clock_cannot_freeze_or_bury_anyone_s_answers() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 600, 20).await;
        let state = f.state();
        let canvasser = Client::sign_in(state.clone(), &email(Role::Canvasser)).await;
        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        let walk = f.walks[0].id;
        let payload = canvasser.get(&format!("/api/v1/walks/{walk}/canvass")).await.json();
        organiser.get(&format!("/api/v1/walks/{walk}/canvass")).await;
        // A phone whose clock says the year 9999 (and one that says year 1) answer Con.
        let future = contacts(&payload, 2, "Con", "9999-12-31T12:00:00Z");
        let past = contacts(&payload, 2, "Con", "0001-01-01T12:00:00Z");
        let r = canvasser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": [future[0].clone(), past[1].clone()] })).await.json();
        assert_eq!(r["stored"].as_array().unwrap().len(), 2, "{name}: {r}");
        // Then the organiser, on a phone with a right clock, records Lab for the same electors.
        let mut later = contacts(&payload, 2, "Lab", &support::now());
        for c in &mut later {
            c["id"] = json!(uuid::Uuid::new_v4());
        }
        let r = organiser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": later, "sent_at": support::now() })).await.json();
        assert_eq!(r["stored"].as_array().unwrap().len(), 2, "{name}: {r}");
        let p = organiser.get("/api/v1/progress").await.json();
        assert_eq!(p["progress"]["totals"]["supporters"], 2, "{name}: the later answers win: {p}");
        let days: Vec<String> = p["progress"]["days"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(days, vec![chrono::Utc::now().format("%Y-%m-%d").to_string()], "{name}: no day from a wrong clock");

        // A phone five hours slow that recorded ten minutes ago: its answer counts ten minutes ago,
        // before an answer recorded five minutes ago on a right phone, whatever it sends.
        let third =
            &payload["doors"].as_array().unwrap().iter().filter(|d| !d["electors"].as_array().unwrap().is_empty()).nth(2).unwrap().clone();
        let elector = third["electors"][0]["id"].clone();
        let one = |intention: &str, at: &str| {
            json!({ "id": uuid::Uuid::new_v4(), "walk_id": walk, "household_id": third["household_id"], "elector_id": elector,
                    "recorded_at": at, "answers": { "voting_intention": intention } })
        };
        let right = one("Lab", &minutes_from_now(-5));
        organiser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": [right], "sent_at": support::now() })).await;
        let slow = one("Con", &minutes_from_now(-300 - 10));
        let r =
            canvasser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": [slow], "sent_at": minutes_from_now(-300) })).await.json();
        assert_eq!(r["stored"].as_array().unwrap().len(), 1);
        let p = organiser.get("/api/v1/progress").await.json();
        assert_eq!(p["progress"]["totals"]["supporters"], 3, "{name}: the right phone's later answer stands: {p}");
        f.db.finish().await;
    }
}

/// Finding 6: 200 parallel tries checked 45 passwords; a named account or a shared address could
/// be locked out by anyone.
#[tokio::test]
async fn the_sign_in_limit_holds_under_parallel_tries_and_locks_no_one_out_of_their_phone() {
    let f = fixture(TestDb::sqlite().await, 300, 20).await;
    let state = f.state();
    // The organiser's own phone signed in yesterday: it holds a device cookie.
    let phone = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
    let device = phone.device.clone().expect("a device cookie");
    let tries: Vec<_> = (0..200)
        .map(|_| {
            let state = state.clone();
            tokio::spawn(async move { Client::try_sign_in(state, &email(Role::Organiser), "a guess at the password").await.1.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, refused), (5, 195), "only five passwords were checked");
    assert_eq!(audited(&f, "sign_in_failed").await.len(), 5, "each checked try is audited");
    // From here, the right password from a new browser waits; the organiser's phone signs in.
    let (_, r) = Client::try_sign_in(state.clone(), &email(Role::Organiser), PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    let mut from_phone = Client::new(state.clone());
    from_phone.device = Some(device);
    let r = from_phone.json(Method::POST, "/api/v1/login", &json!({ "email": email(Role::Organiser), "password": PASSWORD })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // A committee room's shared address: a dozen mistyped passwords lock out nobody else there.
    for i in 0..12 {
        Client::try_sign_in(state.clone(), &format!("volunteer{i}@test.example"), "typo").await;
    }
    assert_eq!(Client::try_sign_in(state.clone(), &email(Role::Teller), PASSWORD).await.1.status, StatusCode::OK);
    f.db.finish().await;
}

/// Finding 7: register exports wrote cells starting `= + - @` as they were.
#[tokio::test]
async fn exports_write_formulas_as_text() {
    for db in TestDb::all().await {
        let f = fixture(db, 300, 20).await;
        let header_row = "Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Name,PostCode,Address1,Address2,Address3,Address4,Address5,Address6\n";
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            file.path(),
            format!("{header_row}NA1,1,0,,,\"=HYPERLINK(\"\"http://evil.example\"\"), Jane\",DE22 3JX,@SUM(A1),,,,,\nNA1,2,0,,,\"Smith, John\",DE22 3JX,-1 Alder Crescent,,,,,\n"),
        )
        .unwrap();
        support::import(&f.app, &f.campaign, file.path()).await;
        let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
        let csv = organiser.get("/api/v1/register/export").await.body;
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        for row in reader.records() {
            for cell in row.unwrap().iter() {
                assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell} would run in a spreadsheet");
            }
        }
        assert!(csv.contains("'=HYPERLINK") && csv.contains("'@SUM(A1)") && csv.contains("'-1 Alder Crescent"), "{csv}");
        f.db.finish().await;
    }
}

/// Finding 8: an id used in another campaign was answered as a duplicate and never stored; a
/// contact's walk was not checked against its door.
#[tokio::test]
async fn contact_ids_belong_to_their_campaign_and_every_refusal_has_its_reason() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 600, 20).await;
        let other = other_campaign(&f).await;
        let state = f.state();
        let ours = Client::sign_in(state.clone(), &email(Role::Canvasser)).await;
        let theirs = Client::sign_in(state.clone(), other.canvasser).await;
        let our_payload = ours.get(&format!("/api/v1/walks/{}/canvass", f.walks[0].id)).await.json();
        let their_payload = theirs.get(&format!("/api/v1/walks/{}/canvass", other.walk.id)).await.json();
        let ours_first = contacts(&our_payload, 1, "Lab", &minutes_from_now(-1));
        let mut theirs_first = contacts(&their_payload, 1, "Lab", &minutes_from_now(-1));
        theirs_first[0]["id"] = ours_first[0]["id"].clone();
        assert_eq!(
            ours.json(Method::POST, "/api/v1/sync", &json!({ "contacts": ours_first })).await.json()["stored"].as_array().unwrap().len(),
            1
        );
        let r = theirs.json(Method::POST, "/api/v1/sync", &json!({ "contacts": theirs_first })).await.json();
        assert_eq!(r["stored"].as_array().unwrap().len(), 1, "{name}: the same id in another campaign is its own contact: {r}");
        assert_eq!(canvassing::contact_count(&f.app, Actor::CommandLine(&other.campaign)).await.unwrap(), 1);

        // The same id again with other answers: refused, not taken for a resend.
        let mut changed = ours_first.clone();
        changed[0]["answers"]["voting_intention"] = json!("Con");
        let r = ours.json(Method::POST, "/api/v1/sync", &json!({ "contacts": changed })).await.json();
        assert!(r["duplicates"].as_array().unwrap().is_empty(), "{name}: {r}");
        assert!(r["rejected"][0]["reason"].as_str().unwrap().contains("same id"), "{name}: {r}");
        // A door named on a walk it is not on.
        let mut wrong_walk = contacts(&our_payload, 2, "Lab", &support::now());
        wrong_walk[1]["walk_id"] = json!(f.walks[1].id);
        let r = ours.json(Method::POST, "/api/v1/sync", &json!({ "contacts": wrong_walk })).await.json();
        assert_eq!(r["stored"].as_array().unwrap().len(), 1, "{name}: {r}");
        assert!(r["rejected"][0]["reason"].as_str().unwrap().contains("not walk"), "{name}: {r}");
        // A door of the other campaign.
        let r = ours
            .json(Method::POST, "/api/v1/sync", &json!({ "contacts": contacts(&their_payload, 1, "Lab", &support::now()) }))
            .await
            .json();
        assert_eq!(r["rejected"].as_array().unwrap().len(), 1, "{name}: {r}");
        f.db.finish().await;
    }
}

/// Finding 9: contacts recorded offline for a walk before it was given to someone else were
/// refused when the phone synced.
#[tokio::test]
async fn answers_recorded_while_a_walk_was_held_are_kept_whatever_happens_to_it() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 1500, 20).await;
        let state = f.state();
        let walk = f.walks[0].id;
        let canvasser = Client::sign_in(state.clone(), &email(Role::Canvasser)).await;
        let payload = canvasser.get(&format!("/api/v1/walks/{walk}/canvass")).await.json();
        // Recorded offline twenty minutes ago; ten minutes ago the organiser gave the walk to
        // someone else; five minutes ago the phone, still offline, recorded one more; now it syncs.
        let mut recorded = contacts(&payload, 6, "Lab", &minutes_from_now(-20));
        recorded[5]["recorded_at"] = json!(minutes_from_now(-5));
        canvassing::assign(&f.app, f.actor(), walk, Some(f.users[SECOND_CANVASSER]), None).await.unwrap();
        support::ended_minutes_ago(&f.db, &f.campaign, walk, 10).await;
        let r = canvasser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": recorded, "sent_at": support::now() })).await.json();
        assert_eq!(r["stored"].as_array().unwrap().len(), 5, "{name}: recorded while it was theirs: {r}");
        // Recorded after it was given away: refused, and the phone is told why.
        assert!(r["rejected"][0]["reason"].as_str().unwrap().contains("given to someone else"), "{name}: {r}");

        // Given back; the district re-planned; the register re-imported without some of its doors:
        // what was recorded before each is still taken.
        canvassing::assign(&f.app, f.actor(), walk, Some(f.users[&email(Role::Canvasser)]), None).await.unwrap();
        let payload = canvasser.get(&format!("/api/v1/walks/{walk}/canvass")).await.json();
        let recorded = contacts(&payload, 12, "Lab", &minutes_from_now(-2));
        let district = f.walks[0].polling_district.clone();
        walks::plan_district(&f.app, f.actor(), &district, WalkSize::DoorsPerWalk(7), 3).await.unwrap();
        let smaller = tempfile::NamedTempFile::new().unwrap();
        support::write_register(smaller.path(), 300, 99);
        support::import(&f.app, &f.campaign_now().await, smaller.path()).await;
        let r =
            canvasser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": &recorded[5..], "sent_at": support::now() })).await.json();
        assert_eq!(r["stored"].as_array().unwrap().len(), 7, "{name}: {r}");
        assert_eq!(canvassing::contact_count(&f.app, f.actor()).await.unwrap(), 12, "{name}");
        f.db.finish().await;
    }
}

/// Finding 11: no Content-Security-Policy, frame-ancestors, nosniff or Referrer-Policy; no HSTS
/// behind TLS.
#[tokio::test]
async fn every_answer_carries_the_browser_protections_and_pages_run_no_inline_code() {
    let f = fixture(TestDb::sqlite().await, 300, 20).await;
    let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
    for path in ["/login", "/campaign", "/api/v1/health", "/static/style.css", "/no/such/page"] {
        let r = organiser.get(path).await;
        let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(r.headers[header::REFERRER_POLICY], "same-origin", "{path}");
        assert!(!r.headers.contains_key(header::STRICT_TRANSPORT_SECURITY), "{path}: no HSTS over plain HTTP");
    }
    // Every page a signed-in organiser opens: no inline script, handler or style for the policy to block.
    for route in ROUTES.iter().filter(|r| r.method == Method::GET && !r.is_api() && !r.path.contains('{')) {
        let body = organiser.get(route.path).await.body;
        for bad in ["<script>", " onclick=", " onload=", " style=\"", "javascript:"] {
            assert!(!body.contains(bad), "{}: {bad}", route.path);
        }
    }
    let secure = AppState::new(f.app.clone(), WebSettings { secure_cookies: true, ..WebSettings::default() });
    let (_, r) = Client::try_sign_in(secure, &email(Role::Teller), PASSWORD).await;
    assert!(r.headers[header::STRICT_TRANSPORT_SECURITY].to_str().unwrap().contains("max-age="));
    assert!(r.headers.get_all(header::SET_COOKIE).iter().all(|c| c.to_str().unwrap().contains("; Secure")));
    f.db.finish().await;
}

/// Finding 12: the organiser's walk page, the progress API, failed sign-ins, password and
/// membership changes were not audited.
#[tokio::test]
async fn reads_of_what_voters_said_and_changes_to_accounts_are_audited() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 300, 20).await;
        let state = f.state();
        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        organiser.get(&format!("/walks/{}", f.walks[0].id)).await;
        assert_eq!(audited(&f, "walk_contacts_viewed").await.len(), 1, "{name}");
        // A dashboard asks every ten seconds: one line a quarter of an hour per session.
        for _ in 0..3 {
            organiser.get("/api/v1/progress").await;
        }
        assert_eq!(audited(&f, "progress_viewed").await.len(), 1, "{name}");
        Client::try_sign_in(state.clone(), &email(Role::DataOfficer), "not it at all").await;
        let failed = audited(&f, "sign_in_failed").await;
        assert!(failed.iter().any(|e| e.detail.contains("data_officer@test.example")), "{name}: {failed:?}");
        let teller = f.users[&email(Role::Teller)];
        organiser.form(&format!("/volunteers/{teller}/role"), &[("role", "canvasser")]).await;
        assert_eq!(audited(&f, "role_changed").await.len(), 1, "{name}");
        f.db.finish().await;
    }
}

/// New user, 2: the printed sheet asked every question; the key-in page took four.
#[tokio::test]
async fn the_key_in_page_asks_every_question_the_phone_asks() {
    let f = fixture(TestDb::sqlite().await, 600, 20).await;
    let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
    let walk = f.walks[0].id;
    let page = organiser.get(&format!("/walks/{walk}/entry")).await.body;
    let survey = groundgame_core::survey::Survey::default();
    let elector = page.split("name=\"e").nth(1).unwrap().split('_').next().unwrap().to_owned();
    for q in &survey.questions {
        assert!(page.contains(&format!("name=\"e{elector}_{}\"", q.key)), "{} is on the key-in page", q.key);
    }
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let (issue, poster) = (format!("e{elector}_top_issue"), format!("e{elector}_poster"));
    let r = organiser.form(&format!("/walks/{walk}/entry"), &[("date", &today), (&issue, "NHS"), (&poster, "Y")]).await;
    assert!(r.body.contains("Saved 1 contact from the sheet"), "{}", r.body);
    let view = canvassing::walk_view(&f.app, f.actor(), walk).await.unwrap();
    assert!(view.contacts[0].answers.contains("\"top_issue\":\"NHS\""), "{:?}", view.contacts[0]);
    // A date in the future is no date canvassed.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
    let r = organiser.form(&format!("/walks/{walk}/entry"), &[("date", &tomorrow), (&format!("e{elector}_top_issue"), "NHS")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("after today"), "{}", r.body);
    f.db.finish().await;
}

/// Paper: a 60-door walk downloads as a PDF of at most four A4 pages, every elector on it once,
/// no door split across two pages; the key-in page has the sheet's lines in the sheet's order.
#[tokio::test]
async fn a_walk_sheet_downloads_as_a_pdf_and_keys_in_line_by_line() {
    let f = fixture(TestDb::sqlite().await, 4000, 60).await;
    let walk = f.walks.iter().max_by_key(|w| w.doors).unwrap().clone();
    assert_eq!(walk.doors, 60, "a walk of 60 doors");
    let desk = Client::sign_in(f.state(), &email(Role::DataOfficer)).await;
    let r = desk.get(&format!("/walks/{}/sheet.pdf", walk.id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(r.headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment; filename=\"walk-sheet-"));
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store", "names and addresses stay out of caches");
    let pdf = lopdf::Document::load_mem(&r.bytes).expect("a PDF that a PDF library reads");
    let pages = pdf.get_pages();
    println!("a {}-door walk ({} electors) downloads as {} A4 pages ({} bytes)", walk.doors, walk.electors, pages.len(), r.bytes.len());
    assert!((1..=4).contains(&pages.len()), "{} pages", pages.len());
    let texts: Vec<String> = pages.keys().map(|n| pdf.extract_text(&[*n]).unwrap()).collect();
    let payload = canvassing::paper(&f.app, f.actor(), walk.id, "test").await.unwrap();
    for (i, door) in payload.doors.iter().enumerate() {
        let on: Vec<usize> = door
            .electors
            .iter()
            .map(|e| {
                let found: Vec<usize> = (0..texts.len()).filter(|p| texts[*p].contains(&format!("{} ", e.number))).collect();
                assert_eq!(found.len(), 1, "elector {} is on one page: {found:?}", e.number);
                found[0]
            })
            .collect();
        assert!(on.windows(2).all(|w| w[0] == w[1]), "door {} is split across pages {on:?}", i + 1);
    }
    assert!(texts[0].contains("Voting intention") && texts[0].contains("Lab Labour"), "the key to the codes is on page one");
    assert!(texts.last().unwrap().contains(&format!("page {} of {}", texts.len(), texts.len())), "{}", texts.last().unwrap());
    assert_eq!(audited(&f, "walk_sheet").await.len(), 1, "the download is audited");

    // The key-in page has the sheet's lines in its order: the same door numbers and electors.
    let numbers = |html: &str| -> Vec<String> {
        html.split("<td class=\"elector\">")
            .skip(1)
            .chain(html.split("<th class=\"elector\" scope=\"row\">").skip(1))
            .map(|s| s.split(' ').next().unwrap().to_owned())
            .collect()
    };
    let sheet = desk.get(&format!("/walks/{}/sheet", walk.id)).await.body;
    let entry = desk.get(&format!("/walks/{}/entry", walk.id)).await.body;
    let expected: Vec<String> = payload.doors.iter().flat_map(|d| d.electors.iter().map(|e| e.number.clone())).collect();
    assert_eq!(numbers(&sheet), expected, "the sheet's lines");
    assert_eq!(numbers(&entry), expected, "the key-in page's lines");
    let sixty = "<th class=\"num\" scope=\"rowgroup\"";
    assert_eq!(sheet.matches(sixty).count(), 60);
    assert_eq!(entry.matches(sixty).count(), 60, "each door numbered as on the sheet");
    // A canvasser has no sheet to download.
    let canvasser = Client::sign_in(f.state(), &email(Role::Canvasser)).await;
    assert_eq!(canvasser.get(&format!("/walks/{}/sheet.pdf", walk.id)).await.status, StatusCode::FORBIDDEN);
    f.db.finish().await;
}

/// Retention on every backend: the campaign page says until when the register is kept; past
/// that day it is deleted with the canvass, once, the audit chain still verifies, and the page
/// says so.
#[tokio::test]
async fn past_its_retention_day_a_campaigns_register_and_canvass_are_deleted_on_every_backend() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 600, 20).await;
        let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
        let canvasser = Client::sign_in(f.state(), &email(Role::Canvasser)).await;
        let payload = canvasser.get(&format!("/api/v1/walks/{}/canvass", f.walks[0].id)).await.json();
        let r =
            canvasser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": contacts(&payload, 4, "Lab", &minutes_from_now(-1)) })).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let page = organiser.get("/campaign").await.body;
        let (until, _) = groundgame_app::privacy::retention_of(&f.app, &f.campaign).await.unwrap();
        assert!(page.contains(&format!("kept until <strong>{}</strong>", until.format("%-d %B %Y"))), "{name}: {page}");
        // The public privacy notice names the same day, each purpose's lawful basis, and the rights.
        let notice = Client::new(f.state()).get(&format!("/join/{}/privacy", f.campaign.ballot_id)).await;
        assert_eq!(notice.status, StatusCode::OK, "{name}");
        assert!(
            notice.body.contains(&until.format("%-d %B %Y").to_string()) && notice.body.contains("art. 9(2)(g)"),
            "{name}: {}",
            notice.body
        );
        assert!(notice.body.contains("To object to being contacted"), "{name}");
        let join = Client::new(f.state()).get(&format!("/join/{}", f.campaign.ballot_id)).await.body;
        assert!(join.contains(&format!("/join/{}/privacy", f.campaign.ballot_id)), "{name}: the sign-up form links to it");

        let as_of = until + chrono::Days::new(1);
        let on_the_day = groundgame_app::privacy::run_retention(&f.app, until, false).await.unwrap();
        assert_eq!(on_the_day[0].state, groundgame_app::privacy::RetentionState::Kept, "{name}: kept through its last day");
        let done = groundgame_app::privacy::run_retention(&f.app, as_of, false).await.unwrap();
        assert_eq!(done[0].state, groundgame_app::privacy::RetentionState::Deleted, "{name}");
        let rows: std::collections::HashMap<String, u64> = done[0].deleted.clone().unwrap().rows.into_iter().collect();
        assert_eq!((rows["electors"], rows["contacts"]), (600, 4), "{name}: {rows:?}");
        let again = groundgame_app::privacy::run_retention(&f.app, as_of, false).await.unwrap();
        assert_eq!(again[0].state, groundgame_app::privacy::RetentionState::AlreadyDeleted, "{name}");

        let stats = organiser.get("/api/v1/register/stats").await.json();
        assert_eq!(stats["electors"], 0, "{name}: {stats}");
        assert_eq!(canvasser.get(&format!("/api/v1/walks/{}/canvass", f.walks[0].id)).await.status, StatusCode::NOT_FOUND, "{name}");
        let page = organiser.get("/campaign").await.body;
        assert!(page.contains("were deleted on"), "{name}: {page}");
        let checks = groundgame_app::privacy::verify_audit_log(&f.app).await.unwrap();
        assert!(checks.iter().all(|c| c.report.problems.is_empty()), "{name}: {checks:?}");
        assert!(checks.iter().any(|c| c.report.details_removed > 0), "{name}: {checks:?}");
        assert_eq!(audited(&f, "retention_deleted").await.len(), 1, "{name}");
        f.db.finish().await;
    }
}

/// A backup taken while two canvassers sync holds every contact acknowledged before it began,
/// and restores as a database that opens, migrates and verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_load_restores_every_acknowledged_contact() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let f = fixture(TestDb::sqlite().await, 1500, 20).await;
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut phones = Vec::new();
    for (who, walk) in [(email(Role::Canvasser), f.walks[0].id), (SECOND_CANVASSER.to_owned(), f.walks[1].id)] {
        let (state, acknowledged, stop) = (f.state(), acknowledged.clone(), stop.clone());
        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        let user = f.users[&who];
        organiser.form(&format!("/walks/{walk}/assign"), &[("user_id", &user.to_string())]).await;
        phones.push(tokio::spawn(async move {
            let phone = Client::sign_in(state, &who).await;
            let payload = phone.get(&format!("/api/v1/walks/{walk}/canvass")).await.json();
            let mut sent = 0;
            while !stop.load(Ordering::Relaxed) {
                let batch = contacts(&payload, 5, "Lab", &minutes_from_now(-1));
                let r = phone.json(Method::POST, "/api/v1/sync", &json!({ "contacts": batch })).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                let stored: Vec<String> = r.json()["stored"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
                sent += stored.len();
                acknowledged.lock().unwrap().extend(stored);
            }
            sent
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.db");
    let bytes = groundgame_app::privacy::backup(&f.app, &copy).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let mut sent = 0;
    for p in phones {
        sent += p.await.unwrap();
    }
    assert!(before.len() >= 10 && sent > before.len(), "syncs went on before and during the backup: {} then {sent}", before.len());
    assert!(bytes > 0 && !dir.path().join("backup.db.partial").exists() && !dir.path().join("backup.db-wal").exists());

    let restored = groundgame_store::Store::open(&groundgame_store::DatabaseUrl::new(copy.to_str().unwrap())).await.unwrap();
    let mut tx = restored.begin().await.unwrap();
    let ids: Vec<(String,)> = tx.fetch_all("SELECT id FROM contacts", vec![]).await.unwrap();
    let chains = groundgame_store::audit::verify(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    let ids: std::collections::HashSet<String> = ids.into_iter().map(|(i,)| i).collect();
    let missing: Vec<&String> = before.iter().filter(|id| !ids.contains(*id)).collect();
    println!("backup of {bytes} bytes holds {} contacts; {} acknowledged before it began, {sent} in all", ids.len(), before.len());
    assert!(missing.is_empty(), "{} acknowledged contacts are not in the backup: {:?}", missing.len(), &missing[..missing.len().min(5)]);
    assert!(chains.iter().all(|c| c.problems.is_empty()), "{chains:?}");
    restored.close().await;
    f.db.finish().await;
}

/// An elector's objection, on every backend: recorded by the data officer, they are off the
/// canvasser's phone, the walk sheet, the knock-up list and the register download at once, and
/// stay off when the same register is imported again; their subject access bundle holds what the
/// doorstep recorded; a canvasser can do neither.
#[tokio::test]
async fn an_objection_takes_an_elector_off_every_list_through_a_reimport() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 600, 20).await;
        let desk = Client::sign_in(f.state(), &email(Role::DataOfficer)).await;
        let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
        let canvasser = Client::sign_in(f.state(), &email(Role::Canvasser)).await;
        let walk = f.walks[0].id;
        let payload = canvasser.get(&format!("/api/v1/walks/{walk}/canvass")).await.json();
        let door = payload["doors"].as_array().unwrap().iter().find(|d| !d["electors"].as_array().unwrap().is_empty()).unwrap().clone();
        let elector = door["electors"][0].clone();
        let number = elector["number"].as_str().unwrap().to_owned();
        // A promise first, so that they are on the knock-up list.
        let promise = json!([{ "id": uuid::Uuid::new_v4(), "walk_id": walk, "household_id": door["household_id"], "elector_id": elector["id"],
            "recorded_at": minutes_from_now(-5), "answers": { "voting_intention": "Lab", "certainty": "5" }, "note": "wants a lift" }]);
        assert_eq!(canvasser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": promise })).await.status, StatusCode::OK);
        let district = number.split('-').next().unwrap().to_owned();
        let knock_up = format!("/api/v1/knock-up?polling_district={district}");
        assert!(organiser.get(&knock_up).await.body.contains(&format!("\"{number}\"")), "{name}: a promise is on the knock-up list");

        // A canvasser may not record one, nor read anyone's bundle.
        let r = canvasser.form("/register/objections", &[("number", &number), ("how", "letter")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(canvasser.get(&format!("/register/subject-access?number={number}")).await.status, StatusCode::FORBIDDEN, "{name}");

        let r = desk.form("/register/objections", &[("number", &number), ("how", "Letter of 3 May")]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(r.body.contains("is now off every list") && r.body.contains("Letter of 3 May"), "{name}: {}", r.body);
        // Where the elector still is: none of these.
        let listed = |phone: String, sheet: String, export: String, knock: String| {
            let mut on = Vec::new();
            if phone.contains(&format!("\"{number}\"")) {
                on.push("the phone");
            }
            if sheet.contains(&format!(">{number} ")) {
                on.push("the walk sheet");
            }
            if export.lines().any(|l| l.starts_with(&format!("{number},"))) {
                on.push("the register download");
            }
            if knock.contains(&format!("\"{number}\"")) {
                on.push("the knock-up list");
            }
            on
        };
        let phone = canvasser.get(&format!("/api/v1/walks/{walk}/canvass")).await.body;
        let sheet = desk.get(&format!("/walks/{walk}/sheet")).await.body;
        let export = desk.get("/api/v1/register/export").await.body;
        let knock = organiser.get(&knock_up).await.body;
        assert_eq!(listed(phone, sheet, export, knock), Vec::<&str>::new(), "{name}: at once");
        let again = desk.form("/register/objections", &[("number", &number), ("how", "")]).await;
        assert!(again.body.contains("had already objected"), "{name}: {}", again.body);

        // The same register imported again (monthly, say): still off.
        let file = tempfile::NamedTempFile::new().unwrap();
        support::write_register(file.path(), 600, 7);
        support::import(&f.app, &f.campaign, file.path()).await;
        let phone = canvasser.get(&format!("/api/v1/walks/{walk}/canvass")).await.body;
        let sheet = desk.get(&format!("/walks/{walk}/sheet")).await.body;
        let export = desk.get("/api/v1/register/export").await.body;
        let knock = organiser.get(&knock_up).await.body;
        assert_eq!(listed(phone, sheet, export, knock), Vec::<&str>::new(), "{name}: after a re-import");

        let r = desk.get(&format!("/register/subject-access?number={number}")).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
        let bundle = r.json();
        assert_eq!(bundle["register_entry"]["elector_number"], number.as_str(), "{name}");
        assert!(bundle["register_entry"]["objected"].as_str().unwrap().contains("Letter of 3 May"), "{name}: {bundle}");
        assert_eq!(bundle["records"]["contacts"][0]["note"], "wants a lift", "{name}: {bundle}");
        assert!(bundle["records"]["audit_lines"].as_array().unwrap().iter().any(|l| l[1] == "objection_recorded"), "{name}: {bundle}");
        assert_eq!(audited(&f, "subject_access_elector").await.len(), 1, "{name}");
        let page = desk.get("/register/requests").await.body;
        assert!(page.contains(&number) && page.contains("Letter of 3 May"), "{name}: {page}");
        f.db.finish().await;
    }
}

/// A volunteer's request by letter: the bundle holds what their own page would download, and
/// erasure leaves nothing to find.
#[tokio::test]
async fn a_volunteer_is_exported_and_erased_for_a_request_that_comes_by_letter() {
    let f = fixture(TestDb::sqlite().await, 300, 20).await;
    let signup = groundgame_app::volunteers::SignUp {
        name: "Asha Patel".into(),
        email: "asha@example.org".into(),
        campaign: Some(f.campaign.ballot_id.clone()),
        ..Default::default()
    };
    groundgame_app::volunteers::sign_up(&f.app, &signup, "192.0.2.9").await.unwrap();
    let bundle = groundgame_app::privacy::volunteer_bundle(&f.app, &f.campaign, "Asha@Example.org").await.unwrap();
    assert_eq!(bundle["volunteer"]["name"], "Asha Patel", "{bundle}");
    assert_eq!(audited(&f, "subject_access_volunteer").await.len(), 1);
    groundgame_app::privacy::erase_volunteer(&f.app, &f.campaign, "asha@example.org").await.unwrap();
    assert!(groundgame_app::volunteers::secret_of(&f.app, &f.campaign, "asha@example.org").await.unwrap().is_none());
    let again = groundgame_app::privacy::volunteer_bundle(&f.app, &f.campaign, "asha@example.org").await;
    assert!(matches!(again, Err(groundgame_app::Error::NotFound(_))), "{again:?}");
    f.db.finish().await;
}

/// The sign-in page's first step: email and password.
async fn password_step(c: &Client, email: &str) -> support::Reply {
    c.form("/login", &[("email", email), ("password", support::PASSWORD), ("next", "/campaign")]).await
}

/// Two-factor sign-in, on every backend, as the settings have it by default: an organiser sets
/// up the app before their first session (no session until the code is right), then signs in
/// with a fresh code; a code replayed, a wrong one five times, and an API sign-in without a code
/// are refused; a recovery code works once; a password reset link still asks for the code; a
/// canvasser needs none; a data officer cannot skip setting it up by signing in through the API.
#[tokio::test]
async fn organisers_and_data_officers_sign_in_with_a_second_factor() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 300, 20).await;
        let app = groundgame_app::App::new(f.db.store.clone(), groundgame_app::Limits::default());
        let state = AppState::new(app.clone(), WebSettings::default());
        let organiser = email(Role::Organiser);
        let hidden = |body: &str, field: &str| -> String {
            let at = body.find(&format!("name=\"{field}\" value=\"")).unwrap_or_else(|| panic!("{field} in {body}"));
            body[at..].split("value=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&")
        };

        // First sign-in: the app is set up; the password alone opens no session.
        let mut browser = Client::new(state.clone());
        let r = password_step(&browser, &organiser).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(r.set_cookie("gg_session").is_none(), "{name}: no session before the code");
        assert!(r.body.contains("<svg") && r.body.contains("autocomplete=\"one-time-code\""), "{name}: a QR code and the code field");
        let (ticket, secret) = (hidden(&r.body, "ticket"), hidden(&r.body, "secret"));
        assert_eq!(browser.get("/campaign").await.status, StatusCode::SEE_OTHER, "{name}: still signed out");
        let wrong = browser.form("/login/code", &[("ticket", &ticket), ("code", "000000"), ("secret", &secret)]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{name}: {}", wrong.body);
        assert!(wrong.body.contains("clock"), "{name}: a wrong code says what to check");
        let now = chrono::Utc::now();
        let code = groundgame_app::second_factor::code_at(&secret, &organiser, now).unwrap();
        let r = browser.form("/login/code", &[("ticket", &ticket), ("code", &code), ("next", "/campaign")]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(r.body.contains("Recovery codes") || r.body.contains("recovery codes"), "{name}: {}", r.body);
        let recovery: Vec<String> = r.body.split("<code>").skip(1).map(|c| c.split('<').next().unwrap().to_owned()).collect();
        assert_eq!(recovery.len(), 10, "{name}: {}", r.body);
        browser.adopt(&r).await;
        assert_eq!(browser.get("/campaign").await.status, StatusCode::OK, "{name}: signed in");
        assert_eq!(support::audited(&f, "two_factor_enabled").await.len(), 1, "{name}");

        // Next time: a code, once. The same code again (a replayed request) is refused.
        let again = Client::new(state.clone());
        let r = password_step(&again, &organiser).await;
        assert!(!r.body.contains("<svg"), "{name}: no set-up the second time");
        let ticket = hidden(&r.body, "ticket");
        let replay = again.form("/login/code", &[("ticket", &ticket), ("code", &code)]).await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{name}: a used code is refused");
        let fresh = groundgame_app::second_factor::code_at(&secret, &organiser, now + chrono::Duration::seconds(30)).unwrap();
        let r = again.form("/login/code", &[("ticket", &ticket), ("code", &fresh)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        assert!(r.set_cookie("gg_session").is_some(), "{name}");

        // A recovery code, once.
        for (i, expect) in [(0, StatusCode::SEE_OTHER), (1, StatusCode::UNAUTHORIZED)] {
            let c = Client::new(state.clone());
            let ticket = hidden(&password_step(&c, &organiser).await.body, "ticket");
            let r = c.form("/login/code", &[("ticket", &ticket), ("code", &recovery[0].to_uppercase())]).await;
            assert_eq!(r.status, expect, "{name}: recovery code, try {i}: {}", r.body);
        }
        // Five wrong codes end the ticket.
        let c = Client::new(state.clone());
        let ticket = hidden(&password_step(&c, &organiser).await.body, "ticket");
        let mut last = String::new();
        for _ in 0..5 {
            last = c.form("/login/code", &[("ticket", &ticket), ("code", "123456")]).await.body;
        }
        assert!(last.contains("too many wrong codes"), "{name}: {last}");
        let after = c.form("/login/code", &[("ticket", &ticket), ("code", &fresh)]).await;
        assert!(after.body.contains("expired"), "{name}: the ticket is gone: {}", after.body);

        // The API: a code is needed, and a fresh one works.
        let (_, r) = Client::try_sign_in(state.clone(), &organiser, support::PASSWORD).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}: {}", r.body);
        assert!(r.body.contains("authenticator app"), "{name}: {}", r.body);
        // (The app's codes of this step and the next are used: a recovery code stands in.)
        let r = Client::new(state.clone())
            .json(Method::POST, "/api/v1/login", &json!({ "email": organiser, "password": support::PASSWORD, "code": recovery[1] }))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);

        // A canvasser needs no second factor, and may choose one from their account page.
        let (canvasser, r) = Client::try_sign_in(state.clone(), &email(Role::Canvasser), support::PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(canvasser.get("/account").await.body.contains("Turn on two-factor sign-in"), "{name}");
        let r = canvasser.form("/account/two-factor", &[]).await;
        assert!(r.body.contains("<svg"), "{name}: {}", r.body);
        let (ticket, secret) = (hidden(&r.body, "ticket"), hidden(&r.body, "secret"));
        let code = groundgame_app::second_factor::code_at(&secret, &email(Role::Canvasser), chrono::Utc::now()).unwrap();
        let r = canvasser.form("/login/code", &[("ticket", &ticket), ("code", &code)]).await;
        assert!(r.body.contains("recovery codes"), "{name}: {}", r.body);
        let (_, r) = Client::try_sign_in(state.clone(), &email(Role::Canvasser), support::PASSWORD).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}: once on, the canvasser's password alone does not sign in");
        // Nor may an API client skip setting it up: a data officer must do it on the web first.
        let (_, r) = Client::try_sign_in(state.clone(), &email(Role::DataOfficer), support::PASSWORD).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}: {}", r.body);
        assert!(r.body.contains("set up two-factor sign-in first"), "{name}: {}", r.body);
        // A password reset link changes the password, and the code is still asked.
        let link = groundgame_app::accounts::issue_reset(&app, f.actor(), f.users[&organiser]).await.unwrap();
        let r = Client::new(state.clone()).form(&link, &[("password", "a brand new passphrase 2017")]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(
            r.set_cookie("gg_session").is_none() && r.body.contains("one-time-code"),
            "{name}: no session without the code: {}",
            r.body
        );
        f.db.finish().await;
    }
}

/// New user, 3: one click replaced 70,000 electors with 2,000, and walks went on as if nothing
/// had happened.
#[tokio::test]
async fn a_register_upload_shows_what_it_would_change_and_asks_before_replacing() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 1500, 20).await;
        let state = f.state();
        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        let canvasser = Client::sign_in(state.clone(), &email(Role::Canvasser)).await;
        let payload = canvasser.get(&format!("/api/v1/walks/{}/canvass", f.walks[0].id)).await.json();
        canvasser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": contacts(&payload, 4, "Lab", &minutes_from_now(-1)) })).await;
        let version = f.campaign_now().await.register_version;

        let small = tempfile::NamedTempFile::new().unwrap();
        support::write_register(small.path(), 200, 3);
        let content = std::fs::read_to_string(small.path()).unwrap();
        let boundary = "XyZ";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ward.csv\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n"
        );
        let path = format!("/register/import?csrf={}", enc(organiser.csrf.as_deref().unwrap()));
        let preview =
            organiser.send(Method::POST, &path, Some(&format!("multipart/form-data; boundary={boundary}")), body.into_bytes(), false).await;
        assert_eq!(preview.status, StatusCode::OK, "{name}: {}", preview.body);
        assert!(preview.body.contains("Nothing has changed yet"), "{name}");
        assert!(preview.body.contains("would be removed") && preview.body.contains("walks would lose doors"), "{name}: {}", preview.body);
        assert!(preview.body.contains("much smaller"), "{name}");
        assert_eq!(f.campaign_now().await.register_version, version, "{name}: a preview writes nothing");
        let upload = preview.body.split("action=\"/register/import/").nth(1).unwrap().split('"').next().unwrap().to_owned();

        // Importing without saying so is refused; saying so imports it.
        let r = organiser.form(&format!("/register/import/{upload}"), &[("decision", "import")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.body);
        assert_eq!(f.campaign_now().await.register_version, version);
        let r = organiser.form(&format!("/register/import/{upload}"), &[("decision", "import"), ("smaller", "yes")]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(r.body.contains(&format!("as register version {}", version + 1)), "{name}");
        assert!(r.body.contains(&format!("Version {}:", version + 1)), "{name}: every part of the page shows the same version");
        // Used once.
        assert_eq!(
            organiser.form(&format!("/register/import/{upload}"), &[("decision", "import"), ("smaller", "yes")]).await.status,
            StatusCode::NOT_FOUND
        );

        // The walks say so, and offer to plan again; the answers stay.
        let walks_page = organiser.get("/walks").await.body;
        assert!(walks_page.contains("The register has changed since these walks were planned"), "{name}");
        assert_eq!(canvassing::contact_count(&f.app, f.actor()).await.unwrap(), 4);
        let p = organiser.get("/api/v1/progress").await.json();
        let by_district: u64 =
            p["progress"]["polling_districts"].as_object().unwrap().values().map(|t| t["contacts"].as_u64().unwrap()).sum();
        assert_eq!(by_district, 4, "{name}: the district table still adds up: {p}");
        f.db.finish().await;
    }
}

/// New user, 4: an answer the phone was told is stored must survive a power cut.
#[tokio::test]
async fn sqlite_commits_are_on_disk_before_they_are_acknowledged() {
    let db = TestDb::sqlite().await;
    let (mode,): (i64,) = db.store.fetch_optional("PRAGMA synchronous", vec![]).await.unwrap().unwrap();
    assert_eq!(mode, 2, "synchronous = FULL");
    db.finish().await;
}

/// Polling day across campaigns: another campaign's organiser cannot start a round of our walks,
/// mark our lifts given, chase our postal voters or take off our hand-added promises; their
/// canvasser cannot read our knock-up lists, even with a round started.
#[tokio::test]
async fn another_campaign_s_committee_room_cannot_touch_our_polling_day() {
    use groundgame_app::polling_day;
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 1500, 20).await;
        let other = other_campaign(&f).await;
        let theirs = Client::sign_in(f.state(), other.organiser).await;
        let their_canvasser = Client::sign_in(f.state(), other.canvasser).await;
        let walk = f.walks[0].id;
        let payload = canvassing::paper(&f.app, f.actor(), walk, "walk_sheet").await.unwrap();
        let (elector, household) = (payload.doors[0].electors[0].id, payload.doors[0].household_id);
        polling_day::start_rounds(&f.app, f.actor(), &[walk], None).await.unwrap();
        polling_day::add_hand_promise(&f.app, f.actor(), &payload.doors[0].electors[0].number).await.unwrap();
        let lift = uuid::Uuid::new_v4();
        let answer = groundgame_store::polling_day::KnockAnswer {
            id: lift,
            walk_id: walk,
            household_id: household,
            elector_id: Some(elector),
            answer: "needs_lift".into(),
            recorded_at: chrono::Utc::now(),
        };
        polling_day::record_knock_answers(&f.app, f.actor(), vec![answer]).await.unwrap();

        let r = theirs.json(Method::POST, "/api/v1/knock-up/rounds", &json!({ "walk_ids": [walk] })).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
        let r = theirs.send(Method::POST, &format!("/api/v1/lifts/{lift}/given"), None, Vec::new(), true).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
        let r = theirs.json(Method::PUT, &format!("/api/v1/postal-votes/{elector}"), &json!({ "status": "posted" })).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
        let r = theirs.send(Method::DELETE, &format!("/api/v1/promises/by-hand/{elector}"), None, Vec::new(), true).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
        let r = theirs.get(&format!("/api/v1/knock-up?walk_id={walk}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
        let r = their_canvasser.get(&format!("/api/v1/knock-up?walk_id={walk}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
        let r = their_canvasser.get(&format!("/api/v1/knock-up?polling_district={}", f.walks[0].polling_district)).await;
        assert!(r.json()["electors"].as_array().unwrap().is_empty(), "{name}: nothing of ours: {}", r.body);

        // Ours stand as they were.
        let room = polling_day::committee_room(&f.app, f.actor(), std::time::Instant::now(), false).await.unwrap();
        assert_eq!((room.counts.lifts_asked, room.counts.lifts_given), (1, 0), "{name}");
        assert_eq!(polling_day::hand_promises(&f.app, f.actor()).await.unwrap().len(), 1, "{name}");
        assert_eq!(polling_day::rounds_today(&f.app, f.actor()).await.unwrap()[&walk].number, 1, "{name}");
        f.db.finish().await;
    }
}

/// Phone banking and texting across campaigns: another campaign's organiser cannot see, close or
/// hand out our call lists, and their canvasser cannot take our people to call, record calls to
/// them, read their threads or text them, by our ids.
#[tokio::test]
async fn another_campaign_cannot_reach_our_call_lists_or_text_our_people() {
    use groundgame_app::{calling, texting};
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 600, 20).await;
        let other = other_campaign(&f).await;
        let theirs = Client::sign_in(f.state(), other.organiser).await;
        let their_canvasser = Client::sign_in(f.state(), other.canvasser).await;
        let payload = canvassing::paper(&f.app, f.actor(), f.walks[0].id, "walk_sheet").await.unwrap();
        let elector = &payload.doors[0].electors[0];
        texting::add_elector_phone(&f.app, f.actor(), &elector.number, "07700 900123", true, true, "upload").await.unwrap();
        let template = texting::add_template(&f.app, f.actor(), "Hello", "Hello {first_name}").await.unwrap();
        let new = calling::NewCallList { name: "Ours", filter: Default::default(), goal: 0, cooldown_hours: 4 };
        let list = calling::create_list(&f.app, f.actor(), new).await.unwrap();
        let (id, ready) = (list.list.id, list.standing.ready);
        assert!(ready >= 1, "{name}: {:?}", list.standing);

        let r = theirs.get("/api/v1/call-lists").await;
        assert_eq!(r.json().as_array().map(Vec::len), Some(0), "{name}: none of ours: {}", r.body);
        let r = theirs.send(Method::DELETE, &format!("/api/v1/call-lists/{id}"), None, Vec::new(), true).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
        let their_id = f.users.get(other.canvasser).copied().unwrap_or(1);
        let r = theirs.json(Method::POST, &format!("/api/v1/call-lists/{id}/batches"), &json!({ "user_id": their_id, "count": 5 })).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
        for caller in [&theirs, &their_canvasser] {
            let r = caller.send(Method::POST, &format!("/api/v1/call-lists/{id}/next"), None, Vec::new(), true).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
            let r = caller
                .json(Method::POST, &format!("/api/v1/call-lists/{id}/calls"), &json!({ "elector_id": elector.id, "outcome": "refused" }))
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
            assert_eq!(caller.get(&format!("/calls/{id}")).await.status, StatusCode::NOT_FOUND, "{name}");
            let r = caller.json(Method::POST, "/api/v1/texts", &json!({ "to_elector": elector.id, "template_id": template.id })).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
            let r = caller.get(&format!("/api/v1/texts/thread?to_elector={}", elector.id)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
        }
        let r = theirs.get("/api/v1/text-templates").await;
        assert!(!r.body.contains("Hello {first_name}"), "{name}: {}", r.body);

        // Ours stand as they were: no one held, handed out, called or texted.
        let lists = calling::lists(&f.app, f.actor()).await.unwrap();
        let s = &lists[0].standing;
        assert_eq!((s.ready, s.held, s.assigned, s.calls), (ready, 0, 0, 0), "{name}: {s:?}");
        assert!(audit_of(&f, &f.campaign, "call_number_shown").await.is_empty(), "{name}");
        assert!(audit_of(&f, &other.campaign, "call_number_shown").await.is_empty(), "{name}");
        f.db.finish().await;
    }
}
