//! Issue 22 items 3 and 4: a cut-out computed once and reused — another
//! background drawn at full resolution without running the model, and the
//! user's erase/restore strokes applied at full resolution.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, testdata};
use crate::jobs::{bytes, photo_id, settle};

async fn run(app: &TestApp, token: &str, body: Value) -> Value {
    let v = app.json("POST", "/api/v1/jobs", token, Some(&body), 202).await;
    let done = settle(app, token, v["id"].as_str().unwrap_or_default()).await;
    assert_eq!(done["state"], "done", "{done}");
    done
}

async fn rgb(app: &TestApp, token: &str, job: &Value) -> image::RgbImage {
    let data = bytes(
        app,
        token,
        job["result"]["urls"]["original"].as_str().unwrap_or_default(),
    )
    .await;
    image::load_from_memory(&data)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgb8()
}

#[tokio::test]
async fn img2_a_cut_out_is_reused_for_another_background_and_touched_up_at_full_resolution() {
    let app = spawn_app().await;
    let token = app.login("13800138031", "+8613800138031").await;
    let photo = photo_id(&app, &token, "astronaut.png").await;
    let base = run(&app, &token, json!({ "kind": "cutout", "photo": photo })).await;
    let from = base["id"].as_str().unwrap_or_default();

    // The same background from the stored cut-out is the same picture as
    // from a fresh run of the model, pixel for pixel.
    let white = json!({ "color": "#ffffff" });
    let fresh = run(
        &app,
        &token,
        json!({ "kind": "cutout", "photo": photo, "background": white }),
    )
    .await;
    let reused = run(
        &app,
        &token,
        json!({ "kind": "cutout", "photo": photo, "background": white, "from": from }),
    )
    .await;
    assert_eq!(reused["result"]["model"], Value::Null, "no model ran: {reused}");
    assert_eq!(
        reused["result"]["notes"][0],
        format!("the cut-out of {from}, reused"),
        "{reused}"
    );
    let (fresh_img, reused_img) = (rgb(&app, &token, &fresh).await, rgb(&app, &token, &reused).await);
    assert!(
        fresh_img == reused_img,
        "the reused cut-out draws the same result"
    );

    // Touch-up: erase over the face, restore a dot in the corner.
    let edit = json!([
        { "mode": "erase", "width": 0.12, "points": [[0.45, 0.39], [0.55, 0.39]] },
        { "mode": "restore", "width": 0.06, "points": [[0.04, 0.04]] }
    ]);
    let touched = run(
        &app,
        &token,
        json!({ "kind": "cutout", "photo": photo, "background": white, "from": from, "edit": edit }),
    )
    .await;
    let touched = rgb(&app, &token, &touched).await;
    let original = image::load_from_memory(&testdata("astronaut.png"))
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgb8();
    let is_white = |p: &image::Rgb<u8>| p.0.iter().all(|&c| c > 245);
    let near = |p: &image::Rgb<u8>, q: &image::Rgb<u8>| p.0.iter().zip(q.0).all(|(a, b)| a.abs_diff(b) < 12);
    assert!(
        !is_white(reused_img.get_pixel(256, 200)),
        "the face was kept before the touch-up"
    );
    assert!(
        is_white(touched.get_pixel(256, 200)),
        "erased: {:?}",
        touched.get_pixel(256, 200)
    );
    assert!(
        is_white(reused_img.get_pixel(20, 20)),
        "the corner was background"
    );
    assert!(
        near(touched.get_pixel(20, 20), original.get_pixel(20, 20)),
        "restored to the photo: {:?} vs {:?}",
        touched.get_pixel(20, 20),
        original.get_pixel(20, 20)
    );
    assert!(
        near(touched.get_pixel(256, 450), reused_img.get_pixel(256, 450)),
        "untouched elsewhere"
    );

    // What may not be reused, refused before the job is queued.
    let other = photo_id(&app, &token, "coffee.png").await;
    let refused = |body: Value, code: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let v = app.json("POST", "/api/v1/jobs", &token, Some(&body), 422).await;
            assert_eq!(v["code"], code, "{body}: {v}");
        }
    };
    refused(
        json!({ "kind": "cutout", "photo": other, "from": from }),
        "cutout_not_reusable",
    )
    .await;
    let fresh_id = fresh["id"].as_str().unwrap_or_default();
    refused(
        json!({ "kind": "cutout", "photo": photo, "from": fresh_id }),
        "cutout_not_reusable",
    )
    .await;
    refused(
        json!({ "kind": "cutout", "photo": photo, "edit": edit }),
        "invalid_job",
    )
    .await;
    refused(
        json!({ "kind": "cutout", "photo": photo, "from": from,
                "edit": [{ "mode": "smudge", "width": 0.1, "points": [[0.5, 0.5]] }] }),
        "invalid_job",
    )
    .await;
    refused(
        json!({ "kind": "cutout", "photo": photo, "from": from,
                "edit": [{ "mode": "erase", "width": 0.1, "points": [[1.5, 0.5]] }] }),
        "invalid_job",
    )
    .await;
    // Another user's cut-out is not theirs to reuse (SEC-6).
    let bob = app.login("13800138032", "+8613800138032").await;
    let bobs = photo_id(&app, &bob, "astronaut.png").await;
    let v = app
        .json(
            "POST",
            "/api/v1/jobs",
            &bob,
            Some(&json!({ "kind": "cutout", "photo": bobs, "from": from })),
            422,
        )
        .await;
    assert_eq!(v["code"], "cutout_not_reusable", "{v}");
    // Bob cannot read or save Alice's result either.
    for (m, path) in [
        ("GET", format!("/api/v1/jobs/{from}/result")),
        ("POST", format!("/api/v1/jobs/{from}/save")),
    ] {
        assert_eq!(
            app.call(m, &path, Some(&bob), None).await.status(),
            404,
            "{m} {path}"
        );
    }
    // "保存为作品": a work straight from the job's result.
    let work = app
        .json(
            "POST",
            "/api/v1/works",
            &token,
            Some(&json!({ "job": from, "title": "抠图", "visibility": "private" })),
            201,
        )
        .await;
    let image = bytes(
        &app,
        &token,
        &format!("/api/v1/works/{}/image", work["id"].as_str().unwrap_or_default()),
    )
    .await;
    let made = bytes(
        &app,
        &token,
        base["result"]["urls"]["original"].as_str().unwrap_or_default(),
    )
    .await;
    assert!(image == made, "the work is the result as made");
    let v = app
        .json(
            "POST",
            "/api/v1/works",
            &token,
            Some(&json!({ "title": "无图" })),
            422,
        )
        .await;
    assert_eq!(v["code"], "invalid_parameter", "{v}");
    // Nothing of this landed in Alice's library.
    let list = app.json("GET", "/api/v1/photos", &token, None, 200).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2), "{list}");

    // Deleted with what it made; the work copied from it stays.
    let stored = || stored_files(&app.data_dir, from);
    assert_eq!(stored().len(), 2, "the result and its preview: {:?}", stored());
    let r = app
        .call("DELETE", &format!("/api/v1/jobs/{from}"), Some(&bob), None)
        .await;
    assert_eq!(r.status(), 404, "not Bob's to delete");
    let r = app
        .call("DELETE", &format!("/api/v1/jobs/{from}"), Some(&token), None)
        .await;
    assert_eq!(r.status(), 204);
    for path in [
        format!("/api/v1/jobs/{from}"),
        format!("/api/v1/jobs/{from}/result"),
    ] {
        assert_eq!(
            app.call("GET", &path, Some(&token), None).await.status(),
            404,
            "{path}"
        );
    }
    app.control.run_jobs_once().await;
    assert_eq!(stored(), Vec::<std::path::PathBuf>::new(), "the blobs are gone");
    let kept = bytes(
        &app,
        &token,
        &format!("/api/v1/works/{}/image", work["id"].as_str().unwrap_or_default()),
    )
    .await;
    assert!(kept == made, "the work stays");
    app.cleanup().await;
}

/// The files of job `id`'s folder under a `results` folder below `dir`.
fn stored_files(dir: &std::path::Path, id: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .parent()
                .is_some_and(|d| d.ends_with(id) && d.parent().is_some_and(|r| r.ends_with("results")))
            {
                out.push(p);
            }
        }
    }
    out
}

/// Issue 22 item 4: the touch-up feeds stickers made from that photo — a
/// sticker job given the touched-up cutout uses exactly that cut-out (the
/// sticker is the one the sticker maker draws from it), runs no model, and
/// differs from a sticker cut afresh; a cut-out with a background, of
/// another photo or another user's is refused before the job.
#[tokio::test]
async fn img2_img4_a_touched_up_cut_out_feeds_the_sticker_made_from_it() {
    let app = spawn_app().await;
    let token = app.login("13800138033", "+8613800138033").await;
    let other = app.login("13800138034", "+8613800138034").await;
    let photo = photo_id(&app, &token, "astronaut.png").await;
    let coffee = photo_id(&app, &token, "coffee.png").await;
    let base = run(&app, &token, json!({ "kind": "cutout", "photo": photo })).await;
    let from = base["id"].as_str().unwrap_or_default();
    // Erase the whole right half of the subject.
    let edit = json!([{ "mode": "erase", "width": 0.5, "points": [[0.75, 0.0], [0.75, 0.5], [0.75, 1.0]] }]);
    let touched = run(
        &app,
        &token,
        json!({ "kind": "cutout", "photo": photo, "from": from, "edit": edit }),
    )
    .await;
    let cut_id = touched["id"].as_str().unwrap_or_default();
    let cut = bytes(&app, &token, &format!("/api/v1/jobs/{cut_id}/result")).await;

    let sticker = run(
        &app,
        &token,
        json!({ "kind": "sticker", "photo": photo, "cutout": cut_id, "caption": "早" }),
    )
    .await;
    assert_eq!(sticker["result"]["model"], Value::Null, "no model ran: {sticker}");
    let made = bytes(
        &app,
        &token,
        &format!(
            "/api/v1/jobs/{}/result",
            sticker["id"].as_str().unwrap_or_default()
        ),
    )
    .await;

    // The same sticker as the sticker maker draws from that cut-out.
    let assets = xuancai_vision::AssetDir::from_env();
    let font = xuancai_imaging::text::Font::from_bytes(
        std::fs::read(assets.font().unwrap_or_else(|e| panic!("{e}"))).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let maker = xuancai_stickers::Maker::new(font, None);
    let t = xuancai_stickers::template::sticker(
        8.0,
        false,
        Some(xuancai_stickers::template::CaptionAt::Bottom),
        Default::default(),
        None,
    );
    let texts = [("caption".to_string(), "早".to_string())].into();
    let expected = maker
        .make_from_cut(
            &testdata("astronaut.png"),
            &cut,
            &t,
            &texts,
            xuancai_stickers::Platform::WhatsApp,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let decode = |b: &[u8]| {
        image::load_from_memory(b)
            .unwrap_or_else(|e| panic!("{e}"))
            .to_rgba8()
    };
    assert!(
        decode(&made) == decode(&expected.export.sticker.bytes),
        "the sticker is drawn from the touched-up cut-out"
    );
    // And not what a fresh cut gives: the erased half is gone from it.
    let fresh = run(
        &app,
        &token,
        json!({ "kind": "sticker", "photo": photo, "caption": "早" }),
    )
    .await;
    let fresh = bytes(
        &app,
        &token,
        &format!("/api/v1/jobs/{}/result", fresh["id"].as_str().unwrap_or_default()),
    )
    .await;
    assert!(decode(&fresh) != decode(&made), "a fresh cut differs");

    // Refused before any job: a background, another photo, another user's.
    let white = run(
        &app,
        &token,
        json!({ "kind": "cutout", "photo": photo, "from": from, "background": { "color": "#ffffff" } }),
    )
    .await;
    for (who, body) in [
        (
            &token,
            json!({ "kind": "sticker", "photo": photo, "cutout": white["id"] }),
        ),
        (
            &token,
            json!({ "kind": "sticker", "photo": coffee, "cutout": cut_id }),
        ),
    ] {
        let e = app.json("POST", "/api/v1/jobs", who, Some(&body), 422).await;
        assert_eq!(e["code"], "cutout_not_reusable", "{body}: {e}");
    }
    let theirs = photo_id(&app, &other, "astronaut.png").await;
    let e = app
        .json(
            "POST",
            "/api/v1/jobs",
            &other,
            Some(&json!({ "kind": "sticker", "photo": theirs, "cutout": cut_id })),
            422,
        )
        .await;
    assert_eq!(e["code"], "cutout_not_reusable", "{e}");
}
