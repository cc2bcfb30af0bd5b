//! Piecewise-affine warping: a triangulated region of one image mapped onto
//! the matching triangles of another frame, each triangle by its own affine
//! map (the face-swap warp, IMG-3).

use crate::RgbaImage;

/// A rectangle of the destination frame, in whole pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Region {
    /// The bounding box of `points` grown by `margin`, clipped to w×h; None
    /// when it misses the frame.
    pub fn around(points: impl IntoIterator<Item = [f32; 2]>, margin: f32, w: u32, h: u32) -> Option<Self> {
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for p in points {
            lo = [lo[0].min(p[0]), lo[1].min(p[1])];
            hi = [hi[0].max(p[0]), hi[1].max(p[1])];
        }
        let x0 = (lo[0] - margin).floor().max(0.0);
        let y0 = (lo[1] - margin).floor().max(0.0);
        let x1 = (hi[0] + margin).ceil().min(w as f32);
        let y1 = (hi[1] + margin).ceil().min(h as f32);
        if !(x1 > x0 && y1 > y0) {
            return None;
        }
        Some(Self {
            x: x0 as u32,
            y: y0 as u32,
            width: (x1 - x0) as u32,
            height: (y1 - y0) as u32,
        })
    }

    pub fn len(&self) -> usize {
        self.width as usize * self.height as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Linear-light-agnostic float RGB pixels of a region, with a validity flag
/// per pixel (false where nothing was drawn or the source was off-image).
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    pub region: Region,
    pub rgb: Vec<[f32; 3]>,
    pub valid: Vec<bool>,
}

impl Patch {
    /// The region of `img` as a patch (every pixel valid).
    pub fn from_image(img: &RgbaImage, region: Region) -> Self {
        let mut rgb = Vec::with_capacity(region.len());
        for y in region.y..region.y + region.height {
            for x in region.x..region.x + region.width {
                let p = img.get_pixel(x, y).0;
                rgb.push([f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]);
            }
        }
        Self {
            region,
            valid: vec![true; rgb.len()],
            rgb,
        }
    }
}

/// Corresponding triangles: (source corners, destination corners).
pub type TrianglePair = ([[f32; 2]; 3], [[f32; 2]; 3]);

/// Bilinear sample (pixel centres at +0.5); None off the image.
fn sample(img: &RgbaImage, x: f32, y: f32) -> Option<[f32; 3]> {
    let (w, h) = (img.width() as f32, img.height() as f32);
    if !(x >= 0.0 && y >= 0.0 && x <= w && y <= h) {
        return None;
    }
    let (fx, fy) = ((x - 0.5).clamp(0.0, w - 1.0), (y - 0.5).clamp(0.0, h - 1.0));
    let (x0, y0) = (fx.floor() as u32, fy.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(img.width() - 1), (y0 + 1).min(img.height() - 1));
    let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
    let (a, b) = (img.get_pixel(x0, y0).0, img.get_pixel(x1, y0).0);
    let (c, d) = (img.get_pixel(x0, y1).0, img.get_pixel(x1, y1).0);
    let mut out = [0.0; 3];
    for i in 0..3 {
        let top = f32::from(a[i]) + (f32::from(b[i]) - f32::from(a[i])) * tx;
        let bottom = f32::from(c[i]) + (f32::from(d[i]) - f32::from(c[i])) * tx;
        out[i] = top + (bottom - top) * ty;
    }
    Some(out)
}

/// Draw `src` into `region` of the destination frame: every destination
/// pixel centre inside a destination triangle samples `src` at the point
/// with the same barycentric coordinates in the source triangle.
/// `triangles` are (source, destination) corner triples.
pub fn piecewise_affine(src: &RgbaImage, triangles: &[TrianglePair], region: Region) -> Patch {
    let mut patch = Patch {
        region,
        rgb: vec![[0.0; 3]; region.len()],
        valid: vec![false; region.len()],
    };
    if src.width() == 0 || src.height() == 0 {
        return patch;
    }
    let (rw, rh) = (region.width as i64, region.height as i64);
    for (s, d) in triangles {
        let det = (d[1][1] - d[2][1]) * (d[0][0] - d[2][0]) + (d[2][0] - d[1][0]) * (d[0][1] - d[2][1]);
        if det.abs() < 1e-6 || !det.is_finite() {
            continue;
        }
        let minx = ((d[0][0].min(d[1][0]).min(d[2][0]) - region.x as f32).floor() as i64).max(0);
        let maxx = ((d[0][0].max(d[1][0]).max(d[2][0]) - region.x as f32).ceil() as i64).min(rw - 1);
        let miny = ((d[0][1].min(d[1][1]).min(d[2][1]) - region.y as f32).floor() as i64).max(0);
        let maxy = ((d[0][1].max(d[1][1]).max(d[2][1]) - region.y as f32).ceil() as i64).min(rh - 1);
        for py in miny..=maxy {
            let y = (py as f32) + region.y as f32 + 0.5;
            for px in minx..=maxx {
                let x = (px as f32) + region.x as f32 + 0.5;
                let l0 = ((d[1][1] - d[2][1]) * (x - d[2][0]) + (d[2][0] - d[1][0]) * (y - d[2][1])) / det;
                let l1 = ((d[2][1] - d[0][1]) * (x - d[2][0]) + (d[0][0] - d[2][0]) * (y - d[2][1])) / det;
                let l2 = 1.0 - l0 - l1;
                const EPS: f32 = -1e-4;
                if l0 < EPS || l1 < EPS || l2 < EPS {
                    continue;
                }
                let sx = l0 * s[0][0] + l1 * s[1][0] + l2 * s[2][0];
                let sy = l0 * s[0][1] + l1 * s[1][1] + l2 * s[2][1];
                let i = (py * rw + px) as usize;
                if let Some(c) = sample(src, sx, sy) {
                    patch.rgb[i] = c;
                    patch.valid[i] = true;
                } else {
                    patch.valid[i] = false;
                }
            }
        }
    }
    patch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_warp_copies_pixels() {
        let img = RgbaImage::from_fn(20, 20, |x, y| {
            image::Rgba([(x * 10) as u8, (y * 10) as u8, 7, 255])
        });
        let t = [[0.0, 0.0], [20.0, 0.0], [0.0, 20.0]];
        let u = [[20.0, 0.0], [20.0, 20.0], [0.0, 20.0]];
        let region = Region {
            x: 0,
            y: 0,
            width: 20,
            height: 20,
        };
        let p = piecewise_affine(&img, &[(t, t), (u, u)], region);
        assert!(p.valid.iter().all(|&v| v));
        let i = 5 * 20 + 13;
        assert!((p.rgb[i][0] - 130.0).abs() < 1e-3 && (p.rgb[i][1] - 50.0).abs() < 1e-3);
    }

    #[test]
    fn a_source_off_the_image_is_marked_invalid() {
        let img = RgbaImage::new(10, 10);
        let s = [[100.0, 100.0], [120.0, 100.0], [100.0, 120.0]];
        let d = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
        let region = Region::around(d, 0.0, 10, 10).expect("inside");
        let p = piecewise_affine(&img, &[(s, d)], region);
        assert!(p.valid.iter().all(|&v| !v));
    }
}
