//! `GET /api/v1/me`: the signed-in user's account (ACC-2, ACC-5; the phone
//! number is decrypted with the user's own data key and shown masked).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use xuancai_domain::PhoneNumber;
use xuancai_store::AccountStore;

use super::AppState;
use super::auth::Session;
use crate::error::ApiError;

pub async fn me<S: AccountStore + 'static>(
    State(state): State<Arc<AppState<S>>>,
    session: Session,
) -> Result<Json<Value>, ApiError> {
    let user = state
        .store
        .user_by_id(&session.user)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let key = state
        .keys
        .unwrap_data_key(&user.wrapped_data_key)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let phone = key
        .decrypt(&user.phone_ciphertext)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| PhoneNumber::parse(&s).ok())
        .ok_or_else(|| ApiError::Internal("stored phone number does not decrypt".into()))?;
    Ok(Json(json!({
        "user_id": user.id.to_string(),
        "phone": phone.masked(),
        "created_at": user.created_at,
    })))
}
