//! The three AI-content labels on every format the server and CLI write
//! (IMG-3): visible, GB 45438-2025 `AIGC` metadata, C2PA manifest.

use xuancai_aigc::{Labeller, Provenance, inspect, visible};
use xuancai_imaging::RgbaImage;
use xuancai_imaging::encode::{OutputFormat, encode_rgba};

fn font_path() -> std::path::PathBuf {
    let root = std::env::var_os("XUANCAI_ASSETS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("XDG_CACHE_HOME")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| {
                    std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache")
                })
                .join("xuancai")
        });
    root.join("fonts/SourceHanSansSC-Bold.otf")
}

fn labeller() -> Labeller {
    Labeller::from_font_file(&font_path()).unwrap_or_else(|e| panic!("run `make setup` first: {e}"))
}

fn photo(w: u32, h: u32, shade: u8) -> RgbaImage {
    RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([shade, shade.wrapping_add((x % 7) as u8), (y % 5) as u8 * 9, 255])
    })
}

fn provenance() -> Provenance {
    Provenance {
        producer: "测试运营方".into(),
        produce_id: "xc-test-1".into(),
        propagator: Some(("xuancai-feed".into(), "w_42".into())),
        action: "face swap".into(),
    }
}

#[test]
fn every_format_carries_the_aigc_entry_and_a_c2pa_manifest() {
    let l = labeller();
    for format in [OutputFormat::Png, OutputFormat::Jpeg, OutputFormat::WebP] {
        let mut img = photo(320, 240, 120);
        l.mark(&mut img).expect("visible label");
        let encoded = encode_rgba(&img, format).expect("encode");
        let labelled = l.finish(&encoded, &provenance()).expect("labels");
        let report = inspect(&labelled).expect("inspect");
        assert!(report.is_labelled(), "{format:?}: {report:?}");
        let aigc = report.aigc.expect("AIGC");
        assert_eq!(aigc.label, "1");
        assert_eq!(aigc.content_producer, "测试运营方");
        assert_eq!(aigc.produce_id, "xc-test-1");
        assert_eq!(
            (aigc.content_propagator.as_str(), aigc.propagate_id.as_str()),
            ("xuancai-feed", "w_42")
        );
        let m = report.c2pa.expect("manifest");
        assert_ne!(
            m.validation_state, "Invalid",
            "{format:?}: {:?}",
            m.validation_codes
        );
        assert!(m.actions.contains(&"c2pa.edited".to_string()));
        // The file still decodes to the same pixels.
        let back = image::load_from_memory(&labelled).expect("decodes").to_rgba8();
        assert_eq!(back.dimensions(), img.dimensions());
        if format == OutputFormat::Png {
            assert_eq!(back, img, "{format:?}: lossless pixels survive labelling");
        }
        // JPEG and an opaque WebP are lossy: labelling keeps their encoded pixels.
        let before = image::load_from_memory(&encoded).expect("decodes").to_rgba8();
        assert_eq!(back, before, "{format:?}: labelling changed no pixel");
    }
}

#[test]
fn an_unlabelled_file_reports_no_labels() {
    let encoded = encode_rgba(&photo(64, 64, 30), OutputFormat::Png).expect("encode");
    let report = inspect(&encoded).expect("inspect");
    assert!(report.aigc.is_none() && report.c2pa.is_none() && !report.is_labelled());
}

#[test]
fn a_tampered_file_fails_validation() {
    let l = labeller();
    let encoded = encode_rgba(&photo(200, 150, 200), OutputFormat::Png).expect("encode");
    let mut labelled = l.finish(&encoded, &provenance()).expect("labels");
    // Flip a byte of the image data (the last IDAT byte before IEND's chunk).
    let n = labelled.len();
    labelled[n - 20] ^= 0x55;
    // Either the manifest no longer parses or it validates as Invalid.
    if let Ok(report) = inspect(&labelled) {
        let m = report.c2pa.expect("the manifest is still there");
        assert_eq!(m.validation_state, "Invalid", "{:?}", m.validation_codes);
    }
}

fn luma(p: &image::Rgba<u8>) -> f32 {
    0.299 * f32::from(p.0[0]) + 0.587 * f32::from(p.0[1]) + 0.114 * f32::from(p.0[2])
}

#[test]
fn the_visible_label_is_tall_enough_and_legible_on_light_and_dark() {
    let l = labeller();
    for (w, h) in [(1920, 1080), (512, 512), (300, 900), (64, 48)] {
        for shade in [250u8, 5] {
            let mut img = photo(w, h, shade);
            let before = img.clone();
            let p = l.mark(&mut img).expect("label");
            let short = w.min(h) as f32;
            assert!(
                p.text_height as f32 >= visible::MIN_SHARE * short,
                "{w}x{h}: text {} px < 5 % of {short}",
                p.text_height
            );
            assert!(p.x + p.width <= w && p.y + p.height <= h, "inside the frame");
            // In a corner (bottom right by default).
            assert!(
                p.x + p.width >= w - (short * 0.05) as u32 - 1
                    && p.y + p.height >= h - (short * 0.05) as u32 - 1
            );
            // Legible: the label holds both near-white text and dark plate/outline pixels,
            // with strong contrast, whatever the photo's shade.
            let (mut hi, mut lo) = (0.0f32, 255.0f32);
            for y in p.y..p.y + p.height {
                for x in p.x..p.x + p.width {
                    let v = luma(img.get_pixel(x, y));
                    hi = hi.max(v);
                    lo = lo.min(v);
                }
            }
            assert!(hi > 240.0 && lo < 60.0, "{w}x{h} shade {shade}: luma {lo}..{hi}");
            // Nothing outside the label changed.
            for (x, y, px) in img.enumerate_pixels() {
                let inside = x >= p.x && x < p.x + p.width && y >= p.y && y < p.y + p.height;
                if !inside {
                    assert_eq!(px, before.get_pixel(x, y));
                }
            }
        }
    }
}

#[test]
fn a_missing_glyph_is_a_clear_error() {
    let font =
        xuancai_imaging::text::Font::from_bytes(std::fs::read(font_path()).expect("font")).expect("parse");
    let err = xuancai_imaging::text::render_line(&font, "ok \u{10FFFD}", 20.0).expect_err("no glyph");
    assert_eq!(err.code(), "glyph_missing");
    assert!(xuancai_imaging::text::Font::from_bytes(b"not a font".to_vec()).is_err());
}
