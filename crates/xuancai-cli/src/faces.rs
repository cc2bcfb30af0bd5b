//! `xuancai faces`: detect faces and their landmarks (IMG-3). Faces are
//! sensitive personal information: this command only reads the files it is
//! given and writes only the overlay asked for; nothing is kept.

use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use xuancai_imaging::decode::{self, DecodeLimits};
use xuancai_imaging::draw;
use xuancai_imaging::encode::{OutputFormat, encode_rgba};
use xuancai_vision::faces::mesh;
use xuancai_vision::{AssetDir, DetectOptions, Face, Studio};

use crate::cli::FacesArgs;
use crate::output::write_atomic;

fn r1(v: f32) -> f64 {
    (f64::from(v) * 10.0).round() / 10.0
}

/// One face as JSON (pixels, rounded to 0.1).
pub fn face_json(i: usize, f: &Face, with_landmarks: bool) -> Value {
    let d = &f.detection;
    let names = [
        "right_eye",
        "left_eye",
        "nose_tip",
        "mouth",
        "right_ear",
        "left_ear",
    ];
    let keypoints: serde_json::Map<String, Value> = names
        .iter()
        .zip(d.keypoints)
        .map(|(n, p)| ((*n).to_string(), json!([r1(p[0]), r1(p[1])])))
        .collect();
    let mut v = json!({
        "index": i,
        "box": {"x": r1(d.x), "y": r1(d.y), "width": r1(d.width), "height": r1(d.height)},
        "score": (f64::from(d.score) * 1000.0).round() / 1000.0,
        "mesh_score": (f64::from(f.mesh.score) * 1000.0).round() / 1000.0,
        "keypoints": keypoints,
        "inter_ocular": r1(mesh::inter_ocular(f.landmarks())),
    });
    if with_landmarks {
        v["landmarks"] = f
            .landmarks()
            .iter()
            .map(|p| json!([r1(p[0]), r1(p[1]), r1(p[2])]))
            .collect();
        v["landmarks68"] = mesh::ibug68(f.landmarks())
            .iter()
            .map(|p| json!([r1(p[0]), r1(p[1])]))
            .collect();
    }
    v
}

fn overlay(img: &mut xuancai_imaging::RgbaImage, faces: &[Face]) {
    let s = (img.width().max(img.height()) as f32 / 800.0).max(1.0);
    for f in faces {
        let d = &f.detection;
        draw::rect(img, d.x, d.y, d.width, d.height, 2.0 * s, [0, 255, 0, 255]);
        for p in f.landmarks() {
            draw::dot(img, p[0], p[1], 0.8 * s, [0, 200, 255, 255]);
        }
        let oval = mesh::idx::FACE_OVAL;
        for k in 0..oval.len() {
            let (a, b) = (f.landmarks()[oval[k]], f.landmarks()[oval[(k + 1) % oval.len()]]);
            draw::line(img, [a[0], a[1]], [b[0], b[1]], s, [255, 255, 0, 255]);
        }
        for p in d.keypoints {
            draw::dot(img, p[0], p[1], 2.5 * s, [255, 0, 0, 255]);
        }
    }
}

pub fn run(args: FacesArgs) -> anyhow::Result<ExitCode> {
    if args.draw.is_some() && args.inputs.len() != 1 {
        bail!("--draw writes one overlay; give one input");
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let studio = Studio::with_onnxruntime(AssetDir::from_env(), threads)?;
    let limits = DecodeLimits::default();
    let opts = DetectOptions {
        min_score: args.min_score,
        tile_levels: args.tile_levels,
        ..DetectOptions::default()
    };
    let mut docs = Vec::new();
    let mut failures = 0;
    for input in &args.inputs {
        let result = std::fs::read(input)
            .with_context(|| format!("reading {}", input.display()))
            .and_then(|b| Ok(decode::decode(&b, &limits)?))
            .and_then(|d| Ok((studio.faces(&d.image, &opts)?, d.image)));
        match result {
            Ok((faces, mut img)) => {
                let list: Vec<Value> = faces
                    .iter()
                    .enumerate()
                    .map(|(i, f)| face_json(i, f, true))
                    .collect();
                if !args.json {
                    println!("{}: {} face(s)", input.display(), faces.len());
                    for (i, f) in faces.iter().enumerate() {
                        let d = &f.detection;
                        println!(
                            "  {i}: box {:.0},{:.0} {:.0}x{:.0}  score {:.2}",
                            d.x, d.y, d.width, d.height, d.score
                        );
                    }
                }
                docs.push(
                    json!({"input": input, "width": img.width(), "height": img.height(), "faces": list}),
                );
                if let Some(out) = &args.draw {
                    overlay(&mut img, &faces);
                    let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("png");
                    let data = encode_rgba(&img, OutputFormat::parse(ext).unwrap_or(OutputFormat::Png))?;
                    write_atomic(out, &data)?;
                }
            }
            Err(e) => {
                failures += 1;
                let code = e
                    .downcast_ref::<xuancai_vision::VisionError>()
                    .map(|v| v.code())
                    .or_else(|| {
                        e.downcast_ref::<xuancai_imaging::ImagingError>()
                            .map(|v| v.code())
                    })
                    .unwrap_or("io_error");
                eprintln!("xuancai: {}: {e:#} [{code}]", input.display());
                docs.push(json!({"input": input, "error": {"code": code, "message": format!("{e:#}")}}));
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&docs)?);
    }
    Ok(if failures > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
