//! Part of the accounts story ([`crate::story::accounts`]): data keys
//! still wrapped in an old format (SEC-4, issue 19 item 16), and what a
//! master-key rotation reads and swaps (issue 23 item 5).

use crate::AccountStore;
use crate::story::{fail, user};

/// Keys in an old format are found by their length, page by page, and
/// replaced by compare and swap only. Panics on any deviation.
pub(crate) async fn legacy_data_keys<S: AccountStore>(store: &S) {
    let mut old_format = [user(b"hmac-old-1"), user(b"hmac-old-2")];
    for (i, u) in old_format.iter_mut().enumerate() {
        u.wrapped_data_key = vec![u8::try_from(i).unwrap_or(0); 60];
        store.insert_user(u).await.unwrap_or_else(fail);
    }
    old_format.sort_by_key(|u| *u.id.as_bytes());
    let first = store.wrapped_keys_of_len(60, None, 1).await.unwrap_or_else(fail);
    assert_eq!(
        first,
        vec![(old_format[0].id, old_format[0].wrapped_data_key.clone())]
    );
    let rest = store
        .wrapped_keys_of_len(60, Some(old_format[0].id), 10)
        .await
        .unwrap_or_else(fail);
    assert_eq!(
        rest,
        vec![(old_format[1].id, old_format[1].wrapped_data_key.clone())]
    );
    let o = &old_format[0];
    assert!(
        !store
            .rewrap_data_key(&o.id, b"not the stored key", &[2; 61])
            .await
            .unwrap_or_else(fail),
        "a stale key is not replaced"
    );
    assert!(
        store
            .rewrap_data_key(&o.id, &o.wrapped_data_key, &[2; 61])
            .await
            .unwrap_or_else(fail)
    );
    let stored = store
        .user_by_id(&o.id)
        .await
        .unwrap_or_else(fail)
        .map(|u| u.wrapped_data_key);
    assert_eq!(stored, Some(vec![2; 61]));
    assert_eq!(
        store.wrapped_keys_of_len(60, None, 10).await.unwrap_or_else(fail),
        vec![(old_format[1].id, old_format[1].wrapped_data_key.clone())],
        "the re-wrapped key is no longer in the old format"
    );
}

/// Issue 23 item 5: every wrapped key, page by page in id order; a service
/// key stored once (the second start does not overwrite it) and replaced
/// by compare and swap only.
pub(crate) async fn rotation<S: AccountStore>(store: &S) {
    let all = store.wrapped_keys(None, 1000).await.unwrap_or_else(fail);
    assert!(all.len() >= 2, "the story's accounts: {}", all.len());
    assert!(
        all.windows(2).all(|w| w[0].0.as_bytes() < w[1].0.as_bytes()),
        "in id order"
    );
    let first = store.wrapped_keys(None, 1).await.unwrap_or_else(fail);
    assert_eq!(first, all[..1].to_vec());
    let next = store.wrapped_keys(Some(all[0].0), 1).await.unwrap_or_else(fail);
    assert_eq!(next, all[1..2].to_vec());

    assert_eq!(store.service_key("root").await.unwrap_or_else(fail), None);
    assert!(
        store
            .init_service_key("root", b"wrapped-1")
            .await
            .unwrap_or_else(fail)
    );
    assert!(
        !store
            .init_service_key("root", b"wrapped-other")
            .await
            .unwrap_or_else(fail),
        "a second start keeps the first root"
    );
    assert!(
        !store
            .swap_service_key("root", b"stale", b"wrapped-2")
            .await
            .unwrap_or_else(fail),
        "a stale root is not replaced"
    );
    assert!(
        store
            .swap_service_key("root", b"wrapped-1", b"wrapped-2")
            .await
            .unwrap_or_else(fail)
    );
    assert_eq!(
        store.service_key("root").await.unwrap_or_else(fail),
        Some(b"wrapped-2".to_vec())
    );
}
