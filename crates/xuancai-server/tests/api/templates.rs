//! Templates as data and recommendations (IMG-4): ranked by the user's own
//! use only while personalisation consent stands (CON-6, ADS-1), otherwise
//! by anonymous popularity — switched from the very next request, and the
//! user's own counts are forgotten when the consent is withdrawn (CON-4).

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_with, testdata};

fn names(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect()
}

async fn sticker_job(app: &TestApp, token: &str, photo: &str, template: &str) {
    let mut body = json!({ "kind": "sticker", "photo": photo });
    if template != "sticker" {
        body["template"] = json!(template);
    }
    app.json("POST", "/api/v1/jobs", token, Some(&body), 202).await;
    // A template counts once its sticker is made: run the queue here.
    while app.control.run_next_studio_job().await {}
}

async fn personalisation(app: &TestApp, token: &str, granted: bool) {
    app.json(
        "PUT",
        "/api/v1/me/consents/personalisation",
        token,
        Some(&json!({ "granted": granted })),
        200,
    )
    .await;
}

#[tokio::test]
async fn img4_con6_ads1_recommendations_are_personal_only_with_consent() {
    // No workers: the test runs each queued job itself.
    let app = spawn_with(Backend::SqliteLocal, |c| {
        c.studio.workers = 0;
        c.studio.max_pending_per_user = 100;
    })
    .await;

    // The catalogue is public data.
    let r = app.call("GET", "/api/v1/templates", None, None).await;
    assert_eq!(r.status(), 200);
    let all: Value = r.json().await.unwrap_or_default();
    assert_eq!(names(&all), ["sticker", "meme", "greeting", "reaction"]);
    let r = app.call("GET", "/api/v1/templates/meme", None, None).await;
    let meme: Value = r.json().await.unwrap_or_default();
    assert_eq!(meme["name"], "meme");
    assert!(meme["layers"].as_array().is_some_and(|l| !l.is_empty()), "{meme}");
    assert_eq!(
        app.call("GET", "/api/v1/templates/nope", None, None)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.call("GET", "/api/v1/templates/recommended", None, None)
            .await
            .status(),
        401
    );

    // The crowd makes greeting cards.
    let crowd = app.login("13800138010", "+8613800138010").await;
    let crowd_photo = {
        let r = app.upload(&crowd, "a.png", testdata("astronaut.png")).await;
        let v: Value = r.json().await.unwrap_or_default();
        v["photo"]["id"].as_str().unwrap_or_default().to_string()
    };
    for _ in 0..3 {
        sticker_job(&app, &crowd, &crowd_photo, "greeting").await;
    }
    // Fan likes reactions, but has not turned personalisation on.
    let fan = app.login("13800138011", "+8613800138011").await;
    let photo = {
        let r = app.upload(&fan, "a.png", testdata("astronaut.png")).await;
        let v: Value = r.json().await.unwrap_or_default();
        v["photo"]["id"].as_str().unwrap_or_default().to_string()
    };
    sticker_job(&app, &fan, &photo, "reaction").await;
    let off = app
        .json("GET", "/api/v1/templates/recommended", &fan, None, 200)
        .await;
    assert_eq!(off["personalised"], false);
    assert_eq!(names(&off)[0], "greeting", "by popularity: {off}");
    assert_eq!(names(&off).len(), 4);

    // Switched on: from the next request, fan's own use leads.
    personalisation(&app, &fan, true).await;
    for _ in 0..2 {
        sticker_job(&app, &fan, &photo, "reaction").await;
    }
    let on = app
        .json("GET", "/api/v1/templates/recommended", &fan, None, 200)
        .await;
    assert_eq!(on["personalised"], true);
    assert_eq!(names(&on)[0], "reaction", "own use first: {on}");
    assert_eq!(names(&on)[1], "greeting", "then popularity");
    let limited = app
        .json("GET", "/api/v1/templates/recommended?limit=2", &fan, None, 200)
        .await;
    assert_eq!(names(&limited).len(), 2);

    // Switched off: popularity again at once, and the own counts are gone
    // (turning it back on starts from nothing).
    personalisation(&app, &fan, false).await;
    let off = app
        .json("GET", "/api/v1/templates/recommended", &fan, None, 200)
        .await;
    assert_eq!(off["personalised"], false);
    assert_eq!(names(&off)[0], "greeting", "{off}");
    personalisation(&app, &fan, true).await;
    let back = app
        .json("GET", "/api/v1/templates/recommended", &fan, None, 200)
        .await;
    assert_eq!(back["personalised"], true);
    assert_eq!(
        names(&back)[0],
        "greeting",
        "CON-4: the personal counts were deleted: {back}"
    );
    // Popularity itself counts all uses, anonymously (3 greeting, 3 reaction).
    let reaction = back["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["name"] == "reaction")
        .cloned()
        .unwrap_or_default();
    assert_eq!(reaction["popularity"], 3);
}
