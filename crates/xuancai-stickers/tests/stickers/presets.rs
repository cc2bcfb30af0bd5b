//! Platform presets on real photos (IMG-4): every preset's output passes our
//! validator and its byte limits; the validator names every broken rule;
//! animated inputs keep their frames through cutout and captions.

use std::collections::BTreeMap;

use image::{Rgba, RgbaImage};
use xuancai_stickers::anim::{self, Animation, Frame};
use xuancai_stickers::preset::{self, Platform};
use xuancai_stickers::template::{self, CaptionAt};
use xuancai_stickers::{Effect, caption::TextStyle, encode};
use xuancai_vision::ModelChoice;

fn texts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn rules_met(bytes: &[u8], platform: Platform, what: &str) {
    let violations = preset::validate_sticker(bytes, platform, what);
    assert!(
        violations.is_empty(),
        "{what} for {}: {violations:#?}",
        platform.name()
    );
}

#[test]
fn img4_every_preset_output_for_real_photos_passes_the_validator() {
    let maker = crate::common::maker();
    let mut photos = vec!["astronaut.png", "faceapi-sample1.jpg"];
    if !crate::common::general_skipped() {
        photos.extend(["chelsea.png", "coffee.png"]);
    }
    let captioned = template::sticker(8.0, true, Some(CaptionAt::Bottom), TextStyle::default(), None);
    for name in photos {
        let bytes = crate::common::testdata(name);
        let photo = maker.decode(&bytes).expect("decode");
        // Cut once per photo; every preset renders from it.
        let (cut, _) = maker.cut(&photo, ModelChoice::Auto).expect("cutout");
        for platform in Platform::ALL {
            let side = platform.rules().side;
            let frames = xuancai_stickers::render::render(
                &captioned,
                crate::common::font(),
                side,
                xuancai_stickers::render::Inputs {
                    photo: &photo,
                    cutout: Some(&cut),
                    texts: &texts(&[("caption", "今天也要开心 OK")]),
                },
            )
            .expect("render");
            let out = preset::export(frames, platform).expect("export");
            rules_met(&out.sticker.bytes, platform, name);
            let r = platform.rules();
            assert!(out.sticker.bytes.len() as u64 <= r.still_max_bytes);
            if let Some((side, fmt)) = r.thumbnail {
                let t = out.thumbnail.as_ref().expect("thumbnail");
                assert!(preset::validate_icon(t, side, fmt, None, "thumb").is_empty());
            }
        }
    }
}

#[test]
fn img4_animated_stickers_meet_every_animated_preset() {
    let maker = crate::common::maker().with_assets_encoders(&xuancai_vision::AssetDir::from_env());
    let bytes = crate::common::testdata("astronaut.png");
    for effect in [Effect::Shake, Effect::Pulse, Effect::Typewriter, Effect::Flash] {
        let t = template::sticker(
            8.0,
            false,
            Some(CaptionAt::Bottom),
            TextStyle::default(),
            Some(effect),
        );
        for platform in Platform::ALL {
            let made = maker
                .make(
                    &bytes,
                    &t,
                    &texts(&[("caption", "哈哈哈 LOL")]),
                    platform,
                    ModelChoice::Portrait,
                )
                .unwrap_or_else(|e| panic!("{effect:?} {platform:?}: {e}"));
            let info = preset::inspect(&made.export.sticker.bytes, &Default::default()).expect("inspect");
            assert!(info.animated(), "{effect:?} {platform:?} is animated");
            rules_met(&made.export.sticker.bytes, platform, effect.name());
        }
    }
}

#[test]
fn img4_gif_inputs_keep_their_frames_through_cutout_and_captions() {
    let maker = crate::common::maker();
    let gif = crate::common::animated_gif("astronaut.png", 5, 256);
    let t = template::sticker(8.0, false, Some(CaptionAt::Top), TextStyle::default(), None);
    for platform in [Platform::WhatsApp, Platform::WeChat] {
        let made = maker
            .make(
                &gif,
                &t,
                &texts(&[("caption", "动起来")]),
                platform,
                ModelChoice::Portrait,
            )
            .expect("make");
        let info = preset::inspect(&made.export.sticker.bytes, &Default::default()).expect("inspect");
        assert_eq!(info.frames, 5, "{platform:?}");
        assert_eq!(info.duration_ms, 400);
        rules_met(&made.export.sticker.bytes, platform, "gif input");
        // The caption is on every frame (top band inked).
        for f in &made.export.frames.frames {
            let band =
                image::imageops::crop_imm(&f.image, 0, 0, f.image.width(), f.image.height() / 5).to_image();
            assert!(band.pixels().filter(|p| p.0[3] > 200).count() > 500);
        }
    }
    // An animated WebP made by us reads back with its frames too.
    let made = maker
        .make(
            &gif,
            &t,
            &texts(&[("caption", "动起来")]),
            Platform::WhatsApp,
            ModelChoice::Portrait,
        )
        .expect("make");
    let again = maker.decode(&made.export.sticker.bytes).expect("webp frames");
    assert_eq!(again.frames.len(), 5);
}

/// Noise compresses badly: the search must lower the quality (or the frame
/// rate) until the limit is met, and say what it chose.
#[test]
fn img4_byte_limits_are_met_by_searching_not_by_luck() {
    let mut seed = 0x2545F491u32;
    let mut noise = |w, h| {
        RgbaImage::from_fn(w, h, |_, _| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let b = seed.to_le_bytes();
            Rgba([b[0], b[1], b[2], 255])
        })
    };
    let img = noise(512, 512);
    let lossless = xuancai_stickers::webp::encode_still(&img, None).expect("lossless");
    assert!(lossless.len() > 100 * 1024, "noise is big losslessly");
    let out = encode::webp_still(&img, 100 * 1024).expect("fits");
    assert!(out.bytes.len() <= 100 * 1024);
    assert!(
        out.setting.starts_with("quality") && out.setting != "quality 95",
        "{}",
        out.setting
    );

    let frames: Vec<Frame> = (0..24)
        .map(|_| Frame {
            image: noise(512, 512),
            delay_ms: 50,
        })
        .collect();
    let out = encode::webp_animation(&frames, 500 * 1024).expect("fits");
    assert!(out.bytes.len() <= 500 * 1024);
    assert!(out.frames < 24, "frames were dropped: {:?}", out.notes);
    let info = preset::inspect(&out.bytes, &Default::default()).expect("inspect");
    assert_eq!(info.duration_ms, 24 * 50, "the duration is kept");

    let small: Vec<Frame> = (0..30)
        .map(|_| Frame {
            image: noise(240, 240),
            delay_ms: 100,
        })
        .collect();
    let gif = encode::gif(&small, 500 * 1024).expect("gif fits");
    assert!(gif.bytes.len() <= 500 * 1024);

    // A limit no setting can meet is a typed error naming the smallest size.
    let e = encode::webp_still(&img, 200).expect_err("impossible");
    assert_eq!(e.code(), "sticker_too_large");
}

#[test]
fn img4_the_validator_reports_every_broken_rule() {
    let rule_set = |bytes: &[u8], p: Platform| {
        let mut r: Vec<&str> = preset::validate_sticker(bytes, p, "x")
            .iter()
            .map(|v| v.rule)
            .collect();
        r.sort_unstable();
        r
    };
    // A 600×400 lossless noisy PNG: wrong size and format for WhatsApp, and too big.
    let big = RgbaImage::from_fn(600, 400, |x, y| {
        Rgba([((x * 7) ^ (y * 13)) as u8, (x * y) as u8, (x + y * 3) as u8, 255])
    });
    let png = encode::png(&big, u64::MAX, "t").expect("png").bytes;
    assert!(png.len() > 100 * 1024);
    assert_eq!(
        rule_set(&png, Platform::WhatsApp),
        ["bytes", "dimensions", "format", "margin"]
    );
    assert_eq!(rule_set(&png, Platform::Telegram), ["dimensions"]);
    let wechat = rule_set(&png, Platform::WeChat);
    assert!(
        wechat.contains(&"dimensions") && wechat.contains(&"format"),
        "{wechat:?}"
    );
    // Telegram: one side 512, the other smaller is fine.
    let tall = encode::webp_still(&RgbaImage::new(300, 512), 1 << 20)
        .expect("webp")
        .bytes;
    assert!(rule_set(&tall, Platform::Telegram).is_empty());
    assert_eq!(rule_set(&tall, Platform::Signal), ["dimensions"]);
    // Animated WebP with a 5 ms frame and 12 s in all.
    let mut frames: Vec<Frame> = (0..4)
        .map(|i| Frame {
            image: RgbaImage::from_pixel(512, 512, Rgba([i * 60 + 30, 0, 0, 255])),
            delay_ms: 4000,
        })
        .collect();
    frames[1].delay_ms = 5;
    let webp = xuancai_stickers::webp::encode_animation(&frames, Some(50.0)).expect("anim");
    assert_eq!(
        rule_set(&webp, Platform::WhatsApp),
        ["duration", "frame_duration", "margin"]
    );
    assert_eq!(
        rule_set(&webp, Platform::Telegram),
        ["duration", "format", "frame_rate"]
    );
    // Garbage is reported, not a panic.
    assert_eq!(rule_set(b"not an image", Platform::Signal), ["unreadable"]);
    // The export conforms what the validator would flag: frames ≥ 8 ms, ≤ 10 s.
    let out = preset::export(Animation { frames }, Platform::WhatsApp).expect("export");
    let left = preset::validate_sticker(&out.sticker.bytes, Platform::WhatsApp, "x");
    assert!(left.is_empty(), "{left:?}");
    assert!(
        out.notes.iter().any(|n| n.contains("10000 ms")),
        "{:?}",
        out.notes
    );
}

#[test]
fn img4_animation_bombs_are_refused_before_decoding_everything() {
    let frames: Vec<Frame> = (0..12)
        .map(|_| Frame {
            image: RgbaImage::new(64, 64),
            delay_ms: 50,
        })
        .collect();
    let gif = encode::encode_gif(&frames, 16).expect("gif");
    let limits = anim::FrameLimits {
        max_frames: 10,
        max_total_pixels: u64::MAX,
    };
    let e = anim::decode(&gif, &Default::default(), &limits, 1024).expect_err("too many frames");
    assert_eq!(e.code(), "animation_too_large");
    let limits = anim::FrameLimits {
        max_frames: 100,
        max_total_pixels: 64 * 64 * 5,
    };
    let e = anim::decode(&gif, &Default::default(), &limits, 1024).expect_err("too many pixels");
    assert_eq!(e.code(), "animation_too_large");
    // A truncated animation is refused, never cut to the frames it still
    // holds (issue 21 item 6).
    let e = anim::decode(
        &gif[..gif.len() / 2],
        &Default::default(),
        &Default::default(),
        1024,
    )
    .map(|_| ())
    .expect_err("a truncated GIF");
    assert_eq!(e.code(), "image_truncated");
}
