//! One job, run: its inputs read from the owner's library, the engine run
//! on a blocking thread (one decoded photo at a time per worker), the result
//! stored under the job — an image with its preview, or for a pack a ZIP,
//! under the owner's prefix — and added to the library only when the user
//! saves it (`save_result`, issue 22 item 5).
//!
//! The result's key comes from the job's id, so an attempt after a crash
//! finds what an earlier one stored and does not store it twice.

use xuancai_aigc::{Labeller, Provenance};
use xuancai_domain::privacy::Purpose;
use xuancai_domain::{JobId, PhotoId, UserId};
use xuancai_imaging::compose::{Background, ShadowOptions};
use xuancai_imaging::decode::{self, DecodeLimits};
use xuancai_imaging::encode::{OutputFormat, encode_rgba};
use xuancai_imaging::thumbnail;
use xuancai_stickers::pack::{self, Item, PackMeta};
use xuancai_stickers::preset::{self, Platform};
use xuancai_store::{JobRecord, Store};
use xuancai_vision::faces::Selector;
use xuancai_vision::{ContentPolicy, CutoutOptions, ModelChoice, Segmentation, SwapOptions, VisionError};

use super::spec::{BackgroundChoice, Job, TargetFaces};
use super::worker::{JobError, JobResult, Progress, open_request};
use crate::App;
use crate::crypto::DataKey;
use crate::photos::Variant;
use crate::privacy::{consent_state, permit};

mod cutout;

use cutout::{ext, external_cutout, local_cutout, recompose};

impl From<xuancai_aigc::AigcError> for JobError {
    fn from(e: xuancai_aigc::AigcError) -> Self {
        Self::permanent(e.code(), e.to_string())
    }
}

/// Where a pack job's ZIP is kept (under the owner's prefix: it goes with
/// the account, RET-2).
pub fn pack_key(user: &UserId, job: &JobId) -> String {
    crate::keys::pack(user, job)
}

/// A result image, before it is stored.
struct Made {
    data: Vec<u8>,
    result: JobResult,
    /// What the preview is made from when `data` is not an image the
    /// preview reads (a Telegram video sticker: its first frame).
    still: Option<xuancai_imaging::RgbaImage>,
}

fn blocking_failed(e: tokio::task::JoinError) -> JobError {
    JobError::internal(format!("the job's thread: {e}"))
}

fn model_name(m: Segmentation) -> String {
    match m {
        Segmentation::Portrait => "portrait".into(),
        Segmentation::General => "general".into(),
    }
}

fn format_name(ext: &str) -> String {
    if ext == "jpg" { "jpeg" } else { ext }.to_string()
}

pub async fn execute<S: Store>(
    state: &App<S>,
    job: &JobRecord,
    progress: &Progress,
) -> Result<JobResult, JobError> {
    let key = state.data_key(&job.user).await?;
    let request = open_request(job, &key)?;
    let parsed = request.parse()?;
    let counted = request.template().map(str::to_string);
    // CON-3, CON-4: checked when the job runs, not only when it was asked
    // for. A job that needs the face consent (a face swap, `portrait`) stops
    // without it; `auto` runs the general model, with no face detection,
    // and no photo goes to an external processor.
    let consented = consent_state(state, &job.user).await?.allows(Purpose::Faces);
    if request.purposes().contains(&Purpose::Faces) {
        permit(state, &job.user, Purpose::Faces).await?;
    }
    let faces = request.processes_faces(consented);
    let parsed = if consented { parsed } else { parsed.without_faces() };
    if let Some(done) = earlier(state, job, &key, &parsed).await? {
        tracing::info!("the result was stored by an earlier attempt");
        return Ok(done);
    }
    let limits = DecodeLimits {
        max_bytes: state.config.max_upload_bytes,
        max_pixels: state.config.max_upload_pixels,
        ..DecodeLimits::default()
    };
    let (source, made) = match parsed {
        Job::Cutout {
            photo,
            background,
            model,
            crop,
            shadow,
            from,
            touchup,
        } => {
            // Issue 22 item 3: an earlier cut-out, reused (checked again
            // here: it may have gone since the job was queued).
            let reused = match &from {
                Some(f) => Some(
                    super::results::reusable_cut(
                        state,
                        &job.user,
                        f,
                        &photo,
                        super::results::Reuse::Recompose,
                    )
                    .await?,
                ),
                None => None,
            };
            let bytes = read_photo(state, job, &key, &photo).await?;
            progress.set(20);
            let background = match background {
                BackgroundChoice::Transparent => Background::Transparent,
                BackgroundChoice::Color(c) => Background::Color(c),
                BackgroundChoice::Blur(r) => Background::Blur(r),
                BackgroundChoice::Photo(id) => {
                    let bg = read_photo(state, job, &key, &id).await?;
                    let image = tokio::task::spawn_blocking(move || decode::decode(&bg, &limits))
                        .await
                        .map_err(blocking_failed)??;
                    Background::Image(image.image)
                }
            };
            let opts = CutoutOptions {
                model,
                background,
                crop_margin: crop.then_some(16),
                shadow: shadow.then(ShadowOptions::default),
                ..CutoutOptions::default()
            };
            if let (Some(cut), Some(f)) = (reused, from) {
                let made = recompose(bytes, cut, opts, touchup, limits, f).await?;
                return finish_job(
                    state,
                    job,
                    &key,
                    made,
                    photo,
                    faces,
                    counted.as_deref(),
                    progress,
                    limits,
                )
                .await;
            }
            // IMG-5 with CON-3: a person's photo leaves only with the consent.
            let made = match state.engines.processor().filter(|_| consented) {
                Some(p) => external_cutout(state, job, p.as_ref(), bytes, opts, limits).await?,
                None => local_cutout(state, bytes, opts, limits).await?,
            };
            (photo, made)
        }
        Job::Sticker {
            photo,
            platform,
            template,
            texts,
            model,
            cutout,
        } => {
            // Issue 22 item 4: the cut-out the user touched up, checked
            // again here (it may have gone since the job was queued).
            let cut = match &cutout {
                Some(c) => Some(
                    super::results::reusable_cut(state, &job.user, c, &photo, super::results::Reuse::Sticker)
                        .await?,
                ),
                None => None,
            };
            let bytes = read_photo(state, job, &key, &photo).await?;
            progress.set(20);
            let engines = state.engines.clone();
            let made = tokio::task::spawn_blocking(move || {
                let maker = engines.maker()?;
                let made = match cut {
                    Some(cut) => maker.make_from_cut(&bytes, &cut, &template, &texts, platform)?,
                    None => maker.make(&bytes, &template, &texts, platform, model)?,
                };
                let e = made.export;
                let mut notes = e.notes;
                notes.extend(e.sticker.notes);
                let still = (e.sticker.format == "webm")
                    .then(|| e.frames.frames.into_iter().next().map(|f| f.image))
                    .flatten();
                Ok::<_, JobError>(Made {
                    still,
                    data: e.sticker.bytes,
                    result: JobResult {
                        format: e.sticker.format.to_string(),
                        model: made.model.map(model_name),
                        notes,
                        ..JobResult::default()
                    },
                })
            })
            .await
            .map_err(blocking_failed)??;
            (photo, made)
        }
        Job::FaceSwap {
            source,
            target,
            source_face,
            faces,
        } => {
            let src = read_photo(state, job, &key, &source).await?;
            let tgt = read_photo(state, job, &key, &target).await?;
            progress.set(20);
            let engines = state.engines.clone();
            let provenance = Provenance {
                producer: state.config.studio.producer.clone(),
                produce_id: job.id.to_string(),
                propagator: None,
                action: "face swap".into(),
            };
            let content = state.config.studio.content;
            let job_id = job.id.to_string();
            let made = tokio::task::spawn_blocking(move || {
                let swap = SwapRequest {
                    source_face,
                    faces,
                    content,
                    job: &job_id,
                };
                face_swap(&engines, &src, &tgt, &swap, &limits, &provenance)
            })
            .await
            .map_err(blocking_failed)??;
            (target, made)
        }
        Job::Pack {
            photos,
            platform,
            name,
            publisher,
            looks,
            model,
        } => {
            let look = Look {
                platform,
                looks,
                model,
                faces,
            };
            let meta = PackMeta {
                // WhatsApp's identifier: letters, digits and a few marks.
                identifier: format!("xuancai_{}", job.id.to_string().trim_start_matches("j_")),
                name,
                publisher,
            };
            let made = make_pack(state, job, &key, &photos, look, meta, progress).await?;
            count_template(state, job, counted.as_deref()).await?;
            return Ok(made);
        }
    };
    finish_job(
        state,
        job,
        &key,
        made,
        source,
        faces,
        counted.as_deref(),
        progress,
        limits,
    )
    .await
}

/// The last steps of every job but a pack: the face consent checked again,
/// the result stored with the job, the template counted.
#[allow(clippy::too_many_arguments)]
async fn finish_job<S: Store>(
    state: &App<S>,
    job: &JobRecord,
    key: &DataKey,
    made: Made,
    source: PhotoId,
    faces: bool,
    counted: Option<&str>,
    progress: &Progress,
    limits: DecodeLimits,
) -> Result<JobResult, JobError> {
    progress.set(85);
    if faces {
        // CON-4: withdrawn while the job ran — nothing is stored.
        permit(state, &job.user, Purpose::Faces).await?;
    }
    store_result(state, job, key, made.data, made.still, limits).await?;
    state.fault_point("job-after-result");
    count_template(state, job, counted).await?;
    tracing::debug!(%source, "result stored with the job");
    Ok(made.result)
}

/// Issue 22 item 5: a result is the job's until the user saves it — it is
/// stored under the job (with a preview that keeps its alpha, for the
/// browser to show and compose backgrounds on), not added to the library.
/// The result is written last: its presence is what `earlier` looks for.
async fn store_result<S: Store>(
    state: &App<S>,
    job: &JobRecord,
    key: &DataKey,
    data: Vec<u8>,
    still: Option<xuancai_imaging::RgbaImage>,
    limits: DecodeLimits,
) -> Result<(), JobError> {
    // The result moves to the preview's thread and back: no copy of it.
    let (data, preview) = tokio::task::spawn_blocking(move || {
        let preview = match still {
            Some(img) => thumbnail::preview_of_rgba(img),
            None => thumbnail::preview_with_alpha(&data, &limits),
        };
        (data, preview)
    })
    .await
    .map_err(blocking_failed)?;
    let preview = preview?;
    state
        .blobs
        .put(
            &crate::keys::result_preview(&job.user, &job.id),
            &preview.bytes,
            key,
        )
        .await?;
    state
        .blobs
        .put(&crate::keys::result(&job.user, &job.id), &data, key)
        .await?;
    Ok(())
}

/// IMG-4, CON-6: a made sticker or pack counts for its template's popularity
/// (and for the user's own ranking only with personalisation consent).
async fn count_template<S: Store>(
    state: &App<S>,
    job: &JobRecord,
    template: Option<&str>,
) -> Result<(), JobError> {
    if let Some(t) = template {
        crate::templates::record_use(state, &job.user, t).await?;
    }
    Ok(())
}

/// What an earlier attempt of this job stored, if it got that far.
async fn earlier<S: Store>(
    state: &App<S>,
    job: &JobRecord,
    key: &DataKey,
    parsed: &Job,
) -> Result<Option<JobResult>, JobError> {
    let again = vec!["stored by an earlier attempt".to_string()];
    if let Job::Pack { photos, .. } = parsed {
        return match state.blobs.get(&pack_key(&job.user, &job.id), key).await {
            Ok(zip) => Ok(Some(JobResult {
                format: "zip".into(),
                bytes: Some(zip.len() as u64),
                stickers: Some(photos.len()),
                notes: again,
                ..JobResult::default()
            })),
            Err(crate::blobs::BlobError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        };
    }
    match state
        .blobs
        .get(&crate::keys::result(&job.user, &job.id), key)
        .await
    {
        Ok(done) => Ok(Some(JobResult {
            format: super::results::format_of(&done).unwrap_or_default().to_string(),
            ai_labelled: matches!(parsed, Job::FaceSwap { .. }),
            notes: again,
            ..JobResult::default()
        })),
        Err(crate::blobs::BlobError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A photo's original bytes, if the job's owner still has it.
async fn read_photo<S: Store>(
    state: &App<S>,
    job: &JobRecord,
    key: &DataKey,
    id: &PhotoId,
) -> Result<Vec<u8>, JobError> {
    let photo = state
        .store
        .photo(&job.user, id)
        .await?
        .ok_or_else(|| JobError::permanent("photo_not_found", format!("the photo {id} is gone")))?;
    Ok(state.blobs.get(&Variant::Original.key(&photo), key).await?)
}

/// IMG-3: the swap, the visible label, then the AIGC metadata and the
/// content credentials (CON-3 and the subject's consent were checked first).
/// What a face-swap job asks for.
struct SwapRequest<'a> {
    source_face: usize,
    faces: TargetFaces,
    content: ContentPolicy,
    job: &'a str,
}

fn face_swap(
    engines: &super::Engines,
    src: &[u8],
    tgt: &[u8],
    req: &SwapRequest<'_>,
    limits: &DecodeLimits,
    provenance: &Provenance,
) -> Result<Made, JobError> {
    let studio = engines.studio()?;
    let labeller: std::sync::Arc<Labeller> = engines.labeller()?;
    let source = decode::decode(src, limits)?.image;
    let target = decode::decode(tgt, limits)?.image;
    let opts = SwapOptions {
        source_face: req.source_face,
        target: match req.faces {
            TargetFaces::Largest => Selector::Largest,
            TargetFaces::Index(i) => Selector::Index(i),
            TargetFaces::All => Selector::All,
        },
        content: req.content,
        ..SwapOptions::default()
    };
    // Issue 21 item 7: the decision is logged with the job, never the image.
    let mut swapped = match studio.swap(&source, &target, &opts) {
        Ok(s) => {
            let [a, b, c] = s.safety;
            tracing::info!(target: "xuancai::safety", job = req.job, kind = "face_swap",
                scores = ?[a.score, b.score, c.score], threshold = a.threshold, "content allowed");
            s
        }
        Err(e @ VisionError::ContentRefused { .. }) => {
            if let VisionError::ContentRefused {
                what,
                score,
                threshold,
            } = &e
            {
                tracing::warn!(target: "xuancai::safety", job = req.job, kind = "face_swap", what,
                    score, threshold, "content refused");
            }
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    drop((source, target));
    labeller.mark(&mut swapped.image)?;
    let format = if swapped.image.pixels().any(|p| p.0[3] < 255) {
        OutputFormat::Png
    } else {
        OutputFormat::Jpeg
    };
    let encoded = encode_rgba(&swapped.image, format)?;
    // Issue 21 item 8: an edit of the target photo, recorded as such.
    let data = labeller.finish_edit(&encoded, provenance, tgt)?;
    Ok(Made {
        data,
        still: None,
        result: JobResult {
            format: format_name(ext(format)),
            faces: swapped.swapped.iter().map(|s| s.index).collect(),
            ai_labelled: true,
            ..JobResult::default()
        },
    })
}

/// One look for every sticker of a pack.
struct Look {
    platform: Platform,
    /// One per photo (issue 22 item 9: a caption and emojis per sticker).
    looks: Vec<super::spec::StickerLook>,
    model: ModelChoice,
    /// The pack processes faces (CON-4: checked again before it is stored).
    faces: bool,
}

/// IMG-4: a sticker per photo (one photo in memory at a time), the pack's
/// files, checked against the platform's rules, stored as a ZIP.
#[allow(clippy::too_many_arguments)]
async fn make_pack<S: Store>(
    state: &App<S>,
    job: &JobRecord,
    key: &DataKey,
    photos: &[PhotoId],
    look: Look,
    meta: PackMeta,
    progress: &Progress,
) -> Result<JobResult, JobError> {
    let look = std::sync::Arc::new(look);
    let mut items = Vec::with_capacity(photos.len());
    let mut tray = None;
    let mut notes = Vec::new();
    for (i, id) in photos.iter().enumerate() {
        let bytes = read_photo(state, job, key, id).await?;
        if i == 0 {
            progress.set(super::worker::pack_progress(0, photos.len()));
        }
        let engines = state.engines.clone();
        let l = look.clone();
        let first = tray.is_none();
        let (mut export, icon) = tokio::task::spawn_blocking(move || {
            let it = l
                .looks
                .get(i)
                .ok_or_else(|| JobError::internal("a pack photo without its look"))?;
            let made = engines
                .maker()?
                .make(&bytes, &it.template, &it.texts, l.platform, l.model)?;
            let icon = if first {
                preset::tray_icon(&made.export.frames.frames[0].image, l.platform)?
            } else {
                None
            };
            Ok::<_, JobError>((made.export, icon))
        })
        .await
        .map_err(blocking_failed)??;
        // The encoded sticker is all the pack needs; the frames go now.
        export.frames.frames = Vec::new();
        notes.extend(export.notes.drain(..).map(|n| format!("{}: {n}", i + 1)));
        tray = tray.or(icon);
        items.push(Item {
            export,
            emojis: look.looks.get(i).map(|l| l.emojis.clone()).unwrap_or_default(),
            accessibility_text: meta.name.clone(),
        });
        progress.set(super::worker::pack_progress(i + 1, photos.len()));
    }
    let platform = look.platform;
    let count = items.len();
    let zip = tokio::task::spawn_blocking(move || {
        let files = pack::build(platform, &meta, &items, tray)?;
        let violations = pack::validate(&files, platform);
        if let Some(v) = violations.first() {
            return Err(JobError::permanent(
                "pack_invalid",
                format!("{} [{}]: {}", v.file, v.rule, v.message),
            ));
        }
        Ok(pack::write_zip(&files)?)
    })
    .await
    .map_err(blocking_failed)??;
    if look.faces {
        // CON-4: withdrawn while the pack was made — nothing is stored.
        permit(state, &job.user, Purpose::Faces).await?;
    }
    state.blobs.put(&pack_key(&job.user, &job.id), &zip, key).await?;
    state.fault_point("job-after-result");
    Ok(JobResult {
        format: "zip".into(),
        bytes: Some(zip.len() as u64),
        stickers: Some(count),
        notes,
        ..JobResult::default()
    })
}
