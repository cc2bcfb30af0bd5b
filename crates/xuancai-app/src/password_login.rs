//! Signing in with a password (ACC-3), with the limits an anonymous caller
//! meets (issue 19 items 3 and 11): failures are counted per number, per
//! client address and over the whole service, each with its own hourly
//! limit checked before any hashing; the hash itself runs in the bounded
//! [`crate::passwords::Pool`]. A successful SMS sign-in clears the number's
//! lock ([`clear_number_lock`]), so its owner is never locked out by others.

use xuancai_domain::{Password, PhoneNumber, UserId};
use xuancai_store::{FieldValue, ProfileField, Store};

use crate::App;
use crate::error::AppError;
use crate::passwords::{self, Verdict};

/// Event kinds of failed password logins: per number, per client address,
/// and service-wide.
const FAILED_NUMBER: &str = "password_failed";
const FAILED_IP: &str = "password_failed_ip";
const FAILED_ANY: &str = "password_failed_any";
const ANY_KEY: &[u8] = b"*";
const HOUR_MS: i64 = 3_600_000;

/// Check a password for a number. Unknown numbers, accounts without a
/// password and wrong passwords get the same answer after the same work.
/// When the stored hash uses old parameters a new one is stored.
pub async fn password_login<S: Store>(
    state: &App<S>,
    phone: &PhoneNumber,
    password: String,
    client: &str,
) -> Result<UserId, AppError> {
    let hmac = state.keys.lookup_hash(phone.as_e164());
    let ip_key = state.keys.client_key("password-ip", client);
    let now = state.now();
    let since = now - HOUR_MS;
    let cfg = &state.config;
    let limits = [
        (FAILED_NUMBER, hmac.as_slice(), cfg.password_failures_per_hour),
        (
            FAILED_IP,
            ip_key.as_slice(),
            cfg.security.password_failures_per_ip_hour,
        ),
        (FAILED_ANY, ANY_KEY, cfg.security.password_failures_per_hour),
    ];
    for (kind, key, limit) in limits {
        if state.store.count_events(kind, key, since).await? >= limit {
            return Err(AppError::RateLimited);
        }
    }
    let params = crate::profile::hash_params(cfg);
    let user = state.store.user_by_phone(&hmac).await?;
    let stored = match &user {
        Some(u) => state.store.profile(&u.id).await?.and_then(|p| p.password_hash),
        None => None,
    };
    // Verify, and when the stored hash uses old parameters, make a new one
    // while the password is at hand (ACC-3: re-hashed when parameters change).
    let (verdict, new_hash) = state
        .passwords
        .run(move |memory| match &stored {
            Some(phc) => {
                let v = passwords::verify(&password, phc, params, memory);
                let new_hash = (v == Verdict::RightNeedsRehash)
                    .then(|| Password::parse(&password).ok())
                    .flatten()
                    .and_then(|p| passwords::hash(&p, params).ok());
                (v, new_hash)
            }
            None => {
                passwords::waste_time(params, memory);
                (Verdict::Wrong, None)
            }
        })
        .await
        .map_err(|_| AppError::Busy)?;
    let user = match (user, verdict) {
        (Some(u), Verdict::Right | Verdict::RightNeedsRehash) => u,
        _ => {
            for (kind, key, _) in limits {
                state.store.record_event(kind, key, now).await?;
            }
            return Err(AppError::CodeRejected {
                code: "invalid_credentials",
                message: "wrong phone number or password".into(),
            });
        }
    };
    if let Some(phc) = new_hash {
        state
            .store
            .set_profile_field(&user.id, ProfileField::PasswordHash, Some(FieldValue::Text(phc)))
            .await?;
        tracing::info!(user = %user.id, "password re-hashed with current parameters");
    }
    Ok(user.id)
}

/// The owner proved the number by SMS: wrong passwords others tried on it
/// no longer lock it (issue 19 item 11).
pub async fn clear_number_lock<S: Store>(state: &App<S>, phone_hmac: &[u8]) -> Result<(), AppError> {
    state.store.clear_events(FAILED_NUMBER, phone_hmac).await?;
    Ok(())
}
