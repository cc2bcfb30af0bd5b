//! Issue 23 item 5 (SEC-4): replacing the master key.
//!
//! The master key wraps two kinds of key in the database: every account's
//! data key, and the derivation root (see [`Keys`]). Rotating re-wraps each
//! of them under the new master key — opening it with the previous one —
//! and changes nothing else: no ciphertext, no blob, no keyed hash (the
//! root, and so every value derived from it, stays the same). Each key is
//! replaced by compare and swap and names the master key that wrapped it,
//! so a rotation can be stopped at any point and run again: it skips what
//! is done. While it runs, every process is given both keys
//! (`master_key` = new, `previous_master_key` = old); once it reports no
//! key left under the old one, the old key can be retired.

use xuancai_domain::UserId;
use xuancai_store::{AccountStore, StoreError};

use crate::config::Secret;
use crate::crypto::{CryptoError, Keys};

/// The derivation root's name in the store's `service_keys`.
pub const ROOT: &str = "derivation_root";

/// The service's keys from the master key (and, during a rotation, the
/// previous one) and the stored derivation root. A deployment's first start
/// with this version stores its root: the master key it has run with — the
/// previous one if given — so every keyed hash made before stays valid.
pub async fn load_keys<S: AccountStore>(
    store: &S,
    master: &Secret,
    previous: Option<&Secret>,
) -> Result<Keys, KeyError> {
    let wrapper = Keys::new(master)?.with_previous(previous)?;
    let root = match store.service_key(ROOT).await? {
        Some(wrapped) => wrapper.unwrap_root(&wrapped)?,
        None => {
            // No root stored yet: the deployment derived from its master key
            // so far — the previous one, if a rotation is under way (a
            // backup from before roots were stored, restored mid-rotation).
            let first = previous.unwrap_or(master);
            if !store.init_service_key(ROOT, &wrapper.wrap_root(first)).await? {
                // Another process stored it first: read theirs.
                let wrapped = store.service_key(ROOT).await?.ok_or(StoreError::NotFound)?;
                wrapper.unwrap_root(&wrapped)?
            } else {
                first.clone()
            }
        }
    };
    Ok(Keys::with_root(master, &root)?.with_previous(previous)?)
}

/// Why the keys could not be loaded or rotated.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a rotation did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rotation {
    /// The id of the master key everything is now wrapped by.
    pub master_key_id: String,
    /// Whether the derivation root was re-wrapped by this run.
    pub root_rewrapped: bool,
    /// Data keys re-wrapped by this run.
    pub rewrapped: u64,
    /// Data keys found wrapped by the new key already (an earlier run).
    pub already: u64,
    /// Accounts whose key changed while this run worked on it (another
    /// process re-wrapped or erased it): run again to be sure.
    pub changed: u64,
    /// Accounts whose key opens with neither master key: their data cannot
    /// be read by anyone (listed so that the operator can look).
    pub unreadable: Vec<String>,
    /// Whether the run went through every account (false: stopped at the
    /// limit it was given; run again to go on).
    pub finished: bool,
}

/// How far one run goes.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Accounts read per page.
    pub page: u32,
    /// Stop after this many accounts (tests of an interrupted run).
    pub accounts: Option<u64>,
}

impl Default for Limit {
    fn default() -> Self {
        Self {
            page: 500,
            accounts: None,
        }
    }
}

/// Re-wrap the derivation root and every data key under `keys`' master
/// key, opening them with its previous one. Reads no blob and writes no
/// ciphertext; resumable (see the module).
pub async fn rotate<S: AccountStore>(store: &S, keys: &Keys, limit: Limit) -> Result<Rotation, KeyError> {
    let mut report = Rotation {
        master_key_id: keys.master_key_id(),
        ..Rotation::default()
    };
    let wrapped = store.service_key(ROOT).await?.ok_or(StoreError::NotFound)?;
    if !keys.wraps(&wrapped) {
        let root = keys.unwrap_root(&wrapped)?;
        report.root_rewrapped = store
            .swap_service_key(ROOT, &wrapped, &keys.wrap_root(&root))
            .await?;
    }
    let mut after: Option<UserId> = None;
    let mut seen = 0u64;
    loop {
        let page = store.wrapped_keys(after, limit.page.max(1)).await?;
        let Some((last, _)) = page.last() else {
            report.finished = true;
            break;
        };
        after = Some(*last);
        for (user, old) in &page {
            if limit.accounts.is_some_and(|max| seen >= max) {
                return Ok(report);
            }
            seen += 1;
            match keys.rewrap_data_key(user, old) {
                Ok(None) => report.already += 1,
                Ok(Some(new)) => {
                    if store.rewrap_data_key(user, old, &new).await? {
                        report.rewrapped += 1;
                    } else {
                        report.changed += 1;
                    }
                }
                Err(e) => {
                    tracing::error!(%user, error = %e, "a data key opens with neither master key");
                    report.unreadable.push(user.to_string());
                }
            }
        }
        if page.len() < limit.page.max(1) as usize {
            report.finished = true;
            break;
        }
    }
    tracing::info!(?report, "master key rotation");
    Ok(report)
}
