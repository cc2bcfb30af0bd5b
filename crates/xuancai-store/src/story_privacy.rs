//! The privacy engine's part of the story every backend must pass.

use xuancai_domain::UserId;
use xuancai_domain::privacy::{RequestKind, RequestMove, RequestStatus};

use crate::CancellationRequest;

use crate::story::{fail, user};
use crate::{AccountStore, StoreError};

/// The privacy engine's storage: the append-only consent ledger (CON-1, CON-4),
/// document versions (CON-2), requests with compare-and-set moves,
/// audit (SEC-6), usage expiry (DATA-1), cancellation (ACC-6), holds and
/// erasure (RET-2).
pub async fn privacy<S: crate::PrivacyStore + crate::BlobGc + AccountStore>(store: &S) {
    use crate::{AuditRecord, ConsentRecord, DocumentRecord, HoldRecord, RequestRecord, Subject, UsageEvent};
    let carol = user(b"hmac-carol");
    let dave = user(b"hmac-dave");
    store.insert_user(&carol).await.unwrap_or_else(fail);
    store.insert_user(&dave).await.unwrap_or_else(fail);

    // CON-1 / CON-4: an append-only ledger, per subject, oldest first.
    let consent = |subject: Subject, topic: &str, granted: bool, at: i64| ConsentRecord {
        id: *UserId::generate().as_bytes(),
        subject,
        topic: topic.into(),
        granted,
        version: Some("v1".into()),
        channel: "api".into(),
        at,
    };
    store
        .append_consent(&consent(Subject::User(carol.id), "faces", true, 10))
        .await
        .unwrap_or_else(fail);
    store
        .append_consent(&consent(Subject::User(carol.id), "faces", false, 20))
        .await
        .unwrap_or_else(fail);
    store
        .append_consent(&consent(
            Subject::Device(b"device".to_vec()),
            "analytics",
            true,
            5,
        ))
        .await
        .unwrap_or_else(fail);
    let ledger = store
        .consents(&Subject::User(carol.id))
        .await
        .unwrap_or_else(fail);
    assert_eq!(
        ledger.iter().map(|c| c.granted).collect::<Vec<_>>(),
        [true, false]
    );
    assert_eq!(
        store
            .consents(&Subject::Device(b"device".to_vec()))
            .await
            .unwrap_or_else(fail)
            .len(),
        1
    );

    // CON-2: a version is published once.
    let doc = DocumentRecord {
        kind: "privacy_policy".into(),
        version: "v1".into(),
        effective_at: 100,
        material: true,
        summary: "first".into(),
        published_at: 90,
    };
    store.publish_document(&doc).await.unwrap_or_else(fail);
    assert!(matches!(
        store.publish_document(&doc).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(store.documents().await.unwrap_or_else(fail), vec![doc]);

    // requests move by compare-and-set.
    let req = RequestRecord {
        scope_ciphertext: None,
        id: *UserId::generate().as_bytes(),
        user: carol.id,
        kind: RequestKind::Export,
        status: RequestStatus::Received,
        detail_ciphertext: Some(b"secret detail".to_vec()),
        resolution: None,
        received_at: 30,
        deadline_at: 1_000,
        updated_at: 30,
    };
    store.insert_request(&req).await.unwrap_or_else(fail);
    assert!(
        store
            .move_request(&req.id, RequestMove::VERIFY, None, 31)
            .await
            .unwrap_or_else(fail)
    );
    assert!(
        !store
            .move_request(&req.id, RequestMove::VERIFY, None, 32)
            .await
            .unwrap_or_else(fail),
        "a second move from the old state does nothing"
    );
    assert_eq!(store.open_requests(10).await.unwrap_or_else(fail).len(), 1);
    assert_eq!(
        store
            .request(&req.id)
            .await
            .unwrap_or_else(fail)
            .map(|r| r.status),
        Some(RequestStatus::Verified)
    );

    // SEC-6, DATA-1: audit and usage.
    store
        .append_audit(&AuditRecord {
            id: *UserId::generate().as_bytes(),
            actor: dave.id,
            subject: carol.id,
            action: "read:requests".into(),
            at: 40,
        })
        .await
        .unwrap_or_else(fail);
    assert_eq!(store.audit_of(&carol.id).await.unwrap_or_else(fail).len(), 1);
    for (at, device) in [(50, None), (5_000, Some(b"imei".to_vec()))] {
        store
            .record_usage(&UsageEvent {
                id: *UserId::generate().as_bytes(),
                user: Some(carol.id),
                kind: "app_open".into(),
                detail: "{}".into(),
                ip_prefix: Some("192.0.2.0/24".into()),
                device_ciphertext: device,
                at,
            })
            .await
            .unwrap_or_else(fail);
    }
    assert_eq!(
        store.delete_usage_of(&carol.id, true).await.unwrap_or_else(fail),
        1
    );
    assert!(store.expire_usage(100).await.unwrap_or_else(fail) >= 1);
    let left = store.usage_of(&carol.id).await.unwrap_or_else(fail);
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0].device_ciphertext, None,
        "device ids dropped on withdrawal"
    );

    // ACC-6: cancelling frees the number, once. R-5: the request that asked
    // for it is written with it (received → verified → done), or not at all.
    let asked = |id: [u8; 16]| RequestRecord {
        id,
        kind: RequestKind::Cancellation,
        detail_ciphertext: None,
        resolution: None,
        ..req.clone()
    };
    let (first, second) = (asked([0xc1; 16]), asked([0xc2; 16]));
    let with = |record| {
        Some(CancellationRequest {
            record,
            resolution: "account cancelled",
        })
    };
    assert!(
        store
            .cancel_account(&carol.id, b"tomb-carol", 60, 160, with(&first))
            .await
            .unwrap_or_else(fail)
    );
    assert!(
        !store
            .cancel_account(&carol.id, b"tomb-carol-2", 61, 161, with(&second))
            .await
            .unwrap_or_else(fail)
    );
    let done = store.request(&first.id).await.unwrap_or_else(fail);
    assert_eq!(
        done.as_ref()
            .map(|r| (r.status, r.resolution.as_deref(), r.updated_at)),
        Some((RequestStatus::Done, Some("account cancelled"), 60)),
        "the request is done with the cancellation"
    );
    assert_eq!(
        store.request(&second.id).await.unwrap_or_else(fail),
        None,
        "a cancellation that did not happen leaves no request behind"
    );
    assert_eq!(
        store.user_by_phone(b"hmac-carol").await.unwrap_or_else(fail),
        None
    );
    assert_eq!(
        store
            .account_state(&carol.id)
            .await
            .unwrap_or_else(fail)
            .and_then(|s| s.cancelled_at),
        Some(60)
    );
    // RET-2: due at its `erase_after`, not before.
    assert_eq!(
        store.due_for_erasure(160, 10).await.unwrap_or_else(fail),
        vec![carol.id]
    );
    assert!(
        store
            .due_for_erasure(159, 10)
            .await
            .unwrap_or_else(fail)
            .is_empty()
    );

    // RET-2: a hold is recorded and survives erasure; erasure removes the
    // account, anonymises its requests and counts itself.
    let hold = HoldRecord {
        id: *UserId::generate().as_bytes(),
        user: carol.id,
        reason: "court order 42".into(),
        placed_at: 70,
        released_at: None,
    };
    store.place_hold(&hold).await.unwrap_or_else(fail);
    // RET-2: a held account is left out of the due list (and counted), so
    // any number of held accounts never stall the others.
    assert!(
        store
            .due_for_erasure(200, 10)
            .await
            .unwrap_or_else(fail)
            .is_empty()
    );
    assert_eq!(store.held_from_erasure(200).await.unwrap_or_else(fail), 1);
    assert!(store.release_hold(&hold.id, 80).await.unwrap_or_else(fail));
    assert_eq!(
        store.due_for_erasure(200, 10).await.unwrap_or_else(fail),
        vec![carol.id]
    );
    assert!(!store.release_hold(&hold.id, 81).await.unwrap_or_else(fail));
    let prefix = format!("u/{}/", carol.id);
    assert!(
        store
            .erase_account(&carol.id, &prefix, 86_400_000)
            .await
            .unwrap_or_else(fail)
    );
    assert!(
        !store
            .erase_account(&carol.id, &prefix, 86_400_001)
            .await
            .unwrap_or_else(fail)
    );
    assert_eq!(store.user_by_id(&carol.id).await.unwrap_or_else(fail), None);
    assert!(
        store
            .consents(&Subject::User(carol.id))
            .await
            .unwrap_or_else(fail)
            .is_empty()
    );
    assert!(store.audit_of(&carol.id).await.unwrap_or_else(fail).is_empty());
    assert!(store.requests_of(&carol.id).await.unwrap_or_else(fail).is_empty());
    assert_eq!(
        store.request(&req.id).await.unwrap_or_else(fail),
        None,
        "anonymous now"
    );
    assert_eq!(store.holds_of(&carol.id).await.unwrap_or_else(fail).len(), 1);
    assert!(
        store
            .due_gc(86_400_000, 100)
            .await
            .unwrap_or_else(fail)
            .contains(&prefix)
    );
    assert_eq!(
        store.erasure_counts().await.unwrap_or_else(fail),
        vec![("1970-01-02".to_string(), 1)]
    );
    assert!(store.user_by_id(&dave.id).await.unwrap_or_else(fail).is_some());
    // RET-3: every account can be walked in pages.
    let first = store.user_ids(None, 1).await.unwrap_or_else(fail);
    assert_eq!(first.len(), 1);
    let rest = store
        .user_ids(first.first().copied(), 1000)
        .await
        .unwrap_or_else(fail);
    assert!(rest.contains(&dave.id) || first.contains(&dave.id));
    assert!(!rest.contains(&first[0]));
}
