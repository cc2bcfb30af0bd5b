//! Animated PNG, the one animated format Signal keeps moving (Signal
//! Desktop's sticker creator redraws any other animated file as a still;
//! issue 22 item 9a).
//!
//! Frames share one palette (quantised over all frames with alpha, index 0
//! kept for full transparency), and each frame after the first stores only
//! the rectangle that changed since the one before (`APNG_BLEND_OP_SOURCE`),
//! so a caption that types itself out costs a few rows per frame.

use image::RgbaImage;
use png::{BlendOp, ColorType, Compression, DisposeOp, Filter};

use crate::anim::Frame;
use crate::error::Result;

fn png_err(e: png::EncodingError) -> crate::StickerError {
    xuancai_imaging::ImagingError::Encode(format!("APNG: {e}")).into()
}

/// At most this many opaque or partly transparent pixels teach the palette.
const PALETTE_SAMPLES: usize = 250_000;

/// One palette for every frame: `colours` entries, index 0 transparent.
struct Palette {
    quant: Option<color_quant::NeuQuant>,
}

impl Palette {
    fn learn(frames: &[Frame], colours: u16) -> Self {
        let visible: usize = frames
            .iter()
            .map(|f| f.image.pixels().filter(|p| p.0[3] > 0).count())
            .sum();
        let step = visible.div_ceil(PALETTE_SAMPLES).max(1);
        let samples: Vec<u8> = frames
            .iter()
            .flat_map(|f| f.image.pixels())
            .filter(|p| p.0[3] > 0)
            .step_by(step)
            .flat_map(|p| p.0)
            .collect();
        let n = usize::from(colours.clamp(4, 256)) - 1;
        Self {
            quant: (samples.len() >= 4 * 4).then(|| color_quant::NeuQuant::new(10, n, &samples)),
        }
    }

    fn plte_trns(&self) -> (Vec<u8>, Vec<u8>) {
        let mut plte = vec![0, 0, 0];
        let mut trns = vec![0];
        if let Some(q) = &self.quant {
            for c in q.color_map_rgba().chunks_exact(4) {
                plte.extend_from_slice(&c[..3]);
                trns.push(c[3]);
            }
        }
        (plte, trns)
    }

    fn indices(&self, img: &RgbaImage) -> Vec<u8> {
        img.pixels()
            .map(|p| match (&self.quant, p.0[3]) {
                (Some(q), a) if a > 0 => (q.index_of(&p.0) + 1) as u8,
                _ => 0,
            })
            .collect()
    }
}

/// The smallest rectangle where `a` and `b` (w×h index images) differ, as
/// (x, y, w, h); `None` when they are the same.
fn changed(a: &[u8], b: &[u8], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    let row_differs = |y: usize| a[y * w..(y + 1) * w] != b[y * w..(y + 1) * w];
    let top = (0..h).find(|&y| row_differs(y))?;
    let bottom = (0..h).rev().find(|&y| row_differs(y))?;
    let col_differs = |x: usize| (top..=bottom).any(|y| a[y * w + x] != b[y * w + x]);
    let left = (0..w).find(|&x| col_differs(x))?;
    let right = (0..w).rev().find(|&x| col_differs(x))?;
    Some((left, top, right - left + 1, bottom - top + 1))
}

/// Encode frames as a looping APNG with a `colours`-entry shared palette.
/// One frame gives a plain (still) PNG.
pub fn encode(frames: &[Frame], colours: u16) -> Result<Vec<u8>> {
    let Some(first) = frames.first() else {
        return Err(xuancai_imaging::ImagingError::Encode("APNG: no frames".into()).into());
    };
    let (w, h) = first.image.dimensions();
    let palette = Palette::learn(frames, colours);
    let (plte, trns) = palette.plte_trns();
    let indexed: Vec<Vec<u8>> = frames.iter().map(|f| palette.indices(&f.image)).collect();
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette(plte);
        enc.set_trns(trns);
        enc.set_compression(Compression::High);
        enc.set_filter(Filter::NoFilter);
        let animated = frames.len() > 1;
        if animated {
            enc.set_animated(u32::try_from(frames.len()).unwrap_or(u32::MAX), 0)
                .map_err(png_err)?;
        }
        let mut writer = enc.write_header().map_err(png_err)?;
        let (wu, hu) = (w as usize, h as usize);
        for (i, f) in frames.iter().enumerate() {
            if animated {
                writer
                    .set_frame_delay(u16::try_from(f.delay_ms).unwrap_or(u16::MAX), 1000)
                    .map_err(png_err)?;
                writer.set_dispose_op(DisposeOp::None).map_err(png_err)?;
                writer.set_blend_op(BlendOp::Source).map_err(png_err)?;
            }
            let rect = match i {
                0 => None,
                _ => Some(changed(&indexed[i - 1], &indexed[i], wu, hu).unwrap_or((0, 0, 1, 1))),
            };
            match rect {
                Some((x, y, rw, rh)) => {
                    writer.reset_frame_position().map_err(png_err)?;
                    writer
                        .set_frame_dimension(rw as u32, rh as u32)
                        .map_err(png_err)?;
                    writer.set_frame_position(x as u32, y as u32).map_err(png_err)?;
                    let crop: Vec<u8> = (y..y + rh)
                        .flat_map(|row| indexed[i][row * wu + x..row * wu + x + rw].iter().copied())
                        .collect();
                    writer.write_image_data(&crop).map_err(png_err)?;
                }
                None => writer.write_image_data(&indexed[i]).map_err(png_err)?,
            }
        }
        writer.finish().map_err(png_err)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changed_rectangle_is_tight() {
        let a = vec![0u8; 20];
        let mut b = a.clone();
        b[5 + 2] = 1; // (2, 1) in a 5×4 image
        b[5 * 2 + 3] = 1; // (3, 2)
        assert_eq!(changed(&a, &b, 5, 4), Some((2, 1, 2, 2)));
        assert_eq!(changed(&a, &a, 5, 4), None);
    }
}
