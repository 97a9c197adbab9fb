//! Targeting pages: the target and defence lists with a hexagon cartogram of every seat (members),
//! and the public 'nearest marginal' page. Their JSON twins are in `api`.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::State;
use groundgame_app::targeting::{self, ListQuery, NearestQuery};
use groundgame_core::results::parse::seats;
use groundgame_core::results::{Election, Party};
use groundgame_targeting::marginality::Standing;
use groundgame_targeting::nearest::Kind;
use maud::{html, Markup};

use super::layout::{self, n};
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::input::PageQuery;
use crate::state::AppState;

/// A party's colour on the map (the parties' own, as the broadcasters use them).
fn colour(p: Party) -> &'static str {
    match p.family() {
        Party::Con => "#0087dc",
        Party::Lab => "#e4003b",
        Party::LD => "#faa61a",
        Party::Reform => "#12b6cf",
        Party::Green => "#02a95b",
        Party::Snp => "#fdf38e",
        Party::PlaidCymru => "#005b54",
        Party::Dup => "#d46a4c",
        Party::SinnFein => "#326760",
        Party::Sdlp => "#2aa82c",
        Party::Uup => "#48a5ee",
        Party::Alliance => "#f6cb2f",
        _ => "#909090",
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The hexagon cartogram of every seat (ODI Leeds layout): coloured by winner, faded by majority
/// (solid under 5 points, palest over 20), and outlined where the seat is on the list.
pub fn cartogram(election: &Election, listed: &[Standing]) -> String {
    let layout = seats(election.boundaries);
    let on_list: HashMap<&str, usize> = listed.iter().enumerate().map(|(i, s)| (s.gss.as_str(), i + 1)).collect();
    let size = 6.0;
    let w = 3f64.sqrt() * size;
    let point = |q: i32, r: i32| (w * (f64::from(q) + 0.5 * f64::from(r.rem_euclid(2))), -1.5 * size * f64::from(r));
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for s in layout {
        let (x, y) = point(s.q, s.r);
        min_x = min_x.min(x);
        max_x = max_x.max(x);
        min_y = min_y.min(y);
        max_y = max_y.max(y);
    }
    let pad = size * 1.5;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="hexmap" xmlns="http://www.w3.org/2000/svg" viewBox="{:.1} {:.1} {:.1} {:.1}" role="img" aria-labelledby="hexmap-title"><title id="hexmap-title">Every seat in {}, coloured by winner, paler where the majority is larger; the {} seats on the list are outlined and numbered in the table below.</title>"#,
        min_x - pad,
        min_y - pad,
        max_x - min_x + 2.0 * pad,
        max_y - min_y + 2.0 * pad,
        election.year,
        listed.len()
    );
    let corners: String = (0..6)
        .map(|i| {
            let a = (60.0 * f64::from(i) - 30.0).to_radians();
            format!("{:.2},{:.2}", size * 0.95 * a.cos(), size * 0.95 * a.sin())
        })
        .collect::<Vec<_>>()
        .join(" ");
    let _ = write!(svg, r#"<defs><polygon id="hex" points="{corners}"/></defs>"#);
    for s in layout {
        let Some(result) = election.seat(&s.gss) else { continue };
        let (x, y) = point(s.q, s.r);
        let (winner, _) = result.winner();
        let majority = 100.0 * result.majority() as f64 / result.valid_votes.max(1) as f64;
        let opacity = if majority < 5.0 {
            1.0
        } else if majority < 10.0 {
            0.75
        } else if majority < 20.0 {
            0.5
        } else {
            0.3
        };
        let rank = on_list.get(s.gss.as_str());
        let _ = write!(
            svg,
            r##"<a href="/seats/{}"><use href="#hex" x="{x:.2}" y="{y:.2}" fill="{}" fill-opacity="{opacity}"{}/><title>{}{}: {} majority {} ({majority:.1}%)</title></a>"##,
            escape(&s.gss),
            colour(winner),
            if rank.is_some() { r##" stroke="#111" stroke-width="1.6""## } else { "" },
            rank.map(|r| format!("{r}. ")).unwrap_or_default(),
            escape(&result.name),
            winner.code(),
            result.majority()
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A square of a party's colour (an SVG attribute, as the pages allow no inline styles).
fn swatch(colour: &str) -> Markup {
    html! { svg.swatch viewBox="0 0 10 10" aria-hidden="true" focusable="false" { rect width="10" height="10" fill=(colour) {} } }
}

fn legend(election: &Election) -> Markup {
    let parties: Vec<Party> = election.parties().into_iter().filter(|p| *p != Party::Other).take(8).collect();
    html! {
        ul.legend aria-label="Colours" {
            @for p in parties { li { (swatch(colour(p))) (p.name()) } }
            li { (swatch("#909090")) "Other" }
        }
    }
}

pub async fn page(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<ListQuery>) -> PageResult<Markup> {
    let list = targeting::seat_list(&state.app, &viewer.campaign, &q).await?;
    let what = if list.defence { "defences" } else { "targets" };
    let all_years: Vec<i32> = groundgame_core::results::BUNDLED.iter().map(|b| b.0).collect();
    let title = format!("{} {what} after {}", list.party.name(), list.election.year);
    Ok(layout::page(
        &viewer,
        "Targets",
        html! {
            h1 { (title) }
            form.inline method="get" action="/targets" {
                label for="party" { "Party" }
                input #party name="party" value=(list.party.code()) size="6";
                label for="election" { "Election" }
                select #election name="election" {
                    @for y in &all_years { option value=(y) selected[*y == list.election.year] { (y) } }
                }
                label for="list" { "List" }
                select #list name="list" {
                    option value="targets" selected[!list.defence] { "Targets: seats to gain" }
                    option value="defence" selected[list.defence] { "Defences: seats to hold" }
                }
                label for="region" { "Region or nation" }
                input #region name="region" value=(list.region.clone().unwrap_or_default()) placeholder="All";
                button type="submit" { "Show" }
            }
            figure.hexmap {
                (layout::raw(cartogram(&list.election, &list.seats)))
                figcaption { (legend(&list.election)) }
            }
            p { "Swing: the two-party (Butler) swing, in points, that would change the seat's hands. Majority: the winner's lead over the runner-up." }
            div.scroll { table.seats {
                caption { (title) ", nearest first" }
                thead { tr { th scope="col" { "#" } th scope="col" { "Seat" } th scope="col" { "Held" } th scope="col" { "Majority" } th scope="col" { "Swing" } } }
                tbody {
                    @for (i, s) in list.seats.iter().enumerate() {
                        tr { td { (i + 1) } th scope="row" { (s.name) br; small { (s.region) ", 2nd " (s.second.code()) } } td { (s.holder.code()) }
                             td { (n(s.majority)) br; small { (format!("{:.1}", s.majority_pct)) "%" } } td { (format!("{:.2}", s.swing_needed)) } }
                    }
                }
            } }
        },
    ))
}

/// The public page: where can I help? No sign-in needed.
pub async fn marginals(State(state): State<AppState>, PageQuery(q): PageQuery<NearestQuery>) -> Markup {
    let answer = targeting::nearest_seats(&state.app, &q).await.map_err(AppError::from);
    let years_2010: Vec<i32> = groundgame_core::results::BUNDLED.iter().map(|b| b.0).filter(|y| *y < 2024).collect();
    let chosen = q.election.unwrap_or(2019);
    layout::bare(
        "Find a marginal seat near you",
        html! {
            h1 { "Find a marginal seat near you" }
            p { "Enter your postcode to see the closest seats your party could win or might lose, with the canvassing sessions you can join." }
            form method="get" action="/marginals" {
                label for="postcode" { "Your postcode" }
                input #postcode name="postcode" value=(q.postcode.clone().unwrap_or_default()) autocomplete="postal-code" required;
                label for="party" { "Party" }
                input #party name="party" value=(q.party.clone().unwrap_or_else(|| "Lab".into())) size="6";
                label for="election" { "Results of" }
                select #election name="election" { @for y in &years_2010 { option value=(y) selected[*y == chosen] { (y) } } }
                label for="within" { "How far you can travel (km)" }
                input #within name="within" type="number" min="1" max="500" value=(q.within.unwrap_or(50.0));
                button type="submit" { "Find seats" }
            }
            @match answer {
                Err(e) => p.error role="alert" { (e.message) },
                Ok(None) => {},
                Ok(Some(a)) => {
                    h2 { (a.party.name()) " marginals within reach of " (a.place) " (" (a.year) " results)" }
                    @if a.seats.is_empty() {
                        p role="status" { "None within that distance: try further." }
                    } @else {
                        p { "Most needed first: the closest races where the local campaign has furthest to go. "
                            a href={ "/marginals?postcode=" (q.postcode.clone().unwrap_or_default()) "&party=" (a.party.code()) "&election=" (a.year) "&within=" (q.within.unwrap_or(50.0)) "&by=distance" } { "Closest first instead" } }
                        ol.marginals {
                            @for s in &a.seats {
                                li {
                                    strong { (s.seat.name) }
                                    " — " (if s.kind == Kind::Gain { "to gain from " } else { "to hold, " }) (s.seat.holder.name())
                                    @if s.kind == Kind::Hold { " majority " (n(s.seat.majority)) } @else { ", majority " (n(s.seat.majority)) }
                                    " (" (format!("{:.1}", s.seat.swing_needed)) " points of swing). " (format!("{:.0}", s.distance_km)) " km away."
                                    @if let Some(c) = &s.campaign {
                                        @if c.sessions.is_empty() { " The campaign is organising: no sessions announced yet." }
                                        ul { @for session in &c.sessions { li {
                                            "Canvassing: " (session.name) ", " (session.starts_at.replace('T', " at ")) ", meet at " (session.meeting_point) " "
                                            a.button href={ "/join/" (c.campaign) "/" (session.id) } aria-label={ "Join " (session.name) } { "Join" }
                                        } } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// One seat: its results since 2010, the majority and the swing the campaign's party needs, and
/// the seat's own groundgame campaign's progress if one is run here.
pub async fn seat(
    State(state): State<AppState>,
    viewer: Viewer,
    crate::input::PagePath(gss): crate::input::PagePath<String>,
) -> PageResult<Markup> {
    let s = groundgame_app::targeting::seat(&state.app, &viewer.campaign, &gss).await?;
    Ok(layout::page(
        &viewer,
        &s.name,
        html! {
            h1 { (s.name) }
            p { (s.region) " · " (s.gss) " · " a href="/targets" { "back to the targets" } }
            @if let Some((year, r, standing)) = s.results.last() {
                @let (winner, _) = r.winner();
                p.big { (winner.name()) " won in " (year) " by " (layout::n(r.majority())) " votes." }
                @if let Some(st) = standing {
                    p { (s.party.name()) " had " (format!("{:.1}", st.party_share)) "% of the vote. "
                        @if st.holder.family() == s.party.family() {
                            "To lose it would take a swing of " (format!("{:.1}", st.swing_needed)) " points to " (st.second.name()) "."
                        } @else {
                            "Winning it needs a swing of " (format!("{:.1}", st.swing_needed)) " points from " (st.holder.name()) "."
                        }
                    }
                }
            }
            @if let Some(c) = &s.campaign {
                h2 { "Our campaign here" }
                p { (format!("{:.0}", 100.0 * c.supporters_found)) "% of the supporters needed found; "
                    (format!("{:.0}", 100.0 * c.volunteers)) "% of walks with a canvasser. "
                    a href={ "/join/" (c.campaign) } { "Its sign-up page" } }
            }
            h2 { "Results" }
            div.scroll { table {
                caption { "General elections on these boundaries" }
                thead { tr { th scope="col" { "Year" } th scope="col" { "Winner" } th scope="col" { "Majority" } th scope="col" { "Turnout (valid votes)" } th scope="col" { "Votes" } } }
                tbody { @for (year, r, _) in s.results.iter().rev() {
                    @let (winner, _) = r.winner();
                    tr {
                        th scope="row" { (year) }
                        td { (winner.name()) }
                        td { (layout::n(r.majority())) " (" (format!("{:.1}", 100.0 * r.majority() as f64 / r.valid_votes.max(1) as f64)) "%)" }
                        td { @match r.electorate { Some(e) => { (format!("{:.1}", 100.0 * r.valid_votes as f64 / e.max(1) as f64)) "%" } None => { "not given" } } }
                        td { (r.votes.iter().take(5).map(|(p, v)| format!("{} {}", p.code(), layout::n(*v))).collect::<Vec<_>>().join(" · ")) }
                    }
                } }
            } }
        },
    ))
}
