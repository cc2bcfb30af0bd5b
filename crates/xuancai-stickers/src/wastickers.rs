//! A pack seen from outside (issue 22 item 9): its stickers in order (for a
//! grid preview before the download), and a WhatsApp pack as a
//! `.wastickers` file — the ZIP the sticker-import apps for WhatsApp open:
//! `title.txt`, `author.txt`, `tray.png` and the stickers, at the top level.

use crate::error::{Result, StickerError};
use crate::pack::Files;

/// Whether `name` is one of the pack's stickers (`01.webp`, `id/02.gif`, …;
/// not a tray icon, a thumbnail or a manifest).
fn is_sticker(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    let Some((stem, ext)) = file.split_once('.') else {
        return false;
    };
    !stem.is_empty()
        && stem.bytes().all(|b| b.is_ascii_digit())
        && matches!(ext, "webp" | "gif" | "png" | "apng" | "webm")
}

/// The pack's stickers in their order: (file name, bytes).
pub fn stickers(files: &Files) -> Vec<(&str, &[u8])> {
    files
        .iter()
        .filter(|(n, _)| is_sticker(n))
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect()
}

/// The media type of a sticker file by its extension.
pub fn media_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("png" | "apng") => "image/png",
        Some("webm") => "video/webm",
        _ => "application/octet-stream",
    }
}

/// A WhatsApp pack's files as a `.wastickers` file's (its `contents.json`
/// gives the title and the publisher; the tray icon and the stickers keep
/// their names, at the top level).
pub fn wastickers(files: &Files) -> Result<Files> {
    let contents: serde_json::Value = files
        .get("contents.json")
        .and_then(|b| serde_json::from_slice(b).ok())
        .ok_or_else(|| StickerError::Pack("not a WhatsApp pack: no contents.json".into()))?;
    let pack = &contents["sticker_packs"][0];
    let text = |k: &str| pack[k].as_str().unwrap_or_default().as_bytes().to_vec();
    let mut out = Files::new();
    out.insert("title.txt".into(), text("name"));
    out.insert("author.txt".into(), text("publisher"));
    for (name, bytes) in files {
        let file = name.rsplit('/').next().unwrap_or(name);
        if file == "tray.png" || is_sticker(name) {
            out.insert(file.to_string(), bytes.clone());
        }
    }
    if !out.contains_key("tray.png") {
        return Err(StickerError::Pack("not a WhatsApp pack: no tray icon".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whatsapp() -> Files {
        let mut f = Files::new();
        f.insert(
            "contents.json".into(),
            r#"{"sticker_packs":[{"name":"我的表情","publisher":"炫彩"}]}"#
                .as_bytes()
                .to_vec(),
        );
        f.insert("p/tray.png".into(), b"tray".to_vec());
        f.insert("p/02.webp".into(), b"two".to_vec());
        f.insert("p/01.webp".into(), b"one".to_vec());
        f
    }

    #[test]
    fn img4_the_stickers_come_in_order_without_tray_thumbnails_or_manifests() {
        let mut f = whatsapp();
        f.insert("01.thumb.png".into(), b"thumb".to_vec());
        f.insert("pack.json".into(), b"{}".to_vec());
        let names: Vec<&str> = stickers(&f).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["p/01.webp", "p/02.webp"]);
        assert_eq!(media_type("p/01.webp"), "image/webp");
        assert_eq!(media_type("01.webm"), "video/webm");
        // A Telegram video pack's stickers are its WebM files.
        let mut video = Files::new();
        video.insert("pack.json".into(), b"{}".to_vec());
        video.insert("02.webm".into(), b"two".to_vec());
        video.insert("01.webm".into(), b"one".to_vec());
        let names: Vec<&str> = stickers(&video).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["01.webm", "02.webm"]);
    }

    #[test]
    fn img4_a_wastickers_file_has_title_author_tray_and_stickers_at_the_top() {
        let w = wastickers(&whatsapp()).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = w.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["01.webp", "02.webp", "author.txt", "title.txt", "tray.png"]
        );
        assert_eq!(w["title.txt"], "我的表情".as_bytes());
        assert_eq!(w["author.txt"], "炫彩".as_bytes());
        let mut telegram = Files::new();
        telegram.insert("01.webp".into(), b"one".to_vec());
        assert!(wastickers(&telegram).is_err(), "only a WhatsApp pack");
    }
}
