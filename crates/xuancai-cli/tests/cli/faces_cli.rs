//! `xuancai faces`, `xuancai swap` and `xuancai inspect` as a user runs
//! them (IMG-3, CON-3): the JSON document, the overlay, the consent
//! refusal that writes nothing, labels on every output.

use std::path::Path;
use std::process::Output;

use crate::common::{s, testdata, xuancai};

/// `xuancai swap` of the astronaut onto sample 3, with more arguments.
fn swap(out: &Path, more: &[&str]) -> Output {
    let (source, target) = (testdata("astronaut.png"), testdata("faceapi-sample3.jpg"));
    let mut args = vec![
        "swap",
        "--source",
        s(&source),
        "--target",
        s(&target),
        "-o",
        s(out),
    ];
    args.extend_from_slice(more);
    xuancai(&args)
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn img3_faces_json_is_one_document_with_a_faces_array_per_input() {
    let dir = tmp();
    let overlay = dir.path().join("overlay.png");
    let out = xuancai(&[
        "faces",
        s(&testdata("faceapi-sample3.jpg")),
        "--json",
        "--draw",
        s(&overlay),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let list = doc.as_array().unwrap_or_else(|| panic!("a list"));
    assert_eq!(list.len(), 1);
    let faces = list[0]["faces"].as_array().unwrap_or_else(|| panic!("faces"));
    assert_eq!(faces.len(), 3);
    for f in faces {
        assert!(f["box"]["width"].as_f64().unwrap_or(0.0) > 100.0);
        assert_eq!(f["landmarks"].as_array().map(Vec::len), Some(468));
        assert_eq!(f["landmarks68"].as_array().map(Vec::len), Some(68));
        assert!(f["keypoints"]["nose_tip"].is_array());
    }
    let drawn = image::open(&overlay).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((drawn.width(), drawn.height()), (1920, 1350));

    // Several inputs, one document; a face-free photo has an empty array.
    let out = xuancai(&[
        "faces",
        s(&testdata("astronaut.png")),
        s(&testdata("coffee.png")),
        "--json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc[0]["faces"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc[1]["faces"].as_array().map(Vec::len), Some(0));
}

#[test]
fn con3_swap_without_subject_consent_refuses_and_writes_nothing() {
    let dir = tmp();
    let out_path = dir.path().join("swapped.png");
    let out = swap(&out_path, &[]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--subject-consent") && err.contains("agreed"),
        "{err}"
    );
    assert!(!out_path.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).map(|d| d.count()).unwrap_or(99),
        0,
        "nothing written"
    );
}

#[test]
fn img3_swap_output_carries_all_three_labels_and_inspect_prints_them() {
    let dir = tmp();
    for ext in ["png", "jpg", "webp"] {
        let out_path = dir.path().join(format!("swapped.{ext}"));
        let out = swap(&out_path, &["--target-face", "2", "--subject-consent", "--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let summary: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(summary["swapped_faces"], serde_json::json!([2]));
        assert!(
            summary["label"]["text_height"].as_u64().unwrap_or(0) >= 68,
            "5 % of 1350"
        );

        let out = xuancai(&["inspect", s(&out_path), "--json"]);
        assert!(out.status.success());
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(doc[0]["labelled"], true, "{ext}: {doc}");
        assert_eq!(doc[0]["report"]["aigc"]["Label"], "1");
        assert_eq!(doc[0]["report"]["aigc"]["ProduceID"], summary["produce_id"]);
        let human = xuancai(&["inspect", s(&out_path)]);
        let text = String::from_utf8_lossy(&human.stdout);
        assert!(
            text.contains("AIGC (GB 45438-2025): Label=1")
                && text.contains("compositeWithTrainedAlgorithmicMedia")
        );
    }
    // An ordinary photo carries none.
    let out = xuancai(&["inspect", s(&testdata("astronaut.png"))]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("AIGC (GB 45438-2025): none"));
}

#[test]
fn img3_swap_refuses_a_face_that_is_not_there_and_writes_nothing() {
    let dir = tmp();
    let out_path = dir.path().join("swapped.png");
    let out = swap(&out_path, &["--target-face", "9", "--subject-consent"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("face_not_found") && err.contains("face 9"), "{err}");
    assert!(!out_path.exists());

    // The reference selector picks a face; a reference without a face is refused.
    let coffee = testdata("coffee.png");
    let out = swap(&out_path, &["--reference", s(&coffee), "--subject-consent"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no face found in the reference"));
    assert!(!out_path.exists());
}
