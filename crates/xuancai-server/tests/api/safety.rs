//! Content safety for deep synthesis (issue 21 item 7, IMG-3 and IMG-6):
//! face-swap sources, targets and results, and works before they become
//! public or link-shared, go through the content-safety classifier with the
//! operator's threshold. At the default no test photo is refused; at 0
//! everything is (`content_refused`, nothing synthesised, nothing shared);
//! at 1 the check is off.

use serde_json::json;

use crate::faceswap::consent;
use crate::helpers::{Backend, TestApp, spawn_app, spawn_with};
use crate::jobs::{photo_id, settle};

async fn with_threshold(t: f32) -> TestApp {
    spawn_with(Backend::SqliteLocal, |c| {
        c.studio.content = xuancai_vision::ContentPolicy::parse(t).unwrap_or_else(|e| panic!("{e}"))
    })
    .await
}

async fn swap_state(app: &TestApp, phone: &str) -> serde_json::Value {
    let token = app.login(phone, &format!("+86{phone}")).await;
    consent(app, &token, "faces", true).await;
    let source = photo_id(app, &token, "astronaut.png").await;
    let target = photo_id(app, &token, "faceapi-sample3.jpg").await;
    let swap = json!({ "kind": "face_swap", "source": source, "target": target, "subject_consent": true });
    let queued = app.json("POST", "/api/v1/jobs", &token, Some(&swap), 202).await;
    settle(app, &token, queued["id"].as_str().unwrap_or_default()).await
}

#[tokio::test]
async fn img3_face_swap_is_refused_at_threshold_0_and_allowed_at_1() {
    let app = with_threshold(0.0).await;
    let refused = swap_state(&app, "13800138101").await;
    assert_eq!(
        (
            refused["state"].as_str(),
            refused["error"]["code"].as_str(),
            refused["attempts"].as_u64()
        ),
        (Some("failed"), Some("content_refused"), Some(1)),
        "refused for good, not retried: {refused}"
    );
    assert_eq!(refused["result"], serde_json::Value::Null, "nothing was made");
    app.cleanup().await;

    let app = with_threshold(1.0).await;
    let done = swap_state(&app, "13800138102").await;
    assert_eq!(done["state"], "done", "{done}");
    app.cleanup().await;
}

async fn work(app: &TestApp, token: &str, photo: &str, visibility: &str, status: u16) -> serde_json::Value {
    app.json(
        "POST",
        "/api/v1/works",
        token,
        Some(&json!({ "photo": photo, "title": "作品", "visibility": visibility })),
        status,
    )
    .await
}

#[tokio::test]
async fn img6_a_work_is_reviewed_before_it_is_shared() {
    // Threshold 0: nothing can be shared, a private work can be kept.
    let app = with_threshold(0.0).await;
    let alice = app.login("13800138103", "+8613800138103").await;
    let photo = photo_id(&app, &alice, "astronaut.png").await;
    for visibility in ["public", "link"] {
        let v = work(&app, &alice, &photo, visibility, 422).await;
        assert_eq!(v["code"], "content_refused", "{visibility}: {v}");
    }
    let mine = app.json("GET", "/api/v1/me/works", &alice, None, 200).await;
    assert_eq!(mine["items"], json!([]), "no work was saved: {mine}");
    let private = work(&app, &alice, &photo, "private", 201).await;
    let id = private["id"].as_str().unwrap_or_default();
    let v = app
        .json(
            "PATCH",
            &format!("/api/v1/works/{id}"),
            &alice,
            Some(&json!({ "visibility": "public" })),
            422,
        )
        .await;
    assert_eq!(v["code"], "content_refused", "{v}");
    let still = app
        .json("GET", &format!("/api/v1/works/{id}"), &alice, None, 200)
        .await;
    assert_eq!(still["visibility"], "private", "{still}");
    let feed = app.call("GET", "/api/v1/works/feed", None, None).await;
    let feed: serde_json::Value = feed.json().await.unwrap_or_default();
    assert_eq!(
        feed["items"],
        json!([]),
        "nothing reached the public feed: {feed}"
    );
    app.cleanup().await;

    // The default threshold: the test photos are shared.
    let app = spawn_app().await;
    let bob = app.login("13800138104", "+8613800138104").await;
    for file in ["astronaut.png", "faceapi-sample3.jpg", "coffee.png"] {
        let photo = photo_id(&app, &bob, file).await;
        let v = work(&app, &bob, &photo, "public", 201).await;
        assert_eq!(v["visibility"], "public", "{file}: {v}");
    }
    app.cleanup().await;

    // Threshold 1: the check is off.
    let app = with_threshold(1.0).await;
    let carol = app.login("13800138105", "+8613800138105").await;
    let photo = photo_id(&app, &carol, "astronaut.png").await;
    work(&app, &carol, &photo, "link", 201).await;
    app.cleanup().await;
}
