//! Portrait processing needs the face and portrait consent (issue 20 item
//! 2; CON-3, CON-4), on both backends: person cutout is portrait
//! processing. Without the consent a `portrait` cutout, sticker or pack is
//! refused naming the purpose, `auto` runs the general model (no face
//! detection), and withdrawing it cancels queued portrait work of every kind.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_with};
use crate::jobs::photo_id;

async fn consent(app: &TestApp, token: &str, granted: bool) -> Value {
    app.json(
        "PUT",
        "/api/v1/me/consents/faces",
        token,
        Some(&json!({ "granted": granted })),
        200,
    )
    .await
}

async fn job(app: &TestApp, token: &str, id: &Value) -> Value {
    app.json(
        "GET",
        &format!("/api/v1/jobs/{}", id.as_str().unwrap_or_default()),
        token,
        None,
        200,
    )
    .await
}

async fn portrait_story(backend: Backend) {
    // No workers: the test runs the queue itself.
    let app = spawn_with(backend, |c| c.studio.workers = 0).await;
    let token = app.login("13800138030", "+8613800138030").await;
    let person = photo_id(&app, &token, "faceapi-sample3.jpg").await;

    // Without the consent: every portrait request names the purpose.
    for request in [
        json!({ "kind": "cutout", "photo": person, "model": "portrait" }),
        json!({ "kind": "sticker", "photo": person, "template": "greeting", "caption": "你好", "model": "portrait" }),
        json!({ "kind": "pack", "photos": [person], "platform": "telegram", "name": "人像包", "model": "portrait" }),
    ] {
        let v = app
            .json("POST", "/api/v1/jobs", &token, Some(&request), 403)
            .await;
        assert_eq!(
            (v["code"].as_str(), v["details"]["purpose"].as_str()),
            (Some("consent_required"), Some("faces")),
            "{request}"
        );
    }
    // `auto` is accepted, and runs the general model on a person's photo.
    let plain = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": person })),
            202,
        )
        .await;

    // With the consent: portrait work of several kinds is queued …
    consent(&app, &token, true).await;
    let sticker = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "sticker", "photo": person, "template": "greeting", "caption": "你好", "model": "portrait" })),
            202,
        )
        .await;
    let auto = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": person })),
            202,
        )
        .await;
    let general = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": person, "model": "general" })),
            202,
        )
        .await;
    // … and withdrawing cancels all of it at once, whatever the kind.
    let v = consent(&app, &token, false).await;
    assert_eq!(v["removed_records"], 2, "{v}");
    for j in [&sticker, &auto] {
        let j = job(&app, &token, &j["id"]).await;
        assert_eq!(
            (j["state"].as_str(), j["error"]["code"].as_str()),
            (Some("failed"), Some("consent_withdrawn")),
            "{j}"
        );
    }
    while app.control.run_next_studio_job().await {}
    for j in [&plain, &general] {
        let j = job(&app, &token, &j["id"]).await;
        assert_eq!(
            (j["state"].as_str(), j["result"]["model"].as_str()),
            (Some("done"), Some("general")),
            "no portrait model and no face detection without the consent: {j}"
        );
    }
    // With the consent again, `auto` finds the one person of a portrait and
    // uses the portrait model (a group photo goes to `general`, issue 21).
    consent(&app, &token, true).await;
    let solo = photo_id(&app, &token, "astronaut.png").await;
    let auto = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": solo })),
            202,
        )
        .await;
    while app.control.run_next_studio_job().await {}
    let j = job(&app, &token, &auto["id"]).await;
    assert_eq!(
        (j["state"].as_str(), j["result"]["model"].as_str()),
        (Some("done"), Some("portrait")),
        "{j}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn con3_con4_portrait_work_needs_the_face_consent_on_sqlite() {
    portrait_story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn con3_con4_portrait_work_needs_the_face_consent_on_postgres() {
    portrait_story(Backend::PostgresS3).await;
}
