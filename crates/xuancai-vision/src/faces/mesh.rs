//! FaceMesh: 468 landmarks (MediaPipe, Apache-2.0).
//!
//! The model sees a 192×192 crop, values in 0..1, of a square region about
//! 1.5× the face, rotated so the eye line is level; its output (x, y, z in
//! crop pixels) is mapped back through the same rotation. A second pass
//! re-crops around the first pass's landmarks (as MediaPipe's tracking
//! does), which centres the face and refines every point.

use xuancai_imaging::RgbaImage;

use super::detect::Detection;
use crate::engine::{Model, Tensor};
use crate::error::{Result, VisionError};

pub const MESH_SIDE: u32 = 192;
pub const MESH_POINTS: usize = 468;

/// Landmark indices with a name (the person's right is the image's left).
pub mod idx {
    pub const RIGHT_EYE_OUTER: usize = 33;
    pub const RIGHT_EYE_INNER: usize = 133;
    pub const LEFT_EYE_OUTER: usize = 263;
    pub const LEFT_EYE_INNER: usize = 362;
    pub const NOSE_TIP: usize = 1;
    pub const UPPER_LIP: usize = 13;
    pub const LOWER_LIP: usize = 14;
    pub const CHIN: usize = 152;
    /// The face oval, clockwise from the top of the forehead.
    pub const FACE_OVAL: [usize; 36] = [
        10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
        176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
    ];
    /// The 68-point layout (iBUG 300-W / dlib) by index into the mesh: jaw
    /// 0–16, brows 17–26, nose 27–35, eyes 36–47, outer lips 48–59, inner
    /// lips 60–67. The mesh has no points on the jaw's lower edge below the
    /// ears, so the jaw points follow the oval there.
    pub const IBUG68: [usize; 68] = [
        162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389, // jaw
        71, 63, 105, 66, 107, 336, 296, 334, 293, 301, // brows
        168, 197, 5, 4, 75, 97, 2, 326, 305, // nose
        33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380, // eyes
        61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181, // outer lips
        78, 82, 13, 312, 308, 317, 14, 87, // inner lips
    ];
}

/// A square, rotated region of the image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roi {
    pub center: [f32; 2],
    pub side: f32,
    /// Radians; the crop's x axis points along (cos, sin) in the image.
    pub rotation: f32,
}

impl Roi {
    /// Crop coordinates (0..1 across the square) to image pixels.
    pub fn image_point(&self, u: f32, v: f32) -> [f32; 2] {
        let (s, c) = self.rotation.sin_cos();
        let (du, dv) = ((u - 0.5) * self.side, (v - 0.5) * self.side);
        [self.center[0] + c * du - s * dv, self.center[1] + s * du + c * dv]
    }

    /// MediaPipe's detection → ROI: rotation from the eye keypoints, the
    /// box's longer side × 1.5.
    pub fn from_detection(d: &Detection) -> Self {
        let [r, l] = [d.keypoints[0], d.keypoints[1]];
        let rotation = (l[1] - r[1]).atan2(l[0] - r[0]);
        Self {
            center: d.center(),
            side: d.width.max(d.height) * 1.5,
            rotation,
        }
    }

    /// Landmarks → ROI: rotation from the outer eye corners, the points'
    /// bounding box in the rotated frame × 1.5.
    pub fn from_landmarks(points: &[[f32; 3]]) -> Self {
        let (r, l) = (points[idx::RIGHT_EYE_OUTER], points[idx::LEFT_EYE_OUTER]);
        let rotation = (l[1] - r[1]).atan2(l[0] - r[0]);
        let (s, c) = rotation.sin_cos();
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for p in points {
            // Into the rotated frame.
            let (u, v) = (c * p[0] + s * p[1], -s * p[0] + c * p[1]);
            lo = [lo[0].min(u), lo[1].min(v)];
            hi = [hi[0].max(u), hi[1].max(v)];
        }
        let (mu, mv) = ((lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0);
        Self {
            center: [c * mu - s * mv, s * mu + c * mv],
            side: (hi[0] - lo[0]).max(hi[1] - lo[1]) * 1.5,
            rotation,
        }
    }
}

/// Bilinear sample of RGB in 0..1; outside the image is black.
fn sample(img: &RgbaImage, x: f32, y: f32) -> [f32; 3] {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (x, y) = (x - 0.5, y - 0.5);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let px = |xi: i64, yi: i64| -> [f32; 3] {
        if xi < 0 || yi < 0 || xi >= w || yi >= h {
            return [0.0; 3];
        }
        let p = img.get_pixel(xi as u32, yi as u32).0;
        [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
    };
    let (a, b, c, d) = (px(x0, y0), px(x0 + 1, y0), px(x0, y0 + 1), px(x0 + 1, y0 + 1));
    let mut out = [0.0; 3];
    for i in 0..3 {
        let top = a[i] + (b[i] - a[i]) * fx;
        let bottom = c[i] + (d[i] - c[i]) * fx;
        out[i] = (top + (bottom - top) * fy) / 255.0;
    }
    out
}

/// The model input for `roi`: NHWC 1×192×192×3 in 0..1.
pub fn crop_input(img: &RgbaImage, roi: &Roi) -> Tensor {
    let n = MESH_SIDE as usize;
    let mut data = vec![0.0f32; n * n * 3];
    for v in 0..n {
        for u in 0..n {
            let [x, y] = roi.image_point((u as f32 + 0.5) / n as f32, (v as f32 + 0.5) / n as f32);
            let i = (v * n + u) * 3;
            data[i..i + 3].copy_from_slice(&sample(img, x, y));
        }
    }
    Tensor {
        shape: vec![1, n, n, 3],
        data,
    }
}

/// 468 landmarks in image pixels (z in the same scale as x, relative to
/// the face's centre) and the model's face-presence score.
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    pub points: Vec<[f32; 3]>,
    pub score: f32,
}

fn run_once(model: &dyn Model, img: &RgbaImage, roi: &Roi) -> Result<Mesh> {
    let outputs = model.run(&crop_input(img, roi))?;
    let bad = |detail: &str| VisionError::BadModelOutput {
        model: "face_landmark",
        detail: detail.into(),
    };
    let coords = outputs.first().ok_or_else(|| bad("no landmark output"))?;
    if coords.data.len() != MESH_POINTS * 3 {
        return Err(bad("expected 1404 values"));
    }
    let flag = outputs
        .get(1)
        .and_then(|t| t.data.first().copied())
        .unwrap_or(0.0);
    let n = MESH_SIDE as f32;
    let points = coords
        .data
        .chunks_exact(3)
        .map(|c| {
            let [x, y] = roi.image_point(c[0] / n, c[1] / n);
            [x, y, c[2] / n * roi.side]
        })
        .collect();
    Ok(Mesh {
        points,
        score: 1.0 / (1.0 + (-flag.clamp(-100.0, 100.0)).exp()),
    })
}

/// Landmarks of the face found by `det`: one pass on the detection's ROI,
/// a second on the ROI of the first pass's landmarks.
pub fn landmarks(model: &dyn Model, img: &RgbaImage, det: &Detection) -> Result<Mesh> {
    let first = run_once(model, img, &Roi::from_detection(det))?;
    let second = run_once(model, img, &Roi::from_landmarks(&first.points))?;
    Ok(if second.score >= first.score * 0.8 {
        second
    } else {
        first
    })
}

/// The 68-point layout picked out of a 468-point mesh.
pub fn ibug68(points: &[[f32; 3]]) -> Vec<[f32; 2]> {
    idx::IBUG68
        .iter()
        .filter_map(|&i| points.get(i).map(|p| [p[0], p[1]]))
        .collect()
}

/// Distance between the centres of the two eyes (mean of each eye's corners).
pub fn inter_ocular(points: &[[f32; 3]]) -> f32 {
    let centre = |a: usize, b: usize| {
        let (p, q) = (points[a], points[b]);
        [(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0]
    };
    let r = centre(idx::RIGHT_EYE_OUTER, idx::RIGHT_EYE_INNER);
    let l = centre(idx::LEFT_EYE_OUTER, idx::LEFT_EYE_INNER);
    ((r[0] - l[0]).powi(2) + (r[1] - l[1]).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roi_maps_centre_and_corners_through_the_rotation() {
        let roi = Roi {
            center: [100.0, 50.0],
            side: 20.0,
            rotation: std::f32::consts::FRAC_PI_2,
        };
        assert_eq!(roi.image_point(0.5, 0.5), [100.0, 50.0]);
        let p = roi.image_point(1.0, 0.5); // crop +x → image +y
        assert!((p[0] - 100.0).abs() < 1e-4 && (p[1] - 60.0).abs() < 1e-4);
    }

    #[test]
    fn the_68_point_map_has_distinct_indices_inside_the_mesh() {
        let mut v = idx::IBUG68.to_vec();
        v.sort_unstable();
        v.dedup();
        assert_eq!(v.len(), 68);
        assert!(v.iter().all(|&i| i < MESH_POINTS));
    }
}
