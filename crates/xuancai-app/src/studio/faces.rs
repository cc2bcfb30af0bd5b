//! The faces of one of the user's photos, numbered as the face swap numbers
//! them (IMG-3): left to right by the centre of their box, from 0, found on
//! the same decoded original with the same detector settings, so that the
//! face a user taps is the `target_face` (or `source_face`) the swap takes.
//! Faces are biometric (CON-3): only with the separate face consent.

use serde::Serialize;
use xuancai_domain::UserId;
use xuancai_domain::privacy::Purpose;
use xuancai_imaging::decode::{self, DecodeLimits};
use xuancai_store::Store;
use xuancai_vision::faces::DetectOptions;

use crate::App;
use crate::error::AppError;
use crate::photos::{Variant, owned, reserve_decode};
use crate::privacy::permit;

/// One face: its number and its box in the photo's pixels (as displayed:
/// EXIF orientation applied).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FoundFace {
    pub index: usize,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub score: f32,
}

/// The photo's size and its faces, in the swap's numbering.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PhotoFaces {
    pub width: u32,
    pub height: u32,
    pub faces: Vec<FoundFace>,
}

/// Find the faces of the user's photo `id` (another user's reads as not
/// found). The decode shares the uploads' memory budget.
pub async fn of_photo<S: Store>(state: &App<S>, user: &UserId, id: &str) -> Result<PhotoFaces, AppError> {
    // Another user's photo is not found, whatever the consent (404, not 403).
    let photo = owned(state, user, id).await?;
    permit(state, user, Purpose::Faces).await?;
    let key = state.data_key(user).await?;
    let bytes = state.blobs.get(&Variant::Original.key(&photo), &key).await?;
    // The limits the swap job decodes with.
    let limits = DecodeLimits {
        max_bytes: state.config.max_upload_bytes,
        max_pixels: state.config.max_upload_pixels,
        ..DecodeLimits::default()
    };
    let budget = reserve_decode(state, &bytes, &limits).await?;
    let engines = state.engines.clone();
    let found = tokio::task::spawn_blocking(move || {
        let studio = engines.studio().map_err(|e| AppError::Internal(e.message))?;
        let image = decode::decode(&bytes, &limits)?.image;
        let faces = studio
            .faces(&image, &DetectOptions::default())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok::<_, AppError>((image.width(), image.height(), faces))
    })
    .await
    .map_err(|e| AppError::Internal(format!("face detection: {e}")))??;
    drop(budget);
    let (width, height, faces) = found;
    Ok(PhotoFaces {
        width,
        height,
        faces: faces
            .iter()
            .enumerate()
            .map(|(index, f)| FoundFace {
                index,
                x: f.detection.x,
                y: f.detection.y,
                width: f.detection.width,
                height: f.detection.height,
                score: f.detection.score,
            })
            .collect(),
    })
}
