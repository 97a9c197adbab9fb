//! The public way in: a campaign's sign-up page, a session's page, share links, and the
//! volunteer's own page reached by the link in every email. No account is needed for any.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::posts;
use groundgame_app::volunteers::{self, SignUp, EMAIL_CONSENT_WORDING};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout;
use crate::auth::ClientInfo;
use crate::error::{AppError, PageError, PageResult};
use crate::input::{FormBody, PagePath, PageQuery};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct RefQuery {
    #[serde(default, rename = "ref")]
    share_code: Option<String>,
}

/// The sign-up form's fields. `website` is a honeypot: people never see it, and a form that
/// fills it in is thanked and forgotten.
#[derive(Debug, Default, Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    consent_email: Option<String>,
    #[serde(default)]
    slot_id: Option<String>,
    #[serde(default, rename = "ref")]
    share_code: Option<String>,
    #[serde(default)]
    website: String,
}

fn form(action: &str, slots: &[(i64, String, bool)], share_code: Option<&str>, f: &JoinForm, error: Option<&str>) -> Markup {
    html! {
        form.join method="post" action=(action) novalidate {
            @if let Some(e) = error { p.error role="alert" #join-error { (e) } }
            @if let Some(code) = share_code { input type="hidden" name="ref" value=(code); }
            @if slots.len() > 1 {
                fieldset {
                    legend { "When can you come?" }
                    @for (i, (id, label, full)) in slots.iter().enumerate() {
                        label.choice {
                            input type="radio" name="slot_id" value=(id) checked[i == 0 || f.slot_id.as_deref() == Some(id.to_string().as_str())];
                            " " (label) @if *full { " (full: join the waiting list)" }
                        }
                    }
                }
            } @else if let Some((id, _, _)) = slots.first() {
                input type="hidden" name="slot_id" value=(id);
            }
            label for="name" { "Your name" }
            input #name name="name" value=(f.name) autocomplete="name" required maxlength="100" aria-describedby=[error.map(|_| "join-error")];
            label for="email" { "Your email" }
            input #email type="email" name="email" value=(f.email) autocomplete="email" required inputmode="email";
            label for="postcode" { "Your postcode (optional: for the sessions nearest you)" }
            input #postcode name="postcode" value=(f.postcode) autocomplete="postal-code" size="9";
            div.honeypot aria-hidden="true" {
                label for="website" { "Leave this empty" }
                input #website name="website" tabindex="-1" autocomplete="off";
            }
            label.choice {
                input type="checkbox" name="consent_email" value="yes" checked[f.consent_email.is_some()];
                " " (EMAIL_CONSENT_WORDING)
            }
            button type="submit" { "Sign up" }
            p.hint { "We email you a link to confirm. Nothing is kept as a sign-up until you follow it. "
                @if let Some(ballot) = action.split('/').nth(2) { a href={ "/join/" (ballot) "/privacy" } { "How we use your data" } } }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CampaignQuery {
    #[serde(default, rename = "ref")]
    share_code: Option<String>,
    #[serde(default)]
    postcode: Option<String>,
}

/// A campaign's sign-up page: a postcode finds the sessions nearest (the campaign's own and the
/// nearby marginals'); without one, the campaign's sessions still to come. Each has a way to join.
pub async fn campaign(
    State(state): State<AppState>,
    PagePath(ballot): PagePath<String>,
    PageQuery(q): PageQuery<CampaignQuery>,
) -> PageResult<Response> {
    let (campaign, open) = volunteers::public_campaign(&state.app, &ballot).await?;
    let code = q.share_code.as_deref();
    let suffix = code.map(|c| format!("?ref={c}")).unwrap_or_default();
    let postcode = q.postcode.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let (nearest, problem) = match postcode {
        Some(p) => match volunteers::nearest_sessions(&state.app, &ballot, p).await {
            Ok((_, place, found)) => (Some((place, found)), None),
            Err(e) => {
                let e = AppError::from(e);
                if e.status.is_server_error() {
                    return Err(PageError(e));
                }
                (None, Some(e.message))
            }
        },
        None => (None, None),
    };
    let mut seen = std::collections::HashSet::new();
    let feed = format!("/join/{}/feed.atom", campaign.ballot_id);
    let page = layout::public_with(
        &format!("Help the {} campaign", campaign.name),
        layout::Preview {
            description: &format!("Canvassing sessions of the {} campaign: sign up in one step, no account needed.", campaign.name),
            feed: Some(&feed),
            ..Default::default()
        },
        html! {
            h1 { "Help the " (campaign.name) " campaign" }
            form.search method="get" action={ "/join/" (campaign.ballot_id) } role="search" {
                @if let Some(c) = code { input type="hidden" name="ref" value=(c); }
                label for="near" { "Your postcode: the sessions nearest you, here and in the marginal seats nearby" }
                input #near name="postcode" value=(postcode.unwrap_or("")) autocomplete="postal-code" size="9"
                    aria-describedby=[problem.as_ref().map(|_| "near-error")];
                button type="submit" { "Find sessions" }
                @if let Some(m) = &problem { p.error role="alert" #near-error { (m) } }
            }
            @if let Some((place, found)) = &nearest {
                h2 { "Nearest " (place) }
                @if found.is_empty() {
                    p { "No sessions are announced near you yet. Sign up below and we will email you when there are." }
                }
                ol.sessions {
                    @for s in found {
                        li {
                            a href={ "/join/" (s.campaign) "/" (s.session_id) (suffix) } { strong { (s.name) } }
                            br; (volunteers::describe_time(&s.starts_at, &s.ends_at)) ", meet at " (s.meeting_point)
                            br; (format!("{:.1} km", s.distance_km)) " · "
                            @if s.here { (s.campaign_name) } @else { (s.seat) ", a marginal seat nearby" }
                            " · " (places(s.places_left))
                        }
                    }
                }
            } @else if open.is_empty() {
                p { "No sessions are announced yet. Leave your details and we will email you when there are." }
            } @else {
                h2 { "Sessions" }
                ul.sessions {
                    @for o in &open {
                        @if seen.insert(o.session_id) {
                            li {
                                a href={ "/join/" (campaign.ballot_id) "/" (o.session_id) (suffix) } { strong { (o.name) } }
                                br; (volunteers::describe_time(&o.starts_at, &o.ends_at)) ", meet at " (o.meeting_point)
                                " · " (places(o.capacity - o.booked))
                            }
                        }
                    }
                }
            }
            h2 { "Or just sign up" }
            (form(&format!("/join/{}", campaign.ballot_id), &[], code, &JoinForm::default(), None))
            p.hint { a href=(feed) { "Sessions and posts as a feed" } }
        },
    );
    let status = if problem.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    Ok((status, page).into_response())
}

fn places(left: i64) -> String {
    match left {
        i64::MIN..=0 => "full: join the waiting list".into(),
        1 => "1 place left".into(),
        n => format!("{n} places left"),
    }
}

async fn session_page(
    state: &AppState,
    ballot: &str,
    session_id: i64,
    code: Option<&str>,
    f: &JoinForm,
    error: Option<&str>,
) -> PageResult<Markup> {
    let p = volunteers::public_session(&state.app, ballot, session_id).await?;
    let slots: Vec<(i64, String, bool)> = p.slots.iter().map(|s| (s.id, volunteers::when(s), s.booked >= s.capacity)).collect();
    let title = format!("{}: canvassing with the {} campaign", p.session.name, p.campaign.name);
    let first = p.slots.first().map(volunteers::when).unwrap_or_default();
    Ok(layout::public(
        &title,
        &format!("{first}, meeting at {}. Sign up in one step: no account needed.", p.session.meeting_point),
        html! {
            h1 { (p.session.name) }
            p.lead { "Canvassing with the " (p.campaign.name) " campaign." }
            @if p.session.cancelled_at.is_some() {
                p.error role="alert" { "This session has been cancelled." }
                p { a href={ "/join/" (p.campaign.ballot_id) } { "Other sessions" } }
            } @else if p.slots.is_empty() {
                p { "This session is over. " a href={ "/join/" (p.campaign.ballot_id) } { "Sessions still to come" } }
            } @else {
                dl {
                    dt { "When" }
                    dd { @for s in &p.slots { (volunteers::when(s)) " · " (places(s.capacity - s.booked)) br; } }
                    dt { "Where" }
                    dd {
                        (p.session.meeting_point)
                        @if let (Some(lat), Some(lon)) = (p.session.lat, p.session.lon) {
                            " · " a href={ "https://www.openstreetmap.org/?mlat=" (format!("{lat:.5}")) "&mlon=" (format!("{lon:.5}")) "#map=16/" (format!("{lat:.5}/{lon:.5}")) } rel="noopener" { "map" }
                        }
                        br; small { "The exact address is emailed to you once you have a place." }
                    }
                    @if !p.session.details.is_empty() { dt { "What to expect" } dd { (p.session.details) } }
                }
                h2 { "Join" }
                (form(&format!("/join/{}/{}", p.campaign.ballot_id, p.session.id), &slots, code, f, error))
            }
        },
    ))
}

pub async fn session(
    State(state): State<AppState>,
    PagePath((ballot, id)): PagePath<(String, i64)>,
    PageQuery(q): PageQuery<RefQuery>,
) -> PageResult<Markup> {
    session_page(&state, &ballot, id, q.share_code.as_deref(), &JoinForm::default(), None).await
}

/// The thanks page: the same whatever the email (known or not, confirmed or not).
fn thanks(state: &AppState, email: &str) -> Markup {
    layout::public(
        "Check your email",
        "",
        html! {
            h1 { "Check your email" }
            p role="status" { "We have sent a link to " strong { (email.trim()) } ". Open it and press Confirm to finish signing up." }
            @if !state.app.mail.is_on() { p.error { "Mail is off on this server: ask the campaign's organiser to set it up (smtp_url)." } }
            p { "Nothing arrived? Look in your spam folder, or sign up again in ten minutes." }
        },
    )
}

async fn submit(state: &AppState, client: &ClientInfo, ballot: &str, session_id: Option<i64>, f: JoinForm) -> PageResult<Response> {
    if !f.website.is_empty() {
        return Ok(thanks(state, &f.email).into_response());
    }
    let slot_id = f.slot_id.as_deref().and_then(|s| s.trim().parse().ok());
    let signup = SignUp {
        name: f.name.clone(),
        email: f.email.clone(),
        postcode: Some(f.postcode.clone()),
        consent_email: f.consent_email.is_some(),
        campaign: Some(ballot.to_owned()),
        session_id,
        slot_id,
        share_code: f.share_code.clone(),
    };
    match volunteers::sign_up(&state.app, &signup, &client.0.ip).await {
        Ok(()) => {
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/join/thanks?email=".to_owned() + &crate::auth::urlencode(f.email.trim()))])
                .into_response())
        }
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error()
                || e.status == StatusCode::TOO_MANY_REQUESTS
                || session_id.is_none() && e.status == StatusCode::NOT_FOUND
            {
                return Err(PageError(e));
            }
            let page = match session_id {
                Some(id) => session_page(state, ballot, id, f.share_code.as_deref(), &f, Some(&e.message)).await?,
                None => layout::public(
                    "Sign up",
                    "",
                    html! { h1 { "Sign up" } (form(&format!("/join/{ballot}"), &[], f.share_code.as_deref(), &f, Some(&e.message))) },
                ),
            };
            Ok((e.status, page).into_response())
        }
    }
}

pub async fn join_campaign(
    State(state): State<AppState>,
    client: ClientInfo,
    PagePath(ballot): PagePath<String>,
    FormBody(f): FormBody<JoinForm>,
) -> PageResult<Response> {
    submit(&state, &client, &ballot, None, f).await
}

pub async fn join_session(
    State(state): State<AppState>,
    client: ClientInfo,
    PagePath((ballot, id)): PagePath<(String, i64)>,
    FormBody(f): FormBody<JoinForm>,
) -> PageResult<Response> {
    submit(&state, &client, &ballot, Some(id), f).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ThanksQuery {
    #[serde(default)]
    email: String,
}

pub async fn thanks_page(State(state): State<AppState>, PageQuery(q): PageQuery<ThanksQuery>) -> Markup {
    thanks(&state, &q.email)
}

/// A share link: counted, credited, and on to what it shares.
pub async fn share(State(state): State<AppState>, PagePath(code): PagePath<String>) -> PageResult<Response> {
    match volunteers::follow(&state.app, &code).await? {
        Some(to) => Ok(Redirect::to(&to).into_response()),
        None => Err(PageError(AppError::not_found("this share link does not exist: ask whoever sent it for a new one"))),
    }
}

// ---- Posts, the feed, and the embeddable sign-up page ----

/// A post's public page: its text, picture and link, and a way to sign up (credited to whoever
/// shared it).
pub async fn post(
    State(state): State<AppState>,
    PagePath((ballot, id)): PagePath<(String, i64)>,
    PageQuery(q): PageQuery<RefQuery>,
) -> PageResult<Markup> {
    let (campaign, post) = posts::public_post(&state.app, &ballot, id).await?;
    let image = post.image_type.as_ref().map(|_| state.app.mail.link(&format!("/join/{}/posts/{}/image", campaign.ballot_id, post.id)));
    let feed = format!("/join/{}/feed.atom", campaign.ballot_id);
    let description: String =
        if post.body.is_empty() { format!("From the {} campaign", campaign.name) } else { post.body.chars().take(200).collect() };
    Ok(layout::public_with(
        &post.title,
        layout::Preview { description: &description, image: image.as_deref(), feed: Some(&feed) },
        html! {
            article.post {
                h1 { (post.title) }
                @if post.image_type.is_some() {
                    img src={ "/join/" (campaign.ballot_id) "/posts/" (post.id) "/image" } alt="" loading="lazy";
                }
                @for para in post.body.split("\n\n").filter(|p| !p.trim().is_empty()) { p { (para.trim()) } }
                @if let Some(l) = &post.link_url { p { a href=(l) rel="noopener nofollow" { (l) } } }
            }
            h2 { "Help the " (campaign.name) " campaign" }
            p { a href={ "/join/" (campaign.ballot_id) @if let Some(c) = &q.share_code { "?ref=" (c) } } { "Find a canvassing session near you" } }
            (form(&format!("/join/{}", campaign.ballot_id), &[], q.share_code.as_deref(), &JoinForm::default(), None))
        },
    ))
}

/// A post's picture, with its checked media type; cached a day (a post's picture never changes).
pub async fn post_image(State(state): State<AppState>, PagePath((ballot, id)): PagePath<(String, i64)>) -> PageResult<Response> {
    let (bytes, kind) = posts::image(&state.app, &ballot, id).await?;
    Ok(([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=86400".to_owned())], bytes).into_response())
}

/// The campaign's Atom feed of sessions and posts.
pub async fn feed(State(state): State<AppState>, PagePath(ballot): PagePath<String>) -> PageResult<Response> {
    let xml = posts::feed(&state.app, &ballot).await?;
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], xml)
        .into_response())
}

/// The policy that lets the organiser's sites (and only them) frame the sign-up page.
fn framed_by(mut r: Response, origins: &[String]) -> Response {
    let ancestors = if origins.is_empty() { "'none'".to_owned() } else { origins.join(" ") };
    let policy = crate::security::CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", &format!("frame-ancestors {ancestors}"));
    if let Ok(v) = header::HeaderValue::from_str(&policy) {
        r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    r
}

fn embed_page(campaign: &groundgame_store::campaigns::Campaign, f: &JoinForm, error: Option<&str>, thanked: Option<&str>) -> Markup {
    layout::embedded(
        &format!("Help the {} campaign", campaign.name),
        html! {
            @if let Some(email) = thanked {
                h1 { "Check your email" }
                p role="status" { "We have sent a link to " strong { (email) } ". Open it and press Confirm to finish signing up." }
            } @else {
                h1 { "Help the " (campaign.name) " campaign" }
                (form(&format!("/join/{}/embed", campaign.ballot_id), &[], f.share_code.as_deref(), f, error))
                p.hint { a href={ "/join/" (campaign.ballot_id) } { "See the sessions" } }
            }
        },
    )
}

/// The sign-up form to embed in another site (an iframe): only the organiser's sites may frame it.
pub async fn embed(
    State(state): State<AppState>,
    PagePath(ballot): PagePath<String>,
    PageQuery(q): PageQuery<RefQuery>,
) -> PageResult<Response> {
    let (campaign, origins) = posts::framing_origins(&state.app, &ballot).await?;
    let f = JoinForm { share_code: q.share_code, ..JoinForm::default() };
    Ok(framed_by(embed_page(&campaign, &f, None, None).into_response(), &origins))
}

pub async fn join_embedded(
    State(state): State<AppState>,
    client: ClientInfo,
    PagePath(ballot): PagePath<String>,
    FormBody(f): FormBody<JoinForm>,
) -> PageResult<Response> {
    let (campaign, origins) = posts::framing_origins(&state.app, &ballot).await?;
    if !f.website.is_empty() {
        return Ok(framed_by(embed_page(&campaign, &f, None, Some(f.email.trim())).into_response(), &origins));
    }
    let signup = SignUp {
        name: f.name.clone(),
        email: f.email.clone(),
        postcode: Some(f.postcode.clone()),
        consent_email: f.consent_email.is_some(),
        campaign: Some(ballot.clone()),
        session_id: None,
        slot_id: None,
        share_code: f.share_code.clone(),
    };
    let answer = match volunteers::sign_up(&state.app, &signup, &client.0.ip).await {
        Ok(()) => embed_page(&campaign, &f, None, Some(f.email.trim())).into_response(),
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error() {
                return Err(PageError(e));
            }
            (e.status, embed_page(&campaign, &f, Some(&e.message), None)).into_response()
        }
    };
    Ok(framed_by(answer, &origins))
}

/// The campaign's privacy notice: who holds what, why, on what lawful basis, until when, and the
/// rights people have. Public.
pub async fn privacy(State(state): State<AppState>, PagePath(ballot): PagePath<String>) -> PageResult<Markup> {
    use groundgame_core::privacy_notice::{Kept, PURPOSES};
    let (campaign, _) = volunteers::public_campaign(&state.app, &ballot).await?;
    let (until, deleted) = groundgame_app::privacy::retention_of(&state.app, &campaign).await?;
    let until = until.format("%-d %B %Y").to_string();
    Ok(layout::public(
        &format!("Privacy notice: {}", campaign.name),
        "How the campaign uses personal data, on what basis, and for how long",
        html! {
            h1 { "How the " (campaign.name) " campaign uses personal data" }
            p { "The " (campaign.party) " campaign in " (campaign.name) " is the controller of the data below. It uses them only for this "
                "election, shares them with no one, and deletes the register and what canvassers recorded after " strong { (until) } "." }
            @if let Some(at) = deleted { p { "That was done on " (at.get(..10).unwrap_or(&at)) ": only anonymous counts remain." } }
            div.scroll { table {
                thead { tr { th scope="col" { "Why" } th scope="col" { "What" } th scope="col" { "Lawful basis" } th scope="col" { "Kept" } } }
                tbody { @for p in &PURPOSES { tr {
                    th scope="row" { (p.purpose) } td { (p.data) } td { (p.basis) }
                    td { @match p.kept { Kept::UntilRetention => { "until " (until) } Kept::UntilDeleted => { "until you delete it, or ask us to" } } }
                } } }
            } }
            h2 { "Your rights" }
            ul {
                li { strong { "To see what we hold about you" } ", and to have it corrected. Volunteers download it from the link in any email we send; "
                    "electors ask the campaign, which sends it within a month." }
                li { strong { "To object to being contacted" } ": tell a canvasser or the campaign, and you come off every list at once, for this whole campaign." }
                li { strong { "To have your data deleted" } ": volunteers delete it from their own page; anyone may ask the campaign." }
                li { strong { "To withdraw consent" } " to email at any time: every email has an unsubscribe link." }
                li { strong { "To complain" } " to the Information Commissioner's Office (ico.org.uk, 0303 123 1113)." }
            }
        },
    ))
}
