//! The online-to-doorstep pipeline against a real SMTP server on loopback: a public sign-up, the
//! confirmation mail and its link, a place or the waiting list, promotion when a place frees,
//! the calendar file, one-click unsubscribe, reminders, check-in with a walk handed out onto the
//! canvasser's phone, share links credited, and the volunteer's own data. SQLite and PostgreSQL.

mod support;

use axum::http::{header, Method, StatusCode};
use chrono::{Duration, Utc};
use groundgame_app::mail::MailSettings;
use groundgame_app::volunteers::{self, SessionForm};
use groundgame_core::access::Role;
use groundgame_web::{AppState, WebSettings};
use serde_json::json;
use support::smtp::{MailCatcher, Received};
use support::{email, fixture, Client, TestDb};

const PUBLIC: &str = "http://gg.test";

fn secret_of(link: &str) -> String {
    link.trim_start_matches(&format!("{PUBLIC}/v/")).split('/').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_confirm_wait_promote_remind_check_in_and_share() {
    for db in TestDb::all().await {
        let name = db.name;
        // A mailbox of its own for each backend.
        let Some(smtp) = MailCatcher::start() else { return };
        let f = fixture(db, 1500, 20).await;
        let app = f.app.clone().with_mail(MailSettings {
            smtp_url: Some(smtp.url()),
            from: "Derby North <help@gg.test>".into(),
            public_url: PUBLIC.into(),
        });
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let background = groundgame_app::background::start(&app, stopping);
        let state = AppState::new(app.clone(), WebSettings::default());
        let actor = f.actor();
        // Saturday of next week, 10:00-13:00, one place, at a postcode in the walks' area.
        let day = (Utc::now() + Duration::days(8)).format("%Y-%m-%d").to_string();
        let form = SessionForm {
            name: format!("Darley canvass {name}"),
            meeting_point: "Darley Park café".into(),
            address: "Darley Park, Derby DE22 1DX".into(),
            // A postcode of the register's area, so that the walks nearest it are found.
            postcode: Some(groundgame_core::geography::demo_postcodes()[0].0.as_str().to_owned()),
            starts_at: format!("{day}T10:00"),
            ends_at: format!("{day}T13:00"),
            capacity: 1,
            host_user_id: Some(f.users[&email(Role::Organiser)]),
            ..Default::default()
        };
        let session = volunteers::add_session(&app, actor, &form).await.unwrap();
        let ballot = f.campaign.ballot_id.clone();
        let public = Client::new(state.clone());

        // The public page shows the meeting point but never the exact address.
        let page = public.get(&format!("/join/{ballot}/{session}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Darley Park café") && !page.body.contains("DE22 1DX"), "{name}: no address in public");
        assert!(page.body.contains("og:title") && page.body.contains("twitter:card"), "{name}: shared links preview");

        // Signing up: 202 and the same answer whether the email is new or known.
        let body = json!({ "name": "Asha Patel", "email": "Asha@Example.org", "postcode": "DE22 1DX", "consent_email": true, "campaign": ballot, "session_id": session });
        let first = public.json(Method::POST, "/api/v1/signups", &body).await;
        assert_eq!(first.status, StatusCode::ACCEPTED, "{name}: {}", first.body);
        let again = public
            .json(
                Method::POST,
                "/api/v1/signups",
                // An id written with a point is the same id.
                &json!({ "name": "Someone Else", "email": "asha@example.org", "campaign": ballot, "session_id": session as f64 }),
            )
            .await;
        assert_eq!((again.status, again.body.clone()), (first.status, first.body.clone()), "{name}: a known email answers the same");
        let bad = public.json(Method::POST, "/api/v1/signups", &json!({ "name": "A", "email": "not an email", "campaign": ballot })).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.json()["error"].as_str().unwrap().contains("not an email address"), "{name}: {}", bad.body);

        // One confirmation (ten minutes apart at most), with its link and the unsubscribe headers.
        let mail = smtp.wait_for("asha@example.org", "Confirm your sign-up", 1).await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(smtp.wait_for("asha@example.org", "Confirm your sign-up", 1).await.len(), 1, "{name}: one confirmation");
        let confirm = Received::parse(&mail[0]);
        let link = confirm.link(&format!("{PUBLIC}/v/"));
        assert!(link.ends_with("/confirm"), "{link}");
        let secret = secret_of(&link);
        assert_eq!(confirm.header("List-Unsubscribe"), Some(format!("<{PUBLIC}/v/{secret}/unsubscribe>").as_str()));
        assert_eq!(confirm.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
        // Opening the link changes nothing (mail scanners open links); the button confirms.
        let opened = public.get(&format!("/v/{secret}/confirm")).await;
        assert_eq!(opened.status, StatusCode::OK);
        let own = volunteers::own_page(&app, &secret).await.unwrap();
        assert_eq!(own.signups[0].signup.status, "pending", "{name}: a visit confirms nothing");
        assert_eq!(own.volunteer.name, "Asha Patel", "{name}: the second form's name waits for the link");
        let r = public.form(&format!("/v/{secret}/confirm"), &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(r.body.contains("you have a place"), "{name}");
        let own = volunteers::own_page(&app, &secret).await.unwrap();
        assert_eq!(own.signups[0].signup.status, "booked");
        assert!(own.consents.iter().any(|c| c.channel == "email" && c.given == 1 && c.wording == volunteers::EMAIL_CONSENT_WORDING));
        assert_eq!(own.signups[0].address.as_deref(), Some("Darley Park, Derby DE22 1DX"), "{name}: the address once booked");
        let booked = Received::parse(&smtp.wait_for("asha@example.org", "You have a place", 1).await[0]);
        let ics = booked.calendar.expect("a calendar file");
        assert!(ics.contains("BEGIN:VEVENT") && ics.contains("DTSTART:") && ics.contains("DE22 1DX"), "{name}: {ics}");
        assert!(booked.text.contains("Darley Park, Derby DE22 1DX"));

        // A second volunteer, by Asha's share link: the one place is taken, so they wait.
        let share = own.share_links.iter().find(|(what, _)| what.starts_with(&form.name)).unwrap().1.clone();
        let go = public.get(&share).await;
        assert_eq!(go.status, StatusCode::SEE_OTHER, "{name}: {}", go.body);
        let code = share.trim_start_matches("/s/").to_owned();
        assert_eq!(go.location(), format!("/join/{ballot}/{session}?ref={code}"));
        let r =
            public.form(&format!("/join/{ballot}/{session}"), &[("name", "Ben Okoro"), ("email", "ben@example.org"), ("ref", &code)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        let ben = secret_of(&Received::parse(&smtp.wait_for("ben@example.org", "Confirm", 1).await[0]).link(&format!("{PUBLIC}/v/")));
        volunteers::confirm(&app, &ben).await.unwrap();
        smtp.wait_for("ben@example.org", "On the waiting list", 1).await;
        let ben_page = volunteers::own_page(&app, &ben).await.unwrap();
        assert_eq!(ben_page.signups[0].signup.status, "waiting");
        assert_eq!(ben_page.volunteer.recruited_by, Some(own.volunteer.id), "{name}: credited to Asha");
        // A honeypot filled in: thanked, and nothing kept.
        let r = public
            .form(&format!("/join/{ballot}/{session}"), &[("name", "Bot"), ("email", "bot@example.org"), ("website", "http://spam")])
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let mut tx = app.store.begin().await.unwrap();
        assert!(groundgame_store::volunteers::find(&mut tx, &f.campaign, Some("bot@example.org"), None).await.unwrap().is_none());
        tx.commit().await.unwrap();

        // Asha cancels: Ben has the place, and is told so at once.
        let r = public.form(&format!("/v/{secret}/signups/{}/cancel", own.signups[0].signup.id), &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let promoted = Received::parse(&smtp.wait_for("ben@example.org", "A place has come free", 1).await[0]);
        assert!(promoted.calendar.is_some());
        assert_eq!(volunteers::own_page(&app, &ben).await.unwrap().signups[0].signup.status, "booked");
        // Asha comes back, confirms again, and waits behind no one: the place is Ben's.
        public
            .json(
                Method::POST,
                "/api/v1/signups",
                &json!({ "name": "Asha Patel", "email": "asha@example.org", "campaign": ballot, "session_id": session }),
            )
            .await;
        volunteers::confirm(&app, &secret).await.unwrap();
        assert_eq!(volunteers::own_page(&app, &secret).await.unwrap().signups[0].signup.status, "waiting");

        // The day before: a "still coming?" to Ben (booked), none to Asha (waiting); once only.
        let starts =
            groundgame_core::time::uk_instant(chrono::NaiveDateTime::parse_from_str(&format!("{day}T10:00"), "%Y-%m-%dT%H:%M").unwrap());
        let day_before = starts - Duration::hours(20);
        assert_eq!(volunteers::send_reminders(&app, day_before).await.unwrap(), 1, "{name}");
        assert_eq!(volunteers::send_reminders(&app, day_before).await.unwrap(), 0, "{name}: once");
        let still = Received::parse(&smtp.wait_for("ben@example.org", "Still coming?", 1).await[0]);
        assert!(still.text.contains(&format!("/v/{ben}/signups/")) && still.calendar.is_some());
        // Ben unsubscribes with one click (a mail program's POST, no cookie, no page): no more mail.
        let r = public
            .send(
                Method::POST,
                &format!("/v/{ben}/unsubscribe"),
                Some("application/x-www-form-urlencoded"),
                b"List-Unsubscribe=One-Click".to_vec(),
                false,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert_eq!(
            volunteers::send_reminders(&app, starts - Duration::hours(1)).await.unwrap(),
            0,
            "{name}: no morning mail after unsubscribing"
        );

        // Check-in: Ben sets up his phone from his link, is checked in and handed the free walk
        // nearest the meeting point; it is on his "My walks" at once.
        let r = public.form(&format!("/v/{ben}/account"), &[("password", "a long enough password")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        let mut phone = Client::new(state.clone());
        phone.adopt(&r).await;
        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        let list = volunteers::check_in_list(&app, actor, session).await.unwrap();
        let ben_signup = list.attendees.iter().find(|a| a.name == "Ben Okoro").unwrap().signup_id;
        assert_eq!(list.walks_needed, 1, "{name}: one booked newcomer needs one walk");
        let r = organiser.form(&format!("/sessions/{session}/check-in"), &[("signup_id", &ben_signup.to_string())]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(r.body.contains("is checked in") && r.body.contains("Their walk"), "{name}: {}", r.body);
        let walks = phone.get("/api/v1/my/walks").await;
        assert_eq!(walks.status, StatusCode::OK, "{name}: {}", walks.body);
        assert_eq!(walks.json().as_array().unwrap().len(), 1, "{name}: the walk is on Ben's phone: {}", walks.body);
        let my = phone.get("/canvass").await;
        assert!(my.body.contains("Darley Park"), "{name}: My walks shows the session's meeting point");

        // Another campaign's organiser cannot open our check-in list.
        let other = groundgame_app::campaigns::create(
            &app,
            &groundgame_core::geography::GssCode::parse("E14000663").unwrap(),
            chrono::NaiveDate::from_ymd_opt(2017, 6, 8).unwrap(),
            None,
        )
        .await
        .unwrap();
        groundgame_app::accounts::add_with_password(&app, &other, "rival@test.example", "Rival", Role::Organiser, support::PASSWORD)
            .await
            .unwrap();
        let rival = Client::sign_in(state.clone(), "rival@test.example").await;
        assert_eq!(rival.get(&format!("/sessions/{session}/check-in")).await.status, StatusCode::NOT_FOUND, "{name}");
        let r = rival.form(&format!("/sessions/{session}/check-in"), &[("signup_id", &ben_signup.to_string())]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);

        // The share link's click is counted, and the leaderboard credits Asha.
        volunteers::flush_clicks(&app).await.unwrap();
        let board = volunteers::leaderboard(&app, actor).await.unwrap();
        let asha = board.iter().find(|s| s.name == "Asha Patel").unwrap();
        assert_eq!((asha.clicks, asha.signups, asha.came), (1, 1, 1), "{name}");

        // Her data: all of it in one download; then deleted, and her link stops working.
        let data = public.get(&format!("/v/{secret}/data")).await;
        assert_eq!(data.status, StatusCode::OK);
        assert!(data.body.contains("Asha@Example.org") && data.body.contains("consents"), "{name}: {}", data.body);
        assert_eq!(data.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
        let r = public.form(&format!("/v/{secret}/delete"), &[("sure", "yes")]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert_eq!(public.get(&format!("/v/{secret}")).await.status, StatusCode::NOT_FOUND);

        stop.send_replace(true);
        for t in background {
            t.await.unwrap();
        }
        f.db.finish().await;
    }
}
