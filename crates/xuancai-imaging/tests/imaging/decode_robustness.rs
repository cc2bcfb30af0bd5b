//! Bad input gets a typed error, never a panic: empty, unknown, truncated,
//! corrupt and huge-declared-dimension files; and the decoder's normal
//! duties (EXIF orientation, 16-bit and grey inputs, first GIF frame).

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgba, RgbaImage};
use proptest::prelude::*;
use xuancai_imaging::ImagingError;
use xuancai_imaging::decode::{
    DecodeLimits, SourceFormat, decode, decode_rgb_to_fit, decode_to_fit, probe, sniff,
};

fn sample() -> RgbaImage {
    RgbaImage::from_fn(37, 23, |x, y| {
        Rgba([(x * 7) as u8, (y * 11) as u8, ((x + y) * 5) as u8, 255])
    })
}

fn encoded(format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let img = DynamicImage::ImageRgba8(sample());
    let img = if matches!(format, ImageFormat::Jpeg) {
        DynamicImage::ImageRgb8(img.to_rgb8())
    } else {
        img
    };
    img.write_to(&mut out, format)
        .unwrap_or_else(|e| panic!("{format:?}: {e}"));
    out.into_inner()
}

const FORMATS: [ImageFormat; 6] = [
    ImageFormat::Png,
    ImageFormat::Jpeg,
    ImageFormat::Gif,
    ImageFormat::WebP,
    ImageFormat::Bmp,
    ImageFormat::Tiff,
];

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG whose header declares `w`×`h` but which carries almost no data.
fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    v.extend(13u32.to_be_bytes());
    v.extend(&ihdr);
    v.extend(crc32(&ihdr).to_be_bytes());
    let idat = b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01".to_vec();
    v.extend(((idat.len() - 4) as u32).to_be_bytes());
    v.extend(&idat);
    v.extend(crc32(&idat).to_be_bytes());
    v
}

#[test]
fn empty_and_unknown_bytes_are_typed_errors() {
    assert!(matches!(
        decode(b"", &DecodeLimits::default()),
        Err(ImagingError::Empty)
    ));
    let err = decode(b"definitely not an image", &DecodeLimits::default()).expect_err("text");
    assert_eq!(err.code(), "image_unsupported_format");
    assert!(matches!(sniff(b"%PDF-1.7"), Err(ImagingError::UnsupportedFormat)));
}

#[test]
fn every_supported_format_decodes_and_is_sniffed_from_bytes() {
    for f in FORMATS {
        let bytes = encoded(f);
        let d = decode(&bytes, &DecodeLimits::default()).unwrap_or_else(|e| panic!("{f:?}: {e}"));
        assert_eq!(d.image.dimensions(), (37, 23), "{f:?}");
        let want = match f {
            ImageFormat::Png => SourceFormat::Png,
            ImageFormat::Jpeg => SourceFormat::Jpeg,
            ImageFormat::Gif => SourceFormat::Gif,
            ImageFormat::WebP => SourceFormat::WebP,
            ImageFormat::Bmp => SourceFormat::Bmp,
            _ => SourceFormat::Tiff,
        };
        assert_eq!(d.format, want);
    }
}

#[test]
fn huge_declared_dimensions_are_refused_before_decoding() {
    let bomb = png_declaring(100_000, 100_000);
    match decode(&bomb, &DecodeLimits::default()) {
        Err(ImagingError::TooManyPixels { width, height, .. }) => {
            assert_eq!((width, height), (100_000, 100_000))
        }
        other => panic!("{other:?}"),
    }
    // Just over a custom limit is refused too; the header alone decides.
    let limits = DecodeLimits {
        max_pixels: 1000,
        ..DecodeLimits::default()
    };
    assert!(matches!(
        probe(&png_declaring(40, 26), &limits),
        Err(ImagingError::TooManyPixels { .. })
    ));
    assert!(decode(&png_declaring(0, 10), &DecodeLimits::default()).is_err());
    // A GIF declaring a 65535×65535 canvas.
    let mut gif = encoded(ImageFormat::Gif);
    gif[6..10].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    assert!(decode(&gif, &DecodeLimits::default()).is_err());
}

#[test]
fn oversized_files_are_refused() {
    let bytes = encoded(ImageFormat::Png);
    let limits = DecodeLimits {
        max_bytes: 100,
        ..DecodeLimits::default()
    };
    assert!(matches!(
        decode(&bytes, &limits),
        Err(ImagingError::FileTooLarge { .. })
    ));
}

/// Issue 21 item 6: a file that ends before its image does is refused by
/// every entry point — never decoded with its missing part filled in grey.
#[test]
fn truncated_files_are_refused_by_every_entry_point() {
    let limits = DecodeLimits::default();
    for f in FORMATS {
        let bytes = encoded(f);
        let mut cuts: Vec<usize> = (16..bytes.len()).step_by((bytes.len() / 60).max(1)).collect();
        cuts.push(bytes.len() - 1);
        for cut in cuts {
            let short = &bytes[..cut];
            let answers = [
                probe(short, &limits).map(|_| ()),
                decode(short, &limits).map(|_| ()),
                decode_to_fit(short, &limits, 16).map(|_| ()),
                decode_rgb_to_fit(short, &limits, 16).map(|_| ()),
            ];
            for (entry, answer) in ["probe", "decode", "decode_to_fit", "decode_rgb_to_fit"]
                .iter()
                .zip(answers)
            {
                let Err(e) = answer else {
                    panic!("{f:?} cut at {cut} of {}: {entry} accepted it", bytes.len())
                };
                // TIFF's strips are found by offset: its decoder reports the
                // missing one as corrupt data.
                if f != ImageFormat::Tiff {
                    assert_eq!(e.code(), "image_truncated", "{f:?} cut at {cut}: {entry}: {e}");
                }
            }
        }
        // The whole file, and the whole file with bytes after its end, decode.
        decode(&bytes, &limits).unwrap_or_else(|e| panic!("{f:?}: {e}"));
        let padded = [bytes.as_slice(), &[0u8; 5]].concat();
        decode(&padded, &limits).unwrap_or_else(|e| panic!("{f:?} with trailing bytes: {e}"));
    }
}

#[test]
fn a_truncated_jpeg_decodes_only_when_asked_to() {
    let bytes = big_jpeg(640, 480);
    let half = &bytes[..bytes.len() / 2];
    let strict = DecodeLimits::default();
    assert_eq!(
        decode(half, &strict).map(|_| ()).expect_err("strict").code(),
        "image_truncated"
    );
    let lenient = DecodeLimits {
        accept_truncated: true,
        ..strict
    };
    let img = decode(half, &lenient).unwrap_or_else(|e| panic!("{e}")).image;
    assert_eq!(img.dimensions(), (640, 480));
}

/// A JPEG with an EXIF APP1 segment carrying `orientation`.
fn jpeg_with_orientation(orientation: u16) -> Vec<u8> {
    let jpeg = encoded(ImageFormat::Jpeg);
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend(1u16.to_be_bytes());
    tiff.extend(0x0112u16.to_be_bytes());
    tiff.extend(3u16.to_be_bytes());
    tiff.extend(1u32.to_be_bytes());
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0]);
    tiff.extend(0u32.to_be_bytes());
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend([0xff, 0xe1]);
    out.extend(((app1.len() + 2) as u16).to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

#[test]
fn exif_orientation_is_applied() {
    let upright =
        decode(&jpeg_with_orientation(1), &DecodeLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(upright.image.dimensions(), (37, 23));
    let rotated =
        decode(&jpeg_with_orientation(6), &DecodeLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rotated.image.dimensions(), (23, 37));
    assert_eq!(
        probe(&jpeg_with_orientation(6), &DecodeLimits::default()).ok(),
        Some((23, 37))
    );
    // Orientation 6 = rotate 90° clockwise: the upright image's bottom-left
    // pixel becomes the top-left.
    let a = rotated.image.get_pixel(0, 0).0;
    let b = upright.image.get_pixel(0, 22).0;
    assert!(
        a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 12),
        "{a:?} vs {b:?}"
    );
}

#[test]
fn sixteen_bit_and_grey_inputs_become_rgba8() {
    let mut out = Cursor::new(Vec::new());
    let img16 = image::ImageBuffer::<image::Rgba<u16>, _>::from_fn(5, 4, |x, _| {
        image::Rgba([x as u16 * 16000, 0, 65535, 65535])
    });
    DynamicImage::ImageRgba16(img16)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap_or_else(|e| panic!("{e}"));
    let d = decode(out.get_ref(), &DecodeLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.image.get_pixel(4, 0).0, [249, 0, 255, 255]);

    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageLuma8(image::GrayImage::from_pixel(3, 3, image::Luma([77])))
        .write_to(&mut out, ImageFormat::Png)
        .unwrap_or_else(|e| panic!("{e}"));
    let d = decode(out.get_ref(), &DecodeLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.image.get_pixel(1, 1).0, [77, 77, 77, 255]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn corrupt_files_never_panic(format_index in 0usize..6, edits in prop::collection::vec((any::<u16>(), any::<u8>()), 1..12)) {
        let mut bytes = encoded(FORMATS[format_index]);
        for (pos, val) in edits {
            let i = usize::from(pos) % bytes.len();
            bytes[i] = val;
        }
        let _ = decode(&bytes, &DecodeLimits::default());
        let _ = xuancai_imaging::decode::decode_to_fit(&bytes, &DecodeLimits::default(), 16);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes, &DecodeLimits::default());
    }
}

fn big_jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x / 7 % 256) as u8,
            (y / 5 % 256) as u8,
            ((x + y) / 11 % 256) as u8,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Jpeg)
        .unwrap_or_else(|e| panic!("{e}"));
    out.into_inner()
}

#[test]
fn shrink_on_load_matches_a_full_decode_and_resize() {
    use xuancai_imaging::decode::decode_to_fit;
    use xuancai_imaging::resize::{Filter, resize_rgba};
    let bytes = big_jpeg(2000, 1500);
    let small = decode_to_fit(&bytes, &DecodeLimits::default(), 250).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(small.image.dimensions(), (250, 188));
    let full = decode(&bytes, &DecodeLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    let reference =
        resize_rgba(&full.image, 250, 188, Filter::Lanczos3, false).unwrap_or_else(|e| panic!("{e}"));
    let diff: f64 = small
        .image
        .as_raw()
        .iter()
        .zip(reference.as_raw())
        .map(|(a, b)| f64::from(a.abs_diff(*b)))
        .sum::<f64>()
        / reference.as_raw().len() as f64;
    assert!(diff < 3.0, "mean difference {diff:.2}");
    // Non-JPEG and already-small images take the plain path.
    let png = decode_to_fit(&encoded(ImageFormat::Png), &DecodeLimits::default(), 250)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(png.image.dimensions(), (37, 23));
}

#[test]
fn shrink_on_load_keeps_limits_and_orientation() {
    use xuancai_imaging::decode::decode_to_fit;
    let rotated = decode_to_fit(&jpeg_with_orientation(6), &DecodeLimits::default(), 16)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rotated.image.dimensions(), (10, 16));
    let limits = DecodeLimits {
        max_pixels: 1000,
        ..DecodeLimits::default()
    };
    assert!(matches!(
        decode_to_fit(&big_jpeg(100, 100), &limits, 10),
        Err(ImagingError::TooManyPixels { .. })
    ));
    assert!(decode_to_fit(&big_jpeg(100, 100), &DecodeLimits::default(), 0).is_err());
    let bytes = big_jpeg(300, 200);
    for cut in (0..bytes.len()).step_by(97) {
        let _ = decode_to_fit(&bytes[..cut], &DecodeLimits::default(), 64);
    }
}
