//! VP9 video for Telegram's video stickers (issue 22 item 9a): libvpx,
//! loaded at run time from the library PyAV's wheel bundles (fetched and
//! checked by `tools/assets/fetch.py`, as ONNX Runtime is), so nothing is
//! linked at build time and no build script downloads anything.
//!
//! Colour and alpha are two VP9 streams of the same frames, as WebM carries
//! transparency (`AlphaMode` 1: the alpha stream's luma is the alpha, in
//! each block's `BlockAdditional`); [`crate::webm`] muxes them.
//!
//! The interface used is libvpx's stable encoder ABI, checked when the
//! library is opened: the version must be 1.16 (encoder ABI 39), whose
//! configuration layout is declared here field by field up to the key-frame
//! settings — every field this module writes.

use std::ffi::{CStr, c_char, c_int, c_long, c_uint, c_ulong, c_void};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::RgbaImage;

use crate::error::{Result, StickerError};

/// `VPX_ENCODER_ABI_VERSION` of libvpx 1.16.
const ENCODER_ABI: c_int = 39;
/// The library's version, `vpx_codec_version()`: major, minor.
const WANT_VERSION: (c_int, c_int) = (1, 16);
const IMG_FMT_I420: c_int = 0x102;
const CODEC_OK: c_int = 0;
const PKT_FRAME: c_int = 0;
const FRAME_IS_KEY: u32 = 0x1;
const EFLAG_FORCE_KF: c_long = 1;
const DL_GOOD_QUALITY: c_ulong = 1_000_000;
const SET_CPUUSED: c_int = 13;
/// Speed 4 of 0 (slowest) – 9: a sticker's 30 frames in about a second.
const CPU_USED: c_int = 4;
const KF_DISABLED: c_uint = 0;
const RC_VBR: c_uint = 0;

/// `vpx_codec_enc_cfg_t` up to `kf_max_dist`; the library's default
/// configuration is read into a larger buffer ([`CfgBuf`]) and these fields
/// are changed in place.
#[repr(C)]
struct EncCfgHead {
    g_usage: c_uint,
    g_threads: c_uint,
    g_profile: c_uint,
    g_w: c_uint,
    g_h: c_uint,
    g_bit_depth: c_int,
    g_input_bit_depth: c_uint,
    g_timebase_num: c_int,
    g_timebase_den: c_int,
    g_error_resilient: c_uint,
    g_pass: c_int,
    g_lag_in_frames: c_uint,
    rc_dropframe_thresh: c_uint,
    rc_resize_allowed: c_uint,
    rc_scaled_width: c_uint,
    rc_scaled_height: c_uint,
    rc_resize_up_thresh: c_uint,
    rc_resize_down_thresh: c_uint,
    rc_end_usage: c_uint,
    rc_twopass_stats_in: [usize; 2],
    rc_firstpass_mb_stats_in: [usize; 2],
    rc_target_bitrate: c_uint,
    rc_min_quantizer: c_uint,
    rc_max_quantizer: c_uint,
    rc_undershoot_pct: c_uint,
    rc_overshoot_pct: c_uint,
    rc_buf_sz: c_uint,
    rc_buf_initial_sz: c_uint,
    rc_buf_optimal_sz: c_uint,
    rc_2pass_vbr_bias_pct: c_uint,
    rc_2pass_vbr_minsection_pct: c_uint,
    rc_2pass_vbr_maxsection_pct: c_uint,
    rc_2pass_vbr_corpus_complexity: c_uint,
    kf_mode: c_uint,
    kf_min_dist: c_uint,
    kf_max_dist: c_uint,
}

/// Room for the whole configuration (about 1.2 KB in 1.16), aligned.
#[repr(C, align(16))]
struct CfgBuf([u8; 8192]);

/// `vpx_codec_ctx_t` (7 pointer-sized fields) with room to spare.
#[repr(C, align(16))]
struct CtxBuf([u8; 256]);

/// `vpx_image_t` (about 170 bytes) with room to spare.
#[repr(C, align(16))]
struct ImgBuf([u8; 512]);

/// The start of `vpx_codec_cx_pkt_t` for a frame packet.
#[repr(C)]
struct CxPktFrame {
    kind: c_int,
    buf: *const u8,
    sz: usize,
    pts: i64,
    duration: c_ulong,
    flags: u32,
}

type IfaceFn = unsafe extern "C" fn() -> *const c_void;
type DefaultFn = unsafe extern "C" fn(*const c_void, *mut CfgBuf, c_uint) -> c_int;
type InitFn = unsafe extern "C" fn(*mut CtxBuf, *const c_void, *const CfgBuf, c_long, c_int) -> c_int;
type ControlFn = unsafe extern "C" fn(*mut CtxBuf, c_int, ...) -> c_int;
type WrapFn = unsafe extern "C" fn(*mut ImgBuf, c_int, c_uint, c_uint, c_uint, *mut u8) -> *mut ImgBuf;
type EncodeFn = unsafe extern "C" fn(*mut CtxBuf, *const ImgBuf, i64, c_ulong, c_long, c_ulong) -> c_int;
type CxDataFn = unsafe extern "C" fn(*mut CtxBuf, *mut *const c_void) -> *const CxPktFrame;
type DestroyFn = unsafe extern "C" fn(*mut CtxBuf) -> c_int;
type ErrorFn = unsafe extern "C" fn(*const CtxBuf) -> *const c_char;
type VersionFn = unsafe extern "C" fn() -> c_int;

/// An opened libvpx: `Send + Sync`, one per process; each encode makes its
/// own encoder contexts.
pub struct Vp9 {
    path: PathBuf,
    iface: IfaceFn,
    config_default: DefaultFn,
    init: InitFn,
    control: ControlFn,
    wrap: WrapFn,
    encode: EncodeFn,
    cx_data: CxDataFn,
    destroy: DestroyFn,
    error_detail: ErrorFn,
    // Kept last: the function pointers above live as long as the library.
    _lib: libloading::Library,
}

impl std::fmt::Debug for Vp9 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vp9").field("path", &self.path).finish()
    }
}

fn unavailable(why: impl Into<String>) -> StickerError {
    StickerError::EncoderUnavailable(why.into())
}

fn encode_err(what: impl std::fmt::Display) -> StickerError {
    xuancai_imaging::ImagingError::Encode(format!("VP9: {what}")).into()
}

/// One encoded frame of each stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoFrame {
    pub pts_ms: i64,
    pub key: bool,
    pub colour: Vec<u8>,
    /// The alpha stream's frame (its luma is the alpha).
    pub alpha: Vec<u8>,
}

impl Vp9 {
    /// Open libvpx 1.16 at `path` and check its version and encoder ABI.
    pub fn open(path: &Path) -> Result<Arc<Self>> {
        // SAFETY: loading a library runs its initialisers; the library is
        // the checked file the asset manifest names (libvpx has none that
        // matter).
        let lib = unsafe { libloading::Library::new(path) }
            .map_err(|e| unavailable(format!("loading {}: {e}", path.display())))?;
        macro_rules! sym {
            ($name:literal, $ty:ty) => {{
                // SAFETY: the symbol has this C signature in libvpx 1.16
                // (checked below through `vpx_codec_version`).
                let s: libloading::Symbol<'_, $ty> = unsafe { lib.get($name) }
                    .map_err(|e| unavailable(format!("{}: {e}", String::from_utf8_lossy($name))))?;
                *s
            }};
        }
        let version: VersionFn = sym!(b"vpx_codec_version", VersionFn);
        // SAFETY: no arguments; returns an int.
        let v = unsafe { version() };
        let (major, minor) = ((v >> 16) & 0xff, (v >> 8) & 0xff);
        if (major, minor) != WANT_VERSION {
            return Err(unavailable(format!(
                "{} is libvpx {major}.{minor}; this build speaks 1.16",
                path.display()
            )));
        }
        let vp9 = Self {
            path: path.to_path_buf(),
            iface: sym!(b"vpx_codec_vp9_cx", IfaceFn),
            config_default: sym!(b"vpx_codec_enc_config_default", DefaultFn),
            init: sym!(b"vpx_codec_enc_init_ver", InitFn),
            control: sym!(b"vpx_codec_control_", ControlFn),
            wrap: sym!(b"vpx_img_wrap", WrapFn),
            encode: sym!(b"vpx_codec_encode", EncodeFn),
            cx_data: sym!(b"vpx_codec_get_cx_data", CxDataFn),
            destroy: sym!(b"vpx_codec_destroy", DestroyFn),
            error_detail: sym!(b"vpx_codec_error", ErrorFn),
            _lib: lib,
        };
        Ok(Arc::new(vp9))
    }

    /// libvpx from the asset cache (`lib/libvpx.so.12`, from PyAV's wheel).
    pub fn from_assets(assets: &xuancai_vision::AssetDir) -> Result<Arc<Self>> {
        let path = assets.file("libvpx").map_err(|e| unavailable(e.to_string()))?;
        Self::open(&path)
    }

    /// Encode `frames` (all one size, each with its display time) as a
    /// colour and an alpha stream at the fixed quantizer `q` (0 best – 63).
    pub fn encode(&self, frames: &[(&RgbaImage, u32)], q: u32) -> Result<Vec<VideoFrame>> {
        let Some((first, _)) = frames.first() else {
            return Err(encode_err("no frames"));
        };
        let (w, h) = first.dimensions();
        let mut colour = Encoder::new(self, w, h, q)?;
        let mut alpha = Encoder::new(self, w, h, q)?;
        let mut out = Vec::with_capacity(frames.len());
        let mut pts = 0i64;
        let mut planes = Planes::new(w, h);
        for (i, (img, delay)) in frames.iter().enumerate() {
            if img.dimensions() != (w, h) {
                return Err(encode_err("frames of different sizes"));
            }
            let force = if i == 0 { EFLAG_FORCE_KF } else { 0 };
            planes.fill_colour(img);
            let (c, key) = colour.frame(&mut planes.data, pts, *delay, force)?;
            planes.fill_alpha(img);
            let (a, alpha_key) = alpha.frame(&mut planes.data, pts, *delay, force)?;
            if key != alpha_key {
                return Err(encode_err("the colour and alpha streams disagree on key frames"));
            }
            out.push(VideoFrame {
                pts_ms: pts,
                key,
                colour: c,
                alpha: a,
            });
            pts += i64::from(*delay);
        }
        Ok(out)
    }
}

/// One encoder context, destroyed on drop.
struct Encoder<'a> {
    vp9: &'a Vp9,
    ctx: Box<CtxBuf>,
    img: Box<ImgBuf>,
    w: u32,
    h: u32,
}

impl<'a> Encoder<'a> {
    fn new(vp9: &'a Vp9, w: u32, h: u32, q: u32) -> Result<Self> {
        let mut cfg = Box::new(CfgBuf([0; 8192]));
        // SAFETY: the interface pointer comes from libvpx; the buffer is
        // larger than the configuration it writes.
        let rc = unsafe { (vp9.config_default)((vp9.iface)(), &mut *cfg, 0) };
        if rc != CODEC_OK {
            return Err(encode_err(format!("default configuration: error {rc}")));
        }
        // SAFETY: `EncCfgHead` is the layout of the configuration's first
        // fields in libvpx 1.16; the buffer is 16-aligned and larger.
        let head = unsafe { &mut *(cfg.0.as_mut_ptr().cast::<EncCfgHead>()) };
        if head.g_timebase_den != 30 || head.rc_max_quantizer != 63 || head.kf_max_dist == 0 {
            return Err(unavailable(
                "libvpx's encoder configuration is not laid out as 1.16's",
            ));
        }
        head.g_threads = 1;
        head.g_w = w;
        head.g_h = h;
        head.g_timebase_num = 1;
        head.g_timebase_den = 1000;
        head.g_lag_in_frames = 0;
        head.g_error_resilient = 0;
        head.rc_dropframe_thresh = 0;
        head.rc_resize_allowed = 0;
        head.rc_end_usage = RC_VBR;
        head.rc_target_bitrate = 20_000;
        head.rc_min_quantizer = q.min(63);
        head.rc_max_quantizer = q.min(63);
        head.kf_mode = KF_DISABLED;
        head.kf_min_dist = 0;
        head.kf_max_dist = 9999;
        let mut ctx = Box::new(CtxBuf([0; 256]));
        // SAFETY: the context buffer outlives the encoder (destroyed in
        // Drop); the configuration is read during the call only.
        let rc = unsafe { (vp9.init)(&mut *ctx, (vp9.iface)(), &*cfg, 0, ENCODER_ABI) };
        if rc != CODEC_OK {
            return Err(encode_err(format!("init: error {rc}")));
        }
        let mut enc = Self {
            vp9,
            ctx,
            img: Box::new(ImgBuf([0; 512])),
            w,
            h,
        };
        // SAFETY: VP8E_SET_CPUUSED takes an int.
        let rc = unsafe { (vp9.control)(&mut *enc.ctx, SET_CPUUSED, CPU_USED) };
        if rc != CODEC_OK {
            return Err(enc.error("cpu-used"));
        }
        Ok(enc)
    }

    fn error(&self, what: &str) -> StickerError {
        // SAFETY: the context is initialised; libvpx returns a static string.
        let msg = unsafe { (self.vp9.error_detail)(&*self.ctx) };
        let text = if msg.is_null() {
            "unknown error".to_string()
        } else {
            // SAFETY: a NUL-terminated string owned by libvpx.
            unsafe { CStr::from_ptr(msg) }.to_string_lossy().into_owned()
        };
        encode_err(format!("{what}: {text}"))
    }

    /// Encode one I420 frame; returns its packet and whether it is a key frame.
    fn frame(&mut self, i420: &mut [u8], pts: i64, delay: u32, flags: c_long) -> Result<(Vec<u8>, bool)> {
        // SAFETY: `i420` holds the three planes for w×h (Planes::new); the
        // image only points into it during this call.
        let img =
            unsafe { (self.vp9.wrap)(&mut *self.img, IMG_FMT_I420, self.w, self.h, 1, i420.as_mut_ptr()) };
        if img.is_null() {
            return Err(encode_err("wrapping the frame"));
        }
        // SAFETY: context and image are valid for the call.
        let rc = unsafe {
            (self.vp9.encode)(
                &mut *self.ctx,
                img,
                pts,
                c_ulong::from(delay.max(1)),
                flags,
                DL_GOOD_QUALITY,
            )
        };
        if rc != CODEC_OK {
            return Err(self.error("encode"));
        }
        let mut iter: *const c_void = std::ptr::null();
        let mut data = Vec::new();
        let mut key = false;
        let mut packets = 0;
        loop {
            // SAFETY: the iterator is libvpx's; packets live until the next
            // encode call, and are copied out before it.
            let pkt = unsafe { (self.vp9.cx_data)(&mut *self.ctx, &mut iter) };
            if pkt.is_null() {
                break;
            }
            // SAFETY: a packet libvpx returned.
            let p = unsafe { &*pkt };
            if p.kind != PKT_FRAME {
                continue;
            }
            packets += 1;
            // SAFETY: `buf` holds `sz` bytes.
            data.extend_from_slice(unsafe { std::slice::from_raw_parts(p.buf, p.sz) });
            key |= p.flags & FRAME_IS_KEY != 0;
        }
        if packets != 1 {
            return Err(encode_err(format!("{packets} packets for one frame")));
        }
        Ok((data, key))
    }
}

impl Drop for Encoder<'_> {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `new` and is destroyed once.
        unsafe { (self.vp9.destroy)(&mut *self.ctx) };
    }
}

/// An I420 buffer (w and h rounded up to even).
struct Planes {
    w: usize,
    h: usize,
    data: Vec<u8>,
}

impl Planes {
    fn new(w: u32, h: u32) -> Self {
        let (w, h) = ((w as usize + 1) & !1, (h as usize + 1) & !1);
        Self {
            w,
            h,
            data: vec![0; w * h + 2 * (w / 2) * (h / 2)],
        }
    }

    /// BT.601 limited range. Chroma averages each 2×2 block weighted by
    /// alpha, so transparent pixels' colour does not fringe the edges.
    fn fill_colour(&mut self, img: &RgbaImage) {
        let (iw, ih) = (img.width() as usize, img.height() as usize);
        let px = |x: usize, y: usize| img.get_pixel(x.min(iw - 1) as u32, y.min(ih - 1) as u32).0;
        let (w, h) = (self.w, self.h);
        let (luma, chroma) = self.data.split_at_mut(w * h);
        let (u_plane, v_plane) = chroma.split_at_mut((w / 2) * (h / 2));
        for y in 0..h {
            for x in 0..w {
                let [r, g, b, _] = px(x, y).map(f32::from);
                luma[y * w + x] = (16.0 + 0.257 * r + 0.504 * g + 0.098 * b)
                    .round()
                    .clamp(0.0, 255.0) as u8;
            }
        }
        for cy in 0..h / 2 {
            for cx in 0..w / 2 {
                let (mut r, mut g, mut b, mut wsum) = (0f32, 0f32, 0f32, 0f32);
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let [pr, pg, pb, pa] = px(2 * cx + dx, 2 * cy + dy).map(f32::from);
                    let a = pa.max(1.0);
                    r += pr * a;
                    g += pg * a;
                    b += pb * a;
                    wsum += a;
                }
                let (r, g, b) = (r / wsum, g / wsum, b / wsum);
                let i = cy * (w / 2) + cx;
                u_plane[i] = (128.0 - 0.148 * r - 0.291 * g + 0.439 * b)
                    .round()
                    .clamp(0.0, 255.0) as u8;
                v_plane[i] = (128.0 + 0.439 * r - 0.368 * g - 0.071 * b)
                    .round()
                    .clamp(0.0, 255.0) as u8;
            }
        }
    }

    /// The alpha as luma (full range, as WebM alpha is read), grey chroma.
    fn fill_alpha(&mut self, img: &RgbaImage) {
        let (iw, ih) = (img.width() as usize, img.height() as usize);
        let (w, h) = (self.w, self.h);
        let (luma, chroma) = self.data.split_at_mut(w * h);
        for y in 0..h {
            for x in 0..w {
                luma[y * w + x] = img.get_pixel(x.min(iw - 1) as u32, y.min(ih - 1) as u32).0[3];
            }
        }
        chroma.fill(128);
    }
}
