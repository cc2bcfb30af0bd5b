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
