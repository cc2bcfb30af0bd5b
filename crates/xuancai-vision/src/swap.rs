//! Landmark-driven face swap (换脸编辑, IMG-3).
//!
//! For each chosen target face: triangulate the target's 468 landmarks
//! (Delaunay), map every triangle of the source face onto the matching
//! target triangle with its own affine warp (so the target's pose and
//! expression stay), match the warped face's colours to the target's skin,
//! and blend it in through a feathered mask of the face oval with
//! multi-band blending. Pixels outside the feathered mask are not touched.
//!
//! Consent is the caller's duty and is checked before this runs: the CLI's
//! `--subject-consent`, the server's face consent (CON-3). The outputs are
//! labelled by `xuancai-aigc`.

use std::time::Instant;

use xuancai_imaging::RgbaImage;
use xuancai_imaging::blend::{self, Mask};
use xuancai_imaging::warp::{self, Patch, Region};

use crate::cutout::Studio;
use crate::error::{Result, VisionError};
use crate::faces::mesh::{self, idx};
use crate::faces::{DetectOptions, Face, Selector};
use crate::safety::{ContentPolicy, Verdict};

/// What to swap.
#[derive(Debug, Clone)]
pub struct SwapOptions {
    /// Which face of the source photo, left to right from 0.
    pub source_face: usize,
    /// Which faces of the target photo, numbered as [`Studio::faces`]
    /// numbers them with `detect`.
    pub target: Selector,
    /// Feather width as a share of the inter-ocular distance.
    pub feather: f32,
    pub detect: DetectOptions,
    /// The content-safety check run on the source, the target and the
    /// result (issue 21 item 7).
    pub content: ContentPolicy,
}

impl Default for SwapOptions {
    fn default() -> Self {
        Self {
            source_face: 0,
            target: Selector::Largest,
            feather: 0.35,
            // The same detection as `Studio::faces` and `xuancai faces`, so
            // face N is the same person everywhere (issue 21 item 5).
            detect: DetectOptions::default(),
            content: ContentPolicy::default(),
        }
    }
}

/// Milliseconds per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct SwapTimings {
    pub detect_source_ms: f64,
    pub detect_target_ms: f64,
    pub warp_ms: f64,
    pub colour_ms: f64,
    pub blend_ms: f64,
    pub safety_ms: f64,
}

/// One replaced face.
#[derive(Debug, Clone, PartialEq)]
pub struct Swapped {
    /// Its index among the target's faces.
    pub index: usize,
    /// The feathered mask: every pixel outside it (mask 0) is unchanged.
    pub mask: Mask,
}

/// The edited image and what was done.
#[derive(Debug, Clone)]
pub struct SwapResult {
    pub image: RgbaImage,
    pub source: Face,
    pub targets: Vec<Face>,
    pub swapped: Vec<Swapped>,
    pub timings: SwapTimings,
    /// The content-safety verdicts: source, target, result.
    pub safety: [Verdict; 3],
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Delaunay triangles of the points (indices).
pub fn triangulate(points: &[[f32; 3]]) -> Vec<[usize; 3]> {
    let pts: Vec<delaunator::Point> = points
        .iter()
        .map(|p| delaunator::Point {
            x: f64::from(p[0]),
            y: f64::from(p[1]),
        })
        .collect();
    delaunator::triangulate(&pts)
        .triangles
        .chunks_exact(3)
        .map(|t| [t[0], t[1], t[2]])
        .collect()
}

/// The region that is replaced: the face oval drawn in towards the face's
/// centre (the mesh's outline runs over the hairline and the jaw's edge,
/// where a swapped face would show the source's hair and background), the
/// forehead more than the cheeks.
pub fn face_region(p: &[[f32; 3]]) -> Vec<[f32; 2]> {
    let mid = |a: usize, b: usize| [(p[a][0] + p[b][0]) / 2.0, (p[a][1] + p[b][1]) / 2.0];
    let re = mid(idx::RIGHT_EYE_OUTER, idx::RIGHT_EYE_INNER);
    let le = mid(idx::LEFT_EYE_OUTER, idx::LEFT_EYE_INNER);
    let mouth = mid(idx::UPPER_LIP, idx::LOWER_LIP);
    let c = [(re[0] + le[0] + mouth[0]) / 3.0, (re[1] + le[1] + mouth[1]) / 3.0];
    // "Up" in the face's frame: from the mouth to the eyes' midpoint.
    let up = [(re[0] + le[0]) / 2.0 - mouth[0], (re[1] + le[1]) / 2.0 - mouth[1]];
    let ul = (up[0] * up[0] + up[1] * up[1]).sqrt().max(1e-3);
    let eye_level = ((re[0] + le[0]) / 2.0 - c[0]) * up[0] / ul + ((re[1] + le[1]) / 2.0 - c[1]) * up[1] / ul;
    idx::FACE_OVAL
        .iter()
        .map(|&i| {
            let d = [p[i][0] - c[0], p[i][1] - c[1]];
            let height = (d[0] * up[0] + d[1] * up[1]) / ul;
            let k = if height > eye_level * 1.6 { 0.78 } else { 0.9 };
            [c[0] + d[0] * k, c[1] + d[1] * k]
        })
        .collect()
}

/// Replace one target face with the source face, in place.
pub fn swap_one(
    image: &mut RgbaImage,
    source_img: &RgbaImage,
    source: &Face,
    target: &Face,
    feather: f32,
    t: &mut SwapTimings,
) -> Option<Mask> {
    let start = Instant::now();
    let (w, h) = image.dimensions();
    let tp = target.landmarks();
    let sp = source.landmarks();
    let oval = face_region(tp);
    let iod = mesh::inter_ocular(tp).max(1.0);
    let region = Region::around(oval.iter().copied(), 2.0, w, h)?;
    let triangles: Vec<warp::TrianglePair> = triangulate(tp)
        .into_iter()
        .map(|[a, b, c]| {
            (
                [[sp[a][0], sp[a][1]], [sp[b][0], sp[b][1]], [sp[c][0], sp[c][1]]],
                [[tp[a][0], tp[a][1]], [tp[b][0], tp[b][1]], [tp[c][0], tp[c][1]]],
            )
        })
        .collect();
    let mut patch = warp::piecewise_affine(source_img, &triangles, region);
    let hard = blend::polygon(region, &oval);
    let mask = blend::feather(&hard, feather * iod, Some(&patch.valid));
    t.warp_ms += ms(start);

    let start = Instant::now();
    let target_patch = Patch::from_image(image, region);
    blend::match_colours(&mut patch, &target_patch, &mask);
    t.colour_ms += ms(start);

    let start = Instant::now();
    blend::blend_into(image, &patch, &mask);
    t.blend_ms += ms(start);
    Some(mask)
}

impl Studio {
    /// Swap the source photo's face onto the chosen faces of the target.
    pub fn swap(
        &self,
        source_img: &RgbaImage,
        target_img: &RgbaImage,
        opts: &SwapOptions,
    ) -> Result<SwapResult> {
        let mut t = SwapTimings::default();
        // Nothing is synthesised from refused material.
        let start = Instant::now();
        let source_verdict = self.check_content(source_img, &opts.content, "source photo")?;
        let target_verdict = self.check_content(target_img, &opts.content, "target photo")?;
        t.safety_ms = ms(start);
        let start = Instant::now();
        let sources = self.faces(source_img, &opts.detect)?;
        let source = sources
            .get(opts.source_face)
            .cloned()
            .ok_or_else(|| VisionError::FaceNotFound {
                wanted: format!("source face {}", opts.source_face),
                found: sources.len(),
            })?;
        t.detect_source_ms = ms(start);

        let start = Instant::now();
        let targets = self.faces(target_img, &opts.detect)?;
        let chosen: Vec<usize> = opts
            .target
            .pick(&targets)?
            .into_iter()
            .filter_map(|f| targets.iter().position(|g| std::ptr::eq(f, g)))
            .collect();
        t.detect_target_ms = ms(start);

        let mut image = target_img.clone();
        let mut swapped = Vec::new();
        for i in chosen {
            if let Some(mask) = swap_one(&mut image, source_img, &source, &targets[i], opts.feather, &mut t) {
                swapped.push(Swapped { index: i, mask });
            }
        }
        if swapped.is_empty() {
            return Err(VisionError::FaceNotFound {
                wanted: "a target face inside the frame".into(),
                found: targets.len(),
            });
        }
        let start = Instant::now();
        let result_verdict = self.check_content(&image, &opts.content, "face-swap result")?;
        t.safety_ms += ms(start);
        Ok(SwapResult {
            image,
            source,
            targets,
            swapped,
            timings: t,
            safety: [source_verdict, target_verdict, result_verdict],
        })
    }
}
