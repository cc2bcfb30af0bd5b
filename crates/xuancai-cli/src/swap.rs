//! `xuancai swap` (换脸编辑, IMG-3) and `xuancai inspect`.
//!
//! The deep-synthesis provisions require that the people whose faces are
//! edited agreed: without `--subject-consent` the command refuses, says
//! why, and writes nothing. Every output carries the visible "AI生成" label,
//! the GB 45438-2025 `AIGC` metadata and a C2PA manifest.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::json;
use xuancai_aigc::{Credentials, Labeller, Provenance};
use xuancai_imaging::decode::{self, DecodeLimits};
use xuancai_imaging::encode::{OutputFormat, encode_rgba};
use xuancai_vision::faces::Selector;
use xuancai_vision::{AssetDir, ContentPolicy, DetectOptions, Studio, SwapOptions};

use crate::cli::{InspectArgs, SwapArgs};
use crate::output::write_atomic;

/// Why the command refuses without `--subject-consent`.
pub const CONSENT_REFUSAL: &str = "face swap needs --subject-consent: by passing it you affirm that every \
person whose face is in the source or the edited target photo agreed to this edit (the deep-synthesis \
provisions require the consent of the people whose faces are edited). Nothing was written.";

fn read_image(path: &Path, limits: &DecodeLimits) -> anyhow::Result<xuancai_imaging::RgbaImage> {
    Ok(read_file_image(path, limits)?.1)
}

/// The file's bytes and its decoded image.
fn read_file_image(
    path: &Path,
    limits: &DecodeLimits,
) -> anyhow::Result<(Vec<u8>, xuancai_imaging::RgbaImage)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let image = decode::decode(&bytes, limits)
        .with_context(|| path.display().to_string())?
        .image;
    Ok((bytes, image))
}

/// The C2PA signer: the chain and key given, else the throwaway development one.
fn credentials(args: &SwapArgs) -> anyhow::Result<Credentials> {
    match (&args.signing_cert, &args.signing_key) {
        (Some(cert), Some(key)) => {
            let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
            Ok(
                Credentials::from_pem(&read(cert)?, &read(key)?, &args.signing_alg)
                    .context("--signing-cert / --signing-key")?,
            )
        }
        (None, None) => Ok(Credentials::ephemeral()),
        _ => bail!("--signing-cert and --signing-key go together"),
    }
}

fn produce_id(data: &[u8]) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    data.hash(&mut h);
    std::time::SystemTime::now().hash(&mut h);
    std::process::id().hash(&mut h);
    format!("xc-{:016x}", h.finish())
}

pub fn run(args: SwapArgs) -> anyhow::Result<ExitCode> {
    if !args.subject_consent {
        eprintln!("xuancai: {CONSENT_REFUSAL}");
        return Ok(ExitCode::from(3));
    }
    let format = match args.output.extension().and_then(|e| e.to_str()) {
        Some(ext) => OutputFormat::parse(ext)
            .map_err(|_| anyhow::anyhow!("name the output .png, .jpg or .webp (labels go into those)"))?,
        None => bail!("name the output .png, .jpg or .webp (labels go into those)"),
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let assets = AssetDir::from_env();
    let credentials = credentials(&args)?;
    let ephemeral = credentials.is_ephemeral();
    let labeller =
        Labeller::from_font_file(&assets.font()?)?.with_credentials(std::sync::Arc::new(credentials));
    let studio = Studio::with_onnxruntime(assets, threads)?;
    let limits = DecodeLimits::default();
    let source = read_image(&args.source, &limits)?;
    let (target_bytes, target_img) = read_file_image(&args.target, &limits)?;
    let target = if args.all {
        Selector::All
    } else if let Some(r) = &args.reference {
        let img = read_image(r, &limits)?;
        let faces = studio.faces(&img, &DetectOptions::default())?;
        let face = faces
            .into_iter()
            .max_by(|a, b| a.detection.area().total_cmp(&b.detection.area()))
            .ok_or_else(|| anyhow::anyhow!("no face found in the reference image {}", r.display()))?;
        Selector::Closest(Box::new(face))
    } else if let Some(i) = args.target_face {
        Selector::Index(i)
    } else {
        Selector::Largest
    };
    let content =
        ContentPolicy::parse(args.nsfw_threshold).map_err(|e| anyhow::anyhow!("--nsfw-threshold: {e}"))?;
    let opts = SwapOptions {
        source_face: args.source_face,
        target,
        content,
        ..SwapOptions::default()
    };
    let started = Instant::now();
    let mut result = match studio.swap(&source, &target_img, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("xuancai: {e} [{}]; nothing was written", e.code());
            return Ok(ExitCode::FAILURE);
        }
    };
    let t = Instant::now();
    let placement = labeller.mark(&mut result.image)?;
    let label_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let encoded = encode_rgba(&result.image, format)?;
    let encode_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let id = produce_id(&encoded);
    // An edit of the target: `c2pa.opened` on it as the parent, then `c2pa.edited`.
    let labelled = labeller.finish_edit(
        &encoded,
        &Provenance {
            producer: args.producer.clone(),
            produce_id: id.clone(),
            propagator: None,
            action: "face swap".into(),
        },
        &target_bytes,
    )?;
    let credentials_ms = t.elapsed().as_secs_f64() * 1000.0;
    write_atomic(&args.output, &labelled)?;
    let swapped: Vec<usize> = result.swapped.iter().map(|s| s.index).collect();
    if args.json {
        println!(
            "{}",
            json!({
                "output": args.output,
                "produce_id": id,
                "swapped_faces": swapped,
                "target_faces": result.targets.len(),
                "label": placement,
                "timings": result.timings,
                "label_ms": label_ms,
                "encode_ms": encode_ms,
                "credentials_ms": credentials_ms,
                "signer": if ephemeral { "ephemeral" } else { "configured" },
                "total_ms": started.elapsed().as_secs_f64() * 1000.0,
            })
        );
    } else {
        eprintln!(
            "{} → {} (faces {swapped:?} of {}; labelled AI生成, AIGC metadata, C2PA)",
            args.target.display(),
            args.output.display(),
            result.targets.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn inspect(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let mut docs = Vec::new();
    for f in &args.files {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        let report = xuancai_aigc::inspect(&bytes).with_context(|| f.display().to_string())?;
        if args.json {
            docs.push(json!({"file": f, "labelled": report.is_labelled(), "report": report}));
            continue;
        }
        println!("{} ({})", f.display(), report.format);
        match &report.aigc {
            Some(a) => println!(
                "  AIGC (GB 45438-2025): Label={} ContentProducer={} ProduceID={} ContentPropagator={} PropagateID={}",
                a.label, a.content_producer, a.produce_id, a.content_propagator, a.propagate_id
            ),
            None => println!("  AIGC (GB 45438-2025): none"),
        }
        match &report.c2pa {
            Some(m) => {
                println!(
                    "  C2PA: {} — actions {:?}, source types {:?}, signer {}",
                    m.validation_state,
                    m.actions,
                    m.digital_source_types,
                    m.signer.as_deref().unwrap_or("?")
                );
                if !m.validation_codes.is_empty() {
                    println!("        status: {}", m.validation_codes.join(", "));
                }
            }
            None => println!("  C2PA: none"),
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&docs)?);
    }
    Ok(ExitCode::SUCCESS)
}
