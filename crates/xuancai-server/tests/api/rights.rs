//! The rights center: R-1 (export), R-3/R-6 (requests, deadlines, operator
//! processing, refusals with reasons), ACC-7 (fresh SMS check), SEC-6
//! (audited operator reads) and DATA-6 (disclosures). The retention proof is
//! in `retention.rs`.

use std::io::Read as _;

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, jpeg, spawn_with};
use crate::privacy::OPERATOR;

pub async fn app_on(backend: Backend) -> TestApp {
    spawn_with(backend, |c| {
        c.operators = vec![OPERATOR.1.into()];
        c.sends_per_phone_minute = 20;
        // Devices' push endpoints in these tests are on loopback (never called).
        c.push_allow_loopback = true;
    })
    .await
}

/// A fresh identity check (ACC-7): a code sent to the account's own phone.
pub async fn fresh_code(app: &TestApp, token: &str, e164: &str) -> String {
    app.json("POST", "/api/v1/me/verify", token, None, 202).await;
    app.last_code(e164)
}

/// Ask for an export with `code` and wait until it is ready; returns the ZIP.
async fn export_zip(app: &TestApp, token: &str, code: &str) -> zip::ZipArchive<std::io::Cursor<Vec<u8>>> {
    let req = app
        .json(
            "POST",
            "/api/v1/me/requests",
            token,
            Some(&json!({ "kind": "export", "code": code })),
            201,
        )
        .await;
    let id = req["id"].as_str().unwrap_or_default().to_string();
    let mut done = Value::Null;
    for _ in 0..100 {
        let list = app.json("GET", "/api/v1/me/requests", token, None, 200).await;
        done = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["id"] == id.as_str())
            .cloned()
            .unwrap_or_default();
        if done["status"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(done["status"], "done", "{done}");
    let r = app
        .call(
            "GET",
            &format!("/api/v1/me/requests/{id}/download"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/zip")
    );
    let bytes = r.bytes().await.unwrap_or_default().to_vec();
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn r1_acc7_export_is_a_zip_of_all_personal_data_and_originals() {
    let app = app_on(Backend::SqliteLocal).await;
    let (phone, e164) = ("13800138000", "+8613800138000");
    let token = app.login(phone, e164).await;
    app.json(
        "PATCH",
        "/api/v1/me",
        &token,
        Some(&json!({ "nickname": "小明的导出" })),
        200,
    )
    .await;
    let original = jpeg(320, 240, 9);
    let r = app.upload(&token, "holiday.jpg", original.clone()).await;
    assert_eq!(r.status(), 201);
    app.json(
        "POST",
        "/api/v1/albums",
        &token,
        Some(&json!({ "name": "假期" })),
        201,
    )
    .await;

    // ACC-7: no request without the fresh code; a wrong code leaves nothing behind.
    let r = app
        .call(
            "POST",
            "/api/v1/me/requests",
            Some(&token),
            Some(&json!({ "kind": "export", "code": "000000" })),
        )
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        app.json("GET", "/api/v1/me/requests", &token, None, 200).await["items"],
        json!([])
    );

    let code = fresh_code(&app, &token, e164).await;
    let mut zip = export_zip(&app, &token, &code).await;
    let mut json_text = String::new();
    zip.by_name("personal-data.json")
        .unwrap_or_else(|e| panic!("{e}"))
        .read_to_string(&mut json_text)
        .unwrap_or_else(|e| panic!("{e}"));
    let data: Value = serde_json::from_str(&json_text).unwrap_or_else(|e| panic!("{e}"));
    let section = |k: &str| data["categories"][k]["data"].clone();
    assert_eq!(section("phone"), e164);
    assert_eq!(section("nickname"), "小明的导出");
    assert_eq!(section("photos")["albums"][0]["name"], "假期");
    assert!(section("consent_records").as_array().map(Vec::len).unwrap_or(0) >= 2);
    let file = section("photos")["photos"][0]["file"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut photo = Vec::new();
    zip.by_name(&file)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .read_to_end(&mut photo)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(photo, original, "the original, byte for byte");
    // Another user cannot fetch it.
    let other = app.login("13900139000", "+8613900139000").await;
    let id = app.json("GET", "/api/v1/me/requests", &token, None, 200).await["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = app
        .call(
            "GET",
            &format!("/api/v1/me/requests/{id}/download"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(r.status(), 404);
}

/// R-7 and MIN-5: a complaint (here about a child's information) is a
/// tracked request like the others.
#[tokio::test]
async fn r3_r6_sec6_requests_have_deadlines_operators_process_them_and_reads_are_audited() {
    let app = app_on(Backend::SqliteLocal).await;
    let (phone, e164) = ("13800138000", "+8613800138000");
    let token = app.login(phone, e164).await;
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    let code = fresh_code(&app, &token, e164).await;
    let del = app
        .json(
            "POST",
            "/api/v1/me/requests",
            &token,
            Some(
                &json!({ "kind": "deletion", "detail": "请删除我2024年的照片", "code": code,
                          "ground": 4, "delete": { "categories": ["photos"] } }),
            ),
            201,
        )
        .await;
    assert_eq!(del["status"], "verified");
    // 15 working days: at least 19 and at most 25 calendar days (holidays not configured).
    let days =
        (del["deadline_at"].as_i64().unwrap_or(0) - del["received_at"].as_i64().unwrap_or(0)) / 86_400_000;
    assert!((19..=25).contains(&days), "{days} days");
    let code = fresh_code(&app, &token, e164).await;
    let complaint = app
        .json(
            "POST",
            "/api/v1/me/requests",
            &token,
            Some(&json!({ "kind": "complaint", "detail": "关于我孩子的信息", "code": code })),
            201,
        )
        .await;

    // SEC-6: the queue is for operators only.
    let r = app.call("GET", "/api/v1/ops/requests", Some(&token), None).await;
    assert_eq!(r.status(), 404);
    let r = app.call("GET", "/api/v1/ops/requests", None, None).await;
    assert_eq!(r.status(), 401);
    let queue = app.json("GET", "/api/v1/ops/requests", &op, None, 200).await;
    assert_eq!(queue["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(queue["overdue"], 0);
    assert_eq!(
        queue["items"][0]["detail"],
        Value::Null,
        "the queue does not show the user's text"
    );

    let id = del["id"].as_str().unwrap_or_default();
    let path = format!("/api/v1/ops/requests/{id}");
    let r = app
        .call("POST", &path, Some(&op), Some(&json!({ "status": "refused" })))
        .await;
    assert_eq!(r.status(), 422, "a refusal states its reason");
    let r = app
        .call("POST", &path, Some(&op), Some(&json!({ "status": "received" })))
        .await;
    assert_eq!(r.status(), 409);
    app.json(
        "POST",
        &path,
        &op,
        Some(&json!({ "status": "refused", "ground": "not_found", "resolution": "照片已于上周删除" })),
        200,
    )
    .await;
    let mine = app.json("GET", "/api/v1/me/requests", &token, None, 200).await;
    let refused = mine["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or_default();
    assert_eq!(refused["status"], "refused");
    assert_eq!(
        refused["resolution"],
        "not_found: what the request names is not stored — 照片已于上周删除"
    );
    assert_eq!(
        refused["detail"], "请删除我2024年的照片",
        "the user sees their own text"
    );

    // overdue requests are flagged.
    app.control.advance(30 * 86_400_000);
    // Sessions last 30 days: both sign in again.
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    let token = app.login(phone, e164).await;
    let queue = app.json("GET", "/api/v1/ops/requests", &op, None, 200).await;
    assert_eq!(queue["overdue"], 1);
    assert_eq!(queue["items"][0]["id"], complaint["id"]);

    // SEC-6: an operator's read of personal data is audited, append-only.
    let user_id = app.json("GET", "/api/v1/me", &token, None, 200).await["user_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let data = app
        .json("GET", &format!("/api/v1/ops/users/{user_id}"), &op, None, 200)
        .await;
    assert_eq!(data["phone"], "+86 138****8000");
    let log = app
        .json(
            "GET",
            &format!("/api/v1/ops/users/{user_id}/audit"),
            &op,
            None,
            200,
        )
        .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["action"].as_str())
        .collect();
    assert!(actions.contains(&"read:personal_data"), "{actions:?}");
    assert!(actions.iter().any(|a| a.ends_with(":refused")), "{actions:?}");
    let n = crate::privacy::count(&app, "SELECT COUNT(*) FROM audit_log").await;
    assert_eq!(n, 2);
    let url = format!("sqlite://{}", app.data_dir.join("xuancai.db").display());
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let tamper = sqlx::query("UPDATE audit_log SET action = 'nothing'")
        .execute(&pool)
        .await;
    assert!(tamper.is_err(), "the audit log is append-only");
    // Another user's data is not an operator's to see unless they are one.
    let r = app
        .call("GET", &format!("/api/v1/ops/users/{user_id}"), Some(&token), None)
        .await;
    assert_eq!(r.status(), 404);
}

/// A stand-in SMS gateway on a real socket: it records what it is sent.
async fn capture_gateway() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    use axum::routing::post;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let router = axum::Router::new().route(
        "/sms",
        post(move |axum::Json(v): axum::Json<Value>| {
            let s = s2.clone();
            async move {
                s.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://127.0.0.1:{port}/sms"), seen)
}

#[tokio::test]
async fn data6_disclosures_to_the_sms_gateway_are_logged() {
    let (url, seen) = capture_gateway().await;
    let app = spawn_with(Backend::SqliteLocal, |c| {
        c.sms = xuancai_server::config::SmsConfig::Http { url, token: None };
        c.residency.sms_gateway = Some("cn".into());
        // The test gateway listens on loopback: an operator's explicit allowance.
        c.security.internal_hosts = vec!["127.0.0.1".into()];
    })
    .await;
    let last = |seen: &std::sync::Mutex<Vec<Value>>| {
        seen.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .last()
            .cloned()
            .unwrap_or_default()
    };
    app.request_code("13800138000").await;
    let sent = last(&seen);
    assert_eq!(sent["phone"], "+8613800138000");
    let agree = app.agreement().await;
    let v: Value = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": "13800138000", "code": sent["code"], "agree": agree, "sensitive": ["phone"] }),
        )
        .await
        .json()
        .await
        .unwrap_or_default();
    let token = v["token"].as_str().unwrap_or_default().to_string();
    // No account existed at the first send: it is logged against the account
    // the sign-in created (issue 20 item 7), and the next one as it is sent.
    assert_eq!(
        crate::privacy::count(&app, "SELECT COUNT(*) FROM disclosures WHERE recipient = 'sms_gateway' AND purpose = 'account' AND categories = 'phone'").await,
        1
    );
    app.control.advance(61_000);
    app.json("POST", "/api/v1/me/verify", &token, None, 202).await;
    assert_eq!(
        crate::privacy::count(&app, "SELECT COUNT(*) FROM disclosures WHERE recipient = 'sms_gateway' AND purpose = 'account' AND categories = 'phone'").await,
        2
    );
    // The user sees it in their export.
    let code = last(&seen)["code"].as_str().unwrap_or_default().to_string();
    let mut zip = export_zip(&app, &token, &code).await;
    let mut text = String::new();
    zip.by_name("personal-data.json")
        .unwrap_or_else(|e| panic!("{e}"))
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{e}"));
    let data: Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(
        data["categories"]["rights_requests"]["data"]["disclosures"][0]["recipient"],
        "sms_gateway"
    );

    // A guardian's SMS is logged against the child it serves (issue 20 item 7).
    let today = xuancai_domain::Date::from_unix_ms(app.control.now(), 480);
    app.request_code("13900139000").await;
    let sent = last(&seen);
    let v: Value = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": "13900139000", "code": sent["code"], "agree": app.agreement().await, "sensitive": ["phone"],
                     "birth_date": format!("{}-01-01", today.year() - 10) }),
        )
        .await
        .json()
        .await
        .unwrap_or_default();
    let child = v["token"].as_str().unwrap_or_default().to_string();
    let childs = "SELECT COUNT(*) FROM disclosures d JOIN users u ON u.id = d.user_id \
                  WHERE u.created_at = (SELECT MAX(created_at) FROM users)";
    assert_eq!(
        crate::privacy::count(&app, childs).await,
        1,
        "the child's sign-in SMS"
    );
    app.json(
        "POST",
        "/api/v1/me/guardian/code",
        &child,
        Some(&json!({ "phone": "13600136000" })),
        202,
    )
    .await;
    assert_eq!(last(&seen)["phone"], "+8613600136000");
    assert_eq!(
        crate::privacy::count(&app, childs).await,
        2,
        "and the guardian's, against the child"
    );
}
