use groundgame_core::access::Permission;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::auth::Viewer;

fn head(title: &str, csrf: Option<&str>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="theme-color" content="#b00020";
            @if let Some(t) = csrf { meta name="csrf-token" content=(t); }
            title { (title) " · groundgame" }
            link rel="stylesheet" href="/static/style.css";
            link rel="manifest" href="/manifest.webmanifest";
            link rel="icon" href="/static/icon.svg" type="image/svg+xml";
        }
    }
}

/// A page for someone not signed in.
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            (head(title, None))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top { a.brand href="/" { "groundgame" } }
                main #main { (body) }
            }
        }
    }
}

/// The main navigation: only what the viewer's role may open.
fn nav(viewer: &Viewer) -> Markup {
    let links: [(&str, &str, Permission); 10] = [
        ("/campaign", "Overview", Permission::ViewProgress),
        ("/register", "Register", Permission::ViewRegister),
        ("/walks", "Walks", Permission::PlanWalks),
        ("/sessions", "Sessions", Permission::AssignWalks),
        ("/volunteers", "Volunteers", Permission::ManageVolunteers),
        ("/survey", "Survey", Permission::EditSurvey),
        ("/audit", "Audit", Permission::ViewAudit),
        ("/canvass", "My walks", Permission::Canvass),
        ("/targets", "Targets", Permission::Member),
        ("/account", "Account", Permission::Member),
    ];
    html! {
        nav aria-label="Main" {
            ul {
                @for (href, label, p) in links {
                    @if viewer.may(p) { li { a href=(href) { (label) } } }
                }
                li {
                    form method="post" action="/logout" {
                        input type="hidden" name="csrf" value=(viewer.csrf_token);
                        button.link type="submit" { "Sign out" }
                    }
                }
            }
        }
    }
}

/// A page for a signed-in volunteer.
pub fn page(viewer: &Viewer, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            (head(title, Some(&viewer.csrf_token)))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { "groundgame" }
                    span.campaign { (viewer.campaign.name) " · " (viewer.campaign.election_date.format("%-d %B %Y")) }
                    span.who { (viewer.user.name) " (" (viewer.role.label()) ")" }
                }
                (nav(viewer))
                main #main { (body) }
            }
        }
    }
}

/// A hidden CSRF field for a form.
pub fn csrf(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name="csrf" value=(viewer.csrf_token); }
}

/// An inline script from the embedded assets, for pages that need one.
pub fn script(src: &str) -> Markup {
    html! { script src=(src) defer {} }
}

/// Raw, already-safe markup (SVG maps built by the walk planner's exporter, which escapes).
pub fn raw(s: String) -> PreEscaped<String> {
    PreEscaped(s)
}

/// A number with thousands separators.
pub fn n(v: impl Into<u64>) -> String {
    let s = v.into().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}
