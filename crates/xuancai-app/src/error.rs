//! The application layer's one error type. It says what went wrong in the
//! terms of the use case; `xuancai-server` maps each variant to an HTTP
//! status and a stable code in one place, and the CLI prints it.

use xuancai_domain::DomainError;
use xuancai_store::StoreError;

/// Every stable error code a client of the service can meet, in the
/// answers' `code` (and a studio job's `error.code`), sorted: the
/// application's, the domain's and the engines' (`code()` of each error
/// type), and `csrf_required` from the HTTP layer. The OpenAPI document
/// publishes it as the `Error.code` enum, and the web app has a Chinese and
/// an English text for each (issue 22 item 10). A test in `xuancai-server`
/// (`error_codes`) fails when a code is used in the sources and not listed
/// here, or listed and used nowhere.
pub const CODES: &[&str] = &[
    "age_correction_needs_review",
    "agreement_required",
    "already_withdrawn",
    "animation_too_large",
    "busy",
    "caption_emoji_unsupported",
    "caption_too_long",
    "code_attempts_exhausted",
    "code_expired",
    "code_invalid",
    "confirmation_required",
    "consent_not_optional",
    "consent_required",
    "consent_withdrawn",
    "content_refused",
    "content_credentials_failed",
    "csrf_required",
    "cutout_not_reusable",
    "deletion_without_scope",
    "detail_too_long",
    "document_version_stale",
    "encoder_unavailable",
    "export_expired",
    "export_not_ready",
    "face_not_found",
    "font_invalid",
    "glyph_missing",
    "ground_required",
    "guardian_not_needed",
    "guardian_only",
    "guardian_phone_is_own",
    "guardian_required",
    "image_corrupt",
    "image_empty",
    "image_encode_failed",
    "image_file_too_large",
    "image_too_many_pixels",
    "image_truncated",
    "image_unsupported_format",
    "image_unsupported_variant",
    "image_zero_size",
    "inference_failed",
    "insufficient_coins",
    "internal",
    "invalid_album_id",
    "invalid_album_name",
    "invalid_batch",
    "invalid_birth_date",
    "invalid_blessing",
    "invalid_blessing_id",
    "invalid_code",
    "invalid_comment",
    "invalid_comment_id",
    "invalid_complaint",
    "invalid_credentials",
    "invalid_cursor",
    "invalid_date",
    "invalid_deletion",
    "invalid_document",
    "invalid_events",
    "invalid_filter",
    "invalid_job",
    "invalid_job_id",
    "invalid_json",
    "invalid_link",
    "invalid_message",
    "invalid_message_kind",
    "invalid_multipart",
    "invalid_nickname",
    "invalid_parameter",
    "invalid_path",
    "invalid_phone",
    "invalid_photo_id",
    "invalid_purpose",
    "invalid_query",
    "invalid_report",
    "invalid_request_id",
    "invalid_request_kind",
    "invalid_request_status",
    "invalid_sensitive_consent",
    "invalid_subscription",
    "invalid_transition",
    "invalid_user_id",
    "invalid_version",
    "invalid_visibility",
    "invalid_work_id",
    "io_error",
    "job_not_done",
    "label_format_unsupported",
    "missing_file",
    "model_output_invalid",
    "model_unavailable",
    "not_found",
    "notice_period",
    "ohttp_media_type",
    "pack_invalid",
    "payload_too_large",
    "photo_not_found",
    "preset_unsupported",
    "push_provider_unavailable",
    "quota_exceeded",
    "rate_limited",
    "reason_required",
    "recipient_not_found",
    "request_changed",
    "resolution_required",
    "result_not_a_picture",
    "runtime_unavailable",
    "sensitive_consent_required",
    "service_closing",
    "sticker_no_subject",
    "sticker_too_large",
    "subject_consent_required",
    "template_invalid",
    "template_unknown",
    "title_too_long",
    "too_many_jobs",
    "unauthenticated",
    "use_cancellation_endpoint",
    "version_exists",
    "weak_password",
    "work_not_found",
    "worker_lost",
];

/// Every error a use case can return.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input is malformed (a stable `code` names what).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// No (valid) session.
    #[error("sign in first")]
    Unauthenticated,
    /// Not there, or not the caller's (never "forbidden": 404, not 403).
    #[error("not found")]
    NotFound,
    #[error("too many requests; try again later")]
    RateLimited,
    /// A quota of the account is used up (issue 19 item 14).
    #[error("the quota `{quota}` ({limit}) is used up")]
    QuotaExceeded { quota: &'static str, limit: u64 },
    /// Every worker for this kind of work is busy and its queue is full.
    #[error("the service is busy; try again in a moment")]
    Busy,
    /// A one-time code or password was not accepted.
    #[error("{message}")]
    CodeRejected { code: &'static str, message: String },
    #[error("the upload is larger than {limit} bytes")]
    PayloadTooLarge { limit: u64 },
    #[error("{message}")]
    UnsupportedMediaType { code: &'static str, message: String },
    /// Well-formed but cannot be done (an image too large, a template missing).
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
    /// §11, PIPL Art. 29–30: a sensitive category the service needs is
    /// collected only with its separate tick (e.g. the phone number at sign-in).
    #[error("the separate consent to collect `{category}` (sensitive personal information) is needed")]
    SensitiveConsentRequired { category: &'static str },
    /// MIN-2, MIN-3: a guardian must verify and agree first.
    #[error("a guardian must verify by SMS and agree before this account can be used ({age})")]
    GuardianRequired { age: &'static str },
    /// A fault of the service; the cause is logged, never shown.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// The stable, machine-readable code clients and logs see.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::CodeRejected { code, .. }
            | Self::UnsupportedMediaType { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::Conflict { code, .. } => code,
            Self::Unauthenticated => "unauthenticated",
            Self::NotFound => "not_found",
            Self::RateLimited => "rate_limited",
            Self::Busy => "busy",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::ConsentRequired { .. } => "consent_required",
            Self::AgreementRequired { .. } => "agreement_required",
            Self::SensitiveConsentRequired { .. } => "sensitive_consent_required",
            Self::GuardianRequired { .. } => "guardian_required",
            Self::Internal(_) => "internal",
        }
    }

    /// Machine-readable particulars: the purpose, the documents to agree to.
    pub fn details(&self) -> Option<serde_json::Value> {
        match self {
            Self::ConsentRequired { purpose } => Some(serde_json::json!({ "purpose": purpose })),
            Self::AgreementRequired { documents } => Some(serde_json::json!({ "documents": documents })),
            Self::SensitiveConsentRequired { category } => {
                let n = xuancai_domain::privacy::NECESSITY
                    .iter()
                    .find(|n| n.category.key() == *category);
                Some(serde_json::json!({
                    "category": category,
                    "necessity": n.map(|n| n.why_zh),
                    "impact": n.map(|n| n.impact_zh),
                }))
            }
            Self::GuardianRequired { age } => Some(serde_json::json!({ "age_group": age })),
            Self::QuotaExceeded { quota, limit } => {
                Some(serde_json::json!({ "quota": quota, "limit": limit }))
            }
            _ => None,
        }
    }

    /// A malformed input, with its stable code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }
}

/// A value that does not parse is malformed (400), except where it has the
/// right form and a rule refuses it (422): a birth date in the future or
/// before 1900, a password that is too weak. The API's schemas state the
/// form; a request that fits them is never a 400 (issue 18 item 7).
impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        let (code, message) = (e.code(), e.to_string());
        match e {
            DomainError::InvalidBirthDate(_) | DomainError::WeakPassword(_) => {
                Self::Unprocessable { code, message }
            }
            // The request is not in a state that allows the move.
            DomainError::InvalidRequestTransition { .. } => Self::Conflict { code, message },
            _ => Self::BadRequest { code, message },
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            other => {
                crate::metrics::global().count("xuancai_store_errors_total", &[], 1);
                Self::Internal(other.to_string())
            }
        }
    }
}

impl From<crate::blobs::BlobError> for AppError {
    fn from(e: crate::blobs::BlobError) -> Self {
        crate::metrics::global().count("xuancai_blob_errors_total", &[], 1);
        Self::Internal(e.to_string())
    }
}

impl From<xuancai_imaging::ImagingError> for AppError {
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
            | E::Truncated(_)
            | E::InvalidParameter(_)
            | E::GlyphMissing(_) => Self::Unprocessable { code, message },
            // A font the server loads is its own asset: a fault, not the client's.
            E::Encode(cause) | E::Font(cause) => Self::Internal(cause),
        }
    }
}
