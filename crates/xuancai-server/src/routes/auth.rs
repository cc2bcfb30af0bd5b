//! Sign-in (ACC-1..4): by one-time SMS code (`POST /api/v1/auth/code`, then
//! `POST /api/v1/auth/login`), by password (`POST /api/v1/auth/password`),
//! sessions (cookie or bearer token, CSRF header on cookie writes) and
//! `POST /api/v1/auth/logout`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xuancai_domain::privacy::Category;
use xuancai_domain::{OneTimeCode, PhoneNumber};
use xuancai_store::Store;

use crate::error::ApiError;
use crate::extract::AppJson;
use crate::extract::Session;
use crate::respond;
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::accounts::{CodeFor, send_code};

#[derive(Deserialize, schemars::JsonSchema)]
pub(crate) struct CodeRequest {
    #[schemars(schema_with = "super::schema::phone")]
    phone: String,
    /// CON-1: the versions of the User Agreement and the Privacy Policy in
    /// force that the first-use dialog showed. The number goes to the SMS
    /// gateway only after they are agreed to.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::agreements")]
    agree: std::collections::BTreeMap<String, String>,
    /// §11: the separate tick for the phone number (sensitive personal
    /// information), `["phone"]`, asked on the sign-in screen next to the
    /// necessity and impact statement.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::ticks")]
    sensitive: Vec<String>,
}

/// What `POST /auth/code` answers: the same whether or not the number has
/// an account (ACC-1).
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct CodeSent {
    /// `sent`.
    status: &'static str,
    /// Seconds the code stays valid.
    expires_in: i64,
}

/// The same answer whether or not the number has an account (ACC-1). CON-1:
/// without the agreement nothing is sent and nothing is stored — the number
/// does not reach the SMS gateway, no send is counted.
pub(crate) async fn request_code<S: Store>(
    State(state): State<Arc<App<S>>>,
    crate::extract::ClientIp(peer): crate::extract::ClientIp,
    AppJson(req): AppJson<CodeRequest>,
) -> Result<Response, ApiError> {
    let phone = PhoneNumber::parse(&req.phone)?;
    let agreements = xuancai_app::privacy::agreements::parse_agreements(&state, &req.agree).await?;
    let missing = xuancai_app::privacy::agreements::missing_for_sign_up(&agreements);
    if !missing.is_empty() {
        return Err(AppError::AgreementRequired { documents: missing }.into());
    }
    // §11: the number is sensitive; it reaches the gateway only with its tick.
    let ticks = xuancai_app::privacy::agreements::parse_ticks(&req.sensitive)?;
    xuancai_app::privacy::agreements::require_tick(&ticks, Category::Phone)?;
    send_code(&state, &phone, &peer.to_string(), CodeFor::SIGN_IN).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(CodeSent {
            status: "sent",
            expires_in: state.config.code_ttl_secs,
        }),
    )
        .into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
pub(crate) struct LoginRequest {
    #[schemars(schema_with = "super::schema::phone")]
    phone: String,
    #[schemars(schema_with = "super::schema::code")]
    code: String,
    /// CON-1: the versions of the documents agreed to in the first-use
    /// dialog, e.g. `{"user_agreement": "2026.11", "privacy_policy": "2026.11"}`.
    /// Required to create an account.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::agreements")]
    agree: std::collections::BTreeMap<String, String>,
    /// MIN-1: the optional birth date asked at sign-up.
    #[schemars(schema_with = "super::schema::optional_date")]
    birth_date: Option<String>,
    /// §11: the separate tick for the phone number; required to create an
    /// account, recorded in the consent ledger (`sensitive:phone`).
    #[serde(default)]
    #[schemars(schema_with = "super::schema::ticks")]
    sensitive: Vec<String>,
}

pub(crate) async fn login<S: Store>(
    State(state): State<Arc<App<S>>>,
    AppJson(req): AppJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let phone = PhoneNumber::parse(&req.phone)?;
    let code = OneTimeCode::parse(&req.code)?;
    let agreements = xuancai_app::privacy::agreements::parse_agreements(&state, &req.agree).await?;
    let ticks = xuancai_app::privacy::agreements::parse_ticks(&req.sensitive)?;
    let birth = req
        .birth_date
        .as_deref()
        .map(|b| xuancai_domain::BirthDate::parse(b, state.today()))
        .transpose()?;
    let signed = xuancai_app::sign_in::with_code(
        &state,
        xuancai_app::sign_in::CodeSignIn {
            phone: &phone,
            code: &code,
            agreements: &agreements,
            ticks: &ticks,
            birth,
        },
    )
    .await?;
    respond::session(&state, &signed.user, signed.created).await
}

#[derive(Deserialize, schemars::JsonSchema)]
pub(crate) struct PasswordLogin {
    #[schemars(schema_with = "super::schema::phone")]
    phone: String,
    password: String,
}

/// ACC-3: sign in with a password. Unknown numbers, accounts without a
/// password and wrong passwords get the same answer after the same work;
/// failures are limited per number, per address and service-wide, and
/// the hashing is bounded (`503 busy` when its queue is full).
pub(crate) async fn password_login<S: Store>(
    State(state): State<Arc<App<S>>>,
    crate::extract::ClientIp(peer): crate::extract::ClientIp,
    AppJson(req): AppJson<PasswordLogin>,
) -> Result<Response, ApiError> {
    let phone = PhoneNumber::parse(&req.phone)?;
    let user =
        xuancai_app::password_login::password_login(&state, &phone, req.password, &peer.to_string()).await?;
    respond::session(&state, &user, false).await
}

pub async fn logout<S: Store>(
    State(state): State<Arc<App<S>>>,
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
