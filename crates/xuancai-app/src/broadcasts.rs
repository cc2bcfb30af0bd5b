//! Operators' messages (ADS-2, ADS-3), delivered from a queue in the
//! database (issue 19 item 5).
//!
//! [`queue`] stores the message and returns at once; [`run_due`] (kicked
//! by [`kick`] right after queueing, and run by every node's maintenance
//! tick) claims an unfinished broadcast under a lease and delivers it a
//! page of accounts at a time: an inbox item for each account it reaches
//! (a service announcement reaches everyone; marketing only those who keep
//! the marketing consent, each with their own unsubscribe link), and a
//! push to the devices of those who keep the push consent, sent with
//! bounded concurrency and a timeout each ([`crate::push::send_all`]).
//!
//! After each page the cursor and the counts are recorded with a renewed
//! lease, so a broadcast cut short by a crash is taken up after its lease
//! by any node and resumes after the last page recorded. The inbox item's
//! id is derived from the broadcast and the account, so a page run again
//! does not put a message in an inbox twice; pushes of that one page may
//! go out again (at least once, never lost).

use std::sync::Arc;

use serde_json::json;
use sha2::{Digest, Sha256};
use xuancai_domain::privacy::Purpose;
use xuancai_domain::{Message, MessageKind, UserId};
use xuancai_store::{BroadcastPage, BroadcastRecord, ConsentRecord, InboxItem, Store, Subject};

use crate::App;
use crate::error::AppError;
use crate::privacy::consent_state;
use crate::push::Outgoing;
use xuancai_store::SealedColumn;

/// Accounts per page: a page's pushes (at most 10 devices each) go out
/// within a few timeouts, well inside the lease.
pub const PAGE: u32 = 100;

/// How long a node holds a broadcast without recording a page.
pub const LEASE_MS: i64 = 10 * 60_000;

/// How far one run goes; tests stop after a page to play a crash.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub page: u32,
    /// Stop (keeping the lease, as a crashed node would) after this many pages.
    pub max_pages: Option<u32>,
}

impl Default for Run {
    fn default() -> Self {
        Self {
            page: PAGE,
            max_pages: None,
        }
    }
}

/// Queue `message` from `operator`; it goes out in the background.
pub async fn queue<S: Store>(
    state: &App<S>,
    operator: &UserId,
    message: &Message,
) -> Result<BroadcastRecord, AppError> {
    let record = BroadcastRecord {
        id: crate::crypto::random::<16>(),
        kind: message.kind().as_str().into(),
        title: message.title().into(),
        body: message.body().into(),
        created_by: Some(*operator),
        created_at: state.now(),
        cursor: None,
        delivered: 0,
        pushed: 0,
        skipped: 0,
        lease_until: 0,
        finished_at: None,
    };
    state.store.create_broadcast(&record).await?;
    tracing::info!(operator = %operator, kind = %record.kind, "message queued");
    Ok(record)
}

/// A queued or sent broadcast; not found for an unknown id.
pub async fn status<S: Store>(state: &App<S>, id: &[u8; 16]) -> Result<BroadcastRecord, AppError> {
    state.store.broadcast(id).await?.ok_or(AppError::NotFound)
}

/// Start delivering now, in the background (the maintenance tick would
/// otherwise take it up at its next run).
pub fn kick<S: Store + 'static>(state: Arc<App<S>>) {
    tokio::spawn(async move {
        run_due(&state, Run::default()).await;
    });
}

/// Deliver every broadcast that is due (unfinished, nobody holding it);
/// returns how many this run finished.
pub async fn run_due<S: Store>(state: &App<S>, run: Run) -> usize {
    let mut finished = 0;
    loop {
        let now = state.now();
        let claimed = match state.store.claim_broadcast(now, now + LEASE_MS).await {
            Ok(Some(b)) => b,
            Ok(None) => return finished,
            Err(e) => {
                tracing::error!(error = %e, "broadcasts: claiming failed");
                return finished;
            }
        };
        match deliver(state, claimed, run).await {
            Ok(true) => finished += 1,
            // Stopped early (a test's crash) or the lease was lost.
            Ok(false) => return finished,
            Err(e) => {
                // The lease runs out and a later run resumes at the cursor.
                tracing::error!(error = %e, "broadcast failed; will resume");
                return finished;
            }
        }
    }
}

/// Deliver one claimed broadcast page by page; true when it finished.
async fn deliver<S: Store>(state: &App<S>, b: BroadcastRecord, run: Run) -> Result<bool, AppError> {
    let kind = MessageKind::parse(&b.kind).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut held = b.lease_until;
    let mut cursor = b.cursor;
    let mut pages = 0;
    loop {
        if run.max_pages.is_some_and(|max| pages >= max) {
            return Ok(false);
        }
        let users = state.store.user_ids(cursor, run.page.max(1)).await?;
        let last = users.last().copied();
        let page = send_page(state, &b, kind, &users).await?;
        let now = state.now();
        let (until, finished_at) = match last {
            Some(_) => (now + LEASE_MS, None),
            None => (0, Some(now)),
        };
        if !state
            .store
            .advance_broadcast(&b.id, held, &page, until, finished_at)
            .await?
        {
            tracing::warn!("broadcast taken over by another node");
            return Ok(false);
        }
        if finished_at.is_some() {
            let done = state.store.broadcast(&b.id).await?;
            if let Some(d) = done {
                tracing::info!(kind = %d.kind, delivered = d.delivered, pushed = d.pushed, skipped = d.skipped, "message sent");
            }
            return Ok(true);
        }
        held = until;
        cursor = last;
        pages += 1;
    }
}

/// The inbox item of broadcast `id` for `user`: the same on every run.
fn inbox_id(id: &[u8; 16], user: &UserId) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(b"xuancai broadcast inbox v1")
        .chain_update(id)
        .chain_update(user.as_bytes())
        .finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// The unsubscribe link of a user's marketing messages (ADS-2): it works
/// without signing in and cannot be made for another user.
pub fn unsubscribe_path<S>(state: &App<S>, user: &UserId) -> String {
    format!(
        "/api/v1/unsubscribe?u={user}&t={}",
        crate::privacy::requests::hex(&state.keys.unsubscribe_tag(user.as_bytes()))
    )
}

/// What following an unsubscribe link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsubscribed {
    /// The marketing consent is withdrawn (CON-4, channel `unsubscribe_link`).
    Withdrawn,
    /// The account no longer exists; nothing more will be sent to it.
    NoAccount,
}

/// ADS-2: follow an unsubscribe link (`u` the user, `t` its keyed tag), no
/// sign-in needed. A link this server did not make is `invalid_link` (422:
/// it has the link's form; its tag does not verify).
pub async fn unsubscribe<S: Store>(state: &App<S>, u: &str, t: &str) -> Result<Unsubscribed, AppError> {
    let invalid = || AppError::Unprocessable {
        code: "invalid_link",
        message: "this unsubscribe link is not valid".into(),
    };
    let user = UserId::parse(u).map_err(|_| invalid())?;
    if !state.keys.unsubscribe_tag_matches(user.as_bytes(), t) {
        return Err(invalid());
    }
    if state.store.user_by_id(&user).await?.is_none() {
        return Ok(Unsubscribed::NoAccount);
    }
    state
        .store
        .append_consent(&ConsentRecord {
            id: crate::privacy::agreements::ledger_id(state.now()),
            subject: Subject::User(user),
            topic: Purpose::Marketing.key().into(),
            granted: false,
            version: None,
            channel: "unsubscribe_link".into(),
            at: state.now(),
        })
        .await?;
    Ok(Unsubscribed::Withdrawn)
}

async fn send_page<S: Store>(
    state: &App<S>,
    b: &BroadcastRecord,
    kind: MessageKind,
    users: &[UserId],
) -> Result<BroadcastPage, AppError> {
    let mut page = BroadcastPage {
        cursor: users.last().copied(),
        ..BroadcastPage::default()
    };
    let mut batch = Vec::new();
    for user in users {
        let Some(account) = state.store.account_state(user).await? else {
            continue;
        };
        if account.cancelled_at.is_some() {
            continue;
        }
        let consents = consent_state(state, user).await?;
        if kind.needs().is_some_and(|p| !consents.allows(p)) {
            page.skipped += 1;
            continue;
        }
        let unsubscribe = (kind == MessageKind::Marketing).then(|| unsubscribe_path(state, user));
        let body = match &unsubscribe {
            Some(link) => format!("{}\n\n退订：{link}", b.body),
            None => b.body.clone(),
        };
        state
            .store
            .deliver(&InboxItem {
                id: inbox_id(&b.id, user),
                user: *user,
                kind: b.kind.clone(),
                title: b.title.clone(),
                body,
                at: b.created_at,
            })
            .await?;
        page.delivered += 1;
        if !consents.allows(Purpose::Push) {
            continue;
        }
        let tokens = state.store.push_tokens(user).await?;
        if tokens.is_empty() {
            continue;
        }
        let key = state.data_key(user).await?;
        let payload: Arc<str> =
            json!({ "title": b.title, "body": b.body, "kind": b.kind, "unsubscribe": unsubscribe })
                .to_string()
                .into();
        for t in tokens {
            let Some(token) = key.open_text(SealedColumn::PushToken, &t.id, &t.token_ciphertext) else {
                continue;
            };
            batch.push(Outgoing {
                user: *user,
                device: t.id,
                provider: t.provider,
                token,
                payload: payload.clone(),
            });
        }
    }
    // The page's pushes go out at once, each within its timeout.
    page.pushed = crate::push::send_all(state, batch).await?;
    Ok(page)
}

/// Where a broadcast is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Queued,
    Sending,
    Done,
}

impl Progress {
    pub fn of(b: &BroadcastRecord) -> Self {
        match (b.finished_at, b.cursor, b.lease_until) {
            (Some(_), _, _) => Self::Done,
            (None, None, 0) => Self::Queued,
            _ => Self::Sending,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Done => "done",
        }
    }
}
