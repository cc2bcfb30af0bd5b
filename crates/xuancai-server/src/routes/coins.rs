//! Coins (ACC-8, §11): the ledger and the balance, and the daily check-in.
//! The use cases (the coins consent, sealing, idempotency) are in
//! `xuancai_app::coins`; this module parses, calls and maps.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use xuancai_store::Store;

use super::{Page, next_cursor};
use crate::error::ApiError;
use crate::extract::Active;
use crate::extract::AppQuery;
use xuancai_app::App;

/// The balance and a page of the ledger, newest first.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Ledger {
    balance: i64,
    entries: Vec<Entry>,
    next_cursor: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Entry {
    delta: i64,
    reason: String,
    reference: String,
    created_at: i64,
}

/// A check-in: the day, the coins it gave, the balance after.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CheckIn {
    day: String,
    awarded: i64,
    balance: i64,
    /// Present (true) when today's check-in was done already (200).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    already_checked_in: bool,
}

pub async fn ledger<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppQuery(page): AppQuery<Page>,
) -> Result<Json<Ledger>, ApiError> {
    let limit = page.limit();
    let balance = xuancai_app::coins::balance(&state, &session.user).await?;
    let entries = xuancai_app::coins::entries(&state, &session.user, page.cursor()?, limit).await?;
    Ok(Json(Ledger {
        balance,
        entries: entries
            .iter()
            .map(|e| Entry {
                delta: e.delta,
                reason: e.reason.clone(),
                reference: e.reference.clone(),
                created_at: e.created_at,
            })
            .collect(),
        next_cursor: next_cursor(&entries, limit, |e| (e.created_at, e.id)),
    }))
}

/// `POST /api/v1/coins/check-in`: `consent_required` (purpose `coins`)
/// until the user grants the coins consent (§11).
pub async fn check_in<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
) -> Result<(StatusCode, Json<CheckIn>), ApiError> {
    let c = xuancai_app::coins::check_in(&state, &session.user).await?;
    let status = if c.already_checked_in {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(CheckIn {
            day: c.day.to_string(),
            awarded: c.awarded,
            balance: c.balance,
            already_checked_in: c.already_checked_in,
        }),
    ))
}
