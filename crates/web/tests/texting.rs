//! Peer-to-peer texting through a real HTTP SMS provider on loopback (tests/support/sms.rs, the
//! part of Twilio's API groundgame uses): consent, objections, opt-outs and quiet hours decide
//! what may go; the outbox sends through the provider; delivery reports and replies come back to
//! a listening server on signed webhooks, and unsigned or wrongly signed ones are refused; a STOP
//! reply stops the next text at once. On SQLite and PostgreSQL.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use groundgame_app::mail::MailSettings;
use groundgame_app::sms::{Provider as Sender, SmsSettings};
use groundgame_app::texting::{self, Recipient};
use groundgame_app::{privacy, volunteers, Actor, App};
use groundgame_core::access::Role;
use serde_json::json;
use support::sms::{self, Provider};
use support::{email, fixture, Client, Fixture, TestDb};

/// Noon in London, today: inside sending hours whatever the time the test runs.
fn noon() -> DateTime<Utc> {
    let today = Utc::now().date_naive();
    groundgame_core::time::uk_instant(today.and_hms_opt(12, 0, 0).unwrap())
}

/// 22:00 in London, today.
fn late() -> DateTime<Utc> {
    groundgame_core::time::uk_instant(Utc::now().date_naive().and_hms_opt(22, 0, 0).unwrap())
}

/// The first `n` electors of the fixture's register: (id, elector number).
async fn electors(f: &Fixture, n: usize) -> Vec<(i64, String)> {
    let mut tx = f.app.store.begin().await.unwrap();
    let rows: Vec<(i64, String, i64, i64)> = tx
        .fetch_all(
            "SELECT id, polling_district, elector_number, elector_suffix FROM electors WHERE campaign_id = $1 AND forename IS NOT NULL ORDER BY id LIMIT $2",
            groundgame_store::args![f.campaign.id, n as i64],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows.into_iter().map(|(id, d, n, s)| (id, if s == 0 { format!("{d}-{n}") } else { format!("{d}-{n}/{s}") })).collect()
}

/// Waits up to ten seconds for a text's status.
async fn status_becomes(app: &App, campaign: i64, id: &str, want: &str) {
    let started = Instant::now();
    loop {
        let mut tx = app.store.begin().await.unwrap();
        let t = groundgame_store::texting::text(&mut tx, campaign, id).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        if t.status == want {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "text {id} is {} ({:?}), not {want}", t.status, t.error);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn thread_of(app: &App, actor: Actor<'_>, to: Recipient) -> Vec<groundgame_store::texting::Text> {
    texting::thread(app, actor, to).await.unwrap().1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn texts_go_only_with_consent_in_hours_and_a_stop_reply_stops_the_next_one() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 400, 20).await;
        let provider = Provider::start().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let public = format!("http://{}", listener.local_addr().unwrap());
        let settings = SmsSettings {
            base_url: Some(provider.url.clone()),
            account: sms::ACCOUNT.into(),
            token: sms::TOKEN.into(),
            from: sms::FROM.into(),
        };
        let app =
            f.app.clone().with_mail(MailSettings { public_url: public.clone(), ..MailSettings::default() }).with_sms(settings.clone());
        let sender = Arc::new(Sender::new(&settings).unwrap());
        let state = groundgame_web::AppState::new(app.clone(), groundgame_web::WebSettings::default());
        // The router alone, with no background work: the test sends the outbox itself, at the
        // times it chooses, so that quiet hours are tested whatever the hour it runs.
        let router = groundgame_web::app(state.clone());
        let serving = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let url = |path: &str| format!("{public}{path}");

        // An organiser writes the template; a data officer adds numbers from a matched list.
        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        let r = organiser
            .json(
                Method::POST,
                "/api/v1/text-templates",
                &json!({ "name": "Saturday", "body": "Hi {first_name}, can we count on your vote on Thursday?" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.body);
        let template = r.json()["id"].as_i64().unwrap();
        let bad = organiser.json(Method::POST, "/api/v1/text-templates", &json!({ "name": "x", "body": "Hi {surname}" })).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("{surname} is not a field"), "{}", bad.body);

        let people = electors(&f, 6).await;
        let (agreed, refused, objected, lost, other) = (&people[0], &people[1], &people[2], &people[3], &people[4]);
        let officer = Client::sign_in(state.clone(), &email(Role::DataOfficer)).await;
        for (who, phone, consent) in [
            (agreed, "07700 900101", true),
            (refused, "07700 900102", false),
            (objected, "07700 900103", true),
            (lost, "07700 900104", true),
            (other, "07700 900105", true),
            (&people[5], "07700 900106", true),
        ] {
            let r = officer
                .json(
                    Method::POST,
                    "/api/v1/register/phones",
                    &json!({ "elector_number": who.1, "phone": phone, "sms_consent": consent, "how": "upload" }),
                )
                .await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{name}: {}", r.body);
        }
        let nonsense = officer
            .json(Method::POST, "/api/v1/register/phones", &json!({ "elector_number": agreed.1, "phone": "call me", "sms_consent": true }))
            .await;
        assert_eq!(nonsense.status, StatusCode::BAD_REQUEST);
        assert!(nonsense.body.contains("is not a phone number"), "{}", nonsense.body);
        privacy::record_objection(&app, f.actor(), &objected.1, "a letter").await.unwrap();
        provider.cannot_deliver_to("+447700900104");

        // A canvasser texts, one tap a text; what may not go says why (409), and nothing is queued.
        let canvasser_email = email(Role::Canvasser);
        let canvasser = Client::sign_in(state.clone(), &canvasser_email).await;
        let mut tx = app.store.begin().await.unwrap();
        let (user, _) = groundgame_store::accounts::user_credentials(&mut tx, f.users[&canvasser_email]).await.unwrap();
        tx.commit().await.unwrap();
        let member = groundgame_app::Member {
            user,
            role: Role::Canvasser,
            campaign: f.campaign.clone(),
            csrf_token: String::new(),
            session: String::new(),
        };
        let actor = Actor::Member(&member);
        let to = |e: &(i64, String)| Recipient::Elector(e.0);
        let first = texting::send(&app, actor, to(agreed), template, noon()).await.unwrap();
        assert_eq!(first.status, "waiting");
        assert!(first.body.starts_with("Hi ") && first.body.ends_with("Reply STOP to stop these texts."), "{name}: {}", first.body);
        assert!(first.body.contains(&f.campaign.name), "{name}: says who it is from: {}", first.body);
        let again = texting::send(&app, actor, to(agreed), template, noon()).await.unwrap();
        assert_eq!(again.id, first.id, "{name}: a second tap is the same text");
        for (who, why) in [(refused, "no consent"), (objected, "objected")] {
            let e = texting::send(&app, actor, to(who), template, noon()).await.unwrap_err();
            assert!(matches!(e, groundgame_app::Error::Conflict(_)) && e.to_string().contains(why), "{name}: {e}");
        }
        let night = texting::send(&app, actor, to(other), template, late()).await.unwrap_err();
        assert!(night.to_string().contains("quiet hours") && night.to_string().contains("09:00"), "{name}: {night}");
        let lost_text = texting::send(&app, actor, to(lost), template, noon()).await.unwrap();

        // Another campaign on the server reaches neither our electors nor our threads.
        let gss = groundgame_core::geography::GssCode::parse(&f.campaign.gss).unwrap();
        let elsewhere =
            groundgame_app::campaigns::create(&app, &gss, chrono::NaiveDate::from_ymd_opt(2019, 12, 12).unwrap(), None).await.unwrap();
        let theirs = texting::add_template(&app, Actor::CommandLine(&elsewhere), "Theirs", "Hi {first_name}").await.unwrap();
        let e = texting::send(&app, Actor::CommandLine(&elsewhere), to(agreed), theirs.id, noon()).await.unwrap_err();
        assert!(matches!(e, groundgame_app::Error::NotFound(_)), "{name}: another campaign's elector: {e}");
        let e = texting::send(&app, Actor::CommandLine(&elsewhere), to(agreed), template, noon()).await.unwrap_err();
        assert!(matches!(e, groundgame_app::Error::NotFound(_)), "{name}: our template: {e}");
        let e = texting::thread(&app, Actor::CommandLine(&elsewhere), to(agreed)).await.unwrap_err();
        assert!(matches!(e, groundgame_app::Error::NotFound(_)), "{name}: our elector's thread: {e}");

        // Through the API: the contract's 409 with the reason, and 202 in hours.
        let r = canvasser.json(Method::POST, "/api/v1/texts", &json!({ "to_elector": refused.0, "template_id": template })).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{name}: {}", r.body);
        assert!(r.json()["error"].as_str().unwrap().contains("no consent"), "{}", r.body);
        let r = canvasser
            .json(Method::POST, "/api/v1/texts", &json!({ "to_elector": agreed.0, "to_volunteer": 1, "template_id": template }))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: one person at a time");

        // The outbox goes to the provider, which reports delivery on the signed callback.
        assert_eq!(texting::send_outbox(&app, &sender, late()).await.unwrap(), 0, "{name}: nothing goes out of hours");
        assert!(provider.messages().is_empty());
        assert_eq!(texting::send_outbox(&app, &sender, noon()).await.unwrap(), 2, "{name}");
        let sent = provider.messages();
        assert_eq!(sent.len(), 2, "{name}");
        let m = sent.iter().find(|m| m.to == "+447700900101").expect("the agreed number");
        assert_eq!((m.from.as_str(), m.body.as_str()), (sms::FROM, first.body.as_str()));
        assert_eq!(m.status_callback, format!("{public}/api/v1/sms/status/{}/{}", f.campaign.id, first.id));
        status_becomes(&app, f.campaign.id, &first.id, "delivered").await;
        status_becomes(&app, f.campaign.id, &lost_text.id, "undelivered").await;
        assert_eq!(texting::send_outbox(&app, &sender, noon()).await.unwrap(), 0, "{name}: each text goes once");
        let inbox = canvasser.get("/api/v1/texts").await.json();
        assert_eq!((inbox["outbox"]["delivered"].as_i64(), inbox["outbox"]["undelivered"].as_i64()), (Some(1), Some(1)), "{name}: {inbox}");
        assert!(!inbox.to_string().contains("+44"), "{name}: the texter never sees a number: {inbox}");

        // A late, out-of-order report never moves a text back; a wrongly signed one is refused.
        let status_url = url(&format!("/api/v1/sms/status/{}/{}", f.campaign.id, first.id));
        let late_sent = vec![("MessageSid".to_owned(), m.sid.clone()), ("MessageStatus".to_owned(), "sent".to_owned())];
        let http = reqwest::Client::new();
        assert_eq!(sms::post_signed(&http, &status_url, &late_sent, None).await, 204);
        let failed = vec![("MessageSid".to_owned(), m.sid.clone()), ("MessageStatus".to_owned(), "failed".to_owned())];
        assert_eq!(sms::post_signed(&http, &status_url, &failed, Some("d3Jvbmc=")).await, 403, "{name}: a wrong signature");
        assert_eq!(sms::post_signed(&http, &status_url, &failed, Some("")).await, 403, "{name}: no signature");
        status_becomes(&app, f.campaign.id, &first.id, "delivered").await;

        // A reply lands in the texter's thread, once however often the provider retries it.
        let inbound = url("/api/v1/sms/inbound");
        assert_eq!(provider.reply(&inbound, "+447700900101", "Yes, I'll be voting", "SMreply1", None).await, 200, "{name}");
        assert_eq!(provider.reply(&inbound, "+447700900101", "Yes, I'll be voting", "SMreply1", None).await, 200, "{name}");
        let thread = thread_of(&app, actor, to(agreed)).await;
        assert_eq!(thread.iter().map(|t| t.direction.as_str()).collect::<Vec<_>>(), ["out", "in"], "{name}");
        let threads = canvasser.get("/api/v1/texts").await.json();
        let t = threads["threads"].as_array().unwrap().iter().find(|t| t["with"]["elector"] == agreed.0).expect("the thread");
        assert_eq!(t["awaiting_answer"], true, "{name}: {t}");
        // Unsigned, wrongly signed, or signed for another address: refused, and nothing stored.
        assert_eq!(provider.reply(&inbound, "+447700900101", "STOP", "SMforged", Some("")).await, 403, "{name}");
        assert_eq!(provider.reply(&inbound, "+447700900101", "STOP", "SMforged", Some("AAAA")).await, 403, "{name}");
        let elsewhere = groundgame_app::sms::signature(sms::TOKEN, "https://elsewhere.example/api/v1/sms/inbound", &[]);
        assert_eq!(provider.reply(&inbound, "+447700900101", "STOP", "SMforged", Some(&elsewhere)).await, 403, "{name}");
        assert_eq!(thread_of(&app, actor, to(agreed)).await.len(), 2, "{name}: the forged replies were not kept");
        // Another canvasser's thread is not theirs to read.
        let second = Client::sign_in(state.clone(), support::SECOND_CANVASSER).await;
        assert_eq!(second.get(&format!("/api/v1/texts/thread?to_elector={}", agreed.0)).await.status, StatusCode::NOT_FOUND, "{name}");
        assert_eq!(canvasser.get(&format!("/api/v1/texts/thread?to_elector={}", agreed.0)).await.status, StatusCode::OK, "{name}");

        // STOP: the number is out at once; a text queued before it never goes; the next is refused.
        let queued = texting::send(&app, actor, to(agreed), template, noon() + chrono::Duration::minutes(5)).await.unwrap();
        assert_eq!(provider.reply(&inbound, "+447700900101", "Stop.", "SMstop1", None).await, 200, "{name}");
        status_becomes(&app, f.campaign.id, &queued.id, "failed").await;
        assert_eq!(texting::send_outbox(&app, &sender, noon() + chrono::Duration::minutes(6)).await.unwrap(), 0, "{name}");
        assert_eq!(provider.messages().len(), 2, "{name}: nothing went after the STOP");
        let refused_now = texting::send(&app, actor, to(agreed), template, noon()).await.unwrap_err();
        assert!(refused_now.to_string().contains("opted out"), "{name}: {refused_now}");

        // A subject access request shows their number, its consent, and every text each way.
        let bundle = privacy::elector_bundle(&app, f.actor(), &agreed.1).await.unwrap();
        let records = &bundle["records"];
        assert_eq!(records["phones"][0]["number"], "+447700900101", "{name}: {records}");
        assert!(records["texts"].as_array().unwrap().len() >= 4, "{name}: {records}");

        // The opt-outs export (organisers only), and an undo needs a reason, which is kept.
        assert_eq!(canvasser.get("/api/v1/sms/opt-outs").await.status, StatusCode::FORBIDDEN, "{name}");
        let list = organiser.get("/api/v1/sms/opt-outs").await.json();
        assert_eq!(list.as_array().unwrap().len(), 1, "{name}: {list}");
        assert_eq!(
            (list[0]["number"].as_str(), list[0]["how"].as_str(), list[0]["words"].as_str()),
            (Some("+447700900101"), Some("reply"), Some("Stop."))
        );
        let no_reason = organiser.json(Method::POST, "/api/v1/sms/opt-outs", &json!({ "number": "07700900101", "undo_reason": "" })).await;
        assert_eq!(no_reason.status, StatusCode::BAD_REQUEST, "{name}");
        let undo = organiser
            .json(
                Method::POST,
                "/api/v1/sms/opt-outs",
                &json!({ "number": "07700900101", "undo_reason": "She wrote asking to hear again" }),
            )
            .await;
        assert_eq!(undo.status, StatusCode::NO_CONTENT, "{name}: {}", undo.body);
        assert!(texting::send(&app, actor, to(agreed), template, noon() + chrono::Duration::minutes(10)).await.is_ok(), "{name}");
        let audit = organiser.get("/api/v1/audit").await.json();
        for action in ["sms_opted_out", "sms_opt_out_undone", "sms_opt_outs_exported", "text_template_added", "elector_phone_added"] {
            assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == action), "{name}: {action} is audited");
        }

        // A volunteer who agreed to texts on their own page is texted; their STOP withdraws it.
        let volunteer = volunteer_with_phone(&f, "07700 900200").await;
        let to_volunteer = Recipient::Volunteer(volunteer.1);
        let not_theirs = texting::send(&app, actor, to_volunteer, template, noon()).await.unwrap_err();
        assert!(matches!(not_theirs, groundgame_app::Error::Forbidden(_)), "{name}: a canvasser does not text volunteers: {not_theirs}");
        let mut tx = app.store.begin().await.unwrap();
        let (user, _) = groundgame_store::accounts::user_credentials(&mut tx, f.users[&email(Role::Organiser)]).await.unwrap();
        tx.commit().await.unwrap();
        let organiser_member = groundgame_app::Member {
            user,
            role: Role::Organiser,
            campaign: f.campaign.clone(),
            csrf_token: String::new(),
            session: String::new(),
        };
        let actor = Actor::Member(&organiser_member);
        let v_text = texting::send(&app, actor, to_volunteer, template, noon()).await.unwrap();
        assert!(v_text.body.starts_with("Hi Val,"), "{name}: {}", v_text.body);
        texting::send_outbox(&app, &sender, noon()).await.unwrap();
        assert_eq!(provider.reply(&inbound, "+447700900200", "unsubscribe", "SMstop2", None).await, 200);
        let page = volunteers::own_page(&app, &volunteer.0).await.unwrap();
        assert!(
            !groundgame_store::volunteers::consents_to(&page.consents, groundgame_store::volunteers::Channel::Sms),
            "{name}: their consent to texts is withdrawn: {:?}",
            page.consents
        );
        let refused_volunteer = texting::send(&app, actor, to_volunteer, template, noon()).await.unwrap_err();
        assert!(refused_volunteer.to_string().contains("no consent") || refused_volunteer.to_string().contains("opted out"), "{name}");

        // A reply from a number no campaign texted is not kept.
        assert_eq!(provider.reply(&inbound, "+447700900999", "who is this?", "SMstranger", None).await, 200);
        let all = organiser.get("/api/v1/texts").await.json();
        assert!(!all.to_string().contains("who is this"), "{name}");

        // The provider is down: the text stays in the outbox, to be tried again later.
        provider.set_down(true);
        let other_text = texting::send(&app, actor, to(other), template, noon()).await.unwrap();
        texting::send_outbox(&app, &sender, noon()).await.unwrap();
        let mut tx = app.store.begin().await.unwrap();
        let t = groundgame_store::texting::text(&mut tx, f.campaign.id, &other_text.id).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        assert_eq!(t.status, "waiting", "{name}");
        assert!(t.error.as_deref().unwrap_or_default().contains("503"), "{name}: {:?}", t.error);
        // A text that waited a day is too late to send (it may say "see you on Saturday").
        provider.set_down(false);
        let stale = texting::send(&app, actor, to(&people[5]), template, noon() - chrono::Duration::days(2)).await.unwrap();
        texting::send_outbox(&app, &sender, noon()).await.unwrap();
        status_becomes(&app, f.campaign.id, &stale.id, "failed").await;
        assert!(provider.messages().iter().all(|m| m.to != "+447700900106"), "{name}: the stale text never went");
        serving.abort();
        f.db.finish().await;
    }
}

/// A volunteer signed up and confirmed, who gave a mobile number and agreed to texts on their
/// own page: (their own link's secret, their id).
async fn volunteer_with_phone(f: &Fixture, phone: &str) -> (String, i64) {
    let email = format!("val-{}@test.example", uuid::Uuid::new_v4().simple());
    let signup = volunteers::SignUp {
        name: "Val Jones".into(),
        email: email.clone(),
        campaign: Some(f.campaign.ballot_id.clone()),
        ..Default::default()
    };
    volunteers::sign_up(&f.app, &signup, "test").await.unwrap();
    let mut tx = f.app.store.begin().await.unwrap();
    let v = groundgame_store::volunteers::find(&mut tx, &f.campaign, Some(&email), None).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    volunteers::confirm(&f.app, &v.link_secret).await.unwrap();
    let details = volunteers::OwnDetails { phone: phone.into(), consent_sms: true, ..Default::default() };
    volunteers::update_own_details(&f.app, &v.link_secret, &details).await.unwrap();
    (v.link_secret, v.id)
}

/// Session reminders go by text too, through the provider, to a booked volunteer who agreed to
/// texts on their own page, and not to one who did not; a reminder that quiet hours would hold
/// past the session's start is not sent at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_who_agreed_to_texts_is_reminded_of_their_session_by_text() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 100, 20).await;
        let provider = Provider::start().await;
        let settings = SmsSettings {
            base_url: Some(provider.url.clone()),
            account: sms::ACCOUNT.into(),
            token: sms::TOKEN.into(),
            from: sms::FROM.into(),
        };
        let app = f.app.clone().with_sms(settings.clone());
        let sender = Arc::new(Sender::new(&settings).unwrap());
        let day = (Utc::now() + chrono::Duration::days(8)).date_naive();
        let form = volunteers::SessionForm {
            name: "Darley canvass".into(),
            meeting_point: "Darley Park café".into(),
            address: "Darley Park, Derby DE22 1DX".into(),
            starts_at: format!("{day}T10:00"),
            ends_at: format!("{day}T13:00"),
            capacity: 5,
            ..Default::default()
        };
        let session = volunteers::add_session(&app, f.actor(), &form).await.unwrap();
        let mut booked = Vec::new();
        for (who, phone, texts) in [("Val Jones", "07700 900300", true), ("Sam Hill", "07700 900301", false)] {
            let email = format!("{}@test.example", who.to_lowercase().replace(' ', "."));
            let signup = volunteers::SignUp {
                name: who.into(),
                email: email.clone(),
                consent_email: true,
                session_id: Some(session),
                campaign: Some(f.campaign.ballot_id.clone()),
                ..Default::default()
            };
            volunteers::sign_up(&app, &signup, "test").await.unwrap();
            let mut tx = app.store.begin().await.unwrap();
            let v = groundgame_store::volunteers::find(&mut tx, &f.campaign, Some(&email), None).await.unwrap().unwrap();
            tx.commit().await.unwrap();
            volunteers::confirm(&app, &v.link_secret).await.unwrap();
            let details = volunteers::OwnDetails { phone: phone.into(), consent_sms: texts, ..Default::default() };
            volunteers::update_own_details(&app, &v.link_secret, &details).await.unwrap();
            booked.push(v);
        }
        let starts = groundgame_core::time::uk_instant(day.and_hms_opt(10, 0, 0).unwrap());
        assert_eq!(volunteers::send_reminders(&app, starts - chrono::Duration::hours(20)).await.unwrap(), 2, "{name}: two mails");
        assert_eq!(texting::send_outbox(&app, &sender, starts - chrono::Duration::hours(20)).await.unwrap(), 1, "{name}: one text");
        let sent = provider.messages();
        assert_eq!(sent.len(), 1, "{name}");
        assert_eq!(sent[0].to, "+447700900300", "{name}: to Val, who agreed to texts");
        assert!(sent[0].body.starts_with("Hi Val, Darley canvass is tomorrow"), "{name}: {}", sent[0].body);
        assert!(
            sent[0].body.contains("/signups/") && sent[0].body.ends_with("Reply STOP to stop these texts."),
            "{name}: {}",
            sent[0].body
        );

        // The morning reminder, asked for at 07:30, would wait for 09:00: still before 10:00, so
        // it goes then, and not before.
        assert_eq!(volunteers::send_reminders(&app, starts - chrono::Duration::minutes(150)).await.unwrap(), 2, "{name}");
        assert_eq!(texting::send_outbox(&app, &sender, starts - chrono::Duration::minutes(150)).await.unwrap(), 0, "{name}: quiet hours");
        assert_eq!(texting::send_outbox(&app, &sender, starts - chrono::Duration::minutes(55)).await.unwrap(), 1, "{name}");
        let sent = provider.messages();
        assert!(
            sent[1].body.contains("see you today") && sent[1].body.contains(&booked[0].check_in_code.to_uppercase()),
            "{name}: {}",
            sent[1].body
        );
        f.db.finish().await;
    }
}

/// A double tap, or a phone resending on a flaky network: the same text to the same number,
/// sent several times at the same moment (on PostgreSQL, in transactions side by side), is one
/// text in the outbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_text_tapped_several_times_at_once_is_queued_once() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 100, 20).await;
        let people = electors(&f, 1).await;
        texting::add_elector_phone(&f.app, f.actor(), &people[0].1, "07700 900150", true, false, "doorstep").await.unwrap();
        let template = texting::add_template(&f.app, f.actor(), "Saturday", "Hi {first_name}, see you on Saturday?").await.unwrap();
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let (app, campaign, to) = (f.app.clone(), f.campaign.clone(), people[0].0);
            tasks.push(tokio::spawn(async move {
                texting::send(&app, Actor::CommandLine(&campaign), Recipient::Elector(to), template.id, noon()).await.map(|s| s.id)
            }));
        }
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.unwrap().unwrap_or_else(|e| panic!("{name}: {e}")));
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 1, "{name}: every tap answered with the one text: {ids:?}");
        assert_eq!(thread_of(&f.app, f.actor(), Recipient::Elector(people[0].0)).await.len(), 1, "{name}");
        f.db.finish().await;
    }
}
