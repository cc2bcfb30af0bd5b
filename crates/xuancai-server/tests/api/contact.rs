//! R-7, MIN-5: the contact channels come from the operator's configuration
//! (examples say so), and a complaint — a guardian's about a child, too —
//! needs no account, is sealed at rest, lands in the operators' queue with
//! its deadline, is bounded per address, and is erased after its retention.

use serde_json::{Value, json};
use xuancai_app::contact::ContactConfig;

use crate::helpers::{Backend, TestApp, spawn_with};
use crate::privacy::OPERATOR;

const DAY_MS: i64 = 86_400_000;

fn operators_contact() -> ContactConfig {
    ContactConfig {
        operator: "某某影像科技有限公司".into(),
        email: "privacy@op.example.cn".into(),
        minors_email: "minors@op.example.cn".into(),
        address: "北京市海淀区中关村大街1号".into(),
        officer: "李四".into(),
        officer_email: "dpo@op.example.cn".into(),
        phone: Some("400-000-0000".into()),
        ..ContactConfig::default()
    }
}

async fn app_on(backend: Backend, configured: bool) -> TestApp {
    spawn_with(backend, |c| {
        c.operators = vec![OPERATOR.1.into()];
        if configured {
            c.contact = operators_contact();
        }
    })
    .await
}

async fn document(app: &TestApp, kind: &str) -> String {
    let r = app
        .call("GET", &format!("/api/v1/documents/{kind}"), None, None)
        .await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap_or_default()
}

#[tokio::test]
async fn r7_min5_contact_channels_come_from_the_configuration() {
    // Development defaults: the policy's example values, marked as examples.
    let app = app_on(Backend::SqliteLocal, false).await;
    let v: Value = app
        .call("GET", "/api/v1/contact", None, None)
        .await
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(v["example"], true, "{v}");
    assert_eq!(v["answer_within_working_days"], 15);
    let policy = document(&app, "privacy_policy").await;
    assert!(
        policy.contains("联系方式") && policy.contains("示例，运营者尚未配置"),
        "{policy}"
    );
    app.cleanup().await;

    // The operator's own channels, everywhere a user looks for them.
    let app = app_on(Backend::SqliteLocal, true).await;
    let v: Value = app
        .call("GET", "/api/v1/contact", None, None)
        .await
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(v["example"], false, "{v}");
    assert_eq!(v["minors_email"], "minors@op.example.cn");
    assert_eq!(v["officer"], "李四");
    assert!(
        v.get("complaints_per_ip_day").is_none(),
        "limits are not published: {v}"
    );
    for kind in ["privacy_policy", "children_policy", "children_rules"] {
        let doc = document(&app, kind).await;
        for value in [
            "某某影像科技有限公司",
            "privacy@op.example.cn",
            "minors@op.example.cn",
            "北京市海淀区中关村大街1号",
            "李四",
            "dpo@op.example.cn",
            "400-000-0000",
        ] {
            assert!(doc.contains(value), "{kind} lacks {value}");
        }
        assert!(!doc.contains("示例"), "{kind} still says example");
        assert!(
            !doc.contains("xmjukehuanliu"),
            "{kind} still shows the example address"
        );
    }
    app.cleanup().await;
}

async fn complaint_story(backend: Backend) {
    let app = app_on(backend, true).await;
    let message = "我是孩子的监护人，请删除我孩子上传的照片，孩子未经我同意注册。";
    // No account, no session: a guardian about a child (MIN-5).
    let receipt = app
        .json_anon(
            "POST",
            "/api/v1/complaints",
            &json!({ "topic": "minor", "message": message, "reply_to": "guardian@parents.example.cn",
                     "child": "昵称：小明" }),
            201,
        )
        .await;
    let id = receipt["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(id.len(), 32, "{receipt}");
    let received = receipt["received_at"].as_i64().unwrap_or_default();
    let deadline = receipt["deadline_at"].as_i64().unwrap_or_default();
    // 15 working days: at least three calendar weeks, at most five.
    assert!(
        deadline - received >= 19 * DAY_MS && deadline - received <= 35 * DAY_MS,
        "{receipt}"
    );

    // Sealed at rest: the database holds neither the text nor the reply address.
    if backend == Backend::SqliteLocal {
        let db = std::fs::read(app.data_dir.join("xuancai.db")).unwrap_or_default();
        let wal = std::fs::read(app.data_dir.join("xuancai.db-wal")).unwrap_or_default();
        for haystack in [&db, &wal] {
            for needle in [
                message.as_bytes(),
                b"guardian@parents.example.cn".as_slice(),
                "小明".as_bytes(),
            ] {
                assert!(
                    !haystack.windows(needle.len()).any(|w| w == needle),
                    "plaintext at rest"
                );
            }
        }
    }

    // The operators' queue, with the deadline; nobody else sees it.
    let user = app.login("13800138000", "+8613800138000").await;
    let r = app.call("GET", "/api/v1/ops/complaints", Some(&user), None).await;
    assert_eq!(r.status(), 404, "not an operator");
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    let q = app.json("GET", "/api/v1/ops/complaints", &op, None, 200).await;
    let items = q["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{q}");
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["topic"], "minor");
    assert_eq!(items[0]["message"], message);
    assert_eq!(items[0]["reply_to"], "guardian@parents.example.cn");
    assert_eq!(items[0]["child"], "昵称：小明");
    assert_eq!(items[0]["deadline_at"], deadline);
    assert_eq!(items[0]["overdue"], false);
    assert_eq!(q["overdue"], 0);

    // Past the deadline it is flagged overdue.
    app.control.advance(deadline - app.control.now() + 1);
    let q = app.json("GET", "/api/v1/ops/complaints", &op, None, 200).await;
    assert_eq!(q["items"][0]["overdue"], true, "{q}");
    assert_eq!(q["overdue"], 1);

    // Answered: out of the open queue, kept with the answer.
    let path = format!("/api/v1/ops/complaints/{id}");
    let r = app
        .call("POST", &path, Some(&op), Some(&json!({ "resolution": " " })))
        .await;
    assert_eq!(r.status(), 400, "an answer says what was done");
    app.json(
        "POST",
        &path,
        &op,
        Some(&json!({ "resolution": "已删除照片并邮件答复" })),
        200,
    )
    .await;
    let r = app
        .call("POST", &path, Some(&op), Some(&json!({ "resolution": "again" })))
        .await;
    assert_eq!(r.status(), 404, "answered once");
    let q = app.json("GET", "/api/v1/ops/complaints", &op, None, 200).await;
    assert_eq!(q["items"].as_array().map(Vec::len), Some(0), "{q}");
    let done = app
        .json("GET", "/api/v1/ops/complaints?status=answered", &op, None, 200)
        .await;
    assert_eq!(done["items"][0]["resolution"], "已删除照片并邮件答复", "{done}");

    // Erased once its retention (3 years by default) has passed.
    app.control.advance(3 * 365 * DAY_MS - 1000);
    app.control.run_jobs_once().await;
    let op = app.login(OPERATOR.0, OPERATOR.1).await; // the old session has expired
    let done = app
        .json("GET", "/api/v1/ops/complaints?status=answered", &op, None, 200)
        .await;
    assert_eq!(
        done["items"].as_array().map(Vec::len),
        Some(1),
        "kept until its time"
    );
    app.control.advance(2000);
    app.control.run_jobs_once().await;
    let done = app
        .json("GET", "/api/v1/ops/complaints?status=answered", &op, None, 200)
        .await;
    assert_eq!(done["items"].as_array().map(Vec::len), Some(0), "erased: {done}");
    app.cleanup().await;
}

#[tokio::test]
async fn r7_min5_a_complaint_needs_no_account_and_reaches_the_operators_queue_on_sqlite() {
    complaint_story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn r7_min5_a_complaint_needs_no_account_and_reaches_the_operators_queue_on_postgres() {
    complaint_story(Backend::PostgresS3).await;
}

#[tokio::test]
async fn r7_complaints_are_parsed_and_bounded_per_address() {
    let app = app_on(Backend::SqliteLocal, true).await;
    let ok = json!({ "topic": "privacy", "message": "请告诉我你们保存了我的哪些信息。", "reply_to": "13800138000" });
    for (bad, code) in [
        (
            json!({ "topic": "spam", "message": "hello there", "reply_to": "a@b.cn" }),
            "invalid_complaint",
        ),
        (
            json!({ "topic": "privacy", "message": "hi", "reply_to": "a@b.cn" }),
            "invalid_complaint",
        ),
        (
            json!({ "topic": "privacy", "message": "字".repeat(2001), "reply_to": "a@b.cn" }),
            "invalid_complaint",
        ),
        (
            json!({ "topic": "privacy", "message": "hello there", "reply_to": "nobody" }),
            "invalid_complaint",
        ),
        (
            json!({ "topic": "privacy", "message": "hello there", "reply_to": "a@b.cn", "extra": 1 }),
            "invalid_json",
        ),
    ] {
        let v = app.json_anon("POST", "/api/v1/complaints", &bad, 400).await;
        assert_eq!(v["code"], code, "{bad}: {v}");
    }
    // Five a day from one address (sent at once); the sixth is refused.
    let sends = (0..8).map(|_| app.call("POST", "/api/v1/complaints", None, Some(&ok)));
    let statuses: Vec<u16> = futures_util::future::join_all(sends)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let accepted = statuses.iter().filter(|s| **s == 201).count();
    assert!(accepted <= 5, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 429), "{statuses:?}");
    let v = app.json_anon("POST", "/api/v1/complaints", &ok, 429).await;
    assert_eq!(v["code"], "rate_limited");
    // A day later the address may write again.
    app.control.advance(DAY_MS + 1);
    app.json_anon("POST", "/api/v1/complaints", &ok, 201).await;
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    let q = app.json("GET", "/api/v1/ops/complaints", &op, None, 200).await;
    assert_eq!(
        q["items"].as_array().map(Vec::len),
        Some(accepted + 1),
        "only accepted ones are queued"
    );
    app.cleanup().await;
}
