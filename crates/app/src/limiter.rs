//! Failed sign-ins, counted before the password is checked: a try takes its place in every count
//! it belongs to, atomically, before any hashing starts, and gives it back only if it succeeds.
//! However many tries arrive at once, at however many servers, no more are checked than the
//! limits allow: the counts are in the database, keyed by the SHA-256 of what they count.

use std::time::Duration;

use groundgame_store::accounts::{self as store, CountedBy};
use groundgame_store::Store;

use crate::limits::SignInLimits;
use crate::Result;

/// What one count is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    EmailAndAddress,
    Email,
    Address,
    Device,
}

/// The count's key: the SHA-256 of what it counts, so the table holds no email or address.
fn key(kind: Kind, parts: &[&str]) -> String {
    crate::secrets::token_hash(&format!("{kind:?}\0{}", parts.join("\0")))
}

pub struct LoginLimiter {
    limits: SignInLimits,
}

/// A sign-in try that holds its place in the counts. Not given back with [`Try::succeeded`], it
/// stays counted as a failure.
pub struct Try {
    attempt: String,
    /// The counts a success empties: this email from this address, or this browser.
    forgive: Vec<String>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl LoginLimiter {
    pub fn new(limits: SignInLimits) -> Self {
        LoginLimiter { limits }
    }

    /// Takes a place for a try at `email` from `address`, or says how long to wait. `device` is the
    /// hash of a device cookie that has signed in to this email's account before: such a try is
    /// counted for that browser alone.
    pub async fn begin(&self, db: &Store, email: &str, address: &str, device: Option<&str>) -> Result<std::result::Result<Try, Duration>> {
        let email = email.trim().to_ascii_lowercase();
        let l = &self.limits;
        let counts: Vec<(Kind, CountedBy)> = match device {
            Some(d) => vec![(Kind::Device, CountedBy { key: key(Kind::Device, &[d]), limit: l.per_device })],
            None => vec![
                (Kind::EmailAndAddress, CountedBy { key: key(Kind::EmailAndAddress, &[&email, address]), limit: l.per_email_and_address }),
                (Kind::Email, CountedBy { key: key(Kind::Email, &[&email]), limit: l.per_email }),
                (Kind::Address, CountedBy { key: key(Kind::Address, &[address]), limit: l.per_address }),
            ],
        };
        let attempt = uuid::Uuid::new_v4().to_string();
        let window = i64::try_from(l.window.as_millis()).unwrap_or(i64::MAX);
        let mut tx = db.begin_write().await?;
        let only: Vec<CountedBy> = counts.iter().map(|(_, c)| c.clone()).collect();
        let wait = store::take_sign_in_try(&mut tx, &only, &attempt, now_ms(), window).await?;
        tx.commit().await?;
        if let Some(ms) = wait {
            return Ok(Err(Duration::from_millis(u64::try_from(ms.max(1)).unwrap_or(1))));
        }
        let forgive = counts.into_iter().filter(|(k, _)| matches!(k, Kind::EmailAndAddress | Kind::Device)).map(|(_, c)| c.key).collect();
        Ok(Ok(Try { attempt, forgive }))
    }

    /// Forgets tries older than the window, which no count looks at any more.
    pub async fn forget_old(&self, db: &Store) -> Result<u64> {
        let window = i64::try_from(self.limits.window.as_millis()).unwrap_or(i64::MAX);
        let mut tx = db.begin_write().await?;
        let n = store::forget_old_sign_in_tries(&mut tx, now_ms() - window).await?;
        tx.commit().await?;
        Ok(n)
    }
}

impl Try {
    /// The password was right: this try gives its place back, and the failures of this email from
    /// this address (or of this browser) are forgiven.
    pub async fn succeeded(self, db: &Store) -> Result<()> {
        let mut tx = db.begin_write().await?;
        store::give_back_sign_in_try(&mut tx, &self.attempt, &self.forgive).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use groundgame_store::DatabaseUrl;

    async fn limiter() -> (LoginLimiter, Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let db = Store::open(&DatabaseUrl::new(dir.path().join("limits.db").to_str().unwrap())).await.unwrap();
        (LoginLimiter::new(SignInLimits::default()), db, dir)
    }

    #[tokio::test]
    async fn places_are_taken_before_the_check_so_parallel_tries_cannot_pass_the_limit() {
        let (l, db, _dir) = limiter().await;
        // Held tries (their passwords still being checked) count as failures.
        let mut held = Vec::new();
        for _ in 0..5 {
            held.push(l.begin(&db, "a@b.org", "1.2.3.4", None).await.unwrap().unwrap());
        }
        let wait = l.begin(&db, "a@b.org", "1.2.3.4", None).await.unwrap().err().expect("the sixth waits");
        assert!(wait > Duration::from_secs(14 * 60) && wait <= Duration::from_secs(15 * 60), "{wait:?}");
        drop(held);
        assert!(l.begin(&db, "A@b.org ", "1.2.3.4", None).await.unwrap().is_err(), "failures stay counted, whatever the case of the email");
    }

    #[tokio::test]
    async fn parallel_tries_get_no_more_places_than_the_limit() {
        let (l, db, _dir) = limiter().await;
        let l = std::sync::Arc::new(l);
        let tries: Vec<_> = (0..60)
            .map(|_| {
                let (l, db) = (l.clone(), db.clone());
                tokio::spawn(async move { l.begin(&db, "victim@b.org", "6.6.6.6", None).await.unwrap().is_ok() })
            })
            .collect();
        let mut passed = 0;
        for t in tries {
            passed += usize::from(t.await.unwrap());
        }
        assert_eq!(passed, 5);
    }

    #[tokio::test]
    async fn an_attacker_locks_out_neither_the_owner_on_a_known_phone_nor_the_office() {
        let (l, db, _dir) = limiter().await;
        // Someone guesses at the organiser's password from many addresses.
        for i in 0..30 {
            let _ = l.begin(&db, "organiser@b.org", &format!("10.0.0.{i}"), None).await.unwrap();
        }
        assert!(l.begin(&db, "organiser@b.org", "10.0.1.1", None).await.unwrap().is_err(), "a new browser waits");
        // The organiser's own phone, which has signed in before, still gets in.
        let t = l.begin(&db, "organiser@b.org", "10.0.1.1", Some("phone")).await.unwrap().unwrap();
        t.succeeded(&db).await.unwrap();
        // A committee room's shared address: a dozen mistyped passwords leave room for the rest.
        for i in 0..12 {
            let _ = l.begin(&db, &format!("volunteer{i}@b.org"), "192.0.2.1", None).await.unwrap();
        }
        assert!(l.begin(&db, "newcomer@b.org", "192.0.2.1", None).await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn success_forgives_the_failures_of_that_email_from_that_address() {
        let (l, db, _dir) = limiter().await;
        for _ in 0..4 {
            drop(l.begin(&db, "c@b.org", "1.1.1.1", None).await.unwrap().unwrap());
        }
        l.begin(&db, "c@b.org", "1.1.1.1", None).await.unwrap().unwrap().succeeded(&db).await.unwrap();
        for _ in 0..5 {
            drop(l.begin(&db, "c@b.org", "1.1.1.1", None).await.unwrap().unwrap());
        }
        assert!(l.begin(&db, "c@b.org", "1.1.1.1", None).await.unwrap().is_err());
    }

    #[tokio::test]
    async fn the_counts_hold_no_email_or_address_and_forget_old_tries() {
        let (l, db, _dir) = limiter().await;
        drop(l.begin(&db, "someone@b.org", "203.0.113.9", None).await.unwrap().unwrap());
        let mut tx = db.begin().await.unwrap();
        let keys: Vec<(String,)> = tx.fetch_all("SELECT key FROM sign_in_tries", vec![]).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(keys.len(), 3);
        assert!(keys.iter().all(|(k,)| k.len() == 64 && !k.contains('@') && !k.contains("203.")), "{keys:?}");
        let short = LoginLimiter::new(SignInLimits { window: Duration::from_millis(1), ..SignInLimits::default() });
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(short.forget_old(&db).await.unwrap(), 3);
    }
}
