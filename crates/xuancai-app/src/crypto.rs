//! Secrets at rest (SEC-4): the keyed hash used to find a user by phone
//! number, and per-user data keys (AES-256-GCM) wrapped by the master key.
//! Destroying a user's wrapped key makes all their ciphertext unreadable
//! (crypto-shredding).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use xuancai_domain::UserId;
use xuancai_store::SealedColumn;

use crate::config::Secret;

/// What a keyed hash is for (issue 19 item 16). Each use has its own HMAC
/// key, derived from the master key with HKDF-SHA256 (RFC 5869, info
/// `xuancai mac v1 <use>`), so a hash made for one use is worthless for
/// another and one use's key can be replaced alone. The phone-number lookup
/// keeps the key it always had ([`Keys::lookup_hash`]), which is now its
/// own: re-keying it would need every stored number decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacUse {
    /// A photo's per-user de-duplication key.
    PhotoDedupe,
    /// A link-only work's share token.
    WorkLink,
    /// A shared blessing's link token, stored as this hash.
    BlessingShare,
    /// A push device's token, to store a device once.
    PushDevice,
    /// A client address as the rate limits and the cookie choices keep it.
    ClientAddress,
    /// An erased account, as the erasure log names it (issue 23 item 6).
    ErasureLog,
}

impl MacUse {
    pub const ALL: [Self; 6] = [
        Self::PhotoDedupe,
        Self::WorkLink,
        Self::BlessingShare,
        Self::PushDevice,
        Self::ClientAddress,
        Self::ErasureLog,
    ];

    fn info(self) -> &'static [u8] {
        match self {
            Self::PhotoDedupe => b"xuancai mac v1 photo_dedupe",
            Self::WorkLink => b"xuancai mac v1 work_link",
            Self::BlessingShare => b"xuancai mac v1 blessing_share",
            Self::PushDevice => b"xuancai mac v1 push_device",
            Self::ClientAddress => b"xuancai mac v1 client_address",
            Self::ErasureLog => b"xuancai mac v1 erasure_log",
        }
    }
}

/// The service's keys (SEC-4). Two roots:
///
/// - the **master key** (the operator's, `master_key`) wraps every user's
///   data key and the derivation root; it can be replaced (issue 23 item 5:
///   `xuancai keys rotate`), and while the data keys are re-wrapped the
///   previous one still opens what it wrapped ([`Keys::with_previous`]);
/// - the **derivation root**, from which every keyed hash and service key
///   below is derived (phone lookups, links, VAPID, the complaint seal…),
///   stays the same across rotations so that those values stay valid. It is
///   stored in the database wrapped by the master key; a deployment's root
///   is its first master key (`Keys::new` derives from the master key
///   itself, as every deployment did before rotation existed).
#[derive(Clone)]
pub struct Keys {
    wrap: Wrapper,
    /// The master key this process replaced, while its data keys are
    /// re-wrapped: it only opens.
    previous: Option<Wrapper>,
    lookup: Secret,
    /// One HMAC key per [`MacUse`], in `MacUse::ALL`'s order.
    macs: [Secret; 6],
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
    /// Wrapped by a master key this process was not given (a rotation's
    /// previous key is missing from `previous_master_key`).
    #[error(
        "wrapped by another master key (id {0}); configure it as previous_master_key until the rotation finishes"
    )]
    OtherMasterKey(String),
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

fn hmac_sha256(key: &[u8], value: &[u8]) -> Vec<u8> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("any key length"));
    mac.update(value);
    mac.finalize().into_bytes().to_vec()
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
    /// Keys whose derivation root is the master key itself (a deployment
    /// whose master key was never rotated; see [`Self::with_root`]).
    pub fn new(master: &Secret) -> Result<Self, CryptoError> {
        Self::with_root(master, master)
    }

    /// Keys wrapping with `master`, deriving from `root` (32 bytes).
    pub fn with_root(master: &Secret, root: &Secret) -> Result<Self, CryptoError> {
        if root.expose().len() != 32 {
            return Err(CryptoError::BadMasterKey);
        }
        let wrap = Wrapper::new(master)?;
        let root = root.expose();
        let guardian = derive(root, b"xuancai guardian page v1");
        let service = derive(root, b"xuancai service records v1");
        // The root is 32 random bytes, so it serves as HKDF's pseudorandom
        // key directly (RFC 5869 §3.3: extraction may be skipped).
        let hkdf = hkdf::Hkdf::<Sha256>::from_prk(root).map_err(|_| CryptoError::BadMasterKey)?;
        let macs = MacUse::ALL.map(|u| {
            let mut okm = [0u8; 32];
            hkdf.expand(u.info(), &mut okm)
                .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA256 length"));
            Secret::new(okm.to_vec())
        });
        Ok(Self {
            wrap,
            previous: None,
            macs,
            lookup: Secret::new(derive(root, b"xuancai lookup v1").to_vec()),
            ohttp: Secret::new(derive(root, b"xuancai ohttp v1").to_vec()),
            vapid: Secret::new(derive(root, b"xuancai vapid v1").to_vec()),
            unsubscribe: Secret::new(derive(root, b"xuancai unsubscribe v1").to_vec()),
            coin_reference: Secret::new(derive(root, b"xuancai coin reference v1").to_vec()),
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

    fn mac_key(&self, use_: MacUse) -> &Secret {
        let i = MacUse::ALL.iter().position(|u| *u == use_).unwrap_or(0);
        &self.macs[i]
    }

    /// HMAC-SHA256 of `value` under `use_`'s own key.
    pub fn mac(&self, use_: MacUse, value: &str) -> Vec<u8> {
        hmac_sha256(self.mac_key(use_).expose(), value.as_bytes())
    }

    /// `value`'s hash under the key every use shared before per-use keys:
    /// rows stored before then (a photo's de-duplication key, a blessing's
    /// link) are still found by it.
    pub fn legacy_mac(&self, value: &str) -> Vec<u8> {
        self.lookup_hash(value)
    }

    /// A client address as it is kept for rate limits (`kind` names the
    /// limit): a keyed hash, never the address.
    pub fn client_key(&self, kind: &str, client: &str) -> Vec<u8> {
        self.mac(MacUse::ClientAddress, &format!("{kind}\u{0}{client}"))
    }

    /// The share token of a link-only work at its link version: derived,
    /// not stored (32 hex digits); a new link version ends the old links.
    pub fn work_link_token(&self, work: &str, link_version: i64) -> String {
        let mac = self.mac(MacUse::WorkLink, &format!("work-link:{work}:{link_version}"));
        mac.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `token` is the work's share token at this link version,
    /// compared in constant time (issue 19 item 16). A token handed out
    /// before per-use keys (under the shared key) still opens it.
    pub fn work_link_matches(&self, work: &str, link_version: i64, token: &str) -> bool {
        let Some(given) = from_hex(token) else {
            return false;
        };
        if given.len() != 16 {
            return false;
        }
        let input = format!("work-link:{work}:{link_version}");
        let verify = |key: &Secret| {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.expose())
                .unwrap_or_else(|_| unreachable!("any key length"));
            mac.update(input.as_bytes());
            mac.verify_truncated_left(&given).is_ok()
        };
        // Both are checked, so the time does not tell which key matched.
        let current = verify(self.mac_key(MacUse::WorkLink));
        let legacy = verify(&self.lookup);
        current | legacy
    }

    /// HMAC-SHA256 of a phone number under the lookup key, to find its
    /// account (and its codes and limits) without storing the number.
    pub fn lookup_hash(&self, value: &str) -> Vec<u8> {
        hmac_sha256(self.lookup.expose(), value.as_bytes())
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
}

/// A user's own data key, knowing whose it is: every value it seals is
/// bound to that owner (issue 19 item 16).
#[derive(Clone)]
pub struct DataKey {
    cipher: Aes256Gcm,
    owner: UserId,
    /// The owner as the associated data names it, written once per key (a
    /// page of photos opens fifty values with it).
    owner_text: std::sync::Arc<str>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey({}, <redacted>)", self.owner)
    }
}

/// The associated data of a sealed cell: the column, the owner, the row.
fn cell_aad(column: SealedColumn, owner: &str, row: &[u8]) -> Vec<u8> {
    let name = column.name();
    let mut aad = Vec::with_capacity(20 + name.len() + owner.len() + row.len());
    aad.extend_from_slice(b"xuancai sealed v2/");
    aad.extend_from_slice(name.as_bytes());
    aad.push(b'/');
    aad.extend_from_slice(owner.as_bytes());
    aad.push(b'/');
    aad.extend_from_slice(row);
    aad
}

impl DataKey {
    fn from_raw(raw: &[u8], owner: UserId) -> Self {
        Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(raw)),
            owner,
            owner_text: owner.to_string().into(),
        }
    }

    /// The account this key belongs to.
    pub fn owner(&self) -> &UserId {
        &self.owner
    }

    /// Seal `plaintext` for `column` of the row `row` (its id; the owner's
    /// id for the `users` columns), bound to the three (issue 19 item 16):
    /// moved to another row, column or account, it does not open.
    pub fn seal(&self, column: SealedColumn, row: &[u8], plaintext: &[u8]) -> Vec<u8> {
        seal_with(&self.cipher, plaintext, &cell_aad(column, &self.owner_text, row))
    }

    /// Open what [`Self::seal`] sealed for the same column and row.
    pub fn open(&self, column: SealedColumn, row: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        open_with(&self.cipher, sealed, &cell_aad(column, &self.owner_text, row))
    }

    /// [`Self::open`] as text; `None` if it does not open or is not UTF-8.
    pub fn open_text(&self, column: SealedColumn, row: &[u8], sealed: &[u8]) -> Option<String> {
        self.open(column, row, sealed)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
    }

    /// Open a value sealed before binding (no associated data): only for
    /// the start-up pass that re-seals such rows.
    pub(crate) fn open_unbound(&self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        open(&self.cipher, sealed)
    }

    /// Seal the way values were sealed before binding, as old rows hold
    /// them: only for tests of the start-up pass.
    #[doc(hidden)]
    pub fn seal_unbound(&self, plaintext: &[u8]) -> Vec<u8> {
        seal(&self.cipher, plaintext)
    }

    /// A whole blob written before blobs were bound to their key.
    pub(crate) fn open_blob(&self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        open(&self.cipher, sealed)
    }

    /// Seal `plaintext` bound to `aad` (issue 19 item 16): the owner and the
    /// place it is stored, e.g. `coin_balance/{user}`. A ciphertext moved to
    /// another row or another user does not open there.
    pub fn encrypt_bound(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        seal_with(&self.cipher, plaintext, aad)
    }

    /// Open what [`Self::encrypt_bound`] sealed with the same `aad`.
    pub fn decrypt_bound(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        open_with(&self.cipher, sealed, aad)
    }

    /// One chunk of a streamed blob (issue 19 item 9), sealed under the
    /// STREAM construction's nonce: the blob's random 7-byte prefix, the
    /// chunk's number and whether it is the last, so chunks cannot be
    /// reordered, dropped or cut off at the end without detection.
    pub fn seal_chunk(&self, nonce: &ChunkNonce, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        self.cipher
            .encrypt(Nonce::from_slice(&nonce.bytes()), Payload { msg: plaintext, aad })
            .unwrap_or_else(|_| unreachable!("AES-GCM encryption of a chunk"))
    }

    pub fn open_chunk(&self, nonce: &ChunkNonce, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.cipher
            .decrypt(Nonce::from_slice(&nonce.bytes()), Payload { msg: sealed, aad })
            .map_err(|_| CryptoError::Decrypt)
    }
}

/// The nonce of chunk `counter` of a streamed blob: prefix ‖ counter (big
/// endian) ‖ last flag (the STREAM construction of Hoang et al., as in the
/// `aead` crate's `StreamBE32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkNonce {
    pub prefix: [u8; 7],
    pub counter: u32,
    pub last: bool,
}

impl ChunkNonce {
    fn bytes(&self) -> [u8; 12] {
        let mut n = [0u8; 12];
        n[..7].copy_from_slice(&self.prefix);
        n[7..11].copy_from_slice(&self.counter.to_be_bytes());
        n[11] = u8::from(self.last);
        n
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

/// Whether two secrets are equal, in time that depends on neither (their
/// SHA-256s are compared, so not even the length shows).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// SHA-256, for codes and session tokens at rest.
pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

#[path = "crypto_wrap.rs"]
mod wrap;
pub use wrap::LEGACY_WRAPPED_LEN;
use wrap::Wrapper;

#[cfg(test)]
#[path = "crypto_tests.rs"]
mod tests;
