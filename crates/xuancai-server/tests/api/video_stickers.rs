//! Moving stickers through the server (issue 22 item 9a, IMG-4): a Telegram
//! one is WebM VP9 video, served as `video/webm` under its real extension,
//! with a still preview from its first frame; it goes in the export, and not
//! into the library (which holds pictures). A Telegram pack of moving
//! stickers is a pack of videos its validator passes. A Signal one is APNG.

use serde_json::json;
use xuancai_stickers::pack;
use xuancai_stickers::preset::{self, Platform};

use crate::helpers::spawn_app;
use crate::jobs::{bytes, photo_id, settle};

#[tokio::test]
async fn img4_a_moving_telegram_sticker_is_vp9_video_with_a_still_preview() {
    let app = spawn_app().await;
    let alice = app.login("13800138050", "+8613800138050").await;
    let photo = photo_id(&app, &alice, "astronaut.png").await;
    let v = app
        .json(
            "POST",
            "/api/v1/jobs",
            &alice,
            Some(
                &json!({ "kind": "sticker", "photo": photo, "platform": "telegram",
                          "caption": "早上好", "animate": "shake" }),
            ),
            202,
        )
        .await;
    let id = v["id"].as_str().unwrap_or_default().to_string();
    let done = settle(&app, &alice, &id).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["result"]["format"], "webm", "{done}");

    let url = format!("/api/v1/jobs/{id}/result");
    let r = app.call("GET", &url, Some(&alice), None).await;
    assert_eq!(r.status(), 200);
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("content-type"), "video/webm");
    assert!(
        header("content-disposition").ends_with("-sticker-telegram.webm"),
        "{}",
        header("content-disposition")
    );
    let video = r.bytes().await.unwrap_or_else(|e| panic!("{e}")).to_vec();
    let info = preset::inspect(&video, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((info.format, info.codec.as_deref()), ("webm", Some("V_VP9")));
    assert!(info.frames > 1 && info.duration_ms <= 3000, "{info:?}");
    assert_eq!(
        preset::validate_sticker(&video, Platform::Telegram, "x"),
        Vec::new()
    );

    // The preview is a picture of its first frame, alpha kept.
    let preview = bytes(&app, &alice, &format!("{url}/preview")).await;
    let still = image::load_from_memory(&preview)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_rgba8();
    assert_eq!(still.dimensions(), (512, 512));
    assert_eq!(still.get_pixel(0, 0).0[3], 0, "a clear corner");
    assert!(still.pixels().filter(|p| p.0[3] == 255).count() > 512 * 512 / 10);

    // A video is not a picture for the library: a typed refusal, nothing added.
    let before = app.json("GET", "/api/v1/photos", &alice, None, 200).await;
    let r = app
        .call("POST", &format!("/api/v1/jobs/{id}/save"), Some(&alice), None)
        .await;
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap_or_default();
    assert_eq!(e["code"], "result_not_a_picture", "{e}");
    let after = app.json("GET", "/api/v1/photos", &alice, None, 200).await;
    assert_eq!(before["items"], after["items"]);
}

#[tokio::test]
async fn img4_moving_packs_are_videos_for_telegram_and_apng_for_signal() {
    let app = spawn_app().await;
    let alice = app.login("13800138051", "+8613800138051").await;
    let a = photo_id(&app, &alice, "astronaut.png").await;
    for (platform, ext, media, format) in [
        (Platform::Telegram, "webm", "video/webm", "webm"),
        (Platform::Signal, "png", "image/png", "png"),
    ] {
        let v = app
            .json(
                "POST",
                "/api/v1/jobs",
                &alice,
                Some(
                    &json!({ "kind": "pack", "photos": [a, a], "platform": platform.name(),
                              "name": "动起来", "animate": "pulse", "caption": "好" }),
                ),
                202,
            )
            .await;
        let id = v["id"].as_str().unwrap_or_default().to_string();
        let done = settle(&app, &alice, &id).await;
        assert_eq!(done["state"], "done", "{done}");
        let zip = bytes(&app, &alice, &format!("/api/v1/jobs/{id}/download")).await;
        let files = pack::read_zip(&zip).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pack::validate(&files, platform), Vec::new(), "{platform:?}");
        for n in 1..=2 {
            let name = format!("{n:02}.{ext}");
            let info = preset::inspect(&files[&name], &Default::default()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(info.format, format, "{platform:?} {name}");
            assert!(info.frames > 1, "{platform:?} {name} moves");
            let r = app
                .call(
                    "GET",
                    &format!("/api/v1/jobs/{id}/stickers/{n}"),
                    Some(&alice),
                    None,
                )
                .await;
            assert_eq!(
                r.headers().get("content-type").and_then(|v| v.to_str().ok()),
                Some(media),
                "{platform:?} sticker {n}"
            );
        }
    }
}
