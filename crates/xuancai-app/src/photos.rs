//! The photo library's use cases (IMG-1): adding an image (an upload or a
//! studio result: sniff, decode once, renditions, location stripped,
//! de-duplicated per user), the stored renditions, and the photo as the API
//! shows it.

use serde::{Deserialize, Serialize};
use xuancai_domain::{PhotoId, UserId};
use xuancai_imaging::decode::{DecodeLimits, probe, sniff};
use xuancai_imaging::{metadata, thumbnail};
use xuancai_store::{PhotoRecord, Store, StoreError};

use crate::App;
use crate::crypto::{DataKey, sha256};
use crate::error::AppError;
use xuancai_store::SealedColumn;

/// The stored renditions of a photo, by name in its blob prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Original,
    Preview,
    Thumbnail,
}

impl Variant {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "original" => Some(Self::Original),
            "preview" => Some(Self::Preview),
            "thumbnail" => Some(Self::Thumbnail),
            _ => None,
        }
    }

    pub fn key(self, photo: &PhotoRecord) -> String {
        let (owner, id) = (&photo.owner, &photo.id);
        match self {
            Self::Original => crate::keys::photo_original(owner, id),
            Self::Preview => crate::keys::photo_preview(owner, id),
            Self::Thumbnail => crate::keys::photo_thumbnail(owner, id),
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
#[derive(Debug, Serialize, schemars::JsonSchema)]
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

#[derive(Debug, Serialize, schemars::JsonSchema)]
struct PhotoUrls {
    thumbnail: String,
    preview: String,
    original: String,
}

fn photo_meta(p: &PhotoRecord, key: &DataKey) -> PhotoMeta {
    key.open(SealedColumn::PhotoMeta, p.id.as_bytes(), &p.meta_ciphertext)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The name the photo was uploaded under, if it had one.
pub fn file_name(p: &PhotoRecord, key: &DataKey) -> Option<String> {
    photo_meta(p, key).file_name
}

pub fn photo_view<'a>(p: &'a PhotoRecord, key: &DataKey) -> PhotoView<'a> {
    let meta = photo_meta(p, key);
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

pub fn parse_photo_id(s: &str) -> Result<PhotoId, AppError> {
    // A malformed id cannot name anyone's photo: 404, like a missing one.
    PhotoId::parse(s).map_err(|_| AppError::NotFound)
}

/// Reserve decoding memory for an image before decoding it (issue 19 item
/// 6): its share of `security.decode_budget_mib` is estimated from the
/// header (which also enforces the pixel limit, so a bomb is refused here):
/// a JPEG decodes shrunk on load, anything else in full plus its working
/// copies. The caller holds the permit while it decodes; when the
/// budget is spent, decodes wait their turn instead of adding up.
pub async fn reserve_decode<S: Store>(
    state: &App<S>,
    bytes: &[u8],
    limits: &DecodeLimits,
) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
    let (w, h) = probe(bytes, limits)?;
    let pixels = u64::from(w) * u64::from(h);
    // Measured (issue 19 item 6): a 100 MP PNG's upload peaks at about
    // 8 bytes a pixel (the decoded RGB, its RGBA copy, the preview).
    let bytes_per_pixel = if sniff(bytes)? == xuancai_imaging::decode::SourceFormat::Jpeg {
        1
    } else {
        8
    };
    let budget = u64::from(state.config.security.decode_budget_mib.max(1));
    let mib = (pixels * bytes_per_pixel).div_ceil(1 << 20).clamp(1, budget);
    state
        .decodes
        .clone()
        .acquire_many_owned(u32::try_from(mib).unwrap_or(u32::MAX))
        .await
        .map_err(|_| AppError::Internal("the decode budget is closed".into()))
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

fn process(bytes: Vec<u8>, file_name: Option<String>, limits: DecodeLimits) -> Result<Processed, AppError> {
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
fn content_hash(keys: &crate::crypto::Keys, user: &UserId, sha: &[u8]) -> Vec<u8> {
    keys.mac(crate::crypto::MacUse::PhotoDedupe, &content_input(user, sha))
}

fn content_input(user: &UserId, sha: &[u8]) -> String {
    let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
    format!("photo:{user}:{hex}")
}

/// The user's photo with these bytes, by its de-duplication key — or by
/// the key photos stored before per-use keys have (issue 19 item 16).
async fn existing_photo<S: Store>(
    state: &App<S>,
    user: &UserId,
    sha: &[u8],
    hash: &[u8],
) -> Result<Option<PhotoRecord>, AppError> {
    if let Some(p) = state.store.photo_by_hash(user, hash).await? {
        return Ok(Some(p));
    }
    let legacy = state.keys.legacy_mac(&content_input(user, sha));
    Ok(state.store.photo_by_hash(user, &legacy).await?)
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
    state: &App<S>,
    user: UserId,
    key: &DataKey,
    bytes: Vec<u8>,
    file_name: Option<String>,
    id: PhotoId,
) -> Result<Added, AppError> {
    let cfg = &state.config;
    let limits = DecodeLimits {
        max_bytes: cfg.max_upload_bytes,
        max_pixels: cfg.max_upload_pixels,
        ..DecodeLimits::default()
    };
    // A re-upload answers at once, before any decoding.
    let sha = sha256(&bytes);
    let hash = content_hash(&state.keys, &user, &sha);
    if let Some(existing) = existing_photo(state, &user, &sha, &hash).await? {
        return duplicate(state, existing).await;
    }
    crate::quotas::check_photo(state, &user, bytes.len() as u64).await?;
    let permit = reserve_decode(state, &bytes, &limits).await?;
    let p = tokio::task::spawn_blocking(move || process(bytes, file_name, limits))
        .await
        .map_err(|e| AppError::Internal(format!("upload worker: {e}")))??;
    drop(permit);
    let now = state.now();
    let record = PhotoRecord {
        id,
        owner: user,
        content_hash: hash.clone(),
        mime: p.mime.to_string(),
        width: p.width,
        height: p.height,
        bytes: i64::try_from(p.original.len()).unwrap_or(i64::MAX),
        meta_ciphertext: key.seal(
            SealedColumn::PhotoMeta,
            id.as_bytes(),
            &serde_json::to_vec(&p.meta).map_err(|e| AppError::Internal(e.to_string()))?,
        ),
        created_at: now,
        favourite: false,
        archived: false,
        trashed_at: None,
    };
    let prefix = crate::keys::photo_prefix(&user, &record.id);
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
                .ok_or_else(|| AppError::Internal("duplicate photo vanished".into()))?;
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
async fn duplicate<S: Store>(state: &App<S>, mut existing: PhotoRecord) -> Result<Added, AppError> {
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

pub async fn owned<S: Store>(state: &App<S>, user: &UserId, id: &str) -> Result<PhotoRecord, AppError> {
    let id = parse_photo_id(id)?;
    state.store.photo(user, &id).await?.ok_or(AppError::NotFound)
}
