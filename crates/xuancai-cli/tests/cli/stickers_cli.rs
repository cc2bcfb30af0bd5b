//! `xuancai sticker`, `pack`, `validate` and `templates` as a user runs them
//! (IMG-4): outputs that pass the validator, a WhatsApp pack ZIP, failures
//! with stable codes and nothing half-written.

use std::path::Path;

use crate::common::{json_lines, s, testdata, xuancai};

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn img4_sticker_batch_validates_and_reports_bad_inputs() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.path().join("broken.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\n broken").unwrap_or_else(|e| panic!("{e}"));
    let out_dir = dir.path().join("out");
    let out = xuancai(&[
        "sticker",
        s(&testdata("astronaut.png")),
        s(&bad),
        "--preset",
        "wechat",
        "--caption",
        "收到",
        "--model",
        "portrait",
        "--out-dir",
        s(&out_dir),
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[0]["format"], "gif");
    // The file ends after the PNG signature, before any chunk.
    assert_eq!(lines[1]["error"]["code"], "image_truncated");
    assert_eq!(
        files_in(&out_dir),
        ["astronaut.wechat.gif", "astronaut.wechat.thumb.png"]
    );
    let ok = xuancai(&[
        "validate",
        s(&out_dir.join("astronaut.wechat.gif")),
        "--preset",
        "wechat",
    ]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    // The same GIF breaks WhatsApp's rules, each one named.
    let no = xuancai(&[
        "validate",
        s(&out_dir.join("astronaut.wechat.gif")),
        "--preset",
        "whatsapp",
        "--json",
    ]);
    assert_eq!(no.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&no.stdout).unwrap_or_else(|e| panic!("{e}"));
    let rules: Vec<&str> = report["violations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["rule"].as_str())
        .collect();
    assert!(
        rules.contains(&"dimensions") && rules.contains(&"format"),
        "{rules:?}"
    );
}

#[test]
fn img4_emoji_captions_fail_clearly_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("e.webp");
    let r = xuancai(&[
        "sticker",
        s(&testdata("astronaut.png")),
        "--preset",
        "whatsapp",
        "--caption",
        "好😀",
        "--model",
        "portrait",
        "-o",
        s(&out),
        "--json",
    ]);
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(json_lines(&r)[0]["error"]["code"], "caption_emoji_unsupported");
    assert!(
        files_in(dir.path()).is_empty(),
        "nothing written: {:?}",
        files_in(dir.path())
    );
}

#[test]
fn img4_whatsapp_pack_zip_from_a_folder() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let src = dir.path().join("photos");
    std::fs::create_dir(&src).unwrap_or_else(|e| panic!("{e}"));
    for (i, name) in ["astronaut.png", "faceapi-sample1.jpg", "faceapi-sample3.jpg"]
        .iter()
        .enumerate()
    {
        std::fs::copy(testdata(name), src.join(format!("{i}-{name}"))).unwrap_or_else(|e| panic!("{e}"));
    }
    let zip = dir.path().join("pack.zip");
    let out = xuancai(&[
        "pack",
        s(&src),
        "--preset",
        "whatsapp",
        "--model",
        "portrait",
        "--caption",
        "早安",
        "--identifier",
        "morning",
        "--emoji",
        "☀️",
        "-o",
        s(&zip),
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary["stickers"], 3);
    assert_eq!(summary["violations"].as_array().map(Vec::len), Some(0));
    let files: Vec<&str> = summary["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str())
        .collect();
    assert_eq!(
        files,
        [
            "contents.json",
            "morning/01.webp",
            "morning/02.webp",
            "morning/03.webp",
            "morning/tray.png"
        ]
    );
    let ok = xuancai(&["validate", s(&zip), "--preset", "whatsapp"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    // A folder pack for Telegram validates too; an existing folder is not overwritten.
    let folder = dir.path().join("tg");
    let out = xuancai(&[
        "pack",
        s(&src),
        "--preset",
        "telegram",
        "--model",
        "portrait",
        "-o",
        s(&folder),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(files_in(&folder), ["01.webp", "02.webp", "03.webp", "pack.json"]);
    assert!(
        xuancai(&["validate", s(&folder), "--preset", "telegram"])
            .status
            .success()
    );
    let again = xuancai(&[
        "pack",
        s(&src),
        "--preset",
        "telegram",
        "--model",
        "portrait",
        "-o",
        s(&folder),
    ]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn img4_templates_list_and_render() {
    let out = xuancai(&["templates"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for name in ["meme", "greeting", "reaction"] {
        assert!(text.contains(name), "{text}");
    }
    let json = xuancai(&["templates", "--show", "meme"]);
    let t: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t["name"], "meme");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out_path = dir.path().join("meme.webp");
    let out = xuancai(&[
        "sticker",
        s(&testdata("faceapi-sample1.jpg")),
        "--preset",
        "signal",
        "--template",
        "meme",
        "--text",
        "top=当你终于",
        "--text",
        "bottom=下班了",
        "-o",
        s(&out_path),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        xuancai(&["validate", s(&out_path), "--preset", "signal"])
            .status
            .success()
    );
    let bad = xuancai(&[
        "sticker",
        s(&testdata("astronaut.png")),
        "--preset",
        "signal",
        "--template",
        "nope",
        "-o",
        s(&out_path),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no built-in template"));
}
