//! DATA-5: the phone vendors' push channels (Xiaomi, Huawei, OPPO, vivo,
//! Meizu). The vendors' servers cannot be reached from here, so one local
//! stand-in answers their published server APIs and checks what the
//! vendors check: Xiaomi's `key=` secret, Huawei's OAuth client credentials
//! and bearer token, OPPO's SHA-256 and vivo's MD5 auth signatures and their
//! tokens, Meizu's MD5 parameter signature. Devices register only with push
//! consent; each push is logged as a disclosure (DATA-6); the register shows
//! the configured vendors as enabled (DATA-4).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use md5::Digest as _;
use serde_json::{Value, json};
use xuancai_server::config::{Secret, Vendor, VendorConfig};

use crate::privacy::{OPERATOR, count};

const SECRET: &str = "vendor-secret";

type Deliveries = Arc<Mutex<Vec<(String, String, String)>>>;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn md5(s: &str) -> String {
    hex(&md5::Md5::digest(s.as_bytes()))
}

fn sha256(s: &str) -> String {
    hex(&sha2::Sha256::digest(s.as_bytes()))
}

fn record(d: &Deliveries, vendor: &str, token: &str, title: &str) {
    d.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((vendor.into(), token.into(), title.into()));
}

type F = Form<BTreeMap<String, String>>;

/// The stand-in for the five vendors' push servers.
async fn vendors() -> (String, Deliveries) {
    let d: Deliveries = Arc::new(Mutex::new(Vec::new()));
    let router = Router::new()
        .route(
            "/xiaomi/v3/message/regid",
            post(
                |State(d): State<Deliveries>, h: HeaderMap, Form(f): F| async move {
                    let ok = h.get("authorization").and_then(|v| v.to_str().ok())
                        == Some("key=vendor-secret")
                        && f.get("restricted_package_name").map(String::as_str)
                            == Some("com.example.xuancai");
                    if !ok {
                        return axum::Json(json!({ "result": "error", "code": 22000 }));
                    }
                    record(&d, "xiaomi", &f["registration_id"], &f["title"]);
                    axum::Json(json!({ "result": "ok", "code": 0 }))
                },
            ),
        )
        .route(
            "/huawei/oauth2/v3/token",
            post(|Form(f): F| async move {
                let ok = f.get("grant_type").map(String::as_str) == Some("client_credentials")
                    && f.get("client_id").map(String::as_str) == Some("hw-app")
                    && f.get("client_secret").map(String::as_str) == Some(SECRET);
                if ok {
                    (
                        axum::http::StatusCode::OK,
                        axum::Json(json!({ "access_token": "hw-token", "expires_in": 3600 })),
                    )
                } else {
                    (
                        axum::http::StatusCode::UNAUTHORIZED,
                        axum::Json(json!({ "error": 1101 })),
                    )
                }
            }),
        )
        .route(
            "/huawei/v1/{app}/{action}",
            post(
                |State(d): State<Deliveries>,
                 Path((app, action)): Path<(String, String)>,
                 h: HeaderMap,
                 axum::Json(v): axum::Json<Value>| async move {
                    let bearer =
                        h.get("authorization").and_then(|v| v.to_str().ok()) == Some("Bearer hw-token");
                    if app != "hw-app" || action != "messages:send" || !bearer {
                        return axum::Json(json!({ "code": "80200003" }));
                    }
                    let m = &v["message"];
                    record(
                        &d,
                        "huawei",
                        m["token"][0].as_str().unwrap_or_default(),
                        m["notification"]["title"].as_str().unwrap_or_default(),
                    );
                    axum::Json(json!({ "code": "80000000", "msg": "Success" }))
                },
            ),
        )
        .route(
            "/oppo/server/v1/auth",
            post(|Form(f): F| async move {
                let want = sha256(&format!("op-key{}{SECRET}", f["timestamp"]));
                if f.get("app_key").map(String::as_str) == Some("op-key") && f["sign"] == want {
                    axum::Json(json!({ "code": 0, "data": { "auth_token": "op-token" } }))
                } else {
                    axum::Json(json!({ "code": 11, "message": "Invalid Signature" }))
                }
            }),
        )
        .route(
            "/oppo/server/v1/message/notification/unicast",
            post(|State(d): State<Deliveries>, Form(f): F| async move {
                if f.get("auth_token").map(String::as_str) != Some("op-token") {
                    return axum::Json(json!({ "code": 11 }));
                }
                let m: Value = serde_json::from_str(&f["message"]).unwrap_or_default();
                record(
                    &d,
                    "oppo",
                    m["target_value"].as_str().unwrap_or_default(),
                    m["notification"]["title"].as_str().unwrap_or_default(),
                );
                axum::Json(json!({ "code": 0 }))
            }),
        )
        .route(
            "/vivo/message/auth",
            post(|axum::Json(v): axum::Json<Value>| async move {
                let ts = v["timestamp"].as_str().unwrap_or_default();
                let want = md5(&format!("vv-appvv-key{ts}{SECRET}"));
                if v["sign"].as_str() == Some(want.as_str()) {
                    axum::Json(json!({ "result": 0, "authToken": "vv-token" }))
                } else {
                    axum::Json(json!({ "result": 10000, "desc": "sign error" }))
                }
            }),
        )
        .route(
            "/vivo/message/send",
            post(
                |State(d): State<Deliveries>, h: HeaderMap, axum::Json(v): axum::Json<Value>| async move {
                    if h.get("authToken").and_then(|v| v.to_str().ok()) != Some("vv-token") {
                        return axum::Json(json!({ "result": 10050 }));
                    }
                    record(
                        &d,
                        "vivo",
                        v["regId"].as_str().unwrap_or_default(),
                        v["title"].as_str().unwrap_or_default(),
                    );
                    axum::Json(json!({ "result": 0, "taskId": "1" }))
                },
            ),
        )
        .route(
            "/meizu/garcia/api/server/push/varnished/pushByPushId",
            post(|State(d): State<Deliveries>, Form(mut f): F| async move {
                let sign = f.remove("sign").unwrap_or_default();
                let signed: String = f.iter().map(|(k, v)| format!("{k}={v}")).collect();
                if sign != md5(&format!("{signed}{SECRET}")) {
                    return axum::Json(json!({ "code": "1003", "message": "sign error" }));
                }
                let m: Value = serde_json::from_str(&f["messageJson"]).unwrap_or_default();
                record(
                    &d,
                    "meizu",
                    &f["pushIds"],
                    m["noticeBarInfo"]["title"].as_str().unwrap_or_default(),
                );
                axum::Json(json!({ "code": "200" }))
            }),
        )
        .with_state(d.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://127.0.0.1:{port}"), d)
}

fn vendor(vendor: Vendor, base: &str, path: &str, app_id: &str, app_key: &str) -> VendorConfig {
    VendorConfig {
        vendor,
        app_id: app_id.into(),
        app_key: app_key.into(),
        secret: Secret::new(SECRET.as_bytes().to_vec()),
        package: "com.example.xuancai".into(),
        base_url: Some(format!("{base}/{path}")),
    }
}

#[tokio::test]
async fn data5_phone_vendor_channels_deliver_with_their_signatures() {
    let (base, delivered) = vendors().await;
    let app = crate::helpers::spawn_with(crate::helpers::Backend::SqliteLocal, |c| {
        c.operators = vec![OPERATOR.1.into()];
        c.push_vendors = vec![
            vendor(Vendor::Xiaomi, &base, "xiaomi", "", ""),
            vendor(Vendor::Huawei, &base, "huawei", "hw-app", ""),
            vendor(Vendor::Oppo, &base, "oppo", "", "op-key"),
            vendor(Vendor::Vivo, &base, "vivo", "vv-app", "vv-key"),
            vendor(Vendor::Meizu, &base, "meizu", "mz-app", ""),
        ];
        // The test vendors listen on loopback: an operator's explicit allowance.
        c.security.internal_hosts = vec!["127.0.0.1".into()];
    })
    .await;
    let alice = app.login("13800138030", "+8613800138030").await;
    let op = app.login(OPERATOR.0, OPERATOR.1).await;

    // DATA-4: the configured vendors are enabled in the published register.
    let sdk = app
        .client
        .get(app.url("/api/v1/documents/sdk_register"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert_eq!(
        sdk.matches("<td>启用</td>").count(),
        7,
        "sms, web push and five vendors: {sdk}"
    );

    let tokens = [
        ("xiaomi_push", "xm-reg-1"),
        ("huawei_push", "hw-reg-2"),
        ("oppo_push", "op-reg-3"),
        ("vivo_push", "vv-reg-4"),
        ("meizu_push", "mz-reg-5"),
    ];
    // Only with the push consent.
    let r = app
        .call(
            "PUT",
            "/api/v1/me/push",
            Some(&alice),
            Some(&json!({ "provider": "xiaomi_push", "subscription": "xm-reg-1" })),
        )
        .await;
    assert_eq!(r.status(), 403);
    app.json(
        "PUT",
        "/api/v1/me/consents/push",
        &alice,
        Some(&json!({ "granted": true })),
        200,
    )
    .await;
    for (provider, token) in tokens {
        app.json(
            "PUT",
            "/api/v1/me/push",
            &alice,
            Some(&json!({ "provider": provider, "subscription": token })),
            201,
        )
        .await;
    }
    let bad = app
        .json(
            "PUT",
            "/api/v1/me/push",
            &alice,
            Some(&json!({ "provider": "vivo_push", "subscription": "no spaces <allowed>" })),
            422,
        )
        .await;
    assert_eq!(bad["code"], "invalid_subscription");

    let sent = app
        .broadcast(
            &op,
            &json!({ "kind": "service", "title": "系统维护通知", "body": "今晚两点" }),
        )
        .await;
    assert_eq!(sent["pushed"], 5, "{sent}");
    let mut got = delivered.lock().unwrap_or_else(PoisonError::into_inner).clone();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("huawei".into(), "hw-reg-2".into(), "系统维护通知".into()),
            ("meizu".into(), "mz-reg-5".into(), "系统维护通知".into()),
            ("oppo".into(), "op-reg-3".into(), "系统维护通知".into()),
            ("vivo".into(), "vv-reg-4".into(), "系统维护通知".into()),
            ("xiaomi".into(), "xm-reg-1".into(), "系统维护通知".into()),
        ]
    );
    // DATA-6: one disclosure per push, to the vendor that received it.
    for (provider, _) in tokens {
        let n = count(
            &app,
            &format!("SELECT COUNT(*) FROM disclosures WHERE recipient = '{provider}' AND purpose = 'push'"),
        )
        .await;
        assert_eq!(n, 1, "{provider}");
    }
    // A second message reuses the cached access tokens.
    let sent = app
        .broadcast(&op, &json!({ "kind": "service", "title": "第二条", "body": "" }))
        .await;
    assert_eq!(sent["pushed"], 5, "{sent}");
    // A vendor that is not configured is refused.
    let app2 = crate::helpers::spawn_app().await;
    let bob = app2.login("13800138031", "+8613800138031").await;
    app2.json(
        "PUT",
        "/api/v1/me/consents/push",
        &bob,
        Some(&json!({ "granted": true })),
        200,
    )
    .await;
    let v = app2
        .json(
            "PUT",
            "/api/v1/me/push",
            &bob,
            Some(&json!({ "provider": "xiaomi_push", "subscription": "xm" })),
            422,
        )
        .await;
    assert_eq!(v["code"], "push_provider_unavailable");
}
