//! One-time SMS codes (ACC-1).

use std::fmt;

use crate::{DomainError, random_bytes};

/// A six-digit one-time code. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode(String);

impl OneTimeCode {
    /// A fresh code, uniform over 000000–999999 (rejection sampling, no modulo bias).
    pub fn generate() -> Self {
        loop {
            let mut b = [0u8; 4];
            random_bytes(&mut b);
            let v = u32::from_be_bytes(b);
            // The largest multiple of 10⁶ that fits in u32.
            if v < 4_294_000_000 {
                return Self(format!("{:06}", v % 1_000_000));
            }
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let s = s.trim();
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_string()))
        } else {
            Err(DomainError::InvalidCode)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode(******)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acc1_codes_are_six_digits_and_hidden_in_debug() -> Result<(), DomainError> {
        for _ in 0..200 {
            let c = OneTimeCode::generate();
            assert_eq!(OneTimeCode::parse(c.expose())?, c);
            assert_eq!(format!("{c:?}"), "OneTimeCode(******)");
        }
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert!(OneTimeCode::parse(bad).is_err(), "{bad}");
        }
        Ok(())
    }
}
