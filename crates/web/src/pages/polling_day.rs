//! Polling day pages: setting up the stations and committee rooms, the live committee room, the
//! printable knock-up and Good Morning sheets, and the teller's phone page.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::polling_day::{self, KnockUp, PlaceInput};
use groundgame_core::polling_day::PostalChase;
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
    let by_hand = polling_day::hand_promises(&state.app, viewer.actor()).await?;
    let mut districts: Vec<&String> = stations.iter().flat_map(|s| &s.polling_districts).chain(&choices.other_districts).collect();
    districts.sort();
    districts.dedup();
    Ok(layout::page(
        viewer,
        "Polling day",
        html! {
            h1 { "Polling day" }
            @if let Some(e) = &error { p.error role="alert" { (e) } }
            p { a href="/committee-room" { "Open the committee room" } " · " a href="/polling-day/rounds" { "start knock-up rounds" }
                " · tellers take numbers on " a href="/tell" { "the teller page" } "." }
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
                code { "groundgame polling-day marked-register" } ") measures it, and marks who voted last time: they are knocked first when time is short." }
            h2 #by-hand { "Promises added by hand" }
            p.hint { "A member, a supporter met at a stall, a promise made on the phone: a promise whatever the doorstep says, until taken off (unless they move or die)." }
            form.inline method="post" action="/polling-day/hand-promises" {
                (layout::csrf(viewer))
                label for="hand-number" { "Elector number" }
                input #hand-number name="elector_number" required placeholder="NA1-124/1" autocomplete="off";
                button type="submit" { "Add to the promises" }
            }
            @if !by_hand.is_empty() {
                div.scroll { table {
                    caption { (by_hand.len()) " added by hand" }
                    thead { tr { th scope="col" { "Number" } th scope="col" { "Name" } th scope="col" { "Address" } th scope="col" { "Change" } } }
                    tbody { @for e in &by_hand { tr {
                        td { (e.elector_number) } td { (e.name) } td { (e.address) }
                        td { form.inline method="post" action={ "/polling-day/hand-promises/" (e.elector_id) "/delete" } {
                            (layout::csrf(viewer))
                            button.link.danger type="submit" aria-label={ "Take off " (e.name) } { "Take off" }
                        } }
                    } } }
                } }
            }
            h2 { "Postal votes" }
            p { "Postal voter promises vote by post, not at a station: chase them before the day (is it posted yet?), and on the day remind those who have not to hand it in at a polling station by 10 pm. "
                "Who says it is posted leaves the knock-up lists." }
            @if !districts.is_empty() {
                ul.walks { @for d in &districts { li { a href={ "/polling-day/postal/" (d) } { "Postal-vote chase " (d) } } } }
            }
            h2 { "Knock-up sheets" }
            p { "For paper teams: a polling district's promises who have not voted yet, in walk order. Print them again between rounds: who has voted drops off." }
            @if districts.is_empty() { p { "Import a register first." } } @else {
                ul.walks { @for d in &districts {
                    li {
                        a href={ "/polling-day/knock-up/" (d) } { "Knock-up sheet " (d) }
                        " · " a href={ "/polling-day/knock-up/" (d) "?good_morning=1" } { "Good Morning list " (d) }
                        " · " a href={ "/polling-day/knock-up/" (d) "?voted_last_time_first=1" } { "voted last time first" }
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
    #[serde(default)]
    voted_last_time_first: Option<String>,
}

/// Whether a checkbox-like query value is on.
fn on(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|v| !v.is_empty() && v != "0")
}

/// A printable knock-up sheet of a polling district (audited), or its Good Morning list: the
/// doors with promises, for the leaflets that go out before 8 am.
pub async fn knock_up_sheet(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(district): PagePath<String>,
    PageQuery(q): PageQuery<SheetQuery>,
) -> PageResult<Markup> {
    let electors = polling_day::knock_up(&state.app, viewer.actor(), KnockUp::District(district.clone())).await?.electors;
    let district = district.trim().to_ascii_uppercase();
    let now = groundgame_core::time::uk_now().format("%H:%M on %-d %B").to_string();
    let good_morning = on(&q.good_morning);
    let regulars_first = on(&q.voted_last_time_first);
    // Doors in walk order, each with its promises.
    let mut doors: Vec<(&KnockUpElector, Vec<&KnockUpElector>)> = Vec::new();
    for e in &electors {
        match doors.last_mut() {
            Some((first, list)) if first.household_id == e.household_id => list.push(e),
            _ => doors.push((e, vec![e])),
        }
    }
    if regulars_first {
        // Doors with a promise who voted last time first, each part still in walk order.
        doors.sort_by_key(|(_, people)| !people.iter().any(|p| p.voted_last_time));
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
                p.hint { "Tick who has voted or will vote; write N for not in (they stay for the next round), X for do not return today. Postal voters: ask whether their postal vote is in; it can be handed in at any polling station in the constituency until 10 pm. "
                    "★ voted last time" @if regulars_first { ": their doors come first" } "." }
                div.scroll { table.sheet-table {
                    thead { tr { th scope="col" { "Door" } th scope="col" { "Number" } th scope="col" { "Name" } th scope="col" { "Knocked today" } th scope="col" { "Answer" } } }
                    tbody { @for (door, people) in &doors {
                        tr.door { th colspan="5" scope="rowgroup" { (door.address) } }
                        @for p in people { tr {
                            td { @if let Some(s) = p.seq { (s + 1) } }
                            td { (p.elector_number) }
                            td { (p.name) @if p.voted_last_time { " ★" } @if p.postal { " (postal vote"
                                @if let Some(c) = p.postal_chase { ": " (c.label().to_lowercase()) } ")" } }
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

#[derive(Deserialize)]
pub struct HandPromiseForm {
    elector_number: String,
}

pub async fn add_hand_promise(
    State(state): State<AppState>,
    viewer: Viewer,
    FormBody(f): FormBody<HandPromiseForm>,
) -> PageResult<Response> {
    match polling_day::add_hand_promise(&state.app, viewer.actor(), &f.elector_number).await {
        Ok(_) => Ok(Redirect::to("/polling-day#by-hand").into_response()),
        Err(groundgame_app::Error::Invalid(m) | groundgame_app::Error::NotFound(m)) => {
            Ok((axum::http::StatusCode::BAD_REQUEST, setup_page(&state, &viewer, Some(m)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_hand_promise(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Redirect> {
    polling_day::remove_hand_promise(&state.app, viewer.actor(), id).await?;
    Ok(Redirect::to("/polling-day#by-hand"))
}

#[derive(Deserialize)]
pub struct RoundsQuery {
    #[serde(default)]
    polling_district: Option<String>,
    /// A walk to have chosen already (from the committee room's "go here next").
    #[serde(default)]
    walk: Option<String>,
    /// How many rounds were just started (the page after starting them).
    #[serde(default)]
    started: Option<String>,
}

async fn rounds_page(state: &AppState, viewer: &Viewer, q: RoundsQuery, error: Option<String>) -> PageResult<Markup> {
    let said = match (error, q.started.as_deref().and_then(|n| n.parse::<usize>().ok())) {
        (Some(e), _) => Some(Err(e)),
        (None, Some(n)) => Some(Ok(format!(
            "Started the next knock-up round of {n} walk{}: the list below shows each walk's round.",
            if n == 1 { "" } else { "s" }
        ))),
        (None, None) => None,
    };
    let districts = polling_day::teller_choices(&state.app, viewer.actor()).await?;
    let mut all: Vec<String> =
        districts.stations.iter().flat_map(|s| s.polling_districts.clone()).chain(districts.other_districts).collect();
    all.sort();
    all.dedup();
    let chosen_walk: Option<i64> = q.walk.as_deref().and_then(|w| w.trim().parse().ok());
    let room = polling_day::committee_room(&state.app, viewer.actor(), std::time::Instant::now(), false).await?;
    let district = q
        .polling_district
        .filter(|d| !d.trim().is_empty())
        .map(|d| d.trim().to_ascii_uppercase())
        .or_else(|| chosen_walk.and_then(|w| room.counts.walks.iter().find(|x| x.walk_id == w).map(|x| x.polling_district.clone())));
    let district = district.or_else(|| all.first().cloned());
    let walks = match &district {
        Some(d) => polling_day::round_choices(&state.app, viewer.actor(), Some(d)).await?,
        None => Vec::new(),
    };
    let left: std::collections::HashMap<i64, u64> = room.counts.walks.iter().map(|w| (w.walk_id, w.promises_left)).collect();
    // Only those who may canvass can open a knock-up list.
    let people: Vec<_> = groundgame_app::accounts::members(&state.app, viewer.actor())
        .await?
        .into_iter()
        .filter(|m| groundgame_core::access::allows(m.role, groundgame_core::access::Permission::Canvass))
        .collect();
    Ok(layout::page(
        viewer,
        "Knock-up rounds",
        html! {
            h1 { "Knock-up rounds" }
            @match &said {
                Some(Ok(m)) => p.status role="status" { (m) },
                Some(Err(m)) => p.error role="alert" { (m) },
                None => {},
            }
            p { "Starting a round sends knockers round a walk: whoever holds it opens its knock-up list on their phone. "
                "\"Not in\" and \"will vote\" heard before the round are cleared, so those doors are knocked again; who voted and doors not to knock again today stay off. "
                a href="/committee-room" { "Back to the committee room" } "." }
            @if !room.counts.walks.is_empty() {
                h2 { "Go here next" }
                p.hint { "The walks with most promises still to vote for each knocker sent (a walk being knocked now counts half)." }
                ul.walks { @for w in &room.counts.walks {
                    li { a href={ "/polling-day/rounds?walk=" (w.walk_id) } { (w.name) } " · " (w.polling_district) " · " (layout::n(w.promises_left)) " promises to vote"
                        @if w.being_knocked { " · being knocked now" } }
                } }
            }
            form.inline method="get" action="/polling-day/rounds" {
                label for="rounds-district" { "Polling district" }
                select #rounds-district name="polling_district" {
                    @for d in &all { option value=(d) selected[Some(d) == district.as_ref()] { (d) } }
                }
                button type="submit" { "Show its walks" }
            }
            @if let Some(d) = &district {
                h2 { "Walks of " (d) }
                @if walks.is_empty() { p { "No walks are planned in " (d) " yet." } } @else {
                    form method="post" action="/polling-day/rounds" {
                        (layout::csrf(viewer))
                        input type="hidden" name="polling_district" value=(d);
                        fieldset {
                            legend { "Walks to knock up" }
                            @for c in &walks {
                                div.check {
                                    input type="checkbox" id={ "walk-" (c.walk.id) } name={ "walk_" (c.walk.id) } value="on" checked[chosen_walk == Some(c.walk.id)];
                                    label for={ "walk-" (c.walk.id) } {
                                        (c.walk.name) " · " (c.walk.doors) " doors"
                                        @if let Some(n) = left.get(&c.walk.id) { " · " (layout::n(*n)) " promises to vote" }
                                        " · " @match &c.round {
                                            Some(r) => { "round " (r.number) " began " (groundgame_core::time::uk_clock(&r.started_at)) },
                                            None => "no round yet today",
                                        }
                                        " · held by " (c.canvasser.as_deref().unwrap_or("nobody"))
                                    }
                                }
                            }
                        }
                        label for="knocker" { "Give them to" }
                        select #knocker name="knocker" {
                            option value="" { "whoever holds each now" }
                            @for m in &people { option value=(m.user.id) { (m.user.name) " (" (m.role) ")" } }
                        }
                        button type="submit" { "Start the knock-up round" }
                    }
                }
            }
        },
    ))
}

pub async fn rounds(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<RoundsQuery>) -> PageResult<Markup> {
    rounds_page(&state, &viewer, q, None).await
}

/// The rounds form: `walk_{id}` for each walk chosen, `knocker` (a user id or empty).
pub async fn start_rounds(
    State(state): State<AppState>,
    viewer: Viewer,
    FormBody(f): FormBody<std::collections::HashMap<String, String>>,
) -> PageResult<Response> {
    let walks: Vec<i64> = f.keys().filter_map(|k| k.strip_prefix("walk_")?.parse().ok()).collect();
    let knocker = f.get("knocker").map(|k| k.trim()).filter(|k| !k.is_empty()).map(str::parse::<i64>).transpose();
    let district = f.get("polling_district").cloned();
    let q = || RoundsQuery { polling_district: district.clone(), walk: None, started: None };
    let Ok(knocker) = knocker else {
        return Ok((
            axum::http::StatusCode::BAD_REQUEST,
            rounds_page(&state, &viewer, q(), Some("choose a knocker from the list".into())).await?,
        )
            .into_response());
    };
    match polling_day::start_rounds(&state.app, viewer.actor(), &walks, knocker).await {
        // Back to the page by a redirect: reloading it starts no further round.
        Ok(rounds) => {
            // A district code is letters and digits: nothing in it needs escaping.
            let d = district
                .as_deref()
                .and_then(|d| groundgame_core::elector::PollingDistrict::parse(d).ok())
                .map(|d| format!("polling_district={}&", d.as_str()))
                .unwrap_or_default();
            Ok(Redirect::to(&format!("/polling-day/rounds?{d}started={}", rounds.len())).into_response())
        }
        Err(groundgame_app::Error::Invalid(m) | groundgame_app::Error::NotFound(m)) => {
            Ok((axum::http::StatusCode::BAD_REQUEST, rounds_page(&state, &viewer, q(), Some(m)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A polling district's postal voter promises: the chase before the day, the hand-in reminder on it.
pub async fn postal(State(state): State<AppState>, viewer: Viewer, PagePath(district): PagePath<String>) -> PageResult<Markup> {
    let electors = polling_day::postal_promises(&state.app, viewer.actor(), &district).await?;
    let district = district.trim().to_ascii_uppercase();
    let today = groundgame_core::time::uk_now().date();
    let polling_day = viewer.campaign.election_date;
    let posted = electors.iter().filter(|e| e.postal_chase == Some(PostalChase::Posted)).count();
    Ok(layout::page(
        &viewer,
        &format!("Postal votes {district}"),
        html! {
            h1 { "Postal votes " (district) }
            @if today == polling_day {
                p.status role="status" { "Polling day: a postal vote not yet posted can still be handed in at any polling station in the constituency until 10 pm. "
                    "Remind everyone below who has not posted theirs; a lost or spoilt one can be replaced by the council until 5 pm." }
            } @else if today < polling_day {
                p { "Before polling day (" (polling_day.format("%-d %B %Y")) "): ask each whether their postal vote is posted yet, and record what they say." }
            }
            p { (electors.len()) " postal voter promises; " (posted) " say theirs is posted." }
            @if electors.is_empty() { p { "No postal voter promises in " (district) "." } } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Number" } th scope="col" { "Name" } th scope="col" { "Address" } th scope="col" { "Posted yet?" } th scope="col" { "Record" } } }
                    tbody { @for e in &electors { tr {
                        td { (e.elector_number) } td { (e.name) } td { (e.address) }
                        td { @match e.postal_chase { Some(c) => { (c.label()) @if let Some(at) = &e.at { " (" (groundgame_core::time::uk_clock(at)) ")" } }, None => "not asked" } }
                        td { form.inline method="post" action={ "/polling-day/postal/" (district) "/" (e.elector_id) } {
                            (layout::csrf(&viewer))
                            @for c in PostalChase::ALL {
                                button.link type="submit" name="status" value=(c.as_str()) aria-label={ (c.label()) ": " (e.name) } { (c.label()) }
                                " "
                            }
                        } }
                    } } }
                } }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct PostalChaseForm {
    status: String,
}

pub async fn postal_chase(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((district, id)): PagePath<(String, i64)>,
    FormBody(f): FormBody<PostalChaseForm>,
) -> PageResult<Redirect> {
    let status = PostalChase::parse(&f.status)
        .ok_or_else(|| groundgame_app::Error::Invalid(format!("'{}' is not an answer to \"is your postal vote posted?\"", f.status)))?;
    polling_day::record_postal_chase(&state.app, viewer.actor(), id, status).await?;
    Ok(Redirect::to(&format!("/polling-day/postal/{}", district.trim().to_ascii_uppercase())))
}

pub async fn give_lift(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<uuid::Uuid>) -> PageResult<Redirect> {
    polling_day::give_lift(&state.app, viewer.actor(), id).await?;
    Ok(Redirect::to("/committee-room"))
}
