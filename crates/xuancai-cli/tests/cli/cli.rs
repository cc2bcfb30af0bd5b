//! The `xuancai` command as a user runs it (IMG-2): batches, JSON Lines,
//! formats, backgrounds, failures that leave no partial output.

use std::path::Path;

use crate::common::{json_lines, s, testdata, xuancai};

fn no_temp_files(dir: &Path) {
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn img2_batch_with_a_bad_input_processes_the_others_and_fails() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.path().join("broken.jpg");
    std::fs::write(&bad, b"\xff\xd8\xff\xe0 this is not really a jpeg").unwrap_or_else(|e| panic!("{e}"));
    let out_dir = dir.path().join("out");
    let out = xuancai(&[
        "cutout",
        s(&testdata("astronaut.png")),
        s(&bad),
        s(&testdata("faceapi-sample3.jpg")),
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
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[1]["ok"], false);
    // Its APP0 segment declares 8 KB and the file ends after 34 bytes.
    assert_eq!(lines[1]["error"]["code"], "image_truncated");
    assert_eq!(lines[2]["ok"], true);
    assert_eq!(lines[2]["model"], "portrait");
    for key in ["decode_ms", "mask_ms", "refine_ms", "encode_ms"] {
        assert!(
            lines[2]["timings"][key].as_f64().is_some_and(|v| v >= 0.0),
            "{key}"
        );
    }
    assert!(out_dir.join("astronaut.cutout.png").is_file());
    assert!(out_dir.join("faceapi-sample3.cutout.png").is_file());
    assert!(
        !out_dir.join("broken.cutout.png").exists(),
        "no output for the bad input"
    );
    no_temp_files(&out_dir);
    let png = image::open(out_dir.join("astronaut.cutout.png")).unwrap_or_else(|e| panic!("{e}"));
    assert!(png.color().has_alpha());
}

#[test]
fn img2_format_follows_the_extension_and_jpeg_needs_a_background() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let webp = dir.path().join("a.webp");
    let out = xuancai(&[
        "cutout",
        s(&testdata("astronaut.png")),
        "--model",
        "portrait",
        "-o",
        s(&webp),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&webp).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&bytes[8..12], b"WEBP");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&webp)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        assert_eq!(mode, 0o644, "outputs are readable like any new file");
    }

    let jpg = dir.path().join("a.jpg");
    let out = xuancai(&[
        "cutout",
        s(&testdata("astronaut.png")),
        "--model",
        "portrait",
        "-o",
        s(&jpg),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("JPEG cannot keep transparency"));
    assert!(!jpg.exists());
    no_temp_files(dir.path());

    let out = xuancai(&[
        "cutout",
        s(&testdata("astronaut.png")),
        "--model",
        "portrait",
        "--bg",
        "#00ff00",
        "-o",
        s(&jpg),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let img = image::open(&jpg).unwrap_or_else(|e| panic!("{e}")).to_rgb8();
    let corner = img.get_pixel(510, 2).0;
    assert!(corner[1] > 240 && corner[0] < 20 && corner[2] < 20, "{corner:?}");
}

#[test]
fn img2_mask_only_and_crop() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mask = dir.path().join("m.png");
    let out = xuancai(&[
        "cutout",
        s(&testdata("astronaut.png")),
        "--model",
        "portrait",
        "--mask-only",
        "-o",
        s(&mask),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let m = image::open(&mask).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.color(), image::ColorType::L8);
    assert_eq!((m.width(), m.height()), (512, 512));

    let out = xuancai(&[
        "cutout",
        s(&testdata("faceapi-sample3.jpg")),
        "--model",
        "portrait",
        "--crop",
        "--margin",
        "4",
        "--json",
        "--out-dir",
        s(dir.path()),
    ]);
    assert!(out.status.success());
    let line = &json_lines(&out)[0];
    let dims = |k: &str| (line[k].as_u64(), line["subject"][k].as_u64());
    assert!(
        matches!(dims("width"), (Some(w), Some(sw)) if w <= sw + 8),
        "{line}"
    );
    assert!(
        matches!(dims("height"), (Some(h), Some(sh)) if h <= sh + 8 && h < 1350),
        "{line}"
    );
}

#[test]
fn usage_errors_are_clear() {
    let out = xuancai(&[
        "cutout",
        s(&testdata("astronaut.png")),
        s(&testdata("coffee.png")),
        "-o",
        "x.png",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out-dir"));
    let out = xuancai(&["cutout", "/nonexistent/file.png", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out)[0]["error"]["code"], "io_error");
    let out = xuancai(&["cutout", s(&testdata("astronaut.png")), "--bg", "#zzz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("colour"));
}

#[test]
fn models_lists_the_manifest() {
    let out = xuancai(&["models", "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = v["assets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["id"].as_str())
        .collect();
    for id in ["portrait", "general", "face_detection_full", "onnxruntime"] {
        assert!(ids.contains(&id), "{id}");
    }
}

/// RET-2: `xuancai jobs run-once` runs the scheduler once for cron, from the
/// same configuration as `serve`, and reports what it did.
#[test]
fn ret2_jobs_run_once_reports_as_json() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().to_string_lossy().to_string();
    let out = xuancai(&["jobs", "run-once", "--dev", "--data-dir", &data]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(v["erased_accounts"], 0);
    assert!(
        dir.path().join("xuancai.db").exists(),
        "it opened (and migrated) the database"
    );
    // A bad setting is a clear error, not a panic.
    let out = xuancai(&[
        "jobs",
        "run-once",
        "--dev",
        "--data-dir",
        &data,
        "--shutdown-date",
        "2026-13-01",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("shutdown_date"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Issue 18 item 4: the settings loader reads the whole environment; a
/// variable of another program that is not UTF-8 is skipped, not a crash.
#[test]
fn a_variable_that_is_not_utf8_does_not_stop_the_server_start() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xuancai"))
        .args(["jobs", "run-once", "--dev", "--data-dir"])
        .arg(dir.path())
        .env("SOME_OTHER_TOOL", std::ffi::OsStr::from_bytes(b"caf\xe9"))
        .output()
        .unwrap_or_else(|e| panic!("running xuancai: {e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Issue 23 item 5 (SEC-4): `xuancai keys rotate` from the command line,
/// the previous key given by its variable: a report as JSON; run again, it
/// finds everything done; the old key alone is then refused with a message
/// that says what to configure.
#[test]
fn sec4_keys_rotate_reports_as_json_and_the_old_key_alone_is_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().to_string_lossy().to_string();
    let (old, new) = ("11".repeat(32), "22".repeat(32));
    let run = |master: &str, previous: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_xuancai"));
        cmd.args(["keys", "rotate", "--data-dir", &data])
            .env("XUANCAI_MASTER_KEY", master)
            .env_remove("XUANCAI_DATABASE_URL")
            .env_remove("XUANCAI_PREVIOUS_MASTER_KEY");
        if let Some(p) = previous {
            cmd.env("XUANCAI_PREVIOUS_MASTER_KEY", p);
        }
        cmd.output().unwrap_or_else(|e| panic!("running xuancai: {e}"))
    };
    // A deployment that ran with the old key (its database made by it).
    let first = run(&old, None);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let rotated = run(&new, Some(&old));
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&rotated.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&rotated.stdout)));
    assert_eq!(
        (v["root_rewrapped"].as_bool(), v["finished"].as_bool()),
        (Some(true), Some(true)),
        "{v}"
    );
    let again = run(&new, Some(&old));
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap_or_default();
    assert_eq!(v["root_rewrapped"], false, "{v}");
    let refused = run(&old, None);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("previous_master_key"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

/// Issue 21 item 6: a JPEG cut to half its bytes is refused by every
/// command with `image_truncated` and nothing is written — the server's
/// upload refuses it the same way; `--accept-truncated` is the way to take
/// it anyway.
#[test]
fn img2_a_truncated_photo_is_refused_everywhere_unless_asked() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let whole = std::fs::read(testdata("faceapi-sample3.jpg")).unwrap_or_else(|e| panic!("{e}"));
    let cut = dir.path().join("cut.jpg");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap_or_else(|e| panic!("{e}"));
    let out_dir = dir.path().join("out");

    let out = xuancai(&[
        "cutout",
        s(&cut),
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
    assert_eq!(lines[0]["ok"], false);
    assert_eq!(lines[0]["error"]["code"], "image_truncated");
    assert!(!out_dir.join("cut.cutout.png").exists(), "no output");

    let out = xuancai(&["faces", s(&cut), "--json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"image_truncated\""));

    let swapped = dir.path().join("swapped.jpg");
    let out = xuancai(&[
        "swap",
        "--source",
        s(&testdata("astronaut.png")),
        "--target",
        s(&cut),
        "-o",
        s(&swapped),
        "--subject-consent",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("image_truncated"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!swapped.exists());

    let out = xuancai(&[
        "cutout",
        s(&cut),
        "--model",
        "portrait",
        "--out-dir",
        s(&out_dir),
        "--json",
        "--accept-truncated",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json_lines(&out)[0]["ok"], true);
    assert!(out_dir.join("cut.cutout.png").is_file());
}
