//! Background jobs, driven by queues kept in the database so that they
//! survive restarts and can run in every server process at once:
//!
//! - purge: photos in the trash longer than the retention period (IMG-1,
//!   30 days by default) are deleted, row first, with their blobs queued;
//! - blob clean-up: queued blob prefixes (purged photos, and uploads that
//!   never committed) are deleted from the blob store.
//!
//! Both steps are idempotent; a crash part-way leaves the queue entry, and
//! the next run finishes the work.

use std::sync::Arc;
use std::time::Duration;

use xuancai_store::Store;

use crate::routes::{AppState, now_ms};

const BATCH: u32 = 100;

/// Run the jobs every `job_interval_secs` until the task is dropped.
pub async fn run<S: Store>(state: Arc<AppState<S>>) {
    let mut tick = tokio::time::interval(Duration::from_secs(state.config.job_interval_secs.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = now_ms();
        purge_trash(&state, now).await;
        collect_garbage(&state, now).await;
    }
}

/// Purge photos whose time in the trash is up. Returns how many.
pub async fn purge_trash<S: Store>(state: &AppState<S>, now: i64) -> usize {
    let cutoff = now - state.config.trash_retention_secs * 1000;
    let mut purged = 0;
    loop {
        let due = match state.store.trashed_before(cutoff, BATCH).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "purge: listing the trash failed");
                return purged;
            }
        };
        if due.is_empty() {
            return purged;
        }
        for (owner, id) in &due {
            match state.store.purge_photo(owner, id, now).await {
                Ok(true) => purged += 1,
                Ok(false) => {}
                Err(e) => {
                    tracing::error!(error = %e, photo = %id, "purge failed");
                    return purged;
                }
            }
        }
        tracing::info!(count = due.len(), "purged photos from the trash");
    }
}

/// Delete queued blob prefixes that are due. Returns how many prefixes.
pub async fn collect_garbage<S: Store>(state: &AppState<S>, now: i64) -> usize {
    let due = match state.store.due_gc(now, BATCH).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "blob clean-up: reading the queue failed");
            return 0;
        }
    };
    let mut done = 0;
    for prefix in due {
        match state.blobs.delete_prefix(&prefix).await {
            Ok(n) => {
                if let Err(e) = state.store.done_gc(&prefix).await {
                    tracing::error!(error = %e, "blob clean-up: dequeue failed");
                    continue;
                }
                tracing::debug!(blobs = n, "deleted blobs");
                done += 1;
            }
            Err(e) => tracing::error!(error = %e, "blob clean-up failed; will retry"),
        }
    }
    done
}
