//! The master key's side of [`Keys`] (SEC-4, issue 23 item 5): wrapping
//! each account's data key and the derivation root, naming the master key
//! that wrapped each, and opening with the previous master key during a
//! rotation.

use aes_gcm::aead::KeyInit;
use aes_gcm::{Aes256Gcm, Key};
use xuancai_domain::UserId;

use super::{CryptoError, DataKey, Keys, derive, open, open_with, random, seal, seal_with};
use crate::config::Secret;

/// A master key's wrapping cipher and its id (the first bytes of a keyed
/// hash of it), written before every key it wraps so that the right master
/// key is chosen when two are in use.
#[derive(Clone)]
pub(super) struct Wrapper {
    cipher: Aes256Gcm,
    id: [u8; 4],
}

impl Wrapper {
    pub(super) fn new(master: &Secret) -> Result<Self, CryptoError> {
        if master.expose().len() != 32 {
            return Err(CryptoError::BadMasterKey);
        }
        let wrap = derive(master.expose(), b"xuancai wrap v1");
        let id = derive(master.expose(), b"xuancai master key id v1");
        Ok(Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&wrap)),
            id: [id[0], id[1], id[2], id[3]],
        })
    }

    /// [`WRAP_V3`], this key's id, then AES-GCM bound to `aad` and the id.
    fn wrap(&self, raw: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut out = vec![WRAP_V3];
        out.extend_from_slice(&self.id);
        out.extend(seal_with(&self.cipher, raw, &[aad, &self.id].concat()));
        out
    }
}

impl Keys {
    /// These keys, also opening what `previous` wrapped (during a rotation).
    pub fn with_previous(mut self, previous: Option<&Secret>) -> Result<Self, CryptoError> {
        self.previous = previous.map(Wrapper::new).transpose()?;
        Ok(self)
    }

    /// The id of the master key that wraps (hex), as wrapped keys name it.
    pub fn master_key_id(&self) -> String {
        self.wrap.id.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The derivation root wrapped by the master key, for the database.
    pub fn wrap_root(&self, root: &Secret) -> Vec<u8> {
        self.wrap.wrap(root.expose(), ROOT_AAD)
    }

    /// The derivation root from its stored form (wrapped by this master key
    /// or the previous one).
    pub fn unwrap_root(&self, wrapped: &[u8]) -> Result<Secret, CryptoError> {
        let raw = self.unwrap(wrapped, ROOT_AAD, false)?;
        if raw.len() != 32 {
            return Err(CryptoError::Decrypt);
        }
        Ok(Secret::new(raw))
    }

    /// Whether `wrapped` is wrapped by this master key (in the current format).
    pub fn wraps(&self, wrapped: &[u8]) -> bool {
        wrapped.first() == Some(&WRAP_V3) && wrapped.get(1..5) == Some(&self.wrap.id[..])
    }

    /// Open a wrapped key: [`WRAP_V3`] by the master key its id names
    /// (current or previous); [`WRAP_V2`] (no id, `bound` only) by either.
    fn unwrap(&self, wrapped: &[u8], aad: &[u8], v2: bool) -> Result<Vec<u8>, CryptoError> {
        match wrapped.split_first() {
            Some((&WRAP_V3, rest)) if rest.len() > 4 => {
                let (id, sealed) = rest.split_at(4);
                let w = [Some(&self.wrap), self.previous.as_ref()]
                    .into_iter()
                    .flatten()
                    .find(|w| w.id == id)
                    .ok_or_else(|| {
                        CryptoError::OtherMasterKey(id.iter().map(|b| format!("{b:02x}")).collect())
                    })?;
                open_with(&w.cipher, sealed, &[aad, id].concat())
            }
            Some((&WRAP_V2, sealed)) if v2 => [Some(&self.wrap), self.previous.as_ref()]
                .into_iter()
                .flatten()
                .find_map(|w| open_with(&w.cipher, sealed, aad).ok())
                .ok_or(CryptoError::Decrypt),
            _ => Err(CryptoError::Decrypt),
        }
    }

    /// A stored data key of `user` wrapped by this master key: `Ok(None)`
    /// when it is already; else it is opened (with this key, the previous
    /// one, or as a key from before binding) and wrapped anew. The data key
    /// itself does not change, so nothing it sealed is touched.
    pub fn rewrap_data_key(&self, user: &UserId, wrapped: &[u8]) -> Result<Option<Vec<u8>>, CryptoError> {
        if self.wraps(wrapped) {
            return Ok(None);
        }
        let raw = if wrapped.len() == LEGACY_WRAPPED_LEN {
            [Some(&self.wrap), self.previous.as_ref()]
                .into_iter()
                .flatten()
                .find_map(|w| open(&w.cipher, wrapped).ok())
                .ok_or(CryptoError::Decrypt)?
        } else {
            self.unwrap(wrapped, &wrap_aad(user), true)?
        };
        if raw.len() != 32 {
            return Err(CryptoError::Decrypt);
        }
        Ok(Some(self.wrap_bound(user, &raw)))
    }

    /// A fresh data key for the account `user`: (the key, the key wrapped
    /// for storage in that account's row).
    pub fn new_data_key(&self, user: &UserId) -> (DataKey, Vec<u8>) {
        let raw = random::<32>();
        (DataKey::from_raw(&raw, *user), self.wrap_bound(user, &raw))
    }

    /// Issue 19 item 16: a wrapped key is bound to its account (its id is
    /// associated data), so a key moved to another account's row (with that
    /// account's ciphertexts or not) does not unwrap there. Issue 23 item 5:
    /// [`WRAP_V3`] names the master key that wrapped it.
    fn wrap_bound(&self, user: &UserId, raw: &[u8]) -> Vec<u8> {
        self.wrap.wrap(raw, &wrap_aad(user))
    }

    /// The data key of `user`, from the wrapped key stored in that
    /// account's row. Only the bound format opens: keys wrapped before it
    /// are re-wrapped at start-up ([`Self::rewrap_legacy`]).
    pub fn unwrap_data_key(&self, user: &UserId, wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        let raw = self.unwrap(wrapped, &wrap_aad(user), true)?;
        if raw.len() != 32 {
            return Err(CryptoError::Decrypt);
        }
        Ok(DataKey::from_raw(&raw, *user))
    }

    /// A key wrapped the way keys were before binding (no version byte, no
    /// associated data: [`LEGACY_WRAPPED_LEN`] bytes) re-wrapped bound to
    /// `user`; `Ok(None)` when `wrapped` is not in the old format.
    pub fn rewrap_legacy(&self, user: &UserId, wrapped: &[u8]) -> Result<Option<Vec<u8>>, CryptoError> {
        if wrapped.len() != LEGACY_WRAPPED_LEN {
            return Ok(None);
        }
        let raw = open(&self.wrap.cipher, wrapped)?;
        Ok(Some(self.wrap_bound(user, &raw)))
    }

    /// A data key wrapped in the old, unbound format, as rows written before
    /// issue 19 item 16 hold them: only for tests of the start-up re-wrap.
    #[doc(hidden)]
    pub fn legacy_data_key(&self, user: &UserId) -> (DataKey, Vec<u8>) {
        let raw = random::<32>();
        (DataKey::from_raw(&raw, *user), seal(&self.wrap.cipher, &raw))
    }
}

/// The version byte of a wrapped data key bound to its account.
const WRAP_V2: u8 = 2;
/// … bound to its account and naming its master key (issue 23 item 5).
const WRAP_V3: u8 = 3;
/// The derivation root's associated data.
const ROOT_AAD: &[u8] = b"xuancai derivation root";

/// The length of a data key wrapped before binding: nonce, 32-byte key, tag.
pub const LEGACY_WRAPPED_LEN: usize = 12 + 32 + 16;

fn wrap_aad(user: &UserId) -> Vec<u8> {
    format!("xuancai data key/{user}").into_bytes()
}
