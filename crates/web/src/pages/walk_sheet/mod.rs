//! The paper walk sheet: one line per elector in walking order, with a box for each of the
//! survey's questions and the outcome. The same lines make the page to print, the PDF to
//! download and the key-in form, so that a data officer keys a sheet in line by line, in the
//! sheet's own order and columns, without looking away from it.

mod pdf;

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use groundgame_app::canvassing::{self, Keyed, PaperRow};
use groundgame_core::survey::Survey;
use groundgame_store::canvassing::{DoorstepElector, WalkPayload};
use maud::{html, Markup};

use super::layout;
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::input::{FormBody, PagePath};
use crate::state::AppState;

/// One line of the sheet: an elector, or a door with nobody on the register to canvass.
pub struct Line<'a> {
    /// The door's number on the sheet, from 1 in walking order.
    pub door: usize,
    pub household_id: i64,
    /// The door's address as the sheet prints it, on every line of the door (the first shows it).
    pub address: String,
    /// Whether this is the door's first line, and how many lines the door takes.
    pub first: bool,
    pub lines_in_door: usize,
    pub elector: Option<&'a DoorstepElector>,
}

impl Line<'_> {
    /// The elector as the sheet names them: number and name, and whether they vote by post.
    pub fn elector_text(&self) -> String {
        match self.elector {
            Some(e) if e.postal => format!("{} {} (postal)", e.number, e.name),
            Some(e) => format!("{} {}", e.number, e.name),
            None => "no electors to canvass".to_owned(),
        }
    }
}

/// A walk laid out as a sheet.
pub struct Sheet<'a> {
    pub payload: &'a WalkPayload,
    pub campaign: &'a str,
    pub lines: Vec<Line<'a>>,
}

impl<'a> Sheet<'a> {
    pub fn new(campaign: &'a str, payload: &'a WalkPayload) -> Sheet<'a> {
        let mut lines = Vec::new();
        for (i, d) in payload.doors.iter().enumerate() {
            let address = door_line(&d.address);
            let n = d.electors.len().max(1);
            let line = |j: usize, elector| Line {
                door: i + 1,
                household_id: d.household_id,
                address: address.clone(),
                first: j == 0,
                lines_in_door: n,
                elector,
            };
            if d.electors.is_empty() {
                lines.push(line(0, None));
            }
            lines.extend(d.electors.iter().enumerate().map(|(j, e)| line(j, Some(e))));
        }
        Sheet { payload, campaign, lines }
    }

    pub fn survey(&self) -> &Survey {
        &self.payload.survey
    }

    pub fn title(&self) -> &str {
        &self.payload.walk.name
    }

    /// "60 doors · 131 electors · about 75 minutes".
    pub fn summary(&self) -> String {
        let w = &self.payload.walk;
        format!("{} · {} doors · {} electors · about {} minutes", self.campaign, w.doors, w.electors, w.minutes)
    }

    /// The key to the codes: each question with its codes, then the door outcomes.
    pub fn legend(&self) -> Vec<(String, String)> {
        let codes = |choices: &[groundgame_core::survey::Choice]| {
            choices.iter().map(|c| code_and_label(&c.code, &c.label)).collect::<Vec<_>>().join(" · ")
        };
        let survey = self.survey();
        let mut out: Vec<(String, String)> = survey.questions.iter().map(|q| (q.label.clone(), codes(&q.choices))).collect();
        out.push(("Door outcomes".into(), codes(&survey.outcomes)));
        out
    }

    /// The heads of the boxes after the elector: each question, then the outcome.
    pub fn boxes(&self) -> Vec<&str> {
        self.survey().questions.iter().map(|q| q.label.as_str()).chain(["Outcome"]).collect()
    }
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
    let sheet = Sheet::new(&viewer.campaign.name, &payload);
    Ok(layout::page(
        &viewer,
        &format!("Walk sheet: {}", sheet.title()),
        html! {
            div.sheet {
                h1 { (sheet.title()) }
                p { (sheet.summary()) ". Canvasser: ______________________  Date: ____________" }
                p.no-print {
                    button type="button" data-print { "Print" } " "
                    a href={ "/walks/" (id) "/sheet.pdf" } download { "Download as a PDF" }
                }
                section.codes aria-label="Codes" {
                    @for (label, codes) in sheet.legend() { p { strong { (label) ": " } (codes) } }
                }
                div.scroll { table.sheet-table {
                    thead { tr {
                        th.num scope="col" { "#" } th.addr scope="col" { "Address" } th.elector scope="col" { "Elector" }
                        @for head in sheet.boxes() { th.q scope="col" { span { (head) } } }
                        th.note scope="col" { "Note" }
                    } }
                    // One line per elector, the door's number and address beside its first.
                    @for door in sheet.lines.chunk_by(|a, b| a.door == b.door) {
                        tbody.door {
                            @for line in door {
                                tr {
                                    @if line.first {
                                        th.num scope="rowgroup" rowspan=(line.lines_in_door) { (line.door) }
                                        td.addr rowspan=(line.lines_in_door) { (line.address) }
                                    }
                                    @if line.elector.is_some() { td.elector { (line.elector_text()) } } @else { td { em { (line.elector_text()) } } }
                                    @for _ in sheet.boxes() { td.box {} }
                                    td.note {}
                                }
                            }
                        }
                    }
                } }
            }
        },
    ))
}

/// The same sheet as a PDF on A4, to download, print elsewhere or send to a print shop.
pub async fn sheet_pdf(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Response> {
    let payload = canvassing::paper(&state.app, viewer.actor(), id, "walk_sheet").await?;
    let bytes = pdf::render(&Sheet::new(&viewer.campaign.name, &payload));
    let file: String = payload.walk.name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    Ok(super::personal_file("application/pdf", &format!("walk-sheet-{file}.pdf"), bytes))
}

pub async fn entry_page(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Markup> {
    let payload = canvassing::paper(&state.app, viewer.actor(), id, "walk_entry").await?;
    Ok(entry_form(&viewer, &payload, None))
}

/// The key-in form: the printed sheet's lines in its order, with its numbers, addresses and
/// columns (every question of the survey the phone asks, so nothing on the sheet is lost, then
/// the outcome and a note).
fn entry_form(viewer: &Viewer, payload: &WalkPayload, message: Option<Markup>) -> Markup {
    let sheet = Sheet::new(&viewer.campaign.name, payload);
    let survey = &payload.survey;
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let outcome_select = |name: String, label: String| {
        html! { select name=(name) aria-label=(label) { option value="" {} @for o in &survey.outcomes { option value=(o.code) { (o.code) } } } }
    };
    layout::page(
        viewer,
        &format!("Key in: {}", payload.walk.name),
        html! {
            h1 { "Key in a paper sheet" }
            p { (payload.walk.name) ". The lines are the printed sheet's, in its order: fill in only those with something written on them. "
                "Tab moves along a line, and typing a code's first letter picks it." }
            details { summary { "The codes" } @for (label, codes) in sheet.legend() { p { strong { (label) ": " } (codes) } } }
            @if let Some(m) = message { (m) }
            form method="post" action={ "/walks/" (payload.walk.id) "/entry" } {
                (layout::csrf(viewer))
                label for="date" { "Date canvassed" }
                input #date type="date" name="date" value=(today) max=(today) required;
                div.scroll { table.entry.sheet-table {
                    thead { tr {
                        th.num scope="col" { "#" } th.addr scope="col" { "Address" } th.elector scope="col" { "Elector" }
                        @for head in sheet.boxes() { th scope="col" { (head) } }
                        th scope="col" { "Note" }
                    } }
                    @for door in sheet.lines.chunk_by(|a, b| a.door == b.door) {
                        tbody.door { @for line in door {
                            tr {
                                @if line.first {
                                    th.num scope="rowgroup" rowspan=(line.lines_in_door) { (line.door) }
                                    td.addr rowspan=(line.lines_in_door) { (line.address) }
                                }
                                @match line.elector {
                                    Some(e) => {
                                        th.elector scope="row" { (line.elector_text()) }
                                        @for q in &survey.questions {
                                            td { select name={ "e" (e.id) "_" (q.key) } aria-label={ (q.label) " of " (e.name) ", line " (line.door) } {
                                                option value="" {} @for c in &q.choices { option value=(c.code) { (c.code) } } } }
                                        }
                                        td { (outcome_select(format!("e{}_outcome", e.id), format!("Outcome for {}", e.name))) }
                                        td { input name={ "e" (e.id) "_note" } aria-label={ "Note on " (e.name) } maxlength="2000"; }
                                    }
                                    None => {
                                        th scope="row" { em { (line.elector_text()) } }
                                        @for _ in &survey.questions { td {} }
                                        td { (outcome_select(format!("d{}_outcome", line.household_id), format!("Outcome for the door at {}", line.address))) }
                                        td { input name={ "d" (line.household_id) "_note" } aria-label={ "Note on the door at " (line.address) } maxlength="2000"; }
                                    }
                                }
                            }
                        } }
                    }
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
            let msg = html! { p.ok role="status" { "Saved " (layout::count(n, "contact", "contacts")) " from the sheet." } };
            entry_form(&viewer, &payload, Some(msg)).into_response()
        }
        Keyed::Refused(reasons) => {
            let msg = html! { div.error role="alert" { p { "Nothing was saved. Fix these and save again:" } ul { @for r in &reasons { li { (r) } } } } };
            (axum::http::StatusCode::BAD_REQUEST, entry_form(&viewer, &payload, Some(msg))).into_response()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::door_line;

    #[test]
    fn a_door_line_stops_at_the_numbered_street_line() {
        assert_eq!(door_line("Flat 2\n14 Elm Road\nDerby\nDE22 1AA"), "Flat 2, 14 Elm Road");
        assert_eq!(door_line("Rose Cottage, Derby"), "Rose Cottage");
        assert_eq!(door_line(""), "");
    }
}
