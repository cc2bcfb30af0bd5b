//! [`Backend`] dispatch for accounts, sessions, one-time codes and profiles: each method calls the same
//! method of the open backend (see the trait for what it does).

use xuancai_domain::{CodePurpose, UserId};
use xuancai_store::*;

use super::{Backend, dispatch};

impl AccountStore for Backend {
    async fn insert_user(&self, user: &UserRecord) -> Result<()> {
        dispatch!(self, s => s.insert_user(user))
    }

    async fn user_by_phone(&self, phone_hmac: &[u8]) -> Result<Option<UserRecord>> {
        dispatch!(self, s => s.user_by_phone(phone_hmac))
    }

    async fn user_by_id(&self, id: &UserId) -> Result<Option<UserRecord>> {
        dispatch!(self, s => s.user_by_id(id))
    }

    async fn wrapped_keys_of_len(
        &self,
        wrapped_len: u32,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<(UserId, Vec<u8>)>> {
        dispatch!(self, s => s.wrapped_keys_of_len(wrapped_len, after, limit))
    }

    async fn wrapped_keys(&self, after: Option<UserId>, limit: u32) -> Result<Vec<(UserId, Vec<u8>)>> {
        dispatch!(self, s => s.wrapped_keys(after, limit))
    }

    async fn service_key(&self, name: &str) -> Result<Option<Vec<u8>>> {
        dispatch!(self, s => s.service_key(name))
    }

    async fn init_service_key(&self, name: &str, wrapped: &[u8]) -> Result<bool> {
        dispatch!(self, s => s.init_service_key(name, wrapped))
    }

    async fn swap_service_key(&self, name: &str, old: &[u8], new: &[u8]) -> Result<bool> {
        dispatch!(self, s => s.swap_service_key(name, old, new))
    }

    async fn rewrap_data_key(&self, user: &UserId, old: &[u8], new: &[u8]) -> Result<bool> {
        dispatch!(self, s => s.rewrap_data_key(user, old, new))
    }

    async fn put_code(
        &self,
        phone_hmac: &[u8],
        purpose: CodePurpose,
        code_hash: &[u8],
        expires_at: Millis,
    ) -> Result<()> {
        dispatch!(self, s => s.put_code(phone_hmac, purpose, code_hash, expires_at))
    }

    async fn check_code(
        &self,
        phone_hmac: &[u8],
        purpose: CodePurpose,
        code_hash: &[u8],
        now: Millis,
        max_attempts: u32,
    ) -> Result<CodeCheck> {
        dispatch!(self, s => s.check_code(phone_hmac, purpose, code_hash, now, max_attempts))
    }

    async fn reserve_send(
        &self,
        phone_hmac: &[u8],
        ip: &str,
        at: Millis,
        limits: SendLimits,
    ) -> Result<bool> {
        dispatch!(self, s => s.reserve_send(phone_hmac, ip, at, limits))
    }

    async fn create_session(
        &self,
        token_hash: &[u8],
        user: &UserId,
        created_at: Millis,
        expires_at: Millis,
    ) -> Result<()> {
        dispatch!(self, s => s.create_session(token_hash, user, created_at, expires_at))
    }

    async fn session_user(&self, token_hash: &[u8], now: Millis) -> Result<Option<UserId>> {
        dispatch!(self, s => s.session_user(token_hash, now))
    }

    async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        dispatch!(self, s => s.delete_session(token_hash))
    }

    async fn delete_user_sessions(&self, user: &UserId) -> Result<u64> {
        dispatch!(self, s => s.delete_user_sessions(user))
    }

    async fn sessions_of(&self, user: &UserId) -> Result<Vec<(Millis, Millis)>> {
        dispatch!(self, s => s.sessions_of(user))
    }
}

impl ProfileStore for Backend {
    async fn profile(&self, user: &UserId) -> Result<Option<ProfileRecord>> {
        dispatch!(self, s => s.profile(user))
    }

    async fn set_profile_field(
        &self,
        user: &UserId,
        field: ProfileField,
        value: Option<FieldValue>,
    ) -> Result<bool> {
        dispatch!(self, s => s.set_profile_field(user, field, value))
    }

    async fn append_ledger(&self, entry: &LedgerEntry, swap: &BalanceSwap) -> Result<Appended> {
        dispatch!(self, s => s.append_ledger(entry, swap))
    }

    async fn reseal_ledger_entry(&self, id: &[u8; 16], reference: &str, sealed: &[u8]) -> Result<bool> {
        dispatch!(self, s => s.reseal_ledger_entry(id, reference, sealed))
    }

    async fn forget_coins(&self, user: &UserId) -> Result<u64> {
        dispatch!(self, s => s.forget_coins(user))
    }

    async fn ledger(&self, user: &UserId, after: Option<Cursor>, limit: u32) -> Result<Vec<LedgerEntry>> {
        dispatch!(self, s => s.ledger(user, after, limit))
    }

    async fn record_event(&self, kind: &str, key: &[u8], at: Millis) -> Result<()> {
        dispatch!(self, s => s.record_event(kind, key, at))
    }

    async fn count_events(&self, kind: &str, key: &[u8], since: Millis) -> Result<u64> {
        dispatch!(self, s => s.count_events(kind, key, since))
    }

    async fn clear_events(&self, kind: &str, key: &[u8]) -> Result<()> {
        dispatch!(self, s => s.clear_events(kind, key))
    }
}

impl SealingStore for Backend {
    async fn accounts_to_reseal(&self, after: Option<UserId>, limit: u32) -> Result<Vec<UserId>> {
        dispatch!(self, s => s.accounts_to_reseal(after, limit))
    }

    async fn legacy_cells(&self, user: &UserId) -> Result<Vec<SealedCell>> {
        dispatch!(self, s => s.legacy_cells(user))
    }

    async fn reseal(&self, user: &UserId, cells: &[(SealedCell, Vec<u8>)]) -> Result<Resealed> {
        dispatch!(self, s => s.reseal(user, cells))
    }
}
