//! Opaque identifiers (ACC-2): users, photos and albums.

use std::fmt;

use crate::{DomainError, random_bytes};

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// 128 random bits written as 26 characters of Crockford base32.
fn encode(b: &[u8; 16]) -> String {
    let mut v = u128::from_be_bytes(*b);
    let mut out = [b'0'; 26];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(v & 31) as usize];
        v >>= 5;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn decode(body: &str) -> Option<[u8; 16]> {
    // 26 base32 digits hold 130 bits; the top two must be zero.
    if body.len() != 26 || body.as_bytes()[0] > b'7' {
        return None;
    }
    let mut value: u128 = 0;
    for c in body.bytes() {
        let d = ALPHABET.iter().position(|&a| a == c.to_ascii_lowercase())?;
        value = value.checked_mul(32)? | d as u128;
    }
    Some(value.to_be_bytes())
}

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $err:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 16]);

        impl $name {
            /// A fresh random id.
            pub fn generate() -> Self {
                let mut b = [0u8; 16];
                random_bytes(&mut b);
                Self(b)
            }

            pub fn parse(s: &str) -> Result<Self, DomainError> {
                s.strip_prefix($prefix)
                    .and_then(decode)
                    .map(Self)
                    .ok_or(DomainError::$err)
            }

            pub fn as_bytes(&self) -> &[u8; 16] {
                &self.0
            }

            pub fn from_bytes(b: [u8; 16]) -> Self {
                Self(b)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", $prefix, encode(&self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }
    };
}

opaque_id!(
    /// A user's identifier: `u_` and 128 random bits. Not sequential, not
    /// derived from the phone number, and reveals nothing about the account.
    UserId, "u_", InvalidUserId
);
opaque_id!(
    /// A photo's identifier: `p_` and 128 random bits.
    PhotoId, "p_", InvalidPhotoId
);
opaque_id!(
    /// An album's identifier: `a_` and 128 random bits.
    AlbumId, "a_", InvalidAlbumId
);
opaque_id!(
    /// A studio job's identifier: `j_` and 128 random bits.
    JobId, "j_", InvalidJobId
);
opaque_id!(
    /// A work's identifier: `w_` and 128 random bits.
    WorkId, "w_", InvalidWorkId
);
opaque_id!(
    /// A comment's identifier: `c_` and 128 random bits.
    CommentId, "c_", InvalidCommentId
);
opaque_id!(
    /// A blessing's identifier: `b_` and 128 random bits.
    BlessingId, "b_", InvalidBlessingId
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn acc2_ids_are_random_and_round_trip() -> Result<(), DomainError> {
        let a = UserId::generate();
        let b = UserId::generate();
        assert_ne!(a, b);
        assert_eq!(UserId::parse(&a.to_string())?, a);
        assert_eq!(a.to_string().len(), 28);
        Ok(())
    }

    #[test]
    fn malformed_ids_are_refused() {
        for s in [
            "",
            "u_",
            "x_0000000000000000000000000",
            "u_zzzzzzzzzzzzzzzzzzzzzzzzzz",
            "u_00000000000000000000000000i",
        ] {
            assert!(UserId::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn kinds_do_not_mix() {
        let p = PhotoId::generate();
        assert!(UserId::parse(&p.to_string()).is_err());
        assert!(AlbumId::parse(&p.to_string()).is_err());
        assert_eq!(PhotoId::parse(&p.to_string()).ok(), Some(p));
    }

    proptest! {
        #[test]
        fn any_bytes_round_trip(b in any::<[u8; 16]>()) {
            let id = UserId::from_bytes(b);
            prop_assert_eq!(UserId::parse(&id.to_string()).ok(), Some(id));
        }

        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = UserId::parse(&s);
        }
    }
}
