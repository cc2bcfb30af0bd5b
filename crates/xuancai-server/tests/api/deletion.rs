//! R-3 (issue 20 item 8): after the identity check a deletion request
//! deletes exactly what it names once an operator approves it, or is
//! refused with a recorded ground; both outcomes, on both backends.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, jpeg};
use crate::privacy::OPERATOR;
use crate::rights::{app_on, fresh_code};

async fn request(app: &TestApp, token: &str, e164: &str, body: Value) -> Value {
    let mut body = body;
    body["code"] = json!(fresh_code(app, token, e164).await);
    app.json("POST", "/api/v1/me/requests", token, Some(&body), 201)
        .await
}

/// The `outcome` of the request `req` as its user's list shows it.
async fn outcome(app: &TestApp, token: &str, req: &Value) -> Value {
    let list = app.json("GET", "/api/v1/me/requests", token, None, 200).await;
    list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|r| r["id"] == req["id"]))
        .map(|r| r["outcome"].clone())
        .unwrap_or_else(|| panic!("{} not in {list}", req["id"]))
}

async fn photo(app: &TestApp, token: &str, seed: u8) -> String {
    let v: Value = app
        .upload(token, "d.jpg", jpeg(64, 48, seed))
        .await
        .json()
        .await
        .unwrap_or_default();
    v["photo"]["id"].as_str().unwrap_or_default().to_string()
}

async fn story(backend: Backend) {
    let app = app_on(backend).await;
    let (phone, e164) = ("13800138050", "+8613800138050");
    let token = app.login(phone, e164).await;
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    let (keep, gone) = (photo(&app, &token, 1).await, photo(&app, &token, 2).await);
    let work = app
        .json(
            "POST",
            "/api/v1/works",
            &token,
            Some(&json!({ "photo": keep, "visibility": "public" })),
            201,
        )
        .await;
    let work_id = work["id"].as_str().unwrap_or_default().to_string();
    let comment = app
        .json(
            "POST",
            &format!("/api/v1/works/{work_id}/comments"),
            &token,
            Some(&json!({ "text": "删掉这条" })),
            201,
        )
        .await;

    // What a deletion names is checked before anything is stored (422: the
    // request has the API's shape; what it names is refused).
    for bad in [
        json!({ "kind": "deletion", "ground": 4 }),
        json!({ "kind": "deletion", "ground": 9, "delete": { "photos": [gone] } }),
        json!({ "kind": "deletion", "ground": 4, "delete": { "categories": ["phone"] } }),
        json!({ "kind": "deletion", "ground": 4, "delete": { "photos": ["nope"] } }),
    ] {
        let mut body = bad.clone();
        body["code"] = json!(fresh_code(&app, &token, e164).await);
        let r = app
            .call("POST", "/api/v1/me/requests", Some(&token), Some(&body))
            .await;
        assert_eq!(r.status(), 422, "{bad}");
    }

    // Approved: exactly the named photo and comment go.
    let del = request(
        &app,
        &token,
        e164,
        json!({ "kind": "deletion", "ground": 4, "delete": { "photos": [gone], "comments": [comment["id"]] } }),
    )
    .await;
    let path = format!("/api/v1/ops/requests/{}", del["id"].as_str().unwrap_or_default());
    let done = app
        .json("POST", &path, &op, Some(&json!({ "status": "done" })), 200)
        .await;
    let resolution = done["resolution"].as_str().unwrap_or_default().to_string();
    assert!(
        resolution.contains("1 photo(s)") && resolution.contains("1 comment(s)"),
        "{resolution}"
    );
    // The user reads the outcome as data, to be said in their language.
    assert_eq!(
        outcome(&app, &token, &del).await,
        json!({ "deleted": { "photos": 1, "works": 0, "comments": 1, "records": 0, "missing": 0 }, "note": null })
    );
    let r = app
        .call("GET", &format!("/api/v1/photos/{gone}"), Some(&token), None)
        .await;
    assert_eq!(r.status(), 404, "the named photo is deleted");
    app.json("GET", &format!("/api/v1/photos/{keep}"), &token, None, 200)
        .await;
    let comments = app
        .json(
            "GET",
            &format!("/api/v1/works/{work_id}/comments"),
            &token,
            None,
            200,
        )
        .await;
    assert!(!comments.to_string().contains("删掉这条"), "{comments}");
    app.json("GET", &format!("/api/v1/works/{work_id}"), &token, None, 200)
        .await;

    // Refused: only with a ground, recorded; nothing is deleted.
    let del = request(
        &app,
        &token,
        e164,
        json!({ "kind": "deletion", "ground": 6, "delete": { "categories": ["works"] } }),
    )
    .await;
    let path = format!("/api/v1/ops/requests/{}", del["id"].as_str().unwrap_or_default());
    let r = app
        .call(
            "POST",
            &path,
            Some(&op),
            Some(&json!({ "status": "refused", "resolution": "不行" })),
        )
        .await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["code"], "ground_required");
    let refused = app
        .json(
            "POST",
            &path,
            &op,
            Some(&json!({ "status": "refused", "ground": "legal_retention", "resolution": "诉讼保全" })),
            200,
        )
        .await;
    assert!(
        refused["resolution"]
            .as_str()
            .unwrap_or_default()
            .starts_with("legal_retention:"),
        "{refused}"
    );
    assert_eq!(
        outcome(&app, &token, &del).await,
        json!({ "refused": "legal_retention", "note": "诉讼保全" })
    );
    app.json("GET", &format!("/api/v1/works/{work_id}"), &token, None, 200)
        .await;
    // Approving a whole category deletes all of it.
    let del = request(
        &app,
        &token,
        e164,
        json!({ "kind": "deletion", "ground": 4, "delete": { "categories": ["works", "photos"] } }),
    )
    .await;
    let path = format!("/api/v1/ops/requests/{}", del["id"].as_str().unwrap_or_default());
    app.json("POST", &path, &op, Some(&json!({ "status": "done" })), 200)
        .await;
    let r = app
        .call("GET", &format!("/api/v1/works/{work_id}"), Some(&token), None)
        .await;
    assert_eq!(r.status(), 404);
    let photos = app.json("GET", "/api/v1/photos", &token, None, 200).await;
    assert_eq!(photos["items"].as_array().map(Vec::len), Some(0), "{photos}");
    app.cleanup().await;
}

#[tokio::test]
async fn r3_a_deletion_deletes_what_it_names_or_is_refused_with_a_ground_on_sqlite() {
    story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn r3_a_deletion_deletes_what_it_names_or_is_refused_with_a_ground_on_postgres() {
    story(Backend::PostgresS3).await;
}
