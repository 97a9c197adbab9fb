//! The route table: every page and API route, once, with its handler, the permission it needs,
//! its place in the main menu and the answers it can give. The router, the guard in front of each
//! handler, the menu and the OpenAPI document are all built from it.

use std::collections::BTreeMap;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, Method, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Router;
use groundgame_core::access::Permission;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

use crate::error::{AppError, PageError};
use crate::route::{self, page, r, uploading, Access, Route, BODY};
use crate::state::AppState;
use crate::{api, assets, auth, calls, metrics, openapi, pages, texts};

use Access::{Needs, Public};
use Permission::*;

/// Every route the server answers, and nothing else.
pub static ROUTES: &[Route] = &[
    // The JSON API.
    r(
        Method::GET,
        "/api/v1/health",
        Public,
        "Whether the server and its database are up, and the database's schema version",
        &[503],
        || get(api::health),
    ),
    r(Method::GET, "/api/v1/openapi.json", Public, "This document", &[], || get(|| async { axum::Json(openapi::document(ROUTES)) })),
    r(Method::POST, "/api/v1/login", Public, "Sign in; sets the session cookie", &[400, 401, 403, 413, 415, 429], || post(api::login)),
    r(Method::POST, "/api/v1/logout", Needs(Member), "Sign out", &[204], || post(api::logout)),
    r(Method::GET, "/api/v1/me", Needs(Member), "The signed-in volunteer, their role and CSRF token", &[], || get(api::me)),
    r(Method::GET, "/api/v1/survey", Needs(Member), "The campaign's survey", &[], || get(api::survey)),
    r(Method::PUT, "/api/v1/survey", Needs(EditSurvey), "Replace the campaign's survey", BODY, || put(api::put_survey)),
    r(Method::GET, "/api/v1/my/walks", Needs(Canvass), "The walks assigned to the signed-in volunteer", &[], || get(api::my_walks)),
    r(Method::GET, "/api/v1/walks", Needs(PlanWalks), "Every walk with its progress and assignment", &[], || get(api::walks)),
    r(Method::GET, "/api/v1/walks/{id}/canvass", Needs(Canvass), "A walk's doors and electors for the doorstep (audited)", &[404], || {
        get(api::walk_payload)
    }),
    r(
        Method::PUT,
        "/api/v1/walks/{id}/assignment",
        Needs(AssignWalks),
        "Assign a walk to a volunteer and a session",
        &[204, 400, 404, 413, 415],
        || put(api::assign),
    ),
    r(Method::POST, "/api/v1/sync", Needs(Canvass), "Send contacts recorded on a phone; idempotent by contact id", BODY, || {
        post(api::sync)
    }),
    r(Method::GET, "/api/v1/progress", Needs(ViewProgress), "Live progress of the campaign", &[], || get(api::progress)),
    r(
        Method::POST,
        "/api/v1/tellings",
        Needs(Tell),
        "Numbers taken by a teller; idempotent by entry id; unknown numbers kept aside",
        BODY,
        || post(api::tellings),
    ),
    r(
        Method::DELETE,
        "/api/v1/tellings/{id}",
        Needs(Tell),
        "Take back a telling (a teller's undo; an organiser's correction)",
        &[204, 404],
        || delete(api::withdraw_telling),
    ),
    r(
        Method::GET,
        "/api/v1/knock-up",
        Needs(Canvass),
        "Promises who have not voted, in walk order: ?polling_district= (committee room) or ?walk_id= (audited)",
        &[400, 404],
        || get(api::knock_up),
    ),
    r(Method::POST, "/api/v1/knock-up/answers", Needs(Canvass), "Answers heard at promises' doors; idempotent by answer id", BODY, || {
        post(api::knock_answers)
    }),
    r(
        Method::POST,
        "/api/v1/knock-up/rounds",
        Needs(RunPollingDay),
        "Start a knock-up round of each walk (and give them to a knocker)",
        &[400, 404, 413, 415],
        || post(api::start_rounds),
    ),
    r(Method::POST, "/api/v1/lifts/{id}/given", Needs(RunPollingDay), "Mark a lift asked for at a door as given", &[204, 404], || {
        post(api::give_lift)
    }),
    r(
        Method::GET,
        "/api/v1/postal-votes",
        Needs(RunPollingDay),
        "A polling district's postal voter promises and the postal-vote chase: ?polling_district= (audited)",
        &[400],
        || get(api::postal_votes),
    ),
    r(
        Method::PUT,
        "/api/v1/postal-votes/{id}",
        Needs(RunPollingDay),
        "What a postal voter said of their postal vote: posted, not_yet, needs_replacement",
        &[204, 400, 404, 413, 415],
        || put(api::postal_chase),
    ),
    r(Method::GET, "/api/v1/promises/by-hand", Needs(RunPollingDay), "The promises added by hand (audited)", &[], || {
        get(api::hand_promises)
    }),
    r(
        Method::POST,
        "/api/v1/promises/by-hand",
        Needs(RunPollingDay),
        "Add an elector to the promises by hand",
        &[400, 404, 413, 415],
        || post(api::add_hand_promise),
    ),
    r(
        Method::DELETE,
        "/api/v1/promises/by-hand/{id}",
        Needs(RunPollingDay),
        "Take an elector off the promises added by hand",
        &[204, 404],
        || delete(api::remove_hand_promise),
    ),
    r(
        Method::GET,
        "/api/v1/teller/names",
        Needs(Tell),
        "A polling district's electors by number, names only, for a teller (audited)",
        &[400, 404],
        || get(api::teller_names),
    ),
    r(Method::GET, "/api/v1/polling-stations", Needs(Tell), "The polling stations and the districts each serves", &[], || {
        get(api::polling_stations)
    }),
    r(
        Method::POST,
        "/api/v1/polling-stations/{id}/counts",
        Needs(Tell),
        "A station's official count of ballot papers so far",
        &[204, 400, 404, 413, 415],
        || post(api::station_count),
    ),
    r(Method::GET, "/api/v1/committee-room", Needs(RunPollingDay), "The committee room's numbers now", &[], || get(api::committee_room)),
    r(
        Method::GET,
        "/api/v1/committee-room/events",
        Needs(RunPollingDay),
        "The committee room's numbers as they change (server-sent events)",
        &[],
        || get(api::committee_room_events),
    ),
    r(Method::GET, "/api/v1/promises", Needs(RunPollingDay), "Promises, those voted, and how many the seat needs", &[], || {
        get(api::promises)
    }),
    r(
        Method::POST,
        "/api/v1/signups",
        Public,
        "Sign up to help (no account): answered the same whatever the email; the email's link confirms it",
        &[202, 400, 404, 409, 413, 415, 429],
        || post(api::sign_up),
    ),
    r(Method::GET, "/api/v1/register/stats", Needs(ViewRegister), "Register statistics", &[], || get(api::register_stats)),
    r(Method::GET, "/api/v1/register/export", Needs(ExportRegister), "The register as CSV (audited)", &[], || get(api::register_export)),
    r(Method::GET, "/api/v1/volunteers", Needs(ManageVolunteers), "Everyone in the campaign, and the invites waiting", &[], || {
        get(api::volunteers)
    }),
    r(
        Method::PUT,
        "/api/v1/volunteers/{id}/role",
        Needs(ManageVolunteers),
        "Give a member another role",
        &[204, 400, 404, 409, 413, 415],
        || put(api::change_role),
    ),
    r(Method::DELETE, "/api/v1/volunteers/{id}", Needs(ManageVolunteers), "Take a member out of the campaign", &[204, 404, 409], || {
        delete(api::remove_member)
    }),
    r(
        Method::POST,
        "/api/v1/invites",
        Needs(ManageVolunteers),
        "Invite a volunteer; returns a one-time link",
        &[201, 400, 409, 413, 415],
        || post(api::invite),
    ),
    r(Method::DELETE, "/api/v1/invites/{id}", Needs(ManageVolunteers), "Withdraw an unused invite", &[204, 404], || {
        delete(api::revoke_invite)
    }),
    r(
        Method::POST,
        "/api/v1/texts",
        Needs(SendTexts),
        "Send one person a template's text, one tap one text (only with their consent, never to an opt-out, 09:00-21:00 UK time); 409 says why not",
        &[202, 400, 404, 409, 413, 415],
        || post(texts::send),
    ),
    r(Method::GET, "/api/v1/texts", Needs(SendTexts), "The texter's threads (an organiser's: everyone's) and the outbox", &[], || {
        get(texts::inbox)
    }),
    r(Method::GET, "/api/v1/texts/thread", Needs(SendTexts), "One thread's texts: ?to_elector=ID or ?to_volunteer=ID", &[400, 404], || {
        get(texts::thread)
    }),
    r(Method::GET, "/api/v1/text-templates", Needs(SendTexts), "The texting templates in use", &[], || get(texts::templates)),
    r(Method::POST, "/api/v1/text-templates", Needs(ManageTexting), "Add a texting template", &[201, 400, 413, 415], || {
        post(texts::add_template)
    }),
    r(Method::DELETE, "/api/v1/text-templates/{id}", Needs(ManageTexting), "Withdraw a texting template", &[204, 404], || {
        delete(texts::withdraw_template)
    }),
    r(Method::GET, "/api/v1/sms/opt-outs", Needs(ManageTexting), "Every opt-out from texts, undone ones too (audited)", &[], || {
        get(texts::opt_outs)
    }),
    r(
        Method::POST,
        "/api/v1/sms/opt-outs",
        Needs(ManageTexting),
        "Record an opt-out that came another way, or undo one with a reason (audited)",
        &[204, 400, 404, 413, 415],
        || post(texts::change_opt_out),
    ),
    r(
        Method::POST,
        "/api/v1/register/phones",
        Needs(ImportRegister),
        "An elector's mobile number, with whether they agreed to texts",
        &[204, 400, 404, 413, 415],
        || post(texts::add_phone),
    ),
    r(Method::POST, "/api/v1/sms/inbound", Public, "The SMS provider's webhook for replies (signed with X-Twilio-Signature)", &[400, 403], || {
        post(texts::inbound)
    }),
    r(
        Method::POST,
        "/api/v1/sms/status/{campaign}/{id}",
        Public,
        "The SMS provider's delivery reports for one text (signed with X-Twilio-Signature)",
        &[204, 400, 403, 404],
        || post(texts::status),
    ),
    r(Method::GET, "/api/v1/call-lists", Needs(MakeCalls), "The call lists, with how each stands (no one named)", &[], || get(calls::lists)),
    r(Method::POST, "/api/v1/call-lists", Needs(ManageCallLists), "Make a call list from a filter over the canvass", &[201, 400, 413, 415], || {
        post(calls::create_list)
    }),
    r(Method::DELETE, "/api/v1/call-lists/{id}", Needs(ManageCallLists), "Close a call list", &[204, 404, 409], || {
        delete(calls::close_list)
    }),
    r(
        Method::POST,
        "/api/v1/call-lists/{id}/next",
        Needs(MakeCalls),
        "The caller's next person (the one they hold, if any), with the number to dial while they hold them (audited)",
        &[404, 409],
        || post(calls::next),
    ),
    r(
        Method::POST,
        "/api/v1/call-lists/{id}/calls",
        Needs(MakeCalls),
        "Record what came of a call to the person the caller holds; 409 when they no longer hold them",
        &[400, 404, 409, 413, 415],
        || post(calls::record),
    ),
    r(Method::POST, "/api/v1/call-lists/{id}/release", Needs(MakeCalls), "Let go of the person the caller holds", &[204, 404, 409], || {
        post(calls::release)
    }),
    r(
        Method::POST,
        "/api/v1/call-lists/{id}/batches",
        Needs(ManageCallLists),
        "Hand a caller the next people no one has, as a batch",
        &[400, 404, 409, 413, 415],
        || post(calls::batch),
    ),
    r(Method::GET, "/api/v1/register/screening", Needs(ImportRegister), "How many numbers each screening list (TPS, CTPS, asked) has", &[], || {
        get(calls::screened)
    }),
    r(
        Method::POST,
        "/api/v1/register/screening",
        Needs(ImportRegister),
        "Load a TPS or CTPS file: its numbers replace the list's before",
        &[400, 413, 415],
        || post(calls::screening),
    ),
    r(Method::GET, "/api/v1/sessions", Needs(AssignWalks), "Canvassing sessions", &[], || get(api::canvass_sessions)),
    r(Method::GET, "/api/v1/audit", Needs(ViewAudit), "The audit log", &[], || get(api::audit)),
    r(
        Method::GET,
        "/api/v1/targets",
        Needs(Member),
        "Target or defence list: ?party=Lab&election=2015&region=&limit=&list=targets|defence",
        &[400, 404],
        || get(api::targets),
    ),
    r(
        Method::GET,
        "/api/v1/nearest",
        Public,
        "Marginal seats near ?postcode= (or ?lat=&lon=), &party=, &election=, &within= km",
        &[400, 404],
        || get(api::nearest),
    ),
    // Pages, the menu's first, in menu order.
    page("/campaign", Needs(ViewProgress), "Overview", "Campaign overview and live progress", || get(pages::campaign::overview)),
    page("/register", Needs(ViewRegister), "Register", "The register", || get(pages::register::page)),
    page("/walks", Needs(PlanWalks), "Walks", "Walks by polling district, with the planner", || get(pages::walks::list)),
    page("/sessions", Needs(AssignWalks), "Sessions", "Canvassing sessions: times, places, check-in", || get(pages::sessions::list)),
    page("/polling-day", Needs(RunPollingDay), "Polling day", "Polling day: promises, stations, committee rooms, knock-up sheets", || {
        get(pages::polling_day::page)
    }),
    page("/committee-room", Needs(RunPollingDay), "Committee room", "The live committee room", || get(pages::polling_day::committee_room)),
    page("/volunteers", Needs(ManageVolunteers), "Volunteers", "Volunteers and invites", || get(pages::volunteers::page)),
    page("/supporters", Needs(ManageVolunteers), "Supporters", "Supporters who signed up, and who brings people", || {
        get(pages::share_kit::supporters)
    }),
    page("/survey", Needs(EditSurvey), "Survey", "Edit the survey", || get(pages::campaign::survey_page)),
    page("/audit", Needs(ViewAudit), "Audit", "The audit log", || get(pages::campaign::audit)),
    page("/canvass", Needs(Canvass), "My walks", "My walks (the canvasser app)", || get(pages::canvass::my_walks)),
    page("/tell", Needs(Tell), "Telling", "The teller's page: strike off voters at a polling station, online or off", || {
        get(pages::polling_day::tell)
    }),
    page("/texts", Needs(SendTexts), "Texts", "Texting: who to text next, threads and replies, templates", || get(pages::texts::page)),
    page("/calls", Needs(MakeCalls), "Calls", "The phone bank: call lists, and one person at a time to call", || get(pages::calls::page)),
    page("/targets", Needs(Member), "Targets", "Target and defence lists with a hexagon map of every seat", || get(pages::targets::page)),
    page("/account", Needs(Member), "Account", "One's own account: password, sessions, campaigns", || get(pages::account::page)),
    r(
        Method::GET,
        "/issues",
        Needs(ViewProgress),
        "What voters raise: top issues by district, intention, age and week (audited)",
        &[],
        || get(pages::campaign::issues),
    ),
    r(
        Method::GET,
        "/seats/{gss}",
        Needs(Member),
        "One seat: its results since 2010, majority, swing needed, our campaign there",
        &[404],
        || get(pages::targets::seat),
    ),
    r(Method::GET, "/", Public, "Home: the signed-in volunteer's start page, or sign-in", &[303], || get(pages::home)),
    r(Method::GET, "/login", Public, "Sign-in page", &[303], || get(pages::login::page)),
    r(Method::POST, "/login", Public, "Sign in", &[400, 401, 403, 429], || post(pages::login::submit)),
    r(
        Method::POST,
        "/login/code",
        Public,
        "The second factor: a code from the authenticator app, or a recovery code",
        &[400, 401, 429],
        || post(pages::login::code),
    ),
    r(Method::POST, "/logout", Needs(Member), "Sign out", &[], || post(pages::login::logout)),
    r(Method::GET, "/invite/{token}", Public, "An invite: join with a new or an existing account", &[404], || {
        get(pages::login::invite_page)
    }),
    r(Method::POST, "/invite/{token}", Public, "Accept an invite", &[400, 401, 403, 404, 409, 429], || post(pages::login::accept_invite)),
    r(Method::GET, "/reset/{token}", Public, "A password reset link: choose a new password", &[404], || get(pages::login::reset_page)),
    r(Method::POST, "/reset/{token}", Public, "Set a new password with a reset link", &[400, 404], || post(pages::login::reset)),
    r(Method::POST, "/switch", Needs(Member), "Switch to another of one's campaigns", &[403], || post(pages::account::switch)),
    r(Method::POST, "/account/password", Needs(Member), "Change one's password", &[400, 401, 429], || {
        post(pages::account::change_password)
    }),
    r(Method::POST, "/account/two-factor", Needs(Member), "Set up two-factor sign-in for one's own account", &[409], || {
        post(pages::account::two_factor)
    }),
    r(Method::POST, "/account/sessions/end", Needs(Member), "End one of one's sessions", &[404], || post(pages::account::end_session)),
    r(Method::POST, "/account/sign-out-everywhere", Needs(Member), "End every session of one's account", &[], || {
        post(pages::account::sign_out_everywhere)
    }),
    r(Method::GET, "/metrics", Needs(ViewServerMetrics), "The server's metrics for Prometheus (OpenMetrics text)", &[], || {
        get(metrics::scrape)
    }),
    r(Method::GET, "/campaigns/new", Needs(CreateCampaign), "Create a campaign", &[], || get(pages::campaign::new_page)),
    r(Method::POST, "/campaigns/new", Needs(CreateCampaign), "Create a campaign", &[400], || post(pages::campaign::create)),
    uploading(r(
        Method::POST,
        "/register/import",
        Needs(ImportRegister),
        "Upload a register export: see what it would change",
        &[200, 400, 413],
        || post(pages::register::upload),
    )),
    r(Method::GET, "/register/requests", Needs(ViewRegister), "Objections and subject access requests (audited)", &[], || {
        get(pages::register::requests)
    }),
    r(
        Method::POST,
        "/register/objections",
        Needs(ImportRegister),
        "Record an elector's objection: off every list",
        &[200, 400, 404],
        || post(pages::register::object),
    ),
    r(
        Method::GET,
        "/register/subject-access",
        Needs(ExportRegister),
        "Everything held about one elector, as JSON (audited)",
        &[400, 404],
        || get(pages::register::subject_access),
    ),
    r(Method::POST, "/register/import/{id}", Needs(ImportRegister), "Confirm or cancel an upload", &[400, 404, 409], || {
        post(pages::register::decide)
    }),
    r(Method::POST, "/walks/plan", Needs(PlanWalks), "Plan a polling district's walks", &[400, 404, 409], || post(pages::walks::plan)),
    r(Method::GET, "/walks/{id}", Needs(PlanWalks), "One walk: map, doors, contacts (audited)", &[404], || get(pages::walks::show)),
    r(Method::POST, "/walks/{id}/assign", Needs(AssignWalks), "Assign a walk", &[400, 404], || post(pages::walks::assign)),
    r(Method::POST, "/walks/assign", Needs(AssignWalks), "Assign the walks ticked to one canvasser and session", &[303, 400, 404], || {
        post(pages::walks::assign_many)
    }),
    r(Method::GET, "/walks/{id}/sheet", Needs(EnterPaperResults), "Printable walk sheet (audited)", &[404], || {
        get(pages::walk_sheet::sheet)
    }),
    r(Method::GET, "/walks/{id}/sheet.pdf", Needs(EnterPaperResults), "The walk sheet as a PDF on A4 (audited)", &[404], || {
        get(pages::walk_sheet::sheet_pdf)
    }),
    r(Method::GET, "/walks/{id}/entry", Needs(EnterPaperResults), "Key in a paper walk sheet (audited)", &[404], || {
        get(pages::walk_sheet::entry_page)
    }),
    r(Method::POST, "/walks/{id}/entry", Needs(EnterPaperResults), "Key in a paper walk sheet", &[200, 400, 404], || {
        post(pages::walk_sheet::entry)
    }),
    r(Method::GET, "/texts/thread", Needs(SendTexts), "One thread of texts", &[400, 404], || get(pages::texts::thread)),
    r(Method::POST, "/calls", Needs(ManageCallLists), "Make a call list", &[200, 400], || post(pages::calls::create)),
    r(Method::GET, "/calls/{id}", Needs(MakeCalls), "A caller's session on a list: the person they hold", &[404, 409], || {
        get(pages::calls::calling_page)
    }),
    r(Method::POST, "/calls/{id}/next", Needs(MakeCalls), "Take the next person to call", &[404, 409], || post(pages::calls::take_next)),
    r(Method::POST, "/calls/{id}/record", Needs(MakeCalls), "Save what came of a call", &[200, 400, 404, 409], || {
        post(pages::calls::record)
    }),
    r(Method::POST, "/calls/{id}/release", Needs(MakeCalls), "Let someone else call the person held", &[404, 409], || {
        post(pages::calls::release)
    }),
    r(Method::POST, "/calls/{id}/batch", Needs(ManageCallLists), "Hand a caller a batch", &[200, 400, 404, 409], || {
        post(pages::calls::batch)
    }),
    r(Method::POST, "/calls/{id}/close", Needs(ManageCallLists), "Close a call list", &[404, 409], || post(pages::calls::close)),
    r(Method::GET, "/register/screening", Needs(ImportRegister), "The TPS and CTPS files", &[], || get(pages::calls::screening_page)),
    uploading(r(
        Method::POST,
        "/register/screening",
        Needs(ImportRegister),
        "Upload a TPS or CTPS file",
        &[200, 400, 413],
        || post(pages::calls::upload_screening),
    )),
    uploading(r(
        Method::POST,
        "/register/matched-list",
        Needs(ImportRegister),
        "Upload a matched list of phone numbers with their consent",
        &[200, 400, 413],
        || post(pages::calls::upload_matched_list),
    )),
    r(Method::POST, "/texts/send", Needs(SendTexts), "Send one person a template's text", &[200, 400, 404, 409], || {
        post(pages::texts::send)
    }),
    r(Method::POST, "/texts/templates", Needs(ManageTexting), "Add a texting template", &[200, 400], || post(pages::texts::add_template)),
    r(Method::POST, "/texts/templates/{id}/withdraw", Needs(ManageTexting), "Withdraw a texting template", &[404], || {
        post(pages::texts::withdraw_template)
    }),
    r(Method::POST, "/volunteers/invite", Needs(ManageVolunteers), "Invite a volunteer", &[200, 400, 409], || {
        post(pages::volunteers::invite)
    }),
    r(Method::POST, "/volunteers/{id}/role", Needs(ManageVolunteers), "Give a member another role", &[400, 404, 409], || {
        post(pages::volunteers::change_role)
    }),
    r(Method::POST, "/volunteers/{id}/remove", Needs(ManageVolunteers), "Take a member out of the campaign", &[404, 409], || {
        post(pages::volunteers::remove)
    }),
    r(Method::POST, "/volunteers/{id}/reset", Needs(ManageVolunteers), "Issue a one-time password reset link", &[200, 403, 404], || {
        post(pages::volunteers::reset)
    }),
    r(Method::POST, "/volunteers/invites/{id}/withdraw", Needs(ManageVolunteers), "Withdraw an unused invite", &[404], || {
        post(pages::volunteers::withdraw)
    }),
    r(Method::POST, "/sessions", Needs(AssignWalks), "Add a canvassing session", &[303, 400], || post(pages::sessions::add)),
    r(Method::GET, "/sessions/{id}", Needs(AssignWalks), "Edit or cancel a session", &[404], || get(pages::sessions::edit)),
    r(Method::POST, "/sessions/{id}", Needs(AssignWalks), "Save a session; everyone signed up is told", &[200, 400, 404], || {
        post(pages::sessions::save)
    }),
    r(Method::POST, "/sessions/{id}/cancel", Needs(AssignWalks), "Cancel a session; everyone signed up is told", &[404], || {
        post(pages::sessions::cancel)
    }),
    r(Method::POST, "/sessions/{id}/delete", Needs(AssignWalks), "Delete a session nobody has signed up to", &[303, 404, 409], || {
        post(pages::sessions::delete)
    }),
    r(Method::GET, "/sessions/{id}/check-in", Needs(AssignWalks), "The host's check-in list (audited)", &[404], || {
        get(pages::sessions::check_in_list)
    }),
    r(Method::POST, "/sessions/{id}/check-in", Needs(AssignWalks), "Check someone in and hand them a walk", &[200, 400, 404, 409], || {
        post(pages::sessions::check_in)
    }),
    r(Method::POST, "/sessions/{id}/attendance/{signup}", Needs(AssignWalks), "Mark whether someone came", &[303, 404], || {
        post(pages::sessions::attendance)
    }),
    r(Method::POST, "/sessions/{id}/walk-in", Needs(AssignWalks), "Sign up a walk-in and check them in", &[200, 400, 404], || {
        post(pages::sessions::walk_in)
    }),
    r(Method::POST, "/polling-day/stations", Needs(RunPollingDay), "Save a polling station", &[400], || {
        post(pages::polling_day::save_station)
    }),
    r(Method::POST, "/polling-day/stations/{id}/delete", Needs(RunPollingDay), "Delete a polling station", &[404], || {
        post(pages::polling_day::delete_station)
    }),
    r(Method::POST, "/polling-day/promises", Needs(RunPollingDay), "Set what counts as a promise", &[400], || {
        post(pages::polling_day::save_promise_rule)
    }),
    r(Method::POST, "/polling-day/rooms", Needs(RunPollingDay), "Save a committee room", &[400], || post(pages::polling_day::save_room)),
    r(Method::POST, "/polling-day/rooms/{id}/delete", Needs(RunPollingDay), "Delete a committee room", &[404], || {
        post(pages::polling_day::delete_room)
    }),
    r(
        Method::GET,
        "/polling-day/knock-up/{district}",
        Needs(RunPollingDay),
        "A printable knock-up sheet or Good Morning list (audited)",
        &[400],
        || get(pages::polling_day::knock_up_sheet),
    ),
    r(Method::GET, "/polling-day/rounds", Needs(RunPollingDay), "Choose walks and start knock-up rounds", &[400], || {
        get(pages::polling_day::rounds)
    }),
    r(Method::POST, "/polling-day/rounds", Needs(RunPollingDay), "Start knock-up rounds", &[200, 400, 404], || {
        post(pages::polling_day::start_rounds)
    }),
    r(Method::POST, "/polling-day/hand-promises", Needs(RunPollingDay), "Add an elector to the promises by hand", &[400], || {
        post(pages::polling_day::add_hand_promise)
    }),
    r(
        Method::POST,
        "/polling-day/hand-promises/{id}/delete",
        Needs(RunPollingDay),
        "Take an elector off the promises added by hand",
        &[404],
        || post(pages::polling_day::remove_hand_promise),
    ),
    r(
        Method::GET,
        "/polling-day/postal/{district}",
        Needs(RunPollingDay),
        "A polling district's postal-vote chase and hand-in reminder (audited)",
        &[400],
        || get(pages::polling_day::postal),
    ),
    r(
        Method::POST,
        "/polling-day/postal/{district}/{id}",
        Needs(RunPollingDay),
        "Record whether a postal vote is posted",
        &[400, 404],
        || post(pages::polling_day::postal_chase),
    ),
    r(Method::POST, "/committee-room/lifts/{id}/given", Needs(RunPollingDay), "Mark a lift as given", &[404], || {
        post(pages::polling_day::give_lift)
    }),
    r(Method::POST, "/survey", Needs(EditSurvey), "Save the survey", &[200, 400], || post(pages::campaign::save_survey)),
    r(Method::GET, "/join/thanks", Public, "After signing up: check your email", &[], || get(pages::join::thanks_page)),
    r(
        Method::GET,
        "/join/{campaign}",
        Public,
        "A campaign's public sign-up page; ?postcode= finds the nearest sessions",
        &[400, 404],
        || get(pages::join::campaign),
    ),
    r(Method::POST, "/join/{campaign}", Public, "Sign up to help a campaign", &[303, 400, 404, 429], || post(pages::join::join_campaign)),
    r(
        Method::GET,
        "/join/{campaign}/privacy",
        Public,
        "The campaign's privacy notice: purposes, lawful bases, how long, rights",
        &[404],
        || get(pages::join::privacy),
    ),
    r(
        Method::GET,
        "/posts",
        Needs(ManageVolunteers),
        "The share kit: posts to share, the feed, the sign-up form for other sites",
        &[],
        || get(pages::share_kit::page),
    ),
    uploading(r(Method::POST, "/posts", Needs(ManageVolunteers), "Publish a post", &[200, 400, 413], || post(pages::share_kit::publish))),
    r(Method::POST, "/posts/{id}/withdraw", Needs(ManageVolunteers), "Withdraw a post", &[303, 404], || post(pages::share_kit::withdraw)),
    r(Method::POST, "/posts/embed", Needs(ManageVolunteers), "Say which sites may frame the sign-up form", &[200, 400], || {
        post(pages::share_kit::set_origins)
    }),
    r(Method::GET, "/join/{campaign}/feed.atom", Public, "The campaign's Atom feed of sessions and posts", &[404], || {
        get(pages::join::feed)
    }),
    r(Method::GET, "/join/{campaign}/embed", Public, "The sign-up form, to frame on the organiser's sites", &[404], || {
        get(pages::join::embed)
    }),
    r(Method::POST, "/join/{campaign}/embed", Public, "Sign up from the framed form", &[400, 404, 429], || {
        post(pages::join::join_embedded)
    }),
    r(Method::GET, "/join/{campaign}/posts/{id}", Public, "A post's public page, with a way to sign up", &[404], || get(pages::join::post)),
    r(Method::GET, "/join/{campaign}/posts/{id}/image", Public, "A post's picture", &[404], || get(pages::join::post_image)),
    r(Method::GET, "/join/{campaign}/{session}", Public, "A session's public page, to join it", &[404], || get(pages::join::session)),
    r(Method::POST, "/join/{campaign}/{session}", Public, "Sign up to a session", &[303, 400, 404, 409, 429], || {
        post(pages::join::join_session)
    }),
    r(Method::GET, "/s/{code}", Public, "A share link: counted, credited to its sharer, on to what it shares", &[303, 404], || {
        get(pages::join::share)
    }),
    r(Method::GET, "/v/{secret}", Public, "A volunteer's own page, from the link in their email", &[404], || get(pages::own::page)),
    r(Method::GET, "/v/{secret}/confirm", Public, "Confirm a sign-up (a button: mail scanners change nothing)", &[], || {
        get(pages::own::confirm_page)
    }),
    r(Method::POST, "/v/{secret}/confirm", Public, "Confirm a sign-up", &[404], || post(pages::own::confirm)),
    r(Method::GET, "/v/{secret}/signups/{id}/cancel", Public, "Cancel a sign-up (a button)", &[], || get(pages::own::cancel_page)),
    r(Method::POST, "/v/{secret}/signups/{id}/cancel", Public, "Cancel a sign-up; the place goes to the first waiting", &[404], || {
        post(pages::own::cancel)
    }),
    r(Method::GET, "/v/{secret}/signups/{id}/coming", Public, "Still coming (a button)", &[], || get(pages::own::coming_page)),
    r(Method::POST, "/v/{secret}/signups/{id}/coming", Public, "Still coming", &[404, 409], || post(pages::own::coming)),
    r(Method::GET, "/v/{secret}/signups/{id}/calendar.ics", Public, "A session's calendar file", &[404], || {
        get(pages::own::signup_calendar)
    }),
    r(Method::GET, "/v/{secret}/calendar.ics", Public, "A volunteer's calendar feed", &[404], || get(pages::own::calendar)),
    r(Method::GET, "/v/{secret}/unsubscribe", Public, "Unsubscribe (a button)", &[], || get(pages::own::unsubscribe_page)),
    r(Method::POST, "/v/{secret}/unsubscribe", Public, "Unsubscribe from all mail; one-click (RFC 8058)", &[404], || {
        post(pages::own::unsubscribe)
    }),
    r(Method::POST, "/v/{secret}/resubscribe", Public, "Mail again", &[404], || post(pages::own::resubscribe)),
    r(Method::POST, "/v/{secret}/new-link", Public, "A new own link, emailed; the old stops working", &[404], || {
        post(pages::own::new_link)
    }),
    r(Method::POST, "/v/{secret}/lifts", Public, "Offer seats to a session, or ask for one", &[400, 404, 409], || post(pages::own::lift)),
    r(Method::POST, "/v/{secret}/lifts/answer", Public, "Say yes or no to a lift", &[400, 404], || post(pages::own::answer_lift)),
    r(Method::POST, "/v/{secret}/lifts/withdraw", Public, "Withdraw a lift offered or asked for", &[400, 404], || {
        post(pages::own::withdraw_lift)
    }),
    r(
        Method::POST,
        "/v/{secret}/details",
        Public,
        "A volunteer's phone, availability, skills and consent to texts and calls",
        &[400, 404, 409],
        || post(pages::own::save_details),
    ),
    r(Method::POST, "/v/{secret}/age-band", Public, "A supporter's own age band", &[400, 404], || post(pages::own::age_band)),
    r(Method::POST, "/v/{secret}/friends", Public, "List a friend or relative in the seat", &[400, 404], || post(pages::own::add_friend)),
    r(Method::POST, "/v/{secret}/friends/{id}/choose", Public, "Say which register entry is the friend", &[400, 404, 409], || {
        post(pages::own::choose_friend)
    }),
    r(Method::POST, "/v/{secret}/friends/{id}/talk", Public, "Record a conversation with a friend", &[400, 404, 409], || {
        post(pages::own::talk_friend)
    }),
    r(Method::POST, "/v/{secret}/friends/{id}/remove", Public, "Take a friend off the list", &[404], || post(pages::own::remove_friend)),
    r(Method::GET, "/v/{secret}/data", Public, "Everything held about the volunteer, as JSON", &[404], || get(pages::own::data)),
    r(Method::POST, "/v/{secret}/delete", Public, "Delete the volunteer's data", &[400, 404], || post(pages::own::delete)),
    r(Method::POST, "/v/{secret}/account", Public, "Set up an account to canvass from this phone", &[303, 400, 404, 409], || {
        post(pages::own::account)
    }),
    r(Method::GET, "/marginals", Public, "Find a marginal seat near you (public)", &[], || get(pages::targets::marginals)),
    r(Method::GET, "/canvass/walks/{id}", Needs(Canvass), "Canvass a walk, online or off", &[], || get(pages::canvass::walk)),
    r(Method::GET, "/canvass/walks/{id}/knock-up", Needs(Canvass), "Knock up a walk's promises on polling day, online or off", &[], || {
        get(pages::canvass::knock_up)
    }),
    r(Method::GET, "/sw.js", Public, "The service worker of the canvasser app", &[], || get(assets::service_worker)),
    r(Method::GET, "/manifest.webmanifest", Public, "Web app manifest", &[], || get(assets::manifest)),
    r(Method::GET, "/static/{file}", Public, "Styles, scripts and icons", &[404], || get(assets::file)),
];

/// Answers a method the path does not take: 405 with the methods it does.
fn method_not_allowed(path: &'static str, allow: String) -> impl Fn() -> std::future::Ready<Response> + Clone + Send + Sync + 'static {
    move || {
        let e = AppError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            if allow.starts_with("GET") {
                "this address is for opening, not for sending: go back and try again".to_owned()
            } else {
                "this address takes a form, not a visit: go back to the page it is on and use it there".to_owned()
            },
        );
        let mut response = if path.starts_with("/api/") { e.into_response() } else { PageError(e).into_response() };
        if let Ok(v) = allow.parse() {
            response.headers_mut().insert(header::ALLOW, v);
        }
        std::future::ready(response)
    }
}

/// The application: every route of [`ROUTES`], each behind its own guard; OPTIONS answered for
/// every path with the methods it takes, and any other method with 405.
pub fn router(state: AppState) -> Router {
    route::set_menu(ROUTES);
    let mut by_path: BTreeMap<&'static str, Vec<&'static Route>> = BTreeMap::new();
    for route in ROUTES {
        by_path.entry(route.path).or_default().push(route);
    }
    let mut router = Router::new();
    for (path, routes) in by_path {
        let mut methods: Vec<&str> = routes.iter().map(|r| r.method.as_str()).collect();
        if methods.contains(&"GET") {
            methods.push("HEAD");
        }
        methods.push("OPTIONS");
        let allow = methods.join(", ");
        let mut handlers: Option<MethodRouter<AppState>> = None;
        for route in routes {
            let mut h = (route.handler)().route_layer(middleware::from_fn_with_state((state.clone(), route), auth::guard));
            if route.upload {
                h = h.layer(DefaultBodyLimit::max(state.web.upload_limit));
            } else {
                h = h.layer(DefaultBodyLimit::max(state.web.body_limit));
            }
            handlers = Some(match handlers {
                Some(all) => all.merge(h),
                None => h,
            });
        }
        let options_allow = allow.clone();
        let handlers = handlers
            .expect("a path has a route")
            .options(move || {
                let allow = options_allow.clone();
                async move { (StatusCode::NO_CONTENT, [(header::ALLOW, allow)]) }
            })
            .fallback(method_not_allowed(path, allow));
        router = router.route(path, handlers);
    }
    router
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(state.metrics.clone(), metrics::track))
        // gzip's fastest level: the live progress (sent to every dashboard every 10 s) comes out
        // 29 KB instead of 21 KB, for a third of the work.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, state.web.request_timeout))
        .layer(middleware::map_response_with_state(state.web.secure_cookies, crate::security::headers))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_declared_once() {
        let mut seen = std::collections::HashSet::new();
        for r in ROUTES {
            assert!(seen.insert((r.method.as_str(), r.path)), "{r:?} is declared twice");
        }
    }

    #[test]
    fn the_menu_is_pages_in_order() {
        route::set_menu(ROUTES);
        let labels: Vec<&str> = route::menu().iter().map(|m| m.1).collect();
        assert_eq!(
            labels,
            [
                "Overview",
                "Register",
                "Walks",
                "Sessions",
                "Polling day",
                "Committee room",
                "Volunteers",
                "Supporters",
                "Survey",
                "Audit",
                "My walks",
                "Telling",
                "Texts",
                "Calls",
                "Targets",
                "Account"
            ]
        );
    }
}
