//! Push delivery (DATA-5) behind a provider trait. The providers (Web Push,
//! the phone vendors' channels) are outbound adapters in `xuancai-outbound`;
//! [`Channels`] holds those configured, by their `PROCESSORS` keys.

use std::future::Future;
use std::pin::Pin;

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
