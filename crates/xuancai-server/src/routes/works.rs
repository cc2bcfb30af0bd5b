//! Works (IMG-6, DATA-3, R-8): save a photo as a work, publish it public,
//! by link or private; the public feed and a user's page show each work
//! with its author's nickname and avatar; the owner changes or deletes it,
//! and a deleted work is gone from every view at once (its blobs queued
//! and deleted, its comments with it).
//!
//! Who sees a work: public — anyone; link — the owner and whoever holds the
//! current share token (changing the link kills the old one); private — the
//! owner. Anyone else is told it does not exist (404).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use xuancai_domain::privacy::Purpose;
use xuancai_domain::{UserId, WorkId};
use xuancai_store::{Store, Visibility, WorkRecord};

use crate::error::ApiError;
use crate::extract::Active;
use crate::extract::Session;
use crate::extract::{AppJson, AppQuery};
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::photos::{Variant, owned};
use xuancai_app::privacy::permit;

/// Longest work title, characters.
pub const MAX_TITLE_CHARS: usize = 60;

/// Whoever is asking: a signed-in user, or nobody (public reads).
#[derive(Debug, Clone, Copy)]
pub struct Viewer(pub Option<UserId>);

impl<S: Store> FromRequestParts<Arc<App<S>>> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<App<S>>) -> Result<Self, ApiError> {
        Ok(Self(
            Session::from_request_parts(parts, state)
                .await
                .ok()
                .map(|s| s.user),
        ))
    }
}

pub fn parse_work_id(s: &str) -> Result<WorkId, ApiError> {
    WorkId::parse(s).map_err(|_| ApiError::NOT_FOUND)
}

fn image_key(w: &WorkRecord) -> String {
    format!("{}image", WorkRecord::blob_prefix(&w.owner, &w.id))
}

/// The current share token of a link-only work (derived, not stored).
fn share_token<S>(state: &App<S>, w: &WorkRecord) -> String {
    state.keys.work_link_token(&w.id.to_string(), w.link_version)
}

#[derive(Debug, Default, Deserialize)]
pub struct ShareQuery {
    pub share: Option<String>,
}

/// The work if `viewer` may see it; 404 otherwise.
pub async fn visible<S: Store>(
    state: &App<S>,
    viewer: Option<&UserId>,
    id: &str,
    share: Option<&str>,
) -> Result<WorkRecord, ApiError> {
    let id = parse_work_id(id)?;
    let w = state.store.work(&id).await?.ok_or(AppError::NotFound)?;
    let owner = viewer == Some(&w.owner);
    let ok = match w.visibility {
        Visibility::Public => true,
        Visibility::Link => {
            owner || share.is_some_and(|s| state.keys.work_link_matches(&w.id.to_string(), w.link_version, s))
        }
        Visibility::Private => owner,
    };
    if ok { Ok(w) } else { Err(AppError::NotFound.into()) }
}

/// DATA-3: authors as shown beside their content, each looked up once per
/// request (a feed page names the same few people many times).
#[derive(Debug, Default)]
pub struct Authors(HashMap<UserId, Value>);

impl Authors {
    pub async fn get<S: Store>(&mut self, state: &App<S>, user: &UserId) -> Value {
        if let Some(v) = self.0.get(user) {
            return v.clone();
        }
        let v = author(state, user).await;
        self.0.insert(*user, v.clone());
        v
    }
}

/// DATA-3: the author as shown beside their content.
async fn author<S: Store>(state: &App<S>, user: &UserId) -> Value {
    let profile = state.store.profile(user).await.ok().flatten();
    let nickname = match (&profile, state.data_key(user).await) {
        (Some(p), Ok(key)) => xuancai_app::profile::decrypt_text(&key, p.nickname_ciphertext.as_ref()),
        _ => None,
    };
    let avatar = profile
        .and_then(|p| p.avatar_version)
        .map(|v| format!("/api/v1/users/{user}/avatar?v={v}"));
    json!({ "id": user.to_string(), "nickname": nickname.unwrap_or_else(|| "炫彩用户".into()), "avatar": avatar })
}

pub async fn work_json<S: Store>(
    state: &App<S>,
    w: &WorkRecord,
    viewer: Option<&UserId>,
    authors: &mut Authors,
) -> Value {
    let id = w.id.to_string();
    let mine = viewer == Some(&w.owner);
    let share = (mine && w.visibility == Visibility::Link).then(|| share_token(state, w));
    let image = match &share {
        Some(t) => format!("/api/v1/works/{id}/image?share={t}"),
        None => format!("/api/v1/works/{id}/image"),
    };
    json!({
        "id": id,
        "title": w.title,
        "visibility": w.visibility.as_str(),
        "mime": w.mime,
        "width": w.width,
        "height": w.height,
        "created_at": w.created_at,
        "updated_at": w.updated_at,
        "author": authors.get(state, &w.owner).await,
        "mine": mine,
        "share_url": share.map(|t| format!("/api/v1/works/{id}?share={t}")),
        "urls": { "self": format!("/api/v1/works/{id}"), "image": image, "comments": format!("/api/v1/works/{id}/comments") },
    })
}

fn title(t: Option<&str>) -> Result<String, ApiError> {
    let t = t.unwrap_or("").trim();
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::BadRequest {
            code: "title_too_long",
            message: format!("a title has at most {MAX_TITLE_CHARS} characters"),
        }
        .into());
    }
    Ok(t.to_string())
}

fn visibility(v: Option<&str>) -> Result<Visibility, AppError> {
    let v = v.unwrap_or("private");
    Visibility::parse(v).ok_or_else(|| AppError::BadRequest {
        code: "invalid_visibility",
        message: "visibility is public, link or private".into(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    photo: String,
    title: Option<String>,
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
    permit(&state, &user, Purpose::Works).await?;
    xuancai_app::quotas::check_authored(&state, &user, xuancai_store::Authored::Works).await?;
    let title = title(b.title.as_deref())?;
    let visibility = visibility(b.visibility.as_deref())?;
    let photo = owned(&state, &user, &b.photo)
        .await
        .map_err(|_| AppError::Unprocessable {
            code: "photo_not_found",
            message: format!("no photo {} in your library", b.photo),
        })?;
    let key = state.data_key(&user).await?;
    let bytes = state.blobs.get(&Variant::Original.key(&photo), &key).await?;
    let now = state.now();
    let work = WorkRecord {
        id: WorkId::generate(),
        owner: user,
        title,
        visibility,
        link_version: 0,
        mime: photo.mime.clone(),
        width: photo.width,
        height: photo.height,
        created_at: now,
        updated_at: now,
    };
    let prefix = WorkRecord::blob_prefix(&user, &work.id);
    state
        .store
        .schedule_gc(&prefix, now + state.config.upload_grace_secs * 1000)
        .await?;
    state.blobs.put(&image_key(&work), &bytes, &key).await?;
    state.store.insert_work(&work, &prefix).await?;
    tracing::info!(work = %work.id, visibility = work.visibility.as_str(), "work saved");
    Ok((
        StatusCode::CREATED,
        Json(work_json(&state, &work, Some(&user), &mut Authors::default()).await),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    before: Option<i64>,
    limit: Option<u32>,
}

/// `GET /api/v1/works/feed`: public works, newest first (public).
pub async fn feed<S: Store>(
    State(state): State<Arc<App<S>>>,
    viewer: Viewer,
    AppQuery(q): AppQuery<FeedQuery>,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(json!({ "items": items, "next_before": next })))
}

/// `GET /api/v1/me/works`: all of the user's works.
pub async fn mine<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
) -> Result<Json<Value>, ApiError> {
    let works = state.store.user_works(&session.user, true, 200).await?;
    let mut items = Vec::with_capacity(works.len());
    let mut authors = Authors::default();
    for w in &works {
        items.push(work_json(&state, w, Some(&session.user), &mut authors).await);
    }
    Ok(Json(json!({ "items": items })))
}

/// `GET /api/v1/users/{id}/works`: a user's page — their public works.
pub async fn user_page<S: Store>(
    State(state): State<Arc<App<S>>>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(
        json!({ "author": authors.get(&state, &user).await, "items": items }),
    ))
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
    image_response(data, "image/webp", "public, max-age=300")
}

pub fn image_response(data: Vec<u8>, mime: &str, cache: &'static str) -> Result<Response, ApiError> {
    let mut resp = Body::from(data).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).map_err(|e| AppError::Internal(e.to_string()))?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(resp)
}

pub async fn get_one<S: Store>(
    State(state): State<Arc<App<S>>>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<ShareQuery>,
) -> Result<Json<Value>, ApiError> {
    let w = visible(&state, viewer.0.as_ref(), &id, q.share.as_deref()).await?;
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
    Query(q): Query<ShareQuery>,
) -> Result<Response, ApiError> {
    let w = visible(&state, viewer.0.as_ref(), &id, q.share.as_deref()).await?;
    let key = state.data_key(&w.owner).await?;
    let data = state.blobs.get(&image_key(&w), &key).await?;
    image_response(data, &w.mime, "private, no-cache")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    title: Option<String>,
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
) -> Result<Json<Value>, ApiError> {
    let id = parse_work_id(&id)?;
    let w = state
        .store
        .work(&id)
        .await?
        .filter(|w| w.owner == session.user)
        .ok_or(AppError::NotFound)?;
    let title = match b.title.as_deref() {
        Some(t) => title(Some(t))?,
        None => w.title.clone(),
    };
    let visibility = match b.visibility.as_deref() {
        Some(v) => visibility(Some(v))?,
        None => w.visibility,
    };
    // Leaving link-only, or asking for it, retires the old share token.
    let rotate = b.new_link || (w.visibility == Visibility::Link && visibility != Visibility::Link);
    let version = w.link_version + i64::from(rotate);
    let w = state
        .store
        .update_work(&session.user, &id, &title, visibility, version, state.now())
        .await?
        .ok_or(AppError::NotFound)?;
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
    let id = parse_work_id(&id)?;
    let prefix = WorkRecord::blob_prefix(&session.user, &id);
    let now = state.now();
    if !state.store.delete_work(&session.user, &id, &prefix, now).await? {
        return Err(AppError::NotFound.into());
    }
    xuancai_app::maintenance::collect_garbage(&state, now).await;
    tracing::info!(work = %id, "work deleted");
    Ok(StatusCode::NO_CONTENT)
}
