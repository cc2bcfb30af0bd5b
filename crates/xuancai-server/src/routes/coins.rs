//! Coins (ACC-8, §11): the ledger and the balance, and the daily check-in.
//! The use cases (the coins consent, sealing, idempotency) are in
//! `xuancai_app::coins`; this module parses, calls and maps.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use xuancai_store::Store;

use super::{Page, next_cursor};
use crate::error::ApiError;
use crate::extract::Active;
use crate::extract::AppQuery;
use xuancai_app::App;

pub async fn ledger<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppQuery(page): AppQuery<Page>,
) -> Result<Json<Value>, ApiError> {
    let limit = page.limit();
    let balance = xuancai_app::coins::balance(&state, &session.user).await?;
    let entries = xuancai_app::coins::entries(&state, &session.user, page.cursor()?, limit).await?;
    Ok(Json(json!({
        "balance": balance,
        "entries": entries.iter().map(|e| json!({
            "delta": e.delta,
            "reason": e.reason,
            "reference": e.reference,
            "created_at": e.created_at,
        })).collect::<Vec<_>>(),
        "next_cursor": next_cursor(&entries, limit, |e| (e.created_at, e.id)),
    })))
}

/// `POST /api/v1/coins/check-in`: `consent_required` (purpose `coins`)
/// until the user grants the coins consent (§11).
pub async fn check_in<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let c = xuancai_app::coins::check_in(&state, &session.user).await?;
    let mut body = json!({ "day": c.day.to_string(), "awarded": c.awarded, "balance": c.balance });
    if c.already_checked_in {
        body["already_checked_in"] = json!(true);
        return Ok((StatusCode::OK, Json(body)));
    }
    Ok((StatusCode::CREATED, Json(body)))
}
