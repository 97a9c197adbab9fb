//! Test databases: a fresh SQLite file, and a fresh PostgreSQL database on the server named by
//! GROUNDGAME_TEST_POSTGRES_URL (which `.ci/run` starts). Without that variable the PostgreSQL
//! half of each test is skipped loudly, except in CI, where it is a failure.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use groundgame_store::{DatabaseUrl, Store};
use sqlx::Connection;

pub struct TestDb {
    pub name: &'static str,
    pub store: Store,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres { admin: String, database: String },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::new(dir.path().join("test.db").to_str().unwrap());
        TestDb { name: "sqlite", store: Store::open(&url).await.unwrap(), cleanup: Cleanup::Sqlite(dir) }
    }

    pub async fn postgres() -> Option<TestDb> {
        let Ok(admin) = std::env::var("GROUNDGAME_TEST_POSTGRES_URL") else {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true but GROUNDGAME_TEST_POSTGRES_URL is not set: the PostgreSQL tests must run in CI");
            }
            eprintln!("SKIPPED: PostgreSQL half of this test (set GROUNDGAME_TEST_POSTGRES_URL, or run .ci/run)");
            return None;
        };
        let database = format!("gg_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to the PostgreSQL test server");
        sqlx::query(&format!("CREATE DATABASE {database}")).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
        let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
        let url = DatabaseUrl::new(format!("{base}/{database}"));
        let store = Store::open(&url).await.unwrap();
        Some(TestDb { name: "postgres", store, cleanup: Cleanup::Postgres { admin, database } })
    }

    /// Every backend available: SQLite always, PostgreSQL when configured.
    pub async fn all() -> Vec<TestDb> {
        let mut dbs = vec![TestDb::sqlite().await];
        dbs.extend(TestDb::postgres().await);
        dbs
    }

    pub async fn finish(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::Sqlite(dir) => drop(dir),
            Cleanup::Postgres { admin, database } => {
                let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
                sqlx::query(&format!("DROP DATABASE {database} WITH (FORCE)")).execute(&mut conn).await.unwrap();
                conn.close().await.unwrap();
            }
        }
    }
}
