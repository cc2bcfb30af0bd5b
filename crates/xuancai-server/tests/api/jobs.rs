//! Studio jobs (issue 7; IMG-2, IMG-4): queued at once, run by the
//! process's worker with the real models and font, followed by polling and
//! by server-sent events; results are new photos in the library. Jobs are
//! private to their owner (SEC-6) and bad requests get stable codes.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app, spawn_with, testdata};

pub async fn photo_id(app: &TestApp, token: &str, name: &str) -> String {
    let r = app.upload(token, name, testdata(name)).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap_or_default();
    v["photo"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("id in {v}"))
        .to_string()
}

/// Poll until the job is done or failed (the models take a second or two).
pub async fn settle(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..600 {
        let j = app
            .json("GET", &format!("/api/v1/jobs/{id}"), token, None, 200)
            .await;
        if j["state"] == "done" || j["state"] == "failed" {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} did not finish in 60 s");
}

pub async fn bytes(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let r = app.call("GET", path, Some(token), None).await;
    assert_eq!(r.status(), 200, "{path}");
    r.bytes().await.unwrap_or_else(|e| panic!("{e}")).to_vec()
}

#[tokio::test]
async fn img2_cutout_job_makes_a_transparent_photo() {
    let app = spawn_app().await;
    let token = app.login("13800138000", "+8613800138000").await;
    let photo = photo_id(&app, &token, "astronaut.png").await;
    // CON-3: `auto` looks for a person only with the face and portrait consent.
    app.json(
        "PUT",
        "/api/v1/me/consents/faces",
        &token,
        Some(&json!({ "granted": true })),
        200,
    )
    .await;

    let r = app
        .call(
            "POST",
            "/api/v1/jobs",
            Some(&token),
            Some(&json!({ "kind": "cutout", "photo": photo })),
        )
        .await;
    assert_eq!(r.status(), 202, "queued, answered at once");
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let queued: Value = r.json().await.unwrap_or_default();
    let id = queued["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(location.as_deref(), Some(format!("/api/v1/jobs/{id}").as_str()));
    assert!(
        queued["state"] == "queued" || queued["state"] == "running",
        "{queued}"
    );
    assert_eq!(
        queued["request"]["photo"],
        photo.as_str(),
        "the request is shown to its owner"
    );

    let done = settle(&app, &token, &id).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        (done["progress"].as_u64(), done["attempts"].as_u64()),
        (Some(100), Some(1))
    );
    assert_eq!(done["result"]["format"], "png");
    assert_eq!(
        done["result"]["model"], "portrait",
        "a person photo goes to the portrait model"
    );
    // Issue 22 item 5: the result is the job's, not the library's.
    let urls = &done["result"]["urls"];
    assert_eq!(
        (
            urls["original"].as_str(),
            urls["save"].as_str(),
            done["result"]["photo"].as_str()
        ),
        (
            Some(format!("/api/v1/jobs/{id}/result").as_str()),
            Some(format!("/api/v1/jobs/{id}/save").as_str()),
            None
        ),
        "{done}"
    );
    assert_eq!(
        library(&app, &token).await,
        std::slice::from_ref(&photo),
        "nothing lands in the library unasked"
    );
    let r = app
        .call("GET", &format!("/api/v1/jobs/{id}/result"), Some(&token), None)
        .await;
    assert_eq!(r.status(), 200);
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("content-type"), "image/png");
    assert!(
        header("content-disposition").contains("filename=\"astronaut-cutout.png\""),
        "named after the photo, with the real format: {}",
        header("content-disposition")
    );
    let png = r.bytes().await.unwrap_or_else(|e| panic!("{e}")).to_vec();
    let img = image::load_from_memory(&png)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgba8();
    assert_eq!(img.dimensions(), (512, 512));
    assert_eq!(img.get_pixel(2, 2)[3], 0, "the background is transparent");
    assert_eq!(img.get_pixel(256, 200)[3], 255, "the face is kept");
    // The preview keeps the alpha exactly (the browser composes on it).
    let preview = bytes(&app, &token, urls["preview"].as_str().unwrap_or_default()).await;
    let preview = image::load_from_memory_with_format(&preview, image::ImageFormat::WebP)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgba8();
    assert_eq!(preview.dimensions(), (512, 512));
    assert!(
        preview.pixels().zip(img.pixels()).all(|(p, q)| p[3] == q[3]),
        "the preview's alpha is the result's"
    );

    // Saved when asked: a photo named after the source, with renditions;
    // saving again answers the same photo.
    let saved = app
        .json("POST", &format!("/api/v1/jobs/{id}/save"), &token, None, 201)
        .await;
    let result = saved["photo"]["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        (
            saved["photo"]["mime"].as_str(),
            saved["photo"]["file_name"].as_str()
        ),
        (Some("image/png"), Some("astronaut-cutout.png")),
        "{saved}"
    );
    let again = app
        .json("POST", &format!("/api/v1/jobs/{id}/save"), &token, None, 200)
        .await;
    assert_eq!(again["photo"]["id"], result.as_str());
    let mut ids = library(&app, &token).await;
    ids.sort();
    let mut want = vec![photo.clone(), result.clone()];
    want.sort();
    assert_eq!(ids, want);
    let stored = bytes(&app, &token, &format!("/api/v1/photos/{result}/original")).await;
    assert!(stored == png, "the library holds the result as it was made");
    bytes(&app, &token, &format!("/api/v1/photos/{result}/thumbnail")).await;

    // The job list shows it.
    let jobs = app.json("GET", "/api/v1/jobs", &token, None, 200).await;
    assert_eq!(jobs["items"][0]["id"], id.as_str());
}

#[tokio::test]
async fn img2_background_replacement_and_img4_sticker_jobs() {
    let app = spawn_app().await;
    let token = app.login("13800138001", "+8613800138001").await;
    let person = photo_id(&app, &token, "astronaut.png").await;
    let scene = photo_id(&app, &token, "coffee.png").await;

    let post = |body: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            let v = app.json("POST", "/api/v1/jobs", &token, Some(&body), 202).await;
            v["id"].as_str().unwrap_or_default().to_string()
        }
    };
    let red = post(json!({ "kind": "cutout", "photo": person, "background": { "color": "#ff0000" } })).await;
    let onto = post(json!({ "kind": "cutout", "photo": person, "background": { "photo": scene } })).await;
    let cropped = post(json!({ "kind": "cutout", "photo": scene, "crop": true })).await;
    let sticker = post(json!({ "kind": "sticker", "photo": person, "caption": "加油！" })).await;
    let wechat = post(
        json!({ "kind": "sticker", "photo": person, "platform": "wechat", "template": "meme",
                              "texts": { "top": "周一", "bottom": "冲" }, "animate": "shake" }),
    )
    .await;

    let red = settle(&app, &token, &red).await;
    assert_eq!(
        (red["state"].as_str(), red["result"]["format"].as_str()),
        (Some("done"), Some("jpeg")),
        "{red}"
    );
    let jpg = bytes(
        &app,
        &token,
        red["result"]["urls"]["original"].as_str().unwrap_or_default(),
    )
    .await;
    let img = image::load_from_memory(&jpg)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgb8();
    let corner = img.get_pixel(3, 3);
    assert!(
        corner[0] > 200 && corner[1] < 60 && corner[2] < 60,
        "red background: {corner:?}"
    );

    // The scene covers the frame (scaled to cover, centred): the corner is
    // the coffee photo's, not the astronaut's.
    let onto = settle(&app, &token, &onto).await;
    assert_eq!(onto["state"], "done", "{onto}");
    let out = bytes(
        &app,
        &token,
        onto["result"]["urls"]["original"].as_str().unwrap_or_default(),
    )
    .await;
    let out = image::load_from_memory(&out)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgb8();
    let coffee = image::load_from_memory(&testdata("coffee.png"))
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgb8();
    let astronaut = image::load_from_memory(&testdata("astronaut.png"))
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgb8();
    // 600×400 covers 512×512 at 1.28×, cropped 128 px from the left.
    let (want, got, was) = (
        coffee.get_pixel(105, 4),
        out.get_pixel(6, 6),
        astronaut.get_pixel(6, 6),
    );
    let near = |a: &image::Rgb<u8>, b: &image::Rgb<u8>| a.0.iter().zip(b.0).all(|(x, y)| x.abs_diff(y) < 40);
    assert!(
        near(want, got) && !near(was, got),
        "coffee {want:?}, result {got:?}, astronaut {was:?}"
    );

    let cropped = settle(&app, &token, &cropped).await;
    assert_eq!(cropped["state"], "done", "{cropped}");
    let png = bytes(
        &app,
        &token,
        cropped["result"]["urls"]["original"].as_str().unwrap_or_default(),
    )
    .await;
    let (w, h) = image::load_from_memory(&png)
        .map(|i| (i.width(), i.height()))
        .unwrap_or_default();
    assert!(
        w > 0 && h > 0 && (w < 600 || h < 400),
        "cropped to the cup: {w}x{h}"
    );

    let sticker = settle(&app, &token, &sticker).await;
    assert_eq!(
        (sticker["state"].as_str(), sticker["result"]["format"].as_str()),
        (Some("done"), Some("webp")),
        "{sticker}"
    );
    let webp = bytes(
        &app,
        &token,
        sticker["result"]["urls"]["original"].as_str().unwrap_or_default(),
    )
    .await;
    let v = xuancai_stickers::preset::validate_sticker(&webp, xuancai_stickers::Platform::WhatsApp, "s.webp");
    assert!(v.is_empty(), "a valid WhatsApp sticker: {v:?}");

    let wechat = settle(&app, &token, &wechat).await;
    assert_eq!(
        (wechat["state"].as_str(), wechat["result"]["format"].as_str()),
        (Some("done"), Some("gif")),
        "{wechat}"
    );
    let gif = bytes(
        &app,
        &token,
        wechat["result"]["urls"]["original"].as_str().unwrap_or_default(),
    )
    .await;
    let v = xuancai_stickers::preset::validate_sticker(&gif, xuancai_stickers::Platform::WeChat, "s.gif");
    assert!(v.is_empty(), "a valid WeChat sticker: {v:?}");
}

/// The ids of the photos in the user's library.
async fn library(app: &TestApp, token: &str) -> Vec<String> {
    let list = app.json("GET", "/api/v1/photos", token, None, 200).await;
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["id"].as_str().map(str::to_string))
        .collect()
}

/// Read server-sent events until the stream ends; returns each event's JSON.
async fn read_events(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let mut r = app
        .call("GET", &format!("/api/v1/jobs/{id}/events"), Some(token), None)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    let mut text = String::new();
    let read = async {
        while let Ok(Some(chunk)) = r.chunk().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .unwrap_or_else(|_| panic!("the event stream did not end"));
    text.split("\n\n")
        .filter(|e| e.contains("event: job"))
        .filter_map(|e| e.lines().find_map(|l| l.strip_prefix("data: ")))
        .map(|d| serde_json::from_str(d).unwrap_or_else(|e| panic!("{e}: {d}")))
        .collect()
}

#[tokio::test]
async fn img2_events_follow_a_job_until_it_ends() {
    // No worker in this process: the test runs the job when it wants to.
    let app = spawn_with(Backend::SqliteLocal, |c| c.studio.workers = 0).await;
    let token = app.login("13800138002", "+8613800138002").await;
    let photo = photo_id(&app, &token, "chelsea.png").await;
    let job = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": photo })),
            202,
        )
        .await;
    let id = job["id"].as_str().unwrap_or_default().to_string();
    let control = app.control.clone();
    let runner = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(600)).await;
        control.run_next_studio_job().await
    });
    let events = read_events(&app, &token, &id).await;
    assert!(runner.await.unwrap_or(false), "the job ran");
    assert!(events.len() >= 2, "queued, then done: {events:?}");
    assert_eq!(events[0]["state"], "queued");
    let last = events.last().cloned().unwrap_or_default();
    assert_eq!(last["state"], "done", "{last}");
    assert_eq!(
        last["result"]["model"], "general",
        "a cat goes to the general model"
    );
    // A finished job's stream gives its final state at once and ends.
    let again = read_events(&app, &token, &id).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["state"], "done");
}

#[tokio::test]
async fn jobs_are_private_and_bad_requests_are_refused() {
    let app = spawn_with(Backend::SqliteLocal, |c| {
        c.studio.workers = 0;
        c.studio.max_pending_per_user = 2;
    })
    .await;
    let alice = app.login("13800138003", "+8613800138003").await;
    let bob = app.login("13800138004", "+8613800138004").await;
    let photo = photo_id(&app, &alice, "astronaut.png").await;
    let cutout = json!({ "kind": "cutout", "photo": photo });

    // Anonymous: 401.
    let r = app.call("POST", "/api/v1/jobs", None, Some(&cutout)).await;
    assert_eq!(r.status(), 401);
    // Another user's photo cannot be named.
    let v = app.json("POST", "/api/v1/jobs", &bob, Some(&cutout), 422).await;
    assert_eq!(v["code"], "photo_not_found");
    // Bad input: stable codes, nothing queued.
    let r = app
        .client
        .post(app.url("/api/v1/jobs"))
        .bearer_auth(&alice)
        .header("content-type", "application/json")
        .body("{\"kind\":")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["code"], "invalid_json");
    // The wrong shape is 400; the right shape with a value the studio
    // refuses is 422 (issue 18 item 7: a body that fits the published
    // schema is never a 400).
    for (body, status, code) in [
        (json!({ "kind": "paint", "photo": photo }), 400, "invalid_job"),
        (json!({ "kind": "cutout" }), 400, "invalid_job"),
        (json!({ "kind": "cutout", "photo": "p_nope" }), 422, "invalid_job"),
        (
            json!({ "kind": "cutout", "photo": photo, "background": { "blur": 1e9 } }),
            422,
            "invalid_job",
        ),
        (
            json!({ "kind": "sticker", "photo": photo, "template": "nope" }),
            422,
            "template_unknown",
        ),
        (
            json!({ "kind": "sticker", "photo": photo, "caption": "长".repeat(500) }),
            422,
            "caption_too_long",
        ),
        (
            json!({ "kind": "cutout", "photo": photo, "background": { "photo": "p_00000000000000000000000000" } }),
            422,
            "photo_not_found",
        ),
    ] {
        let v = app
            .json("POST", "/api/v1/jobs", &alice, Some(&body), status)
            .await;
        assert_eq!(v["code"], code, "{body}: {v}");
    }
    assert_eq!(
        app.json("GET", "/api/v1/jobs", &alice, None, 200).await["items"],
        json!([])
    );

    // Queue two; the third is refused until one finishes.
    let first = app.json("POST", "/api/v1/jobs", &alice, Some(&cutout), 202).await;
    let id = first["id"].as_str().unwrap_or_default().to_string();
    app.json("POST", "/api/v1/jobs", &alice, Some(&cutout), 202).await;
    let v = app.json("POST", "/api/v1/jobs", &alice, Some(&cutout), 409).await;
    assert_eq!(v["code"], "too_many_jobs");

    // SEC-6: another user's job does not exist for them.
    for path in [format!("/api/v1/jobs/{id}"), format!("/api/v1/jobs/{id}/events")] {
        let r = app.call("GET", &path, Some(&bob), None).await;
        assert_eq!(r.status(), 404, "{path}");
        let r = app.call("GET", &path, None, None).await;
        assert_eq!(r.status(), 401, "{path}");
    }
    assert_eq!(
        app.json("GET", "/api/v1/jobs", &bob, None, 200).await["items"],
        json!([])
    );
    let r = app.call("GET", "/api/v1/jobs/j_nope", Some(&alice), None).await;
    assert_eq!(r.status(), 404);

    // The photo goes before the job runs: the job fails for good with the
    // reason, and does not retry.
    let r = app
        .call(
            "DELETE",
            &format!("/api/v1/photos/{photo}?permanent=true"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    assert!(app.control.run_next_studio_job().await);
    let failed = app
        .json("GET", &format!("/api/v1/jobs/{id}"), &alice, None, 200)
        .await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["error"]["code"], "photo_not_found");
    assert_eq!(failed["attempts"], 1);
    assert!(failed["result"].is_null());
}

#[tokio::test]
async fn img2_jobs_run_on_postgres_and_s3() {
    let app = spawn_with(Backend::PostgresS3, |_| {}).await;
    let token = app.login("13800138005", "+8613800138005").await;
    let photo = photo_id(&app, &token, "coffee.png").await;
    let job = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": photo })),
            202,
        )
        .await;
    let done = settle(&app, &token, job["id"].as_str().unwrap_or_default()).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["result"]["model"], "general");
    app.cleanup().await;
}

/// A job whose worker died on every attempt (its lease ran out each time)
/// is failed for good with `worker_lost` on the next claim, not run again.
#[tokio::test]
async fn a_job_that_keeps_killing_its_worker_fails_with_worker_lost() {
    let app = spawn_with(Backend::SqliteLocal, |c| c.studio.workers = 0).await;
    let token = app.login("13800138006", "+8613800138006").await;
    let photo = photo_id(&app, &token, "astronaut.png").await;
    let job = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": photo })),
            202,
        )
        .await;
    let id = job["id"].as_str().unwrap_or_default().to_string();
    // Three workers claimed it and died: attempts used up, the last lease expired.
    let url = format!("sqlite://{}", app.data_dir.join("xuancai.db").display());
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    sqlx::query(
        "UPDATE jobs SET state = 'running', attempts = max_attempts, locked_by = 'dead', locked_until = 0",
    )
    .execute(&pool)
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(app.control.run_next_studio_job().await, "claimed once more");
    let failed = app
        .json("GET", &format!("/api/v1/jobs/{id}"), &token, None, 200)
        .await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(failed["error"]["code"], "worker_lost");
    assert!(failed["result"].is_null());
    assert!(!app.control.run_next_studio_job().await, "nothing left to run");
    let photos = app.json("GET", "/api/v1/photos", &token, None, 200).await;
    assert_eq!(
        photos["items"].as_array().map(Vec::len),
        Some(1),
        "no result was made"
    );
}
