//! Packs: the files a platform imports, built from finished stickers, read
//! back from a folder or a ZIP (with entry and size limits), written as a
//! ZIP, and validated against the platform's pack rules.
//!
//! Layouts:
//! - WhatsApp: `contents.json` as in WhatsApp's sticker sample app, with the
//!   pack's files in a folder named after its identifier
//!   (`<identifier>/tray.png`, `<identifier>/01.webp`, …).
//! - Telegram and Signal: `01.webp`, … and `pack.json` (name, publisher,
//!   each file's emojis) for their importers.
//! - WeChat: `01.gif` with its thumbnail `01.thumb.png`, …, and `pack.json`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Result, StickerError};
use crate::preset::{self, Export, Platform, Violation};

/// A pack's files: relative path → bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// Who and what a pack is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackMeta {
    pub identifier: String,
    pub name: String,
    pub publisher: String,
}

/// One sticker going into a pack.
#[derive(Debug, Clone)]
pub struct Item {
    pub export: Export,
    pub emojis: Vec<String>,
    pub accessibility_text: String,
}

/// WhatsApp's `contents.json` (the sticker sample app's format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatsAppContents {
    #[serde(default)]
    pub android_play_store_link: String,
    #[serde(default)]
    pub ios_app_store_link: String,
    pub sticker_packs: Vec<WhatsAppPack>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatsAppPack {
    pub identifier: String,
    pub name: String,
    pub publisher: String,
    pub tray_image_file: String,
    pub image_data_version: String,
    pub avoid_cache: bool,
    #[serde(default)]
    pub publisher_email: String,
    #[serde(default)]
    pub publisher_website: String,
    #[serde(default)]
    pub privacy_policy_website: String,
    #[serde(default)]
    pub license_agreement_website: String,
    #[serde(default)]
    pub animated_sticker_pack: bool,
    pub stickers: Vec<WhatsAppSticker>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatsAppSticker {
    pub image_file: String,
    #[serde(default)]
    pub emojis: Vec<String>,
    #[serde(default)]
    pub accessibility_text: String,
}

/// `pack.json` of the other platforms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub platform: String,
    pub name: String,
    pub publisher: String,
    pub stickers: Vec<ManifestSticker>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestSticker {
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
    #[serde(default)]
    pub emojis: Vec<String>,
}

fn pack_err(m: impl Into<String>) -> StickerError {
    StickerError::Pack(m.into())
}

/// WhatsApp identifiers: letters, digits, `_ - . ,` `'` and spaces, ≤ 128.
fn valid_identifier(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.,' ".contains(c))
}

/// Build a pack's files. `tray` is the tray icon where the platform has one.
pub fn build(platform: Platform, meta: &PackMeta, items: &[Item], tray: Option<Vec<u8>>) -> Result<Files> {
    let mut files = Files::new();
    let ext = |e: &Export| e.sticker.format;
    match platform {
        Platform::WhatsApp => {
            if !valid_identifier(&meta.identifier) {
                return Err(pack_err(format!(
                    "identifier {:?}: letters, digits, _ - . , ' and spaces, at most 128",
                    meta.identifier
                )));
            }
            let dir = &meta.identifier;
            let tray = tray.ok_or_else(|| pack_err("a WhatsApp pack needs a tray icon"))?;
            files.insert(format!("{dir}/tray.png"), tray);
            let mut stickers = Vec::new();
            for (i, it) in items.iter().enumerate() {
                let name = format!("{:02}.{}", i + 1, ext(&it.export));
                files.insert(format!("{dir}/{name}"), it.export.sticker.bytes.clone());
                stickers.push(WhatsAppSticker {
                    image_file: name,
                    emojis: it.emojis.clone(),
                    accessibility_text: it.accessibility_text.clone(),
                });
            }
            let contents = WhatsAppContents {
                android_play_store_link: String::new(),
                ios_app_store_link: String::new(),
                sticker_packs: vec![WhatsAppPack {
                    identifier: meta.identifier.clone(),
                    name: meta.name.clone(),
                    publisher: meta.publisher.clone(),
                    tray_image_file: "tray.png".into(),
                    image_data_version: "1".into(),
                    avoid_cache: false,
                    publisher_email: String::new(),
                    publisher_website: String::new(),
                    privacy_policy_website: String::new(),
                    license_agreement_website: String::new(),
                    animated_sticker_pack: items.iter().any(|i| i.export.sticker.frames > 1),
                    stickers,
                }],
            };
            files.insert(
                "contents.json".into(),
                serde_json::to_vec_pretty(&contents).unwrap_or_default(),
            );
        }
        _ => {
            let mut stickers = Vec::new();
            for (i, it) in items.iter().enumerate() {
                let file = format!("{:02}.{}", i + 1, ext(&it.export));
                files.insert(file.clone(), it.export.sticker.bytes.clone());
                let thumbnail = it.export.thumbnail.as_ref().map(|t| {
                    let name = format!("{:02}.thumb.png", i + 1);
                    files.insert(name.clone(), t.clone());
                    name
                });
                stickers.push(ManifestSticker {
                    file,
                    thumbnail,
                    emojis: it.emojis.clone(),
                });
            }
            let manifest = Manifest {
                platform: platform.name().into(),
                name: meta.name.clone(),
                publisher: meta.publisher.clone(),
                stickers,
            };
            files.insert(
                "pack.json".into(),
                serde_json::to_vec_pretty(&manifest).unwrap_or_default(),
            );
        }
    }
    Ok(files)
}

/// Largest pack we read: entries and bytes in all.
const MAX_ENTRIES: usize = 1000;
const MAX_TOTAL: u64 = 256 * 1024 * 1024;

fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && name.split('/').all(|p| !p.is_empty() && p != ".." && p != ".")
}

/// Read a pack from a folder (recursively, regular files only).
pub fn read_dir(root: &Path) -> Result<Files> {
    let mut files = Files::new();
    let mut total = 0u64;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| StickerError::io(format!("reading {}", dir.display()), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| StickerError::io(format!("reading {}", dir.display()), e))?;
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(|e| StickerError::io(path.display().to_string(), e))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(root)
                    .map_err(|_| pack_err("path outside the pack"))?
                    .to_string_lossy()
                    .replace('\\', "/");
                let bytes =
                    std::fs::read(&path).map_err(|e| StickerError::io(path.display().to_string(), e))?;
                total += bytes.len() as u64;
                if files.len() >= MAX_ENTRIES || total > MAX_TOTAL {
                    return Err(pack_err("the pack has too many files or bytes"));
                }
                files.insert(rel, bytes);
            }
        }
    }
    Ok(files)
}

/// Read a pack from ZIP bytes, refusing unsafe names and oversized contents.
pub fn read_zip(bytes: &[u8]) -> Result<Files> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| pack_err(format!("not a readable ZIP: {e}")))?;
    if z.len() > MAX_ENTRIES {
        return Err(pack_err(format!("more than {MAX_ENTRIES} entries")));
    }
    let mut files = Files::new();
    let mut total = 0u64;
    for i in 0..z.len() {
        let mut f = z.by_index(i).map_err(|e| pack_err(format!("entry {i}: {e}")))?;
        if f.is_dir() {
            continue;
        }
        let name = f.name().to_string();
        if !safe_name(&name) {
            return Err(pack_err(format!("unsafe entry name {name:?}")));
        }
        let mut buf = Vec::new();
        (&mut f)
            .take(MAX_TOTAL - total + 1)
            .read_to_end(&mut buf)
            .map_err(|e| pack_err(format!("{name}: {e}")))?;
        total += buf.len() as u64;
        if total > MAX_TOTAL {
            return Err(pack_err("the pack unpacks to too many bytes"));
        }
        files.insert(name, buf);
    }
    Ok(files)
}

/// The files as a ZIP (stored: stickers are compressed already).
pub fn write_zip(files: &Files) -> Result<Vec<u8>> {
    let err = |e: &dyn std::fmt::Display| pack_err(format!("zip: {e}"));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    for (name, bytes) in files {
        w.start_file(name.as_str(), opts).map_err(|e| err(&e))?;
        w.write_all(bytes).map_err(|e| err(&e))?;
    }
    Ok(w.finish().map_err(|e| err(&e))?.into_inner())
}

fn v(rule: &'static str, file: &str, message: String) -> Violation {
    Violation {
        rule,
        file: file.to_string(),
        message,
    }
}

/// Every pack rule of `platform` the files break, and every sticker rule
/// each sticker breaks.
pub fn validate(files: &Files, platform: Platform) -> Vec<Violation> {
    let r = platform.rules();
    let mut out = Vec::new();
    let mut animated = Vec::new();
    let check_sticker = |out: &mut Vec<Violation>, animated: &mut Vec<bool>, path: &str| match files.get(path)
    {
        Some(bytes) => {
            out.extend(preset::validate_sticker(bytes, platform, path));
            if let Ok(info) = preset::inspect(bytes, &Default::default()) {
                animated.push(info.animated());
            }
        }
        None => out.push(v("missing_file", path, "listed but not in the pack".into())),
    };
    let count;
    if platform == Platform::WhatsApp {
        let Some(json) = files.get("contents.json") else {
            return vec![v(
                "contents_json",
                "contents.json",
                "a WhatsApp pack needs contents.json".into(),
            )];
        };
        let contents: WhatsAppContents = match serde_json::from_slice(json) {
            Ok(c) => c,
            Err(e) => return vec![v("contents_json", "contents.json", format!("not valid: {e}"))],
        };
        if contents.sticker_packs.is_empty() {
            out.push(v("contents_json", "contents.json", "no sticker_packs".into()));
        }
        let mut total = 0;
        for p in &contents.sticker_packs {
            let dir = &p.identifier;
            if !valid_identifier(dir) {
                out.push(v(
                    "identifier",
                    "contents.json",
                    format!("identifier {dir:?}: letters, digits, _ - . , ' and spaces, at most 128"),
                ));
            }
            for (field, value) in [("name", &p.name), ("publisher", &p.publisher)] {
                if value.trim().is_empty() || value.chars().count() > 128 {
                    out.push(v(
                        "pack_text",
                        "contents.json",
                        format!("{field} must be 1–128 characters"),
                    ));
                }
            }
            let tray = format!("{dir}/{}", p.tray_image_file);
            match (files.get(&tray), r.tray) {
                (Some(bytes), Some((side, fmt, limit))) => {
                    out.extend(preset::validate_icon(bytes, side, fmt, Some(limit), &tray))
                }
                _ => out.push(v("missing_file", &tray, "the tray icon is missing".into())),
            }
            let before = animated.len();
            for s in &p.stickers {
                let path = format!("{dir}/{}", s.image_file);
                check_sticker(&mut out, &mut animated, &path);
                if s.emojis.is_empty() || s.emojis.len() > 3 {
                    out.push(v(
                        "emojis",
                        &path,
                        format!("each sticker has 1–3 emojis; this has {}", s.emojis.len()),
                    ));
                }
            }
            let flags = &animated[before..];
            if flags.iter().any(|&a| a != p.animated_sticker_pack) {
                out.push(v(
                    "pack_uniform",
                    "contents.json",
                    format!(
                        "animated_sticker_pack is {} but not every sticker is {}",
                        p.animated_sticker_pack,
                        if p.animated_sticker_pack {
                            "animated"
                        } else {
                            "still"
                        }
                    ),
                ));
            }
            total = p.stickers.len();
        }
        count = total;
    } else {
        let Some(json) = files.get("pack.json") else {
            return vec![v("manifest", "pack.json", "the pack needs pack.json".into())];
        };
        let manifest: Manifest = match serde_json::from_slice(json) {
            Ok(m) => m,
            Err(e) => return vec![v("manifest", "pack.json", format!("not valid: {e}"))],
        };
        for s in &manifest.stickers {
            check_sticker(&mut out, &mut animated, &s.file);
            if let Some((side, fmt)) = r.thumbnail {
                match s.thumbnail.as_ref().and_then(|t| files.get(t).map(|b| (t, b))) {
                    Some((t, b)) => out.extend(preset::validate_icon(b, side, fmt, None, t)),
                    None => out.push(v(
                        "missing_file",
                        &s.file,
                        format!(
                            "{} stickers need a {side}×{side} {fmt} thumbnail",
                            platform.name()
                        ),
                    )),
                }
            }
        }
        count = manifest.stickers.len();
        if r.pack_uniform && animated.iter().any(|&a| a) && animated.iter().any(|&a| !a) {
            out.push(v(
                "pack_uniform",
                "pack.json",
                "a pack is all still or all animated".into(),
            ));
        }
    }
    if count < r.pack_min || count > r.pack_max {
        out.push(v(
            "pack_size",
            "",
            format!(
                "{} packs hold {}–{} stickers; this has {count}",
                platform.name(),
                r.pack_min,
                r.pack_max
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_zip_names_are_refused() {
        for bad in ["../x", "/etc/passwd", "a/../../b", "a\\b", ""] {
            assert!(!safe_name(bad), "{bad}");
        }
        assert!(safe_name("1/01.webp"));
    }

    #[test]
    fn identifiers_follow_whatsapp() {
        assert!(valid_identifier("my_pack-1"));
        assert!(!valid_identifier("表情"));
        assert!(!valid_identifier(""));
    }
}
