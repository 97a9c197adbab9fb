//! Walks: the district page with the planner and map, one walk (audited: it shows what voters
//! said), printable sheets and keying them back in.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::accounts;
use groundgame_app::canvassing::{self, Keyed, PaperRow};
use groundgame_app::walks::{self, WalkSize};
use groundgame_core::access::Permission;
use groundgame_core::survey::Survey;
use groundgame_store::canvassing::{Assignment, CanvassSession, WalkPayload};
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
            p { a href={ "/walks/" (id) "/sheet" } { "Printable walk sheet" } " · " a href={ "/walks/" (id) "/entry" } { "Key in a paper sheet" } }
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

/// How a choice reads on paper: its code, and its label where that says more.
fn code_and_label(code: &str, label: &str) -> String {
    if code == label {
        code.to_owned()
    } else {
        format!("{code} {label}")
    }
}

/// A door's address as a walk sheet needs it: up to its numbered street line (a flat or house
/// name and the street), without the town and postcode that the whole walk shares.
fn door_line(address: &str) -> String {
    let parts: Vec<&str> = address.split(['\n', ',']).map(str::trim).filter(|p| !p.is_empty()).collect();
    match parts.iter().position(|p| p.starts_with(|c: char| c.is_ascii_digit())) {
        Some(i) => parts[..=i].join(", "),
        None => parts.first().map(|p| (*p).to_owned()).unwrap_or_default(),
    }
}

/// A printable walk sheet: doors in walking order, electors with boxes for the survey's codes.
pub async fn sheet(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Markup> {
    let payload = canvassing::paper(&state.app, viewer.actor(), id, "walk_sheet").await?;
    let survey = &payload.survey;
    Ok(layout::page(
        &viewer,
        &format!("Walk sheet: {}", payload.walk.name),
        html! {
            div.sheet {
                h1 { (payload.walk.name) }
                p { (viewer.campaign.name) " · " (payload.walk.doors) " doors · " (payload.walk.electors) " electors · about " (payload.walk.minutes) " minutes. "
                    "Canvasser: ______________________  Date: ____________" }
                p.no-print { button type="button" data-print { "Print" } }
                section.codes aria-label="Codes" {
                    @for q in &survey.questions {
                        p { strong { (q.label) ": " } (q.choices.iter().map(|c| code_and_label(&c.code, &c.label)).collect::<Vec<_>>().join(" · ")) }
                    }
                    p { strong { "Door outcomes: " } (survey.outcomes.iter().map(|c| code_and_label(&c.code, &c.label)).collect::<Vec<_>>().join(" · ")) }
                }
                div.scroll { table.sheet-table {
                    thead { tr {
                        th.num scope="col" { "#" } th.addr scope="col" { "Address" } th.elector scope="col" { "Elector" }
                        @for q in &survey.questions { th.q scope="col" { span { (q.label) } } }
                        th.q scope="col" { span { "Outcome" } } th.note scope="col" { "Note" }
                    } }
                    // One line per elector, the door's number and address beside its first.
                    @for (i, d) in payload.doors.iter().enumerate() {
                        @let rows = d.electors.len().max(1);
                        @let address = door_line(&d.address);
                        tbody.door {
                            @if d.electors.is_empty() {
                                tr {
                                    th.num scope="row" { (i + 1) } td.addr { (address) } td { em { "no electors to canvass" } }
                                    @for _ in &survey.questions { td.box {} } td.box {} td.note {}
                                }
                            }
                            @for (j, e) in d.electors.iter().enumerate() {
                                tr {
                                    @if j == 0 {
                                        th.num scope="rowgroup" rowspan=(rows) { (i + 1) }
                                        td.addr rowspan=(rows) { (address) }
                                    }
                                    td.elector { (e.number) " " (e.name) @if e.postal { " (postal)" } }
                                    @for _ in &survey.questions { td.box {} }
                                    td.box {} td.note {}
                                }
                            }
                        }
                    }
                } }
            }
        },
    ))
}

pub async fn entry_page(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Markup> {
    let payload = canvassing::paper(&state.app, viewer.actor(), id, "walk_entry").await?;
    Ok(entry_form(&viewer, &payload, None))
}

/// The key-in form: a row for each door and each elector, with every question of the survey the
/// phone asks (so nothing on the printed sheet is lost), the outcome and a note.
fn entry_form(viewer: &Viewer, payload: &WalkPayload, message: Option<Markup>) -> Markup {
    let survey = &payload.survey;
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let outcome_select = |name: String, label: String| {
        html! { select name=(name) aria-label=(label) { option value="" {} @for o in &survey.outcomes { option value=(o.code) { (code_and_label(&o.code, &o.label)) } } } }
    };
    layout::page(
        viewer,
        &format!("Key in: {}", payload.walk.name),
        html! {
            h1 { "Key in a paper sheet" }
            p { (payload.walk.name) ". Fill in only the rows with something on the sheet; tab moves along a row, and typing a code's first letter picks it." }
            @if let Some(m) = message { (m) }
            form method="post" action={ "/walks/" (payload.walk.id) "/entry" } {
                (layout::csrf(viewer))
                label for="date" { "Date canvassed" }
                input #date type="date" name="date" value=(today) max=(today) required;
                div.scroll { table.entry {
                    thead { tr { th scope="col" { "Door" } th scope="col" { "Elector" }
                        @for q in &survey.questions { th scope="col" { (q.label) } } th scope="col" { "Outcome" } th scope="col" { "Note" } } }
                    tbody { @for d in &payload.doors {
                        tr {
                            th scope="row" { (d.address.replace('\n', ", ")) } td { "whole door" }
                            @for _ in &survey.questions { td {} }
                            td { (outcome_select(format!("d{}_outcome", d.household_id), format!("Outcome for the door at {}", d.address.replace('\n', ", ")))) }
                            td { input name={ "d" (d.household_id) "_note" } aria-label={ "Note on the door at " (d.address.replace('\n', ", ")) } maxlength="2000"; }
                        }
                        @for e in &d.electors { tr {
                            td {} th scope="row" { (e.number) " " (e.name) }
                            @for q in &survey.questions {
                                td { select name={ "e" (e.id) "_" (q.key) } aria-label={ (q.label) " of " (e.name) } {
                                    option value="" {} @for c in &q.choices { option value=(c.code) { (c.code) } } } }
                            }
                            td { (outcome_select(format!("e{}_outcome", e.id), format!("Outcome for {}", e.name))) }
                            td { input name={ "e" (e.id) "_note" } aria-label={ "Note on " (e.name) } maxlength="2000"; }
                        } }
                    } }
                } }
                button type="submit" { "Save" }
            }
        },
    )
}

/// Reads the keyed-in form into rows: one per door or elector with anything filled in.
fn paper_rows(payload: &WalkPayload, fields: Vec<(String, String)>) -> Result<(chrono::NaiveDate, Vec<PaperRow>), AppError> {
    let date = fields.iter().find(|(k, _)| k == "date").map(|(_, v)| v.clone()).unwrap_or_default();
    let day = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::bad_request("the date canvassed must be a date"))?;
    let household_of: HashMap<i64, i64> =
        payload.doors.iter().flat_map(|d| d.electors.iter().map(move |e| (e.id, d.household_id))).collect();
    let questions: Vec<&str> = payload.survey.questions.iter().map(|q| q.key.as_str()).collect();
    // ("d", household) or ("e", elector) -> field -> value.
    let mut rows: BTreeMap<(char, i64), BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in fields {
        let v = v.trim().to_owned();
        if v.is_empty() || k == "csrf" || k == "date" {
            continue;
        }
        let kind = k.chars().next().unwrap_or(' ');
        let Some((num, field)) = k.get(1..).and_then(|r| r.split_once('_')) else { continue };
        let Ok(num) = num.parse::<i64>() else { continue };
        if kind == 'd' || kind == 'e' {
            rows.entry((kind, num)).or_default().insert(field.to_owned(), v);
        }
    }
    let mut out = Vec::new();
    for ((kind, num), mut values) in rows {
        let outcome = values.remove("outcome");
        let note = values.remove("note").unwrap_or_default();
        if let Some(unknown) = values.keys().find(|k| !questions.contains(&k.as_str())) {
            return Err(AppError::bad_request(format!("'{unknown}' is not a question of the survey")));
        }
        let (household_id, elector_id) = if kind == 'd' {
            (num, None)
        } else {
            (*household_of.get(&num).ok_or_else(|| AppError::bad_request(format!("elector {num} is not on this walk")))?, Some(num))
        };
        out.push(PaperRow { household_id, elector_id, outcome, answers: values, note });
    }
    Ok((day, out))
}

/// Turns the keyed-in sheet into contacts (source: paper).
pub async fn entry(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    FormBody(fields): FormBody<Vec<(String, String)>>,
) -> PageResult<Response> {
    let payload = canvassing::paper(&state.app, viewer.actor(), id, "walk_entry").await?;
    let (day, rows) = match paper_rows(&payload, fields) {
        Ok(r) => r,
        Err(e) => {
            let msg = html! { div.error role="alert" { p { "Nothing was saved. " (e.message) } } };
            return Ok((e.status, entry_form(&viewer, &payload, Some(msg))).into_response());
        }
    };
    let outcome = match canvassing::key_in(&state.app, viewer.actor(), id, day, rows).await {
        Ok(o) => o,
        Err(groundgame_app::Error::Invalid(m)) => Keyed::Refused(vec![m]),
        Err(e) => return Err(e.into()),
    };
    Ok(match outcome {
        Keyed::Saved(n) => {
            let msg = html! { p.ok role="status" { "Saved " (n) " contacts from the sheet." } };
            entry_form(&viewer, &payload, Some(msg)).into_response()
        }
        Keyed::Refused(reasons) => {
            let msg = html! { div.error role="alert" { p { "Nothing was saved. Fix these and save again:" } ul { @for r in &reasons { li { (r) } } } } };
            (axum::http::StatusCode::BAD_REQUEST, entry_form(&viewer, &payload, Some(msg))).into_response()
        }
    })
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
