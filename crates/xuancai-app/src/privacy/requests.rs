//! Rights requests (R-1..R-7): the identity re-check (ACC-7), deadlines in
//! working days, and a request as the API shows it.

use serde_json::{Value, json};
use xuancai_domain::privacy::{RequestKind, RequestStatus};
use xuancai_domain::{Date, PhoneNumber, UserId};
use xuancai_store::{RequestRecord, Store};

use crate::App;
use crate::accounts::check_code;
use crate::crypto::DataKey;
use crate::error::AppError;
use xuancai_store::SealedColumn;

/// The signed-in user's phone number (decrypted).
pub async fn own_phone<S: Store>(state: &App<S>, user: &UserId) -> Result<PhoneNumber, AppError> {
    let record = state
        .store
        .user_by_id(user)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let key = state.data_key(user).await?;
    key.open_text(SealedColumn::UserPhone, user.as_bytes(), &record.phone_ciphertext)
        .and_then(|s| PhoneNumber::parse(&s).ok())
        .ok_or_else(|| AppError::Internal(format!("stored phone of {user} does not decrypt")))
}

/// ACC-7: the code just sent to the account's own number.
pub async fn verified<S: Store>(state: &App<S>, user: &UserId, code: &str) -> Result<(), AppError> {
    let phone = own_phone(state, user).await?;
    check_code(
        state,
        &state.keys.lookup_hash(phone.as_e164()),
        crate::accounts::CodeFor::verify(user),
        code,
    )
    .await
}

pub fn deadline<S: Store>(state: &App<S>, kind: RequestKind, received: i64) -> i64 {
    let day = Date::from_unix_ms(received, state.config.utc_offset_minutes);
    // The end of the last working day.
    state
        .calendar
        .add_working_days(day, kind.deadline_working_days())
        .plus_days(1)
        .start_ms(state.config.utc_offset_minutes)
        - 1
}

/// A rights request as the API shows it (R-1..R-7).
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct RequestView {
    pub id: String,
    pub kind: String,
    /// `received`, `verified`, `in_progress`, `done` or `refused`.
    pub status: String,
    /// The user's own words (only to the user).
    pub detail: Option<String>,
    pub resolution: Option<String>,
    /// A deletion's outcome: what was deleted, or the ground it was refused on.
    pub outcome: Option<Value>,
    pub received_at: i64,
    pub deadline_at: i64,
    pub updated_at: i64,
    pub overdue: bool,
    /// An export, once built.
    pub download: Option<String>,
}

pub fn request_view(r: &RequestRecord, key: Option<&DataKey>, now: i64) -> RequestView {
    let open = r.status.is_open();
    let id = hex(&r.id);
    RequestView {
        kind: r.kind.as_str().into(),
        status: r.status.as_str().into(),
        detail: key.and_then(|k| {
            r.detail_ciphertext
                .as_ref()
                .and_then(|c| k.open_text(SealedColumn::RequestDetail, &r.id, c))
        }),
        resolution: r.resolution.clone(),
        outcome: outcome(r),
        received_at: r.received_at,
        deadline_at: r.deadline_at,
        updated_at: r.updated_at,
        overdue: open && now > r.deadline_at,
        download: (r.kind == RequestKind::Export && r.status == RequestStatus::Done)
            .then(|| format!("/api/v1/me/requests/{id}/download")),
        id,
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn parse_request_id(s: &str) -> Result<[u8; 16], AppError> {
    let bad = || AppError::BadRequest {
        code: "invalid_request_id",
        message: "not a request id".into(),
    };
    if s.len() != 32 {
        return Err(bad());
    }
    let mut id = [0u8; 16];
    for (i, b) in id.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(i * 2..i * 2 + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?;
    }
    Ok(id)
}

/// Where an operator's own note begins in a resolution.
const NOTE: &str = " — ";

/// A resolution: what the system did or recorded (`head`), then the
/// operator's note as written, if any. [`outcome`] reads it back.
pub fn resolution_text(head: &str, note: Option<&str>) -> String {
    match note {
        Some(n) => format!("{head}{NOTE}{n}"),
        None => head.to_string(),
    }
}

/// A finished request's outcome as data, so the app can say it in the
/// user's language (issue 22): what an approved deletion deleted
/// (`{"deleted": {...}}`), or the recorded ground of a refused one
/// (`{"refused": "legal_retention"}`), with the operator's `note`.
/// `None` where the resolution is an operator's free text only.
pub fn outcome(r: &RequestRecord) -> Option<Value> {
    let text = r.resolution.as_deref()?;
    let (head, note) = text.split_once(NOTE).map_or((text, None), |(h, n)| (h, Some(n)));
    if r.kind != RequestKind::Deletion {
        return None;
    }
    if r.status == RequestStatus::Done {
        let d = super::deletion::Deleted::parse(head)?;
        return Some(json!({ "deleted": d, "note": note }));
    }
    if r.status == RequestStatus::Refused {
        let (code, _) = head.split_once(": ")?;
        let (code, _) = super::deletion::refusal_ground(Some(code)).ok()?;
        return Some(json!({ "refused": code, "note": note }));
    }
    None
}
