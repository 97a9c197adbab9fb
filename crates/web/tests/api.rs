//! The server through its router, on SQLite and PostgreSQL: who may call what, sync exactly once,
//! pages, uploads and the audit log.

mod support;

use axum::http::{header, Method, StatusCode};
use groundgame_core::access::{allows, Role};
use groundgame_store::canvassing;
use groundgame_web::{Access, AppState, ROUTES};
use serde_json::{json, Value};
use support::{contacts, email, fixture, Client, Fixture, TestDb, SECOND_CANVASSER};

/// A body that the route accepts when the caller is allowed, so that "allowed" means 2xx.
fn valid_body(f: &Fixture, method: &str, path: &str) -> Option<Value> {
    Some(match (method, path) {
        ("POST", "/api/v1/login") => json!({ "email": email(Role::Teller), "password": support::PASSWORD }),
        ("PUT", "/api/v1/survey") => serde_json::to_value(groundgame_core::survey::Survey::default()).unwrap(),
        ("PUT", "/api/v1/walks/{id}/assignment") => json!({ "user_id": f.users[&email(Role::Canvasser)], "session_id": null }),
        ("POST", "/api/v1/sync") => json!({ "contacts": [] }),
        ("POST", "/api/v1/invites") => json!({ "email": "new@test.example", "name": "New", "role": "canvasser" }),
        ("GET", _) => return None,
        _ => json!({}),
    })
}

async fn call(client: &Client, f: &Fixture, method: &str, path: &str) -> StatusCode {
    let mut concrete = path.replace("{id}", &f.walks[0].id.to_string());
    // Routes that answer a question need it asked.
    if path == "/api/v1/nearest" {
        concrete.push_str("?postcode=DE22%201AA&party=Lab&election=2015");
    }
    let m: Method = method.parse().unwrap();
    match valid_body(f, method, path) {
        Some(body) => client.json(m, &concrete, &body).await.status,
        None => client.send(m, &concrete, None, Vec::new(), true).await.status,
    }
}

#[tokio::test]
async fn every_api_route_with_every_role_and_with_no_session() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 1500, 20).await;
        let state = AppState::new(f.db.store.clone(), false);
        // The routes under test are the ones the OpenAPI document publishes: the document and the
        // guard come from one table, and this checks they agree route by route.
        let anonymous = Client::new(state.clone());
        let doc = anonymous.get("/api/v1/openapi.json").await.json();
        let mut published = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                published.push((method.to_uppercase(), path.clone(), op["security"] == json!([])));
            }
        }
        let api_routes: Vec<_> = ROUTES.iter().filter(|r| r.is_api()).collect();
        assert_eq!(published.len(), api_routes.len(), "{name}: every API route is in the OpenAPI document");
        let mut checked = 0;
        for (method, path, public) in &published {
            let spec = ROUTES.iter().find(|r| r.method == method && r.path == path).expect("published route is in the table");
            assert_eq!(*public, spec.access == Access::Public, "{method} {path}: security [] exactly on public routes");
            // With no session.
            let status = call(&anonymous, &f, method, path).await;
            if *public {
                assert!(status.is_success(), "{name}: {method} {path} is public but answered {status}");
            } else {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}: {method} {path} without a session");
            }
            // With each role (a fresh session each time: logout ends it).
            for role in Role::ALL {
                let client = Client::sign_in(state.clone(), &email(role)).await;
                let status = call(&client, &f, method, path).await;
                let allowed = match spec.access {
                    Access::Public => true,
                    Access::Needs(p) => allows(role, p),
                };
                if allowed {
                    assert!(status.is_success(), "{name}: {role} may {method} {path} but got {status}");
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {role} may not {method} {path}");
                }
                checked += 1;
            }
        }
        assert_eq!(checked, api_routes.len() * Role::ALL.len());
        f.db.finish().await;
    }
}

#[tokio::test]
async fn writes_need_the_csrf_token_and_the_same_site() {
    let f = fixture(TestDb::sqlite().await, 800, 20).await;
    let state = AppState::new(f.db.store.clone(), false);
    let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
    let body = serde_json::to_vec(&json!({ "contacts": [] })).unwrap();
    let r = organiser.send(Method::POST, "/api/v1/sync", Some("application/json"), body.clone(), false).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no token: {}", r.body);
    // A form post from another site, even with the cookie, is refused.
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/sync")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::COOKIE, organiser.cookie.clone().unwrap())
        .header("x-csrf-token", organiser.csrf.clone().unwrap())
        .header(header::CONTENT_TYPE, "application/json");
    use tower::ServiceExt;
    let response = organiser.app.clone().oneshot(req.body(axum::body::Body::from(body.clone())).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // A page form without its hidden field is refused; with it, accepted.
    let r = organiser
        .send(
            Method::POST,
            "/sessions",
            Some("application/x-www-form-urlencoded"),
            b"name=Sat&starts_at=2017-05-27T10%3A00&meeting_point=Shops".to_vec(),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let form = format!("csrf={}&name=Sat&starts_at=2017-05-27T10%3A00&meeting_point=Shops", organiser.csrf.clone().unwrap());
    let r = organiser.send(Method::POST, "/sessions", Some("application/x-www-form-urlencoded"), form.into_bytes(), false).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Shops"));
    f.db.finish().await;
}

#[tokio::test]
async fn sign_in_is_rate_limited_and_says_nothing_about_which_emails_exist() {
    let f = fixture(TestDb::sqlite().await, 500, 20).await;
    let state = AppState::new(f.db.store.clone(), false);
    let c = Client::new(state);
    let bad = |who: &str| json!({ "email": who, "password": "wrong password" });
    let unknown = c.json(Method::POST, "/api/v1/login", &bad("nobody@test.example")).await;
    let known = c.json(Method::POST, "/api/v1/login", &bad(&email(Role::Organiser))).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.body, known.body);
    for _ in 0..4 {
        c.json(Method::POST, "/api/v1/login", &bad(&email(Role::Organiser))).await;
    }
    let locked = c.json(Method::POST, "/api/v1/login", &json!({ "email": email(Role::Organiser), "password": support::PASSWORD })).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
    f.db.finish().await;
}

#[tokio::test]
async fn sync_stores_each_contact_exactly_once_and_two_canvassers_merge() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 3000, 60).await;
        let state = AppState::new(f.db.store.clone(), false);
        let canvasser = Client::sign_in(state.clone(), &email(Role::Canvasser)).await;
        let walk = f.walks[0].id;
        let payload = canvasser.get(&format!("/api/v1/walks/{walk}/canvass")).await.json();
        // The doorstep gets only what it needs.
        let first = &payload["doors"][0]["electors"][0];
        assert!(first.get("date_of_birth").is_none() && first.get("markers").is_none(), "{first}");
        // Only the walks assigned to them.
        let other = canvasser.get(&format!("/api/v1/walks/{}/canvass", f.walks[1].id)).await;
        assert_eq!(other.status, StatusCode::FORBIDDEN, "{name}");

        let batch = contacts(&payload, 50, "Lab", "2017-05-27T10:00:00Z");
        assert_eq!(batch.len(), 50);
        // Half a batch arrives, the connection drops, the phone resends the whole batch, twice.
        let half = canvasser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": &batch[..25] })).await.json();
        assert_eq!(half["stored"].as_array().unwrap().len(), 25);
        let full = canvasser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": &batch })).await.json();
        assert_eq!((full["stored"].as_array().unwrap().len(), full["duplicates"].as_array().unwrap().len()), (25, 25));
        let again = canvasser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": &batch })).await.json();
        assert_eq!(again["duplicates"].as_array().unwrap().len(), 50);

        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        let p = organiser.get("/api/v1/progress").await.json();
        assert_eq!(p["progress"]["totals"]["contacts"], 50, "{name}");
        assert_eq!(p["progress"]["totals"]["supporters"], 50, "{name}");

        // A second canvasser given the same walk by mistake: both contacts are kept, the latest wins.
        let mut tx = f.db.store.begin().await.unwrap();
        groundgame_store::canvassing::assign(&mut tx, &f.campaign, walk, Some(f.users[SECOND_CANVASSER]), None).await.unwrap();
        tx.commit().await.unwrap();
        let second = Client::sign_in(state.clone(), SECOND_CANVASSER).await;
        let later = contacts(&payload, 10, "Con", "2017-05-27T11:00:00Z");
        let r = second.json(Method::POST, "/api/v1/sync", &json!({ "contacts": later })).await.json();
        assert_eq!(r["stored"].as_array().unwrap().len(), 10, "{name}: {r}");
        let p = organiser.get("/api/v1/progress").await.json();
        assert_eq!(p["progress"]["totals"]["contacts"], 60);
        assert_eq!(p["progress"]["totals"]["supporters"], 40, "{name}: the later Con answers win");
        // The first canvasser no longer has the walk: their phone's contacts are refused, not lost silently.
        let refused = canvasser
            .json(Method::POST, "/api/v1/sync", &json!({ "contacts": contacts(&payload, 1, "Lab", "2017-05-27T12:00:00Z") }))
            .await
            .json();
        assert_eq!(refused["rejected"].as_array().unwrap().len(), 1, "{refused}");

        // Bad events are refused one by one with a reason; the rest of the batch is stored.
        let mut mixed = contacts(&payload, 2, "Green", "2017-05-27T13:00:00Z");
        mixed[0]["answers"]["voting_intention"] = json!("Monster Raving");
        let r = second.json(Method::POST, "/api/v1/sync", &json!({ "contacts": mixed })).await.json();
        assert_eq!(r["stored"].as_array().unwrap().len(), 1);
        assert!(r["rejected"][0]["reason"].as_str().unwrap().contains("is not an answer"), "{r}");
        let garbage = second
            .send(Method::POST, "/api/v1/sync", Some("application/json"), b"{\"contacts\": [{\"id\": \"nope\"}]}".to_vec(), true)
            .await;
        assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
        assert!(garbage.json()["error"].as_str().unwrap().contains("could not be read"), "{}", garbage.body);

        // Reading a walk for the doorstep is audited.
        let audit = organiser.get("/api/v1/audit").await.json();
        assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "walk_payload"), "{name}");
        f.db.finish().await;
    }
}

#[tokio::test]
async fn pages_open_for_the_roles_that_may_see_them() {
    let f = fixture(TestDb::sqlite().await, 1200, 30).await;
    let state = AppState::new(f.db.store.clone(), false);
    let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
    let walk = f.walks[0].id;
    for path in
        ["/campaign", "/register", "/walks", "/sessions", "/volunteers", "/survey", "/audit", "/account", "/campaigns/new", "/canvass"]
    {
        let r = organiser.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert!(r.body.contains("<main id=\"main\">"), "{path}");
    }
    for path in [format!("/walks/{walk}"), format!("/walks/{walk}/sheet"), format!("/walks/{walk}/entry"), format!("/canvass/walks/{walk}")]
    {
        let r = organiser.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    let canvasser = Client::sign_in(state.clone(), &email(Role::Canvasser)).await;
    assert_eq!(canvasser.get("/register").await.status, StatusCode::FORBIDDEN);
    assert!(!canvasser.get("/canvass").await.body.contains("href=\"/register\""), "the menu shows only what the role may open");
    let anonymous = Client::new(state.clone());
    let r = anonymous.get("/walks").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/login?next=/walks");
    assert_eq!(anonymous.get("/no/such/page").await.status, StatusCode::NOT_FOUND);

    // Paper results keyed in become contacts.
    let page = organiser.get(&format!("/walks/{walk}/entry")).await.body;
    let field = page.split("name=\"e").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let elector = field.split('_').next().unwrap();
    let form = format!(
        "csrf={}&date=2017-05-28&e{elector}_voting_intention=Lab&e{elector}_certainty=5&e{elector}_note=wants+a+lift",
        organiser.csrf.clone().unwrap()
    );
    let r = organiser
        .send(Method::POST, &format!("/walks/{walk}/entry"), Some("application/x-www-form-urlencoded"), form.into_bytes(), false)
        .await;
    assert!(r.body.contains("Saved 1 contacts"), "{}", r.body);
    let p = organiser.get("/api/v1/progress").await.json();
    assert_eq!(p["progress"]["totals"]["supporters"], 1);
    f.db.finish().await;
}

#[tokio::test]
async fn a_bad_register_upload_names_its_lines_and_writes_nothing() {
    let f = fixture(TestDb::sqlite().await, 600, 20).await;
    let state = AppState::new(f.db.store.clone(), false);
    let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
    let before = organiser.get("/api/v1/register/stats").await.json();
    let csv = "Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Name,PostCode,Address1,Address2,Address3,Address4,Address5,Address6\n\
               NA1,1,0,,,\"Smith, Jane\",DE22 3JX,1 Alder Crescent,,,,,\n\
               NA1,x,0,,,\"Smith, John\",DE22 3JX,1 Alder Crescent,,,,,\n";
    let boundary = "XyZ";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bad.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let path = format!("/register/import?csrf={}", organiser.csrf.clone().unwrap());
    let r = organiser.send(Method::POST, &path, Some(&format!("multipart/form-data; boundary={boundary}")), body.into_bytes(), false).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("Nothing was imported"), "{}", r.body);
    assert!(r.body.contains("line 3"), "{}", r.body);
    let after = organiser.get("/api/v1/register/stats").await.json();
    assert_eq!(before["electors"], after["electors"]);
    assert_eq!(before["register_version"], after["register_version"]);

    // An export is audited with the number of electors it held.
    let export = organiser.get("/api/v1/register/export").await;
    assert_eq!(export.status, StatusCode::OK);
    let rows = export.body.lines().count() - 1;
    let audit = organiser.get("/api/v1/audit").await.json();
    let entry = audit.as_array().unwrap().iter().find(|e| e["action"] == "export_register").expect("audited");
    assert_eq!(entry["rows"].as_u64().unwrap() as usize, rows);
    f.db.finish().await;
}

#[tokio::test]
async fn an_invite_link_works_once() {
    let f = fixture(TestDb::sqlite().await, 300, 20).await;
    let state = AppState::new(f.db.store.clone(), false);
    let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
    let r = organiser
        .json(Method::POST, "/api/v1/invites", &json!({ "email": "Newbie@Test.Example", "name": "Newbie", "role": "canvasser" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let link = r.json()["link"].as_str().unwrap().to_owned();
    let anonymous = Client::new(state.clone());
    assert_eq!(anonymous.get(&link).await.status, StatusCode::OK);
    let short = anonymous.send(Method::POST, &link, Some("application/x-www-form-urlencoded"), b"password=short".to_vec(), false).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    let ok = anonymous
        .send(Method::POST, &link, Some("application/x-www-form-urlencoded"), b"password=a+long+enough+password".to_vec(), false)
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(ok.headers[header::SET_COOKIE].to_str().unwrap().starts_with("gg_session="));
    let reused = anonymous
        .send(Method::POST, &link, Some("application/x-www-form-urlencoded"), b"password=another+long+password".to_vec(), false)
        .await;
    assert_eq!(reused.status, StatusCode::NOT_FOUND);
    let login = anonymous
        .json(Method::POST, "/api/v1/login", &json!({ "email": "newbie@test.example", "password": "a long enough password" }))
        .await;
    assert_eq!(login.json()["role"], "canvasser");
    f.db.finish().await;
}

#[tokio::test]
async fn targets_and_the_public_nearest_marginal_answer_from_the_bundled_results() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 600, 20).await;
        let state = AppState::new(f.db.store.clone(), false);
        // A coming session in Derby North, where the fixture's campaign is.
        let mut tx = f.db.store.begin().await.unwrap();
        canvassing::create_session(&mut tx, &f.campaign, "Doorstep day", "2099-05-01T10:00", "Park Farm Centre").await.unwrap();
        canvassing::create_session(&mut tx, &f.campaign, "Long gone", "2001-05-01T10:00", "Nowhere").await.unwrap();
        tx.commit().await.unwrap();

        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        // Left to its defaults, the list is the campaign's party after the last election before its polling day.
        let list = organiser.get("/api/v1/targets").await.json();
        assert_eq!((list["election"].as_i64(), list["party"].as_str()), (Some(2015), Some("Lab")), "{name}");
        assert_eq!(list["seats"][0]["name"], "Gower");
        assert_eq!(list["seats"][1]["majority"], 41);
        assert_eq!(list["seats"][1]["swing_needed"], 0.05);
        let defence = organiser.get("/api/v1/targets?party=Lab&election=2017&list=defence&region=East+Midlands").await.json();
        assert!(defence["seats"].as_array().unwrap().iter().any(|s| s["name"] == "Derby North" && s["majority"] == 2015), "{defence}");
        let bad = organiser.get("/api/v1/targets?party=Whig").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("unknown party 'Whig'"), "{}", bad.body);
        let page = organiser.get("/targets?party=Con&election=2019").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.body.matches("<use href=\"#hex\"").count(), 650, "{name}: every seat on the map");
        assert!(page.body.contains("Conservative targets after 2019"));
        let page = organiser.get("/targets?party=Reform&election=2024&list=defence").await;
        assert_eq!(page.body.matches("<use href=\"#hex\"").count(), 650, "{name}: every seat of the 2024 boundaries too");
        assert!(page.body.contains("Reform UK defences after 2024") && page.body.contains("Clacton"), "{}", page.body);

        // The public page needs no sign-in, and shows the campaign's coming session only.
        let anonymous = Client::new(state.clone());
        let near = anonymous.get("/api/v1/nearest?postcode=de22+1aa&party=Lab&election=2015&within=10").await.json();
        let first = &near["seats"][0];
        assert_eq!((first["name"].as_str(), first["kind"].as_str()), (Some("Derby North"), Some("gain")), "{near}");
        assert_eq!(first["sessions"].as_array().unwrap().len(), 1);
        assert_eq!(first["sessions"][0]["name"], "Doorstep day");
        assert!(first.get("contact").is_none(), "the public answer leaves out the campaign's own figures");
        let page = anonymous.get("/marginals?postcode=DE22+1AA&party=Lab&election=2015").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Derby North") && page.body.contains("Doorstep day"), "{}", page.body);
        let unknown = anonymous.get("/marginals?postcode=SW1A+1AA&party=Lab").await.body;
        assert!(unknown.contains("postcodes import"), "an unknown postcode says how to add the country's: {unknown}");
        f.db.finish().await;
    }
}
