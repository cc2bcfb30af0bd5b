//! Agreements to the published documents (CON-1, CON-2, MIN-4): parsing
//! what a client says it agreed to, and recording it in the consent ledger.

use std::collections::BTreeMap;

use xuancai_domain::UserId;
use xuancai_domain::privacy::DocumentKind;
use xuancai_store::{ConsentRecord, Store, Subject};

use crate::App;
use crate::crypto::random;
use crate::error::AppError;
use crate::privacy::documents::current;

/// Parse `{"kind": "version"}`: every kind known, every version the one in force.
pub async fn parse_agreements<S: Store>(
    state: &App<S>,
    agree: &BTreeMap<String, String>,
) -> Result<Vec<(DocumentKind, String)>, AppError> {
    if agree.is_empty() {
        return Ok(Vec::new());
    }
    let docs = state.store.documents().await?;
    let now = state.now();
    agree
        .iter()
        .map(|(k, v)| {
            let kind = DocumentKind::parse(k)?;
            match current(&docs, kind, now) {
                Some(d) if d.version == *v => Ok((kind, v.clone())),
                _ => Err(AppError::Conflict {
                    code: "document_version_stale",
                    message: format!("{k} {v} is not the version in force; reload the documents"),
                }),
            }
        })
        .collect()
}

/// CON-1: what a new account must have agreed to.
pub fn missing_for_sign_up(agreed: &[(DocumentKind, String)]) -> Vec<&'static str> {
    [DocumentKind::UserAgreement, DocumentKind::PrivacyPolicy]
        .into_iter()
        .filter(|k| !agreed.iter().any(|(a, _)| a == k))
        .map(DocumentKind::key)
        .collect()
}

pub async fn record_agreements<S: Store>(
    state: &App<S>,
    user: &UserId,
    agreed: &[(DocumentKind, String)],
    channel: &str,
) -> Result<(), AppError> {
    for (kind, version) in agreed {
        append(
            state,
            Subject::User(*user),
            &kind.topic(),
            true,
            Some(version.clone()),
            channel,
        )
        .await?;
    }
    Ok(())
}

pub async fn append<S: Store>(
    state: &App<S>,
    subject: Subject,
    topic: &str,
    granted: bool,
    version: Option<String>,
    channel: &str,
) -> Result<(), AppError> {
    state
        .store
        .append_consent(&ConsentRecord {
            id: random::<16>(),
            subject,
            topic: topic.into(),
            granted,
            version,
            channel: channel.into(),
            at: state.now(),
        })
        .await?;
    Ok(())
}
