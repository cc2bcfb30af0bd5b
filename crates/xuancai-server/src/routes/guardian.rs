//! Guardians (MIN-2, MIN-3, MIN-4): a child's or minor's account is locked
//! until a guardian verifies with a code sent to their own phone and agrees
//! to the children's documents; the decision is recorded in the ledger with
//! the channel `guardian_sms`.
//!
//! The guardian's page (MIN-2, MIN-5): the guardian signs in with a code of
//! its own purpose, sees the accounts they agreed for, withdraws consent
//! (the account is locked again) and files rights requests for the child.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use xuancai_domain::privacy::{DocumentKind, RequestKind};
use xuancai_domain::{PhoneNumber, UserId};
use xuancai_store::Store;

use crate::error::ApiError;
use crate::extract::{AppJson, GUARDIAN_COOKIE, GuardianPage, Session};
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::accounts::{CodeFor, check_code, send_code};
use xuancai_app::privacy::agreements::{parse_agreements, record_agreements};
use xuancai_app::privacy::export::build_export;
use xuancai_app::privacy::gate::age_group;
use xuancai_app::privacy::minors::{self, Ward};
use xuancai_app::privacy::requests::{hex, own_phone, parse_request_id, request_view};
use xuancai_store::SealedColumn;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianPhone {
    #[schemars(schema_with = "super::schema::phone")]
    phone: String,
}

async fn guardian_phone<S: Store>(
    state: &App<S>,
    session: &Session,
    raw: &str,
) -> Result<PhoneNumber, ApiError> {
    let phone = PhoneNumber::parse(raw)?;
    if phone == own_phone(state, &session.user).await? {
        return Err(AppError::Unprocessable {
            code: "guardian_phone_is_own",
            message: "the guardian verifies with their own phone, not the child's".into(),
        }
        .into());
    }
    if !age_group(state, &session.user).await?.needs_guardian() {
        return Err(AppError::Unprocessable {
            code: "guardian_not_needed",
            message: "a guardian is needed only for accounts under 18".into(),
        }
        .into());
    }
    Ok(phone)
}

/// A code sent; `to` is the number, masked.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Sent {
    /// `sent`.
    status: &'static str,
    to: String,
}

/// The guardian agreed (MIN-2).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Verified {
    /// `verified`.
    status: &'static str,
    /// The guardian's number, masked.
    guardian: String,
}

/// The same answer whether or not the number is a guardian's.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PageCode {
    /// `sent_if_guardian`.
    status: &'static str,
    expires_in: i64,
}

/// The guardian's page is open (the token is also its HttpOnly cookie).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PageOpened {
    token: String,
    expires_at: i64,
}

/// The accounts the guardian agreed for.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Wards {
    items: Vec<Ward>,
}

/// The guardian withdrew their agreement: the account is locked.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Withdrawn {
    /// `withdrawn`.
    status: &'static str,
}

/// `POST /api/v1/me/guardian/code`: send a code to the guardian's phone.
pub async fn send<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
    crate::extract::ClientIp(peer): crate::extract::ClientIp,
    AppJson(req): AppJson<GuardianPhone>,
) -> Result<Response, ApiError> {
    let phone = guardian_phone(&state, &session, &req.phone).await?;
    send_code(
        &state,
        &phone,
        &peer.to_string(),
        CodeFor::guardian(&session.user),
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Sent {
            status: "sent",
            to: phone.masked(),
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianConsent {
    #[schemars(schema_with = "super::schema::phone")]
    phone: String,
    #[schemars(schema_with = "super::schema::code")]
    code: String,
    /// The children's documents in force (and for a child, nothing else is needed).
    #[schemars(schema_with = "super::schema::agreements")]
    agree: BTreeMap<String, String>,
}

/// `POST /api/v1/me/guardian`: the guardian's code and agreement unlock the account.
pub async fn consent<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
    AppJson(req): AppJson<GuardianConsent>,
) -> Result<Response, ApiError> {
    let phone = guardian_phone(&state, &session, &req.phone).await?;
    let agreed = parse_agreements(&state, &req.agree).await?;
    let missing: Vec<&'static str> = [DocumentKind::ChildrenPolicy, DocumentKind::ChildrenRules]
        .into_iter()
        .filter(|k| !agreed.iter().any(|(a, _)| a == k))
        .map(DocumentKind::key)
        .collect();
    if !missing.is_empty() {
        return Err(AppError::AgreementRequired { documents: missing }.into());
    }
    check_code(
        &state,
        &state.keys.lookup_hash(phone.as_e164()),
        CodeFor::guardian(&session.user),
        &req.code,
    )
    .await?;
    record_agreements(&state, &session.user, &agreed, "guardian_sms").await?;
    let key = state.data_key(&session.user).await?;
    state
        .store
        .set_guardian(
            &session.user,
            &key.seal(
                SealedColumn::UserGuardianPhone,
                session.user.as_bytes(),
                phone.as_e164().as_bytes(),
            ),
            &state.keys.lookup_hash(phone.as_e164()),
            state.now(),
        )
        .await?;
    tracing::info!(user = %session.user, guardian = %phone.masked(), "guardian verified");
    Ok(Json(Verified {
        status: "verified",
        guardian: phone.masked(),
    })
    .into_response())
}

/// `POST /api/v1/guardian/code`: a code for the guardian's page. Every
/// well-formed number gets the same answer; only a guardian's gets an SMS.
pub async fn page_code<S: Store>(
    State(state): State<Arc<App<S>>>,
    crate::extract::ClientIp(peer): crate::extract::ClientIp,
    AppJson(req): AppJson<GuardianPhone>,
) -> Result<Response, ApiError> {
    let phone = PhoneNumber::parse(&req.phone)?;
    minors::send_page_code(&state, &phone, &peer.to_string()).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(PageCode {
            status: "sent_if_guardian",
            expires_in: state.config.code_ttl_secs,
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PageSignIn {
    #[schemars(schema_with = "super::schema::phone")]
    phone: String,
    #[schemars(schema_with = "super::schema::code")]
    code: String,
}

/// `POST /api/v1/guardian/session`: the code opens the guardian's page.
/// The token comes back in the body (API clients) and in an HttpOnly
/// cookie scoped to the guardian's routes (the web app).
pub async fn page_open<S: Store>(
    State(state): State<Arc<App<S>>>,
    AppJson(req): AppJson<PageSignIn>,
) -> Result<Response, ApiError> {
    let phone = PhoneNumber::parse(&req.phone)?;
    let page = minors::open_page(&state, &phone, &req.code).await?;
    // The page lives PAGE_TTL_MS from when it was opened; the cookie says
    // the same (computing it from `now()` again loses a second whenever the
    // clock ticks between the two reads).
    let max_age = minors::PAGE_TTL_MS / 1000;
    let cookie = page_cookie(&state, &page.token, max_age);
    let mut resp = Json(PageOpened {
        token: page.token.clone(),
        expires_at: page.expires_at,
    })
    .into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie?);
    Ok(resp)
}

fn page_cookie<S: Store>(state: &App<S>, token: &str, max_age: i64) -> Result<HeaderValue, ApiError> {
    let value = format!(
        "{GUARDIAN_COOKIE}={token}; Path=/api/v1/guardian; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if state.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    HeaderValue::from_str(&value).map_err(|e| AppError::Internal(e.to_string()).into())
}

/// `DELETE /api/v1/guardian/session`: leave the guardian's page (the
/// cookie is cleared; a token is valid for 30 minutes at most).
pub async fn page_close<S: Store>(State(state): State<Arc<App<S>>>) -> Result<Response, ApiError> {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert(header::SET_COOKIE, page_cookie(&state, "", 0)?);
    Ok(resp)
}

/// `GET /api/v1/guardian/wards`: the accounts the guardian agreed for.
pub async fn wards<S: Store>(
    State(state): State<Arc<App<S>>>,
    GuardianPage(guardian): GuardianPage,
) -> Result<Json<Wards>, ApiError> {
    let items = minors::wards(&state, &guardian).await?;
    Ok(Json(Wards { items }))
}

fn ward_id(s: &str) -> Result<UserId, ApiError> {
    UserId::parse(s).map_err(|_| ApiError::NOT_FOUND)
}

/// `POST /api/v1/guardian/wards/{id}/withdraw`: withdraw the guardian's consent.
pub async fn withdraw<S: Store>(
    State(state): State<Arc<App<S>>>,
    GuardianPage(guardian): GuardianPage,
    Path(id): Path<String>,
) -> Result<Json<Withdrawn>, ApiError> {
    minors::withdraw(&state, &guardian, &ward_id(&id)?).await?;
    Ok(Json(Withdrawn { status: "withdrawn" }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WardRequest {
    #[schemars(schema_with = "super::schema::request_kind")]
    kind: String,
    #[serde(default)]
    detail: String,
}

/// `POST /api/v1/guardian/wards/{id}/requests`: a rights request for the child.
pub async fn ward_request<S: Store>(
    State(state): State<Arc<App<S>>>,
    GuardianPage(guardian): GuardianPage,
    Path(id): Path<String>,
    AppJson(req): AppJson<WardRequest>,
) -> Result<Response, ApiError> {
    let child = ward_id(&id)?;
    let kind = RequestKind::parse(&req.kind)?;
    let record = minors::request_for(&state, &guardian, &child, kind, &req.detail).await?;
    if kind == RequestKind::Export {
        let state = state.clone();
        let id = record.id;
        tokio::spawn(async move { build_export(&state, &id).await });
    }
    let mut v = request_view(&record, None, state.now());
    if kind == RequestKind::Export {
        v.download = Some(format!(
            "/api/v1/guardian/wards/{child}/requests/{}/download",
            hex(&record.id)
        ));
    }
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// `GET /api/v1/guardian/wards/{id}/requests/{rid}/download`: the child's export.
pub async fn ward_download<S: Store>(
    State(state): State<Arc<App<S>>>,
    GuardianPage(guardian): GuardianPage,
    Path((id, rid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let child = ward_id(&id)?;
    let rid = parse_request_id(&rid).map_err(|_| AppError::NotFound)?;
    let zip = minors::ward_export(&state, &guardian, &child, &rid).await?;
    let mut resp = Body::from_stream(zip).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"xuancai-child-personal-data.zip\""),
    );
    Ok(resp)
}
