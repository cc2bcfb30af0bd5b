//! Phone numbers in E.164 form (ACC-1).

use std::fmt;

use crate::DomainError;

/// A phone number in E.164 form (`+8613800138000`).
///
/// Mainland China (+86) numbers must be 11-digit mobile numbers (`1[3-9]`
/// followed by nine digits); other country codes are accepted with 8 to 15
/// digits in all, as E.164 allows. `Debug` and [`masked`](Self::masked) hide
/// the middle digits so that logs never carry a whole number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parse what a person types: spaces, dashes, dots and brackets are
    /// ignored; a number without `+` is read as a mainland number (with or
    /// without the leading `86`).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(DomainError::InvalidPhone("empty"));
        }
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(DomainError::InvalidPhone("only digits, spaces and dashes")),
            }
        }
        let e164 = if plus {
            digits
        } else if digits.len() == 11 {
            format!("86{digits}")
        } else if digits.len() == 13 && digits.starts_with("86") {
            digits
        } else {
            return Err(DomainError::InvalidPhone(
                "a mainland mobile number has 11 digits; others need +country code",
            ));
        };
        if let Some(national) = e164.strip_prefix("86") {
            let b = national.as_bytes();
            if national.len() != 11 || b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
                return Err(DomainError::InvalidPhone("not a mainland China mobile number"));
            }
        } else if !(8..=15).contains(&e164.len()) || e164.starts_with('0') {
            return Err(DomainError::InvalidPhone("E.164 numbers have 8 to 15 digits"));
        }
        Ok(Self(format!("+{e164}")))
    }

    /// The full E.164 form. Only for storage (encrypted) and the SMS gateway.
    pub fn as_e164(&self) -> &str {
        &self.0
    }

    /// For logs and screens: `+86 138****8000`.
    pub fn masked(&self) -> String {
        let s = &self.0;
        let (cc, national) = if let Some(n) = s.strip_prefix("+86") {
            ("+86", n)
        } else {
            s.split_at(s.len().min(3))
        };
        let n = national.len();
        if n <= 4 {
            return format!("{cc} ****");
        }
        let keep_head = 3.min(n - 4);
        format!("{cc} {}****{}", &national[..keep_head], &national[n - 4..])
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acc1_mainland_numbers_in_their_usual_spellings() -> Result<(), DomainError> {
        for s in [
            "13800138000",
            "138 0013 8000",
            "+86 138-0013-8000",
            "8613800138000",
            "+8613800138000",
        ] {
            assert_eq!(PhoneNumber::parse(s)?.as_e164(), "+8613800138000", "{s}");
        }
        Ok(())
    }

    #[test]
    fn acc1_malformed_numbers_are_refused() {
        for s in [
            "",
            "12345",
            "23800138000",
            "12800138000",
            "+86 1380013800",
            "1380013800a",
            "+0123456789",
            "+1234567",
        ] {
            let err = PhoneNumber::parse(s).expect_err(s);
            assert_eq!(err.code(), "invalid_phone");
        }
    }

    #[test]
    fn other_countries_by_e164_length() -> Result<(), DomainError> {
        assert_eq!(PhoneNumber::parse("+44 20 7946 0958")?.as_e164(), "+442079460958");
        Ok(())
    }

    #[test]
    fn logs_never_see_the_whole_number() -> Result<(), DomainError> {
        let p = PhoneNumber::parse("13800138000")?;
        assert_eq!(p.masked(), "+86 138****8000");
        let dbg = format!("{p:?}");
        assert!(!dbg.contains("13800138000") && dbg.contains("****"), "{dbg}");
        Ok(())
    }
}
