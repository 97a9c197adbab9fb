//! What every handler can reach, and how the server itself behaves.

use std::time::Duration;

use groundgame_app::App;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub web: WebSettings,
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
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            secure_cookies: false,
            request_timeout: Duration::from_secs(300),
            upload_limit: 512 * 1024 * 1024,
            body_limit: 2 * 1024 * 1024,
        }
    }
}

impl AppState {
    pub fn new(app: App, web: WebSettings) -> Self {
        let (stop, stopping) = tokio::sync::watch::channel(false);
        AppState { app, web, stopping, stop: std::sync::Arc::new(stop) }
    }

    /// Says the server is shutting down.
    pub fn stop_streams(&self) {
        self.stop.send_replace(true);
    }
}
