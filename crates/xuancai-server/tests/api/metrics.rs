//! Issue 23 item 4: `GET /metrics` in the Prometheus text format, behind
//! the operator's token: requests by route template and status with their
//! latency, errors by code (rate-limit refusals among them), SMS sent, the
//! job queue's depth and age by kind, and jobs finished with their run time.

use serde_json::{Value, json};
use xuancai_app::config::Secret;

use crate::helpers::{Backend, TestApp, spawn_app, spawn_with, testdata};

const TOKEN: &str = "scrape-me-not-guess-me";

/// The value of one series (`name{labels}`) on the page.
fn value(page: &str, series: &str) -> Option<f64> {
    page.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200);
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    r.text().await.unwrap_or_default()
}

#[tokio::test]
async fn sec4_ops_metrics_count_requests_errors_sms_and_jobs_behind_a_token() {
    // No token configured: there is no page.
    let off = spawn_app().await;
    assert_eq!(off.call("GET", "/metrics", None, None).await.status(), 404);
    off.cleanup().await;

    let app = spawn_with(Backend::SqliteLocal, |c| {
        c.metrics_token = Some(Secret::new(TOKEN.as_bytes().to_vec()));
        c.studio.workers = 0;
    })
    .await;
    assert_eq!(app.call("GET", "/metrics", None, None).await.status(), 401);
    assert_eq!(
        app.call("GET", "/metrics", Some("a-guess"), None).await.status(),
        401
    );

    let token = app.login("13800138000", "+8613800138000").await;
    let again = app.request_code("13800138000").await;
    assert_eq!(again.status(), 429, "the second code within a minute is refused");
    let r = app
        .upload(&token, "astronaut.png", testdata("astronaut.png"))
        .await;
    let photo: Value = r.json().await.unwrap_or_default();
    let photo = photo["photo"]["id"].as_str().unwrap_or_default().to_string();
    app.json("GET", &format!("/api/v1/photos/{photo}"), &token, None, 200)
        .await;
    let job = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(&json!({ "kind": "cutout", "photo": photo })),
            202,
        )
        .await;
    let job = job["id"].as_str().unwrap_or_default().to_string();
    for _ in 0..2 {
        app.call("GET", "/health", None, None).await;
    }

    let page = scrape(&app).await;
    let health = r#"{route="/health",method="GET",status="200"}"#;
    assert!(
        value(&page, &format!("xuancai_http_requests_total{health}")) >= Some(2.0),
        "{page}"
    );
    assert!(
        value(
            &page,
            r#"xuancai_http_request_duration_seconds_count{route="/health",method="GET"}"#
        ) >= Some(2.0),
        "{page}"
    );
    assert!(
        value(
            &page,
            r#"xuancai_http_request_duration_seconds_bucket{route="/health",method="GET",le="+Inf"}"#
        ) >= Some(2.0),
        "{page}"
    );
    // Route templates, never the ids in a path.
    assert!(
        page.contains(
            r#"xuancai_http_requests_total{route="/api/v1/photos/{id}",method="GET",status="200"}"#
        ),
        "{page}"
    );
    assert!(!page.contains(&photo), "an id is in the metrics");
    assert!(
        value(&page, r#"xuancai_http_errors_total{code="rate_limited"}"#) >= Some(1.0),
        "{page}"
    );
    assert!(
        page.lines()
            .any(|l| l.starts_with("xuancai_sms_sent_total{") && l.contains(r#"outcome="sent""#)),
        "{page}"
    );
    assert!(
        value(
            &page,
            r#"xuancai_http_requests_total{route="/metrics",method="GET",status="401"}"#
        ) >= Some(2.0),
        "{page}"
    );
    assert_eq!(
        value(&page, r#"xuancai_jobs_queued{kind="cutout",state="queued"}"#),
        Some(1.0),
        "{page}"
    );
    assert!(
        value(&page, r#"xuancai_job_oldest_queued_seconds{kind="cutout"}"#) >= Some(0.0),
        "{page}"
    );

    // A worker runs the job: it is counted with its run time and leaves the queue.
    let worker = spawn_with(Backend::SqliteLocal, |c| {
        c.metrics_token = Some(Secret::new(TOKEN.as_bytes().to_vec()));
        c.data_dir = app.config.data_dir.clone();
        c.studio.workers = 1;
    })
    .await;
    let done = crate::jobs::settle(&worker, &token, &job).await;
    assert_eq!(done["state"], "done", "{done}");
    let page = scrape(&worker).await;
    assert!(
        value(
            &page,
            r#"xuancai_jobs_finished_total{kind="cutout",outcome="done"}"#
        ) >= Some(1.0),
        "{page}"
    );
    assert!(
        value(&page, r#"xuancai_job_duration_seconds_count{kind="cutout"}"#) >= Some(1.0),
        "{page}"
    );
    assert_eq!(
        value(&page, r#"xuancai_jobs_queued{kind="cutout",state="queued"}"#),
        None,
        "{page}"
    );
    worker.cleanup().await;
    app.cleanup().await;
}
