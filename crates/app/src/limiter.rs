//! Failed sign-ins, counted before the password is checked: a try takes its place in every count
//! it belongs to, atomically, before any hashing starts, and gives it back only if it succeeds.
//! However many tries arrive at once, no more are checked than the limits allow.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::limits::SignInLimits;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    EmailAndAddress(String, String),
    Email(String),
    Address(String),
    Device(String),
}

pub struct LoginLimiter {
    limits: SignInLimits,
    tries: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

/// A sign-in try that holds its place in the counts. Dropped without [`Try::succeeded`], it stays
/// counted as a failure.
pub struct Try<'a> {
    limiter: &'a LoginLimiter,
    keys: Vec<Key>,
    at: Instant,
}

impl LoginLimiter {
    pub fn new(limits: SignInLimits) -> Self {
        LoginLimiter { limits, tries: Mutex::default() }
    }

    /// Takes a place for a try at `email` from `address`, or says how long to wait. `device` is the
    /// hash of a device cookie that has signed in to this email's account before: such a try is
    /// counted for that browser alone.
    pub fn begin(&self, email: &str, address: &str, device: Option<&str>) -> Result<Try<'_>, Duration> {
        let email = email.trim().to_ascii_lowercase();
        let l = &self.limits;
        let keys: Vec<(Key, usize)> = match device {
            Some(d) => vec![(Key::Device(d.to_owned()), l.per_device)],
            None => vec![
                (Key::EmailAndAddress(email.clone(), address.to_owned()), l.per_email_and_address),
                (Key::Email(email), l.per_email),
                (Key::Address(address.to_owned()), l.per_address),
            ],
        };
        let now = Instant::now();
        let mut tries = self.tries.lock().expect("the sign-in counts");
        let mut wait = Duration::ZERO;
        for (key, limit) in &keys {
            if let Some(times) = tries.get_mut(key) {
                while times.front().is_some_and(|t| now.duration_since(*t) >= l.window) {
                    times.pop_front();
                }
                if times.len() >= *limit {
                    let oldest = times[times.len() - limit];
                    wait = wait.max(l.window.saturating_sub(now.duration_since(oldest)));
                }
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for (key, _) in &keys {
            tries.entry(key.clone()).or_default().push_back(now);
        }
        // Keep the map from growing without bound under a spray of addresses.
        if tries.len() > 100_000 {
            tries.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < l.window));
        }
        Ok(Try { limiter: self, keys: keys.into_iter().map(|(k, _)| k).collect(), at: now })
    }
}

impl Try<'_> {
    /// The password was right: this try gives its place back, and the failures of this email from
    /// this address (or of this browser) are forgiven.
    pub fn succeeded(self) {
        let mut tries = self.limiter.tries.lock().expect("the sign-in counts");
        for key in &self.keys {
            match key {
                Key::EmailAndAddress(..) | Key::Device(_) => {
                    tries.remove(key);
                }
                Key::Email(_) | Key::Address(_) => {
                    if let Some(times) = tries.get_mut(key) {
                        if let Some(i) = times.iter().rposition(|t| *t == self.at) {
                            times.remove(i);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> LoginLimiter {
        LoginLimiter::new(SignInLimits::default())
    }

    #[test]
    fn places_are_taken_before_the_check_so_parallel_tries_cannot_pass_the_limit() {
        let l = limiter();
        // Held tries (their passwords still being checked) count as failures.
        let held: Vec<_> = (0..5).map(|_| l.begin("a@b.org", "1.2.3.4", None).unwrap()).collect();
        assert!(l.begin("a@b.org", "1.2.3.4", None).is_err());
        drop(held);
        assert!(l.begin("A@b.org ", "1.2.3.4", None).is_err(), "failures stay counted, whatever the case of the email");
    }

    #[test]
    fn parallel_threads_get_no_more_tries_than_the_limit() {
        let l = std::sync::Arc::new(limiter());
        let passed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let threads: Vec<_> = (0..200)
            .map(|_| {
                let (l, passed) = (l.clone(), passed.clone());
                std::thread::spawn(move || {
                    if let Ok(t) = l.begin("victim@b.org", "6.6.6.6", None) {
                        passed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        drop(t);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(passed.load(std::sync::atomic::Ordering::SeqCst), 5);
    }

    #[test]
    fn an_attacker_locks_out_neither_the_owner_on_a_known_phone_nor_the_office() {
        let l = limiter();
        // Someone guesses at the organiser's password from many addresses.
        for i in 0..30 {
            let _ = l.begin("organiser@b.org", &format!("10.0.0.{i}"), None);
        }
        assert!(l.begin("organiser@b.org", "10.0.1.1", None).is_err(), "a new browser waits");
        // The organiser's own phone, which has signed in before, still gets in.
        let t = l.begin("organiser@b.org", "10.0.1.1", Some("phone")).unwrap();
        t.succeeded();
        // A committee room's shared address: a dozen mistyped passwords leave room for the rest.
        for i in 0..12 {
            let _ = l.begin(&format!("volunteer{i}@b.org"), "192.0.2.1", None);
        }
        assert!(l.begin("newcomer@b.org", "192.0.2.1", None).is_ok());
    }

    #[test]
    fn success_forgives_the_failures_of_that_email_from_that_address() {
        let l = limiter();
        for _ in 0..4 {
            drop(l.begin("c@b.org", "1.1.1.1", None).unwrap());
        }
        l.begin("c@b.org", "1.1.1.1", None).unwrap().succeeded();
        for _ in 0..5 {
            drop(l.begin("c@b.org", "1.1.1.1", None).unwrap());
        }
        assert!(l.begin("c@b.org", "1.1.1.1", None).is_err());
    }
}
