//! The cutout's runs (IMG-2): on this server's models, by an external
//! processor (IMG-5), or from an earlier job's cut-out with the user's
//! touch-up (issue 22 items 3 and 4: no model runs).

use xuancai_domain::JobId;
use xuancai_domain::privacy::{Category, Purpose};
use xuancai_imaging::RgbaImage;
use xuancai_imaging::compose::Background;
use xuancai_imaging::decode::{self, DecodeLimits};
use xuancai_imaging::encode::{OutputFormat, encode_rgba};
use xuancai_imaging::resize::{Filter, resize_rgba};
use xuancai_store::{JobRecord, Store};
use xuancai_vision::{CutoutImage, CutoutOptions};

use super::{Made, blocking_failed, format_name, model_name};
use crate::App;
use crate::privacy::disclose;
use crate::studio::worker::{JobError, JobResult};

fn cutout_format(opts: &CutoutOptions) -> OutputFormat {
    if matches!(opts.background, Background::Transparent) {
        OutputFormat::Png
    } else {
        OutputFormat::Jpeg
    }
}

/// A cut-out (the subject's colours and alpha at the photo's size) on its
/// background, with the shadow and crop asked for, encoded.
fn finish_encoded(
    original: &RgbaImage,
    cut: RgbaImage,
    opts: &CutoutOptions,
) -> Result<(Vec<u8>, OutputFormat), JobError> {
    let format = cutout_format(opts);
    let (out, _) = xuancai_vision::cutout::finish(original, cut, opts)?;
    let CutoutImage::Rgba(img) = out else {
        return Err(JobError::internal("a mask where an image was asked"));
    };
    Ok((encode_rgba(&img, format)?, format))
}

pub(super) fn ext(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Png => "png",
        OutputFormat::Jpeg => "jpg",
        OutputFormat::WebP => "webp",
    }
}

/// IMG-2 on this server's models.
pub(super) async fn local_cutout<S: Store>(
    state: &App<S>,
    bytes: Vec<u8>,
    opts: CutoutOptions,
    limits: DecodeLimits,
) -> Result<Made, JobError> {
    let engines = state.engines.clone();
    tokio::task::spawn_blocking(move || {
        let format = cutout_format(&opts);
        let (data, cut) = engines.studio()?.cutout_bytes(&bytes, &limits, &opts, format)?;
        Ok(Made {
            data,
            still: None,
            result: JobResult {
                format: format_name(ext(format)),
                model: Some(model_name(cut.model)),
                ..JobResult::default()
            },
        })
    })
    .await
    .map_err(blocking_failed)?
}

/// IMG-5: the cutout by the configured external API, logged as a disclosure
/// (DATA-6) before the photo leaves; its alpha is laid on the original's
/// pixels here and the background, shadow and crop are applied here.
pub(super) async fn external_cutout<S: Store>(
    state: &App<S>,
    job: &JobRecord,
    processor: &dyn crate::studio::ImageProcessor,
    bytes: Vec<u8>,
    opts: CutoutOptions,
    limits: DecodeLimits,
) -> Result<Made, JobError> {
    let register = processor.register();
    disclose(
        state,
        job.user,
        register.key,
        Purpose::Studio,
        &[Category::Photos],
    )
    .await?;
    tracing::info!(processor = register.key, "photo sent to the external processor");
    let answer = processor.cutout(&bytes, "photo").await?;
    let key = register.key;
    tokio::task::spawn_blocking(move || {
        let original = decode::decode(&bytes, &limits)?.image;
        let cut = decode::decode(&answer, &limits).map_err(|e| {
            JobError::permanent(
                "processor_refused",
                format!("{key} answered with no usable image: {e}"),
            )
        })?;
        let cut = with_alpha_of(original.clone(), &cut.image)?;
        let (data, format) = finish_encoded(&original, cut, &opts)?;
        Ok(Made {
            data,
            still: None,
            result: JobResult {
                format: format_name(ext(format)),
                processor: Some(key.to_string()),
                ..JobResult::default()
            },
        })
    })
    .await
    .map_err(blocking_failed)?
}

/// The original's pixels with the alpha of `cut` (resized to the original
/// when the processor answered at another size).
fn with_alpha_of(mut original: RgbaImage, cut: &RgbaImage) -> Result<RgbaImage, JobError> {
    let (w, h) = original.dimensions();
    let resized;
    let cut = if cut.dimensions() == (w, h) {
        cut
    } else {
        resized = resize_rgba(cut, w, h, Filter::Bilinear, false)?;
        &resized
    };
    for (o, c) in original.pixels_mut().zip(cut.pixels()) {
        o.0[3] = c.0[3];
    }
    Ok(original)
}

/// Issue 22 items 3 and 4: an earlier cut-out at full resolution, touched
/// up, on another background — no model runs.
pub(super) async fn recompose(
    photo: Vec<u8>,
    cut: Vec<u8>,
    opts: CutoutOptions,
    touchup: Vec<xuancai_imaging::brush::Stroke>,
    limits: DecodeLimits,
    from: JobId,
) -> Result<Made, JobError> {
    tokio::task::spawn_blocking(move || {
        let original = decode::decode(&photo, &limits)?.image;
        let mut cut = decode::decode(&cut, &limits)?.image;
        if cut.dimensions() != original.dimensions() {
            return Err(JobError::permanent(
                "cutout_not_reusable",
                format!("the cut-out of {from} is not the photo's size"),
            ));
        }
        xuancai_imaging::brush::apply(&mut cut, &original, &touchup)?;
        let (data, format) = finish_encoded(&original, cut, &opts)?;
        Ok(Made {
            data,
            still: None,
            result: JobResult {
                format: format_name(ext(format)),
                notes: vec![format!("the cut-out of {from}, reused")],
                ..JobResult::default()
            },
        })
    })
    .await
    .map_err(blocking_failed)?
}
