//! The privacy engine's storage: the consent ledger (CON-1..4, COOK-1),
//! published document versions (CON-2), account life cycle (ACC-6, MIN-2..4),
//! rights requests (R-1..R-6), the audit log (SEC-6), usage events
//! (DATA-1, DATA-2), disclosures (DATA-6), legal holds and erasure (RET-2).

use std::future::Future;

use xuancai_domain::UserId;
use xuancai_domain::privacy::{RequestKind, RequestMove, RequestStatus};

use crate::{Millis, Result};

/// Who a consent record belongs to: an account, or a browser/device before
/// sign-in (COOK-1), by the SHA-256 of its random cookie id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    User(UserId),
    Device(Vec<u8>),
}

/// One line of the append-only consent ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub id: [u8; 16],
    pub subject: Subject,
    /// A purpose key (`faces`, `analytics`, …) or `doc:KIND` for agreeing to a document.
    pub topic: String,
    pub granted: bool,
    /// The document version the decision was made against.
    pub version: Option<String>,
    /// `web`, `api`, `guardian_sms`, …
    pub channel: String,
    pub at: Millis,
}

/// A published version of a document (CON-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRecord {
    pub kind: String,
    pub version: String,
    pub effective_at: Millis,
    /// Reduces users' rights or changes purposes: users must agree again (§16).
    pub material: bool,
    pub summary: String,
    pub published_at: Millis,
}

/// Where an account is in its life (ACC-6, MIN-2, MIN-4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountState {
    pub cancelled_at: Option<Millis>,
    /// When a guardian verified by SMS and agreed for this (child or minor) account.
    pub guardian_verified_at: Option<Millis>,
    /// Since when the account (declared under 18) waits for a guardian:
    /// one whose guardian never agrees is erased after a documented period (MIN-2).
    pub guardian_required_since: Option<Millis>,
    /// When a cancelled account is due for erasure (RET-2, MIN-6).
    pub erase_after: Option<Millis>,
    /// The guardian's number, under the account's data key (MIN-4).
    pub guardian_phone_ciphertext: Option<Vec<u8>>,
}

/// The request a cancellation answers (see [`PrivacyStore::cancel_account`]):
/// its record as received, and the resolution it is done with.
#[derive(Debug, Clone, Copy)]
pub struct CancellationRequest<'a> {
    pub record: &'a RequestRecord,
    pub resolution: &'a str,
}

/// A rights request (R-1..R-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub id: [u8; 16],
    pub user: UserId,
    pub kind: RequestKind,
    pub status: RequestStatus,
    /// What the user wrote, under their data key.
    pub detail_ciphertext: Option<Vec<u8>>,
    /// what a deletion request names (JSON), under their data key.
    pub scope_ciphertext: Option<Vec<u8>>,
    /// Why it was refused, or what was done.
    pub resolution: Option<String>,
    pub received_at: Millis,
    pub deadline_at: Millis,
    pub updated_at: Millis,
}

/// One line of the append-only audit log (SEC-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: [u8; 16],
    /// The operator (or the user themself).
    pub actor: UserId,
    /// Whose data was read or changed.
    pub subject: UserId,
    pub action: String,
    pub at: Millis,
}

/// A usage or crash event (DATA-1), kept for its retention period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageEvent {
    pub id: [u8; 16],
    pub user: Option<UserId>,
    /// `app_open`, `page_view`, `crash`, …
    pub kind: String,
    /// Page, duration and the like, as JSON text (no identifiers).
    pub detail: String,
    /// The IP address truncated to its network (/24, /48).
    pub ip_prefix: Option<String>,
    /// Device identifiers under the user's data key, only with their consent (DATA-2).
    pub device_ciphertext: Option<Vec<u8>>,
    pub at: Millis,
}

/// A disclosure of personal information to a third party (DATA-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureRecord {
    pub id: [u8; 16],
    pub user: UserId,
    pub recipient: String,
    pub purpose: String,
    /// Category keys, space-separated.
    pub categories: String,
    pub at: Millis,
}

/// A legal hold that stops erasure (RET-2), recorded with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldRecord {
    pub id: [u8; 16],
    pub user: UserId,
    pub reason: String,
    pub placed_at: Millis,
    pub released_at: Option<Millis>,
}

pub trait PrivacyStore: Send + Sync {
    /// Append to the consent ledger (never updated in place).
    fn append_consent(&self, record: &ConsentRecord) -> impl Future<Output = Result<()>> + Send;
    /// A subject's whole ledger, oldest first.
    fn consents(&self, subject: &Subject) -> impl Future<Output = Result<Vec<ConsentRecord>>> + Send;

    /// [`crate::StoreError::Conflict`] if this kind and version exist.
    fn publish_document(&self, doc: &DocumentRecord) -> impl Future<Output = Result<()>> + Send;
    /// Every published version, oldest effective date first.
    fn documents(&self) -> impl Future<Output = Result<Vec<DocumentRecord>>> + Send;

    fn account_state(&self, user: &UserId) -> impl Future<Output = Result<Option<AccountState>>> + Send;
    /// ACC-6: mark the account cancelled, revoke every session and free the
    /// phone number (its lookup hash becomes `tombstone`); the account is
    /// due for erasure at `erase_after` (RET-2, MIN-6). With `request`, the
    /// rights request that asked for it is recorded and moved
    /// received → verified → done in the same transaction: both or
    /// neither. False, and nothing written, when the user does not exist or
    /// is cancelled already.
    fn cancel_account(
        &self,
        user: &UserId,
        tombstone: &[u8],
        at: Millis,
        erase_after: Millis,
        request: Option<CancellationRequest<'_>>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// MIN-4: record the guardian's verified phone (under the child's data
    /// key, and as a keyed hash to find the guardian's accounts); the account
    /// no longer waits.
    fn set_guardian(
        &self,
        user: &UserId,
        phone_ciphertext: &[u8],
        phone_hmac: &[u8],
        at: Millis,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// MIN-2: the guardian withdrew their consent: the account is locked
    /// again and waits for a guardian from `at`. False if it was not verified.
    fn withdraw_guardian(&self, user: &UserId, at: Millis) -> impl Future<Output = Result<bool>> + Send;
    /// MIN-2: start (`Some`, only if no guardian verified and not waiting
    /// already) or stop (`None`) waiting for a guardian.
    fn set_guardian_wait(
        &self,
        user: &UserId,
        since: Option<Millis>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Accounts (not cancelled) whose verified or former guardian has this number's keyed hash.
    fn wards_of(&self, guardian_hmac: &[u8]) -> impl Future<Output = Result<Vec<UserId>>> + Send;
    /// MIN-2: accounts, not cancelled, with no guardian verified, waiting since before `cutoff`.
    fn waiting_for_guardian_before(
        &self,
        cutoff: Millis,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<UserId>>> + Send;

    fn insert_request(&self, request: &RequestRecord) -> impl Future<Output = Result<()>> + Send;
    fn request(&self, id: &[u8; 16]) -> impl Future<Output = Result<Option<RequestRecord>>> + Send;
    /// A user's requests, newest first.
    fn requests_of(&self, user: &UserId) -> impl Future<Output = Result<Vec<RequestRecord>>> + Send;
    /// Open requests (not done or refused), oldest deadline first.
    fn open_requests(&self, limit: u32) -> impl Future<Output = Result<Vec<RequestRecord>>> + Send;
    /// Move a request by `step` (compare-and-set on its `from` status);
    /// false if it was not in that status. Only a [`RequestMove`] the life
    /// cycle allows can be asked for.
    fn move_request(
        &self,
        id: &[u8; 16],
        step: RequestMove,
        resolution: Option<&str>,
        at: Millis,
    ) -> impl Future<Output = Result<bool>> + Send;

    fn append_audit(&self, record: &AuditRecord) -> impl Future<Output = Result<()>> + Send;
    /// Reads of and changes to a user's data, oldest first.
    fn audit_of(&self, subject: &UserId) -> impl Future<Output = Result<Vec<AuditRecord>>> + Send;

    fn record_usage(&self, event: &UsageEvent) -> impl Future<Output = Result<()>> + Send;
    fn usage_of(&self, user: &UserId) -> impl Future<Output = Result<Vec<UsageEvent>>> + Send;
    /// Delete browsers' (device) consent records older than `before`;
    /// returns how many. Accounts' records are kept as evidence.
    fn expire_device_consents(&self, before: Millis) -> impl Future<Output = Result<u64>> + Send;
    /// Delete usage events older than `before`; returns how many.
    fn expire_usage(&self, before: Millis) -> impl Future<Output = Result<u64>> + Send;
    /// CON-4: withdrawing analytics or device consent removes what it allowed.
    fn delete_usage_of(&self, user: &UserId, device_only: bool) -> impl Future<Output = Result<u64>> + Send;

    fn record_disclosure(&self, record: &DisclosureRecord) -> impl Future<Output = Result<()>> + Send;
    fn disclosures_of(&self, user: &UserId) -> impl Future<Output = Result<Vec<DisclosureRecord>>> + Send;

    fn place_hold(&self, hold: &HoldRecord) -> impl Future<Output = Result<()>> + Send;
    fn release_hold(&self, id: &[u8; 16], at: Millis) -> impl Future<Output = Result<bool>> + Send;
    fn holds_of(&self, user: &UserId) -> impl Future<Output = Result<Vec<HoldRecord>>> + Send;

    /// RET-2: accounts due for erasure at `now` and not under a legal hold
    /// (held ones are skipped in the query, so they never stall the rest),
    /// the longest due first.
    fn due_for_erasure(&self, now: Millis, limit: u32) -> impl Future<Output = Result<Vec<UserId>>> + Send;
    /// How many accounts are due for erasure but under a legal hold.
    fn held_from_erasure(&self, now: Millis) -> impl Future<Output = Result<u64>> + Send;
    /// RET-2, MIN-6: delete the account and everything that hangs off it
    /// (the wrapped data key goes with the row — crypto-shredding), queue
    /// `blob_prefix` for deletion and drop the phone's codes, send counters
    /// and counted events, in one transaction. Rights requests stay as
    /// anonymous rows (no user, no detail) so the operator can show they were
    /// honoured; an anonymous count per day is kept. False if no such user.
    fn erase_account(
        &self,
        user: &UserId,
        blob_prefix: &str,
        now: Millis,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Every account id, oldest first, after `after` (RET-3: erasing all at shutdown).
    fn user_ids(&self, after: Option<UserId>, limit: u32)
    -> impl Future<Output = Result<Vec<UserId>>> + Send;
    /// Erasures per day (`YYYY-MM-DD` in UTC), the anonymised aggregate.
    fn erasure_counts(&self) -> impl Future<Output = Result<Vec<(String, i64)>>> + Send;
}
