//! The face-swap benchmark (docs/BENCHMARKS.md): a 1080p swap on one core,
//! stage by stage, models loaded first. Run with `bash bench/swap.sh`.
//!
//! Target: faceapi-sample3 cropped to 16:9 and scaled to 1920×1080 (three
//! faces, the middle one swapped); source: the astronaut photo.

use std::time::Instant;

use xuancai_aigc::{Labeller, Provenance};
use xuancai_imaging::decode::{DecodeLimits, decode};
use xuancai_imaging::encode::{OutputFormat, encode_rgba};
use xuancai_vision::faces::Selector;
use xuancai_vision::{AssetDir, DetectOptions, Studio, SwapOptions};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(15);
    rayon::ThreadPoolBuilder::new().num_threads(1).build_global()?;
    let assets = AssetDir::from_env();
    let studio = Studio::with_onnxruntime(assets.clone(), 1)?;
    let labeller = Labeller::from_font_file(&assets.font()?)?;
    let load = |name: &str| -> Result<_, Box<dyn std::error::Error>> {
        let bytes = std::fs::read(assets.root().join("testdata").join(name))?;
        Ok(decode(&bytes, &DecodeLimits::default())?.image)
    };
    let source = load("astronaut.png")?;
    let target = xuancai_imaging::resize::cover(&load("faceapi-sample3.jpg")?, 1920, 1080)?;
    let opts = SwapOptions {
        target: Selector::Index(1),
        ..SwapOptions::default()
    };
    // Load the models and warm up.
    for _ in 0..2 {
        studio.swap(&source, &target, &opts)?;
    }
    let mut stages: Vec<(&str, Vec<f64>)> = [
        "detect_source",
        "detect_target",
        "warp",
        "colour",
        "blend",
        "label",
        "encode_jpeg",
        "credentials",
        "swap_total",
    ]
    .iter()
    .map(|s| (*s, Vec::new()))
    .collect();
    for _ in 0..runs {
        let start = Instant::now();
        let mut r = studio.swap(&source, &target, &opts)?;
        let swap_ms = start.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        labeller.mark(&mut r.image)?;
        let label = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let jpeg = encode_rgba(&r.image, OutputFormat::Jpeg)?;
        let encode = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        labeller.finish(
            &jpeg,
            &Provenance {
                producer: "bench".into(),
                produce_id: "bench".into(),
                propagator: None,
                action: "face swap".into(),
            },
        )?;
        let credentials = t.elapsed().as_secs_f64() * 1000.0;
        let tm = r.timings;
        for (name, v) in &mut stages {
            v.push(match *name {
                "detect_source" => tm.detect_source_ms,
                "detect_target" => tm.detect_target_ms,
                "warp" => tm.warp_ms,
                "colour" => tm.colour_ms,
                "blend" => tm.blend_ms,
                "label" => label,
                "encode_jpeg" => encode,
                "credentials" => credentials,
                _ => swap_ms,
            });
        }
    }
    println!(
        "1080p face swap, one core, {runs} runs, median ms ({})",
        studio.engine_name()
    );
    let mut total = 0.0;
    for (name, v) in stages {
        let m = median(v);
        if name != "swap_total" {
            total += m;
        }
        println!("{name:>14}  {m:8.1}");
    }
    println!("{:>14}  {total:8.1}", "sum of stages");
    let faces = studio.faces(&target, &DetectOptions::default())?;
    println!(
        "(target faces: {}, sizes {:?})",
        faces.len(),
        faces
            .iter()
            .map(|f| f.detection.width.round())
            .collect::<Vec<_>>()
    );
    Ok(())
}
