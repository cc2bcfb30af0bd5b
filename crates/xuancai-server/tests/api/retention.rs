//! ACC-6/R-5 (cancellation), the RET-2 proof — three months after
//! cancelling, nothing readable of the user remains in any table or blob, on
//! SQLite + local files and on PostgreSQL + S3 — legal holds, and RET-3
//! (shutdown).

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, jpeg, spawn_with};
use crate::privacy::OPERATOR;
use crate::rights::{app_on, fresh_code};

/// Every stored value (all tables) as text or bytes, and every blob key.
async fn everything(app: &TestApp, backend: Backend) -> (Vec<Vec<u8>>, Vec<String>) {
    let mut values = Vec::new();
    match backend {
        Backend::SqliteLocal => {
            let url = format!("sqlite://{}", app.data_dir.join("xuancai.db").display());
            let pool = sqlx::SqlitePool::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let tables: Vec<(String,)> =
                sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table'")
                    .fetch_all(&pool)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
            for (t,) in tables {
                let cols: Vec<(String,)> =
                    sqlx::query_as(&format!("SELECT name FROM pragma_table_info('{t}')"))
                        .fetch_all(&pool)
                        .await
                        .unwrap_or_else(|e| panic!("{e}"));
                for (c,) in cols {
                    let rows: Vec<(Option<Vec<u8>>,)> =
                        sqlx::query_as(&format!("SELECT CAST(\"{c}\" AS BLOB) FROM \"{t}\""))
                            .fetch_all(&pool)
                            .await
                            .unwrap_or_else(|e| panic!("{t}.{c}: {e}"));
                    values.extend(rows.into_iter().filter_map(|r| r.0));
                }
            }
        }
        Backend::PostgresS3 => {
            let url = app.config.database_url.clone().unwrap_or_default();
            let pool = sqlx::PgPool::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let cols: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema()",
            )
            .fetch_all(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            assert!(cols.len() > 20, "{cols:?}");
            for (t, c, ty) in cols {
                let expr = if ty == "bytea" {
                    format!("\"{c}\"")
                } else {
                    format!("convert_to(\"{c}\"::text, 'UTF8')")
                };
                let rows: Vec<(Option<Vec<u8>>,)> = sqlx::query_as(&format!("SELECT {expr} FROM \"{t}\""))
                    .fetch_all(&pool)
                    .await
                    .unwrap_or_else(|e| panic!("{t}.{c}: {e}"));
                values.extend(rows.into_iter().filter_map(|r| r.0));
            }
        }
    }
    let keys = match backend {
        Backend::SqliteLocal => {
            let mut keys = Vec::new();
            let mut stack = vec![app.data_dir.join("blobs")];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                    if e.path().is_dir() {
                        // a directory's name counts too (an empty
                        // directory named after the user is a trace).
                        keys.push(format!("{}/", e.path().display()));
                        stack.push(e.path());
                    } else {
                        keys.push(e.path().display().to_string());
                    }
                }
            }
            keys
        }
        Backend::PostgresS3 => {
            let bucket = app
                .config
                .blob_url
                .clone()
                .unwrap_or_default()
                .replace("s3://", "");
            let endpoint = app.config.s3.endpoint.clone().unwrap_or_default();
            let xml = reqwest::get(format!("{endpoint}/{bucket}?list-type=2"))
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .text()
                .await
                .unwrap_or_default();
            xml.split("<Key>")
                .skip(1)
                .filter_map(|s| s.split("</Key>").next())
                .map(str::to_string)
                .collect()
        }
    };
    (values, keys)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

async fn ret2_story(backend: Backend) {
    let app = app_on(backend).await;
    let (phone, e164) = ("13800138000", "+8613800138000");
    let token = app.login(phone, e164).await;
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    let me = app.json("GET", "/api/v1/me", &token, None, 200).await;
    let user_id = me["user_id"].as_str().unwrap_or_default().to_string();
    let raw_id = xuancai_domain::UserId::parse(&user_id).unwrap_or_else(|e| panic!("{e}"));
    let nickname = "注销测试昵称";
    // Everything the user can have: profile, avatar, photos, album, coins,
    // consents, usage with device ids, requests.
    app.json(
        "PATCH",
        "/api/v1/me",
        &token,
        Some(&json!({ "nickname": nickname, "birth_date": "1990-05-04" })),
        200,
    )
    .await;
    let part = reqwest::multipart::Part::bytes(jpeg(300, 300, 3)).file_name("a.jpg");
    let r = app
        .client
        .put(app.url("/api/v1/me/avatar"))
        .bearer_auth(&token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200);
    for seed in 0..3 {
        assert_eq!(
            app.upload(&token, "p.jpg", jpeg(200, 150, seed)).await.status(),
            201
        );
    }
    app.json(
        "POST",
        "/api/v1/albums",
        &token,
        Some(&json!({ "name": "家人" })),
        201,
    )
    .await;
    app.consent(&token, "coins", true).await;
    app.json("POST", "/api/v1/coins/check-in", &token, None, 201)
        .await;
    for p in ["analytics", "device_identifiers", "personalisation"] {
        app.json(
            "PUT",
            &format!("/api/v1/me/consents/{p}"),
            &token,
            Some(&json!({ "granted": true })),
            200,
        )
        .await;
    }
    app.json(
        "POST",
        "/api/v1/events",
        &token,
        Some(&json!({ "events": [{ "kind": "app_open" }], "device_ids": { "imei": "860000000000001" } })),
        202,
    )
    .await;
    let code = fresh_code(&app, &token, e164).await;
    app.json(
        "POST",
        "/api/v1/me/requests",
        &token,
        Some(&json!({ "kind": "correction", "detail": "nickname typo", "code": code })),
        201,
    )
    .await;
    app.json("GET", &format!("/api/v1/ops/users/{user_id}"), &op, None, 200)
        .await;
    // An announcement in the inbox, then a registered push device.
    app.broadcast(
        &op,
        &json!({ "kind": "service", "title": "维护通知", "body": "" }),
    )
    .await;
    app.json(
        "PUT",
        "/api/v1/me/consents/push",
        &token,
        Some(&json!({ "granted": true })),
        200,
    )
    .await;
    let device = web_push_native::p256::SecretKey::from_slice(&[5u8; 32]).unwrap_or_else(|e| panic!("{e}"));
    let p256dh = {
        use base64ct::Encoding as _;
        use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint as _;
        base64ct::Base64UrlUnpadded::encode_string(device.public_key().to_encoded_point(false).as_bytes())
    };
    app.json(
        "PUT",
        "/api/v1/me/push",
        &token,
        Some(&json!({ "provider": "web_push", "subscription": {
            "endpoint": "http://127.0.0.1:9/send/device-secret-endpoint",
            "keys": { "p256dh": p256dh, "auth": "CQkJCQkJCQkJCQkJCQkJCQ" } } })),
        201,
    )
    .await;
    // The studio and works (issue 7): a sticker job (its template use is
    // counted for the user: personalisation is on), a public work with a
    // comment, a blessing sent to someone else.
    let photo = {
        let r = app.upload(&token, "w.jpg", jpeg(240, 180, 9)).await;
        let v: Value = r.json().await.unwrap_or_default();
        v["photo"]["id"].as_str().unwrap_or_default().to_string()
    };
    let job = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "sticker", "photo": photo, "template": "greeting", "caption": "注销测试贴纸" })),
            202,
        )
        .await;
    let done = crate::jobs::settle(&app, &token, job["id"].as_str().unwrap_or_default()).await;
    assert_eq!(done["state"], "done", "{done}");
    // A sticker pack (its ZIP is a blob under the user's prefix).
    let pack = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "pack", "photos": [photo], "platform": "telegram", "name": "注销测试表情包" })),
            202,
        )
        .await;
    let done = crate::jobs::settle(&app, &token, pack["id"].as_str().unwrap_or_default()).await;
    assert_eq!(done["state"], "done", "{done}");
    let work = app
        .json(
            "POST",
            "/api/v1/works",
            &token,
            Some(&json!({ "photo": photo, "visibility": "public" })),
            201,
        )
        .await;
    let work_id = work["id"].as_str().unwrap_or_default();
    app.json(
        "POST",
        &format!("/api/v1/works/{work_id}/comments"),
        &token,
        Some(&json!({ "text": "注销测试评论" })),
        201,
    )
    .await;
    let op_id = app.json("GET", "/api/v1/me", &op, None, 200).await["user_id"].clone();
    app.json(
        "POST",
        "/api/v1/blessings",
        &token,
        Some(&json!({ "to": op_id, "work": work_id, "message": "注销测试祝福" })),
        201,
    )
    .await;
    // What anyone sees of the user before cancelling.
    let public = crate::public::public_presence(&app, &op, &user_id, work_id).await;
    assert_eq!(
        public,
        vec![
            "work",
            "image",
            "feed",
            "user page",
            "avatar",
            "comment",
            "blessing"
        ]
    );
    let (values, keys) = everything(&app, backend).await;
    assert!(
        values.iter().any(|v| contains(v, raw_id.as_bytes())),
        "the scan sees the user before"
    );
    assert!(keys.iter().any(|k| k.contains(&user_id)), "and their blobs");
    assert!(
        keys.iter().any(|k| k.contains(&format!("{user_id}/packs/"))),
        "the pack's ZIP among them"
    );
    assert!(
        keys.iter().any(|k| k.contains(&format!("{user_id}/results/"))),
        "and the sticker job's result"
    );

    // ACC-6: preview, then confirm with a fresh code and both confirmations.
    let preview = app
        .json("GET", "/api/v1/me/cancellation", &token, None, 200)
        .await;
    assert_eq!(preview["coins_forfeited"], 10);
    assert_eq!(
        preview["photos"], 4,
        "three uploads and one more (the sticker is its job's, issue 22 item 5)"
    );
    let code = fresh_code(&app, &token, e164).await;
    let r = app
        .call(
            "POST",
            "/api/v1/me/cancellation",
            Some(&token),
            Some(&json!({ "code": code, "confirm_exported": true, "confirm_forfeit": false })),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .call(
            "POST",
            "/api/v1/me/cancellation",
            Some(&token),
            Some(&json!({ "code": "000000", "confirm_exported": true, "confirm_forfeit": true })),
        )
        .await;
    assert!(r.status() == 401 || code == "000000");
    let code = fresh_code(&app, &token, e164).await;
    let v = app
        .json(
            "POST",
            "/api/v1/me/cancellation",
            &token,
            Some(&json!({ "code": code, "confirm_exported": true, "confirm_forfeit": true })),
            200,
        )
        .await;
    assert_eq!(v["status"], "cancelled");
    // Sessions revoked at once; the account can no longer be used.
    assert_eq!(
        app.call("GET", "/api/v1/me", Some(&token), None).await.status(),
        401
    );
    assert_eq!(
        app.call("GET", "/api/v1/photos", Some(&token), None)
            .await
            .status(),
        401
    );

    // R-8, ACC-6: hidden from everyone at once, long before erasure.
    let public = crate::public::public_presence(&app, &op, &user_id, work_id).await;
    assert!(public.is_empty(), "still public after cancellation: {public:?}");

    // RET-2: erased by the start of the day three calendar months later
    // (31 January → 30 April), not after a count of days.
    let cancelled_on = xuancai_domain::Date::from_unix_ms(app.control.now(), 480);
    let erase_by = cancelled_on.plus_months(3).start_ms(480);
    assert_eq!(v["erase_by"], erase_by, "{v}");
    assert_eq!(app.control.run_jobs_once().await.erased_accounts, 0);
    // A second before (the clock runs on in real time while the jobs run,
    // so a millisecond's margin fails on a loaded machine; the exact
    // boundary is proven in xuancai-app's tests/app/retention.rs).
    app.control.advance(erase_by - app.control.now() - 1_000);
    assert_eq!(app.control.run_jobs_once().await.erased_accounts, 0);
    app.control.advance(1_000);
    let report = app.control.run_jobs_once().await;
    assert_eq!(report.erased_accounts, 1, "{report:?}");

    let (values, keys) = everything(&app, backend).await;
    let id_hex: String = raw_id.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    for (what, needle) in [
        ("user id", raw_id.as_bytes().to_vec()),
        ("user id text", user_id.as_bytes().to_vec()),
        ("user id hex", id_hex.as_bytes().to_vec()),
        ("phone", e164.as_bytes().to_vec()),
        ("phone digits", phone.as_bytes().to_vec()),
        ("nickname", nickname.as_bytes().to_vec()),
        ("request text", b"nickname typo".to_vec()),
        ("device id", b"860000000000001".to_vec()),
        ("push endpoint", b"device-secret-endpoint".to_vec()),
        ("sticker caption", "注销测试贴纸".as_bytes().to_vec()),
        ("pack name", "注销测试表情包".as_bytes().to_vec()),
        ("comment", "注销测试评论".as_bytes().to_vec()),
        ("blessing", "注销测试祝福".as_bytes().to_vec()),
    ] {
        let found = values.iter().filter(|v| contains(v, &needle)).count();
        assert_eq!(found, 0, "RET-2: {what} still stored in {found} value(s)");
    }
    let left: Vec<&String> = keys.iter().filter(|k| k.contains(&user_id)).collect();
    assert!(left.is_empty(), "RET-2: blobs left: {left:?}");
    // The operator still has the anonymous trace of the requests and the aggregate.
    if backend == Backend::SqliteLocal {
        assert_eq!(
            crate::privacy::count(&app, "SELECT COUNT(*) FROM rights_requests WHERE user_id IS NULL").await,
            2
        );
        assert_eq!(
            crate::privacy::count(&app, "SELECT SUM(count) FROM erasure_counts").await,
            1
        );
    }
    // The number is free again: a new account, with nothing of the old.
    let again = app.login(phone, e164).await;
    let me2 = app.json("GET", "/api/v1/me", &again, None, 200).await;
    assert_ne!(me2["user_id"], me["user_id"]);
    assert_eq!(me2["nickname"], Value::Null);
    app.cleanup().await;
}

/// the user cancels the account.
#[tokio::test]
async fn ret2_acc6_r5_cancelled_account_leaves_nothing_on_sqlite_and_local_files() {
    ret2_story(Backend::SqliteLocal).await;
}

/// the user cancels the account.
#[tokio::test]
async fn ret2_acc6_r5_cancelled_account_leaves_nothing_on_postgres_and_s3() {
    ret2_story(Backend::PostgresS3).await;
}

#[tokio::test]
async fn ret2_a_recorded_legal_hold_stops_erasure_until_released() {
    let app = app_on(Backend::SqliteLocal).await;
    let (phone, e164) = ("13800138000", "+8613800138000");
    let token = app.login(phone, e164).await;
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    let user_id = app.json("GET", "/api/v1/me", &token, None, 200).await["user_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/ops/users/{user_id}/holds"),
            Some(&op),
            Some(&json!({ "reason": " " })),
        )
        .await;
    assert_eq!(r.status(), 400);
    let hold = app
        .json(
            "POST",
            &format!("/api/v1/ops/users/{user_id}/holds"),
            &op,
            Some(&json!({ "reason": "公安机关调取通知 2026-118" })),
            201,
        )
        .await;
    let code = fresh_code(&app, &token, e164).await;
    app.json(
        "POST",
        "/api/v1/me/cancellation",
        &token,
        Some(&json!({ "code": code, "confirm_exported": true, "confirm_forfeit": true })),
        200,
    )
    .await;
    app.control.advance(100 * 86_400_000);
    let report = app.control.run_jobs_once().await;
    assert_eq!((report.erased_accounts, report.held_accounts), (0, 1));
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    let data = app
        .json("GET", &format!("/api/v1/ops/users/{user_id}"), &op, None, 200)
        .await;
    assert_eq!(data["holds"][0]["reason"], "公安机关调取通知 2026-118");
    let hold_id = hold["id"].as_str().unwrap_or_default();
    let r = app
        .call("DELETE", &format!("/api/v1/ops/holds/{hold_id}"), Some(&op), None)
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(app.control.run_jobs_once().await.erased_accounts, 1);
    // The hold itself stays recorded (the one thing kept, by design).
    assert_eq!(
        crate::privacy::count(&app, "SELECT COUNT(*) FROM legal_holds").await,
        1
    );
}

#[tokio::test]
async fn ret3_a_shutdown_is_announced_stops_sign_ups_and_erases_everything_after_its_period() {
    let today = xuancai_domain::Date::from_unix_ms(xuancai_server::clock::Clock::default().now(), 480);
    let closes = today.plus_days(10);
    // The service runs; two people have accounts; one is under a legal hold.
    let dir_app = app_on(Backend::SqliteLocal).await;
    let config = dir_app.config.clone();
    let alice = dir_app.login("13800138000", "+8613800138000").await;
    let _bob = dir_app.login("13900139000", "+8613900139000").await;
    let op = dir_app.login(OPERATOR.0, OPERATOR.1).await;
    assert_eq!(
        dir_app.upload(&alice, "a.jpg", jpeg(100, 80, 1)).await.status(),
        201
    );
    let bob_id = {
        let t = dir_app.login("13900139000", "+8613900139000").await;
        dir_app.json("GET", "/api/v1/me", &t, None, 200).await["user_id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    dir_app
        .json(
            "POST",
            &format!("/api/v1/ops/users/{bob_id}/holds"),
            &op,
            Some(&json!({ "reason": "诉讼保全 2026-7" })),
            201,
        )
        .await;

    // The operator announces the shutdown: restart with the date set, same data.
    let app = spawn_with(Backend::SqliteLocal, |c| {
        c.data_dir = config.data_dir.clone();
        c.operators = config.operators.clone();
        c.sends_per_phone_minute = 20;
        c.shutdown_date = Some(closes.to_string());
        c.shutdown_erase_days = 30;
    })
    .await;
    let docs = app.get_json("/api/v1/documents").await;
    assert_eq!(docs["shutdown"]["closes_on"], closes.to_string());
    assert_eq!(
        docs["shutdown"]["data_erased_on"],
        closes.plus_days(30).to_string()
    );
    // No new accounts; existing users can still sign in and export.
    app.request_code("13500135000").await;
    let code = app.last_code("+8613500135000");
    let agree = app.agreement().await;
    let r = app
        .post(
            "/api/v1/auth/login",
            &json!({ "phone": "13500135000", "code": code, "agree": agree, "sensitive": ["phone"] }),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        r.json::<Value>().await.unwrap_or_default()["code"],
        "service_closing"
    );
    app.login("13800138000", "+8613800138000").await;

    assert_eq!(app.control.run_jobs_once().await.erased_accounts, 0);
    app.control.advance(41 * 86_400_000);
    let report = app.control.run_jobs_once().await;
    assert_eq!(
        (report.erased_accounts, report.held_accounts),
        (2, 1),
        "{report:?}"
    );
    assert_eq!(
        crate::privacy::count(&app, "SELECT COUNT(*) FROM users").await,
        1,
        "only the held account"
    );
    assert_eq!(
        crate::privacy::count(&app, "SELECT COUNT(*) FROM photos").await,
        0
    );
}
