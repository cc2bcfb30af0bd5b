//! The public documents (CON-2, CON-5, DATA-4): the list with the versions
//! in force and announced, each rendered from the privacy inventory; and the
//! operators' endpoint that publishes a new version.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use xuancai_domain::Date;
use xuancai_domain::privacy::DocumentKind;
use xuancai_store::{DocumentRecord, Store, StoreError};

use crate::error::ApiError;
use crate::extract::Operator;
use crate::extract::{AppJson, AppQuery};
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::privacy::documents::{current, render};

/// The published documents, where the data is kept, and a shutdown if one
/// is announced.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Documents {
    documents: Vec<DocumentView>,
    region: String,
    shutdown: Option<Shutdown>,
}

/// One document: the version in force and the ones announced.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct DocumentView {
    kind: &'static str,
    title: &'static str,
    /// The rendered page.
    url: String,
    current: Option<Version>,
    upcoming: Vec<Version>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Version {
    version: String,
    effective_at: i64,
    /// A material change (announced 7 days ahead; asks for agreement again).
    material: bool,
    summary: String,
}

/// RET-3, ADS-3: the service's announced end.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Shutdown {
    closes_on: String,
    data_erased_on: String,
    message: &'static str,
}

/// A version published.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Published {
    kind: String,
    version: String,
    effective_at: i64,
    material: bool,
}

/// `GET /api/v1/documents`
pub async fn list<S: Store>(State(state): State<Arc<App<S>>>) -> Result<Json<Documents>, ApiError> {
    let docs = state.store.documents().await?;
    let now = state.now();
    let version = |d: &DocumentRecord| Version {
        version: d.version.clone(),
        effective_at: d.effective_at,
        material: d.material,
        summary: d.summary.clone(),
    };
    let documents = DocumentKind::ALL
        .iter()
        .map(|k| DocumentView {
            kind: k.key(),
            title: k.title_zh(),
            url: format!("/api/v1/documents/{}", k.key()),
            current: current(&docs, *k, now).map(version),
            upcoming: docs
                .iter()
                .filter(|d| d.kind == k.key() && d.effective_at > now)
                .map(version)
                .collect(),
        })
        .collect();
    // RET-3, ADS-3: a shutdown is announced to everyone.
    let shutdown = state.shutdown.map(|s| {
        let day = |ms| Date::from_unix_ms(ms, state.config.utc_offset_minutes).to_string();
        Shutdown {
            closes_on: day(s.at),
            data_erased_on: day(s.erase_at),
            message: "本服务即将停止运营：停止运营后，您的个人信息将在上述日期前删除或匿名化，请及时导出。",
        }
    });
    Ok(Json(Documents {
        documents,
        region: state.config.region.clone(),
        shutdown,
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct Which {
    version: Option<String>,
}

/// `GET /api/v1/documents/{kind}[?version=…]`: the rendered HTML page.
pub async fn show<S: Store>(
    State(state): State<Arc<App<S>>>,
    Path(kind): Path<String>,
    AppQuery(which): AppQuery<Which>,
) -> Result<Response, ApiError> {
    let kind = DocumentKind::parse(&kind).map_err(|_| AppError::NotFound)?;
    let docs = state.store.documents().await?;
    let doc = match &which.version {
        Some(v) => docs.iter().find(|d| d.kind == kind.key() && d.version == *v),
        None => current(&docs, kind, state.now()),
    }
    .ok_or(AppError::NotFound)?;
    let mut resp = render(kind, doc, &state.config).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Ok(resp)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    kind: String,
    version: String,
    /// `YYYY-MM-DD` (start of that day, local time); default: now.
    effective_date: Option<String>,
    material: bool,
    summary: String,
}

/// `POST /api/v1/ops/documents`: publish a version (CON-2). A material
/// change must be announced before it takes effect (§16): its effective
/// date must be at least 7 days ahead.
pub async fn publish<S: Store>(
    State(state): State<Arc<App<S>>>,
    op: Operator,
    AppJson(req): AppJson<Publish>,
) -> Result<Response, ApiError> {
    let kind = DocumentKind::parse(&req.kind)?;
    let now = state.now();
    let version = req.version.trim();
    if version.is_empty() || version.len() > 32 || !version.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::BadRequest {
            code: "invalid_version",
            message: "a version is 1 to 32 visible ASCII characters".into(),
        }
        .into());
    }
    let effective_at = match &req.effective_date {
        Some(d) => Date::parse(d)?.start_ms(state.config.utc_offset_minutes),
        None => now,
    };
    if req.material && effective_at < now + 7 * 86_400_000 {
        return Err(AppError::Unprocessable {
            code: "notice_period",
            message: "a material change takes effect at least 7 days after it is announced".into(),
        }
        .into());
    }
    let doc = DocumentRecord {
        kind: kind.key().into(),
        version: version.into(),
        effective_at,
        material: req.material,
        summary: req.summary.chars().take(2000).collect(),
        published_at: now,
    };
    match state.store.publish_document(&doc).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            return Err(AppError::Conflict {
                code: "version_exists",
                message: format!("{} {} is published already", kind.key(), doc.version),
            }
            .into());
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(operator = %op.user, kind = kind.key(), version = %doc.version, "document published");
    Ok((
        StatusCode::CREATED,
        Json(Published {
            kind: doc.kind,
            version: doc.version,
            effective_at: doc.effective_at,
            material: doc.material,
        }),
    )
        .into_response())
}
