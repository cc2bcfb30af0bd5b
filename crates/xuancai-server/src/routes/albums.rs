//! Albums (IMG-1): create, rename, delete; add, move and remove photos; a
//! photo may be in many albums. Names are encrypted with the owner's data
//! key (SEC-4); every call is scoped to the owner (SEC-6).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use xuancai_domain::{AlbumId, PhotoId};
use xuancai_store::{AlbumRecord, Store};

use super::{Page, next_cursor, photos_page};
use crate::error::ApiError;
use crate::extract::Active;
use crate::extract::{AppJson, AppQuery};
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::crypto::DataKey;
use xuancai_app::photos::parse_photo_id;
use xuancai_store::SealedColumn;

const MAX_NAME_CHARS: usize = 100;
const MAX_BATCH: usize = 500;

fn parse_album_id(s: &str) -> Result<AlbumId, ApiError> {
    AlbumId::parse(s).map_err(|_| ApiError::NOT_FOUND)
}

fn album_name_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    super::schema::one_line(MAX_NAME_CHARS)
}

fn album_name(s: &str) -> Result<String, ApiError> {
    let name = s.trim();
    let n = name.chars().count();
    if n == 0 || n > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::BadRequest {
            code: "invalid_album_name",
            message: format!("an album name is 1 to {MAX_NAME_CHARS} characters, without control characters"),
        }
        .into());
    }
    Ok(name.to_string())
}

/// An album as the API shows it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AlbumView {
    id: String,
    name: String,
    photo_count: i64,
    /// The newest photo's thumbnail.
    cover: Option<Cover>,
    created_at: i64,
    updated_at: i64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Cover {
    id: String,
    thumbnail: String,
}

/// A page of albums, newest first.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AlbumsPage {
    items: Vec<AlbumView>,
    next_cursor: Option<String>,
}

/// What `POST /albums/{id}/photos` did.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Added {
    added: u64,
    removed_from_source: u64,
}

fn album_json(a: &AlbumRecord, key: &DataKey) -> AlbumView {
    let name = key
        .open_text(SealedColumn::AlbumName, a.id.as_bytes(), &a.name_ciphertext)
        .unwrap_or_default();
    AlbumView {
        id: a.id.to_string(),
        name,
        photo_count: a.photo_count,
        cover: a.cover.map(|p| Cover {
            id: p.to_string(),
            thumbnail: format!("/api/v1/photos/{p}/thumbnail"),
        }),
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

pub async fn list<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppQuery(page): AppQuery<Page>,
) -> Result<Json<AlbumsPage>, ApiError> {
    let limit = page.limit();
    let items = state
        .store
        .list_albums(&session.user, page.cursor()?, limit)
        .await?;
    let key = state.data_key(&session.user).await?;
    Ok(Json(AlbumsPage {
        items: items.iter().map(|a| album_json(a, &key)).collect(),
        next_cursor: next_cursor(&items, limit, |a| (a.created_at, *a.id.as_bytes())),
    }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NameBody {
    #[schemars(schema_with = "album_name_schema")]
    name: String,
}

pub async fn create<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppJson(b): AppJson<NameBody>,
) -> Result<(StatusCode, Json<AlbumView>), ApiError> {
    let name = album_name(&b.name)?;
    let key = state.data_key(&session.user).await?;
    let now = state.now();
    let id = AlbumId::generate();
    let album = AlbumRecord {
        id,
        owner: session.user,
        name_ciphertext: key.seal(SealedColumn::AlbumName, id.as_bytes(), name.as_bytes()),
        created_at: now,
        updated_at: now,
        photo_count: 0,
        cover: None,
    };
    state.store.insert_album(&album).await?;
    Ok((StatusCode::CREATED, Json(album_json(&album, &key))))
}

async fn owned<S: Store>(state: &App<S>, session: &Active, id: &str) -> Result<AlbumRecord, ApiError> {
    let id = parse_album_id(id)?;
    state
        .store
        .album(&session.user, &id)
        .await?
        .ok_or(ApiError::NOT_FOUND)
}

pub async fn get_one<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<Json<AlbumView>, ApiError> {
    let album = owned(&state, &session, &id).await?;
    let key = state.data_key(&session.user).await?;
    Ok(Json(album_json(&album, &key)))
}

pub async fn rename<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
    AppJson(b): AppJson<NameBody>,
) -> Result<Json<AlbumView>, ApiError> {
    let name = album_name(&b.name)?;
    let album_id = parse_album_id(&id)?;
    let key = state.data_key(&session.user).await?;
    if !state
        .store
        .rename_album(
            &session.user,
            &album_id,
            &key.seal(SealedColumn::AlbumName, album_id.as_bytes(), name.as_bytes()),
            state.now(),
        )
        .await?
    {
        return Err(AppError::NotFound.into());
    }
    let album = owned(&state, &session, &id).await?;
    Ok(Json(album_json(&album, &key)))
}

pub async fn remove<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_album_id(&id)?;
    if state.store.delete_album(&session.user, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound.into())
    }
}

pub async fn photos<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
    AppQuery(page): AppQuery<Page>,
) -> Result<axum::response::Response, ApiError> {
    let album = parse_album_id(&id)?;
    // An empty page and a foreign album must not look alike: check first.
    if state.store.album(&session.user, &album).await?.is_none() {
        return Err(AppError::NotFound.into());
    }
    let limit = page.limit();
    let items = state
        .store
        .album_photos(&session.user, &album, page.cursor()?, limit)
        .await?;
    let key = state.data_key(&session.user).await?;
    Ok(axum::response::IntoResponse::into_response(Json(photos_page(
        &items, limit, &key,
    ))))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddBody {
    #[schemars(length(min = 1, max = 500), inner(regex(pattern = super::schema::PHOTO_ID)))]
    photo_ids: Vec<String>,
    /// Move: also take the photos out of this album.
    from_album: Option<String>,
}

pub async fn add_photos<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
    AppJson(b): AppJson<AddBody>,
) -> Result<Json<Added>, ApiError> {
    if b.photo_ids.is_empty() || b.photo_ids.len() > MAX_BATCH {
        return Err(AppError::BadRequest {
            code: "invalid_batch",
            message: format!("send 1 to {MAX_BATCH} photo ids"),
        }
        .into());
    }
    let ids: Vec<PhotoId> = b
        .photo_ids
        .iter()
        .map(|s| {
            PhotoId::parse(s).map_err(|e| AppError::BadRequest {
                code: e.code(),
                message: format!("{s:?}: {e}"),
            })
        })
        .collect::<Result<_, _>>()?;
    let album = parse_album_id(&id)?;
    let from = b.from_album.as_deref().map(parse_album_id).transpose()?;
    if let Some(f) = &from
        && state.store.album(&session.user, f).await?.is_none()
    {
        return Err(AppError::NotFound.into());
    }
    let added = state
        .store
        .add_to_album(&session.user, &album, &ids, state.now())
        .await?;
    let moved = match &from {
        Some(f) if f != &album => state.store.remove_from_album(&session.user, f, &ids).await?,
        _ => 0,
    };
    Ok(Json(Added {
        added,
        removed_from_source: moved,
    }))
}

pub async fn remove_photo<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path((id, photo_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let album = parse_album_id(&id)?;
    let photo = parse_photo_id(&photo_id)?;
    let removed = state
        .store
        .remove_from_album(&session.user, &album, &[photo])
        .await?;
    if removed == 0 {
        return Err(AppError::NotFound.into());
    }
    Ok(StatusCode::NO_CONTENT)
}
