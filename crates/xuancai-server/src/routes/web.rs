//! The web app (issue 8): `GET /` serves the page, `GET /app/{*path}` its
//! files, embedded by `xuancai-web`. Every answer carries a Content Security
//! Policy that allows only this origin — the app makes no third-party
//! request (COOK-1: no third-party cookies either) — and files are
//! revalidated by their ETag, so an upgrade is seen at once.

use axum::Router;
use axum::extract::Path;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use xuancai_web::Asset;

use crate::error::ApiError;

/// Only this origin; images may also be the page's own blobs (previews).
pub const CSP: &str = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; \
connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/app/{*path}", get(file))
}

async fn index(headers: HeaderMap) -> Response {
    match xuancai_web::index() {
        Some(a) => serve(a, &headers),
        None => ApiError::NOT_FOUND.into_response(),
    }
}

async fn file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    match xuancai_web::get(&path) {
        Some(a) => serve(a, &headers),
        None => ApiError::NOT_FOUND.into_response(),
    }
}

fn serve(a: Asset, headers: &HeaderMap) -> Response {
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == a.etag));
    let mut resp = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(CONTENT_TYPE, HeaderValue::from_static(a.mime))], a.bytes).into_response()
    };
    let h = resp.headers_mut();
    h.insert(ETAG, HeaderValue::from_static(a.etag));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    resp
}
