//! `GET /metrics` (issue 23 item 4): the operator's numbers in the
//! Prometheus text format, behind a bearer token (`metrics_token`; without
//! one the page does not exist), and the middleware that counts every
//! request by route template, method and status with its latency.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use xuancai_app::metrics::{global, queue_lines};
use xuancai_app::{App, AppError};
use xuancai_store::Store;

use crate::error::{ApiError, ErrorCode};

/// Count the request once its answer is ready.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    let m = global();
    let labels = [("route", route.as_str()), ("method", method.as_str())];
    m.observe(
        "xuancai_http_request_duration_seconds",
        &labels,
        started.elapsed().as_secs_f64(),
    );
    m.count(
        "xuancai_http_requests_total",
        &[labels[0], labels[1], ("status", status.as_str())],
        1,
    );
    if let Some(ErrorCode(code)) = resp.extensions().get::<ErrorCode>() {
        m.count("xuancai_http_errors_total", &[("code", code)], 1);
    }
    resp
}

pub async fn serve<S: Store>(
    State(state): State<Arc<App<S>>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(token) = &state.config.metrics_token else {
        return Err(ApiError::NOT_FOUND);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !xuancai_app::crypto::constant_time_eq(given.as_bytes(), token.expose()) {
        return Err(AppError::Unauthenticated.into());
    }
    let mut text = global().render();
    text.push_str(&queue_lines(&state.store, state.now()).await?);
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response())
}
