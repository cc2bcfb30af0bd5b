//! Accounts: one-time SMS codes within their limits (ACC-1), used for
//! sign-in, the identity re-check of rights requests (ACC-7) and the
//! guardian's verification (MIN-4).

use xuancai_domain::privacy::{Category, Purpose};
use xuancai_domain::{OneTimeCode, PhoneNumber};
use xuancai_store::{CodeCheck, SendKey, Store};

use crate::App;
use crate::crypto::sha256;
use crate::error::AppError;

/// Send a one-time code to `phone`, within the per-number and per-IP limits
/// (ACC-1). Also the fresh identity check of rights requests (ACC-7) and the
/// guardian's verification (MIN-4).
pub async fn send_code<S: Store>(state: &App<S>, phone: &PhoneNumber, ip: &str) -> Result<(), AppError> {
    let hmac = state.keys.lookup_hash(phone.as_e164());
    let now = state.now();
    let cfg = &state.config;
    let minute = state
        .store
        .count_sends(&SendKey::Phone(hmac.clone()), now - 60_000)
        .await?;
    let day = state
        .store
        .count_sends(&SendKey::Phone(hmac.clone()), now - 86_400_000)
        .await?;
    let ip_day = state
        .store
        .count_sends(&SendKey::Ip(ip.to_string()), now - 86_400_000)
        .await?;
    if minute >= cfg.sends_per_phone_minute
        || day >= cfg.sends_per_phone_day
        || ip_day >= cfg.sends_per_ip_day
    {
        return Err(AppError::RateLimited);
    }
    let code = OneTimeCode::generate();
    state
        .store
        .put_code(&hmac, &code_hash(&hmac, &code), now + cfg.code_ttl_secs * 1000)
        .await?;
    state.store.record_send(&hmac, ip, now).await?;
    state
        .sms
        .send(phone, &code)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    tracing::info!(to = %phone.masked(), "one-time code sent");
    // DATA-6: the number went to a third party; log it against the account.
    if let Some(recipient) = state.sms.processor()
        && let Some(user) = state.store.user_by_phone(&hmac).await?
    {
        crate::privacy::disclose(state, user.id, recipient, Purpose::Account, &[Category::Phone]).await?;
    }
    Ok(())
}

/// Check a code for a number (single use, limited tries — ACC-1).
pub async fn check_code<S: Store>(state: &App<S>, phone_hmac: &[u8], code: &str) -> Result<(), AppError> {
    let code = OneTimeCode::parse(code)?;
    let outcome = state
        .store
        .check_code(
            phone_hmac,
            &code_hash(phone_hmac, &code),
            state.now(),
            state.config.code_max_attempts,
        )
        .await?;
    match outcome {
        CodeCheck::Accepted => Ok(()),
        CodeCheck::Rejected { remaining } => Err(AppError::CodeRejected {
            code: "code_invalid",
            message: format!("wrong code; {remaining} tries left"),
        }),
        CodeCheck::Missing => Err(AppError::CodeRejected {
            code: "code_invalid",
            message: "no valid code for this number; request a new one".into(),
        }),
        CodeCheck::Expired => Err(AppError::CodeRejected {
            code: "code_expired",
            message: "the code expired; request a new one".into(),
        }),
        CodeCheck::Exhausted => Err(AppError::CodeRejected {
            code: "code_attempts_exhausted",
            message: "too many wrong tries; request a new code".into(),
        }),
    }
}

pub fn code_hash(phone_hmac: &[u8], code: &OneTimeCode) -> Vec<u8> {
    let mut v = phone_hmac.to_vec();
    v.extend(code.expose().as_bytes());
    sha256(&v)
}
