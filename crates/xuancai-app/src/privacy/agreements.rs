//! Agreements to the published documents (CON-1, CON-2, MIN-4): parsing
//! what a client says it agreed to, and recording it in the consent ledger.

use std::collections::BTreeMap;

use xuancai_domain::UserId;
use xuancai_domain::privacy::{Category, DocumentKind, NECESSITY};
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

/// §11, PIPL Art. 29–30: the separate ticks a client sends with what it
/// collects (`"sensitive": ["phone"]`): the keys of sensitive categories
/// with a necessity statement.
pub fn parse_ticks(list: &[String]) -> Result<Vec<Category>, AppError> {
    list.iter()
        .map(|k| {
            NECESSITY
                .iter()
                .map(|n| n.category)
                .find(|c| c.key() == k)
                .ok_or_else(|| AppError::BadRequest {
                    code: "invalid_sensitive_consent",
                    message: format!("`{k}` is not a sensitive category collected with a tick"),
                })
        })
        .collect()
}

/// §11: `category` may be collected only with its separate tick.
pub fn require_tick(ticks: &[Category], category: Category) -> Result<(), AppError> {
    if ticks.contains(&category) {
        Ok(())
    } else {
        Err(AppError::SensitiveConsentRequired {
            category: category.key(),
        })
    }
}

/// Record the ticks in the consent ledger (`sensitive:phone`), against the
/// Privacy Policy in force, whose §11 table states necessity and impact.
pub async fn record_ticks<S: Store>(
    state: &App<S>,
    user: &UserId,
    ticks: &[Category],
    channel: &str,
) -> Result<(), AppError> {
    if ticks.is_empty() {
        return Ok(());
    }
    let docs = state.store.documents().await?;
    let version = current(&docs, DocumentKind::PrivacyPolicy, state.now()).map(|d| d.version.clone());
    for c in ticks {
        append(
            state,
            Subject::User(*user),
            &c.separate_consent_topic(),
            true,
            version.clone(),
            channel,
        )
        .await?;
    }
    Ok(())
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
    let at = state.now();
    state
        .store
        .append_consent(&ConsentRecord {
            id: ledger_id(at),
            subject,
            topic: topic.into(),
            granted,
            version,
            channel: channel.into(),
            at,
        })
        .await?;
    Ok(())
}

/// A ledger id that sorts in the order decisions were made: the time, then
/// a per-process sequence, then randomness. The ledger reads `ORDER BY at,
/// id`, so two decisions in the same millisecond (grant, then withdraw) keep
/// their order and the latest one wins (CON-4).
pub fn ledger_id(at: i64) -> [u8; 16] {
    static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&at.to_be_bytes());
    id[8..12].copy_from_slice(
        &SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .to_be_bytes(),
    );
    id[12..].copy_from_slice(&random::<4>());
    id
}

#[cfg(test)]
mod tests {
    use super::ledger_id;

    #[test]
    fn con4_ledger_ids_keep_the_order_of_decisions_made_in_one_millisecond() {
        let ids: Vec<[u8; 16]> = (0..1000).map(|_| ledger_id(1_796_000_000_000)).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "same millisecond: in the order made");
        assert!(
            ledger_id(1_796_000_000_001) > ids[999],
            "a later millisecond sorts after"
        );
    }
}
