//! The story every backend must pass (run on SQLite and PostgreSQL).

use xuancai_domain::UserId;

use crate::{AccountStore, CodeCheck, SendKey, StoreError, UserRecord};

fn user(phone: &[u8]) -> UserRecord {
    UserRecord {
        id: UserId::generate(),
        phone_hmac: phone.to_vec(),
        phone_ciphertext: b"ciphertext".to_vec(),
        wrapped_data_key: b"wrapped".to_vec(),
        created_at: 1_000,
    }
}

/// Accounts, codes, limits and sessions. Panics (failing the calling test) on
/// any deviation.
pub async fn accounts<S: AccountStore>(store: &S) {
    // ACC-1 / ACC-2: one account per phone number, found by its keyed hash.
    let alice = user(b"hmac-alice");
    store
        .insert_user(&alice)
        .await
        .unwrap_or_else(|e| panic!("insert: {e}"));
    let again = user(b"hmac-alice");
    assert!(
        matches!(store.insert_user(&again).await, Err(StoreError::Conflict)),
        "phone bound 1:1"
    );
    let found = store
        .user_by_phone(b"hmac-alice")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.as_ref(), Some(&alice));
    assert_eq!(
        store.user_by_id(&alice.id).await.ok().flatten().as_ref(),
        Some(&alice)
    );
    assert_eq!(store.user_by_phone(b"nobody").await.ok().flatten(), None);

    // ACC-1: codes are single use, expire, and allow a limited number of tries.
    let p = b"hmac-alice";
    store
        .put_code(p, b"right", 5_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.check_code(p, b"wrong", 1_000, 5).await.ok(),
        Some(CodeCheck::Rejected { remaining: 4 })
    );
    assert_eq!(
        store.check_code(p, b"right", 1_001, 5).await.ok(),
        Some(CodeCheck::Accepted)
    );
    assert_eq!(
        store.check_code(p, b"right", 1_002, 5).await.ok(),
        Some(CodeCheck::Missing),
        "single use"
    );

    store
        .put_code(p, b"right", 5_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.check_code(p, b"right", 5_001, 5).await.ok(),
        Some(CodeCheck::Expired)
    );
    assert_eq!(
        store.check_code(p, b"right", 1_000, 5).await.ok(),
        Some(CodeCheck::Missing),
        "expired codes are gone"
    );

    store
        .put_code(p, b"right", 5_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for remaining in (0..5).rev() {
        assert_eq!(
            store.check_code(p, b"wrong", 1_000, 5).await.ok(),
            Some(CodeCheck::Rejected { remaining })
        );
    }
    assert_eq!(
        store.check_code(p, b"right", 1_000, 5).await.ok(),
        Some(CodeCheck::Exhausted),
        "no sixth try"
    );
    assert_eq!(
        store.check_code(p, b"right", 1_000, 5).await.ok(),
        Some(CodeCheck::Missing)
    );

    // A new code resets the tries.
    store
        .put_code(p, b"one", 5_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .put_code(p, b"two", 5_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.check_code(p, b"one", 1_000, 5).await.ok(),
        Some(CodeCheck::Rejected { remaining: 4 })
    );
    assert_eq!(
        store.check_code(p, b"two", 1_000, 5).await.ok(),
        Some(CodeCheck::Accepted)
    );

    // Send counters for the per-number and per-IP limits.
    for t in [100, 200, 300] {
        store
            .record_send(p, "203.0.113.7", t)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    store
        .record_send(b"hmac-bob", "203.0.113.7", 250)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.count_sends(&SendKey::Phone(p.to_vec()), 150).await.ok(),
        Some(2)
    );
    assert_eq!(
        store
            .count_sends(&SendKey::Ip("203.0.113.7".into()), 0)
            .await
            .ok(),
        Some(4)
    );
    assert_eq!(
        store
            .count_sends(&SendKey::Ip("198.51.100.1".into()), 0)
            .await
            .ok(),
        Some(0)
    );

    // ACC-4: sessions expire, can be deleted one by one or all at once.
    store
        .create_session(b"tok-1", &alice.id, 1_000, 9_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .create_session(b"tok-2", &alice.id, 1_000, 9_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.session_user(b"tok-1", 2_000).await.ok().flatten(),
        Some(alice.id)
    );
    assert_eq!(
        store.session_user(b"tok-1", 9_000).await.ok().flatten(),
        None,
        "expired"
    );
    assert_eq!(store.session_user(b"nope", 2_000).await.ok().flatten(), None);
    store
        .delete_session(b"tok-1")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.session_user(b"tok-1", 2_000).await.ok().flatten(),
        None,
        "logged out"
    );
    assert_eq!(store.delete_user_sessions(&alice.id).await.ok(), Some(1));
    assert_eq!(
        store.session_user(b"tok-2", 2_000).await.ok().flatten(),
        None,
        "revoked"
    );
}
