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
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use xuancai_domain::{PhotoId, UserId};
use xuancai_imaging::decode::{DecodeLimits, probe, sniff};
use xuancai_imaging::{metadata, thumbnail};
use xuancai_store::{PhotoFilter, PhotoPatch, PhotoRecord, Store, StoreError};

use super::{AppState, Page, next_cursor};
use crate::crypto::{DataKey, sha256};
use crate::error::ApiError;
use crate::privacy::Active;

/// The stored renditions of a photo, by name in its blob prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Original,
    Preview,
    Thumbnail,
}

impl Variant {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "original" => Some(Self::Original),
            "preview" => Some(Self::Preview),
            "thumbnail" => Some(Self::Thumbnail),
            _ => None,
        }
    }

    pub fn key(self, photo: &PhotoRecord) -> String {
        let prefix = PhotoRecord::blob_prefix(&photo.owner, &photo.id);
        match self {
            Self::Original => format!("{prefix}original"),
            Self::Preview => format!("{prefix}preview.jpg"),
            Self::Thumbnail => format!("{prefix}thumbnail.webp"),
        }
    }
}

/// Encrypted per-photo details (SEC-4).
#[derive(Debug, Default, Serialize, Deserialize)]
struct PhotoMeta {
    file_name: Option<String>,
    taken_at: Option<String>,
    camera: Option<String>,
    location_removed: bool,
}

/// A photo as the API shows it.
#[derive(Debug, Serialize)]
pub struct PhotoView<'a> {
    id: String,
    mime: &'a str,
    width: u32,
    height: u32,
    bytes: i64,
    created_at: i64,
    favourite: bool,
    archived: bool,
    trashed_at: Option<i64>,
    file_name: Option<String>,
    taken_at: Option<String>,
    camera: Option<String>,
    location_removed: bool,
    urls: PhotoUrls,
}

#[derive(Debug, Serialize)]
struct PhotoUrls {
    thumbnail: String,
    preview: String,
    original: String,
}

pub fn photo_view<'a>(p: &'a PhotoRecord, key: &DataKey) -> PhotoView<'a> {
    let meta: PhotoMeta = key
        .decrypt(&p.meta_ciphertext)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let id = p.id.to_string();
    let base = format!("/api/v1/photos/{id}");
    PhotoView {
        mime: &p.mime,
        width: p.width,
        height: p.height,
        bytes: p.bytes,
        created_at: p.created_at,
        favourite: p.favourite,
        archived: p.archived,
        trashed_at: p.trashed_at,
        file_name: meta.file_name,
        taken_at: meta.taken_at,
        camera: meta.camera,
        location_removed: meta.location_removed,
        urls: PhotoUrls {
            thumbnail: format!("{base}/thumbnail"),
            preview: format!("{base}/preview"),
            original: format!("{base}/original"),
        },
        id,
    }
}

pub fn photo_json(p: &PhotoRecord, key: &DataKey) -> Value {
    serde_json::to_value(photo_view(p, key)).unwrap_or(Value::Null)
}

/// A page of photos, newest first.
#[derive(Debug, Serialize)]
pub struct PhotosPage<'a> {
    items: Vec<PhotoView<'a>>,
    next_cursor: Option<String>,
}

pub fn photos_page<'a>(items: &'a [PhotoRecord], limit: u32, key: &DataKey) -> PhotosPage<'a> {
    PhotosPage {
        items: items.iter().map(|p| photo_view(p, key)).collect(),
        next_cursor: next_cursor(items, limit, |p| (p.created_at, *p.id.as_bytes())),
    }
}

pub fn parse_photo_id(s: &str) -> Result<PhotoId, ApiError> {
    // A malformed id cannot name anyone's photo: 404, like a missing one.
    PhotoId::parse(s).map_err(|_| ApiError::NotFound)
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    filter: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

pub async fn list<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Active,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query?;
    let filter = match q.filter.as_deref().unwrap_or("library") {
        "library" => PhotoFilter::Library,
        "favourites" => PhotoFilter::Favourites,
        "archived" => PhotoFilter::Archived,
        "trash" => PhotoFilter::Trash,
        _ => {
            return Err(ApiError::BadRequest {
                code: "invalid_filter",
                message: "filter is one of library, favourites, archived, trash".into(),
            });
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

/// Read the multipart field `file` into memory, refusing as soon as it
/// passes the limit.
pub async fn read_file_field(mut form: Multipart, limit: u64) -> Result<(Vec<u8>, Option<String>), ApiError> {
    let too_large = || ApiError::PayloadTooLarge { limit };
    let map = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::from(e)
        }
    };
    while let Some(mut field) = form.next_field().await.map_err(map)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().map(|n| n.chars().take(255).collect::<String>());
        let mut data = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(map)? {
            if (data.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            data.extend_from_slice(&chunk);
        }
        return Ok((data, name));
    }
    Err(ApiError::BadRequest {
        code: "missing_file",
        message: "send the image as the multipart field `file`".into(),
    })
}

/// What the CPU-bound part of an upload produces.
struct Processed {
    original: Vec<u8>,
    renditions: thumbnail::Renditions,
    mime: &'static str,
    width: u32,
    height: u32,
    meta: PhotoMeta,
}

fn process(bytes: Vec<u8>, file_name: Option<String>, limits: DecodeLimits) -> Result<Processed, ApiError> {
    let format = sniff(&bytes)?;
    // The upright size: `probe` applies the EXIF orientation.
    let (width, height) = probe(&bytes, &limits)?;
    let info = metadata::photo_info(&bytes);
    let renditions = thumbnail::renditions(&bytes, &limits)?;
    let stripped = metadata::strip_location(&bytes)?;
    Ok(Processed {
        original: stripped.bytes,
        renditions,
        mime: match format.as_str() {
            "jpeg" => "image/jpeg",
            "png" => "image/png",
            "webp" => "image/webp",
            "gif" => "image/gif",
            "bmp" => "image/bmp",
            _ => "image/tiff",
        },
        width,
        height,
        meta: PhotoMeta {
            file_name,
            taken_at: info.taken_at,
            camera: info.camera,
            location_removed: stripped.removed,
        },
    })
}

/// The per-user de-duplication key: a keyed hash, so the database does not
/// reveal which users hold a given well-known file.
fn content_hash(state_keys: &crate::crypto::Keys, user: &UserId, sha: &[u8]) -> Vec<u8> {
    let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
    state_keys.lookup_hash(&format!("photo:{user}:{hex}"))
}

pub async fn upload<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Active,
    form: Multipart,
) -> Result<Response, ApiError> {
    let (bytes, file_name) = read_file_field(form, state.config.max_upload_bytes).await?;
    let key = state.data_key(&session.user).await?;
    let added = add_photo(&state, session.user, &key, bytes, file_name, PhotoId::generate()).await?;
    let status = if added.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(json!({ "photo": photo_json(&added.photo, &key), "duplicate": added.duplicate })),
    )
        .into_response())
}

/// A photo in the library, and whether the same file was there already.
#[derive(Debug)]
pub struct Added {
    pub photo: PhotoRecord,
    pub duplicate: bool,
}

/// Add an image to the user's library as photo `id`: an upload, or a studio
/// job's result. The same file twice gives the existing photo (restored if
/// it was in the trash).
pub async fn add_photo<S: Store>(
    state: &AppState<S>,
    user: UserId,
    key: &DataKey,
    bytes: Vec<u8>,
    file_name: Option<String>,
    id: PhotoId,
) -> Result<Added, ApiError> {
    let cfg = &state.config;
    let limits = DecodeLimits {
        max_bytes: cfg.max_upload_bytes,
        max_pixels: cfg.max_upload_pixels,
    };
    // A re-upload answers at once, before any decoding.
    let hash = content_hash(&state.keys, &user, &sha256(&bytes));
    if let Some(existing) = state.store.photo_by_hash(&user, &hash).await? {
        return duplicate(state, existing).await;
    }
    let p = tokio::task::spawn_blocking(move || process(bytes, file_name, limits))
        .await
        .map_err(|e| ApiError::Internal(format!("upload worker: {e}")))??;
    let now = state.now();
    let record = PhotoRecord {
        id,
        owner: user,
        content_hash: hash.clone(),
        mime: p.mime.to_string(),
        width: p.width,
        height: p.height,
        bytes: i64::try_from(p.original.len()).unwrap_or(i64::MAX),
        meta_ciphertext: key
            .encrypt(&serde_json::to_vec(&p.meta).map_err(|e| ApiError::Internal(e.to_string()))?),
        created_at: now,
        favourite: false,
        archived: false,
        trashed_at: None,
    };
    let prefix = PhotoRecord::blob_prefix(&user, &record.id);
    state
        .store
        .schedule_gc(&prefix, now + cfg.upload_grace_secs * 1000)
        .await?;
    let blobs = &state.blobs;
    let keys = [Variant::Original, Variant::Preview, Variant::Thumbnail].map(|v| v.key(&record));
    tokio::try_join!(
        blobs.put(&keys[0], &p.original, key),
        blobs.put(&keys[1], &p.renditions.preview.bytes, key),
        blobs.put(&keys[2], &p.renditions.thumbnail.bytes, key),
    )?;
    state.fault_point("after-blobs");
    match state.store.insert_photo(&record, &prefix).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            // The same file raced in twice: keep the first, drop ours.
            state.blobs.delete_prefix(&prefix).await?;
            state.store.done_gc(&prefix).await?;
            let existing = state
                .store
                .photo_by_hash(&user, &hash)
                .await?
                .ok_or_else(|| ApiError::Internal("duplicate photo vanished".into()))?;
            return duplicate(state, existing).await;
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(photo = %record.id, bytes = record.bytes, "photo stored");
    Ok(Added {
        photo: record,
        duplicate: false,
    })
}

/// A re-upload gives the existing photo (restored if it was in the trash).
async fn duplicate<S: Store>(state: &AppState<S>, mut existing: PhotoRecord) -> Result<Added, ApiError> {
    if existing.trashed_at.is_some() {
        state
            .store
            .set_trashed(&existing.owner, &existing.id, None)
            .await?;
        existing.trashed_at = None;
    }
    Ok(Added {
        photo: existing,
        duplicate: true,
    })
}

pub async fn owned<S: Store>(state: &AppState<S>, user: &UserId, id: &str) -> Result<PhotoRecord, ApiError> {
    let id = parse_photo_id(id)?;
    state.store.photo(user, &id).await?.ok_or(ApiError::NotFound)
}

pub async fn get_one<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let photo = owned(&state, &session.user, &id).await?;
    let key = state.data_key(&session.user).await?;
    Ok(Json(photo_json(&photo, &key)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    favourite: Option<bool>,
    archived: Option<bool>,
}

pub async fn update<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Active,
    Path(id): Path<String>,
    body: Result<Json<PatchBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(b) = body?;
    let id = parse_photo_id(&id)?;
    let patch = PhotoPatch {
        favourite: b.favourite,
        archived: b.archived,
    };
    let photo = state
        .store
        .update_photo(&session.user, &id, patch)
        .await?
        .ok_or(ApiError::NotFound)?;
    let key = state.data_key(&session.user).await?;
    Ok(Json(photo_json(&photo, &key)))
}

#[derive(Debug, Deserialize)]
pub struct RemoveQuery {
    #[serde(default)]
    permanent: bool,
}

pub async fn remove<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Active,
    Path(id): Path<String>,
    query: Result<Query<RemoveQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<StatusCode, ApiError> {
    let Query(q) = query?;
    let id = parse_photo_id(&id)?;
    let found = if q.permanent {
        let now = state.now();
        let purged = state.store.purge_photo(&session.user, &id, now).await?;
        if purged {
            // Delete now; the queue entry stays until this succeeds.
            crate::jobs::collect_garbage(&state, now).await;
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
        Err(ApiError::NotFound)
    }
}

pub async fn restore<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_photo_id(&id)?;
    if !state.store.set_trashed(&session.user, &id, None).await? {
        return Err(ApiError::NotFound);
    }
    let photo = state
        .store
        .photo(&session.user, &id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let key = state.data_key(&session.user).await?;
    Ok(Json(photo_json(&photo, &key)))
}

pub async fn bytes<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    session: Active,
    Path((id, variant)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let variant = Variant::parse(&variant).ok_or(ApiError::NotFound)?;
    let photo = owned(&state, &session.user, &id).await?;
    let key = state.data_key(&session.user).await?;
    let data = state.blobs.get(&variant.key(&photo), &key).await?;
    let mime = match variant {
        Variant::Original => photo.mime.as_str(),
        Variant::Preview => "image/jpeg",
        Variant::Thumbnail => "image/webp",
    };
    // A photo id's bytes never change; only its owner may cache them.
    super::works::image_response(data, mime, "private, max-age=31536000, immutable")
}
