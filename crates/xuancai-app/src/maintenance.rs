//! Background jobs, driven by queues kept in the database so that they
//! survive restarts and can run in every server process at once:
//!
//! - purge: photos in the trash longer than the retention period (IMG-1,
//!   30 days by default) are deleted, row first, with their blobs queued;
//! - blob clean-up: queued blob prefixes (purged photos, and uploads that
//!   never committed) are deleted from the blob store.
//!
//! - retention (RET-2): accounts cancelled longer than the retention period
//!   (at most 3 calendar months; a child's at once) are erased unless a
//!   legal hold is recorded; accounts under 18 whose guardian never agreed
//!   are cancelled and erased (MIN-2); usage
//!   logs, send counters and counted events past their period are deleted
//!   (DATA-1).
//!
//! - broadcasts (ADS-2, ADS-3): operators' messages not yet delivered to
//!   the end, resumed after the last page recorded (`broadcasts`).
//!
//! Every step is idempotent; a crash part-way leaves the queue entry, and
//! the next run finishes the work.
//!
//! Several nodes may share the database (issue 23 item 2): a run is done by
//! the node holding the [`LEASE`], one at a time; the others skip their tick.
//! The lease is renewed while the run goes on (every third of
//! `maintenance_lease_secs`, and between steps) and given back at the end;
//! a node that dies holding it loses it within one lease.

use std::sync::Arc;
use std::time::Duration;

use xuancai_domain::privacy::{RequestKind, RequestMove, RequestStatus};
use xuancai_store::Store;

use crate::App;

const BATCH: u32 = 100;

/// The lease a maintenance run is done under.
pub const LEASE: &str = "maintenance";

/// How long a run may hold the lease without renewing it
/// (`maintenance_lease_secs`): how long maintenance waits after a node died
/// holding it.
pub fn lease_ms<S>(state: &App<S>) -> i64 {
    i64::try_from(state.config.maintenance_lease_secs.max(1))
        .unwrap_or(60)
        .saturating_mul(1000)
}

/// Run the jobs every `job_interval_secs` until the task is dropped.
pub async fn run<S: Store>(state: Arc<App<S>>) {
    let mut tick = tokio::time::interval(Duration::from_secs(state.config.job_interval_secs.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        run_once(&state).await;
    }
}

/// What one run of the jobs did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobReport {
    pub purged_photos: usize,
    pub erased_accounts: usize,
    pub held_accounts: usize,
    /// MIN-2: accounts under 18 cancelled because no guardian agreed in time.
    pub unconfirmed_minors: usize,
    pub expired_records: u64,
    pub deleted_blob_prefixes: usize,
    /// ADS-2, ADS-3: broadcasts delivered to the end by this run.
    pub sent_broadcasts: usize,
    /// Another node held the maintenance lease: this run did nothing.
    pub skipped: bool,
}

/// Take (or renew) the maintenance lease for this node.
async fn hold<S: Store>(state: &App<S>) -> bool {
    let now = state.now();
    match state
        .store
        .take_lease(LEASE, &state.node, now, now + lease_ms(state))
        .await
    {
        Ok(held) => held,
        Err(e) => {
            tracing::error!(error = %e, "maintenance: taking the lease failed");
            false
        }
    }
}

/// Every job, once (the scheduler's tick; `xuancai jobs run-once` for cron).
pub async fn run_once<S: Store>(state: &App<S>) -> JobReport {
    if !hold(state).await {
        tracing::debug!("maintenance: another node is at it");
        return JobReport {
            skipped: true,
            ..JobReport::default()
        };
    }
    // The cluster test (tools/cluster) reads these two lines from every
    // node's log and checks that no two nodes' runs overlap (issue 23 item 2).
    tracing::debug!(node = %state.node, "maintenance: lease taken");
    // Renewed while the steps run, so that a long step keeps the lease and
    // a node that dies loses it within one lease. Never ends by itself.
    let renew = async {
        let every = u64::try_from(lease_ms(state) / 3).unwrap_or(1_000).max(100);
        loop {
            tokio::time::sleep(Duration::from_millis(every)).await;
            if !hold(state).await {
                break;
            }
        }
        std::future::pending::<()>().await;
    };
    let report = tokio::select! {
        report = steps(state) => report,
        () = renew => JobReport::default(),
    };
    tracing::debug!(node = %state.node, "maintenance: lease given back");
    if let Err(e) = state.store.release_lease(LEASE, &state.node).await {
        tracing::warn!(error = %e, "maintenance: giving the lease back failed; it expires");
    }
    if report != JobReport::default() {
        tracing::info!(?report, "background jobs");
    }
    report
}

/// The steps of a run, the lease held (and checked again between them).
async fn steps<S: Store>(state: &App<S>) -> JobReport {
    state.fault_pause("slow-maintenance").await;
    let now = state.now();
    let mut report = JobReport {
        purged_photos: purge_trash(state, now).await,
        ..JobReport::default()
    };
    // Checked between steps: a node that lost the lease stops here.
    let mut held = hold(state).await;
    if held {
        apply_retention(state, now, &mut report).await;
        held = hold(state).await;
    }
    if held {
        apply_shutdown(state, now, &mut report).await;
        held = hold(state).await;
    }
    if held {
        resume_exports(state, now).await;
        report.sent_broadcasts = crate::broadcasts::run_due(state, crate::broadcasts::Run::default()).await;
        held = hold(state).await;
    }
    if held {
        report.deleted_blob_prefixes = collect_garbage(state, now).await;
    } else {
        tracing::warn!("maintenance: lost the lease part-way; the next run finishes");
    }
    report
}

/// build exports that are waiting (e.g. after a restart); an export
/// stuck in progress for 10 minutes (its process died) is started again.
pub async fn resume_exports<S: Store>(state: &App<S>, now: i64) {
    let open = match state.store.open_requests(1000).await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "exports: listing requests failed");
            return;
        }
    };
    for r in open.iter().filter(|r| r.kind == RequestKind::Export) {
        if r.status == RequestStatus::InProgress && r.updated_at < now - 600_000 {
            let _ = state
                .store
                .move_request(&r.id, RequestMove::REQUEUE, None, now)
                .await;
        } else if r.status != RequestStatus::Verified {
            continue;
        }
        crate::privacy::export::build_export(state, &r.id).await;
    }
}

/// RET-3: once the shutdown's period is over, erase every account (except
/// under a recorded legal hold).
pub async fn apply_shutdown<S: Store>(state: &App<S>, now: i64, report: &mut JobReport) {
    let Some(s) = state.shutdown else { return };
    if now < s.erase_at {
        return;
    }
    let mut after = None;
    loop {
        let page = match state.store.user_ids(after, BATCH).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "shutdown: listing accounts failed");
                return;
            }
        };
        let Some(last) = page.last().copied() else { return };
        for user in page {
            match state.store.holds_of(&user).await {
                Ok(h) if h.iter().any(|h| h.released_at.is_none()) => {
                    report.held_accounts += 1;
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, "shutdown: reading holds failed");
                    continue;
                }
            }
            match state
                .store
                .erase_account(&user, &crate::keys::user_root(&user), now)
                .await
            {
                Ok(true) => {
                    crate::backup::log_erasure(state, &user, now).await;
                    report.erased_accounts += 1;
                }
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "shutdown: erasure failed; will retry"),
            }
        }
        after = Some(last);
    }
}

/// RET-2: erase accounts due for erasure (their `erase_after` has come:
/// calendar months after cancellation, at once for a child), except under
/// a recorded legal hold — held accounts are left out by the query, so they
/// never stall the rest; MIN-2: cancel accounts whose guardian never
/// agreed; expire usage logs (DATA-1).
pub async fn apply_retention<S: Store>(state: &App<S>, now: i64, report: &mut JobReport) {
    match crate::privacy::minors::erase_unconfirmed(state, now).await {
        Ok(n) => report.unconfirmed_minors = n,
        Err(e) => tracing::error!(error = %e, "retention: cancelling unconfirmed minors failed"),
    }
    loop {
        let due = match state.store.due_for_erasure(now, BATCH).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "retention: listing accounts due for erasure failed");
                break;
            }
        };
        let mut erased = 0;
        for user in &due {
            match state
                .store
                .erase_account(user, &crate::keys::user_root(user), now)
                .await
            {
                Ok(true) => {
                    crate::backup::log_erasure(state, user, now).await;
                    erased += 1;
                }
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "retention: erasure failed; will retry"),
            }
        }
        report.erased_accounts += erased;
        // A page that erased nothing would come back the same: stop.
        if due.len() < BATCH as usize || erased == 0 {
            break;
        }
    }
    match state.store.held_from_erasure(now).await {
        Ok(n) => report.held_accounts = usize::try_from(n).unwrap_or(usize::MAX),
        Err(e) => tracing::error!(error = %e, "retention: counting held accounts failed"),
    }
    match crate::privacy::cookies::expire_choices(state, now).await {
        Ok(n) => report.expired_records += n,
        Err(e) => tracing::error!(error = %e, "retention: expiring cookie choices failed"),
    }
    match crate::contact::purge(state, now).await {
        Ok(n) => report.expired_records += n,
        Err(e) => tracing::error!(error = %e, "retention: erasing answered complaints failed"),
    }
    let before = now - i64::from(state.config.usage_retention_days) * 86_400_000;
    match state.store.expire_usage(before).await {
        Ok(n) => report.expired_records += n,
        Err(e) => tracing::error!(error = %e, "retention: expiring usage logs failed"),
    }
}

/// Purge photos whose time in the trash is up. Returns how many.
pub async fn purge_trash<S: Store>(state: &App<S>, now: i64) -> usize {
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
                Ok(true) => {
                    purged += 1;
                    if let Err(e) = crate::privacy::export::discard_archives(state, owner).await {
                        tracing::error!(error = %e, "purge: discarding export archives failed");
                    }
                }
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
pub async fn collect_garbage<S: Store>(state: &App<S>, now: i64) -> usize {
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
