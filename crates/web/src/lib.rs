//! groundgame's server: server-rendered pages, a JSON API under /api/v1, and the offline-first
//! canvasser app, all in one binary.
//!
//! Every route is declared once in [`routes::ROUTES`] with the permission it needs; the guard in
//! [`auth`] checks it before any handler runs, and the OpenAPI document is built from the same
//! table.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use groundgame_store::Store;

/// The JSON API under /api/v1.
mod api;
/// Embedded static assets: the canvasser app, its service worker, styles.
mod assets;
/// Sign-in, sessions, CSRF and the guard every route goes through.
pub mod auth;
/// Errors as pages or JSON.
mod error;
/// The OpenAPI 3 document, built from the route table.
mod openapi;
/// Server-rendered pages.
mod pages;
/// The route table: every path, its method and the permission it needs.
pub mod routes;

pub use routes::{Access, RouteSpec, ROUTES};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub limiter: Arc<auth::LoginLimiter>,
    /// Mark cookies Secure: set when served behind TLS.
    pub secure_cookies: bool,
    /// Every campaign's progress as the nearest-marginal ranking uses it, worked out at most once a
    /// minute: the public page must not cost a register scan per visitor.
    pub campaign_progress: Arc<tokio::sync::Mutex<Option<(std::time::Instant, CampaignProgressMap)>>>,
}

/// Campaign progress by the seat's GSS code.
pub type CampaignProgressMap = std::collections::HashMap<String, groundgame_targeting::nearest::CampaignProgress>;

/// How long the campaigns' progress is reused for the nearest-marginal ranking.
pub const PROGRESS_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(60);

impl AppState {
    pub fn new(store: Store, secure_cookies: bool) -> Self {
        AppState { store, limiter: Arc::new(auth::LoginLimiter::default()), secure_cookies, campaign_progress: Arc::default() }
    }

    /// Every campaign's progress, at most [`PROGRESS_FRESH_FOR`] old.
    pub async fn campaign_progress(&self) -> Result<CampaignProgressMap, groundgame_store::Error> {
        let mut cached = self.campaign_progress.lock().await;
        if let Some((at, map)) = cached.as_ref().filter(|(at, _)| at.elapsed() < PROGRESS_FRESH_FOR) {
            tracing::trace!(age = ?at.elapsed(), "campaign progress from the cache");
            return Ok(map.clone());
        }
        let mut tx = self.store.begin().await?;
        let map = groundgame_store::targeting::campaign_progress(&mut tx).await?;
        tx.commit().await?;
        *cached = Some((std::time::Instant::now(), map.clone()));
        Ok(map)
    }
}

/// The whole application as a router.
pub fn app(state: AppState) -> axum::Router {
    routes::router(state)
}

/// Serves until the future `shutdown` completes (or SIGTERM/Ctrl-C), then finishes the requests in
/// flight.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = shutdown => {}
                _ = termination() => {}
            }
            tracing::info!("shutting down: finishing requests in flight");
        })
        .await?;
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn termination() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// How long a request may take before the server gives up on it (register uploads included).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
