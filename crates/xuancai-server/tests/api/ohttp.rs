//! SEC-3: request and response bodies encrypted end to end with Oblivious
//! HTTP (RFC 9458, HPKE with AES-128-GCM) through the gateway, driven by the
//! `ohttp` crate's own client. What crosses the wire is ciphertext; what
//! the API sees is the normal request, with its normal authentication.

use std::io::Cursor;

use serde_json::{Value, json};

use crate::helpers::spawn_app;

/// Encapsulate a Binary HTTP request, send it through the gateway and open the answer.
async fn through_gateway(
    app: &crate::helpers::TestApp,
    keys: &[u8],
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Vec<u8>, Vec<u8>) {
    let mut m = bhttp::Message::request(
        method.as_bytes().to_vec(),
        b"https".to_vec(),
        b"xuancai".to_vec(),
        path.as_bytes().to_vec(),
    );
    if let Some(t) = token {
        m.put_header("authorization", format!("Bearer {t}"));
    }
    if let Some(b) = body {
        m.put_header("content-type", "application/json");
        m.write_content(serde_json::to_vec(b).unwrap_or_default());
    }
    let mut plain = Vec::new();
    m.write_bhttp(bhttp::Mode::KnownLength, &mut plain)
        .unwrap_or_else(|e| panic!("{e}"));
    let client = ohttp::ClientRequest::from_encoded_config_list(keys).unwrap_or_else(|e| panic!("{e}"));
    let (sealed, opener) = client.encapsulate(&plain).unwrap_or_else(|e| panic!("{e}"));
    let r = app
        .client
        .post(app.url("/ohttp/gateway"))
        .header("content-type", "message/ohttp-req")
        .body(sealed.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("message/ohttp-res")
    );
    let wire = r.bytes().await.unwrap_or_default().to_vec();
    let opened = opener.decapsulate(&wire).unwrap_or_else(|e| panic!("{e}"));
    let resp = bhttp::Message::read_bhttp(&mut Cursor::new(&opened[..])).unwrap_or_else(|e| panic!("{e}"));
    let status = resp.control().status().map(|s| s.code()).unwrap_or(0);
    (status, resp.content().to_vec(), [sealed, wire].concat())
}

#[tokio::test]
async fn sec3_bodies_are_encrypted_with_oblivious_http() {
    let app = spawn_app().await;
    let token = app.login("13800138000", "+8613800138000").await;
    let r = app
        .client
        .get(app.url("/ohttp/keys"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200, "{:?}", r.headers());
    assert_eq!(
        r.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/ohttp-keys")
    );
    let keys = r.bytes().await.unwrap_or_default().to_vec();
    let config = ohttp::KeyConfig::decode_list(&keys).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.len(), 1);

    // A write and a read, through the gateway.
    let nickname = "加密昵称测试";
    let (status, body, wire) = through_gateway(
        &app,
        &keys,
        "PATCH",
        "/api/v1/me",
        Some(&token),
        Some(&json!({ "nickname": nickname })),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (status, body, wire2) = through_gateway(&app, &keys, "GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, 200);
    let me: Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(me["nickname"], nickname);
    // Neither the request nor the response shows its plaintext on the wire.
    for w in [&wire, &wire2] {
        assert!(!w.windows(nickname.len()).any(|x| x == nickname.as_bytes()));
        assert!(
            !w.windows(token.len()).any(|x| x == token.as_bytes()),
            "the bearer token is inside too"
        );
    }
    // The API's own rules still apply: no token, no data.
    let (status, body, _) = through_gateway(&app, &keys, "GET", "/api/v1/me", None, None).await;
    assert_eq!(status, 401);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap_or_default()["code"],
        "unauthenticated"
    );

    // Garbage and the wrong media type get typed errors.
    let r = app
        .client
        .post(app.url("/ohttp/gateway"))
        .header("content-type", "message/ohttp-req")
        .body(vec![1u8; 64])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap_or_default()["code"],
        "ohttp_undecryptable"
    );
    let r = app
        .client
        .post(app.url("/ohttp/gateway"))
        .json(&json!({}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 415);
}
