//! IMG-1: albums — create, rename, delete; add, move and remove photos; a
//! photo in many albums; counts and covers skip the trash.

use serde_json::{Value, json};

use crate::helpers::{TestApp, jpeg, spawn_app};

async fn upload(app: &TestApp, token: &str, seed: u8) -> String {
    // Listings are newest first by millisecond: keep creation times distinct.
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    let r = app.upload(token, "p.jpg", jpeg(200, 150, seed)).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap_or_default();
    v["photo"]["id"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn img1_albums_story() {
    let app = spawn_app().await;
    let t = app.login("13800138000", "+8613800138000").await;
    let photos = [
        upload(&app, &t, 1).await,
        upload(&app, &t, 2).await,
        upload(&app, &t, 3).await,
    ];

    let trip = app
        .json(
            "POST",
            "/api/v1/albums",
            &t,
            Some(&json!({ "name": "  三亚 2026  " })),
            201,
        )
        .await;
    assert_eq!(trip["name"], "三亚 2026", "trimmed");
    assert_eq!(trip["photo_count"], 0);
    let trip_id = trip["id"].as_str().unwrap_or_default().to_string();
    assert!(trip_id.starts_with("a_"));
    // "Newest first" needs distinct creation times (milliseconds).
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let family = app
        .json(
            "POST",
            "/api/v1/albums",
            &t,
            Some(&json!({ "name": "Family" })),
            201,
        )
        .await;
    let family_id = family["id"].as_str().unwrap_or_default().to_string();

    // Invalid names and bodies.
    for body in [
        json!({ "name": "" }),
        json!({ "name": "x".repeat(101) }),
        json!({ "name": "a\u{0}b" }),
    ] {
        let v = app.json("POST", "/api/v1/albums", &t, Some(&body), 400).await;
        assert_eq!(v["code"], "invalid_album_name");
    }
    let v = app
        .json("POST", "/api/v1/albums", &t, Some(&json!({ "nom": "x" })), 400)
        .await;
    assert_eq!(v["code"], "invalid_json");

    // Add (idempotent), a photo in two albums, cover = newest.
    let add = |album: &str, ids: Vec<&str>, from: Option<&str>| {
        let mut body = json!({ "photo_ids": ids });
        if let Some(f) = from {
            body["from_album"] = json!(f);
        }
        (format!("/api/v1/albums/{album}/photos"), body)
    };
    let (p, b) = add(&trip_id, photos.iter().map(String::as_str).collect(), None);
    assert_eq!(app.json("POST", &p, &t, Some(&b), 200).await["added"], 3);
    assert_eq!(app.json("POST", &p, &t, Some(&b), 200).await["added"], 0);
    let (p, b) = add(&family_id, vec![photos[0].as_str()], None);
    assert_eq!(app.json("POST", &p, &t, Some(&b), 200).await["added"], 1);
    let a = app
        .json("GET", &format!("/api/v1/albums/{trip_id}"), &t, None, 200)
        .await;
    assert_eq!(a["photo_count"], 3);
    assert_eq!(a["cover"]["id"], photos[2].as_str());
    let (p, b) = add(&trip_id, vec!["p_not-an-id"], None);
    assert_eq!(
        app.json("POST", &p, &t, Some(&b), 400).await["code"],
        "invalid_photo_id"
    );

    // Move photo 1 from trip to family.
    let (p, b) = add(&family_id, vec![photos[1].as_str()], Some(&trip_id));
    let v = app.json("POST", &p, &t, Some(&b), 200).await;
    assert_eq!(
        (v["added"].as_u64(), v["removed_from_source"].as_u64()),
        (Some(1), Some(1))
    );
    let list = app
        .json("GET", &format!("/api/v1/albums/{trip_id}/photos"), &t, None, 200)
        .await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, vec![photos[2].as_str(), photos[0].as_str()]);

    // Trash hides a photo from album views; removing it from the album.
    assert_eq!(
        app.call("DELETE", &format!("/api/v1/photos/{}", photos[2]), Some(&t), None)
            .await
            .status(),
        204
    );
    let a = app
        .json("GET", &format!("/api/v1/albums/{trip_id}"), &t, None, 200)
        .await;
    assert_eq!(
        (a["photo_count"].as_i64(), a["cover"]["id"].as_str()),
        (Some(1), Some(photos[0].as_str()))
    );
    let r = app
        .call(
            "DELETE",
            &format!("/api/v1/albums/{trip_id}/photos/{}", photos[0]),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .call(
            "DELETE",
            &format!("/api/v1/albums/{trip_id}/photos/{}", photos[0]),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(r.status(), 404, "not in the album any more");

    // Rename, list newest first, delete (photos stay).
    let r = app
        .json(
            "PATCH",
            &format!("/api/v1/albums/{trip_id}"),
            &t,
            Some(&json!({ "name": "Sanya" })),
            200,
        )
        .await;
    assert_eq!(r["name"], "Sanya");
    let all = app.json("GET", "/api/v1/albums?limit=1", &t, None, 200).await;
    assert_eq!(all["items"][0]["id"], family_id.as_str());
    let next = all["next_cursor"].as_str().unwrap_or_default();
    let rest = app
        .json(
            "GET",
            &format!("/api/v1/albums?limit=1&cursor={next}"),
            &t,
            None,
            200,
        )
        .await;
    assert_eq!(rest["items"][0]["id"], trip_id.as_str());
    assert_eq!(
        app.call("DELETE", &format!("/api/v1/albums/{family_id}"), Some(&t), None)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.call("GET", &format!("/api/v1/albums/{family_id}"), Some(&t), None)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.call("GET", &format!("/api/v1/photos/{}", photos[1]), Some(&t), None)
            .await
            .status(),
        200
    );
}
