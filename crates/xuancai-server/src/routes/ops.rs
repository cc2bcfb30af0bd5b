//! Operators (SEC-6, R-6, RET-2): the request queue with overdue flags,
//! processing requests (a refusal needs its reason), reading a user's
//! personal data (every read is written to the append-only audit log), the
//! audit log itself, legal holds. Non-operators get 404.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use xuancai_domain::UserId;
use xuancai_domain::privacy::{RequestKind, RequestStatus};
use xuancai_store::{AuditRecord, HoldRecord, SealedColumn, Store, Subject};

use crate::error::ApiError;
use crate::extract::AppJson;
use crate::extract::Operator;
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::crypto::random;
use xuancai_app::privacy::gate::decisions;
use xuancai_app::privacy::requests::{RequestView, hex, parse_request_id, request_view};

async fn audit<S: Store>(
    state: &App<S>,
    op: &Operator,
    subject: &UserId,
    action: &str,
) -> Result<(), ApiError> {
    state
        .store
        .append_audit(&AuditRecord {
            id: random::<16>(),
            actor: op.user,
            subject: *subject,
            action: action.into(),
            at: state.now(),
        })
        .await?;
    Ok(())
}

/// Open rights requests, and how many are overdue.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OpenRequests {
    items: Vec<OpenRequest>,
    overdue: usize,
}

/// A request as operators see it: whose it is, not what it says.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct OpenRequest {
    #[serde(flatten)]
    request: RequestView,
    user_id: String,
}

/// A user's personal data, as an operator processing a request reads it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UserData {
    user_id: String,
    /// Masked.
    phone: Option<String>,
    nickname: Option<String>,
    birth_date: Option<String>,
    coins: i64,
    created_at: i64,
    cancelled_at: Option<i64>,
    guardian_verified_at: Option<i64>,
    consents: Vec<ConsentState>,
    holds: Vec<HoldView>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ConsentState {
    purpose: &'static str,
    granted: bool,
}

/// A legal hold on a user's data (RET-2).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct HoldView {
    id: String,
    reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    placed_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    released_at: Option<i64>,
}

/// Who read or changed a user's data (SEC-6).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AuditLog {
    items: Vec<AuditEntry>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AuditEntry {
    actor: String,
    action: String,
    at: i64,
}

/// A birth date corrected after review, and the age group it gives.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Corrected {
    /// `corrected`.
    status: &'static str,
    age_group: &'static str,
}

/// `GET /api/v1/ops/requests`: open requests, oldest deadline first.
pub async fn requests<S: Store>(
    State(state): State<Arc<App<S>>>,
    _op: Operator,
) -> Result<Json<OpenRequests>, ApiError> {
    let now = state.now();
    let open = state.store.open_requests(500).await?;
    let items: Vec<OpenRequest> = open
        .iter()
        .map(|r| OpenRequest {
            request: request_view(r, None, now),
            user_id: r.user.to_string(),
        })
        .collect();
    let overdue = items.iter().filter(|r| r.request.overdue).count();
    Ok(Json(OpenRequests { items, overdue }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Move {
    status: String,
    resolution: Option<String>,
    /// R-3: why a deletion request is refused (`no_ground`, `legal_retention`, `not_found`).
    ground: Option<String>,
}

/// `POST /api/v1/ops/requests/{id}`: move a request on (R-6).
pub async fn process<S: Store>(
    State(state): State<Arc<App<S>>>,
    op: Operator,
    Path(id): Path<String>,
    AppJson(req): AppJson<Move>,
) -> Result<Json<RequestView>, ApiError> {
    let id = parse_request_id(&id).map_err(|_| AppError::NotFound)?;
    let next = RequestStatus::parse(&req.status)?;
    let r = state.store.request(&id).await?.ok_or(AppError::NotFound)?;
    let step = r.status.move_to(next)?;
    let mut resolution = req
        .resolution
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    // R-3: approving a deletion deletes exactly what it names; refusing one
    // records its ground.
    if r.kind == RequestKind::Deletion {
        use xuancai_app::privacy::deletion::{Deletion, execute, refusal_ground};
        use xuancai_app::privacy::requests::resolution_text;
        match next {
            RequestStatus::Done => {
                let key = state.data_key(&r.user).await?;
                let sealed = r.scope_ciphertext.as_deref().ok_or(AppError::Conflict {
                    code: "deletion_without_scope",
                    message: "this deletion request names nothing to delete; refuse it or ask the user"
                        .into(),
                })?;
                let done = execute(&state, &r.user, &Deletion::open(sealed, &key, &r.id)?).await?;
                resolution = Some(resolution_text(&done.to_string(), resolution.as_deref()));
            }
            RequestStatus::Refused => {
                let (code, why) = refusal_ground(req.ground.as_deref())?;
                resolution = Some(resolution_text(&format!("{code}: {why}"), resolution.as_deref()));
            }
            _ => {}
        }
    }
    let resolution = resolution.as_deref();
    if next == RequestStatus::Refused && resolution.is_none() {
        return Err(AppError::Unprocessable {
            code: "reason_required",
            message: "a refusal states its reason (§6.5)".into(),
        }
        .into());
    }
    let now = state.now();
    if !state.store.move_request(&id, step, resolution, now).await? {
        return Err(AppError::Conflict {
            code: "request_changed",
            message: "the request changed meanwhile; reload it".into(),
        }
        .into());
    }
    audit(
        &state,
        &op,
        &r.user,
        &format!("request:{}:{}", hex(&id), next.as_str()),
    )
    .await?;
    let updated = state.store.request(&id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(request_view(&updated, None, now)))
}

fn parse_user(s: &str) -> Result<UserId, ApiError> {
    UserId::parse(s).map_err(|_| ApiError::NOT_FOUND)
}

/// `GET /api/v1/ops/users/{id}`: a user's personal data, for processing a
/// request; the read is audited (SEC-6).
pub async fn user<S: Store>(
    State(state): State<Arc<App<S>>>,
    op: Operator,
    Path(id): Path<String>,
) -> Result<Json<UserData>, ApiError> {
    let user = parse_user(&id)?;
    let record = state.store.user_by_id(&user).await?.ok_or(AppError::NotFound)?;
    audit(&state, &op, &user, "read:personal_data").await?;
    let key = state.data_key(&user).await?;
    let text = |column: SealedColumn, ct: Option<&Vec<u8>>| {
        ct.and_then(|c| key.open_text(column, user.as_bytes(), c))
    };
    let profile = state.store.profile(&user).await?.unwrap_or_default();
    let account = state.store.account_state(&user).await?.unwrap_or_default();
    let consents = decisions(&state.store.consents(&Subject::User(user)).await?);
    let phone = text(SealedColumn::UserPhone, Some(&record.phone_ciphertext))
        .and_then(|p| xuancai_domain::PhoneNumber::parse(&p).ok())
        .map(|p| p.masked());
    Ok(Json(UserData {
        user_id: user.to_string(),
        phone,
        nickname: text(SealedColumn::UserNickname, profile.nickname_ciphertext.as_ref()),
        birth_date: text(
            SealedColumn::UserBirthDate,
            profile.birth_date_ciphertext.as_ref(),
        ),
        coins: xuancai_app::coins::balance(&state, &user).await.unwrap_or(0),
        created_at: record.created_at,
        cancelled_at: account.cancelled_at,
        guardian_verified_at: account.guardian_verified_at,
        consents: xuancai_domain::privacy::Purpose::all()
            .map(|p| ConsentState {
                purpose: p.key(),
                granted: consents.allows(p),
            })
            .collect(),
        holds: state
            .store
            .holds_of(&user)
            .await?
            .iter()
            .map(|h| HoldView {
                id: hex(&h.id),
                reason: h.reason.clone(),
                placed_at: Some(h.placed_at),
                released_at: h.released_at,
            })
            .collect(),
    }))
}

/// `GET /api/v1/ops/users/{id}/audit`: who read or changed this user's data.
pub async fn audit_log<S: Store>(
    State(state): State<Arc<App<S>>>,
    _op: Operator,
    Path(id): Path<String>,
) -> Result<Json<AuditLog>, ApiError> {
    let user = parse_user(&id)?;
    let items = state
        .store
        .audit_of(&user)
        .await?
        .iter()
        .map(|a| AuditEntry {
            actor: a.actor.to_string(),
            action: a.action.clone(),
            at: a.at,
        })
        .collect();
    Ok(Json(AuditLog { items }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHold {
    reason: String,
}

/// `POST /api/v1/ops/users/{id}/holds`: a legal hold stops erasure (RET-2).
pub async fn place_hold<S: Store>(
    State(state): State<Arc<App<S>>>,
    op: Operator,
    Path(id): Path<String>,
    AppJson(req): AppJson<NewHold>,
) -> Result<Response, ApiError> {
    let user = parse_user(&id)?;
    state.store.user_by_id(&user).await?.ok_or(AppError::NotFound)?;
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::BadRequest {
            code: "reason_required",
            message: "a hold records its legal reason (1 to 500 characters)".into(),
        }
        .into());
    }
    let hold = HoldRecord {
        id: random::<16>(),
        user,
        reason: reason.into(),
        placed_at: state.now(),
        released_at: None,
    };
    state.store.place_hold(&hold).await?;
    audit(&state, &op, &user, "hold:placed").await?;
    Ok((
        StatusCode::CREATED,
        Json(HoldView {
            id: hex(&hold.id),
            reason: hold.reason.clone(),
            placed_at: None,
            released_at: None,
        }),
    )
        .into_response())
}

/// `DELETE /api/v1/ops/holds/{id}`: release a hold.
pub async fn release_hold<S: Store>(
    State(state): State<Arc<App<S>>>,
    _op: Operator,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_request_id(&id).map_err(|_| AppError::NotFound)?;
    if state.store.release_hold(&id, state.now()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound.into())
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BirthDateCorrection {
    /// `YYYY-MM-DD`, or null to clear it.
    #[schemars(schema_with = "super::schema::optional_date")]
    birth_date: Option<String>,
    /// The user's correction request this answers (R-2): 32 hex digits.
    #[schemars(regex(pattern = r"^[0-9a-fA-F]{32}$"))]
    request: String,
}

/// `PUT /api/v1/ops/users/{id}/birth-date`: R-2 for the birth date, the only
/// way a declared minor's protection is lowered (MIN-2, MIN-3). Audited.
pub async fn correct_birth_date<S: Store>(
    State(state): State<Arc<App<S>>>,
    op: Operator,
    Path(id): Path<String>,
    AppJson(req): AppJson<BirthDateCorrection>,
) -> Result<Json<Corrected>, ApiError> {
    let user = parse_user(&id)?;
    let request = parse_request_id(&req.request)?;
    let birth = req
        .birth_date
        .as_deref()
        .map(|b| xuancai_domain::BirthDate::parse(b, state.today()))
        .transpose()?;
    let group = xuancai_app::privacy::minors::correct_birth_date_after_review(
        &state, &op.user, &user, &request, birth,
    )
    .await?;
    Ok(Json(Corrected {
        status: "corrected",
        age_group: group.as_str(),
    }))
}
