use std::io::Write;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use groundgame_core::access::Permission;
use groundgame_core::geography::Gazetteer;
use groundgame_core::register::layout::Mapping;
use groundgame_core::register::record::UnknownMarkers;
use groundgame_store::register::pipeline::{import_file, RegisterFile};
use groundgame_store::register::{self, ImportOptions, ImportReport};
use groundgame_store::{audit, Error};
use maud::{html, Markup};

use super::layout::{self, n};
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::AppState;

/// What an upload did, to show above the register.
enum Outcome {
    Imported(ImportReport),
    Failed { message: String, rows: Vec<String> },
}

async fn render(state: &AppState, viewer: &Viewer, outcome: Option<Outcome>) -> PageResult<Markup> {
    let mut tx = state.store.begin().await?;
    let stats = register::stats(&mut tx, &viewer.campaign).await?;
    tx.commit().await?;
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
                            p { (n(r.households_not_geocoded)) " households could not be placed on the map: their postcodes are not in the bundled list." }
                        }
                    }
                }
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
                p { "A council export (Xpress 13 or 14 fields, CSV, any common encoding). It replaces the register in one step; "
                    "people keep their history when renumbered. If any row is wrong, nothing is imported and each problem is listed by line." }
                form method="post" action={ "/register/import?csrf=" (viewer.csrf_token) } enctype="multipart/form-data" {
                    label for="file" { "Register file" }
                    input #file type="file" name="file" accept=".csv,.txt,text/csv" required;
                    button type="submit" { "Import" }
                }
            }
            @if viewer.may(Permission::ExportRegister) {
                p { a href="/api/v1/register/export" download { "Download the register (CSV)" } " — every download is recorded in the audit log." }
            }
            h2 { "Polling districts" }
            div.scroll { table {
                thead { tr { th scope="col" { "District" } th { "Electors" } th { "Households" } th { "Eligible" } th { "Postal" } th { "Not on the map" } } }
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

/// Receives an upload into a temporary file, then runs the same importer as the command line.
pub async fn import(State(state): State<AppState>, viewer: Viewer, mut multipart: Multipart) -> PageResult<Response> {
    let mut upload = tempfile::NamedTempFile::new().map_err(anyhow::Error::new)?;
    let mut name = None;
    while let Some(mut field) = multipart.next_field().await.map_err(|e| AppError::bad_request(format!("the upload failed: {e}")))? {
        if field.name() != Some("file") {
            continue;
        }
        name = Some(field.file_name().unwrap_or("register.csv").to_owned());
        while let Some(chunk) = field.chunk().await.map_err(|e| AppError::bad_request(format!("the upload failed: {e}")))? {
            upload.write_all(&chunk).map_err(anyhow::Error::new)?;
        }
    }
    let Some(name) = name else { return Err(AppError::bad_request("choose a register file to upload").into()) };
    upload.flush().map_err(anyhow::Error::new)?;
    let outcome = match run_import(&state, &viewer, upload.path(), &name).await {
        Ok(report) => Outcome::Imported(report),
        Err(Error::Rows { errors, total }) => Outcome::Failed {
            message: format!("{total} row(s) could not be read. The first are:"),
            rows: errors.iter().map(|e| e.to_string()).collect(),
        },
        Err(Error::Internal(e)) => return Err(AppError::internal(format!("{e:#}")).into()),
        Err(e) => Outcome::Failed { message: e.to_string(), rows: Vec::new() },
    };
    let status = if matches!(outcome, Outcome::Failed { .. }) { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, render(&state, &viewer, Some(outcome)).await?).into_response())
}

async fn run_import(state: &AppState, viewer: &Viewer, path: &std::path::Path, name: &str) -> Result<ImportReport, Error> {
    let file = RegisterFile::open(path, &Mapping::default(), UnknownMarkers::Refuse)?;
    let gazetteer = Gazetteer::demo();
    let options = ImportOptions {
        source: name.to_owned(),
        format: file.format(),
        number_column: file.number_column(),
        skip_invalid: false,
        gazetteer: &gazetteer,
    };
    let report = import_file(&state.store, &viewer.campaign, file, options, None, Arc::new(AtomicU64::new(0))).await?;
    let mut tx = state.store.begin_write().await?;
    audit::record(&mut tx, Some(viewer.campaign.id), Some(viewer.user.id), "import_register", name, report.electors as i64).await?;
    tx.commit().await?;
    Ok(report)
}
