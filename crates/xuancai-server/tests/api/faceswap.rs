//! Face swap on the server (IMG-3): the user's separate face consent
//! (CON-3) and the affirmation that the people depicted agreed come before
//! anything is queued; the result carries the AI-content labels (visible,
//! GB 45438-2025 metadata, C2PA); withdrawing the face consent cancels the
//! user's face jobs at once (CON-4).

use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app, spawn_with};
use crate::jobs::{bytes, photo_id, settle};

pub async fn consent(app: &crate::helpers::TestApp, token: &str, purpose: &str, granted: bool) {
    app.json(
        "PUT",
        &format!("/api/v1/me/consents/{purpose}"),
        token,
        Some(&json!({ "granted": granted })),
        200,
    )
    .await;
}

#[tokio::test]
async fn img3_con3_face_swap_needs_consent_and_affirmation_and_is_labelled() {
    let app = spawn_app().await;
    let alice = app.login("13800138010", "+8613800138010").await;
    let bob = app.login("13800138011", "+8613800138011").await;
    let source = photo_id(&app, &alice, "astronaut.png").await;
    let target = photo_id(&app, &alice, "faceapi-sample3.jpg").await;
    let swap = json!({ "kind": "face_swap", "source": source, "target": target, "subject_consent": true });

    // CON-3: without the face consent, a typed refusal naming the purpose.
    let v = app.json("POST", "/api/v1/jobs", &alice, Some(&swap), 403).await;
    assert_eq!(
        (v["code"].as_str(), v["details"]["purpose"].as_str()),
        (Some("consent_required"), Some("faces")),
        "{v}"
    );
    consent(&app, &alice, "faces", true).await;
    // IMG-3: without the affirmation that the people agreed, refused too.
    let no_affirmation = json!({ "kind": "face_swap", "source": source, "target": target });
    let v = app
        .json("POST", "/api/v1/jobs", &alice, Some(&no_affirmation), 422)
        .await;
    assert_eq!(v["code"], "subject_consent_required", "{v}");
    let listed = app.json("GET", "/api/v1/jobs", &alice, None, 200).await;
    assert_eq!(listed["items"], json!([]), "nothing was queued");

    let queued = app.json("POST", "/api/v1/jobs", &alice, Some(&swap), 202).await;
    let id = queued["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(queued["kind"], "face_swap");
    assert_eq!(
        queued["request"]["subject_consent"], true,
        "the affirmation is kept with the job"
    );
    // SEC-6: another user cannot see it.
    let r = app
        .call("GET", &format!("/api/v1/jobs/{id}"), Some(&bob), None)
        .await;
    assert_eq!(r.status(), 404);

    let done = settle(&app, &alice, &id).await;
    assert_eq!(done["state"], "done", "{done}");
    let result = &done["result"];
    assert_eq!(result["ai_labelled"], true, "{done}");
    assert_eq!(result["format"], "jpeg");
    assert!(
        result["faces"].as_array().is_some_and(|f| !f.is_empty()),
        "{done}"
    );
    let original = bytes(
        &app,
        &alice,
        result["urls"]["original"].as_str().unwrap_or_default(),
    )
    .await;
    // The labels survive storage: the metadata and the manifest are read back.
    let report = xuancai_aigc::inspect(&original).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.is_labelled(), "{report:?}");
    let c2pa = report.c2pa.as_ref().unwrap_or_else(|| panic!("C2PA manifest"));
    assert!(c2pa.declares_ai(), "{c2pa:?}");
    assert!(
        !c2pa
            .validation_codes
            .iter()
            .any(|c| c.contains("dataHash.mismatch")),
        "stored byte for byte, so the manifest's hash still matches: {:?}",
        c2pa.validation_codes
    );
    let aigc = report.aigc.as_ref().unwrap_or_else(|| panic!("AIGC metadata"));
    assert_eq!(
        (
            aigc.label.as_str(),
            aigc.content_producer.as_str(),
            aigc.produce_id.as_str()
        ),
        ("1", "xuancai", id.as_str()),
        "GB 45438-2025: the label, the producer and this output's id"
    );
    // The visible label: the result differs from the target in its corner,
    // where "AI生成" is drawn.
    let before = image::load_from_memory(&crate::helpers::testdata("faceapi-sample3.jpg"))
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgb8();
    let after = image::load_from_memory(&original)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgb8();
    assert_eq!(before.dimensions(), after.dimensions());
    let (w, h) = after.dimensions();
    let corner_changed = (h * 9 / 10..h)
        .flat_map(|y| (w * 3 / 4..w).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let (a, b) = (before.get_pixel(x, y).0, after.get_pixel(x, y).0);
            a.iter().zip(b).any(|(p, q)| p.abs_diff(q) > 40)
        })
        .count();
    assert!(
        corner_changed > 100,
        "the visible label ({corner_changed} pixels)"
    );
    // Issue 22 item 5: saved to the library when asked, byte for byte — the
    // labels and the manifest go with it.
    let save = result["urls"]["save"].as_str().unwrap_or_default();
    let saved = app.json("POST", save, &alice, None, 201).await;
    let photo = saved["photo"]["id"].as_str().unwrap_or_default();
    assert_eq!(
        saved["photo"]["file_name"], "faceapi-sample3-face-swap.jpg",
        "{saved}"
    );
    let kept = bytes(&app, &alice, &format!("/api/v1/photos/{photo}/original")).await;
    assert!(kept == original, "the saved photo is the labelled result");

    // A target without a face fails for good with a stable code, nothing stored.
    let scene = photo_id(&app, &alice, "coffee.png").await;
    let v = app
        .json(
            "POST",
            "/api/v1/jobs",
            &alice,
            Some(&json!({ "kind": "face_swap", "source": source, "target": scene, "subject_consent": true })),
            202,
        )
        .await;
    let failed = settle(&app, &alice, v["id"].as_str().unwrap_or_default()).await;
    assert_eq!(
        (
            failed["state"].as_str(),
            failed["error"]["code"].as_str(),
            failed["attempts"].as_u64()
        ),
        (Some("failed"), Some("face_not_found"), Some(1)),
        "{failed}"
    );
    assert_eq!(failed["result"], Value::Null);
    app.cleanup().await;
}

#[tokio::test]
async fn con4_withdrawing_the_face_consent_cancels_face_jobs_at_once() {
    // No workers: the jobs wait in the queue.
    let app = spawn_with(Backend::SqliteLocal, |c| c.studio.workers = 0).await;
    let alice = app.login("13800138012", "+8613800138012").await;
    let source = photo_id(&app, &alice, "astronaut.png").await;
    let target = photo_id(&app, &alice, "faceapi-sample3.jpg").await;
    consent(&app, &alice, "faces", true).await;
    let swap = json!({ "kind": "face_swap", "source": source, "target": target, "subject_consent": true });
    let face = app.json("POST", "/api/v1/jobs", &alice, Some(&swap), 202).await;
    let cutout = app
        .json(
            "POST",
            "/api/v1/jobs",
            &alice,
            // The general model: no portrait processing, so it goes on.
            Some(&json!({ "kind": "cutout", "photo": source, "model": "general" })),
            202,
        )
        .await;

    let v = app
        .json(
            "PUT",
            "/api/v1/me/consents/faces",
            &alice,
            Some(&json!({ "granted": false })),
            200,
        )
        .await;
    assert_eq!(v["removed_records"], 1, "{v}");
    let face = app
        .json(
            "GET",
            &format!("/api/v1/jobs/{}", face["id"].as_str().unwrap_or_default()),
            &alice,
            None,
            200,
        )
        .await;
    assert_eq!(
        (face["state"].as_str(), face["error"]["code"].as_str()),
        (Some("failed"), Some("consent_withdrawn")),
        "{face}"
    );
    // Other processing goes on; face processing is refused from now on.
    let cutout = app
        .json(
            "GET",
            &format!("/api/v1/jobs/{}", cutout["id"].as_str().unwrap_or_default()),
            &alice,
            None,
            200,
        )
        .await;
    assert_eq!(cutout["state"], "queued");
    let v = app.json("POST", "/api/v1/jobs", &alice, Some(&swap), 403).await;
    assert_eq!(v["details"]["purpose"], "faces");
    // The queue runs the cutout; the cancelled face job never runs.
    while app.control.run_next_studio_job().await {}
    let listed = app.json("GET", "/api/v1/jobs", &alice, None, 200).await;
    let states: Vec<(&str, &str)> = listed["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|j| {
                    (
                        j["kind"].as_str().unwrap_or(""),
                        j["state"].as_str().unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(states, vec![("cutout", "done"), ("face_swap", "failed")]);
    app.cleanup().await;
}

/// IMG-3, CON-3 (issue 22 item 7's server side): the faces of a photo, in
/// the numbering the swap takes — left to right from 0 — so the face a user
/// taps is the one replaced: the last number swaps, one past it is refused.
/// Only with the face consent; another user's photo does not exist.
#[tokio::test]
async fn img3_con3_a_photos_faces_are_numbered_as_the_swap_takes_them() {
    let app = spawn_app().await;
    let alice = app.login("13800138012", "+8613800138012").await;
    let bob = app.login("13800138013", "+8613800138013").await;
    let source = photo_id(&app, &alice, "astronaut.png").await;
    let group = photo_id(&app, &alice, "faceapi-sample3.jpg").await;
    let path = format!("/api/v1/photos/{group}/faces");

    let v = app.json("GET", &path, &alice, None, 403).await;
    assert_eq!(
        (v["code"].as_str(), v["details"]["purpose"].as_str()),
        (Some("consent_required"), Some("faces")),
        "{v}"
    );
    consent(&app, &alice, "faces", true).await;
    consent(&app, &bob, "faces", true).await;
    app.json("GET", &path, &bob, None, 404).await;

    let found = app.json("GET", &path, &alice, None, 200).await;
    let faces = found["faces"].as_array().cloned().unwrap_or_default();
    assert!(faces.len() >= 2, "a group photo: {found}");
    assert!(found["width"].as_u64() > Some(0) && found["height"].as_u64() > Some(0));
    let centres: Vec<f64> = faces
        .iter()
        .enumerate()
        .map(|(i, f)| {
            assert_eq!(f["index"].as_u64(), Some(i as u64), "{found}");
            f["x"].as_f64().unwrap_or(-1.0) + f["width"].as_f64().unwrap_or(0.0) / 2.0
        })
        .collect();
    assert!(
        centres.windows(2).all(|w| w[0] <= w[1]),
        "left to right: {centres:?}"
    );

    let swap = |face: usize| json!({ "kind": "face_swap", "source": source, "target": group, "subject_consent": true, "target_face": face });
    let last = faces.len() - 1;
    let job = app
        .json("POST", "/api/v1/jobs", &alice, Some(&swap(last)), 202)
        .await;
    let done = settle(&app, &alice, job["id"].as_str().unwrap_or_default()).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["result"]["faces"], json!([last]), "{done}");
    let job = app
        .json("POST", "/api/v1/jobs", &alice, Some(&swap(last + 1)), 202)
        .await;
    let failed = settle(&app, &alice, job["id"].as_str().unwrap_or_default()).await;
    assert_eq!(failed["state"], "failed", "one past the last face: {failed}");
    app.cleanup().await;
}

/// Issue 21 item 8: the server signs with the operator's chain (a test CA
/// made by tools/testca.py) and records the swap as an edit of the target:
/// `c2pa.opened` on it as the parent ingredient, then `c2pa.edited`.
#[tokio::test]
async fn img3_a_face_swap_job_is_signed_by_the_operator_chain_as_an_edit() {
    let ca = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/testca.py");
    let made = std::process::Command::new("python3")
        .arg(script)
        .arg(ca.path())
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let files = xuancai_app::config::SigningFiles {
        cert: ca.path().join("chain.pem"),
        key: ca.path().join("key.pem"),
        alg: "es256".into(),
    };
    let app = spawn_with(Backend::SqliteLocal, |c| c.aigc_signing = Some(files)).await;
    let alice = app.login("13800138013", "+8613800138013").await;
    consent(&app, &alice, "faces", true).await;
    let source = photo_id(&app, &alice, "astronaut.png").await;
    let target = photo_id(&app, &alice, "faceapi-sample3.jpg").await;
    let swap = json!({ "kind": "face_swap", "source": source, "target": target, "subject_consent": true });
    let queued = app.json("POST", "/api/v1/jobs", &alice, Some(&swap), 202).await;
    let done = settle(&app, &alice, queued["id"].as_str().unwrap_or_default()).await;
    assert_eq!(done["state"], "done", "{done}");
    let original = bytes(
        &app,
        &alice,
        done["result"]["urls"]["original"].as_str().unwrap_or_default(),
    )
    .await;
    let c2pa = xuancai_aigc::inspect(&original)
        .unwrap_or_else(|e| panic!("{e}"))
        .c2pa
        .unwrap_or_else(|| panic!("C2PA manifest"));
    assert_eq!(c2pa.signer.as_deref(), Some("Xuancai Test Signer"), "{c2pa:?}");
    assert_eq!(c2pa.actions, ["c2pa.opened", "c2pa.edited"], "{c2pa:?}");
    let active = c2pa.json["active_manifest"].as_str().unwrap_or_default();
    let parent = &c2pa.json["manifests"][active]["ingredients"][0];
    assert_eq!(
        (parent["relationship"].as_str(), parent["format"].as_str()),
        (Some("parentOf"), Some("image/jpeg")),
        "{parent}"
    );
    app.cleanup().await;
}
