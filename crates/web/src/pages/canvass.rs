//! The canvasser app: server-rendered shells that the service worker caches, filled in by
//! /static/canvass.js from the walk payload kept in IndexedDB, so they work with no signal.

use axum::extract::State;
use groundgame_app::canvassing;
use maud::{html, Markup};

use super::layout;
use crate::auth::Viewer;
use crate::error::PageResult;
use crate::input::PagePath;
use crate::state::AppState;

pub async fn my_walks(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    let walks = canvassing::my_walks(&state.app, &viewer).await?;
    let rounds = groundgame_app::polling_day::rounds_today(&state.app, viewer.actor()).await?;
    let sessions = groundgame_app::volunteers::my_sessions(&state.app, &viewer).await?;
    Ok(layout::page(
        &viewer,
        "My walks",
        html! {
            h1 { "My walks" }
            p #sync-status.status role="status" aria-live="polite" {}
            @if walks.is_empty() {
                p { "No walks are assigned to you yet. Your organiser assigns them; come back here when they have." }
            } @else {
                p.hint { "Open each walk once while you have signal: it is then kept on this phone for when you have none." }
                ul.walks {
                    @for w in &walks {
                        li {
                            a.walk-link href={ "/canvass/walks/" (w.id) } data-walk=(w.id) { (w.name) } " · " (w.doors) " doors, about " (w.minutes) " minutes" span.saved data-saved=(w.id) {}
                            br;
                            @if let Some((name, time, place)) = sessions.get(&w.id) {
                                span.session { (name) ", " (time) ". Meet at " (place) "." } br;
                            }
                            @match rounds.get(&w.id) {
                                Some(r) => a href={ "/canvass/walks/" (w.id) "/knock-up" } {
                                    "Knock-up list: round " (r.number) " from " (groundgame_core::time::uk_clock(&r.started_at))
                                },
                                None => a href={ "/canvass/walks/" (w.id) "/knock-up" } { "Knock-up list (polling day, once the committee room starts a round)" },
                            }
                        }
                    }
                }
            }
            (layout::script("/static/canvass.js"))
        },
    ))
}

/// The knock-up list of a walk on polling day: filled in by /static/knock.js from the list kept
/// on the phone, so it works with no signal.
pub async fn knock_up(viewer: Viewer, PagePath(id): PagePath<i64>) -> Markup {
    layout::page(
        &viewer,
        "Knock-up",
        html! {
            div #knock data-walk=(id) {
                h1 #knock-name { "Knock-up: walk " (id) }
                p #sync-status.status role="status" aria-live="polite" { "Loading the list…" }
                p #knock-said.visually-hidden role="status" aria-live="polite" {}
                p #knock-round.status aria-live="polite" {}
                p.hint { "Promises who have not voted yet, in walk order. Who has voted, and doors not to knock again today, drop off; the list is fetched again whenever there is signal. "
                    "Each new round the committee room starts clears \"not in\" and \"will vote\": knock those doors again." }
                button #knock-first type="button" aria-pressed="false" { "Voted last time first" }
                ol #knock-doors.doors {}
            }
            noscript { p.error { "The knock-up list needs JavaScript. Ask the committee room for a printed knock-up sheet." } }
            (layout::script("/static/knock.js"))
        },
    )
}

/// The shell of a walk: everything comes from the cached payload.
pub async fn walk(viewer: Viewer, PagePath(id): PagePath<i64>) -> Markup {
    layout::page(
        &viewer,
        "Canvass",
        html! {
            div #app data-walk=(id) data-user=(viewer.user.id) {
                h1 #walk-name { "Walk " (id) }
                p #sync-status.status role="status" aria-live="polite" { "Loading the walk…" }
                div #walk-map {}
                ol #doors.doors {}
            }
            noscript { p.error { "The canvassing app needs JavaScript. Ask your organiser for a printed walk sheet instead." } }
            (layout::script("/static/canvass.js"))
        },
    )
}
