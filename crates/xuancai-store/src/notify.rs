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

/// A message an operator sends to every account (ADS-3) or only to those
/// who agreed to marketing (ADS-2). It is delivered from the queue, a page
/// of accounts at a time (issue 19 item 5): the request that queues it
/// answers at once, and a broadcast cut short by a crash resumes after the
/// last page it recorded, on whichever node takes its lease next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadcastRecord {
    pub id: [u8; 16],
    /// `xuancai_domain::MessageKind::as_str`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The operator who sent it (gone when that account is erased).
    pub created_by: Option<UserId>,
    pub created_at: Millis,
    /// The last account of the last page done (accounts go in id order);
    /// none once finished.
    pub cursor: Option<UserId>,
    pub delivered: u64,
    pub pushed: u64,
    pub skipped: u64,
    /// Held by a node until then; 0 when nobody holds it.
    pub lease_until: Millis,
    pub finished_at: Option<Millis>,
}

/// What one page of a broadcast did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BroadcastPage {
    /// The last account of the page.
    pub cursor: Option<UserId>,
    pub delivered: u64,
    pub pushed: u64,
    pub skipped: u64,
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
    /// Put a message in an inbox; an item whose id is already there is left
    /// as it is (a broadcast page run again after a crash delivers once).
    fn deliver(&self, item: &InboxItem) -> impl Future<Output = Result<()>> + Send;
    /// Newest first.
    fn inbox(&self, user: &UserId, limit: u32) -> impl Future<Output = Result<Vec<InboxItem>>> + Send;

    fn create_broadcast(&self, b: &BroadcastRecord) -> impl Future<Output = Result<()>> + Send;
    fn broadcast(&self, id: &[u8; 16]) -> impl Future<Output = Result<Option<BroadcastRecord>>> + Send;
    /// Take the oldest unfinished broadcast nobody holds at `now` (its lease
    /// ran out), holding it until `until`. Atomic: of nodes claiming at once,
    /// one gets it.
    fn claim_broadcast(
        &self,
        now: Millis,
        until: Millis,
    ) -> impl Future<Output = Result<Option<BroadcastRecord>>> + Send;
    /// Record a page done and hold the broadcast until `until` — only while
    /// the lease is still `held` (this node's); false when another node took
    /// it over. `finished_at` ends it and clears the cursor (no account is
    /// named once it is done; an erasure moves a paused cursor back).
    fn advance_broadcast(
        &self,
        id: &[u8; 16],
        held: Millis,
        page: &BroadcastPage,
        until: Millis,
        finished_at: Option<Millis>,
    ) -> impl Future<Output = Result<bool>> + Send;
}
