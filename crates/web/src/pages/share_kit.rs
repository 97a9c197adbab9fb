//! For organisers: the share kit (posts for supporters to share, with the feed and the
//! embeddable sign-up form) and the campaign's supporters with the sharers' leaderboard.

use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::posts::{self, PostForm, MAX_IMAGE_BYTES};
use groundgame_app::{volunteers, Error};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout;
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::input::{FormBody, PagePath};
use crate::state::AppState;

async fn render(state: &AppState, viewer: &Viewer, f: &PostForm, said: Option<&str>, error: Option<&str>) -> PageResult<Markup> {
    let list = posts::list(&state.app, viewer.actor()).await?;
    let origins = posts::embed_origins(&state.app, viewer.actor()).await?;
    let ballot = &viewer.campaign.ballot_id;
    let full = |path: &str| state.app.mail.link(path);
    let snippet = format!(
        "<iframe src=\"{}\" title=\"Sign up to help\" style=\"width:100%;max-width:32rem;height:36rem;border:0\"></iframe>",
        full(&format!("/join/{ballot}/embed"))
    );
    Ok(layout::page(
        viewer,
        "Share kit",
        html! {
            h1 { "Share kit" }
            p { "Posts for supporters to share. Each supporter's page gives them their own link to every post, so that whoever signs up through it is credited to them." }
            @if let Some(s) = said { p.ok role="status" { (s) } }
            @if let Some(e) = error { p.error role="alert" #post-error { (e) } }
            h2 { "A new post" }
            form method="post" action={ "/posts?csrf=" (viewer.csrf_token) } enctype="multipart/form-data" {
                label for="title" { "Title" }
                input #title name="title" value=(f.title) required maxlength="120" aria-describedby=[error.map(|_| "post-error")];
                label for="body" { "Text" }
                textarea #body name="body" rows="4" maxlength="2000" { (f.body) }
                label for="link_url" { "Link (optional)" }
                input #link_url type="url" name="link_url" value=(f.link_url) placeholder="https://";
                label for="image" { "Picture (optional: PNG, JPEG, GIF or WebP, up to " (MAX_IMAGE_BYTES / 1024 / 1024) " MB)" }
                input #image type="file" name="image" accept="image/png,image/jpeg,image/gif,image/webp";
                button type="submit" { "Publish" }
            }
            h2 { "Posts" }
            @if list.is_empty() { p { "None yet." } }
            ul.posts {
                @for p in &list {
                    li {
                        @if p.withdrawn_at.is_some() {
                            s { (p.title) } " · withdrawn"
                        } @else {
                            a href={ "/join/" (ballot) "/posts/" (p.id) } { strong { (p.title) } }
                            " · " (p.published_at.get(..10).unwrap_or(""))
                            form.inline method="post" action={ "/posts/" (p.id) "/withdraw" } {
                                (layout::csrf(viewer))
                                button.link.danger type="submit" aria-label={ "Withdraw " (p.title) } { "Withdraw" }
                            }
                        }
                    }
                }
            }
            h2 { "The feed" }
            p { "The campaign's sessions and posts, for other sites and feed readers: " a href={ "/join/" (ballot) "/feed.atom" } { (full(&format!("/join/{ballot}/feed.atom"))) } }
            h2 { "Sign-up form for other sites" }
            p { "Sites listed here may show the sign-up form in a frame (a local group's site, a union branch). No other site may." }
            form method="post" action="/posts/embed" {
                (layout::csrf(viewer))
                label for="origins" { "Sites allowed, one per line (https://www.example.org)" }
                textarea #origins name="origins" rows="3" { (origins.join("\n")) }
                button type="submit" { "Save" }
            }
            label for="snippet" { "Paste this into the page of a site listed above" }
            textarea #snippet readonly rows="3" { (snippet) }
        },
    ))
}

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    render(&state, &viewer, &PostForm::default(), None, None).await
}

async fn again(state: &AppState, viewer: &Viewer, f: &PostForm, e: Error) -> PageResult<Response> {
    let e = AppError::from(e);
    if e.status.is_server_error() {
        return Err(e.into());
    }
    Ok((e.status, render(state, viewer, f, None, Some(&e.message)).await?).into_response())
}

/// Publishes a post from its form (with the picture, if one is chosen).
pub async fn publish(State(state): State<AppState>, viewer: Viewer, mut multipart: Multipart) -> PageResult<Response> {
    let mut f = PostForm::default();
    let failed = |e: axum::extract::multipart::MultipartError| AppError::bad_request(format!("the form could not be read: {e}"));
    while let Some(mut field) = multipart.next_field().await.map_err(failed)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "image" {
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(failed)? {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_IMAGE_BYTES {
                    let e = Error::Invalid(format!("the picture is bigger than {} MB", MAX_IMAGE_BYTES / 1024 / 1024));
                    return again(&state, &viewer, &f, e).await;
                }
            }
            f.image = Some(bytes);
            continue;
        }
        let text = field.text().await.map_err(failed)?;
        match name.as_str() {
            "title" => f.title = text,
            "body" => f.body = text,
            "link_url" => f.link_url = text,
            _ => {}
        }
    }
    match posts::publish(&state.app, viewer.actor(), &f).await {
        Ok(_) => {
            Ok(render(&state, &viewer, &PostForm::default(), Some("Published: it is on every supporter's page with their own link."), None)
                .await?
                .into_response())
        }
        Err(e) => again(&state, &viewer, &PostForm { image: None, ..f }, e).await,
    }
}

pub async fn withdraw(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Response> {
    posts::withdraw(&state.app, viewer.actor(), id).await?;
    Ok(Redirect::to("/posts").into_response())
}

#[derive(Deserialize)]
pub struct OriginsForm {
    #[serde(default)]
    origins: String,
}

pub async fn set_origins(State(state): State<AppState>, viewer: Viewer, FormBody(f): FormBody<OriginsForm>) -> PageResult<Response> {
    match posts::set_embed_origins(&state.app, viewer.actor(), &f.origins).await {
        Ok(o) => {
            let said =
                if o.is_empty() { "No site may frame the sign-up form now.".to_owned() } else { format!("Saved: {}.", o.join(", ")) };
            Ok(render(&state, &viewer, &PostForm::default(), Some(&said), None).await?.into_response())
        }
        Err(e) => again(&state, &viewer, &PostForm::default(), e).await,
    }
}

/// The campaign's supporters (volunteer records) with how each has come, and the sharers'
/// leaderboard. Reading the list is audited.
pub async fn supporters(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    let list = volunteers::list(&state.app, viewer.actor()).await?;
    let board = volunteers::leaderboard(&state.app, viewer.actor()).await?;
    let confirmed = list.iter().filter(|v| v.email_confirmed_at.is_some()).count();
    let relational = groundgame_app::relational::report(&state.app, viewer.actor()).await?;
    let band = |b: Option<&str>| b.unwrap_or("not said").to_owned();
    Ok(layout::page(
        &viewer,
        "Supporters",
        html! {
            h1 { "Supporters" }
            p { (list.len()) " signed up, " (confirmed) " confirmed. Share "
                a href={ "/join/" (viewer.campaign.ballot_id) } { "the sign-up page" } " or publish a post in the " a href="/posts" { "share kit" } "." }
            h2 { "Who brings people" }
            @if board.is_empty() { p { "No one has shared a link yet." } } @else {
                div.scroll { table {
                    caption { "Sign-ups through each supporter's links" }
                    thead { tr { th scope="col" { "Supporter" } th scope="col" { "Clicks" } th scope="col" { "Signed up" } th scope="col" { "Came" } th scope="col" { "Brought by those they brought" } } }
                    tbody { @for s in &board { tr { th scope="row" { (s.name) } td { (s.clicks) } td { (s.signups) } td { (s.came) } td { (s.second_hand) } } } }
                } }
            }
            h2 { "Friends and family" }
            p { "Supporters talking to people they know. A friend is shown here only once their supporter has recorded the conversation." }
            @if relational.bands.is_empty() { p { "No one has listed a friend yet." } } @else {
                div.scroll { table {
                    caption { "Friends listed and talked to, by age" }
                    thead { tr { th scope="col" { "Supporter's age" } th scope="col" { "Friend's age" } th scope="col" { "Listed" } th scope="col" { "Talked to" } } }
                    tbody { @for (a, b, listed, talked) in &relational.bands { tr { td { (band(*a)) } td { (band(*b)) } td { (listed) } td { (talked) } } } }
                } }
            }
            @if !relational.conversations.is_empty() {
                div.scroll { table {
                    caption { "Conversations recorded" }
                    thead { tr { th scope="col" { "Supporter" } th scope="col" { "Talked to" } th scope="col" { "Elector number" } th scope="col" { "Address" } th scope="col" { "When" } th scope="col" { "Answers" } } }
                    tbody { @for c in &relational.conversations { tr {
                        td { (c.supporter) } th scope="row" { (c.forename) " " (c.surname) }
                        td { (c.polling_district) "-" (c.elector_number) @if c.elector_suffix > 0 { "/" (c.elector_suffix) } }
                        td { (c.address.replace('\n', ", ")) } td { (c.talked_at.get(..10).unwrap_or("")) }
                        td { (answers_text(c.answers.as_deref())) }
                    } } }
                } }
            }
            h2 { "Everyone" }
            div.scroll { table {
                caption { "Supporters, newest first" }
                thead { tr { th scope="col" { "Name" } th scope="col" { "Contact" } th scope="col" { "Postcode" } th scope="col" { "Places" } th scope="col" { "Came" } th scope="col" { "Did not come" } th scope="col" { "Brought" } } }
                tbody { @for v in &list { tr {
                    th scope="row" { (v.name) @if v.email_confirmed_at.is_none() { " " small { "(not confirmed)" } } @if v.unsubscribed_at.is_some() { " " small { "(no mail)" } } }
                    td { (v.email.as_deref().unwrap_or("")) @if let Some(p) = &v.phone { br; (p) } }
                    td { (v.postcode.as_deref().unwrap_or("")) }
                    td { (v.booked) } td { (v.came) } td { (v.no_show) } td { (v.recruited) }
                } } }
            } }
        },
    ))
}

/// Stored answers ({"intention":"lab"}) as words: "intention: lab".
fn answers_text(json: Option<&str>) -> String {
    let map: std::collections::BTreeMap<String, String> = json.and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default();
    map.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ")
}
