//! [`Backend`] dispatch for the privacy engine's records and complaints: each method calls the same
//! method of the open backend (see the trait for what it does).

use xuancai_domain::UserId;
use xuancai_store::*;

use super::{Backend, dispatch};

impl PrivacyStore for Backend {
    async fn append_consent(&self, record: &ConsentRecord) -> Result<()> {
        dispatch!(self, s => s.append_consent(record))
    }

    async fn consents(&self, subject: &Subject) -> Result<Vec<ConsentRecord>> {
        dispatch!(self, s => s.consents(subject))
    }

    async fn publish_document(&self, doc: &DocumentRecord) -> Result<()> {
        dispatch!(self, s => s.publish_document(doc))
    }

    async fn documents(&self) -> Result<Vec<DocumentRecord>> {
        dispatch!(self, s => s.documents())
    }

    async fn account_state(&self, user: &UserId) -> Result<Option<AccountState>> {
        dispatch!(self, s => s.account_state(user))
    }

    async fn cancel_account(
        &self,
        user: &UserId,
        tombstone: &[u8],
        at: Millis,
        erase_after: Millis,
        request: Option<CancellationRequest<'_>>,
    ) -> Result<bool> {
        dispatch!(self, s => s.cancel_account(user, tombstone, at, erase_after, request))
    }

    async fn set_guardian(
        &self,
        user: &UserId,
        phone_ciphertext: &[u8],
        phone_hmac: &[u8],
        at: Millis,
    ) -> Result<bool> {
        dispatch!(self, s => s.set_guardian(user, phone_ciphertext, phone_hmac, at))
    }

    async fn withdraw_guardian(&self, user: &UserId, at: Millis) -> Result<bool> {
        dispatch!(self, s => s.withdraw_guardian(user, at))
    }

    async fn set_guardian_wait(&self, user: &UserId, since: Option<Millis>) -> Result<()> {
        dispatch!(self, s => s.set_guardian_wait(user, since))
    }

    async fn wards_of(&self, guardian_hmac: &[u8]) -> Result<Vec<UserId>> {
        dispatch!(self, s => s.wards_of(guardian_hmac))
    }

    async fn waiting_for_guardian_before(&self, cutoff: Millis, limit: u32) -> Result<Vec<UserId>> {
        dispatch!(self, s => s.waiting_for_guardian_before(cutoff, limit))
    }

    async fn insert_request(&self, request: &RequestRecord) -> Result<()> {
        dispatch!(self, s => s.insert_request(request))
    }

    async fn request(&self, id: &[u8; 16]) -> Result<Option<RequestRecord>> {
        dispatch!(self, s => s.request(id))
    }

    async fn requests_of(&self, user: &UserId) -> Result<Vec<RequestRecord>> {
        dispatch!(self, s => s.requests_of(user))
    }

    async fn open_requests(&self, limit: u32) -> Result<Vec<RequestRecord>> {
        dispatch!(self, s => s.open_requests(limit))
    }

    async fn move_request(
        &self,
        id: &[u8; 16],
        step: xuancai_domain::privacy::RequestMove,
        resolution: Option<&str>,
        at: Millis,
    ) -> Result<bool> {
        dispatch!(self, s => s.move_request(id, step, resolution, at))
    }

    async fn append_audit(&self, record: &AuditRecord) -> Result<()> {
        dispatch!(self, s => s.append_audit(record))
    }

    async fn audit_of(&self, subject: &UserId) -> Result<Vec<AuditRecord>> {
        dispatch!(self, s => s.audit_of(subject))
    }

    async fn record_usage(&self, event: &UsageEvent) -> Result<()> {
        dispatch!(self, s => s.record_usage(event))
    }

    async fn usage_of(&self, user: &UserId) -> Result<Vec<UsageEvent>> {
        dispatch!(self, s => s.usage_of(user))
    }

    async fn expire_device_consents(&self, before: Millis) -> Result<u64> {
        dispatch!(self, s => s.expire_device_consents(before))
    }

    async fn expire_usage(&self, before: Millis) -> Result<u64> {
        dispatch!(self, s => s.expire_usage(before))
    }

    async fn delete_usage_of(&self, user: &UserId, device_only: bool) -> Result<u64> {
        dispatch!(self, s => s.delete_usage_of(user, device_only))
    }

    async fn record_disclosure(&self, record: &DisclosureRecord) -> Result<()> {
        dispatch!(self, s => s.record_disclosure(record))
    }

    async fn disclosures_of(&self, user: &UserId) -> Result<Vec<DisclosureRecord>> {
        dispatch!(self, s => s.disclosures_of(user))
    }

    async fn place_hold(&self, hold: &HoldRecord) -> Result<()> {
        dispatch!(self, s => s.place_hold(hold))
    }

    async fn release_hold(&self, id: &[u8; 16], at: Millis) -> Result<bool> {
        dispatch!(self, s => s.release_hold(id, at))
    }

    async fn holds_of(&self, user: &UserId) -> Result<Vec<HoldRecord>> {
        dispatch!(self, s => s.holds_of(user))
    }

    async fn due_for_erasure(&self, now: Millis, limit: u32) -> Result<Vec<UserId>> {
        dispatch!(self, s => s.due_for_erasure(now, limit))
    }

    async fn held_from_erasure(&self, now: Millis) -> Result<u64> {
        dispatch!(self, s => s.held_from_erasure(now))
    }

    async fn erase_account(&self, user: &UserId, blob_prefix: &str, now: Millis) -> Result<bool> {
        dispatch!(self, s => s.erase_account(user, blob_prefix, now))
    }

    async fn user_ids(&self, after: Option<UserId>, limit: u32) -> Result<Vec<UserId>> {
        dispatch!(self, s => s.user_ids(after, limit))
    }

    async fn erasure_counts(&self) -> Result<Vec<(String, i64)>> {
        dispatch!(self, s => s.erasure_counts())
    }
}

impl ComplaintStore for Backend {
    async fn add_complaint(&self, c: &ComplaintRecord) -> Result<()> {
        dispatch!(self, s => s.add_complaint(c))
    }

    async fn complaints(
        &self,
        status: xuancai_domain::privacy::ComplaintStatus,
        limit: u32,
    ) -> Result<Vec<ComplaintRecord>> {
        dispatch!(self, s => s.complaints(status, limit))
    }

    async fn answer_complaint(&self, id: &[u8], resolution: &str, at: Millis) -> Result<bool> {
        dispatch!(self, s => s.answer_complaint(id, resolution, at))
    }

    async fn purge_complaints(&self, before: Millis) -> Result<u64> {
        dispatch!(self, s => s.purge_complaints(before))
    }
}
