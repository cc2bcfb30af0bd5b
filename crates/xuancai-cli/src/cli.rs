//! Command-line definitions.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Xuancai (炫彩): photo cutout, background replacement and stickers,
/// with privacy kept in code.
#[derive(Debug, Parser)]
#[command(name = "xuancai", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Cut the subject out of photos (抠图) and optionally put it on a new background (换背景).
    Cutout(Box<CutoutArgs>),
    /// Find faces and their landmarks (人脸检测): boxes, keypoints, 468-point mesh, 68-point subset.
    Faces(FacesArgs),
    /// Swap a face onto faces of another photo (换脸编辑), labelled as AI-made.
    Swap(Box<SwapArgs>),
    /// Make stickers (做表情): cutout, outline, caption, template, animation, for a platform.
    Sticker(Box<StickerArgs>),
    /// Make a sticker pack from a folder of images, ready to import (WhatsApp, Telegram, Signal, WeChat).
    Pack(Box<PackArgs>),
    /// Check a sticker file or pack (folder or ZIP) against a platform's rules; lists every broken rule.
    Validate(ValidateArgs),
    /// List the built-in sticker templates, or print one as JSON.
    Templates(TemplatesArgs),
    /// Print the AI-content labels and C2PA manifest a file carries.
    Inspect(InspectArgs),
    /// Score images with the content-safety classifier (open_nsfw) and say
    /// whether the threshold refuses them, as face swap and sharing do.
    Check(CheckArgs),
    /// List the models and runtime in the asset cache, and check them.
    Models(ModelsArgs),
    /// Run the HTTP server (SQLite file + local data dir by default).
    Serve(ServeArgs),
    /// Run the studio's job workers (cutouts, stickers) and the background
    /// jobs without the HTTP server; `serve` runs both. Same settings as `serve`.
    Worker(ServeArgs),
    /// Background jobs: `run-once` runs every job once and exits (for cron):
    /// trash purge, retention (RET-2, RET-3), waiting exports, blob clean-up.
    Jobs(JobsArgs),
    /// Back up the database and every blob (as stored, sealed) into a new
    /// folder; the master key is not in it. Same settings as `serve`.
    Backup(BackupArgs),
    /// Restore a backup into an empty database and blob store, then erase
    /// again every account erased since the backup (the erasure log).
    Restore(RestoreArgs),
    /// The master key: `rotate` re-wraps every data key under the
    /// configured master_key, opening them with previous_master_key
    /// (docs/OPERATIONS.md). Same settings as `serve`.
    Keys(KeysArgs),
}

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub action: KeysAction,
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Re-wrap every account's data key and the derivation root under
    /// master_key, opening them with previous_master_key; reads no blob,
    /// resumable; prints what it did as JSON; exits 1 while a key is left
    /// that opens with neither.
    Rotate(ServeArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The folder to write (must not exist).
    #[arg(long, value_name = "DIR")]
    pub to: std::path::PathBuf,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A folder written by `xuancai backup`.
    #[arg(long, value_name = "DIR")]
    pub from: std::path::PathBuf,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(subcommand)]
    pub action: JobsAction,
}

#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// Run every background job once, print what it did as JSON, exit.
    RunOnce(ServeArgs),
}

/// Settings come in layers: built-in defaults, then the `--config` file
/// (TOML), then `XUANCAI_…` environment variables, then these flags
/// (`xuancai_app::settings`). Each flag names a key of the file (its
/// `serde` name here) and has an `XUANCAI_KEY` variable; docs/CONFIG.md
/// lists them all.
#[derive(Debug, Args, serde::Serialize)]
pub struct ServeArgs {
    /// TOML configuration file (keys as in docs/CONFIG.md).
    #[arg(long, env = "XUANCAI_CONFIG", value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address and port to listen on [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR:PORT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<std::net::SocketAddr>,
    /// Data directory: the SQLite file, local blobs, development keys, SMS outbox [default: xuancai-data].
    #[arg(long, value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH (default: DATA_DIR/xuancai.db) or postgres://…
    #[arg(long, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Blob store: file:///PATH (default: DATA_DIR/blobs) or s3://BUCKET (credentials,
    /// region and endpoint from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
    /// AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob_url: Option<String>,
    /// Master key, 64 hex digits (better from the environment or `master_key_file` in
    /// the config file than on the command line).
    #[arg(long, value_name = "HEX")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_key: Option<String>,
    /// Development mode: generate a master key into the data dir if none is given, and
    /// deliver SMS codes to the log and DATA_DIR/sms-outbox.log.
    #[arg(long)]
    #[serde(skip_serializing_if = "is_false")]
    pub dev: bool,
    /// Mark cookies Secure (behind an HTTPS reverse proxy).
    #[arg(long)]
    #[serde(skip_serializing_if = "is_false")]
    pub secure_cookies: bool,
    /// Serve HTTPS (HTTP/2 and HTTP/1.1) with this certificate chain (PEM);
    /// needs --tls-key. Cookies become Secure. SIGHUP reloads both files.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// Serve `GET /metrics` (Prometheus) to requests with `Authorization:
    /// Bearer TOKEN`; without a token there is no metrics page.
    #[arg(long, value_name = "TOKEN")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_token: Option<String>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Largest upload, in MiB [default: 50].
    #[arg(long, value_name = "MIB")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_upload_mb: Option<u64>,
    /// Days a photo stays in the trash before it is purged [default: 30].
    #[arg(long, value_name = "DAYS")]
    #[serde(skip_serializing_if = "Option::is_none", rename = "trash_retention_days")]
    pub trash_days: Option<u32>,
    /// Operators' phone numbers, comma-separated: they process rights requests (SEC-6).
    #[arg(long, value_delimiter = ',', value_name = "PHONES")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operators: Vec<String>,
    /// RET-3: announce a shutdown on this day (YYYY-MM-DD); sign-ups stop at once.
    #[arg(long, value_name = "DATE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shutdown_date: Option<String>,
    /// Studio jobs this process runs at once (0: none; leave them to `xuancai worker`).
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none", rename = "studio_workers")]
    pub workers: Option<usize>,
    /// Threads per studio job (model runs and image work); default: all cores.
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub studio_threads: Option<usize>,
}

fn is_false(b: &bool) -> bool {
    !b
}

#[derive(Debug, Args)]
pub struct CutoutArgs {
    /// Input images or folders (JPEG, PNG, WebP, GIF, BMP, TIFF).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output file (one input only). Its extension picks the format unless --format is given.
    #[arg(short, long, value_name = "OUT", conflicts_with = "out_dir")]
    pub output: Option<PathBuf>,
    /// Folder for the outputs, named after the inputs. Default: beside each input, as NAME.cutout.png.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Subject model: auto (person → portrait, else general), portrait or general.
    #[arg(long, default_value = "auto", value_parser = ["auto", "portrait", "general"])]
    pub model: String,
    /// The general model's weights: int8 (the static int8 graph, 2–3× faster) or fp32 (the
    /// reference it is measured against).
    #[arg(long, default_value = "int8", value_parser = ["int8", "fp32"])]
    pub general_weights: String,
    /// Write the 8-bit matte instead of the cutout.
    #[arg(long, conflicts_with_all = ["bg", "bg_image", "bg_blur", "shadow"])]
    pub mask_only: bool,
    /// New background colour: #rrggbb, #rrggbbaa or a name (white, black, …).
    #[arg(long, value_name = "COLOR", conflicts_with_all = ["bg_image", "bg_blur"])]
    pub bg: Option<String>,
    /// New background image, scaled to cover the frame.
    #[arg(long, value_name = "FILE", conflicts_with = "bg_blur")]
    pub bg_image: Option<PathBuf>,
    /// Keep the original background, blurred with this radius in pixels.
    #[arg(long, value_name = "RADIUS")]
    pub bg_blur: Option<f32>,
    /// Crop to the subject's bounding box.
    #[arg(long)]
    pub crop: bool,
    /// Margin around the subject when cropping, in pixels.
    #[arg(long, value_name = "PX", default_value_t = 0, requires = "crop")]
    pub margin: u32,
    /// Add a soft drop shadow.
    #[arg(long)]
    pub shadow: bool,
    /// Output format: png, webp or jpg (jpg needs an opaque background).
    #[arg(long, value_parser = ["png", "webp", "jpg", "jpeg"])]
    pub format: Option<String>,
    /// Keep the photo's colours in the fringe instead of estimating the subject's (no despill).
    #[arg(long)]
    pub no_despill: bool,
    /// Print one JSON object per input (JSON Lines) instead of a progress bar.
    #[arg(long)]
    pub json: bool,
    /// Threads for inference and image work (default: all cores).
    #[arg(long, env = "XUANCAI_THREADS")]
    pub threads: Option<usize>,
    /// Refuse images with more pixels than this (decompression-bomb guard).
    #[arg(long, default_value_t = 50_000_000, env = "XUANCAI_MAX_PIXELS")]
    pub max_pixels: u64,
    /// Refuse files larger than this many bytes.
    #[arg(long, default_value_t = 200 * 1024 * 1024, env = "XUANCAI_MAX_BYTES")]
    pub max_bytes: u64,
    /// Cut out a file that ends before its image does (cut short in a copy or a
    /// download), with the missing part as the decoder fills it. Off by default:
    /// such a file is refused with `image_truncated`.
    #[arg(long)]
    pub accept_truncated: bool,
}

#[derive(Debug, Args)]
pub struct FacesArgs {
    /// Input images.
    #[arg(required = true, value_name = "IMAGE")]
    pub inputs: Vec<std::path::PathBuf>,
    /// Print one JSON document: a list with one object per input holding a `faces` array.
    #[arg(long)]
    pub json: bool,
    /// Write an overlay (boxes, keypoints, landmarks) to this file (one input only).
    #[arg(long, value_name = "OUT")]
    pub draw: Option<PathBuf>,
    /// Minimum detection score (0–1).
    #[arg(long, default_value_t = 0.5)]
    pub min_score: f32,
    /// How hard to look for small faces: 0 = whole image only, 1 = also overlapping
    /// tiles of half the shorter side (faces down to ~3 % of it), 2 = quarter tiles too.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=3))]
    pub tile_levels: u32,
    /// Threads for inference (default: all cores).
    #[arg(long, env = "XUANCAI_THREADS")]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").args(["target_face", "largest", "all", "reference"])))]
pub struct SwapArgs {
    /// Photo with the face to put in.
    #[arg(long, value_name = "FACE_IMG")]
    pub source: PathBuf,
    /// Which face of the source photo (left to right, from 0).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub source_face: usize,
    /// Photo to edit.
    #[arg(long, value_name = "IMG")]
    pub target: PathBuf,
    /// Replace the N-th face of the target (left to right, from 0; as `xuancai faces` numbers them).
    #[arg(long, value_name = "N")]
    pub target_face: Option<usize>,
    /// Replace the largest face (the default).
    #[arg(long)]
    pub largest: bool,
    /// Replace every face.
    #[arg(long)]
    pub all: bool,
    /// Replace the face most like the one in this image.
    #[arg(long, value_name = "FACE_IMG")]
    pub reference: Option<PathBuf>,
    /// Output file (.png, .jpg or .webp).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Affirm that the people depicted agreed to this edit (required).
    #[arg(long)]
    pub subject_consent: bool,
    /// ContentProducer written into the AIGC metadata.
    #[arg(long, env = "XUANCAI_CONTENT_PRODUCER", default_value = "xuancai")]
    pub producer: String,
    /// Print a JSON summary with stage timings.
    #[arg(long)]
    pub json: bool,
    /// Threads for inference (default: all cores).
    #[arg(long, env = "XUANCAI_THREADS")]
    pub threads: Option<usize>,
    /// Content safety: refuse a source, target or result whose open_nsfw score is at or above
    /// this (0 refuses everything, 1 turns the check off).
    #[arg(long, default_value_t = xuancai_vision::safety::DEFAULT_NSFW_THRESHOLD)]
    pub nsfw_threshold: f32,
    /// C2PA signing chain (PEM, the signing certificate first). Without it, and its key, the
    /// manifest is signed with a throwaway development certificate (validators: untrusted).
    #[arg(
        long,
        value_name = "PEM",
        requires = "signing_key",
        env = "XUANCAI_AIGC_SIGNING_CERT"
    )]
    pub signing_cert: Option<PathBuf>,
    /// The signing certificate's private key (PEM, PKCS#8).
    #[arg(
        long,
        value_name = "PEM",
        requires = "signing_cert",
        env = "XUANCAI_AIGC_SIGNING_KEY"
    )]
    pub signing_key: Option<PathBuf>,
    /// Signing algorithm: es256, es384, es512, ps256, ps384, ps512 or ed25519.
    #[arg(long, default_value = "es256", env = "XUANCAI_AIGC_SIGNING_ALG")]
    pub signing_alg: String,
}

/// How stickers look: shared by `sticker` and `pack`.
#[derive(Debug, Args)]
pub struct StickerLook {
    /// Platform: whatsapp, telegram, signal or wechat.
    #[arg(long, value_parser = ["whatsapp", "telegram", "signal", "wechat"])]
    pub preset: String,
    /// Caption text (Chinese and Latin; emoji are refused: the font has none).
    #[arg(long, value_name = "TEXT")]
    pub caption: Option<String>,
    /// Where the caption goes: top, bottom, or x,y,w,h on a 512 canvas.
    #[arg(long, value_name = "WHERE", default_value = "bottom")]
    pub caption_at: String,
    /// Caption fill colour (#rrggbb or a name).
    #[arg(long, value_name = "COLOR", default_value = "white")]
    pub caption_color: String,
    /// White outline width in pixels at 512 (0: none).
    #[arg(long, value_name = "PX", default_value_t = 8.0)]
    pub outline: f32,
    /// Add a soft shadow under the sticker.
    #[arg(long)]
    pub shadow: bool,
    /// A built-in template (see `xuancai templates`) or a template JSON file; replaces the plain sticker.
    #[arg(long, value_name = "NAME|FILE")]
    pub template: Option<String>,
    /// Text for a template slot, e.g. --text top=当你 --text bottom=下班了 (repeatable).
    #[arg(long = "text", value_name = "SLOT=TEXT")]
    pub texts: Vec<String>,
    /// Animate a still: shake, pulse, typewriter or flash (the last two need a caption).
    #[arg(long, value_name = "EFFECT", value_parser = ["shake", "pulse", "zoom", "typewriter", "flash"])]
    pub animate: Option<String>,
    /// Subject model for the cutout: auto, portrait or general.
    #[arg(long, default_value = "auto", value_parser = ["auto", "portrait", "general"])]
    pub model: String,
    /// Threads for inference and image work (default: all cores).
    #[arg(long, env = "XUANCAI_THREADS")]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct StickerArgs {
    /// Input images (JPEG, PNG, WebP, GIF, BMP, TIFF; animated GIF/WebP/APNG keep their frames) or folders.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub look: StickerLook,
    /// Output file (one input only). Default: beside each input, as NAME.PRESET.EXT (.webp; .gif for WeChat; a moving sticker .png (APNG) for Signal, .webm for Telegram).
    #[arg(short, long, value_name = "OUT", conflicts_with = "out_dir")]
    pub output: Option<PathBuf>,
    /// Folder for the outputs.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Print one JSON object per input (JSON Lines).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PackArgs {
    /// Folder of images, one sticker each (sorted by name).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub look: StickerLook,
    /// The pack: a .zip file, or a folder.
    #[arg(short, long, value_name = "PACK")]
    pub output: PathBuf,
    /// Pack name.
    #[arg(long, default_value = "炫彩表情包")]
    pub name: String,
    /// Publisher shown by the messenger.
    #[arg(long, default_value = "Xuancai")]
    pub publisher: String,
    /// Pack identifier (WhatsApp: letters, digits, _ - . , ' and spaces).
    #[arg(long, default_value = "xuancai_pack")]
    pub identifier: String,
    /// Emoji tags for every sticker (repeatable, up to 3).
    #[arg(long = "emoji", value_name = "EMOJI", default_values_t = vec![String::from("😀")])]
    pub emojis: Vec<String>,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// A sticker file, or a pack (folder or .zip).
    #[arg(value_name = "FILE|PACK")]
    pub path: PathBuf,
    /// Platform whose rules apply.
    #[arg(long, value_parser = ["whatsapp", "telegram", "signal", "wechat"])]
    pub preset: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TemplatesArgs {
    /// Print this template as JSON (the documented format).
    #[arg(long, value_name = "NAME")]
    pub show: Option<String>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Files to inspect (PNG, JPEG, WebP).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Images to score.
    #[arg(required = true, value_name = "IMAGE")]
    pub files: Vec<PathBuf>,
    /// Refuse at or above this score (0 refuses everything, 1 turns the check off).
    #[arg(long, default_value_t = xuancai_vision::safety::DEFAULT_NSFW_THRESHOLD)]
    pub nsfw_threshold: f32,
    /// Print one JSON object per image.
    #[arg(long)]
    pub json: bool,
    /// Also write each image's model input (f32, little-endian, NHWC 1×224×224×3) to this folder
    /// as NAME.nsfw-input.f32, for comparing with another runtime.
    #[arg(long, value_name = "DIR")]
    pub dump_input: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Check every cached file's sha256 against the manifest.
    #[arg(long)]
    pub verify: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Cutout(a) => crate::cutout::run(*a),
        Command::Faces(a) => crate::faces::run(a),
        Command::Swap(a) => crate::swap::run(*a),
        Command::Sticker(a) => crate::stickers::sticker(*a),
        Command::Pack(a) => crate::stickers::pack(*a),
        Command::Validate(a) => crate::stickers::validate(a),
        Command::Templates(a) => crate::stickers::templates(a),
        Command::Inspect(a) => crate::swap::inspect(a),
        Command::Check(a) => crate::check::run(a),
        Command::Models(a) => crate::models::run(a),
        Command::Serve(a) => crate::serve::run(a),
        Command::Worker(a) => crate::serve::run_worker(a),
        Command::Jobs(JobsArgs {
            action: JobsAction::RunOnce(a),
        }) => crate::serve::run_jobs_once(a),
        Command::Backup(a) => crate::serve::backup(a),
        Command::Restore(a) => crate::serve::restore(a),
        Command::Keys(KeysArgs {
            action: KeysAction::Rotate(a),
        }) => crate::serve::rotate_keys(a),
    }
}
