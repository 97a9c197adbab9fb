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
    let (kept_until, deleted_at) = groundgame_app::privacy::retention_of(&state.app, &viewer.campaign).await?;
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
                @match deleted_at {
                    Some(at) => p #retention { "The register and canvass were deleted on " (at.get(..10).unwrap_or(&at)) ", after the campaign: only anonymous counts remain." }
                    None => p #retention { "The register and canvass are kept until " strong { (kept_until.format("%-d %B %Y")) }
                        ", then deleted (the law allows the register to be used only for elections, and kept no longer than needed); only anonymous counts remain." }
                }
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

/// The survey editor: each question's key, label and answers (one a line: code | label | talking
/// points), the outcomes, their order; a preview of the phone's screen; JSON for those who prefer it.
fn survey_form(viewer: &Viewer, s: &Survey, error: Option<&str>, said: Option<&str>, preview: bool) -> Markup {
    use groundgame_core::survey::choices_to_lines;
    let json = serde_json::to_string_pretty(s).unwrap_or_default();
    layout::page(
        viewer,
        "Survey",
        html! {
            h1 { "The survey" }
            p { "The questions canvassers ask and the outcomes they can record. Codes are what walk sheets print and what is stored; "
                "keep a question's key once canvassing has started. The phone shows voting intention and certainty first, the rest on demand." }
            @if let Some(e) = error { p.error role="alert" #survey-error { (e) } }
            @if let Some(m) = said { p.ok role="status" { (m) } }
            @if preview { (phone_preview(s)) }
            form.survey-editor method="post" action="/survey" {
                (layout::csrf(viewer))
                @for (i, q) in s.questions.iter().enumerate() {
                    fieldset {
                        legend { "Question " (i + 1) ": " (q.label) }
                        label for={ "q" (i) "-label" } { "Question" }
                        input id={ "q" (i) "-label" } name={ "q" (i) ".label" } value=(q.label) required;
                        label for={ "q" (i) "-key" } { "Key (stored with every answer)" }
                        input id={ "q" (i) "-key" } name={ "q" (i) ".key" } value=(q.key) required pattern="[a-z0-9_]+";
                        label for={ "q" (i) "-choices" } { "Answers, one a line: code | label | talking points (optional)" }
                        textarea id={ "q" (i) "-choices" } name={ "q" (i) ".choices" } rows=(q.choices.len().clamp(2, 10)) { (choices_to_lines(&q.choices, false)) }
                        label for={ "q" (i) "-order" } { "Order" }
                        input id={ "q" (i) "-order" } type="number" name={ "q" (i) ".order" } value=(i + 1) min="1";
                        label.choice { input type="checkbox" name={ "q" (i) ".remove" } value="yes"; " Remove this question" }
                    }
                }
                @let next = s.questions.len();
                fieldset {
                    legend { "A new question (leave empty for none)" }
                    label for={ "q" (next) "-label" } { "Question" }
                    input id={ "q" (next) "-label" } name={ "q" (next) ".label" };
                    label for={ "q" (next) "-key" } { "Key" }
                    input id={ "q" (next) "-key" } name={ "q" (next) ".key" } pattern="[a-z0-9_]+" placeholder="housing_need";
                    label for={ "q" (next) "-choices" } { "Answers, one a line: code | label | talking points (optional)" }
                    textarea id={ "q" (next) "-choices" } name={ "q" (next) ".choices" } rows="3" {}
                    input type="hidden" name={ "q" (next) ".order" } value=(next + 1);
                }
                fieldset {
                    legend { "Outcomes when nobody answers, one a line: code | label | whole door (for the whole door)" }
                    label for="outcomes" { "Outcomes" }
                    textarea #outcomes name="outcomes" rows=(s.outcomes.len().clamp(3, 10)) { (choices_to_lines(&s.outcomes, true)) }
                }
                button.secondary type="submit" name="action" value="preview" { "Preview on a phone" }
                button type="submit" name="action" value="save" { "Save" }
            }
            details {
                summary { "Edit as JSON" }
                form method="post" action="/survey" {
                    (layout::csrf(viewer))
                    label for="definition" { "Survey (JSON)" }
                    textarea #definition name="definition" rows="20" spellcheck="false" { (json) }
                    button type="submit" { "Save the JSON" }
                }
            }
        },
    )
}

/// What a canvasser sees for one elector, drawn from the survey as the phone draws it.
fn phone_preview(s: &Survey) -> Markup {
    const QUICK: [&str; 2] = [groundgame_core::survey::VOTING_INTENTION, groundgame_core::survey::CERTAINTY];
    let group = |q: &groundgame_core::survey::Question| {
        html! {
            fieldset { legend { (q.label) } @for c in &q.choices { span.preview-button { (c.label) } " " } }
        }
    };
    html! {
        section.phone-preview aria-label="Preview of the phone" {
            h2 { "On the phone" }
            div.survey {
                p { strong { "Jane Smith" } " NA1-12" }
                @for q in s.questions.iter().filter(|q| QUICK.contains(&q.key.as_str())) { (group(q)) }
                span.preview-button.save { "Save" }
                details.more open {
                    summary { "More questions, or not spoken to" }
                    @for q in s.questions.iter().filter(|q| !QUICK.contains(&q.key.as_str())) {
                        (group(q))
                        @for c in q.choices.iter().filter(|c| !c.talking_points.is_empty()) { p.talking-points { strong { (c.label) ": " } (c.talking_points) } }
                    }
                    fieldset { legend { "Or" } @for o in &s.outcomes { span.preview-button { (o.label) } " " } }
                }
            }
        }
    }
}

pub async fn survey_page(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    let s = canvassing::survey(&state.app, viewer.actor()).await?;
    Ok(survey_form(&viewer, &s, None, None, false))
}

/// The survey from the editor's fields; the questions in the order given, those ticked removed.
fn survey_from_fields(pairs: &[(String, String)]) -> Result<Survey, groundgame_core::Invalid> {
    use groundgame_core::survey::{choices_from_lines, Question};
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("");
    let mut questions: Vec<(f64, usize, Question)> = Vec::new();
    for i in 0..100 {
        let key = get(&format!("q{i}.key")).trim().to_owned();
        let label = get(&format!("q{i}.label")).trim().to_owned();
        let choices = get(&format!("q{i}.choices"));
        if !pairs.iter().any(|(k, _)| k.starts_with(&format!("q{i}."))) {
            break;
        }
        if get(&format!("q{i}.remove")) == "yes" || key.is_empty() && label.is_empty() && choices.trim().is_empty() {
            continue;
        }
        if key.is_empty() || label.is_empty() {
            return Err(format!("question {}: give it a question and a key", i + 1).into());
        }
        if !key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(format!("question '{label}': its key '{key}' may have only small letters, digits and _").into());
        }
        let order = get(&format!("q{i}.order")).trim().parse::<f64>().unwrap_or((i + 1) as f64);
        let choices = choices_from_lines(choices, &label, false)?;
        questions.push((order, i, Question { key, label, choices }));
    }
    questions.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let outcomes = choices_from_lines(get("outcomes"), "outcomes", true)?;
    let survey = Survey { questions: questions.into_iter().map(|q| q.2).collect(), outcomes };
    survey.validate()?;
    Ok(survey)
}

/// Saves (or previews) the survey from the editor, or from its JSON.
pub async fn save_survey(
    State(state): State<AppState>,
    viewer: Viewer,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> PageResult<Response> {
    let definition = pairs.iter().find(|(k, _)| k == "definition").map(|(_, v)| v.clone());
    let parsed: Result<Survey, groundgame_core::Invalid> = match &definition {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| groundgame_core::Invalid::new(format!("line {}, column {}: {e}", e.line(), e.column())))
            .and_then(|s: Survey| s.validate().map(|_| s)),
        None => survey_from_fields(&pairs),
    };
    let s = match parsed {
        Ok(s) => s,
        Err(e) => {
            let current = canvassing::survey(&state.app, viewer.actor()).await?;
            return Ok((axum::http::StatusCode::BAD_REQUEST, survey_form(&viewer, &current, Some(&e), None, false)).into_response());
        }
    };
    if pairs.iter().any(|(k, v)| k == "action" && v == "preview") {
        return Ok(survey_form(&viewer, &s, None, Some("A preview: nothing is saved until you press Save."), true).into_response());
    }
    canvassing::set_survey(&state.app, viewer.actor(), &s).await?;
    Ok(survey_form(&viewer, &s, None, Some("Saved: phones get it with their next walk."), true).into_response())
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
