//! Consents and agreements (CON-1..4, CON-6, COOK-1): the signed-in user's
//! consent state and toggles, agreeing to documents (again), and the
//! cookie-consent state of a browser before sign-in. Every decision is a new
//! line in the append-only ledger with the document version, time and channel.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use xuancai_domain::privacy::{DocumentKind, PURPOSES, Purpose};
use xuancai_store::{Store, Subject};

use crate::error::ApiError;
use crate::extract::AppJson;
use crate::extract::Session;
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::crypto::random;
use xuancai_app::privacy::agreements::{append, parse_agreements, record_agreements};
use xuancai_app::privacy::cookies;
use xuancai_app::privacy::documents::current;
use xuancai_app::privacy::gate::{self, age_group, decisions};

/// The privacy center: purposes, documents, the age group and the ledger.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Consents {
    purposes: Vec<PurposeState>,
    documents: Vec<DocumentState>,
    /// `adult`, `teen` or `child`.
    age_group: &'static str,
    /// Every decision, oldest first (the ledger is append-only).
    history: Vec<Entry>,
}

/// A purpose of processing and the user's decision.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PurposeState {
    purpose: &'static str,
    name: &'static str,
    /// The legal basis (`consent`, `contract`, …).
    basis: &'static str,
    /// It needs its own consent (else it is necessary for the service).
    optional: bool,
    categories: Vec<&'static str>,
    granted: bool,
    decided_at: Option<i64>,
}

/// A document: the version agreed, the one in force, the ones announced.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DocumentState {
    kind: &'static str,
    title: &'static str,
    agreed_version: Option<String>,
    current_version: Option<String>,
    needs_agreement: bool,
    upcoming: Vec<Upcoming>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Upcoming {
    version: String,
    effective_at: i64,
    material: bool,
    summary: String,
}

/// One decision in the consent ledger.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Entry {
    topic: String,
    granted: bool,
    version: Option<String>,
    channel: String,
    at: i64,
}

/// `GET /api/v1/me/consents`: every purpose with its basis and the user's
/// decision, the documents with the version agreed and the one in force, and
/// the policy updates to announce (CON-2).
pub async fn list<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
) -> Result<Json<Consents>, ApiError> {
    let records = state.store.consents(&Subject::User(session.user)).await?;
    let consents = decisions(&records);
    let docs = state.store.documents().await?;
    let now = state.now();
    let age = age_group(&state, &session.user).await?;
    let missing = gate::missing_agreements(&state, &consents, age).await?;
    let purposes = PURPOSES
        .iter()
        .map(|p| PurposeState {
            purpose: p.key,
            name: p.name_zh,
            basis: p.basis.as_str(),
            optional: p.optional,
            categories: p.categories.iter().map(|c| c.key()).collect(),
            granted: consents.allows(p.purpose),
            decided_at: consents.decision(p.key).map(|d| d.at),
        })
        .collect();
    let documents = DocumentKind::ALL
        .iter()
        .filter(|k| **k != DocumentKind::SdkRegister)
        .map(|k| DocumentState {
            kind: k.key(),
            title: k.title_zh(),
            agreed_version: consents.agreed_version(*k).map(str::to_string),
            current_version: current(&docs, *k, now).map(|d| d.version.clone()),
            needs_agreement: missing.contains(k),
            upcoming: docs
                .iter()
                .filter(|d| d.kind == k.key() && d.effective_at > now)
                .map(|d| Upcoming {
                    version: d.version.clone(),
                    effective_at: d.effective_at,
                    material: d.material,
                    summary: d.summary.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(Json(Consents {
        purposes,
        documents,
        age_group: age.as_str(),
        history: records
            .iter()
            .map(|r| Entry {
                topic: r.topic.clone(),
                granted: r.granted,
                version: r.version.clone(),
                channel: r.channel.clone(),
                at: r.at,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    granted: bool,
}

/// A decision recorded, and what a withdrawal removed at once.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Decided {
    purpose: &'static str,
    granted: bool,
    removed_records: u64,
}

/// The documents just agreed to.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Agreed {
    agreed: Vec<AgreedDocument>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AgreedDocument {
    kind: &'static str,
    version: String,
}

/// `PUT /api/v1/me/consents/{purpose}`: grant or withdraw (CON-3, CON-4,
/// CON-6). A withdrawal stops the processing at once and removes what it
/// allowed: usage logs (analytics), stored device identifiers.
pub async fn decide<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
    Path(purpose): Path<String>,
    AppJson(decision): AppJson<Decision>,
) -> Result<Json<Decided>, ApiError> {
    // A purpose this service does not declare names no consent: 404.
    let purpose = Purpose::parse(&purpose).map_err(|_| AppError::NotFound)?;
    if !purpose.needs_own_consent() {
        return Err(AppError::Unprocessable {
            code: "consent_not_optional",
            message: format!(
                "`{}` is necessary for the service (§4.2); to stop it, cancel the account",
                purpose.key()
            ),
        }
        .into());
    }
    let docs = state.store.documents().await?;
    let version = current(&docs, DocumentKind::PrivacyPolicy, state.now()).map(|d| d.version.clone());
    append(
        &state,
        Subject::User(session.user),
        purpose.key(),
        decision.granted,
        version,
        "api",
    )
    .await?;
    let mut removed = 0;
    if !decision.granted {
        removed = match purpose {
            Purpose::Analytics => state.store.delete_usage_of(&session.user, false).await?,
            Purpose::DeviceIdentifiers => state.store.delete_usage_of(&session.user, true).await?,
            Purpose::Push => state.store.delete_push_tokens(&session.user).await?,
            // CON-6: the user's own template use goes; recommendations fall
            // back to popularity from the next request.
            Purpose::Personalisation => state.store.delete_template_use(&session.user).await?,
            // §11: the ledger and the balance go (the policy says so).
            Purpose::Coins => xuancai_app::coins::forget(&state, &session.user).await?,
            // CON-4: face and portrait processing stops at once — queued and
            // running jobs that process faces, of every kind (face swaps,
            // portrait cutouts, stickers and packs, `auto` ones asked for with
            // the consent), are cancelled and a running one stores nothing.
            // No landmarks or face crops are kept: they live only in memory
            // while a job runs. Results already in the library stay the
            // user's own photos until the user deletes them (the policy says so).
            Purpose::Faces => {
                let failure = xuancai_store::JobFailure {
                    code: "consent_withdrawn",
                    message: "the face and portrait consent was withdrawn",
                    retry_at: None,
                };
                state
                    .store
                    .cancel_face_jobs(&session.user, &failure, state.now())
                    .await?
            }
            _ => 0,
        };
        tracing::info!(user = %session.user, purpose = purpose.key(), removed, "consent withdrawn");
    }
    Ok(Json(Decided {
        purpose: purpose.key(),
        granted: decision.granted,
        removed_records: removed,
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Agreements {
    #[schemars(schema_with = "super::schema::agreements")]
    agree: BTreeMap<String, String>,
}

/// `POST /api/v1/me/agreements`: agree to the documents in force (again, CON-2).
pub async fn agree<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Session,
    AppJson(req): AppJson<Agreements>,
) -> Result<Json<Agreed>, ApiError> {
    let agreed = parse_agreements(&state, &req.agree).await?;
    if agreed
        .iter()
        .any(|(k, _)| matches!(k, DocumentKind::ChildrenPolicy | DocumentKind::ChildrenRules))
    {
        return Err(AppError::Unprocessable {
            code: "guardian_only",
            message: "the children's documents are agreed to by the guardian (MIN-2)".into(),
        }
        .into());
    }
    record_agreements(&state, &session.user, &agreed, "api").await?;
    Ok(Json(Agreed {
        agreed: agreed
            .iter()
            .map(|(k, v)| AgreedDocument {
                kind: k.key(),
                version: v.clone(),
            })
            .collect(),
    }))
}

pub const DEVICE_COOKIE: &str = "xuancai_device";

/// The browser's random id from its cookie, or a new one to set.
fn device(headers: &HeaderMap) -> (String, bool) {
    let found = crate::extract::cookie(headers, DEVICE_COOKIE)
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
    match found {
        Some(v) => (v, false),
        None => (random::<16>().iter().map(|b| format!("{b:02x}")).collect(), true),
    }
}

/// The cookie categories this browser allows (COOK-1).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CookieState {
    /// Always: the session and this choice itself.
    essential: bool,
    analytics: bool,
    advertising: bool,
    /// The banner was answered.
    decided: bool,
}

async fn cookie_state<S: Store>(state: &App<S>, device_id: &str) -> Result<CookieState, ApiError> {
    let records = state.store.consents(&cookies::subject(device_id)).await?;
    let s = decisions(&records);
    Ok(CookieState {
        essential: true,
        analytics: s.decision(Purpose::Analytics.key()).is_some_and(|d| d.granted),
        advertising: s
            .decision(Purpose::Personalisation.key())
            .is_some_and(|d| d.granted),
        decided: !records.is_empty(),
    })
}

fn with_device_cookie(
    state_secure: bool,
    device_id: &str,
    set: bool,
    body: CookieState,
) -> Result<Response, ApiError> {
    let mut resp = Json(body).into_response();
    if set {
        let cookie = format!(
            "{DEVICE_COOKIE}={device_id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
            cookies::DEVICE_COOKIE_MAX_AGE_SECS,
            if state_secure { "; Secure" } else { "" }
        );
        resp.headers_mut().insert(
            SET_COOKIE,
            HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(e.to_string()))?,
        );
    }
    Ok(resp)
}

/// `GET /api/v1/consent-state` (COOK-1): which cookie categories this browser allows.
pub async fn cookie_get<S: Store>(
    State(state): State<Arc<App<S>>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (id, new) = device(&headers);
    let body = cookie_state(&state, &id).await?;
    with_device_cookie(state.config.secure_cookies, &id, new, body)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CookieChoice {
    analytics: bool,
    advertising: bool,
}

/// `PUT /api/v1/consent-state` (COOK-1): record the cookie banner's choice
/// (limited per client address; an unchanged choice appends nothing).
pub async fn cookie_put<S: Store>(
    State(state): State<Arc<App<S>>>,
    crate::extract::ClientIp(peer): crate::extract::ClientIp,
    headers: HeaderMap,
    AppJson(choice): AppJson<CookieChoice>,
) -> Result<Response, ApiError> {
    let (id, new) = device(&headers);
    cookies::record_choice(
        &state,
        &id,
        &peer.to_string(),
        choice.analytics,
        choice.advertising,
    )
    .await?;
    let body = cookie_state(&state, &id).await?;
    with_device_cookie(state.config.secure_cookies, &id, new, body)
}
