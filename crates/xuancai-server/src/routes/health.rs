//! `GET /health` (the process answers) and `GET /ready` (the database answers).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use xuancai_domain::UserId;
use xuancai_store::AccountStore;

use super::AppState;

pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn ready<S: AccountStore>(State(state): State<Arc<AppState<S>>>) -> (StatusCode, Json<Value>) {
    match state.store.user_by_id(&UserId::generate()).await {
        Ok(_) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
        }
    }
}
