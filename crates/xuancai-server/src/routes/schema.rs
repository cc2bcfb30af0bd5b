//! JSON Schemas of the values the domain parses, for the request types'
//! `#[schemars(schema_with = …)]` (issue 18 item 7): what the OpenAPI
//! document promises a request may hold is what the parsers accept, so a
//! request that fits the schema is never refused as malformed (400) — it is
//! answered, or refused by a rule the schema cannot state (422: a birth
//! date in the future, a photo that is not yours), or by the caller's
//! state (401, 403, 404, 409, 429).
//!
//! Allowed values come from the code's own lists (purposes, document kinds,
//! request kinds, complaint topics, sensitive categories), never copied.

use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::{Value, json};
use xuancai_domain::privacy::{DocumentKind, NECESSITY, RequestKind};

/// A mainland mobile number (11 digits, with or without `86`/`+86`) or an
/// international number in E.164 (`+`, 8 to 15 digits). The parser also
/// takes spaces, dashes, dots and brackets between digits; the schema
/// states the plain form.
pub const PHONE: &str = r"^((\+?86)?1[3-9][0-9]{9}|\+(8[0-57-9]|[1-79][0-9])[0-9]{6,13})$";
/// A photo's id: `p_` and 26 digits of Crockford base32 (128 bits).
pub const PHOTO_ID: &str = r"^p_[0-7][0-9a-hjkmnp-tv-zA-HJKMNP-TV-Z]{25}$";
/// A calendar date, `YYYY-MM-DD` (29 February left out: the pattern cannot
/// tell leap years; the parser takes it in a leap year).
pub const DATE: &str = r"^[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))$";
/// A listing's cursor, as the server gave it out: 48 hex digits.
pub const CURSOR: &str = r"^[0-9a-fA-F]{48}$";
/// A one-time code: six digits.
pub const CODE: &str = r"^[0-9]{6}$";
/// A text of one line: no control characters, and not only spaces.
const ONE_LINE: &str = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$";
/// A text that may span lines: not only spaces.
const SOME_TEXT: &str = r"^[\s\S]*[^\s][\s\S]*$";

fn strings(values: impl IntoIterator<Item = &'static str>) -> Value {
    Value::Array(values.into_iter().map(|s| json!(s)).collect())
}

pub fn phone(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": PHONE })
}

pub fn code(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": CODE })
}

/// `YYYY-MM-DD`, or null / absent.
pub fn optional_date(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["string", "null"], "pattern": DATE })
}

/// A nickname: 1 to 24 characters, one line, without direction marks.
pub fn nickname_or_null(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["string", "null"],
        "minLength": 1,
        "maxLength": xuancai_domain::Nickname::MAX_CHARS,
        "pattern": r"^[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e]*[^\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e][^\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e]*$",
    })
}

/// One line of 1 to `max` characters.
pub fn one_line(max: usize) -> Schema {
    json_schema!({ "type": "string", "minLength": 1, "maxLength": max, "pattern": ONE_LINE })
}

/// 1 to `max` characters (any number without one), not only spaces.
pub fn some_text(max: Option<usize>) -> Schema {
    let mut s = json_schema!({ "type": "string", "minLength": 1, "pattern": SOME_TEXT });
    if let Some(max) = max {
        s.insert("maxLength".into(), max.into());
    }
    s
}

/// `{"user_agreement": "2026.11", …}`: versions of published documents.
pub fn agreements(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "propertyNames": { "enum": strings(DocumentKind::ALL.iter().map(|k| k.key())) },
        "additionalProperties": { "type": "string" },
    })
}

/// `["phone"]`: the sensitive categories collected with a separate tick.
pub fn ticks(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": { "enum": strings(NECESSITY.iter().map(|n| n.category.key())) },
    })
}

/// A rights request's kind (cancellation has its own endpoint).
pub fn request_kind(_: &mut SchemaGenerator) -> Schema {
    let kinds = RequestKind::ALL
        .iter()
        .filter(|k| **k != RequestKind::Cancellation)
        .map(|k| k.as_str());
    json_schema!({ "type": "string", "enum": strings(kinds) })
}

/// The push services a server can be configured with.
pub fn push_providers() -> impl Iterator<Item = &'static str> {
    std::iter::once("web_push").chain(xuancai_app::config::Vendor::ALL.iter().map(|v| v.key()))
}

pub fn push_provider(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": strings(push_providers()) })
}

/// A value that must be `true` (a confirmation).
pub fn confirmed(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "boolean", "const": true })
}
