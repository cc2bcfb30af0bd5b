//! The rights center (R-1..R-7, ACC-6, ACC-7, MIN-5): a fresh SMS identity
//! check, then requests that move received → verified → in progress → done
//! (or refused, with a reason) against a deadline counted in working days;
//! the export (a ZIP of all the user's personal data and original media,
//! built in the background); account cancellation.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use xuancai_domain::privacy::{RequestKind, RequestStatus};
use xuancai_domain::{Date, PhoneNumber, UserId};
use xuancai_store::{Cursor, PhotoFilter, RequestRecord, Store, Subject};

use super::AppState;
use super::auth::{Session, check_code, send_code};
use crate::crypto::{DataKey, random};
use crate::error::ApiError;

/// The signed-in user's phone number (decrypted).
pub async fn own_phone<S: Store>(state: &AppState<S>, user: &UserId) -> Result<PhoneNumber, ApiError> {
    let record = state
        .store
        .user_by_id(user)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let key = state.data_key(user).await?;
    key.decrypt(&record.phone_ciphertext)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| PhoneNumber::parse(&s).ok())
        .ok_or_else(|| ApiError::Internal(format!("stored phone of {user} does not decrypt")))
}

/// `POST /api/v1/me/verify`: send a code to the account's own number (ACC-7).
pub async fn verify<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Session,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Result<Response, ApiError> {
    let phone = own_phone(&state, &session.user).await?;
    send_code(&state, &phone, &peer.ip().to_string()).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "status": "sent", "to": phone.masked(), "expires_in": state.config.code_ttl_secs })),
    )
        .into_response())
}

/// ACC-7: the code just sent to the account's own number.
async fn verified<S: Store>(state: &AppState<S>, user: &UserId, code: &str) -> Result<(), ApiError> {
    let phone = own_phone(state, user).await?;
    check_code(state, &state.keys.lookup_hash(phone.as_e164()), code).await
}

fn deadline<S: Store>(state: &AppState<S>, kind: RequestKind, received: i64) -> i64 {
    let day = Date::from_unix_ms(received, state.config.utc_offset_minutes);
    // The end of the last working day.
    state
        .calendar
        .add_working_days(day, kind.deadline_working_days())
        .plus_days(1)
        .start_ms(state.config.utc_offset_minutes)
        - 1
}

pub fn request_json(r: &RequestRecord, key: Option<&DataKey>, now: i64) -> Value {
    let open = RequestStatus::parse(&r.status)
        .map(RequestStatus::is_open)
        .unwrap_or(false);
    let id = hex(&r.id);
    json!({
        "id": id,
        "kind": r.kind,
        "status": r.status,
        "detail": key.and_then(|k| r.detail_ciphertext.as_ref().and_then(|c| k.decrypt(c).ok()))
            .and_then(|b| String::from_utf8(b).ok()),
        "resolution": r.resolution,
        "received_at": r.received_at,
        "deadline_at": r.deadline_at,
        "updated_at": r.updated_at,
        "overdue": open && now > r.deadline_at,
        "download": (r.kind == "export" && r.status == "done").then(|| format!("/api/v1/me/requests/{id}/download")),
    })
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn parse_request_id(s: &str) -> Result<[u8; 16], ApiError> {
    let bad = || ApiError::BadRequest {
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    kind: String,
    #[serde(default)]
    detail: String,
    code: String,
}

/// `POST /api/v1/me/requests`: export, correction, deletion, withdrawal or
/// complaint (cancellation has its own endpoint, with its confirmations).
pub async fn create<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Session,
    body: Result<Json<NewRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    let kind = RequestKind::parse(&req.kind)?;
    if kind == RequestKind::Cancellation {
        return Err(ApiError::BadRequest {
            code: "use_cancellation_endpoint",
            message: "cancel the account with POST /api/v1/me/cancellation".into(),
        });
    }
    if req.detail.chars().count() > 2000 {
        return Err(ApiError::BadRequest {
            code: "detail_too_long",
            message: "describe the request in at most 2000 characters".into(),
        });
    }
    let now = state.now();
    let key = state.data_key(&session.user).await?;
    let mut record = RequestRecord {
        id: random::<16>(),
        user: session.user,
        kind: kind.as_str().into(),
        status: RequestStatus::Received.as_str().into(),
        detail_ciphertext: (!req.detail.trim().is_empty()).then(|| key.encrypt(req.detail.trim().as_bytes())),
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
        .move_request(&record.id, "received", "verified", None, now)
        .await?;
    record.status = "verified".into();
    if kind == RequestKind::Export {
        let state = state.clone();
        let id = record.id;
        tokio::spawn(async move { build_export(&state, &id).await });
    }
    Ok((StatusCode::CREATED, Json(request_json(&record, Some(&key), now))).into_response())
}

/// `GET /api/v1/me/requests`
pub async fn list<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Session,
) -> Result<Json<Value>, ApiError> {
    let key = state.data_key(&session.user).await?;
    let now = state.now();
    let items: Vec<Value> = state
        .store
        .requests_of(&session.user)
        .await?
        .iter()
        .map(|r| request_json(r, Some(&key), now))
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub fn export_key(user: &UserId, id: &[u8; 16]) -> String {
    format!("u/{user}/exports/{}.zip", hex(id))
}

/// `GET /api/v1/me/requests/{id}/download`: the export, once built.
pub async fn download<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_request_id(&id)?;
    let r = state
        .store
        .request(&id)
        .await?
        .filter(|r| r.user == session.user && r.kind == "export")
        .ok_or(ApiError::NotFound)?;
    if r.status != "done" {
        return Err(ApiError::Conflict {
            code: "export_not_ready",
            message: "the export is still being prepared".into(),
        });
    }
    let key = state.data_key(&session.user).await?;
    let zip = state.blobs.get(&export_key(&session.user, &id), &key).await?;
    let mut resp = Body::from(zip).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"xuancai-personal-data.zip\""),
    );
    Ok(resp)
}

/// Build an export request's ZIP: `personal-data.json` with every
/// record about the user, decrypted, and `photos/ID.EXT` originals. Moves
/// the request verified → in progress → done; idempotent.
pub async fn build_export<S: Store>(state: &AppState<S>, id: &[u8; 16]) {
    let now = state.now();
    match state
        .store
        .move_request(id, "verified", "in_progress", None, now)
        .await
    {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::error!(error = %e, "export: starting failed");
            return;
        }
    }
    let result = async {
        let r = state.store.request(id).await?.ok_or(ApiError::NotFound)?;
        let zip = export_zip(state, &r.user).await?;
        let key = state.data_key(&r.user).await?;
        state.blobs.put(&export_key(&r.user, id), &zip, &key).await?;
        Ok::<_, ApiError>(zip.len())
    }
    .await;
    match result {
        Ok(bytes) => {
            let note = format!("export ready ({bytes} bytes)");
            if let Err(e) = state
                .store
                .move_request(id, "in_progress", "done", Some(&note), state.now())
                .await
            {
                tracing::error!(error = %e, "export: finishing failed");
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "export failed; will retry");
            let _ = state
                .store
                .move_request(id, "in_progress", "verified", None, state.now())
                .await;
        }
    }
}

async fn export_zip<S: Store>(state: &AppState<S>, user: &UserId) -> Result<Vec<u8>, ApiError> {
    let key = state.data_key(user).await?;
    let text = |ct: Option<&Vec<u8>>| {
        ct.and_then(|c| key.decrypt(c).ok())
            .and_then(|b| String::from_utf8(b).ok())
    };
    let account = state.store.user_by_id(user).await?.ok_or(ApiError::NotFound)?;
    let profile = state.store.profile(user).await?.unwrap_or_default();
    let mut photos = Vec::new();
    for filter in [PhotoFilter::Library, PhotoFilter::Archived, PhotoFilter::Trash] {
        let mut after: Option<Cursor> = None;
        loop {
            let page = state.store.list_photos(user, filter, after, 200).await?;
            after = page.last().map(|p| Cursor {
                at: p.created_at,
                id: *p.id.as_bytes(),
            });
            let done = page.len() < 200;
            photos.extend(page);
            if done {
                break;
            }
        }
    }
    let mut albums = Vec::new();
    let mut after = None;
    loop {
        let page = state.store.list_albums(user, after, 200).await?;
        after = page.last().map(|a| Cursor {
            at: a.created_at,
            id: *a.id.as_bytes(),
        });
        let done = page.len() < 200;
        albums.extend(page);
        if done {
            break;
        }
    }
    let ledger = state.store.ledger(user, None, 10_000).await?;
    let consents = state.store.consents(&Subject::User(*user)).await?;
    let requests = state.store.requests_of(user).await?;
    let usage = state.store.usage_of(user).await?;
    let disclosures = state.store.disclosures_of(user).await?;
    let audit = state.store.audit_of(user).await?;
    let now = state.now();
    let data = json!({
        "format": "xuancai-personal-data/1",
        "generated_at": now,
        "account": {
            "user_id": user.to_string(),
            "phone": text(Some(&account.phone_ciphertext)),
            "created_at": account.created_at,
            "nickname": text(profile.nickname_ciphertext.as_ref()),
            "birth_date": text(profile.birth_date_ciphertext.as_ref()),
            "has_password": profile.password_hash.is_some(),
            "avatar": profile.avatar_version.is_some(),
            "coins": profile.coin_balance,
        },
        "photos": photos.iter().map(|p| {
            let mut v = serde_json::to_value(super::photos::photo_view(p, &key)).unwrap_or(Value::Null);
            v["file"] = json!(format!("photos/{}", photo_file(p)));
            v
        }).collect::<Vec<_>>(),
        "albums": albums.iter().map(|a| json!({
            "id": a.id.to_string(), "name": text(Some(&a.name_ciphertext)), "created_at": a.created_at,
        })).collect::<Vec<_>>(),
        "coin_ledger": ledger.iter().map(|l| json!({
            "delta": l.delta, "reason": l.reason, "reference": l.reference, "at": l.created_at,
        })).collect::<Vec<_>>(),
        "consents": consents.iter().map(|c| json!({
            "topic": c.topic, "granted": c.granted, "version": c.version, "channel": c.channel, "at": c.at,
        })).collect::<Vec<_>>(),
        "requests": requests.iter().map(|r| request_json(r, Some(&key), now)).collect::<Vec<_>>(),
        "usage_events": usage.iter().map(|u| json!({
            "kind": u.kind, "detail": serde_json::from_str::<Value>(&u.detail).unwrap_or(Value::Null),
            "ip_prefix": u.ip_prefix, "device_ids": text(u.device_ciphertext.as_ref()), "at": u.at,
        })).collect::<Vec<_>>(),
        "disclosures": disclosures.iter().map(|d| json!({
            "recipient": d.recipient, "purpose": d.purpose, "categories": d.categories, "at": d.at,
        })).collect::<Vec<_>>(),
        "access_log": audit.iter().map(|a| json!({ "action": a.action, "at": a.at })).collect::<Vec<_>>(),
    });
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "personal-data.json".into(),
        serde_json::to_vec_pretty(&data).map_err(|e| ApiError::Internal(e.to_string()))?,
    )];
    for p in &photos {
        let bytes = state
            .blobs
            .get(&super::photos::Variant::Original.key(p), &key)
            .await?;
        files.push((format!("photos/{}", photo_file(p)), bytes));
    }
    if let Some(v) = &profile.avatar_version
        && let Ok(b) = state.blobs.get(&format!("u/{user}/avatar/{v}.webp"), &key).await
    {
        files.push(("avatar.webp".into(), b));
    }
    tokio::task::spawn_blocking(move || zip_files(&files))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

fn photo_file(p: &xuancai_store::PhotoRecord) -> String {
    let ext = match p.mime.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        _ => "bin",
    };
    format!("{}.{ext}", p.id)
}

fn zip_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ApiError> {
    let err = |e: &dyn std::fmt::Display| ApiError::Internal(format!("zip: {e}"));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    for (name, bytes) in files {
        w.start_file(name.as_str(), opts).map_err(|e| err(&e))?;
        w.write_all(bytes).map_err(|e| err(&e))?;
    }
    Ok(w.finish().map_err(|e| err(&e))?.into_inner())
}

/// `GET /api/v1/me/cancellation`: what cancelling loses (ACC-6), shown before confirming.
pub async fn cancellation_preview<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Session,
) -> Result<Json<Value>, ApiError> {
    let profile = state
        .store
        .profile(&session.user)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let photos = state
        .store
        .list_photos(&session.user, PhotoFilter::Library, None, 200)
        .await?
        .len();
    Ok(Json(json!({
        "coins_forfeited": profile.coin_balance,
        "photos": photos,
        "photos_more": photos >= 200,
        "irreversible": true,
        "erased_within_days": state.config.cancelled_retention_days,
        "consequences": [
            "账号注销后不可恢复，无法再登录或使用",
            "金币、奖励等余额将被放弃",
            "照片、相册、作品、评论与祝福将被删除",
            "注销前请先导出您的个人信息",
        ],
        "confirm": { "exported": "I have exported what I want to keep", "forfeit": "I give up my balance" },
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    code: String,
    confirm_exported: bool,
    confirm_forfeit: bool,
}

/// `POST /api/v1/me/cancellation` (R-5, ACC-6): after a fresh SMS check and
/// both confirmations the account is cancelled at once: sessions revoked,
/// the number freed, erasure scheduled (RET-2).
pub async fn cancel<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Session,
    body: Result<Json<Cancel>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    if !(req.confirm_exported && req.confirm_forfeit) {
        return Err(ApiError::Unprocessable {
            code: "confirmation_required",
            message: "confirm that you exported your data and give up your balance".into(),
        });
    }
    verified(&state, &session.user, &req.code).await?;
    let now = state.now();
    let kind = RequestKind::Cancellation;
    let record = RequestRecord {
        id: random::<16>(),
        user: session.user,
        kind: kind.as_str().into(),
        status: "received".into(),
        detail_ciphertext: None,
        resolution: None,
        received_at: now,
        deadline_at: deadline(&state, kind, now),
        updated_at: now,
    };
    state.store.insert_request(&record).await?;
    state
        .store
        .move_request(&record.id, "received", "verified", None, now)
        .await?;
    if !state
        .store
        .cancel_account(&session.user, &random::<32>(), now)
        .await?
    {
        return Err(ApiError::Unauthenticated);
    }
    let erase_by = now + i64::from(state.config.cancelled_retention_days) * 86_400_000;
    state
        .store
        .move_request(
            &record.id,
            "verified",
            "done",
            Some("account cancelled; sessions revoked"),
            now,
        )
        .await?;
    tracing::info!(user = %session.user, "account cancelled");
    let mut resp = Json(json!({ "status": "cancelled", "erase_by": erase_by })).into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("xuancai_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(resp)
}
