//! Opaque user identifiers (ACC-2).

use std::fmt;

use crate::{DomainError, random_bytes};

/// A user's identifier: 128 random bits, written as `u_` and 26 characters of
/// Crockford base32. Not sequential, not derived from the phone number, and
/// reveals nothing about the account.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId([u8; 16]);

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

impl UserId {
    /// A fresh random id.
    pub fn generate() -> Self {
        let mut b = [0u8; 16];
        random_bytes(&mut b);
        Self(b)
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let body = s.strip_prefix("u_").ok_or(DomainError::InvalidUserId)?;
        if body.len() != 26 {
            return Err(DomainError::InvalidUserId);
        }
        let mut value: u128 = 0;
        for c in body.bytes() {
            let d = ALPHABET
                .iter()
                .position(|&a| a == c.to_ascii_lowercase())
                .ok_or(DomainError::InvalidUserId)?;
            value = value.checked_mul(32).ok_or(DomainError::InvalidUserId)? | d as u128;
        }
        // 26 base32 digits hold 130 bits; the top two must be zero.
        if body.as_bytes()[0] > b'7' {
            return Err(DomainError::InvalidUserId);
        }
        Ok(Self(value.to_be_bytes()))
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    pub fn from_bytes(b: [u8; 16]) -> Self {
        Self(b)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut v = u128::from_be_bytes(self.0);
        let mut out = [b'0'; 26];
        for slot in out.iter_mut().rev() {
            *slot = ALPHABET[(v & 31) as usize];
            v >>= 5;
        }
        write!(f, "u_{}", String::from_utf8_lossy(&out))
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserId({self})")
    }
}

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
