//! Consent state (CON-1, CON-3, CON-4, CON-6), derived from the append-only
//! ledger, and age groups (MIN-1).

use std::collections::BTreeMap;

use super::Purpose;
use crate::{BirthDate, Date, DomainError};

/// The documents a user agrees to (CON-1, CON-2, MIN-2, DATA-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocumentKind {
    UserAgreement,
    PrivacyPolicy,
    /// 儿童隐私政策 (MIN-2).
    ChildrenPolicy,
    /// 儿童个人信息保护规则 (MIN-2).
    ChildrenRules,
    /// 第三方SDK说明 (DATA-4); published, not agreed to.
    SdkRegister,
}

impl DocumentKind {
    pub const ALL: [Self; 5] = [
        Self::UserAgreement,
        Self::PrivacyPolicy,
        Self::ChildrenPolicy,
        Self::ChildrenRules,
        Self::SdkRegister,
    ];

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.key() == s)
            .ok_or(DomainError::InvalidDocument)
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::UserAgreement => "user_agreement",
            Self::PrivacyPolicy => "privacy_policy",
            Self::ChildrenPolicy => "children_policy",
            Self::ChildrenRules => "children_rules",
            Self::SdkRegister => "sdk_register",
        }
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            Self::UserAgreement => "用户协议",
            Self::PrivacyPolicy => "隐私政策",
            Self::ChildrenPolicy => "儿童隐私政策",
            Self::ChildrenRules => "儿童个人信息保护规则",
            Self::SdkRegister => "第三方SDK说明",
        }
    }

    /// The ledger topic for agreeing to this document.
    pub fn topic(self) -> String {
        format!("doc:{}", self.key())
    }
}

/// One decision from the ledger: a purpose key or `doc:KIND`, granted or
/// withdrawn, against a document version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentDecision {
    pub topic: String,
    pub granted: bool,
    pub version: Option<String>,
    pub at: i64,
}

/// The latest decision per topic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentState {
    latest: BTreeMap<String, ConsentDecision>,
}

impl ConsentState {
    /// Fold the ledger (any order; the latest time wins, ties go to the later record).
    /// Decisions come oldest first (the ledger's order); on a tie in time
    /// the later one in that order wins.
    pub fn from_decisions(decisions: impl IntoIterator<Item = ConsentDecision>) -> Self {
        let mut latest: BTreeMap<String, ConsentDecision> = BTreeMap::new();
        for d in decisions {
            match latest.get(&d.topic) {
                Some(prev) if prev.at > d.at => {}
                _ => {
                    latest.insert(d.topic.clone(), d);
                }
            }
        }
        Self { latest }
    }

    /// The version of `doc` the user last agreed to, if their latest decision is agreement.
    pub fn agreed_version(&self, doc: DocumentKind) -> Option<&str> {
        self.latest
            .get(&doc.topic())
            .filter(|d| d.granted)
            .and_then(|d| d.version.as_deref())
    }

    /// Whether processing for `purpose` may go on: purposes the service
    /// needs rest on the Privacy Policy (CON-1); the others on their own,
    /// latest decision (CON-3, CON-4, CON-6).
    pub fn allows(&self, purpose: Purpose) -> bool {
        if !purpose.needs_own_consent() {
            return self.agreed_version(DocumentKind::PrivacyPolicy).is_some();
        }
        self.latest.get(purpose.key()).is_some_and(|d| d.granted)
    }

    pub fn decision(&self, topic: &str) -> Option<&ConsentDecision> {
        self.latest.get(topic)
    }
}

/// MIN-1: under 14 a child, 14–17 a minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeGroup {
    Child,
    Minor,
    Adult,
    /// No birth date given (it is optional).
    Undeclared,
}

impl AgeGroup {
    pub fn of(birth: Option<BirthDate>, today: Date) -> Self {
        match birth.map(|b| b.age_on(today)) {
            None => Self::Undeclared,
            Some(a) if a < 14 => Self::Child,
            Some(a) if a < 18 => Self::Minor,
            Some(_) => Self::Adult,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Child => "child",
            Self::Minor => "minor",
            Self::Adult => "adult",
            Self::Undeclared => "undeclared",
        }
    }

    /// MIN-2, MIN-3: whether a guardian's consent is needed.
    pub fn needs_guardian(self) -> bool {
        matches!(self, Self::Child | Self::Minor)
    }

    /// How much protection the group gets: a child most, a minor less, an
    /// adult or an account with no birth date none of the minors' rules.
    pub fn protection(self) -> u8 {
        match self {
            Self::Child => 2,
            Self::Minor => 1,
            Self::Adult | Self::Undeclared => 0,
        }
    }

    /// MIN-2, MIN-3: whether moving from `self` to `to` by a change of the
    /// birth date lowers the protection. The account holder cannot do that
    /// alone once they declared an age under 18: it needs the operator's
    /// reviewed correction. Growing older keeps the date and is not a
    /// change.
    pub fn lowered_by(self, to: Self) -> bool {
        to.protection() < self.protection()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(topic: &str, granted: bool, at: i64) -> ConsentDecision {
        ConsentDecision {
            topic: topic.into(),
            granted,
            version: Some("2026-11-01".into()),
            at,
        }
    }

    #[test]
    fn con4_the_latest_decision_wins() {
        let s = ConsentState::from_decisions([
            dec("doc:privacy_policy", true, 1),
            dec("faces", true, 2),
            dec("faces", false, 3),
            dec("analytics", true, 5),
        ]);
        assert!(!s.allows(Purpose::Faces));
        assert!(s.allows(Purpose::Analytics));
        assert!(s.allows(Purpose::Studio), "contract purposes rest on the policy");
        assert!(!s.allows(Purpose::Personalisation), "no decision is no consent");
        let none = ConsentState::default();
        assert!(
            !none.allows(Purpose::Studio),
            "CON-1: nothing before the policy is agreed"
        );
    }

    /// CON-4 (found by cargo-mutants): the ledger may come in any order; a
    /// decision made later wins over one listed after it, and on a tie in
    /// time the one listed last wins (a grant then a withdrawal in the same
    /// millisecond is a withdrawal).
    #[test]
    fn con4_the_latest_decision_wins_whatever_the_order_of_the_list() {
        let s = ConsentState::from_decisions([dec("faces", true, 20), dec("faces", false, 10)]);
        assert!(s.decision("faces").is_some_and(|d| d.granted && d.at == 20));
        let s = ConsentState::from_decisions([dec("faces", true, 10), dec("faces", false, 10)]);
        assert!(s.decision("faces").is_some_and(|d| !d.granted));
        assert!(s.decision("analytics").is_none());
    }

    /// CON-1, CON-2 (found by cargo-mutants): every document kind parses
    /// back from its key, with its own title; anything else is refused.
    #[test]
    fn con1_document_kinds_parse_from_their_keys() {
        let mut titles = std::collections::BTreeSet::new();
        for k in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(k.key()), Ok(k));
            assert!(titles.insert(k.title_zh()), "{k:?}");
        }
        assert_eq!(DocumentKind::PrivacyPolicy.title_zh(), "隐私政策");
        assert_eq!(DocumentKind::parse("privacy"), Err(DomainError::InvalidDocument));
    }

    /// MIN-2, MIN-3 (found by cargo-mutants): children and minors need a
    /// guardian; adults and accounts without a birth date do not. The group
    /// names are the API's.
    #[test]
    fn min2_min3_who_needs_a_guardian() {
        use AgeGroup::*;
        for (g, name, guardian) in [
            (Child, "child", true),
            (Minor, "minor", true),
            (Adult, "adult", false),
            (Undeclared, "undeclared", false),
        ] {
            assert_eq!((g.as_str(), g.needs_guardian()), (name, guardian), "{g:?}");
        }
    }

    #[test]
    fn min1_age_groups() {
        let today = Date::parse("2026-11-29").unwrap_or_else(|e| panic!("{e}"));
        let b = |s: &str| BirthDate::parse(s, today).ok();
        assert_eq!(AgeGroup::of(b("2012-11-30"), today), AgeGroup::Child);
        assert_eq!(AgeGroup::of(b("2012-11-29"), today), AgeGroup::Minor);
        assert_eq!(AgeGroup::of(b("2008-11-30"), today), AgeGroup::Minor);
        assert_eq!(AgeGroup::of(b("2008-11-29"), today), AgeGroup::Adult);
        assert_eq!(AgeGroup::of(None, today), AgeGroup::Undeclared);
    }

    #[test]
    fn min2_min3_only_raising_the_protection_is_free() {
        use AgeGroup::*;
        for (from, to, lowered) in [
            (Child, Undeclared, true),
            (Child, Adult, true),
            (Child, Minor, true),
            (Minor, Adult, true),
            (Minor, Undeclared, true),
            (Minor, Child, false),
            (Adult, Child, false),
            (Undeclared, Minor, false),
            (Adult, Undeclared, false),
            (Child, Child, false),
        ] {
            assert_eq!(from.lowered_by(to), lowered, "{from:?} -> {to:?}");
        }
    }
}
