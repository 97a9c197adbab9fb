use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use groundgame_app::canvassing;
use groundgame_core::access::Permission;
use groundgame_core::geography::{self, GssCode};
use groundgame_core::survey::Survey;
use groundgame_store::progress::Tally;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, n, percent};
use crate::auth::{self, ClientInfo, Viewer};
use crate::error::{AppError, PageResult};
use crate::input::FormBody;
use crate::state::AppState;

/// The canvass's measures, named the same everywhere, with what each counts.
const MEASURES: [(&str, &str); 5] = [
    ("Doors knocked", "doors with anything recorded: an answer, or not in, refused and the like"),
    ("Conversations", "doors where someone answered"),
    ("Contact rate", "conversations of doors knocked"),
    ("Answers recorded", "every record, not in and refusals included (a door can have several)"),
    ("Supporters", "electors whose latest intention is the campaign's party"),
];

/// The headings of a table of tallies, after its first.
fn tally_headings(first: &str) -> Markup {
    html! { tr { th scope="col" { (first) } @for (m, _) in MEASURES { th scope="col" { (m) } } } }
}

fn tally_cells(t: &Tally, key: &str) -> Markup {
    html! {
        td data-k={ (key) ".doors_knocked" } { (n(t.doors_knocked)) }
        td data-k={ (key) ".doors_spoken" } { (n(t.doors_spoken)) }
        td data-k={ (key) ".rate" } { (percent(t.contact_rate())) }
        td data-k={ (key) ".contacts" } { (n(t.contacts)) }
        td data-k={ (key) ".supporters" } { (n(t.supporters)) }
    }
}

pub async fn overview(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    let (progress, win, stats) = canvassing::progress(&state.app, viewer.actor()).await?;
    let t = &progress.totals;
    Ok(layout::page(
        &viewer,
        "Overview",
        html! {
            h1 { (viewer.campaign.name) }
            p { "Working for " strong { (viewer.campaign.party) } ". Register version " (stats.register_version) "." }
            section aria-labelledby="win" {
                h2 #win { "The win number" }
                @if let Some(w) = &win {
                    p.big {
                        strong data-k="totals.supporters" { (n(t.supporters)) } " supporters identified of a win number of "
                        strong { (n(w.win_number)) }
                    }
                    progress max=(w.win_number) value=(t.supporters.min(w.win_number)) aria-label="Supporters identified against the win number" {}
                    p.hint {
                        "In " (w.last_election.format("%Y")) " " (w.last_winner) " won by " (n(w.last_majority)) " on a turnout of "
                        (percent(w.last_turnout)) ". At that turnout " (n(stats.totals.eligible)) " eligible electors cast about "
                        (n(w.expected_votes)) " votes; the win number is the winning share of those, plus one."
                    }
                } @else {
                    p { "No previous general election result is bundled for this seat." }
                }
            }
            section aria-labelledby="live" {
                h2 #live { "Progress " span.live aria-live="polite" data-live="/api/v1/progress" { "(live)" } }
                dl.tiles {
                    div { dt { "Doors knocked" } dd { span data-k="totals.doors_knocked" { (n(t.doors_knocked)) } small { " of " (n(t.doors)) " on walks" } } }
                    div { dt { "Conversations" } dd { span data-k="totals.doors_spoken" { (n(t.doors_spoken)) } small { " at doors knocked" } } }
                    div { dt { "Contact rate" } dd { span data-k="totals.rate" { (percent(t.contact_rate())) } small { " of doors knocked" } } }
                    div { dt { "Answers recorded" } dd { span data-k="totals.contacts" { (n(t.contacts)) } small { " in all" } } }
                    div { dt { "Supporters" } dd { span data-k="totals.supporters" { (n(t.supporters)) } @if let Some(w) = &win { small { " of " (n(w.win_number)) " needed" } } } }
                }
                details.measures {
                    summary { "What these count" }
                    dl { @for (m, what) in MEASURES { dt { (m) } dd { (what) } } }
                }
                h3 { "By day" }
                @if progress.days.is_empty() { p { "Nothing recorded yet." } } @else {
                    div.scroll { table { thead { (tally_headings("Day")) }
                        tbody { @for (day, d) in &progress.days { tr { th scope="row" { (day.format("%a %-d %b")) } (tally_cells(d, &format!("day.{day}"))) } } } } }
                }
                h3 { "By polling district" }
                div.scroll { table { thead { (tally_headings("District")) }
                    tbody { @for (pd, d) in &progress.polling_districts { tr { th scope="row" { (pd) } (tally_cells(d, &format!("district.{pd}"))) } } } } }
                h3 { "Walks" }
                @if viewer.may(Permission::PlanWalks) {
                    p { a href="/walks" { "Plan and assign walks" } }
                } @else if viewer.may(Permission::EnterPaperResults) {
                    p { "Print a walk's sheet, or key a filled-in sheet back in, from its line below." }
                }
                div.scroll {
                    table {
                        thead { tr { th scope="col" { "Walk" } th scope="col" { "Status" } th scope="col" { "Canvasser" } th scope="col" { "Session" } @for (m, _) in MEASURES { th scope="col" { (m) } } } }
                        tbody {
                            @for w in progress.walks.iter().filter(|w| w.assignment.is_some() || w.tally.contacts > 0) {
                                tr {
                                    th scope="row" {
                                        @if viewer.may(Permission::PlanWalks) {
                                            a href={ "/walks/" (w.walk.id) } { (w.walk.name) }
                                        } @else { (w.walk.name) }
                                        @if viewer.may(Permission::EnterPaperResults) {
                                            br; small {
                                                a href={ "/walks/" (w.walk.id) "/sheet" } aria-label={ "Walk sheet: " (w.walk.name) } { "sheet" } " · "
                                                a href={ "/walks/" (w.walk.id) "/entry" } aria-label={ "Key in: " (w.walk.name) } { "key in" }
                                            }
                                        }
                                    }
                                    td data-k={ "walk." (w.walk.id) ".status" } { (w.status) }
                                    td { (w.assignment.as_ref().and_then(|a| a.canvasser.clone()).unwrap_or_default()) }
                                    td { (w.assignment.as_ref().and_then(|a| a.session.clone()).unwrap_or_default()) }
                                    (tally_cells(&w.tally, &format!("walk.{}", w.walk.id)))
                                }
                            }
                        }
                    }
                }
                p.hint { (progress.walks.len()) " walks in all; those assigned or started are shown." }
            }
            p { a href="/issues" { "What voters raise" } ": the top issues by district, intention, age and week." }
            section aria-labelledby="reg" {
                h2 #reg { "Register" }
                p { (n(stats.totals.electors)) " electors in " (n(stats.totals.households)) " households, " (n(stats.totals.eligible))
                    " eligible on polling day, " (n(stats.totals.postal_voters)) " postal voters. " a href="/register" { "Details" } }
            }
            (layout::script("/static/live.js"))
        },
    ))
}

pub async fn new_page(viewer: Viewer) -> Markup {
    new_form(&viewer, None)
}

fn new_form(viewer: &Viewer, error: Option<&str>) -> Markup {
    layout::page(
        viewer,
        "New campaign",
        html! {
            h1 { "Start a campaign" }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action="/campaigns/new" {
                (layout::csrf(viewer))
                label for="constituency" { "Constituency (name or GSS code)" }
                input #constituency name="constituency" required list="seats" placeholder="Derby North";
                datalist #seats { @for c in geography::constituencies() { option value=(c.name) {} } }
                label for="election_date" { "Polling day" }
                input #election_date type="date" name="election_date" required;
                label for="party" { "Party (its code: Lab, Con, LD, Green, ...)" }
                input #party name="party" value="Lab" required;
                button type="submit" { "Create" }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct NewCampaign {
    constituency: String,
    election_date: String,
    party: String,
}

pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientInfo(client): ClientInfo,
    FormBody(f): FormBody<NewCampaign>,
) -> PageResult<Response> {
    let wanted = f.constituency.trim();
    let seat = GssCode::parse(wanted)
        .ok()
        .and_then(|g| geography::constituency(&g))
        .or_else(|| geography::constituencies().into_iter().find(|c| c.name.eq_ignore_ascii_case(wanted)));
    let Some(seat) = seat else {
        return Ok((axum::http::StatusCode::BAD_REQUEST, new_form(&viewer, Some(&format!("no constituency is called '{wanted}'"))))
            .into_response());
    };
    let Ok(date) = NaiveDate::parse_from_str(f.election_date.trim(), "%Y-%m-%d") else {
        return Ok((axum::http::StatusCode::BAD_REQUEST, new_form(&viewer, Some("polling day must be a date"))).into_response());
    };
    match groundgame_app::campaigns::start(&state.app, &viewer, &seat.gss, date, &f.party, &client).await {
        Ok(opened) => Ok(auth::with_session(&state, &opened, Redirect::to("/register"))),
        Err(e @ (groundgame_app::Error::Conflict(_) | groundgame_app::Error::Invalid(_) | groundgame_app::Error::NotFound(_))) => {
            Ok((axum::http::StatusCode::BAD_REQUEST, new_form(&viewer, Some(&e.to_string()))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn survey_form(viewer: &Viewer, json: &str, error: Option<&str>, saved: bool) -> Markup {
    layout::page(
        viewer,
        "Survey",
        html! {
            h1 { "The survey" }
            p { "The questions canvassers ask and the outcomes they can record for a door. Codes are what walk sheets print and "
                "what is stored; keep a question's key once canvassing has started." }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            @if saved { p.ok role="status" { "Saved." } }
            form method="post" action="/survey" {
                (layout::csrf(viewer))
                label for="definition" { "Survey (JSON)" }
                textarea #definition name="definition" rows="24" spellcheck="false" { (json) }
                button type="submit" { "Save" }
            }
        },
    )
}

pub async fn survey_page(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    let s = canvassing::survey(&state.app, viewer.actor()).await?;
    Ok(survey_form(&viewer, &serde_json::to_string_pretty(&s).map_err(anyhow::Error::new)?, None, false))
}

#[derive(Deserialize)]
pub struct SurveyForm {
    definition: String,
}

pub async fn save_survey(State(state): State<AppState>, viewer: Viewer, FormBody(f): FormBody<SurveyForm>) -> PageResult<Response> {
    let parsed: Result<Survey, groundgame_core::Invalid> = serde_json::from_str(&f.definition)
        .map_err(|e| groundgame_core::Invalid::new(format!("line {}, column {}: {e}", e.line(), e.column())))
        .and_then(|s: Survey| s.validate().map(|_| s));
    let s = match parsed {
        Ok(s) => s,
        Err(e) => return Ok((axum::http::StatusCode::BAD_REQUEST, survey_form(&viewer, &f.definition, Some(&e), false)).into_response()),
    };
    canvassing::set_survey(&state.app, viewer.actor(), &s).await?;
    Ok(survey_form(&viewer, &serde_json::to_string_pretty(&s).map_err(anyhow::Error::new)?, None, true).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    who: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// An audit line's time (stored in UTC) as the campaign reads it: UK time.
fn uk_time(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| groundgame_core::time::uk_local(t.with_timezone(&chrono::Utc)).format("%-d %b %Y, %H:%M:%S").to_string())
        .unwrap_or_else(|_| at.to_owned())
}

pub async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    crate::input::PageQuery(q): crate::input::PageQuery<AuditQuery>,
) -> PageResult<Markup> {
    let blank = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned);
    let date = |s: &str, what: &str| -> Result<Option<NaiveDate>, AppError> {
        match blank(s) {
            None => Ok(None),
            Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::bad_request(format!("{what}: '{d}' is not a date"))),
        }
    };
    let (from, to) = (date(&q.from, "from")?, date(&q.to, "to")?);
    let (entries, people, actions) =
        canvassing::search_audit_log(&state.app, viewer.actor(), blank(&q.who).as_deref(), blank(&q.action).as_deref(), from, to).await?;
    let words = groundgame_core::audit::action_in_words;
    Ok(layout::page(
        &viewer,
        "Audit log",
        html! {
            h1 { "Audit log" }
            p { "Every export and bulk read of the register and of what voters said, every sign-in (and failed one), and every change to "
                "accounts, members, walks and the register, newest first. Times are UK time." }
            form.filters method="get" action="/audit" role="search" {
                label for="who" { "Person" }
                select #who name="who" {
                    option value="" { "Everyone" }
                    @for p in &people { option value=(p) selected[q.who == *p] { (p) } }
                }
                label for="action" { "Action" }
                select #action name="action" {
                    option value="" { "Any action" }
                    @for a in &actions { option value=(a) selected[q.action == *a] { (words(a)) } }
                }
                label for="from" { "From" }
                input #from type="date" name="from" value=(q.from);
                label for="to" { "To" }
                input #to type="date" name="to" value=(q.to);
                button type="submit" { "Show" }
            }
            p { (entries.len()) @if entries.len() == 500 { " (the newest 500)" } @if entries.len() == 1 { " line" } @else { " lines" } }
            div.scroll { table {
                thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "Detail" } th scope="col" { "Electors" } } }
                tbody { @for e in &entries { tr {
                    td { time datetime=(e.at) { (uk_time(&e.at)) } } td { (e.user.clone().unwrap_or_default()) } td { (words(&e.action)) } td { (e.detail) } td { (e.rows) }
                } } }
            } }
        },
    ))
}

/// What voters raise on the doorstep: the top issues by district, intention, age band and week.
pub async fn issues(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    let r = canvassing::issues_report(&state.app, viewer.actor()).await?;
    let table = |caption: &str, first: &str, rows: Vec<(String, &groundgame_core::issues::Counts)>| {
        html! {
            div.scroll { table {
                caption { (caption) }
                thead { tr { th scope="col" { (first) } @for (_, label) in &r.issues { th scope="col" { (label) } } th scope="col" { "All" } } }
                tbody { @for (name, counts) in &rows { tr {
                    th scope="row" { (name) }
                    @for (code, _) in &r.issues { td { (counts.get(code).copied().unwrap_or(0)) } }
                    td { (counts.values().sum::<u64>()) }
                } } }
            } }
        }
    };
    let total: u64 = r.total.values().sum();
    Ok(layout::page(
        &viewer,
        "What voters raise",
        html! {
            h1 { "What voters raise" }
            @if r.issues.is_empty() {
                p { "The survey has no top-issue question (key top_issue): add one on the " a href="/survey" { "survey" } " page to see what voters raise." }
            } @else if total == 0 {
                p { "No one has given a top issue yet." }
            } @else {
                p { (n(total)) " conversations gave a top issue. Add talking points for each on the survey page: canvassers see them when they pick the issue." }
                (table("Top issues in all", "", vec![("Everyone".to_owned(), &r.total)]))
                (table("By polling district", "District", r.by_district.iter().map(|(k, v)| (k.clone(), v)).collect()))
                (table("By voting intention", "Intention", r.by_intention.iter().map(|(k, v)| (k.clone(), v)).collect()))
                (table("By age (the register gives a date of birth only for young people about to turn 18)", "Age", r.by_age.iter().map(|(k, v)| (k.clone(), v)).collect()))
                (table("By week", "Week of", r.by_week.iter().map(|(k, v)| (k.format("%-d %b %Y").to_string(), v)).collect()))
            }
        },
    ))
}
