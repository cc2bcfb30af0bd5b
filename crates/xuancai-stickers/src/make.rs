//! The sticker pipeline: read the input (keeping animation frames), cut the
//! subject out when the template has a cut-out layer (one model choice for
//! all frames), render the template at the platform's side, and export under
//! the platform's limits.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use xuancai_imaging::decode::DecodeLimits;
use xuancai_imaging::text::Font;
use xuancai_vision::{CutoutImage, CutoutOptions, ModelChoice, Segmentation, Studio};

use crate::anim::{self, Animation, FrameLimits};
use crate::error::{Result, StickerError};
use crate::preset::{self, Encoders, Export, Platform};
use crate::render::{self, Inputs};
use crate::template::Template;

/// Makes stickers; holds the font and (for cut-outs) the shared `Studio`.
/// `Send + Sync`: one per process.
#[derive(Debug, Clone)]
pub struct Maker {
    font: Font,
    studio: Option<Arc<Studio>>,
    pub limits: DecodeLimits,
    pub frame_limits: FrameLimits,
    /// Inputs are shrunk to this longest side before the cutout (2× the
    /// largest sticker side keeps edges crisp after the final resize).
    pub work_side: u32,
    /// The cutout's working resolution (the model's mask and the matte
    /// refinement; the final matte is still interpolated at `work_side`,
    /// guided by the photo's own edges). Stickers are at most 512 px, so 512
    /// keeps their edges and costs a quarter of the cutout's 1024 default.
    pub cutout_side: u32,
    /// Encoders loaded from the asset cache (libvpx for Telegram's video
    /// stickers); without them those stickers are refused with
    /// `encoder_unavailable`.
    pub encoders: Encoders,
}

/// Milliseconds per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Timings {
    pub decode_ms: f64,
    pub cutout_ms: f64,
    pub render_ms: f64,
    pub encode_ms: f64,
}

/// A finished sticker.
#[derive(Debug, Clone)]
pub struct Made {
    /// The sticker, and the frames it was encoded from (`export.frames`).
    pub export: Export,
    pub model: Option<Segmentation>,
    pub timings: Timings,
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

impl Maker {
    /// `studio` may be `None` for templates without a cut-out layer.
    pub fn new(font: Font, studio: Option<Arc<Studio>>) -> Self {
        Self {
            font,
            studio,
            limits: DecodeLimits::default(),
            frame_limits: FrameLimits::default(),
            work_side: 1024,
            cutout_side: 512,
            encoders: Encoders::default(),
        }
    }

    /// Use the video encoder (libvpx) from the asset cache when it is
    /// there; why it is not is kept for the error a video sticker then
    /// gets (`encoder_unavailable`).
    #[must_use]
    pub fn with_assets_encoders(mut self, assets: &xuancai_vision::AssetDir) -> Self {
        match crate::vp9::Vp9::from_assets(assets) {
            Ok(v) => self.encoders.vp9 = Some(v),
            Err(e) => self.encoders.vp9_unavailable = Some(e.to_string()),
        }
        self
    }

    /// Read an input as [`anim::decode`] does, at the working size.
    pub fn decode(&self, bytes: &[u8]) -> Result<Animation> {
        anim::decode(bytes, &self.limits, &self.frame_limits, self.work_side)
    }

    pub fn font(&self) -> &Font {
        &self.font
    }

    /// Cut the subject out of every frame. The model is chosen on the first
    /// frame (`auto`: portrait for people, else general) and kept for the
    /// rest, so an animation does not flicker between models.
    pub fn cut(&self, photo: &Animation, model: ModelChoice) -> Result<(Animation, Segmentation)> {
        let studio = self
            .studio
            .as_ref()
            .ok_or_else(|| StickerError::Template("cut-outs need the models (no studio loaded)".into()))?;
        let mut opts = CutoutOptions {
            model,
            work_side: self.cutout_side,
            ..CutoutOptions::default()
        };
        let mut frames = Vec::with_capacity(photo.frames.len());
        let mut chosen = None;
        for f in &photo.frames {
            let cut = studio.cutout(&f.image, &opts)?;
            if chosen.is_none() {
                chosen = Some(cut.model);
                opts.model = match cut.model {
                    Segmentation::Portrait => ModelChoice::Portrait,
                    Segmentation::General => ModelChoice::General,
                };
            }
            let CutoutImage::Rgba(image) = cut.image else {
                return Err(StickerError::Template("the cutout returned a mask".into()));
            };
            frames.push(anim::Frame {
                image,
                delay_ms: f.delay_ms,
            });
        }
        let model = chosen.ok_or(StickerError::NoSubject)?;
        Ok((Animation { frames }, model))
    }

    /// Render a template from decoded frames (cutting out when needed).
    pub fn render(
        &self,
        photo: &Animation,
        template: &Template,
        texts: &BTreeMap<String, String>,
        side: u32,
        model: ModelChoice,
    ) -> Result<(Animation, Option<Segmentation>, Timings)> {
        let mut t = Timings::default();
        let start = Instant::now();
        let cut = if template.uses_cutout() {
            Some(self.cut(photo, model)?)
        } else {
            None
        };
        t.cutout_ms = ms(start);
        let start = Instant::now();
        let frames = render::render(
            template,
            &self.font,
            side,
            Inputs {
                photo,
                cutout: cut.as_ref().map(|(a, _)| a),
                texts,
            },
        )?;
        t.render_ms = ms(start);
        Ok((frames, cut.map(|(_, m)| m), t))
    }

    /// A sticker from a cut-out made earlier (a cutout job's transparent
    /// result, touch-ups included: issue 22 item 4) instead of cutting the
    /// photo again; no model runs. `photo` feeds the template's photo
    /// layers; both are used as stills.
    pub fn make_from_cut(
        &self,
        photo: &[u8],
        cut: &[u8],
        template: &Template,
        texts: &BTreeMap<String, String>,
        platform: Platform,
    ) -> Result<Made> {
        let start = Instant::now();
        let still = |bytes: &[u8]| -> Result<Animation> {
            let a = self.decode(bytes)?;
            Ok(Animation::still(
                a.frames.into_iter().next().map(|f| f.image).unwrap_or_default(),
            ))
        };
        let photo = still(photo)?;
        let cut = still(cut)?;
        let mut timings = Timings {
            decode_ms: ms(start),
            ..Timings::default()
        };
        let start = Instant::now();
        let frames = render::render(
            template,
            &self.font,
            platform.rules().side,
            Inputs {
                photo: &photo,
                cutout: Some(&cut),
                texts,
            },
        )?;
        timings.render_ms = ms(start);
        let start = Instant::now();
        let export = preset::export_with(frames, platform, &self.encoders)?;
        timings.encode_ms = ms(start);
        Ok(Made {
            export,
            model: None,
            timings,
        })
    }

    /// Bytes in, a finished sticker for `platform` out.
    pub fn make(
        &self,
        bytes: &[u8],
        template: &Template,
        texts: &BTreeMap<String, String>,
        platform: Platform,
        model: ModelChoice,
    ) -> Result<Made> {
        let start = Instant::now();
        let photo = self.decode(bytes)?;
        let decode_ms = ms(start);
        let side = platform.rules().side;
        let (frames, model, mut timings) = self.render(&photo, template, texts, side, model)?;
        drop(photo);
        let start = Instant::now();
        let export = preset::export_with(frames, platform, &self.encoders)?;
        timings.decode_ms = decode_ms;
        timings.encode_ms = ms(start);
        Ok(Made {
            export,
            model,
            timings,
        })
    }
}
