//! The privacy engine's consent side: CON-1 (agreement before anything is
//! stored), CON-2 (material updates need agreement again), CON-3/CON-4
//! (separate consents, withdrawal at once), DATA-1/DATA-2 (telemetry),
//! COOK-1 (cookie consent before sign-in), CON-5 and
//! DATA-4 (documents rendered from the inventory).
//! The guardians' tests (MIN-1 to MIN-4, MIN-6) are in `guardians.rs`.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_with};

pub const OPERATOR: (&str, &str) = ("13700137000", "+8613700137000");

pub async fn spawn_privacy_app() -> TestApp {
    spawn_with(crate::helpers::Backend::SqliteLocal, |c| {
        c.operators = vec![OPERATOR.1.into()];
        c.sends_per_phone_minute = 10;
        // The test's push service listens on loopback over plain HTTP.
        c.push_allow_loopback = true;
    })
    .await
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    let url = format!("sqlite://{}", app.data_dir.join("xuancai.db").display());
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let n: (i64,) = sqlx::query_as(sql)
        .fetch_one(&pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    n.0
}

pub async fn send_code(app: &TestApp, phone: &str) {
    let r = app.request_code(phone).await;
    assert_eq!(r.status(), 202);
}

#[tokio::test]
async fn con1_nothing_is_stored_before_the_documents_are_agreed_to() {
    let app = spawn_privacy_app().await;
    send_code(&app, "13800138000").await;
    let code = app.last_code("+8613800138000");
    let r = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": "13800138000", "code": code }),
        )
        .await;
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["code"], "agreement_required");
    assert_eq!(
        v["details"]["documents"],
        json!(["user_agreement", "privacy_policy"])
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users").await,
        0,
        "CON-1: no account yet"
    );

    // A stale version is refused too.
    send_code(&app, "13800138000").await;
    let code = app.last_code("+8613800138000");
    let r = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": "13800138000", "code": code,
                     "agree": { "user_agreement": "0.1", "privacy_policy": "0.1" } }),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0);

    let token = app.login("13800138000", "+8613800138000").await;
    // The agreement is in the ledger with its version, time and channel.
    let v = app.json("GET", "/api/v1/me/consents", &token, None, 200).await;
    let history = v["history"].as_array().cloned().unwrap_or_default();
    // The two documents and the separate tick for the number (§11).
    assert_eq!(history.len(), 3);
    assert!(history.iter().any(|h| h["topic"] == "sensitive:phone"), "{v}");
    assert!(
        history
            .iter()
            .all(|h| h["channel"] == "login" && h["version"] == "2026.11")
    );
    assert!(
        v["documents"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|d| d["needs_agreement"] == false)
    );
}

#[tokio::test]
async fn con2_a_material_update_needs_agreement_again_once_in_force() {
    let app = spawn_privacy_app().await;
    let user = app.login("13800138000", "+8613800138000").await;
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    let today = xuancai_domain::Date::from_unix_ms(app.control.now(), 480);
    let publish = json!({ "kind": "privacy_policy", "version": "2027.01", "material": true,
                          "summary": "新增人脸特效", "effective_date": today.plus_days(3).to_string() });
    // Not an operator: the route does not exist for them.
    let r = app
        .call("POST", "/api/v1/ops/documents", Some(&user), Some(&publish))
        .await;
    assert_eq!(r.status(), 404);
    // A material change is announced at least 7 days ahead.
    let r = app
        .call("POST", "/api/v1/ops/documents", Some(&op), Some(&publish))
        .await;
    assert_eq!(r.status(), 422);
    let mut publish = publish;
    publish["effective_date"] = json!(today.plus_days(8).to_string());
    app.json("POST", "/api/v1/ops/documents", &op, Some(&publish), 201)
        .await;
    let r = app
        .call("POST", "/api/v1/ops/documents", Some(&op), Some(&publish))
        .await;
    assert_eq!(r.status(), 409, "a version is published once");

    // Announced in-app; processing goes on until it takes effect.
    let v = app.json("GET", "/api/v1/me/consents", &user, None, 200).await;
    let pp = v["documents"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["kind"] == "privacy_policy")
        .cloned()
        .unwrap_or_default();
    assert_eq!(pp["upcoming"][0]["version"], "2027.01");
    app.json("GET", "/api/v1/photos", &user, None, 200).await;

    app.control.advance(9 * 86_400_000);
    let r = app.call("GET", "/api/v1/photos", Some(&user), None).await;
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["code"], "agreement_required");
    assert_eq!(v["details"]["documents"], json!(["privacy_policy"]));
    // The privacy center still works (rights are never locked).
    app.json("GET", "/api/v1/me/consents", &user, None, 200).await;
    let r = app
        .call(
            "POST",
            "/api/v1/me/agreements",
            Some(&user),
            Some(&json!({ "agree": { "privacy_policy": "2026.11" } })),
        )
        .await;
    assert_eq!(
        r.status(),
        409,
        "agreeing to the superseded version does not count"
    );
    app.json(
        "POST",
        "/api/v1/me/agreements",
        &user,
        Some(&json!({ "agree": { "privacy_policy": "2027.01" } })),
        200,
    )
    .await;
    app.json("GET", "/api/v1/photos", &user, None, 200).await;
    // The rendered document is the new version.
    let html = app
        .client
        .get(app.url("/api/v1/documents/privacy_policy"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(html.contains("版本 2027.01"), "{}", &html[..200.min(html.len())]);
}

/// consent is withdrawn or changed at any time.
#[tokio::test]
async fn con3_con4_r4_data1_data2_telemetry_needs_consent_and_withdrawal_takes_effect_at_once() {
    let app = spawn_privacy_app().await;
    let user = app.login("13800138000", "+8613800138000").await;
    let batch = json!({ "events": [{ "kind": "app_open" }, { "kind": "page_view", "page": "/albums", "duration_ms": 1200 }],
                        "device_ids": { "oaid": "OAID-SECRET-123" } });
    let r = app
        .call("POST", "/api/v1/events", Some(&user), Some(&batch))
        .await;
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["code"], "consent_required");
    assert_eq!(v["details"]["purpose"], "analytics");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM usage_events").await, 0);

    app.json(
        "PUT",
        "/api/v1/me/consents/analytics",
        &user,
        Some(&json!({ "granted": true })),
        200,
    )
    .await;
    let v = app.json("POST", "/api/v1/events", &user, Some(&batch), 202).await;
    assert_eq!(
        v["device_ids"], "dropped",
        "DATA-2: no device-id consent, dropped"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM usage_events WHERE device_ciphertext IS NULL"
        )
        .await,
        2
    );
    // DATA-1: the IP is stored truncated.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM usage_events WHERE ip_prefix = '127.0.0.0/24'"
        )
        .await,
        2
    );

    app.json(
        "PUT",
        "/api/v1/me/consents/device_identifiers",
        &user,
        Some(&json!({ "granted": true })),
        200,
    )
    .await;
    let v = app.json("POST", "/api/v1/events", &user, Some(&batch), 202).await;
    assert_eq!(v["device_ids"], "stored");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM usage_events WHERE device_ciphertext IS NOT NULL"
        )
        .await,
        2
    );
    // SEC-4: stored encrypted.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM usage_events WHERE CAST(device_ciphertext AS TEXT) LIKE '%OAID-SECRET%'"
        )
        .await,
        0
    );

    // CON-4: withdrawing removes what the consent allowed, at once.
    let v = app
        .json(
            "PUT",
            "/api/v1/me/consents/device_identifiers",
            &user,
            Some(&json!({ "granted": false })),
            200,
        )
        .await;
    assert_eq!(v["removed_records"], 2);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM usage_events WHERE device_ciphertext IS NOT NULL"
        )
        .await,
        0
    );
    app.json(
        "PUT",
        "/api/v1/me/consents/analytics",
        &user,
        Some(&json!({ "granted": false })),
        200,
    )
    .await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM usage_events").await, 0);
    let r = app
        .call("POST", "/api/v1/events", Some(&user), Some(&batch))
        .await;
    assert_eq!(r.status(), 403, "the very next request is refused");

    // Purposes the service needs cannot be switched off (only the account cancelled).
    let r = app
        .call(
            "PUT",
            "/api/v1/me/consents/account",
            Some(&user),
            Some(&json!({ "granted": false })),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .call(
            "PUT",
            "/api/v1/me/consents/telemetry",
            Some(&user),
            Some(&json!({ "granted": true })),
        )
        .await;
    // A purpose the service does not declare names no consent.
    assert_eq!(r.status(), 404);
    // The ledger is append-only: four decisions after the two agreements
    // and the tick for the phone number (§11).
    assert_eq!(count(&app, "SELECT COUNT(*) FROM consents").await, 3 + 4);
    let v = app.json("GET", "/api/v1/me/consents", &user, None, 200).await;
    let faces = v["purposes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["purpose"] == "faces")
        .cloned()
        .unwrap_or_default();
    assert_eq!(faces["basis"], "separate_consent");
    assert_eq!(faces["granted"], false);
}

#[tokio::test]
async fn cook1_cookie_consent_before_sign_in() {
    let app = spawn_privacy_app().await;
    let r = app
        .client
        .get(app.url("/api/v1/consent-state"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.starts_with("xuancai_device=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(
        v,
        json!({ "essential": true, "analytics": false, "advertising": false, "decided": false })
    );
    let device = cookie.split(';').next().unwrap_or_default().to_string();
    let r = app
        .client
        .put(app.url("/api/v1/consent-state"))
        .header("cookie", &device)
        .json(&json!({ "analytics": true, "advertising": false }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["analytics"], true);
    assert_eq!(v["decided"], true);
    // Cleared cookies: a new browser starts from essential only.
    let v = app.get_json("/api/v1/consent-state").await;
    assert_eq!(v["analytics"], false);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM consents WHERE device_hash IS NOT NULL"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn con5_data4_ret1_documents_are_rendered_from_the_inventory() {
    let app = spawn_privacy_app().await;
    let docs = app.get_json("/api/v1/documents").await;
    assert_eq!(docs["documents"].as_array().map(Vec::len), Some(5));
    assert!(
        docs["region"]
            .as_str()
            .unwrap_or_default()
            .contains("中华人民共和国")
    );
    let get = |path: String| {
        let app = &app;
        async move {
            let r = app
                .client
                .get(app.url(&path))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.status(), 200, "{path}");
            assert!(
                r.headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .starts_with("text/html")
            );
            r.text().await.unwrap_or_default()
        }
    };
    let policy = get("/api/v1/documents/privacy_policy".into()).await;
    for p in xuancai_domain::privacy::PURPOSES {
        assert!(policy.contains(p.name_zh), "CON-5: {}", p.key);
    }
    assert!(
        policy.contains("<strong class=\"key\">"),
        "key clauses emphasised"
    );
    let sdk = get("/api/v1/documents/sdk_register".into()).await;
    for p in xuancai_domain::privacy::PROCESSORS {
        assert!(
            sdk.contains(p.policy_url.split('&').next().unwrap_or_default()),
            "DATA-4: {}",
            p.key
        );
    }
    assert!(
        get("/api/v1/documents/children_rules".into())
            .await
            .contains("删除")
    );
    let r = app
        .client
        .get(app.url("/api/v1/documents/nope"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 404);
}
