//! Issue 19, items 1 and 2 (ACC-1, ACC-7, MIN-4): one-time codes that hold
//! under concurrency and are bound to their purpose. The concurrency tests
//! really send their requests at once (tasks behind a barrier), through
//! the HTTP API, on SQLite + local files and on PostgreSQL + S3.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_with};

/// Many simultaneous guesses at one code: at most `code_max_attempts` are
/// judged (answered "accepted" or "wrong code; N tries left"); the others
/// find the code out of tries or gone.
async fn guesses_race(app: Arc<TestApp>) {
    let max = app.config.code_max_attempts as usize;
    for round in 0..3 {
        let phone = format!("1370013700{round}");
        let e164 = format!("+86{phone}");
        let r = app.request_code(&phone).await;
        assert_eq!(r.status(), 202);
        let right = app.last_code(&e164);
        let wrong = if right == "000000" { "000001" } else { "000000" };
        let agree = app.agreement().await;
        let n = 60;
        let barrier = Arc::new(tokio::sync::Barrier::new(n));
        let mut tasks = Vec::new();
        for i in 0..n {
            let (app, barrier, phone, agree) = (app.clone(), barrier.clone(), phone.clone(), agree.clone());
            let code = if i == n / 2 {
                right.clone()
            } else {
                wrong.to_string()
            };
            tasks.push(tokio::spawn(async move {
                let body = json!({ "phone": phone, "code": code, "agree": agree, "sensitive": ["phone"] });
                barrier.wait().await;
                let r = app.post("/api/v1/auth/login", &body).await;
                let status = r.status().as_u16();
                let v: Value = r.json().await.unwrap_or_default();
                (status, v)
            }));
        }
        let (mut judged, mut accepted) = (0, 0);
        for t in tasks {
            let (status, v) = t.await.unwrap_or_else(|e| panic!("{e}"));
            let message = v["message"].as_str().unwrap_or_default();
            if status == 200 {
                judged += 1;
                accepted += 1;
            } else if status == 401 && message.starts_with("wrong code") {
                judged += 1;
            } else {
                assert!(
                    [401, 429].contains(&status),
                    "round {round}: unexpected answer {status} {v}"
                );
            }
        }
        assert!(
            judged <= max,
            "round {round}: {judged} of {n} simultaneous guesses were judged (limit {max})"
        );
        assert!(
            accepted <= 1,
            "round {round}: the code was accepted {accepted} times"
        );
    }
}

/// Many simultaneous code requests for one number: the one a minute the
/// limit allows is sent, once.
async fn sends_race(app: Arc<TestApp>) {
    let n = 30;
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (app, barrier) = (app.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            app.request_code("13500135000").await.status().as_u16()
        }));
    }
    let mut sent = 0;
    for t in tasks {
        match t.await.unwrap_or_else(|e| panic!("{e}")) {
            202 => sent += 1,
            429 => {}
            other => panic!("unexpected answer {other}"),
        }
    }
    let outbox = std::fs::read_to_string(app.data_dir.join("sms-outbox.log")).unwrap_or_default();
    let sms = outbox
        .lines()
        .filter(|l| l.starts_with("+8613500135000 "))
        .count();
    assert_eq!(
        (sent, sms),
        (1, 1),
        "{n} simultaneous requests: one code a minute"
    );
}

async fn race_app(backend: Backend) -> Arc<TestApp> {
    Arc::new(
        spawn_with(backend, |c| {
            // Only the per-number limits are under test.
            c.sends_per_ip_day = 10_000;
        })
        .await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acc1_code_limits_hold_under_concurrency_on_sqlite() {
    let app = race_app(Backend::SqliteLocal).await;
    guesses_race(app.clone()).await;
    sends_race(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acc1_code_limits_hold_under_concurrency_on_postgres() {
    let app = race_app(Backend::PostgresS3).await;
    guesses_race(app.clone()).await;
    sends_race(app.clone()).await;
    if let Ok(app) = Arc::try_unwrap(app) {
        app.cleanup().await;
    }
}

/// MIN-4, ACC-1: a child names an adult's number as its guardian. The code
/// sent there says it is a guardian verification, and it cannot sign in to
/// the adult's account; the adult's own sign-in code is unaffected, and the
/// guardian code still does its job.
#[tokio::test]
async fn min4_acc1_a_guardian_code_cannot_sign_the_guardian_in() {
    let app = spawn_with(Backend::SqliteLocal, |_| {}).await;
    let adult = ("13600136000", "+8613600136000");
    // The adult has an account of their own.
    app.login(adult.0, adult.1).await;
    // A child signs up and names the adult as guardian.
    let child = ("13800138000", "+8613800138000");
    app.request_code(child.0).await;
    let code = app.last_code(child.1);
    let today = xuancai_domain::Date::from_unix_ms(app.control.now(), 480);
    let agree = app.agreement().await;
    let v: Value = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": child.0, "code": code, "agree": agree, "sensitive": ["phone"],
                     "birth_date": format!("{}-01-01", today.year() - 9) }),
        )
        .await
        .json()
        .await
        .unwrap_or_default();
    let child_token = v["token"].as_str().unwrap_or_default().to_string();
    // Past the one-code-a-minute limit of the adult's number.
    app.control.advance(61_000);
    app.json(
        "POST",
        "/api/v1/me/guardian/code",
        &child_token,
        Some(&json!({ "phone": adult.0 })),
        202,
    )
    .await;
    let (template, gcode, text) = app.last_sms(adult.1);
    assert_eq!(template, "guardian", "the guardian SMS has its own template");
    assert!(
        text.contains("监护人验证") && text.contains(&gcode),
        "the text names what the code is for: {text}"
    );
    // Whoever hears the code cannot sign in to the adult's account with it.
    let r = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": adult.0, "code": gcode, "agree": app.agreement().await, "sensitive": ["phone"] }),
        )
        .await;
    assert_eq!(r.status(), 401, "a guardian code is no sign-in code");
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["code"], "code_invalid");
    // The guardian code still verifies the guardian for this child.
    let agree = app.agreement_to(&["children_policy", "children_rules"]).await;
    app.json(
        "POST",
        "/api/v1/me/guardian",
        &child_token,
        Some(&json!({ "phone": adult.0, "code": gcode, "agree": agree })),
        200,
    )
    .await;
    // A sign-in code says it is one.
    app.control.advance(61_000);
    app.request_code(adult.0).await;
    let (template, _, text) = app.last_sms(adult.1);
    assert_eq!(template, "sign_in");
    assert!(text.contains("登录验证码"), "{text}");
}

/// CON-1 (issue 20 item 6): the number goes to the SMS gateway, and a send
/// is counted, only once the documents in force are agreed to; SEC-4: the
/// rate-limit key is a keyed hash of the IP, never the address.
#[tokio::test]
async fn con1_sec4_the_number_leaves_only_after_agreement_and_ips_are_keyed() {
    let app = crate::privacy::spawn_privacy_app().await;
    for agree in [
        json!({}),
        json!({ "user_agreement": "1999.01", "privacy_policy": "1999.01" }),
    ] {
        let r = app
            .post(
                "/api/v1/auth/code",
                &json!({ "phone": "13800138000", "agree": agree, "sensitive": ["phone"] }),
            )
            .await;
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or_default();
        assert!(
            (status, v["code"].as_str()) == (403, Some("agreement_required"))
                || (status, v["code"].as_str()) == (409, Some("document_version_stale")),
            "{status} {v}"
        );
    }
    let r = app
        .post("/api/v1/auth/code", &json!({ "phone": "13800138000" }))
        .await;
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["code"], "agreement_required");
    assert!(app.sms_to("+8613800138000").is_empty(), "nothing sent");
    assert_eq!(
        crate::privacy::count(&app, "SELECT COUNT(*) FROM code_sends").await,
        0,
        "nothing stored"
    );
    crate::privacy::send_code(&app, "13800138000").await;
    assert_eq!(app.sms_to("+8613800138000").len(), 1);
    assert_eq!(
        crate::privacy::count(&app, "SELECT COUNT(*) FROM code_sends").await,
        1
    );
    assert_eq!(
        crate::privacy::count(
            &app,
            "SELECT COUNT(*) FROM code_sends WHERE ip LIKE '%127.0.0.1%'"
        )
        .await,
        0,
        "the IP is stored keyed"
    );
}
