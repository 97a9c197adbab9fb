use serde_json::{json, Map, Value};

use crate::routes::{Access, ROUTES};

fn request_body(method: &str, path: &str) -> Option<Value> {
    let schema = match (method, path) {
        ("POST", "/api/v1/login") => json!({
            "type": "object", "required": ["email", "password"],
            "properties": { "email": { "type": "string" }, "password": { "type": "string" }, "campaign": { "type": "string" } }
        }),
        ("POST", "/api/v1/sync") => json!({
            "type": "object", "required": ["contacts"],
            "properties": { "contacts": { "type": "array", "maxItems": crate::api::MAX_BATCH, "items": { "$ref": "#/components/schemas/Contact" } } }
        }),
        ("PUT", "/api/v1/walks/{id}/assignment") => json!({
            "type": "object",
            "properties": { "user_id": { "type": ["integer", "null"] }, "session_id": { "type": ["integer", "null"] } }
        }),
        ("POST", "/api/v1/invites") => json!({
            "type": "object", "required": ["email", "role"],
            "properties": { "email": { "type": "string" }, "name": { "type": "string" },
                "role": { "type": "string", "enum": ["organiser", "data_officer", "canvasser", "teller"] } }
        }),
        ("PUT", "/api/v1/survey") => json!({ "$ref": "#/components/schemas/Survey" }),
        _ => return None,
    };
    Some(json!({ "required": true, "content": { "application/json": { "schema": schema } } }))
}

/// The OpenAPI 3 document of /api/v1, built from the route table so it cannot drift from what the
/// guard enforces. Public routes carry `security: []`; the rest need the session cookie.
pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for r in ROUTES.iter().filter(|r| r.is_api()) {
        let mut op = json!({
            "summary": r.summary,
            "operationId": format!("{} {}", r.method.to_lowercase(), r.path),
            "responses": { "200": { "description": "OK" } },
        });
        match r.access {
            Access::Public => op["security"] = json!([]),
            Access::Needs(p) => {
                op["x-groundgame-permission"] = json!(p);
                op["responses"]["401"] = json!({ "description": "No valid session" });
                op["responses"]["403"] = json!({ "description": "The role does not allow this, or the CSRF token is missing" });
            }
        }
        if r.path.contains("{id}") {
            op["parameters"] = json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }]);
        }
        if let Some(body) = request_body(r.method, r.path) {
            op["requestBody"] = body;
            op["responses"]["400"] = json!({ "description": "The body could not be read; the error says why" });
        }
        let item = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        item[r.method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "groundgame",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Field campaigns: the register, walks, canvassing and progress. Writes need the session's CSRF token in the X-CSRF-Token header."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "session": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": { "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE } },
            "schemas": {
                "Contact": {
                    "type": "object", "required": ["id", "household_id", "recorded_at"],
                    "properties": {
                        "id": { "type": "string", "format": "uuid" },
                        "walk_id": { "type": ["integer", "null"] },
                        "household_id": { "type": "integer" },
                        "elector_id": { "type": ["integer", "null"] },
                        "recorded_at": { "type": "string", "format": "date-time" },
                        "outcome": { "type": ["string", "null"] },
                        "answers": { "type": "object", "additionalProperties": { "type": "string" } },
                        "note": { "type": "string" }
                    }
                },
                "Survey": {
                    "type": "object", "required": ["questions", "outcomes"],
                    "properties": { "questions": { "type": "array" }, "outcomes": { "type": "array" } }
                }
            }
        }
    })
}
