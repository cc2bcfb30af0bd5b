//! Xuancai's sticker studio (炫彩表情包).
//!
//! This crate owns stickers end to end: the sticker look ([`outline`]: trim,
//! fit, a white outline following the alpha, shadow), captions
//! ([`caption`]: CJK and Latin line breaking, size fitting, fill, outline,
//! shadow; emoji refused clearly), frames ([`anim`]: animated GIF/WebP/APNG
//! inputs with an animation-bomb guard, the built-in effects), templates as
//! data ([`template`], rendered by [`render`]), encoders with byte budgets
//! ([`encode`], [`webp`]), the platforms' rules with a validator and the
//! export that meets them ([`preset`]: WhatsApp, Telegram, Signal, WeChat),
//! packs ([`pack`]: WhatsApp's `contents.json` layout, folders and ZIPs) and
//! the pipeline from bytes to a finished sticker ([`make::Maker`]) — IMG-4.
//!
//! It uses the imaging core for pixels and `xuancai-vision` for the cutout;
//! it depends on no web framework or database, so the CLI and the server
//! share it. Every failure is a [`StickerError`] with a stable
//! [`code`](StickerError::code).

pub mod anim;
pub mod apng;
pub mod caption;
pub mod encode;
pub mod error;
pub mod make;
pub mod outline;
pub mod pack;
pub mod preset;
pub mod render;
pub mod template;
pub mod validate;
pub mod vp9;
pub mod wastickers;
pub mod webm;
pub mod webp;

pub use anim::{Animation, Effect, Frame};
pub use error::{Result, StickerError};
pub use make::{Made, Maker};
pub use preset::{Platform, Violation};
pub use template::Template;
