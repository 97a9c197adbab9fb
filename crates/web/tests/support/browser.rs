//! Headless Chromium driven through chromedriver (Debian's chromium and chromium-driver), and a
//! server on a real loopback port that can be stopped and started again on the same port (the
//! phone losing and finding its connection).

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use groundgame_app::App;
use groundgame_web::{AppState, WebSettings};
use serde_json::{json, Value};

/// chromedriver on a free port, killed on drop.
pub struct Driver {
    child: Child,
    pub url: String,
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Driver {
    /// Starts chromedriver, or says why not: in CI (`CI=true`) a missing browser is a failure.
    pub async fn start() -> Option<Driver> {
        let path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        if !std::path::Path::new(&path).exists() {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true but chromedriver is not at {path}: .ci/run installs Debian's chromium and chromium-driver");
            }
            eprintln!("SKIPPED: browser test (install Debian's chromium and chromium-driver, or run .ci/run)");
            return None;
        }
        let port = free_port();
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some(Driver { child, url, profile: tempfile::tempdir().unwrap() })
    }

    /// A new headless browser with a fresh profile, sized like a small phone.
    pub async fn browser(&self, name: &str) -> Client {
        let profile = self.profile.path().join(name);
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--window-size=412,915", format!("--user-data-dir={}", profile.display())
                ]
            }),
        );
        // chromedriver is on loopback over plain HTTP: no TLS stack is needed.
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a browser session")
    }
}

/// A Chrome DevTools Protocol command through chromedriver.
#[derive(Debug)]
pub struct Cdp(pub &'static str, pub Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.0, "params": self.1 }).to_string()))
    }
}

/// The server on a fixed loopback port, which can go away and come back.
pub struct Server {
    pub addr: SocketAddr,
    app: App,
    stop: Option<(tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
}

impl Server {
    pub async fn start(app: App) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Server::start_on(listener, app)
    }

    /// On a listener already bound (the app's public address must be known before it starts).
    pub fn start_on(listener: tokio::net::TcpListener, app: App) -> Server {
        let addr = listener.local_addr().unwrap();
        let mut s = Server { addr, app, stop: None };
        s.serve(listener);
        s
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = AppState::new(self.app.clone(), WebSettings::default());
        let task = tokio::spawn(async move {
            groundgame_web::serve(state, listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        self.stop = Some((tx, task));
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The network goes: nothing answers on the port.
    pub async fn stop(&mut self) {
        if let Some((tx, task)) = self.stop.take() {
            let _ = tx.send(());
            tokio::time::timeout(Duration::from_secs(10), task).await.expect("the server stops").unwrap();
        }
    }

    /// The network comes back: the same server on the same port.
    pub async fn restart(&mut self) {
        let started = Instant::now();
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if started.elapsed() < Duration::from_secs(10) => {
                    eprintln!("rebinding {}: {e}", self.addr);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("cannot rebind {}: {e}", self.addr),
            }
        };
        self.serve(listener);
    }
}

/// Waits until `script` (a JavaScript expression) is truthy in the page.
pub async fn wait_until(browser: &Client, script: &str, what: &str, limit: Duration) {
    let started = Instant::now();
    loop {
        let v = browser.execute(&format!("return !!({script});"), vec![]).await.unwrap_or(Value::Bool(false));
        if v == Value::Bool(true) {
            return;
        }
        if started.elapsed() > limit {
            let text = browser.find(Locator::Css("body")).await.ok();
            let body = match text {
                Some(b) => b.text().await.unwrap_or_default(),
                None => String::new(),
            };
            panic!("timed out waiting for {what}; the page says:\n{}", body.chars().take(2000).collect::<String>());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn sign_in(browser: &Client, server: &Server, email: &str, password: &str) {
    browser.goto(&server.url("/login")).await.unwrap();
    browser.find(Locator::Id("email")).await.unwrap().send_keys(email).await.unwrap();
    browser.find(Locator::Id("password")).await.unwrap().send_keys(password).await.unwrap();
    browser.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until(browser, "!location.pathname.startsWith('/login')", "sign-in", Duration::from_secs(10)).await;
}

/// Clicks the visible element of the main menu that `locator` finds, unfolding the menu first
/// on a phone-sized window (where the row of links is hidden and the folded menu shows).
pub async fn in_menu(browser: &Client, locator: Locator<'_>) {
    browser
        .execute(
            "var d = document.querySelector('details.menu'); if (d && getComputedStyle(d).display !== 'none') { d.open = true; }",
            vec![],
        )
        .await
        .unwrap();
    for e in browser.find_all(locator).await.unwrap() {
        if e.is_displayed().await.unwrap_or(false) {
            e.click().await.unwrap();
            return;
        }
    }
    panic!("nothing visible in the menu for {locator:?}");
}
