//! The story steps for push devices and the inbox (DATA-5, CON-4, ADS-3;
//! issue 19 item 5), split from `story`.

use crate::AccountStore;
use crate::story::{fail, user};
use xuancai_domain::privacy::ComplaintStatus;

/// Push tokens stored once per user and removed together (DATA-5, CON-4);
/// the inbox newest first (ADS-3).
pub async fn notify<S: crate::NotifyStore + AccountStore>(store: &S) {
    use crate::{InboxItem, PushToken};
    let erin = user(b"hmac-erin");
    store.insert_user(&erin).await.unwrap_or_else(fail);
    let token = |id: u8| PushToken {
        id: [id; 16],
        user: erin.id,
        provider: "web_push".into(),
        token_ciphertext: b"sealed".to_vec(),
        created_at: 1,
    };
    store
        .put_push_token(&token(1), b"same")
        .await
        .unwrap_or_else(fail);
    store
        .put_push_token(&token(2), b"same")
        .await
        .unwrap_or_else(fail);
    store
        .put_push_token(&token(3), b"other")
        .await
        .unwrap_or_else(fail);
    assert_eq!(store.push_tokens(&erin.id).await.unwrap_or_else(fail).len(), 2);
    assert_eq!(store.delete_push_tokens(&erin.id).await.unwrap_or_else(fail), 2);
    // Issue 19 item 5: the newest devices are kept; failing ones go.
    for id in 1..=5u8 {
        let t = PushToken {
            created_at: i64::from(id),
            ..token(id)
        };
        store.put_push_token(&t, &[id]).await.unwrap_or_else(fail);
    }
    assert_eq!(store.trim_push_tokens(&erin.id, 3).await.unwrap_or_else(fail), 2);
    let kept: Vec<u8> = store
        .push_tokens(&erin.id)
        .await
        .unwrap_or_else(fail)
        .iter()
        .map(|t| t.id[0])
        .collect();
    assert_eq!(kept, [3, 4, 5], "the oldest were dropped");
    assert_eq!(store.push_failed(&[3; 16], 2).await.unwrap_or_else(fail), 1);
    store.push_succeeded(&[3; 16]).await.unwrap_or_else(fail);
    assert_eq!(
        store.push_failed(&[3; 16], 2).await.unwrap_or_else(fail),
        1,
        "a success resets"
    );
    assert_eq!(store.push_failed(&[3; 16], 2).await.unwrap_or_else(fail), 2);
    store.delete_push_token(&[4; 16]).await.unwrap_or_else(fail);
    assert_eq!(
        store.push_tokens(&erin.id).await.unwrap_or_else(fail).len(),
        1,
        "3 failed twice, 4 gone"
    );
    assert_eq!(store.delete_push_tokens(&erin.id).await.unwrap_or_else(fail), 1);
    for (id, at) in [(1u8, 10), (2, 20)] {
        store
            .deliver(&InboxItem {
                id: [id; 16],
                user: erin.id,
                kind: "service".into(),
                title: format!("t{id}"),
                body: String::new(),
                at,
            })
            .await
            .unwrap_or_else(fail);
    }
    let inbox = store.inbox(&erin.id, 10).await.unwrap_or_else(fail);
    assert_eq!(
        inbox.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(),
        ["t2", "t1"]
    );
}

/// R-7, MIN-5: complaints queue oldest deadline first; only an open one
/// can be answered, once; answered ones are purged after their retention.
pub async fn complaints<S: crate::ComplaintStore>(store: &S) {
    use crate::ComplaintRecord;
    let c = |id: u8, deadline: i64| ComplaintRecord {
        id: vec![id; 16],
        topic: "minor".into(),
        status: ComplaintStatus::Open,
        body_ciphertext: vec![id; 40],
        resolution: None,
        received_at: 10,
        deadline_at: deadline,
        updated_at: 10,
    };
    store.add_complaint(&c(1, 300)).await.unwrap_or_else(fail);
    store.add_complaint(&c(2, 200)).await.unwrap_or_else(fail);
    assert!(store.add_complaint(&c(1, 1)).await.is_err(), "an id is used once");
    let open = store
        .complaints(ComplaintStatus::Open, 10)
        .await
        .unwrap_or_else(fail);
    assert_eq!(open.iter().map(|r| r.id[0]).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(open[1], c(1, 300), "read back as written");
    assert!(
        store
            .answer_complaint(&[2; 16], "replied by mail", 500)
            .await
            .unwrap_or_else(fail)
    );
    assert!(
        !store
            .answer_complaint(&[2; 16], "again", 600)
            .await
            .unwrap_or_else(fail)
    );
    assert!(
        !store
            .answer_complaint(&[9; 16], "none", 600)
            .await
            .unwrap_or_else(fail)
    );
    let answered = store
        .complaints(ComplaintStatus::Answered, 10)
        .await
        .unwrap_or_else(fail);
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0].resolution.as_deref(), Some("replied by mail"));
    assert_eq!(answered[0].updated_at, 500);
    assert_eq!(
        store.purge_complaints(500).await.unwrap_or_else(fail),
        0,
        "not before its time"
    );
    assert_eq!(store.purge_complaints(501).await.unwrap_or_else(fail), 1);
    assert_eq!(
        store
            .complaints(ComplaintStatus::Open, 10)
            .await
            .unwrap_or_else(fail)
            .len(),
        1,
        "open ones stay"
    );
}

/// Issue 19 item 5 (ADS-2, ADS-3): the broadcast queue. A claimed broadcast
/// is not claimed again while its lease runs; a page is recorded only by
/// the holder of the lease; when the lease runs out another node takes it
/// up from the recorded cursor; a finished one is never claimed; inbox
/// items delivered twice (a page run again) are stored once. Then `nodes`
/// claims at once: exactly one wins. Run with a multi-threaded runtime.
pub async fn broadcasts<S: crate::NotifyStore + crate::PrivacyStore + AccountStore + Clone + 'static>(
    store: S,
    nodes: usize,
) {
    use crate::{BroadcastPage, BroadcastRecord, InboxItem};
    let op = user(b"hmac-operator");
    store.insert_user(&op).await.unwrap_or_else(fail);
    let b = |id: u8, at: i64| BroadcastRecord {
        id: [id; 16],
        kind: "service".into(),
        title: format!("通知 {id}"),
        body: "正文".into(),
        created_by: Some(op.id),
        created_at: at,
        cursor: None,
        delivered: 0,
        pushed: 0,
        skipped: 0,
        lease_until: 0,
        finished_at: None,
    };
    store.create_broadcast(&b(2, 20)).await.unwrap_or_else(fail);
    store.create_broadcast(&b(1, 10)).await.unwrap_or_else(fail);
    assert_eq!(
        store.broadcast(&[2; 16]).await.unwrap_or_else(fail),
        Some(b(2, 20))
    );
    let first = store.claim_broadcast(100, 1_100).await.unwrap_or_else(fail);
    assert_eq!(first.as_ref().map(|r| r.id), Some([1; 16]), "oldest first");
    let second = store.claim_broadcast(100, 1_100).await.unwrap_or_else(fail);
    assert_eq!(second.map(|r| r.id), Some([2; 16]), "the held one is skipped");
    assert_eq!(store.claim_broadcast(200, 1_200).await.unwrap_or_else(fail), None);
    let page = BroadcastPage {
        cursor: Some(op.id),
        delivered: 3,
        pushed: 2,
        skipped: 1,
    };
    assert!(
        !store
            .advance_broadcast(&[1; 16], 999, &page, 2_000, None)
            .await
            .unwrap_or_else(fail),
        "only the lease's holder records a page"
    );
    assert!(
        store
            .advance_broadcast(&[1; 16], 1_100, &page, 2_000, None)
            .await
            .unwrap_or_else(fail)
    );
    // Its holder died: after the lease another node resumes at the cursor.
    let resumed = store
        .claim_broadcast(2_001, 3_000)
        .await
        .unwrap_or_else(fail)
        .unwrap_or_else(|| panic!("the expired lease is taken over"));
    assert_eq!(
        (
            resumed.id,
            resumed.cursor,
            resumed.delivered,
            resumed.pushed,
            resumed.skipped
        ),
        ([1; 16], Some(op.id), 3, 2, 1)
    );
    assert!(
        !store
            .advance_broadcast(&[1; 16], 2_000, &page, 4_000, None)
            .await
            .unwrap_or_else(fail),
        "the old holder lost it"
    );
    let done = BroadcastPage {
        delivered: 1,
        ..BroadcastPage::default()
    };
    assert!(
        store
            .advance_broadcast(&[1; 16], 3_000, &done, 0, Some(2_500))
            .await
            .unwrap_or_else(fail)
    );
    let finished = store.broadcast(&[1; 16]).await.unwrap_or_else(fail);
    assert_eq!(
        finished.map(|r| (r.cursor, r.delivered, r.finished_at)),
        Some((None, 4, Some(2_500))),
        "a finished broadcast names no account"
    );
    // Broadcast 2 is still held until 1_100: finish it the same way.
    assert!(
        store
            .advance_broadcast(&[2; 16], 1_100, &done, 0, Some(2_600))
            .await
            .unwrap_or_else(fail)
    );
    assert_eq!(
        store
            .claim_broadcast(i64::MAX - 1, i64::MAX)
            .await
            .unwrap_or_else(fail),
        None,
        "finished ones are never claimed"
    );
    let item = InboxItem {
        id: [7; 16],
        user: op.id,
        kind: "service".into(),
        title: "通知 1".into(),
        body: String::new(),
        at: 1,
    };
    store.deliver(&item).await.unwrap_or_else(fail);
    store.deliver(&item).await.unwrap_or_else(fail);
    assert_eq!(store.inbox(&op.id, 10).await.unwrap_or_else(fail).len(), 1);

    // RET-2: erasing the account a paused broadcast stopped after moves
    // its cursor back to the account before, so nothing names it.
    let (a, b2) = (user(b"hmac-a"), user(b"hmac-b"));
    store.insert_user(&a).await.unwrap_or_else(fail);
    store.insert_user(&b2).await.unwrap_or_else(fail);
    let ids = [op.id, a.id, b2.id];
    let last = *ids.iter().max_by_key(|u| *u.as_bytes()).unwrap_or(&op.id);
    let before = ids
        .iter()
        .filter(|u| u.as_bytes() < last.as_bytes())
        .max_by_key(|u| *u.as_bytes())
        .copied();
    store.create_broadcast(&b(4, 40)).await.unwrap_or_else(fail);
    let paused = store.claim_broadcast(4_000, 4_500).await.unwrap_or_else(fail);
    assert_eq!(paused.map(|r| r.id), Some([4; 16]));
    let page = BroadcastPage {
        cursor: Some(last),
        ..BroadcastPage::default()
    };
    assert!(
        store
            .advance_broadcast(&[4; 16], 4_500, &page, 4_600, None)
            .await
            .unwrap_or_else(fail)
    );
    assert!(
        store
            .erase_account(&last, "u/x/", 4_550)
            .await
            .unwrap_or_else(fail)
    );
    let moved = store.broadcast(&[4; 16]).await.unwrap_or_else(fail);
    assert_eq!(moved.and_then(|r| r.cursor), before);
    assert!(
        store
            .advance_broadcast(&[4; 16], 4_600, &BroadcastPage::default(), 0, Some(4_700))
            .await
            .unwrap_or_else(fail)
    );

    // Nodes claiming at once: one gets it.
    // (Its operator may be the account just erased.)
    let three = BroadcastRecord {
        created_by: None,
        ..b(3, 30)
    };
    store.create_broadcast(&three).await.unwrap_or_else(fail);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(nodes));
    let mut tasks = Vec::new();
    for _ in 0..nodes {
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.claim_broadcast(5_000, 6_000).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        if t.await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(fail)
            .is_some()
        {
            won += 1;
        }
    }
    assert_eq!(won, 1, "{nodes} nodes claimed one broadcast at once");
}
