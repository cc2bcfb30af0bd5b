//! A contact sheet for eyeballing stickers: every frame of every input
//! (WebP, GIF, PNG, animated or not), 256 px each, on a grey checkerboard so
//! transparency and outlines show.
//!
//! `cargo run --release -p xuancai-stickers --example sheet -- OUT.png STICKER...`

use image::{Rgba, RgbaImage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: sheet OUT.png STICKER...")?;
    let mut tiles = Vec::new();
    for path in args {
        let bytes = std::fs::read(&path)?;
        let anim = xuancai_stickers::anim::decode(&bytes, &Default::default(), &Default::default(), 4096)?;
        for f in anim.frames.iter().take(8) {
            tiles.push(image::imageops::resize(
                &f.image,
                256,
                256,
                image::imageops::FilterType::Triangle,
            ));
        }
    }
    let cols = tiles.len().clamp(1, 6) as u32;
    let rows = (tiles.len() as u32).div_ceil(cols).max(1);
    let mut sheet = RgbaImage::from_fn(cols * 260, rows * 260, |x, y| {
        if (x / 16 + y / 16) % 2 == 0 {
            Rgba([200, 200, 200, 255])
        } else {
            Rgba([150, 150, 150, 255])
        }
    });
    for (i, t) in tiles.iter().enumerate() {
        let (c, r) = (i as u32 % cols, i as u32 / cols);
        image::imageops::overlay(&mut sheet, t, i64::from(c * 260 + 2), i64::from(r * 260 + 2));
    }
    sheet.save(&out)?;
    Ok(())
}
