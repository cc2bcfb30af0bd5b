//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, generated at start
//! from the router's own table of [`RouteDoc`]s (no build step).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::Json;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::RouteDoc;

static DOCUMENT: OnceLock<Value> = OnceLock::new();

pub(crate) fn init(docs: &[RouteDoc]) {
    let _ = DOCUMENT.set(document(docs));
}

pub async fn serve() -> (StatusCode, Json<Value>) {
    match DOCUMENT.get() {
        Some(d) => (StatusCode::OK, Json(d.clone())),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "code": "starting" })),
        ),
    }
}

/// Build the document.
pub fn document(docs: &[RouteDoc]) -> Value {
    let mut paths: BTreeMap<&str, serde_json::Map<String, Value>> = BTreeMap::new();
    for d in docs {
        let params: Vec<Value> = d
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let mut responses = serde_json::Map::new();
        responses.insert(d.ok.to_string(), json!({ "description": "Success" }));
        let mut errors = vec![
            ("400", "Malformed request"),
            ("500", "Internal error (reveals nothing)"),
        ];
        if d.auth {
            errors.push(("401", "No valid session"));
            errors.push(("404", "Not found, or not yours"));
        }
        for (code, text) in errors {
            responses.insert(
                code.into(),
                json!({ "description": text, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }),
            );
        }
        let mut op = json!({
            "tags": [d.tag],
            "summary": d.summary,
            "operationId": format!("{} {}", d.method.to_lowercase(), d.path),
            "parameters": params,
            "responses": responses,
        });
        if !d.keeps.is_empty() {
            op["x-keeps"] = json!(d.keeps.split(' ').collect::<Vec<_>>());
        }
        if d.auth {
            op["security"] = json!([{ "bearer": [] }, { "cookie": [] }]);
        }
        match d.body {
            Some("json") => {
                op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "type": "object" } } } });
            }
            Some("multipart") => {
                op["requestBody"] = json!({ "required": true, "content": { "multipart/form-data": { "schema": {
                    "type": "object", "properties": { "file": { "type": "string", "format": "binary" } }, "required": ["file"] } } } });
            }
            _ => {}
        }
        paths
            .entry(d.path)
            .or_default()
            .insert(d.method.to_lowercase(), op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Xuancai API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Photo and sticker studio with privacy kept in code. Errors are {code, message, request_id} with stable codes."
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "message", "request_id"],
                    "properties": {
                        "code": {
                            "type": "string",
                            "description": "Stable, machine-readable; clients show their own text for it",
                            "enum": xuancai_app::error::CODES,
                        },
                        "message": { "type": "string", "description": "For developers, in English; not for end users" },
                        "details": { "type": "object" },
                        "request_id": { "type": "string" }
                    }
                }
            },
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": "xuancai_session",
                            "description": "Cookie-authenticated writes also need the X-Xuancai-CSRF header" }
            }
        }
    })
}
