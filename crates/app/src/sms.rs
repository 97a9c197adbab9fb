//! The SMS provider: Twilio's HTTP API, which other providers copy. A text is sent with
//! `POST {sms_base_url}/2010-04-01/Accounts/{account}/Messages.json` (To, From, Body and a
//! StatusCallback), HTTP basic authentication with the account and its token; the provider
//! reports delivery to the status callback and replies to the inbound webhook, each request signed
//! with `X-Twilio-Signature` (HMAC-SHA1 of the URL and the sorted form fields, keyed by the token),
//! which is checked before anything is believed.

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// How texts are sent. Nothing pretends to send: with no provider set, texts wait in the outbox
/// and the pages say so.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SmsSettings {
    /// The provider's API, `https://api.twilio.com` or a compatible one. None: texting is off.
    pub base_url: Option<String>,
    /// The account (Twilio's Account SID).
    pub account: String,
    /// The account's auth token: authenticates our requests and signs the provider's.
    pub token: String,
    /// The number texts come from (E.164), which replies go to.
    pub from: String,
}

impl SmsSettings {
    pub fn is_on(&self) -> bool {
        self.base_url.is_some()
    }

    /// Checks the settings before the server starts (saying what is wrong in the settings' own
    /// names), with the From number in E.164.
    pub fn checked(mut self) -> Result<SmsSettings, String> {
        let Some(url) = &self.base_url else { return Ok(self) };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("sms.base_url '{url}' must begin with https:// (or http:// on this machine)"));
        }
        if self.account.trim().is_empty() || self.token.trim().is_empty() {
            return Err("sms.base_url is set, so sms.account and sms.token are needed too".into());
        }
        let from = groundgame_core::contact_details::Phone::parse(&self.from).map_err(|e| format!("sms.from: {e}"))?;
        self.from = from.e164().to_owned();
        Ok(self)
    }
}

/// Why a text did not go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The provider refused it for good (a number that cannot take texts, say).
    Refused(String),
    /// Try again later (the provider is down, busy or unreachable).
    Later(String),
}

/// The provider, over one pooled HTTP client.
#[derive(Clone)]
pub struct Provider {
    http: reqwest::Client,
    settings: SmsSettings,
}

impl Provider {
    /// None when texting is off.
    pub fn new(settings: &SmsSettings) -> Option<Provider> {
        settings.base_url.as_ref()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .pool_max_idle_per_host(64)
            .build()
            .expect("an HTTP client");
        Some(Provider { http, settings: settings.clone() })
    }

    /// Sends one text: the provider's id for it.
    pub async fn send(&self, to: &str, body: &str, status_callback: &str) -> Result<String, SendError> {
        let s = &self.settings;
        let base = s.base_url.as_deref().unwrap_or_default().trim_end_matches('/');
        let url = format!("{base}/2010-04-01/Accounts/{}/Messages.json", s.account);
        let form = [("To", to), ("From", s.from.as_str()), ("Body", body), ("StatusCallback", status_callback)];
        let reply = self
            .http
            .post(&url)
            .basic_auth(&s.account, Some(&s.token))
            .form(&form)
            .send()
            .await
            .map_err(|e| SendError::Later(format!("the SMS provider could not be reached ({e})")))?;
        let status = reply.status();
        let text = reply.text().await.map_err(|e| SendError::Later(format!("the SMS provider's answer was cut off ({e})")))?;
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if status.is_success() {
            return json["sid"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| SendError::Later(format!("the SMS provider answered {status} with no message id")));
        }
        // The provider's own words may quote the number (Twilio's 21211 does): they go to the
        // server's log, and only the status and the provider's error code are kept with the text,
        // which texters read.
        let said = json["message"].as_str().unwrap_or(text.as_str()).chars().take(300).collect::<String>();
        tracing::warn!(%status, provider_said = %said, "the SMS provider did not take a text");
        let code = json["code"].as_u64().map(|c| format!(", error {c}")).unwrap_or_default();
        if status.as_u16() == 429 || status.is_server_error() {
            Err(SendError::Later(format!("the SMS provider answered {status}{code}: it will be tried again")))
        } else {
            Err(SendError::Refused(format!("the SMS provider refused the text ({status}{code})")))
        }
    }
}

/// The signature of a provider's request to `url` with these form fields, as the provider makes
/// it: base64(HMAC-SHA1(token, url + each field's name and value, sorted by name)).
pub fn signature(token: &str, url: &str, fields: &[(String, String)]) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(token, url, fields).finalize().into_bytes())
}

/// Whether `given` is the provider's signature of this request (compared in constant time).
pub fn signed(token: &str, url: &str, fields: &[(String, String)], given: &str) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(given.trim()) else { return false };
    mac(token, url, fields).verify_slice(&given).is_ok()
}

/// The HMAC of a request, fed as the provider feeds it.
fn mac(token: &str, url: &str, fields: &[(String, String)]) -> Hmac<Sha1> {
    let mut sorted: Vec<&(String, String)> = fields.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(token.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// The worked example of Twilio's security documentation.
    #[test]
    fn the_signature_is_the_providers_own() {
        let f = fields(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let token = "12345";
        assert_eq!(signature(token, url, &f), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(signed(token, url, &f, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        assert!(!signed("54321", url, &f, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="), "another token");
        assert!(!signed(token, "https://mycompany.com/myapp.php", &f, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="), "another address");
        let mut changed = f.clone();
        changed[2].1 = "9999".into();
        assert!(!signed(token, url, &changed, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="), "a changed field");
        assert!(!signed(token, url, &f, "not base64!"), "garbage");
        assert!(!signed(token, url, &f, ""), "none");
    }

    #[test]
    fn settings_say_what_is_missing() {
        assert_eq!(SmsSettings::default().checked(), Ok(SmsSettings::default()), "off is fine");
        let mut s = SmsSettings { base_url: Some("ftp://x".into()), ..Default::default() };
        assert!(s.clone().checked().unwrap_err().contains("https://"));
        s.base_url = Some("https://api.twilio.com".into());
        assert!(s.clone().checked().unwrap_err().contains("sms.account"));
        s.account = "AC1".into();
        s.token = "t".into();
        s.from = "not a number".into();
        assert!(s.clone().checked().unwrap_err().contains("sms.from"));
        s.from = "07700 900123".into();
        assert_eq!(s.checked().unwrap().from, "+447700900123");
    }
}
