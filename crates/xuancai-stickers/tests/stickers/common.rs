//! Shared helpers for the sticker tests: the real font, the real models,
//! the real photos from the asset cache, and golden-image comparison.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use image::RgbaImage;
use xuancai_imaging::text::Font;
use xuancai_stickers::Maker;
use xuancai_vision::{AssetDir, Studio};

pub fn font() -> &'static Font {
    static FONT: OnceLock<Font> = OnceLock::new();
    FONT.get_or_init(|| {
        let path = AssetDir::from_env()
            .font()
            .unwrap_or_else(|e| panic!("run `make setup`: {e}"));
        Font::from_bytes(std::fs::read(path).expect("font file")).expect("font parses")
    })
}

pub fn studio() -> Arc<Studio> {
    static STUDIO: OnceLock<Arc<Studio>> = OnceLock::new();
    STUDIO
        .get_or_init(|| {
            Arc::new(
                Studio::with_onnxruntime(AssetDir::from_env(), 2)
                    .unwrap_or_else(|e| panic!("ONNX Runtime must be installed by `make setup`: {e}")),
            )
        })
        .clone()
}

pub fn maker() -> Maker {
    Maker::new(font().clone(), Some(studio()))
}

pub fn general_skipped() -> bool {
    std::env::var("XUANCAI_SKIP_AGPL_MODELS").as_deref() == Ok("1")
}

pub fn testdata(name: &str) -> Vec<u8> {
    let path = AssetDir::from_env().root().join("testdata").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{} (run `make setup`): {e}", path.display()))
}

/// Compare with `tests/golden/NAME.png` at 128×128 (RGBA, premultiplied so
/// invisible colours do not count): the mean absolute difference must stay
/// under `tolerance` (0–255). `XUANCAI_UPDATE_GOLDEN=1` rewrites the file.
pub fn assert_golden(name: &str, img: &RgbaImage, tolerance: f64) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.png"));
    let small = image::imageops::resize(img, 128, 128, image::imageops::FilterType::Triangle);
    if std::env::var("XUANCAI_UPDATE_GOLDEN").as_deref() == Ok("1") {
        small.save(&path).expect("write golden");
        return;
    }
    let golden = image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (XUANCAI_UPDATE_GOLDEN=1 writes it)", path.display()))
        .to_rgba8();
    let pm = |p: &image::Rgba<u8>| {
        let a = f64::from(p.0[3]) / 255.0;
        [
            f64::from(p.0[0]) * a,
            f64::from(p.0[1]) * a,
            f64::from(p.0[2]) * a,
            f64::from(p.0[3]),
        ]
    };
    let mut sum = 0.0;
    for (a, b) in small.pixels().zip(golden.pixels()) {
        let (a, b) = (pm(a), pm(b));
        sum += (0..4).map(|i| (a[i] - b[i]).abs()).sum::<f64>() / 4.0;
    }
    let mean = sum / f64::from(128 * 128);
    if mean >= tolerance {
        let out = std::env::temp_dir().join(format!("{name}.actual.png"));
        let _ = small.save(&out);
        panic!(
            "{name}: mean difference {mean:.2} ≥ {tolerance} (actual saved to {})",
            out.display()
        );
    }
}

/// A still photo's bytes as a quick animated GIF of `n` frames, the photo
/// sliding right a few pixels per frame.
pub fn animated_gif(name: &str, n: usize, side: u32) -> Vec<u8> {
    let bytes = testdata(name);
    let img = xuancai_imaging::decode::decode(&bytes, &Default::default())
        .expect("decode")
        .image;
    let img = image::imageops::resize(&img, side, side, image::imageops::FilterType::Triangle);
    let frames: Vec<xuancai_stickers::Frame> = (0..n)
        .map(|i| {
            let mut f = RgbaImage::from_pixel(side, side, image::Rgba([255, 255, 255, 255]));
            image::imageops::overlay(&mut f, &img, (i * 4) as i64, 0);
            xuancai_stickers::Frame {
                image: f,
                delay_ms: 80,
            }
        })
        .collect();
    xuancai_stickers::encode::encode_gif(&frames, 256).expect("gif")
}
