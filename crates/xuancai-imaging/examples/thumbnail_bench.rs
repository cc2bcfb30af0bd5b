//! The thumbnail step, timed in process (docs/BENCHMARKS.md, `make bench`):
//! for each file, the median of `--repeat` runs of
//! - `thumb512`: shrink-on-load decode to fit 512 px + JPEG (q80), the step
//!   compared with libvips' `thumbnail`;
//! - `renditions`: what an upload makes (1440 px JPEG preview + 250 px WebP).
//!
//! Prints one JSON object per file.

use std::time::Instant;

use xuancai_imaging::decode::DecodeLimits;
use xuancai_imaging::thumbnail::{renditions, thumbnail_jpeg};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut repeat = 7;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--repeat" {
            repeat = args.next().ok_or("--repeat N")?.parse()?;
        } else {
            files.push(a);
        }
    }
    let limits = DecodeLimits::default();
    for f in files {
        let bytes = std::fs::read(&f)?;
        let mut t512 = Vec::new();
        let mut tr = Vec::new();
        let mut out_bytes = 0;
        // One warm-up run each, not timed.
        for i in 0..=repeat {
            let t = Instant::now();
            let r = thumbnail_jpeg(&bytes, &limits, 512, 80)?;
            let a = t.elapsed().as_secs_f64() * 1000.0;
            let t = Instant::now();
            let _ = renditions(&bytes, &limits)?;
            let b = t.elapsed().as_secs_f64() * 1000.0;
            if i > 0 {
                t512.push(a);
                tr.push(b);
            }
            out_bytes = r.bytes.len();
        }
        println!(
            "{{\"file\": {:?}, \"thumb512_ms\": {:.2}, \"renditions_ms\": {:.2}, \"thumb512_bytes\": {}}}",
            f,
            median(t512),
            median(tr),
            out_bytes
        );
    }
    Ok(())
}
