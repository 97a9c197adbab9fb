//! The live progress kept as contacts arrive, on SQLite and PostgreSQL: after batches sent in
//! any order, with phones late, doors revisited and electors changing their minds, what is kept
//! is what working everything out again from the contacts gives, and what a plain count says.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};

use groundgame_app::canvassing;
use groundgame_app::walks::WalkSize;
use groundgame_core::access::Role;
use groundgame_core::survey::Contact;
use groundgame_store::progress;
use rand::{Rng, SeedableRng};
use support::{email, fixture, TestDb};

#[tokio::test]
async fn kept_progress_is_what_the_contacts_say_whatever_order_they_arrive_in() {
    for db in TestDb::all().await {
        let name = db.name;
        let f = fixture(db, 1500, 20).await;
        let organiser = groundgame_app::accounts::session(&f.app, &{
            let (c, _) = support::Client::try_sign_in(f.state(), &email(Role::Organiser), support::PASSWORD).await;
            c.cookie.unwrap()
        })
        .await
        .unwrap()
        .unwrap();
        let actor = groundgame_app::Actor::Member(&organiser);
        // Every walk's doors, handed to the organiser's phone.
        let mut doors: Vec<(i64, i64, Vec<i64>)> = Vec::new();
        for w in &f.walks {
            let p = canvassing::walk_payload(&f.app, actor, w.id).await.unwrap();
            for d in p.doors {
                doors.push((w.id, d.household_id, d.electors.iter().map(|e| e.id).collect()));
            }
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let now = chrono::Utc::now();
        let mut all: Vec<Contact> = Vec::new();
        for _ in 0..900 {
            let (walk, household, electors) = &doors[rng.gen_range(0..doors.len().min(120))];
            let at = now - chrono::Duration::minutes(rng.gen_range(1..3 * 24 * 60));
            let whole_door = electors.is_empty() || rng.gen_bool(0.2);
            let mut answers = BTreeMap::new();
            let (elector_id, outcome) = if whole_door {
                (None, Some(["NI", "refused", "inaccessible"][rng.gen_range(0..3)].to_owned()))
            } else {
                let e = electors[rng.gen_range(0..electors.len())];
                if rng.gen_bool(0.15) {
                    (Some(e), Some(["moved", "NI"][rng.gen_range(0..2)].to_owned()))
                } else {
                    if rng.gen_bool(0.8) {
                        answers.insert("voting_intention".into(), ["Lab", "Con", "LD", "WS"][rng.gen_range(0..4)].to_owned());
                    }
                    if rng.gen_bool(0.5) {
                        answers.insert("certainty".into(), rng.gen_range(1..6).to_string());
                    }
                    if answers.is_empty() {
                        answers.insert("poster".into(), "Y".into());
                    }
                    (Some(e), None)
                }
            };
            all.push(Contact {
                id: uuid::Uuid::new_v4(),
                walk_id: Some(*walk),
                household_id: *household,
                elector_id,
                recorded_at: at,
                outcome,
                answers,
                note: String::new(),
            });
        }
        // Sent in batches in no particular order: phones sync late and out of turn.
        let mut shuffled = all.clone();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.gen_range(0..=i));
        }
        // The first batches one at a time, the rest as phones send them, many at once (so that
        // the sync writer takes them in together), each wave with one batch sent twice.
        let batches: Vec<Vec<Contact>> = shuffled.chunks(37).map(<[Contact]>::to_vec).collect();
        let (first, rest) = batches.split_at(4);
        let mut stored = 0;
        for batch in first {
            let r = canvassing::sync(&f.app, actor, batch.clone(), Some(chrono::Utc::now())).await.unwrap();
            assert!(r.rejected.is_empty(), "{name}: {:?}", r.rejected);
            stored += r.stored.len();
        }
        for wave in rest.chunks(7) {
            let sends = wave.iter().chain(wave.first()).map(|b| canvassing::sync(&f.app, actor, b.clone(), Some(chrono::Utc::now())));
            for r in futures_util::future::join_all(sends).await {
                let r = r.unwrap();
                assert!(r.rejected.is_empty(), "{name}: {:?}", r.rejected);
                stored += r.stored.len();
            }
        }
        assert_eq!(stored, all.len(), "{name}: each contact stored once, the batch sent twice too");
        // Walks re-planned: the walks' counts follow the doors.
        let district = f.walks[0].polling_district.clone();
        groundgame_app::walks::plan_district(&f.app, f.actor(), &district, WalkSize::DoorsPerWalk(13), 2).await.unwrap();

        let mut tx = f.db.store.begin().await.unwrap();
        let kept = progress::read(&mut tx, &f.campaign).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = f.db.store.begin_write().await.unwrap();
        progress::rebuild(&mut tx, &f.campaign).await.unwrap();
        let rebuilt = progress::read(&mut tx, &f.campaign).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(kept.totals, rebuilt.totals, "{name}");
        assert_eq!(kept.polling_districts, rebuilt.polling_districts, "{name}");
        assert_eq!(kept.days, rebuilt.days, "{name}");
        let tallies = |p: &progress::Progress| p.walks.iter().map(|w| (w.walk.id, w.tally.clone())).collect::<HashMap<_, _>>();
        assert_eq!(tallies(&kept), tallies(&rebuilt), "{name}");

        // And a plain count of the contacts says the same.
        let mut sorted = all.clone();
        sorted.sort_by_key(|c| (c.recorded_at, c.id));
        let knocked: HashSet<i64> = all.iter().map(|c| c.household_id).collect();
        let spoken: HashSet<i64> = all.iter().filter(|c| c.outcome.is_none() && !c.answers.is_empty()).map(|c| c.household_id).collect();
        let mut state: HashMap<i64, (Option<String>, Option<String>)> = HashMap::new();
        for c in &sorted {
            let Some(e) = c.elector_id else { continue };
            let s = state.entry(e).or_default();
            if let Some(i) = c.answers.get("voting_intention") {
                s.0 = Some(i.clone());
            }
            s.1 = c.outcome.clone();
        }
        let supporters = state.values().filter(|(i, o)| i.as_deref() == Some("Lab") && o.as_deref() != Some("moved")).count();
        assert_eq!(kept.totals.contacts, all.len() as u64, "{name}");
        assert_eq!(kept.totals.doors_knocked, knocked.len() as u64, "{name}");
        assert_eq!(kept.totals.doors_spoken, spoken.len() as u64, "{name}");
        assert_eq!(kept.totals.supporters, supporters as u64, "{name}");
        let by_walk: u64 = kept.walks.iter().map(|w| w.tally.contacts).sum();
        assert_eq!(by_walk, all.len() as u64, "{name}: every contact is on a walk after re-planning");
        f.db.finish().await;
    }
}
