//! Captions and outlines with the real CJK font (IMG-4): coverage, layout,
//! fitting, emoji refusal, and golden images with a perceptual tolerance.

use image::{Rgba, RgbaImage};
use xuancai_stickers::caption::{self, BoxPx, Placement, TextStyle};
use xuancai_stickers::outline;

#[test]
fn img4_the_font_covers_every_gb2312_character() {
    let font = crate::common::font();
    let mut missing = Vec::new();
    let mut count = 0;
    // GB 2312 rows 16–87 hold the 6763 hanzi; rows 1–9 the symbols and kana.
    for row in (0xA1u8..=0xA9).chain(0xB0..=0xF7) {
        for cell in 0xA1u8..=0xFE {
            let pair = [row, cell];
            let (text, _, bad) = encoding_rs::GBK.decode(&pair);
            // Cells GB 2312 leaves unassigned decode to U+FFFD or (in GBK) to private use.
            let Some(c) = text
                .chars()
                .next()
                .filter(|c| !bad && *c != '\u{FFFD}' && !('\u{E000}'..='\u{F8FF}').contains(c))
            else {
                continue;
            };
            count += 1;
            if font.missing(&c.to_string()).is_some() {
                missing.push(c);
            }
        }
    }
    assert!(count >= 7400, "only {count} GB 2312 characters checked");
    assert!(
        missing.is_empty(),
        "{} missing, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(20)]
    );
}

#[test]
fn img4_emoji_in_captions_are_refused_with_a_clear_code() {
    let mut img = RgbaImage::new(512, 512);
    for text in ["开心😀", "好的👍🏻", "❤️"] {
        let e = caption::caption(
            &mut img,
            crate::common::font(),
            text,
            &TextStyle::default(),
            Placement::Bottom,
        )
        .expect_err(text);
        assert_eq!(e.code(), "caption_emoji_unsupported", "{text}: {e}");
        assert!(e.to_string().contains("emoji"));
    }
    // Nothing was drawn by a refused caption.
    assert!(img.pixels().all(|p| p.0[3] == 0));
}

#[test]
fn img4_captions_break_and_shrink_to_fit_their_box() {
    let font = crate::common::font();
    let style = TextStyle::default();
    let b = BoxPx {
        x: 16.0,
        y: 380.0,
        w: 480.0,
        h: 116.0,
    };
    let short = caption::fit(font, "早上好", &style, b).expect("fits");
    assert_eq!(short.lines.len(), 1);
    let long = caption::fit(font, "今天也要开开心心，好好吃饭，早点睡觉，明天见！", &style, b).expect("fits");
    assert!(long.px < short.px, "a long caption is smaller");
    assert!(long.lines.len() >= 2);
    // No line starts with closing punctuation.
    for l in &long.lines[1..] {
        assert!(!l.starts_with(['，', '！', '。']), "{:?}", long.lines);
    }
    let latin = caption::fit(font, "When the code finally compiles", &style, b).expect("fits");
    for l in &latin.lines {
        assert!(!l.starts_with(' ') && !l.ends_with(' '));
    }
    // Every line is within the box at the chosen size.
    for l in &long.lines {
        assert!(xuancai_imaging::text::measure(font, l, long.px) <= b.w);
    }
    // Text that cannot fit even at the smallest size is refused.
    let tiny = BoxPx {
        x: 0.0,
        y: 0.0,
        w: 40.0,
        h: 20.0,
    };
    let e = caption::fit(font, &"长".repeat(200), &style, tiny).expect_err("too long");
    assert_eq!(e.code(), "caption_too_long");
}

#[test]
fn img4_caption_ink_stays_inside_its_box() {
    let mut img = RgbaImage::new(512, 512);
    let at = Placement::Free(BoxPx {
        x: 100.0,
        y: 150.0,
        w: 300.0,
        h: 160.0,
    });
    caption::caption(
        &mut img,
        crate::common::font(),
        "炫彩 Xuancai 表情包",
        &TextStyle::default(),
        at,
    )
    .expect("draw");
    let inked = xuancai_imaging::compose::subject_box(&img, 1).expect("ink");
    assert!(inked.x >= 98 && inked.y >= 148, "{inked:?}");
    assert!(
        inked.x + inked.width <= 404 && inked.y + inked.height <= 314,
        "{inked:?}"
    );
}

#[test]
fn img4_golden_caption() {
    let mut img = RgbaImage::new(512, 512);
    let style = TextStyle {
        fill: "#ffd400".into(),
        ..TextStyle::default()
    };
    caption::caption(
        &mut img,
        crate::common::font(),
        "新年快乐 Happy 2027!",
        &style,
        Placement::Top,
    )
    .expect("top");
    caption::caption(
        &mut img,
        crate::common::font(),
        "收到，马上就来",
        &TextStyle::default(),
        Placement::Bottom,
    )
    .expect("bottom");
    crate::common::assert_golden("caption", &img, 2.0);
}

#[test]
fn img4_golden_outline() {
    // A red disc and a blue bar with a gap: the outline follows both and
    // fills the gap.
    let mut img = RgbaImage::new(256, 256);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let (dx, dy) = (x as f32 - 100.0, y as f32 - 110.0);
        if dx * dx + dy * dy < 60.0 * 60.0 {
            *p = Rgba([220, 30, 40, 255]);
        } else if (170..190).contains(&x) && (60..200).contains(&y) {
            *p = Rgba([30, 60, 220, 255]);
        }
    }
    let out = outline::outline(&img, 8.0, [255, 255, 255, 255]);
    crate::common::assert_golden("outline", &out, 1.5);
}
