//! The story's concurrency part for one-time codes (ACC-1, issue 19).

use xuancai_domain::CodePurpose;

use crate::story::fail;
use crate::{AccountStore, CodeCheck, SendLimits};

const SIGN_IN: CodePurpose = CodePurpose::SignIn;

/// ACC-1 under concurrency: `guesses` wrong and one right guess at a code
/// with `max` tries, all at once, judge at most `max` (the right one is
/// accepted only if it was among them); `sends` simultaneous sends to one
/// number record exactly the one a minute allows. Run with a multi-threaded
/// runtime; the store must be cheap to clone (a pool).
pub async fn codes_race<S: AccountStore + Clone + 'static>(store: S, guesses: usize, sends: usize) {
    let max = 5;
    for round in 0..4u8 {
        let phone = vec![b'r', round];
        store
            .put_code(&phone, SIGN_IN, b"right", i64::MAX)
            .await
            .unwrap_or_else(fail);
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(guesses + 1));
        let mut tasks = Vec::new();
        for i in 0..=guesses {
            let (store, phone, barrier) = (store.clone(), phone.clone(), barrier.clone());
            // The right guess arrives somewhere in the middle.
            let guess: &'static [u8] = if i == guesses / 2 { b"right" } else { b"wrong" };
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                store.check_code(&phone, SIGN_IN, guess, 1_000, max).await
            }));
        }
        let mut judged = 0;
        let mut accepted = 0;
        for t in tasks {
            match t.await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(fail) {
                CodeCheck::Accepted => {
                    judged += 1;
                    accepted += 1;
                }
                CodeCheck::Rejected { .. } => judged += 1,
                CodeCheck::Missing | CodeCheck::Expired | CodeCheck::Exhausted => {}
            }
        }
        assert!(
            judged <= max,
            "round {round}: {judged} of {} simultaneous guesses were judged; at most {max} may be",
            guesses + 1
        );
        assert!(accepted <= 1, "a code is accepted at most once");
    }

    let limits = SendLimits {
        per_phone_minute: 1,
        per_phone_day: 10,
        per_ip_day: 1_000,
    };
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(sends));
    let mut tasks = Vec::new();
    for i in 0..sends {
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .reserve_send(
                    b"hmac-race",
                    &format!("192.0.2.{i}"),
                    5_000_000 + i as i64,
                    limits,
                )
                .await
        }));
    }
    let mut recorded = 0;
    for t in tasks {
        if t.await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(fail) {
            recorded += 1;
        }
    }
    assert_eq!(
        recorded, 1,
        "{sends} simultaneous sends to one number: one a minute may go out"
    );
}

/// Issue 23 item 2: `nodes` nodes asking for one lease at once: exactly one
/// gets it; it renews its own; nobody else gets it before it expires or is
/// given back; a release by another node does nothing.
pub async fn lease_race<S: crate::JobStore + Clone + 'static>(store: S, nodes: usize) {
    for round in 0..3 {
        let name = format!("race-{round}");
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(nodes));
        let mut tasks = Vec::new();
        for i in 0..nodes {
            let (store, barrier, name) = (store.clone(), barrier.clone(), name.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let held = store.take_lease(&name, &format!("node-{i}"), 1_000, 61_000).await;
                (i, held)
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            let (i, held) = t.await.unwrap_or_else(|e| panic!("{e}"));
            if held.unwrap_or_else(fail) {
                winners.push(i);
            }
        }
        assert_eq!(
            winners.len(),
            1,
            "round {round}: {nodes} nodes at once, winners {winners:?}"
        );
        let (winner, other) = (
            format!("node-{}", winners[0]),
            format!("node-{}", (winners[0] + 1) % nodes),
        );
        let take = |holder: String, now: i64| {
            let (store, name) = (store.clone(), name.clone());
            async move {
                store
                    .take_lease(&name, &holder, now, now + 60_000)
                    .await
                    .unwrap_or_else(fail)
            }
        };
        assert!(take(winner.clone(), 30_000).await, "the holder renews");
        assert!(!take(other.clone(), 60_000).await, "renewed: still held at 60 s");
        store.release_lease(&name, &other).await.unwrap_or_else(fail);
        assert!(
            !take(other.clone(), 60_000).await,
            "another node cannot give it back"
        );
        if round == 0 {
            assert!(
                take(other.clone(), 90_001).await,
                "expired: another node takes it"
            );
        } else {
            store.release_lease(&name, &winner).await.unwrap_or_else(fail);
            assert!(
                take(other.clone(), 60_000).await,
                "given back: another node takes it"
            );
        }
    }
}
