//! Works, comments and blessings (IMG-6, DATA-3, R-8): visibility public /
//! link / private, the feed and user pages with nickname and avatar,
//! comments with their limits and who may delete them, blessings with an
//! inbox and a share link, and deletion that removes a work everywhere at
//! once.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, testdata};

async fn user(app: &TestApp, phone: &str, nickname: &str) -> (String, String) {
    let token = app.login(phone, &format!("+86{phone}")).await;
    let me = app
        .json(
            "PATCH",
            "/api/v1/me",
            &token,
            Some(&json!({ "nickname": nickname })),
            200,
        )
        .await;
    let id = me["user_id"].as_str().unwrap_or_default().to_string();
    (token, id)
}

async fn photo(app: &TestApp, token: &str) -> (String, Vec<u8>) {
    let bytes = testdata("coffee.png");
    let r = app.upload(token, "coffee.png", bytes.clone()).await;
    let v: Value = r.json().await.unwrap_or_default();
    (v["photo"]["id"].as_str().unwrap_or_default().to_string(), bytes)
}

async fn status(app: &TestApp, path: &str, token: Option<&str>) -> u16 {
    app.call("GET", path, token, None).await.status().as_u16()
}

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| w["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn img6_r8_visibility_feed_and_deletion() {
    let app = spawn_app().await;
    let (alice, alice_id) = user(&app, "13800138020", "小炫").await;
    let (bob, _) = user(&app, "13800138021", "阿波").await;
    let (photo, original) = photo(&app, &alice).await;

    // Anonymous writes are refused; a photo must be the user's own.
    let body = json!({ "photo": photo, "title": "咖啡", "visibility": "public" });
    assert_eq!(
        app.call("POST", "/api/v1/works", None, Some(&body))
            .await
            .status(),
        401
    );
    let v = app.json("POST", "/api/v1/works", &bob, Some(&body), 422).await;
    assert_eq!(v["code"], "photo_not_found");
    let v = app
        .json(
            "POST",
            "/api/v1/works",
            &alice,
            Some(&json!({ "photo": photo, "visibility": "friends" })),
            400,
        )
        .await;
    assert_eq!(v["code"], "invalid_visibility");

    let public = app.json("POST", "/api/v1/works", &alice, Some(&body), 201).await;
    let private = app
        .json(
            "POST",
            "/api/v1/works",
            &alice,
            Some(&json!({ "photo": photo })),
            201,
        )
        .await;
    let link = app
        .json(
            "POST",
            "/api/v1/works",
            &alice,
            Some(&json!({ "photo": photo, "visibility": "link" })),
            201,
        )
        .await;
    let (public_id, private_id, link_id) = (
        public["id"].as_str().unwrap_or_default(),
        private["id"].as_str().unwrap_or_default(),
        link["id"].as_str().unwrap_or_default(),
    );
    assert_eq!(private["visibility"], "private", "private by default");

    // DATA-3: the feed shows public works with the author's nickname, to anyone.
    let r = app.call("GET", "/api/v1/works/feed", None, None).await;
    let feed: Value = r.json().await.unwrap_or_default();
    assert_eq!(ids(&feed), [public_id]);
    assert_eq!(feed["items"][0]["author"]["nickname"], "小炫");
    assert_eq!(feed["items"][0]["author"]["id"], alice_id.as_str());
    let page = app
        .json("GET", &format!("/api/v1/users/{alice_id}/works"), &bob, None, 200)
        .await;
    assert_eq!(ids(&page), [public_id]);
    assert_eq!(page["author"]["nickname"], "小炫");
    let mine = app.json("GET", "/api/v1/me/works", &alice, None, 200).await;
    assert_eq!(ids(&mine).len(), 3);

    // The image is the photo, byte for byte, for whoever may see it.
    let r = app
        .call("GET", &format!("/api/v1/works/{public_id}/image"), None, None)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(), original);

    // Private: the owner only. Link: the owner and the holder of the token.
    for (path, who) in [
        (format!("/api/v1/works/{private_id}"), Some(bob.as_str())),
        (format!("/api/v1/works/{private_id}/image"), None),
        (format!("/api/v1/works/{link_id}"), Some(bob.as_str())),
        (format!("/api/v1/works/{link_id}/image"), None),
        (
            format!("/api/v1/works/{link_id}?share=00000000000000000000000000000000"),
            None,
        ),
    ] {
        assert_eq!(status(&app, &path, who).await, 404, "{path}");
    }
    assert_eq!(
        status(&app, &format!("/api/v1/works/{private_id}"), Some(&alice)).await,
        200
    );
    let share = link["share_url"].as_str().unwrap_or_default().to_string();
    assert!(share.contains("?share="), "{link}");
    assert_eq!(status(&app, &share, None).await, 200, "the link works for anyone");
    let seen = app.json("GET", &share, &bob, None, 200).await;
    assert!(seen["share_url"].is_null(), "only the owner sees the link");
    let image = format!(
        "/api/v1/works/{link_id}/image?{}",
        share.split('?').nth(1).unwrap_or_default()
    );
    assert_eq!(status(&app, &image, None).await, 200);
    // A new link kills the old one.
    let renewed = app
        .json(
            "PATCH",
            &format!("/api/v1/works/{link_id}"),
            &alice,
            Some(&json!({ "new_link": true })),
            200,
        )
        .await;
    assert_ne!(renewed["share_url"], share.as_str());
    assert_eq!(status(&app, &share, None).await, 404);
    // Only the owner changes a work.
    let r = app
        .call(
            "PATCH",
            &format!("/api/v1/works/{public_id}"),
            Some(&bob),
            Some(&json!({ "visibility": "private" })),
        )
        .await;
    assert_eq!(r.status(), 404);
    // Going private hides it from the feed at once.
    app.json(
        "PATCH",
        &format!("/api/v1/works/{public_id}"),
        &alice,
        Some(&json!({ "visibility": "private" })),
        200,
    )
    .await;
    assert!(ids(&app.json("GET", "/api/v1/works/feed", &bob, None, 200).await).is_empty());
    assert_eq!(
        status(&app, &format!("/api/v1/works/{public_id}"), Some(&bob)).await,
        404
    );
    app.json(
        "PATCH",
        &format!("/api/v1/works/{public_id}"),
        &alice,
        Some(&json!({ "visibility": "public" })),
        200,
    )
    .await;

    // deleted, it is gone from every view at once, with its blobs.
    let work_blobs = |id: &str| {
        let dir = app
            .data_dir
            .join("blobs")
            .join("u")
            .join(&alice_id)
            .join("works")
            .join(id);
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.path().is_file())
    };
    assert!(work_blobs(public_id));
    assert_eq!(
        app.call("DELETE", &format!("/api/v1/works/{public_id}"), Some(&bob), None)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.call(
            "DELETE",
            &format!("/api/v1/works/{public_id}"),
            Some(&alice),
            None
        )
        .await
        .status(),
        204
    );
    for path in [
        format!("/api/v1/works/{public_id}"),
        format!("/api/v1/works/{public_id}/image"),
        format!("/api/v1/works/{public_id}/comments"),
    ] {
        assert_eq!(status(&app, &path, Some(&alice)).await, 404, "{path}");
    }
    assert!(ids(&app.json("GET", "/api/v1/works/feed", &bob, None, 200).await).is_empty());
    assert!(!work_blobs(public_id), "the blobs are deleted");
    assert_eq!(
        status(&app, &format!("/api/v1/users/{alice_id}/avatar"), None).await,
        404
    );
}

#[tokio::test]
async fn img6_comments_limits_and_moderation() {
    let app = spawn_app().await;
    let (alice, _) = user(&app, "13800138022", "小炫").await;
    let (bob, _) = user(&app, "13800138023", "阿波").await;
    let (carol, _) = user(&app, "13800138024", "小卡").await;
    let (photo, _) = photo(&app, &alice).await;
    let work = app
        .json(
            "POST",
            "/api/v1/works",
            &alice,
            Some(&json!({ "photo": photo, "visibility": "public" })),
            201,
        )
        .await;
    let w = work["id"].as_str().unwrap_or_default();
    let path = format!("/api/v1/works/{w}/comments");

    assert_eq!(
        app.call("POST", &path, None, Some(&json!({ "text": "hi" })))
            .await
            .status(),
        401
    );
    for bad in [json!({ "text": "   " }), json!({ "text": "长".repeat(501) })] {
        let v = app.json("POST", &path, &bob, Some(&bad), 400).await;
        assert_eq!(v["code"], "invalid_comment");
    }
    let c = app
        .json("POST", &path, &bob, Some(&json!({ "text": "真好看" })), 201)
        .await;
    assert_eq!(c["author"]["nickname"], "阿波", "DATA-3");
    let list = app.json("GET", &path, &carol, None, 200).await;
    assert_eq!(list["items"][0]["text"], "真好看");
    // Five a minute, then 429.
    for i in 0..4 {
        app.json(
            "POST",
            &path,
            &bob,
            Some(&json!({ "text": format!("第{i}条") })),
            201,
        )
        .await;
    }
    let r = app
        .call("POST", &path, Some(&bob), Some(&json!({ "text": "太多了" })))
        .await;
    assert_eq!(r.status(), 429);
    app.control.advance(61_000);
    app.json("POST", &path, &bob, Some(&json!({ "text": "又可以了" })), 201)
        .await;

    let cid = c["id"].as_str().unwrap_or_default();
    let one = format!("{path}/{cid}");
    // Report; someone else may not delete it; the work's owner may.
    let r = app
        .call(
            "POST",
            &format!("{one}/report"),
            Some(&carol),
            Some(&json!({ "reason": "广告" })),
        )
        .await;
    assert_eq!(r.status(), 202);
    assert_eq!(app.call("DELETE", &one, Some(&carol), None).await.status(), 404);
    assert_eq!(app.call("DELETE", &one, Some(&alice), None).await.status(), 204);
    // The author deletes their own.
    let list = app.json("GET", &path, &bob, None, 200).await;
    let own = list["items"][0]["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        app.call("DELETE", &format!("{path}/{own}"), Some(&bob), None)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.json("GET", &path, &bob, None, 200).await["items"]
            .as_array()
            .map(Vec::len),
        Some(4)
    );

    // A private work cannot be commented on by others.
    let private = app
        .json(
            "POST",
            "/api/v1/works",
            &alice,
            Some(&json!({ "photo": photo })),
            201,
        )
        .await;
    let p = format!(
        "/api/v1/works/{}/comments",
        private["id"].as_str().unwrap_or_default()
    );
    assert_eq!(
        app.call("POST", &p, Some(&bob), Some(&json!({ "text": "hi" })))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn img6_r8_blessings_inbox_share_link_and_deleted_work() {
    let app = spawn_app().await;
    let (alice, _) = user(&app, "13800138025", "小炫").await;
    let (bob, bob_id) = user(&app, "13800138026", "阿波").await;
    let (photo, original) = photo(&app, &alice).await;
    let work = app
        .json(
            "POST",
            "/api/v1/works",
            &alice,
            Some(&json!({ "photo": photo })),
            201,
        )
        .await;
    let w = work["id"].as_str().unwrap_or_default().to_string();

    for (body, status, code) in [
        (
            json!({ "to": "u_nope", "work": w, "message": "hi" }),
            422,
            "recipient_not_found",
        ),
        (json!({ "to": bob_id, "message": "hi" }), 400, "invalid_blessing"),
        (
            json!({ "to": bob_id, "work": w, "message": "" }),
            400,
            "invalid_message",
        ),
        (
            json!({ "to": bob_id, "template": "nope", "message": "hi" }),
            400,
            "template_unknown",
        ),
    ] {
        let v = app
            .json("POST", "/api/v1/blessings", &alice, Some(&body), status)
            .await;
        assert_eq!(v["code"], code, "{body}");
    }
    // Bob cannot send Alice's work.
    let v = app
        .json(
            "POST",
            "/api/v1/blessings",
            &bob,
            Some(&json!({ "to": bob_id, "work": w, "message": "hi" })),
            422,
        )
        .await;
    assert_eq!(v["code"], "recipient_not_found", "not to oneself");

    let sent = app
        .json(
            "POST",
            "/api/v1/blessings",
            &alice,
            Some(&json!({ "to": bob_id, "work": w, "message": "新年快乐" })),
            201,
        )
        .await;
    app.json(
        "POST",
        "/api/v1/blessings",
        &alice,
        Some(&json!({ "to": bob_id, "template": "greeting", "message": "生日快乐" })),
        201,
    )
    .await;
    let inbox = app.json("GET", "/api/v1/blessings", &bob, None, 200).await;
    assert_eq!(inbox["items"].as_array().map(Vec::len), Some(2));
    let first = &inbox["items"][1];
    assert_eq!(
        (first["message"].as_str(), first["from"]["nickname"].as_str()),
        (Some("新年快乐"), Some("小炫"))
    );
    // The recipient sees the (private) work's image; others do not.
    let image = first["work"]["image"].as_str().unwrap_or_default().to_string();
    let r = app.call("GET", &image, Some(&bob), None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(), original);
    assert_eq!(status(&app, &image, Some(&alice)).await, 404);
    assert!(
        app.json("GET", "/api/v1/blessings", &alice, None, 200).await["items"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );

    // The share link opens for anyone.
    let share = sent["share_url"].as_str().unwrap_or_default().to_string();
    let r = app.call("GET", &share, None, None).await;
    assert_eq!(r.status(), 200);
    let shown: Value = r.json().await.unwrap_or_default();
    assert_eq!(shown["message"], "新年快乐");
    assert_eq!(status(&app, &format!("{share}/image"), None).await, 200);
    assert_eq!(
        status(
            &app,
            "/api/v1/blessings/shared/0123456789abcdef0123456789abcdef",
            None
        )
        .await,
        404
    );

    // the work is deleted; the blessing keeps its words, not the work.
    assert_eq!(
        app.call("DELETE", &format!("/api/v1/works/{w}"), Some(&alice), None)
            .await
            .status(),
        204
    );
    let after = app.json("GET", &share, &bob, None, 200).await;
    assert_eq!(after["message"], "新年快乐");
    assert!(after["work"].is_null(), "{after}");
    assert_eq!(after["work_deleted"], true);
    assert_eq!(status(&app, &format!("{share}/image"), None).await, 404);
    assert_eq!(status(&app, &image, Some(&bob)).await, 404);
}

#[tokio::test]
async fn img6_sec_quotas_stop_storing_and_writing_with_a_clear_code() {
    let app = crate::helpers::spawn_with(crate::helpers::Backend::SqliteLocal, |c| {
        c.quotas.photos_per_user = 2;
        c.quotas.works_per_day = 1;
        c.quotas.comments_per_minute = 2;
        c.quotas.comments_per_day = 3;
        c.quotas.blessings_per_minute = 1;
    })
    .await;
    let (alice, _) = user(&app, "13800138027", "小炫").await;
    let (bob, bob_id) = user(&app, "13800138028", "阿波").await;
    let refused = |v: &Value, quota: &str| {
        assert_eq!(v["code"], "quota_exceeded", "{v}");
        assert_eq!(v["details"]["quota"], quota, "{v}");
    };
    // Two photos, then the library is full: nothing more is stored.
    let (first, _) = photo(&app, &alice).await;
    let r = app
        .upload(&alice, "second.jpg", crate::helpers::jpeg(40, 30, 2))
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .upload(&alice, "third.jpg", crate::helpers::jpeg(40, 30, 3))
        .await;
    assert_eq!(r.status(), 429);
    refused(&r.json().await.unwrap_or_default(), "photos_per_user");
    let library = app.json("GET", "/api/v1/photos", &alice, None, 200).await;
    assert_eq!(library["items"].as_array().map(Vec::len), Some(2));

    // One work a day.
    let work = json!({ "photo": first, "visibility": "public" });
    let w = app.json("POST", "/api/v1/works", &alice, Some(&work), 201).await;
    refused(
        &app.json("POST", "/api/v1/works", &alice, Some(&work), 429).await,
        "works_per_day",
    );

    // Comments: two a minute, three a day.
    let path = format!("/api/v1/works/{}/comments", w["id"].as_str().unwrap_or_default());
    let comment = json!({ "text": "真好看" });
    for _ in 0..2 {
        app.json("POST", &path, &bob, Some(&comment), 201).await;
    }
    refused(
        &app.json("POST", &path, &bob, Some(&comment), 429).await,
        "comments_per_minute",
    );
    app.control.advance(61_000);
    app.json("POST", &path, &bob, Some(&comment), 201).await;
    app.control.advance(61_000);
    refused(
        &app.json("POST", &path, &bob, Some(&comment), 429).await,
        "comments_per_day",
    );
    let listed = app.json("GET", &path, &alice, None, 200).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(3));

    // Blessings: one a minute.
    let blessing = json!({ "to": bob_id, "work": w["id"], "message": "新年快乐" });
    app.json("POST", "/api/v1/blessings", &alice, Some(&blessing), 201)
        .await;
    refused(
        &app.json("POST", "/api/v1/blessings", &alice, Some(&blessing), 429)
            .await,
        "blessings_per_minute",
    );
    // A day later the daily quotas start again.
    app.control.advance(86_400_000);
    app.json("POST", "/api/v1/works", &alice, Some(&work), 201).await;
}
