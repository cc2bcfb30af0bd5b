//! The answers more than one resource gives: a signed-in session (the token
//! in the body and in the session cookie) and an image. Route modules share
//! these through here, never by importing one another.

use axum::Json;
use axum::body::Body;
use axum::http::HeaderValue;
use axum::http::header::{self, SET_COOKIE};
use axum::response::{IntoResponse, Response};
use xuancai_app::accounts::open_session;
use xuancai_app::{App, AppError};
use xuancai_domain::UserId;
use xuancai_store::Store;

use crate::error::ApiError;
use crate::extract::SESSION_COOKIE;

/// A session, as signing in answers it.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Signed {
    pub user_id: String,
    /// The bearer token (also set as the HttpOnly session cookie).
    pub token: String,
    /// The sign-in created the account.
    pub new_account: bool,
}

/// Open a session for `user` and answer with its token, in the body (API
/// clients) and in an HttpOnly cookie (the web app; `Secure` when the
/// server is configured for TLS).
pub async fn session<S: Store>(state: &App<S>, user: &UserId, created: bool) -> Result<Response, ApiError> {
    let s = open_session(state, user).await?;
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        s.token,
        s.ttl_secs,
        if state.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    let mut resp = Json(Signed {
        user_id: user.to_string(),
        token: s.token,
        new_account: created,
    })
    .into_response();
    resp.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    Ok(resp)
}

/// Image bytes with their type, the given cache policy, and `nosniff`.
pub fn image(data: Vec<u8>, mime: &str, cache: &'static str) -> Result<Response, ApiError> {
    let mut resp = Body::from(data).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(resp)
}
