//! The story steps for push devices and the inbox (DATA-5, CON-4, ADS-3;
//! issue 19 item 5), split from `story`.

use crate::AccountStore;
use crate::story::{fail, user};

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
        status: "open".into(),
        body_ciphertext: vec![id; 40],
        resolution: None,
        received_at: 10,
        deadline_at: deadline,
        updated_at: 10,
    };
    store.add_complaint(&c(1, 300)).await.unwrap_or_else(fail);
    store.add_complaint(&c(2, 200)).await.unwrap_or_else(fail);
    assert!(store.add_complaint(&c(1, 1)).await.is_err(), "an id is used once");
    let open = store.complaints("open", 10).await.unwrap_or_else(fail);
    assert_eq!(open.iter().map(|r| r.id[0]).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(open[1], c(1, 300), "read back as written");
    assert!(
        store
            .answer_complaint(&[2; 16], "answered", "replied by mail", 500)
            .await
            .unwrap_or_else(fail)
    );
    assert!(
        !store
            .answer_complaint(&[2; 16], "answered", "again", 600)
            .await
            .unwrap_or_else(fail)
    );
    assert!(
        !store
            .answer_complaint(&[9; 16], "answered", "none", 600)
            .await
            .unwrap_or_else(fail)
    );
    let answered = store.complaints("answered", 10).await.unwrap_or_else(fail);
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
        store.complaints("open", 10).await.unwrap_or_else(fail).len(),
        1,
        "open ones stay"
    );
}
