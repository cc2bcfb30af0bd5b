//! SEC-6: every photo and album endpoint, called as another user and as
//! nobody, answers 404 or 401 — and changes nothing. The list of endpoints
//! is the router's own table (the one the OpenAPI document is built from),
//! so a new endpoint is in this matrix the day it is added.

use serde_json::{Value, json};
use xuancai_server::routes::route_docs;

use crate::helpers::{jpeg, spawn_app};

#[tokio::test]
async fn sec6_other_users_and_anonymous_get_404_or_401_everywhere() {
    let app = spawn_app().await;
    let alice = app.login("13800138000", "+8613800138000").await;
    let bob = app.login("13900139000", "+8613900139000").await;
    let r = app.upload(&alice, "a.jpg", jpeg(320, 240, 7)).await;
    let photo: Value = r.json().await.unwrap_or_default();
    let photo_id = photo["photo"]["id"].as_str().unwrap_or_default().to_string();
    let album = app
        .json(
            "POST",
            "/api/v1/albums",
            &alice,
            Some(&json!({ "name": "Private" })),
            201,
        )
        .await;
    let album_id = album["id"].as_str().unwrap_or_default().to_string();
    app.json(
        "POST",
        &format!("/api/v1/albums/{album_id}/photos"),
        &alice,
        Some(&json!({ "photo_ids": [photo_id] })),
        200,
    )
    .await;

    let docs = route_docs(&app.config);
    let mut checked = 0;
    for d in &docs {
        let is_owned = d.path.starts_with("/api/v1/photos/") || d.path.starts_with("/api/v1/albums/");
        let path = d
            .path
            .replace("/photos/{id}", &format!("/photos/{photo_id}"))
            .replace("/albums/{id}", &format!("/albums/{album_id}"))
            .replace("{photo_id}", &photo_id)
            .replace("{variant}", "original");
        // A body that would succeed for the owner, so only ownership can refuse it.
        let body = match (d.method, d.path) {
            ("PATCH", "/api/v1/photos/{id}") => Some(json!({ "favourite": true })),
            ("PATCH", "/api/v1/albums/{id}") => Some(json!({ "name": "pwned" })),
            ("POST", "/api/v1/albums/{id}/photos") => Some(json!({ "photo_ids": [photo_id] })),
            _ => None,
        };
        if d.auth {
            let r = app.call(d.method, &path, None, body.as_ref()).await;
            assert_eq!(r.status(), 401, "anonymous {} {}", d.method, d.path);
            let v: Value = r.json().await.unwrap_or_default();
            assert_eq!(v["code"], "unauthenticated");
        }
        if is_owned {
            let r = app.call(d.method, &path, Some(&bob), body.as_ref()).await;
            assert_eq!(r.status(), 404, "bob: {} {}", d.method, d.path);
            checked += 1;
        }
    }
    assert!(
        checked >= 11,
        "every photo and album endpoint was tried ({checked})"
    );

    // Bob's own listings show nothing of Alice's.
    for path in ["/api/v1/photos", "/api/v1/photos?filter=trash", "/api/v1/albums"] {
        let v = app.json("GET", path, &bob, None, 200).await;
        assert_eq!(v["items"].as_array().map(Vec::len), Some(0), "{path}");
    }
    // Bob uploading Alice's exact file gets his own photo, not hers.
    let r = app.upload(&bob, "a.jpg", jpeg(320, 240, 7)).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap_or_default();
    assert_ne!(v["photo"]["id"].as_str(), Some(photo_id.as_str()));

    // Nothing of Alice's changed.
    let p = app
        .json("GET", &format!("/api/v1/photos/{photo_id}"), &alice, None, 200)
        .await;
    assert_eq!(
        (p["favourite"].as_bool(), p["trashed_at"].is_null()),
        (Some(false), true)
    );
    let a = app
        .json("GET", &format!("/api/v1/albums/{album_id}"), &alice, None, 200)
        .await;
    assert_eq!(
        (a["name"].as_str(), a["photo_count"].as_i64()),
        (Some("Private"), Some(1))
    );
}

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let app = spawn_app().await;
    let r = app.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap_or_default();
    assert_eq!(doc["openapi"], "3.1.0");
    for d in route_docs(&app.config) {
        let op = &doc["paths"][d.path][d.method.to_lowercase()];
        assert!(op.is_object(), "{} {} documented", d.method, d.path);
        assert_eq!(op["security"].is_array(), d.auth, "{} {}", d.method, d.path);
    }
    let upload = &doc["paths"]["/api/v1/photos"]["post"];
    assert!(upload["requestBody"]["content"]["multipart/form-data"].is_object());
    assert!(
        upload["x-keeps"]
            .as_array()
            .is_some_and(|k| k.iter().any(|v| v == "IMG-1"))
    );
}
