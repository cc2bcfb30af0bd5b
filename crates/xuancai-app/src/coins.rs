//! Coins (ACC-8, §11): an append-only ledger, the balance, and a daily
//! check-in that can be claimed once per calendar day in the service's time
//! zone (idempotent by its reference, even under concurrent requests).
//!
//! §11 names property and transaction information sensitive, and the studio
//! works without coins, so coins are an option with their own consent
//! ([`Purpose::Coins`], asked at the first check-in). The balance and every
//! entry are sealed under the user's data key, each bound to the user and
//! its place (AES-GCM associated data), and the stored reference is a keyed
//! hash: the database shows neither amounts nor days. The balance moves by
//! compare-and-swap on its sealed value, so the ledger still sums under
//! concurrency. Withdrawing the consent erases the ledger and the balance.

use serde::{Deserialize, Serialize};
use xuancai_domain::privacy::Purpose;
use xuancai_domain::{Date, PhotoId, UserId};
use xuancai_store::{Appended, BalanceSwap, Cursor, LedgerEntry, ProfileRecord, Store};

use crate::App;
use crate::crypto::DataKey;
use crate::error::AppError;
use crate::privacy::gate;

/// One ledger entry as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: [u8; 16],
    pub delta: i64,
    pub reason: String,
    pub reference: String,
    pub created_at: i64,
}

/// What a check-in did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    pub day: Date,
    pub awarded: i64,
    pub balance: i64,
    pub already_checked_in: bool,
}

/// What is sealed in an entry.
#[derive(Serialize, Deserialize)]
struct Sealed {
    delta: i64,
    reason: String,
    reference: String,
}

fn balance_aad(user: &UserId) -> Vec<u8> {
    format!("users.coin_balance/{user}").into_bytes()
}

fn entry_aad(user: &UserId, id: &[u8; 16]) -> Vec<u8> {
    let mut aad = format!("coin_ledger/{user}/").into_bytes();
    aad.extend_from_slice(id);
    aad
}

fn corrupt(user: &UserId, what: &str) -> AppError {
    AppError::Internal(format!("stored {what} of {user} does not decrypt"))
}

/// The balance in `profile` (sealed, or plain from before sealing).
fn balance_of(user: &UserId, key: &DataKey, profile: &ProfileRecord) -> Result<i64, AppError> {
    let Some(ct) = &profile.coin_balance_ciphertext else {
        return Ok(profile.coin_balance);
    };
    let plain = key
        .decrypt_bound(ct, &balance_aad(user))
        .map_err(|_| corrupt(user, "coin balance"))?;
    let digits = String::from_utf8(plain).map_err(|_| corrupt(user, "coin balance"))?;
    digits.parse().map_err(|_| corrupt(user, "coin balance"))
}

fn open_entry(user: &UserId, key: &DataKey, e: &LedgerEntry) -> Result<Entry, AppError> {
    let Some(ct) = &e.sealed else {
        return Ok(Entry {
            id: e.id,
            delta: e.delta,
            reason: e.reason.clone(),
            reference: e.reference.clone(),
            created_at: e.created_at,
        });
    };
    let plain = key
        .decrypt_bound(ct, &entry_aad(user, &e.id))
        .map_err(|_| corrupt(user, "coin ledger entry"))?;
    let s: Sealed = serde_json::from_slice(&plain).map_err(|_| corrupt(user, "coin ledger entry"))?;
    Ok(Entry {
        id: e.id,
        delta: s.delta,
        reason: s.reason,
        reference: s.reference,
        created_at: e.created_at,
    })
}

async fn profile<S: Store>(state: &App<S>, user: &UserId) -> Result<ProfileRecord, AppError> {
    state.store.profile(user).await?.ok_or(AppError::Unauthenticated)
}

/// The user's balance.
pub async fn balance<S: Store>(state: &App<S>, user: &UserId) -> Result<i64, AppError> {
    let key = state.data_key(user).await?;
    balance_of(user, &key, &profile(state, user).await?)
}

/// The ledger, newest first, strictly after `after` (entries written before
/// sealing are sealed on the way).
pub async fn entries<S: Store>(
    state: &App<S>,
    user: &UserId,
    after: Option<Cursor>,
    limit: u32,
) -> Result<Vec<Entry>, AppError> {
    let key = state.data_key(user).await?;
    let rows = state.store.ledger(user, after, limit).await?;
    let entries = rows
        .iter()
        .map(|e| open_entry(user, &key, e))
        .collect::<Result<Vec<_>, _>>()?;
    for (row, entry) in rows.iter().zip(&entries) {
        if row.sealed.is_none() {
            reseal(state, user, &key, entry).await?;
        }
    }
    Ok(entries)
}

/// Seal an entry written before sealing.
async fn reseal<S: Store>(state: &App<S>, user: &UserId, key: &DataKey, e: &Entry) -> Result<(), AppError> {
    let sealed = seal_entry(user, key, &e.id, e.delta, &e.reason, &e.reference)?;
    let reference = state.keys.coin_reference(user.as_bytes(), &e.reference);
    state
        .store
        .reseal_ledger_entry(&e.id, &reference, &sealed)
        .await?;
    Ok(())
}

fn seal_entry(
    user: &UserId,
    key: &DataKey,
    id: &[u8; 16],
    delta: i64,
    reason: &str,
    reference: &str,
) -> Result<Vec<u8>, AppError> {
    let plain = serde_json::to_vec(&Sealed {
        delta,
        reason: reason.into(),
        reference: reference.into(),
    })
    .map_err(|e| AppError::Internal(format!("sealing a coin entry: {e}")))?;
    Ok(key.encrypt_bound(&plain, &entry_aad(user, id)))
}

/// What [`credit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credited {
    Done { balance: i64 },
    Duplicate { balance: i64 },
}

/// Move `delta` coins for `reason`, once per `reference` (ACC-8). Needs the
/// coins consent (§11). The balance never goes below zero.
pub async fn credit<S: Store>(
    state: &App<S>,
    user: &UserId,
    delta: i64,
    reason: &str,
    reference: &str,
) -> Result<Credited, AppError> {
    gate::permit(state, user, Purpose::Coins).await?;
    let key = state.data_key(user).await?;
    let stored_reference = state.keys.coin_reference(user.as_bytes(), reference);
    // A concurrent append moves the balance between our read and our swap;
    // then we read again. Each round either writes or sees a newer balance.
    for _ in 0..32 {
        let profile = profile(state, user).await?;
        let balance = balance_of(user, &key, &profile)?;
        let new = balance
            .checked_add(delta)
            .filter(|b| *b >= 0)
            .ok_or(AppError::Conflict {
                code: "insufficient_coins",
                message: format!("the balance is {balance} coins"),
            })?;
        let id = *PhotoId::generate().as_bytes();
        let entry = LedgerEntry {
            id,
            user: *user,
            delta: 0,
            reason: "sealed".into(),
            reference: stored_reference.clone(),
            created_at: state.now(),
            sealed: Some(seal_entry(user, &key, &id, delta, reason, reference)?),
        };
        let swap = BalanceSwap {
            old_plain: profile.coin_balance,
            old_sealed: profile.coin_balance_ciphertext.clone(),
            new_sealed: key.encrypt_bound(new.to_string().as_bytes(), &balance_aad(user)),
        };
        match state.store.append_ledger(&entry, &swap).await? {
            Appended::Done => return Ok(Credited::Done { balance: new }),
            Appended::Duplicate => {
                return Ok(Credited::Duplicate {
                    balance: self::balance(state, user).await?,
                });
            }
            Appended::Stale => continue,
        }
    }
    Err(AppError::Busy)
}

/// The daily check-in (ACC-8): `check_in_coins` once per calendar day.
pub async fn check_in<S: Store>(state: &App<S>, user: &UserId) -> Result<CheckIn, AppError> {
    let day = Date::from_unix_ms(state.now(), state.config.utc_offset_minutes);
    // A legacy plain entry for today must be found by its sealed reference.
    entries(state, user, None, 1).await?;
    let awarded = state.config.check_in_coins;
    Ok(
        match credit(state, user, awarded, "check_in", &format!("check_in:{day}")).await? {
            Credited::Done { balance } => CheckIn {
                day,
                awarded,
                balance,
                already_checked_in: false,
            },
            Credited::Duplicate { balance } => CheckIn {
                day,
                awarded: 0,
                balance,
                already_checked_in: true,
            },
        },
    )
}

/// CON-4, §11: the coins consent was withdrawn: the ledger and the balance
/// are erased. Returns how many entries went.
pub async fn forget<S: Store>(state: &App<S>, user: &UserId) -> Result<u64, AppError> {
    Ok(state.store.forget_coins(user).await?)
}
