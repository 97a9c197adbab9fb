//! A line of the route table: a route's method, path, the permission it needs, its place in the
//! main menu, the answers it can give and its handler. The table itself is in `routes`.

use std::sync::OnceLock;

use axum::http::Method;
use axum::routing::MethodRouter;
use groundgame_core::access::Permission;

use crate::state::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// A signed-in member whose role allows this.
    Needs(Permission),
}

/// A page or API route: the one place everything about it is decided.
pub struct Route {
    pub method: Method,
    /// As axum matches it: `/api/v1/walks/{id}/canvass`.
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    /// The label of its link in the main menu, for pages that have one (in menu order).
    pub menu: Option<&'static str>,
    /// A file upload: its CSRF token may come in the query string (its body is not read by the
    /// guard), and its body may be large.
    pub upload: bool,
    /// The answers the handler itself can give, beside 200 (the guard's are added for it).
    pub answers: &'static [u16],
    pub(crate) handler: fn() -> MethodRouter<AppState>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

impl Route {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }

    /// Every answer the route can give: its own, and those of the guard and the body readers.
    pub fn all_answers(&self) -> Vec<u16> {
        let mut out: Vec<u16> = self.answers.to_vec();
        out.push(if self.method == Method::POST && !self.is_api() { 303 } else { 200 });
        if let Access::Needs(_) = self.access {
            out.extend([401, 403]);
        }
        if self.method != Method::GET {
            out.push(403);
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

pub(crate) const fn r(
    method: Method,
    path: &'static str,
    access: Access,
    summary: &'static str,
    answers: &'static [u16],
    handler: fn() -> MethodRouter<AppState>,
) -> Route {
    Route { method, path, access, summary, menu: None, upload: false, answers, handler }
}

pub(crate) const fn page(
    path: &'static str,
    access: Access,
    menu: &'static str,
    summary: &'static str,
    handler: fn() -> MethodRouter<AppState>,
) -> Route {
    Route { method: Method::GET, path, access, summary, menu: Some(menu), upload: false, answers: &[], handler }
}

/// A route that takes a file upload.
pub(crate) const fn uploading(mut route: Route) -> Route {
    route.upload = true;
    route
}

/// Answers of a route that reads a JSON body.
pub(crate) const BODY: &[u16] = &[400, 413, 415];

/// A link of the main menu: path, label and who may follow it.
pub type MenuItem = (&'static str, &'static str, Access);

static MENU: OnceLock<Vec<MenuItem>> = OnceLock::new();

/// The main menu, in order, as the router set it from the route table.
pub fn menu() -> &'static [MenuItem] {
    MENU.get().map(Vec::as_slice).unwrap_or_default()
}

/// Sets the main menu from the route table (the router does, as it is built).
pub(crate) fn set_menu(routes: &'static [Route]) {
    MENU.get_or_init(|| routes.iter().filter_map(|r| r.menu.map(|m| (r.path, m, r.access))).collect());
}
