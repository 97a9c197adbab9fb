//! The audit log's chain on every backend: lines written at once by many transactions (as by
//! several servers) chain one after another, and a line changed, removed, cut from the end or
//! slipped in afterwards is found; a detail removed by retention still verifies.

mod common;

use chrono::NaiveDate;
use common::TestDb;
use groundgame_core::geography::GssCode;
use groundgame_store::{args, audit, campaigns};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_audit_chain_holds_under_concurrent_writers_and_finds_every_kind_of_tampering() {
    for db in TestDb::all().await {
        let name = db.name;
        let store = db.store.clone();
        let mut tx = store.begin_write().await.unwrap();
        let c =
            campaigns::create(&mut tx, &GssCode::parse("E14000662").unwrap(), NaiveDate::from_ymd_opt(2017, 6, 8).unwrap()).await.unwrap();
        tx.commit().await.unwrap();
        // Forty transactions at once, each writing two lines (as a sync writes its read and its
        // contacts), and a few lines of no campaign.
        let writers: Vec<_> = (0..40)
            .map(|i| {
                let store = store.clone();
                let id = c.id;
                tokio::spawn(async move {
                    let mut tx = store.begin_write().await.unwrap();
                    audit::record(&mut tx, Some(id), None, "walk_payload", &format!("walk {i}"), 12).await.unwrap();
                    audit::record(&mut tx, Some(id), None, "sync", &format!("walk {i}: 3 contacts"), 3).await.unwrap();
                    if i % 10 == 0 {
                        audit::record(&mut tx, None, None, "sign_in", "someone@example.org", 0).await.unwrap();
                    }
                    tx.commit().await.unwrap();
                })
            })
            .collect();
        for w in writers {
            w.await.unwrap();
        }
        let check = |store: groundgame_store::Store| async move {
            let mut tx = store.begin().await.unwrap();
            let r = audit::verify(&mut tx).await.unwrap();
            tx.commit().await.unwrap();
            r
        };
        let reports = check(store.clone()).await;
        let ours = reports.iter().find(|r| r.campaign_id == Some(c.id)).unwrap();
        assert_eq!(ours.lines, 80, "{name}");
        assert!(ours.problems.is_empty(), "{name}: {:?}", ours.problems);
        let none = reports.iter().find(|r| r.campaign_id.is_none()).unwrap();
        assert_eq!((none.lines, none.problems.len()), (4, 0), "{name}: {:?}", none.problems);

        let tamper = |sql: &'static str| {
            let store = store.clone();
            async move {
                let mut tx = store.begin_write().await.unwrap();
                tx.execute(sql, args![c.id]).await.unwrap();
                tx.commit().await.unwrap();
            }
        };
        let problems =
            |store: groundgame_store::Store| async move { check(store).await.into_iter().find(|r| r.campaign_id == Some(c.id)).unwrap() };

        // Retention removes a detail: the digest still verifies, and it is counted.
        tamper("UPDATE audit_log SET detail = '' WHERE campaign_id = $1 AND seq = 3").await;
        let r = problems(store.clone()).await;
        assert!(r.problems.is_empty() && r.details_removed == 1, "{name}: {r:?}");
        // A detail changed.
        tamper("UPDATE audit_log SET detail = 'walk 999' WHERE campaign_id = $1 AND seq = 5").await;
        let r = problems(store.clone()).await;
        assert!(r.problems.iter().any(|p| p.starts_with("line 5 ") && p.contains("detail was changed")), "{name}: {r:?}");
        // How many it read changed: the hash no longer matches.
        tamper("UPDATE audit_log SET rows = 0 WHERE campaign_id = $1 AND seq = 9").await;
        let r = problems(store.clone()).await;
        assert!(r.problems.iter().any(|p| p.starts_with("line 9 ") && p.contains("does not match its hash")), "{name}: {r:?}");
        // A line removed from the middle, then one from the end.
        tamper("DELETE FROM audit_log WHERE campaign_id = $1 AND seq = 20").await;
        tamper("DELETE FROM audit_log WHERE campaign_id = $1 AND seq = 80").await;
        let r = problems(store.clone()).await;
        assert!(r.problems.iter().any(|p| p.contains("lines 20 to 20") && p.contains("missing")), "{name}: {r:?}");
        assert!(r.problems.iter().any(|p| p.contains("removed from its end")), "{name}: {r:?}");
        // A line slipped in without a place in the chain.
        tamper("INSERT INTO audit_log (campaign_id, user_id, at, action, detail, rows) VALUES ($1, NULL, '2017-06-08T12:00:00Z', 'export_register', 'nothing to see', 0)").await;
        let r = problems(store.clone()).await;
        assert!(r.problems.iter().any(|p| p.contains("added outside the chain")), "{name}: {r:?}");
        db.finish().await;
    }
}
