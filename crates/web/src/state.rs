//! What every handler can reach, and how the server itself behaves.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use groundgame_app::App;
use ipnet::IpNet;

use crate::metrics::Metrics;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub web: WebSettings,
    /// This process's requests and what the scrapes read.
    pub metrics: Arc<Metrics>,
    /// Turns true when the server begins to shut down: streams that never end by themselves
    /// (the committee room's events) end then, so that shutting down does not wait for them.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    stop: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
}

/// How the server itself behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct WebSettings {
    /// Mark cookies Secure and send Strict-Transport-Security: set when served behind TLS.
    pub secure_cookies: bool,
    /// How long a request may take before the server gives up on it (register uploads included).
    pub request_timeout: Duration,
    /// The largest register upload.
    pub upload_limit: usize,
    /// The largest form or JSON body.
    pub body_limit: usize,
    /// The reverse proxies in front of the server, whose X-Forwarded-For is believed: the
    /// address of a request they pass on is the nearest one they did not add.
    pub trusted_proxies: Vec<IpNet>,
    /// A second address serving `/metrics` alone, with no session (for a scraper on a private
    /// network); without one, `/metrics` is on the main address for organisers.
    pub metrics_bind: Option<SocketAddr>,
}

impl WebSettings {
    /// Whether a request from this address comes through one of the trusted proxies.
    pub fn is_trusted_proxy(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.trusted_proxies.iter().any(|net| net.contains(&address))
    }
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            secure_cookies: false,
            request_timeout: Duration::from_secs(300),
            upload_limit: 512 * 1024 * 1024,
            body_limit: 2 * 1024 * 1024,
            trusted_proxies: Vec::new(),
            metrics_bind: None,
        }
    }
}

impl AppState {
    pub fn new(app: App, web: WebSettings) -> Self {
        let (stop, stopping) = tokio::sync::watch::channel(false);
        AppState { app, web, metrics: Arc::default(), stopping, stop: Arc::new(stop) }
    }

    /// Says the server is shutting down.
    pub fn stop_streams(&self) {
        self.stop.send_replace(true);
    }
}
