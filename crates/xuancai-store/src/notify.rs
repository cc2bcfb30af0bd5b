//! Push tokens (DATA-5) and the in-app inbox for service announcements
//! (ADS-3) and marketing messages (ADS-2).

use std::future::Future;

use xuancai_domain::UserId;

use crate::{Millis, Result};

/// A device's push registration: Web Push subscription JSON, encrypted under
/// the user's data key; kept only while the push consent stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushToken {
    pub id: [u8; 16],
    pub user: UserId,
    /// A `PROCESSORS` key: `web_push`, `xiaomi_push`, …
    pub provider: String,
    pub token_ciphertext: Vec<u8>,
    pub created_at: Millis,
}

/// One message in a user's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    pub id: [u8; 16],
    pub user: UserId,
    /// `service` (reaches everyone) or `marketing` (only with consent).
    pub kind: String,
    pub title: String,
    pub body: String,
    pub at: Millis,
}

pub trait NotifyStore: Send + Sync {
    /// Register a token; the same token (by its keyed hash) is stored once per user.
    fn put_push_token(&self, token: &PushToken, token_hash: &[u8])
    -> impl Future<Output = Result<()>> + Send;
    fn push_tokens(&self, user: &UserId) -> impl Future<Output = Result<Vec<PushToken>>> + Send;
    /// Keep a user's `keep` newest devices and forget older ones (issue 19
    /// item 5: a bounded number of devices per account); returns how many went.
    fn trim_push_tokens(&self, user: &UserId, keep: u32) -> impl Future<Output = Result<u64>> + Send;
    /// A push to this device failed: count it and return the failures in a
    /// row; at `limit` the device is forgotten (and `limit` returned).
    fn push_failed(&self, id: &[u8; 16], limit: u32) -> impl Future<Output = Result<u32>> + Send;
    /// A push reached this device: its failure count starts again.
    fn push_succeeded(&self, id: &[u8; 16]) -> impl Future<Output = Result<()>> + Send;
    /// The push service says the device is gone: forget it.
    fn delete_push_token(&self, id: &[u8; 16]) -> impl Future<Output = Result<()>> + Send;
    /// CON-4: withdrawing push consent removes every token; returns how many.
    fn delete_push_tokens(&self, user: &UserId) -> impl Future<Output = Result<u64>> + Send;
    fn deliver(&self, item: &InboxItem) -> impl Future<Output = Result<()>> + Send;
    /// Newest first.
    fn inbox(&self, user: &UserId, limit: u32) -> impl Future<Output = Result<Vec<InboxItem>>> + Send;
}
