//! Simple drawing for overlays (boxes, points, polylines): opaque pixels,
//! clipped to the image, anti-aliasing not needed for diagnostics.

use image::Rgba;

use crate::RgbaImage;

fn put(img: &mut RgbaImage, x: i64, y: i64, c: [u8; 4]) {
    if x >= 0 && y >= 0 && x < i64::from(img.width()) && y < i64::from(img.height()) {
        img.put_pixel(x as u32, y as u32, Rgba(c));
    }
}

/// A filled disc of radius `r` around (x, y).
pub fn dot(img: &mut RgbaImage, x: f32, y: f32, r: f32, c: [u8; 4]) {
    let ri = r.ceil() as i64;
    let (cx, cy) = (x.round() as i64, y.round() as i64);
    for dy in -ri..=ri {
        for dx in -ri..=ri {
            if (dx * dx + dy * dy) as f32 <= r * r {
                put(img, cx + dx, cy + dy, c);
            }
        }
    }
}

/// A line `width` pixels wide from a to b.
pub fn line(img: &mut RgbaImage, a: [f32; 2], b: [f32; 2], width: f32, c: [u8; 4]) {
    let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
    if !len.is_finite() {
        return;
    }
    let steps = (len.ceil() as usize).clamp(1, 1 << 16);
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        dot(
            img,
            a[0] + (b[0] - a[0]) * t,
            a[1] + (b[1] - a[1]) * t,
            width / 2.0,
            c,
        );
    }
}

/// A rectangle's outline.
pub fn rect(img: &mut RgbaImage, x: f32, y: f32, w: f32, h: f32, width: f32, c: [u8; 4]) {
    let corners = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];
    for i in 0..4 {
        line(img, corners[i], corners[(i + 1) % 4], width, c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawing_clips_at_the_border() {
        let mut img = RgbaImage::new(10, 10);
        rect(&mut img, -5.0, -5.0, 30.0, 30.0, 2.0, [255, 0, 0, 255]);
        dot(&mut img, 9.0, 9.0, 3.0, [0, 255, 0, 255]);
        assert_eq!(img.get_pixel(9, 9).0, [0, 255, 0, 255]);
        line(&mut img, [0.0, 5.0], [9.0, 5.0], 1.0, [1, 2, 3, 255]);
        assert_eq!(img.get_pixel(4, 5).0, [1, 2, 3, 255]);
    }
}
