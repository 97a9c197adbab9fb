use axum::http::Method;
use serde_json::{json, Map, Value};

use crate::route::{Access, Route};

/// A row's id (what the server stores is a 64-bit integer), or null where `nullable`.
fn id(nullable: bool) -> Value {
    let kind = if nullable { json!(["integer", "null"]) } else { json!("integer") };
    json!({ "type": kind, "format": "int64", "minimum": i64::MIN, "maximum": i64::MAX })
}

/// A polling district's code: letters, then letters or digits (NA1).
fn district() -> Value {
    json!({ "type": "string", "pattern": "^[A-Za-z][A-Za-z0-9]{0,7}$" })
}

/// An election's year.
fn year() -> Value {
    json!({ "type": "integer", "format": "int32", "minimum": i32::MIN, "maximum": i32::MAX })
}

fn request_body(method: &Method, path: &str) -> Option<Value> {
    let schema = match (method.as_str(), path) {
        ("POST", "/api/v1/login") => json!({
            "type": "object", "required": ["email", "password"],
            "properties": { "email": { "type": "string" }, "password": { "type": "string" }, "campaign": { "type": "string" }, "code": { "type": "string", "description": "The authenticator app's code (or a recovery code), for an account with two-factor sign-in" } }
        }),
        ("POST", "/api/v1/sync") => json!({
            "type": "object", "required": ["contacts"],
            "properties": {
                "contacts": { "type": "array", "maxItems": groundgame_app::Limits::default().sync_batch, "items": { "$ref": "#/components/schemas/Contact" } },
                "sent_at": { "anyOf": [{ "type": "string", "format": "date-time" }, { "type": "null" }], "description": "The phone's clock when it sent the batch: its error corrects the contacts' times" }
            }
        }),
        ("POST", "/api/v1/tellings") => json!({
            "type": "object", "required": ["entries"],
            "properties": {
                "entries": {
                    "type": "array", "maxItems": groundgame_app::Limits::default().sync_batch,
                    "items": {
                        "type": "object", "required": ["id", "polling_district", "number", "recorded_at"],
                        "properties": {
                            "id": { "type": "string", "format": "uuid", "description": "Made on the phone: a resend is the same entry" },
                            "polling_district": { "type": "string", "description": "The station's polling district, chosen once: NA1" },
                            "number": { "type": "string", "description": "As printed: 124, 124/1, 124.1, or NA1-124/1; one that matches nobody is kept aside (cut to 32 characters), never refused" },
                            "recorded_at": { "type": "string", "format": "date-time", "description": "The phone's clock, kept as its account; the server's receipt orders strike-offs" }
                        }
                    }
                }
            }
        }),
        ("POST", "/api/v1/knock-up/answers") => json!({
            "type": "object", "required": ["answers"],
            "properties": {
                "answers": {
                    "type": "array", "maxItems": groundgame_app::Limits::default().sync_batch,
                    "items": {
                        "type": "object", "required": ["id", "walk_id", "household_id", "answer", "recorded_at"],
                        "properties": {
                            "id": { "type": "string", "format": "uuid", "description": "Made on the phone: a resend is the same answer" },
                            "walk_id": id(false),
                            "household_id": id(false),
                            "elector_id": { "anyOf": [id(false), { "type": "null" }], "description": "Null for the whole door" },
                            "answer": { "type": "string", "enum": ["voted", "will_vote", "not_in", "needs_lift", "do_not_return"] },
                            "recorded_at": { "type": "string", "format": "date-time" }
                        }
                    }
                }
            }
        }),
        ("POST", "/api/v1/polling-stations/{id}/counts") => json!({
            "type": "object", "required": ["ballot_papers"],
            "properties": { "ballot_papers": { "type": "integer", "minimum": 0, "maximum": 100_000, "description": "Ballot papers issued so far, as the presiding officer gives it" } }
        }),
        ("PUT", "/api/v1/walks/{id}/assignment") => json!({
            "type": "object",
            "properties": { "user_id": id(true), "session_id": id(true) }
        }),
        ("POST", "/api/v1/invites") => json!({
            "type": "object", "required": ["email", "role"],
            "properties": { "email": { "type": "string", "format": "email" }, "name": { "type": "string" }, "role": { "$ref": "#/components/schemas/Role" } }
        }),
        ("PUT", "/api/v1/volunteers/{id}/role") => json!({
            "type": "object", "required": ["role"], "properties": { "role": { "$ref": "#/components/schemas/Role" } }
        }),
        ("PUT", "/api/v1/survey") => json!({ "$ref": "#/components/schemas/Survey" }),
        ("POST", "/api/v1/knock-up/rounds") => json!({
            "type": "object", "required": ["walk_ids"],
            "properties": {
                "walk_ids": { "type": "array", "minItems": 1, "maxItems": 500, "items": id(false), "description": "The walks to start the next round of" },
                "knocker_user_id": { "anyOf": [id(false), { "type": "null" }], "description": "A member of the campaign to give the walks to" }
            }
        }),
        ("PUT", "/api/v1/postal-votes/{id}") => json!({
            "type": "object", "required": ["status"],
            "properties": { "status": { "type": "string", "enum": ["posted", "not_yet", "needs_replacement"] } }
        }),
        ("POST", "/api/v1/promises/by-hand") => json!({
            "type": "object", "required": ["elector_number"],
            "properties": { "elector_number": {
                "type": "string", "pattern": "^[A-Za-z][A-Za-z0-9]{0,7}-[1-9][0-9]{0,8}(/[0-9]{1,9})?$", "description": "The whole number: NA1-124/1"
            } }
        }),
        ("POST", "/api/v1/signups") => json!({
            "type": "object", "required": ["name", "email"],
            "properties": {
                "name": { "type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$" },
                "email": {
                    "type": "string", "maxLength": 254,
                    "pattern": "^[^\\s@<>,;\"()\\[\\]\\\\\\x00-\\x1f\\x7f-\\x9f]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.[A-Za-z]{2,63}$"
                },
                "postcode": { "type": ["string", "null"], "pattern": "^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$" },
                "consent_email": { "type": "boolean", "description": "Consent to campaign email, recorded with its wording once confirmed" },
                "campaign": { "type": ["string", "null"], "description": "The campaign's ballot id (parl.derby-north.2017-06-08), when ref and session do not name it" },
                "session_id": { "type": ["integer", "null"], "format": "int64", "minimum": 1, "maximum": i64::MAX },
                "slot_id": { "type": ["integer", "null"], "format": "int64", "minimum": 1, "maximum": i64::MAX },
                "ref": { "type": ["string", "null"], "description": "The share link the volunteer came by (its code)" }
            }
        }),
        ("POST", "/api/v1/texts") => json!({
            "type": "object", "required": ["template_id"],
            "description": "Exactly one of to_elector and to_volunteer",
            "properties": { "to_elector": id(false), "to_volunteer": id(false), "template_id": id(false) },
            "oneOf": [
                { "required": ["to_elector"], "not": { "required": ["to_volunteer"] } },
                { "required": ["to_volunteer"], "not": { "required": ["to_elector"] } }
            ]
        }),
        ("POST", "/api/v1/text-templates") => json!({
            "type": "object", "required": ["name", "body"],
            "properties": {
                "name": { "type": "string", "minLength": 1, "maxLength": 100 },
                "body": { "type": "string", "minLength": 1, "maxLength": groundgame_core::texting::LONGEST, "description": "Fields: {first_name}, {campaign}, {session}, {polling_station}" }
            }
        }),
        ("POST", "/api/v1/sms/opt-outs") => json!({
            "type": "object", "required": ["number"],
            "properties": {
                "number": { "type": "string", "description": "A UK number, or an international one with its +" },
                "undo_reason": { "type": "string", "description": "Undo a standing opt-out, saying why (kept and audited)" }
            }
        }),
        ("POST", "/api/v1/call-lists") => json!({
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": {
                "name": { "type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S" },
                "filter": {
                    "type": "object", "additionalProperties": false,
                    "properties": {
                        "intentions": { "type": "array", "maxItems": 20, "items": { "type": "string" }, "description": "Survey codes: Lab, Con, WS, ..." },
                        "max_certainty": { "type": ["integer", "null"], "minimum": 1, "maximum": 5 },
                        "districts": { "type": "array", "maxItems": 200, "items": { "type": "string" } },
                        "not_contacted_days": { "type": ["integer", "null"], "minimum": 0, "maximum": 3650 },
                        "promises_not_voted": { "type": "boolean", "default": false }
                    }
                },
                "goal": { "type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0 },
                "cooldown_hours": { "type": "integer", "minimum": 1, "maximum": 336, "default": 4 }
            }
        }),
        ("POST", "/api/v1/call-lists/{id}/calls") => json!({
            "type": "object", "required": ["elector_id", "outcome"], "additionalProperties": false,
            "properties": {
                "elector_id": id(false),
                "outcome": { "type": "string", "enum": groundgame_core::calling::Outcome::ALL.map(|o| o.code()) },
                "call_back_at": { "type": ["string", "null"], "format": "date-time", "description": "For call_back: when, within 60 days" },
                "answers": { "type": "object", "additionalProperties": { "type": "string" }, "description": "The survey's answers, when they talked" },
                "note": { "type": "string", "maxLength": 1000 }
            }
        }),
        ("POST", "/api/v1/call-lists/{id}/batches") => json!({
            "type": "object", "required": ["user_id", "count"], "additionalProperties": false,
            "properties": { "user_id": id(false), "count": { "type": "integer", "minimum": 1, "maximum": 1000 } }
        }),
        ("POST", "/api/v1/register/screening") => json!({
            "type": "object", "required": ["list", "numbers"], "additionalProperties": false,
            "properties": {
                "list": { "type": "string", "enum": ["tps", "ctps"] },
                "numbers": { "type": "string", "description": "The file's text: one number a line (the TPS files leave off the leading 0)" }
            }
        }),
        ("POST", "/api/v1/register/phones") => json!({
            "type": "object", "required": ["elector_number", "phone"],
            "properties": {
                "elector_number": { "type": "string", "description": "NA1-124/1" },
                "phone": { "type": "string" },
                "sms_consent": { "type": "boolean", "default": false },
                "call_consent": { "type": "boolean", "default": false, "description": "They agreed to calls: a TPS or CTPS number is called only then" },
                "how": { "type": "string", "description": "Where the number came from: doorstep, upload" }
            }
        }),
        _ => return None,
    };
    Some(json!({ "required": true, "content": { "application/json": { "schema": schema } } }))
}

fn query_parameters(path: &str) -> Vec<Value> {
    let q = |name: &str, schema: Value| json!({ "name": name, "in": "query", "required": false, "schema": schema });
    let text = json!({ "type": "string" });
    match path {
        "/api/v1/targets" => vec![
            q("party", text.clone()),
            q("election", year()),
            q("region", text.clone()),
            q("limit", json!({ "type": "integer", "minimum": 0, "maximum": usize::MAX })),
            q("list", json!({ "type": "string", "enum": ["targets", "defence"], "default": "targets" })),
        ],
        // Exactly one of the two (a rule the document cannot state; see docs/API.md).
        "/api/v1/knock-up" => vec![q("polling_district", district()), q("walk_id", id(false))],
        // Exactly one of the two.
        "/api/v1/texts/thread" => vec![q("to_elector", id(false)), q("to_volunteer", id(false))],
        "/api/v1/teller/names" | "/api/v1/postal-votes" => {
            vec![json!({ "name": "polling_district", "in": "query", "required": true, "schema": district() })]
        }
        "/api/v1/nearest" => vec![
            q("postcode", text.clone()),
            q("lat", json!({ "type": "number" })),
            q("lon", json!({ "type": "number" })),
            q("party", text.clone()),
            q("election", year()),
            q("within", json!({ "type": "number" })),
            q("by", json!({ "type": "string", "enum": ["need", "distance"], "default": "need" })),
        ],
        _ => Vec::new(),
    }
}

fn describe(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted: in the outbox, to be sent",
        204 => "Done; nothing to return",
        400 => "The request could not be read or is not valid; the error says why",
        401 => "No valid session (or a wrong email or password)",
        403 => "The role does not allow this, the CSRF token is missing or wrong, or the request came from another site",
        404 => "Not found",
        405 => "This path does not take this method",
        409 => "It conflicts with what is there (already a member, the only organiser, ...)",
        413 => "The request is too large",
        415 => "The body is not JSON (send Content-Type: application/json)",
        429 => "Too many failed sign-ins: wait (Retry-After says how long)",
        503 => "The database does not answer, or its schema is not this build's",
        _ => "See the error",
    }
}

/// The OpenAPI 3.1 document of /api/v1, built from the route table so it cannot drift from what the
/// guard enforces and the handlers answer. Public routes carry `security: []`; the rest need the
/// session cookie, and writes the CSRF token.
pub fn document(routes: &[Route]) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for r in routes.iter().filter(|r| r.is_api()) {
        let mut responses = Map::new();
        for status in r.all_answers() {
            let mut answer = json!({ "description": describe(status) });
            if status >= 400 {
                answer["content"] = json!({ "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } });
            } else if status == 200 && r.path.ends_with("/events") {
                answer["content"] = json!({ "text/event-stream": { "schema": { "type": "string", "description": "`room` events, each with the committee room's numbers as JSON (as GET /api/v1/committee-room answers)" } } });
            }
            responses.insert(status.to_string(), answer);
        }
        let mut op = json!({
            "summary": r.summary,
            "operationId": format!("{} {}", r.method.as_str().to_lowercase(), r.path),
            "responses": responses,
        });
        let mut parameters = query_parameters(r.path);
        match r.access {
            Access::Public => op["security"] = json!([]),
            Access::Needs(p) => {
                op["x-groundgame-permission"] = json!(p);
                if r.method != Method::GET {
                    op["security"] = json!([{ "session": [], "csrf": [] }]);
                }
            }
        }
        if r.path.contains("{campaign}") {
            parameters.push(json!({ "name": "campaign", "in": "path", "required": true, "schema": id(false) }));
        }
        if r.path.contains("{id}") {
            let schema = if r.path.starts_with("/api/v1/invites/") {
                json!({ "type": "string" })
            } else if r.path.starts_with("/api/v1/tellings/")
                || r.path.starts_with("/api/v1/lifts/")
                || r.path.starts_with("/api/v1/sms/status/")
            {
                json!({ "type": "string", "format": "uuid" })
            } else {
                id(false)
            };
            parameters.push(json!({ "name": "id", "in": "path", "required": true, "schema": schema }));
        }
        if !parameters.is_empty() {
            op["parameters"] = Value::Array(parameters);
        }
        if let Some(body) = request_body(&r.method, r.path) {
            op["requestBody"] = body;
        }
        let item = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        item[r.method.as_str().to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "groundgame",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Field campaigns: the register, walks, canvassing and progress. Sign in with POST /api/v1/login; \
                            writes need the session's CSRF token (from the sign-in or GET /api/v1/me) in the X-CSRF-Token header."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "session": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE },
                "csrf": { "type": "apiKey", "in": "header", "name": "X-CSRF-Token" }
            },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": { "error": { "type": "string" }, "rows": { "type": "array", "items": { "type": "string" } } }
                },
                "Role": { "type": "string", "enum": ["organiser", "data_officer", "canvasser", "teller"] },
                "Contact": {
                    "type": "object", "required": ["id", "household_id", "recorded_at"],
                    "properties": {
                        "id": { "type": "string", "format": "uuid" },
                        "walk_id": id(true),
                        "household_id": id(false),
                        "elector_id": id(true),
                        "recorded_at": { "type": "string", "format": "date-time" },
                        "outcome": { "type": ["string", "null"] },
                        "answers": { "type": "object", "additionalProperties": { "type": "string" } },
                        "note": { "type": "string" }
                    }
                },
                "Choice": {
                    "type": "object", "required": ["code", "label"],
                    "properties": {
                        "code": { "type": "string", "pattern": "\\S", "description": "What is stored and printed on walk sheets: 'Lab', '5', 'Y'; unique within its question" },
                        "label": { "type": "string" },
                        "whole_door": { "type": "boolean", "description": "An outcome for the whole door (nobody answered, do not knock)" }
                    }
                },
                "Question": {
                    "type": "object", "required": ["key", "label", "choices"],
                    "properties": {
                        "key": { "type": "string", "pattern": "\\S", "description": "The answers' key, unique within the survey: 'voting_intention'" },
                        "label": { "type": "string" },
                        "choices": { "type": "array", "minItems": 1, "items": { "$ref": "#/components/schemas/Choice" } }
                    }
                },
                "Survey": {
                    "type": "object", "required": ["questions", "outcomes"],
                    "properties": {
                        "questions": { "type": "array", "items": { "$ref": "#/components/schemas/Question" } },
                        "outcomes": { "type": "array", "items": { "$ref": "#/components/schemas/Choice" } }
                    }
                }
            }
        }
    })
}
