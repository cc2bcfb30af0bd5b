//! Works (IMG-6, DATA-3, R-8): save a photo as a work, publish it public,
//! by link or private; the public feed and a user's page show each work
//! with its author's nickname and avatar; the owner changes or deletes it,
//! and a deleted work is gone from every view at once (its blobs queued
//! and deleted, its comments with it).
//!
//! Who sees a work: public — anyone; link — the owner and whoever holds the
//! current share token (changing the link kills the old one); private — the
//! owner. Anyone else is told it does not exist (404).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use xuancai_domain::UserId;
use xuancai_store::{Store, Visibility, WorkRecord};

use crate::error::ApiError;
use crate::extract::{Active, ShareQuery, Viewer};
use crate::extract::{AppJson, AppQuery};
use crate::respond;
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::works::{self, Author, Authors, NewWork, WorkPatch};

/// A work as the API shows it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct WorkView {
    id: String,
    title: String,
    /// `public`, `link` or `private`.
    visibility: &'static str,
    mime: String,
    width: u32,
    height: u32,
    created_at: i64,
    updated_at: i64,
    author: Author,
    /// The viewer owns it.
    mine: bool,
    /// For the owner of a link-only work: the link to share.
    share_url: Option<String>,
    urls: WorkUrls,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct WorkUrls {
    #[serde(rename = "self")]
    this: String,
    image: String,
    comments: String,
}

/// A page of works; `next_before` continues the feed.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct WorksPage {
    items: Vec<WorkView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_before: Option<i64>,
}

/// A user's page: who, and their public works.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UserPage {
    author: Author,
    items: Vec<WorkView>,
}

pub async fn work_json<S: Store>(
    state: &App<S>,
    w: &WorkRecord,
    viewer: Option<&UserId>,
    authors: &mut Authors,
) -> WorkView {
    let id = w.id.to_string();
    let mine = viewer == Some(&w.owner);
    let share = (mine && w.visibility == Visibility::Link).then(|| works::share_token(state, w));
    let image = match &share {
        Some(t) => format!("/api/v1/works/{id}/image?share={t}"),
        None => format!("/api/v1/works/{id}/image"),
    };
    WorkView {
        title: authors.title(state, w).await,
        visibility: w.visibility.as_str(),
        mime: w.mime.clone(),
        width: w.width,
        height: w.height,
        created_at: w.created_at,
        updated_at: w.updated_at,
        author: authors.get(state, &w.owner).await,
        mine,
        share_url: share.map(|t| format!("/api/v1/works/{id}?share={t}")),
        urls: WorkUrls {
            this: format!("/api/v1/works/{id}"),
            image,
            comments: format!("/api/v1/works/{id}/comments"),
        },
        id,
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// A photo of your library; or, instead,
    photo: Option<String>,
    /// a finished studio job whose result becomes the work without being
    /// saved to the library (issue 22 item 5).
    job: Option<String>,
    #[schemars(length(max = 60))]
    title: Option<String>,
    #[schemars(extend("enum" = ["public", "link", "private", null]))]
    visibility: Option<String>,
}

/// `POST /api/v1/works`: save one of the user's photos as a work (a copy:
/// the photo may be deleted later and the work stays until it is deleted).
pub async fn create<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppJson(b): AppJson<CreateBody>,
) -> Result<Response, ApiError> {
    let user = session.user;
    let from = match (&b.photo, &b.job) {
        (Some(p), None) => works::WorkSource::Photo(p),
        (None, Some(j)) => works::WorkSource::Job(j),
        _ => {
            return Err(AppError::Unprocessable {
                code: "invalid_parameter",
                message: "send either \"photo\" or \"job\"".into(),
            }
            .into());
        }
    };
    let new = NewWork {
        from,
        title: b.title.as_deref(),
        visibility: b.visibility.as_deref(),
    };
    let work = works::create(&state, &user, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(work_json(&state, &work, Some(&user), &mut Authors::default()).await),
    )
        .into_response())
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct FeedQuery {
    /// Works created before this time (ms since the epoch; `next_before`).
    #[schemars(range(min = i64::MIN, max = i64::MAX))]
    before: Option<i64>,
    /// Any number; 1 to 100 are used.
    #[schemars(range(max = u32::MAX))]
    limit: Option<u32>,
}

/// `GET /api/v1/works/feed`: public works, newest first (public).
pub async fn feed<S: Store>(
    State(state): State<Arc<App<S>>>,
    viewer: Viewer,
    AppQuery(q): AppQuery<FeedQuery>,
) -> Result<Json<WorksPage>, ApiError> {
    let limit = q.limit.unwrap_or(20).clamp(1, 100);
    let works = state.store.public_works(q.before, limit).await?;
    let mut items = Vec::with_capacity(works.len());
    let mut authors = Authors::default();
    for w in &works {
        items.push(work_json(&state, w, viewer.0.as_ref(), &mut authors).await);
    }
    let next = (works.len() == limit as usize)
        .then(|| works.last().map(|w| w.created_at))
        .flatten();
    Ok(Json(WorksPage {
        items,
        next_before: next,
    }))
}

/// `GET /api/v1/me/works`: all of the user's works.
pub async fn mine<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
) -> Result<Json<WorksPage>, ApiError> {
    let works = state.store.user_works(&session.user, true, 200).await?;
    let mut items = Vec::with_capacity(works.len());
    let mut authors = Authors::default();
    for w in &works {
        items.push(work_json(&state, w, Some(&session.user), &mut authors).await);
    }
    Ok(Json(WorksPage {
        items,
        next_before: None,
    }))
}

/// `GET /api/v1/users/{id}/works`: a user's page — their public works.
pub async fn user_page<S: Store>(
    State(state): State<Arc<App<S>>>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<UserPage>, ApiError> {
    let user = UserId::parse(&id).map_err(|_| AppError::NotFound)?;
    let works = state.store.user_works(&user, false, 100).await?;
    if works.is_empty() && state.store.user_by_id(&user).await?.is_none() {
        return Err(AppError::NotFound.into());
    }
    let mut items = Vec::with_capacity(works.len());
    let mut authors = Authors::default();
    for w in &works {
        items.push(work_json(&state, w, viewer.0.as_ref(), &mut authors).await);
    }
    Ok(Json(UserPage {
        author: authors.get(&state, &user).await,
        items,
    }))
}

/// `GET /api/v1/users/{id}/avatar`: shown beside public content only — a
/// user without a public work has no public avatar.
pub async fn avatar<S: Store>(
    State(state): State<Arc<App<S>>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = UserId::parse(&id).map_err(|_| AppError::NotFound)?;
    if state.store.user_works(&user, false, 1).await?.is_empty() {
        return Err(AppError::NotFound.into());
    }
    let version = state
        .store
        .profile(&user)
        .await?
        .and_then(|p| p.avatar_version)
        .ok_or(AppError::NotFound)?;
    let key = state.data_key(&user).await?;
    let data = state
        .blobs
        .get(&xuancai_app::keys::avatar(&user, &version), &key)
        .await?;
    respond::image(data, "image/webp", "public, max-age=300")
}

pub async fn get_one<S: Store>(
    State(state): State<Arc<App<S>>>,
    viewer: Viewer,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<ShareQuery>,
) -> Result<Json<WorkView>, ApiError> {
    let w = works::visible(&state, viewer.0.as_ref(), &id, q.share.as_deref()).await?;
    Ok(Json(
        work_json(&state, &w, viewer.0.as_ref(), &mut Authors::default()).await,
    ))
}

/// The work's image. Not cached by shared caches: a deleted or hidden work
/// must stop showing at once.
pub async fn image<S: Store>(
    State(state): State<Arc<App<S>>>,
    viewer: Viewer,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<ShareQuery>,
) -> Result<Response, ApiError> {
    let w = works::visible(&state, viewer.0.as_ref(), &id, q.share.as_deref()).await?;
    let key = state.data_key(&w.owner).await?;
    let data = state.blobs.get(&works::image_key(&w), &key).await?;
    respond::image(data, &w.mime, "private, no-cache")
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    #[schemars(length(max = 60))]
    title: Option<String>,
    #[schemars(extend("enum" = ["public", "link", "private", null]))]
    visibility: Option<String>,
    /// A new share link; the old one stops working.
    #[serde(default)]
    new_link: bool,
}

pub async fn update<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
    AppJson(b): AppJson<PatchBody>,
) -> Result<Json<WorkView>, ApiError> {
    let patch = WorkPatch {
        title: b.title.as_deref(),
        visibility: b.visibility.as_deref(),
        new_link: b.new_link,
    };
    let w = works::update(&state, &session.user, &id, patch).await?;
    Ok(Json(
        work_json(&state, &w, Some(&session.user), &mut Authors::default()).await,
    ))
}

/// delete the work everywhere at once: the row and its comments in one
/// transaction, the blobs right after (the queue entry stays until done).
pub async fn remove<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    works::remove(&state, &session.user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
