//! The rights center (R-1..R-7, ACC-6, ACC-7, MIN-5): a fresh SMS identity
//! check, then requests that move received → verified → in progress → done
//! (or refused, with a reason) against a deadline counted in working days;
//! the export (a ZIP of all the user's personal data and original media,
//! built in the background); account cancellation.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use xuancai_domain::privacy::{RequestKind, RequestMove, RequestStatus};
use xuancai_store::{CancellationRequest, PhotoFilter, RequestRecord, Store};

use crate::error::ApiError;
use crate::extract::AppJson;
use crate::extract::Session;
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::accounts::{CodeFor, send_code};
use xuancai_app::crypto::random;
use xuancai_app::privacy::export::build_export;
use xuancai_app::privacy::requests::{
    RequestView, deadline, own_phone, parse_request_id, request_view, verified,
};
use xuancai_store::SealedColumn;

/// A code sent to the account's own number.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CodeSent {
    /// `sent`.
    status: &'static str,
    /// The number, masked.
    to: String,
    expires_in: i64,
}

/// The user's rights requests.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Requests {
    items: Vec<RequestView>,
}

/// What cancelling the account loses (ACC-6), and what to confirm.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Preview {
    coins_forfeited: i64,
    photos: usize,
    /// There are more photos than counted.
    photos_more: bool,
    irreversible: bool,
    erased_within_months: u32,
    erase_by: i64,
    consequences: [&'static str; 5],
    confirm: Confirm,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Confirm {
    exported: &'static str,
    forfeit: &'static str,
}

/// The account is cancelled; its data is erased by `erase_by`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Cancelled {
    /// `cancelled`.
    status: &'static str,
    erase_by: i64,
}

/// `POST /api/v1/me/verify`: send a code to the account's own number (ACC-7).
pub async fn verify<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
    crate::extract::ClientIp(peer): crate::extract::ClientIp,
) -> Result<Response, ApiError> {
    let phone = own_phone(&state, &session.user).await?;
    send_code(&state, &phone, &peer.to_string(), CodeFor::verify(&session.user)).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(CodeSent {
            status: "sent",
            to: phone.masked(),
            expires_in: state.config.code_ttl_secs,
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    #[schemars(schema_with = "super::schema::request_kind")]
    kind: String,
    #[serde(default)]
    #[schemars(length(max = 2000))]
    detail: String,
    #[schemars(schema_with = "super::schema::code")]
    code: String,
    /// what a deletion request deletes, and the §6.2 ground (1–7).
    delete: Option<xuancai_app::privacy::deletion::DeletionScope>,
    #[schemars(range(min = 1, max = 7))]
    #[serde(default, deserialize_with = "xuancai_app::whole::option")]
    ground: Option<u8>,
}

/// `POST /api/v1/me/requests`: export, correction, deletion, withdrawal or
/// complaint (cancellation has its own endpoint, with its confirmations).
pub async fn create<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
    AppJson(req): AppJson<NewRequest>,
) -> Result<Response, ApiError> {
    let kind = RequestKind::parse(&req.kind)?;
    if kind == RequestKind::Cancellation {
        return Err(AppError::BadRequest {
            code: "use_cancellation_endpoint",
            message: "cancel the account with POST /api/v1/me/cancellation".into(),
        }
        .into());
    }
    if req.detail.chars().count() > 2000 {
        return Err(AppError::BadRequest {
            code: "detail_too_long",
            message: "describe the request in at most 2000 characters".into(),
        }
        .into());
    }
    let deletion = match kind {
        RequestKind::Deletion => Some(xuancai_app::privacy::deletion::Deletion::parse(
            req.ground,
            req.delete.clone(),
        )?),
        _ if req.delete.is_some() || req.ground.is_some() => {
            return Err(AppError::Unprocessable {
                code: "invalid_deletion",
                message: "only a deletion request names what to delete".into(),
            }
            .into());
        }
        _ => None,
    };
    let now = state.now();
    let key = state.data_key(&session.user).await?;
    let id = random::<16>();
    let mut record = RequestRecord {
        scope_ciphertext: deletion.as_ref().map(|d| d.seal(&key, &id)).transpose()?,
        id,
        user: session.user,
        kind,
        status: RequestStatus::Received,
        detail_ciphertext: (!req.detail.trim().is_empty())
            .then(|| key.seal(SealedColumn::RequestDetail, &id, req.detail.trim().as_bytes())),
        resolution: None,
        received_at: now,
        deadline_at: deadline(&state, kind, now),
        updated_at: now,
    };
    // Identity first (ACC-7): a wrong code leaves no request behind.
    verified(&state, &session.user, &req.code).await?;
    state.store.insert_request(&record).await?;
    state
        .store
        .move_request(&record.id, RequestMove::VERIFY, None, now)
        .await?;
    record.status = RequestStatus::Verified;
    if kind == RequestKind::Export {
        let state = state.clone();
        let id = record.id;
        tokio::spawn(async move { build_export(&state, &id).await });
    }
    Ok((StatusCode::CREATED, Json(request_view(&record, Some(&key), now))).into_response())
}

/// `GET /api/v1/me/requests`
pub async fn list<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
) -> Result<Json<Requests>, ApiError> {
    let key = state.data_key(&session.user).await?;
    let now = state.now();
    let items = state
        .store
        .requests_of(&session.user)
        .await?
        .iter()
        .map(|r| request_view(r, Some(&key), now))
        .collect();
    Ok(Json(Requests { items }))
}

/// `GET /api/v1/me/requests/{id}/download`: the export, once built.
pub async fn download<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_request_id(&id).map_err(|_| AppError::NotFound)?;
    let zip = xuancai_app::privacy::export::download(&state, &session.user, &id).await?;
    let mut resp = Body::from_stream(zip).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"xuancai-personal-data.zip\""),
    );
    Ok(resp)
}

/// `GET /api/v1/me/cancellation`: what cancelling loses (ACC-6), shown before confirming.
pub async fn cancellation_preview<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
) -> Result<Json<Preview>, ApiError> {
    let coins = xuancai_app::coins::balance(&state, &session.user).await?;
    let photos = state
        .store
        .list_photos(&session.user, PhotoFilter::Library, None, 200)
        .await?
        .len();
    Ok(Json(Preview {
        coins_forfeited: coins,
        photos,
        photos_more: photos >= 200,
        irreversible: true,
        // RET-2 in calendar months; a child's account at once (MIN-6).
        erased_within_months: state.config.cancelled_retention_months,
        erase_by: xuancai_app::privacy::minors::erase_after(&state, &session.user).await?,
        consequences: [
            "账号注销后不可恢复，无法再登录或使用",
            "金币、奖励等余额将被放弃",
            "您公开的作品、头像、评论与发出的祝福立即对他人隐藏",
            "照片、相册、作品、评论与祝福将被删除",
            "注销前请先导出您的个人信息",
        ],
        confirm: Confirm {
            exported: "I have exported what I want to keep",
            forfeit: "I give up my balance",
        },
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    #[schemars(schema_with = "super::schema::code")]
    code: String,
    #[schemars(schema_with = "super::schema::confirmed")]
    confirm_exported: bool,
    #[schemars(schema_with = "super::schema::confirmed")]
    confirm_forfeit: bool,
}

/// `POST /api/v1/me/cancellation` (R-5, ACC-6): after a fresh SMS check and
/// both confirmations the account is cancelled at once: sessions revoked,
/// the number freed, erasure scheduled (RET-2).
pub async fn cancel<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
    AppJson(req): AppJson<Cancel>,
) -> Result<Response, ApiError> {
    if !(req.confirm_exported && req.confirm_forfeit) {
        return Err(AppError::Unprocessable {
            code: "confirmation_required",
            message: "confirm that you exported your data and give up your balance".into(),
        }
        .into());
    }
    verified(&state, &session.user, &req.code).await?;
    let now = state.now();
    let kind = RequestKind::Cancellation;
    let record = RequestRecord {
        scope_ciphertext: None,
        id: random::<16>(),
        user: session.user,
        kind,
        status: RequestStatus::Received,
        detail_ciphertext: None,
        resolution: None,
        received_at: now,
        deadline_at: deadline(&state, kind, now),
        updated_at: now,
    };
    let erase_by = xuancai_app::privacy::minors::erase_after(&state, &session.user).await?;
    // the request and the cancellation are written together.
    let request = CancellationRequest {
        record: &record,
        resolution: "account cancelled; sessions revoked",
    };
    if !state
        .store
        .cancel_account(&session.user, &random::<32>(), now, erase_by, Some(request))
        .await?
    {
        return Err(AppError::Unauthenticated.into());
    }
    tracing::info!(user = %session.user, "account cancelled");
    let mut resp = Json(Cancelled {
        status: "cancelled",
        erase_by,
    })
    .into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("xuancai_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(resp)
}
