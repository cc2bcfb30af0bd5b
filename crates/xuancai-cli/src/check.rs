//! `xuancai check`: the content-safety classifier on files (issue 21 item
//! 7), with the same policy face swap and sharing apply. Exit code 1 when
//! any image is refused, 2 on an error.

use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;
use xuancai_imaging::decode::{self, DecodeLimits};
use xuancai_vision::safety::nsfw_input;
use xuancai_vision::{AssetDir, ContentPolicy, Studio};

use crate::cli::CheckArgs;
use crate::output::write_atomic;

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let policy =
        ContentPolicy::parse(args.nsfw_threshold).map_err(|e| anyhow::anyhow!("--nsfw-threshold: {e}"))?;
    let studio = Studio::with_onnxruntime(AssetDir::from_env(), 1)?;
    let mut refused = 0;
    for f in &args.files {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        let img = decode::decode(&bytes, &DecodeLimits::default())
            .with_context(|| f.display().to_string())?
            .image;
        let input = nsfw_input(&img)?;
        if let Some(dir) = &args.dump_input {
            let name = f
                .file_name()
                .map_or_else(|| "image".into(), |n| n.to_string_lossy().into_owned());
            let raw: Vec<u8> = input.data.iter().flat_map(|v| v.to_le_bytes()).collect();
            write_atomic(&dir.join(format!("{name}.nsfw-input.f32")), &raw)?;
        }
        let score = studio.nsfw_score_of(&input)?;
        let refuse = policy.refuses(score);
        refused += usize::from(refuse);
        if args.json {
            println!(
                "{}",
                json!({"file": f, "score": score, "threshold": policy.nsfw_threshold(), "refused": refuse,
                       "code": if refuse { Some("content_refused") } else { None }})
            );
        } else {
            println!(
                "{}: score {score:.4} — {}",
                f.display(),
                if refuse {
                    "refused [content_refused]"
                } else {
                    "allowed"
                }
            );
        }
    }
    Ok(if refused > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
