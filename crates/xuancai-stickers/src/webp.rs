//! WebP encoding through libwebp (vendored C, via `libwebp-sys`): still
//! images lossless or lossy with alpha, and animations with each frame's own
//! duration (the `webp` crate's animation wrapper gives the last frame the
//! average duration instead, so we call the encoder ourselves).

use std::ffi::c_int;

use image::RgbaImage;
use libwebp_sys as sys;

use crate::anim::Frame;
use crate::error::{Result, StickerError};

fn failed(what: &str) -> StickerError {
    xuancai_imaging::ImagingError::Encode(format!("WebP: {what}")).into()
}

fn dims(img: &RgbaImage) -> Result<(c_int, c_int, c_int)> {
    let (w, h) = img.dimensions();
    let too_big = || failed("the image is too large for WebP (16383 px a side)");
    let w = c_int::try_from(w).map_err(|_| too_big())?;
    let h = c_int::try_from(h).map_err(|_| too_big())?;
    if w > 16383 || h > 16383 || w == 0 || h == 0 {
        return Err(too_big());
    }
    Ok((w, h, w * 4))
}

/// Encode a still: lossless when `quality` is `None`, else lossy (0–100)
/// with a lossless alpha plane.
pub fn encode_still(img: &RgbaImage, quality: Option<f32>) -> Result<Vec<u8>> {
    let (w, h, stride) = dims(img)?;
    let mut out: *mut u8 = std::ptr::null_mut();
    // SAFETY: the buffer holds `h * stride` bytes of RGBA; libwebp allocates
    // `out` and returns its length (0 on failure); we copy and free it.
    let size = unsafe {
        match quality {
            None => sys::WebPEncodeLosslessRGBA(img.as_raw().as_ptr(), w, h, stride, &mut out),
            Some(q) => {
                sys::WebPEncodeRGBA(img.as_raw().as_ptr(), w, h, stride, q.clamp(0.0, 100.0), &mut out)
            }
        }
    };
    if size == 0 || out.is_null() {
        return Err(failed("the encoder failed"));
    }
    // SAFETY: libwebp wrote `size` bytes at `out`.
    let bytes = unsafe { std::slice::from_raw_parts(out, size) }.to_vec();
    // SAFETY: `out` came from libwebp's allocator.
    unsafe { sys::WebPFree(out.cast()) };
    Ok(bytes)
}

/// Deletes the animation encoder however the function ends.
struct AnimEncoder(*mut sys::WebPAnimEncoder);

impl Drop for AnimEncoder {
    fn drop(&mut self) {
        // SAFETY: created by WebPAnimEncoderNewInternal, deleted once.
        unsafe { sys::WebPAnimEncoderDelete(self.0) }
    }
}

/// Frees a picture's buffers however the function ends.
struct Picture(sys::WebPPicture);

impl Drop for Picture {
    fn drop(&mut self) {
        // SAFETY: initialised by WebPPictureInit; freeing twice is harmless.
        unsafe { sys::WebPPictureFree(&mut self.0) }
    }
}

/// Encode an animation that loops forever; each frame keeps its duration.
/// `quality` as in [`encode_still`].
pub fn encode_animation(frames: &[Frame], quality: Option<f32>) -> Result<Vec<u8>> {
    let first = frames.first().ok_or_else(|| failed("no frames"))?;
    let (w, h, stride) = dims(&first.image)?;
    let mut opts = std::mem::MaybeUninit::<sys::WebPAnimEncoderOptions>::uninit();
    // SAFETY: the init function fills the whole struct (checked by its result).
    let ok = unsafe {
        sys::WebPAnimEncoderOptionsInitInternal(opts.as_mut_ptr(), sys::WEBP_MUX_ABI_VERSION as c_int)
    };
    if ok == 0 {
        return Err(failed("libwebp version mismatch"));
    }
    // SAFETY: initialised just above.
    let mut opts = unsafe { opts.assume_init() };
    opts.anim_params.loop_count = 0;
    // A transparent background: readers that fill the canvas with it (the
    // `image` crate does) keep a sticker's clear edges clear; libwebp's
    // default is opaque white.
    opts.anim_params.bgcolor = 0;
    opts.allow_mixed = 0;
    // SAFETY: valid options; the encoder is deleted by the guard.
    let enc = AnimEncoder(unsafe {
        sys::WebPAnimEncoderNewInternal(w, h, &opts, sys::WEBP_MUX_ABI_VERSION as c_int)
    });
    if enc.0.is_null() {
        return Err(failed("could not create the animation encoder"));
    }
    let mut config = sys::WebPConfig::new().map_err(|_| failed("libwebp version mismatch"))?;
    match quality {
        None => config.lossless = 1,
        Some(q) => {
            config.lossless = 0;
            config.quality = q.clamp(0.0, 100.0);
        }
    }
    config.method = 4;
    let mut timestamp: c_int = 0;
    for f in frames {
        if f.image.dimensions() != first.image.dimensions() {
            return Err(failed("frames differ in size"));
        }
        let mut pic = Picture(sys::WebPPicture::new().map_err(|_| failed("libwebp version mismatch"))?);
        pic.0.use_argb = 1;
        pic.0.width = w;
        pic.0.height = h;
        // SAFETY: the buffer holds `h * stride` bytes; the picture copies them.
        if unsafe { sys::WebPPictureImportRGBA(&mut pic.0, f.image.as_raw().as_ptr(), stride) } == 0 {
            return Err(failed("out of memory"));
        }
        // SAFETY: encoder, picture and config are valid for the call.
        if unsafe { sys::WebPAnimEncoderAdd(enc.0, &mut pic.0, timestamp, &config) } == 0 {
            return Err(failed("a frame could not be encoded"));
        }
        timestamp = timestamp.saturating_add(c_int::try_from(f.delay_ms.max(1)).unwrap_or(c_int::MAX));
    }
    // SAFETY: the final call with no picture sets the last frame's end time.
    if unsafe { sys::WebPAnimEncoderAdd(enc.0, std::ptr::null_mut(), timestamp, std::ptr::null()) } == 0 {
        return Err(failed("the last frame's duration was refused"));
    }
    let mut data = sys::WebPData::default();
    // SAFETY: `data` receives a buffer we free with WebPDataClear.
    if unsafe { sys::WebPAnimEncoderAssemble(enc.0, &mut data) } == 0 {
        return Err(failed("the animation could not be assembled"));
    }
    // SAFETY: libwebp wrote `data.size` bytes at `data.bytes`.
    let mut bytes = unsafe { std::slice::from_raw_parts(data.bytes, data.size) }.to_vec();
    // SAFETY: allocated by libwebp.
    unsafe { sys::WebPDataClear(&mut data) };
    if frames.iter().any(|f| f.image.pixels().any(|p| p.0[3] < 255)) {
        mark_alpha(&mut bytes);
    }
    Ok(bytes)
}

/// Set the extended header's alpha flag. libwebp sets it only when a
/// frame it stores has alpha; a sticker whose every frame was trimmed to
/// opaque pixels then says it has none, and readers that trust the flag
/// (the `image` crate) paint the uncovered canvas opaque black.
fn mark_alpha(webp: &mut [u8]) {
    const ALPHA: u8 = 0x10;
    if webp.len() > 20 && &webp[12..16] == b"VP8X" {
        webp[20] |= ALPHA;
    }
}
