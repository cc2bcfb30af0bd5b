//! The signed-in user's account and profile (ACC-2, ACC-3, ACC-5): read it,
//! correct nickname and birth date, upload an avatar, set or change a
//! password. Personal values are encrypted with the user's data key (SEC-4);
//! the phone number is shown masked.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use xuancai_domain::{BirthDate, Date, Nickname, Password, PhoneNumber, UserId};
use xuancai_imaging::decode::{DecodeLimits, decode_to_fit};
use xuancai_imaging::resize::cover;
use xuancai_imaging::thumbnail::encode_webp;
use xuancai_store::{FieldValue, ProfileField, Store};

use crate::error::ApiError;
use crate::extract::{Active, AppJson, AppMultipart, Session};
use crate::respond;
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::crypto::random;
use xuancai_app::passwords::{self, Verdict};
use xuancai_app::profile::{decrypt_text, hash_params};
use xuancai_store::SealedColumn;

const AVATAR_SIDE: u32 = 256;

pub async fn me<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
) -> Result<Json<Profile>, ApiError> {
    profile_json(&state, &session.user).await
}

/// The signed-in account and its profile.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Profile {
    user_id: String,
    /// Masked: `+86 138****8000`.
    phone: String,
    nickname: Option<String>,
    birth_date: Option<String>,
    avatar: Option<String>,
    has_password: bool,
    coins: i64,
    created_at: i64,
}

/// The profile as the API shows it.
async fn profile_json<S: Store>(state: &App<S>, user: &UserId) -> Result<Json<Profile>, ApiError> {
    let record = state
        .store
        .user_by_id(user)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let profile = state
        .store
        .profile(user)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let key = state.data_key(user).await?;
    let phone = key
        .open_text(SealedColumn::UserPhone, user.as_bytes(), &record.phone_ciphertext)
        .and_then(|s| PhoneNumber::parse(&s).ok())
        .ok_or_else(|| AppError::Internal("stored phone number does not decrypt".into()))?;
    Ok(Json(Profile {
        user_id: record.id.to_string(),
        phone: phone.masked(),
        nickname: decrypt_text(
            &key,
            SealedColumn::UserNickname,
            profile.nickname_ciphertext.as_ref(),
        ),
        birth_date: decrypt_text(
            &key,
            SealedColumn::UserBirthDate,
            profile.birth_date_ciphertext.as_ref(),
        ),
        avatar: profile
            .avatar_version
            .as_ref()
            .map(|v| format!("/api/v1/me/avatar?v={v}")),
        has_password: profile.password_hash.is_some(),
        coins: xuancai_app::coins::balance(state, &record.id).await?,
        created_at: record.created_at,
    }))
}

/// `PATCH /api/v1/me`: a field absent is unchanged; `null` clears it.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    #[serde(default, deserialize_with = "present")]
    #[schemars(schema_with = "super::schema::nickname_or_null")]
    nickname: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    #[schemars(schema_with = "super::schema::optional_date")]
    birth_date: Option<Value>,
}

/// A key that is present (even as `null`) is `Some`; an absent key stays `None`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    <Value as serde::Deserialize>::deserialize(d).map(Some)
}

fn text_or_null(v: &Value, field: &'static str) -> Result<Option<String>, ApiError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(AppError::BadRequest {
            code: "invalid_json",
            message: format!("{field} is a string or null"),
        }
        .into()),
    }
}

pub async fn update<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppJson(patch): AppJson<ProfilePatch>,
) -> Result<Json<Profile>, ApiError> {
    let key = state.data_key(&session.user).await?;
    // Parse everything before writing anything.
    let nickname = patch
        .nickname
        .as_ref()
        .map(|v| {
            text_or_null(v, "nickname")?
                .map(|s| Nickname::parse(&s))
                .transpose()
                .map_err(ApiError::from)
        })
        .transpose()?;
    let today = Date::from_unix_ms(state.now(), state.config.utc_offset_minutes);
    let birth = patch
        .birth_date
        .as_ref()
        .map(|v| {
            text_or_null(v, "birth_date")?
                .map(|s| BirthDate::parse(&s, today))
                .transpose()
                .map_err(ApiError::from)
        })
        .transpose()?;
    if let Some(n) = nickname {
        let value = n.map(|n| {
            FieldValue::Bytes(key.seal(
                SealedColumn::UserNickname,
                session.user.as_bytes(),
                n.as_str().as_bytes(),
            ))
        });
        state
            .store
            .set_profile_field(&session.user, ProfileField::Nickname, value)
            .await?;
    }
    if let Some(b) = birth {
        // MIN-2, MIN-3: a declared minor cannot lower its own protection.
        xuancai_app::privacy::minors::set_own_birth_date(&state, &session.user, b).await?;
    }
    profile_json(&state, &session.user).await
}

pub async fn avatar<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
) -> Result<Response, ApiError> {
    let profile = state
        .store
        .profile(&session.user)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let version = profile.avatar_version.ok_or(AppError::NotFound)?;
    let key = state.data_key(&session.user).await?;
    let data = state
        .blobs
        .get(&xuancai_app::keys::avatar(&session.user, &version), &key)
        .await?;
    let mut resp = Body::from(data).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/webp"));
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    Ok(resp)
}

pub async fn set_avatar<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    form: AppMultipart,
) -> Result<Json<Profile>, ApiError> {
    let limit = state.config.max_upload_bytes;
    let (bytes, _) = form.file(limit).await?;
    // An avatar is shown at 256×256: a lower pixel limit, and its decode
    // counts against the shared decoding budget (issue 19 item 6).
    let limits = DecodeLimits {
        max_bytes: limit,
        max_pixels: state
            .config
            .security
            .avatar_max_pixels
            .min(state.config.max_upload_pixels),
        ..DecodeLimits::default()
    };
    let _permit = xuancai_app::photos::reserve_decode(&state, &bytes, &limits).await?;
    let webp = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ApiError> {
        let img = decode_to_fit(&bytes, &limits, AVATAR_SIDE * 2)?.image;
        let square = cover(&img, AVATAR_SIDE, AVATAR_SIDE)?;
        Ok(encode_webp(&square, 85.0)?)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    let key = state.data_key(&session.user).await?;
    let old = state
        .store
        .profile(&session.user)
        .await?
        .and_then(|p| p.avatar_version);
    let version: String = random::<8>().iter().map(|b| format!("{b:02x}")).collect();
    let blob = xuancai_app::keys::avatar(&session.user, &version);
    // Write the blob, then point the profile at it, then drop the old one.
    // The clean-up queue names the blob's own key (an avatar is one file).
    let prefix = blob.clone();
    state
        .store
        .schedule_gc(&prefix, state.now() + state.config.upload_grace_secs * 1000)
        .await?;
    state.blobs.put(&blob, &webp, &key).await?;
    state
        .store
        .set_profile_field(
            &session.user,
            ProfileField::Avatar,
            Some(FieldValue::Text(version)),
        )
        .await?;
    state.store.done_gc(&prefix).await?;
    if let Some(old) = old {
        state
            .store
            .schedule_gc(&xuancai_app::keys::avatar(&session.user, &old), state.now())
            .await?;
    }
    profile_json(&state, &session.user).await
}

pub async fn delete_avatar<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
) -> Result<StatusCode, ApiError> {
    let old = state
        .store
        .profile(&session.user)
        .await?
        .and_then(|p| p.avatar_version);
    let Some(old) = old else {
        return Err(AppError::NotFound.into());
    };
    state
        .store
        .set_profile_field(&session.user, ProfileField::Avatar, None)
        .await?;
    state
        .store
        .schedule_gc(&xuancai_app::keys::avatar(&session.user, &old), state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    #[schemars(length(max = 128))]
    current_password: Option<String>,
    #[schemars(length(min = 8, max = 128))]
    new_password: Option<String>,
}

/// Check the current password when one is set (changing or removing it
/// needs it); Argon2 runs on the blocking pool.
async fn check_current<S: Store>(
    state: &App<S>,
    user: &UserId,
    given: Option<String>,
) -> Result<(), ApiError> {
    let profile = state
        .store
        .profile(user)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let Some(stored) = profile.password_hash else {
        return Ok(());
    };
    let wrong = || AppError::CodeRejected {
        code: "invalid_credentials",
        message: "the current password is wrong".into(),
    };
    let given = given.ok_or_else(wrong)?;
    let params = hash_params(&state.config);
    let verdict = state
        .passwords
        .run(move |memory| passwords::verify(&given, &stored, params, memory))
        .await
        .map_err(|_| AppError::Busy)?;
    if verdict == Verdict::Wrong {
        Err(wrong().into())
    } else {
        Ok(())
    }
}

/// `PUT /api/v1/me/password`: set one, or change it (needs the current one).
/// Every session is revoked and a fresh one returned.
pub async fn set_password<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppJson(b): AppJson<PasswordBody>,
) -> Result<Response, ApiError> {
    let new = Password::parse(b.new_password.as_deref().unwrap_or_default())?;
    check_current(&state, &session.user, b.current_password).await?;
    let params = hash_params(&state.config);
    let phc = state
        .passwords
        .run(move |_| passwords::hash(&new, params))
        .await
        .map_err(|_| AppError::Busy)?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    state
        .store
        .set_profile_field(
            &session.user,
            ProfileField::PasswordHash,
            Some(FieldValue::Text(phc)),
        )
        .await?;
    state.store.delete_user_sessions(&session.user).await?;
    tracing::info!(user = %session.user, "password set; sessions revoked");
    respond::session(&state, &session.user, false).await
}

pub async fn delete_password<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
    AppJson(b): AppJson<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    let profile = state
        .store
        .profile(&session.user)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if profile.password_hash.is_none() {
        return Err(AppError::NotFound.into());
    }
    check_current(&state, &session.user, b.current_password).await?;
    state
        .store
        .set_profile_field(&session.user, ProfileField::PasswordHash, None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
