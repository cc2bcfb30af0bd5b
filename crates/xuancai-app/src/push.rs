//! Push delivery (DATA-5) behind a provider trait. The providers (Web Push,
//! the phone vendors' channels) are outbound adapters in `xuancai-outbound`;
//! [`Channels`] holds those configured, by their `PROCESSORS` keys.
//!
//! [`send_all`] fans a batch of pushes out with bounded concurrency and a
//! timeout per device, so a slow or tarpitting endpoint costs one timeout,
//! not the whole broadcast; devices the push service calls gone, and those
//! that keep failing, are forgotten (issue 19 item 5). [`register`] keeps
//! a bounded number of devices per account.

use std::future::Future;
use std::pin::Pin;
use xuancai_store::SealedColumn;

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("not a valid subscription: {0}")]
    InvalidToken(String),
    #[error("the push service refused the message: {0}")]
    Rejected(String),
    #[error("the subscription is gone")]
    Gone,
    /// The endpoint is not one this server may send to (an internal
    /// address, a host off the push-service allow-list).
    #[error("the endpoint is refused: {0}")]
    Refused(String),
}

pub type PushFuture<'a> = Pin<Box<dyn Future<Output = Result<(), PushError>> + Send + 'a>>;

/// One push channel.
pub trait PushProvider: Send + Sync + std::fmt::Debug {
    /// The processor key (`web_push`, …) for the register and disclosures (DATA-4, DATA-6).
    fn key(&self) -> &'static str;
    /// Check a device token before it is stored (a Web Push endpoint is
    /// resolved, so this is asynchronous).
    fn validate<'a>(&'a self, token: &'a str) -> PushFuture<'a>;
    fn send<'a>(&'a self, token: &'a str, payload: &'a [u8]) -> PushFuture<'a>;
}

/// Every push channel of this server, by register key.
#[derive(Debug, Default)]
pub struct Channels(Vec<std::sync::Arc<dyn PushProvider>>);

impl Channels {
    pub fn new(channels: Vec<std::sync::Arc<dyn PushProvider>>) -> Self {
        Self(channels)
    }

    pub fn get(&self, key: &str) -> Option<&std::sync::Arc<dyn PushProvider>> {
        self.0.iter().find(|c| c.key() == key)
    }

    /// The register keys of the channels on.
    pub fn keys(&self) -> Vec<&'static str> {
        self.0.iter().map(|c| c.key()).collect()
    }
}

/// One push to one device.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub user: xuancai_domain::UserId,
    pub device: [u8; 16],
    pub provider: String,
    pub token: String,
    pub payload: std::sync::Arc<str>,
}

/// Send every push of a batch, `security.push_concurrency` at once, each
/// within `security.push_timeout_secs`. Each delivery is logged as a
/// disclosure to the push service (DATA-6). Returns how many were delivered.
pub async fn send_all<S: xuancai_store::Store>(
    state: &crate::App<S>,
    batch: Vec<Outgoing>,
) -> Result<u64, crate::AppError> {
    use futures_util::StreamExt as _;
    use xuancai_domain::privacy::{Category, Purpose};
    let security = &state.config.security;
    let timeout = std::time::Duration::from_secs(security.push_timeout_secs.max(1));
    let results: Vec<(Outgoing, Option<&'static str>, Result<(), PushError>)> =
        futures_util::stream::iter(batch)
            .map(|push| async move {
                let Some(channel) = state.push.get(&push.provider) else {
                    // A vendor the operator has since turned off.
                    return (push, None, Err(PushError::Rejected("channel off".into())));
                };
                let sent = tokio::time::timeout(timeout, channel.send(&push.token, push.payload.as_bytes()))
                    .await
                    .unwrap_or_else(|_| Err(PushError::Rejected("timed out".into())));
                (push, Some(channel.key()), sent)
            })
            .buffer_unordered(security.push_concurrency.max(1))
            .collect()
            .await;
    let mut delivered = 0;
    for (push, channel, sent) in results {
        let outcome = match (&sent, &channel) {
            (Ok(()), Some(_)) => "delivered",
            (Err(PushError::Gone), _) => "gone",
            (_, None) => "channel_off",
            (Err(_), Some(_)) => "failed",
        };
        crate::metrics::global().count("xuancai_push_sent_total", &[("outcome", outcome)], 1);
        match (sent, channel) {
            (Ok(()), Some(channel)) => {
                delivered += 1;
                state.store.push_succeeded(&push.device).await?;
                crate::privacy::disclose(state, push.user, channel, Purpose::Push, &[Category::PushToken])
                    .await?;
            }
            (Err(PushError::Gone), _) => {
                tracing::info!(user = %push.user, "push device gone; forgotten");
                state.store.delete_push_token(&push.device).await?;
            }
            // A vendor the operator turned off: not the device's fault.
            (_, None) => {}
            (Err(e), Some(_)) => {
                let failures = state
                    .store
                    .push_failed(&push.device, security.push_failures_before_drop.max(1))
                    .await?;
                // The endpoint is not logged: it identifies the device.
                let error: String = e.to_string().chars().take(120).collect();
                tracing::warn!(user = %push.user, failures, error, "push failed");
            }
        }
    }
    Ok(delivered)
}

/// Register a device for `user` (its token sealed under the user's key) and
/// keep only the newest `security.push_devices_per_account`.
pub async fn register<S: xuancai_store::Store>(
    state: &crate::App<S>,
    user: &xuancai_domain::UserId,
    provider: &str,
    token: &str,
) -> Result<(), crate::AppError> {
    let key = state.data_key(user).await?;
    // The same device stored before per-use keys (issue 19 item 16) has
    // another hash: found by its token, it is replaced, not doubled.
    for t in state.store.push_tokens(user).await? {
        if key
            .open(SealedColumn::PushToken, &t.id, &t.token_ciphertext)
            .ok()
            .as_deref()
            == Some(token.as_bytes())
        {
            state.store.delete_push_token(&t.id).await?;
        }
    }
    let id = crate::crypto::random::<16>();
    state
        .store
        .put_push_token(
            &xuancai_store::PushToken {
                id,
                user: *user,
                provider: provider.to_string(),
                token_ciphertext: key.seal(SealedColumn::PushToken, &id, token.as_bytes()),
                created_at: state.now(),
            },
            &state.keys.mac(crate::crypto::MacUse::PushDevice, token),
        )
        .await?;
    state
        .store
        .trim_push_tokens(user, state.config.security.push_devices_per_account.max(1))
        .await?;
    Ok(())
}
