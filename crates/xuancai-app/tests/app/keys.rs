//! Issue 19 item 16 (SEC-4): each keyed hash is made under its own use's
//! key, and what was stored under the key all uses shared before (photos'
//! de-duplication keys, push devices) is still found.

use xuancai_app::crypto::{MacUse, sha256};
use xuancai_domain::PhotoId;
use xuancai_store::{NotifyStore, PhotoFilter, PhotoRecord, PhotoStore, PushToken};

use crate::support::spawn;

fn jpeg(seed: u8) -> Vec<u8> {
    let pixels: Vec<u8> = (0..64u32 * 48)
        .flat_map(|i| [(i % 64) as u8 ^ seed, (i / 64) as u8, seed, 255])
        .collect();
    let img = xuancai_imaging::RgbaImage::from_raw(64, 48, pixels).unwrap_or_else(|| panic!("64×48"));
    xuancai_imaging::thumbnail::encode_jpeg(&img, 90).unwrap_or_else(|e| panic!("{e}"))
}

fn input(user: &xuancai_domain::UserId, bytes: &[u8]) -> String {
    let hex: String = sha256(bytes).iter().map(|b| format!("{b:02x}")).collect();
    format!("photo:{user}:{hex}")
}

#[tokio::test]
async fn sec4_photo_dedupe_keys_have_their_own_key_and_old_ones_still_match() {
    let t = spawn(|_| {}).await;
    let user = t.sign_up("13800138040", None).await;
    let key = t.app.data_key(&user).await.unwrap_or_else(|e| panic!("{e}"));

    // A new photo's de-duplication key is made with the photo key, not
    // the phone-lookup key every use shared before.
    let fresh = jpeg(1);
    let added = xuancai_app::photos::add_photo(&t.app, user, &key, fresh.clone(), None, PhotoId::generate())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!added.duplicate);
    let stored = t
        .app
        .store
        .list_photos(&user, PhotoFilter::Library, None, 10)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        stored[0].content_hash,
        t.app.keys.mac(MacUse::PhotoDedupe, &input(&user, &fresh))
    );
    assert_ne!(
        stored[0].content_hash,
        t.app.keys.lookup_hash(&input(&user, &fresh))
    );

    // A photo stored before, under the shared key, is still the duplicate.
    let old = jpeg(2);
    let id = PhotoId::generate();
    let record = PhotoRecord {
        id,
        owner: user,
        content_hash: t.app.keys.legacy_mac(&input(&user, &old)),
        mime: "image/jpeg".into(),
        width: 64,
        height: 48,
        bytes: old.len() as i64,
        meta_ciphertext: key.seal(xuancai_store::SealedColumn::PhotoMeta, id.as_bytes(), b"{}"),
        created_at: t.app.now(),
        favourite: false,
        archived: false,
        trashed_at: None,
    };
    t.app
        .store
        .insert_photo(&record, &xuancai_app::keys::photo_prefix(&user, &id))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let again = xuancai_app::photos::add_photo(&t.app, user, &key, old, None, PhotoId::generate())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(again.duplicate, "found by its old key");
    assert_eq!(again.photo.id, id);
}

#[tokio::test]
async fn sec4_a_push_device_stored_under_the_old_key_is_replaced_not_doubled() {
    let t = spawn(|_| {}).await;
    let user = t.sign_up("13800138041", None).await;
    let key = t.app.data_key(&user).await.unwrap_or_else(|e| panic!("{e}"));
    let token = r#"{"endpoint":"https://push.example/abc"}"#;
    t.app
        .store
        .put_push_token(
            &PushToken {
                id: [9; 16],
                user,
                provider: "web_push".into(),
                token_ciphertext: key.seal(
                    xuancai_store::SealedColumn::PushToken,
                    &[9; 16],
                    token.as_bytes(),
                ),
                created_at: 1,
            },
            &t.app.keys.legacy_mac(token),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    xuancai_app::push::register(&t.app, &user, "web_push", token)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    xuancai_app::push::register(&t.app, &user, "web_push", token)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let devices = t
        .app
        .store
        .push_tokens(&user)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(devices.len(), 1, "one device, registered three times");
    assert_ne!(devices[0].id, [9; 16], "the old row was replaced");
}
