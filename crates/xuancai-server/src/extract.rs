//! The extractors every handler takes its caller from, and the request
//! body and query extractors whose rejections are the typed error:
//!
//! - [`Session`] — a signed-in caller (bearer token or cookie; cookie
//!   writes need the CSRF header, ACC-4). The privacy center takes it, so
//!   rights can always be exercised.
//! - [`Active`] — a session that passes the application's gate
//!   (`xuancai_app::privacy::active`: agreements in force, no guardian
//!   pending, not cancelled). Every handler that processes personal
//!   information takes it.
//! - [`Operator`] — an operator (SEC-6); anyone else gets 404.
//! - [`GuardianPage`] — a guardian on the guardian's page (MIN-2, MIN-5).
//! - [`ClientIp`] — the caller's address: the peer, or behind a trusted
//!   proxy the forwarded client (issue 19 item 10). Every per-IP limit uses it.
//! - [`AppJson`], [`AppQuery`], [`AppMultipart`] — a body (a JSON object),
//!   a query string and a multipart form whose rejections are the typed
//!   error.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Query, Request};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use serde::de::DeserializeOwned;
use xuancai_app::crypto::sha256;
use xuancai_app::{App, AppError};
use xuancai_domain::UserId;
use xuancai_domain::privacy::AgeGroup;
use xuancai_store::Store;

use crate::error::ApiError;

/// The client's address: the peer unless the peer is a configured trusted
/// proxy, then the client it forwarded for (`xuancai_app::net::client_ip`).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub std::net::IpAddr);

impl<S: Store> FromRequestParts<Arc<App<S>>> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<App<S>>) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or_else(|| AppError::Internal("no peer address on the request".into()))?;
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        Ok(Self(xuancai_app::net::client_ip(
            peer,
            header("x-forwarded-for"),
            header("forwarded"),
            &state.config.security.trusted_proxies,
        )))
    }
}

pub const SESSION_COOKIE: &str = "xuancai_session";
pub const CSRF_HEADER: &str = "x-xuancai-csrf";
/// The guardian's page token for the web app: HttpOnly, sent only to the
/// guardian's routes, never a session (MIN-5).
pub const GUARDIAN_COOKIE: &str = "xuancai_guardian";

/// The signed-in user, from `Authorization: Bearer …` or the session cookie.
/// Cookie-authenticated writes must carry the CSRF header (ACC-4).
#[derive(Debug, Clone)]
pub struct Session {
    pub user: UserId,
    pub token_hash: Vec<u8>,
}

fn token_from(headers: &HeaderMap) -> Option<(String, bool)> {
    if let Some(v) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return v.strip_prefix("Bearer ").map(|t| (t.trim().to_string(), false));
    }
    cookie(headers, SESSION_COOKIE).map(|t| (t, true))
}

impl<S: Store> FromRequestParts<Arc<App<S>>> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<App<S>>) -> Result<Self, ApiError> {
        let (token, by_cookie) = token_from(&parts.headers).ok_or(AppError::Unauthenticated)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if by_cookie && !safe && !parts.headers.contains_key(CSRF_HEADER) {
            return Err(ApiError::CsrfRequired);
        }
        let token_hash = sha256(token.as_bytes());
        let user = state
            .store
            .session_user(&token_hash, state.clock.now())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok(Self { user, token_hash })
    }
}

/// The value of the cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(name)?.strip_prefix('=').map(str::to_string))
}

/// A signed-in account that may be processed for (see the module docs).
#[derive(Debug, Clone)]
pub struct Active {
    pub user: UserId,
    pub token_hash: Vec<u8>,
    pub age: AgeGroup,
}

impl<S: Store> FromRequestParts<Arc<App<S>>> for Active {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<App<S>>) -> Result<Self, ApiError> {
        let session = Session::from_request_parts(parts, state).await?;
        let active = xuancai_app::privacy::active(state, session.user).await?;
        Ok(Self {
            user: active.user,
            token_hash: session.token_hash,
            age: active.age,
        })
    }
}

/// An operator (SEC-6). Everyone else is told the route does not exist.
#[derive(Debug, Clone)]
pub struct Operator {
    pub user: UserId,
}

impl<S: Store> FromRequestParts<Arc<App<S>>> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<App<S>>) -> Result<Self, ApiError> {
        let session = Session::from_request_parts(parts, state).await?;
        let user = xuancai_app::privacy::operator(state, session.user).await?;
        Ok(Self { user })
    }
}

/// A guardian whose page is open (MIN-2, MIN-5): `Authorization: Bearer g1.…`,
/// the sealed token `POST /api/v1/guardian/session` gave. It is not a
/// session: it opens no account, only the guardian's page. Never a cookie,
/// so there is nothing to forge across sites.
#[derive(Debug, Clone)]
pub struct GuardianPage(pub xuancai_app::privacy::minors::Guardian);

impl<S: Store> FromRequestParts<Arc<App<S>>> for GuardianPage {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<App<S>>) -> Result<Self, ApiError> {
        // The bearer token (API clients) or the page's own HttpOnly cookie
        // (the web app); cookie-carried writes need the CSRF header.
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let token = match bearer {
            Some(t) => t,
            None => {
                let t = cookie(&parts.headers, GUARDIAN_COOKIE).ok_or(AppError::Unauthenticated)?;
                let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
                if !safe && !parts.headers.contains_key(CSRF_HEADER) {
                    return Err(ApiError::CsrfRequired);
                }
                t
            }
        };
        Ok(Self(xuancai_app::privacy::minors::guardian(state, &token)?))
    }
}

/// A JSON request body that must be an object (an array or a scalar is
/// refused, so `["x", "2001-01-01"]` never fills a struct's fields by
/// position) and must parse into `T`. Every rejection is the typed error
/// (`invalid_json`, `payload_too_large`), never axum's plain-text answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<serde_json::Value>::from_request(req, state).await?;
        if !value.is_object() {
            return Err(AppError::bad_request("invalid_json", "the body must be a JSON object").into());
        }
        serde_json::from_value(value)
            .map(AppJson)
            .map_err(|e| AppError::bad_request("invalid_json", format!("the body does not fit: {e}")).into())
    }
}

/// A query string that must parse into `T`; the rejection is the typed
/// error (`invalid_query`).
#[derive(Debug, Clone, Copy, Default)]
pub struct AppQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for AppQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(q) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(Self(q))
    }
}

/// A `multipart/form-data` body; a request that is not one (no boundary, the
/// wrong content type) gets the typed error (`invalid_multipart`), never
/// axum's plain-text answer.
#[derive(Debug)]
pub struct AppMultipart(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for AppMultipart {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Ok(Self(Multipart::from_request(req, state).await?))
    }
}

impl AppMultipart {
    /// Read the field `file` into memory, refusing as soon as it passes
    /// `limit` bytes (`payload_too_large`); `missing_file` without one,
    /// `invalid_multipart` with any other field.
    pub async fn file(self, limit: u64) -> Result<(Vec<u8>, Option<String>), ApiError> {
        let Self(mut form) = self;
        let too_large = || ApiError::from(AppError::PayloadTooLarge { limit });
        let map = |e: axum::extract::multipart::MultipartError| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::from(e)
            }
        };
        let mut file = None;
        let mut other = false;
        while let Some(mut field) = form.next_field().await.map_err(map)? {
            if field.name() != Some("file") || file.is_some() {
                // As a JSON body's unknown fields are refused, so is any
                // part but the one file the operation documents.
                other = true;
                continue;
            }
            let name = field.file_name().map(|n| n.chars().take(255).collect::<String>());
            let mut data = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(map)? {
                if (data.len() + chunk.len()) as u64 > limit {
                    return Err(too_large());
                }
                data.extend_from_slice(&chunk);
            }
            file = Some((data, name));
        }
        match file {
            None => Err(AppError::BadRequest {
                code: "missing_file",
                message: "send the image as the multipart field `file`".into(),
            }
            .into()),
            Some(_) if other => {
                Err(AppError::bad_request("invalid_multipart", "send only the field `file`").into())
            }
            Some(file) => Ok(file),
        }
    }
}

/// Whoever is asking: a signed-in user, or nobody (public reads).
#[derive(Debug, Clone, Copy)]
pub struct Viewer(pub Option<UserId>);

impl<S: Store> FromRequestParts<Arc<App<S>>> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<App<S>>) -> Result<Self, ApiError> {
        Ok(Self(
            Session::from_request_parts(parts, state)
                .await
                .ok()
                .map(|s| s.user),
        ))
    }
}

/// `?share=…`: the share token of a link-only work.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
pub struct ShareQuery {
    pub share: Option<String>,
}
