//! A real SMTP server on loopback for the tests: aiosmtpd (from PyPI), delivering every message
//! it receives into a Maildir that the tests read. In CI (`CI=true`) a missing aiosmtpd is a
//! failure; elsewhere the tests that need it say so and stop.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct MailCatcher {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// The Python that has aiosmtpd: GROUNDGAME_TEST_PYTHON, or python3 on the PATH.
fn python() -> String {
    std::env::var("GROUNDGAME_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

impl MailCatcher {
    /// Starts one, or None (outside CI) when aiosmtpd is not installed.
    pub fn start() -> Option<MailCatcher> {
        let has = Command::new(python()).args(["-c", "import aiosmtpd"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
        if !has.is_ok_and(|s| s.success()) {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but aiosmtpd is not installed for {} (pip install aiosmtpd): .ci/run installs it", python());
            }
            eprintln!("skipping: aiosmtpd is not installed (pip install aiosmtpd, or set GROUNDGAME_TEST_PYTHON)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail");
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "aiosmtpd did not start listening on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(MailCatcher { child, port, dir })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.dir.path().join("mail").join(sub)) {
                out.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
            }
        }
        out.sort();
        out
    }

    /// Every message received so far, raw.
    pub fn all(&self) -> Vec<Vec<u8>> {
        self.files().iter().filter_map(|p| std::fs::read(p).ok()).collect()
    }

    /// Waits (up to 20 s) until `count` messages to `to` whose subject contains `subject` have
    /// come, and returns them raw.
    pub async fn wait_for(&self, to: &str, subject: &str, count: usize) -> Vec<Vec<u8>> {
        let started = Instant::now();
        loop {
            let found: Vec<Vec<u8>> = self
                .all()
                .into_iter()
                .filter(|m| {
                    let parsed = mailparse::parse_mail(m).unwrap();
                    let h = |name: &str| {
                        parsed.headers.iter().find(|x| x.get_key().eq_ignore_ascii_case(name)).map(|x| x.get_value()).unwrap_or_default()
                    };
                    h("To").to_lowercase().contains(&to.to_lowercase()) && h("Subject").contains(subject)
                })
                .collect();
            if found.len() >= count {
                return found;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "no mail '{subject}' to {to} in 20 s; received {}", self.all().len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for MailCatcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A received message: its headers, its text and its calendar attachment, if any.
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub calendar: Option<String>,
}

impl Received {
    pub fn parse(raw: &[u8]) -> Received {
        let m = mailparse::parse_mail(raw).unwrap();
        let headers = m.headers.iter().map(|h| (h.get_key(), h.get_value())).collect();
        let mut text = String::new();
        let mut calendar = None;
        for part in m.parts() {
            let ct = part.ctype.mimetype.to_lowercase();
            if ct == "text/plain" {
                text.push_str(&part.get_body().unwrap());
            } else if ct == "text/calendar" {
                calendar = Some(part.get_body().unwrap());
            }
        }
        Received { headers, text, calendar }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first link in the text that begins with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        let at = self.text.find(prefix).unwrap_or_else(|| panic!("no link {prefix} in {}", self.text));
        self.text[at..].split_whitespace().next().unwrap().to_owned()
    }
}
