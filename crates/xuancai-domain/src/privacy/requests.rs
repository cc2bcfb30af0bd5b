//! Rights requests (R-1..R-6, ACC-6): what can be asked and the states a
//! request moves through.

use crate::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// a copy of one's personal information (a ZIP, built in the background).
    Export,
    /// correct or complete personal information.
    Correction,
    /// delete personal information on the grounds of §6.2.
    Deletion,
    /// withdraw or change consent.
    Withdrawal,
    /// R-5, ACC-6: cancel the account.
    Cancellation,
    /// R-7, MIN-5: a complaint or question (minors' information included).
    Complaint,
}

impl RequestKind {
    pub const ALL: [Self; 6] = [
        Self::Export,
        Self::Correction,
        Self::Deletion,
        Self::Withdrawal,
        Self::Cancellation,
        Self::Complaint,
    ];

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(DomainError::InvalidRequestKind)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Export => "export",
            Self::Correction => "correction",
            Self::Deletion => "deletion",
            Self::Withdrawal => "withdrawal",
            Self::Cancellation => "cancellation",
            Self::Complaint => "complaint",
        }
    }

    /// Working days allowed (§6.5: 15; ACC-6: cancellation in 1).
    pub fn deadline_working_days(self) -> u32 {
        match self {
            Self::Cancellation => 1,
            _ => 15,
        }
    }
}

/// received → verified → in_progress → done, or refused (with a reason) from any open state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    Received,
    Verified,
    InProgress,
    Done,
    Refused,
}

impl RequestStatus {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        [
            Self::Received,
            Self::Verified,
            Self::InProgress,
            Self::Done,
            Self::Refused,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or(DomainError::InvalidRequestStatus)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Verified => "verified",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::Refused => "refused",
        }
    }

    pub fn is_open(self) -> bool {
        !matches!(self, Self::Done | Self::Refused)
    }

    /// Whether a request may move from `self` to `next`.
    pub fn can_move_to(self, next: Self) -> bool {
        use RequestStatus::*;
        matches!(
            (self, next),
            (Received, Verified) | (Verified, InProgress) | (Verified | InProgress, Done)
        ) || (self.is_open() && next == Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r6_life_cycle() {
        use RequestStatus::*;
        assert!(Received.can_move_to(Verified));
        assert!(!Received.can_move_to(Done), "identity is verified first (ACC-7)");
        assert!(InProgress.can_move_to(Done));
        assert!(Received.can_move_to(Refused));
        assert!(!Done.can_move_to(Refused));
        assert!(!Refused.can_move_to(InProgress));
        for k in RequestKind::ALL {
            assert_eq!(RequestKind::parse(k.as_str()), Ok(k));
        }
        assert_eq!(RequestKind::Cancellation.deadline_working_days(), 1);
        assert_eq!(RequestKind::Deletion.deadline_working_days(), 15);
    }
}
