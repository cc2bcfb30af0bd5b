//! Messages operators send to users (ADS-2, ADS-3): a service announcement
//! reaches every account; marketing reaches only those who agreed to it.

use crate::DomainError;
use crate::privacy::Purpose;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// ADS-3: about the service itself; reaches everyone.
    Service,
    /// ADS-2: promotion; only with the marketing consent, with an
    /// unsubscribe link.
    Marketing,
}

impl MessageKind {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "service" => Ok(Self::Service),
            "marketing" => Ok(Self::Marketing),
            _ => Err(DomainError::InvalidMessageKind),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Marketing => "marketing",
        }
    }

    /// The consent a recipient must have given, if any.
    pub fn needs(self) -> Option<Purpose> {
        match self {
            Self::Service => None,
            Self::Marketing => Some(Purpose::Marketing),
        }
    }
}

/// A message as sent: a title of 1 to 100 characters and a body of at most
/// 2000, trimmed (longer ones are refused, not cut).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    kind: MessageKind,
    title: String,
    body: String,
}

impl Message {
    pub const MAX_TITLE_CHARS: usize = 100;
    pub const MAX_BODY_CHARS: usize = 2000;

    pub fn parse(kind: &str, title: &str, body: &str) -> Result<Self, DomainError> {
        let kind = MessageKind::parse(kind)?;
        let (title, body) = (title.trim(), body.trim());
        if title.is_empty() {
            return Err(DomainError::InvalidMessage("a message has a title"));
        }
        if title.chars().count() > Self::MAX_TITLE_CHARS {
            return Err(DomainError::InvalidMessage("a title has at most 100 characters"));
        }
        if body.chars().count() > Self::MAX_BODY_CHARS {
            return Err(DomainError::InvalidMessage("a body has at most 2000 characters"));
        }
        Ok(Self {
            kind,
            title: title.to_owned(),
            body: body.to_owned(),
        })
    }

    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn body(&self) -> &str {
        &self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ads2_ads3_messages_parse_with_their_kind_and_bounds() {
        let m = Message::parse("marketing", "  新模板 ", " 快来 ").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (m.kind(), m.title(), m.body()),
            (MessageKind::Marketing, "新模板", "快来")
        );
        assert_eq!(m.kind().needs(), Some(Purpose::Marketing));
        assert_eq!(MessageKind::Service.needs(), None);
        assert_eq!(
            MessageKind::parse("service").map(MessageKind::as_str),
            Ok("service")
        );
        assert_eq!(
            Message::parse("ads", "t", "").map(|_| ()),
            Err(DomainError::InvalidMessageKind)
        );
        assert!(Message::parse("service", "  ", "b").is_err());
        assert!(Message::parse("service", &"题".repeat(100), &"字".repeat(2000)).is_ok());
        assert!(Message::parse("service", &"题".repeat(101), "").is_err());
        assert!(Message::parse("service", "t", &"字".repeat(2001)).is_err());
    }
}
