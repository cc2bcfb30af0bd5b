//! `xuancai cutout`: batch cutout with one model load, a progress bar or JSON
//! Lines, and atomic outputs. A failing input is reported and the others are
//! still processed; the exit code is 1 when any input failed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::json;
use xuancai_imaging::compose::{Background, ShadowOptions, parse_color};
use xuancai_imaging::decode::{self, DecodeLimits};
use xuancai_imaging::encode::OutputFormat;
use xuancai_vision::{AssetDir, CutoutOptions, GeneralWeights, ModelChoice, Studio, VisionError};

use crate::cli::CutoutArgs;
use crate::output::{Batch, write_atomic};

const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff"];

/// Expand folders into their image files (sorted; not recursive).
pub(crate) fn expand_inputs(inputs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading folder {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && f.extension()
                            .and_then(|e| e.to_str())
                            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
                })
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

fn output_format(args: &CutoutArgs) -> anyhow::Result<OutputFormat> {
    if let Some(f) = &args.format {
        return Ok(OutputFormat::parse(f)?);
    }
    if let Some(ext) = args
        .output
        .as_ref()
        .and_then(|o| o.extension())
        .and_then(|e| e.to_str())
    {
        return OutputFormat::parse(ext).map_err(|_| {
            anyhow::anyhow!(
                "cannot tell the format from {ext:?}: name the output .png, .webp or .jpg, or pass --format"
            )
        });
    }
    Ok(OutputFormat::Png)
}

fn output_path(args: &CutoutArgs, input: &Path, format: OutputFormat) -> PathBuf {
    if let Some(o) = &args.output {
        return o.clone();
    }
    let stem = input.file_stem().and_then(|s| s.to_str()).unwrap_or("image");
    let suffix = if args.mask_only { "mask" } else { "cutout" };
    let name = format!("{stem}.{suffix}.{}", format.extension());
    match &args.out_dir {
        Some(d) => d.join(name),
        None => input.with_file_name(name),
    }
}

fn options(args: &CutoutArgs, limits: &DecodeLimits) -> anyhow::Result<CutoutOptions> {
    let model = ModelChoice::parse(&args.model).unwrap_or(ModelChoice::Auto);
    let background = if let Some(c) = &args.bg {
        Background::Color(parse_color(c)?)
    } else if let Some(p) = &args.bg_image {
        let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let img =
            decode::decode(&bytes, limits).with_context(|| format!("background image {}", p.display()))?;
        Background::Image(img.image)
    } else if let Some(r) = args.bg_blur {
        if !(r.is_finite() && r > 0.0 && r <= 500.0) {
            bail!("--bg-blur takes a radius between 0 and 500 pixels");
        }
        Background::Blur(r)
    } else {
        Background::Transparent
    };
    let mut opts = CutoutOptions {
        model,
        background,
        crop_margin: args.crop.then_some(args.margin),
        shadow: args.shadow.then(ShadowOptions::default),
        mask_only: args.mask_only,
        ..CutoutOptions::default()
    };
    opts.matte.despill = !args.no_despill;
    Ok(opts)
}

pub fn run(args: CutoutArgs) -> anyhow::Result<ExitCode> {
    let inputs = expand_inputs(&args.inputs)?;
    if inputs.is_empty() {
        bail!("no input images found");
    }
    if args.output.is_some() && inputs.len() > 1 {
        bail!(
            "-o names one output file; for {} inputs use --out-dir",
            inputs.len()
        );
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    // Best effort: the global pool may already exist when embedded.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
    let limits = DecodeLimits {
        max_bytes: args.max_bytes,
        max_pixels: args.max_pixels,
        accept_truncated: args.accept_truncated,
    };
    let format = output_format(&args)?;
    let opts = options(&args, &limits)?;
    let weights = GeneralWeights::parse(&args.general_weights).unwrap_or_default();
    let studio = Studio::with_onnxruntime(AssetDir::from_env(), threads)?.with_general_weights(weights);

    let mut batch = Batch::new(inputs.len(), args.json);
    for input in &inputs {
        batch.start(input);
        let out_path = output_path(&args, input, format);
        let started = Instant::now();
        let result = std::fs::read(input)
            .map_err(|e| {
                (
                    String::from("io_error"),
                    format!("reading {}: {e}", input.display()),
                )
            })
            .and_then(|bytes| {
                studio
                    .cutout_bytes(&bytes, &limits, &opts, format)
                    .map_err(|e: VisionError| (e.code().to_string(), e.to_string()))
            })
            .and_then(|(data, cut)| {
                write_atomic(&out_path, &data)
                    .map_err(|e| (String::from("io_error"), format!("{e:#}")))
                    .map(|()| (data.len(), cut))
            });
        match result {
            Ok((size, cut)) => {
                let (w, h) = cut.image.dimensions();
                if args.json {
                    println!(
                        "{}",
                        json!({
                            "input": input,
                            "ok": true,
                            "output": out_path,
                            "bytes": size,
                            "width": w,
                            "height": h,
                            "model": match cut.model { xuancai_vision::Segmentation::Portrait => "portrait", xuancai_vision::Segmentation::General => "general" },
                            "subject": cut.subject.map(|r| json!({"x": r.x, "y": r.y, "width": r.width, "height": r.height})),
                            "timings": cut.timings,
                            "total_ms": started.elapsed().as_secs_f64() * 1000.0,
                        })
                    );
                } else if inputs.len() < 2 {
                    eprintln!("{} → {} ({w}x{h})", input.display(), out_path.display());
                }
            }
            Err((code, message)) => batch.failed(input, &code, &message),
        }
        batch.done();
    }
    Ok(batch.finish())
}
