//! ACC-1, ACC-2, ACC-4: phone login by SMS code, sessions, errors.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app, spawn_with};

async fn body(r: reqwest::Response) -> Value {
    r.json().await.unwrap_or_else(|e| panic!("{e}"))
}

async fn login_story(app: &TestApp) {
    let r = app.request_code("138 0013 8000").await;
    assert_eq!(r.status(), 202);
    let code = app.last_code("+8613800138000");
    assert_eq!(code.len(), 6);
    let agree = app.agreement().await;
    let r = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": "13800138000", "code": code, "agree": agree, "sensitive": ["phone"] }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let v = body(r).await;
    assert_eq!(v["new_account"], true);
    let user_id = v["user_id"].as_str().unwrap_or_default().to_string();
    assert!(
        user_id.starts_with("u_") && user_id.len() == 28,
        "ACC-2 opaque id: {user_id}"
    );
    let token = v["token"].as_str().unwrap_or_default().to_string();

    let me = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(me.status(), 200);
    let me = body(me).await;
    assert_eq!(me["user_id"], user_id.as_str());
    assert_eq!(me["phone"], "+86 138****8000");

    // The code was single use.
    let r = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": "13800138000", "code": code }),
        )
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(body(r).await["code"], "code_invalid");

    let r = app
        .client
        .post(format!("{}/api/v1/auth/logout", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 204);
    let r = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 401);
    assert_eq!(body(r).await["code"], "unauthenticated");
}

#[tokio::test]
async fn acc1_login_by_sms_code_on_sqlite() {
    let app = spawn_app().await;
    login_story(&app).await;
    // Health and readiness.
    for path in ["/health", "/ready"] {
        let r = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn acc1_login_by_sms_code_on_postgres() {
    let app = spawn_with(Backend::PostgresS3, |_| {}).await;
    login_story(&app).await;
    let second = app.login("+86 139 0013 9000", "+8613900139000").await;
    assert!(!second.is_empty());
    app.cleanup().await;
}

#[tokio::test]
async fn acc1_same_answer_whether_or_not_registered_and_rate_limited() {
    let app = spawn_app().await;
    let _ = app.login("13800138000", "+8613800138000").await;
    let known = app.request_code("13700137000").await;
    let unknown_status = known.status();
    let unknown_body = body(known).await;
    // A registered number (after the per-minute limit window is not hit: new number each time).
    let app2 = spawn_app().await;
    let _ = app2.login("13700137000", "+8613700137000").await;
    let r = app2.request_code("13600136000").await;
    assert_eq!(r.status(), unknown_status);
    assert_eq!(body(r).await, unknown_body);
    // One code a minute per number.
    let r = app.request_code("13700137000").await;
    assert_eq!(r.status(), 429);
    let v = body(r).await;
    assert_eq!(v["code"], "rate_limited");
    assert!(!v["request_id"].as_str().unwrap_or_default().is_empty());
}

#[tokio::test]
async fn acc1_wrong_codes_are_limited() {
    let app = spawn_app().await;
    let r = app.request_code("13800138000").await;
    assert_eq!(r.status(), 202);
    let right = app.last_code("+8613800138000");
    let wrong = if right == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let r = app
            .post(
                "/api/v1/auth/login",
                &json!({ "phone": "13800138000", "code": wrong }),
            )
            .await;
        assert_eq!(body(r).await["code"], "code_invalid");
    }
    let r = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": "13800138000", "code": right }),
        )
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(body(r).await["code"], "code_attempts_exhausted");
}

#[tokio::test]
async fn bad_input_gets_typed_errors() {
    let app = spawn_app().await;
    for (payload, code) in [
        ("{\"phone\": ", "invalid_json"),
        ("{\"phone\": \"12345\"}", "invalid_phone"),
        ("[1,2]", "invalid_json"),
    ] {
        let r = app
            .client
            .post(format!("{}/api/v1/auth/code", app.address))
            .header("content-type", "application/json")
            .body(payload)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), 400, "{payload}");
        let id = r.headers().get("x-request-id").cloned();
        let v = body(r).await;
        assert_eq!(v["code"], code, "{payload}");
        assert_eq!(
            id.and_then(|h| h.to_str().ok().map(str::to_string)).as_deref(),
            v["request_id"].as_str()
        );
    }
    let r = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": "13800138000", "code": "12ab56" }),
        )
        .await;
    assert_eq!(body(r).await["code"], "invalid_code");
    // Oversized bodies are refused.
    let big = "x".repeat(100_000);
    let r = app.post("/api/v1/auth/code", &json!({ "phone": big })).await;
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn acc4_cookie_writes_need_the_csrf_header() {
    let app = spawn_app().await;
    let token = app.login("13800138000", "+8613800138000").await;
    let cookie = format!("xuancai_session={token}");
    let url = format!("{}/api/v1/auth/logout", app.address);
    let r = app
        .client
        .post(&url)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 403);
    assert_eq!(body(r).await["code"], "csrf_required");
    let me = format!("{}/api/v1/me", app.address);
    let r = app
        .client
        .get(&me)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200, "reads by cookie need no header");
    let r = app
        .client
        .post(&url)
        .header("cookie", &cookie)
        .header("x-xuancai-csrf", "1")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 204);
}
