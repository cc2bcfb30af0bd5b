//! The face swap on real photos (IMG-3): untouched pixels stay exact, the
//! target's geometry survives, no seam shows, missing faces are refused.

use crate::common::{photo, studio};
use image::imageops;
use xuancai_imaging::RgbaImage;
use xuancai_vision::faces::mesh;
use xuancai_vision::swap::SwapResult;
use xuancai_vision::{DetectOptions, Selector, SwapOptions};

fn swap(source: &RgbaImage, target: &RgbaImage, sel: Selector) -> SwapResult {
    let opts = SwapOptions {
        target: sel,
        ..SwapOptions::default()
    };
    studio().swap(source, target, &opts).expect("swap")
}

/// Pixels whose mask is 0 in every swapped face are bit-identical.
fn assert_untouched_outside(result: &SwapResult, target: &RgbaImage) {
    let (w, _) = target.dimensions();
    let mut inside = vec![false; (target.width() * target.height()) as usize];
    for s in &result.swapped {
        let r = s.mask.region;
        for y in 0..r.height {
            for x in 0..r.width {
                if s.mask.data[(y * r.width + x) as usize] > 0.0 {
                    inside[((r.y + y) * w + r.x + x) as usize] = true;
                }
            }
        }
    }
    let mut changed_inside = 0usize;
    for (i, (a, b)) in result.image.pixels().zip(target.pixels()).enumerate() {
        if inside[i] {
            changed_inside += usize::from(a != b);
        } else {
            assert_eq!(
                a,
                b,
                "pixel {} {} outside the face region changed",
                i as u32 % w,
                i as u32 / w
            );
        }
    }
    assert!(
        changed_inside > 1000,
        "the face itself changed ({changed_inside} pixels)"
    );
}

/// Mean squared gradient magnitude over the feather band (0 < mask < 1).
fn seam_energy(img: &RgbaImage, result: &SwapResult, lo: f32, hi: f32) -> f64 {
    let luma = |x: u32, y: u32| {
        let p = img.get_pixel(x, y).0;
        0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])
    };
    let (mut sum, mut n) = (0.0f64, 0.0f64);
    for s in &result.swapped {
        let r = s.mask.region;
        for y in 1..r.height.saturating_sub(1) {
            for x in 1..r.width.saturating_sub(1) {
                let m = s.mask.data[(y * r.width + x) as usize];
                if m > lo && m < hi {
                    let (ax, ay) = (r.x + x, r.y + y);
                    let gx = luma(ax + 1, ay) - luma(ax - 1, ay);
                    let gy = luma(ax, ay + 1) - luma(ax, ay - 1);
                    sum += gx * gx + gy * gy;
                    n += 1.0;
                }
            }
        }
    }
    sum / n.max(1.0)
}

#[test]
fn a_swap_changes_only_the_face_keeps_its_geometry_and_shows_no_seam() {
    let source = photo("astronaut.png");
    let target = photo("faceapi-sample3.jpg");
    let result = swap(&source, &target, Selector::Index(1));
    if let Some(dir) = std::env::var_os("XUANCAI_TEST_DUMP") {
        let r = result.swapped[0].mask.region;
        let crop = imageops::crop_imm(&result.image, r.x, r.y, r.width, r.height).to_image();
        crop.save(std::path::Path::new(&dir).join("swap-face1.png"))
            .expect("dump");
    }
    assert_eq!(result.swapped.len(), 1);
    assert_untouched_outside(&result, &target);

    // Re-detected landmarks of the swapped face match the target's geometry.
    let before = &result.targets[1];
    let after = studio()
        .faces(&result.image, &DetectOptions::default())
        .expect("faces");
    assert_eq!(after.len(), 3, "every face still found");
    let g = after
        .iter()
        .find(|f| f.same_face(before))
        .expect("the swapped face");
    let iod = mesh::inter_ocular(before.landmarks());
    let mean: f32 = before
        .landmarks()
        .iter()
        .zip(g.landmarks())
        .map(|(p, q)| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt())
        .sum::<f32>()
        / 468.0;
    assert!(
        mean / iod < 0.06,
        "geometry moved by {:.1} % of IOD",
        mean / iod * 100.0
    );
    // It is a different face: the pixels inside changed substantially.
    let s = &result.swapped[0];
    let r = s.mask.region;
    let mut diff = 0.0;
    let mut n = 0.0;
    for y in 0..r.height {
        for x in 0..r.width {
            if s.mask.data[(y * r.width + x) as usize] >= 1.0 {
                let (a, b) = (
                    result.image.get_pixel(r.x + x, r.y + y).0,
                    target.get_pixel(r.x + x, r.y + y).0,
                );
                diff += (0..3)
                    .map(|c| (f64::from(a[c]) - f64::from(b[c])).abs())
                    .sum::<f64>()
                    / 3.0;
                n += 1.0;
            }
        }
    }
    assert!(diff / n > 8.0, "mean change inside the face {:.1}", diff / n);

    // No seam: the gradient energy over the blend band is close to the target's own there.
    // The seam is the rim where the new face meets the photo (mask below
    // 0.1: the outer few pixels of the feather). Further in, the new face's
    // own texture rightly differs from the old one's.
    let rim = |img: &RgbaImage| seam_energy(img, &result, 0.0, 0.1);
    let ratio = rim(&result.image) / rim(&target);
    // Control: the same swap pasted with a hard edge shows a seam the metric sees.
    let hard = studio()
        .swap(
            &source,
            &target,
            &SwapOptions {
                target: Selector::Index(1),
                feather: 0.005,
                ..SwapOptions::default()
            },
        )
        .expect("hard swap");
    let hard_ratio = rim(&hard.image) / rim(&target);
    eprintln!("seam energy ratio: blended {ratio:.2}, hard paste {hard_ratio:.2}");
    assert!(
        hard_ratio > ratio * 1.3,
        "the metric cannot tell a seam: {hard_ratio:.2} vs {ratio:.2}"
    );
    assert!(
        (0.6..1.4).contains(&ratio),
        "seam gradient energy ratio {ratio:.2}"
    );
}

#[test]
fn all_faces_and_very_different_sizes() {
    // A 100-px face onto faces of 230–270 px, and a big face onto the small one.
    let source = photo("faceapi-sample6.jpg");
    let target = photo("astronaut.png");
    let r = swap(&source, &target, Selector::All);
    assert_eq!(r.swapped.len(), 1);
    assert_untouched_outside(&r, &target);

    let r = swap(
        &photo("astronaut.png"),
        &photo("faceapi-sample3.jpg"),
        Selector::All,
    );
    assert_eq!(
        r.swapped.iter().map(|s| s.index).collect::<Vec<_>>(),
        vec![0, 1, 2]
    );
    assert_untouched_outside(&r, &photo("faceapi-sample3.jpg"));
}

#[test]
fn a_face_partly_outside_the_frame_is_swapped_inside_it() {
    let full = photo("faceapi-sample3.jpg");
    let faces = studio().faces(&full, &DetectOptions::default()).expect("faces");
    let d = faces[2].detection;
    // Cut the frame through the middle of the rightmost face.
    let cut = (d.x + d.width * 0.55) as u32;
    let target = imageops::crop_imm(&full, 0, 0, cut, full.height()).to_image();
    let r = swap(&photo("astronaut.png"), &target, Selector::Largest);
    assert_eq!(r.image.dimensions(), target.dimensions());
    assert_untouched_outside(&r, &target);
}

#[test]
fn a_missing_face_is_refused_clearly() {
    let opts = SwapOptions {
        target: Selector::Index(5),
        ..SwapOptions::default()
    };
    let err = studio()
        .swap(&photo("astronaut.png"), &photo("faceapi-sample3.jpg"), &opts)
        .expect_err("no sixth face");
    assert_eq!(err.code(), "face_not_found");
    let err = studio()
        .swap(
            &photo("coffee.png"),
            &photo("faceapi-sample3.jpg"),
            &SwapOptions::default(),
        )
        .expect_err("no source face");
    assert_eq!(err.code(), "face_not_found");
    assert!(err.to_string().contains("source face 0"));
    let err = studio()
        .swap(
            &photo("astronaut.png"),
            &photo("chelsea.png"),
            &SwapOptions::default(),
        )
        .expect_err("a cat has no face to swap");
    assert_eq!(err.code(), "face_not_found");
}

/// Issue 21 item 5: `swap --target-face N` replaces the face `xuancai faces`
/// numbers N — the same detection, the same order — on every photo with
/// more than one face, for the leftmost, a middle and the rightmost face.
#[test]
fn face_n_of_a_swap_is_face_n_of_faces_on_every_group_photo() {
    let source = photo("astronaut.png");
    for (name, count) in crate::faces::COUNTS.iter().filter(|(_, n)| *n > 1) {
        let target = photo(name);
        let listed = studio().faces(&target, &DetectOptions::default()).expect("faces");
        assert_eq!(listed.len(), *count, "{name}");
        for n in [0, count / 2, count - 1] {
            let r = swap(&source, &target, Selector::Index(n));
            let boxes = |f: &[xuancai_vision::Face]| f.iter().map(|f| f.detection).collect::<Vec<_>>();
            assert_eq!(
                boxes(&r.targets),
                boxes(&listed),
                "{name}: the swap saw other faces"
            );
            assert_eq!(r.swapped.len(), 1);
            assert_eq!(r.swapped[0].index, n, "{name}");
            // The replaced pixels are those of face n: the mask's centre of
            // mass lies in face n's box.
            let m = &r.swapped[0].mask;
            let (mut sx, mut sy, mut sw) = (0.0f64, 0.0f64, 0.0f64);
            for y in 0..m.region.height {
                for x in 0..m.region.width {
                    let v = f64::from(m.data[(y * m.region.width + x) as usize]);
                    sx += v * f64::from(m.region.x + x);
                    sy += v * f64::from(m.region.y + y);
                    sw += v;
                }
            }
            let (cx, cy) = ((sx / sw) as f32, (sy / sw) as f32);
            let d = listed[n].detection;
            assert!(
                (d.x..d.x + d.width).contains(&cx) && (d.y..d.y + d.height).contains(&cy),
                "{name}: face {n} asked, the mask is centred at ({cx:.0}, {cy:.0}), face {n} is {d:?}"
            );
        }
    }
}
