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

    /// Whether a request may move from `self` to `next`. An export whose
    /// build failed, or whose worker was lost, goes back from in progress
    /// to verified, to be built again.
    pub fn can_move_to(self, next: Self) -> bool {
        use RequestStatus::*;
        matches!(
            (self, next),
            (Received, Verified)
                | (Verified, InProgress)
                | (InProgress, Verified)
                | (Verified | InProgress, Done)
        ) || (self.is_open() && next == Refused)
    }

    /// The move from `self` to `next`, if the life cycle allows it: the only
    /// way to make a [`RequestMove`] other than its constants.
    pub fn move_to(self, next: Self) -> Result<RequestMove, DomainError> {
        if self.can_move_to(next) {
            Ok(RequestMove { from: self, to: next })
        } else {
            Err(DomainError::InvalidRequestTransition {
                from: self.as_str(),
                to: next.as_str(),
            })
        }
    }
}

/// A change of a request's status that [`RequestStatus::can_move_to`]
/// allows. The store moves a request only by one of these (compare and set
/// on `from`), so no code path can move a request outside its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestMove {
    from: RequestStatus,
    to: RequestStatus,
}

impl RequestMove {
    /// ACC-7: identity verified.
    pub const VERIFY: Self = Self::known(RequestStatus::Received, RequestStatus::Verified);
    /// Work begins (an export's build).
    pub const START: Self = Self::known(RequestStatus::Verified, RequestStatus::InProgress);
    /// Back to the queue: the build failed or its worker was lost.
    pub const REQUEUE: Self = Self::known(RequestStatus::InProgress, RequestStatus::Verified);
    /// Work finished.
    pub const FINISH: Self = Self::known(RequestStatus::InProgress, RequestStatus::Done);
    /// Done at once, without a separate step of work (a guardian's cancellation).
    pub const COMPLETE: Self = Self::known(RequestStatus::Verified, RequestStatus::Done);

    /// The constants above; each is checked against the rules by a test.
    const fn known(from: RequestStatus, to: RequestStatus) -> Self {
        Self { from, to }
    }

    pub fn from(self) -> RequestStatus {
        self.from
    }

    pub fn to(self) -> RequestStatus {
        self.to
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
        for m in [
            RequestMove::VERIFY,
            RequestMove::START,
            RequestMove::REQUEUE,
            RequestMove::FINISH,
            RequestMove::COMPLETE,
        ] {
            assert!(m.from().can_move_to(m.to()), "{m:?} breaks the life cycle");
            assert_eq!(m.from().move_to(m.to()), Ok(m));
        }
        assert!(Done.move_to(InProgress).is_err());
        assert!(Received.move_to(Done).is_err());
        assert_eq!(RequestKind::Deletion.deadline_working_days(), 15);
    }
}
