//! Sign-in (ACC-1..4): by one-time SMS code (`POST /api/v1/auth/code`, then
//! `POST /api/v1/auth/login`), by password (`POST /api/v1/auth/password`),
//! sessions (cookie or bearer token, CSRF header on cookie writes) and
//! `POST /api/v1/auth/logout`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use xuancai_domain::privacy::{Category, Purpose};
use xuancai_domain::{OneTimeCode, Password, PhoneNumber, UserId};
use xuancai_store::{CodeCheck, FieldValue, ProfileField, SendKey, Store, StoreError, UserRecord};

use super::AppState;
use crate::crypto::{random, sha256};
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "xuancai_session";
pub const CSRF_HEADER: &str = "x-xuancai-csrf";

#[derive(Deserialize)]
pub(crate) struct CodeRequest {
    phone: String,
}

/// The same answer whether or not the number has an account (ACC-1).
pub(crate) async fn request_code<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<CodeRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    let phone = PhoneNumber::parse(&req.phone)?;
    send_code(&state, &phone, &peer.ip().to_string()).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "status": "sent", "expires_in": state.config.code_ttl_secs })),
    )
        .into_response())
}

/// Send a one-time code to `phone`, within the per-number and per-IP limits
/// (ACC-1). Also the fresh identity check of rights requests (ACC-7) and the
/// guardian's verification (MIN-4).
pub(crate) async fn send_code<S: Store>(
    state: &AppState<S>,
    phone: &PhoneNumber,
    ip: &str,
) -> Result<(), ApiError> {
    let hmac = state.keys.lookup_hash(phone.as_e164());
    let now = state.now();
    let cfg = &state.config;
    let minute = state
        .store
        .count_sends(&SendKey::Phone(hmac.clone()), now - 60_000)
        .await?;
    let day = state
        .store
        .count_sends(&SendKey::Phone(hmac.clone()), now - 86_400_000)
        .await?;
    let ip_day = state
        .store
        .count_sends(&SendKey::Ip(ip.to_string()), now - 86_400_000)
        .await?;
    if minute >= cfg.sends_per_phone_minute
        || day >= cfg.sends_per_phone_day
        || ip_day >= cfg.sends_per_ip_day
    {
        return Err(ApiError::RateLimited);
    }
    let code = OneTimeCode::generate();
    state
        .store
        .put_code(&hmac, &code_hash(&hmac, &code), now + cfg.code_ttl_secs * 1000)
        .await?;
    state.store.record_send(&hmac, ip, now).await?;
    state
        .sms
        .send(phone, &code)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    tracing::info!(to = %phone.masked(), "one-time code sent");
    // DATA-6: the number went to a third party; log it against the account.
    if let Some(recipient) = state.sms.processor()
        && let Some(user) = state.store.user_by_phone(&hmac).await?
    {
        crate::privacy::disclose(state, user.id, recipient, Purpose::Account, &[Category::Phone]).await?;
    }
    Ok(())
}

/// Check a code for a number (single use, limited tries — ACC-1).
pub(crate) async fn check_code<S: Store>(
    state: &AppState<S>,
    phone_hmac: &[u8],
    code: &str,
) -> Result<(), ApiError> {
    let code = OneTimeCode::parse(code)?;
    let outcome = state
        .store
        .check_code(
            phone_hmac,
            &code_hash(phone_hmac, &code),
            state.now(),
            state.config.code_max_attempts,
        )
        .await?;
    match outcome {
        CodeCheck::Accepted => Ok(()),
        CodeCheck::Rejected { remaining } => Err(ApiError::CodeRejected {
            code: "code_invalid",
            message: format!("wrong code; {remaining} tries left"),
        }),
        CodeCheck::Missing => Err(ApiError::CodeRejected {
            code: "code_invalid",
            message: "no valid code for this number; request a new one".into(),
        }),
        CodeCheck::Expired => Err(ApiError::CodeRejected {
            code: "code_expired",
            message: "the code expired; request a new one".into(),
        }),
        CodeCheck::Exhausted => Err(ApiError::CodeRejected {
            code: "code_attempts_exhausted",
            message: "too many wrong tries; request a new code".into(),
        }),
    }
}

fn code_hash(phone_hmac: &[u8], code: &OneTimeCode) -> Vec<u8> {
    let mut v = phone_hmac.to_vec();
    v.extend(code.expose().as_bytes());
    sha256(&v)
}

#[derive(Deserialize)]
pub(crate) struct LoginRequest {
    phone: String,
    code: String,
    /// CON-1: the versions of the documents agreed to in the first-use
    /// dialog, e.g. `{"user_agreement": "2026.11", "privacy_policy": "2026.11"}`.
    /// Required to create an account.
    #[serde(default)]
    agree: std::collections::BTreeMap<String, String>,
    /// MIN-1: the optional birth date asked at sign-up.
    birth_date: Option<String>,
}

pub(crate) async fn login<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    let phone = PhoneNumber::parse(&req.phone)?;
    let code = OneTimeCode::parse(&req.code)?;
    let agreements = super::consents::parse_agreements(&state, &req.agree).await?;
    let birth = req
        .birth_date
        .as_deref()
        .map(|b| xuancai_domain::BirthDate::parse(b, state.today()))
        .transpose()?;
    let hmac = state.keys.lookup_hash(phone.as_e164());
    let now = state.now();
    check_code(&state, &hmac, code.expose()).await?;
    let existing = state.store.user_by_phone(&hmac).await?;
    if existing.is_none()
        && let Some(s) = state.shutdown
    {
        return Err(ApiError::Conflict {
            code: "service_closing",
            message: format!(
                "the service closes on {}; new accounts are not accepted (RET-3)",
                xuancai_domain::Date::from_unix_ms(s.at, state.config.utc_offset_minutes)
            ),
        });
    }
    if existing.is_none() {
        // CON-1: nothing is stored before the User Agreement and the Privacy
        // Policy in force are agreed to.
        let missing = super::consents::missing_for_sign_up(&agreements);
        if !missing.is_empty() {
            return Err(ApiError::AgreementRequired { documents: missing });
        }
    }
    let (user, created) = match existing {
        Some(u) => (u.id, false),
        None => find_or_create(&state, &phone, &hmac, now).await?,
    };
    super::consents::record_agreements(&state, &user, &agreements, "login").await?;
    if created && let Some(b) = birth {
        let key = state.data_key(&user).await?;
        state
            .store
            .set_profile_field(
                &user,
                ProfileField::BirthDate,
                Some(FieldValue::Bytes(key.encrypt(b.date().to_string().as_bytes()))),
            )
            .await?;
    }
    start_session(&state, &user, created).await
}

/// ACC-4: a new session (and token) at every sign-in; the token goes back
/// in the body (for API and CLI clients) and in an HttpOnly cookie.
pub(crate) async fn start_session<S: Store>(
    state: &AppState<S>,
    user: &UserId,
    created: bool,
) -> Result<Response, ApiError> {
    let now = state.now();
    let token: String = random::<32>().iter().map(|b| format!("{b:02x}")).collect();
    let ttl = state.config.session_ttl_secs;
    state
        .store
        .create_session(&sha256(token.as_bytes()), user, now, now + ttl * 1000)
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ttl}{}",
        if state.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    let mut resp =
        Json(json!({ "user_id": user.to_string(), "token": token, "new_account": created })).into_response();
    resp.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(resp)
}

#[derive(Deserialize)]
pub(crate) struct PasswordLogin {
    phone: String,
    password: String,
}

const PASSWORD_FAILED: &str = "password_failed";

/// ACC-3: sign in with a password. Unknown numbers, accounts without a
/// password and wrong passwords get the same answer after the same work;
/// failures per number are limited per hour.
pub(crate) async fn password_login<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    body: Result<Json<PasswordLogin>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) = body?;
    let phone = PhoneNumber::parse(&req.phone)?;
    let hmac = state.keys.lookup_hash(phone.as_e164());
    let now = state.now();
    let failures = state
        .store
        .count_events(PASSWORD_FAILED, &hmac, now - 3_600_000)
        .await?;
    if failures >= state.config.password_failures_per_hour {
        return Err(ApiError::RateLimited);
    }
    let params = super::me::hash_params(&state.config);
    let user = state.store.user_by_phone(&hmac).await?;
    let stored = match &user {
        Some(u) => state.store.profile(&u.id).await?.and_then(|p| p.password_hash),
        None => None,
    };
    let password = req.password;
    // Verify, and when the stored hash uses old parameters, make a new one
    // while the password is at hand (ACC-3: re-hashed when parameters change).
    let (verdict, new_hash) = tokio::task::spawn_blocking(move || match &stored {
        Some(phc) => {
            let v = crate::passwords::verify(&password, phc, params);
            let new_hash = (v == crate::passwords::Verdict::RightNeedsRehash)
                .then(|| Password::parse(&password).ok())
                .flatten()
                .and_then(|p| crate::passwords::hash(&p, params).ok());
            (v, new_hash)
        }
        None => {
            crate::passwords::waste_time(params);
            (crate::passwords::Verdict::Wrong, None)
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let user = match (user, verdict) {
        (Some(u), crate::passwords::Verdict::Right | crate::passwords::Verdict::RightNeedsRehash) => u,
        _ => {
            state.store.record_event(PASSWORD_FAILED, &hmac, now).await?;
            return Err(ApiError::CodeRejected {
                code: "invalid_credentials",
                message: "wrong phone number or password".into(),
            });
        }
    };
    if let Some(phc) = new_hash {
        state
            .store
            .set_profile_field(&user.id, ProfileField::PasswordHash, Some(FieldValue::Text(phc)))
            .await?;
        tracing::info!(user = %user.id, "password re-hashed with current parameters");
    }
    start_session(&state, &user.id, false).await
}

async fn find_or_create<S: Store>(
    state: &AppState<S>,
    phone: &PhoneNumber,
    hmac: &[u8],
    now: i64,
) -> Result<(UserId, bool), ApiError> {
    if let Some(u) = state.store.user_by_phone(hmac).await? {
        return Ok((u.id, false));
    }
    let (data_key, wrapped) = state.keys.new_data_key();
    let record = UserRecord {
        id: UserId::generate(),
        phone_hmac: hmac.to_vec(),
        phone_ciphertext: data_key.encrypt(phone.as_e164().as_bytes()),
        wrapped_data_key: wrapped,
        created_at: now,
    };
    match state.store.insert_user(&record).await {
        Ok(()) => Ok((record.id, true)),
        // Two logins raced to create the account: use the winner's.
        Err(StoreError::Conflict) => match state.store.user_by_phone(hmac).await? {
            Some(u) => Ok((u.id, false)),
            None => Err(ApiError::Internal("account vanished after a conflict".into())),
        },
        Err(e) => Err(e.into()),
    }
}

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
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(&format!("{SESSION_COOKIE}="))
                .map(str::to_string)
        })
        .map(|t| (t, true))
}

impl<S: Store> FromRequestParts<Arc<AppState<S>>> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState<S>>) -> Result<Self, ApiError> {
        let (token, by_cookie) = token_from(&parts.headers).ok_or(ApiError::Unauthenticated)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if by_cookie && !safe && !parts.headers.contains_key(CSRF_HEADER) {
            return Err(ApiError::CsrfRequired);
        }
        let token_hash = sha256(token.as_bytes());
        let user = state
            .store
            .session_user(&token_hash, state.clock.now())
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        Ok(Self { user, token_hash })
    }
}

pub async fn logout<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Session,
) -> Result<Response, ApiError> {
    state.store.delete_session(&session.token_hash).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_static("xuancai_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(resp)
}
