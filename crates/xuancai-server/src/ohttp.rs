//! Request and response bodies encrypted inside TLS (SEC-3) with Oblivious
//! HTTP (RFC 9458): HPKE with DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and
//! AES-128-GCM, through the `ohttp` crate's pure-Rust (`rust-hpke`) backend.
//! (That backend supports AES-128-GCM and ChaCha20-Poly1305 only —
//! `ohttp` 0.8.0 `src/rh/hpke.rs` `Config::supported`; AES-256-GCM needs
//! its NSS backend, which does not build without NSS. AES-128-GCM keeps
//! SEC-3's "encrypted with AES".)
//!
//! - `GET /ohttp/keys` serves the key configuration (`application/ohttp-keys`).
//!   The key pair is derived from the master key, so every process serves
//!   the same one.
//! - `POST /ohttp/gateway` takes an encapsulated request
//!   (`message/ohttp-req`) holding a Binary HTTP (RFC 9292) request for any
//!   `/api/…` route, runs it through the normal API (same authentication,
//!   same errors) and answers with the encapsulated Binary HTTP response
//!   (`message/ohttp-res`). Only this gateway and the client see the bodies.

use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ohttp::hpke::{Aead, Kdf, Kem};
use ohttp::{KeyConfig, SymmetricSuite};
use tower::ServiceExt as _;

use crate::error::ApiError;
use xuancai_app::AppError;

/// The gateway's key pair and encoded configuration.
pub struct Gateway {
    server: ohttp::Server,
    keys: Vec<u8>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gateway(<key pair>)")
    }
}

impl Gateway {
    pub fn new(ikm: &[u8]) -> Result<Self, String> {
        let suite = vec![SymmetricSuite::new(Kdf::HkdfSha256, Aead::Aes128Gcm)];
        let config = KeyConfig::derive(1, Kem::X25519Sha256, suite, ikm).map_err(|e| e.to_string())?;
        let keys = KeyConfig::encode_list(&[&config]).map_err(|e| e.to_string())?;
        let server = ohttp::Server::new(config).map_err(|e| e.to_string())?;
        Ok(Self { server, keys })
    }
}

#[derive(Clone)]
struct GatewayState {
    gateway: Arc<Gateway>,
    api: Router,
}

/// The API with the gateway in front of it.
pub fn with_gateway(api: Router, gateway: Gateway, max_body: usize) -> Router {
    let state = GatewayState {
        gateway: Arc::new(gateway),
        api: api.clone(),
    };
    Router::new()
        .route("/ohttp/keys", get(keys))
        .route(
            "/ohttp/gateway",
            post(gateway_handler).layer(DefaultBodyLimit::max(max_body)),
        )
        .with_state(state)
        .merge(api)
}

async fn keys(State(s): State<GatewayState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/ohttp-keys")],
        s.gateway.keys.clone(),
    )
        .into_response()
}

fn bad(code: &'static str, message: &str) -> Response {
    ApiError::from(AppError::bad_request(code, message)).into_response()
}

async fn gateway_handler(
    State(s): State<GatewayState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) != Some("message/ohttp-req") {
        return ApiError::from(AppError::UnsupportedMediaType {
            code: "ohttp_media_type",
            message: "send message/ohttp-req".into(),
        })
        .into_response();
    }
    let Ok((inner, reply)) = s.gateway.server.decapsulate(&body) else {
        return bad(
            "ohttp_undecryptable",
            "the request does not decapsulate with this gateway's key",
        );
    };
    let Ok(message) = bhttp::Message::read_bhttp(&mut Cursor::new(&inner[..])) else {
        return bad("bhttp_invalid", "the decapsulated request is not Binary HTTP");
    };
    let Some(request) = to_request(&message, peer) else {
        return bad("bhttp_invalid", "the request needs a method and an /api/ path");
    };
    let response = match s.api.oneshot(request).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    let Ok(content) = to_bytes(body, usize::MAX).await else {
        return ApiError::from(AppError::Internal("reading the inner response failed".into()))
            .into_response();
    };
    let Ok(code) = bhttp::StatusCode::try_from(status) else {
        return ApiError::from(AppError::Internal(format!("status {status}"))).into_response();
    };
    let mut out = bhttp::Message::response(code);
    for (name, value) in &parts.headers {
        out.put_header(name.as_str().as_bytes(), value.as_bytes());
    }
    out.write_content(&content);
    let mut encoded = Vec::new();
    if let Err(e) = out.write_bhttp(bhttp::Mode::KnownLength, &mut encoded) {
        return ApiError::from(AppError::Internal(format!("bhttp: {e}"))).into_response();
    }
    match reply.encapsulate(&encoded) {
        Ok(sealed) => ([(header::CONTENT_TYPE, "message/ohttp-res")], sealed).into_response(),
        Err(e) => ApiError::from(AppError::Internal(format!("ohttp: {e}"))).into_response(),
    }
}

fn to_request(m: &bhttp::Message, peer: SocketAddr) -> Option<Request> {
    let control = m.control();
    let method = Method::from_bytes(control.method()?).ok()?;
    let path = std::str::from_utf8(control.path()?).ok()?;
    if !path.starts_with("/api/") {
        return None;
    }
    let mut req = Request::builder().method(method).uri(path);
    for f in m.header().iter() {
        let name = HeaderName::from_bytes(f.name()).ok()?;
        if matches!(
            name.as_str(),
            "host" | "content-length" | "transfer-encoding" | "connection"
        ) {
            continue;
        }
        req = req.header(name, HeaderValue::from_bytes(f.value()).ok()?);
    }
    let mut req = req.body(Body::from(m.content().to_vec())).ok()?;
    req.extensions_mut().insert(ConnectInfo(peer));
    Some(req)
}
