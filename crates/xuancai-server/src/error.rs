//! The one place where errors become HTTP responses — the application's
//! [`AppError`] and HTTP's own (CSRF, rejected extractors): a status, a
//! stable machine-readable `code`, a message and the request id. 5xx bodies
//! reveal nothing; their cause chain is logged once, here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use xuancai_app::AppError;
use xuancai_domain::DomainError;
use xuancai_store::StoreError;

tokio::task_local! {
    /// The current request's id, set by the request-id middleware.
    pub static REQUEST_ID: String;
}

/// The stable code of an error answer, left in the response's extensions
/// for the metrics middleware.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

/// Every error a handler can return: the application's, or one of HTTP's own.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("cookie-authenticated writes need the X-Xuancai-CSRF header")]
    CsrfRequired,
}

impl ApiError {
    // The application's variants, by the names the handlers use.
    pub const NOT_FOUND: Self = Self::App(AppError::NotFound);
    pub const UNAUTHENTICATED: Self = Self::App(AppError::Unauthenticated);
    pub const RATE_LIMITED: Self = Self::App(AppError::RateLimited);
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
    /// The one mapping from an error to its HTTP status and stable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        let app = match self {
            Self::CsrfRequired => return (StatusCode::FORBIDDEN, "csrf_required"),
            Self::App(e) => e,
        };
        let status = match app {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated | AppError::CodeRejected { .. } => StatusCode::UNAUTHORIZED,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::RateLimited | AppError::QuotaExceeded { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::ConsentRequired { .. }
            | AppError::AgreementRequired { .. }
            | AppError::SensitiveConsentRequired { .. }
            | AppError::GuardianRequired { .. } => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, app.code())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let request_id = REQUEST_ID.try_with(Clone::clone).unwrap_or_default();
        let message = if let Self::App(AppError::Internal(cause)) = &self {
            tracing::error!(request_id = %request_id, cause = %cause, "internal error");
            "internal error".to_string()
        } else {
            self.to_string()
        };
        let details = match &self {
            Self::App(e) => e.details(),
            Self::CsrfRequired => None,
        };
        let mut response = (
            status,
            Json(Body {
                code,
                message,
                request_id,
                details,
            }),
        )
            .into_response();
        response.extensions_mut().insert(ErrorCode(code));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // Busy workers free up within a second or two.
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        Self::App(e.into())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::App(e.into())
    }
}

impl From<xuancai_app::blobs::BlobError> for ApiError {
    fn from(e: xuancai_app::blobs::BlobError) -> Self {
        Self::App(e.into())
    }
}

impl From<xuancai_imaging::ImagingError> for ApiError {
    fn from(e: xuancai_imaging::ImagingError) -> Self {
        Self::App(e.into())
    }
}

impl From<axum::extract::multipart::MultipartError> for ApiError {
    fn from(e: axum::extract::multipart::MultipartError) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::App(AppError::PayloadTooLarge { limit: 0 });
        }
        Self::App(AppError::bad_request("invalid_multipart", e.body_text()))
    }
}

impl From<axum::extract::multipart::MultipartRejection> for ApiError {
    fn from(e: axum::extract::multipart::MultipartRejection) -> Self {
        Self::App(AppError::bad_request("invalid_multipart", e.body_text()))
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        Self::App(AppError::bad_request("invalid_query", e.body_text()))
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(e: axum::extract::rejection::PathRejection) -> Self {
        Self::App(AppError::bad_request("invalid_path", e.body_text()))
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::App(AppError::PayloadTooLarge { limit: 64 * 1024 });
        }
        Self::App(AppError::bad_request("invalid_json", e.body_text()))
    }
}
