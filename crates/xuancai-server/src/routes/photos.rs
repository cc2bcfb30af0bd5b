//! Photos (IMG-1): upload, list, read, favourite, archive, trash, restore,
//! purge, and the image bytes. Every call is scoped to the signed-in owner;
//! another user's photo reads as 404 (SEC-6).
//!
//! An upload is made atomic with the blob garbage queue: the photo's blob
//! prefix is scheduled for deletion *before* its blobs are written, and the
//! transaction that commits the row cancels that entry. A crash in between
//! leaves blobs no row points to, which the clean-up job deletes.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use xuancai_domain::PhotoId;
use xuancai_store::{PhotoFilter, PhotoPatch, Store};

use super::{Page, photos_page};
use crate::error::ApiError;
use crate::extract::Active;
use crate::extract::{AppJson, AppMultipart, AppQuery};
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::photos::{PhotoView, Variant, add_photo, owned, parse_photo_id, photo_view};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct ListQuery {
    /// `library` (default), `favourites`, `archived` or `trash`.
    #[schemars(extend("enum" = ["library", "favourites", "archived", "trash"]))]
    filter: Option<String>,
    #[schemars(regex(pattern = super::schema::CURSOR))]
    cursor: Option<String>,
    #[schemars(range(max = u32::MAX))]
    limit: Option<u32>,
}

pub async fn list<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppQuery(q): AppQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let filter = match q.filter.as_deref().unwrap_or("library") {
        "library" => PhotoFilter::Library,
        "favourites" => PhotoFilter::Favourites,
        "archived" => PhotoFilter::Archived,
        "trash" => PhotoFilter::Trash,
        _ => {
            return Err(AppError::BadRequest {
                code: "invalid_filter",
                message: "filter is one of library, favourites, archived, trash".into(),
            }
            .into());
        }
    };
    let page = Page {
        cursor: q.cursor,
        limit: q.limit,
    };
    let limit = page.limit();
    let items = state
        .store
        .list_photos(&session.user, filter, page.cursor()?, limit)
        .await?;
    let key = state.data_key(&session.user).await?;
    Ok(Json(photos_page(&items, limit, &key)).into_response())
}

/// What an upload answers: the photo, and whether it was already there
/// (200) or is new (201).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Uploaded<'a> {
    photo: PhotoView<'a>,
    duplicate: bool,
}

pub async fn upload<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    form: AppMultipart,
) -> Result<Response, ApiError> {
    let (bytes, file_name) = form.file(state.config.max_upload_bytes).await?;
    let key = state.data_key(&session.user).await?;
    let added = add_photo(&state, session.user, &key, bytes, file_name, PhotoId::generate()).await?;
    let status = if added.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(Uploaded {
            photo: photo_view(&added.photo, &key),
            duplicate: added.duplicate,
        }),
    )
        .into_response())
}

pub async fn get_one<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let photo = owned(&state, &session.user, &id).await?;
    let key = state.data_key(&session.user).await?;
    Ok(Json(photo_view(&photo, &key)).into_response())
}

/// `GET /api/v1/photos/{id}/faces`: the photo's faces, numbered as the
/// face swap's `target_face` and `source_face` take them (CON-3: only with
/// the face consent).
pub async fn faces<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<Json<xuancai_app::studio::faces::PhotoFaces>, ApiError> {
    Ok(Json(
        xuancai_app::studio::faces::of_photo(&state, &session.user, &id).await?,
    ))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    favourite: Option<bool>,
    archived: Option<bool>,
}

pub async fn update<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
    AppJson(b): AppJson<PatchBody>,
) -> Result<Response, ApiError> {
    let id = parse_photo_id(&id)?;
    let patch = PhotoPatch {
        favourite: b.favourite,
        archived: b.archived,
    };
    let photo = state
        .store
        .update_photo(&session.user, &id, patch)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = state.data_key(&session.user).await?;
    Ok(Json(photo_view(&photo, &key)).into_response())
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct RemoveQuery {
    #[serde(default)]
    permanent: bool,
}

pub async fn remove<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
    AppQuery(q): AppQuery<RemoveQuery>,
) -> Result<StatusCode, ApiError> {
    let id = parse_photo_id(&id)?;
    let found = if q.permanent {
        let now = state.now();
        let purged = state.store.purge_photo(&session.user, &id, now).await?;
        if purged {
            xuancai_app::privacy::export::discard_archives(&state, &session.user).await?;
            // Delete now; the queue entry stays until this succeeds.
            xuancai_app::maintenance::collect_garbage(&state, now).await;
        }
        purged
    } else {
        state
            .store
            .set_trashed(&session.user, &id, Some(state.now()))
            .await?
    };
    if found {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound.into())
    }
}

pub async fn restore<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_photo_id(&id)?;
    if !state.store.set_trashed(&session.user, &id, None).await? {
        return Err(AppError::NotFound.into());
    }
    let photo = state
        .store
        .photo(&session.user, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = state.data_key(&session.user).await?;
    Ok(Json(photo_view(&photo, &key)).into_response())
}

pub async fn bytes<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path((id, variant)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let variant = Variant::parse(&variant).ok_or(AppError::NotFound)?;
    let photo = owned(&state, &session.user, &id).await?;
    let key = state.data_key(&session.user).await?;
    let data = state.blobs.get(&variant.key(&photo), &key).await?;
    let mime = match variant {
        Variant::Original => photo.mime.as_str(),
        Variant::Preview => "image/jpeg",
        Variant::Thumbnail => "image/webp",
    };
    // A photo id's bytes never change; only its owner may cache them.
    crate::respond::image(data, mime, "private, max-age=31536000, immutable")
}
