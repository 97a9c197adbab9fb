//! groundgame's server: server-rendered pages, a JSON API under /api/v1, and the offline-first
//! canvasser app, all in one binary.
//!
//! Every route is declared once in [`routes::ROUTES`], with its handler and the permission it
//! needs: the router, the guard in front of each handler, the main menu and the OpenAPI document
//! are all built from that table. Handlers only parse the request and present the answer: what
//! they do is a use case of `groundgame-app`.

use std::net::SocketAddr;

/// The JSON API under /api/v1.
mod api;
/// Embedded static assets: the canvasser app, its service worker, styles.
mod assets;
/// The guard every route goes through (session, role, CSRF, same-site) and the cookies.
pub mod auth;
/// Phone banking's API.
mod calls;
/// Errors as pages or JSON: the one place a use case's outcome becomes a status.
mod error;
/// Extractors that turn a bad request into an error in the caller's words.
mod input;
/// The server's metrics for Prometheus: requests by route, the database, mail waiting.
mod metrics;
/// The OpenAPI document, built from the route table.
mod openapi;
/// Server-rendered pages.
mod pages;
/// A route: its method, path, permission, menu label and answers (the table's line type).
mod route;
/// The route table: every path, its method, its handler and the permission it needs.
pub mod routes;
/// Headers every answer carries: Content-Security-Policy and the rest.
mod security;
/// What every handler can reach, and how the server itself behaves.
mod state;
mod texts;
/// The signed-in volunteer of a request.
mod viewer;

pub use route::{Access, Route};
pub use routes::ROUTES;
pub use state::{AppState, WebSettings};

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
    let streams = state.clone();
    let background = groundgame_app::background::start(&state.app, state.stopping.clone());
    let metrics = match state.web.metrics_bind {
        Some(address) => {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen for metrics on {address}: {e} (choose another server.metrics_bind)"))?;
            tracing::info!(%address, "serving metrics");
            let router = metrics::router(state.clone());
            let mut stopping = state.stopping.clone();
            Some(tokio::spawn(async move {
                let stopped = async move {
                    let _ = stopping.wait_for(|s| *s).await;
                };
                axum::serve(listener, router).with_graceful_shutdown(stopped).await
            }))
        }
        None => None,
    };
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = shutdown => {}
                _ = termination() => {}
            }
            tracing::info!("shutting down: finishing requests in flight");
            streams.stop_streams();
        })
        .await?;
    for task in background {
        let _ = task.await;
    }
    if let Some(task) = metrics {
        task.await??;
    }
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
