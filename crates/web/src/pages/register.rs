//! The register page: statistics, uploads (previewed before they replace anything) and the
//! audited download.

use std::io::Write;

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use groundgame_app::register::{self, Preview};
use groundgame_core::access::Permission;
use groundgame_store::register::ImportReport;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, n};
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::input::{FormBody, PagePath};
use crate::state::AppState;

/// What an upload did, to show above the register.
enum Outcome {
    Imported(ImportReport),
    Cancelled,
    Failed { message: String, rows: Vec<String> },
}

async fn render(state: &AppState, viewer: &Viewer, outcome: Option<Outcome>) -> PageResult<Markup> {
    let stats = register::stats(&state.app, viewer.actor()).await?;
    let t = &stats.totals;
    Ok(layout::page(
        viewer,
        "Register",
        html! {
            h1 { "The electoral register" }
            @match &outcome {
                Some(Outcome::Imported(r)) => {
                    div.ok role="status" {
                        p { "Imported " (n(r.electors)) " electors in " (n(r.households)) " households and " (r.polling_districts)
                            " polling districts as register version " (r.version) " (" (r.format) ")." }
                        @if r.households_not_geocoded > 0 {
                            p { (n(r.households_not_geocoded)) " households could not be placed on the map: their postcodes are not known yet." }
                        }
                        @if r.households_gone > 0 || r.households_new > 0 {
                            p { (n(r.households_gone)) " households left the register and " (n(r.households_new)) " are new: "
                                a href="/walks" { "the walks page" } " shows which walks to plan again." }
                        }
                    }
                }
                Some(Outcome::Cancelled) => { p.ok role="status" { "The upload was cancelled: nothing changed." } }
                Some(Outcome::Failed { message, rows }) => {
                    div.error role="alert" {
                        p { strong { "Nothing was imported. " } (message) }
                        @if !rows.is_empty() { ul { @for r in rows { li { (r) } } } }
                    }
                }
                None => {}
            }
            p { "Version " (stats.register_version) ": " (n(t.electors)) " electors, " (n(t.households)) " households, "
                (n(t.eligible)) " eligible on " (stats.election_date.format("%-d %B %Y")) ", " (n(t.attainers)) " attainers, "
                (n(t.postal_voters)) " postal and " (n(t.proxy_voters)) " proxy voters, " (n(t.anonymous)) " anonymous." }
            @if viewer.may(Permission::ImportRegister) {
                h2 { "Upload a register export" }
                p { "A council export (Xpress 13 or 14 fields, CSV, any common encoding). You will see what it changes before it replaces "
                    "the register; people keep their history when renumbered. If any row is wrong, nothing is imported and each problem is listed by line." }
                form method="post" action={ "/register/import?csrf=" (viewer.csrf_token) } enctype="multipart/form-data" {
                    label for="file" { "Register file" }
                    input #file type="file" name="file" accept=".csv,.txt,text/csv" required;
                    button type="submit" { "Check the file" }
                }
            }
            @if viewer.may(Permission::ExportRegister) {
                p { a href="/api/v1/register/export" download { "Download the register (CSV)" } " — every download is recorded in the audit log." }
            }
            p { a href="/register/requests" { "Objections and requests" } ": electors who asked not to be contacted, and everything held about one elector." }
            p { a href="/register/screening" { "Phone screening" } ": the TPS and CTPS files, so that no one on them is called without their consent." }
            h2 { "Polling districts" }
            div.scroll { table {
                thead { tr { th scope="col" { "District" } th scope="col" { "Electors" } th scope="col" { "Households" } th scope="col" { "Eligible" } th scope="col" { "Postal" } th scope="col" { "Not on the map" } } }
                tbody { @for (pd, d) in &stats.polling_districts { tr {
                    th scope="row" { (pd) } td { (n(d.electors)) } td { (n(d.households)) } td { (n(d.eligible)) } td { (n(d.postal_voters)) } td { (n(d.households_not_geocoded)) }
                } } }
            } }
        },
    ))
}

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    render(&state, &viewer, None).await
}

fn failed(e: AppError) -> Outcome {
    Outcome::Failed { message: e.message, rows: e.rows }
}

fn preview_page(viewer: &Viewer, p: &Preview, error: Option<&str>) -> Markup {
    let r = &p.report;
    let kept = r.electors_matched;
    layout::page(
        viewer,
        "Check the upload",
        html! {
            h1 { "What " (p.name) " would change" }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            p { "Nothing has changed yet. Importing it replaces the register (version " (r.version - 1) ") in one step:" }
            ul {
                li { (n(r.electors)) " electors in " (n(r.households)) " households and " (r.polling_districts) " polling districts, where there are now " (n(r.electors_before)) " electors;" }
                li { (n(kept)) " of them are already on the register and keep their history, " (n(r.electors - kept)) " are new;" }
                li strong[r.electors_removed > 0] { (n(r.electors_removed)) " electors now on the register are not in the file and would be removed;" }
                li { (n(r.households_gone)) " households would leave the register and " (n(r.households_new)) " would be new." }
            }
            @if !p.walks_losing_doors.is_empty() {
                h2 { (p.walks_losing_doors.len()) " walks would lose doors" }
                p { "Answers already recorded are kept. Plan those districts again after importing." }
                div.scroll { table {
                    thead { tr { th scope="col" { "Walk" } th scope="col" { "Doors lost" } th scope="col" { "Doors on it" } } }
                    tbody { @for (id, name, lost, doors) in p.walks_losing_doors.iter().take(50) { tr {
                        th scope="row" { a href={ "/walks/" (id) } { (name) } } td { (lost) } td { (doors) }
                    } } }
                } }
            }
            form method="post" action={ "/register/import/" (p.upload) } {
                (layout::csrf(viewer))
                @if p.much_smaller {
                    div.error role="alert" {
                        p { strong { "This file is much smaller than the register it replaces." } " Is it the whole register, or only one ward or an update?" }
                        label.check { input type="checkbox" name="smaller" value="yes" required; " Yes: remove the " (n(r.electors_removed)) " electors not in this file" }
                    }
                }
                button type="submit" name="decision" value="import" { "Import it" }
                button.link type="submit" name="decision" value="cancel" formnovalidate { "Cancel" }
            }
        },
    )
}

/// Receives an upload into a temporary file and shows what importing it would change.
pub async fn upload(State(state): State<AppState>, viewer: Viewer, mut multipart: Multipart) -> PageResult<Response> {
    let mut file = tempfile::NamedTempFile::new().map_err(anyhow::Error::new)?;
    let mut name = None;
    while let Some(mut field) = multipart.next_field().await.map_err(|e| AppError::bad_request(format!("the upload failed: {e}")))? {
        if field.name() != Some("file") {
            continue;
        }
        name = Some(field.file_name().filter(|n| !n.trim().is_empty()).unwrap_or("register.csv").to_owned());
        while let Some(chunk) = field.chunk().await.map_err(|e| AppError::bad_request(format!("the upload failed: {e}")))? {
            file.write_all(&chunk).map_err(anyhow::Error::new)?;
        }
    }
    let Some(name) = name else { return Err(AppError::bad_request("choose a register file to upload").into()) };
    file.flush().map_err(anyhow::Error::new)?;
    match register::preview_upload(&state.app, viewer.actor(), &name, file.path()).await {
        Ok(preview) => Ok(preview_page(&viewer, &preview, None).into_response()),
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error() {
                return Err(e.into());
            }
            Ok((StatusCode::BAD_REQUEST, render(&state, &viewer, Some(failed(e))).await?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct Decision {
    decision: String,
    smaller: Option<String>,
}

/// Imports or cancels an upload that has been previewed.
pub async fn decide(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<String>,
    FormBody(d): FormBody<Decision>,
) -> PageResult<Response> {
    if d.decision == "cancel" {
        register::cancel_upload(&state.app, viewer.actor(), &id).await?;
        return Ok(render(&state, &viewer, Some(Outcome::Cancelled)).await?.into_response());
    }
    match register::confirm_upload(&state.app, viewer.actor(), &id, d.smaller.as_deref() == Some("yes")).await {
        Ok(report) => Ok(render(&state, &viewer, Some(Outcome::Imported(report))).await?.into_response()),
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error() || e.status == StatusCode::NOT_FOUND {
                return Err(e.into());
            }
            Ok((e.status, render(&state, &viewer, Some(failed(e))).await?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ObjectionForm {
    number: String,
    #[serde(default)]
    how: String,
}

/// Electors' requests: the objections recorded (each elector off every list), a form to record
/// one, and a subject access download for one elector.
pub async fn requests(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    requests_page(&state, &viewer, None).await
}

async fn requests_page(state: &AppState, viewer: &Viewer, message: Option<Markup>) -> PageResult<Markup> {
    let list = groundgame_app::privacy::objections(&state.app, viewer.actor()).await?;
    Ok(layout::page(
        viewer,
        "Objections and requests",
        html! {
            h1 { "Objections and requests" }
            @if let Some(m) = message { (m) }
            @if viewer.may(Permission::ImportRegister) {
                h2 { "An elector objects to being contacted" }
                p { "They come off every walk, walk sheet, phone, knock-up list, postal chase, friend match and register download "
                    "of the campaign at once, and stay off when a new register is imported." }
                form method="post" action="/register/objections" {
                    (layout::csrf(viewer))
                    label for="number" { "Elector number" }
                    input #number name="number" required placeholder="NA1-124" autocomplete="off" spellcheck="false";
                    label for="how" { "How it came (optional)" }
                    input #how name="how" maxlength="500" placeholder="Letter of 3 May; on the doorstep";
                    button type="submit" { "Record the objection" }
                }
            }
            @if viewer.may(Permission::ExportRegister) {
                h2 { "Everything held about one elector" }
                p { "For a subject access request: their register entry, what canvassers recorded at their door, polling-day records, "
                    "friend matches, any objection and the audit lines that name them, as one file (recorded in the audit log)." }
                form method="get" action="/register/subject-access" {
                    label for="sar" { "Elector number" }
                    input #sar name="number" required placeholder="NA1-124" autocomplete="off" spellcheck="false";
                    button type="submit" { "Download" }
                }
            }
            h2 { "Objections recorded" }
            @if list.is_empty() { p { "None yet." } } @else {
                div.scroll { table {
                    thead { tr { th scope="col" { "Elector" } th scope="col" { "Name" } th scope="col" { "Recorded" } th scope="col" { "How" } } }
                    tbody { @for o in &list { tr {
                        th scope="row" { (groundgame_core::elector::format_number(&o.polling_district, o.elector_number, o.elector_suffix)) }
                        td { (o.name) } td { (o.recorded_at.get(..10).unwrap_or(&o.recorded_at)) } td { (o.how) }
                    } } }
                } }
            }
        },
    ))
}

pub async fn object(State(state): State<AppState>, viewer: Viewer, FormBody(f): FormBody<ObjectionForm>) -> PageResult<Response> {
    match groundgame_app::privacy::record_objection(&state.app, viewer.actor(), &f.number, &f.how).await {
        Ok((e, new)) => {
            let name = [e.forename.clone(), e.surname.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ");
            let said = if new { "is now off every list" } else { "had already objected: still off every list" };
            let msg = html! { p.ok role="status" { (e.elector_number) " " (name) " " (said) "." } };
            Ok(requests_page(&state, &viewer, Some(msg)).await?.into_response())
        }
        Err(e) => {
            let e = AppError::from(e);
            let msg = html! { p.error role="alert" { "Nothing was recorded: " (e.message) } };
            Ok((e.status, requests_page(&state, &viewer, Some(msg)).await?).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct NumberQuery {
    #[serde(default)]
    number: String,
}

/// One elector's subject access bundle, as a JSON file (audited).
pub async fn subject_access(
    State(state): State<AppState>,
    viewer: Viewer,
    crate::input::PageQuery(q): crate::input::PageQuery<NumberQuery>,
) -> PageResult<Response> {
    let bundle = groundgame_app::privacy::elector_bundle(&state.app, viewer.actor(), &q.number).await?;
    let body = serde_json::to_string_pretty(&bundle).map_err(AppError::internal)?;
    let file: String = q.number.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    Ok(super::personal_file("application/json", &format!("elector-{file}.json"), body))
}
