//! The visible label ("AI生成") of the AI-content labelling measures: in a
//! corner, its text at least 5 % of the image's shorter side high, white
//! with a dark outline on a translucent dark plate so it reads on light and
//! dark photos alike.

use xuancai_imaging::RgbaImage;
use xuancai_imaging::text::{self, Font};

use crate::error::Result;

/// The default text of the visible label.
pub const TEXT: &str = "AI生成";
/// The smallest text height, as a share of the shorter side.
pub const MIN_SHARE: f32 = 0.05;

/// Where the label went, in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Placement {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    /// Height of the text's ink in pixels.
    pub text_height: u32,
}

/// Which corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Corner {
    TopLeft,
    TopRight,
    BottomLeft,
    #[default]
    BottomRight,
}

/// Draw the label; returns the rectangle it covers (plate included).
pub fn draw(img: &mut RgbaImage, font: &Font, label: &str, corner: Corner) -> Result<Placement> {
    let short = img.width().min(img.height()) as f32;
    // 6 % aims above the 5 % floor after rounding; at least 10 px so tiny
    // images still carry a readable mark, at most the image.
    let want = (short * (MIN_SHARE + 0.01)).max(10.0).min(short * 0.5).max(1.0);
    let probe = text::render_line(font, label, want)?;
    let px = want * want / probe.mask.height().max(1) as f32;
    let line = text::render_line(font, label, px)?;
    let stroke = ((line.mask.height() as f32) * 0.06).round().max(1.0) as u32;
    let outline = text::dilate(&line.mask, stroke);
    let pad = (line.mask.height() as f32 * 0.3).round() as u32 + stroke;
    let plate_w = (line.mask.width() + 2 * pad).min(img.width());
    let plate_h = (line.mask.height() + 2 * pad).min(img.height());
    let margin = (short * 0.02).round() as u32;
    let x = match corner {
        Corner::TopLeft | Corner::BottomLeft => margin,
        _ => img.width().saturating_sub(plate_w + margin),
    };
    let y = match corner {
        Corner::TopLeft | Corner::TopRight => margin,
        _ => img.height().saturating_sub(plate_h + margin),
    };
    let plate = image::GrayImage::from_pixel(plate_w, plate_h, image::Luma([255]));
    text::paint(img, &plate, i64::from(x), i64::from(y), [0, 0, 0, 110]);
    let (tx, ty) = (i64::from(x + pad), i64::from(y + pad));
    text::paint(
        img,
        &outline,
        tx - i64::from(stroke),
        ty - i64::from(stroke),
        [0, 0, 0, 230],
    );
    text::paint(img, &line.mask, tx, ty, [255, 255, 255, 255]);
    Ok(Placement {
        x,
        y,
        width: plate_w,
        height: plate_h,
        text_height: line.mask.height(),
    })
}
