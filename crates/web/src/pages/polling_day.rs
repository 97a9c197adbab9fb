//! Polling day pages: setting up the stations and committee rooms, the live committee room, the
//! printable knock-up and Good Morning sheets, and the teller's phone page.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::polling_day::{self, KnockUp, PlaceInput};
use groundgame_store::polling_day::{KnockUpElector, Place, PlaceKind};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout;
use crate::auth::Viewer;
use crate::error::{PageError, PageResult};
use crate::input::{FormBody, PagePath, PageQuery};
use crate::state::AppState;

fn places_table(viewer: &Viewer, kind: PlaceKind, places: &[Place]) -> Markup {
    let (what, path) = match kind {
        PlaceKind::PollingStation => ("polling station", "stations"),
        PlaceKind::CommitteeRoom => ("committee room", "rooms"),
    };
    html! {
        @if places.is_empty() {
            p { "No " (what) "s yet." }
        } @else {
            div.scroll { table {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Address" } th scope="col" { "Polling districts" } th scope="col" { "Change" } } }
                tbody { @for p in places { tr {
                    td { (p.name) } td { (p.address) } td { (p.polling_districts.join(", ")) }
                    td {
                        form.inline method="post" action={ "/polling-day/" (path) "/" (p.id) "/delete" } {
                            (layout::csrf(viewer))
                            button.link.danger type="submit" aria-label={ "Delete " (what) " " (p.name) } { "Delete" }
                        }
                    }
                } } }
            } }
        }
    }
}

fn place_form(viewer: &Viewer, kind: PlaceKind) -> Markup {
    let (what, path, example) = match kind {
        PlaceKind::PollingStation => ("polling station", "stations", "St Edmund's Church Hall"),
        PlaceKind::CommitteeRoom => ("committee room", "rooms", "12 Duffield Road (the Smiths' front room)"),
    };
    html! {
        form method="post" action={ "/polling-day/" (path) } {
            (layout::csrf(viewer))
            label for={ (path) "-name" } { "Name" }
            input id={ (path) "-name" } name="name" required placeholder=(example);
            label for={ (path) "-address" } { "Address" }
            input id={ (path) "-address" } name="address";
            label for={ (path) "-districts" } { "Polling districts" }
            input id={ (path) "-districts" } name="polling_districts" required placeholder="NA1, NA2" aria-describedby={ (path) "-districts-hint" };
            p.hint id={ (path) "-districts-hint" } { "Separated by commas. Saving a name again replaces its address and districts; a district moves from any other " (what) "." }
            button type="submit" { "Save " (what) }
        }
    }
}

async fn setup_page(state: &AppState, viewer: &Viewer, error: Option<String>) -> PageResult<Markup> {
    let stations = polling_day::places(&state.app, viewer.actor(), PlaceKind::PollingStation).await?;
    let rooms = polling_day::places(&state.app, viewer.actor(), PlaceKind::CommitteeRoom).await?;
    let promises = polling_day::promises(&state.app, viewer.actor()).await?;
    let choices = polling_day::teller_choices(&state.app, viewer.actor()).await?;
    let mut districts: Vec<&String> = stations.iter().flat_map(|s| &s.polling_districts).chain(&choices.other_districts).collect();
    districts.sort();
    districts.dedup();
    Ok(layout::page(
        viewer,
        "Polling day",
        html! {
            h1 { "Polling day" }
            @if let Some(e) = &error { p.error role="alert" { (e) } }
            p { a href="/committee-room" { "Open the committee room" } " · tellers take numbers on " a href="/tell" { "the teller page" } "." }
            h2 { "Promises" }
            dl.tiles {
                div { dt { "Promises" } dd { (layout::n(promises.counts.promises)) } }
                @if let Some(needed) = promises.promises_needed {
                    div { dt { "Promises needed" } dd { (layout::n(needed)) } }
                }
                div { dt { "Of them postal voters" } dd { (layout::n(promises.counts.postal)) } }
                div { dt { "Voted so far" } dd { (layout::n(promises.counts.voted)) } }
            }
            p.hint {
                "A promise is an elector whose latest answer is " (viewer.campaign.party) " with certainty "
                (promises.counts.min_certainty) " or more. "
                @if let (Some(votes), Some(needed)) = (promises.votes_needed, promises.promises_needed) {
                    "The seat needs " (layout::n(votes)) " more votes than last time's winner; with "
                    (layout::percent(promises.expected_turnout)) " of promises voting, that is " (layout::n(needed)) " promises."
                }
            }
            h2 { "What counts as a promise" }
            form.inline method="post" action="/polling-day/promises" {
                (layout::csrf(viewer))
                label for="min_certainty" { "Least certainty (1 to 5)" }
                select #min_certainty name="min_certainty" {
                    @for c in 1..=5u8 { option value=(c) selected[c == promises.counts.min_certainty] { (c) } }
                }
                label for="turnout" { "Promises expected to vote (%)" }
                input #turnout name="turnout" type="number" min="1" max="100" inputmode="numeric"
                    value=[promises.counts.measured_turnout.map(|t| (t * 100.0).round() as u32)] placeholder="67";
                button type="submit" { "Save" }
            }
            p.hint { "Leave the share empty for two thirds. Importing the marked register after an election ("
                code { "groundgame polling-day marked-register" } ") measures it." }
            h2 { "Knock-up sheets" }
            p { "For paper teams: a polling district's promises who have not voted yet, in walk order. Print them again between rounds: who has voted drops off." }
            @if districts.is_empty() { p { "Import a register first." } } @else {
                ul.walks { @for d in &districts {
                    li {
                        a href={ "/polling-day/knock-up/" (d) } { "Knock-up sheet " (d) }
                        " · " a href={ "/polling-day/knock-up/" (d) "?good_morning=1" } { "Good Morning list " (d) }
                    }
                } }
            }
            h2 { "Polling stations" }
            (places_table(viewer, PlaceKind::PollingStation, &stations))
            (place_form(viewer, PlaceKind::PollingStation))
            h2 { "Committee rooms" }
            (places_table(viewer, PlaceKind::CommitteeRoom, &rooms))
            (place_form(viewer, PlaceKind::CommitteeRoom))
        },
    ))
}

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    setup_page(&state, &viewer, None).await
}

#[derive(Deserialize)]
pub struct PlaceForm {
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    polling_districts: String,
}

async fn save(state: AppState, viewer: Viewer, kind: PlaceKind, f: PlaceForm) -> PageResult<Response> {
    let input = PlaceInput { name: f.name, address: f.address, polling_districts: f.polling_districts };
    match polling_day::save_place(&state.app, viewer.actor(), kind, input).await {
        Ok(_) => Ok(Redirect::to("/polling-day").into_response()),
        Err(groundgame_app::Error::Invalid(m)) => {
            Ok((axum::http::StatusCode::BAD_REQUEST, setup_page(&state, &viewer, Some(m)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn save_station(State(state): State<AppState>, viewer: Viewer, FormBody(f): FormBody<PlaceForm>) -> PageResult<Response> {
    save(state, viewer, PlaceKind::PollingStation, f).await
}

pub async fn save_room(State(state): State<AppState>, viewer: Viewer, FormBody(f): FormBody<PlaceForm>) -> PageResult<Response> {
    save(state, viewer, PlaceKind::CommitteeRoom, f).await
}

pub async fn delete_station(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Redirect> {
    polling_day::delete_place(&state.app, viewer.actor(), PlaceKind::PollingStation, id).await?;
    Ok(Redirect::to("/polling-day"))
}

pub async fn delete_room(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Redirect> {
    polling_day::delete_place(&state.app, viewer.actor(), PlaceKind::CommitteeRoom, id).await?;
    Ok(Redirect::to("/polling-day"))
}

#[derive(Deserialize)]
pub struct PromiseForm {
    min_certainty: u8,
    #[serde(default)]
    turnout: String,
}

pub async fn save_promise_rule(State(state): State<AppState>, viewer: Viewer, FormBody(f): FormBody<PromiseForm>) -> PageResult<Response> {
    let turnout = match f.turnout.trim() {
        "" => Ok(None),
        t => t.parse::<u8>().map(Some).map_err(|_| groundgame_app::Error::Invalid(format!("'{t}' is not a whole percentage"))),
    };
    let result = match turnout {
        Ok(t) => polling_day::set_promise_rule(&state.app, viewer.actor(), f.min_certainty, t).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/polling-day").into_response()),
        Err(groundgame_app::Error::Invalid(m)) => {
            Ok((axum::http::StatusCode::BAD_REQUEST, setup_page(&state, &viewer, Some(m)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct SheetQuery {
    #[serde(default)]
    good_morning: Option<String>,
}

/// A printable knock-up sheet of a polling district (audited), or its Good Morning list: the
/// doors with promises, for the leaflets that go out before 8 am.
pub async fn knock_up_sheet(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(district): PagePath<String>,
    PageQuery(q): PageQuery<SheetQuery>,
) -> PageResult<Markup> {
    let electors = polling_day::knock_up(&state.app, viewer.actor(), KnockUp::District(district.clone())).await?;
    let district = district.trim().to_ascii_uppercase();
    let now = groundgame_core::time::uk_now().format("%H:%M on %-d %B").to_string();
    let good_morning = q.good_morning.is_some_and(|v| !v.is_empty() && v != "0");
    // Doors in walk order, each with its promises.
    let mut doors: Vec<(&KnockUpElector, Vec<&KnockUpElector>)> = Vec::new();
    for e in &electors {
        match doors.last_mut() {
            Some((first, list)) if first.household_id == e.household_id => list.push(e),
            _ => doors.push((e, vec![e])),
        }
    }
    let title = if good_morning { format!("Good Morning list {district}") } else { format!("Knock-up sheet {district}") };
    Ok(layout::page(
        &viewer,
        &title,
        html! {
            h1 { (title) }
            p { "Printed at " (now) ": " (doors.len()) " doors, " (electors.len()) " promises who have not voted yet. "
                button.no-print type="button" data-print { "Print" } }
            @if good_morning {
                p.hint { "Each door has at least one promise: a Good Morning leaflet through every one before 8 am." }
                ol { @for (door, _) in &doors { li { (door.address) } } }
            } @else {
                p.hint { "Tick who has voted or will vote; write N for not in (they stay for the next round), X for do not return today. Postal voters: ask whether their postal vote is in; it can be handed in at any polling station in the constituency until 10 pm." }
                div.scroll { table.sheet-table {
                    thead { tr { th scope="col" { "Door" } th scope="col" { "Number" } th scope="col" { "Name" } th scope="col" { "Knocked today" } th scope="col" { "Answer" } } }
                    tbody { @for (door, people) in &doors {
                        tr.door { th colspan="5" scope="rowgroup" { (door.address) } }
                        @for p in people { tr {
                            td { @if let Some(s) = p.seq { (s + 1) } }
                            td { (p.elector_number) }
                            td { (p.name) @if p.postal { " (postal vote)" } }
                            td { (p.knocks_today) }
                            td.box {}
                        } }
                    } }
                } }
            }
        },
    ))
}

/// The live committee room: filled in and kept up to date by /static/committee.js from the
/// committee room's event stream.
pub async fn committee_room(viewer: Viewer) -> Markup {
    layout::page(
        &viewer,
        "Committee room",
        html! {
            h1 { "Committee room" }
            p #room-status.status role="status" aria-live="polite" { "Counting…" }
            div #room {}
            noscript { p.error { "The live committee room needs JavaScript. The knock-up sheets on the " a href="/polling-day" { "polling day page" } " print without it." } }
            (layout::script("/static/committee.js"))
        },
    )
}

/// The teller's page: works with no signal (the service worker keeps it, offline.js keeps the
/// numbers until they are sent), filled in by /static/tell.js.
pub async fn tell(State(state): State<AppState>, viewer: Viewer) -> Result<Markup, PageError> {
    let choices = polling_day::teller_choices(&state.app, viewer.actor()).await?;
    Ok(layout::page(
        &viewer,
        "Telling",
        html! {
            div #teller {
                h1 { "Telling" }
                p #sync-status.status role="status" aria-live="polite" data-noun="number" {}
                label for="district" { "Polling district" }
                select #district {
                    option value="" { "Choose your station's district" }
                    @for s in &choices.stations {
                        optgroup label=(s.name) {
                            @for d in &s.polling_districts { option value=(d) { (d) " · " (s.name) } }
                        }
                    }
                    @for d in &choices.other_districts { option value=(d) { (d) } }
                }
                p #names-status.hint aria-live="polite" {}
                form #entry autocomplete="off" {
                    label for="number" { "Number on the poll card" }
                    input #number name="number" inputmode="none" maxlength="32" aria-describedby="who" placeholder="124 or 124/1";
                    p #who.big aria-live="polite" {}
                    div.keypad role="group" aria-label="Keypad" {
                        @for k in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "/", "0"] {
                            button type="button" data-key=(k) aria-label=(if k == "/" { "slash" } else { k }) { (k) }
                        }
                        button type="button" data-key="back" aria-label="Delete last digit" { "⌫" }
                    }
                    button #strike.save type="submit" { "Strike off" }
                }
                p #said.visually-hidden role="status" aria-live="polite" {}
                h2 { "Last numbers" }
                ol #recent.recent {}
                details {
                    summary { "A telling slip: many numbers at once" }
                    form #slip {
                        label for="slip-numbers" { "One number per line" }
                        textarea #slip-numbers rows="8" {}
                        button type="submit" { "Strike off all" }
                    }
                }
                @if !choices.stations.is_empty() {
                    details {
                        summary { "The official count at the station" }
                        form #count {
                            label for="count-station" { "Station" }
                            select #count-station {
                                @for s in &choices.stations { option value=(s.id) { (s.name) } }
                            }
                            label for="count-papers" { "Ballot papers issued so far" }
                            input #count-papers type="number" min="0" max="100000" inputmode="numeric" required;
                            button type="submit" { "Send the count" }
                        }
                    }
                }
            }
            noscript { p.error { "The teller page needs JavaScript. Write the numbers on a telling slip and give it to the committee room." } }
            (layout::script("/static/tell.js"))
        },
    ))
}
