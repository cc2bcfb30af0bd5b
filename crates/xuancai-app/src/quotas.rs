//! Quotas per account (issue 19 item 14): what one account may store and
//! how fast it may write where others read. Each is checked before the
//! write and answered with `429 quota_exceeded`, naming the quota and its
//! limit. Configured in `[quotas]` (docs/CONFIG.md); 0 turns one off.

use xuancai_domain::UserId;
use xuancai_store::{Authored, Store};

use crate::App;
use crate::error::AppError;

/// The `[quotas]` section of the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaConfig {
    /// Photos one account stores (the trash included).
    pub photos_per_user: u64,
    /// Bytes of originals one account stores, in MiB.
    pub storage_mib_per_user: u64,
    /// Works published per day.
    pub works_per_day: u64,
    /// Comments per minute and per day.
    pub comments_per_minute: u64,
    pub comments_per_day: u64,
    /// Blessings sent per minute and per day.
    pub blessings_per_minute: u64,
    pub blessings_per_day: u64,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        Self {
            photos_per_user: 20_000,
            storage_mib_per_user: 20 * 1024,
            works_per_day: 50,
            comments_per_minute: 5,
            comments_per_day: 500,
            blessings_per_minute: 10,
            blessings_per_day: 200,
        }
    }
}

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

fn exceeded(quota: &'static str, limit: u64) -> AppError {
    AppError::QuotaExceeded { quota, limit }
}

/// Before storing a photo of `bytes` for `user`.
pub async fn check_photo<S: Store>(state: &App<S>, user: &UserId, bytes: u64) -> Result<(), AppError> {
    let q = &state.config.quotas;
    let (count, stored) = state.store.photo_totals(user).await?;
    if q.photos_per_user > 0 && count >= q.photos_per_user {
        return Err(exceeded("photos_per_user", q.photos_per_user));
    }
    let budget = q.storage_mib_per_user.saturating_mul(1 << 20);
    if q.storage_mib_per_user > 0 && stored.saturating_add(bytes) > budget {
        return Err(exceeded("storage_mib_per_user", q.storage_mib_per_user));
    }
    Ok(())
}

/// Before `user` publishes a work, writes a comment or sends a blessing.
pub async fn check_authored<S: Store>(state: &App<S>, user: &UserId, what: Authored) -> Result<(), AppError> {
    let q = &state.config.quotas;
    let limits: &[(&'static str, u64, i64)] = match what {
        Authored::Works => &[("works_per_day", q.works_per_day, DAY_MS)],
        Authored::Comments => &[
            ("comments_per_minute", q.comments_per_minute, MINUTE_MS),
            ("comments_per_day", q.comments_per_day, DAY_MS),
        ],
        Authored::Blessings => &[
            ("blessings_per_minute", q.blessings_per_minute, MINUTE_MS),
            ("blessings_per_day", q.blessings_per_day, DAY_MS),
        ],
    };
    let now = state.now();
    for &(quota, limit, window) in limits {
        if limit > 0 && state.store.authored_since(user, what, now - window).await? >= limit {
            return Err(exceeded(quota, limit));
        }
    }
    Ok(())
}
