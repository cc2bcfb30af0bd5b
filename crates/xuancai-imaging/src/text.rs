//! Text rendering with an OpenType font (TrueType or CFF outlines, through
//! `ab_glyph`): one line of text to a coverage mask, an outline around it,
//! and drawing either onto an image. The font is data the caller loads (the
//! CJK font comes from the asset cache); a character the font lacks is an
//! error, never a silent tofu box.

use ab_glyph::{Font as _, FontArc, PxScale, ScaleFont as _};
use image::GrayImage;

use crate::RgbaImage;
use crate::error::{ImagingError, Result};

/// A loaded font.
#[derive(Clone)]
pub struct Font {
    inner: FontArc,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font")
            .field("glyphs", &self.inner.glyph_count())
            .finish()
    }
}

impl Font {
    /// Parse an OpenType/TrueType font file.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        let inner = FontArc::try_from_vec(bytes).map_err(|e| ImagingError::Font(e.to_string()))?;
        Ok(Self { inner })
    }

    /// The first character of `text` the font cannot draw.
    pub fn missing(&self, text: &str) -> Option<char> {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .find(|&c| self.inner.glyph_id(c).0 == 0)
    }
}

/// One line of text as coverage (0..255), tightly cropped to its ink.
#[derive(Debug, Clone)]
pub struct Line {
    pub mask: GrayImage,
    /// Where the mask's top-left corner sits relative to the pen origin at
    /// the line's top (the ascent line) and left edge: lines rendered
    /// separately stay on a common baseline when placed by these offsets.
    pub left: f32,
    pub top: f32,
    /// The pen's advance over the whole line (its layout width).
    pub advance: f32,
}

/// Vertical metrics at `px` pixels per em: (ascent, descent, line gap);
/// descent is negative.
pub fn metrics(font: &Font, px: f32) -> (f32, f32, f32) {
    let s = font.inner.as_scaled(PxScale::from(px));
    (s.ascent(), s.descent(), s.line_gap())
}

/// The layout width of `text` on one line (advances and kerning), without
/// drawing it. Characters the font lacks count as its `.notdef` advance.
pub fn measure(font: &Font, text: &str, px: f32) -> f32 {
    let scaled = font.inner.as_scaled(PxScale::from(px));
    let mut width = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        prev = Some(id);
    }
    width
}

/// Render `text` on one line with the font at `px` pixels per em.
pub fn render_line(font: &Font, text: &str, px: f32) -> Result<Line> {
    if let Some(c) = font.missing(text) {
        return Err(ImagingError::GlyphMissing(c));
    }
    if !(px.is_finite() && px > 0.0 && px < 4096.0) {
        return Err(ImagingError::InvalidParameter(format!("text size {px}")));
    }
    let scaled = font.inner.as_scaled(PxScale::from(px));
    let mut caret = 0.0f32;
    let mut prev = None;
    let mut outlined = Vec::new();
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(px, ab_glyph::point(caret, scaled.ascent()));
        caret += scaled.h_advance(id);
        prev = Some(id);
        if let Some(o) = font.inner.outline_glyph(glyph) {
            outlined.push(o);
        }
    }
    let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
    for o in &outlined {
        let b = o.px_bounds();
        lo = [lo[0].min(b.min.x), lo[1].min(b.min.y)];
        hi = [hi[0].max(b.max.x), hi[1].max(b.max.y)];
    }
    if outlined.is_empty() {
        return Ok(Line {
            mask: GrayImage::new(1, 1),
            left: 0.0,
            top: 0.0,
            advance: caret,
        });
    }
    let (w, h) = (
        (hi[0] - lo[0]).ceil() as u32 + 1,
        (hi[1] - lo[1]).ceil() as u32 + 1,
    );
    let mut mask = GrayImage::new(w, h);
    for o in &outlined {
        let b = o.px_bounds();
        let (ox, oy) = ((b.min.x - lo[0]) as i64, (b.min.y - lo[1]) as i64);
        o.draw(|x, y, cov| {
            let (px, py) = (ox + i64::from(x), oy + i64::from(y));
            if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                let p = mask.get_pixel_mut(px as u32, py as u32);
                p.0[0] = p.0[0].max((cov.clamp(0.0, 1.0) * 255.0).round() as u8);
            }
        });
    }
    Ok(Line {
        mask,
        left: lo[0],
        top: lo[1],
        advance: caret,
    })
}

/// The mask grown by `radius` pixels (a disc-shaped maximum filter), on a
/// canvas padded by the radius: the outline (stroke) behind text.
pub fn dilate(mask: &GrayImage, radius: u32) -> GrayImage {
    let r = radius as i64;
    let (w, h) = (mask.width() + 2 * radius, mask.height() + 2 * radius);
    let mut out = GrayImage::new(w, h);
    let offsets: Vec<(i64, i64)> = (-r..=r)
        .flat_map(|dy| (-r..=r).map(move |dx| (dx, dy)))
        .filter(|(dx, dy)| dx * dx + dy * dy <= r * r + r)
        .collect();
    for (x, y, p) in mask.enumerate_pixels() {
        if p.0[0] == 0 {
            continue;
        }
        for &(dx, dy) in &offsets {
            let (px, py) = ((i64::from(x) + r + dx) as u32, (i64::from(y) + r + dy) as u32);
            let q = out.get_pixel_mut(px, py);
            q.0[0] = q.0[0].max(p.0[0]);
        }
    }
    out
}

/// Paint `colour` through `mask` at (x, y), alpha-blended (straight alpha).
pub fn paint(img: &mut RgbaImage, mask: &GrayImage, x: i64, y: i64, colour: [u8; 4]) {
    for (mx, my, m) in mask.enumerate_pixels() {
        let (px, py) = (x + i64::from(mx), y + i64::from(my));
        if px < 0 || py < 0 || px >= i64::from(img.width()) || py >= i64::from(img.height()) {
            continue;
        }
        let a = f32::from(m.0[0]) / 255.0 * f32::from(colour[3]) / 255.0;
        if a <= 0.0 {
            continue;
        }
        let p = img.get_pixel_mut(px as u32, py as u32);
        let da = f32::from(p.0[3]) / 255.0;
        let oa = a + da * (1.0 - a);
        for (out, &c) in p.0.iter_mut().zip(&colour[..3]) {
            let v = (f32::from(c) * a + f32::from(*out) * da * (1.0 - a)) / oa.max(1e-6);
            *out = v.round().clamp(0.0, 255.0) as u8;
        }
        p.0[3] = (oa * 255.0).round() as u8;
    }
}
