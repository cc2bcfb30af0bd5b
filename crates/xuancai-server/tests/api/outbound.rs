//! No server-side request forgery (issue 19 item 4): a Web Push endpoint
//! is an outbound URL any account holder chooses. Endpoints that are IP
//! literals, off the push-service allow-list, or whose name resolves to an
//! internal address are refused at registration and nothing is stored;
//! the server follows no redirect when it pushes; operator URLs that point
//! inside need an explicit allowance.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_with};
use crate::privacy::{OPERATOR, count, spawn_privacy_app};

fn keys() -> Value {
    use base64ct::{Base64UrlUnpadded, Encoding};
    use web_push_native::p256;
    use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint as _;
    let secret = p256::SecretKey::from_slice(&[7u8; 32]).unwrap_or_else(|e| panic!("{e}"));
    json!({
        "p256dh": Base64UrlUnpadded::encode_string(secret.public_key().to_encoded_point(false).as_bytes()),
        "auth": Base64UrlUnpadded::encode_string(&[9u8; 16]),
    })
}

#[tokio::test]
async fn sec_push_endpoints_that_reach_inside_are_refused_and_not_stored() {
    let app = spawn_with(Backend::SqliteLocal, |c| {
        // Even a host on the allow-list is refused when it resolves inside.
        c.security.push_hosts.push("localhost".into());
    })
    .await;
    let alice = app.login("13800138000", "+8613800138000").await;
    app.json(
        "PUT",
        "/api/v1/me/consents/push",
        &alice,
        Some(&json!({ "granted": true })),
        200,
    )
    .await;
    for endpoint in [
        "https://127.0.0.1/push",
        "https://localhost/push",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/push",
        "https://10.0.0.8/push",
        "https://192.168.1.1/push",
        "https://0.0.0.0/push",
        "https://[::ffff:127.0.0.1]/push",
        "https://2130706433/push",
        "https://fcm.googleapis.com.attacker.example/push",
        "https://push.example.com/push",
        "http://fcm.googleapis.com/fcm/send/x",
    ] {
        let body =
            json!({ "provider": "web_push", "subscription": { "endpoint": endpoint, "keys": keys() } });
        let r = app
            .call("PUT", "/api/v1/me/push", Some(&alice), Some(&body))
            .await;
        assert_eq!(r.status(), 422, "{endpoint}");
        let v: Value = r.json().await.unwrap_or_default();
        assert_eq!(v["code"], "push_endpoint_refused", "{endpoint}: {v}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_tokens").await, 0);
}

/// Serve `router` on a loopback port; its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://127.0.0.1:{port}")
}

/// A push service that answers every push with a redirect to `target`,
/// counting the requests it gets.
async fn redirecting(target: String) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let router = axum::Router::new().fallback(move || {
        let (h, target) = (h.clone(), target.clone());
        async move {
            h.fetch_add(1, Ordering::SeqCst);
            (
                axum::http::StatusCode::TEMPORARY_REDIRECT,
                [(axum::http::header::LOCATION, target)],
            )
        }
    });
    (format!("{}/push/device", serve(router).await), hits)
}

#[tokio::test]
async fn sec_a_push_is_never_redirected_to_an_internal_address() {
    let app = spawn_privacy_app().await;
    // The "internal service" the redirect points at.
    let (internal, internal_hits) = redirecting("http://127.0.0.1:1/".into()).await;
    let (endpoint, push_hits) = redirecting(internal).await;
    let alice = app.login("13800138000", "+8613800138000").await;
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    app.json(
        "PUT",
        "/api/v1/me/consents/push",
        &alice,
        Some(&json!({ "granted": true })),
        200,
    )
    .await;
    let body = json!({ "provider": "web_push", "subscription": { "endpoint": endpoint, "keys": keys() } });
    app.json("PUT", "/api/v1/me/push", &alice, Some(&body), 201).await;
    let sent = app
        .broadcast(
            &op,
            &json!({ "kind": "service", "title": "维护通知", "body": "今晚" }),
        )
        .await;
    assert_eq!(
        push_hits.load(Ordering::SeqCst),
        1,
        "the push service was asked once"
    );
    assert_eq!(
        internal_hits.load(Ordering::SeqCst),
        0,
        "the redirect was not followed"
    );
    assert_eq!(sent["pushed"], 0, "a redirect is not a delivery: {sent}");
}

#[tokio::test]
async fn sec_operator_urls_pointing_inside_need_an_explicit_allowance() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut config = xuancai_server::config::Config {
        listen: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        data_dir: dir.path().to_path_buf(),
        dev_mode: true,
        ..xuancai_server::config::Config::default()
    };
    config.sms = xuancai_server::config::SmsConfig::Http {
        url: "http://169.254.169.254/latest/meta-data".into(),
        token: None,
    };
    config.residency.sms_gateway = Some("cn".into());
    let refused = xuancai_server::startup::Application::build(config.clone()).await;
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("internal address"), "{message}");
    config.security.internal_hosts = vec!["169.254.169.254".into()];
    assert!(xuancai_server::startup::Application::build(config).await.is_ok());
}

/// A push service with three kinds of device: `/ok/N` answers 201, `/slow/N`
/// holds the request for a minute (a tarpit), `/gone/N` answers 410 and
/// `/broken/N` 500. Counts requests by path.
async fn devices() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    let router = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let s = s.clone();
        async move {
            let path = uri.path().to_string();
            s.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(path.clone());
            if path.starts_with("/slow/") {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            }
            match path.split('/').nth(1) {
                Some("gone") => axum::http::StatusCode::GONE,
                Some("broken") => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                _ => axum::http::StatusCode::CREATED,
            }
        }
    });
    (serve(router).await, seen)
}

#[tokio::test]
async fn sec_data5_devices_are_capped_and_slow_or_failing_ones_cannot_stall_a_broadcast() {
    let app = spawn_with(Backend::SqliteLocal, |c| {
        c.operators = vec![OPERATOR.1.into()];
        c.push_allow_loopback = true;
        c.security.push_timeout_secs = 3;
    })
    .await;
    let (base, seen) = devices().await;
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    let mut users = Vec::new();
    for (i, phone) in ["13800138000", "13800138001"].iter().enumerate() {
        let t = app.login(phone, &format!("+86{phone}")).await;
        app.json(
            "PUT",
            "/api/v1/me/consents/push",
            &t,
            Some(&json!({ "granted": true })),
            200,
        )
        .await;
        users.push((i, t));
    }
    let register = |token: String, endpoint: String| {
        let app = &app;
        async move {
            let body =
                json!({ "provider": "web_push", "subscription": { "endpoint": endpoint, "keys": keys() } });
            app.json("PUT", "/api/v1/me/push", &token, Some(&body), 201).await;
        }
    };
    // Alice registers 12 devices: the 10 newest are kept.
    let alice = users[0].1.clone();
    for n in 0..12 {
        register(alice.clone(), format!("{base}/ok/{n}")).await;
        // Registration times are milliseconds apart.
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_tokens").await, 10);
    // Bob has six tarpits, a device that is gone and one that is broken.
    let bob = users[1].1.clone();
    for n in 0..6 {
        register(bob.clone(), format!("{base}/slow/{n}")).await;
    }
    register(bob.clone(), format!("{base}/gone/0")).await;
    register(bob.clone(), format!("{base}/broken/0")).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_tokens").await, 18);

    let broadcast = || {
        let (app, op) = (&app, &op);
        async move {
            let started = std::time::Instant::now();
            let message = json!({ "kind": "service", "title": "维护通知", "body": "今晚" });
            let queued = app
                .json("POST", "/api/v1/ops/messages", op, Some(&message), 202)
                .await;
            let answered = started.elapsed();
            let id = queued["id"].as_str().unwrap_or_default().to_string();
            let sent = app.wait_broadcast(op, &id).await;
            (sent, answered, started.elapsed())
        }
    };
    let (sent, answered, took) = broadcast().await;
    assert_eq!(sent["pushed"], 10, "{sent}");
    // Issue 19 item 5: the operator's request only queues the message; the
    // tarpits cost the queue their timeout (3 s), not the request.
    assert!(
        answered < std::time::Duration::from_millis(1_500),
        "the operator waited {answered:?} for the pushes"
    );
    // Six tarpits one after another would take a minute each; at once,
    // within their timeout, the broadcast takes about one.
    assert!(
        took < std::time::Duration::from_secs(8),
        "the broadcast took {took:?}"
    );
    let paths = seen
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    assert!(
        !paths.contains(&"/ok/0".to_string()) && !paths.contains(&"/ok/1".to_string()),
        "the two oldest were dropped"
    );
    // The gone device is forgotten at once, the others after three failures in a row.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_tokens").await, 17);
    broadcast().await;
    broadcast().await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM push_tokens").await,
        10,
        "only Alice's working devices remain"
    );
}
