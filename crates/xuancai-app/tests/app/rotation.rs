//! Issue 23 item 5 (SEC-4): the master key is replaced. Every data key and
//! the derivation root are re-wrapped under the new key (opening them with
//! the previous one), in a run that can stop anywhere and go on; then the
//! new key alone reads everything back — numbers, photo metadata, the photo
//! files themselves, sign-in by number — and the old key alone opens
//! nothing.

use std::sync::Arc;

use xuancai_app::App;
use xuancai_app::config::Secret;
use xuancai_app::rotation::{Limit, rotate};
use xuancai_app::store::Backend;
use xuancai_domain::{PhoneNumber, PhotoId, UserId};
use xuancai_store::{AccountStore, PhotoFilter, PhotoStore, SealedColumn};

use crate::support::spawn;

fn jpeg(seed: u8) -> Vec<u8> {
    let pixels: Vec<u8> = (0..64u32 * 48)
        .flat_map(|i| [(i % 64) as u8 ^ seed, (i / 64) as u8, seed, 255])
        .collect();
    let img = xuancai_imaging::RgbaImage::from_raw(64, 48, pixels).unwrap_or_else(|| panic!("64×48"));
    xuancai_imaging::thumbnail::encode_jpeg(&img, 90).unwrap_or_else(|e| panic!("{e}"))
}

/// Everything `user` has, read with `app`'s keys: the number, the photo's
/// metadata and its original file; and the account found by its number.
async fn read_back(app: &App<Backend>, user: &UserId, phone: &str, photo: &[u8]) {
    let key = app.data_key(user).await.unwrap_or_else(|e| panic!("{e}"));
    let record = app
        .store
        .user_by_id(user)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("{user} exists"));
    let number = PhoneNumber::parse(phone).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        key.open_text(SealedColumn::UserPhone, user.as_bytes(), &record.phone_ciphertext)
            .as_deref(),
        Some(number.as_e164())
    );
    let found = app
        .store
        .user_by_phone(&app.keys.lookup_hash(number.as_e164()))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        found.map(|u| u.id),
        Some(*user),
        "found by its number (the lookup key is unchanged)"
    );
    let photos = app
        .store
        .list_photos(user, PhotoFilter::Library, None, 10)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(photos.len(), 1);
    let view = serde_json::to_value(xuancai_app::photos::photo_view(&photos[0], &key)).unwrap_or_default();
    assert_eq!(view["file_name"], "mine.jpg", "the metadata opens");
    let original = app
        .blobs
        .get(&xuancai_app::keys::photo_original(user, &photos[0].id), &key)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(original, photo, "the file opens");
}

#[tokio::test]
async fn sec4_the_master_key_rotates_resumably_and_the_new_key_alone_reads_everything() {
    let old = Secret::new(vec![0x11; 32]);
    let new = Secret::new(vec![0x22; 32]);
    let t = spawn(|c| c.master_key = Some(old.clone())).await;
    let phones = ["13800138051", "13800138052", "13800138053"];
    let mut users = Vec::new();
    for (i, phone) in phones.iter().enumerate() {
        let user = t.sign_up(phone, None).await;
        let key = t.app.data_key(&user).await.unwrap_or_else(|e| panic!("{e}"));
        let bytes = jpeg(u8::try_from(i).unwrap_or(0));
        xuancai_app::photos::add_photo(
            &t.app,
            user,
            &key,
            bytes.clone(),
            Some("mine.jpg".into()),
            PhotoId::generate(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        users.push((user, *phone, bytes));
    }

    // The servers restart with the new key, the old one as previous: all opens.
    let both: Arc<App<Backend>> = t
        .node_with(|c| {
            c.master_key = Some(new.clone());
            c.previous_master_key = Some(old.clone());
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for (user, phone, bytes) in &users {
        read_back(&both, user, phone, bytes).await;
    }

    // A run stopped after one account, then run again, then once more.
    let stopped = rotate(
        &both.store,
        &both.keys,
        Limit {
            page: 2,
            accounts: Some(1),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(stopped.root_rewrapped && !stopped.finished);
    assert_eq!((stopped.rewrapped, stopped.already), (1, 0));
    for (user, phone, bytes) in &users {
        read_back(&both, user, phone, bytes).await;
    }
    let resumed = rotate(
        &both.store,
        &both.keys,
        Limit {
            page: 2,
            accounts: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(resumed.finished && !resumed.root_rewrapped);
    assert_eq!(
        (resumed.rewrapped, resumed.already),
        (2, 1),
        "the stopped run's account is not redone"
    );
    let again = rotate(&both.store, &both.keys, Limit::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (again.rewrapped, again.already, again.unreadable.len()),
        (0, 3, 0)
    );

    // The new key alone reads everything back.
    let only_new = t
        .node_with(|c| {
            c.master_key = Some(new.clone());
            c.previous_master_key = None;
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for (user, phone, bytes) in &users {
        read_back(&only_new, user, phone, bytes).await;
    }
    // Every stored key names the new master key; the old key alone does not start.
    for (user, wrapped) in t
        .app
        .store
        .wrapped_keys(None, 10)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    {
        assert!(
            only_new.keys.wraps(&wrapped),
            "{user} still wrapped by the old key"
        );
    }
    let refused = t
        .node_with(|c| {
            c.master_key = Some(old.clone());
            c.previous_master_key = None;
        })
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(refused.contains("previous_master_key"), "{refused}");
}
