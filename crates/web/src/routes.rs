use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post, put};
use axum::Router;
use groundgame_core::access::Permission;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

use crate::{api, assets, auth, pages, AppState, REQUEST_TIMEOUT};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A signed-in member whose role allows this.
    Needs(Permission),
}

/// A page or API route: the one place its access is decided.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    /// As axum matches it: `/api/v1/walks/{id}/canvass`.
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
}

impl RouteSpec {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }
}

const fn r(method: &'static str, path: &'static str, access: Access, summary: &'static str) -> RouteSpec {
    RouteSpec { method, path, access, summary }
}

use Access::{Needs, Public};
use Permission::*;

/// Every route the server answers. A route missing here is refused by the guard.
pub const ROUTES: &[RouteSpec] = &[
    // The JSON API.
    r("GET", "/api/v1/health", Public, "Whether the server and its database are up"),
    r("GET", "/api/v1/openapi.json", Public, "This document"),
    r("POST", "/api/v1/login", Public, "Sign in; sets the session cookie"),
    r("POST", "/api/v1/logout", Needs(Member), "Sign out"),
    r("GET", "/api/v1/me", Needs(Member), "The signed-in volunteer, their role and CSRF token"),
    r("GET", "/api/v1/survey", Needs(Member), "The campaign's survey"),
    r("PUT", "/api/v1/survey", Needs(EditSurvey), "Replace the campaign's survey"),
    r("GET", "/api/v1/my/walks", Needs(Canvass), "The walks assigned to the signed-in volunteer"),
    r("GET", "/api/v1/walks", Needs(PlanWalks), "Every walk with its progress and assignment"),
    r("GET", "/api/v1/walks/{id}/canvass", Needs(Canvass), "A walk's doors and electors for the doorstep (audited)"),
    r("PUT", "/api/v1/walks/{id}/assignment", Needs(AssignWalks), "Assign a walk to a volunteer and a session"),
    r("POST", "/api/v1/sync", Needs(Canvass), "Send contacts recorded on a phone; idempotent by contact id"),
    r("GET", "/api/v1/progress", Needs(ViewProgress), "Live progress of the campaign"),
    r("GET", "/api/v1/register/stats", Needs(ViewRegister), "Register statistics"),
    r("GET", "/api/v1/register/export", Needs(ExportRegister), "The register as CSV (audited)"),
    r("GET", "/api/v1/volunteers", Needs(ManageVolunteers), "Everyone in the campaign"),
    r("POST", "/api/v1/invites", Needs(ManageVolunteers), "Invite a volunteer; returns a one-time link"),
    r("GET", "/api/v1/sessions", Needs(AssignWalks), "Canvassing sessions"),
    r("GET", "/api/v1/audit", Needs(ViewAudit), "The audit log"),
    r("GET", "/api/v1/targets", Needs(Member), "Target or defence list: ?party=Lab&election=2015&region=&limit=&list=targets|defence"),
    r("GET", "/api/v1/nearest", Public, "Marginal seats near ?postcode= (or ?lat=&lon=), &party=, &election=, &within= km"),
    // Pages.
    r("GET", "/", Public, "Home: the signed-in volunteer's start page, or sign-in"),
    r("GET", "/login", Public, "Sign-in page"),
    r("POST", "/login", Public, "Sign in"),
    r("POST", "/logout", Needs(Member), "Sign out"),
    r("GET", "/invite/{token}", Public, "Accept an invite: choose a password"),
    r("POST", "/invite/{token}", Public, "Accept an invite"),
    r("POST", "/switch", Needs(Member), "Switch to another of one's campaigns"),
    r("GET", "/account", Needs(Member), "One's own account"),
    r("GET", "/campaigns/new", Needs(CreateCampaign), "Create a campaign"),
    r("POST", "/campaigns/new", Needs(CreateCampaign), "Create a campaign"),
    r("GET", "/campaign", Needs(ViewProgress), "Campaign overview and live progress"),
    r("GET", "/register", Needs(ViewRegister), "The register"),
    r("POST", "/register/import", Needs(ImportRegister), "Upload a register export"),
    r("GET", "/walks", Needs(PlanWalks), "Walks by polling district, with the planner"),
    r("POST", "/walks/plan", Needs(PlanWalks), "Plan a polling district's walks"),
    r("GET", "/walks/{id}", Needs(PlanWalks), "One walk: map, doors, contacts"),
    r("POST", "/walks/{id}/assign", Needs(AssignWalks), "Assign a walk"),
    r("GET", "/walks/{id}/sheet", Needs(EnterPaperResults), "Printable walk sheet"),
    r("GET", "/walks/{id}/entry", Needs(EnterPaperResults), "Key in a paper walk sheet"),
    r("POST", "/walks/{id}/entry", Needs(EnterPaperResults), "Key in a paper walk sheet"),
    r("GET", "/volunteers", Needs(ManageVolunteers), "Volunteers and invites"),
    r("POST", "/volunteers/invite", Needs(ManageVolunteers), "Invite a volunteer"),
    r("GET", "/sessions", Needs(AssignWalks), "Canvassing sessions"),
    r("POST", "/sessions", Needs(AssignWalks), "Add a canvassing session"),
    r("GET", "/survey", Needs(EditSurvey), "Edit the survey"),
    r("POST", "/survey", Needs(EditSurvey), "Save the survey"),
    r("GET", "/audit", Needs(ViewAudit), "The audit log"),
    r("GET", "/targets", Needs(Member), "Target and defence lists with a hexagon map of every seat"),
    r("GET", "/marginals", Public, "Find a marginal seat near you (public)"),
    r("GET", "/canvass", Needs(Canvass), "My walks (the canvasser app)"),
    r("GET", "/canvass/walks/{id}", Needs(Canvass), "Canvass a walk, online or off"),
    r("GET", "/sw.js", Public, "The service worker of the canvasser app"),
    r("GET", "/manifest.webmanifest", Public, "Web app manifest"),
    r("GET", "/static/{file}", Public, "Styles, scripts and icons"),
];

/// The route spec for a method and matched path.
pub fn find(method: &str, path: &str) -> Option<&'static RouteSpec> {
    ROUTES.iter().find(|r| r.method == method && r.path == path)
}

/// The application: every route of [`ROUTES`], each behind the guard.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/health", get(api::health))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/login", post(api::login))
        .route("/api/v1/logout", post(api::logout))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/survey", get(api::survey).put(api::put_survey))
        .route("/api/v1/my/walks", get(api::my_walks))
        .route("/api/v1/walks", get(api::walks))
        .route("/api/v1/walks/{id}/canvass", get(api::walk_payload))
        .route("/api/v1/walks/{id}/assignment", put(api::assign))
        .route("/api/v1/sync", post(api::sync))
        .route("/api/v1/progress", get(api::progress))
        .route("/api/v1/register/stats", get(api::register_stats))
        .route("/api/v1/register/export", get(api::register_export))
        .route("/api/v1/volunteers", get(api::volunteers))
        .route("/api/v1/invites", post(api::invite))
        .route("/api/v1/sessions", get(api::sessions))
        .route("/api/v1/audit", get(api::audit))
        .route("/api/v1/targets", get(api::targets))
        .route("/api/v1/nearest", get(api::nearest))
        .route("/", get(pages::home))
        .route("/login", get(pages::login::page).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/invite/{token}", get(pages::login::invite_page).post(pages::login::accept_invite))
        .route("/switch", post(pages::login::switch))
        .route("/account", get(pages::account))
        .route("/campaigns/new", get(pages::campaign::new_page).post(pages::campaign::create))
        .route("/campaign", get(pages::campaign::overview))
        .route("/register", get(pages::register::page))
        .route("/register/import", post(pages::register::import).layer(DefaultBodyLimit::max(512 * 1024 * 1024)))
        .route("/walks", get(pages::walks::list))
        .route("/walks/plan", post(pages::walks::plan))
        .route("/walks/{id}", get(pages::walks::show))
        .route("/walks/{id}/assign", post(pages::walks::assign))
        .route("/walks/{id}/sheet", get(pages::walks::sheet))
        .route("/walks/{id}/entry", get(pages::walks::entry_page).post(pages::walks::entry))
        .route("/volunteers", get(pages::volunteers::page))
        .route("/volunteers/invite", post(pages::volunteers::invite))
        .route("/sessions", get(pages::volunteers::sessions).post(pages::volunteers::add_session))
        .route("/survey", get(pages::campaign::survey_page).post(pages::campaign::save_survey))
        .route("/audit", get(pages::campaign::audit))
        .route("/targets", get(pages::targets::page))
        .route("/marginals", get(pages::targets::marginals))
        .route("/canvass", get(pages::canvass::my_walks))
        .route("/canvass/walks/{id}", get(pages::canvass::walk))
        .route("/sw.js", get(assets::service_worker))
        .route("/manifest.webmanifest", get(assets::manifest))
        .route("/static/{file}", get(assets::file))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::guard))
        .fallback(pages::not_found)
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .with_state(state)
}
