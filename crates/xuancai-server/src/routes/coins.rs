//! Coins (ACC-8): an append-only ledger, the balance, and a daily check-in
//! that can be claimed once per calendar day in the service's time zone
//! (idempotent by its reference, even under concurrent requests).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use xuancai_domain::{Date, PhotoId};
use xuancai_store::{Appended, LedgerEntry, Store};

use super::{Page, next_cursor};
use crate::error::ApiError;
use crate::extract::Active;
use crate::extract::AppQuery;
use xuancai_app::App;
use xuancai_app::AppError;

pub async fn ledger<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppQuery(page): AppQuery<Page>,
) -> Result<Json<Value>, ApiError> {
    let limit = page.limit();
    let profile = state
        .store
        .profile(&session.user)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let entries = state.store.ledger(&session.user, page.cursor()?, limit).await?;
    Ok(Json(json!({
        "balance": profile.coin_balance,
        "entries": entries.iter().map(|e| json!({
            "delta": e.delta,
            "reason": e.reason,
            "reference": e.reference,
            "created_at": e.created_at,
        })).collect::<Vec<_>>(),
        "next_cursor": next_cursor(&entries, limit, |e| (e.created_at, e.id)),
    })))
}

pub async fn check_in<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let now = state.now();
    let day = Date::from_unix_ms(now, state.config.utc_offset_minutes);
    let entry = LedgerEntry {
        id: *PhotoId::generate().as_bytes(),
        user: session.user,
        delta: state.config.check_in_coins,
        reason: "check_in".into(),
        reference: format!("check_in:{day}"),
        created_at: now,
    };
    match state.store.append_ledger(&entry).await? {
        Appended::Done { balance } => Ok((
            StatusCode::CREATED,
            Json(json!({ "day": day.to_string(), "awarded": entry.delta, "balance": balance })),
        )),
        Appended::Duplicate => {
            let balance = state
                .store
                .profile(&session.user)
                .await?
                .map(|p| p.coin_balance)
                .unwrap_or(0);
            Ok((
                StatusCode::OK,
                Json(
                    json!({ "day": day.to_string(), "awarded": 0, "balance": balance, "already_checked_in": true }),
                ),
            ))
        }
        Appended::Insufficient { .. } => {
            Err(AppError::Internal("a positive credit was refused".into()).into())
        }
    }
}
