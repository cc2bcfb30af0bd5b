//! Guardians (MIN-2, MIN-3, MIN-4): a child's or minor's account is locked
//! until a guardian verifies with a code sent to their own phone and agrees
//! to the children's documents; the decision is recorded in the ledger with
//! the channel `guardian_sms`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use xuancai_domain::PhoneNumber;
use xuancai_domain::privacy::DocumentKind;
use xuancai_store::Store;

use crate::error::ApiError;
use crate::extract::AppJson;
use crate::extract::Session;
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::accounts::{CodeFor, check_code, send_code};
use xuancai_app::privacy::agreements::{parse_agreements, record_agreements};
use xuancai_app::privacy::gate::age_group;
use xuancai_app::privacy::requests::own_phone;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardianPhone {
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

/// `POST /api/v1/me/guardian/code`: send a code to the guardian's phone.
pub async fn send<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    AppJson(req): AppJson<GuardianPhone>,
) -> Result<Response, ApiError> {
    let phone = guardian_phone(&state, &session, &req.phone).await?;
    send_code(
        &state,
        &phone,
        &peer.ip().to_string(),
        CodeFor::guardian(&session.user),
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "status": "sent", "to": phone.masked() })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardianConsent {
    phone: String,
    code: String,
    /// The children's documents in force (and for a child, nothing else is needed).
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
            &key.encrypt(phone.as_e164().as_bytes()),
            state.now(),
        )
        .await?;
    tracing::info!(user = %session.user, guardian = %phone.masked(), "guardian verified");
    Ok(Json(json!({ "status": "verified", "guardian": phone.masked() })).into_response())
}
