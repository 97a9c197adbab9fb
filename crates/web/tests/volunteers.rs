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

/// Signs up and confirms a volunteer for a session through the public API and the emailed link:
/// their own page's secret.
async fn confirmed(public: &Client, smtp: &MailCatcher, ballot: &str, session: i64, name: &str, email: &str) -> String {
    let r = public
        .json(Method::POST, "/api/v1/signups", &json!({ "name": name, "email": email, "campaign": ballot, "session_id": session }))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let mail = Received::parse(&smtp.wait_for(email, "Confirm", 1).await[0]);
    let secret = secret_of(&mail.link(&format!("{PUBLIC}/v/")));
    let r = public.form(&format!("/v/{secret}/confirm"), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    secret
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_kit_feed_embedding_nearest_sessions_and_lifts() {
    for db in TestDb::all().await {
        let name = db.name;
        let Some(smtp) = MailCatcher::start() else { return };
        let f = fixture(db, 600, 20).await;
        let app = f.app.clone().with_mail(MailSettings {
            smtp_url: Some(smtp.url()),
            from: "Derby North <help@gg.test>".into(),
            public_url: PUBLIC.into(),
        });
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let background = groundgame_app::background::start(&app, stopping);
        let state = AppState::new(app.clone(), WebSettings::default());
        let actor = f.actor();
        let ballot = f.campaign.ballot_id.clone();
        let public = Client::new(state.clone());
        let organiser = Client::sign_in(state.clone(), &email(Role::Organiser)).await;
        let postcodes = groundgame_core::geography::demo_postcodes();
        let (here, near) = (postcodes[0].0.as_str().to_owned(), postcodes[1].0.as_str().to_owned());
        let day = (Utc::now() + Duration::days(9)).format("%Y-%m-%d").to_string();
        let session_form = |title: &str, postcode: &str| SessionForm {
            name: title.into(),
            meeting_point: "The library".into(),
            postcode: Some(postcode.into()),
            starts_at: format!("{day}T10:00"),
            ends_at: format!("{day}T13:00"),
            capacity: 20,
            ..Default::default()
        };
        let session = volunteers::add_session(&app, actor, &session_form("Allestree Saturday", &here)).await.unwrap();

        // A nearby marginal seat's campaign with a session of its own: a postcode finds both.
        let q = groundgame_app::targeting::NearestQuery { postcode: Some(here.clone()), party: Some("Lab".into()), ..Default::default() };
        let nearby = groundgame_app::targeting::nearest_seats(&app, &q).await.unwrap().unwrap();
        let other_seat = nearby.seats.iter().find(|s| s.seat.gss != f.campaign.gss).expect("a marginal near Derby North");
        let gss = groundgame_core::geography::GssCode::parse(&other_seat.seat.gss).unwrap();
        let other = groundgame_app::campaigns::create(&app, &gss, f.campaign.election_date, Some("Lab")).await.unwrap();
        let elsewhere = groundgame_app::Actor::CommandLine(&other);
        volunteers::add_session(&app, elsewhere, &session_form("Marginal Sunday", &near)).await.unwrap();
        let r = public.get(&format!("/join/{ballot}?postcode={}", support::enc(&here))).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let (ours, theirs) = (r.body.find("Allestree Saturday"), r.body.find("Marginal Sunday"));
        assert!(ours.is_some() && theirs.is_some(), "{name}: both sessions: {}", r.body);
        assert!(ours < theirs, "{name}: the nearer first");
        assert!(r.body.contains(&other_seat.seat.name) && r.body.contains("a marginal seat nearby"), "{name}");
        let r = public.get(&format!("/join/{ballot}?postcode=ZZ9+9ZZ")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(r.body.contains("role=\"alert\""), "{name}: said on the page");

        // A post with a picture: published by the organiser, on every supporter's page with their
        // own link; a visit through it is credited, and a sign-up from it too.
        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
        let boundary = "BoUnDaRy";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nWhy Derby North matters\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nWe lost by 41 votes in 2015.\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"link_url\"\r\n\r\nhttps://www.example.org/manifesto\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.gif\"\r\nContent-Type: image/gif\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&gif);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={boundary}");
        let r = organiser.send(Method::POST, &format!("/posts?csrf={}", organiser.csrf.clone().unwrap()), Some(&ct), body, false).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(r.body.contains("Published"), "{name}: {}", r.body);
        // A script dressed as a picture is refused.
        let bad = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nBad\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n<svg onload=alert(1)>\r\n--{boundary}--\r\n"
        );
        let r = organiser
            .send(Method::POST, &format!("/posts?csrf={}", organiser.csrf.clone().unwrap()), Some(&ct), bad.into_bytes(), false)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(r.body.contains("PNG, JPEG, GIF or WebP"), "{name}: {}", r.body);
        let post =
            groundgame_app::posts::list(&app, actor).await.unwrap().into_iter().find(|p| p.title == "Why Derby North matters").unwrap();

        let asha = confirmed(&public, &smtp, &ballot, session, "Asha Patel", "asha@example.org").await;
        let page = volunteers::own_page(&app, &asha).await.unwrap();
        let shared = page.posts.iter().find(|p| p.post.id == post.id).expect("the post on her page").link.clone();
        let go = public.get(&shared).await;
        assert_eq!(go.status, StatusCode::SEE_OTHER);
        let code = shared.trim_start_matches("/s/");
        assert_eq!(go.location(), format!("/join/{ballot}/posts/{}?ref={code}", post.id));
        let shown = public.get(go.location()).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(shown.body.contains("We lost by 41 votes") && shown.body.contains("https://www.example.org/manifesto"), "{name}");
        assert!(
            shown.body.contains(&format!("property=\"og:image\" content=\"{PUBLIC}/join/{ballot}/posts/{}/image\"", post.id)),
            "{name}"
        );
        assert!(shown.body.contains(&format!("name=\"ref\" value=\"{code}\"")), "{name}: signing up from the post credits Asha");
        let image = public.get(&format!("/join/{ballot}/posts/{}/image", post.id)).await;
        assert_eq!(image.headers.get(header::CONTENT_TYPE).unwrap(), "image/gif");
        public.form(&format!("/join/{ballot}"), &[("name", "Cal Reid"), ("email", "cal@example.org"), ("ref", code)]).await;
        let cal = secret_of(&Received::parse(&smtp.wait_for("cal@example.org", "Confirm", 1).await[0]).link(&format!("{PUBLIC}/v/")));
        volunteers::confirm(&app, &cal).await.unwrap();
        assert_eq!(volunteers::own_page(&app, &cal).await.unwrap().volunteer.recruited_by, Some(page.volunteer.id), "{name}");

        // The feed: sessions and posts, as Atom that a reader can parse.
        let feed = public.get(&format!("/join/{ballot}/feed.atom")).await;
        assert_eq!(feed.status, StatusCode::OK);
        assert!(feed.headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap().starts_with("application/atom+xml"));
        let parsed = atom_syndication::Feed::read_from(feed.body.as_bytes()).expect("valid Atom");
        let titles: Vec<&str> = parsed.entries().iter().map(|e| e.title().as_str()).collect();
        assert!(titles.contains(&"Why Derby North matters"), "{name}: {titles:?}");
        assert!(titles.iter().any(|t| t.starts_with("Allestree Saturday")), "{name}: {titles:?}");
        assert!(!titles.iter().any(|t| t.starts_with("Marginal Sunday")), "{name}: only this campaign's");
        // Withdrawn, the post leaves the feed and its page.
        let r = organiser.form(&format!("/posts/{}/withdraw", post.id), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        assert_eq!(public.get(&format!("/join/{ballot}/posts/{}", post.id)).await.status, StatusCode::NOT_FOUND);
        assert!(!public.get(&format!("/join/{ballot}/feed.atom")).await.body.contains("Why Derby North matters"));

        // Embedding: no site may frame the form until the organiser lists one; then only it.
        let embed = public.get(&format!("/join/{ballot}/embed")).await;
        let csp = |r: &support::Reply| r.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap().to_owned();
        assert!(csp(&embed).contains("frame-ancestors 'none'"), "{name}");
        let r = organiser.form("/posts/embed", &[("origins", "https://www.example.org 'self'; script-src *")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: nothing that changes the policy");
        let r = organiser.form("/posts/embed", &[("origins", "https://www.example.org\nhttps://branch.example.net/")]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let embed = public.get(&format!("/join/{ballot}/embed")).await;
        assert!(csp(&embed).ends_with("frame-ancestors https://www.example.org https://branch.example.net"), "{name}: {}", csp(&embed));
        assert!(embed.headers.get(header::X_FRAME_OPTIONS).is_none(), "{name}");
        let other_page = public.get(&format!("/join/{ballot}")).await;
        assert!(csp(&other_page).contains("frame-ancestors 'none'") && other_page.headers.get(header::X_FRAME_OPTIONS).is_some());
        // Signing up inside the frame stays inside it (the thanks page may be framed too).
        let r = public.form(&format!("/join/{ballot}/embed"), &[("name", "Dev Shah"), ("email", "dev@example.org")]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(r.body.contains("Check your email") && csp(&r).contains("https://www.example.org"), "{name}");
        let r = public.form(&format!("/join/{ballot}/embed"), &[("name", "Dev Shah"), ("email", "not-an-email")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");

        // Lifts: Ben drives from near Asha; they see each other's first name only until both
        // say yes, then each is emailed the other's details.
        let ben = confirmed(&public, &smtp, &ballot, session, "Ben Okoro", "ben@example.org").await;
        // Their own details: a phone, when they can help, what they can do, consent to texts.
        let r = public
            .form(
                &format!("/v/{asha}/details"),
                &[
                    ("phone", "07700 900123"),
                    ("availability", "Saturdays"),
                    ("availability", "polling day"),
                    ("skills", "driver"),
                    ("languages", "Gujarati"),
                    ("consent_sms", "yes"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let mine = volunteers::own_page(&app, &asha).await.unwrap();
        assert_eq!(mine.volunteer.phone.as_deref(), Some("+447700900123"), "{name}");
        assert_eq!(
            (mine.volunteer.availability.as_str(), mine.volunteer.skills.as_str()),
            ("Saturdays, polling day", "driver, speaks Gujarati")
        );
        let sms = mine.consents.iter().rfind(|c| c.channel == "sms").expect("an SMS consent line");
        assert_eq!((sms.given, sms.wording.as_str(), sms.how.as_str()), (1, volunteers::SMS_CONSENT_WORDING, "own page"), "{name}");
        // Ben cannot put Asha's number on his record (that would merge them by a form).
        let r = public.form(&format!("/v/{ben}/details"), &[("phone", "+44 7700 900123")]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{name}: {}", r.body);
        let r = public.form(&format!("/v/{ben}/details"), &[("consent_phone", "yes")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: no calls without a number");
        let r = public
            .form(
                &format!("/v/{ben}/lifts"),
                &[("session_id", &session.to_string()), ("postcode", &near), ("seats", "2"), ("want", "offer")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let r =
            public.form(&format!("/v/{asha}/lifts"), &[("session_id", &session.to_string()), ("postcode", &here), ("want", "ask")]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(r.body.contains("Ben (") && !r.body.contains("Okoro") && !r.body.contains("ben@example.org"), "{name}: first name only");
        smtp.wait_for("asha@example.org", "A lift to", 1).await;
        smtp.wait_for("ben@example.org", "A lift to", 1).await;
        let lift = volunteers::own_page(&app, &asha).await.unwrap().lifts[0].paired[0].clone();
        let ids = [("offer_id", lift.offer_id.to_string()), ("ask_id", lift.ask_id.to_string())];
        // Someone else (Cal, with a link of his own) cannot answer for them.
        let r = public.form(&format!("/v/{cal}/lifts/answer"), &[("offer_id", &ids[0].1), ("ask_id", &ids[1].1), ("accept", "yes")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}");
        // No lift without a place at the session.
        let r =
            public.form(&format!("/v/{cal}/lifts"), &[("session_id", &session.to_string()), ("postcode", &here), ("want", "ask")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");
        let r = public.form(&format!("/v/{asha}/lifts/answer"), &[("offer_id", &ids[0].1), ("ask_id", &ids[1].1), ("accept", "yes")]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.body.contains("ben@example.org"), "{name}: not until both say yes");
        let r = public.form(&format!("/v/{ben}/lifts/answer"), &[("offer_id", &ids[0].1), ("ask_id", &ids[1].1), ("accept", "yes")]).await;
        assert!(r.body.contains("asha@example.org") && r.body.contains("Asha Patel"), "{name}: {}", r.body);
        let agreed = Received::parse(&smtp.wait_for("asha@example.org", "is agreed", 1).await[0]);
        assert!(agreed.text.contains("Ben Okoro") && agreed.text.contains("ben@example.org"), "{name}: {}", agreed.text);
        let agreed = Received::parse(&smtp.wait_for("ben@example.org", "is agreed", 1).await[0]);
        assert!(agreed.text.contains("asha@example.org"), "{name}");
        // Ben withdraws: Asha is offered the next car, Dana's, and not Ben's again.
        let dana = confirmed(&public, &smtp, &ballot, session, "Dana Hill", "dana@example.org").await;
        groundgame_app::lifts::offer(&app, &dana, session, &here, 1).await.unwrap();
        let r = public.form(&format!("/v/{ben}/lifts/withdraw"), &[("side", "driver"), ("id", &ids[0].1)]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let now = volunteers::own_page(&app, &asha).await.unwrap().lifts[0].paired.clone();
        assert_eq!(now.len(), 1, "{name}");
        assert_eq!((now[0].name.as_str(), now[0].i_accepted), ("Dana", false), "{name}");

        // Relational organising: Asha (under 25) lists her neighbour, an older voter on the
        // register. She is shown a first name, an initial and a street; nothing else.
        let payload = groundgame_app::canvassing::paper(&app, actor, f.walks[0].id, "walk_sheet").await.unwrap();
        let (elector, household) = (payload.doors[0].electors[0].id, payload.doors[0].household_id);
        let mut tx = app.store.begin().await.unwrap();
        let them = groundgame_store::volunteers::candidate(&mut tx, &f.campaign, elector).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        let r = public.form(&format!("/v/{asha}/age-band"), &[("age_band", "under_25")]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let full = format!("{} {}", them.forename, them.surname);
        let r = public.form(&format!("/v/{asha}/friends"), &[("name", &full), ("age_band", "65_over")]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let shown = groundgame_core::relational::shown_name(&them.forename, &them.surname);
        assert!(r.body.contains(&shown), "{name}: {shown} suggested: {}", r.body);
        assert!(!support::audited(&f, "friend_matches_shown").await.is_empty(), "{name}: a read of the register, audited");
        let r = public.form(&format!("/v/{asha}/friends"), &[("name", &format!("J {}", them.surname))]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: an initial is not enough to search the register by");
        // (The legend repeats the name she typed; the suggestions follow it.)
        let listed_at = r.body.find("Which is").unwrap() + r.body[r.body.find("Which is").unwrap()..].find("</legend>").unwrap();
        let suggestions = &r.body[listed_at..r.body[listed_at..].find("</fieldset>").unwrap() + listed_at];
        assert!(
            !suggestions.contains(&them.surname) && !suggestions.contains(them.address.lines().next().unwrap()),
            "{name}: {suggestions}"
        );
        assert!(!suggestions.contains("intention") && !suggestions.contains("voted"), "{name}");
        let friend = volunteers::own_page(&app, &asha).await.unwrap().friends[0].id;
        // Only a suggested entry may be chosen: no walking the register by id.
        let r = public.form(&format!("/v/{asha}/friends/{friend}/choose"), &[("elector_id", &(elector + 1).to_string())]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");
        let r = public.form(&format!("/v/{asha}/friends/{friend}/choose"), &[("elector_id", &elector.to_string())]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        // Before the conversation the organiser does not see who her friend is.
        let r = organiser.get("/supporters").await;
        assert!(!r.body.contains(&full) && r.body.contains("Friends listed and talked to"), "{name}");
        let survey = groundgame_app::canvassing::survey(&app, actor).await.unwrap();
        let q = &survey.questions[0];
        let field = format!("q.{}", q.key);
        let r = public.form(&format!("/v/{asha}/friends/{friend}/talk"), &[(&field, &q.choices[0].code), ("note", "Over tea")]).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        let again = public.form(&format!("/v/{asha}/friends/{friend}/talk"), &[(&field, &q.choices[0].code)]).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{name}: once");
        let mut tx = app.store.begin().await.unwrap();
        let (source, at): (String, i64) = tx
            .fetch_one(
                "SELECT source, household_id FROM contacts WHERE campaign_id = $1 AND elector_id = $2",
                groundgame_store::args![f.campaign.id, elector],
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!((source.as_str(), at), ("relational", household), "{name}");
        let r = organiser.get("/supporters").await;
        assert!(r.body.contains(&full), "{name}: the friend is shown once talked to");
        let report = groundgame_app::relational::report(&app, actor).await.unwrap();
        assert!(report.bands.contains(&(Some("under 25"), Some("65 and over"), 1, 1)), "{name}: {:?}", report.bands);
        assert!(!support::audited(&f, "relational_report_read").await.is_empty(), "{name}: reading it is audited");

        // The organiser's supporters page lists this campaign's supporters and who brought whom;
        // the other campaign's organiser sees none of them.
        let r = organiser.get("/supporters").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Asha Patel") && r.body.contains("cal@example.org"), "{name}");
        groundgame_app::accounts::add_with_password(&app, &other, "rival@test.example", "Rival", Role::Organiser, support::PASSWORD)
            .await
            .unwrap();
        let rival = Client::sign_in(state.clone(), "rival@test.example").await;
        let r = rival.get("/supporters").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.body.contains("Asha Patel"), "{name}: another campaign's supporters are not theirs");
        assert_eq!(rival.form(&format!("/posts/{}/withdraw", post.id), &[]).await.status, StatusCode::NOT_FOUND, "{name}");

        // The audit log in words and UK time, filtered by action, person and date.
        let r = organiser.get("/audit?action=post_published").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Published a post") && r.body.contains("Why Derby North matters"), "{name}");
        assert!(!r.body.contains("<td>Signed in</td>"), "{name}: only the action asked for");
        let today = groundgame_core::time::uk_now().format("%Y-%m-%d").to_string();
        let r = organiser.get(&format!("/audit?who={}&from={today}&to={today}", support::enc(&email(Role::Organiser)))).await;
        assert!(
            r.body.contains("Signed in") && r.body.contains(&groundgame_core::time::uk_now().format("%-d %b %Y").to_string()),
            "{name}"
        );
        let r = organiser.get("/audit?from=2026-01-01&to=2026-01-02").await;
        assert!(r.body.contains("0 lines"), "{name}: nothing that day");
        assert_eq!(organiser.get("/audit?from=yesterday").await.status, StatusCode::BAD_REQUEST, "{name}");

        stop.send_replace(true);
        for t in background {
            t.await.unwrap();
        }
        f.db.finish().await;
    }
}

/// In headless Chromium at a phone's size: a supporter follows a friend's share link, signs up,
/// confirms from the email, sets up their phone, is checked in by the host in another browser,
/// and finds the walk handed out on "My walks".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_from_a_share_link_to_a_walk_on_my_walks() {
    use fantoccini::Locator;
    use support::browser::{sign_in, wait_until, Driver, Server};
    let Some(driver) = Driver::start().await else { return };
    let Some(smtp) = MailCatcher::start() else { return };
    let f = fixture(TestDb::sqlite().await, 1500, 20).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = f.app.clone().with_mail(MailSettings {
        smtp_url: Some(smtp.url()),
        from: "Derby North <help@gg.test>".into(),
        public_url: base.clone(),
    });
    let actor = f.actor();
    let day = (Utc::now() + Duration::days(5)).format("%Y-%m-%d").to_string();
    let form = SessionForm {
        name: "Darley Saturday".into(),
        meeting_point: "Darley Park café".into(),
        address: "Darley Park, Derby DE22 1DX".into(),
        postcode: Some(groundgame_core::geography::demo_postcodes()[0].0.as_str().to_owned()),
        starts_at: format!("{day}T10:00"),
        ends_at: format!("{day}T13:00"),
        capacity: 10,
        host_user_id: Some(f.users[&email(Role::Organiser)]),
        ..Default::default()
    };
    let session = volunteers::add_session(&app, actor, &form).await.unwrap();
    // Asha is signed up already; her share link is what Ben is sent.
    let signup = volunteers::SignUp {
        name: "Asha Patel".into(),
        email: "asha@example.org".into(),
        campaign: Some(f.campaign.ballot_id.clone()),
        session_id: Some(session),
        ..Default::default()
    };
    volunteers::sign_up(&app, &signup, "192.0.2.1").await.unwrap();
    let asha = volunteers::secret_of(&app, &f.campaign, "asha@example.org").await.unwrap().unwrap();
    volunteers::confirm(&app, &asha).await.unwrap();
    let share = volunteers::own_page(&app, &asha).await.unwrap().share_links.into_iter().find(|(w, _)| w.starts_with("Darley")).unwrap().1;

    let mut server = Server::start_on(listener, app.clone());
    let phone = driver.browser("supporter").await;
    phone.goto(&server.url(&share)).await.unwrap();
    wait_until(&phone, "document.querySelector('form.join') !== null", "the session's page", std::time::Duration::from_secs(10)).await;
    assert!(phone.current_url().await.unwrap().query().unwrap_or("").contains("ref="), "the share code comes along");
    phone.find(Locator::Id("name")).await.unwrap().send_keys("Ben Okoro").await.unwrap();
    phone.find(Locator::Id("email")).await.unwrap().send_keys("ben@example.org").await.unwrap();
    phone.find(Locator::Css("input[name=consent_email]")).await.unwrap().click().await.unwrap();
    phone.find(Locator::Css("form.join button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until(&phone, "document.body.textContent.includes('Check your email')", "the thanks page", std::time::Duration::from_secs(10))
        .await;

    // The link in the email, opened on the phone: one tap confirms.
    let mail = Received::parse(&smtp.wait_for("ben@example.org", "Confirm", 1).await[0]);
    phone.goto(&mail.link(&format!("{base}/v/"))).await.unwrap();
    phone.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until(&phone, "document.body.textContent.includes('you have a place')", "a place", std::time::Duration::from_secs(10)).await;
    wait_until(
        &phone,
        "document.querySelector('figure.qr svg') && document.querySelector('figure.qr svg').getBoundingClientRect().width > 100",
        "the check-in code to scan",
        std::time::Duration::from_secs(5),
    )
    .await;
    phone.find(Locator::Id("password")).await.unwrap().send_keys("a long enough password").await.unwrap();
    phone.find(Locator::Css("form[action$='/account'] button")).await.unwrap().click().await.unwrap();
    wait_until(&phone, "location.pathname.startsWith('/canvass')", "My walks", std::time::Duration::from_secs(10)).await;
    assert!(phone.find(Locator::Css("a.walk-link")).await.is_err(), "no walk before check-in");

    // The host checks Ben in on their own phone; the nearest free walk is handed to him.
    let host = driver.browser("host").await;
    sign_in(&host, &server, &email(Role::Organiser), support::PASSWORD).await;
    host.goto(&server.url(&format!("/sessions/{session}/check-in"))).await.unwrap();
    host.find(Locator::Css("button[aria-label='Check in Ben Okoro']")).await.unwrap().click().await.unwrap();
    wait_until(&host, "document.body.textContent.includes('is checked in')", "the check-in", std::time::Duration::from_secs(10)).await;

    phone.goto(&server.url("/canvass")).await.unwrap();
    wait_until(&phone, "document.querySelectorAll('a.walk-link').length === 1", "the walk on My walks", std::time::Duration::from_secs(10))
        .await;
    let text = phone.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(text.contains("Darley Park"), "the session's meeting point: {text}");
    let ben = volunteers::secret_of(&app, &f.campaign, "ben@example.org").await.unwrap().unwrap();
    assert_eq!(
        volunteers::own_page(&app, &ben).await.unwrap().volunteer.recruited_by,
        Some(volunteers::own_page(&app, &asha).await.unwrap().volunteer.id)
    );
    phone.close().await.unwrap();
    host.close().await.unwrap();
    server.stop().await;
    f.db.finish().await;
}
