//! `GET /health` (the process answers) and `GET /ready` (the database and
//! the blob store answer).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use xuancai_domain::UserId;
use xuancai_store::Store;

use xuancai_app::App;

/// `{"status": "ok"}`, `{"status": "ready"}` or `{"status": "unavailable"}`.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Health {
    status: &'static str,
}

pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

pub async fn ready<S: Store>(State(state): State<Arc<App<S>>>) -> (StatusCode, Json<Health>) {
    let db = state
        .store
        .user_by_id(&UserId::generate())
        .await
        .map(|_| ())
        .map_err(|e| e.to_string());
    let blobs = state.blobs.check().await.map_err(|e| e.to_string());
    match db.and(blobs) {
        Ok(()) => (StatusCode::OK, Json(Health { status: "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable",
                }),
            )
        }
    }
}
