//! BlazeFace detection (MediaPipe, Apache-2.0), short and full range.
//!
//! Both models see a letterboxed square (aspect ratio kept, black padding)
//! with values in −1..1 and answer one box and six keypoints per anchor:
//! offsets in input pixels, divided by the input size and added to the
//! anchor centre; the score is the sigmoid of the classifier logit.
//!
//! - short range: 128², anchors on a 16×16 grid (stride 8, 2 per cell) and an
//!   8×8 grid (stride 16, 6 per cell) — 896 anchors, for close faces;
//! - full range: 192², one anchor per cell of a 48×48 grid — 2304 anchors,
//!   for faces down to about a tenth of the square.
//!
//! Small faces in large group photos are found by running the full-range
//! model again on overlapping tiles; detections touching a tile's inner
//! border are dropped (the neighbouring tile sees that face whole), and all
//! passes are merged by MediaPipe's weighted non-maximum suppression.

use image::imageops;
use xuancai_imaging::RgbaImage;
use xuancai_imaging::resize::{Filter, resize_rgba};

use crate::engine::{Model, Tensor};
use crate::error::{Result, VisionError};

/// The two BlazeFace variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    Short,
    Full,
}

impl Range {
    pub fn side(self) -> u32 {
        match self {
            Self::Short => 128,
            Self::Full => 192,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Short => "face_detection_short",
            Self::Full => "face_detection_full",
        }
    }

    /// Anchor centres in 0..1, in the models' output order.
    pub fn anchors(self) -> Vec<[f32; 2]> {
        // (grid size, anchors per cell)
        let layers: &[(usize, usize)] = match self {
            Self::Short => &[(16, 2), (8, 6)],
            Self::Full => &[(48, 1)],
        };
        let mut out = Vec::with_capacity(2304);
        for &(n, per_cell) in layers {
            for y in 0..n {
                for x in 0..n {
                    let c = [(x as f32 + 0.5) / n as f32, (y as f32 + 0.5) / n as f32];
                    out.extend(std::iter::repeat_n(c, per_cell));
                }
            }
        }
        out
    }
}

/// A detected face in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Detection {
    /// Box: left, top, width, height.
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub score: f32,
    /// Right eye, left eye (the person's), nose tip, mouth centre, right ear
    /// tragion, left ear tragion.
    pub keypoints: [[f32; 2]; 6],
}

impl Detection {
    pub fn area(&self) -> f32 {
        self.width.max(0.0) * self.height.max(0.0)
    }

    pub fn center(&self) -> [f32; 2] {
        [self.x + self.width / 2.0, self.y + self.height / 2.0]
    }

    fn intersection(&self, o: &Detection) -> f32 {
        let ix = (self.x + self.width).min(o.x + o.width) - self.x.max(o.x);
        let iy = (self.y + self.height).min(o.y + o.height) - self.y.max(o.y);
        if ix <= 0.0 || iy <= 0.0 { 0.0 } else { ix * iy }
    }

    fn iou(&self, o: &Detection) -> f32 {
        let inter = self.intersection(o);
        inter / (self.area() + o.area() - inter).max(f32::EPSILON)
    }

    /// The share of the smaller box that lies inside the other: near 1 when
    /// one box nests in the other, whatever their sizes.
    pub fn nesting(&self, o: &Detection) -> f32 {
        self.intersection(o) / self.area().min(o.area()).max(f32::EPSILON)
    }
}

/// How hard to look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectOptions {
    /// Minimum sigmoid score of a detection.
    pub min_score: f32,
    /// IoU above which detections are merged.
    pub nms_iou: f32,
    /// Tile levels for small faces: level k runs the full-range model on
    /// squares of side `short side / 2^k` with half-side overlap. 0 = whole
    /// image only.
    pub tile_levels: u32,
}

impl Default for DetectOptions {
    fn default() -> Self {
        Self {
            min_score: 0.5,
            nms_iou: 0.3,
            tile_levels: 1,
        }
    }
}

fn sigmoid(v: f32) -> f32 {
    1.0 / (1.0 + (-v.clamp(-100.0, 100.0)).exp())
}

/// Where a square model input came from: input pixel = (image − offset) × scale.
#[derive(Debug, Clone, Copy)]
struct Letterbox {
    /// Top-left of the region in image pixels, minus the padding (in image pixels).
    origin: [f32; 2],
    /// Image pixels per input unit (0..1 across the square).
    extent: f32,
}

impl Letterbox {
    fn image_point(&self, p: [f32; 2]) -> [f32; 2] {
        [
            self.origin[0] + p[0] * self.extent,
            self.origin[1] + p[1] * self.extent,
        ]
    }
}

/// The letterboxed NHWC input for `region` (x, y, w, h) of `img`.
fn input(img: &RgbaImage, region: [u32; 4], side: u32) -> Result<(Tensor, Letterbox)> {
    let [rx, ry, rw, rh] = region;
    let long = rw.max(rh).max(1);
    let scale = f64::from(side) / f64::from(long);
    let w = ((f64::from(rw) * scale).round() as u32).clamp(1, side);
    let h = ((f64::from(rh) * scale).round() as u32).clamp(1, side);
    let small = if region == [0, 0, img.width(), img.height()] {
        resize_rgba(img, w, h, Filter::Bilinear, false)?
    } else {
        let crop = imageops::crop_imm(img, rx, ry, rw, rh).to_image();
        resize_rgba(&crop, w, h, Filter::Bilinear, false)?
    };
    let (ox, oy) = ((side - w) / 2, (side - h) / 2);
    let n = side as usize;
    let mut data = vec![-1.0f32; n * n * 3];
    for (x, y, p) in small.enumerate_pixels() {
        let i = ((y + oy) as usize * n + (x + ox) as usize) * 3;
        for c in 0..3 {
            data[i + c] = f32::from(p.0[c]) / 127.5 - 1.0;
        }
    }
    let px = long as f32 / side as f32; // image pixels per input pixel
    Ok((
        Tensor {
            shape: vec![1, n, n, 3],
            data,
        },
        Letterbox {
            origin: [rx as f32 - ox as f32 * px, ry as f32 - oy as f32 * px],
            extent: side as f32 * px,
        },
    ))
}

/// Raw detections of one model pass over `region`, in image pixels.
fn run_pass(
    model: &dyn Model,
    range: Range,
    anchors: &[[f32; 2]],
    img: &RgbaImage,
    region: [u32; 4],
    min_score: f32,
) -> Result<Vec<Detection>> {
    let (tensor, lb) = input(img, region, range.side())?;
    let outputs = model.run(&tensor)?;
    let bad = |detail: &str| VisionError::BadModelOutput {
        model: range.name(),
        detail: detail.into(),
    };
    let (boxes, scores) = match outputs.as_slice() {
        [b, s, ..] => (b, s),
        _ => return Err(bad("expected regressors and classificators")),
    };
    if boxes.data.len() != anchors.len() * 16 || scores.data.len() != anchors.len() {
        return Err(bad("unexpected anchor count"));
    }
    let side = range.side() as f32;
    let mut out = Vec::new();
    for (i, a) in anchors.iter().enumerate() {
        let score = sigmoid(scores.data[i]);
        if score < min_score {
            continue;
        }
        let r = &boxes.data[i * 16..i * 16 + 16];
        let cx = r[0] / side + a[0];
        let cy = r[1] / side + a[1];
        let (w, h) = (r[2] / side, r[3] / side);
        if !(w > 0.0 && h > 0.0 && cx.is_finite() && cy.is_finite()) {
            continue;
        }
        let tl = lb.image_point([cx - w / 2.0, cy - h / 2.0]);
        let mut keypoints = [[0.0; 2]; 6];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = lb.image_point([r[4 + 2 * k] / side + a[0], r[5 + 2 * k] / side + a[1]]);
        }
        out.push(Detection {
            x: tl[0],
            y: tl[1],
            width: w * lb.extent,
            height: h * lb.extent,
            score,
            keypoints,
        });
    }
    Ok(out)
}

/// MediaPipe's weighted non-maximum suppression: each cluster of boxes
/// overlapping the best one is replaced by their score-weighted mean.
pub fn weighted_nms(mut dets: Vec<Detection>, iou: f32) -> Vec<Detection> {
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(best) = dets.first().copied() {
        let (cluster, rest): (Vec<Detection>, Vec<Detection>) =
            dets.into_iter().partition(|d| best.iou(d) > iou);
        dets = rest;
        let total: f32 = cluster.iter().map(|d| d.score).sum();
        let mut m = Detection {
            x: 0.0,
            y: 0.0,
            width: 0.0,
            height: 0.0,
            score: best.score,
            keypoints: [[0.0; 2]; 6],
        };
        for d in &cluster {
            let wgt = d.score / total;
            m.x += d.x * wgt;
            m.y += d.y * wgt;
            m.width += d.width * wgt;
            m.height += d.height * wgt;
            for k in 0..6 {
                m.keypoints[k][0] += d.keypoints[k][0] * wgt;
                m.keypoints[k][1] += d.keypoints[k][1] * wgt;
            }
        }
        out.push(m);
    }
    out
}

/// Boxes that nest: the share of the smaller box inside the larger above
/// which the larger may be a loose second box of the same face. Two
/// people's faces never overlap this much; a loose box from the whole image
/// around a tight box from a tile does (issue 21 item 4), and its IoU can be
/// far below the NMS threshold.
pub const NESTED: f32 = 0.6;

/// Drop every box that is larger than a better-scoring box nested in it: a
/// loose, doubtful second box around a face already found tightly. A smaller
/// box inside a better-scoring large one is kept — the large one may span
/// two small faces — and the landmark stage merges what is one face.
pub fn drop_nested(dets: Vec<Detection>) -> Vec<Detection> {
    let mut kept: Vec<Detection> = Vec::with_capacity(dets.len());
    let mut sorted = dets;
    sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
    for d in sorted {
        let loose = kept
            .iter()
            .any(|k| k.nesting(&d) >= NESTED && d.area() > k.area());
        if !loose {
            kept.push(d);
        }
    }
    kept
}

/// The overlapping square tiles of level `k` (side = short side / 2^k,
/// stride half a side, the last row and column flush with the border).
fn tiles(w: u32, h: u32, k: u32) -> Vec<[u32; 4]> {
    let side = (w.min(h) >> k).max(1);
    let starts = |len: u32| {
        let stride = (side / 2).max(1);
        let mut v: Vec<u32> = (0..)
            .map(|i| i * stride)
            .take_while(|&s| s + side < len)
            .collect();
        v.push(len.saturating_sub(side));
        v.dedup();
        v
    };
    let mut out = Vec::new();
    for y in starts(h) {
        for x in starts(w) {
            out.push([x, y, side.min(w), side.min(h)]);
        }
    }
    out
}

/// Whether a detection in tile `t` touches one of the tile's inner borders
/// (a border that is not also the image's).
fn cut_by_tile(d: &Detection, t: [u32; 4], w: u32, h: u32) -> bool {
    let margin = 0.02 * t[2] as f32;
    let (l, tp, r, b) = (
        t[0] as f32,
        t[1] as f32,
        (t[0] + t[2]) as f32,
        (t[1] + t[3]) as f32,
    );
    (t[0] > 0 && d.x < l + margin)
        || (t[1] > 0 && d.y < tp + margin)
        || (t[0] + t[2] < w && d.x + d.width > r - margin)
        || (t[1] + t[3] < h && d.y + d.height > b - margin)
}

/// Loaded detectors.
#[derive(Debug, Clone, Copy)]
pub struct Detectors<'a> {
    pub short: &'a dyn Model,
    pub full: &'a dyn Model,
}

/// Every face in the image, best first after merging.
pub fn detect(models: Detectors<'_>, img: &RgbaImage, opts: &DetectOptions) -> Result<Vec<Detection>> {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return Ok(Vec::new());
    }
    let whole = [0, 0, w, h];
    let short_anchors = Range::Short.anchors();
    let full_anchors = Range::Full.anchors();
    let mut all = run_pass(
        models.short,
        Range::Short,
        &short_anchors,
        img,
        whole,
        opts.min_score,
    )?;
    all.extend(run_pass(
        models.full,
        Range::Full,
        &full_anchors,
        img,
        whole,
        opts.min_score,
    )?);
    for k in 1..=opts.tile_levels {
        let ts = tiles(w, h, k);
        // A level whose tiles are smaller than the model input adds nothing.
        if ts.first().is_none_or(|t| t[2] < Range::Full.side()) || ts.len() <= 1 {
            break;
        }
        for t in ts {
            let found = run_pass(models.full, Range::Full, &full_anchors, img, t, opts.min_score)?;
            all.extend(found.into_iter().filter(|d| !cut_by_tile(d, t, w, h)));
        }
    }
    Ok(drop_nested(weighted_nms(all, opts.nms_iou)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_counts_match_the_models() {
        assert_eq!(Range::Short.anchors().len(), 896);
        assert_eq!(Range::Full.anchors().len(), 2304);
        assert_eq!(Range::Full.anchors()[0], [0.5 / 48.0, 0.5 / 48.0]);
    }

    #[test]
    fn tiles_cover_the_image_with_overlap() {
        let ts = tiles(1920, 1080, 1);
        assert!(
            ts.iter()
                .all(|t| t[2] == 540 && t[0] + t[2] <= 1920 && t[1] + t[3] <= 1080)
        );
        assert!(ts.iter().any(|t| t[0] + t[2] == 1920 && t[1] + t[3] == 1080));
        assert_eq!(ts.len(), 7 * 3);
    }

    fn det(x: f32, score: f32) -> Detection {
        Detection {
            x,
            y: 0.0,
            width: 10.0,
            height: 10.0,
            score,
            keypoints: [[x, 0.0]; 6],
        }
    }

    #[test]
    fn weighted_nms_merges_overlaps_and_keeps_the_rest() {
        let out = weighted_nms(vec![det(0.0, 0.9), det(1.0, 0.6), det(50.0, 0.7)], 0.3);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].score, 0.9);
        assert!(out[0].x > 0.0 && out[0].x < 0.5);
        assert_eq!(out[1].x, 50.0);
    }

    #[test]
    fn a_loose_box_around_a_tight_one_is_one_face() {
        let tight = det(10.0, 0.9);
        // Twice the size, around the tight box: IoU 0.25, below the NMS threshold.
        let loose = Detection {
            x: 5.0,
            y: -5.0,
            width: 20.0,
            height: 20.0,
            score: 0.52,
            ..tight
        };
        assert!(tight.iou(&loose) < 0.3);
        assert_eq!(weighted_nms(vec![tight, loose], 0.3).len(), 2);
        let out = drop_nested(weighted_nms(vec![tight, loose], 0.3));
        assert_eq!(out, vec![tight]);
        // Side by side, touching: two faces.
        let next = det(19.0, 0.8);
        assert_eq!(drop_nested(vec![tight, next]).len(), 2);
        // A better-scoring large box may span small faces: they stay.
        let wide = Detection { score: 0.95, ..loose };
        assert_eq!(drop_nested(vec![tight, wide]).len(), 2);
    }
}
