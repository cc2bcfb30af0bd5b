//! The one place where errors become HTTP responses: a status, a stable
//! machine-readable `code`, a message and the request id. 5xx bodies reveal
//! nothing; their cause chain is logged once, here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use xuancai_domain::DomainError;
use xuancai_store::StoreError;

tokio::task_local! {
    /// The current request's id, set by the request-id middleware.
    pub static REQUEST_ID: String;
}

/// Every error a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("sign in first")]
    Unauthenticated,
    #[error("cookie-authenticated writes need the X-Xuancai-CSRF header")]
    CsrfRequired,
    #[error("not found")]
    NotFound,
    #[error("too many requests; try again later")]
    RateLimited,
    #[error("{message}")]
    CodeRejected { code: &'static str, message: String },
    #[error("the upload is larger than {limit} bytes")]
    PayloadTooLarge { limit: u64 },
    #[error("{message}")]
    UnsupportedMediaType { code: &'static str, message: String },
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// CON-3, CON-4, CON-6: the purpose needs a consent the user has not given (or withdrew).
    #[error("this needs your consent for the purpose `{purpose}`")]
    ConsentRequired { purpose: &'static str },
    /// CON-1, CON-2: agree to these documents (again) first.
    #[error("agree to the documents in force first: {}", documents.join(", "))]
    AgreementRequired { documents: Vec<&'static str> },
    /// MIN-2, MIN-3: a guardian must verify and agree first.
    #[error("a guardian must verify by SMS and agree before this account can be used ({age})")]
    GuardianRequired { age: &'static str },
    #[error("internal error")]
    Internal(String),
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: String,
    request_id: String,
    /// Machine-readable particulars: the purpose, the documents to agree to.
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::CsrfRequired => (StatusCode::FORBIDDEN, "csrf_required"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Self::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::CodeRejected { code, .. } => (StatusCode::UNAUTHORIZED, code),
            Self::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::UnsupportedMediaType { code, .. } => (StatusCode::UNSUPPORTED_MEDIA_TYPE, code),
            Self::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            Self::ConsentRequired { .. } => (StatusCode::FORBIDDEN, "consent_required"),
            Self::AgreementRequired { .. } => (StatusCode::FORBIDDEN, "agreement_required"),
            Self::GuardianRequired { .. } => (StatusCode::FORBIDDEN, "guardian_required"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let request_id = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
        let message = if let Self::Internal(cause) = &self {
            tracing::error!(request_id = %request_id, cause = %cause, "internal error");
            "internal error".to_string()
        } else {
            self.to_string()
        };
        let details = match &self {
            Self::ConsentRequired { purpose } => Some(serde_json::json!({ "purpose": purpose })),
            Self::AgreementRequired { documents } => Some(serde_json::json!({ "documents": documents })),
            Self::GuardianRequired { age } => Some(serde_json::json!({ "age_group": age })),
            _ => None,
        };
        (
            status,
            Json(Body {
                code,
                message,
                request_id,
                details,
            }),
        )
            .into_response()
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        Self::BadRequest {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<crate::blobs::BlobError> for ApiError {
    fn from(e: crate::blobs::BlobError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<xuancai_imaging::ImagingError> for ApiError {
    fn from(e: xuancai_imaging::ImagingError) -> Self {
        use xuancai_imaging::ImagingError as E;
        let (code, message) = (e.code(), e.to_string());
        match e {
            E::Empty | E::UnsupportedFormat | E::UnsupportedVariant(_) => {
                Self::UnsupportedMediaType { code, message }
            }
            E::FileTooLarge { limit, .. } => Self::PayloadTooLarge { limit },
            E::TooManyPixels { .. }
            | E::ZeroSize { .. }
            | E::Corrupt(_)
            | E::InvalidParameter(_)
            | E::GlyphMissing(_) => Self::Unprocessable { code, message },
            // A font the server loads is its own asset: a fault, not the client's.
            E::Encode(cause) | E::Font(cause) => Self::Internal(cause),
        }
    }
}

impl From<axum::extract::multipart::MultipartError> for ApiError {
    fn from(e: axum::extract::multipart::MultipartError) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::PayloadTooLarge { limit: 0 };
        }
        Self::BadRequest {
            code: "invalid_multipart",
            message: e.body_text(),
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        Self::BadRequest {
            code: "invalid_query",
            message: e.body_text(),
        }
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(e: axum::extract::rejection::PathRejection) -> Self {
        Self::BadRequest {
            code: "invalid_path",
            message: e.body_text(),
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::PayloadTooLarge { limit: 64 * 1024 };
        }
        Self::BadRequest {
            code: "invalid_json",
            message: e.body_text(),
        }
    }
}
