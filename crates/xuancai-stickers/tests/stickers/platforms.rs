//! Moving stickers that survive the platforms' importers (issue 22 item 9a,
//! IMG-4): Signal's as APNG (the one animated format Signal Desktop keeps
//! moving) under 300,000 bytes; Telegram's as WebM VP9 video with alpha,
//! checked by FFmpeg's own ffprobe and decoder; WhatsApp's with 16 px kept
//! clear in every frame. Each on real photos, every effect.

use std::collections::BTreeMap;
use std::process::Command;

use image::{Rgba, RgbaImage};
use xuancai_stickers::anim::{self, Animation, Frame};
use xuancai_stickers::preset::{self, Encoders, Platform};
use xuancai_stickers::template::{self, CaptionAt};
use xuancai_stickers::vp9::Vp9;
use xuancai_stickers::{Effect, Maker, caption::TextStyle, webp};
use xuancai_vision::{AssetDir, ModelChoice};

const EFFECTS: [Effect; 4] = [Effect::Shake, Effect::Pulse, Effect::Typewriter, Effect::Flash];

fn maker() -> Maker {
    let m = crate::common::maker().with_assets_encoders(&AssetDir::from_env());
    assert!(
        m.encoders.vp9.is_some(),
        "libvpx from the asset cache (run `make setup`): {:?}",
        m.encoders.vp9_unavailable
    );
    m
}

fn make(maker: &Maker, photo: &str, caption: &str, effect: Effect, platform: Platform) -> Vec<u8> {
    let t = template::sticker(
        8.0,
        false,
        Some(CaptionAt::Bottom),
        TextStyle::default(),
        Some(effect),
    );
    let texts: BTreeMap<String, String> = [("caption".to_string(), caption.to_string())].into();
    let made = maker
        .make(
            &crate::common::testdata(photo),
            &t,
            &texts,
            platform,
            ModelChoice::Portrait,
        )
        .unwrap_or_else(|e| panic!("{effect:?} {platform:?}: {e}"));
    made.export.sticker.bytes
}

fn rules(bytes: &[u8], platform: Platform) -> Vec<&'static str> {
    preset::validate_sticker(bytes, platform, "x")
        .iter()
        .map(|v| v.rule)
        .collect()
}

fn moving_frames(n: u8, delay_ms: u32) -> Vec<Frame> {
    (0..n)
        .map(|i| Frame {
            image: RgbaImage::from_fn(512, 512, |x, y| {
                let inside = (64..448).contains(&x) && (64..448).contains(&y);
                Rgba([
                    i.wrapping_mul(40),
                    (x / 2) as u8,
                    (y / 2) as u8,
                    if inside { 255 } else { 0 },
                ])
            }),
            delay_ms,
        })
        .collect()
}

#[test]
fn img4_signal_moving_stickers_are_apng_under_300000_bytes() {
    let maker = maker();
    for effect in EFFECTS {
        let bytes = make(
            &maker,
            "astronaut.png",
            "今天也要开开心心 OK",
            effect,
            Platform::Signal,
        );
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{effect:?}: a PNG");
        let info = preset::inspect(&bytes, &Default::default()).expect("inspect");
        assert_eq!(info.format, "png");
        assert!(
            info.frames > 1,
            "{effect:?}: APNG keeps its frames ({})",
            info.frames
        );
        assert!(
            info.bytes <= 285_000,
            "{effect:?}: {} bytes, 5 % clear of Signal's 300,000",
            info.bytes
        );
        assert!(
            rules(&bytes, Platform::Signal).is_empty(),
            "{effect:?}: {:?}",
            rules(&bytes, Platform::Signal)
        );
        // The frames read back as drawn: the first frame's transparency kept.
        let frames = anim::decode(&bytes, &Default::default(), &Default::default(), 512).expect("decode");
        assert_eq!(frames.frames.len(), info.frames);
        assert_eq!(
            frames.frames[0].image.get_pixel(0, 0).0[3],
            0,
            "{effect:?}: a transparent corner"
        );
    }
    // An animated WebP would arrive still: the validator says so.
    let anim_webp = webp::encode_animation(&moving_frames(3, 100), Some(60.0)).expect("webp");
    assert_eq!(rules(&anim_webp, Platform::Signal), ["format"]);
    let v = preset::validate_sticker(&anim_webp, Platform::Signal, "x");
    assert!(v[0].message.contains("APNG"), "{}", v[0].message);
}

#[test]
fn img4_whatsapp_moving_stickers_keep_16px_clear_in_every_frame() {
    let maker = maker();
    for effect in EFFECTS {
        // A long caption reaches across the sticker: the shake carries it
        // past the margin unless every frame is brought inside.
        let bytes = make(
            &maker,
            "astronaut.png",
            "今天也要开开心心开开心心 OK",
            effect,
            Platform::WhatsApp,
        );
        let frames = anim::decode(&bytes, &Default::default(), &Default::default(), 512).expect("decode");
        assert!(frames.is_animated());
        for (i, f) in frames.frames.iter().enumerate() {
            let (l, t, r, b) = preset::visible_box(&f.image).expect("something visible");
            let nearest = l.min(t).min(511 - r).min(511 - b);
            assert!(nearest >= 16, "{effect:?} frame {i}: {nearest} px from an edge");
        }
        assert!(rules(&bytes, Platform::WhatsApp).is_empty(), "{effect:?}");
    }
    // A frame that reaches within 5 px of the edge is named by the validator.
    let mut frames = moving_frames(2, 100);
    frames[1].image = RgbaImage::from_fn(512, 512, |x, _| {
        Rgba([9, 9, 9, if (5..300).contains(&x) { 255 } else { 0 }])
    });
    let near = webp::encode_animation(&frames, Some(60.0)).expect("webp");
    let v = preset::validate_sticker(&near, Platform::WhatsApp, "x");
    assert_eq!(v.iter().map(|v| v.rule).collect::<Vec<_>>(), ["margin"]);
    assert!(v[0].message.contains("frame 2"), "{}", v[0].message);
    // And the export brings the same frames inside.
    let out = preset::export(Animation { frames }, Platform::WhatsApp).expect("export");
    assert!(rules(&out.sticker.bytes, Platform::WhatsApp).is_empty());
}

/// ffprobe's view of a file: (streams, format) as JSON.
fn ffprobe(path: &std::path::Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-count_frames",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe (Debian's ffmpeg; tools/ci/test.sh installs it)");
    assert!(
        out.status.success(),
        "ffprobe: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe JSON")
}

/// The first frame as FFmpeg's libvpx decoder gives it, alpha included.
fn first_frame_rgba(path: &std::path::Path) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-c:v", "libvpx-vp9", "-i"])
        .arg(path)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgba", "-"])
        .output()
        .expect("ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn ratio(s: &str) -> f64 {
    let (n, d) = s.split_once('/').unwrap_or((s, "1"));
    n.parse::<f64>().unwrap_or(f64::NAN) / d.parse::<f64>().unwrap_or(f64::NAN)
}

#[test]
fn img4_telegram_moving_stickers_are_vp9_webm_that_ffprobe_accepts() {
    let maker = maker();
    let dir = tempfile::tempdir().expect("tempdir");
    for effect in EFFECTS {
        let bytes = make(&maker, "astronaut.png", "哈哈哈 LOL", effect, Platform::Telegram);
        assert!(bytes.len() <= 256 * 1024, "{effect:?}: {} bytes", bytes.len());
        assert!(
            rules(&bytes, Platform::Telegram).is_empty(),
            "{effect:?}: {:?}",
            rules(&bytes, Platform::Telegram)
        );
        let path = dir.path().join(format!("{}.webm", effect.name()));
        std::fs::write(&path, &bytes).expect("write");
        let p = ffprobe(&path);
        let streams = p["streams"].as_array().expect("streams");
        assert_eq!(streams.len(), 1, "{effect:?}: one stream, no sound");
        let s = &streams[0];
        assert_eq!(s["codec_type"], "video");
        assert_eq!(s["codec_name"], "vp9", "{effect:?}");
        assert_eq!(
            (s["width"].as_u64(), s["height"].as_u64()),
            (Some(512), Some(512))
        );
        assert_eq!(s["tags"]["alpha_mode"], "1", "{effect:?}: transparency signalled");
        let duration: f64 = p["format"]["duration"]
            .as_str()
            .unwrap_or("9")
            .parse()
            .unwrap_or(9.0);
        assert!(duration > 0.0 && duration <= 3.0, "{effect:?}: {duration} s");
        assert!(p["format"]["format_name"].as_str().unwrap_or("").contains("webm"));
        let frames: u64 = s["nb_read_frames"].as_str().unwrap_or("0").parse().unwrap_or(0);
        assert!(frames > 1, "{effect:?}: {frames} frames decoded");
        let fps = ratio(s["r_frame_rate"].as_str().unwrap_or("0"));
        assert!(fps > 0.0 && fps <= 30.0, "{effect:?}: r_frame_rate {fps}");
        let mean = frames as f64 / duration;
        assert!(mean <= 30.0, "{effect:?}: {mean} frames a second");
        // Decoded with its alpha: the corner is clear, the subject is solid.
        let rgba = first_frame_rgba(&path);
        assert_eq!(rgba.len(), 512 * 512 * 4);
        assert!(rgba[3] < 8, "{effect:?}: corner alpha {}", rgba[3]);
        let solid = rgba.chunks_exact(4).filter(|p| p[3] > 247).count();
        assert!(solid > 512 * 512 / 10, "{effect:?}: {solid} solid pixels");
    }
}

#[test]
fn img4_telegram_video_rules_are_kept_and_checked() {
    let vp9 = Vp9::from_assets(&AssetDir::from_env()).expect("libvpx");
    let encoders = Encoders {
        vp9: Some(vp9),
        vp9_unavailable: None,
    };
    // 5 s at 50 fps in: cut to 3 s, slowed to 30 fps at most.
    let long = Animation {
        frames: moving_frames(250, 20),
    };
    let out = preset::export_with(long, Platform::Telegram, &encoders).expect("export");
    let info = preset::inspect(&out.sticker.bytes, &Default::default()).expect("inspect");
    assert_eq!(info.format, "webm");
    assert!(info.duration_ms <= 3000, "{} ms", info.duration_ms);
    assert!(info.delays_ms.iter().all(|&d| d >= 33), "{:?}", info.delays_ms);
    assert!(rules(&out.sticker.bytes, Platform::Telegram).is_empty());
    assert!(out.notes.iter().any(|n| n.contains("3000 ms")), "{:?}", out.notes);

    // Files that break the rules are named: 50 fps and 4 s, and a WebM
    // for a platform that takes none.
    let fast = xuancai_stickers::encode::webm(
        &moving_frames(200, 20),
        250_000,
        encoders.vp9.as_ref().expect("vp9"),
    )
    .expect("webm");
    let mut r = rules(&fast.bytes, Platform::Telegram);
    r.sort_unstable();
    assert_eq!(r, ["duration", "frame_rate"]);
    assert_eq!(rules(&fast.bytes, Platform::WhatsApp), ["format"]);
    // A moving WebP is no Telegram sticker.
    let anim_webp = webp::encode_animation(&moving_frames(3, 100), Some(60.0)).expect("webp");
    assert_eq!(rules(&anim_webp, Platform::Telegram), ["format"]);

    // Without libvpx a moving Telegram sticker is a typed refusal.
    let e = preset::export(
        Animation {
            frames: moving_frames(3, 100),
        },
        Platform::Telegram,
    )
    .expect_err("no encoder");
    assert_eq!(e.code(), "encoder_unavailable");
    // A wrong library is refused when opened, not when it crashes.
    let font = AssetDir::from_env().font().expect("font");
    let e = Vp9::open(&font).expect_err("not a library");
    assert_eq!(e.code(), "encoder_unavailable");
}

/// libwebp trims each frame to what it shows; when no stored frame then
/// holds a transparent pixel it left the file's alpha flag off, and readers
/// that trust the flag (the `image` crate, so our own validator) painted a
/// sticker's clear edges opaque black.
#[test]
fn img4_a_moving_webp_keeps_its_clear_edges_clear() {
    for quality in [None, Some(90.0f32), Some(30.0)] {
        let frames: Vec<Frame> = (0..3u8)
            .map(|i| Frame {
                image: RgbaImage::from_fn(512, 512, |x, y| {
                    let inside = (18..494).contains(&x) && (18..494).contains(&y);
                    Rgba([i * 60 + 30, 0, 0, if inside { 255 } else { 0 }])
                }),
                delay_ms: 100,
            })
            .collect();
        let bytes = webp::encode_animation(&frames, quality).expect("encode");
        let back = anim::decode(&bytes, &Default::default(), &Default::default(), 512).expect("decode");
        for (i, f) in back.frames.iter().enumerate() {
            assert_eq!(
                f.image.get_pixel(0, 0).0[3],
                0,
                "{quality:?} frame {i}: the corner stays clear"
            );
            assert_eq!(f.image.get_pixel(256, 256).0[3], 255, "{quality:?} frame {i}");
        }
    }
}

/// A Telegram pack of moving stickers is a pack of WebM files that its
/// validator passes, listed in order for the grid preview.
#[test]
fn img4_a_telegram_video_pack_validates_and_lists_its_videos() {
    let encoders = Encoders {
        vp9: Some(Vp9::from_assets(&AssetDir::from_env()).expect("libvpx")),
        vp9_unavailable: None,
    };
    let items: Vec<xuancai_stickers::pack::Item> = (0..3u8)
        .map(|i| {
            let frames = moving_frames(6, 80 + u32::from(i) * 10);
            xuancai_stickers::pack::Item {
                export: preset::export_with(Animation { frames }, Platform::Telegram, &encoders)
                    .expect("export"),
                emojis: vec!["😀".into()],
                accessibility_text: String::new(),
            }
        })
        .collect();
    let meta = xuancai_stickers::pack::PackMeta {
        identifier: "p".into(),
        name: "视频表情".into(),
        publisher: "炫彩".into(),
    };
    let files = xuancai_stickers::pack::build(Platform::Telegram, &meta, &items, None).expect("build");
    assert!(xuancai_stickers::pack::validate(&files, Platform::Telegram).is_empty());
    let listed: Vec<&str> = xuancai_stickers::wastickers::stickers(&files)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(listed, ["01.webm", "02.webm", "03.webm"]);
}
