//! What a client may ask the studio to do (the body of `POST /api/v1/jobs`),
//! parsed into a [`Job`] before it is queued: a job in the queue is always
//! well-formed, and the worker parses the stored request again the same way.

use std::collections::BTreeMap;
use xuancai_store::JobKind;

use serde::{Deserialize, Serialize};
use xuancai_domain::{JobId, PhotoId};
use xuancai_imaging::brush::Stroke;
use xuancai_imaging::compose;
use xuancai_stickers::anim::Effect;
use xuancai_stickers::caption::TextStyle;
use xuancai_stickers::preset::Platform;
use xuancai_stickers::template::{self, AnimationSpec, CaptionAt, Template};
use xuancai_vision::ModelChoice;

use crate::error::AppError;

/// Longest caption or slot text, characters.
pub const MAX_TEXT_CHARS: usize = 120;
/// Most text slots in one request.
pub const MAX_TEXTS: usize = 8;

/// The request body, as sent (and as stored, sealed, with the job).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobRequest {
    /// IMG-2: cut the subject out; optionally replace the background.
    Cutout(CutoutRequest),
    /// IMG-4: a sticker for a messaging platform.
    Sticker(StickerRequest),
    /// IMG-3: a face from one photo onto the faces of another (needs the
    /// face consent, CON-3, and the affirmation that the people agreed).
    FaceSwap(FaceSwapRequest),
    /// IMG-4: a sticker pack for a platform, one sticker per photo, as a ZIP.
    Pack(PackRequest),
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CutoutRequest {
    pub photo: String,
    /// Absent: transparent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<BackgroundRequest>,
    /// `auto` (default), `portrait` or `general`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Crop to the subject.
    #[serde(default)]
    pub crop: bool,
    /// A soft drop shadow under the subject.
    #[serde(default)]
    pub shadow: bool,
    /// Issue 22 item 3: an earlier plain (transparent, uncropped) cutout job
    /// of this photo whose cut-out is reused — the model does not run again;
    /// the background, crop, shadow and touch-up are applied to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Issue 22 item 4: touch-up strokes painted over the preview, applied
    /// at full resolution (needs `from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<Vec<super::touchup::StrokeRequest>>,
}

/// A replacement background: `{"color": "#rrggbb"}`, `{"blur": 12}` (the
/// photo itself, blurred) or `{"photo": "p_…"}` (another of the user's photos).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BackgroundRequest {
    Color(String),
    Blur(f32),
    Photo(String),
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StickerRequest {
    pub photo: String,
    /// `whatsapp` (default), `telegram`, `signal` or `wechat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// A built-in template (`meme`, `greeting`, `reaction`); absent: the
    /// plain cut-out sticker with a white outline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The caption: the plain sticker's bottom line, or a template's first slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Text per template slot.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts: BTreeMap<String, String>,
    /// `shake`, `pulse`, `typewriter` or `flash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub animate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A finished, transparent cutout job of the same photo (`j_…`) whose
    /// cut-out — touch-ups included — the sticker uses instead of cutting
    /// the photo again; no model runs (issue 22 item 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cutout: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaceSwapRequest {
    /// The photo whose face is used.
    pub source: String,
    /// The photo whose faces are replaced.
    pub target: String,
    /// The user affirms that every person whose face is in either photo
    /// agreed to this edit (the deep-synthesis provisions, IMG-3).
    #[serde(default)]
    pub subject_consent: bool,
    /// Which face of the source, left to right from 0 (default 0).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::whole::option"
    )]
    #[schemars(range(max = crate::whole::MAX))]
    pub source_face: Option<usize>,
    /// Which face of the target, left to right from 0; absent: the largest.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::whole::option"
    )]
    #[schemars(range(max = crate::whole::MAX))]
    pub target_face: Option<usize>,
    /// Every face of the target.
    #[serde(default)]
    pub all: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackRequest {
    /// One sticker per photo, in this order.
    pub photos: Vec<String>,
    /// `whatsapp` (default), `telegram`, `signal` or `wechat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// The pack's name as the messaging app shows it.
    pub name: String,
    /// Default: the user's nickname is not used; "炫彩".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// 1–3 emojis for every sticker (default 🙂).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emojis: Vec<String>,
    /// As for a sticker: one look for every sticker of the pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub animate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Issue 22 item 9: per sticker, in the photos' order (at most one per
    /// photo), its own caption and emojis instead of the pack's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stickers: Vec<PackStickerRequest>,
}

/// One sticker of a pack, told apart from the others.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackStickerRequest {
    /// This sticker's caption (absent or empty: the pack's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// This sticker's 1–3 emojis (absent: the pack's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emojis: Vec<String>,
}

/// How one sticker of a pack looks, and the emojis it is filed under.
#[derive(Debug, Clone)]
pub struct StickerLook {
    pub template: Box<Template>,
    pub texts: BTreeMap<String, String>,
    pub emojis: Vec<String>,
}

/// Which faces of the target a swap replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetFaces {
    Largest,
    Index(usize),
    All,
}

/// Why a face swap is refused without the affirmation.
pub const SUBJECT_CONSENT: &str = "face swap needs \"subject_consent\": true — by sending it you affirm that \
every person whose face is in the source or the target photo agreed to this edit (the deep-synthesis \
provisions require the consent of the people whose faces are edited)";

/// Longest pack name, characters.
pub const MAX_PACK_NAME: usize = 128;

/// A background, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum BackgroundChoice {
    Transparent,
    Color([u8; 4]),
    Blur(f32),
    Photo(PhotoId),
}

/// A job, parsed: every id, name and number checked.
#[derive(Debug, Clone)]
pub enum Job {
    Cutout {
        photo: PhotoId,
        background: BackgroundChoice,
        model: ModelChoice,
        crop: bool,
        shadow: bool,
        /// The earlier cutout reused, and the touch-up applied to it.
        from: Option<JobId>,
        touchup: Vec<Stroke>,
    },
    Sticker {
        photo: PhotoId,
        platform: Platform,
        template: Box<Template>,
        texts: BTreeMap<String, String>,
        model: ModelChoice,
        /// An earlier cutout whose cut-out the sticker uses (issue 22 item 4).
        cutout: Option<JobId>,
    },
    FaceSwap {
        source: PhotoId,
        target: PhotoId,
        source_face: usize,
        faces: TargetFaces,
    },
    Pack {
        photos: Vec<PhotoId>,
        platform: Platform,
        name: String,
        publisher: String,
        /// One per photo, in order.
        looks: Vec<StickerLook>,
        model: ModelChoice,
    },
}

/// A job whose JSON has the right shape but a value the studio refuses
/// (422; a body of the wrong shape is 400 before this).
fn invalid(message: impl Into<String>) -> AppError {
    AppError::Unprocessable {
        code: "invalid_job",
        message: message.into(),
    }
}

fn photo_id(s: &str) -> Result<PhotoId, AppError> {
    PhotoId::parse(s).map_err(|_| invalid(format!("{s:?} is not a photo id")))
}

fn model(s: Option<&str>) -> Result<ModelChoice, AppError> {
    let s = s.unwrap_or("auto");
    ModelChoice::parse(s).ok_or_else(|| invalid(format!("model {s:?}: use auto, portrait or general")))
}

fn text(slot: &str, t: &str) -> Result<(), AppError> {
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(AppError::Unprocessable {
            code: "caption_too_long",
            message: format!("the text of {slot:?} is longer than {MAX_TEXT_CHARS} characters"),
        });
    }
    // Issue 22 item 8: refused before the job, not after it ran.
    if let Some(c) = t.chars().find(|&c| xuancai_stickers::caption::is_colour_emoji(c)) {
        return Err(AppError::Unprocessable {
            code: "caption_emoji_unsupported",
            message: format!(
                "the text of {slot:?} holds an emoji (U+{:04X}) the sticker font cannot draw",
                c as u32
            ),
        });
    }
    Ok(())
}

impl JobRequest {
    pub fn kind(&self) -> JobKind {
        match self {
            Self::Cutout(_) => JobKind::Cutout,
            Self::Sticker(_) => JobKind::Sticker,
            Self::FaceSwap(_) => JobKind::FaceSwap,
            Self::Pack(_) => JobKind::Pack,
        }
    }

    /// The template whose use this job counts (IMG-4 recommendations).
    pub fn template(&self) -> Option<&str> {
        match self {
            Self::Sticker(s) => Some(s.template.as_deref().unwrap_or(crate::templates::PLAIN)),
            Self::Pack(p) => Some(p.template.as_deref().unwrap_or(crate::templates::PLAIN)),
            Self::Cutout(_) | Self::FaceSwap(_) => None,
        }
    }

    /// The photo a result is made from (a face swap's target), for the
    /// result's name; none for a pack.
    pub fn subject(&self) -> Option<&str> {
        match self {
            Self::Cutout(c) => Some(&c.photo),
            Self::Sticker(s) => Some(&s.photo),
            Self::FaceSwap(f) => Some(&f.target),
            Self::Pack(_) => None,
        }
    }

    /// The photos the job reads (the server checks the user owns them).
    pub fn photos(&self) -> Vec<&str> {
        match self {
            Self::Cutout(c) => {
                let mut v = vec![c.photo.as_str()];
                if let Some(BackgroundRequest::Photo(p)) = &c.background {
                    v.push(p);
                }
                v
            }
            Self::Sticker(s) => vec![s.photo.as_str()],
            Self::FaceSwap(f) => vec![f.source.as_str(), f.target.as_str()],
            Self::Pack(p) => p.photos.iter().map(String::as_str).collect(),
        }
    }

    pub fn parse(&self) -> Result<Job, AppError> {
        match self {
            Self::Cutout(c) => Ok(Job::Cutout {
                photo: photo_id(&c.photo)?,
                background: match &c.background {
                    None => BackgroundChoice::Transparent,
                    Some(BackgroundRequest::Color(s)) => BackgroundChoice::Color(
                        compose::parse_color(s).map_err(|e| invalid(format!("background colour: {e}")))?,
                    ),
                    Some(BackgroundRequest::Blur(r)) if r.is_finite() && *r > 0.0 && *r <= 200.0 => {
                        BackgroundChoice::Blur(*r)
                    }
                    Some(BackgroundRequest::Blur(_)) => {
                        return Err(invalid("background blur is a radius between 0 and 200 pixels"));
                    }
                    Some(BackgroundRequest::Photo(p)) => BackgroundChoice::Photo(photo_id(p)?),
                },
                model: model(c.model.as_deref())?,
                crop: c.crop,
                shadow: c.shadow,
                from: match &c.from {
                    Some(j) => {
                        Some(JobId::parse(j).map_err(|_| invalid(format!("from: {j:?} is not a job id")))?)
                    }
                    None => None,
                },
                touchup: match (&c.edit, &c.from) {
                    (Some(_), None) => {
                        return Err(invalid(
                            "touch-up strokes apply to an earlier cut-out: send `from`",
                        ));
                    }
                    (Some(strokes), Some(_)) => super::touchup::parse(strokes)?,
                    (None, _) => Vec::new(),
                },
            }),
            Self::Sticker(s) => {
                let (template, texts) = look(
                    s.template.as_deref(),
                    s.caption.as_deref(),
                    &s.texts,
                    s.animate.as_deref(),
                )?;
                let platform = platform(s.platform.as_deref())?;
                Ok(Job::Sticker {
                    photo: photo_id(&s.photo)?,
                    platform,
                    template: Box::new(template),
                    texts,
                    model: model(s.model.as_deref())?,
                    cutout: s
                        .cutout
                        .as_deref()
                        .map(|j| {
                            JobId::parse(j).map_err(|_| invalid(format!("cutout {j:?} is not a job id")))
                        })
                        .transpose()?,
                })
            }
            Self::FaceSwap(f) => {
                if !f.subject_consent {
                    return Err(AppError::Unprocessable {
                        code: "subject_consent_required",
                        message: SUBJECT_CONSENT.into(),
                    });
                }
                let faces = match (f.all, f.target_face) {
                    (true, Some(_)) => return Err(invalid("give \"all\" or \"target_face\", not both")),
                    (true, None) => TargetFaces::All,
                    (false, Some(i)) => TargetFaces::Index(i),
                    (false, None) => TargetFaces::Largest,
                };
                Ok(Job::FaceSwap {
                    source: photo_id(&f.source)?,
                    target: photo_id(&f.target)?,
                    source_face: f.source_face.unwrap_or(0),
                    faces,
                })
            }
            Self::Pack(p) => {
                let platform = platform(p.platform.as_deref())?;
                let (min, max) = (platform.rules().pack_min.max(1), platform.rules().pack_max);
                if p.photos.len() < min || p.photos.len() > max {
                    return Err(invalid(format!(
                        "a {} pack holds {min} to {max} stickers; {} photos were given",
                        platform.name(),
                        p.photos.len()
                    )));
                }
                let photos = p
                    .photos
                    .iter()
                    .map(|s| photo_id(s))
                    .collect::<Result<Vec<_>, _>>()?;
                let name = p.name.trim();
                if name.is_empty()
                    || name.chars().count() > MAX_PACK_NAME
                    || name.chars().any(char::is_control)
                {
                    return Err(invalid(format!(
                        "the pack name is 1 to {MAX_PACK_NAME} characters"
                    )));
                }
                let publisher = p.publisher.as_deref().map_or("炫彩", str::trim);
                if publisher.is_empty()
                    || publisher.chars().count() > MAX_PACK_NAME
                    || publisher.chars().any(char::is_control)
                {
                    return Err(invalid(format!(
                        "the publisher is 1 to {MAX_PACK_NAME} characters"
                    )));
                }
                let pack_emojis = emoji_list(&p.emojis)?.unwrap_or_else(|| vec!["🙂".to_string()]);
                if p.stickers.len() > p.photos.len() {
                    return Err(invalid("at most one sticker entry per photo"));
                }
                let mut looks = Vec::with_capacity(photos.len());
                for i in 0..photos.len() {
                    let own = p.stickers.get(i);
                    let caption = own
                        .and_then(|s| s.caption.as_deref())
                        .filter(|c| !c.trim().is_empty())
                        .or(p.caption.as_deref());
                    let (template, texts) = look(
                        p.template.as_deref(),
                        caption,
                        &BTreeMap::new(),
                        p.animate.as_deref(),
                    )?;
                    let emojis = match own.map(|s| emoji_list(&s.emojis)).transpose()?.flatten() {
                        Some(e) => e,
                        None => pack_emojis.clone(),
                    };
                    looks.push(StickerLook {
                        template: Box::new(template),
                        texts,
                        emojis,
                    });
                }
                Ok(Job::Pack {
                    photos,
                    platform,
                    name: name.to_string(),
                    publisher: publisher.to_string(),
                    looks,
                    model: model(p.model.as_deref())?,
                })
            }
        }
    }
}

/// 1 to 3 emojis, each at most 8 characters; none given: `None`.
fn emoji_list(emojis: &[String]) -> Result<Option<Vec<String>>, AppError> {
    if emojis.is_empty() {
        return Ok(None);
    }
    if emojis.len() > 3 || emojis.iter().any(|e| e.is_empty() || e.chars().count() > 8) {
        return Err(invalid("give 1 to 3 emojis"));
    }
    Ok(Some(emojis.to_vec()))
}

fn platform(s: Option<&str>) -> Result<Platform, AppError> {
    Platform::parse(s.unwrap_or("whatsapp")).map_err(|e| invalid(e.to_string()))
}

/// A sticker's look: the template (built-in, or the plain cut-out sticker)
/// with its texts and animation.
fn look(
    name: Option<&str>,
    caption: Option<&str>,
    slots: &BTreeMap<String, String>,
    animate: Option<&str>,
) -> Result<(Template, BTreeMap<String, String>), AppError> {
    if slots.len() > MAX_TEXTS {
        return Err(invalid(format!("at most {MAX_TEXTS} texts")));
    }
    let mut template = match name {
        Some(name) => template::builtin(name).map_err(|e| AppError::Unprocessable {
            code: "template_unknown",
            message: e.to_string(),
        })?,
        None => template::sticker(
            8.0,
            false,
            caption.map(|_| CaptionAt::Bottom),
            TextStyle::default(),
            None,
        ),
    };
    let mut texts = BTreeMap::new();
    for (slot, t) in slots {
        if !template.slots().iter().any(|(name, _)| name == slot) {
            return Err(invalid(format!("the template has no text slot {slot:?}")));
        }
        text(slot, t)?;
        texts.insert(slot.clone(), t.clone());
    }
    if let Some(c) = caption {
        text("caption", c)?;
        let slot = template
            .slots()
            .first()
            .map(|(name, _)| name.to_string())
            .unwrap_or_else(|| "caption".into());
        texts.entry(slot).or_insert_with(|| c.to_string());
    }
    if let Some(a) = animate {
        let effect = Effect::parse(a).map_err(|e| invalid(e.to_string()))?;
        template.animation = Some(AnimationSpec { effect });
    }
    Ok((template, texts))
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
