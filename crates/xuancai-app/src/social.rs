//! People, not ids (issue 22 item 14): what others did with the user's
//! works — comments on them and blessings to the user — for 消息, and the
//! people the user has interacted with, to choose a blessing's recipient
//! from. There is no user directory (DATA-3): a person appears here only
//! after one of the two commented on the other's work or sent the other a
//! blessing. Everything is read from the comments and blessings themselves,
//! so a deleted comment, work or account leaves no notification behind.

use std::collections::HashMap;

use xuancai_domain::UserId;
use xuancai_store::Store;

use crate::AppError;
use crate::state::App;
use crate::works::{Author, Authors};

/// How many of each kind are read for one answer.
const PER_KIND: u32 = 100;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// Someone commented on one of your works.
    Comment,
    /// Someone sent you a blessing.
    Blessing,
}

/// The work an activity concerns.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct ActivityWork {
    pub id: String,
    pub title: String,
}

/// One thing another person did for the user, as 消息 shows it.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Activity {
    pub kind: ActivityKind,
    /// Who did it, by nickname (DATA-3: nothing else about them).
    pub from: Author,
    /// The comment's text, or the blessing's message (null if it does not open).
    pub text: Option<String>,
    /// The work commented on (a comment), or the work a blessing carries.
    pub work: Option<ActivityWork>,
    /// The blessing (its card opens it), for a blessing.
    pub blessing: Option<String>,
    pub at: i64,
}

/// Comments on the user's works and blessings to the user, newest first,
/// at most `limit`.
pub async fn activity<S: Store>(
    state: &App<S>,
    user: &UserId,
    limit: usize,
) -> Result<Vec<Activity>, AppError> {
    let mut authors = Authors::default();
    let mut titles: HashMap<xuancai_domain::WorkId, Option<ActivityWork>> = HashMap::new();
    let mut out = Vec::new();
    for c in state.store.comments_on_works_of(user, PER_KIND).await? {
        let text = authors.comment_text(state, &c).await;
        let work = work_of(state, &mut authors, &mut titles, &c.work).await?;
        out.push(Activity {
            kind: ActivityKind::Comment,
            from: authors.get(state, &c.author).await,
            text,
            work,
            blessing: None,
            at: c.created_at,
        });
    }
    for b in state.store.blessings_received(user, PER_KIND).await? {
        let text = authors.blessing_message(state, &b).await;
        let work = match &b.work {
            Some(w) => work_of(state, &mut authors, &mut titles, w).await?,
            None => None,
        };
        out.push(Activity {
            kind: ActivityKind::Blessing,
            from: authors.get(state, &b.sender).await,
            text,
            work,
            blessing: Some(b.id.to_string()),
            at: b.created_at,
        });
    }
    out.sort_by_key(|a| std::cmp::Reverse(a.at));
    out.truncate(limit);
    Ok(out)
}

async fn work_of<S: Store>(
    state: &App<S>,
    authors: &mut Authors,
    seen: &mut HashMap<xuancai_domain::WorkId, Option<ActivityWork>>,
    id: &xuancai_domain::WorkId,
) -> Result<Option<ActivityWork>, AppError> {
    if let Some(w) = seen.get(id) {
        return Ok(w.clone());
    }
    let w = match state.store.work(id).await? {
        Some(w) => Some(ActivityWork {
            id: w.id.to_string(),
            title: authors.title(state, &w).await,
        }),
        None => None,
    };
    seen.insert(*id, w.clone());
    Ok(w)
}

/// The people the user has interacted with — who commented on their works,
/// whose works they commented on, who sent them a blessing, to whom they
/// sent one — most recent first, each once, at most `limit`.
pub async fn people<S: Store>(state: &App<S>, user: &UserId, limit: usize) -> Result<Vec<Author>, AppError> {
    let mut last: HashMap<UserId, i64> = HashMap::new();
    let mut seen = |who: UserId, at: i64| {
        if who != *user {
            let e = last.entry(who).or_insert(at);
            *e = (*e).max(at);
        }
    };
    for c in state.store.comments_on_works_of(user, PER_KIND).await? {
        seen(c.author, c.created_at);
    }
    for c in state.store.comments_by(user, PER_KIND).await? {
        if let Some(w) = state.store.work(&c.work).await? {
            seen(w.owner, c.created_at);
        }
    }
    for b in state.store.blessings_received(user, PER_KIND).await? {
        seen(b.sender, b.created_at);
    }
    for b in state.store.blessings_sent(user, PER_KIND).await? {
        seen(b.recipient, b.created_at);
    }
    let mut order: Vec<(UserId, i64)> = last.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_bytes().cmp(b.0.as_bytes())));
    let mut authors = Authors::default();
    let mut out = Vec::new();
    for (who, _) in order {
        // An account erased since is nobody to send to.
        if state.store.user_by_id(&who).await?.is_some() {
            out.push(authors.get(state, &who).await);
        }
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}
