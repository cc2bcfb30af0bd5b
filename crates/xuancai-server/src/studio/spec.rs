//! What a client may ask the studio to do (the body of `POST /api/v1/jobs`),
//! parsed into a [`Job`] before it is queued: a job in the queue is always
//! well-formed, and the worker parses the stored request again the same way.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use xuancai_domain::PhotoId;
use xuancai_imaging::compose;
use xuancai_stickers::anim::Effect;
use xuancai_stickers::caption::TextStyle;
use xuancai_stickers::preset::Platform;
use xuancai_stickers::template::{self, AnimationSpec, CaptionAt, Template};
use xuancai_vision::ModelChoice;

use crate::error::ApiError;

/// Longest caption or slot text, characters.
pub const MAX_TEXT_CHARS: usize = 120;
/// Most text slots in one request.
pub const MAX_TEXTS: usize = 8;

/// The request body, as sent (and as stored, sealed, with the job).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobRequest {
    /// IMG-2: cut the subject out; optionally replace the background.
    Cutout(CutoutRequest),
    /// IMG-4: a sticker for a messaging platform.
    Sticker(StickerRequest),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
}

/// A replacement background: `{"color": "#rrggbb"}`, `{"blur": 12}` (the
/// photo itself, blurred) or `{"photo": "p_…"}` (another of the user's photos).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BackgroundRequest {
    Color(String),
    Blur(f32),
    Photo(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
}

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
    },
    Sticker {
        photo: PhotoId,
        platform: Platform,
        template: Box<Template>,
        texts: BTreeMap<String, String>,
        model: ModelChoice,
    },
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_job",
        message: message.into(),
    }
}

fn photo_id(s: &str) -> Result<PhotoId, ApiError> {
    PhotoId::parse(s).map_err(|_| invalid(format!("{s:?} is not a photo id")))
}

fn model(s: Option<&str>) -> Result<ModelChoice, ApiError> {
    let s = s.unwrap_or("auto");
    ModelChoice::parse(s).ok_or_else(|| invalid(format!("model {s:?}: use auto, portrait or general")))
}

fn text(slot: &str, t: &str) -> Result<(), ApiError> {
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::BadRequest {
            code: "caption_too_long",
            message: format!("the text of {slot:?} is longer than {MAX_TEXT_CHARS} characters"),
        });
    }
    Ok(())
}

impl JobRequest {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Cutout(_) => "cutout",
            Self::Sticker(_) => "sticker",
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
        }
    }

    pub fn parse(&self) -> Result<Job, ApiError> {
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
            }),
            Self::Sticker(s) => {
                let platform = Platform::parse(s.platform.as_deref().unwrap_or("whatsapp"))
                    .map_err(|e| invalid(e.to_string()))?;
                if s.texts.len() > MAX_TEXTS {
                    return Err(invalid(format!("at most {MAX_TEXTS} texts")));
                }
                let mut template = match &s.template {
                    Some(name) => template::builtin(name).map_err(|e| ApiError::BadRequest {
                        code: "template_unknown",
                        message: e.to_string(),
                    })?,
                    None => template::sticker(
                        8.0,
                        false,
                        s.caption.as_ref().map(|_| CaptionAt::Bottom),
                        TextStyle::default(),
                        None,
                    ),
                };
                let mut texts = BTreeMap::new();
                for (slot, t) in &s.texts {
                    if !template.slots().iter().any(|(name, _)| name == slot) {
                        return Err(invalid(format!("the template has no text slot {slot:?}")));
                    }
                    text(slot, t)?;
                    texts.insert(slot.clone(), t.clone());
                }
                if let Some(c) = &s.caption {
                    text("caption", c)?;
                    let slot = template
                        .slots()
                        .first()
                        .map(|(name, _)| name.to_string())
                        .unwrap_or_else(|| "caption".into());
                    texts.entry(slot).or_insert_with(|| c.clone());
                }
                if let Some(a) = &s.animate {
                    let effect = Effect::parse(a).map_err(|e| invalid(e.to_string()))?;
                    template.animation = Some(AnimationSpec { effect });
                }
                Ok(Job::Sticker {
                    photo: photo_id(&s.photo)?,
                    platform,
                    template: Box::new(template),
                    texts,
                    model: model(s.model.as_deref())?,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Job, ApiError> {
        let r: JobRequest = serde_json::from_str(json).map_err(|e| invalid(e.to_string()))?;
        r.parse()
    }

    #[test]
    fn requests_parse_into_jobs() {
        let p = PhotoId::generate();
        let j = parse(&format!(
            r##"{{"kind":"cutout","photo":"{p}","background":{{"color":"#ff0000"}},"crop":true}}"##
        ));
        assert!(
            matches!(
                j,
                Ok(Job::Cutout {
                    background: BackgroundChoice::Color([255, 0, 0, 255]),
                    crop: true,
                    ..
                })
            ),
            "{j:?}"
        );
        let j = parse(&format!(
            r#"{{"kind":"sticker","photo":"{p}","template":"meme","caption":"好","animate":"shake"}}"#
        ));
        assert!(
            matches!(
                j,
                Ok(Job::Sticker {
                    platform: Platform::WhatsApp,
                    ..
                })
            ),
            "{j:?}"
        );
    }

    #[test]
    fn bad_requests_are_refused_with_a_code() {
        let p = PhotoId::generate();
        for (json, code) in [
            (r#"{"kind":"cutout","photo":"nope"}"#.to_string(), "invalid_job"),
            (
                format!(r#"{{"kind":"cutout","photo":"{p}","background":{{"blur":-1}}}}"#),
                "invalid_job",
            ),
            (
                format!(r#"{{"kind":"cutout","photo":"{p}","model":"huge"}}"#),
                "invalid_job",
            ),
            (
                format!(r#"{{"kind":"sticker","photo":"{p}","platform":"myspace"}}"#),
                "invalid_job",
            ),
            (
                format!(r#"{{"kind":"sticker","photo":"{p}","template":"nope"}}"#),
                "template_unknown",
            ),
            (
                format!(
                    r#"{{"kind":"sticker","photo":"{p}","caption":"{}"}}"#,
                    "长".repeat(121)
                ),
                "caption_too_long",
            ),
            (
                format!(r#"{{"kind":"sticker","photo":"{p}","texts":{{"nope":"x"}}}}"#),
                "invalid_job",
            ),
            (
                format!(r#"{{"kind":"cutout","photo":"{p}","extra":1}}"#),
                "invalid_job",
            ),
            (format!(r#"{{"kind":"paint","photo":"{p}"}}"#), "invalid_job"),
        ] {
            let e = parse(&json).expect_err(&json);
            assert_eq!(e.status_and_code().1, code, "{json}: {e}");
        }
    }
}
