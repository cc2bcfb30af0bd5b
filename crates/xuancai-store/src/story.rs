//! The story every backend must pass (run on SQLite and PostgreSQL):
//! accounts, photos, profiles and notifications here; the privacy engine in
//! [`crate::story_privacy`], the code limits under concurrency in
//! [`crate::story_races`], jobs and works in [`crate::story_jobs`].

use xuancai_domain::UserId;

use xuancai_domain::CodePurpose;

use crate::{AccountStore, CodeCheck, SendLimits, StoreError, UserRecord};

const SIGN_IN: CodePurpose = CodePurpose::SignIn;

pub use crate::story_notify::notify;
pub use crate::story_privacy::privacy;
pub use crate::story_races::{codes_race, lease_race};

pub(crate) fn fail<T>(e: StoreError) -> T {
    panic!("{e}")
}

pub(crate) fn user(phone: &[u8]) -> UserRecord {
    UserRecord {
        id: UserId::generate(),
        phone_hmac: phone.to_vec(),
        phone_ciphertext: b"ciphertext".to_vec(),
        wrapped_data_key: b"wrapped".to_vec(),
        created_at: 1_000,
    }
}

/// Accounts, codes, limits and sessions (ACC-1, ACC-2, ACC-4; SEC-1: one
/// account per phone number, an opaque random id). Panics (failing the calling test) on
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

    crate::story_keys::legacy_data_keys(store).await;
    crate::story_keys::rotation(store).await;

    // ACC-1: codes are single use, expire, and allow a limited number of tries.
    let p = b"hmac-alice";
    store
        .put_code(p, SIGN_IN, b"right", 5_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.check_code(p, SIGN_IN, b"wrong", 1_000, 5).await.ok(),
        Some(CodeCheck::Rejected { remaining: 4 })
    );
    assert_eq!(
        store.check_code(p, SIGN_IN, b"right", 1_001, 5).await.ok(),
        Some(CodeCheck::Accepted)
    );
    assert_eq!(
        store.check_code(p, SIGN_IN, b"right", 1_002, 5).await.ok(),
        Some(CodeCheck::Missing),
        "single use"
    );

    store
        .put_code(p, SIGN_IN, b"right", 5_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.check_code(p, SIGN_IN, b"right", 5_001, 5).await.ok(),
        Some(CodeCheck::Expired)
    );
    assert_eq!(
        store.check_code(p, SIGN_IN, b"right", 1_000, 5).await.ok(),
        Some(CodeCheck::Missing),
        "expired codes are gone"
    );

    store
        .put_code(p, SIGN_IN, b"right", 5_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for remaining in (0..5).rev() {
        assert_eq!(
            store.check_code(p, SIGN_IN, b"wrong", 1_000, 5).await.ok(),
            Some(CodeCheck::Rejected { remaining })
        );
    }
    assert_eq!(
        store.check_code(p, SIGN_IN, b"right", 1_000, 5).await.ok(),
        Some(CodeCheck::Exhausted),
        "no sixth try"
    );
    assert_eq!(
        store.check_code(p, SIGN_IN, b"right", 1_000, 5).await.ok(),
        Some(CodeCheck::Missing)
    );

    // A new code resets the tries.
    store
        .put_code(p, SIGN_IN, b"one", 5_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    store
        .put_code(p, SIGN_IN, b"two", 5_000)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        store.check_code(p, SIGN_IN, b"one", 1_000, 5).await.ok(),
        Some(CodeCheck::Rejected { remaining: 4 })
    );
    assert_eq!(
        store.check_code(p, SIGN_IN, b"two", 1_000, 5).await.ok(),
        Some(CodeCheck::Accepted)
    );

    // A code is valid only for its purpose: a guardian code does not sign
    // in, and a sign-in code left pending is untouched by it.
    store
        .put_code(p, SIGN_IN, b"login", 5_000)
        .await
        .unwrap_or_else(fail);
    store
        .put_code(p, CodePurpose::Guardian, b"guardian", 5_000)
        .await
        .unwrap_or_else(fail);
    assert_eq!(
        store.check_code(p, SIGN_IN, b"guardian", 1_000, 5).await.ok(),
        Some(CodeCheck::Rejected { remaining: 4 }),
        "a guardian code is no sign-in code"
    );
    assert_eq!(
        store
            .check_code(p, CodePurpose::Verify, b"guardian", 1_000, 5)
            .await
            .ok(),
        Some(CodeCheck::Missing)
    );
    assert_eq!(
        store
            .check_code(p, CodePurpose::Guardian, b"guardian", 1_000, 5)
            .await
            .ok(),
        Some(CodeCheck::Accepted)
    );
    assert_eq!(
        store.check_code(p, SIGN_IN, b"login", 1_000, 5).await.ok(),
        Some(CodeCheck::Accepted)
    );

    // Send limits: a send is recorded only within every limit.
    let limits = SendLimits {
        per_phone_minute: 1,
        per_phone_day: 2,
        per_ip_day: 3,
    };
    let ip = "203.0.113.7";
    let reserve = |phone: &'static [u8], ip: &'static str, at: i64| store.reserve_send(phone, ip, at, limits);
    assert_eq!(reserve(p, ip, 100_000).await.ok(), Some(true));
    assert_eq!(reserve(p, ip, 130_000).await.ok(), Some(false), "one a minute");
    assert_eq!(reserve(p, ip, 170_000).await.ok(), Some(true), "a minute later");
    assert_eq!(reserve(p, ip, 240_000).await.ok(), Some(false), "two a day");
    assert_eq!(reserve(b"hmac-bob", ip, 250_000).await.ok(), Some(true));
    assert_eq!(
        reserve(b"hmac-carol", ip, 260_000).await.ok(),
        Some(false),
        "three a day from one IP"
    );
    assert_eq!(
        reserve(b"hmac-carol", "198.51.100.1", 260_000).await.ok(),
        Some(true),
        "another IP"
    );
    assert_eq!(
        reserve(p, ip, 170_001 + 86_400_000).await.ok(),
        Some(true),
        "a day later"
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

pub(crate) fn photo(owner: &UserId, hash: &[u8], at: crate::Millis) -> crate::PhotoRecord {
    crate::PhotoRecord {
        id: xuancai_domain::PhotoId::generate(),
        owner: *owner,
        content_hash: hash.to_vec(),
        mime: "image/jpeg".into(),
        width: 4000,
        height: 3000,
        bytes: 1234,
        meta_ciphertext: b"meta".to_vec(),
        created_at: at,
        favourite: false,
        archived: false,
        trashed_at: None,
    }
}

pub(crate) fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// Photos, albums, trash and the blob queue (IMG-1, SEC-6).
pub async fn photos<S: crate::PhotoStore + crate::BlobGc + AccountStore>(store: &S) {
    use crate::{Cursor, PhotoFilter, PhotoPatch, PhotoRecord};

    let alice = user(b"photos-alice");
    let bob = user(b"photos-bob");
    ok(store.insert_user(&alice).await);
    ok(store.insert_user(&bob).await);
    let a = alice.id;

    // The upload protocol: schedule the blobs' deletion, write them, then
    // commit the row, which cancels the deletion in the same transaction.
    let p1 = photo(&a, b"h1", 10);
    let prefix = PhotoRecord::blob_prefix(&a, &p1.id);
    ok(store.schedule_gc(&prefix, 1_000).await);
    assert_eq!(ok(store.due_gc(999, 10).await), Vec::<String>::new());
    ok(store.insert_photo(&p1, &prefix).await);
    assert!(
        ok(store.due_gc(5_000, 10).await).is_empty(),
        "commit cancels the pending delete"
    );

    // De-duplication is per user.
    assert!(matches!(
        store.insert_photo(&photo(&a, b"h1", 11), "x").await,
        Err(StoreError::Conflict)
    ));
    ok(store.insert_photo(&photo(&bob.id, b"h1", 11), "x").await);
    // Quotas (issue 19 item 14) count what each account stores.
    assert_eq!(ok(store.photo_totals(&a).await), (1, 1234));
    assert_eq!(ok(store.photo_totals(&bob.id).await), (1, 1234));
    assert_eq!(
        ok(store.photo_by_hash(&a, b"h1").await).map(|p| p.id),
        Some(p1.id)
    );

    // Newest first, cursor pagination, no duplicates or gaps, ties broken by id.
    let mut ids = vec![p1.id];
    for (i, t) in [20, 30, 30, 40].into_iter().enumerate() {
        let p = photo(&a, format!("h{}", i + 2).as_bytes(), t);
        ok(store.insert_photo(&p, "x").await);
        ids.push(p.id);
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = ok(store.list_photos(&a, PhotoFilter::Library, after, 2).await);
        if page.is_empty() {
            break;
        }
        let last = &page[page.len() - 1];
        after = Some(Cursor {
            at: last.created_at,
            id: *last.id.as_bytes(),
        });
        seen.extend(page.into_iter().map(|p| (p.created_at, p.id)));
    }
    assert_eq!(seen.len(), 5);
    assert!(
        seen.windows(2)
            .all(|w| (w[0].0, *w[0].1.as_bytes()) > (w[1].0, *w[1].1.as_bytes()))
    );

    // SEC-6: another user's rows are invisible and untouchable.
    assert_eq!(ok(store.photo(&bob.id, &p1.id).await), None);
    assert_eq!(
        ok(store
            .update_photo(
                &bob.id,
                &p1.id,
                PhotoPatch {
                    favourite: Some(true),
                    archived: None
                }
            )
            .await),
        None
    );
    assert!(!ok(store.set_trashed(&bob.id, &p1.id, Some(1)).await));
    assert!(!ok(store.purge_photo(&bob.id, &p1.id, 1).await));

    // Flags and filters.
    let fav = ok(store
        .update_photo(
            &a,
            &p1.id,
            PhotoPatch {
                favourite: Some(true),
                archived: None,
            },
        )
        .await);
    assert!(fav.is_some_and(|p| p.favourite && !p.archived));
    ok(store
        .update_photo(
            &a,
            &ids[1],
            PhotoPatch {
                favourite: None,
                archived: Some(true),
            },
        )
        .await);
    let count = |f| async move { ok(store.list_photos(&a, f, None, 100).await).len() };
    assert_eq!(count(PhotoFilter::Favourites).await, 1);
    assert_eq!(count(PhotoFilter::Archived).await, 1);
    assert_eq!(count(PhotoFilter::Library).await, 4);

    // Albums: many-to-many, owner-only, counts skip the trash.
    let album = |name: &[u8], at| crate::AlbumRecord {
        id: xuancai_domain::AlbumId::generate(),
        owner: a,
        name_ciphertext: name.to_vec(),
        created_at: at,
        updated_at: at,
        photo_count: 0,
        cover: None,
    };
    let (trip, family) = (album(b"trip", 50), album(b"family", 60));
    ok(store.insert_album(&trip).await);
    ok(store.insert_album(&family).await);
    assert_eq!(ok(store.add_to_album(&a, &trip.id, &ids[..3], 70).await), 3);
    assert_eq!(
        ok(store.add_to_album(&a, &trip.id, &ids[..3], 71).await),
        0,
        "idempotent"
    );
    assert_eq!(
        ok(store.add_to_album(&a, &family.id, &ids[..1], 72).await),
        1,
        "a photo in two albums"
    );
    let bobs = ok(store.list_photos(&bob.id, PhotoFilter::Library, None, 10).await);
    assert_eq!(
        ok(store.add_to_album(&a, &trip.id, &[bobs[0].id], 73).await),
        0,
        "not alice's photo"
    );
    assert!(matches!(
        store.add_to_album(&bob.id, &trip.id, &ids[..1], 74).await,
        Err(StoreError::NotFound)
    ));
    let listed = ok(store.list_albums(&a, None, 10).await);
    assert_eq!(
        listed.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![family.id, trip.id]
    );
    let t = ok(store.album(&a, &trip.id).await).unwrap_or_else(|| panic!("album"));
    assert_eq!(
        (t.photo_count, t.updated_at),
        (3, 70),
        "only a real change touches the album"
    );
    assert_eq!(t.cover, Some(ids[2]), "newest photo is the cover");
    assert!(ok(store.album(&bob.id, &trip.id).await).is_none());
    assert!(ok(store.list_albums(&bob.id, None, 10).await).is_empty());

    // Trash: leaves listings and album counts, restores, purges.
    assert!(ok(store.set_trashed(&a, &ids[2], Some(100)).await));
    assert_eq!(count(PhotoFilter::Trash).await, 1);
    assert_eq!(
        ok(store.album(&a, &trip.id).await).map(|x| x.photo_count),
        Some(2)
    );
    assert_eq!(ok(store.album_photos(&a, &trip.id, None, 10).await).len(), 2);
    assert_eq!(ok(store.trashed_before(101, 10).await), vec![(a, ids[2])]);
    assert!(ok(store.trashed_before(100, 10).await).is_empty());
    assert!(ok(store.set_trashed(&a, &ids[2], None).await));
    assert_eq!(ok(store.album_photos(&a, &trip.id, None, 10).await).len(), 3);
    assert!(ok(store.purge_photo(&a, &ids[2], 200).await));
    assert_eq!(
        ok(store.album(&a, &trip.id).await).map(|x| x.photo_count),
        Some(2)
    );
    let due = ok(store.due_gc(200, 10).await);
    assert_eq!(
        due,
        vec![PhotoRecord::blob_prefix(&a, &ids[2])],
        "purge queues the blobs"
    );
    ok(store.done_gc(&due[0]).await);
    assert!(ok(store.due_gc(i64::MAX, 10).await).is_empty());

    // Rename, remove, delete (photos stay).
    assert!(ok(store.rename_album(&a, &trip.id, b"trip 2", 300).await));
    assert!(!ok(store.rename_album(&bob.id, &trip.id, b"x", 300).await));
    assert_eq!(ok(store.remove_from_album(&a, &trip.id, &ids[..1]).await), 1);
    assert!(!ok(store.delete_album(&bob.id, &trip.id).await));
    assert!(ok(store.delete_album(&a, &trip.id).await));
    assert!(ok(store.photo(&a, &ids[1]).await).is_some());
    assert_eq!(
        ok(store.album(&a, &family.id).await).map(|x| x.photo_count),
        Some(1)
    );
}

/// Profiles, the ledger and counted events (ACC-3, ACC-5, ACC-8).
pub async fn profiles<S: crate::ProfileStore + AccountStore>(store: &S) {
    use crate::{Appended, BalanceSwap, FieldValue, LedgerEntry, ProfileField};

    let u = user(b"profile-carol");
    ok(store.insert_user(&u).await);
    let p = ok(store.profile(&u.id).await).unwrap_or_else(|| panic!("profile"));
    assert_eq!(p, crate::ProfileRecord::default());
    assert!(ok(store
        .set_profile_field(
            &u.id,
            ProfileField::Nickname,
            Some(FieldValue::Bytes(b"nick".to_vec()))
        )
        .await));
    assert!(ok(store
        .set_profile_field(
            &u.id,
            ProfileField::PasswordHash,
            Some(FieldValue::Text("$argon2id$x".into()))
        )
        .await));
    let p = ok(store.profile(&u.id).await).unwrap_or_else(|| panic!("profile"));
    assert_eq!(p.nickname_ciphertext.as_deref(), Some(&b"nick"[..]));
    assert_eq!(p.password_hash.as_deref(), Some("$argon2id$x"));
    assert!(ok(store
        .set_profile_field(&u.id, ProfileField::Nickname, None)
        .await));
    assert_eq!(
        ok(store.profile(&u.id).await).and_then(|p| p.nickname_ciphertext),
        None
    );
    assert!(
        store
            .set_profile_field(&u.id, ProfileField::Nickname, Some(FieldValue::Text("x".into())))
            .await
            .is_err()
    );
    assert!(!ok(store
        .set_profile_field(&UserId::generate(), ProfileField::Avatar, None)
        .await));

    // ACC-8, §11: append-only, idempotent by reference; the sealed balance
    // moves only from the value read (compare-and-swap), with its entry.
    let entry = |reference: &str, at, sealed: &[u8]| LedgerEntry {
        id: *xuancai_domain::PhotoId::generate().as_bytes(),
        user: u.id,
        delta: 0,
        reason: "sealed".into(),
        reference: reference.into(),
        created_at: at,
        sealed: Some(sealed.to_vec()),
    };
    let swap = |old: Option<&[u8]>, new: &[u8]| BalanceSwap {
        old_plain: 0,
        old_sealed: old.map(<[u8]>::to_vec),
        new_sealed: new.to_vec(),
    };
    assert_eq!(
        ok(store
            .append_ledger(&entry("r1", 1, b"e1"), &swap(None, b"b10"))
            .await),
        Appended::Done
    );
    assert_eq!(
        ok(store
            .append_ledger(&entry("r1", 2, b"e1'"), &swap(Some(b"b10"), b"b20"))
            .await),
        Appended::Duplicate
    );
    assert_eq!(
        ok(store
            .append_ledger(&entry("r2", 3, b"e2"), &swap(None, b"b20"))
            .await),
        Appended::Stale,
        "a balance read before the last append is stale"
    );
    assert_eq!(
        ok(store
            .append_ledger(&entry("r2", 4, b"e2"), &swap(Some(b"b10"), b"b16"))
            .await),
        Appended::Done,
        "the stale attempt wrote nothing: its reference is free"
    );
    let entries = ok(store.ledger(&u.id, None, 10).await);
    assert_eq!(
        entries.iter().map(|e| e.sealed.clone()).collect::<Vec<_>>(),
        vec![Some(b"e2".to_vec()), Some(b"e1".to_vec())]
    );
    let p = ok(store.profile(&u.id).await).unwrap_or_else(|| panic!("profile"));
    assert_eq!(
        (p.coin_balance, p.coin_balance_ciphertext),
        (0, Some(b"b16".to_vec()))
    );
    assert!(
        !ok(store.reseal_ledger_entry(&entries[0].id, "x", b"e").await),
        "already sealed"
    );
    assert_eq!(ok(store.forget_coins(&u.id).await), 2);
    assert!(ok(store.ledger(&u.id, None, 10).await).is_empty());
    let p = ok(store.profile(&u.id).await).unwrap_or_else(|| panic!("profile"));
    assert_eq!((p.coin_balance, p.coin_balance_ciphertext), (0, None));

    ok(store.record_event("password_failed", b"k", 10).await);
    ok(store.record_event("password_failed", b"k", 20).await);
    ok(store.record_event("other", b"k", 20).await);
    assert_eq!(ok(store.count_events("password_failed", b"k", 15).await), 1);
    assert_eq!(ok(store.count_events("password_failed", b"k", 0).await), 2);
}
