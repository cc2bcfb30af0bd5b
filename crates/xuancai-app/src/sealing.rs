//! Issue 19 item 16: the start-up pass that brings every account's rows to
//! the bound sealing format ([`xuancai_store::SEAL_VERSION`]): each value
//! sealed before binding is opened and sealed again bound to its column,
//! owner and row, and comment text, blessing messages and work titles,
//! stored in plaintext before, are sealed for the first time.
//!
//! It runs at start-up after [`crate::accounts::bind_legacy_data_keys`] and
//! before anything is served, so that while serving only the bound format
//! opens. One account at a time, each in one transaction that also marks
//! the account done: interrupted, it resumes where it stopped; several
//! processes starting at once write each account once (the mark and every
//! cell are compare-and-swap).

use xuancai_domain::UserId;
use xuancai_store::{Resealed, SealedCell, Store, StoreError};

use crate::crypto::{DataKey, Keys};

/// What the pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub accounts: usize,
    pub cells: usize,
    /// Values that did not open with their owner's key (left as they were,
    /// unreadable before too; each logged).
    pub unreadable: usize,
}

/// Run the pass over every account still in an older format.
pub async fn reseal_legacy_rows<S: Store>(store: &S, keys: &Keys) -> Result<Pass, StoreError> {
    const PAGE: u32 = 200;
    let mut done = Pass::default();
    let mut after = None;
    loop {
        let page = store.accounts_to_reseal(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(*last);
        for user in &page {
            reseal_account(store, keys, user, &mut done).await?;
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    if done.accounts > 0 {
        tracing::info!(
            accounts = done.accounts,
            cells = done.cells,
            unreadable = done.unreadable,
            "sealed values bound to their rows"
        );
    }
    Ok(done)
}

async fn reseal_account<S: Store>(
    store: &S,
    keys: &Keys,
    user: &UserId,
    done: &mut Pass,
) -> Result<(), StoreError> {
    let Some(record) = store.user_by_id(user).await? else {
        return Ok(());
    };
    let key = match keys.unwrap_data_key(user, &record.wrapped_data_key) {
        Ok(key) => key,
        Err(e) => {
            tracing::error!(%user, error = %e, "a stored data key does not open: its rows stay as they are");
            return Ok(());
        }
    };
    // Another process may be at the same account: re-read and try again.
    for _ in 0..3 {
        let cells = store.legacy_cells(user).await?;
        let mut unreadable = 0;
        let sealed: Vec<(SealedCell, Vec<u8>)> = cells
            .into_iter()
            .filter_map(|cell| match bound(&key, &cell) {
                Some(new) => Some((cell, new)),
                None => {
                    unreadable += 1;
                    tracing::error!(%user, column = cell.column.name(), "a sealed value does not open with its owner's key");
                    None
                }
            })
            .collect();
        let count = sealed.len();
        match store.reseal(user, &sealed).await? {
            Resealed::Done => {
                done.accounts += 1;
                done.cells += count;
                done.unreadable += unreadable;
                return Ok(());
            }
            Resealed::AlreadyBound => return Ok(()), // done by another process
            Resealed::Changed => {}
        }
    }
    tracing::warn!(%user, "rows kept changing during the sealing pass: retried at the next start");
    Ok(())
}

/// The cell's value sealed bound to its place.
fn bound(key: &DataKey, cell: &SealedCell) -> Option<Vec<u8>> {
    let plain = if cell.column.was_plaintext() {
        cell.bytes.clone()
    } else {
        key.open_unbound(&cell.bytes).ok()?
    };
    Some(key.seal(cell.column, &cell.row, &plain))
}
