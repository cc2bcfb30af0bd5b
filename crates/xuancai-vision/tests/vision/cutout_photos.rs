//! IMG-2: cutout on real photos from registry packages (scikit-image's data
//! folder, @vladmandic/face-api's demo photos). The reference masks in
//! tests/fixtures were made once with the general model and inspected by eye;
//! the portrait model is checked against them independently, and fixed points
//! (a face kept, a background corner removed) are checked for both.

use crate::common::*;
use xuancai_imaging::compose::Background;
use xuancai_vision::{CutoutImage, CutoutOptions, ModelChoice, Segmentation};

fn mask_of(name: &str, model: ModelChoice) -> (xuancai_imaging::GrayImage, Segmentation) {
    mask_by(studio(), name, model)
}

fn mask_by(
    studio: &xuancai_vision::Studio,
    name: &str,
    model: ModelChoice,
) -> (xuancai_imaging::GrayImage, Segmentation) {
    let img = photo(name);
    let opts = CutoutOptions {
        model,
        mask_only: true,
        ..CutoutOptions::default()
    };
    let cut = studio
        .cutout(&img, &opts)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    match cut.image {
        CutoutImage::Mask(m) => {
            assert_eq!(m.dimensions(), img.dimensions(), "mask keeps the input size");
            (m, cut.model)
        }
        CutoutImage::Rgba(_) => panic!("mask_only gives a mask"),
    }
}

fn alpha_at(mask: &xuancai_imaging::GrayImage, fx: f32, fy: f32) -> u8 {
    let x = ((mask.width() as f32 * fx) as u32).min(mask.width() - 1);
    let y = ((mask.height() as f32 * fy) as u32).min(mask.height() - 1);
    mask.get_pixel(x, y).0[0]
}

#[test]
fn img2_general_model_matches_reference_masks() {
    if general_skipped() {
        return;
    }
    for (name, file) in [
        ("astronaut", "astronaut.png"),
        ("coffee", "coffee.png"),
        ("chelsea", "chelsea.png"),
        ("faceapi-sample3", "faceapi-sample3.jpg"),
        ("faceapi-sample6", "faceapi-sample6.jpg"),
    ] {
        let (mask, model) = mask_of(file, ModelChoice::General);
        assert_eq!(model, Segmentation::General);
        let score = iou(&mask, &reference_mask(name));
        eprintln!("{name}: IoU {score:.3}");
        assert!(score > 0.98, "{name}: IoU {score:.3}");
    }
}

/// Issue 21 item 3: the general model runs as a static int8 graph (2–3×
/// faster); on every test photo its full-resolution cutout mask, refinement
/// included, agrees with the fp32 model's (IoU ≥ 0.97). The calibration
/// photos are other package photos, so these measure it honestly.
#[test]
fn img2_int8_general_keeps_the_fp32_cutout_on_every_test_photo() {
    if general_skipped() {
        return;
    }
    let photos = all_photos();
    assert!(photos.len() >= 10, "{photos:?}");
    for file in &photos {
        let (int8, _) = mask_of(file, ModelChoice::General);
        let (fp32, _) = mask_by(studio_fp32(), file, ModelChoice::General);
        let score = iou(&int8, &fp32);
        eprintln!("{file}: int8 against fp32 IoU {score:.4}");
        assert!(score >= 0.97, "{file}: IoU {score:.4} against fp32");
    }
}

#[test]
fn img2_portrait_model_finds_the_people() {
    for (name, file, floor) in [
        ("astronaut", "astronaut.png", 0.93),
        ("faceapi-sample3", "faceapi-sample3.jpg", 0.9),
        ("faceapi-sample6", "faceapi-sample6.jpg", 0.9),
    ] {
        let (mask, model) = mask_of(file, ModelChoice::Portrait);
        assert_eq!(model, Segmentation::Portrait);
        let score = iou(&mask, &reference_mask(name));
        eprintln!("{name}: IoU {score:.3}");
        assert!(score > floor, "{name}: IoU {score:.3} against the reference");
    }
    // The astronaut's face is kept, the sky-blue corner behind her removed.
    let (mask, _) = mask_of("astronaut.png", ModelChoice::Portrait);
    assert_eq!(alpha_at(&mask, 0.43, 0.25), 255, "face kept");
    assert_eq!(alpha_at(&mask, 0.97, 0.03), 0, "top-right background removed");
}

#[test]
fn img2_fixed_points_on_objects() {
    if general_skipped() {
        return;
    }
    let (mask, _) = mask_of("coffee.png", ModelChoice::General);
    assert_eq!(alpha_at(&mask, 0.5, 0.3), 255, "cup kept");
    assert_eq!(alpha_at(&mask, 0.03, 0.05), 0, "table corner removed");
    assert_eq!(alpha_at(&mask, 0.97, 0.95), 0, "table corner removed");
}

#[test]
fn img2_auto_rule_sends_people_to_portrait_and_things_to_general() {
    if general_skipped() {
        return;
    }
    for (file, want) in [
        ("astronaut.png", Segmentation::Portrait),
        ("coffee.png", Segmentation::General),
        ("chelsea.png", Segmentation::General),
    ] {
        let (_, got) = mask_of(file, ModelChoice::Auto);
        assert_eq!(got, want, "{file}");
    }
}

/// Issue 21 item 1: on every photo of several people the default's mask
/// agrees with the general model's full-resolution mask (IoU ≥ 0.95): the
/// portrait model, made for one person close to the camera, made faces half
/// transparent and lost people there.
#[test]
fn img2_auto_on_every_group_photo_matches_the_general_model() {
    if general_skipped() {
        return;
    }
    // The general model runs once more for the first photo (auto's general
    // path is the general model's own), and for any photo auto sends
    // elsewhere; a photo auto sends to general needs no second run of the
    // same model (half of this test's time, 70 s on two cores).
    for (i, (file, people)) in crate::faces::COUNTS.iter().filter(|(_, n)| *n > 1).enumerate() {
        let (auto, chosen) = mask_of(file, ModelChoice::Auto);
        if i > 0 && chosen == Segmentation::General {
            eprintln!("{file} ({people} people): auto chose the general model");
            continue;
        }
        let (general, _) = mask_of(file, ModelChoice::General);
        let score = iou(&auto, &general);
        eprintln!("{file} ({people} people): IoU {score:.3}");
        assert!(
            score >= 0.95,
            "{file} ({people} people): IoU {score:.3} against the general model"
        );
    }
}

#[test]
fn img2_new_backgrounds_fill_the_frame() {
    let img = photo("astronaut.png");
    for bg in [
        Background::Color([0, 200, 0, 255]),
        Background::Blur(12.0),
        Background::Image(photo("coffee.png")),
    ] {
        let opts = CutoutOptions {
            model: ModelChoice::Portrait,
            background: bg.clone(),
            ..CutoutOptions::default()
        };
        let cut = studio()
            .cutout(&img, &opts)
            .unwrap_or_else(|e| panic!("{bg:?}: {e}"));
        let CutoutImage::Rgba(out) = cut.image else {
            panic!("rgba expected")
        };
        assert!(out.pixels().all(|p| p.0[3] == 255), "{bg:?}: opaque");
        // The face is the photo's; the top-right corner is the new background.
        let face = out.get_pixel(220, 128).0;
        let orig = img.get_pixel(220, 128).0;
        assert!(
            face.iter().zip(orig).take(3).all(|(a, b)| a.abs_diff(b) <= 2),
            "{bg:?}"
        );
        let corner = out.get_pixel(505, 5).0;
        if let Background::Color(c) = bg {
            assert_eq!(corner, c);
        }
    }
}

#[test]
fn img2_crop_and_shadow() {
    let img = photo("coffee.png");
    if general_skipped() {
        return;
    }
    let opts = CutoutOptions {
        model: ModelChoice::General,
        crop_margin: Some(10),
        shadow: Some(Default::default()),
        ..CutoutOptions::default()
    };
    let cut = studio().cutout(&img, &opts).unwrap_or_else(|e| panic!("{e}"));
    let subject = cut.subject.unwrap_or_else(|| panic!("subject found"));
    let (w, h) = cut.image.dimensions();
    assert!(w < img.width() && h <= img.height(), "cropped to {w}x{h}");
    assert_eq!(
        w,
        (subject.width + 20).min(img.width() - subject.x.saturating_sub(10))
    );
    let CutoutImage::Rgba(out) = cut.image else {
        panic!("rgba expected")
    };
    // Shadow: semi-transparent dark pixels exist below-right of the subject.
    let shadowy = out
        .pixels()
        .filter(|p| p.0[3] > 10 && p.0[3] < 200 && p.0[0] < 60)
        .count();
    assert!(shadowy > 500, "{shadowy} shadow pixels");
}

#[test]
fn img2_studio_is_shareable_across_threads() {
    let img = photo("astronaut.png");
    let opts = CutoutOptions {
        model: ModelChoice::Portrait,
        mask_only: true,
        ..CutoutOptions::default()
    };
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| studio().cutout(&img, &opts))).collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    let masks: Vec<_> = results
        .into_iter()
        .map(|r| match r {
            Ok(Ok(c)) => match c.image {
                CutoutImage::Mask(m) => m,
                CutoutImage::Rgba(_) => panic!("mask expected"),
            },
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(masks.windows(2).all(|w| w[0] == w[1]), "same input, same mask");
}
