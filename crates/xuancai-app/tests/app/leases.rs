//! Issue 23 item 2: the periodic maintenance (trash purge, retention and
//! erasure, shutdown erasure, exports, blob collection) runs on one node at
//! a time: the others skip their tick while a node holds the lease; a node
//! that dies holding it is replaced once the lease expires.

use xuancai_app::maintenance::{LEASE, lease_ms, run_once};
use xuancai_store::JobStore;

use crate::support::spawn;

#[tokio::test]
async fn ret2_maintenance_runs_on_one_node_at_a_time() {
    let t = spawn(|_| {}).await;
    let (a, b) = (t.shared(), t.node().await);
    assert_ne!(a.node, b.node, "each node has its own name");
    let lease = lease_ms(&a);
    assert_eq!(
        lease, 60_000,
        "a minute by default: a dead holder stops maintenance no longer"
    );

    // A holds the lease (a run in progress): B's tick does nothing.
    let now = a.now();
    assert!(
        a.store
            .take_lease(LEASE, &a.node, now, now + lease)
            .await
            .unwrap_or(false)
    );
    assert!(run_once(&b).await.skipped, "B runs while A holds the lease");
    // A's own run goes on (it renews its lease) and gives it back at the end.
    assert!(!run_once(&a).await.skipped);
    assert!(!run_once(&b).await.skipped, "given back: B's next tick runs");

    // A dies holding the lease: B waits out the lease, then takes over.
    let now = a.now();
    assert!(
        a.store
            .take_lease(LEASE, &a.node, now, now + lease)
            .await
            .unwrap_or(false)
    );
    assert!(run_once(&b).await.skipped);
    b.clock.advance(lease - 1_000);
    assert!(run_once(&b).await.skipped, "not expired yet");
    b.clock.advance(2_000);
    assert!(!run_once(&b).await.skipped, "expired: B takes over");
}
