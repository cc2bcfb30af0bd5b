//! Content safety in the CLI (issue 21 item 7): `xuancai check` scores
//! images with the same policy `swap` applies to its source, target and
//! result. No test photo is refused at the default threshold; 0 refuses
//! everything, 1 lets everything through.

use crate::common::{json_lines, s, testdata, xuancai};

const PHOTOS: [&str; 4] = [
    "astronaut.png",
    "coffee.png",
    "faceapi-sample2.jpg",
    "insightface-t1.jpg",
];

fn check(threshold: &str) -> (Option<i32>, Vec<serde_json::Value>) {
    let files: Vec<_> = PHOTOS.iter().map(|p| testdata(p)).collect();
    let mut args = vec!["check", "--json", "--nsfw-threshold", threshold];
    args.extend(files.iter().map(|f| s(f)));
    let out = xuancai(&args);
    (out.status.code(), json_lines(&out))
}

#[test]
fn img3_img6_check_refuses_at_0_and_allows_at_the_default_and_at_1() {
    let (code, lines) = check("0.8");
    assert_eq!(code, Some(0), "{lines:?}");
    assert_eq!(lines.len(), PHOTOS.len());
    for l in &lines {
        assert_eq!(l["refused"], false, "{l}");
        assert!(
            l["score"].as_f64().is_some_and(|v| (0.0..0.8).contains(&v)),
            "{l}"
        );
    }
    let (code, lines) = check("0");
    assert_eq!(code, Some(1));
    assert!(
        lines
            .iter()
            .all(|l| l["refused"] == true && l["code"] == "content_refused"),
        "{lines:?}"
    );
    let (code, lines) = check("1");
    assert_eq!(code, Some(0));
    assert!(lines.iter().all(|l| l["refused"] == false), "{lines:?}");
    let out = xuancai(&["check", "--nsfw-threshold", "1.5", s(&testdata("coffee.png"))]);
    assert_eq!(out.status.code(), Some(2), "a threshold outside 0..1 is an error");
}

fn swap(threshold: &str, out: &std::path::Path) -> std::process::Output {
    xuancai(&[
        "swap",
        "--source",
        s(&testdata("astronaut.png")),
        "--target",
        s(&testdata("faceapi-sample3.jpg")),
        "-o",
        s(out),
        "--subject-consent",
        "--nsfw-threshold",
        threshold,
    ])
}

#[test]
fn img3_swap_is_refused_at_threshold_0_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("swapped.jpg");
    let run = swap("0", &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{stderr}");
    assert!(
        stderr.contains("[content_refused]") && stderr.contains("source photo"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing was written");
    let run = swap("1", &out);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert!(out.is_file());
}
