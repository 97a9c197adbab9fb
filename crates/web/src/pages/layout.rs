use groundgame_core::access::Permission;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::route::{self, Access};
use crate::viewer::Viewer;

fn head(title: &str, viewer: Option<&Viewer>) -> Markup {
    head_with(title, viewer, None)
}

/// How a public page previews when its link is shared (Open Graph, and Twitter's cards), and the
/// campaign feed it belongs to.
#[derive(Debug, Default, Clone, Copy)]
pub struct Preview<'a> {
    pub description: &'a str,
    /// An absolute address of a picture.
    pub image: Option<&'a str>,
    /// The Atom feed the page is in.
    pub feed: Option<&'a str>,
}

fn head_with(title: &str, viewer: Option<&Viewer>, preview: Option<Preview<'_>>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="theme-color" content="#b00020";
            @if let Some(v) = viewer {
                meta name="csrf-token" content=(v.csrf_token);
                // Whose data this phone holds, and whether it should keep their walks for when
                // there is no signal (offline.js).
                meta name="gg-user" content=(v.user.id);
                @if v.may(Permission::Canvass) { meta name="gg-canvasser" content="1"; }
                @if v.may(Permission::Tell) { meta name="gg-teller" content="1"; }
                // First of the deferred scripts: the pages' own scripts use what it defines.
                (script("/static/offline.js"))
            }
            title { (title) " · groundgame" }
            @if let Some(p) = preview {
                @let d = if p.description.is_empty() { title } else { p.description };
                meta name="description" content=(d);
                meta property="og:type" content="website";
                meta property="og:title" content=(title);
                meta property="og:description" content=(d);
                meta property="og:site_name" content="groundgame";
                @if let Some(i) = p.image { meta property="og:image" content=(i); }
                meta name="twitter:card" content=(if p.image.is_some() { "summary_large_image" } else { "summary" });
                meta name="twitter:title" content=(title);
                meta name="twitter:description" content=(d);
                @if let Some(i) = p.image { meta name="twitter:image" content=(i); }
                @if let Some(f) = p.feed { link rel="alternate" type="application/atom+xml" title="Sessions and posts" href=(f); }
            }
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

/// A public page that may be shared: it previews with its title and description.
pub fn public(title: &str, description: &str, body: Markup) -> Markup {
    public_with(title, Preview { description, ..Preview::default() }, body)
}

/// A public page with a picture to preview and the feed it is in.
pub fn public_with(title: &str, preview: Preview<'_>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            (head_with(title, None, Some(preview)))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top { a.brand href="/" { "groundgame" } }
                main #main { (body) }
            }
        }
    }
}

/// A page made to sit in a frame on another site: no header, links open outside the frame.
pub fn embedded(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            (head_with(title, None, Some(Preview::default())))
            body.embedded {
                base target="_blank";
                main #main { (body) }
            }
        }
    }
}

/// The main navigation: the menu's pages of the route table that the viewer's role may open. On
/// a phone it folds into one "Menu" line (a disclosure, no script), so that the page itself comes
/// first; on a wider screen it is a row of links.
fn nav(viewer: &Viewer) -> Markup {
    let items = html! {
        @for &(href, label, access) in route::menu() {
            @if let Access::Needs(p) = access {
                @if viewer.may(p) { li { a href=(href) { (label) } } }
            }
        }
        li {
            form.sign-out method="post" action="/logout" {
                input type="hidden" name="csrf" value=(viewer.csrf_token);
                button.link type="submit" { "Sign out" }
            }
        }
    };
    html! {
        nav.wide aria-label="Main" { ul { (items) } }
        details.menu {
            summary { "Menu" }
            nav aria-label="Main (folded)" { ul { (items) } }
        }
    }
}

/// A page for a signed-in volunteer.
pub fn page(viewer: &Viewer, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            (head(title, Some(viewer)))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { "groundgame" }
                    span.campaign { (viewer.campaign.name) " · " (viewer.campaign.election_date.format("%-d %B %Y")) }
                    span.who { (viewer.user.name) " (" (viewer.role.label()) ")" }
                }
                (nav(viewer))
                main #main { (body) }
                div #unsent-dialog hidden role="alertdialog" aria-modal="true" aria-labelledby="unsent-title" aria-describedby="unsent-text" {
                    h2 #unsent-title { "Answers not sent yet" }
                    p #unsent-text {}
                    div.actions {
                        button #unsent-send type="button" { "Send them now" }
                        button #unsent-stay type="button" { "Stay signed in" }
                        button #unsent-discard.danger type="button" { "Sign out and delete them" }
                    }
                }
            }
        }
    }
}

/// What a form's action came to, said above the page: done (`true`) or refused, with the words.
pub type Said = Option<(bool, String)>;

pub fn said(said: &Said) -> Markup {
    html! {
        @if let Some((ok, message)) = said {
            @if *ok { p.ok role="status" { (message) } } @else { p.error role="alert" { (message) } }
        }
    }
}

/// A use case's error as a page meets it: one the person in front of it can act on (shown on the
/// page, with its status), or a server error (answered as one).
pub fn to_show(e: groundgame_app::Error) -> Result<crate::error::AppError, crate::error::PageError> {
    let e = crate::error::AppError::from(e);
    if e.status.is_server_error() {
        return Err(e.into());
    }
    Ok(e)
}

/// A hidden CSRF field for a form.
pub fn csrf(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name="csrf" value=(viewer.csrf_token); }
}

/// A script from the embedded assets (never inline: the Content-Security-Policy allows none).
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

/// A count with its noun, as people say it: "1 contact", "2,015 contacts".
pub fn count(v: usize, one: &str, many: &str) -> String {
    format!("{} {}", n(v as u64), if v == 1 { one } else { many })
}

pub fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}
