//! Walks: the district page with the planner and map, one walk (audited: it shows what voters
//! said). Paper sheets and keying them back in are in `walk_sheet`.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::accounts;
use groundgame_app::canvassing;
use groundgame_app::walks::{self, WalkSize};
use groundgame_core::access::Permission;
use groundgame_core::survey::Survey;
use groundgame_store::canvassing::{Assignment, CanvassSession};
use groundgame_store::walks::WalkDoor;
use groundgame_walks::export::{self, MapDoor, MapWalk};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, n, percent};
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::input::{FormBody, PagePath, PageQuery};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct DistrictQuery {
    district: Option<String>,
    planned: Option<usize>,
    /// After assigning in bulk: how many walks, and to whom.
    assigned: Option<usize>,
    to: Option<String>,
}

fn assign_form(
    viewer: &Viewer,
    walk_id: i64,
    a: Option<&Assignment>,
    people: &[groundgame_store::accounts::Member],
    sessions: &[CanvassSession],
) -> Markup {
    let user = a.and_then(|a| a.user_id);
    let session = a.and_then(|a| a.session_id);
    html! {
        form.inline method="post" action={ "/walks/" (walk_id) "/assign" } {
            (layout::csrf(viewer))
            label for={ "u" (walk_id) } { "Canvasser" }
            select id={ "u" (walk_id) } name="user_id" {
                option value="" { "nobody" }
                @for m in people { option value=(m.user.id) selected[user == Some(m.user.id)] { (m.user.name) } }
            }
            label for={ "s" (walk_id) } { "Session" }
            select id={ "s" (walk_id) } name="session_id" {
                option value="" { "none" }
                @for s in sessions { option value=(s.id) selected[session == Some(s.id)] { (s.name) " " (s.starts_at.replace('T', " ")) } }
            }
            button type="submit" { "Assign" }
        }
    }
}

pub async fn list(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<DistrictQuery>) -> PageResult<Markup> {
    let app = &state.app;
    let districts = walks::polling_districts(app, viewer.actor()).await?;
    let district =
        q.district.map(|d| d.trim().to_ascii_uppercase()).filter(|d| districts.contains(d)).or_else(|| districts.first().cloned());
    let (progress, _, _) = canvassing::progress(app, viewer.actor()).await?;
    let people = accounts::members(app, viewer.actor()).await?;
    let sessions = canvassing::canvass_sessions(app, viewer.actor()).await?;
    let against = walks::against_register(app, viewer.actor()).await?;
    let in_district: Vec<_> = progress.walks.iter().filter(|w| Some(&w.walk.polling_district) == district.as_ref()).collect();
    let ids: Vec<i64> = in_district.iter().map(|w| w.walk.id).collect();
    let routes: Vec<MapWalk> = walks::district_routes(app, viewer.actor(), &ids)
        .await?
        .into_iter()
        .map(|(w, doors)| MapWalk {
            number: w.number,
            label: w.name,
            points: doors.iter().filter_map(|d| Some((d.lat?, d.lon?))).collect(),
        })
        .collect();
    let may_assign = viewer.may(Permission::AssignWalks);
    let stale: Vec<_> = in_district
        .iter()
        .filter_map(|w| {
            let now = against.doors_now.get(&w.walk.id).copied().unwrap_or(0);
            (now < w.walk.doors).then_some((w, now))
        })
        .collect();
    let unwalked = district.as_ref().and_then(|d| against.not_on_a_walk.get(d)).copied().filter(|_| !in_district.is_empty()).unwrap_or(0);
    Ok(layout::page(
        &viewer,
        "Walks",
        html! {
            h1 { "Walks" }
            @if let Some(p) = q.planned { p.ok role="status" { "Planned " (p) " walks." } }
            @if let Some(a) = q.assigned {
                p.ok role="status" { "Assigned " (a) @if a == 1 { " walk" } @else { " walks" } " to " (q.to.as_deref().unwrap_or("nobody")) "." }
            }
            form.inline method="get" action="/walks" {
                label for="district" { "Polling district" }
                select #district name="district" {
                    @for d in &districts { option value=(d) selected[Some(d) == district.as_ref()] { (d) } }
                }
                button type="submit" { "Show" }
            }
            @if let Some(d) = &district {
                @if !stale.is_empty() || unwalked > 0 {
                    div.error role="alert" {
                        p { strong { "The register has changed since these walks were planned." } }
                        ul {
                            @for (w, now) in &stale { li { a href={ "/walks/" (w.walk.id) } { (w.walk.name) } ": " (now) " of its " (w.walk.doors) " doors still have someone on the register" } }
                            @if unwalked > 0 { li { (n(unwalked as u64)) " households on the register are on no walk of " (d) } }
                        }
                        p { "Plan " (d) " again below: walks keep their numbers and assignments where most of their doors stay, and answers already recorded are kept." }
                    }
                }
                h2 { "Plan " (d) }
                form.inline method="post" action="/walks/plan" {
                    (layout::csrf(&viewer))
                    input type="hidden" name="district" value=(d);
                    label for="per_walk" { "Doors per walk" }
                    input #per_walk type="number" name="per_walk" min="5" max="500" value="60";
                    button type="submit" { "Plan walks" }
                }
                p.hint { "Re-planning keeps a walk's number and assignment when most of its doors stay on it." }
                @if !routes.is_empty() {
                    figure.map { (layout::raw(export::district_svg(&format!("Walks of polling district {d}"), &routes))) figcaption { "Walks of " (d) ", numbered at their first door." } }
                }
                @if may_assign && !in_district.is_empty() {
                    form.inline #bulk method="post" action="/walks/assign" {
                        (layout::csrf(&viewer))
                        input type="hidden" name="district" value=(d);
                        label for="bulk-user" { "Give the walks ticked below to" }
                        select #bulk-user name="user_id" {
                            option value="" { "nobody" }
                            @for m in &people { option value=(m.user.id) { (m.user.name) } }
                        }
                        label for="bulk-session" { "in the session" }
                        select #bulk-session name="session_id" {
                            option value="" { "none" }
                            @for s in &sessions { option value=(s.id) { (s.name) " " (s.starts_at.replace('T', " ")) } }
                        }
                        button type="submit" { "Assign the walks ticked" }
                    }
                }
                div.scroll { table {
                    thead { tr { @if may_assign { th scope="col" { span.visually-hidden { "Tick to assign" } } } th scope="col" { "Walk" } th scope="col" { "Doors" } th scope="col" { "Electors" } th scope="col" { "Minutes" } th scope="col" { "Status" } th scope="col" { "Knocked" } @if may_assign { th scope="col" { "Assignment" } } } }
                    tbody { @for w in &in_district { tr {
                        @if may_assign { td { input type="checkbox" name="walk" value=(w.walk.id) form="bulk" aria-label={ "Tick " (w.walk.name) }; } }
                        th scope="row" { a href={ "/walks/" (w.walk.id) } { (w.walk.name) } }
                        td { (w.walk.doors) } td { (w.walk.electors) } td { (w.walk.minutes) } td { (w.status) }
                        td { (n(w.tally.doors_knocked)) " (" (percent(w.tally.doors_knocked as f64 / w.walk.doors.max(1) as f64)) ")" }
                        @if may_assign { td { (assign_form(&viewer, w.walk.id, w.assignment.as_ref(), &people, &sessions)) } }
                    } } }
                } }
            } @else {
                p { "There is no register yet. " a href="/register" { "Upload one" } " first." }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct PlanForm {
    district: String,
    per_walk: usize,
}

pub async fn plan(State(state): State<AppState>, viewer: Viewer, FormBody(f): FormBody<PlanForm>) -> PageResult<Response> {
    if !(2..=1000).contains(&f.per_walk) {
        return Err(AppError::bad_request("doors per walk must be between 2 and 1,000").into());
    }
    let planned = walks::plan_district(&state.app, viewer.actor(), &f.district, WalkSize::DoorsPerWalk(f.per_walk), 1).await?;
    Ok(Redirect::to(&format!("/walks?district={}&planned={}", planned.district, planned.walks.len())).into_response())
}

#[derive(Deserialize)]
pub struct AssignForm {
    user_id: Option<String>,
    session_id: Option<String>,
}

fn optional_id(s: Option<String>) -> Result<Option<i64>, AppError> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| AppError::bad_request(format!("'{v}' is not an id"))),
    }
}

pub async fn assign(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    FormBody(f): FormBody<AssignForm>,
) -> PageResult<Response> {
    let walk = canvassing::assign(&state.app, viewer.actor(), id, optional_id(f.user_id)?, optional_id(f.session_id)?).await?;
    Ok(Redirect::to(&format!("/walks?district={}", walk.polling_district)).into_response())
}

fn map_doors(doors: &[WalkDoor]) -> Vec<MapDoor> {
    doors
        .iter()
        .filter_map(|d| Some(MapDoor { seq: d.seq as usize, address: d.address.replace('\n', ", "), lat: d.lat?, lon: d.lon? }))
        .collect()
}

fn answer_text(survey: &Survey, answers: &str) -> String {
    let parsed: BTreeMap<String, String> = serde_json::from_str(answers).unwrap_or_default();
    parsed
        .iter()
        .map(|(k, v)| {
            let label = survey.questions.iter().find(|q| &q.key == k).map(|q| q.label.as_str()).unwrap_or(k);
            format!("{label}: {v}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Markup> {
    let app = &state.app;
    let view = canvassing::walk_view(app, viewer.actor(), id).await?;
    let people = accounts::members(app, viewer.actor()).await?;
    let sessions = canvassing::canvass_sessions(app, viewer.actor()).await?;
    let walk = &view.walk;
    let address: HashMap<i64, String> = view.doors.iter().map(|d| (d.household_id, d.address.replace('\n', ", "))).collect();
    Ok(layout::page(
        &viewer,
        &walk.name,
        html! {
            h1 { (walk.name) }
            p { (walk.doors) " doors, " (walk.electors) " electors, " (format!("{:.1}", walk.distance_m / 1000.0)) " km, about " (walk.minutes) " minutes." }
            p { a href={ "/walks/" (id) "/sheet" } { "Printable walk sheet" } " · " a href={ "/walks/" (id) "/sheet.pdf" } { "the sheet as a PDF" } " · " a href={ "/walks/" (id) "/entry" } { "Key in a paper sheet" } }
            @if viewer.may(Permission::AssignWalks) { (assign_form(&viewer, id, view.assignment.as_ref(), &people, &sessions)) }
            figure.map { (layout::raw(export::svg(&walk.name, &map_doors(&view.doors)))) }
            h2 { "Contacts (" (view.contacts.len()) ")" }
            p.hint { "Opening this page is recorded in the audit log: it shows what voters said." }
            @if view.contacts.is_empty() { p { "None yet." } } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "When" } th scope="col" { "Door" } th scope="col" { "Elector" } th scope="col" { "Outcome" } th scope="col" { "Answers" } th scope="col" { "Note" } th scope="col" { "By" } } }
                    tbody { @for c in &view.contacts { tr {
                        td { (c.ordered_at.replace('T', " ").chars().take(16).collect::<String>())
                             @if let Some(t) = &c.phone_time { br; small { "phone said " (t.replace('T', " ").chars().take(16).collect::<String>()) } } }
                        td { (address.get(&c.household_id).cloned().unwrap_or_else(|| "a door no longer on this walk".into())) }
                        td { @match (&c.elector_number, &c.elector_name, c.elector_id) {
                            (Some(num), Some(name), _) => { (num) " " (name) }
                            (Some(num), None, _) => { (num) }
                            (None, _, Some(_)) => { "an elector no longer on the register" }
                            (None, _, None) => { "whole door" }
                        } }
                        td { (c.outcome.clone().unwrap_or_default()) }
                        td { (answer_text(&view.survey, &c.answers)) }
                        td { (c.note) }
                        td { (c.canvasser.clone().unwrap_or_default()) " (" (c.source) ")" }
                    } } }
                } }
            }
        },
    ))
}

/// Assigns every walk ticked to one canvasser (or nobody) and one session (or none), then says
/// what happened.
pub async fn assign_many(
    State(state): State<AppState>,
    viewer: Viewer,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> PageResult<Response> {
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let walks: Vec<i64> = pairs.iter().filter(|(k, _)| k == "walk").filter_map(|(_, v)| v.trim().parse().ok()).collect();
    let district = one("district").unwrap_or_default();
    if walks.is_empty() {
        return Err(AppError::bad_request("tick the walks to assign first").into());
    }
    let user = optional_id(one("user_id"))?;
    let session = optional_id(one("session_id"))?;
    let n = canvassing::assign_many(&state.app, viewer.actor(), &walks, user, session).await?;
    let to = match user {
        Some(u) => accounts::members(&state.app, viewer.actor())
            .await?
            .into_iter()
            .find(|m| m.user.id == u)
            .map(|m| m.user.name)
            .unwrap_or_default(),
        None => "nobody".into(),
    };
    Ok(Redirect::to(&format!("/walks?district={}&assigned={n}&to={}", crate::auth::urlencode(&district), crate::auth::urlencode(&to)))
        .into_response())
}
