//! Settings: every configurable thing in one table ([`KEYS`]), each with its place in the TOML
//! file, its environment variable and its default. A flag beats the environment, which beats the
//! file, which beats the default. `groundgame config show` prints what is in effect and where it
//! came from; docs/CONFIGURATION.md describes each.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Parser;
use groundgame_app::limits::SignInLimits;
use groundgame_app::mail::MailSettings;
use groundgame_app::sms::SmsSettings;
use groundgame_app::Limits;
use groundgame_store::{DatabaseUrl, Durability, StoreOptions};
use groundgame_web::WebSettings;
use serde::Serialize;

use crate::commands::Command;

/// groundgame runs a constituency field campaign: the electoral register, walks, canvassing,
/// volunteers, targeting and polling day.
#[derive(Debug, Parser)]
#[command(name = "groundgame", version, about, propagate_version = true)]
pub struct Cli {
    /// The database: a SQLite file (created on first use) or a postgres:// URL. Also
    /// GROUNDGAME_DATABASE_URL. [default: groundgame.db]
    #[arg(long, global = true)]
    pub database: Option<String>,

    /// A TOML file with settings (see docs/CONFIGURATION.md). Also GROUNDGAME_CONFIG.
    /// [default: groundgame.toml if present]
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,

    /// Log level or filter for messages on standard error (error, warn, info, debug, trace).
    /// Also GROUNDGAME_LOG. [default: warn]
    #[arg(long, global = true)]
    pub log: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

/// One setting.
pub struct Key {
    /// Its place in the settings file: `server.bind` is `bind` in the `[server]` table.
    pub name: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub about: &'static str,
}

const fn key(name: &'static str, env: &'static str, default: &'static str, about: &'static str) -> Key {
    Key { name, env, default, about }
}

/// Every setting groundgame has.
pub const KEYS: &[Key] = &[
    key("database", "GROUNDGAME_DATABASE_URL", "groundgame.db", "A SQLite file (created on first use) or a postgres:// URL"),
    key("log", "GROUNDGAME_LOG", "warn", "Log level or filter for messages on standard error"),
    key("server.bind", "GROUNDGAME_BIND", "127.0.0.1:8080", "The address `serve` listens on"),
    key("server.public_url", "GROUNDGAME_PUBLIC_URL", "", "Where people reach the server, for links in mail (https://campaign.example); empty: http:// and the bind address"),
    key("smtp_url", "GROUNDGAME_SMTP_URL", "", "The SMTP server mail is sent through (smtp://HOST:PORT, or smtps://USER:PASSWORD@HOST); empty: mail is off and stays queued"),
    key("mail_from", "GROUNDGAME_MAIL_FROM", "groundgame <noreply@localhost>", "The From address of mail"),
    key("sms.base_url", "GROUNDGAME_SMS_BASE_URL", "", "The SMS provider's API, Twilio's or a compatible one (https://api.twilio.com); empty: texting is off and texts wait in the outbox"),
    key("sms.account", "GROUNDGAME_SMS_ACCOUNT", "", "The SMS provider account (Twilio's Account SID)"),
    key("sms.token", "GROUNDGAME_SMS_TOKEN", "", "The SMS provider account's auth token: it also checks the signatures of the provider's webhooks"),
    key("sms.from", "GROUNDGAME_SMS_FROM", "", "The number texts come from and replies go to (+447700900123)"),
    key("server.secure_cookies", "GROUNDGAME_SECURE_COOKIES", "false", "Served over HTTPS: Secure cookies and Strict-Transport-Security"),
    key("server.request_timeout_seconds", "GROUNDGAME_REQUEST_TIMEOUT_SECONDS", "300", "How long a request may take (register uploads included)"),
    key("server.upload_limit_mb", "GROUNDGAME_UPLOAD_LIMIT_MB", "512", "The largest register upload, in megabytes"),
    key("server.body_limit_kb", "GROUNDGAME_BODY_LIMIT_KB", "2048", "The largest form or JSON body, in kilobytes"),
    key("server.trusted_proxies", "GROUNDGAME_TRUSTED_PROXIES", "", "Reverse proxies whose X-Forwarded-For is believed, comma-separated addresses or networks (10.0.0.0/8, ::1); empty: none, the connection's address is the client's"),
    key("server.metrics_bind", "GROUNDGAME_METRICS_BIND", "", "A second address serving /metrics alone, with no sign-in (keep it private); empty: /metrics only on the main address, for organisers"),
    key("sqlite.durability", "GROUNDGAME_SQLITE_DURABILITY", "full", "full: a commit is on disk before it is acknowledged; normal: the last commits can be lost on power loss (only for measuring what durability costs)"),
    key("sqlite.busy_timeout_seconds", "GROUNDGAME_SQLITE_BUSY_TIMEOUT_SECONDS", "10", "How long one try to get SQLite's lock waits"),
    key("sqlite.write_wait_seconds", "GROUNDGAME_SQLITE_WRITE_WAIT_SECONDS", "600", "How long a writer waits in all for another process (a server, an import) to finish writing"),
    key("postgres.max_connections", "GROUNDGAME_POSTGRES_MAX_CONNECTIONS", "8", "Connections each process keeps to PostgreSQL"),
    key("limits.session_days", "GROUNDGAME_SESSION_DAYS", "30", "How long a sign-in lasts (canvassers may be offline for days)"),
    key("limits.invite_days", "GROUNDGAME_INVITE_DAYS", "14", "How long an invite link works"),
    key("limits.reset_hours", "GROUNDGAME_RESET_HOURS", "48", "How long a password reset link works"),
    key("limits.sync_batch", "GROUNDGAME_SYNC_BATCH", "500", "The most contacts one sync may carry"),
    key("limits.sign_in_window_minutes", "GROUNDGAME_SIGN_IN_WINDOW_MINUTES", "15", "The window failed sign-ins are counted in"),
    key("limits.sign_in_per_email_and_address", "GROUNDGAME_SIGN_IN_PER_EMAIL_AND_ADDRESS", "5", "Failed sign-ins for one email from one address"),
    key("limits.sign_in_per_email", "GROUNDGAME_SIGN_IN_PER_EMAIL", "20", "Failed sign-ins for one email from browsers it does not know"),
    key("limits.sign_in_per_address", "GROUNDGAME_SIGN_IN_PER_ADDRESS", "60", "Failed sign-ins from one address, any email, from browsers it does not know"),
    key("limits.sign_in_per_device", "GROUNDGAME_SIGN_IN_PER_DEVICE", "10", "Failed sign-ins from one browser that has signed in to the account before"),
    key("limits.progress_fresh_seconds", "GROUNDGAME_PROGRESS_FRESH_SECONDS", "60", "How long the public nearest-marginal page reuses the campaigns' progress"),
    key("limits.progress_audit_minutes", "GROUNDGAME_PROGRESS_AUDIT_MINUTES", "15", "A dashboard's reads of the live progress are audited once in this long per session"),
    key("limits.signups_per_address", "GROUNDGAME_SIGNUPS_PER_ADDRESS", "20", "Public sign-ups taken from one address in ten minutes (a flood from one place waits; the site does not)"),
    key("limits.retention_days", "GROUNDGAME_RETENTION_DAYS", "90", "Days after polling day (or after set-up, when later) a campaign keeps its register and canvass, unless its organiser chose a day"),
    key("limits.two_factor_required", "GROUNDGAME_TWO_FACTOR_REQUIRED", "true", "Organisers and data officers (who can download the register) must set up two-factor sign-in before their first session"),
    key("limits.upload_keep_minutes", "GROUNDGAME_UPLOAD_KEEP_MINUTES", "60", "How long a register upload waits for its organiser to confirm it"),
];

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Flag,
    Environment,
    File,
    Default,
}

/// A setting as `config show` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub name: &'static str,
    pub value: String,
    pub source: Source,
    pub env: &'static str,
    pub about: &'static str,
}

/// Settings after flags, environment, file and defaults are layered.
#[derive(Debug)]
pub struct Settings {
    pub database: DatabaseUrl,
    /// Whether the database was chosen (the demo has its own default).
    pub database_given: bool,
    pub log: String,
    pub bind: SocketAddr,
    pub web: WebSettings,
    pub store: StoreOptions,
    pub limits: Limits,
    pub mail: MailSettings,
    pub sms: SmsSettings,
    /// The settings file read, if any.
    pub file: Option<PathBuf>,
    /// Every setting in effect, with where it came from.
    pub shown: Vec<Shown>,
}

/// Reads an environment variable (the process's, or a test's stand-in).
type Env = Box<dyn Fn(&str) -> Option<String>>;

/// The values found for each setting, before they are parsed.
struct Layers {
    flags: BTreeMap<&'static str, String>,
    file: BTreeMap<String, String>,
    file_name: Option<PathBuf>,
    env: Env,
}

impl Layers {
    fn raw(&self, key: &Key) -> (String, Source) {
        if let Some(v) = self.flags.get(key.name) {
            return (v.clone(), Source::Flag);
        }
        if let Some(v) = (self.env)(key.env).filter(|v| !v.is_empty()) {
            return (v, Source::Environment);
        }
        if let Some(v) = self.file.get(key.name) {
            return (v.clone(), Source::File);
        }
        (key.default.to_owned(), Source::Default)
    }

    /// A setting parsed, with an error that names where the bad value came from.
    fn get<T: FromStr>(&self, name: &str, shown: &mut Vec<Shown>) -> anyhow::Result<T>
    where
        T::Err: std::fmt::Display,
    {
        let key = KEYS.iter().find(|k| k.name == name).expect("a known setting");
        let (raw, source) = self.raw(key);
        let parsed = raw.trim().parse::<T>().map_err(|e| {
            let at = match source {
                Source::Flag => format!("--{}", name.rsplit('.').next().unwrap_or(name).replace('_', "-")),
                Source::Environment => key.env.to_owned(),
                Source::File => format!("{} in {}", name, self.file_name.as_deref().map(|p| p.display().to_string()).unwrap_or_default()),
                Source::Default => format!("the default of {name}"),
            };
            anyhow::anyhow!("{at}: '{raw}' is not a valid value ({e})")
        })?;
        let value = match name {
            "database" => DatabaseUrl::new(raw.clone()).to_string(),
            "smtp_url" => hide_password(&raw),
            "sms.token" if !raw.is_empty() => "***".to_owned(),
            _ => raw,
        };
        shown.push(Shown { name: key.name, value, source, env: key.env, about: key.about });
        Ok(parsed)
    }
}

/// A URL with its password (between `user:` and `@`) shown as ***.
fn hide_password(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((credentials, host)) if credentials.contains(':') => {
                let user = credentials.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}:***@{host}")
            }
            _ => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// A duration in whole units, for settings.
fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

impl Settings {
    pub fn resolve(cli: &Cli) -> anyhow::Result<Settings> {
        Self::resolve_with(cli, |name| std::env::var(name).ok())
    }

    /// Resolves with `env` standing for the environment (tests give their own).
    pub fn resolve_with(cli: &Cli, env: impl Fn(&str) -> Option<String> + 'static) -> anyhow::Result<Settings> {
        let path = cli.config.clone().or_else(|| env("GROUNDGAME_CONFIG").map(PathBuf::from)).or_else(|| {
            let default = PathBuf::from("groundgame.toml");
            default.exists().then_some(default)
        });
        let file = match &path {
            Some(p) => read_file(p)?,
            None => BTreeMap::new(),
        };
        let mut flags = BTreeMap::new();
        if let Some(d) = &cli.database {
            flags.insert("database", d.clone());
        }
        if let Some(l) = &cli.log {
            flags.insert("log", l.clone());
        }
        if let Some(serve) = cli.command.serve_args() {
            if let Some(b) = serve.bind {
                flags.insert("server.bind", b.to_string());
            }
            if serve.secure_cookies {
                flags.insert("server.secure_cookies", "true".into());
            }
            if let Some(u) = &serve.smtp_url {
                flags.insert("smtp_url", u.clone());
            }
            if let Some(f) = &serve.mail_from {
                flags.insert("mail_from", f.clone());
            }
            if let Some(u) = &serve.public_url {
                flags.insert("server.public_url", u.clone());
            }
        }
        let layers = Layers { flags, file, file_name: path.clone(), env: Box::new(env) };
        let mut shown = Vec::new();
        let database: String = layers.get("database", &mut shown)?;
        let database_given = shown.last().is_some_and(|s| s.source != Source::Default);
        let log: String = layers.get("log", &mut shown)?;
        let bind: SocketAddr = layers.get("server.bind", &mut shown)?;
        let public_url: String = layers.get("server.public_url", &mut shown)?;
        let smtp_url: String = layers.get("smtp_url", &mut shown)?;
        let mail = MailSettings {
            smtp_url: Some(smtp_url.trim().to_owned()).filter(|u| !u.is_empty()),
            from: layers.get("mail_from", &mut shown)?,
            public_url: if public_url.trim().is_empty() {
                format!("http://{bind}")
            } else {
                public_url.trim().trim_end_matches('/').to_owned()
            },
        };
        mail.check().map_err(|e| anyhow::anyhow!(e))?;
        let sms_base_url: String = layers.get("sms.base_url", &mut shown)?;
        let sms = SmsSettings {
            base_url: Some(sms_base_url.trim().trim_end_matches('/').to_owned()).filter(|u| !u.is_empty()),
            account: layers.get::<String>("sms.account", &mut shown)?.trim().to_owned(),
            token: layers.get::<String>("sms.token", &mut shown)?.trim().to_owned(),
            from: layers.get::<String>("sms.from", &mut shown)?.trim().to_owned(),
        };
        let sms = sms.checked().map_err(|e| anyhow::anyhow!(e))?;
        let web = WebSettings {
            secure_cookies: layers.get("server.secure_cookies", &mut shown)?,
            request_timeout: secs(layers.get("server.request_timeout_seconds", &mut shown)?),
            upload_limit: layers.get::<usize>("server.upload_limit_mb", &mut shown)? * 1024 * 1024,
            body_limit: layers.get::<usize>("server.body_limit_kb", &mut shown)? * 1024,
            trusted_proxies: layers.get::<ProxyList>("server.trusted_proxies", &mut shown)?.0,
            metrics_bind: layers.get::<OptionalAddress>("server.metrics_bind", &mut shown)?.0,
        };
        let durability: DurabilitySetting = layers.get("sqlite.durability", &mut shown)?;
        let store = StoreOptions {
            durability: durability.0,
            busy_timeout: secs(layers.get("sqlite.busy_timeout_seconds", &mut shown)?),
            write_wait: secs(layers.get("sqlite.write_wait_seconds", &mut shown)?),
            postgres_connections: layers.get("postgres.max_connections", &mut shown)?,
        };
        let limits = Limits {
            session_days: layers.get("limits.session_days", &mut shown)?,
            invite_days: layers.get("limits.invite_days", &mut shown)?,
            reset_hours: layers.get("limits.reset_hours", &mut shown)?,
            sync_batch: layers.get("limits.sync_batch", &mut shown)?,
            sign_in: SignInLimits {
                window: secs(60 * layers.get::<u64>("limits.sign_in_window_minutes", &mut shown)?),
                per_email_and_address: layers.get("limits.sign_in_per_email_and_address", &mut shown)?,
                per_email: layers.get("limits.sign_in_per_email", &mut shown)?,
                per_address: layers.get("limits.sign_in_per_address", &mut shown)?,
                per_device: layers.get("limits.sign_in_per_device", &mut shown)?,
            },
            progress_fresh_for: secs(layers.get("limits.progress_fresh_seconds", &mut shown)?),
            progress_audit_every: secs(60 * layers.get::<u64>("limits.progress_audit_minutes", &mut shown)?),
            upload_keep_for: secs(60 * layers.get::<u64>("limits.upload_keep_minutes", &mut shown)?),
            signups_per_address: layers.get("limits.signups_per_address", &mut shown)?,
            retention_days: layers.get("limits.retention_days", &mut shown)?,
            two_factor_required: layers.get("limits.two_factor_required", &mut shown)?,
        };
        if limits.sync_batch == 0 || limits.session_days <= 0 || limits.invite_days <= 0 || limits.reset_hours <= 0 {
            bail!("limits.sync_batch, limits.session_days, limits.invite_days and limits.reset_hours must be above 0");
        }
        Ok(Settings { database: DatabaseUrl::new(database), database_given, log, bind, web, store, limits, mail, sms, file: path, shown })
    }
}

/// `full` or `normal`.
/// `server.trusted_proxies`: addresses (one host) and networks, comma-separated.
struct ProxyList(Vec<ipnet::IpNet>);

impl FromStr for ProxyList {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let nets = s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{p:?} is not an address or a network (write 10.0.0.1, 10.0.0.0/8 or ::1)"))
        });
        Ok(ProxyList(nets.collect::<Result<_, _>>()?))
    }
}

/// An address to listen on, or nothing.
struct OptionalAddress(Option<SocketAddr>);

impl FromStr for OptionalAddress {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(OptionalAddress(None));
        }
        s.parse().map(|a| OptionalAddress(Some(a))).map_err(|_| "write an address and port, such as 127.0.0.1:9100".to_owned())
    }
}

struct DurabilitySetting(Durability);

impl FromStr for DurabilitySetting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "full" => Ok(DurabilitySetting(Durability::Full)),
            "normal" => Ok(DurabilitySetting(Durability::Normal)),
            _ => Err("use full or normal".into()),
        }
    }
}

/// Reads a settings file into `table.key` -> value, refusing any key that is not a setting.
fn read_file(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("Failed to read the settings file {}", path.display()))?;
    let table: toml::Table = toml::from_str(&text).with_context(|| format!("{} is not a valid settings file", path.display()))?;
    let mut out = BTreeMap::new();
    flatten("", &table, &mut out);
    for name in out.keys() {
        if !KEYS.iter().any(|k| k.name == name) {
            bail!("{}: '{name}' is not a setting (docs/CONFIGURATION.md lists them; `groundgame config show` prints them)", path.display());
        }
    }
    Ok(out)
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) {
    for (k, v) in table {
        let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(t) => flatten(&name, t, out),
            toml::Value::String(s) => {
                out.insert(name, s.clone());
            }
            other => {
                out.insert(name, other.to_string());
            }
        }
    }
}

pub fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn a_flag_beats_the_environment_which_beats_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gg.toml");
        std::fs::write(
            &path,
            "database = \"from-file.db\"\nlog = \"info\"\n[limits]\nsession_days = 7\n[server]\nbind = \"0.0.0.0:9000\"\n",
        )
        .unwrap();
        let p = path.to_str().unwrap();
        let cli = Cli::parse_from(["groundgame", "--config", p, "campaign", "list"]);
        let s = Settings::resolve_with(&cli, env(&[])).unwrap();
        assert_eq!((s.database.expose(), s.log.as_str(), s.limits.session_days), ("from-file.db", "info", 7));
        assert_eq!(s.bind.to_string(), "0.0.0.0:9000");
        assert_eq!(s.shown.iter().find(|x| x.name == "limits.invite_days").unwrap().source, Source::Default);
        let s = Settings::resolve_with(&cli, env(&[("GROUNDGAME_SESSION_DAYS", "3"), ("GROUNDGAME_DATABASE_URL", "env.db")])).unwrap();
        assert_eq!((s.limits.session_days, s.database.expose()), (3, "env.db"));
        let cli = Cli::parse_from(["groundgame", "--config", p, "--database", "flag.db", "serve", "--bind", "127.0.0.1:1"]);
        let s = Settings::resolve_with(&cli, env(&[("GROUNDGAME_DATABASE_URL", "env.db")])).unwrap();
        assert_eq!((s.database.expose(), s.bind.to_string().as_str()), ("flag.db", "127.0.0.1:1"));
        assert_eq!(s.shown[0].source, Source::Flag);
    }

    #[test]
    fn a_bad_setting_says_where_it_came_from() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gg.toml");
        std::fs::write(&path, "databse = \"typo.db\"\n").unwrap();
        let cli = Cli::parse_from(["groundgame", "--config", path.to_str().unwrap(), "campaign", "list"]);
        assert!(Settings::resolve_with(&cli, env(&[])).unwrap_err().to_string().contains("'databse' is not a setting"));
        std::fs::write(&path, "[limits]\nsession_days = \"a month\"\n").unwrap();
        let e = Settings::resolve_with(&cli, env(&[])).unwrap_err().to_string();
        assert!(e.contains("limits.session_days in") && e.contains("'a month'"), "{e}");
        let cli = Cli::parse_from(["groundgame", "campaign", "list"]);
        let e = Settings::resolve_with(&cli, env(&[("GROUNDGAME_SQLITE_DURABILITY", "maybe")])).unwrap_err().to_string();
        assert!(e.starts_with("GROUNDGAME_SQLITE_DURABILITY: 'maybe'"), "{e}");
    }

    #[test]
    fn passwords_are_never_shown() {
        let cli = Cli::parse_from(["groundgame", "--database", "postgres://gg:s3cret@db.example/gg", "config", "show"]);
        let s = Settings::resolve_with(&cli, env(&[("GROUNDGAME_SMTP_URL", "smtps://mailer:s3cret@smtp.example:465")])).unwrap();
        assert!(s.shown.iter().any(|x| x.value == "smtps://mailer:***@smtp.example:465"));
        assert!(s.shown.iter().all(|x| !x.value.contains("s3cret")));
    }

    #[test]
    fn trusted_proxies_are_addresses_and_networks() {
        let cli = Cli::parse_from(["groundgame", "campaign", "list"]);
        let s = Settings::resolve_with(&cli, env(&[("GROUNDGAME_TRUSTED_PROXIES", "10.0.0.0/8, ::1,192.0.2.7")])).unwrap();
        let nets: Vec<String> = s.web.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(nets, ["10.0.0.0/8", "::1/128", "192.0.2.7/32"]);
        assert_eq!(s.web.metrics_bind, None);
        let e = Settings::resolve_with(&cli, env(&[("GROUNDGAME_TRUSTED_PROXIES", "10.0.0.0/8, proxy.local")])).unwrap_err().to_string();
        assert!(e.contains("GROUNDGAME_TRUSTED_PROXIES") && e.contains("\"proxy.local\" is not an address or a network"), "{e}");
        let e = Settings::resolve_with(&cli, env(&[("GROUNDGAME_METRICS_BIND", "9100")])).unwrap_err().to_string();
        assert!(e.contains("GROUNDGAME_METRICS_BIND") && e.contains("127.0.0.1:9100"), "{e}");
        let s = Settings::resolve_with(&cli, env(&[("GROUNDGAME_METRICS_BIND", "127.0.0.1:9100")])).unwrap();
        assert_eq!(s.web.metrics_bind.map(|a| a.port()), Some(9100));
    }

    #[test]
    fn every_setting_is_documented() {
        let doc = include_str!("../../../docs/CONFIGURATION.md");
        for k in KEYS {
            let row = format!("| `{}` | `{}` | `{}` | {} |", k.name, k.env, k.default, k.about.replace('|', "/"));
            assert!(doc.contains(&row), "docs/CONFIGURATION.md has the row of {}: {row}", k.name);
        }
    }
}
