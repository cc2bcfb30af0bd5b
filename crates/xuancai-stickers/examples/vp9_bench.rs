//! The video-sticker encode of the VP9 benchmark (docs/BENCHMARKS.md, `bash
//! bench/video.sh`): read RGBA PNG frames, encode them once at a fixed VP9
//! quantizer with their alpha (libvpx 1.16 from the asset cache, one
//! thread, speed 4, no lag), mux WebM and write it — the same work as
//! `ffmpeg -c:v libvpx-vp9 -pix_fmt yuva420p` on the same frames.
//!
//! Usage: `vp9_bench Q DELAY_MS OUT.webm FRAME.png...`; prints one JSON line.

use std::time::Instant;

use xuancai_stickers::vp9::Vp9;
use xuancai_vision::AssetDir;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [q, delay, out, frames @ ..] = args.as_slice() else {
        return Err("usage: vp9_bench Q DELAY_MS OUT.webm FRAME.png...".into());
    };
    let (q, delay): (u32, u32) = (q.parse()?, delay.parse()?);
    let vp9 = Vp9::from_assets(&AssetDir::from_env())?;
    let start = Instant::now();
    let images = frames
        .iter()
        .map(|f| Ok(image::open(f)?.to_rgba8()))
        .collect::<Result<Vec<_>, image::ImageError>>()?;
    let decoded = start.elapsed();
    let list: Vec<_> = images.iter().map(|i| (i, delay)).collect();
    let coded = vp9.encode(&list, q)?;
    let dims = images.first().map_or((0, 0), |i| i.dimensions());
    let file = xuancai_stickers::webm::mux(&coded, dims, u64::from(delay) * images.len() as u64);
    std::fs::write(out, &file)?;
    let total = start.elapsed();
    println!(
        "{{\"frames\":{},\"bytes\":{},\"decode_ms\":{:.1},\"encode_ms\":{:.1},\"total_ms\":{:.1}}}",
        images.len(),
        file.len(),
        decoded.as_secs_f64() * 1000.0,
        (total - decoded).as_secs_f64() * 1000.0,
        total.as_secs_f64() * 1000.0
    );
    Ok(())
}
