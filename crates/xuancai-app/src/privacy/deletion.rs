//! Deletion requests: the request names what to delete — photos,
//! works, comments by id, or whole categories — and the §6.2 ground it is
//! made on. After the identity check an operator either approves it, and
//! exactly what it names is deleted ([`execute`]), or refuses it with one of
//! the [`REFUSAL_GROUNDS`] recorded in the resolution.

use serde::{Deserialize, Serialize};
use xuancai_domain::{CommentId, PhotoId, UserId, WorkId};
use xuancai_store::{PhotoFilter, Store, WorkRecord};

use crate::App;
use crate::crypto::DataKey;
use crate::error::AppError;
use xuancai_store::SealedColumn;

/// The categories a deletion request may name whole (the others are the
/// account itself — cancel it — or records the law requires, like the
/// consent ledger).
pub const ERASABLE: &[&str] = &[
    "photos",
    "works",
    "usage_logs",
    "device_identifiers",
    "template_use",
    "push_token",
];

/// Why an operator may refuse a deletion request; one is recorded.
pub const REFUSAL_GROUNDS: &[(&str, &str)] = &[
    ("no_ground", "none of the grounds of §6.2 applies"),
    (
        "legal_retention",
        "a law or regulation requires keeping it for now (§6.2 item 7)",
    ),
    ("not_found", "what the request names is not stored"),
];

/// What a deletion request names, as the user sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeletionScope {
    #[serde(default)]
    pub photos: Vec<String>,
    #[serde(default)]
    pub works: Vec<String>,
    #[serde(default)]
    pub comments: Vec<String>,
    /// Whole categories, from [`ERASABLE`].
    #[serde(default)]
    pub categories: Vec<String>,
}

/// A deletion request's scope and the §6.2 ground (1–7) it is made on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deletion {
    pub ground: u8,
    pub scope: DeletionScope,
}

impl Deletion {
    /// Check ids, categories and the ground before anything is stored.
    pub fn parse(ground: Option<u8>, scope: Option<DeletionScope>) -> Result<Self, AppError> {
        // The request has the API's shape; what it names is checked here (422).
        let bad = |m: &str| AppError::Unprocessable {
            code: "invalid_deletion",
            message: m.to_string(),
        };
        let ground = ground
            .filter(|g| (1..=7).contains(g))
            .ok_or_else(|| bad("name the ground of §6.2 (1–7) the deletion is asked on"))?;
        let scope = scope.ok_or_else(|| bad("name what to delete: photos, works, comments or categories"))?;
        let n = scope.photos.len() + scope.works.len() + scope.comments.len() + scope.categories.len();
        if n == 0 || n > 1000 {
            return Err(bad("name between 1 and 1000 things to delete"));
        }
        for p in &scope.photos {
            PhotoId::parse(p).map_err(|_| bad("not a photo id"))?;
        }
        for w in &scope.works {
            WorkId::parse(w).map_err(|_| bad("not a work id"))?;
        }
        for c in &scope.comments {
            CommentId::parse(c).map_err(|_| bad("not a comment id"))?;
        }
        if let Some(c) = scope.categories.iter().find(|c| !ERASABLE.contains(&c.as_str())) {
            return Err(bad(&format!(
                "{c:?} cannot be deleted by request; use one of {}",
                ERASABLE.join(", ")
            )));
        }
        Ok(Self { ground, scope })
    }

    /// Sealed for the rights request `request` (its id) of the key's owner.
    pub fn seal(&self, key: &DataKey, request: &[u8]) -> Result<Vec<u8>, AppError> {
        let json = serde_json::to_vec(self).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(key.seal(SealedColumn::RequestScope, request, &json))
    }

    pub fn open(sealed: &[u8], key: &DataKey, request: &[u8]) -> Result<Self, AppError> {
        key.open(SealedColumn::RequestScope, request, sealed)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| AppError::Internal("a deletion request's scope does not decrypt".into()))
    }
}

/// The refusal ground `code`, or `ground_required`.
pub fn refusal_ground(code: Option<&str>) -> Result<&'static (&'static str, &'static str), AppError> {
    code.and_then(|c| REFUSAL_GROUNDS.iter().find(|(k, _)| *k == c))
        .ok_or_else(|| AppError::Unprocessable {
            code: "ground_required",
            message: format!(
                "refusing a deletion records its ground: one of {}",
                REFUSAL_GROUNDS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

async fn delete_work<S: Store>(state: &App<S>, w: &WorkRecord) -> Result<bool, AppError> {
    Ok(state
        .store
        .delete_work(
            &w.owner,
            &w.id,
            &crate::keys::work_prefix(&w.owner, &w.id),
            state.now(),
        )
        .await?)
}

/// What an approved deletion did, counted. Its text (`Display`) is
/// the request's resolution; [`Deleted::parse`] reads it back, so the app
/// can say it in the user's language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Deleted {
    pub photos: u64,
    pub works: u64,
    pub comments: u64,
    pub records: u64,
    /// Named items that were not (or no longer) the user's.
    pub missing: u64,
}

impl std::fmt::Display for Deleted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            photos,
            works,
            comments,
            records,
            missing,
        } = self;
        write!(
            f,
            "deleted: {photos} photo(s), {works} work(s), {comments} comment(s), {records} record(s); \
             {missing} named item(s) not found"
        )
    }
}

impl Deleted {
    /// The counts of a resolution [`Display`](std::fmt::Display) wrote.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix("deleted: ")?;
        let (counts, missing) = rest.split_once("; ")?;
        let mut n = counts.split(", ").map(|part| {
            let (num, unit) = part.split_once(' ')?;
            Some((num.parse::<u64>().ok()?, unit))
        });
        let mut next = |unit: &str| n.next().flatten().filter(|(_, u)| *u == unit).map(|(v, _)| v);
        let parsed = Self {
            photos: next("photo(s)")?,
            works: next("work(s)")?,
            comments: next("comment(s)")?,
            records: next("record(s)")?,
            missing: missing.strip_suffix(" named item(s) not found")?.parse().ok()?,
        };
        n.next().is_none().then_some(parsed)
    }
}

/// Delete exactly what the request names; returns what was done, for the
/// resolution. Ids that are not (or no longer) the user's count as missing.
pub async fn execute<S: Store>(state: &App<S>, user: &UserId, d: &Deletion) -> Result<Deleted, AppError> {
    let now = state.now();
    let store = &state.store;
    let (mut photos, mut works, mut comments, mut records, mut missing) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut photo_ids: Vec<PhotoId> = d
        .scope
        .photos
        .iter()
        .filter_map(|p| PhotoId::parse(p).ok())
        .collect();
    let mut work_ids: Vec<WorkId> = d
        .scope
        .works
        .iter()
        .filter_map(|w| WorkId::parse(w).ok())
        .collect();
    for c in &d.scope.categories {
        match c.as_str() {
            "photos" => {
                for filter in [PhotoFilter::Library, PhotoFilter::Archived, PhotoFilter::Trash] {
                    photo_ids.extend(
                        store
                            .list_photos(user, filter, None, 10_000)
                            .await?
                            .iter()
                            .map(|p| p.id),
                    );
                }
            }
            "works" => work_ids.extend(store.user_works(user, true, 10_000).await?.iter().map(|w| w.id)),
            "usage_logs" => records += store.delete_usage_of(user, false).await?,
            "device_identifiers" => records += store.delete_usage_of(user, true).await?,
            "template_use" => records += store.delete_template_use(user).await?,
            "push_token" => records += store.delete_push_tokens(user).await?,
            _ => {}
        }
    }
    // Exports built before this deletion would hand the data back.
    super::export::discard_archives(state, user).await?;
    for id in &photo_ids {
        if store.purge_photo(user, id, now).await? {
            photos += 1;
        } else {
            missing += 1;
        }
    }
    for id in &work_ids {
        match store.work(id).await? {
            Some(w) if w.owner == *user && delete_work(state, &w).await? => works += 1,
            _ => missing += 1,
        }
    }
    let mine: Vec<CommentId> = if d.scope.comments.is_empty() {
        Vec::new()
    } else {
        store
            .comments_by(user, 10_000)
            .await?
            .iter()
            .map(|c| c.id)
            .collect()
    };
    for c in &d.scope.comments {
        let Ok(id) = CommentId::parse(c) else { continue };
        if mine.contains(&id) && store.delete_comment(&id).await? {
            comments += 1;
        } else {
            missing += 1;
        }
    }
    Ok(Deleted {
        photos,
        works,
        comments,
        records,
        missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// the resolution's text reads back to the counts it was written
    /// from; anything else is not taken for a deletion's counts.
    #[test]
    fn r3_a_deletions_counts_read_back_from_its_resolution() {
        let d = Deleted {
            photos: 3,
            works: 0,
            comments: 12,
            records: 7,
            missing: 1,
        };
        assert_eq!(Deleted::parse(&d.to_string()), Some(d));
        assert_eq!(
            Deleted::parse(&Deleted::default().to_string()),
            Some(Deleted::default())
        );
        for text in [
            "",
            "deleted: 3 photo(s)",
            "deleted: 3 work(s), 3 photo(s), 1 comment(s), 0 record(s); 0 named item(s) not found",
            "deleted: x photo(s), 0 work(s), 0 comment(s), 0 record(s); 0 named item(s) not found",
            "deleted: 1 photo(s), 0 work(s), 0 comment(s), 0 record(s), 9 more(s); 0 named item(s) not found",
            "legal_retention: a law or regulation requires keeping it for now",
        ] {
            assert_eq!(Deleted::parse(text), None, "{text:?}");
        }
    }
}
