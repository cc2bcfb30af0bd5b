//! Content safety before a work is shared (issue 21 item 7): a work that
//! becomes public or link-shared is reviewed by the content-safety
//! classifier first (`xuancai_vision::safety`), with the operator's
//! threshold (`studio_nsfw_threshold`). A refusal is
//! `content_refused`; the decision is logged with the work's id, the score
//! and the threshold, never the image. Face-swap jobs are reviewed in
//! `studio::run`.

use xuancai_imaging::decode::{self, DecodeLimits};
use xuancai_store::Store;
use xuancai_vision::VisionError;

use crate::error::AppError;
use crate::state::App;

/// Review an image before it is shared. `what` names the thing for the log
/// (`work`), `id` its id.
pub async fn review_before_sharing<S: Store>(
    state: &App<S>,
    image: Vec<u8>,
    what: &'static str,
    id: &str,
) -> Result<(), AppError> {
    let policy = state.config.studio.content;
    if !policy.enabled() {
        tracing::info!(target: "xuancai::safety", what, id, "content check off (threshold 1)");
        return Ok(());
    }
    let cfg = &state.config;
    let limits = DecodeLimits {
        max_bytes: cfg.max_upload_bytes,
        max_pixels: cfg.max_upload_pixels,
        ..DecodeLimits::default()
    };
    let permit = crate::photos::reserve_decode(state, &image, &limits).await?;
    let engines = state.engines.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let img = decode::decode(&image, &limits)?.image;
        let studio = engines
            .studio()
            .map_err(|e| AppError::Internal(format!("content check: {e:?}")))?;
        Ok::<_, AppError>(studio.check_content(&img, &policy, what))
    })
    .await
    .map_err(|e| AppError::Internal(format!("content check worker: {e}")))??;
    drop(permit);
    match checked {
        Ok(v) => {
            tracing::info!(target: "xuancai::safety", what, id, score = v.score, threshold = v.threshold,
                "content allowed");
            Ok(())
        }
        Err(VisionError::ContentRefused { score, threshold, .. }) => {
            tracing::warn!(target: "xuancai::safety", what, id, score, threshold, "content refused");
            Err(AppError::Unprocessable {
                code: "content_refused",
                message: "the image did not pass the content-safety check; it stays private".into(),
            })
        }
        // Fail closed: without the classifier nothing is shared.
        Err(e) => Err(AppError::Internal(format!("content check: {e}"))),
    }
}
