//! WebM for Telegram's video stickers: a muxer for one VP9 track with its
//! alpha stream in each block's `BlockAdditional` (Matroska `AlphaMode` 1,
//! as browsers, FFmpeg and Telegram read transparency), and a reader that
//! measures a WebM file for the validator (size, codec, tracks, frame
//! times, duration) without decoding a frame.

use crate::error::{Result, StickerError};
use crate::vp9::VideoFrame;

mod id {
    pub const EBML: u32 = 0x1A45_DFA3;
    pub const EBML_VERSION: u32 = 0x4286;
    pub const EBML_READ_VERSION: u32 = 0x42F7;
    pub const EBML_MAX_ID_LENGTH: u32 = 0x42F2;
    pub const EBML_MAX_SIZE_LENGTH: u32 = 0x42F3;
    pub const DOC_TYPE: u32 = 0x4282;
    pub const DOC_TYPE_VERSION: u32 = 0x4287;
    pub const DOC_TYPE_READ_VERSION: u32 = 0x4285;
    pub const SEGMENT: u32 = 0x1853_8067;
    pub const INFO: u32 = 0x1549_A966;
    pub const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
    pub const DURATION: u32 = 0x4489;
    pub const MUXING_APP: u32 = 0x4D80;
    pub const WRITING_APP: u32 = 0x5741;
    pub const TRACKS: u32 = 0x1654_AE6B;
    pub const TRACK_ENTRY: u32 = 0xAE;
    pub const TRACK_NUMBER: u32 = 0xD7;
    pub const TRACK_UID: u32 = 0x73C5;
    pub const TRACK_TYPE: u32 = 0x83;
    pub const FLAG_LACING: u32 = 0x9C;
    pub const CODEC_ID: u32 = 0x86;
    pub const VIDEO: u32 = 0xE0;
    pub const PIXEL_WIDTH: u32 = 0xB0;
    pub const PIXEL_HEIGHT: u32 = 0xBA;
    pub const ALPHA_MODE: u32 = 0x53C0;
    pub const CLUSTER: u32 = 0x1F43_B675;
    pub const TIMESTAMP: u32 = 0xE7;
    pub const SIMPLE_BLOCK: u32 = 0xA3;
    pub const BLOCK_GROUP: u32 = 0xA0;
    pub const BLOCK: u32 = 0xA1;
    pub const REFERENCE_BLOCK: u32 = 0xFB;
    pub const BLOCK_ADDITIONS: u32 = 0x75A1;
    pub const BLOCK_MORE: u32 = 0xA6;
    pub const BLOCK_ADD_ID: u32 = 0xEE;
    pub const BLOCK_ADDITIONAL: u32 = 0xA5;
}

const TRACK_VIDEO: u64 = 1;
const TRACK_AUDIO: u64 = 2;

fn write_id(out: &mut Vec<u8>, id: u32) {
    let bytes = id.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    out.extend_from_slice(&bytes[skip..]);
}

fn write_size(out: &mut Vec<u8>, n: u64) {
    let len = (1..=8u32).find(|&l| n < (1u64 << (7 * l)) - 1).unwrap_or(8);
    let marked = n | (1u64 << (7 * len));
    out.extend_from_slice(&marked.to_be_bytes()[(8 - len as usize)..]);
}

fn element(out: &mut Vec<u8>, id: u32, body: &[u8]) {
    write_id(out, id);
    write_size(out, body.len() as u64);
    out.extend_from_slice(body);
}

fn uint(out: &mut Vec<u8>, id: u32, v: u64) {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    element(out, id, &bytes[skip..]);
}

fn master(out: &mut Vec<u8>, id: u32, fill: impl FnOnce(&mut Vec<u8>)) {
    let mut body = Vec::new();
    fill(&mut body);
    element(out, id, &body);
}

/// One block's payload: track 1, its time relative to the cluster, flags.
fn block(rel_ms: i16, flags: u8, data: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(data.len() + 4);
    b.push(0x81);
    b.extend_from_slice(&rel_ms.to_be_bytes());
    b.push(flags);
    b.extend_from_slice(data);
    b
}

/// A WebM file of VP9 frames with their alpha, lasting `duration_ms`.
pub fn mux(frames: &[VideoFrame], (width, height): (u32, u32), duration_ms: u64) -> Vec<u8> {
    let mut out = Vec::new();
    master(&mut out, id::EBML, |b| {
        uint(b, id::EBML_VERSION, 1);
        uint(b, id::EBML_READ_VERSION, 1);
        uint(b, id::EBML_MAX_ID_LENGTH, 4);
        uint(b, id::EBML_MAX_SIZE_LENGTH, 8);
        element(b, id::DOC_TYPE, b"webm");
        uint(b, id::DOC_TYPE_VERSION, 4);
        uint(b, id::DOC_TYPE_READ_VERSION, 2);
    });
    master(&mut out, id::SEGMENT, |seg| {
        master(seg, id::INFO, |b| {
            uint(b, id::TIMESTAMP_SCALE, 1_000_000);
            element(b, id::DURATION, &(duration_ms as f64).to_be_bytes());
            element(b, id::MUXING_APP, b"xuancai");
            element(b, id::WRITING_APP, b"xuancai");
        });
        master(seg, id::TRACKS, |b| {
            master(b, id::TRACK_ENTRY, |t| {
                uint(t, id::TRACK_NUMBER, 1);
                uint(t, id::TRACK_UID, 1);
                uint(t, id::TRACK_TYPE, TRACK_VIDEO);
                uint(t, id::FLAG_LACING, 0);
                element(t, id::CODEC_ID, b"V_VP9");
                master(t, id::VIDEO, |v| {
                    uint(v, id::PIXEL_WIDTH, u64::from(width));
                    uint(v, id::PIXEL_HEIGHT, u64::from(height));
                    uint(v, id::ALPHA_MODE, 1);
                });
            });
        });
        // A cluster holds up to 30 s of blocks (their times are i16 ms).
        let mut rest = frames;
        while let Some(first) = rest.first() {
            let start = first.pts_ms;
            let n = rest
                .iter()
                .take_while(|f| f.pts_ms - start <= 30_000)
                .count()
                .max(1);
            let (these, later) = rest.split_at(n);
            rest = later;
            master(seg, id::CLUSTER, |c| {
                uint(c, id::TIMESTAMP, u64::try_from(start).unwrap_or(0));
                let mut previous = None;
                for f in these {
                    let rel = i16::try_from(f.pts_ms - start).unwrap_or(i16::MAX);
                    master(c, id::BLOCK_GROUP, |g| {
                        element(g, id::BLOCK, &block(rel, 0, &f.colour));
                        master(g, id::BLOCK_ADDITIONS, |a| {
                            master(a, id::BLOCK_MORE, |m| {
                                uint(m, id::BLOCK_ADD_ID, 1);
                                element(m, id::BLOCK_ADDITIONAL, &f.alpha);
                            });
                        });
                        if let (false, Some(p)) = (f.key, previous) {
                            let back: i64 = p - f.pts_ms;
                            element(g, id::REFERENCE_BLOCK, &back.to_be_bytes()[6..]);
                        }
                    });
                    previous = Some(f.pts_ms);
                }
            });
        }
    });
    out
}

/// What a WebM file holds, read from its elements.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebmInfo {
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub video_tracks: usize,
    pub audio_tracks: usize,
    pub alpha: bool,
    /// Each video block's time, in ms from the start.
    pub frame_times_ms: Vec<i64>,
    pub duration_ms: Option<f64>,
}

fn bad(what: &str) -> StickerError {
    xuancai_imaging::ImagingError::Corrupt(format!("WebM: {what}")).into()
}

/// Whether `bytes` start like an EBML (Matroska/WebM) file.
pub fn is_webm(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3])
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn vint(&mut self, keep_marker: bool) -> Result<(u64, bool)> {
        let first = *self.b.get(self.at).ok_or_else(|| bad("truncated"))?;
        let len = first.leading_zeros() as usize + 1;
        if len > 8 {
            return Err(bad("invalid length"));
        }
        let bytes = self
            .b
            .get(self.at..self.at + len)
            .ok_or_else(|| bad("truncated"))?;
        let mut v = u64::from(if keep_marker { first } else { first & (0xFF >> len) });
        for &x in &bytes[1..] {
            v = (v << 8) | u64::from(x);
        }
        let all_ones = !keep_marker && v == (1u64 << (7 * len)) - 1;
        self.at += len;
        Ok((v, all_ones))
    }

    /// The next element: its id and body.
    fn next(&mut self) -> Result<Option<(u32, &'a [u8])>> {
        if self.at >= self.b.len() {
            return Ok(None);
        }
        let (id, _) = self.vint(true)?;
        let (size, unknown) = self.vint(false)?;
        let end = if unknown {
            self.b.len()
        } else {
            usize::try_from(size)
                .ok()
                .and_then(|s| self.at.checked_add(s))
                .filter(|&e| e <= self.b.len())
                .ok_or_else(|| bad("an element runs past the end"))?
        };
        let body = &self.b[self.at..end];
        self.at = end;
        Ok(Some((u32::try_from(id).map_err(|_| bad("id too long"))?, body)))
    }
}

fn children(b: &[u8], mut each: impl FnMut(u32, &[u8]) -> Result<()>) -> Result<()> {
    let mut r = Reader { b, at: 0 };
    while let Some((id, body)) = r.next()? {
        each(id, body)?;
    }
    Ok(())
}

fn read_uint(b: &[u8]) -> u64 {
    b.iter().take(8).fold(0, |v, &x| (v << 8) | u64::from(x))
}

fn read_float(b: &[u8]) -> Option<f64> {
    match b.len() {
        4 => Some(f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]]))),
        8 => Some(f64::from_be_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ])),
        _ => None,
    }
}

/// Measure a WebM file: its header, tracks and every block's time.
pub fn read(bytes: &[u8]) -> Result<WebmInfo> {
    let mut info = WebmInfo::default();
    let mut doc_type = String::new();
    let mut video_track = None;
    let mut scale_ns = 1_000_000u64;
    let mut duration = None;
    let mut seen_segment = false;
    children(bytes, |id, body| {
        match id {
            id::EBML => children(body, |id, b| {
                if id == id::DOC_TYPE {
                    doc_type = String::from_utf8_lossy(b).into_owned();
                }
                Ok(())
            })?,
            id::SEGMENT => {
                seen_segment = true;
                children(body, |id, b| match id {
                    id::INFO => children(b, |id, b| {
                        match id {
                            id::TIMESTAMP_SCALE => scale_ns = read_uint(b).max(1),
                            id::DURATION => duration = read_float(b),
                            _ => {}
                        }
                        Ok(())
                    }),
                    id::TRACKS => children(b, |id, b| {
                        if id == id::TRACK_ENTRY {
                            read_track(b, &mut info, &mut video_track)?;
                        }
                        Ok(())
                    }),
                    id::CLUSTER => read_cluster(b, video_track, &mut info.frame_times_ms),
                    _ => Ok(()),
                })?;
            }
            _ => {}
        }
        Ok(())
    })?;
    if !seen_segment || !(doc_type == "webm" || doc_type == "matroska") {
        return Err(bad("not a WebM file"));
    }
    let to_ms = scale_ns as f64 / 1_000_000.0;
    info.duration_ms = duration.map(|d| d * to_ms);
    for t in &mut info.frame_times_ms {
        *t = (*t as f64 * to_ms).round() as i64;
    }
    Ok(info)
}

fn read_track(b: &[u8], info: &mut WebmInfo, video_track: &mut Option<u64>) -> Result<()> {
    let (mut number, mut kind, mut codec) = (0, 0, String::new());
    let (mut w, mut h, mut alpha) = (0, 0, false);
    children(b, |id, b| {
        match id {
            id::TRACK_NUMBER => number = read_uint(b),
            id::TRACK_TYPE => kind = read_uint(b),
            id::CODEC_ID => codec = String::from_utf8_lossy(b).into_owned(),
            id::VIDEO => children(b, |id, b| {
                match id {
                    id::PIXEL_WIDTH => w = u32::try_from(read_uint(b)).unwrap_or(u32::MAX),
                    id::PIXEL_HEIGHT => h = u32::try_from(read_uint(b)).unwrap_or(u32::MAX),
                    id::ALPHA_MODE => alpha = read_uint(b) == 1,
                    _ => {}
                }
                Ok(())
            })?,
            _ => {}
        }
        Ok(())
    })?;
    match kind {
        TRACK_VIDEO => {
            info.video_tracks += 1;
            if video_track.is_none() {
                *video_track = Some(number);
                (info.codec, info.width, info.height, info.alpha) = (codec, w, h, alpha);
            }
        }
        TRACK_AUDIO => info.audio_tracks += 1,
        _ => {}
    }
    Ok(())
}

fn read_cluster(b: &[u8], video_track: Option<u64>, times: &mut Vec<i64>) -> Result<()> {
    let mut base = 0i64;
    let mut block_time = |data: &[u8], base: i64| -> Result<()> {
        let mut r = Reader { b: data, at: 0 };
        let (track, _) = r.vint(false)?;
        let rel = data.get(r.at..r.at + 2).ok_or_else(|| bad("truncated block"))?;
        if Some(track) == video_track {
            times.push(base + i64::from(i16::from_be_bytes([rel[0], rel[1]])));
        }
        Ok(())
    };
    children(b, |id, b| match id {
        id::TIMESTAMP => {
            base = i64::try_from(read_uint(b)).unwrap_or(i64::MAX / 2);
            Ok(())
        }
        id::SIMPLE_BLOCK => block_time(b, base),
        id::BLOCK_GROUP => children(b, |id, b| {
            if id == id::BLOCK {
                block_time(b, base)
            } else {
                Ok(())
            }
        }),
        _ => Ok(()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_minimal_vints() {
        let mut v = Vec::new();
        write_size(&mut v, 0);
        write_size(&mut v, 126);
        write_size(&mut v, 127);
        assert_eq!(v, [0x80, 0xFE, 0x40, 0x7F]);
    }

    #[test]
    fn a_muxed_file_reads_back() {
        let frames: Vec<VideoFrame> = (0..4)
            .map(|i| VideoFrame {
                pts_ms: i * 40,
                key: i == 0,
                colour: vec![1, 2, 3],
                alpha: vec![4],
            })
            .collect();
        let file = mux(&frames, (512, 300), 160);
        assert!(is_webm(&file));
        let info = read(&file).expect("read");
        assert_eq!(
            (info.width, info.height, info.codec.as_str()),
            (512, 300, "V_VP9")
        );
        assert_eq!((info.video_tracks, info.audio_tracks, info.alpha), (1, 0, true));
        assert_eq!(info.frame_times_ms, vec![0, 40, 80, 120]);
        assert_eq!(info.duration_ms, Some(160.0));
        assert!(read(&file[..file.len() - 3]).is_err());
    }
}
