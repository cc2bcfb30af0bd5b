//! Secrets at rest (SEC-4): the keyed hash used to find a user by phone
//! number, and per-user data keys (AES-256-GCM) wrapped by the master key.
//! Destroying a user's wrapped key makes all their ciphertext unreadable
//! (crypto-shredding).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::config::Secret;

/// Keys derived from the master key.
#[derive(Clone)]
pub struct Keys {
    wrap: Aes256Gcm,
    lookup: Secret,
    ohttp: Secret,
    vapid: Secret,
    unsubscribe: Secret,
    coin_reference: Secret,
    guardian: Aes256Gcm,
    service: Aes256Gcm,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the master key must be 32 bytes")]
    BadMasterKey,
    #[error("decryption failed")]
    Decrypt,
}

pub fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    if let Err(e) = getrandom::fill(&mut b) {
        panic!("the operating system's random number generator failed: {e}");
    }
    b
}

fn derive(master: &[u8], label: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(master).unwrap_or_else(|_| unreachable!("any key length"));
    mac.update(label);
    mac.finalize().into_bytes().into()
}

fn seal(cipher: &Aes256Gcm, plaintext: &[u8]) -> Vec<u8> {
    seal_with(cipher, plaintext, b"")
}

/// AES-256-GCM with a fresh nonce, bound to `aad` (empty AAD is the same
/// ciphertext format as no AAD, so older rows still open).
fn seal_with(cipher: &Aes256Gcm, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let nonce = random::<12>();
    let mut out = nonce.to_vec();
    // Encryption with a fresh nonce cannot fail for inputs of this size.
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad })
        .unwrap_or_else(|_| unreachable!("AES-GCM encryption of a short message"));
    out.extend(ct);
    out
}

fn open(cipher: &Aes256Gcm, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    open_with(cipher, sealed, b"")
}

fn open_with(cipher: &Aes256Gcm, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < 12 {
        return Err(CryptoError::Decrypt);
    }
    let (nonce, ct) = sealed.split_at(12);
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
        .map_err(|_| CryptoError::Decrypt)
}

impl Keys {
    pub fn new(master: &Secret) -> Result<Self, CryptoError> {
        if master.expose().len() != 32 {
            return Err(CryptoError::BadMasterKey);
        }
        let wrap = derive(master.expose(), b"xuancai wrap v1");
        let guardian = derive(master.expose(), b"xuancai guardian page v1");
        let service = derive(master.expose(), b"xuancai service records v1");
        Ok(Self {
            wrap: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&wrap)),
            lookup: Secret::new(derive(master.expose(), b"xuancai lookup v1").to_vec()),
            ohttp: Secret::new(derive(master.expose(), b"xuancai ohttp v1").to_vec()),
            vapid: Secret::new(derive(master.expose(), b"xuancai vapid v1").to_vec()),
            unsubscribe: Secret::new(derive(master.expose(), b"xuancai unsubscribe v1").to_vec()),
            coin_reference: Secret::new(derive(master.expose(), b"xuancai coin reference v1").to_vec()),
            guardian: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&guardian)),
            service: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&service)),
        })
    }

    /// The VAPID signing key's 32 bytes (DATA-5): stable across processes.
    pub fn vapid_seed(&self) -> &[u8] {
        self.vapid.expose()
    }

    /// A keyed tag for unsubscribe links (ADS-2): the link works without
    /// signing in and cannot be made for another user.
    pub fn unsubscribe_tag(&self, user: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.unsubscribe.expose())
            .unwrap_or_else(|_| unreachable!("any key length"));
        mac.update(user);
        mac.finalize().into_bytes()[..16].to_vec()
    }

    /// Whether `tag_hex` is `user`'s unsubscribe tag, compared in constant
    /// time (issue 19 item 16: a byte-by-byte comparison tells an attacker
    /// how much of a guessed tag was right).
    pub fn unsubscribe_tag_matches(&self, user: &[u8], tag_hex: &str) -> bool {
        let Some(tag) = from_hex(tag_hex) else {
            return false;
        };
        if tag.len() != 16 {
            return false;
        }
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.unsubscribe.expose())
            .unwrap_or_else(|_| unreachable!("any key length"));
        mac.update(user);
        mac.verify_truncated_left(&tag).is_ok()
    }

    /// Input keying material for the Oblivious HTTP key pair (SEC-3): every
    /// process with the same master key serves the same key configuration.
    pub fn ohttp_ikm(&self) -> &[u8] {
        self.ohttp.expose()
    }

    /// §11: the idempotency key of a coin-ledger entry as stored: a keyed
    /// hash of the user and the plain reference (`check_in:2026-12-03`), so
    /// the database shows neither the reason nor the day (hex, 32 digits).
    pub fn coin_reference(&self, user: &[u8], reference: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.coin_reference.expose())
            .unwrap_or_else(|_| unreachable!("any key length"));
        mac.update(user);
        mac.update(b"/");
        mac.update(reference.as_bytes());
        mac.finalize().into_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// HMAC-SHA256 of a value under the lookup key (e.g. a phone number).
    pub fn lookup_hash(&self, value: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.lookup.expose())
            .unwrap_or_else(|_| unreachable!("any key length"));
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// MIN-2, MIN-5: the guardian's page token: the guardian's number (as
    /// its keyed hash) and an expiry, sealed (AES-256-GCM) so it can be
    /// neither read nor forged. It opens only the guardian's page.
    pub fn seal_guardian_token(&self, guardian_hmac: &[u8], expires_at: i64) -> String {
        let mut plain = expires_at.to_be_bytes().to_vec();
        plain.extend_from_slice(guardian_hmac);
        let sealed = seal(&self.guardian, &plain);
        let hex: String = sealed.iter().map(|b| format!("{b:02x}")).collect();
        format!("g1.{hex}")
    }

    /// The guardian's keyed number, if `token` is ours and not expired at `now`.
    pub fn open_guardian_token(&self, token: &str, now: i64) -> Option<Vec<u8>> {
        let sealed = from_hex(token.strip_prefix("g1.")?)?;
        let plain = open(&self.guardian, &sealed).ok()?;
        let (expiry, hmac) = plain.split_first_chunk::<8>()?;
        (now < i64::from_be_bytes(*expiry)).then(|| hmac.to_vec())
    }

    /// Seal personal data the service holds outside any account (R-7: a
    /// complaint's text and reply address) under a key of the service's own.
    pub fn seal_service(&self, plaintext: &[u8]) -> Vec<u8> {
        seal(&self.service, plaintext)
    }

    pub fn open_service(&self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        open(&self.service, sealed)
    }

    /// A fresh data key for a new user: (the key, the key wrapped for storage).
    pub fn new_data_key(&self) -> (DataKey, Vec<u8>) {
        let raw = random::<32>();
        (DataKey::from_raw(&raw), seal(&self.wrap, &raw))
    }

    pub fn unwrap_data_key(&self, wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        let raw = open(&self.wrap, wrapped)?;
        if raw.len() != 32 {
            return Err(CryptoError::Decrypt);
        }
        Ok(DataKey::from_raw(&raw))
    }
}

/// A user's own data key.
#[derive(Clone)]
pub struct DataKey(Aes256Gcm);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

impl DataKey {
    fn from_raw(raw: &[u8]) -> Self {
        Self(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(raw)))
    }

    pub fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        seal(&self.0, plaintext)
    }

    pub fn decrypt(&self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        open(&self.0, sealed)
    }

    /// Seal `plaintext` bound to `aad` (issue 19 item 16): the owner and the
    /// place it is stored, e.g. `coin_balance/{user}`. A ciphertext moved to
    /// another row or another user does not open there.
    pub fn encrypt_bound(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        seal_with(&self.0, plaintext, aad)
    }

    /// Open what [`Self::encrypt_bound`] sealed with the same `aad`.
    pub fn decrypt_bound(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        open_with(&self.0, sealed, aad)
    }
}

/// Bytes from hex digits (either case); `None` for anything else.
fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 256 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// SHA-256, for codes and session tokens at rest.
pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 19 item 16, §11: a bound ciphertext opens only with its AAD
    /// (another user's or another row's does not), and unbound ones still open.
    #[test]
    fn sec4_bound_ciphertexts_open_only_where_they_were_sealed() -> Result<(), CryptoError> {
        let keys = Keys::new(&Secret::new(random::<32>().to_vec()))?;
        let (key, _) = keys.new_data_key();
        let ct = key.encrypt_bound(b"42", b"coin_balance/alice");
        assert_eq!(key.decrypt_bound(&ct, b"coin_balance/alice")?, b"42");
        assert!(key.decrypt_bound(&ct, b"coin_balance/bob").is_err());
        assert!(key.decrypt(&ct).is_err());
        assert_eq!(key.decrypt_bound(&key.encrypt(b"x"), b"")?, b"x");
        let a = keys.coin_reference(b"alice", "check_in:2026-12-03");
        assert_eq!(a.len(), 32);
        assert_ne!(a, keys.coin_reference(b"bob", "check_in:2026-12-03"));
        assert!(!a.contains("check_in"));
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
        let (dk, wrapped) = keys.new_data_key();
        let sealed = dk.encrypt(b"+8613800138000");
        assert!(
            !sealed.windows(5).any(|w| w == b"13800"),
            "ciphertext hides the number"
        );
        let again = keys.unwrap_data_key(&wrapped)?;
        assert_eq!(again.decrypt(&sealed)?, b"+8613800138000");
        let other = Keys::new(&Secret::new(random::<32>().to_vec()))?;
        assert!(
            other.unwrap_data_key(&wrapped).is_err(),
            "another master key cannot unwrap"
        );
        assert_eq!(keys.lookup_hash("a"), keys.lookup_hash("a"));
        assert_ne!(keys.lookup_hash("a"), other.lookup_hash("a"));
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
}
