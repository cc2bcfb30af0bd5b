//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, generated at start
//! from the router's own table of [`RouteDoc`]s (no build step).
//!
//! Request bodies, query strings and success bodies are JSON Schemas of the
//! Rust types the handlers parse and answer with (`schemars`, issue 18
//! item 7). Every error is the one JSON [`Error`](error_schema) body; the
//! statuses an operation can answer come from what it takes:
//!
//! | the operation takes                | it can answer                  |
//! |------------------------------------|--------------------------------|
//! | anything                           | 400 (path, query), 500         |
//! | a session                          | 401, 403 (CSRF, a gate), 404   |
//! | a JSON body                        | 400, 413, 422 (a rule refuses) |
//! | a multipart upload                 | 400, 413, 415                  |
//! | its own outcomes ([`RouteDoc::may`]) | 409, 422, 429, 503, …        |
//!
//! A `POST` that creates something (201 with an `id`) links to the
//! operations under `{its path}/{id}`, so a client (and schemathesis's
//! stateful phase) can follow it to a real resource.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use axum::Json;
use axum::http::StatusCode;
use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use super::{Body, RouteDoc, Success};

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

/// Schemas inlined (requests are read with serde's deserialize rules,
/// answers written with its serialize rules; one type can differ between
/// the two, so they are not shared by name).
fn generator(settings: SchemaSettings) -> SchemaGenerator {
    let mut s = settings;
    s.inline_subschemas = true;
    s.meta_schema = None;
    s.into_generator()
}

fn plain(schema: Schema) -> Value {
    let mut v = schema.to_value();
    if let Some(o) = v.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
    }
    v
}

fn error_response(text: &str) -> Value {
    json!({ "description": text, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

/// What each error status means, in the document.
fn error_text(status: u16) -> &'static str {
    match status {
        400 => "Malformed request (path, query or body)",
        401 => "No valid session",
        403 => "A CSRF header, an agreement, a consent or a guardian is missing",
        404 => "Not found, or not yours",
        409 => "Conflicts with the resource's state",
        413 => "The body is too large",
        415 => "Not a supported image format",
        422 => "Well-formed but refused by a rule",
        429 => "Too many requests, or a quota is spent",
        503 => "Busy; retry after the Retry-After seconds",
        _ => "Internal error (reveals nothing)",
    }
}

/// The statuses `d` can answer besides its success.
fn error_statuses(d: &RouteDoc) -> BTreeSet<u16> {
    let mut s: BTreeSet<u16> = [400, 500].into();
    if d.auth {
        s.extend([401, 403, 404]);
    }
    if d.path.contains('{') {
        s.insert(404);
    }
    match d.body {
        Some(Body::Json(_)) => s.extend([413, 422]),
        Some(Body::Multipart) => s.extend([413, 415]),
        None => {}
    }
    s.extend(d.may.iter().copied());
    s
}

fn parameters(d: &RouteDoc, query: &mut SchemaGenerator) -> Vec<Value> {
    let mut params: Vec<Value> = d
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    if let Some(q) = d.query {
        let schema = plain(q(query));
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = schema["properties"].as_object() {
            for (name, s) in props {
                params.push(json!({ "name": name, "in": "query", "required": required.contains(name.as_str()), "schema": s }));
            }
        }
    }
    params
}

fn success(d: &RouteDoc, answers: &mut SchemaGenerator) -> Value {
    match d.success {
        Success::Empty => json!({ "description": "Success" }),
        Success::Json(f) => {
            json!({ "description": "Success", "content": { "application/json": { "schema": plain(f(answers)) } } })
        }
        Success::Media(t) => {
            json!({ "description": "Success", "content": { t: { "schema": { "type": "string", "format": "binary" } } } })
        }
    }
}

fn request_body(body: Body, requests: &mut SchemaGenerator) -> Value {
    match body {
        Body::Json(f) => {
            json!({ "required": true, "content": { "application/json": { "schema": plain(f(requests)) } } })
        }
        Body::Multipart => json!({ "required": true, "content": { "multipart/form-data": { "schema": {
            "type": "object",
            "properties": { "file": { "type": "string", "format": "binary" } },
            "required": ["file"],
            // Only `file` (said as "one property", which schemathesis's
            // negative cases handle; `additionalProperties: false` made it
            // send the one valid part as a "violation").
            "maxProperties": 1,
        } } } }),
    }
}

fn operation_id(d: &RouteDoc) -> String {
    format!("{} {}", d.method.to_lowercase(), d.path)
}

/// Where the created thing's id is in `answer` (a response schema): its
/// own `id`, or the `id` of one of its object properties (`{"photo": {"id"…}}`).
fn id_pointer(answer: &Value) -> Option<String> {
    let props = answer["properties"].as_object()?;
    if props.contains_key("id") {
        return Some("/id".into());
    }
    props
        .iter()
        .find(|(_, v)| v["properties"]["id"].is_object())
        .map(|(name, _)| format!("/{name}/id"))
}

/// `links` from a creating `POST` to the operations on what it created.
fn links(d: &RouteDoc, docs: &[RouteDoc], answer: &Value) -> Option<Value> {
    let creates = d.method == "POST" && d.ok == 201;
    let pointer = id_pointer(answer).filter(|_| creates)?;
    let under = format!("{}/{{", d.path);
    let mut links = Map::new();
    for other in docs.iter().filter(|o| o.path.starts_with(&under)) {
        let rest = &other.path[d.path.len() + 1..];
        let Some(name) = rest.strip_prefix('{').and_then(|r| r.split('}').next()) else {
            continue;
        };
        let link = format!(
            "{}{}",
            other.method.to_lowercase(),
            other.path.replace(['/', '{', '}'], "_")
        );
        links.insert(
            link,
            json!({ "operationId": operation_id(other), "parameters": { name: format!("$response.body#{pointer}") } }),
        );
    }
    (!links.is_empty()).then_some(Value::Object(links))
}

/// Build the document.
pub fn document(docs: &[RouteDoc]) -> Value {
    // Bodies and query strings are both read with serde's deserialize rules.
    let mut requests = generator(SchemaSettings::draft2020_12().for_deserialize());
    let mut answers = generator(SchemaSettings::draft2020_12().for_serialize());
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for d in docs {
        let mut responses = Map::new();
        let mut ok = success(d, &mut answers);
        let answer = ok["content"]["application/json"]["schema"].clone();
        if let Some(links) = links(d, docs, &answer) {
            ok["links"] = links;
        }
        responses.insert(d.ok.to_string(), ok.clone());
        if let Some(also) = d.also_ok {
            responses.insert(also.to_string(), ok);
        }
        for status in error_statuses(d) {
            responses.insert(status.to_string(), error_response(error_text(status)));
        }
        let mut op = json!({
            "tags": [d.tag],
            "summary": d.summary,
            "operationId": operation_id(d),
            "parameters": parameters(d, &mut requests),
            "responses": responses,
        });
        if !d.keeps.is_empty() {
            op["x-keeps"] = json!(d.keeps.split(' ').collect::<Vec<_>>());
        }
        if d.auth {
            op["security"] = json!([{ "bearer": [] }, { "cookie": [] }]);
        }
        if let Some(body) = d.body {
            op["requestBody"] = request_body(body, &mut requests);
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
            "schemas": { "Error": error_schema() },
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": "xuancai_session",
                            "description": "Cookie-authenticated writes also need the X-Xuancai-CSRF header" }
            }
        }
    })
}

/// Every error answer's body (`crate::error`).
fn error_schema() -> Value {
    json!({
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
    })
}
