//! One module per HTTP resource, and the router that joins them.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::{get, post};
use xuancai_store::AccountStore;

use crate::config::Config;
use crate::crypto::Keys;
use crate::sms::SmsSender;

pub mod auth;
pub mod health;
pub mod me;

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState<S> {
    pub store: S,
    pub keys: Keys,
    pub sms: Arc<dyn SmsSender>,
    pub config: Config,
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub fn router<S: AccountStore + 'static>(state: Arc<AppState<S>>) -> Router {
    Router::new()
        .route("/health", get(health::health))
        .route("/ready", get(health::ready::<S>))
        .route("/api/v1/auth/code", post(auth::request_code::<S>))
        .route("/api/v1/auth/login", post(auth::login::<S>))
        .route("/api/v1/auth/logout", post(auth::logout::<S>))
        .route("/api/v1/me", get(me::me::<S>))
        .with_state(state)
}
