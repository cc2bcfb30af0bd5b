//! Sticker packs as jobs (IMG-4) and external image processors (IMG-5,
//! DATA-4, DATA-6).

use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use xuancai_stickers::pack;
use xuancai_stickers::preset::Platform;

use crate::helpers::{Backend, spawn_app, spawn_with};
use crate::jobs::{bytes, photo_id, settle};

#[tokio::test]
async fn img4_a_pack_job_makes_an_importable_zip() {
    let app = spawn_app().await;
    let alice = app.login("13800138020", "+8613800138020").await;
    let bob = app.login("13800138021", "+8613800138021").await;
    let a = photo_id(&app, &alice, "astronaut.png").await;
    let b = photo_id(&app, &alice, "coffee.png").await;

    let v = app
        .json(
            "POST",
            "/api/v1/jobs",
            &alice,
            Some(
                &json!({ "kind": "pack", "photos": [a, b], "platform": "telegram", "name": "我的表情",
                          "emojis": ["😀"], "caption": "好" }),
            ),
            202,
        )
        .await;
    let id = v["id"].as_str().unwrap_or_default().to_string();
    let done = settle(&app, &alice, &id).await;
    assert_eq!(done["state"], "done", "{done}");
    let result = &done["result"];
    assert_eq!(
        (
            result["format"].as_str(),
            result["stickers"].as_u64(),
            result["urls"]["original"].as_str()
        ),
        (Some("zip"), Some(2), None),
        "{done}"
    );
    let url = result["urls"]["download"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(url, format!("/api/v1/jobs/{id}/download"));
    let zip = bytes(&app, &alice, &url).await;
    assert_eq!(Some(zip.len() as u64), result["bytes"].as_u64());
    let files = pack::read_zip(&zip).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        files.contains_key("01.webp") && files.contains_key("02.webp") && files.contains_key("pack.json"),
        "{:?}",
        files.keys().collect::<Vec<_>>()
    );
    assert_eq!(
        pack::validate(&files, Platform::Telegram),
        Vec::new(),
        "it imports"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&files["pack.json"]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(manifest["name"], "我的表情");
    assert_eq!(
        manifest["publisher"], "炫彩",
        "no nickname is put in the pack unasked"
    );
    // Issue 22 item 9: every sticker to look at before the download, the
    // ZIP named after the pack; `.wastickers` is WhatsApp's only.
    let stickers: Vec<&str> = result["urls"]["stickers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u.as_str())
        .collect();
    assert_eq!(stickers.len(), 2, "{result}");
    for (n, url) in stickers.iter().enumerate() {
        let shown = bytes(&app, &alice, url).await;
        assert!(
            shown == files[&format!("{:02}.webp", n + 1)],
            "sticker {} as packed",
            n + 1
        );
    }
    assert_eq!(result["urls"]["wastickers"], Value::Null);
    let r = app.call("GET", &url, Some(&alice), None).await;
    let named = r
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        named.ends_with(&format!(
            "filename*=UTF-8''{}.zip",
            "%E6%88%91%E7%9A%84%E8%A1%A8%E6%83%85"
        )),
        "named after the pack: {named}"
    );

    // The download is the owner's only; only packs download.
    let r = app.call("GET", &url, Some(&bob), None).await;
    assert_eq!(r.status(), 404);
    let r = app.call("GET", &url, None, None).await;
    assert_eq!(r.status(), 401);
    let cut = app
        .json(
            "POST",
            "/api/v1/jobs",
            &alice,
            Some(&json!({ "kind": "cutout", "photo": a })),
            202,
        )
        .await;
    let cut_id = cut["id"].as_str().unwrap_or_default().to_string();
    settle(&app, &alice, &cut_id).await;
    let r = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{cut_id}/download"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(r.status(), 404);

    // WhatsApp needs three stickers at least: refused before it is queued.
    let v = app
        .json(
            "POST",
            "/api/v1/jobs",
            &alice,
            Some(&json!({ "kind": "pack", "photos": [a, b], "name": "x" })),
            422,
        )
        .await;
    assert_eq!(v["code"], "invalid_job");
    // Another user's photo cannot go into a pack.
    let v = app
        .json(
            "POST",
            "/api/v1/jobs",
            &bob,
            Some(&json!({ "kind": "pack", "photos": [a], "platform": "signal", "name": "x" })),
            422,
        )
        .await;
    assert_eq!(v["code"], "photo_not_found");
    app.cleanup().await;
}

/// What the stand-in third party saw, and how it answers.
#[derive(Default)]
struct Processor {
    received: Mutex<Vec<usize>>,
    /// 200 with a cut-out, or this status.
    status: Mutex<Option<StatusCode>>,
}

/// The third party's protocol (multipart `file` in, PNG with alpha out).
/// It keeps the left half of the photo and clears the right half: a
/// deterministic "cutout" whose effect on the result can be checked.
async fn cut(State(p): State<Arc<Processor>>, mut form: Multipart) -> axum::response::Response {
    let mut photo = Vec::new();
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("file") {
            photo = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        }
    }
    p.received
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(photo.len());
    if let Some(s) = *p.status.lock().unwrap_or_else(PoisonError::into_inner) {
        return (s, "no").into_response();
    }
    let Ok(img) = image::load_from_memory(&photo) else {
        return (StatusCode::BAD_REQUEST, "not an image").into_response();
    };
    let mut rgba = img.to_rgba8();
    let w = rgba.width();
    for (x, _, px) in rgba.enumerate_pixels_mut() {
        px.0[3] = if x < w / 2 { 255 } else { 0 };
    }
    let mut png = Vec::new();
    if image::DynamicImage::ImageRgba8(rgba)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .is_err()
    {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    ([("content-type", "image/png")], png).into_response()
}

async fn start_processor() -> (String, Arc<Processor>) {
    let p = Arc::new(Processor::default());
    let router = axum::Router::new()
        .route("/api/remove", axum::routing::post(cut))
        .with_state(p.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://127.0.0.1:{port}/api/remove"), p)
}

#[tokio::test]
async fn img5_an_external_processor_is_off_by_default_and_every_call_is_logged() {
    // Off by default: the cutout above ran here, and no disclosure was logged.
    let local = spawn_app().await;
    let token = local.login("13800138022", "+8613800138022").await;
    let photo = photo_id(&local, &token, "astronaut.png").await;
    let v = local
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": photo })),
            202,
        )
        .await;
    let done = settle(&local, &token, v["id"].as_str().unwrap_or_default()).await;
    assert_eq!(done["result"]["processor"], serde_json::Value::Null, "{done}");
    assert!(done["result"]["model"].is_string(), "the local model ran: {done}");
    assert_eq!(
        crate::privacy::count(&local, "SELECT COUNT(*) FROM disclosures").await,
        0,
        "IMG-5: no image left the server"
    );
    local.cleanup().await;

    let (url, seen) = start_processor().await;
    let app = spawn_with(Backend::SqliteLocal, |c| {
        c.studio.processor = Some(xuancai_server::config::ProcessorConfig {
            key: "tencent_image".into(),
            url,
            token: None,
        });
        // The test processor listens on loopback: an operator's explicit allowance.
        c.security.internal_hosts = vec!["127.0.0.1".into()];
    })
    .await;
    // DATA-4: the register says it is on, and that photos go to it.
    let sdk = app
        .client
        .get(app.url("/api/v1/documents/sdk_register"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(
        sdk.contains("抠图时您的照片将发送给腾讯云 图像处理 API处理"),
        "{sdk}"
    );

    let token = app.login("13800138023", "+8613800138023").await;
    let photo = photo_id(&app, &token, "coffee.png").await;
    // CON-3: without the face and portrait consent no photo leaves the
    // server; the cutout runs here.
    let v = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": photo })),
            202,
        )
        .await;
    let done = settle(&app, &token, v["id"].as_str().unwrap_or_default()).await;
    assert_eq!(
        (done["state"].as_str(), done["result"]["processor"].as_str()),
        (Some("done"), None),
        "{done}"
    );
    assert!(
        seen.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    );
    app.json(
        "PUT",
        "/api/v1/me/consents/faces",
        &token,
        Some(&json!({ "granted": true })),
        200,
    )
    .await;
    let v = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": photo, "background": { "color": "#0000ff" } })),
            202,
        )
        .await;
    let done = settle(&app, &token, v["id"].as_str().unwrap_or_default()).await;
    assert_eq!(
        (done["state"].as_str(), done["result"]["processor"].as_str()),
        (Some("done"), Some("tencent_image")),
        "{done}"
    );
    assert_eq!(
        seen.received.lock().unwrap_or_else(PoisonError::into_inner).len(),
        1
    );
    // The processor's alpha laid on the original, the background added here.
    let out = bytes(
        &app,
        &token,
        done["result"]["urls"]["original"].as_str().unwrap_or_default(),
    )
    .await;
    let out = image::load_from_memory(&out)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgb8();
    let orig = image::load_from_memory(&crate::helpers::testdata("coffee.png"))
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgb8();
    assert_eq!(out.dimensions(), orig.dimensions());
    let (w, h) = out.dimensions();
    let right = out.get_pixel(w - 3, h / 2).0;
    assert!(
        right[2] > 200 && right[0] < 60 && right[1] < 60,
        "blue background: {right:?}"
    );
    let (l, o) = (out.get_pixel(3, h / 2).0, orig.get_pixel(3, h / 2).0);
    assert!(
        l.iter().zip(o).all(|(a, b)| a.abs_diff(b) < 24),
        "the kept half is the original: {l:?} vs {o:?}"
    );
    // DATA-6: the call was logged: recipient, purpose, categories.
    assert_eq!(
        crate::privacy::count(
            &app,
            "SELECT COUNT(*) FROM disclosures WHERE recipient = 'tencent_image' AND purpose = 'studio' \
             AND categories = 'photos'"
        )
        .await,
        1
    );

    // A processor that is down: the attempt fails with a code and is retried later.
    *seen.status.lock().unwrap_or_else(PoisonError::into_inner) = Some(StatusCode::SERVICE_UNAVAILABLE);
    let v = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": photo })),
            202,
        )
        .await;
    let id = v["id"].as_str().unwrap_or_default().to_string();
    let mut job = serde_json::Value::Null;
    for _ in 0..300 {
        job = app
            .json("GET", &format!("/api/v1/jobs/{id}"), &token, None, 200)
            .await;
        if job["error"]["code"] == "processor_unavailable" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        (job["state"].as_str(), job["error"]["code"].as_str()),
        (Some("queued"), Some("processor_unavailable")),
        "{job}"
    );
    // One that refuses the photo: failed for good.
    *seen.status.lock().unwrap_or_else(PoisonError::into_inner) = Some(StatusCode::BAD_REQUEST);
    let v = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": photo, "crop": true })),
            202,
        )
        .await;
    let failed = settle(&app, &token, v["id"].as_str().unwrap_or_default()).await;
    assert_eq!(
        (failed["state"].as_str(), failed["error"]["code"].as_str()),
        (Some("failed"), Some("processor_refused")),
        "{failed}"
    );
    app.cleanup().await;
}

/// Issue 22 item 6: a pack's progress reaches the user after each sticker,
/// not at the lease's next heartbeat (a third of the lease: the bar stood
/// at 0 % for 20 s, then jumped).
#[tokio::test]
async fn img4_a_packs_progress_moves_with_each_sticker() {
    let app = spawn_app().await;
    let alice = app.login("13800138024", "+8613800138024").await;
    let mut photos = Vec::new();
    for file in [
        "astronaut.png",
        "coffee.png",
        "chelsea.png",
        "faceapi-sample3.jpg",
    ] {
        photos.push(photo_id(&app, &alice, file).await);
    }
    let v = app
        .json(
            "POST",
            "/api/v1/jobs",
            &alice,
            Some(&json!({ "kind": "pack", "photos": photos, "platform": "whatsapp", "name": "进度" })),
            202,
        )
        .await;
    let id = v["id"].as_str().unwrap_or_default().to_string();
    let n = photos.len() as u64;
    let mut seen = Vec::new();
    let mut named: Vec<serde_json::Value> = Vec::new();
    let mut state = String::new();
    for _ in 0..1200 {
        let j = app
            .json("GET", &format!("/api/v1/jobs/{id}"), &alice, None, 200)
            .await;
        state = j["state"].as_str().unwrap_or_default().to_string();
        if state == "done" || state == "failed" {
            break;
        }
        if let Some(p) = j["progress"].as_f64()
            && seen.last() != Some(&p)
        {
            seen.push(p);
        }
        // Issue 22 item 6: the step by name, which sticker of how many.
        if state == "running" && !named.contains(&j["step"]) {
            named.push(j["step"].clone());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state, "done");
    let steps: Vec<_> = seen.iter().filter(|&&p| p > 5.0 && p < 100.0).collect();
    assert!(steps.len() >= 2, "progress seen while it ran: {seen:?}");
    let stickers: Vec<_> = named
        .iter()
        .filter(|s| s["step"] == "sticker")
        .map(|s| (s["number"].as_u64(), s["of"].as_u64()))
        .collect();
    assert!(!stickers.is_empty(), "the sticker being made is named: {named:?}");
    // Issue 22 item 9: a WhatsApp pack also downloads as `.wastickers`.
    let done = app
        .json("GET", &format!("/api/v1/jobs/{id}"), &alice, None, 200)
        .await;
    let url = done["result"]["urls"]["wastickers"].as_str().unwrap_or_default();
    let file = pack::read_zip(&bytes(&app, &alice, url).await).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = file.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "01.webp",
            "02.webp",
            "03.webp",
            "04.webp",
            "author.txt",
            "title.txt",
            "tray.png"
        ],
        "title, author, tray and the stickers at the top"
    );
    assert_eq!(file["title.txt"], "进度".as_bytes());
    assert!(
        stickers.windows(2).all(|w| w[0].0 < w[1].0) && stickers.iter().all(|&(_, of)| of == Some(n)),
        "in order, of {n}: {named:?}"
    );
    app.cleanup().await;
}

/// Issue 22 item 9: a caption and emojis per sticker; the pack's where a
/// sticker has none of its own.
#[tokio::test]
async fn img4_each_sticker_of_a_pack_may_have_its_own_caption_and_emojis() {
    let app = spawn_app().await;
    let alice = app.login("13800138027", "+8613800138027").await;
    let a = photo_id(&app, &alice, "astronaut.png").await;
    let body = json!({ "kind": "pack", "photos": [a, a], "platform": "telegram", "name": "各有各的",
                       "stickers": [{ "caption": "早安", "emojis": ["🌞"] }] });
    let v = app.json("POST", "/api/v1/jobs", &alice, Some(&body), 202).await;
    let done = settle(&app, &alice, v["id"].as_str().unwrap_or_default()).await;
    assert_eq!(done["state"], "done", "{done}");
    let zip = bytes(
        &app,
        &alice,
        done["result"]["urls"]["download"].as_str().unwrap_or_default(),
    )
    .await;
    let files = pack::read_zip(&zip).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        files["01.webp"] != files["02.webp"],
        "the same photo, captioned differently, makes two different stickers"
    );
    let manifest: Value = serde_json::from_slice(&files["pack.json"]).unwrap_or_else(|e| panic!("{e}"));
    let emojis: Vec<Value> = manifest["stickers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["emojis"].clone())
        .collect();
    assert_eq!(emojis, [json!(["🌞"]), json!(["🙂"])], "{manifest}");
    // Refused before the job: more entries than photos, an emoji in a caption.
    for (stickers, code) in [
        (json!([{}, {}, {}]), "invalid_job"),
        (json!([{ "caption": "早😀" }]), "caption_emoji_unsupported"),
        (json!([{ "emojis": ["a", "b", "c", "d"] }]), "invalid_job"),
    ] {
        let body = json!({ "kind": "pack", "photos": [a, a], "platform": "telegram", "name": "x", "stickers": stickers });
        let v = app.json("POST", "/api/v1/jobs", &alice, Some(&body), 422).await;
        assert_eq!(v["code"], code, "{stickers}: {v}");
    }
    app.cleanup().await;
}
