//! `xuancai sticker`, `pack`, `validate` and `templates`: the sticker studio
//! from the shell (IMG-4). Models load only when a template cuts out; every
//! output is written atomically; a failing input is reported and the others
//! are still made.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::json;
use xuancai_imaging::text::Font;
use xuancai_stickers::caption::TextStyle;
use xuancai_stickers::pack::{self, Item, PackMeta};
use xuancai_stickers::preset::{self, Platform};
use xuancai_stickers::template::{self, CaptionAt, Template};
use xuancai_stickers::{Effect, Maker, StickerError};
use xuancai_vision::{AssetDir, ModelChoice, Studio};

use crate::cli::{PackArgs, StickerArgs, StickerLook, TemplatesArgs, ValidateArgs};
use crate::cutout::expand_inputs;
use crate::output::{Batch, write_atomic};

/// What every sticker of a run is made with.
struct Plan {
    platform: Platform,
    template: Template,
    texts: BTreeMap<String, String>,
    model: ModelChoice,
    maker: Maker,
}

fn load_template(spec: &str) -> anyhow::Result<Template> {
    let path = Path::new(spec);
    if spec.ends_with(".json") || path.is_file() {
        let json = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        return Ok(Template::from_json(&json)?);
    }
    Ok(template::builtin(spec)?)
}

fn plan(look: &StickerLook) -> anyhow::Result<Plan> {
    let threads = look
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
    let platform = Platform::parse(&look.preset)?;
    let effect = look.animate.as_deref().map(Effect::parse).transpose()?;
    let mut texts = BTreeMap::new();
    for t in &look.texts {
        let Some((slot, text)) = t.split_once('=') else {
            bail!("--text {t:?}: write SLOT=TEXT");
        };
        texts.insert(slot.to_string(), text.to_string());
    }
    let mut template = match &look.template {
        Some(spec) => load_template(spec)?,
        None => {
            let style = TextStyle {
                fill: look.caption_color.clone(),
                ..TextStyle::default()
            };
            let at = look
                .caption
                .as_ref()
                .map(|_| CaptionAt::parse(&look.caption_at))
                .transpose()?;
            template::sticker(look.outline.clamp(0.0, 64.0), look.shadow, at, style, None)
        }
    };
    if let Some(c) = &look.caption {
        // The plain sticker's slot; for templates, their first text slot.
        let slot = template
            .slots()
            .first()
            .map(|(s, _)| s.to_string())
            .unwrap_or_else(|| "caption".into());
        texts.entry(slot).or_insert_with(|| c.clone());
    }
    if let Some(e) = effect {
        template.animation = Some(template::AnimationSpec { effect: e });
    }
    let assets = AssetDir::from_env();
    let font_path = assets.font()?;
    let font = Font::from_bytes(
        std::fs::read(&font_path).with_context(|| format!("reading {}", font_path.display()))?,
    )?;
    let assets_for_encoders = assets.clone();
    let studio = if template.uses_cutout() {
        Some(Arc::new(Studio::with_onnxruntime(assets, threads)?))
    } else {
        None
    };
    Ok(Plan {
        platform,
        texts,
        model: ModelChoice::parse(&look.model).unwrap_or(ModelChoice::Auto),
        maker: Maker::new(font, studio).with_assets_encoders(&assets_for_encoders),
        template,
    })
}

/// The sticker's file: `-o`, else `{input}.{preset}.{format}` (the
/// format the export chose: `webp`, `gif`, `png` for APNG, `webm`).
fn output_path(args: &StickerArgs, input: &Path, p: Platform, format: &str) -> PathBuf {
    if let Some(o) = &args.output {
        return o.clone();
    }
    let stem = input.file_stem().and_then(|s| s.to_str()).unwrap_or("sticker");
    let name = format!("{stem}.{}.{format}", p.name());
    match &args.out_dir {
        Some(d) => d.join(name),
        None => input.with_file_name(name),
    }
}

type Failure = (String, String);

fn make_one(plan: &Plan, input: &Path) -> Result<xuancai_stickers::Made, Failure> {
    let bytes = std::fs::read(input).map_err(|e| {
        (
            "io_error".to_string(),
            format!("reading {}: {e}", input.display()),
        )
    })?;
    plan.maker
        .make(&bytes, &plan.template, &plan.texts, plan.platform, plan.model)
        .map_err(|e: StickerError| (e.code().to_string(), e.to_string()))
}

pub fn sticker(args: StickerArgs) -> anyhow::Result<ExitCode> {
    let inputs = expand_inputs(&args.inputs)?;
    if inputs.is_empty() {
        bail!("no input images");
    }
    if args.output.is_some() && inputs.len() > 1 {
        bail!("-o names one output; use --out-dir for {} inputs", inputs.len());
    }
    let plan = plan(&args.look)?;
    let mut batch = Batch::new(inputs.len(), args.json);
    for input in &inputs {
        batch.start(input);
        let started = Instant::now();
        let result = make_one(&plan, input).and_then(|made| {
            let out = output_path(&args, input, plan.platform, made.export.sticker.format);
            write_atomic(&out, &made.export.sticker.bytes)
                .map_err(|e| ("io_error".to_string(), format!("{e:#}")))?;
            let thumb = match &made.export.thumbnail {
                Some(t) => {
                    let p = out.with_extension("thumb.png");
                    write_atomic(&p, t).map_err(|e| ("io_error".to_string(), format!("{e:#}")))?;
                    Some(p)
                }
                None => None,
            };
            Ok((made, thumb, out))
        });
        match result {
            Ok((made, thumb, out)) => {
                let s = &made.export.sticker;
                if args.json {
                    println!(
                        "{}",
                        json!({
                            "input": input, "ok": true, "output": out, "thumbnail": thumb,
                            "preset": plan.platform.name(), "format": s.format, "bytes": s.bytes.len(),
                            "frames": s.frames, "setting": s.setting, "notes": made.export.notes,
                            "timings": made.timings, "total_ms": started.elapsed().as_secs_f64() * 1000.0,
                        })
                    );
                } else if inputs.len() < 2 {
                    eprintln!(
                        "{} → {} ({} bytes, {}, {} frame(s))",
                        input.display(),
                        out.display(),
                        s.bytes.len(),
                        s.setting,
                        s.frames
                    );
                    for n in &made.export.notes {
                        eprintln!("  note: {n}");
                    }
                }
            }
            Err((code, message)) => batch.failed(input, &code, &message),
        }
        batch.done();
    }
    Ok(batch.finish())
}

/// Write a pack as a ZIP (when the name ends in .zip) or a folder; a folder
/// is assembled beside its destination and renamed into place.
fn write_pack(out: &Path, files: &pack::Files) -> anyhow::Result<()> {
    if out.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip")) {
        return write_atomic(out, &pack::write_zip(files)?);
    }
    if out.exists() {
        bail!("{} exists: choose a new folder or a .zip name", out.display());
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)?;
    let tmp = tempfile::Builder::new()
        .prefix(".xuancai-pack-")
        .tempdir_in(parent)?;
    for (name, bytes) in files {
        let p = tmp.path().join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(&p, bytes)?;
    }
    let tmp = tmp.keep();
    std::fs::rename(&tmp, out).with_context(|| format!("moving the pack to {}", out.display()))?;
    Ok(())
}

pub fn pack(args: PackArgs) -> anyhow::Result<ExitCode> {
    let inputs = expand_inputs(std::slice::from_ref(&args.dir))?;
    if inputs.is_empty() {
        bail!("{} holds no images", args.dir.display());
    }
    let plan = plan(&args.look)?;
    let rules = plan.platform.rules();
    if inputs.len() > rules.pack_max {
        bail!(
            "{} packs hold at most {} stickers; {} has {}",
            plan.platform.name(),
            rules.pack_max,
            args.dir.display(),
            inputs.len()
        );
    }
    if args.emojis.is_empty() || args.emojis.len() > 3 {
        bail!("give 1 to 3 --emoji tags");
    }
    let batch = Batch::new(inputs.len(), args.json);
    let mut items = Vec::new();
    let mut tray = None;
    for input in &inputs {
        batch.start(input);
        let made = make_one(&plan, input)
            .map_err(|(code, m)| anyhow::anyhow!("{}: {m} [{code}]", input.display()))?;
        if tray.is_none() {
            tray = preset::tray_icon(&made.export.frames.frames[0].image, plan.platform)?;
        }
        items.push(Item {
            export: made.export,
            emojis: args.emojis.clone(),
            accessibility_text: input
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_string(),
        });
        batch.done();
    }
    let _ = batch.finish();
    let meta = PackMeta {
        identifier: args.identifier.clone(),
        name: args.name.clone(),
        publisher: args.publisher.clone(),
    };
    let files = pack::build(plan.platform, &meta, &items, tray)?;
    let violations = pack::validate(&files, plan.platform);
    write_pack(&args.output, &files)?;
    if args.json {
        println!(
            "{}",
            json!({"output": args.output, "preset": plan.platform.name(), "stickers": items.len(), "files": files.keys().collect::<Vec<_>>(), "violations": violations})
        );
    } else {
        eprintln!(
            "{} → {} ({} stickers for {})",
            args.dir.display(),
            args.output.display(),
            items.len(),
            plan.platform.name()
        );
        for v in &violations {
            eprintln!("  {} [{}] {}", v.file, v.rule, v.message);
        }
    }
    Ok(if violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn validate(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let platform = Platform::parse(&args.preset)?;
    let p = &args.path;
    let is_zip = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let violations = if p.is_dir() {
        pack::validate(&pack::read_dir(p)?, platform)
    } else {
        let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        if is_zip {
            pack::validate(&pack::read_zip(&bytes)?, platform)
        } else {
            preset::validate_sticker(&bytes, platform, &p.display().to_string())
        }
    };
    if args.json {
        println!(
            "{}",
            json!({"path": p, "preset": platform.name(), "ok": violations.is_empty(), "violations": violations})
        );
    } else if violations.is_empty() {
        println!("{}: meets {}'s rules", p.display(), platform.name());
    } else {
        for v in &violations {
            let file = if v.file.is_empty() {
                p.display().to_string()
            } else {
                v.file.clone()
            };
            println!("{file}: [{}] {}", v.rule, v.message);
        }
    }
    Ok(if violations.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn templates(args: TemplatesArgs) -> anyhow::Result<ExitCode> {
    match args.show {
        Some(name) => println!("{}", template::builtin(&name)?.to_json()),
        None => {
            for name in template::builtin_names() {
                let t = template::builtin(name)?;
                let slots: Vec<String> = t
                    .slots()
                    .iter()
                    .map(|(s, d)| {
                        if d.is_empty() {
                            s.to_string()
                        } else {
                            format!("{s} (default {d:?})")
                        }
                    })
                    .collect();
                println!("{name:10} {}  slots: {}", t.title, slots.join(", "));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
