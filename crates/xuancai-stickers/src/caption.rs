//! Captions: Chinese and Latin text laid out in a box — line breaking (any
//! gap between CJK characters, spaces between Latin words, no closing
//! punctuation at a line start and no opening punctuation at a line end),
//! the largest size that fits, fill, outline and shadow. Emoji are refused
//! with a clear error: the bundled font has no colour emoji.

use serde::{Deserialize, Serialize};
use xuancai_imaging::RgbaImage;
use xuancai_imaging::text::{self, Font};

use crate::error::{Result, StickerError};

/// A rectangle in canvas pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoxPx {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// Horizontal alignment of each line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    Left,
    #[default]
    Center,
    Right,
}

/// Where a caption goes on the canvas.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Placement {
    /// A band across the top (a fifth of the height below the margin).
    Top,
    /// A band across the bottom.
    Bottom,
    /// An explicit box.
    Free(BoxPx),
}

impl Placement {
    /// From `top`, `bottom` or `x,y,w,h`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "top" => Ok(Self::Top),
            "bottom" => Ok(Self::Bottom),
            other => {
                let v: Vec<f32> = other
                    .split(',')
                    .map(|p| p.trim().parse::<f32>())
                    .collect::<Result<_, _>>()
                    .map_err(|_| bad_placement(other))?;
                match v.as_slice() {
                    &[x, y, w, h] if w > 0.0 && h > 0.0 => Ok(Self::Free(BoxPx { x, y, w, h })),
                    _ => Err(bad_placement(other)),
                }
            }
        }
    }

    /// The box on a `w × h` canvas: bands are 22 % of the height, inset by 3 %.
    pub fn resolve(self, w: u32, h: u32) -> BoxPx {
        let (w, h) = (w as f32, h as f32);
        let m = (w.min(h) * 0.03).round();
        let band = (h * 0.22).round();
        match self {
            Self::Top => BoxPx {
                x: m,
                y: m,
                w: w - 2.0 * m,
                h: band,
            },
            Self::Bottom => BoxPx {
                x: m,
                y: h - m - band,
                w: w - 2.0 * m,
                h: band,
            },
            Self::Free(b) => b,
        }
    }
}

fn bad_placement(s: &str) -> StickerError {
    StickerError::Imaging(xuancai_imaging::ImagingError::InvalidParameter(format!(
        "caption placement {s:?}: use top, bottom or x,y,w,h"
    )))
}

/// How a caption looks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TextStyle {
    /// `#rrggbb[aa]` or a colour name.
    pub fill: String,
    pub stroke: String,
    /// Outline width as a fraction of the font size (0 = none).
    pub stroke_ratio: f32,
    pub shadow: bool,
    pub align: Align,
    /// The size search runs between these (pixels per em).
    pub max_px: f32,
    pub min_px: f32,
    /// Line height as a multiple of the font's.
    pub line_spacing: f32,
}

impl Default for TextStyle {
    fn default() -> Self {
        Self {
            fill: "#ffffff".into(),
            stroke: "#000000".into(),
            stroke_ratio: 0.12,
            shadow: true,
            align: Align::Center,
            max_px: 96.0,
            min_px: 12.0,
            line_spacing: 1.0,
        }
    }
}

/// Laid-out text: its size and lines, ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub px: f32,
    pub lines: Vec<String>,
}

const NO_LINE_START: &str = "，。、；：！？）》」』】〉”’…—,.;:!?)]}%·～~";
const NO_LINE_END: &str = "（《「『【〈“‘([{";

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Characters drawn as emoji (pictographs, dingbats, flags, joiners and the
/// emoji presentation selector).
pub fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B05..=0x2B55 | 0xFE0F | 0x200D | 0xE0020..=0xE007F)
}

/// Emoji that no font of ours draws, known without loading one: the
/// pictographs from U+1F300 on, the emoji presentation selector, the
/// zero-width joiner and the tag characters of flag sequences. A job whose
/// text holds one is refused before it is queued (issue 22 item 8); the
/// older symbols of U+2600–U+27BF and U+1F000–U+1F2FF are left to
/// [`check_text`], since the font draws some of them.
pub fn is_colour_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F300..=0x1FAFF | 0xFE0F | 0x200D | 0xE0020..=0xE007F)
}

/// Refuse text the font cannot draw, naming the first such character.
pub fn check_text(font: &Font, text: &str) -> Result<()> {
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        let probe = c.to_string();
        if font.missing(&probe).is_some() {
            return Err(if is_emoji(c) {
                StickerError::EmojiInCaption(c)
            } else {
                xuancai_imaging::ImagingError::GlyphMissing(c).into()
            });
        }
    }
    Ok(())
}

/// Split text into the smallest pieces a line may break between.
fn units(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() {
            out.push(std::mem::take(word));
        }
    };
    let mut glue_next = false;
    for c in text.chars() {
        if c == '\n' {
            flush(&mut word, &mut out);
            out.push("\n".into());
            glue_next = false;
            continue;
        }
        if NO_LINE_START.contains(c) {
            // Closing punctuation stays with what precedes it.
            if !word.is_empty() {
                word.push(c);
            } else if let Some(last) = out.last_mut().filter(|l| l.as_str() != "\n") {
                last.push(c);
            } else {
                word.push(c);
            }
            continue;
        }
        if glue_next {
            word.push(c);
            glue_next = NO_LINE_END.contains(c);
            if is_cjk(c) && !glue_next {
                flush(&mut word, &mut out);
            }
            continue;
        }
        if c.is_whitespace() {
            word.push(c);
            flush(&mut word, &mut out);
        } else if NO_LINE_END.contains(c) {
            flush(&mut word, &mut out);
            word.push(c);
            glue_next = true;
        } else if is_cjk(c) {
            flush(&mut word, &mut out);
            word.push(c);
            flush(&mut word, &mut out);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Break `text` into lines no wider than `max_w` at `px`. A piece wider than
/// the line on its own is broken between characters.
pub fn break_lines(font: &Font, text: &str, px: f32, max_w: f32) -> Vec<String> {
    let width = |s: &str| text::measure(font, s.trim_end(), px);
    let mut lines = Vec::new();
    let mut line = String::new();
    for unit in units(text) {
        if unit == "\n" {
            lines.push(std::mem::take(&mut line).trim_end().to_string());
            continue;
        }
        let candidate = format!("{line}{unit}");
        if width(&candidate) <= max_w || line.trim().is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line).trim_end().to_string());
            line = unit.trim_start().to_string();
        }
        // A single piece too wide for any line: hard-break it.
        while width(&line) > max_w && line.chars().count() > 1 {
            let mut head = String::new();
            let mut rest = line.chars().peekable();
            while let Some(&c) = rest.peek() {
                let next = format!("{head}{c}");
                if !head.is_empty() && width(&next) > max_w {
                    break;
                }
                head = next;
                rest.next();
            }
            let tail: String = rest.collect();
            if tail.is_empty() {
                break;
            }
            lines.push(head.trim_end().to_string());
            line = tail.trim_start().to_string();
        }
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

fn line_height(font: &Font, px: f32, spacing: f32) -> f32 {
    let (a, d, g) = text::metrics(font, px);
    (a - d + g) * spacing
}

/// The largest size in the style's range at which the text fits the box.
pub fn fit(font: &Font, text: &str, style: &TextStyle, b: BoxPx) -> Result<Layout> {
    check_text(font, text)?;
    if !(style.min_px > 0.0 && style.min_px <= style.max_px && style.max_px < 1024.0) {
        return Err(bad_style(
            "min_px and max_px must satisfy 0 < min_px <= max_px < 1024",
        ));
    }
    let fits = |px: f32| -> Option<Layout> {
        let pad = (px * style.stroke_ratio).ceil();
        let max_w = b.w - 2.0 * pad;
        if max_w <= 0.0 {
            return None;
        }
        let lines = break_lines(font, text, px, max_w);
        let too_wide = lines.iter().any(|l| text::measure(font, l, px) > max_w);
        let height = lines.len() as f32 * line_height(font, px, style.line_spacing) + 2.0 * pad;
        (!too_wide && height <= b.h).then_some(Layout { px, lines })
    };
    let (mut lo, mut hi) = (style.min_px.floor() as u32, style.max_px.floor() as u32);
    let mut best = fits(lo as f32).ok_or(StickerError::CaptionTooLong { min_px: lo })?;
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        match fits(mid as f32) {
            Some(l) => {
                best = l;
                lo = mid;
            }
            None => hi = mid - 1,
        }
    }
    Ok(best)
}

fn bad_style(msg: &str) -> StickerError {
    xuancai_imaging::ImagingError::InvalidParameter(format!("text style: {msg}")).into()
}

/// Draw a laid-out caption centred vertically in its box. `visible` limits
/// how many characters (not counting spaces) are drawn — the typewriter
/// effect — without reflowing the lines.
pub fn draw(
    img: &mut RgbaImage,
    font: &Font,
    layout: &Layout,
    style: &TextStyle,
    b: BoxPx,
    visible: Option<usize>,
) -> Result<()> {
    let fill = xuancai_imaging::compose::parse_color(&style.fill)?;
    let stroke_colour = xuancai_imaging::compose::parse_color(&style.stroke)?;
    let px = layout.px;
    let stroke = (px * style.stroke_ratio).round().max(0.0) as u32;
    let lh = line_height(font, px, style.line_spacing);
    let block = layout.lines.len() as f32 * lh;
    let mut y = b.y + (b.h - block) / 2.0;
    let mut left = visible.unwrap_or(usize::MAX);
    for line in &layout.lines {
        let shown: String = line
            .chars()
            .scan(0usize, |n, c| {
                if !c.is_whitespace() {
                    *n += 1;
                }
                (*n <= left || c.is_whitespace()).then_some(c)
            })
            .collect();
        left = left.saturating_sub(line.chars().filter(|c| !c.is_whitespace()).count());
        let full = text::measure(font, line, px);
        let x = match style.align {
            Align::Left => b.x + stroke as f32,
            Align::Center => b.x + (b.w - full) / 2.0,
            Align::Right => b.x + b.w - stroke as f32 - full,
        };
        if !shown.trim().is_empty() {
            let r = text::render_line(font, &shown, px)?;
            let (mx, my) = ((x + r.left).round() as i64, (y + r.top).round() as i64);
            let s = i64::from(stroke);
            if stroke > 0 {
                let halo = text::dilate(&r.mask, stroke);
                if style.shadow {
                    let off = (px / 24.0).round().max(1.0) as i64;
                    text::paint(img, &halo, mx - s + off, my - s + off, [0, 0, 0, 90]);
                }
                text::paint(img, &halo, mx - s, my - s, stroke_colour);
            } else if style.shadow {
                let off = (px / 24.0).round().max(1.0) as i64;
                text::paint(img, &r.mask, mx + off, my + off, [0, 0, 0, 110]);
            }
            text::paint(img, &r.mask, mx, my, fill);
        }
        y += lh;
    }
    Ok(())
}

/// Fit and draw in one call.
pub fn caption(
    img: &mut RgbaImage,
    font: &Font,
    text: &str,
    style: &TextStyle,
    at: Placement,
) -> Result<Layout> {
    let b = at.resolve(img.width(), img.height());
    let layout = fit(font, text, style, b)?;
    draw(img, font, &layout, style, b, None)?;
    Ok(layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_keep_punctuation_with_its_neighbour() {
        assert_eq!(units("你好，世界！"), ["你", "好，", "世", "界！"]);
        assert_eq!(units("说「好」"), ["说", "「好」"]);
        assert_eq!(units("hello big world"), ["hello ", "big ", "world"]);
        assert_eq!(units("OK了"), ["OK", "了"]);
        assert_eq!(units("a\nb"), ["a", "\n", "b"]);
    }

    #[test]
    fn placements_parse() {
        assert_eq!(Placement::parse("top").ok(), Some(Placement::Top));
        assert!(matches!(Placement::parse("1,2,30,40"), Ok(Placement::Free(_))));
        assert!(Placement::parse("1,2,-3,4").is_err());
        assert!(Placement::parse("middle").is_err());
    }

    #[test]
    fn emoji_are_recognised() {
        assert!(is_emoji('😀'));
        assert!(is_emoji('\u{FE0F}'));
        assert!(!is_emoji('好'));
        assert!(!is_emoji('A'));
        assert!(is_colour_emoji('😀') && is_colour_emoji('\u{FE0F}') && is_colour_emoji('\u{200D}'));
        assert!(!is_colour_emoji('★') && !is_colour_emoji('好'));
    }
}
