//! Web Push (RFC 8030 with RFC 8291 payload encryption and RFC 8292 VAPID,
//! by `web-push-native`), with a VAPID key derived from the master key.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::Deserialize;
use web_push_native::jwt_simple::algorithms::ES256KeyPair;
use web_push_native::{Auth, WebPushBuilder};
use xuancai_app::push::{PushError, PushFuture, PushProvider};

/// A browser's `PushSubscription.toJSON()`.
#[derive(Debug, Deserialize)]
pub struct Subscription {
    endpoint: String,
    keys: SubscriptionKeys,
}

#[derive(Debug, Deserialize)]
struct SubscriptionKeys {
    p256dh: String,
    auth: String,
}

/// Web Push with a VAPID key derived from the master key.
pub struct WebPush {
    vapid: ES256KeyPair,
    /// The uncompressed public key, base64url (what browsers need).
    public: String,
    contact: String,
    allow_loopback: bool,
    client: reqwest::Client,
}

impl std::fmt::Debug for WebPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebPush(<vapid key>)")
    }
}

impl WebPush {
    pub fn new(seed: &[u8], contact: String, allow_loopback: bool) -> Result<Self, String> {
        use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint as _;
        let vapid = ES256KeyPair::from_bytes(seed).map_err(|e| e.to_string())?;
        let secret = web_push_native::p256::SecretKey::from_slice(seed).map_err(|e| e.to_string())?;
        let public = Base64UrlUnpadded::encode_string(secret.public_key().to_encoded_point(false).as_bytes());
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            vapid,
            public,
            contact,
            allow_loopback,
            client,
        })
    }

    /// The application server key browsers pass to `pushManager.subscribe`.
    pub fn public_key(&self) -> String {
        self.public.clone()
    }

    fn builder(&self, token: &str) -> Result<WebPushBuilder, PushError> {
        let bad = |e: &dyn std::fmt::Display| PushError::InvalidToken(e.to_string());
        let sub: Subscription = serde_json::from_str(token).map_err(|e| bad(&e))?;
        let loopback = self.allow_loopback && sub.endpoint.starts_with("http://127.0.0.1:");
        if !(sub.endpoint.starts_with("https://") || loopback) {
            return Err(PushError::InvalidToken("the endpoint must be https".into()));
        }
        let uri = sub.endpoint.parse().map_err(|e| bad(&e))?;
        let p256dh =
            Base64UrlUnpadded::decode_vec(sub.keys.p256dh.trim_end_matches('=')).map_err(|e| bad(&e))?;
        let public = web_push_native::p256::PublicKey::from_sec1_bytes(&p256dh).map_err(|e| bad(&e))?;
        let auth = Base64UrlUnpadded::decode_vec(sub.keys.auth.trim_end_matches('=')).map_err(|e| bad(&e))?;
        if auth.len() != 16 {
            return Err(PushError::InvalidToken("auth is 16 bytes".into()));
        }
        Ok(WebPushBuilder::new(uri, public, Auth::clone_from_slice(&auth)))
    }
}

impl PushProvider for WebPush {
    fn key(&self) -> &'static str {
        "web_push"
    }

    fn validate(&self, token: &str) -> Result<(), PushError> {
        self.builder(token).map(|_| ())
    }

    fn send<'a>(&'a self, token: &'a str, payload: &'a [u8]) -> PushFuture<'a> {
        Box::pin(async move {
            let builder = self.builder(token)?;
            let req = builder
                .with_vapid(&self.vapid, &self.contact)
                .build(payload.to_vec())
                .map_err(|e| PushError::Rejected(e.to_string()))?;
            let (parts, body) = req.into_parts();
            let mut out = self.client.post(parts.uri.to_string()).body(body);
            for (name, value) in &parts.headers {
                out = out.header(name.as_str(), value.as_bytes());
            }
            let resp = out.send().await.map_err(|e| PushError::Rejected(e.to_string()))?;
            match resp.status().as_u16() {
                200..=299 => Ok(()),
                404 | 410 => Err(PushError::Gone),
                s => Err(PushError::Rejected(format!("status {s}"))),
            }
        })
    }
}
