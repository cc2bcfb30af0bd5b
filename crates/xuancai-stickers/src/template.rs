//! Templates: a sticker or card described as data (JSON) — a square canvas,
//! layers drawn in order (the photo, the cut-out subject, text slots with
//! their style, shape decorations) and an optional animation effect. Built-in
//! templates ship in the binary; the format is documented in
//! `docs/STICKERS.md`. Rendering is deterministic: the same inputs give the
//! same pixels.

use serde::{Deserialize, Serialize};

use crate::anim::Effect;
use crate::caption::{BoxPx, TextStyle};
use crate::error::{Result, StickerError};

/// How the photo fills its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Fill the box, cropping the overflow.
    #[default]
    Cover,
    /// Show all of it, letterboxed on transparency.
    Contain,
}

/// Decoration shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    Rect,
    Circle,
    Heart,
    Star,
}

/// One layer, drawn over the ones before it. Boxes are `[x, y, w, h]` in
/// template units (the canvas is `size` units square).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Layer {
    /// The input photo as it is.
    Photo {
        #[serde(rename = "box")]
        at: [f32; 4],
        #[serde(default)]
        fit: Fit,
    },
    /// The cut-out subject, trimmed and fitted in the box, with an outline
    /// (`outline` units wide, 0 for none) and an optional shadow.
    Cutout {
        #[serde(rename = "box")]
        at: [f32; 4],
        #[serde(default)]
        outline: f32,
        #[serde(default = "white")]
        outline_color: String,
        #[serde(default)]
        shadow: bool,
    },
    /// A text slot: the caller's text for `slot`, else `default`; empty
    /// text draws nothing.
    Text {
        slot: String,
        #[serde(rename = "box")]
        at: [f32; 4],
        #[serde(default)]
        default: String,
        #[serde(default)]
        style: TextStyle,
    },
    /// A filled decoration.
    Shape {
        shape: Shape,
        #[serde(rename = "box")]
        at: [f32; 4],
        color: String,
    },
}

fn white() -> String {
    "#ffffff".into()
}

/// An animation a template asks for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnimationSpec {
    pub effect: Effect,
}

/// A template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub name: String,
    #[serde(default)]
    pub title: String,
    /// The canvas side in template units (boxes are in these units).
    pub size: f32,
    /// Canvas colour under the layers (`#00000000`: transparent).
    #[serde(default = "transparent")]
    pub background: String,
    pub layers: Vec<Layer>,
    #[serde(default)]
    pub animation: Option<AnimationSpec>,
}

fn transparent() -> String {
    "#00000000".into()
}

const MAX_LAYERS: usize = 32;

impl Template {
    /// Parse and check a template from JSON.
    pub fn from_json(json: &str) -> Result<Self> {
        let t: Template = serde_json::from_str(json).map_err(|e| StickerError::Template(e.to_string()))?;
        t.check()?;
        Ok(t)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The checks `from_json` runs: sizes, boxes, colours, slots.
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(StickerError::Template(m));
        if self.name.is_empty() || self.name.len() > 64 {
            return bad("name must be 1–64 characters".into());
        }
        if !(self.size.is_finite() && (16.0..=4096.0).contains(&self.size)) {
            return bad(format!("size {} must be between 16 and 4096", self.size));
        }
        if self.layers.is_empty() || self.layers.len() > MAX_LAYERS {
            return bad(format!("1 to {MAX_LAYERS} layers"));
        }
        xuancai_imaging::compose::parse_color(&self.background)?;
        for (i, l) in self.layers.iter().enumerate() {
            let at = l.at();
            if at.iter().any(|v| !v.is_finite()) || at[2] <= 0.0 || at[3] <= 0.0 {
                return bad(format!("layer {i}: box {at:?} needs a positive width and height"));
            }
            if at[0] + at[2] <= 0.0 || at[1] + at[3] <= 0.0 || at[0] >= self.size || at[1] >= self.size {
                return bad(format!("layer {i}: box {at:?} is off the canvas"));
            }
            match l {
                Layer::Cutout {
                    outline,
                    outline_color,
                    ..
                } => {
                    if !(0.0..=64.0).contains(outline) {
                        return bad(format!("layer {i}: outline {outline} must be 0–64"));
                    }
                    xuancai_imaging::compose::parse_color(outline_color)?;
                }
                Layer::Text { slot, style, .. } => {
                    if slot.is_empty() {
                        return bad(format!("layer {i}: a text layer needs a slot name"));
                    }
                    xuancai_imaging::compose::parse_color(&style.fill)?;
                    xuancai_imaging::compose::parse_color(&style.stroke)?;
                }
                Layer::Shape { color, .. } => {
                    xuancai_imaging::compose::parse_color(color)?;
                }
                Layer::Photo { .. } => {}
            }
        }
        Ok(())
    }

    /// The text slots and their defaults.
    pub fn slots(&self) -> Vec<(&str, &str)> {
        self.layers
            .iter()
            .filter_map(|l| match l {
                Layer::Text { slot, default, .. } => Some((slot.as_str(), default.as_str())),
                _ => None,
            })
            .collect()
    }

    pub fn uses_cutout(&self) -> bool {
        self.layers.iter().any(|l| matches!(l, Layer::Cutout { .. }))
    }
}

impl Layer {
    pub fn at(&self) -> [f32; 4] {
        match self {
            Layer::Photo { at, .. }
            | Layer::Cutout { at, .. }
            | Layer::Text { at, .. }
            | Layer::Shape { at, .. } => *at,
        }
    }
}

/// `[x, y, w, h]` in template units to pixels at `scale`.
pub fn to_px(at: [f32; 4], scale: f32) -> BoxPx {
    BoxPx {
        x: at[0] * scale,
        y: at[1] * scale,
        w: at[2] * scale,
        h: at[3] * scale,
    }
}

/// Caption placement for the plain sticker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CaptionAt {
    Top,
    Bottom,
    /// `[x, y, w, h]` in 512-unit canvas coordinates.
    Free([f32; 4]),
}

impl CaptionAt {
    pub fn parse(s: &str) -> Result<Self> {
        match crate::caption::Placement::parse(s)? {
            crate::caption::Placement::Top => Ok(Self::Top),
            crate::caption::Placement::Bottom => Ok(Self::Bottom),
            crate::caption::Placement::Free(b) => Ok(Self::Free([b.x, b.y, b.w, b.h])),
        }
    }
}

/// The plain sticker as a template: the cut-out subject with an outline of
/// `outline` px at 512 (WhatsApp suggests about 8) and, with a caption, a
/// text slot `caption` in a band that the subject makes room for.
pub fn sticker(
    outline: f32,
    shadow: bool,
    caption: Option<CaptionAt>,
    style: TextStyle,
    effect: Option<Effect>,
) -> Template {
    // WhatsApp's guidelines keep a 16 px margin at 512.
    let m = 16.0 + outline;
    let band = 120.0;
    let (subject, text) = match caption {
        None => ([m, m, 512.0 - 2.0 * m, 512.0 - 2.0 * m], None),
        Some(CaptionAt::Top) => (
            [m, band, 512.0 - 2.0 * m, 512.0 - band - m],
            Some([16.0, 12.0, 480.0, band - 12.0]),
        ),
        Some(CaptionAt::Bottom) => (
            [m, m, 512.0 - 2.0 * m, 512.0 - band - m],
            Some([16.0, 512.0 - band, 480.0, band - 12.0]),
        ),
        Some(CaptionAt::Free(b)) => ([m, m, 512.0 - 2.0 * m, 512.0 - 2.0 * m], Some(b)),
    };
    let mut layers = vec![Layer::Cutout {
        at: subject,
        outline,
        outline_color: white(),
        shadow,
    }];
    if let Some(at) = text {
        layers.push(Layer::Text {
            slot: "caption".into(),
            at,
            default: String::new(),
            style,
        });
    }
    Template {
        name: "sticker".into(),
        title: "Sticker: the subject with an outline and an optional caption".into(),
        size: 512.0,
        background: transparent(),
        layers,
        animation: effect.map(|effect| AnimationSpec { effect }),
    }
}

const BUILTIN: &[(&str, &str)] = &[
    ("meme", include_str!("../templates/meme.json")),
    ("greeting", include_str!("../templates/greeting.json")),
    ("reaction", include_str!("../templates/reaction.json")),
];

/// The built-in templates' names.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// A built-in template by name.
pub fn builtin(name: &str) -> Result<Template> {
    let (_, json) = BUILTIN.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        StickerError::Template(format!(
            "no built-in template {name:?} (have: {})",
            builtin_names().join(", ")
        ))
    })?;
    Template::from_json(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_round_trip() {
        for name in builtin_names() {
            let t = builtin(name).expect(name);
            let again = Template::from_json(&t.to_json()).expect("round trip");
            assert_eq!(t, again);
        }
    }

    #[test]
    fn malformed_templates_are_refused_with_a_reason() {
        for bad in [
            "{",
            r#"{"name":"x","size":512,"layers":[]}"#,
            r#"{"name":"x","size":512,"layers":[{"kind":"photo","box":[0,0,-1,10]}]}"#,
            r#"{"name":"x","size":512,"layers":[{"kind":"shape","shape":"star","box":[0,0,10,10],"color":"nope"}]}"#,
            r#"{"name":"x","size":512,"layers":[{"kind":"video","box":[0,0,10,10]}]}"#,
            r#"{"name":"x","size":512,"layers":[{"kind":"photo","box":[0,0,10,10],"extra":1}]}"#,
            r#"{"name":"x","size":1e9,"layers":[{"kind":"photo","box":[0,0,10,10]}]}"#,
        ] {
            let e = Template::from_json(bad).expect_err(bad);
            assert!(
                matches!(e.code(), "template_invalid" | "invalid_parameter"),
                "{bad}: {e}"
            );
        }
    }
}
