//! Tests of `crypto` (a file of their own to keep `crypto.rs` short).

use super::*;
use xuancai_store::SealedColumn;

/// `mac(PhotoDedupe, "x")` under the master key `[7; 32]`.
/// Computed by hand with Python's `hmac` (HKDF-Expand = HMAC(PRK, info ‖ 0x01)).
const PINNED_PHOTO_DEDUPE_X: &str = "f33520355dd4ae97affba6e475f67d28bce1d2925da4343d9dc7827936af93e4";

/// Issue 19 item 16, §11: a bound ciphertext opens only with its AAD
/// (another user's or another row's does not), and unbound ones still open.
#[test]
fn sec4_bound_ciphertexts_open_only_where_they_were_sealed() -> Result<(), CryptoError> {
    let keys = Keys::new(&Secret::new(random::<32>().to_vec()))?;
    let (key, _) = keys.new_data_key(&UserId::generate());
    let ct = key.encrypt_bound(b"42", b"coin_balance/alice");
    assert_eq!(key.decrypt_bound(&ct, b"coin_balance/alice")?, b"42");
    assert!(key.decrypt_bound(&ct, b"coin_balance/bob").is_err());
    assert!(key.open_unbound(&ct).is_err());
    assert_eq!(key.decrypt_bound(&key.seal_unbound(b"x"), b"")?, b"x");
    let a = keys.coin_reference(b"alice", "check_in:2026-12-03");
    assert_eq!(a.len(), 32);
    assert_ne!(a, keys.coin_reference(b"bob", "check_in:2026-12-03"));
    assert!(!a.contains("check_in"));
    Ok(())
}

/// Issue 19 item 16: every use has its own key, none of them the phone
/// lookup's; the derivation is pinned (a known answer), since stored
/// hashes depend on it never changing.
#[test]
fn sec4_each_keyed_hash_use_has_its_own_key() -> Result<(), CryptoError> {
    let keys = Keys::new(&Secret::new([7u8; 32].to_vec()))?;
    let mut seen = vec![keys.lookup_hash("x")];
    for u in MacUse::ALL {
        let h = keys.mac(u, "x");
        assert!(!seen.contains(&h), "{u:?} shares a key");
        assert_eq!(h, keys.mac(u, "x"));
        seen.push(h);
    }
    assert_eq!(keys.legacy_mac("x"), keys.lookup_hash("x"));
    let hex: String = keys
        .mac(MacUse::PhotoDedupe, "x")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hex, PINNED_PHOTO_DEDUPE_X);
    assert_ne!(
        keys.client_key("ip", "192.0.2.1"),
        keys.client_key("password-ip", "192.0.2.1")
    );
    Ok(())
}

/// Issue 19 item 16: a work's share token matches only that work at
/// that link version, compared whole (no prefix, either case).
#[test]
fn sec_work_link_tokens_match_only_their_work_and_version() -> Result<(), CryptoError> {
    let keys = Keys::new(&Secret::new(random::<32>().to_vec()))?;
    let t = keys.work_link_token("w_1", 3);
    assert_eq!(t.len(), 32);
    assert!(keys.work_link_matches("w_1", 3, &t));
    assert!(keys.work_link_matches("w_1", 3, &t.to_ascii_uppercase()));
    assert!(
        !keys.work_link_matches("w_1", 4, &t),
        "a new link version ends it"
    );
    assert!(!keys.work_link_matches("w_2", 3, &t));
    assert!(!keys.work_link_matches("w_1", 3, &t[..30]));
    assert!(!keys.work_link_matches("w_1", 3, &format!("{t}00")));
    assert!(!keys.work_link_matches("w_1", 3, ""));
    let legacy: String = keys.lookup_hash("work-link:w_1:3")[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_ne!(legacy, t, "new tokens use the work-link key");
    assert!(
        keys.work_link_matches("w_1", 3, &legacy),
        "links shared before still open"
    );
    assert!(!keys.work_link_matches("w_1", 4, &legacy));
    Ok(())
}

#[test]
fn ads2_unsubscribe_tags_match_only_their_user() -> Result<(), CryptoError> {
    let keys = Keys::new(&Secret::new(random::<32>().to_vec()))?;
    let tag: String = keys
        .unsubscribe_tag(b"alice")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(keys.unsubscribe_tag_matches(b"alice", &tag));
    assert!(keys.unsubscribe_tag_matches(b"alice", &tag.to_ascii_uppercase()));
    assert!(!keys.unsubscribe_tag_matches(b"bob", &tag));
    assert!(
        !keys.unsubscribe_tag_matches(b"alice", &tag[..30]),
        "a shorter prefix is no tag"
    );
    assert!(!keys.unsubscribe_tag_matches(b"alice", &format!("{tag}00")));
    assert!(!keys.unsubscribe_tag_matches(b"alice", "zz"));
    assert!(!keys.unsubscribe_tag_matches(b"alice", ""));
    Ok(())
}

#[test]
fn sec4_data_keys_round_trip_and_need_the_master_key() -> Result<(), CryptoError> {
    let keys = Keys::new(&Secret::new(random::<32>().to_vec()))?;
    let user = UserId::generate();
    let (dk, wrapped) = keys.new_data_key(&user);
    let sealed = dk.seal(SealedColumn::UserPhone, user.as_bytes(), b"+8613800138000");
    assert!(
        !sealed.windows(5).any(|w| w == b"13800"),
        "ciphertext hides the number"
    );
    let again = keys.unwrap_data_key(&user, &wrapped)?;
    assert_eq!(
        again.open(SealedColumn::UserPhone, user.as_bytes(), &sealed)?,
        b"+8613800138000"
    );
    let other = Keys::new(&Secret::new(random::<32>().to_vec()))?;
    assert!(
        other.unwrap_data_key(&user, &wrapped).is_err(),
        "another master key cannot unwrap"
    );
    assert_eq!(keys.lookup_hash("a"), keys.lookup_hash("a"));
    assert_ne!(keys.lookup_hash("a"), other.lookup_hash("a"));
    Ok(())
}

/// Issue 19 item 16: a wrapped data key opens only in its own account's
/// row; one wrapped before binding is re-wrapped to the same key, once.
#[test]
fn sec4_a_wrapped_data_key_opens_only_for_its_account() -> Result<(), CryptoError> {
    let keys = Keys::new(&Secret::new(random::<32>().to_vec()))?;
    let (alice, bob) = (UserId::generate(), UserId::generate());
    let (dk, wrapped) = keys.new_data_key(&alice);
    let sealed = dk.seal_unbound(b"alice's number");
    assert_eq!(
        keys.unwrap_data_key(&alice, &wrapped)?.open_unbound(&sealed)?,
        b"alice's number"
    );
    assert!(
        keys.unwrap_data_key(&bob, &wrapped).is_err(),
        "moved to bob's row"
    );
    assert!(
        keys.unwrap_data_key(&alice, &wrapped[1..]).is_err(),
        "version byte stripped"
    );
    assert_eq!(keys.rewrap_legacy(&alice, &wrapped)?, None, "already bound");

    let (old_key, legacy) = keys.legacy_data_key(&alice);
    assert_eq!(legacy.len(), LEGACY_WRAPPED_LEN);
    let old_sealed = old_key.seal_unbound(b"written before");
    assert!(
        keys.unwrap_data_key(&alice, &legacy).is_err(),
        "the old format is refused"
    );
    let rewrapped = keys.rewrap_legacy(&alice, &legacy)?.ok_or(CryptoError::Decrypt)?;
    assert_eq!(
        keys.unwrap_data_key(&alice, &rewrapped)?
            .open_unbound(&old_sealed)?,
        b"written before",
        "the same key, now bound"
    );
    assert!(keys.unwrap_data_key(&bob, &rewrapped).is_err());
    Ok(())
}

#[test]
fn min5_guardian_tokens_open_only_with_our_key_and_in_time() -> Result<(), CryptoError> {
    let keys = Keys::new(&Secret::new(random::<32>().to_vec()))?;
    let t = keys.seal_guardian_token(b"guardian-hmac", 1_000);
    assert_eq!(keys.open_guardian_token(&t, 999), Some(b"guardian-hmac".to_vec()));
    assert_eq!(keys.open_guardian_token(&t, 1_000), None, "expired");
    let other = Keys::new(&Secret::new(random::<32>().to_vec()))?;
    assert_eq!(other.open_guardian_token(&t, 0), None, "another key");
    let mut forged = t.clone();
    let flip = if t.ends_with('0') { "1" } else { "0" };
    forged.replace_range(t.len() - 1.., flip);
    assert_eq!(keys.open_guardian_token(&forged, 0), None, "tampered");
    assert_eq!(keys.open_guardian_token("g1.zz", 0), None);
    assert_eq!(keys.open_guardian_token("", 0), None);
    Ok(())
}

/// Issue 19 item 16: a sealed cell opens only at its column, row and owner:
/// moved to another row, another column or another account (even one with
/// the same data key), or unbound, it does not open.
#[test]
fn sec4_a_sealed_cell_opens_only_at_its_column_row_and_owner() -> Result<(), CryptoError> {
    let keys = Keys::new(&Secret::new(random::<32>().to_vec()))?;
    let (alice, bob) = (UserId::generate(), UserId::generate());
    let (key, wrapped) = keys.new_data_key(&alice);
    let (row, other_row) = ([1u8; 16], [2u8; 16]);
    let sealed = key.seal(SealedColumn::AlbumName, &row, "家人".as_bytes());
    assert_eq!(
        key.open_text(SealedColumn::AlbumName, &row, &sealed).as_deref(),
        Some("家人")
    );
    assert!(
        key.open(SealedColumn::AlbumName, &other_row, &sealed).is_err(),
        "another row"
    );
    assert!(
        key.open(SealedColumn::WorkTitle, &row, &sealed).is_err(),
        "another column"
    );
    assert!(key.open_unbound(&sealed).is_err(), "without its place");
    // The same raw key, believed to be Bob's: the owner is part of the place.
    let as_bob = keys.unwrap_data_key(&alice, &wrapped).map(|k| DataKey {
        owner: bob,
        owner_text: bob.to_string().into(),
        ..k
    })?;
    assert!(
        as_bob.open(SealedColumn::AlbumName, &row, &sealed).is_err(),
        "another owner"
    );
    let mut names: Vec<&str> = SealedColumn::ALL.iter().map(|c| c.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(
        names.len(),
        SealedColumn::ALL.len(),
        "every column has its own name"
    );
    Ok(())
}
