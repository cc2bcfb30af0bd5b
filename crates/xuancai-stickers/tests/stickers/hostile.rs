//! Hostile and corrupt inputs (IMG-4): typed errors, never a panic; bombs
//! refused from the header.

use proptest::prelude::*;
use xuancai_stickers::preset::{self, Platform};
use xuancai_stickers::{Template, anim, pack};

/// A GIF whose logical screen claims 65535×65535 pixels.
fn gif_bomb() -> Vec<u8> {
    let mut b = b"GIF89a".to_vec();
    b.extend_from_slice(&65535u16.to_le_bytes());
    b.extend_from_slice(&65535u16.to_le_bytes());
    b.extend_from_slice(&[0, 0, 0]);
    b.extend_from_slice(&[0x2C, 0, 0, 0, 0]);
    b.extend_from_slice(&65535u16.to_le_bytes());
    b.extend_from_slice(&65535u16.to_le_bytes());
    b.extend_from_slice(&[0, 2, 2, 0x4C, 0x01, 0, 0x3B]);
    b
}

#[test]
fn img4_decompression_bombs_are_refused_from_the_header() {
    let e = anim::decode(&gif_bomb(), &Default::default(), &Default::default(), 1024).expect_err("bomb");
    assert_eq!(e.code(), "image_too_many_pixels");
    let v = preset::validate_sticker(&gif_bomb(), Platform::WeChat, "bomb.gif");
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].rule, "unreadable");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn img4_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = anim::decode(&bytes, &Default::default(), &Default::default(), 512);
        let _ = preset::inspect(&bytes, &Default::default());
        for p in Platform::ALL {
            let _ = preset::validate_sticker(&bytes, p, "x");
        }
        let _ = pack::read_zip(&bytes);
        let _ = Template::from_json(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn img4_mangled_stickers_never_panic(cut in 0usize..4000, flip in 0usize..4000, value in any::<u8>()) {
        // A real animated GIF, truncated or with one byte changed.
        let frames: Vec<_> = (0..3u8)
            .map(|i| xuancai_stickers::Frame {
                image: image::RgbaImage::from_pixel(32, 32, image::Rgba([i * 80, 40, 200, 255])),
                delay_ms: 50,
            })
            .collect();
        let mut gif = xuancai_stickers::encode::encode_gif(&frames, 16).expect("gif");
        let n = gif.len();
        gif[flip % n] = value;
        gif.truncate(cut.min(n));
        let _ = anim::decode(&gif, &Default::default(), &Default::default(), 512);
        let _ = preset::validate_sticker(&gif, Platform::WeChat, "x");
    }
}
