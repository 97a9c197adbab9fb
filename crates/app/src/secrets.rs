use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Hashes a password with argon2id, on a blocking thread: it is slow on purpose. The policy is
/// checked first.
pub async fn hash_password(password: &str) -> crate::Result<String> {
    groundgame_core::password::check(password)?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| anyhow::anyhow!("{e}"))
    })
    .await
    .map_err(anyhow::Error::new)?
    .map_err(crate::Error::Internal)
}

/// Checks a password against a hash. With no hash (no such account, or none set) it hashes anyway,
/// so that the time taken does not tell which emails have accounts.
pub async fn verify_password(password: &str, hash: Option<String>) -> bool {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| {
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Y1WKVfXqXK0nT1xXcZ0fCkq2b0z9M9u4kgQJ7yXyXw".to_owned()
        });
        PasswordHash::new(&hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A new random token (for a cookie or a link) and the hash that is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// What is stored of a token: its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A time `days` from now, as stored.
pub(crate) fn from_now(d: chrono::Duration) -> String {
    (chrono::Utc::now() + d).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_checks_against_its_own_hash_only() {
        let hash = hash_password("correct horse battery").await.unwrap();
        assert!(verify_password("correct horse battery", Some(hash.clone())).await);
        assert!(!verify_password("Correct horse battery", Some(hash)).await);
        assert!(!verify_password("anything at all", None).await);
        assert!(matches!(hash_password("short").await, Err(crate::Error::Invalid(_))));
    }

    #[test]
    fn tokens_are_long_random_and_stored_as_hashes() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(ha, token_hash(&a));
        assert_eq!(ha.len(), 64);
    }
}
