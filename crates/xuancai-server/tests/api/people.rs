//! People, not ids (issue 22 item 14; IMG-6, DATA-3): 消息 shows who
//! commented on your works and who sent you a blessing, by nickname, read
//! from the comments and blessings themselves; a blessing's recipient is
//! chosen from the people you have interacted with — no directory of users.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, testdata};

async fn nickname(app: &TestApp, token: &str, name: &str) -> String {
    app.json(
        "PATCH",
        "/api/v1/me",
        token,
        Some(&json!({ "nickname": name })),
        200,
    )
    .await;
    let me = app.json("GET", "/api/v1/me", token, None, 200).await;
    me["user_id"].as_str().unwrap_or_default().to_string()
}

fn names(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p["nickname"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn img6_data3_activity_and_people_come_from_comments_and_blessings() {
    let app = spawn_app().await;
    let alice = app.login("13800138060", "+8613800138060").await;
    let bob = app.login("13800138061", "+8613800138061").await;
    let carol = app.login("13800138062", "+8613800138062").await;
    let alice_id = nickname(&app, &alice, "爱丽丝").await;
    let bob_id = nickname(&app, &bob, "小博").await;
    nickname(&app, &carol, "卡罗").await;

    // Nobody has interacted yet: nobody to send to, nothing in 消息.
    for t in [&alice, &bob, &carol] {
        let p = app.json("GET", "/api/v1/blessings/people", t, None, 200).await;
        assert_eq!(names(&p), Vec::<String>::new());
        let a = app.json("GET", "/api/v1/me/activity", t, None, 200).await;
        assert_eq!(a["items"], json!([]));
    }

    let photo: Value = app
        .upload(&alice, "coffee.png", testdata("coffee.png"))
        .await
        .json()
        .await
        .unwrap_or_default();
    let work = app
        .json(
            "POST",
            "/api/v1/works",
            &alice,
            Some(&json!({ "photo": photo["photo"]["id"], "title": "咖啡", "visibility": "public" })),
            201,
        )
        .await;
    let work = work["id"].as_str().unwrap_or_default().to_string();
    let comments = format!("/api/v1/works/{work}/comments");
    let c = app
        .json(
            "POST",
            &comments,
            &bob,
            Some(&json!({ "text": "看起来好香" })),
            201,
        )
        .await;
    // The owner's own comment is no news to the owner.
    app.json("POST", &comments, &alice, Some(&json!({ "text": "谢谢" })), 201)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    app.json(
        "POST",
        "/api/v1/blessings",
        &bob,
        Some(&json!({ "to": alice_id, "template": "greeting", "message": "周末愉快" })),
        201,
    )
    .await;

    let a = app.json("GET", "/api/v1/me/activity", &alice, None, 200).await;
    let items = a["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 2, "{a}");
    assert_eq!(
        (
            &items[0]["kind"],
            &items[0]["from"]["nickname"],
            &items[0]["text"]
        ),
        (&json!("blessing"), &json!("小博"), &json!("周末愉快")),
        "newest first: {a}"
    );
    assert!(
        items[0]["blessing"].as_str().is_some_and(|b| b.starts_with("b_")),
        "{a}"
    );
    assert_eq!(
        (
            &items[1]["kind"],
            &items[1]["from"]["nickname"],
            &items[1]["text"]
        ),
        (&json!("comment"), &json!("小博"), &json!("看起来好香"))
    );
    assert_eq!(items[1]["work"], json!({ "id": work, "title": "咖啡" }));
    // Only names and avatars of others (DATA-3): no phone, no id typed anywhere.
    assert!(!a.to_string().contains("138000"), "{a}");

    // The people each may bless: those they interacted with, and only them.
    let p = app
        .json("GET", "/api/v1/blessings/people", &alice, None, 200)
        .await;
    assert_eq!(names(&p), ["小博"]);
    assert_eq!(p["items"][0]["id"], bob_id);
    let p = app.json("GET", "/api/v1/blessings/people", &bob, None, 200).await;
    assert_eq!(names(&p), ["爱丽丝"]);
    let p = app
        .json("GET", "/api/v1/blessings/people", &carol, None, 200)
        .await;
    assert_eq!(names(&p), Vec::<String>::new(), "no directory");
    let a = app.json("GET", "/api/v1/me/activity", &bob, None, 200).await;
    assert_eq!(a["items"], json!([]), "nothing was done to Bob");

    // A deleted comment leaves no notification behind.
    let cid = c["id"].as_str().unwrap_or_default();
    let r = app
        .call("DELETE", &format!("{comments}/{cid}"), Some(&bob), None)
        .await;
    assert_eq!(r.status(), 204);
    let a = app.json("GET", "/api/v1/me/activity", &alice, None, 200).await;
    let kinds: Vec<&str> = a["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["blessing"]);

    // Signed out: neither answers.
    for path in ["/api/v1/me/activity", "/api/v1/blessings/people"] {
        let r = app.call("GET", path, None, None).await;
        assert_eq!(r.status(), 401, "{path}");
    }
}
