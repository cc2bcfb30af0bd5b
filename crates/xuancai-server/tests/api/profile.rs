//! ACC-3, ACC-5, ACC-8, SEC-2: profile, avatar, password sign-in, coins.

use serde_json::{Value, json};

use crate::helpers::{Backend, jpeg, spawn_app, spawn_with};

/// ACC-5 and R-2: the user corrects their own profile.
#[tokio::test]
async fn acc5_profile_nickname_birth_date_and_avatar() {
    let app = spawn_app().await;
    let t = app.login("13800138000", "+8613800138000").await;
    let me = app.json("GET", "/api/v1/me", &t, None, 200).await;
    assert_eq!(
        (
            me["nickname"].is_null(),
            me["avatar"].is_null(),
            me["coins"].as_i64()
        ),
        (true, true, Some(0))
    );

    let me = app
        .json(
            "PATCH",
            "/api/v1/me",
            &t,
            Some(&json!({ "nickname": " 小炫 ", "birth_date": "2001-02-03" })),
            200,
        )
        .await;
    assert_eq!(
        (me["nickname"].as_str(), me["birth_date"].as_str()),
        (Some("小炫"), Some("2001-02-03"))
    );
    // Malformed is 400; well-formed but refused by a rule is 422.
    for (body, status, code) in [
        (json!({ "nickname": "" }), 400, "invalid_nickname"),
        (json!({ "birth_date": "2999-01-01" }), 422, "invalid_birth_date"),
        (json!({ "birth_date": "2001-02-30" }), 400, "invalid_date"),
        (json!({ "nickname": 7 }), 400, "invalid_json"),
        (json!({ "email": "x@y" }), 400, "invalid_json"),
    ] {
        let v = app.json("PATCH", "/api/v1/me", &t, Some(&body), status).await;
        assert_eq!(v["code"], code, "{body}");
    }
    // A JSON array (or any non-object) is refused, never read by position
    // into the struct's fields; nothing changes.
    for body in [json!(["x", "2001-01-01"]), json!("x"), json!(7), json!(null)] {
        let v = app.json("PATCH", "/api/v1/me", &t, Some(&body), 400).await;
        assert_eq!(v["code"], "invalid_json", "{body}");
    }
    let me = app.json("GET", "/api/v1/me", &t, None, 200).await;
    assert_eq!(
        (me["nickname"].as_str(), me["birth_date"].as_str()),
        (Some("小炫"), Some("2001-02-03")),
        "a refused body changed nothing"
    );
    // A refused change changed nothing; null clears.
    let me = app
        .json(
            "PATCH",
            "/api/v1/me",
            &t,
            Some(&json!({ "birth_date": null })),
            200,
        )
        .await;
    assert_eq!(
        (me["nickname"].as_str(), me["birth_date"].is_null()),
        (Some("小炫"), true)
    );

    // Avatar: any photo becomes a 256×256 WebP; replacing it; removing it.
    let form = |bytes: Vec<u8>| {
        reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("me.jpg"))
    };
    for seed in [1u8, 2] {
        let r = app
            .client
            .put(app.url("/api/v1/me/avatar"))
            .bearer_auth(&t)
            .multipart(form(jpeg(800, 600, seed)))
            .send()
            .await;
        assert_eq!(r.map(|r| r.status().as_u16()).ok(), Some(200));
    }
    // Issue 19 item 7: a replaced avatar (a face) is deleted from the blob
    // store by the clean-up job, not only unlinked.
    let user = me["user_id"].as_str().unwrap_or_default().to_string();
    let avatars = || {
        let dir = app.data_dir.join("blobs").join("u").join(&user).join("avatar");
        let mut files = Vec::new();
        let mut todo = vec![dir];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                if e.path().is_dir() {
                    todo.push(e.path());
                } else {
                    files.push(e.path());
                }
            }
        }
        files
    };
    app.control.run_jobs_once().await;
    assert_eq!(
        avatars().len(),
        1,
        "only the current avatar is stored: {:?}",
        avatars()
    );
    let r = app.call("GET", "/api/v1/me/avatar", Some(&t), None).await;
    assert_eq!(
        r.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("image/webp")
    );
    let bytes = r.bytes().await.unwrap_or_default();
    let img = xuancai_imaging::decode::decode(&bytes, &Default::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(img.image.dimensions(), (256, 256));
    let r = app
        .client
        .put(app.url("/api/v1/me/avatar"))
        .bearer_auth(&t)
        .multipart(form(b"nope".to_vec()))
        .send()
        .await;
    assert_eq!(r.map(|r| r.status().as_u16()).ok(), Some(415));
    assert_eq!(
        app.call("DELETE", "/api/v1/me/avatar", Some(&t), None)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.call("GET", "/api/v1/me/avatar", Some(&t), None)
            .await
            .status(),
        404
    );
    app.control.run_jobs_once().await;
    assert_eq!(
        avatars(),
        Vec::<std::path::PathBuf>::new(),
        "a removed avatar is deleted"
    );
}

#[tokio::test]
async fn acc3_password_set_login_change_and_limits() {
    let app = spawn_with(Backend::SqliteLocal, |c| c.password_failures_per_hour = 3).await;
    let t = app.login("13800138000", "+8613800138000").await;
    let login = |phone: &str, password: &str| {
        let body = json!({ "phone": phone, "password": password });
        let app = &app;
        async move { app.post("/api/v1/auth/password", &body).await }
    };
    // No password yet: same answer as a wrong one.
    let r = login("13800138000", "whatever123").await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap_or_default()["code"],
        "invalid_credentials"
    );

    let v = app
        .json(
            "PUT",
            "/api/v1/me/password",
            &t,
            Some(&json!({ "new_password": "short" })),
            422,
        )
        .await;
    assert_eq!(v["code"], "weak_password");
    let v = app
        .json(
            "PUT",
            "/api/v1/me/password",
            &t,
            Some(&json!({ "new_password": "tiger lily 42" })),
            200,
        )
        .await;
    let t2 = v["token"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        app.call("GET", "/api/v1/me", Some(&t), None).await.status(),
        401,
        "old sessions revoked"
    );
    assert_eq!(
        app.json("GET", "/api/v1/me", &t2, None, 200).await["has_password"],
        true
    );

    // SEC-2: stored as an Argon2id PHC string, never the password.
    let db =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", app.data_dir.join("xuancai.db").display())).await;
    let db = db.unwrap_or_else(|e| panic!("{e}"));
    let (phc,): (String,) = sqlx::query_as("SELECT password_hash FROM users WHERE password_hash IS NOT NULL")
        .fetch_one(&db)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$") && !phc.contains("tiger"),
        "{phc}"
    );

    let r = login("+86 138 0013 8000", "tiger lily 42").await;
    assert_eq!(r.status(), 200);
    let t3 = r.json::<Value>().await.unwrap_or_default()["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // Changing needs the current password.
    let v = app
        .json(
            "PUT",
            "/api/v1/me/password",
            &t3,
            Some(&json!({ "new_password": "new secret 99" })),
            401,
        )
        .await;
    assert_eq!(v["code"], "invalid_credentials");
    let v = app
        .json(
            "PUT",
            "/api/v1/me/password",
            &t3,
            Some(&json!({ "current_password": "tiger lily 42", "new_password": "new secret 99" })),
            200,
        )
        .await;
    assert!(v["token"].is_string());

    // Unknown numbers answer like wrong passwords; failures are limited per number.
    let r = login("13900139000", "tiger lily 42").await;
    assert_eq!(
        r.json::<Value>().await.unwrap_or_default()["code"],
        "invalid_credentials"
    );
    // The very first attempt (before a password existed) counted as one failure.
    for _ in 0..2 {
        assert_eq!(login("13800138000", "wrong wrong").await.status(), 401);
    }
    let r = login("13800138000", "new secret 99").await;
    assert_eq!(
        r.status(),
        429,
        "locked for the hour even with the right password"
    );
}

#[tokio::test]
async fn acc3_hashes_made_with_old_parameters_are_upgraded_at_login() {
    let old = spawn_app().await;
    let t = old.login("13800138000", "+8613800138000").await;
    old.json(
        "PUT",
        "/api/v1/me/password",
        &t,
        Some(&json!({ "new_password": "tiger lily 42" })),
        200,
    )
    .await;
    // The same data dir (database and dev master key) served with stronger parameters.
    let dir = old.data_dir.clone();
    let new = spawn_with(Backend::SqliteLocal, |c| {
        c.data_dir = dir;
        c.argon2_m_cost_kib = 2048;
        c.argon2_t_cost = 2;
    })
    .await;
    let r = new
        .post(
            "/api/v1/auth/password",
            &json!({ "phone": "13800138000", "password": "tiger lily 42" }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let db =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", old.data_dir.join("xuancai.db").display())).await;
    let (phc,): (String,) = sqlx::query_as("SELECT password_hash FROM users")
        .fetch_one(&db.unwrap_or_else(|e| panic!("{e}")))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        phc.starts_with("$argon2id$v=19$m=2048,t=2,p=1$"),
        "re-hashed: {phc}"
    );
}

#[tokio::test]
async fn acc8_daily_check_in_once_a_day_on_an_append_only_ledger() {
    let app = spawn_app().await;
    let t = app.login("13800138000", "+8613800138000").await;
    app.consent(&t, "coins", true).await;
    let v = app.json("POST", "/api/v1/coins/check-in", &t, None, 201).await;
    assert_eq!(
        (v["awarded"].as_i64(), v["balance"].as_i64()),
        (Some(10), Some(10))
    );
    let v = app.json("POST", "/api/v1/coins/check-in", &t, None, 200).await;
    assert_eq!(
        (v["awarded"].as_i64(), v["already_checked_in"].as_bool()),
        (Some(0), Some(true))
    );
    // Concurrent check-ins still award once.
    let other = app.login("13900139000", "+8613900139000").await;
    app.consent(&other, "coins", true).await;
    let calls = (0..8).map(|_| app.call("POST", "/api/v1/coins/check-in", Some(&other), None));
    let statuses: Vec<u16> = futures_util::future::join_all(calls)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    let v = app.json("GET", "/api/v1/coins", &other, None, 200).await;
    assert_eq!(v["balance"], 10);
    assert_eq!(v["entries"].as_array().map(Vec::len), Some(1));
    assert!(
        v["entries"][0]["reference"]
            .as_str()
            .is_some_and(|r| r.starts_with("check_in:"))
    );
    assert_eq!(app.json("GET", "/api/v1/me", &t, None, 200).await["coins"], 10);
}
