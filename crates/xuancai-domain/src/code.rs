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

/// What a one-time code is for. A code is valid only for the purpose it was
/// sent for (and, where an account asked for it, only for that account):
/// a guardian's verification code cannot sign the guardian in, and a sign-in
/// code cannot confirm a rights request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodePurpose {
    /// Signing in (or signing up) with the number (ACC-1).
    SignIn,
    /// The account holder's fresh identity check before a rights request or
    /// cancellation (ACC-7).
    Verify,
    /// A guardian verifying for a child's or minor's account (MIN-4).
    Guardian,
    /// A guardian opening the guardian's page to manage the accounts they
    /// agreed for (MIN-2, MIN-5). It signs no one in to an account.
    GuardianPortal,
}

impl CodePurpose {
    pub const ALL: [Self; 4] = [Self::SignIn, Self::Verify, Self::Guardian, Self::GuardianPortal];

    /// The stored key and the SMS template's name.
    pub fn key(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Verify => "verify",
            Self::Guardian => "guardian",
            Self::GuardianPortal => "guardian_portal",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == s)
    }

    /// The SMS text, naming what the code is for (`{code}` is replaced).
    pub fn sms_text(self) -> &'static str {
        match self {
            Self::SignIn => "【炫彩】您的登录验证码为{code}，{minutes}分钟内有效。请勿告诉他人。",
            Self::Verify => {
                "【炫彩】您正在进行身份验证（个人信息权利申请或注销账号），验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略。"
            }
            Self::Guardian => {
                "【炫彩】您正在为儿童账号进行监护人验证，验证码为{code}，{minutes}分钟内有效。此验证码不能用于登录。如非本人操作，请忽略。"
            }
            Self::GuardianPortal => {
                "【炫彩】您正在打开监护人页面，管理您同意过的儿童账号，验证码为{code}，{minutes}分钟内有效。此验证码不能用于登录。如非本人操作，请忽略。"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acc1_purposes_round_trip_and_each_text_names_its_use() {
        for p in CodePurpose::ALL {
            assert_eq!(CodePurpose::parse(p.key()), Some(p));
            assert!(p.sms_text().contains("{code}") && p.sms_text().contains("{minutes}"));
        }
        assert!(CodePurpose::Guardian.sms_text().contains("监护人验证"));
        assert!(CodePurpose::Guardian.sms_text().contains("不能用于登录"));
    }

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
