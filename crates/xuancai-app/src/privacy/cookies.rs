//! COOK-1: the cookie banner's choice, kept per browser (a random id in a
//! cookie, stored only as its hash) — and bounded, because anyone can
//! write it without an account (issue 19 item 13): writes are limited per
//! client address, a choice that does not change appends nothing, and the
//! rows expire with the cookie ([`expire_choices`], run by the periodic
//! jobs).

use xuancai_domain::privacy::Purpose;
use xuancai_store::{Store, Subject};

use crate::App;
use crate::crypto::sha256;
use crate::error::AppError;
use crate::privacy::agreements::append;
use crate::privacy::gate::decisions;

/// How long the browser keeps its id cookie: one year.
pub const DEVICE_COOKIE_MAX_AGE_SECS: i64 = 365 * 86_400;

/// The purposes the banner decides.
pub const COOKIE_PURPOSES: [Purpose; 2] = [Purpose::Analytics, Purpose::Personalisation];

const WRITE_EVENT: &str = "cookie_choice_ip";

/// The browser's subject in the consent ledger.
pub fn subject(device_id: &str) -> Subject {
    Subject::Device(sha256(device_id.as_bytes()))
}

/// Record the banner's choice for `device_id`, from `client`: within the
/// per-address limit, and only the decisions that change.
pub async fn record_choice<S: Store>(
    state: &App<S>,
    device_id: &str,
    client: &str,
    analytics: bool,
    advertising: bool,
) -> Result<(), AppError> {
    let now = state.now();
    let key = state.keys.client_key("cookie-ip", client);
    let limit = state.config.security.cookie_choices_per_ip_hour;
    if state
        .store
        .count_events(WRITE_EVENT, &key, now - 3_600_000)
        .await?
        >= limit
    {
        return Err(AppError::RateLimited);
    }
    state.store.record_event(WRITE_EVENT, &key, now).await?;
    let subject = subject(device_id);
    let current = decisions(&state.store.consents(&subject).await?);
    for (purpose, granted) in COOKIE_PURPOSES.iter().zip([analytics, advertising]) {
        if current
            .decision(purpose.key())
            .is_some_and(|d| d.granted == granted)
        {
            continue;
        }
        append(
            state,
            subject.clone(),
            purpose.key(),
            granted,
            None,
            "cookie_banner",
        )
        .await?;
    }
    Ok(())
}

/// Forget banner choices older than the cookie that carried them: such a
/// cookie has expired, so no browser can present it again.
pub async fn expire_choices<S: Store>(state: &App<S>, now: i64) -> Result<u64, AppError> {
    Ok(state
        .store
        .expire_device_consents(now - DEVICE_COOKIE_MAX_AGE_SECS * 1000)
        .await?)
}
