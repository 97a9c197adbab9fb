//! Phone banking on SQLite and PostgreSQL: a number on the TPS or CTPS is never offered unless the
//! person agreed to calls (even when the file comes after the list was made); someone who objected
//! or has voted is skipped; two callers taking at the same moment never get the same person; a
//! cooldown and a call-back bring someone round again at their time, and "asked not to be called"
//! screens the number for good; a call recorded twice, or after the hold ran out, is refused; the
//! number is shown to the caller who holds the person alone, and each showing is audited.

mod support;

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use groundgame_app::calling::{self, CallRecord, NewCallList};
use groundgame_app::{accounts, polling_day, privacy, texting, Actor, App, Member};
use groundgame_core::access::Role;
use groundgame_core::calling::{CallFilter, Outcome, Screen};
use serde_json::json;
use support::{email, fixture, Client, Fixture, TestDb, PASSWORD};

/// An elector of the fixture's register.
#[derive(Debug, Clone)]
struct Person {
    id: i64,
    district: String,
    /// The number within the polling district ("12", "12/1").
    within: String,
}

impl Person {
    fn number(&self) -> String {
        format!("{}-{}", self.district, self.within)
    }
}

async fn people(f: &Fixture, n: usize) -> Vec<Person> {
    let mut tx = f.app.store.begin().await.unwrap();
    let rows: Vec<(i64, String, i64, i64)> = tx
        .fetch_all(
            "SELECT id, polling_district, elector_number, elector_suffix FROM electors WHERE campaign_id = $1 AND forename IS NOT NULL ORDER BY id LIMIT $2",
            groundgame_store::args![f.campaign.id, n as i64],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows.into_iter()
        .map(|(id, district, n, s)| Person { id, district, within: if s == 0 { n.to_string() } else { format!("{n}/{s}") } })
        .collect()
}

/// The fixture's account as a signed-in member, for the use cases.
async fn member(f: &Fixture, user_id: i64, role: Role) -> Member {
    let mut tx = f.app.store.begin().await.unwrap();
    let (user, _) = groundgame_store::accounts::user_credentials(&mut tx, user_id).await.unwrap();
    tx.commit().await.unwrap();
    Member { user, role, campaign: f.campaign.clone(), csrf_token: String::new(), session: String::new() }
}

async fn add_phone(f: &Fixture, who: &Person, phone: &str, calls: bool) {
    texting::add_elector_phone(&f.app, f.actor(), &who.number(), phone, false, calls, "upload").await.unwrap();
}

async fn new_list(app: &App, actor: Actor<'_>, name: &str, cooldown_hours: i64) -> calling::ListView {
    calling::create_list(app, actor, NewCallList { name, filter: CallFilter::default(), goal: 0, cooldown_hours }).await.unwrap()
}

fn said(outcome: Outcome) -> CallRecord {
    let answers = if outcome == Outcome::Talked { [("voting_intention".to_owned(), "Lab".to_owned())].into() } else { Default::default() };
    CallRecord { outcome: Some(outcome), answers, ..CallRecord::default() }
}

fn done_for(list: &calling::ListView, why: &str) -> i64 {
    list.standing.done.iter().find(|(w, _)| w == why).map(|(_, n)| *n).unwrap_or(0)
}

async fn list_now(f: &Fixture, id: i64) -> calling::ListView {
    calling::lists(&f.app, f.actor()).await.unwrap().into_iter().find(|l| l.list.id == id).unwrap()
}

/// Takes people off the list one after another at `at`, recording each as refused, until no one
/// is ready: who was offered, in order.
async fn offered(app: &App, actor: Actor<'_>, list: i64, at: DateTime<Utc>) -> Vec<i64> {
    let mut out = Vec::new();
    while let Some(call) = calling::next(app, actor, list, at).await.unwrap() {
        assert!(!out.contains(&call.elector_id), "offered twice: {call:?}");
        out.push(call.elector_id);
        calling::record(app, actor, list, call.elector_id, said(Outcome::Refused), at).await.unwrap();
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tps_number_is_never_offered_unless_the_person_agreed_and_objectors_and_voters_are_skipped() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 300, 20).await;
        let p = people(&f, 8).await;
        let (plain, agreed_on_tps, on_ctps, tps_later, objects_later, votes_later, asked_before) =
            (&p[0], &p[1], &p[2], &p[3], &p[4], &p[5], &p[6]);
        add_phone(&f, plain, "07700 900201", false).await;
        add_phone(&f, agreed_on_tps, "07700 900202", true).await;
        add_phone(&f, on_ctps, "07700 900203", false).await;
        add_phone(&f, tps_later, "07700 900204", false).await;
        add_phone(&f, objects_later, "07700 900205", false).await;
        add_phone(&f, votes_later, "07700 900206", false).await;
        add_phone(&f, asked_before, "07700 900207", true).await;

        // The TPS file has numbers without their leading 0, as the service sends them.
        let n = calling::upload_screening(&f.app, f.actor(), Screen::Tps, "7700900202\r\n").await.unwrap();
        assert_eq!(n, 1, "{name}");
        calling::upload_screening(&f.app, f.actor(), Screen::Ctps, "07700900203\n").await.unwrap();
        let e = calling::upload_screening(&f.app, f.actor(), Screen::Tps, "07700900202\nnot a number\n").await.unwrap_err();
        assert!(e.to_string().contains("line 2"), "{name}: says where: {e}");
        let e = calling::upload_screening(&f.app, f.actor(), Screen::Asked, "07700900202\n").await.unwrap_err();
        assert!(matches!(e, groundgame_app::Error::Invalid(_)), "{name}: {e}");
        // Someone asked on an earlier call not to be called, which holds even with consent.
        let first = new_list(&f.app, f.actor(), "Earlier", 4).await;
        let caller = member(&f, f.users[&email(Role::Canvasser)], Role::Canvasser).await;
        let actor = Actor::Member(&caller);
        let now = Utc::now();
        loop {
            let call = calling::next(&f.app, actor, first.list.id, now).await.unwrap().expect("someone to call");
            let outcome = if call.elector_id == asked_before.id { Outcome::AskedNotToCall } else { Outcome::Busy };
            calling::record(&f.app, actor, first.list.id, call.elector_id, said(outcome), now).await.unwrap();
            if call.elector_id == asked_before.id {
                break;
            }
        }
        calling::close_list(&f.app, f.actor(), first.list.id).await.unwrap();
        let e = calling::next(&f.app, actor, first.list.id, now).await.unwrap_err();
        assert!(matches!(e, groundgame_app::Error::Conflict(_)), "{name}: a closed list gives no one: {e}");

        let list = new_list(&f.app, f.actor(), "Everyone", 4).await;
        assert_eq!(list.standing.people, 300, "{name}: {:?}", list.standing);
        assert_eq!(done_for(&list, "screened"), 2, "{name}: the CTPS number and the one asked not to: {:?}", list.standing);
        assert_eq!(done_for(&list, "no_number"), 300 - 7, "{name}: {:?}", list.standing);
        assert_eq!(list.standing.ready, 5, "{name}: {:?}", list.standing);

        // After the list was made: a new TPS file, an objection and a vote struck off.
        calling::upload_screening(&f.app, f.actor(), Screen::Tps, "07700900202\n07700900204\n").await.unwrap();
        privacy::record_objection(&f.app, f.actor(), &objects_later.number(), "a letter").await.unwrap();
        let telling = groundgame_store::polling_day::Telling {
            id: uuid::Uuid::new_v4(),
            polling_district: votes_later.district.clone(),
            number: votes_later.within.clone(),
            recorded_at: now,
        };
        let report = polling_day::record_tellings(&f.app, f.actor(), vec![telling]).await.unwrap();
        assert_eq!(report.stored.len(), 1, "{name}: {report:?}");

        let mut got = offered(&f.app, actor, list.list.id, Utc::now()).await;
        got.sort_unstable();
        assert_eq!(got, vec![plain.id, agreed_on_tps.id], "{name}: only the plain number and the TPS number with consent");
        let list = list_now(&f, list.list.id).await;
        assert_eq!(
            (done_for(&list, "screened"), done_for(&list, "objected"), done_for(&list, "voted")),
            (3, 1, 1),
            "{name}: {:?}",
            list.standing
        );
        let counts: std::collections::BTreeMap<String, i64> =
            calling::screened_counts(&f.app, f.actor()).await.unwrap().into_iter().collect();
        assert_eq!(counts, [("asked".into(), 1), ("ctps".into(), 1), ("tps".into(), 2)].into(), "{name}");
        f.db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_taking_at_the_same_moment_never_get_the_same_person() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 200, 20).await;
        let p = people(&f, 40).await;
        for (i, who) in p.iter().enumerate() {
            add_phone(&f, who, &format!("07700 900{:03}", 300 + i), false).await;
        }
        let list = new_list(&f.app, f.actor(), "Saturday", 4).await;
        let mut callers = Vec::new();
        for i in 0..12 {
            let u =
                accounts::add_with_password(&f.app, &f.campaign, &format!("caller{i}@test.example"), "Caller", Role::Canvasser, PASSWORD)
                    .await
                    .unwrap();
            callers.push(member(&f, u.id, Role::Canvasser).await);
        }
        // Three rounds: each caller takes someone at once, then all record what came of it.
        let now = Utc::now();
        let mut everyone = Vec::new();
        for round in 0..3 {
            let mut tasks = Vec::new();
            for m in &callers {
                let (app, m, list) = (f.app.clone(), m.clone(), list.list.id);
                tasks.push(tokio::spawn(async move {
                    let call = calling::next(&app, Actor::Member(&m), list, now).await.unwrap().expect("someone to call");
                    (m, call)
                }));
            }
            let mut this_round = Vec::new();
            for t in tasks {
                this_round.push(t.await.unwrap());
            }
            let mut ids: Vec<i64> = this_round.iter().map(|(_, c)| c.elector_id).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), callers.len(), "{name}: round {round}: two callers were given the same person");
            for (m, call) in &this_round {
                assert_eq!(call.tel, format!("tel:{}", call.number));
                calling::record(&f.app, Actor::Member(m), list.list.id, call.elector_id, said(Outcome::Talked), now).await.unwrap();
            }
            everyone.extend(ids);
        }
        let n = everyone.len();
        everyone.sort_unstable();
        everyone.dedup();
        assert_eq!(everyone.len(), n, "{name}: no one is called twice after they talked");
        let list = list_now(&f, list.list.id).await;
        assert_eq!((list.standing.talked, list.standing.calls, list.standing.ready), (36, 36, 4), "{name}: {:?}", list.standing);
        // Talking on the phone is a contact of the canvass, from the phone.
        let mut tx = f.app.store.begin().await.unwrap();
        let (phone,): (i64,) = tx
            .fetch_one(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM contacts WHERE campaign_id = $1 AND source = 'phone'",
                groundgame_store::args![f.campaign.id],
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(phone, 36, "{name}");
        f.db.finish().await;
    }
}

/// Call lists and texting templates take the campaign's next id: made at the same moment (by
/// organisers on several servers, say), each gets its own, and none fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_lists_and_templates_made_at_once_each_get_their_own_id() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 100, 20).await;
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (app, campaign) = (f.app.clone(), f.campaign.clone());
            tasks.push(tokio::spawn(async move {
                let actor = Actor::CommandLine(&campaign);
                let (list_name, template_name) = (format!("List {i}"), format!("Template {i}"));
                let new = NewCallList { name: &list_name, filter: CallFilter::default(), goal: 0, cooldown_hours: 4 };
                let list = calling::create_list(&app, actor, new);
                let template = texting::add_template(&app, actor, &template_name, "Hello {first_name}");
                let (list, template) = tokio::join!(list, template);
                (list.map(|l| l.list.id), template.map(|t| t.id))
            }));
        }
        let (mut lists, mut templates) = (Vec::new(), Vec::new());
        for t in tasks {
            let (list, template) = t.await.unwrap();
            lists.push(list.unwrap_or_else(|e| panic!("{name}: a call list: {e}")));
            templates.push(template.unwrap_or_else(|e| panic!("{name}: a template: {e}")));
        }
        lists.sort();
        templates.sort();
        assert_eq!(lists, (1..=8).collect::<Vec<i64>>(), "{name}");
        assert_eq!(templates, (1..=8).collect::<Vec<i64>>(), "{name}");
        f.db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooldowns_and_call_backs_come_round_and_asked_not_to_call_is_for_good() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 100, 20).await;
        let p = people(&f, 2).await;
        let (first, second) = (&p[0], &p[1]);
        add_phone(&f, first, "07700 900401", false).await;
        add_phone(&f, second, "07700 900402", false).await;
        let list = new_list(&f.app, f.actor(), "Cooldowns", 4).await.list.id;
        let one = member(&f, f.users[&email(Role::Canvasser)], Role::Canvasser).await;
        let two = member(&f, f.users[support::SECOND_CANVASSER], Role::Canvasser).await;
        let (one, two) = (Actor::Member(&one), Actor::Member(&two));
        let t0 = Utc::now();
        let at = |minutes: i64| t0 + Duration::minutes(minutes);

        // The first caller takes the first person; asking again gives the same one, not a second.
        let a = calling::next(&f.app, one, list, at(0)).await.unwrap().unwrap();
        assert_eq!(a.elector_id, first.id, "{name}");
        assert_eq!(calling::next(&f.app, one, list, at(1)).await.unwrap().unwrap().elector_id, first.id, "{name}");
        assert!(a.introduction.contains(&f.campaign.name), "{name}: the caller says who they call for: {}", a.introduction);
        // The second caller gets the other person, never the first's number.
        let b = calling::next(&f.app, two, list, at(1)).await.unwrap().unwrap();
        assert_eq!((b.elector_id, b.number.as_str()), (second.id, "+447700900402"), "{name}");
        assert!(calling::held(&f.app, two, list, at(2)).await.unwrap().is_some_and(|h| h.elector_id == second.id));
        // A hold runs out after 15 minutes: the first person goes to the second caller, and the
        // first caller's late record is refused, not recorded twice.
        calling::release(&f.app, two, list).await.unwrap();
        let b = calling::next(&f.app, two, list, at(16)).await.unwrap().unwrap();
        assert_eq!(b.elector_id, first.id, "{name}: the hold ran out");
        let late = calling::record(&f.app, one, list, first.id, said(Outcome::Talked), at(16)).await.unwrap_err();
        assert!(matches!(late, groundgame_app::Error::Conflict(_)), "{name}: {late}");

        // No answer: round again after the list's four hours, not before.
        let r = calling::record(&f.app, two, list, first.id, said(Outcome::NoAnswer), at(17)).await.unwrap();
        assert_eq!((r.done, r.call_again_at.is_some()), (None, true), "{name}: {r:?}");
        let replay = calling::record(&f.app, two, list, first.id, said(Outcome::NoAnswer), at(17)).await.unwrap_err();
        assert!(matches!(replay, groundgame_app::Error::Conflict(_)), "{name}: the same record sent again: {replay}");
        // A call-back asked for in an hour.
        let c = calling::next(&f.app, one, list, at(18)).await.unwrap().unwrap();
        assert_eq!(c.elector_id, second.id, "{name}");
        let past = CallRecord { outcome: Some(Outcome::CallBack), call_back_at: Some(at(10)), ..CallRecord::default() };
        let e = calling::record(&f.app, one, list, second.id, past, at(18)).await.unwrap_err();
        assert!(e.to_string().contains("already past"), "{name}: {e}");
        let back = CallRecord { outcome: Some(Outcome::CallBack), call_back_at: Some(at(78)), ..CallRecord::default() };
        calling::record(&f.app, one, list, second.id, back, at(18)).await.unwrap();
        assert!(calling::next(&f.app, one, list, at(60)).await.unwrap().is_none(), "{name}: no one is ready yet");
        let c = calling::next(&f.app, one, list, at(79)).await.unwrap().unwrap();
        assert_eq!((c.elector_id, c.attempts, c.last_outcome.as_deref()), (second.id, 1, Some("call_back")), "{name}");
        let r = calling::record(&f.app, one, list, second.id, said(Outcome::AskedNotToCall), at(80)).await.unwrap();
        assert_eq!(r.done, Some("asked_not_to"), "{name}");

        // Four hours after the no-answer, the first person comes round; three tries and they are
        // left alone.
        assert!(calling::next(&f.app, one, list, at(17 + 239)).await.unwrap().is_none(), "{name}: still cooling down");
        let mut t = 17 + 241;
        for attempt in 2..=3 {
            let c = calling::next(&f.app, one, list, at(t)).await.unwrap().unwrap();
            assert_eq!((c.elector_id, c.attempts), (first.id, attempt - 1), "{name}");
            let r = calling::record(&f.app, one, list, first.id, said(Outcome::Busy), at(t)).await.unwrap();
            assert_eq!(r.done, if attempt == 3 { Some("unreachable") } else { None }, "{name}: {r:?}");
            t += 241;
        }
        assert!(calling::next(&f.app, one, list, at(t)).await.unwrap().is_none(), "{name}");

        // Whoever asked not to be called is screened from every list made after, even if they had
        // said yes to calls before.
        texting::add_elector_phone(&f.app, f.actor(), &second.number(), "07700 900402", false, true, "upload").await.unwrap();
        let later = new_list(&f.app, f.actor(), "Later", 4).await;
        let c = calling::next(&f.app, one, later.list.id, at(t)).await.unwrap().unwrap();
        assert_eq!(c.elector_id, first.id, "{name}");
        calling::release(&f.app, one, later.list.id).await.unwrap();
        assert_eq!(done_for(&later, "screened"), 1, "{name}: {:?}", later.standing);

        // Their subject access bundle has every call made to them, and their consent to calls.
        let bundle = privacy::elector_bundle(&f.app, f.actor(), &second.number()).await.unwrap();
        let calls: Vec<&str> = bundle["records"]["calls"].as_array().unwrap().iter().map(|c| c["outcome"].as_str().unwrap()).collect();
        assert_eq!(calls, ["call_back", "asked_not_to_call"], "{name}: {bundle}");
        assert_eq!(bundle["records"]["phones"][0]["call_consent"], 1, "{name}: {bundle}");

        // Every showing of a number is audited, and every call.
        let log = groundgame_app::register::audit_log(&f.app, &f.campaign, 1000).await.unwrap();
        let count = |action: &str| log.iter().filter(|e| e.action == action).count();
        assert_eq!(count("call_made"), 5, "{name}");
        assert!(count("call_number_shown") >= 8, "{name}: {}", count("call_number_shown"));
        assert!(log.iter().filter(|e| e.action == "call_number_shown").all(|e| e.user.is_some()), "{name}");
        f.db.finish().await;
    }
}

/// Through the API: a canvasser calls but does not make lists or hand out batches; a batch goes
/// to the caller it was handed to first; the list view never carries a number; a caller removed
/// from the campaign loses their batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_gives_the_number_to_the_caller_alone_and_batches_go_to_their_caller() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 100, 20).await;
        let p = people(&f, 6).await;
        for (i, who) in p.iter().enumerate() {
            add_phone(&f, who, &format!("07700 900{:03}", 500 + i), false).await;
        }
        let organiser = Client::sign_in(f.state(), &email(Role::Organiser)).await;
        let canvasser = Client::sign_in(f.state(), &email(Role::Canvasser)).await;
        let second = Client::sign_in(f.state(), support::SECOND_CANVASSER).await;
        let teller = Client::sign_in(f.state(), &email(Role::Teller)).await;

        let r = canvasser.json(Method::POST, "/api/v1/call-lists", &json!({ "name": "Mine" })).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {}", r.body);
        let r = organiser
            .json(Method::POST, "/api/v1/call-lists", &json!({ "name": "Undecided", "filter": { "intentions": ["nonsense"] } }))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.body);
        let r = organiser.json(Method::POST, "/api/v1/call-lists", &json!({ "name": "Everyone", "cooldown_hours": 2 })).await;
        assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.body);
        let list = r.json()["id"].as_i64().unwrap();
        let lists = canvasser.get("/api/v1/call-lists").await;
        assert_eq!(lists.status, StatusCode::OK, "{name}: {}", lists.body);
        assert!(!lists.body.contains("+44") && !lists.body.contains("07700"), "{name}: no numbers on the list view: {}", lists.body);

        // The second canvasser is handed two people; the first canvasser takes someone else.
        let second_id = f.users[support::SECOND_CANVASSER];
        let r =
            canvasser.json(Method::POST, &format!("/api/v1/call-lists/{list}/batches"), &json!({ "user_id": second_id, "count": 2 })).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {}", r.body);
        let teller_id = f.users[&email(Role::Teller)];
        let r =
            organiser.json(Method::POST, &format!("/api/v1/call-lists/{list}/batches"), &json!({ "user_id": teller_id, "count": 2 })).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: a teller does not make calls: {}", r.body);
        let r =
            organiser.json(Method::POST, &format!("/api/v1/call-lists/{list}/batches"), &json!({ "user_id": second_id, "count": 2 })).await;
        assert_eq!(r.json()["assigned"], 2, "{name}: {}", r.body);
        let r = teller.send(Method::POST, &format!("/api/v1/call-lists/{list}/next"), None, Vec::new(), true).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: a teller does not make calls: {}", r.body);

        let mine = canvasser.send(Method::POST, &format!("/api/v1/call-lists/{list}/next"), None, Vec::new(), true).await.json();
        let theirs = second.send(Method::POST, &format!("/api/v1/call-lists/{list}/next"), None, Vec::new(), true).await.json();
        let (mine, theirs) = (&mine["call"], &theirs["call"]);
        assert_ne!(mine["elector_id"], theirs["elector_id"], "{name}");
        assert_ne!(mine["number"], theirs["number"], "{name}");
        assert_eq!(mine["elector_id"], p[2].id, "{name}: the first two went to the second canvasser's batch");
        assert_eq!(theirs["elector_id"], p[0].id, "{name}: a caller works through their batch first");

        // Recording someone you do not hold is refused; recording your own is done once.
        let body = json!({ "elector_id": theirs["elector_id"], "outcome": "talked", "answers": { "voting_intention": "Lab" } });
        let r = canvasser.json(Method::POST, &format!("/api/v1/call-lists/{list}/calls"), &body).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{name}: {}", r.body);
        let r = canvasser
            .json(
                Method::POST,
                &format!("/api/v1/call-lists/{list}/calls"),
                &json!({ "elector_id": mine["elector_id"], "outcome": "talked" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: talked, and said nothing: {}", r.body);
        let body = json!({ "elector_id": mine["elector_id"], "outcome": "left_message" });
        let r = canvasser.json(Method::POST, &format!("/api/v1/call-lists/{list}/calls"), &body).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(r.json()["call_again_at"].is_string(), "{name}: {}", r.body);
        let r = canvasser.json(Method::POST, &format!("/api/v1/call-lists/{list}/calls"), &body).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{name}: sent twice: {}", r.body);
        let r = canvasser
            .json(Method::POST, &format!("/api/v1/call-lists/{list}/calls"), &json!({ "elector_id": 1, "outcome": "shouted" }))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.body);

        // The second canvasser leaves the campaign: the person they held and their batch go back.
        accounts::remove_member(&f.app, f.actor(), second_id).await.unwrap();
        let list_view = list_now(&f, list).await;
        assert_eq!((list_view.standing.assigned, list_view.standing.held), (0, 0), "{name}: {:?}", list_view.standing);
        let next = canvasser.send(Method::POST, &format!("/api/v1/call-lists/{list}/next"), None, Vec::new(), true).await.json();
        assert_eq!(next["call"]["elector_id"], p[0].id, "{name}: {next}");

        // A signed-out visitor gets nothing.
        let visitor = Client::new(f.state());
        let r = visitor.send(Method::POST, &format!("/api/v1/call-lists/{list}/next"), None, Vec::new(), false).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}: {}", r.body);
        f.db.finish().await;
    }
}

fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "XyZcalls";
    let mut body = String::new();
    for (name, value) in fields {
        let file = if *name == "file" { "; filename=\"matched.csv\"\r\nContent-Type: text/csv" } else { "" };
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
}

async fn upload(client: &Client, fields: &[(&str, &str)]) -> support::Reply {
    let (ct, body) = multipart(fields);
    client.send(Method::POST, "/register/matched-list", Some(&ct), body, true).await
}

/// A data officer's matched list: its own consent wording, date and method are kept with each
/// number; a wrong line or an elector not on the register refuses the whole file, naming the
/// line; people left off a list for having no number come onto it; a canvasser cannot upload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matched_list_carries_its_own_consent_and_a_wrong_line_refuses_it_whole() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 100, 20).await;
        let p = people(&f, 3).await;
        let list = new_list(&f.app, f.actor(), "Before the list", 4).await;
        assert_eq!(list.standing.ready, 0, "{name}: no one has a number yet");
        let officer = Client::sign_in(f.state(), &email(Role::DataOfficer)).await;
        let canvasser = Client::sign_in(f.state(), &email(Role::Canvasser)).await;
        let wording = "Yes, the campaign may text and call me about the election";
        let good =
            format!("elector_number,phone,sms,calls\n{},07700 900601,yes,yes\n{},07700 900602,no,no\n", p[0].number(), p[1].number());
        let r = upload(&canvasser, &[("file", &good)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
        let unknown = format!("{good}ZZ9-1,07700 900603,yes,no\n");
        let r = upload(
            &officer,
            &[("file", &unknown), ("consent_wording", wording), ("consent_date", "2017-05-01"), ("consent_how", "web form")],
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.body);
        assert!(r.body.contains("line 4"), "{name}: names the line: {}", r.body);
        let r = upload(&officer, &[("file", &good), ("consent_date", "2017-05-01")]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: consent without its words");
        assert!(r.body.contains("words the people on the list agreed to"), "{name}: {}", r.body);
        let mut tx = f.app.store.begin().await.unwrap();
        let (none,): (i64,) = tx
            .fetch_one("SELECT CAST(COUNT(*) AS BIGINT) FROM elector_phones WHERE campaign_id = $1", groundgame_store::args![f.campaign.id])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(none, 0, "{name}: nothing of a refused file is kept");

        let r =
            upload(&officer, &[("file", &good), ("consent_wording", wording), ("consent_date", "2017-05-01"), ("consent_how", "web form")])
                .await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
        assert!(r.body.contains("Loaded 2 numbers of 2 electors: 1 agreed to texts, 1 to calls."), "{name}: {}", r.body);
        let bundle = privacy::elector_bundle(&f.app, f.actor(), &p[0].number()).await.unwrap();
        let phone = &bundle["records"]["phones"][0];
        assert_eq!(
            (phone["consent_wording"].as_str(), phone["consent_how"].as_str(), phone["source"].as_str(), phone["call_consent"].as_i64()),
            (Some(wording), Some("web form"), Some("upload"), Some(1)),
            "{name}: {bundle}"
        );
        assert!(phone["consent_at"].as_str().unwrap().starts_with("2017-04-30T23:00"), "{name}: midnight in London: {bundle}");
        let list = list_now(&f, list.list.id).await;
        assert_eq!(list.standing.ready, 2, "{name}: the two with a number now come onto the open list: {:?}", list.standing);
        let log = groundgame_app::register::audit_log(&f.app, &f.campaign, 100).await.unwrap();
        assert_eq!(log.iter().filter(|e| e.action == "matched_list_uploaded").count(), 1, "{name}");
        f.db.finish().await;
    }
}
