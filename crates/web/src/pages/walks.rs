use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use groundgame_core::access::Permission;
use groundgame_core::survey::{Contact, Survey, CERTAINTY, VOTING_INTENTION};
use groundgame_store::canvassing::{self, Scope, Source};
use groundgame_store::walks::{self, WalkSize};
use groundgame_store::{accounts, audit, campaigns};
use groundgame_walks::export::{self, MapDoor, MapWalk};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, n, percent};
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct DistrictQuery {
    district: Option<String>,
    planned: Option<usize>,
}

fn assign_form(
    viewer: &Viewer,
    walk_id: i64,
    a: Option<&canvassing::Assignment>,
    people: &[accounts::Member],
    sessions: &[canvassing::CanvassSession],
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

pub async fn list(State(state): State<AppState>, viewer: Viewer, Query(q): Query<DistrictQuery>) -> PageResult<Markup> {
    let mut tx = state.store.begin().await?;
    let districts = campaigns::polling_districts(&mut tx, &viewer.campaign).await?;
    let district =
        q.district.map(|d| d.trim().to_ascii_uppercase()).filter(|d| districts.contains(d)).or_else(|| districts.first().cloned());
    let progress = canvassing::progress(&mut tx, &viewer.campaign).await?;
    let people = accounts::members(&mut tx, &viewer.campaign).await?;
    let sessions = canvassing::sessions(&mut tx, &viewer.campaign).await?;
    let mut routes = Vec::new();
    let in_district: Vec<_> = progress.walks.iter().filter(|w| Some(&w.walk.polling_district) == district.as_ref()).collect();
    for w in &in_district {
        let (_, doors) = walks::get(&mut tx, &viewer.campaign, w.walk.id).await?;
        routes.push(MapWalk {
            number: w.walk.number,
            label: w.walk.name.clone(),
            points: doors.iter().filter_map(|d| Some((d.lat?, d.lon?))).collect(),
        });
    }
    tx.commit().await?;
    let may_assign = viewer.may(Permission::AssignWalks);
    Ok(layout::page(
        &viewer,
        "Walks",
        html! {
            h1 { "Walks" }
            @if let Some(p) = q.planned { p.ok role="status" { "Planned " (p) " walks." } }
            form.inline method="get" action="/walks" {
                label for="district" { "Polling district" }
                select #district name="district" {
                    @for d in &districts { option value=(d) selected[Some(d) == district.as_ref()] { (d) } }
                }
                button type="submit" { "Show" }
            }
            @if let Some(d) = &district {
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
                div.scroll { table {
                    thead { tr { th scope="col" { "Walk" } th { "Doors" } th { "Electors" } th { "Minutes" } th { "Status" } th { "Knocked" } @if may_assign { th { "Assignment" } } } }
                    tbody { @for w in &in_district { tr {
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

pub async fn plan(State(state): State<AppState>, viewer: Viewer, Form(f): Form<PlanForm>) -> PageResult<Response> {
    if !(2..=1000).contains(&f.per_walk) {
        return Err(AppError::bad_request("doors per walk must be between 2 and 1,000").into());
    }
    let mut tx = state.store.begin_write().await?;
    let district = f.district.trim().to_ascii_uppercase();
    let planned = walks::plan_district(&mut tx, &viewer.campaign, &district, WalkSize::DoorsPerWalk(f.per_walk), 1).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/walks?district={district}&planned={}", planned.walks.len())).into_response())
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

pub async fn assign(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>, Form(f): Form<AssignForm>) -> PageResult<Response> {
    let mut tx = state.store.begin_write().await?;
    canvassing::assign(&mut tx, &viewer.campaign, id, optional_id(f.user_id)?, optional_id(f.session_id)?).await?;
    let (walk, _) = walks::get(&mut tx, &viewer.campaign, id).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/walks?district={}", walk.polling_district)).into_response())
}

fn map_doors(doors: &[walks::WalkDoor]) -> Vec<MapDoor> {
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

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult<Markup> {
    let mut tx = state.store.begin().await?;
    let (walk, doors) = walks::get(&mut tx, &viewer.campaign, id).await?;
    let contacts = canvassing::walk_contacts(&mut tx, &viewer.campaign, id).await?;
    let survey = canvassing::survey(&mut tx, &viewer.campaign).await?;
    let people = accounts::members(&mut tx, &viewer.campaign).await?;
    let sessions = canvassing::sessions(&mut tx, &viewer.campaign).await?;
    let assignment = canvassing::assignments(&mut tx, &viewer.campaign).await?.remove(&id);
    tx.commit().await?;
    let address: HashMap<i64, String> = doors.iter().map(|d| (d.household_id, d.address.replace('\n', ", "))).collect();
    Ok(layout::page(
        &viewer,
        &walk.name,
        html! {
            h1 { (walk.name) }
            p { (walk.doors) " doors, " (walk.electors) " electors, " (format!("{:.1}", walk.distance_m / 1000.0)) " km, about " (walk.minutes) " minutes." }
            p { a href={ "/walks/" (id) "/sheet" } { "Printable walk sheet" } " · " a href={ "/walks/" (id) "/entry" } { "Key in a paper sheet" } }
            @if viewer.may(Permission::AssignWalks) { (assign_form(&viewer, id, assignment.as_ref(), &people, &sessions)) }
            figure.map { (layout::raw(export::svg(&walk.name, &map_doors(&doors)))) }
            h2 { "Contacts (" (contacts.len()) ")" }
            @if contacts.is_empty() { p { "None yet." } } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Recorded" } th { "Door" } th { "Elector" } th { "Outcome" } th { "Answers" } th { "Note" } th { "By" } } }
                    tbody { @for c in &contacts { tr {
                        td { (c.recorded_at.replace('T', " ").chars().take(16).collect::<String>()) }
                        td { (address.get(&c.household_id).cloned().unwrap_or_default()) }
                        td { (c.elector_id.map(|e| e.to_string()).unwrap_or_else(|| "whole door".into())) }
                        td { (c.outcome.clone().unwrap_or_default()) }
                        td { (answer_text(&survey, &c.answers)) }
                        td { (c.note) }
                        td { (c.canvasser.clone().unwrap_or_default()) " (" (c.source) ")" }
                    } } }
                } }
            }
        },
    ))
}

/// A printable walk sheet: doors in walking order, electors with boxes for the survey's codes.
pub async fn sheet(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult<Markup> {
    let mut tx = state.store.begin_write().await?;
    let payload = canvassing::walk_payload(&mut tx, &viewer.campaign, id).await?;
    audit::record(&mut tx, Some(viewer.campaign.id), Some(viewer.user.id), "walk_sheet", &payload.walk.name, payload.electors() as i64)
        .await?;
    tx.commit().await?;
    let survey = &payload.survey;
    Ok(layout::page(
        &viewer,
        &format!("Walk sheet: {}", payload.walk.name),
        html! {
            div.sheet {
                h1 { (payload.walk.name) }
                p { (viewer.campaign.name) " · " (payload.walk.doors) " doors · " (payload.walk.electors) " electors · about " (payload.walk.minutes) " minutes. "
                    "Canvasser: ______________________  Date: ____________" }
                p.no-print { button type="button" onclick="window.print()" { "Print" } }
                section.codes aria-label="Codes" {
                    @for q in &survey.questions {
                        p { strong { (q.label) ": " } (q.choices.iter().map(|c| if c.code == c.label { c.code.clone() } else { format!("{} {}", c.code, c.label) }).collect::<Vec<_>>().join(" · ")) }
                    }
                    p { strong { "Door outcomes: " } (survey.outcomes.iter().map(|c| format!("{} {}", c.code, c.label)).collect::<Vec<_>>().join(" · ")) }
                }
                table.sheet-table {
                    thead { tr { th scope="col" { "#" } th { "Elector" } @for q in &survey.questions { th scope="col" { (q.label) } } th { "Outcome" } th { "Note" } } }
                    tbody {
                        @for (i, d) in payload.doors.iter().enumerate() {
                            tr.door { th colspan=(survey.questions.len() + 4) scope="rowgroup" { (i + 1) ". " (d.address.replace('\n', ", ")) } }
                            @for e in &d.electors { tr {
                                td { } td { (e.number) " " (e.name) @if e.postal { " (postal)" } }
                                @for _ in &survey.questions { td.box { } }
                                td.box { } td.note { }
                            } }
                        }
                    }
                }
            }
        },
    ))
}

pub async fn entry_page(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult<Markup> {
    let mut tx = state.store.begin_write().await?;
    let payload = canvassing::walk_payload(&mut tx, &viewer.campaign, id).await?;
    audit::record(&mut tx, Some(viewer.campaign.id), Some(viewer.user.id), "walk_entry", &payload.walk.name, payload.electors() as i64)
        .await?;
    tx.commit().await?;
    Ok(entry_form(&viewer, &payload, None))
}

fn entry_form(viewer: &Viewer, payload: &canvassing::WalkPayload, message: Option<Markup>) -> Markup {
    let survey = &payload.survey;
    let intention = survey.questions.iter().find(|q| q.key == VOTING_INTENTION);
    let certainty = survey.questions.iter().find(|q| q.key == CERTAINTY);
    let today = chrono::Local::now().date_naive().format("%Y-%m-%d").to_string();
    html! {
        (layout::page(viewer, &format!("Key in: {}", payload.walk.name), html! {
            h1 { "Key in a paper sheet" }
            p { (payload.walk.name) ". Fill in only the rows with something on the sheet; tab moves along a row, and typing a code's first letter picks it." }
            @if let Some(m) = message { (m) }
            form method="post" action={ "/walks/" (payload.walk.id) "/entry" } {
                (layout::csrf(viewer))
                label for="date" { "Date canvassed" }
                input #date type="date" name="date" value=(today) required;
                div.scroll { table.entry {
                    thead { tr { th scope="col" { "Door" } th { "Elector" }
                        @if let Some(q) = intention { th { (q.label) } } @if let Some(q) = certainty { th { (q.label) } } th { "Outcome" } th { "Note" } } }
                    tbody { @for d in &payload.doors {
                        tr {
                            th scope="row" { (d.address.replace('\n', ", ")) } td { "whole door" }
                            @if intention.is_some() { td {} } @if certainty.is_some() { td {} }
                            td { select name={ "d" (d.household_id) "_outcome" } aria-label={ "Outcome for the door at " (d.address) } {
                                option value="" {} @for o in &survey.outcomes { option value=(o.code) { (o.code) " " (o.label) } } } }
                            td {}
                        }
                        @for e in &d.electors { tr {
                            td {} th scope="row" { (e.number) " " (e.name) }
                            @if let Some(q) = intention { td { select name={ "e" (e.id) "_" (q.key) } aria-label={ (q.label) " of " (e.name) } {
                                option value="" {} @for c in &q.choices { option value=(c.code) { (c.code) } } } } }
                            @if let Some(q) = certainty { td { select name={ "e" (e.id) "_" (q.key) } aria-label={ (q.label) " of " (e.name) } {
                                option value="" {} @for c in &q.choices { option value=(c.code) { (c.code) } } } } }
                            td { select name={ "e" (e.id) "_outcome" } aria-label={ "Outcome for " (e.name) } {
                                option value="" {} @for o in &survey.outcomes { option value=(o.code) { (o.code) " " (o.label) } } } }
                            td { input name={ "e" (e.id) "_note" } aria-label={ "Note on " (e.name) } maxlength="2000"; }
                        } }
                    } }
                } }
                button type="submit" { "Save" }
            }
        }))
    }
}

/// Turns the keyed-in sheet into contacts (source: paper), one per row with anything filled in.
pub async fn entry(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult<Response> {
    let mut tx = state.store.begin_write().await?;
    let payload = canvassing::walk_payload(&mut tx, &viewer.campaign, id).await?;
    let date = fields.iter().find(|(k, _)| k == "date").map(|(_, v)| v.clone()).unwrap_or_default();
    let day = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::bad_request("the date canvassed must be a date"))?;
    let recorded_at = day.and_hms_opt(12, 0, 0).expect("noon").and_utc();
    let household_of: HashMap<i64, i64> =
        payload.doors.iter().flat_map(|d| d.electors.iter().map(move |e| (e.id, d.household_id))).collect();
    // Rows: ("d", household) or ("e", elector) -> field -> value.
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
    let mut contacts = Vec::new();
    for ((kind, num), mut values) in rows {
        let outcome = values.remove("outcome");
        let note = values.remove("note").unwrap_or_default();
        let (household_id, elector_id) = if kind == 'd' {
            (num, None)
        } else {
            (*household_of.get(&num).ok_or_else(|| AppError::bad_request(format!("elector {num} is not on this walk")))?, Some(num))
        };
        if values.is_empty() && outcome.is_none() && note.is_empty() {
            continue;
        }
        contacts.push(Contact {
            id: uuid::Uuid::new_v4(),
            walk_id: Some(id),
            household_id,
            elector_id,
            recorded_at,
            outcome,
            answers: values,
            note,
        });
    }
    let report = canvassing::record_contacts(&mut tx, &viewer.campaign, viewer.user.id, Scope::Campaign, &contacts, Source::Paper).await?;
    if !report.rejected.is_empty() {
        // Keep nothing of a sheet with mistakes: the person keying it in fixes them and saves again.
        drop(tx);
        let msg = html! { div.error role="alert" { p { "Nothing was saved. Fix these and save again:" } ul { @for r in &report.rejected { li { (r.reason) } } } } };
        return Ok((axum::http::StatusCode::BAD_REQUEST, entry_form(&viewer, &payload, Some(msg))).into_response());
    }
    tx.commit().await?;
    let msg = html! { p.ok role="status" { "Saved " (report.stored.len()) " contacts from the sheet." } };
    Ok(entry_form(&viewer, &payload, Some(msg)).into_response())
}
