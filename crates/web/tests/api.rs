//! The server through its router, on SQLite and PostgreSQL: who may call what (every route, API
//! and pages, with every role, with no session, and by HEAD), sync exactly once, pages, uploads
//! and the audit log.

mod support;

use axum::http::{header, Method, StatusCode};
use groundgame_app::polling_day::PlaceInput;
use groundgame_app::{accounts, canvassing, register, Actor};
use groundgame_core::access::{allows, Role};
use groundgame_store::polling_day::PlaceKind;
use groundgame_web::{Access, Route, ROUTES};
use serde_json::{json, Value};
use support::{contacts, email, fixture, minutes_from_now, Client, Fixture, Reply, TestDb, SECOND_CANVASSER};

/// A small register file in the Xpress layout, for uploads.
const SMALL_REGISTER: &str = "Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Name,PostCode,Address1,Address2,Address3,Address4,Address5,Address6\n\
    NA1,1,0,,,\"Smith, Jane\",DE22 3JX,1 Alder Crescent,,,,,\n\
    NA1,2,0,,,\"Smith, John\",DE22 3JX,1 Alder Crescent,,,,,\n";

fn multipart(file_name: &str, content: &str) -> (String, Vec<u8>) {
    let boundary = "XyZ";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
}

/// A member made for one call to take away (removed, reset).
async fn throwaway(f: &Fixture, n: usize) -> i64 {
    let email = format!("throwaway{n}.{}@test.example", uuid::Uuid::new_v4().simple());
    let mut tx = f.db.store.begin_write().await.unwrap();
    let u = groundgame_store::accounts::add_member(&mut tx, &f.campaign, &email, "Throwaway", Role::Canvasser).await.unwrap();
    tx.commit().await.unwrap();
    u.id
}

/// A sign-in waiting for its second factor, and the code that finishes it: a fresh organiser's
/// first sign-in where two-factor sign-in is required.
async fn second_factor_ticket(f: &Fixture, n: usize) -> (String, String) {
    let email = format!("two.factor{n}.{}@test.example", uuid::Uuid::new_v4().simple());
    accounts::add_with_password(&f.app, &f.campaign, &email, "Two Factor", Role::Organiser, support::PASSWORD).await.unwrap();
    let strict = groundgame_app::App::new(f.db.store.clone(), groundgame_app::Limits::default());
    let client = accounts::Client { ip: "192.0.2.1".into(), ..Default::default() };
    match accounts::sign_in(&strict, &email, support::PASSWORD, None, &client).await.unwrap() {
        accounts::SignedIn::SecondFactor { ticket, enrol: Some(e) } => {
            let code = groundgame_app::second_factor::code_at(&e.secret, &email, chrono::Utc::now()).unwrap();
            (ticket, code)
        }
        other => panic!("a second factor to set up, not {other:?}"),
    }
}

async fn invite_token(f: &Fixture) -> (String, String) {
    let email = format!("invited.{}@test.example", uuid::Uuid::new_v4().simple());
    let link = accounts::invite(&f.app, f.actor(), &email, "Invited", Role::Canvasser).await.unwrap();
    let token = link.trim_start_matches("/invite/").to_owned();
    (token.clone(), groundgame_app::secrets::token_hash(&token))
}

/// The concrete request for a route: path (with its parameters filled in) and body, such that a
/// caller who is allowed gets a success.
async fn concrete(f: &Fixture, route: &Route, n: usize, who: &str) -> (String, Option<(String, Vec<u8>)>) {
    let walk = f.walks[0].id.to_string();
    let form = |pairs: &[(&str, &str)]| {
        let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", support::enc(v))).collect();
        Some(("application/x-www-form-urlencoded".to_owned(), body.join("&").into_bytes()))
    };
    let json_body = |v: Value| Some(("application/json".to_owned(), serde_json::to_vec(&v).unwrap()));
    let second = f.users[SECOND_CANVASSER].to_string();
    let district = f.walks[0].polling_district.clone();
    let path = route.path.replace("{file}", "style.css");
    match (route.method.as_str(), route.path) {
        ("GET", "/api/v1/nearest") => ("/api/v1/nearest?postcode=DE22%201AA&party=Lab&election=2015".into(), None),
        ("GET", "/invite/{token}") => (format!("/invite/{}", invite_token(f).await.0), None),
        ("GET", "/reset/{token}") | ("POST", "/reset/{token}") => {
            let id = throwaway(f, n).await;
            let link = accounts::issue_reset(&f.app, f.actor(), id).await.unwrap();
            let body = if route.method == Method::POST { form(&[("password", "a brand new password")]) } else { None };
            (link, body)
        }
        ("POST", "/api/v1/login") => {
            ("/api/v1/login".into(), json_body(json!({ "email": email(Role::Teller), "password": support::PASSWORD })))
        }
        ("PUT", "/api/v1/survey") => (path, json_body(serde_json::to_value(groundgame_core::survey::Survey::default()).unwrap())),
        ("PUT", "/api/v1/walks/{id}/assignment") => {
            (path.replace("{id}", &walk), json_body(json!({ "user_id": f.users[&email(Role::Canvasser)], "session_id": null })))
        }
        ("POST", "/api/v1/sync") => (path, json_body(json!({ "contacts": [] }))),
        ("POST", "/api/v1/knock-up/answers") => (path, json_body(json!({ "answers": [] }))),
        ("POST", "/api/v1/tellings") => {
            let entry =
                json!({ "id": uuid::Uuid::new_v4(), "polling_district": district, "number": "1", "recorded_at": chrono::Utc::now() });
            (path, json_body(json!({ "entries": [entry] })))
        }
        ("DELETE", "/api/v1/tellings/{id}") => {
            // A telling of `who`'s own, when they may take one.
            let id = uuid::Uuid::new_v4();
            let (c, _) = Client::try_sign_in(f.state(), who, support::PASSWORD).await;
            let entry = json!({ "id": id, "polling_district": district, "number": "1", "recorded_at": chrono::Utc::now() });
            c.json(Method::POST, "/api/v1/tellings", &json!({ "entries": [entry] })).await;
            (path.replace("{id}", &id.to_string()), None)
        }
        // The first walk is the canvasser's, in a knock-up round: the organiser reads it too; a
        // district is only the committee room's (tests/polling_day.rs).
        ("GET", "/api/v1/knock-up") => {
            groundgame_app::polling_day::start_rounds(&f.app, f.actor(), &[f.walks[0].id], None).await.unwrap();
            (format!("/api/v1/knock-up?walk_id={walk}"), None)
        }
        ("POST", "/api/v1/knock-up/rounds") => (path, json_body(json!({ "walk_ids": [f.walks[0].id] }))),
        ("POST", "/api/v1/lifts/{id}/given") | ("POST", "/committee-room/lifts/{id}/given") => {
            let body = if route.path.starts_with("/api/") { None } else { form(&[]) };
            (path.replace("{id}", &lift(f).await), body)
        }
        ("GET", "/api/v1/postal-votes") => (format!("/api/v1/postal-votes?polling_district={district}"), None),
        ("PUT", "/api/v1/postal-votes/{id}") => {
            (path.replace("{id}", &postal_elector(f).await.to_string()), json_body(json!({ "status": "not_yet" })))
        }
        ("POST", "/api/v1/promises/by-hand") => (path, json_body(json!({ "elector_number": first_elector(f).await.1 }))),
        ("DELETE", "/api/v1/promises/by-hand/{id}") => (path.replace("{id}", &hand_promise(f).await.to_string()), None),
        ("POST", "/polling-day/rounds") => (path, form(&[(&format!("walk_{walk}"), "on"), ("knocker", "")])),
        ("POST", "/polling-day/hand-promises") => (path, form(&[("elector_number", &first_elector(f).await.1)])),
        ("POST", "/polling-day/hand-promises/{id}/delete") => (path.replace("{id}", &hand_promise(f).await.to_string()), form(&[])),
        ("GET", "/polling-day/postal/{district}") => (path.replace("{district}", &district), None),
        ("POST", "/polling-day/postal/{district}/{id}") => {
            let id = postal_elector(f).await;
            (path.replace("{district}", &district).replace("{id}", &id.to_string()), form(&[("status", "posted")]))
        }
        ("GET", "/api/v1/teller/names") => (format!("/api/v1/teller/names?polling_district={district}"), None),
        ("POST", "/api/v1/polling-stations/{id}/counts") => {
            let id = polling_station(f, &district).await;
            (path.replace("{id}", &id.to_string()), json_body(json!({ "ballot_papers": 120 })))
        }
        ("GET", "/polling-day/knock-up/{district}") => (path.replace("{district}", &district), None),
        ("POST", "/polling-day/promises") => (path, form(&[("min_certainty", "4"), ("turnout", "")])),
        ("POST", "/polling-day/stations") | ("POST", "/polling-day/rooms") => {
            (path, form(&[("name", &format!("Hall {n}")), ("address", "1 High St"), ("polling_districts", &district)]))
        }
        ("POST", "/polling-day/stations/{id}/delete") | ("POST", "/polling-day/rooms/{id}/delete") => {
            let kind = if route.path.contains("stations") { PlaceKind::PollingStation } else { PlaceKind::CommitteeRoom };
            let input = PlaceInput { name: format!("Gone {n}"), address: String::new(), polling_districts: district.clone() };
            let id = groundgame_app::polling_day::save_place(&f.app, f.actor(), kind, input).await.unwrap();
            (path.replace("{id}", &id.to_string()), form(&[]))
        }
        ("PUT", "/api/v1/volunteers/{id}/role") => (path.replace("{id}", &second), json_body(json!({ "role": "canvasser" }))),
        ("DELETE", "/api/v1/volunteers/{id}") => (path.replace("{id}", &throwaway(f, n).await.to_string()), None),
        ("POST", "/api/v1/invites") => {
            (path, json_body(json!({ "email": format!("new{n}@test.example"), "name": "New", "role": "canvasser" })))
        }
        ("DELETE", "/api/v1/invites/{id}") => (path.replace("{id}", &invite_token(f).await.1), None),
        ("POST", "/api/v1/call-lists") => (path, json_body(json!({ "name": format!("List {n}"), "filter": { "not_contacted_days": 14 } }))),
        ("DELETE", "/api/v1/call-lists/{id}")
        | ("POST", "/api/v1/call-lists/{id}/next")
        | ("POST", "/api/v1/call-lists/{id}/release")
        | ("GET", "/calls/{id}")
        | ("POST", "/calls/{id}/close")
        | ("POST", "/calls/{id}/next")
        | ("POST", "/calls/{id}/release") => {
            let body = if route.path.starts_with("/api/") { None } else { form(&[]) };
            (path.replace("{id}", &call_list(f, n).await.to_string()), body)
        }
        ("POST", "/api/v1/call-lists/{id}/calls") | ("POST", "/calls/{id}/record") => {
            let list = call_list(f, n).await;
            let elector = held_by(f, list, who).await;
            let path = path.replace("{id}", &list.to_string());
            if route.path.starts_with("/api/") {
                (path, json_body(json!({ "elector_id": elector, "outcome": "no_answer" })))
            } else {
                (path, form(&[("elector_id", &elector.to_string()), ("outcome", "no_answer")]))
            }
        }
        ("POST", "/api/v1/call-lists/{id}/batches") | ("POST", "/calls/{id}/batch") => {
            let list = call_list(f, n).await.to_string();
            let canvasser = f.users[&email(Role::Canvasser)].to_string();
            if route.path.starts_with("/api/") {
                (path.replace("{id}", &list), json_body(json!({ "user_id": f.users[&email(Role::Canvasser)], "count": 2 })))
            } else {
                (path.replace("{id}", &list), form(&[("user_id", &canvasser), ("count", "2")]))
            }
        }
        ("POST", "/calls") => (path, form(&[("name", &format!("List {n}")), ("intention", "Lab"), ("not_contacted_days", "14")])),
        ("POST", "/api/v1/register/screening") => (path, json_body(json!({ "list": "ctps", "numbers": "01332 000001\n01332 000002\n" }))),
        ("POST", "/register/matched-list") => {
            let (ct, body) = multipart("matched.csv", &format!("elector_number,phone\n{district}-1,07700900999\n"));
            (path, Some((ct, body)))
        }
        ("POST", "/register/screening") => {
            let (ct, body) = multipart("tps.txt", "1332000001\n");
            (path, Some((ct, body)))
        }
        ("POST", "/api/v1/texts") => {
            let (template, elector) = textable(f, n).await;
            (path, json_body(json!({ "to_elector": elector, "template_id": template })))
        }
        ("GET", "/api/v1/texts/thread") | ("GET", "/texts/thread") => (format!("{path}?to_elector={}", own_text(f, n, who).await), None),
        ("POST", "/texts/send") => {
            let (template, elector) = textable(f, n).await;
            (path, form(&[("to_elector", &elector.to_string()), ("template_id", &template.to_string())]))
        }
        ("POST", "/texts/templates") => (path, form(&[("name", &format!("T{n}")), ("body", "Hi {first_name}")])),
        ("POST", "/texts/templates/{id}/withdraw") => (path.replace("{id}", &textable(f, n).await.0.to_string()), form(&[])),
        ("POST", "/api/v1/text-templates") => {
            (path, json_body(json!({ "name": format!("T{n}"), "body": "Hi {first_name}, see you Saturday?" })))
        }
        ("DELETE", "/api/v1/text-templates/{id}") => (path.replace("{id}", &textable(f, n).await.0.to_string()), None),
        ("POST", "/api/v1/sms/opt-outs") => (path, json_body(json!({ "number": format!("+447700{n:06}") }))),
        ("POST", "/api/v1/register/phones") => {
            (path, json_body(json!({ "elector_number": first_elector(f).await.1, "phone": "07700 900124", "sms_consent": true })))
        }
        ("POST", "/api/v1/sms/inbound") => {
            (path, form(&[("From", "+447700900123"), ("To", support::sms::FROM), ("Body", "Yes"), ("MessageSid", &format!("SM{n}"))]))
        }
        ("POST", "/api/v1/sms/status/{campaign}/{id}") => (
            path.replace("{campaign}", &f.campaign.id.to_string()).replace("{id}", &uuid::Uuid::now_v7().to_string()),
            form(&[("MessageSid", &format!("SM{n}")), ("MessageStatus", "delivered")]),
        ),
        ("POST", "/login") => (path, form(&[("email", &email(Role::Teller)), ("password", support::PASSWORD)])),
        ("POST", "/login/code") => {
            let (ticket, code) = second_factor_ticket(f, n).await;
            (path, form(&[("ticket", &ticket), ("code", &code)]))
        }
        ("POST", "/invite/{token}") => (format!("/invite/{}", invite_token(f).await.0), form(&[("password", "a long enough password")])),
        ("POST", "/switch") => (path, form(&[("campaign", &f.campaign.ballot_id)])),
        ("POST", "/account/password") => (path, form(&[("current", support::PASSWORD), ("new", support::PASSWORD)])),
        ("POST", "/account/sessions/end") => {
            let (other, _) = Client::try_sign_in(f.state(), who, support::PASSWORD).await;
            let token = other.cookie.unwrap();
            (path, form(&[("session", &groundgame_app::secrets::token_hash(&token))]))
        }
        ("POST", "/campaigns/new") => (path, form(&[("constituency", "Derby South"), ("election_date", "2017-06-08"), ("party", "Lab")])),
        ("POST", "/register/import") => {
            let (ct, body) = multipart("small.csv", SMALL_REGISTER);
            (path, Some((ct, body)))
        }
        ("POST", "/register/import/{id}") => {
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), SMALL_REGISTER).unwrap();
            let preview = register::preview_upload(&f.app, f.actor(), "small.csv", file.path()).await.unwrap();
            (path.replace("{id}", &preview.upload), form(&[("decision", "cancel")]))
        }
        ("POST", "/register/objections") => (path, form(&[("number", &format!("{district}-1")), ("how", "a letter")])),
        ("GET", "/register/subject-access") => (format!("{path}?number={district}-1"), None),
        ("POST", "/walks/plan") => (path, form(&[("district", &district), ("per_walk", "20")])),
        ("POST", "/walks/{id}/assign") => {
            (path.replace("{id}", &walk), form(&[("user_id", &f.users[&email(Role::Canvasser)].to_string()), ("session_id", "")]))
        }
        ("POST", "/sessions/{id}/delete") => (path.replace("{id}", &empty_session(f, n).await.to_string()), form(&[])),
        ("POST", "/walks/assign") => (
            path,
            form(&[
                ("walk", &walk),
                ("district", &district),
                ("user_id", &f.users[&email(Role::Canvasser)].to_string()),
                ("session_id", ""),
            ]),
        ),
        ("POST", "/walks/{id}/entry") => {
            (path.replace("{id}", &walk), form(&[("date", &chrono::Utc::now().format("%Y-%m-%d").to_string())]))
        }
        ("POST", "/volunteers/invite") => (path, form(&[("name", "New"), ("email", &format!("page{n}@test.example")), ("role", "teller")])),
        ("POST", "/volunteers/{id}/role") => (path.replace("{id}", &second), form(&[("role", "canvasser")])),
        ("POST", "/volunteers/{id}/remove") | ("POST", "/volunteers/{id}/reset") => {
            (path.replace("{id}", &throwaway(f, n).await.to_string()), form(&[]))
        }
        ("POST", "/volunteers/invites/{id}/withdraw") => (path.replace("{id}", &invite_token(f).await.1), form(&[])),
        ("POST", "/sessions") => (
            path,
            form(&[
                ("name", "Sat"),
                ("starts_at", "2099-05-27T10:00"),
                ("ends_at", "2099-05-27T12:00"),
                ("capacity", "12"),
                ("meeting_point", "Shops"),
            ]),
        ),
        ("POST", "/survey") => {
            (path, form(&[("definition", &serde_json::to_string(&groundgame_core::survey::Survey::default()).unwrap())]))
        }
        ("POST", "/api/v1/signups") => {
            (path, json_body(json!({ "name": "Sam", "email": format!("api{n}@test.example"), "campaign": f.campaign.ballot_id })))
        }
        ("POST", "/posts") => {
            let boundary = "XyZ";
            let body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nCome canvassing\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nSaturday, Darley Park\r\n--{boundary}--\r\n");
            (path, Some((format!("multipart/form-data; boundary={boundary}"), body.into_bytes())))
        }
        ("POST", "/posts/{id}/withdraw") => (path.replace("{id}", &post(f, n).await.to_string()), form(&[])),
        ("POST", "/posts/embed") => (path, form(&[("origins", "https://www.example.org")])),
        ("GET", "/join/{campaign}/posts/{id}") | ("GET", "/join/{campaign}/posts/{id}/image") => {
            (path.replace("{campaign}", &f.campaign.ballot_id).replace("{id}", &post(f, n).await.to_string()), None)
        }
        ("POST", "/join/{campaign}/embed") => {
            (path.replace("{campaign}", &f.campaign.ballot_id), form(&[("name", "Sam"), ("email", &format!("embed{n}@test.example"))]))
        }
        ("GET", "/join/{campaign}") => (path.replace("{campaign}", &f.campaign.ballot_id), None),
        ("POST", "/join/{campaign}") => {
            (path.replace("{campaign}", &f.campaign.ballot_id), form(&[("name", "Sam"), ("email", &format!("join{n}@test.example"))]))
        }
        ("GET", "/join/{campaign}/{session}") | ("POST", "/join/{campaign}/{session}") => {
            let session = session(f).await.to_string();
            let body = if route.method == Method::POST { form(&[("name", "Sam"), ("email", &format!("s{n}@test.example"))]) } else { None };
            (path.replace("{campaign}", &f.campaign.ballot_id).replace("{session}", &session), body)
        }
        ("GET", "/s/{code}") => {
            let (secret, _) = volunteer(f, n).await;
            let page = groundgame_app::volunteers::own_page(&f.app, &secret).await.unwrap();
            (page.share_links[0].1.clone(), None)
        }
        (method, p) if p.starts_with("/v/{secret}/lifts/") => {
            let (rider, offer, ask) = paired_lift(f, n).await;
            let body = if p.ends_with("/answer") {
                form(&[
                    ("offer_id", &offer.to_string()),
                    ("ask_id", &ask.to_string()),
                    ("accept", if method == "POST" { "yes" } else { "" }),
                ])
            } else {
                form(&[("side", "rider"), ("id", &ask.to_string())])
            };
            (p.replace("{secret}", &rider), body)
        }
        (_, p) if p.starts_with("/v/{secret}/friends/{id}/") => {
            let (secret, _) = volunteer(f, n).await;
            let friend = friend(f, &secret).await;
            let body = match p.rsplit('/').next().unwrap() {
                "choose" => {
                    let (elector, _, _) = first_elector(f).await;
                    form(&[("elector_id", &elector.to_string())])
                }
                "talk" => {
                    let (elector, _, _) = first_elector(f).await;
                    groundgame_app::relational::choose(&f.app, &secret, friend, Some(elector)).await.unwrap();
                    let survey = groundgame_app::canvassing::survey(&f.app, f.actor()).await.unwrap();
                    let q = &survey.questions[0];
                    form(&[(&format!("q.{}", q.key), &q.choices[0].code), ("note", "Talked at the school gate")])
                }
                _ => form(&[]),
            };
            (p.replace("{secret}", &secret).replace("{id}", &friend.to_string()), body)
        }
        (method, p) if p.starts_with("/v/{secret}") => {
            let (secret, signup) = volunteer(f, n).await;
            let postcode = groundgame_core::geography::demo_postcodes()[0].0.as_str().to_owned();
            let session = session(f).await.to_string();
            let body = match (method, p) {
                ("POST", "/v/{secret}/delete") => form(&[("sure", "yes")]),
                ("POST", "/v/{secret}/friends") => form(&[("name", "Jane Smith"), ("age_band", "65_over")]),
                ("POST", "/v/{secret}/age-band") => form(&[("age_band", "under_25")]),
                ("POST", "/v/{secret}/lifts") => form(&[("session_id", &session), ("postcode", &postcode), ("want", "ask")]),
                ("POST", "/v/{secret}/account") => form(&[("password", "a long enough password")]),
                ("POST", _) => form(&[]),
                _ => None,
            };
            (p.replace("{secret}", &secret).replace("{id}", &signup.to_string()), body)
        }
        ("GET", "/sessions/{id}") | ("POST", "/sessions/{id}/cancel") | ("GET", "/sessions/{id}/check-in") => {
            let body = if route.method == Method::POST { form(&[]) } else { None };
            (path.replace("{id}", &session(f).await.to_string()), body)
        }
        ("POST", "/sessions/{id}") => {
            let id = session(f).await;
            let slot = first_slot(f, id).await;
            let fields = [
                ("name", "Sat, moved"),
                ("starts_at", "2099-05-27T11:00"),
                ("ends_at", "2099-05-27T13:00"),
                ("capacity", "20"),
                ("meeting_point", "Shops"),
                ("slot_id", &slot.to_string()),
            ];
            (path.replace("{id}", &id.to_string()), form(&fields))
        }
        ("POST", "/sessions/{id}/check-in") | ("POST", "/sessions/{id}/attendance/{signup}") => {
            let (_, signup) = volunteer(f, n).await;
            let id = session(f).await.to_string();
            let body =
                if route.path.contains("attendance") { form(&[("came", "no")]) } else { form(&[("signup_id", &signup.to_string())]) };
            (path.replace("{id}", &id).replace("{signup}", &signup.to_string()), body)
        }
        ("POST", "/sessions/{id}/walk-in") => {
            let id = session(f).await;
            let slot = first_slot(f, id).await;
            (
                path.replace("{id}", &id.to_string()),
                form(&[("name", "Walk In"), ("email", &format!("walkin{n}@test.example")), ("slot_id", &slot.to_string())]),
            )
        }
        (_, p) => (
            p.replace("{id}", &walk)
                .replace("{file}", "style.css")
                .replace("{campaign}", &f.campaign.ballot_id)
                .replace("{gss}", &f.campaign.gss),
            None,
        ),
    }
}

/// A session of its own for one call, where one volunteer offers a lift and another asks for one
/// from the same postcode: the rider's secret and the pairing's (offer, ask).
async fn paired_lift(f: &Fixture, n: usize) -> (String, i64, i64) {
    let postcode = groundgame_core::geography::demo_postcodes()[0].0.as_str().to_owned();
    let form = groundgame_app::volunteers::SessionForm {
        name: format!("Lift test {n}-{}", uuid::Uuid::new_v4().simple()),
        meeting_point: "Darley Park café".into(),
        starts_at: "2099-05-28T10:00".into(),
        ends_at: "2099-05-28T13:00".into(),
        capacity: 10,
        ..Default::default()
    };
    let session = groundgame_app::volunteers::add_session(&f.app, f.actor(), &form).await.unwrap();
    let (driver, _) = volunteer_at(f, n, session).await;
    let (rider, _) = volunteer_at(f, n, session).await;
    groundgame_app::lifts::offer(&f.app, &driver, session, &postcode, 2).await.unwrap();
    groundgame_app::lifts::ask(&f.app, &rider, session, &postcode).await.unwrap();
    let page = groundgame_app::volunteers::own_page(&f.app, &rider).await.unwrap();
    let p = &page.lifts[0].paired[0];
    (rider, p.offer_id, p.ask_id)
}

/// The supporter lists the first elector of the first walk as a friend, by name: the friend's id.
async fn friend(f: &Fixture, secret: &str) -> i64 {
    let (elector, _, _) = first_elector(f).await;
    let mut tx = f.app.store.begin().await.unwrap();
    let c = groundgame_store::volunteers::candidate(&mut tx, &f.campaign, elector).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    groundgame_app::relational::add_friend(&f.app, secret, &format!("{} {}", c.forename, c.surname), "").await.unwrap();
    let page = groundgame_app::volunteers::own_page(&f.app, secret).await.unwrap();
    page.friends.last().unwrap().id
}

/// A post with a picture, published for one call: its id.
async fn post(f: &Fixture, n: usize) -> i64 {
    let form = groundgame_app::posts::PostForm {
        title: format!("Post {n}"),
        body: "Come canvassing on Saturday".into(),
        link_url: "https://www.example.org/manifesto".into(),
        image: Some(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec()),
    };
    groundgame_app::posts::publish(&f.app, f.actor(), &form).await.unwrap()
}

/// A session nobody has signed up to, made for one call: its id.
async fn empty_session(f: &Fixture, n: usize) -> i64 {
    let form = groundgame_app::volunteers::SessionForm {
        name: format!("Spare session {n}-{}", uuid::Uuid::new_v4().simple()),
        meeting_point: "The library".into(),
        starts_at: "2099-06-03T10:00".into(),
        ends_at: "2099-06-03T12:00".into(),
        capacity: 10,
        ..Default::default()
    };
    groundgame_app::volunteers::add_session(&f.app, f.actor(), &form).await.unwrap()
}

/// The first time of one of the fixture's sessions: its id.
async fn first_slot(f: &Fixture, session: i64) -> i64 {
    let all = groundgame_app::volunteers::sessions(&f.app, f.actor()).await.unwrap();
    all.into_iter().find(|s| s.session.id == session).unwrap().slots[0].id
}

/// The fixture's canvassing session with sign-ups (made once): its id.
async fn session(f: &Fixture) -> i64 {
    let all = groundgame_app::volunteers::sessions(&f.app, f.actor()).await.unwrap();
    if let Some(s) = all.iter().find(|s| s.session.name == "Saturday, Darley" && s.session.cancelled_at.is_none()) {
        return s.session.id;
    }
    let form = groundgame_app::volunteers::SessionForm {
        name: "Saturday, Darley".into(),
        meeting_point: "Darley Park café".into(),
        starts_at: "2099-05-27T10:00".into(),
        ends_at: "2099-05-27T13:00".into(),
        capacity: 1000,
        ..Default::default()
    };
    groundgame_app::volunteers::add_session(&f.app, f.actor(), &form).await.unwrap()
}

/// A volunteer signed up to the fixture's session and confirmed: their own link's secret and
/// their sign-up's id.
async fn volunteer(f: &Fixture, n: usize) -> (String, i64) {
    volunteer_at(f, n, session(f).await).await
}

async fn volunteer_at(f: &Fixture, n: usize, session: i64) -> (String, i64) {
    let email = format!("volunteer{n}-{}@test.example", uuid::Uuid::new_v4().simple());
    let signup = groundgame_app::volunteers::SignUp {
        name: "Val".into(),
        email: email.clone(),
        campaign: Some(f.campaign.ballot_id.clone()),
        session_id: Some(session),
        ..Default::default()
    };
    groundgame_app::volunteers::sign_up(&f.app, &signup, &format!("test-{n}")).await.unwrap();
    let mut tx = f.app.store.begin().await.unwrap();
    let v = groundgame_store::volunteers::find(&mut tx, &f.campaign, Some(&email), None).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    groundgame_app::volunteers::confirm(&f.app, &v.link_secret).await.unwrap();
    let page = groundgame_app::volunteers::own_page(&f.app, &v.link_secret).await.unwrap();
    (v.link_secret, page.signups[0].signup.id)
}

/// The first elector of the fixture's first walk: (id, number, household).
async fn first_elector(f: &Fixture) -> (i64, String, i64) {
    let payload = canvassing::paper(&f.app, f.actor(), f.walks[0].id, "walk_sheet").await.unwrap();
    let door = &payload.doors[0];
    (door.electors[0].id, door.electors[0].number.clone(), door.household_id)
}

/// The first elector of the first walk as a postal voter: their id.
async fn postal_elector(f: &Fixture) -> i64 {
    let (id, number, _) = first_elector(f).await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), format!("ElectorNumber,AbsentVoterType\n{number},P\n")).unwrap();
    let list = register::read_absent_voters(file.path(), &Default::default()).unwrap();
    register::absent_voters(&f.app, f.actor(), list, "av.csv", false).await.unwrap();
    id
}

/// A lift asked for at the first door of the first walk: the answer's id.
async fn lift(f: &Fixture) -> String {
    let (elector, _, household) = first_elector(f).await;
    let id = uuid::Uuid::new_v4();
    let answer = groundgame_store::polling_day::KnockAnswer {
        id,
        walk_id: f.walks[0].id,
        household_id: household,
        elector_id: Some(elector),
        answer: "needs_lift".into(),
        recorded_at: chrono::Utc::now(),
    };
    groundgame_app::polling_day::record_knock_answers(&f.app, f.actor(), vec![answer]).await.unwrap();
    id.to_string()
}

/// The first elector of the first walk, added to the promises by hand: their id.
async fn hand_promise(f: &Fixture) -> i64 {
    let (id, number, _) = first_elector(f).await;
    groundgame_app::polling_day::add_hand_promise(&f.app, f.actor(), &number).await.unwrap();
    id
}

/// The id of a polling station serving `district`, made on first use.
async fn polling_station(f: &Fixture, district: &str) -> i64 {
    let input = PlaceInput { name: "Station for the tests".into(), address: "Church hall".into(), polling_districts: district.into() };
    groundgame_app::polling_day::save_place(&f.app, f.actor(), PlaceKind::PollingStation, input).await.unwrap()
}

async fn call(client: &Client, f: &Fixture, route: &Route, n: usize, who: &str) -> Reply {
    let (path, body) = concrete(f, route, n, who).await;
    let mut req = axum::http::Request::builder().method(route.method.clone()).uri(&path);
    let mut path_with_csrf = None;
    if let Some(t) = &client.csrf {
        req = req.header("x-csrf-token", t);
        if route.upload {
            path_with_csrf = Some(format!("{path}?csrf={}", support::enc(t)));
        }
    }
    if let Some(p) = path_with_csrf {
        req = req.uri(p);
    }
    let bytes = match body {
        Some((ct, bytes)) => {
            req = req.header(header::CONTENT_TYPE, ct);
            bytes
        }
        None => Vec::new(),
    };
    // The SMS provider's webhooks are signed, as the provider signs them (tests/texting.rs
    // refuses the unsigned and the wrongly signed).
    if route.path.starts_with("/api/v1/sms/") && route.access == Access::Public {
        let fields: Vec<(String, String)> = url::form_urlencoded::parse(&bytes).into_owned().collect();
        req = req.header("x-twilio-signature", groundgame_app::sms::signature(support::sms::TOKEN, &f.app.mail.link(&path), &fields));
    }
    client.request(req, bytes).await
}

/// A new call list of the whole register, the first few electors with a number to call: its id.
async fn call_list(f: &Fixture, n: usize) -> i64 {
    let mut tx = f.app.store.begin().await.unwrap();
    let electors: Vec<(String, i64, i64)> = tx
        .fetch_all(
            "SELECT polling_district, elector_number, elector_suffix FROM electors WHERE campaign_id = $1 ORDER BY id LIMIT 8",
            groundgame_store::args![f.campaign.id],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for (i, (district, number, suffix)) in electors.iter().enumerate() {
        let number = groundgame_core::elector::format_number(district, *number, *suffix);
        let phone = format!("01332 {:06}", 100 + i);
        groundgame_app::texting::add_elector_phone(&f.app, f.actor(), &number, &phone, false, false, "upload").await.unwrap();
    }
    let new = groundgame_app::calling::NewCallList { name: &format!("Calls {n}"), filter: Default::default(), goal: 0, cooldown_hours: 4 };
    groundgame_app::calling::create_list(&f.app, f.actor(), new).await.unwrap().list.id
}

/// The elector `who` holds on the list once they take the next person (1 when they may not take one).
async fn held_by(f: &Fixture, list: i64, who: &str) -> i64 {
    let (c, _) = Client::try_sign_in(f.state(), who, support::PASSWORD).await;
    let r = c.json(Method::POST, &format!("/api/v1/call-lists/{list}/next"), &json!({})).await;
    let v: Value = serde_json::from_str(&r.body).unwrap_or_default();
    v["call"]["elector_id"].as_i64().unwrap_or(1)
}

/// A template, and an elector who agreed to texts from it: (template id, elector id).
async fn textable(f: &Fixture, n: usize) -> (i64, i64) {
    let t = groundgame_app::texting::add_template(&f.app, f.actor(), &format!("Template {n}"), "Hi {first_name}").await.unwrap();
    let (elector, number, _) = first_elector(f).await;
    groundgame_app::texting::add_elector_phone(&f.app, f.actor(), &number, "07700 900123", true, false, "upload").await.unwrap();
    (t.id, elector)
}

/// A text of `who`'s own to the first elector, in the outbox: the elector's id.
async fn own_text(f: &Fixture, n: usize, who: &str) -> i64 {
    let (template, elector) = textable(f, n).await;
    let id = uuid::Uuid::now_v7().to_string();
    let now = groundgame_store::db::now();
    let text = groundgame_store::texting::NewText {
        id: &id,
        number: "+447700900123",
        elector_id: Some(elector),
        volunteer_id: None,
        user_id: f.users.get(who).copied(),
        template_id: Some(template),
        body: "Hi",
        not_before: &now,
    };
    let mut tx = f.app.store.begin_write().await.unwrap();
    groundgame_store::texting::queue(&mut tx, f.campaign.id, &text, &now).await.unwrap();
    tx.commit().await.unwrap();
    elector
}

fn succeeded(r: &Reply) -> bool {
    r.status.is_success() || r.status.is_redirection()
}

#[tokio::test]
async fn every_route_with_every_role_with_no_session_and_by_head() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 1500, 20).await;
        let state = f.state();
        // The API routes are the ones the OpenAPI document publishes: the document and the guard
        // come from one table, and this checks they agree route by route.
        let anonymous = Client::new(state.clone());
        let doc = anonymous.get("/api/v1/openapi.json").await.json();
        let mut published = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let spec = ROUTES
                    .iter()
                    .find(|r| r.method.as_str().eq_ignore_ascii_case(method) && r.path == path)
                    .expect("published route is in the table");
                assert_eq!(
                    op["security"] == json!([]),
                    spec.access == Access::Public,
                    "{method} {path}: security [] exactly on public routes"
                );
                published += 1;
            }
        }
        assert_eq!(published, ROUTES.iter().filter(|r| r.is_api()).count(), "{name}: every API route is in the OpenAPI document");

        let mut checked = 0;
        for (n, route) in ROUTES.iter().enumerate() {
            let what = format!("{name}: {} {}", route.method, route.path);
            // With no session.
            let r = call(&anonymous, &f, route, n, &email(Role::Teller)).await;
            match route.access {
                Access::Public => assert!(succeeded(&r), "{what} is public but answered {}: {}", r.status, r.body),
                Access::Needs(_) if route.is_api() => assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what} without a session"),
                Access::Needs(_) => {
                    assert_eq!(r.status, StatusCode::SEE_OTHER, "{what} without a session");
                    assert!(r.location().starts_with("/login?next=/"), "{what}: {}", r.location());
                }
            }
            // Joining and resetting are for someone not signed in (signed in, their own tests say what happens).
            if route.access == Access::Public && matches!(route.path, "/invite/{token}" | "/reset/{token}") && route.method == Method::POST
            {
                continue;
            }
            // With each role (a fresh session each time: some routes end it).
            for role in Role::ALL {
                let client = Client::sign_in(state.clone(), &email(role)).await;
                let r = call(&client, &f, route, n * 10 + role as usize, &email(role)).await;
                let allowed = match route.access {
                    Access::Public => true,
                    Access::Needs(p) => allows(role, p),
                };
                // A text may be refused for the hour (09:00-21:00 UK time only): allowed, not sent.
                let quiet = matches!(route.path, "/api/v1/texts" | "/texts/send")
                    && groundgame_core::texting::sending_hours(chrono::Utc::now()).is_err()
                    && r.status == StatusCode::CONFLICT
                    && r.body.contains("quiet hours");
                if quiet {
                    assert!(allowed, "{what}: {role} may not, but was told of quiet hours: {}", r.body);
                } else if allowed {
                    assert!(succeeded(&r), "{what}: {role} may, but got {}: {}", r.status, r.body.chars().take(400).collect::<String>());
                } else {
                    assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {role} may not");
                }
                // HEAD answers wherever GET does, with the same status and no body.
                if route.method == Method::GET {
                    let (path, _) = concrete(&f, route, n, &email(role)).await;
                    let head = client.send(Method::HEAD, &path, None, Vec::new(), false).await;
                    let get = client.get(&path).await;
                    assert_eq!(head.status, get.status, "{what}: HEAD as {role}");
                    assert!(head.body.is_empty(), "{what}: HEAD has no body");
                }
                checked += 1;
            }
        }
        assert!(checked > 60 * Role::ALL.len(), "{name}: {checked} calls");
        f.db.finish().await;
    }
}

#[tokio::test]
async fn writes_need_the_csrf_token_and_the_same_site() {
    let f = fixture(TestDb::sqlite().await, 800, 20).await;
    let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
    let body = serde_json::to_vec(&json!({ "contacts": [] })).unwrap();
    let r = organiser.send(Method::POST, "/api/v1/sync", Some("application/json"), body.clone(), false).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no token: {}", r.body);
    // A form post from another site, even with the cookie and token, is refused.
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/api/v1/sync")
        .header(header::ORIGIN, "https://evil.example")
        .header("x-csrf-token", organiser.csrf.clone().unwrap())
        .header(header::CONTENT_TYPE, "application/json");
    assert_eq!(organiser.request(req, body.clone()).await.status, StatusCode::FORBIDDEN);
    // A page form without its hidden field is refused; with it, accepted.
    let fields = "name=Sat&starts_at=2099-05-27T10%3A00&ends_at=2099-05-27T12%3A00&capacity=10&meeting_point=Shops";
    let r = organiser.send(Method::POST, "/sessions", Some("application/x-www-form-urlencoded"), fields.as_bytes().to_vec(), false).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = organiser
        .form(
            "/sessions",
            &[
                ("name", "Sat"),
                ("starts_at", "2099-05-27T10:00"),
                ("ends_at", "2099-05-27T12:00"),
                ("capacity", "10"),
                ("meeting_point", "Shops"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(organiser.get("/sessions").await.body.contains("Shops"));
    // The token in the query string is taken only for a file upload, never for a form.
    let token = support::enc(organiser.csrf.as_deref().unwrap());
    let r = organiser
        .send(
            Method::POST,
            &format!("/sessions?csrf={token}"),
            Some("application/x-www-form-urlencoded"),
            fields.as_bytes().to_vec(),
            false,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a form with its token in the address is refused: {}", r.body);
    let r = organiser.send(Method::POST, &format!("/api/v1/sync?csrf={token}"), Some("application/json"), body, false).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "JSON with its token in the address is refused");
    f.db.finish().await;
}

#[tokio::test]
async fn sync_stores_each_contact_exactly_once_and_two_canvassers_merge() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 3000, 60).await;
        let state = f.state();
        let canvasser = Client::sign_in(state.clone(), &email(Role::Canvasser)).await;
        let walk = f.walks[0].id;
        let payload = canvasser.get(&format!("/api/v1/walks/{walk}/canvass")).await.json();
        // The doorstep gets only what it needs.
        let first = &payload["doors"][0]["electors"][0];
        assert!(first.get("date_of_birth").is_none() && first.get("markers").is_none(), "{first}");
        // Only the walks assigned to them.
        let other = canvasser.get(&format!("/api/v1/walks/{}/canvass", f.walks[1].id)).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{name}: the query reaches only their walks");
        assert!(other.body.contains("is not assigned to you"), "{name}: {}", other.body);

        let batch = contacts(&payload, 50, "Lab", &minutes_from_now(-30));
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

        // The walk goes to a second canvasser: both sets of contacts are kept, the latest wins.
        canvassing::assign(&f.app, f.actor(), walk, Some(f.users[SECOND_CANVASSER]), None).await.unwrap();
        let second = Client::sign_in(state.clone(), SECOND_CANVASSER).await;
        let second_payload = second.get(&format!("/api/v1/walks/{walk}/canvass")).await.json();
        let later = contacts(&second_payload, 10, "Con", &minutes_from_now(-1));
        let r = second.json(Method::POST, "/api/v1/sync", &json!({ "contacts": later })).await.json();
        assert_eq!(r["stored"].as_array().unwrap().len(), 10, "{name}: {r}");
        let p = organiser.get("/api/v1/progress").await.json();
        assert_eq!(p["progress"]["totals"]["contacts"], 60);
        assert_eq!(p["progress"]["totals"]["supporters"], 40, "{name}: the later Con answers win");

        // Bad events are refused one by one with a reason; the rest of the batch is stored.
        let mut mixed = contacts(&second_payload, 2, "Green", &support::now());
        mixed[0]["answers"]["voting_intention"] = json!("Monster Raving");
        let r = second.json(Method::POST, "/api/v1/sync", &json!({ "contacts": mixed })).await.json();
        assert_eq!(r["stored"].as_array().unwrap().len(), 1);
        assert!(r["rejected"][0]["reason"].as_str().unwrap().contains("is not an answer"), "{r}");
        let garbage = second
            .send(Method::POST, "/api/v1/sync", Some("application/json"), b"{\"contacts\": [{\"id\": \"nope\"}]}".to_vec(), true)
            .await;
        assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
        assert!(garbage.json()["error"].as_str().unwrap().contains("could not be read"), "{}", garbage.body);
        // A body is an object: serde would read a struct's fields in order from an array.
        let array = second.send(Method::POST, "/api/v1/sync", Some("application/json"), b"[[], null]".to_vec(), true).await;
        assert_eq!(array.status, StatusCode::BAD_REQUEST, "{name}: {}", array.body);
        assert!(array.body.contains("send a JSON object"), "{}", array.body);
        // Ids are whole numbers however they are written.
        let mut written = contacts(&second_payload, 1, "Lab", &support::now());
        let household = written[0]["household_id"].as_i64().unwrap();
        written[0]["household_id"] = json!(household as f64);
        let r = second.json(Method::POST, "/api/v1/sync", &json!({ "contacts": written })).await.json();
        assert_eq!(r["stored"].as_array().unwrap().len(), 1, "{name}: {r}");

        // Reading a walk for the doorstep is audited.
        let audit = organiser.get("/api/v1/audit").await.json();
        assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == "walk_payload"), "{name}");
        f.db.finish().await;
    }
}

/// Batches that arrive together are written together (one transaction, a savepoint each): each
/// phone is told what became of its own batch, the same batch sent at once from two tabs is stored
/// once, and a batch with a refused contact changes nothing for the others.
#[tokio::test]
async fn batches_arriving_together_are_each_stored_exactly_once() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 3000, 60).await;
        let state = f.state();
        let canvasser = std::sync::Arc::new(Client::sign_in(state.clone(), &email(Role::Canvasser)).await);
        let payload = canvasser.get(&format!("/api/v1/walks/{}/canvass", f.walks[0].id)).await.json();
        let mut batches: Vec<Vec<Value>> = (0..8).map(|_| contacts(&payload, 5, "Lab", &minutes_from_now(-20))).collect();
        batches[3][0]["answers"]["voting_intention"] = json!("Monster Raving");
        let twice = contacts(&payload, 5, "Con", &minutes_from_now(-10));
        for _ in 0..4 {
            batches.push(twice.clone());
        }
        let mut sends = tokio::task::JoinSet::new();
        for (i, batch) in batches.into_iter().enumerate() {
            let canvasser = canvasser.clone();
            sends.spawn(async move { (i, canvasser.json(Method::POST, "/api/v1/sync", &json!({ "contacts": batch })).await) });
        }
        let mut resent = (0, 0);
        while let Some(sent) = sends.join_next().await {
            let (i, reply) = sent.unwrap();
            assert_eq!(reply.status, StatusCode::OK, "{name}: batch {i}: {}", reply.body);
            let r = reply.json();
            let count = |key: &str| r[key].as_array().unwrap().len();
            match i {
                3 => assert_eq!((count("stored"), count("rejected")), (4, 1), "{name}: {r}"),
                0..=7 => assert_eq!((count("stored"), count("duplicates")), (5, 0), "{name}: batch {i}: {r}"),
                _ => {
                    resent.0 += count("stored");
                    resent.1 += count("duplicates");
                }
            }
        }
        assert_eq!(resent, (5, 15), "{name}: the batch sent four times at once is stored once");
        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        let p = organiser.get("/api/v1/progress").await.json();
        assert_eq!(p["progress"]["totals"]["contacts"], 7 * 5 + 4 + 5, "{name}");
        f.db.finish().await;
    }
}

#[tokio::test]
async fn pages_open_for_the_roles_that_may_see_them() {
    let f = fixture(TestDb::sqlite().await, 1200, 30).await;
    let state = f.state();
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
    assert_eq!(r.location(), "/login?next=/walks");
    assert_eq!(anonymous.get("/no/such/page").await.status, StatusCode::NOT_FOUND);

    // Paper results keyed in become contacts.
    let page = organiser.get(&format!("/walks/{walk}/entry")).await.body;
    let field = page.split("name=\"e").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let elector = field.split('_').next().unwrap().to_owned();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let r = organiser
        .form(
            &format!("/walks/{walk}/entry"),
            &[
                ("date", &today),
                (&format!("e{elector}_voting_intention"), "Lab"),
                (&format!("e{elector}_certainty"), "5"),
                (&format!("e{elector}_note"), "wants a lift"),
            ],
        )
        .await;
    assert!(r.body.contains("Saved 1 contact from the sheet"), "{}", r.body);
    let p = organiser.get("/api/v1/progress").await.json();
    assert_eq!(p["progress"]["totals"]["supporters"], 1);
    f.db.finish().await;
}

#[tokio::test]
async fn a_bad_register_upload_names_its_lines_and_the_file_and_writes_nothing() {
    let f = fixture(TestDb::sqlite().await, 600, 20).await;
    let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
    let before = organiser.get("/api/v1/register/stats").await.json();
    let csv = SMALL_REGISTER.replace("NA1,2,0", "NA1,x,0");
    let (ct, body) = multipart("ward-export.csv", &csv);
    let path = format!("/register/import?csrf={}", support::enc(organiser.csrf.as_deref().unwrap()));
    let r = organiser.send(Method::POST, &path, Some(&ct), body, false).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("Nothing was imported"), "{}", r.body);
    assert!(r.body.contains("line 3"), "{}", r.body);
    // An empty file is named as it was uploaded, never as the server's temporary file.
    let (ct, body) = multipart("empty.csv", "");
    let r = organiser.send(Method::POST, &path, Some(&ct), body, false).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("empty.csv"), "{}", r.body);
    assert!(!r.body.contains("/tmp") && !r.body.contains(".tmp"), "{}", r.body);
    let after = organiser.get("/api/v1/register/stats").await.json();
    assert_eq!(before["electors"], after["electors"]);
    assert_eq!(before["register_version"], after["register_version"]);
    // Failed imports are in the audit log.
    assert_eq!(support::audited(&f, "import_register_failed").await.len(), 2);

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
async fn an_invite_link_works_once_for_a_new_account() {
    let f = fixture(TestDb::sqlite().await, 300, 20).await;
    let state = f.state();
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
    assert!(ok.set_cookie("gg_session").is_some());
    let reused = anonymous
        .send(Method::POST, &link, Some("application/x-www-form-urlencoded"), b"password=another+long+password".to_vec(), false)
        .await;
    assert_eq!(reused.status, StatusCode::NOT_FOUND);
    let (_, login) = Client::try_sign_in(state.clone(), "newbie@test.example", "a long enough password").await;
    assert_eq!(login.json()["role"], "canvasser");
    f.db.finish().await;
}

#[tokio::test]
async fn targets_and_the_public_nearest_marginal_answer_from_the_bundled_results() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 600, 20).await;
        let state = f.state();
        // A coming session in Derby North, where the fixture's campaign is.
        canvassing::create_canvass_session(&f.app, Actor::CommandLine(&f.campaign), "Doorstep day", "2099-05-01T10:00", "Park Farm Centre")
            .await
            .unwrap();
        canvassing::create_canvass_session(&f.app, Actor::CommandLine(&f.campaign), "Long gone", "2001-05-01T10:00", "Nowhere")
            .await
            .unwrap();

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
        // An unknown postcode is said in the visitor's words, with no command to run.
        let unknown = anonymous.get("/marginals?postcode=SW1A+1AA&party=Lab").await.body;
        assert!(unknown.contains("we do not know where SW1A 1AA is yet"), "{unknown}");
        assert!(!unknown.contains("groundgame ") && !unknown.contains("import"), "{unknown}");
        f.db.finish().await;
    }
}

#[tokio::test]
async fn a_hexagon_leads_to_its_seat_with_results_majority_and_swing() {
    let f = fixture(TestDb::sqlite().await, 600, 30).await;
    let canvasser = Client::sign_in(f.state(), &email(Role::Canvasser)).await;
    let targets = canvasser.get("/targets?election=2015").await;
    assert!(targets.body.contains("<a href=\"/seats/E14000662\">"), "Derby North's hexagon is a link");
    let r = canvasser.get("/seats/E14000662").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Derby North") && r.body.contains(">2015<") && r.body.contains(">2010<"), "{}", r.body);
    assert!(r.body.contains("Our campaign here"), "the seat's own campaign's progress");
    // 2015: Conservative by 41; Labour needed a swing of a fraction of a point.
    let y2015 = r.body.find(">2015<").unwrap();
    assert!(r.body[y2015..].contains("41 ("), "the 2015 majority: {}", &r.body[y2015..y2015 + 300]);
    assert_eq!(canvasser.get("/seats/E99999999").await.status, StatusCode::NOT_FOUND);
    f.db.finish().await;
}

#[tokio::test]
async fn walks_are_assigned_in_bulk_and_the_page_says_what_happened() {
    let f = fixture(TestDb::sqlite().await, 1200, 30).await;
    let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
    let canvasser = f.users[&email(Role::Canvasser)].to_string();
    let (a, b) = (f.walks[1].id.to_string(), f.walks[2].id.to_string());
    let district = f.walks[1].polling_district.clone();
    let r = organiser
        .form("/walks/assign", &[("walk", &a), ("walk", &b), ("district", &district), ("user_id", &canvasser), ("session_id", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = organiser.get(r.location()).await;
    assert!(page.body.contains("Assigned 2 walks to Canvasser."), "{}", r.location());
    let mut tx = f.app.store.begin().await.unwrap();
    let mine = groundgame_store::canvassing::assignments(&mut tx, &f.campaign).await.unwrap();
    tx.commit().await.unwrap();
    for w in [&f.walks[1], &f.walks[2]] {
        assert_eq!(mine.get(&w.id).and_then(|x| x.user_id), Some(f.users[&email(Role::Canvasser)]), "walk {}", w.id);
    }
    let none = organiser.form("/walks/assign", &[("district", &district), ("user_id", &canvasser)]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST, "nothing ticked says so");
    f.db.finish().await;
}

#[tokio::test]
async fn a_session_is_deleted_only_while_nobody_has_signed_up() {
    let f = fixture(TestDb::sqlite().await, 600, 30).await;
    let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
    let (_, _) = volunteer(&f, 1).await;
    let taken = session(&f).await;
    let r = organiser.form(&format!("/sessions/{taken}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("cancel it instead"), "{}", r.body);
    let spare = empty_session(&f, 2).await;
    let r = organiser.form(&format!("/sessions/{spare}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(organiser.get(r.location()).await.body.contains("Deleted."));
    assert_eq!(organiser.get(&format!("/sessions/{spare}")).await.status, StatusCode::NOT_FOUND);
    f.db.finish().await;
}

#[tokio::test]
async fn the_survey_is_edited_as_a_form_with_a_preview_of_the_phone() {
    let f = fixture(TestDb::sqlite().await, 600, 30).await;
    let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
    let page = organiser.get("/survey").await;
    assert!(page.body.contains("name=\"q0.key\" value=\"voting_intention\""), "the questions are fields");
    assert!(page.body.contains("Lab | Labour"), "answers one a line");
    // The form as the browser sends it: drop the poster question, add one, talking points for NHS.
    let survey = groundgame_core::survey::Survey::default();
    let mut fields: Vec<(String, String)> = Vec::new();
    for (i, q) in survey.questions.iter().enumerate() {
        fields.push((format!("q{i}.key"), q.key.clone()));
        fields.push((format!("q{i}.label"), q.label.clone()));
        let mut lines = groundgame_core::survey::choices_to_lines(&q.choices, false);
        if q.key == "top_issue" {
            lines = lines.replace("NHS | NHS", "NHS | NHS | No one waiting more than 18 weeks.");
        }
        fields.push((format!("q{i}.choices"), lines));
        fields.push((format!("q{i}.order"), (i + 1).to_string()));
        if q.key == "poster" {
            fields.push((format!("q{i}.remove"), "yes".into()));
        }
    }
    let n = survey.questions.len();
    fields.extend([
        (format!("q{n}.key"), "housing_need".to_owned()),
        (format!("q{n}.label"), "Needs help with housing".to_owned()),
        (format!("q{n}.choices"), "Y | Yes\nN | No".to_owned()),
        (format!("q{n}.order"), "0".to_owned()),
        ("outcomes".to_owned(), groundgame_core::survey::choices_to_lines(&survey.outcomes, true)),
    ]);
    let send = |action: &str| {
        let mut all = fields.clone();
        all.push(("action".into(), action.into()));
        all
    };
    let preview = send("preview");
    let preview: Vec<(&str, &str)> = preview.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = organiser.form("/survey", &preview).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("On the phone") && r.body.contains("No one waiting more than 18 weeks."), "the preview");
    let now = groundgame_app::canvassing::survey(&f.app, f.actor()).await.unwrap();
    assert_eq!(now, survey, "a preview saves nothing");
    let save = send("save");
    let save: Vec<(&str, &str)> = save.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = organiser.form("/survey", &save).await;
    assert!(r.body.contains("Saved"), "{}", r.body);
    let saved = groundgame_app::canvassing::survey(&f.app, f.actor()).await.unwrap();
    assert_eq!(saved.questions[0].key, "housing_need", "the order given");
    assert!(!saved.questions.iter().any(|q| q.key == "poster"), "removed");
    let nhs = saved.questions.iter().find(|q| q.key == "top_issue").unwrap().choices.iter().find(|c| c.code == "NHS").unwrap();
    assert_eq!(nhs.talking_points, "No one waiting more than 18 weeks.");
    // A line that is not 'code | label' says where.
    let r = organiser
        .form(
            "/survey",
            &[
                ("q0.key", "voting_intention"),
                ("q0.label", "Voting intention"),
                ("q0.choices", "Lab"),
                ("outcomes", "NI | Not in | whole door"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Voting intention, line 1"), "{}", r.body);
    f.db.finish().await;
}

#[tokio::test]
async fn health_and_metrics_tell_an_operator_how_the_server_is() {
    for db in TestDb::all().await {
        let f = fixture(db, 300, 20).await;
        let state = f.state();
        let anonymous = Client::new(state.clone());
        let health = anonymous.get("/api/v1/health").await;
        assert_eq!(health.status, StatusCode::OK, "{}", health.body);
        let h = health.json();
        assert_eq!(h["status"], "ok");
        assert_eq!(h["database"], "reachable");
        assert!(h["schema_version"].as_i64().unwrap() >= 11, "{h}");
        assert_eq!(h["schema_version"], h["expected_schema_version"]);

        // The metrics say who asked for what, by route and never by the values in a path.
        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        organiser.get("/api/v1/walks").await;
        let metrics = organiser.get("/metrics").await;
        assert_eq!(metrics.status, StatusCode::OK, "{}", metrics.body);
        assert!(metrics.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/openmetrics-text"));
        let text = &metrics.body;
        assert!(text.contains(r#"groundgame_http_requests_total{method="GET",route="/api/v1/walks",status="200"}"#), "{text}");
        assert!(text.contains("groundgame_database_up 1"), "{text}");
        assert!(text.contains("groundgame_schema_version "), "{text}");
        assert!(text.contains("groundgame_mail_waiting "), "{text}");
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
        organiser.get("/api/v1/walks/999999/canvass").await;
        let again = organiser.get("/metrics").await.body;
        assert!(again.contains(r#"route="/api/v1/walks/{id}/canvass""#), "{again}");
        assert!(!again.contains("999999"), "{again}");

        // Everyone else is told no, in words, and a signed-out visitor is sent to sign in.
        for role in [Role::Canvasser, Role::DataOfficer] {
            let other = Client::sign_in(state.clone(), &email(role)).await;
            let refused = other.get("/metrics").await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{role:?}: {}", refused.body);
        }
        let signed_out = anonymous.get("/metrics").await;
        assert!(signed_out.status == StatusCode::SEE_OTHER || signed_out.status == StatusCode::UNAUTHORIZED, "{}", signed_out.status);

        // With its database gone the server says so, for the load balancer to send people elsewhere.
        f.app.store.close().await;
        let down = anonymous.get("/api/v1/health").await;
        assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE, "{}", down.body);
        assert_eq!(down.json()["database"], "unreachable");
        f.db.finish().await;
    }
}
