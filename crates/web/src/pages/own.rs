//! A volunteer's own page, reached by the link in every email (no account needed): confirming a
//! sign-up, still coming or cancelling, the calendar, share links, unsubscribing, their data.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::volunteers::{self, OwnPage};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout;
use crate::auth::ClientInfo;
use crate::error::{AppError, PageError, PageResult};
use crate::input::{FormBody, PagePath};
use crate::state::AppState;

fn own(secret: &str) -> String {
    format!("/v/{secret}")
}

fn render(state: &AppState, p: &OwnPage, secret: &str, said: Option<&str>, error: Option<&str>) -> Markup {
    let base = own(secret);
    let v = &p.volunteer;
    let full = |path: &str| state.app.mail.link(path);
    layout::public(
        &format!("{}: your page", p.campaign.name),
        "",
        html! {
            h1 { "Hello, " (v.name) }
            p.lead { "Your page for the " (p.campaign.name) " campaign. Keep the link private: it is yours." }
            @if let Some(s) = said { p.ok role="status" { (s) } }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            @if v.email_confirmed_at.is_none() || p.signups.iter().any(|s| s.signup.status == "pending") {
                form method="post" action={ (base) "/confirm" } {
                    button type="submit" { "Confirm my sign-up" }
                }
            }
            h2 { "Your sessions" }
            @if p.signups.is_empty() { p { "None yet. " a href={ "/join/" (p.campaign.ballot_id) } { "Find a session" } } }
            ul.signups {
                @for s in &p.signups {
                    li {
                        strong { (s.session.name) } ", " (s.when) br;
                        "Meet at " (s.session.meeting_point) @if let Some(a) = &s.address { " — " (a) }
                        br; span.standing { (s.standing) }
                        @if s.session.cancelled_at.is_some() { " · the session is cancelled" }
                        @if !s.over && s.session.cancelled_at.is_none() && (s.signup.status == "booked" || s.signup.status == "waiting") {
                            @if s.signup.status == "booked" {
                                " · " a href={ (base) "/signups/" (s.signup.id) "/calendar.ics" } { "Add to my calendar" }
                                @if s.signup.still_coming_at.is_none() {
                                    form.inline method="post" action={ (base) "/signups/" (s.signup.id) "/coming" } {
                                        button.link type="submit" { "I'm still coming" }
                                    }
                                } @else { " · you said you are still coming" }
                            }
                            form.inline method="post" action={ (base) "/signups/" (s.signup.id) "/cancel" } {
                                button.link.danger type="submit" aria-label={ "Cancel " (s.session.name) } { "I can't come" }
                            }
                        }
                    }
                }
            }
            p { "Your check-in code: " strong.code { (v.check_in_code.to_uppercase()) } " (show this, or give your name, at the meeting point)." }
            @if let Some(svg) = qr(&v.check_in_code.to_uppercase()) {
                figure.qr { (maud::PreEscaped(svg)) figcaption { "Your check-in code for the host to scan" } }
            }
            p { "Every session you have a place at, in your calendar app: " a href={ (base) "/calendar.ics" } { "subscribe to your calendar" } "." }
            @if !p.share_links.is_empty() {
                h2 { "Bring a friend" }
                p { "Share these links: whoever signs up through them is counted as brought by you." }
                ul.share { @for (what, path) in &p.share_links { li {
                    (what) br;
                    input.copy readonly value=(full(path)) aria-label={ "Share link: " (what) };
                } } }
            }
            @if !p.posts.is_empty() {
                h2 { "Share the campaign's posts" }
                ul.share { @for sp in &p.posts { li {
                    strong { (sp.post.title) } br;
                    input.copy readonly value=(full(&sp.link)) aria-label={ "Share link: " (sp.post.title) };
                } } }
            }
            (details(p, &base))
            (lifts(p, &base))
            (friends(p, &base))
            h2 { "Canvass from your phone" }
            @if p.has_account {
                p { "Sign in to see your walks on " a href="/canvass" { "My walks" } ": your host hands you one when you check in." }
            } @else {
                form method="post" action={ (base) "/account" } {
                    p { "Choose a password to get your walk straight onto this phone at check-in." }
                    label for="password" { "Password (at least 10 characters)" }
                    input #password type="password" name="password" autocomplete="new-password" required minlength="10";
                    button type="submit" { "Set up my phone" }
                }
            }
            h2 { "Your data" }
            p { a href={ (base) "/data" } download="my-data.json" { "Download everything held about you" } }
            @if v.unsubscribed_at.is_some() {
                p { "You are unsubscribed: we send you no mail. " }
                form method="post" action={ (base) "/resubscribe" } { button type="submit" { "Email me again" } }
            } @else {
                form method="post" action={ (base) "/unsubscribe" } { button.secondary type="submit" { "Unsubscribe from all mail" } }
            }
            form method="post" action={ (base) "/new-link" } { button.link type="submit" { "Send me a new link (this one stops working)" } }
            form method="post" action={ (base) "/delete" } {
                label.choice { input type="checkbox" name="sure" value="yes" required; " I understand my sign-ups and details will be deleted" }
                button.danger type="submit" { "Delete my data" }
            }
        },
    )
}

/// Their phone, when they can help, what else they can do, and whether they may be texted or phoned.
fn details(p: &OwnPage, base: &str) -> Markup {
    use groundgame_store::volunteers::{consents_to, Channel};
    let v = &p.volunteer;
    let has = |list: &str, item: &str| list.split(", ").any(|x| x == item);
    let languages = v.skills.split(", ").find_map(|s| s.strip_prefix("speaks ")).unwrap_or("");
    html! {
        @if v.email_confirmed_at.is_some() {
            h2 { "Your details" }
            form method="post" action={ (base) "/details" } {
                label for="phone" { "Your mobile number (optional)" }
                input #phone type="tel" name="phone" value=(v.phone.as_deref().unwrap_or("")) autocomplete="tel" inputmode="tel";
                fieldset {
                    legend { "When you can help" }
                    @for a in volunteers::AVAILABILITY {
                        label.choice { input type="checkbox" name="availability" value=(a) checked[has(&v.availability, a)]; " " (a) }
                    }
                }
                fieldset {
                    legend { "What else you can do" }
                    @for k in volunteers::SKILLS {
                        label.choice { input type="checkbox" name="skills" value=(k) checked[has(&v.skills, k)]; " " (k) }
                    }
                    label for="languages" { "Languages you speak besides English" }
                    input #languages name="languages" value=(languages) maxlength="100";
                }
                label.choice { input type="checkbox" name="consent_sms" value="yes" checked[consents_to(&p.consents, Channel::Sms)]; " " (volunteers::SMS_CONSENT_WORDING) }
                label.choice { input type="checkbox" name="consent_phone" value="yes" checked[consents_to(&p.consents, Channel::Phone)]; " " (volunteers::PHONE_CONSENT_WORDING) }
                button type="submit" { "Save my details" }
            }
        }
    }
}

/// Friends and family in the seat: listed, matched to the register (first name, initial and
/// street only), and the conversation recorded with the survey.
fn friends(p: &OwnPage, base: &str) -> Markup {
    use groundgame_core::relational::AgeBand;
    let bands = |name: &str, id: &str, chosen: Option<&str>| {
        html! {
            select id=(id) name=(name) {
                option value="" { "Don't know / rather not say" }
                @for b in AgeBand::ALL { option value=(b.as_str()) selected[chosen == Some(b.as_str())] { (b.label()) } }
            }
        }
    };
    html! {
        @if p.volunteer.email_confirmed_at.is_some() {
            h2 { "Talk to people you know" }
            p { "Friends and family in the seat listen to you more than to a stranger at the door. List them, find them on the register "
                "(you see only a first name, an initial and a street), talk to them, and tell us what they said. "
                "The campaign sees who you talked to only once you record the conversation." }
            form method="post" action={ (base) "/age-band" } {
                label for="my-band" { "Your age (it tells the campaign who reaches whom)" }
                (bands("age_band", "my-band", p.volunteer.age_band.as_deref()))
                button.secondary type="submit" { "Save" }
            }
            @for f in &p.friends {
                div.friend {
                    p { strong { (f.name) } @if let Some(b) = f.age_band { " (" (b) ")" } }
                    @if f.talked_at.is_some() {
                        p { "You told us about your conversation. Thank you!" }
                    } @else if let Some(m) = &f.matched {
                        p { "On the register: " (m) " · "
                            form.inline method="post" action={ (base) "/friends/" (f.id) "/choose" } {
                                input type="hidden" name="elector_id" value="";
                                button.link type="submit" { "not them" }
                            }
                        }
                        @if let Some(survey) = &p.survey {
                            form method="post" action={ (base) "/friends/" (f.id) "/talk" } {
                                fieldset {
                                    legend { "What did " (f.name) " say?" }
                                    @for q in &survey.questions {
                                        fieldset.question {
                                            legend { (q.label) }
                                            @for c in &q.choices {
                                                label.choice { input type="radio" name={ "q." (q.key) } value=(c.code); " " (c.label) }
                                            }
                                        }
                                    }
                                    label for={ "note-" (f.id) } { "Anything else (optional)" }
                                    textarea id={ "note-" (f.id) } name="note" rows="2" maxlength="500" {}
                                    button type="submit" { "Save the conversation" }
                                }
                            }
                        }
                    } @else if f.suggestions.is_empty() {
                        p { "We could not find them on the register here. Check the spelling, or they may live outside the seat." }
                    } @else {
                        form method="post" action={ (base) "/friends/" (f.id) "/choose" } {
                            fieldset {
                                legend { "Which is " (f.name) "?" }
                                @for (i, c) in f.suggestions.iter().enumerate() {
                                    label.choice { input type="radio" name="elector_id" value=(c.elector_id) required[i == 0]; " " (c.shown) }
                                }
                                button type="submit" { "This is them" }
                            }
                        }
                    }
                    form.inline method="post" action={ (base) "/friends/" (f.id) "/remove" } {
                        button.link.danger type="submit" aria-label={ "Take " (f.name) " off my list" } { "Take off my list" }
                    }
                }
            }
            form method="post" action={ (base) "/friends" } {
                fieldset {
                    legend { "Someone you know in the seat" }
                    label for="friend-name" { "Their first name and surname" }
                    input #friend-name name="name" required maxlength="100" autocomplete="off";
                    label for="friend-band" { "Their age, roughly" }
                    (bands("age_band", "friend-band", None))
                    button type="submit" { "Add" }
                }
            }
        }
    }
}

/// Lifts to the sessions they have a place at: offer seats or ask for one; who they are paired with.
fn lifts(p: &OwnPage, base: &str) -> Markup {
    let mut sessions: Vec<(i64, &str)> = Vec::new();
    for s in p.signups.iter().filter(|s| s.signup.status == "booked" && !s.over && s.session.cancelled_at.is_none()) {
        if !sessions.iter().any(|(id, _)| *id == s.session.id) {
            sessions.push((s.session.id, s.session.name.as_str()));
        }
    }
    html! {
        @if !sessions.is_empty() || !p.lifts.is_empty() {
            h2 { "Lifts" }
            p { "Driving to a session, or need a lift? We pair drivers and riders who start near each other. "
                "You see each other's first name until you both say yes; then we email you each other's details." }
            @for l in &p.lifts {
                div.lift {
                    p {
                        strong { (l.session) } ": "
                        @if let Some(seats) = l.seats { "you offer " (seats) @if seats == 1 { " seat" } @else { " seats" } " from " (l.postcode) }
                        @else { "you asked for a lift from " (l.postcode) }
                    }
                    @if l.paired.is_empty() {
                        p { @if l.seats.is_some() { "No rider yet." } @else { "No car near you yet: we email you when there is one." } }
                    }
                    ul { @for o in &l.paired { li {
                        (o.name) " (" (format!("{:.1}", o.distance_km)) " km from you)"
                        @if o.i_accepted && o.they_accepted {
                            " · agreed: "
                            @if let Some(e) = &o.email { a href={ "mailto:" (e) } { (e) } }
                            @if let Some(t) = &o.phone { " · " a href={ "tel:" (t) } { (t) } }
                        } @else if o.i_accepted {
                            " · you said yes; waiting for them"
                        } @else {
                            form.inline method="post" action={ (base) "/lifts/answer" } {
                                input type="hidden" name="offer_id" value=(o.offer_id);
                                input type="hidden" name="ask_id" value=(o.ask_id);
                                button type="submit" name="accept" value="yes" aria-label={ "Yes to a lift with " (o.name) } { "Yes" }
                                button.link type="submit" name="accept" value="no" aria-label={ "No to a lift with " (o.name) } { "No thanks" }
                            }
                        }
                    } } }
                    form.inline method="post" action={ (base) "/lifts/withdraw" } {
                        input type="hidden" name="side" value=(l.side);
                        input type="hidden" name="id" value=(l.id);
                        button.link.danger type="submit" { @if l.seats.is_some() { "Withdraw my offer" } @else { "I don't need it now" } }
                    }
                }
            }
            @for (id, name) in sessions.iter().filter(|(id, _)| !p.lifts.iter().any(|l| l.session_id == *id)) {
                form.lift method="post" action={ (base) "/lifts" } {
                    input type="hidden" name="session_id" value=(id);
                    fieldset {
                        legend { "Lifts to " (name) }
                        label for={ "from-" (id) } { "Your postcode (where the car or you start)" }
                        input id={ "from-" (id) } name="postcode" autocomplete="postal-code" size="9" required;
                        label for={ "seats-" (id) } { "Seats you can offer (if you drive)" }
                        input id={ "seats-" (id) } type="number" name="seats" min="1" max="8" value="3";
                        button type="submit" name="want" value="offer" { "I can drive" }
                        button.secondary type="submit" name="want" value="ask" { "I need a lift" }
                    }
                }
            }
        }
    }
}

/// A QR code of the check-in code, as inline SVG (generated here; nothing is fetched).
fn qr(code: &str) -> Option<String> {
    let q = qrcode::QrCode::new(code.as_bytes()).ok()?;
    let svg = q.render::<qrcode::render::svg::Color>().min_dimensions(160, 160).quiet_zone(true).build();
    // Inline in the page: no XML declaration, and a name for screen readers.
    let svg = match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    };
    Some(svg.replacen("<svg", "<svg role=\"img\" aria-label=\"QR code of your check-in code\"", 1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_check_in_code_as_an_inline_qr_code() {
        let svg = super::qr("K7QPZX").unwrap();
        assert!(svg.starts_with("<svg role=\"img\""), "{}", &svg[..80]);
        assert!(!svg.contains("style=") && !svg.contains("<?xml"), "nothing the page's policy refuses: {svg}");
    }
}

async fn show(state: &AppState, secret: &str, said: Option<&str>, error: Option<&str>) -> PageResult<Markup> {
    let p = volunteers::own_page(&state.app, secret).await?;
    Ok(render(state, &p, secret, said, error))
}

pub async fn page(State(state): State<AppState>, PagePath(secret): PagePath<String>) -> PageResult<Response> {
    Ok(private(show(&state, &secret, None, None).await?.into_response()))
}

/// A volunteer's page is theirs: not stored by shared caches, its address sent to no other site.
/// (Not `no-referrer`: with it, browsers send `Origin: null` on the page's own forms, which the
/// cross-site guard rightly refuses.)
fn private(mut r: Response) -> Response {
    r.headers_mut().insert(header::CACHE_CONTROL, "no-store".parse().expect("a header"));
    r.headers_mut().insert(header::REFERRER_POLICY, "same-origin".parse().expect("a header"));
    r
}

/// A page with one button, for links in mail (which mail scanners open: nothing changes on a
/// visit).
fn one_button(title: &str, text: &str, action: &str, button: &str) -> Response {
    private(
        layout::public(
            title,
            "",
            html! {
                h1 { (title) }
                p { (text) }
                form method="post" action=(action) { button type="submit" { (button) } }
            },
        )
        .into_response(),
    )
}

pub async fn confirm_page(PagePath(secret): PagePath<String>) -> Response {
    one_button("Confirm your sign-up", "One tap and you are signed up.", &format!("{}/confirm", own(&secret)), "Confirm")
}

pub async fn confirm(State(state): State<AppState>, PagePath(secret): PagePath<String>) -> PageResult<Response> {
    let placed = volunteers::confirm(&state.app, &secret).await?;
    let said = if placed.is_empty() {
        "Thank you: you are signed up.".to_owned()
    } else {
        placed.iter().map(|(slot, standing)| format!("{}: {}.", volunteers::when(slot), standing.label())).collect::<Vec<_>>().join(" ")
    };
    Ok(private(show(&state, &secret, Some(&format!("Confirmed. {said}")), None).await?.into_response()))
}

pub async fn cancel_page(PagePath((secret, id)): PagePath<(String, i64)>) -> Response {
    one_button(
        "Can't come?",
        "Your place goes to the first person waiting.",
        &format!("{}/signups/{id}/cancel", own(&secret)),
        "I can't come",
    )
}

pub async fn cancel(State(state): State<AppState>, PagePath((secret, id)): PagePath<(String, i64)>) -> PageResult<Response> {
    volunteers::cancel_own(&state.app, &secret, id).await?;
    Ok(private(
        show(&state, &secret, Some("Cancelled. Thank you for saying: your place has gone to someone waiting."), None)
            .await?
            .into_response(),
    ))
}

pub async fn coming_page(PagePath((secret, id)): PagePath<(String, i64)>) -> Response {
    one_button(
        "Still coming?",
        "One tap tells your host to expect you.",
        &format!("{}/signups/{id}/coming", own(&secret)),
        "Yes, I'm coming",
    )
}

pub async fn coming(State(state): State<AppState>, PagePath((secret, id)): PagePath<(String, i64)>) -> PageResult<Response> {
    match volunteers::still_coming(&state.app, &secret, id).await {
        Ok(()) => Ok(private(show(&state, &secret, Some("Thank you: see you there."), None).await?.into_response())),
        Err(groundgame_app::Error::Conflict(m)) => {
            Ok((StatusCode::CONFLICT, private(show(&state, &secret, None, Some(&m)).await?.into_response())).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn unsubscribe_page(PagePath(secret): PagePath<String>) -> Response {
    one_button("Unsubscribe", "We will send you no more mail of any kind.", &format!("{}/unsubscribe", own(&secret)), "Unsubscribe")
}

/// One-click unsubscribe (RFC 8058): mail programs POST `List-Unsubscribe=One-Click` here, with
/// no cookie and no page; the page's button posts here too.
pub async fn unsubscribe(State(state): State<AppState>, PagePath(secret): PagePath<String>, body: String) -> PageResult<Response> {
    let how =
        if body.contains("List-Unsubscribe=One-Click") { "one-click unsubscribe from a mail" } else { "unsubscribed on their own page" };
    volunteers::unsubscribe(&state.app, &secret, how).await?;
    if body.contains("List-Unsubscribe=One-Click") {
        return Ok(StatusCode::OK.into_response());
    }
    Ok(private(show(&state, &secret, Some("Unsubscribed: we will send you no more mail."), None).await?.into_response()))
}

pub async fn resubscribe(State(state): State<AppState>, PagePath(secret): PagePath<String>) -> PageResult<Response> {
    volunteers::resubscribe(&state.app, &secret).await?;
    Ok(private(show(&state, &secret, Some("You will get mail from the campaign again."), None).await?.into_response()))
}

pub async fn new_link(State(state): State<AppState>, PagePath(secret): PagePath<String>) -> PageResult<Response> {
    volunteers::new_link(&state.app, &secret).await?;
    Ok(one_button("A new link is on its way", "This link no longer works: use the one in the email we have just sent.", "/", "Home"))
}

pub async fn data(State(state): State<AppState>, PagePath(secret): PagePath<String>) -> PageResult<Response> {
    let json = volunteers::export_own(&state.app, &secret).await?;
    let body = serde_json::to_string_pretty(&json).map_err(AppError::internal)?;
    Ok(private(
        ([(header::CONTENT_TYPE, "application/json"), (header::CONTENT_DISPOSITION, "attachment; filename=\"my-data.json\"")], body)
            .into_response(),
    ))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    sure: Option<String>,
}

pub async fn delete(
    State(state): State<AppState>,
    PagePath(secret): PagePath<String>,
    FormBody(f): FormBody<DeleteForm>,
) -> PageResult<Response> {
    if f.sure.is_none() {
        return Ok((
            StatusCode::BAD_REQUEST,
            private(show(&state, &secret, None, Some("Tick the box to say you understand, then press Delete.")).await?.into_response()),
        )
            .into_response());
    }
    volunteers::delete_own(&state.app, &secret).await?;
    Ok(private(
        layout::public(
            "Deleted",
            "",
            html! { h1 { "Deleted" } p role="status" { "Everything the campaign held about you as a volunteer is deleted." } },
        )
        .into_response(),
    ))
}

pub async fn calendar(State(state): State<AppState>, PagePath(secret): PagePath<String>) -> PageResult<Response> {
    let secret = secret.strip_suffix(".ics").unwrap_or(&secret).to_owned();
    let ics = volunteers::calendar_feed(&state.app, &secret).await?;
    Ok(private(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], ics).into_response()))
}

pub async fn signup_calendar(State(state): State<AppState>, PagePath((secret, id)): PagePath<(String, i64)>) -> PageResult<Response> {
    let ics = volunteers::signup_calendar(&state.app, &secret, id).await?;
    Ok(private(
        (
            [(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"session.ics\"")],
            ics,
        )
            .into_response(),
    ))
}

#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    password: String,
}

pub async fn account(
    State(state): State<AppState>,
    client: ClientInfo,
    PagePath(secret): PagePath<String>,
    FormBody(f): FormBody<AccountForm>,
) -> PageResult<Response> {
    match volunteers::set_up_account(&state.app, &secret, &f.password, &client.0).await {
        Ok(opened) => Ok(crate::auth::with_session(&state, &opened, Redirect::to("/canvass"))),
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error() || e.status == StatusCode::NOT_FOUND {
                return Err(PageError(e));
            }
            Ok((e.status, private(show(&state, &secret, None, Some(&e.message)).await?.into_response())).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct LiftForm {
    #[serde(default)]
    session_id: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    seats: String,
    #[serde(default)]
    want: String,
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    offer_id: String,
    #[serde(default)]
    ask_id: String,
    #[serde(default)]
    accept: String,
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    side: String,
    #[serde(default)]
    id: String,
}

fn number(s: &str, what: &str) -> Result<i64, groundgame_app::Error> {
    s.trim().parse().map_err(|_| groundgame_app::Error::Invalid(format!("{what}: a whole number")))
}

/// The page again after an action: what happened, or what was wrong with the form.
async fn after(state: &AppState, secret: &str, done: Result<(), groundgame_app::Error>, said: &str) -> PageResult<Response> {
    match done {
        Ok(()) => Ok(private(show(state, secret, Some(said), None).await?.into_response())),
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error()
                || e.status == StatusCode::NOT_FOUND && !e.message.contains("lift") && !e.message.contains("friend")
            {
                return Err(PageError(e));
            }
            Ok((e.status, private(show(state, secret, None, Some(&e.message)).await?.into_response())).into_response())
        }
    }
}

pub async fn lift(
    State(state): State<AppState>,
    PagePath(secret): PagePath<String>,
    FormBody(f): FormBody<LiftForm>,
) -> PageResult<Response> {
    let done = async {
        let session_id = number(&f.session_id, "session")?;
        if f.want == "ask" {
            groundgame_app::lifts::ask(&state.app, &secret, session_id, &f.postcode).await
        } else {
            groundgame_app::lifts::offer(&state.app, &secret, session_id, &f.postcode, number(&f.seats, "seats")?).await
        }
    }
    .await;
    let said = if f.want == "ask" {
        "Asked: we email you when a driver near you can take you."
    } else {
        "Thank you: we email you when a rider near you needs a seat."
    };
    after(&state, &secret, done, said).await
}

pub async fn answer_lift(
    State(state): State<AppState>,
    PagePath(secret): PagePath<String>,
    FormBody(f): FormBody<AnswerForm>,
) -> PageResult<Response> {
    let accept = f.accept == "yes";
    let done = async {
        groundgame_app::lifts::answer(&state.app, &secret, number(&f.offer_id, "lift")?, number(&f.ask_id, "lift")?, accept).await
    }
    .await;
    after(
        &state,
        &secret,
        done,
        if accept { "Thank you: once they say yes too, we email you both." } else { "Noted: we look for another match." },
    )
    .await
}

pub async fn withdraw_lift(
    State(state): State<AppState>,
    PagePath(secret): PagePath<String>,
    FormBody(f): FormBody<WithdrawForm>,
) -> PageResult<Response> {
    let done = async { groundgame_app::lifts::withdraw(&state.app, &secret, f.side == "driver", number(&f.id, "lift")?).await }.await;
    after(&state, &secret, done, "Withdrawn.").await
}

#[derive(Deserialize)]
pub struct FriendForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    age_band: String,
}

pub async fn add_friend(
    State(state): State<AppState>,
    PagePath(secret): PagePath<String>,
    FormBody(f): FormBody<FriendForm>,
) -> PageResult<Response> {
    let done = groundgame_app::relational::add_friend(&state.app, &secret, &f.name, &f.age_band).await;
    after(&state, &secret, done, "Added: choose who they are on the register below.").await
}

pub async fn age_band(
    State(state): State<AppState>,
    PagePath(secret): PagePath<String>,
    FormBody(f): FormBody<FriendForm>,
) -> PageResult<Response> {
    let done = groundgame_app::relational::set_age_band(&state.app, &secret, &f.age_band).await;
    after(&state, &secret, done, "Saved.").await
}

#[derive(Deserialize)]
pub struct ChooseForm {
    #[serde(default)]
    elector_id: String,
}

pub async fn choose_friend(
    State(state): State<AppState>,
    PagePath((secret, id)): PagePath<(String, i64)>,
    FormBody(f): FormBody<ChooseForm>,
) -> PageResult<Response> {
    let elector = f.elector_id.trim();
    let done = async {
        let elector = if elector.is_empty() { None } else { Some(number(elector, "who they are")?) };
        groundgame_app::relational::choose(&state.app, &secret, id, elector).await
    }
    .await;
    after(&state, &secret, done, "Thank you. Now talk to them, and tell us what they said.").await
}

pub async fn talk_friend(
    State(state): State<AppState>,
    PagePath((secret, id)): PagePath<(String, i64)>,
    FormBody(f): FormBody<std::collections::HashMap<String, String>>,
) -> PageResult<Response> {
    let answers = f.iter().filter_map(|(k, v)| k.strip_prefix("q.").map(|q| (q.to_owned(), v.clone()))).collect();
    let note = f.get("note").map(String::as_str).unwrap_or("");
    let done = groundgame_app::relational::talk(&state.app, &secret, id, answers, note).await;
    after(&state, &secret, done, "Saved: thank you for talking to them.").await
}

pub async fn remove_friend(State(state): State<AppState>, PagePath((secret, id)): PagePath<(String, i64)>) -> PageResult<Response> {
    let done = groundgame_app::relational::remove(&state.app, &secret, id).await;
    after(&state, &secret, done, "Taken off your list.").await
}

/// The details form: its ticked boxes repeat their field, so it is read as pairs.
pub async fn save_details(
    State(state): State<AppState>,
    PagePath(secret): PagePath<String>,
    FormBody(pairs): FormBody<Vec<(String, String)>>,
) -> PageResult<Response> {
    let all = |name: &str| pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let d = volunteers::OwnDetails {
        phone: one("phone"),
        availability: all("availability"),
        skills: all("skills"),
        languages: one("languages"),
        consent_sms: !one("consent_sms").is_empty(),
        consent_phone: !one("consent_phone").is_empty(),
    };
    let done = volunteers::update_own_details(&state.app, &secret, &d).await;
    after(&state, &secret, done, "Saved.").await
}
