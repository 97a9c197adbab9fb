//! The texter's page: who to text next (first names only, one tap a text with a template), their
//! threads with the replies, and where the outbox stands; for organisers also the templates and
//! the opt-outs.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use groundgame_app::texting::{self, Outbox};
use groundgame_core::access::Permission;
use groundgame_store::texting::With;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout;
use crate::auth::Viewer;
use crate::error::PageResult;
use crate::input::{FormBody, PagePath, QueryParams};
use crate::state::AppState;

/// How many people the page offers to text at once.
const OFFERED: i64 = 20;

fn outbox_line(o: &Outbox) -> Markup {
    html! {
        @if !o.provider {
            p.warning role="status" {
                "No SMS provider is set up on this server: texts wait in the outbox (" (o.waiting) " now) and go once one is. "
                "docs/CONFIGURATION.md says how."
            }
        } @else {
            p role="status" {
                (o.waiting) " waiting, " (o.sent) " with the provider, " strong { (o.delivered) " delivered" } ", "
                (o.undelivered + o.failed) " not delivered, " (o.replies) " replies. Only delivered texts count as contact."
            }
        }
    }
}

fn status_words(status: &str) -> &'static str {
    match status {
        "waiting" => "waiting in the outbox",
        "sent" => "sent, not yet delivered",
        "delivered" => "delivered",
        "undelivered" => "not delivered",
        "failed" => "not sent",
        "received" => "reply",
        _ => "",
    }
}

fn with_link(with: With) -> String {
    match with {
        With::Elector(id) => format!("/texts/thread?to_elector={id}"),
        With::Volunteer(id) => format!("/texts/thread?to_volunteer={id}"),
    }
}

async fn render(state: &AppState, viewer: &Viewer, said: layout::Said) -> PageResult<Markup> {
    let actor = viewer.actor();
    let outbox = texting::outbox(&state.app, actor).await?;
    let templates = texting::templates(&state.app, actor).await?;
    let next = texting::to_text_next(&state.app, actor, OFFERED).await?;
    let threads = texting::threads(&state.app, actor).await?;
    let organiser = viewer.may(Permission::ManageTexting);
    Ok(layout::page(
        viewer,
        "Texts",
        html! {
            h1 { "Texts" }
            (outbox_line(&outbox))
            (layout::said(&said))
            p.hint { "Texts go only to people who agreed to them, between 09:00 and 21:00. Each says who it is from and how to stop; a STOP reply stops them at once." }
            h2 { "Text next" }
            @if templates.is_empty() {
                p { "There is no template yet." @if organiser { " Write one below." } @else { " Ask an organiser to write one." } }
            } @else if next.is_empty() {
                p { "No one is waiting for a text: everyone who agreed has been texted in the last fortnight." }
            } @else {
                ul.cards {
                    @for e in &next {
                        li {
                            form.inline method="post" action="/texts/send" {
                                (layout::csrf(viewer))
                                input type="hidden" name="to_elector" value=(e.elector_id);
                                strong { (e.forename.as_deref().unwrap_or("(no first name)")) } " · " (e.polling_district) " "
                                label.visually-hidden for={ "t-" (e.elector_id) } { "Template for " (e.forename.as_deref().unwrap_or("them")) }
                                select id={ "t-" (e.elector_id) } name="template_id" {
                                    @for t in &templates { option value=(t.id) { (t.name) } }
                                }
                                button type="submit" { "Send" }
                            }
                        }
                    }
                }
            }
            h2 { "Threads (" (threads.len()) ")" }
            @if threads.is_empty() {
                p { "No texts yet." }
            } @else {
                ul.cards {
                    @for t in &threads {
                        li {
                            a href=(with_link(t.with)) { strong { (if t.first_name.is_empty() { "(no name)" } else { &t.first_name }) } }
                            @if t.awaiting_answer { " " span.badge { "replied" } }
                            p { (t.last.body) }
                            p.hint { (status_words(&t.last.status)) " · " (groundgame_core::time::uk_clock(&t.last.created_at)) }
                        }
                    }
                }
            }
            @if organiser {
                h2 { "Templates" }
                @for t in &templates {
                    form.inline method="post" action={ "/texts/templates/" (t.id) "/withdraw" } {
                        (layout::csrf(viewer))
                        p { strong { (t.name) } ": " (t.body) " " button.link type="submit" aria-label={ "Withdraw " (t.name) } { "Withdraw" } }
                    }
                }
                form method="post" action="/texts/templates" {
                    (layout::csrf(viewer))
                    label for="name" { "Name" }
                    input #name name="name" required maxlength="100";
                    label for="body" { "Words" }
                    textarea #body name="body" required maxlength="612" rows="4" {}
                    p.hint { "Fields: {first_name}, {campaign}, {session} (a volunteer's next session), {polling_station}. Who it is from and \"Reply STOP to stop these texts.\" are added when the words do not say them." }
                    button type="submit" { "Add template" }
                }
                p { a href="/api/v1/sms/opt-outs" { "The opt-outs (JSON, audited)" } }
            }
        },
    ))
}

pub async fn page(State(state): State<AppState>, viewer: Viewer) -> PageResult<Markup> {
    render(&state, &viewer, None).await
}

async fn or_show(state: &AppState, viewer: &Viewer, result: Result<String, groundgame_app::Error>) -> PageResult<Response> {
    match result {
        Ok(message) => Ok(render(state, viewer, Some((true, message))).await?.into_response()),
        Err(e) => {
            let e = layout::to_show(e)?;
            Ok((e.status, render(state, viewer, Some((false, e.message))).await?).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct SendForm {
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    to_elector: Option<i64>,
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    to_volunteer: Option<i64>,
    #[serde(deserialize_with = "groundgame_core::whole_number::id")]
    template_id: i64,
}

pub async fn send(State(state): State<AppState>, viewer: Viewer, FormBody(f): FormBody<SendForm>) -> PageResult<Response> {
    let to = crate::texts::recipient(f.to_elector, f.to_volunteer)?;
    let result = texting::send(&state.app, viewer.actor(), to, f.template_id, chrono::Utc::now()).await.map(|s| match s.note {
        Some(note) => format!("Queued: \"{}\". {note}", s.body),
        None => format!("Sent to the outbox: \"{}\"", s.body),
    });
    or_show(&state, &viewer, result).await
}

#[derive(Deserialize)]
pub struct TemplateForm {
    name: String,
    body: String,
}

pub async fn add_template(State(state): State<AppState>, viewer: Viewer, FormBody(f): FormBody<TemplateForm>) -> PageResult<Response> {
    let result =
        texting::add_template(&state.app, viewer.actor(), &f.name, &f.body).await.map(|t| format!("Template \"{}\" added.", t.name));
    or_show(&state, &viewer, result).await
}

pub async fn withdraw_template(State(state): State<AppState>, viewer: Viewer, PagePath(id): PagePath<i64>) -> PageResult<Response> {
    texting::withdraw_template(&state.app, viewer.actor(), id).await?;
    Ok(Redirect::to("/texts").into_response())
}

#[derive(Deserialize)]
pub struct ThreadQuery {
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    to_elector: Option<i64>,
    #[serde(default, deserialize_with = "groundgame_core::whole_number::optional_id")]
    to_volunteer: Option<i64>,
}

pub async fn thread(State(state): State<AppState>, viewer: Viewer, QueryParams(q): QueryParams<ThreadQuery>) -> PageResult<Markup> {
    let to = crate::texts::recipient(q.to_elector, q.to_volunteer)?;
    let (name, texts) = texting::thread(&state.app, viewer.actor(), to).await?;
    let title = if name.is_empty() { "Thread".to_owned() } else { format!("Texts with {name}") };
    Ok(layout::page(
        &viewer,
        &title,
        html! {
            h1 { (title) }
            ol.thread {
                @for t in &texts {
                    li class=(if t.direction == "in" { "from-them" } else { "from-us" }) {
                        p { (t.body) }
                        p.hint {
                            (if t.direction == "in" { "Their reply" } else { "Our text" }) " · " (status_words(&t.status)) " · "
                            (groundgame_core::time::uk_clock(&t.created_at))
                            @if let Some(e) = &t.error { " · " (e) }
                        }
                    }
                }
            }
            p { a href="/texts" { "Back to texts" } }
        },
    ))
}
