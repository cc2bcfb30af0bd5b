//! Accounts: one-time SMS codes within their limits (ACC-1), each bound to
//! its purpose — sign-in, the identity re-check of rights requests and
//! cancellation (ACC-7), the guardian's verification (MIN-4) — and to the
//! account that asked for it.

use xuancai_domain::privacy::{Category, Purpose};
use xuancai_domain::{CodePurpose, OneTimeCode, PhoneNumber, UserId};
use xuancai_store::{CodeCheck, SendLimits, Store, StoreError};

use crate::App;
use crate::crypto::{Keys, LEGACY_WRAPPED_LEN, sha256};
use crate::error::AppError;

/// Who a code is for: its purpose, and the account that asked for it where
/// there is one (the account holder for [`CodePurpose::Verify`], the child
/// for [`CodePurpose::Guardian`]). A code checks only under the same
/// `CodeFor` it was sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeFor<'a> {
    pub purpose: CodePurpose,
    pub account: Option<&'a UserId>,
}

impl<'a> CodeFor<'a> {
    /// Signing in with the number.
    pub const SIGN_IN: CodeFor<'static> = CodeFor {
        purpose: CodePurpose::SignIn,
        account: None,
    };

    /// The account holder's fresh identity check (ACC-7).
    pub fn verify(account: &'a UserId) -> Self {
        Self {
            purpose: CodePurpose::Verify,
            account: Some(account),
        }
    }

    /// A guardian opening the guardian's page (MIN-2, MIN-5): bound to no
    /// account, and no sign-in code.
    pub const GUARDIAN_PAGE: CodeFor<'static> = CodeFor {
        purpose: CodePurpose::GuardianPortal,
        account: None,
    };

    /// A guardian verifying for the child's account `child` (MIN-4).
    pub fn guardian(child: &'a UserId) -> Self {
        Self {
            purpose: CodePurpose::Guardian,
            account: Some(child),
        }
    }
}

/// Send a one-time code for `what` to `phone`, within the per-number and
/// per-IP limits (ACC-1), reserved atomically before anything is sent. The
/// SMS names what the code is for.
pub async fn send_code<S: Store>(
    state: &App<S>,
    phone: &PhoneNumber,
    ip: &str,
    what: CodeFor<'_>,
) -> Result<(), AppError> {
    let hmac = state.keys.lookup_hash(phone.as_e164());
    let now = state.now();
    let cfg = &state.config;
    let limits = SendLimits {
        per_phone_minute: cfg.sends_per_phone_minute,
        per_phone_day: cfg.sends_per_phone_day,
        per_ip_day: cfg.sends_per_ip_day,
    };
    // SEC-4, DATA-1: the rate-limit key is a keyed hash of the IP, never
    // the address itself (the published register says so).
    let ip_key: String = state.keys.client_key("ip", ip)[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if !state.store.reserve_send(&hmac, &ip_key, now, limits).await? {
        return Err(AppError::RateLimited);
    }
    let code = OneTimeCode::generate();
    state
        .store
        .put_code(
            &hmac,
            what.purpose,
            &code_hash(&hmac, what, &code),
            now + cfg.code_ttl_secs * 1000,
        )
        .await?;
    let minutes = (cfg.code_ttl_secs / 60).max(1);
    let text = what
        .purpose
        .sms_text()
        .replace("{code}", code.expose())
        .replace("{minutes}", &minutes.to_string());
    let sent = state.sms.send(phone, &code, what.purpose, &text).await;
    let outcome = if sent.is_ok() { "sent" } else { "failed" };
    crate::metrics::global().count(
        "xuancai_sms_sent_total",
        &[("purpose", what.purpose.key()), ("outcome", outcome)],
        1,
    );
    sent.map_err(|e| AppError::Internal(e.to_string()))?;
    tracing::info!(to = %phone.masked(), purpose = what.purpose.key(), "one-time code sent");
    // DATA-6: the number went to a third party; log it against the account
    // it serves: the child's for a guardian's code, else the number's own.
    if let Some(recipient) = state.sms.processor() {
        let served = match (what.purpose, what.account) {
            (CodePurpose::Guardian, Some(child)) => Some(*child),
            _ => state.store.user_by_phone(&hmac).await?.map(|u| u.id),
        };
        if let Some(user) = served {
            crate::privacy::disclose(state, user, recipient, Purpose::Account, &[Category::Phone]).await?;
        }
    }
    Ok(())
}

/// DATA-6: the sign-in code that created `user` went to the SMS gateway
/// before the account existed; log that disclosure against the new account.
pub async fn disclose_sign_in_code<S: Store>(state: &App<S>, user: &UserId) -> Result<(), AppError> {
    if let Some(recipient) = state.sms.processor() {
        crate::privacy::disclose(state, *user, recipient, Purpose::Account, &[Category::Phone]).await?;
    }
    Ok(())
}

/// Check a code for a number, sent for `what` (single use, limited tries,
/// valid only for its purpose and account — ACC-1).
pub async fn check_code<S: Store>(
    state: &App<S>,
    phone_hmac: &[u8],
    what: CodeFor<'_>,
    code: &str,
) -> Result<(), AppError> {
    let code = OneTimeCode::parse(code)?;
    let outcome = state
        .store
        .check_code(
            phone_hmac,
            what.purpose,
            &code_hash(phone_hmac, what, &code),
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

/// The stored hash binds the code to the number, the purpose and the
/// account that asked for it.
fn code_hash(phone_hmac: &[u8], what: CodeFor<'_>, code: &OneTimeCode) -> Vec<u8> {
    let mut v = phone_hmac.to_vec();
    v.push(0);
    v.extend(what.purpose.key().as_bytes());
    v.push(0);
    if let Some(account) = what.account {
        v.extend(account.as_bytes());
    }
    v.push(0);
    v.extend(code.expose().as_bytes());
    sha256(&v)
}

/// A session just opened: the token the caller keeps (only its hash is
/// stored) and how long it lives.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub ttl_secs: i64,
}

/// Open a session for `user` (ACC-4): a random token whose SHA-256 is
/// stored with its expiry (`session_ttl_secs` from now).
pub async fn open_session<S: Store>(state: &App<S>, user: &UserId) -> Result<NewSession, AppError> {
    let now = state.now();
    let token: String = crate::crypto::random::<32>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let ttl_secs = state.config.session_ttl_secs;
    state
        .store
        .create_session(&sha256(token.as_bytes()), user, now, now + ttl_secs * 1000)
        .await?;
    Ok(NewSession { token, ttl_secs })
}

/// Issue 19 item 16: re-wrap every data key still in the format written
/// before keys were bound to their account (SEC-4), so that from then on a
/// wrapped key opens only in its own account's row. Run at start-up, before
/// anything is served; idempotent, and safe with several processes starting
/// at once (each row is replaced by compare and swap). A key the master key
/// does not open is left as it is and logged: that account's data was
/// unreadable before too. Returns how many keys were re-wrapped.
pub async fn bind_legacy_data_keys<S: Store>(store: &S, keys: &Keys) -> Result<usize, StoreError> {
    const PAGE: u32 = 500;
    let len = u32::try_from(LEGACY_WRAPPED_LEN).unwrap_or(u32::MAX);
    let mut after = None;
    let mut rewrapped = 0;
    loop {
        let page = store.wrapped_keys_of_len(len, after, PAGE).await?;
        let Some((last, _)) = page.last() else { break };
        after = Some(*last);
        for (user, wrapped) in &page {
            match keys.rewrap_legacy(user, wrapped) {
                Ok(Some(bound)) => {
                    if store.rewrap_data_key(user, wrapped, &bound).await? {
                        rewrapped += 1;
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(%user, error = %e, "a stored data key does not open with the master key")
                }
            }
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    if rewrapped > 0 {
        tracing::info!(rewrapped, "data keys bound to their accounts");
    }
    Ok(rewrapped)
}
