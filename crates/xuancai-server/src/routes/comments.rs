//! Comments on works (IMG-6, DATA-3): read by whoever may see the work,
//! written by signed-in users (length and rate limits), deleted by their
//! author or by the work's owner, reported for moderation.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use xuancai_domain::CommentId;
use xuancai_domain::privacy::Purpose;
use xuancai_store::{CommentRecord, SealedColumn, Store};

use crate::error::ApiError;
use crate::extract::Active;
use crate::extract::{AppJson, AppQuery};
use crate::extract::{ShareQuery, Viewer};
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::privacy::permit;
use xuancai_app::works::{Author, Authors, parse_id, visible};

/// Longest comment, characters.
pub const MAX_COMMENT_CHARS: usize = 500;

fn comment_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    super::schema::some_text(Some(MAX_COMMENT_CHARS))
}

/// Any length (the first 200 characters are kept), not only spaces.
fn reason_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    super::schema::some_text(None)
}

fn parse_comment_id(s: &str) -> Result<CommentId, ApiError> {
    CommentId::parse(s).map_err(|_| ApiError::NOT_FOUND)
}

/// A comment as the API shows it (`text` is null if it does not open).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct CommentView {
    id: String,
    work: String,
    text: Option<String>,
    created_at: i64,
    author: Author,
}

/// A work's comments, oldest first.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Comments {
    items: Vec<CommentView>,
}

async fn comment_json<S: Store>(state: &App<S>, c: &CommentRecord, authors: &mut Authors) -> CommentView {
    let text = authors.comment_text(state, c).await;
    CommentView {
        id: c.id.to_string(),
        work: c.work.to_string(),
        text,
        created_at: c.created_at,
        author: authors.get(state, &c.author).await,
    }
}

pub async fn list<S: Store>(
    State(state): State<Arc<App<S>>>,
    viewer: Viewer,
    Path(work): Path<String>,
    AppQuery(q): AppQuery<ShareQuery>,
) -> Result<Json<Comments>, ApiError> {
    let share = q.share.as_deref();
    let w = visible(&state, viewer.0.as_ref(), &work, share).await?;
    let mut items = Vec::new();
    let mut authors = Authors::default();
    for c in state.store.comments(&w.id, 500).await? {
        items.push(comment_json(&state, &c, &mut authors).await);
    }
    Ok(Json(Comments { items }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    #[schemars(schema_with = "comment_schema")]
    text: String,
    /// The share token, to comment on a link-only work.
    share: Option<String>,
}

pub async fn create<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(work): Path<String>,
    AppJson(b): AppJson<CommentBody>,
) -> Result<Response, ApiError> {
    let user = session.user;
    permit(&state, &user, Purpose::Works).await?;
    let w = visible(&state, Some(&user), &work, b.share.as_deref()).await?;
    let text = b.text.trim();
    if text.is_empty() || text.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::BadRequest {
            code: "invalid_comment",
            message: format!("a comment has 1 to {MAX_COMMENT_CHARS} characters"),
        }
        .into());
    }
    let now = state.now();
    xuancai_app::quotas::check_authored(&state, &user, xuancai_store::Authored::Comments).await?;
    let id = CommentId::generate();
    let key = state.data_key(&user).await?;
    let c = CommentRecord {
        id,
        work: w.id,
        author: user,
        text_ciphertext: key.seal(SealedColumn::CommentText, id.as_bytes(), text.as_bytes()),
        created_at: now,
    };
    state.store.add_comment(&c).await?;
    Ok((
        StatusCode::CREATED,
        Json(comment_json(&state, &c, &mut Authors::default()).await),
    )
        .into_response())
}

/// The comment's author or the work's owner may delete it.
pub async fn remove<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path((work, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let user = session.user;
    let w = visible(&state, Some(&user), &work, None)
        .await
        .or(Err(ApiError::NOT_FOUND));
    let work_id = parse_id(&work)?;
    let c = state
        .store
        .comment(&work_id, &parse_comment_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = w.as_ref().is_ok_and(|w| w.owner == user);
    if c.author != user && !owner {
        return Err(AppError::NotFound.into());
    }
    state.store.delete_comment(&c.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    #[schemars(schema_with = "reason_schema")]
    reason: String,
    share: Option<String>,
}

/// Report a comment for moderation (one report per user and comment).
pub async fn report<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path((work, id)): Path<(String, String)>,
    AppJson(b): AppJson<ReportBody>,
) -> Result<StatusCode, ApiError> {
    let w = visible(&state, Some(&session.user), &work, b.share.as_deref()).await?;
    let c = state
        .store
        .comment(&w.id, &parse_comment_id(&id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let reason: String = b.reason.trim().chars().take(200).collect();
    if reason.is_empty() {
        return Err(AppError::BadRequest {
            code: "invalid_report",
            message: "say why the comment should be removed".into(),
        }
        .into());
    }
    state
        .store
        .report_comment(&c.id, &session.user, &reason, state.now())
        .await?;
    tracing::info!(comment = %c.id, "comment reported");
    Ok(StatusCode::ACCEPTED)
}
