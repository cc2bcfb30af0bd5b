//! The gate: what a request must have before personal information is
//! processed for it.
//!
//! - [`active`] — a signed-in account that agreed to the documents in force
//!   (CON-1, CON-2), is not locked waiting for a guardian (MIN-2, MIN-3) and
//!   is not cancelled (ACC-6). Every handler that processes personal
//!   information passes it (the server's `Active` extractor) instead of a bare session; the privacy center
//!   (consents, rights requests, agreements) takes `Session`, so rights can
//!   always be exercised.
//! - [`permit`] — the purpose's own consent (CON-3, CON-4, CON-6): without
//!   it the answer is `consent_required` naming the purpose.
//! - [`operator`] — an operator (SEC-6); anyone else gets 404.

use xuancai_domain::privacy::{AgeGroup, ConsentDecision, ConsentState, DocumentKind, Purpose};
use xuancai_domain::{BirthDate, UserId};
use xuancai_store::{ConsentRecord, Store, Subject};

use super::documents;
use crate::App;
use crate::error::AppError;
use xuancai_store::SealedColumn;

/// Fold a ledger into decisions.
pub fn decisions(records: &[ConsentRecord]) -> ConsentState {
    ConsentState::from_decisions(records.iter().map(|r| ConsentDecision {
        topic: r.topic.clone(),
        granted: r.granted,
        version: r.version.clone(),
        at: r.at,
    }))
}

pub async fn consent_state<S: Store>(state: &App<S>, user: &UserId) -> Result<ConsentState, AppError> {
    Ok(decisions(&state.store.consents(&Subject::User(*user)).await?))
}

/// CON-3, CON-4, CON-6: processing for `purpose` needs its consent, checked
/// on every request (a withdrawal takes effect on the next one).
pub async fn permit<S: Store>(state: &App<S>, user: &UserId, purpose: Purpose) -> Result<(), AppError> {
    if consent_state(state, user).await?.allows(purpose) {
        Ok(())
    } else {
        Err(AppError::ConsentRequired {
            purpose: purpose.key(),
        })
    }
}

/// The documents `user` must (re-)agree to before processing goes on.
pub async fn missing_agreements<S: Store>(
    state: &App<S>,
    consents: &ConsentState,
    age: AgeGroup,
) -> Result<Vec<DocumentKind>, AppError> {
    let docs = state.store.documents().await?;
    let now = state.now();
    let mut needed = vec![DocumentKind::UserAgreement, DocumentKind::PrivacyPolicy];
    if age == AgeGroup::Child {
        needed.extend([DocumentKind::ChildrenPolicy, DocumentKind::ChildrenRules]);
    }
    Ok(needed
        .into_iter()
        .filter(|k| {
            !consents
                .agreed_version(*k)
                .is_some_and(|v| documents::agreement_covers(&docs, *k, v, now))
        })
        .collect())
}

/// The account's declared age group (MIN-1).
pub async fn age_group<S: Store>(state: &App<S>, user: &UserId) -> Result<AgeGroup, AppError> {
    let profile = state
        .store
        .profile(user)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let Some(ct) = profile.birth_date_ciphertext else {
        return Ok(AgeGroup::Undeclared);
    };
    let key = state.data_key(user).await?;
    let today = state.today();
    let birth = key
        .open_text(SealedColumn::UserBirthDate, user.as_bytes(), &ct)
        .and_then(|s| BirthDate::parse(&s, today).ok())
        .ok_or_else(|| AppError::Internal(format!("stored birth date of {user} does not decrypt")))?;
    Ok(AgeGroup::of(Some(birth), today))
}

/// A signed-in account that may be processed for (see the module docs).
#[derive(Debug, Clone)]
pub struct Active {
    pub user: UserId,
    pub age: AgeGroup,
}

/// The gate for processing: `user` (signed in) agreed to the documents in
/// force, is not waiting for a guardian and is not cancelled.
pub async fn active<S: Store>(state: &App<S>, user: UserId) -> Result<Active, AppError> {
    let account = state
        .store
        .account_state(&user)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if account.cancelled_at.is_some() {
        return Err(AppError::Unauthenticated);
    }
    let age = age_group(state, &user).await?;
    let consents = consent_state(state, &user).await?;
    let missing = missing_agreements(state, &consents, age).await?;
    if age.needs_guardian() && account.guardian_verified_at.is_none() {
        return Err(AppError::GuardianRequired { age: age.as_str() });
    }
    if !missing.is_empty() {
        return Err(AppError::AgreementRequired {
            documents: missing.iter().map(|k| k.key()).collect(),
        });
    }
    Ok(Active { user, age })
}

/// SEC-6: whether `user` is an operator. Everyone else is told the
/// operators' routes do not exist ([`AppError::NotFound`]).
pub async fn operator<S: Store>(state: &App<S>, user: UserId) -> Result<UserId, AppError> {
    let record = state
        .store
        .user_by_id(&user)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if state.operators.contains(&record.phone_hmac) {
        Ok(user)
    } else {
        Err(AppError::NotFound)
    }
}
