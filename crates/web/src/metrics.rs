//! The server's metrics, in the OpenMetrics text format Prometheus scrapes: requests by route,
//! method and status, how long they took, those in flight, and, read at each scrape, whether the
//! database answers, its schema version, the connections held and the mail waiting.
//!
//! The labels are the route table's paths (`/api/v1/walks/{id}/canvass`), never a request's own
//! path, so that no id, token or name reaches the metrics and their number stays that of the table.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, State};
use axum::http::{header, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::state::AppState;

/// The content type of the OpenMetrics text format.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Seconds: from a cached page (a few milliseconds) to a register upload (minutes).
const BUCKETS: [f64; 12] = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

fn request_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

type Seconds = Gauge<f64, AtomicU64>;

/// Every metric of one server process.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    database_up: Gauge,
    schema_version: Gauge,
    expected_schema_version: Gauge,
    connections: Gauge,
    idle_connections: Gauge,
    mail_waiting: Gauge,
    oldest_mail_waiting: Seconds,
}

impl Default for Metrics {
    fn default() -> Self {
        let m = Metrics {
            registry: Registry::with_prefix("groundgame"),
            requests: Family::default(),
            durations: Family::new_with_constructor(request_histogram as fn() -> Histogram),
            in_flight: Gauge::default(),
            database_up: Gauge::default(),
            schema_version: Gauge::default(),
            expected_schema_version: Gauge::default(),
            connections: Gauge::default(),
            idle_connections: Gauge::default(),
            mail_waiting: Gauge::default(),
            oldest_mail_waiting: Seconds::default(),
        };
        let mut registry = m.registry;
        registry.register("http_requests", "Requests answered, by route, method and status", m.requests.clone());
        registry.register("http_request_duration_seconds", "How long requests took to answer, by route and method", m.durations.clone());
        registry.register("http_requests_in_flight", "Requests being answered now", m.in_flight.clone());
        registry.register("database_up", "1 when the database answered this scrape, 0 when it did not", m.database_up.clone());
        registry.register("schema_version", "The newest migration the database has", m.schema_version.clone());
        registry.register("expected_schema_version", "The newest migration this build knows", m.expected_schema_version.clone());
        registry.register("database_connections", "Database connections this process holds open", m.connections.clone());
        registry.register("database_idle_connections", "Of those, the idle ones", m.idle_connections.clone());
        registry.register("mail_waiting", "Mails in the outbox not yet sent (every server's)", m.mail_waiting.clone());
        registry.register("oldest_mail_waiting_seconds", "How long the oldest unsent mail has waited", m.oldest_mail_waiting.clone());
        Metrics { registry, ..m }
    }
}

/// The method as a label: the methods the routes take, and one word for any other, so that a
/// caller inventing methods cannot invent labels.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts and times every request (the router's layer, after routing, so the route is known).
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request<Body>, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let method = method_label(request.method());
    let started = Instant::now();
    metrics.in_flight.inc();
    let response = next.run(request).await;
    metrics.in_flight.dec();
    let status = response.status().as_u16();
    metrics.durations.get_or_create(&RouteLabels { method, route: route.clone() }).observe(started.elapsed().as_secs_f64());
    metrics.requests.get_or_create(&RequestLabels { method, route, status }).inc();
    response
}

/// The metrics now: the database's and the outbox's are read as the scrape asks.
pub async fn scrape(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    match groundgame_app::health::database(&state.app).await {
        Ok(db) => {
            m.database_up.set(1);
            m.schema_version.set(db.schema_version);
            m.expected_schema_version.set(db.expected_schema_version);
            m.connections.set(db.connections.into());
            m.idle_connections.set(db.idle_connections.into());
            if let Ok(mail) = groundgame_app::health::mail_waiting(&state.app).await {
                m.mail_waiting.set(mail.count);
                m.oldest_mail_waiting.set(mail.oldest.map(|d| d.as_secs_f64()).unwrap_or(0.0));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: the database did not answer");
            m.database_up.set(0);
        }
    }
    let mut text = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &m.registry) {
        tracing::error!(error = %e, "metrics: could not write them");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE), (header::CACHE_CONTROL, "no-store")], text).into_response()
}

/// The router of a separate metrics address: `/metrics` alone, with no session, for a scraper
/// on a private network.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(scrape)).with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invented_method_is_one_label() {
        let odd = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&odd), "other");
        assert_eq!(method_label(&Method::PUT), "PUT");
    }
}
