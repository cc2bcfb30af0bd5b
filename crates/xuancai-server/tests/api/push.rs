//! DATA-5 (push with its consent, real Web Push: RFC 8291 encryption, VAPID),
//! ADS-2 (marketing only with consent, a working unsubscribe link without
//! signing in), ADS-3 (service announcements reach everyone), DATA-6 (each
//! push logged as a disclosure). The push service is a real HTTP server the
//! test runs; the test decrypts what it received with the browser's keys.

use std::sync::{Arc, Mutex, PoisonError};

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Value, json};
use web_push_native::p256;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint as _;

use crate::privacy::{OPERATOR, count, spawn_privacy_app};

type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A push service on a real socket: it keeps each request's Authorization header and body.
async fn push_service() -> (String, Seen) {
    use axum::routing::post;
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let router = axum::Router::new().route(
        "/push/device",
        post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let s = s2.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                s.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((auth, body.to_vec()));
                axum::http::StatusCode::CREATED
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://127.0.0.1:{port}/push/device"), seen)
}

#[tokio::test]
async fn data5_ads2_ads3_push_marketing_unsubscribe_and_announcements() {
    let app = spawn_privacy_app().await;
    let (endpoint, seen) = push_service().await;
    let alice = app.login("13800138000", "+8613800138000").await;
    let bob = app.login("13900139000", "+8613900139000").await;
    let op = app.login(OPERATOR.0, OPERATOR.1).await;

    // The browser's keys (what pushManager.subscribe makes).
    let ua_secret = p256::SecretKey::from_slice(&[7u8; 32]).unwrap_or_else(|e| panic!("{e}"));
    let auth = [9u8; 16];
    let subscription = json!({ "endpoint": endpoint, "keys": {
        "p256dh": Base64UrlUnpadded::encode_string(ua_secret.public_key().to_encoded_point(false).as_bytes()),
        "auth": Base64UrlUnpadded::encode_string(&auth) } });
    let key = app.get_json("/api/v1/push/key").await;
    assert_eq!(
        Base64UrlUnpadded::decode_vec(key["web_push"].as_str().unwrap_or_default())
            .map(|k| k.len())
            .ok(),
        Some(65)
    );

    // DATA-5: no token without the push consent.
    let register = json!({ "provider": "web_push", "subscription": subscription });
    let r = app
        .call("PUT", "/api/v1/me/push", Some(&alice), Some(&register))
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap_or_default()["details"]["purpose"],
        "push"
    );
    for p in ["push", "marketing"] {
        app.json(
            "PUT",
            &format!("/api/v1/me/consents/{p}"),
            &alice,
            Some(&json!({ "granted": true })),
            200,
        )
        .await;
    }
    let bad = json!({ "provider": "web_push", "subscription": { "endpoint": "ftp://x", "keys": { "p256dh": "AA", "auth": "AA" } } });
    assert_eq!(
        app.call("PUT", "/api/v1/me/push", Some(&alice), Some(&bad))
            .await
            .status(),
        422
    );
    let local = json!({ "provider": "web_push", "subscription": { "endpoint": "http://10.0.0.1/x", "keys": subscription["keys"] } });
    assert_eq!(
        app.call("PUT", "/api/v1/me/push", Some(&alice), Some(&local))
            .await
            .status(),
        422,
        "https only"
    );
    app.json("PUT", "/api/v1/me/push", &alice, Some(&register), 201)
        .await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_tokens").await, 1);

    // ADS-2: marketing reaches only Alice (Bob and the operator did not agree).
    let sent = app
        .broadcast(
            &op,
            &json!({ "kind": "marketing", "title": "新模板上线", "body": "快来试试" }),
        )
        .await;
    assert_eq!(
        (
            sent["delivered"].as_u64(),
            sent["pushed"].as_u64(),
            sent["skipped_without_consent"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    let (authz, body) = seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .last()
        .cloned()
        .unwrap_or_default();
    assert!(authz.starts_with("vapid t="), "VAPID: {authz}");
    assert!(
        !body
            .windows("新模板上线".len())
            .any(|w| w == "新模板上线".as_bytes()),
        "the payload is encrypted"
    );
    let plain = web_push_native::decrypt(body, &ua_secret, &web_push_native::Auth::clone_from_slice(&auth))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let payload: Value = serde_json::from_slice(&plain).unwrap_or_default();
    assert_eq!(payload["title"], "新模板上线");
    let link = payload["unsubscribe"].as_str().unwrap_or_default().to_string();
    assert!(link.starts_with("/api/v1/unsubscribe?"), "{payload}");

    // The link works without signing in; a forged one does not. A browser
    // gets a page; any other client gets JSON, errors as the typed error.
    let flip = if link.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{flip}", &link[..link.len() - 1]);
    let get = |path: String, html: bool| {
        let mut req = app.client.get(app.url(&path));
        if html {
            req = req.header("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
        }
        req.send()
    };
    // A forged link has the link's form and a tag that does not verify
    // (422); a link missing its tag is malformed (400).
    let r = get(forged.clone(), true).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap_or_default().contains("退订链接无效"));
    for (path, status) in [(forged, 422), ("/api/v1/unsubscribe?u=nobody".to_string(), 400)] {
        let r = get(path.clone(), false).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), status, "{path}");
        let v: Value = r.json().await.unwrap_or_default();
        assert!(
            matches!(v["code"].as_str(), Some("invalid_link" | "invalid_query")),
            "{path}: {v}"
        );
    }
    let r = get(link.clone(), true).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap_or_default().contains("已退订"));
    let r = get(link.clone(), false).await.unwrap_or_else(|e| panic!("{e}"));
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["status"], "unsubscribed", "{v}");
    let sent = app
        .broadcast(
            &op,
            &json!({ "kind": "marketing", "title": "再来一次", "body": "" }),
        )
        .await;
    assert_eq!(sent["delivered"], 0, "unsubscribed");

    // ADS-3: a service announcement reaches everyone, marketing consent or not.
    let sent = app
        .broadcast(
            &op,
            &json!({ "kind": "service", "title": "系统维护通知", "body": "今晚 2:00–3:00" }),
        )
        .await;
    assert_eq!(
        (sent["delivered"].as_u64(), sent["pushed"].as_u64()),
        (Some(3), Some(1))
    );
    let inbox = app.json("GET", "/api/v1/me/inbox", &bob, None, 200).await;
    assert_eq!(inbox["items"][0]["title"], "系统维护通知");
    assert_eq!(inbox["items"].as_array().map(Vec::len), Some(1));

    // CON-4: withdrawing the push consent removes the device at once.
    app.json(
        "PUT",
        "/api/v1/me/consents/push",
        &alice,
        Some(&json!({ "granted": false })),
        200,
    )
    .await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM push_tokens").await, 0);
    let sent = app
        .broadcast(
            &op,
            &json!({ "kind": "service", "title": "政策更新", "body": "" }),
        )
        .await;
    assert_eq!(sent["pushed"], 0);
    // DATA-6: each push was logged as a disclosure to the push service.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM disclosures WHERE recipient = 'web_push'"
        )
        .await,
        2
    );
    // Non-operators cannot send.
    let r = app
        .call(
            "POST",
            "/api/v1/ops/messages",
            Some(&bob),
            Some(&json!({ "kind": "service", "title": "x", "body": "" })),
        )
        .await;
    assert_eq!(r.status(), 404);
}
