//! R-7, MIN-5: complaints and questions about personal information, sent
//! through the contact channel without an account (a guardian about a
//! child, a person who never signed up). Parsed here; stored sealed.

use crate::DomainError;

/// What a complaint is about. `Minor` is the minors' channel (MIN-5): a
/// guardian (or the child) about a child's information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintTopic {
    Privacy,
    Minor,
    Account,
    Other,
}

impl ComplaintTopic {
    pub const ALL: [Self; 4] = [Self::Privacy, Self::Minor, Self::Account, Self::Other];

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(DomainError::InvalidComplaint(
                "topic is privacy, minor, account or other",
            ))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Privacy => "privacy",
            Self::Minor => "minor",
            Self::Account => "account",
            Self::Other => "other",
        }
    }
}

/// open → answered (with the answer sent to the reply address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintStatus {
    Open,
    Answered,
}

impl ComplaintStatus {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "open" => Ok(Self::Open),
            "answered" => Ok(Self::Answered),
            _ => Err(DomainError::InvalidComplaint("status is open or answered")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
        }
    }
}

/// The complaint's text: 5 to 2000 characters after trimming, no control
/// characters other than line breaks and tabs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintText(String);

impl ComplaintText {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        let n = t.chars().count();
        if n < 5 {
            return Err(DomainError::InvalidComplaint(
                "the message needs at least 5 characters",
            ));
        }
        if n > Self::MAX_CHARS {
            return Err(DomainError::InvalidComplaint(
                "the message has more than 2000 characters",
            ));
        }
        if t.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return Err(DomainError::InvalidComplaint(
                "the message holds control characters",
            ));
        }
        Ok(Self(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where the answer goes: an e-mail address or a mainland phone number
/// (as given; not verified — the complaint works without an account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTo(String);

impl ReplyTo {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        if let Ok(phone) = crate::PhoneNumber::parse(t) {
            return Ok(Self(phone.as_e164().to_string()));
        }
        let ok = t.len() <= 200
            && t.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            })
            && !t
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        if ok {
            Ok(Self(t.to_string()))
        } else {
            Err(DomainError::InvalidComplaint(
                "reply_to is an e-mail address or a mainland mobile number",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r7_complaint_fields_parse_strictly() {
        assert_eq!(ComplaintTopic::parse("minor"), Ok(ComplaintTopic::Minor));
        assert!(ComplaintTopic::parse("Minor").is_err());
        assert!(ComplaintText::parse("  hi  ").is_err());
        assert_eq!(
            ComplaintText::parse("  你好，请删除  ").map(|t| t.0),
            Ok("你好，请删除".into())
        );
        assert!(ComplaintText::parse(&"字".repeat(2001)).is_err());
        assert!(ComplaintText::parse("bad\u{0}message").is_err());
        assert_eq!(
            ReplyTo::parse("13800138000").map(|r| r.0),
            Ok("+8613800138000".into())
        );
        assert!(ReplyTo::parse("guardian@example.cn").is_ok());
        for bad in ["", "a@b", "@example.cn", "a b@example.cn", "x@.cn", "<a@b.cn>"] {
            assert!(ReplyTo::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(ComplaintStatus::parse("answered"), Ok(ComplaintStatus::Answered));
        assert!(ComplaintStatus::parse("done").is_err());
    }
}
