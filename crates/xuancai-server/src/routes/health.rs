//! `GET /health` (the process answers) and `GET /ready` (the database and
//! the blob store answer).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use xuancai_domain::UserId;
use xuancai_store::Store;

use xuancai_app::App;

pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn ready<S: Store>(State(state): State<Arc<App<S>>>) -> (StatusCode, Json<Value>) {
    let db = state
        .store
        .user_by_id(&UserId::generate())
        .await
        .map(|_| ())
        .map_err(|e| e.to_string());
    let blobs = state.blobs.check().await.map_err(|e| e.to_string());
    match db.and(blobs) {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
        }
    }
}
