//! Web Push (RFC 8030 with RFC 8291 payload encryption and RFC 8292 VAPID,
//! by `web-push-native`), with a VAPID key derived from the master key.
//!
//! A subscription's endpoint is chosen by the user's browser — or by
//! anyone with an account — so it is an outbound URL a user controls
//! (issue 19 item 4): it must be `https`, name a host (no IP literal) on
//! the push-service allow-list (`security.push_hosts`), and resolve only to
//! public addresses, at registration and again at every send (the guarded
//! client of [`crate::guard`], which follows no redirects).

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
    security: xuancai_app::net::SecurityConfig,
    client: reqwest::Client,
}

impl std::fmt::Debug for WebPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebPush(<vapid key>)")
    }
}

impl WebPush {
    pub fn new(
        seed: &[u8],
        contact: String,
        allow_loopback: bool,
        security: &xuancai_app::net::SecurityConfig,
    ) -> Result<Self, String> {
        use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint as _;
        let vapid = ES256KeyPair::from_bytes(seed).map_err(|e| e.to_string())?;
        let secret = web_push_native::p256::SecretKey::from_slice(seed).map_err(|e| e.to_string())?;
        let public = Base64UrlUnpadded::encode_string(secret.public_key().to_encoded_point(false).as_bytes());
        let client = crate::guard::client(std::time::Duration::from_secs(10), security)?;
        Ok(Self {
            vapid,
            public,
            contact,
            allow_loopback,
            security: security.clone(),
            client,
        })
    }

    /// The application server key browsers pass to `pushManager.subscribe`.
    pub fn public_key(&self) -> String {
        self.public.clone()
    }

    /// Parse a subscription and check its endpoint's form and host; the
    /// host of an endpoint that must still be resolved is returned with it.
    fn builder(&self, token: &str) -> Result<(WebPushBuilder, Option<String>), PushError> {
        let bad = |e: &dyn std::fmt::Display| PushError::InvalidToken(e.to_string());
        let sub: Subscription = serde_json::from_str(token).map_err(|e| bad(&e))?;
        // Tests run a push service on loopback (`push_allow_loopback`).
        let loopback = self.allow_loopback && sub.endpoint.starts_with("http://127.0.0.1:");
        let host = if loopback {
            None
        } else {
            Some(self.endpoint_host(&sub.endpoint)?)
        };
        let uri = sub.endpoint.parse().map_err(|e| bad(&e))?;
        let p256dh =
            Base64UrlUnpadded::decode_vec(sub.keys.p256dh.trim_end_matches('=')).map_err(|e| bad(&e))?;
        let public = web_push_native::p256::PublicKey::from_sec1_bytes(&p256dh).map_err(|e| bad(&e))?;
        let auth = Base64UrlUnpadded::decode_vec(sub.keys.auth.trim_end_matches('=')).map_err(|e| bad(&e))?;
        if auth.len() != 16 {
            return Err(PushError::InvalidToken("auth is 16 bytes".into()));
        }
        Ok((
            WebPushBuilder::new(uri, public, Auth::clone_from_slice(&auth)),
            host,
        ))
    }

    /// An endpoint must be https and name an allowed push service's host.
    fn endpoint_host(&self, endpoint: &str) -> Result<String, PushError> {
        let refused = |why: String| PushError::Refused(why);
        let url = url::Url::parse(endpoint).map_err(|e| PushError::InvalidToken(e.to_string()))?;
        if url.scheme() != "https" {
            return Err(refused("the endpoint must be https".into()));
        }
        if crate::guard::literal(&url).is_some() {
            return Err(refused(
                "the endpoint must name a push service, not an address".into(),
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| refused("the endpoint has no host".into()))?;
        if !self.security.push_host_allowed(host) {
            return Err(refused(format!(
                "{host} is not a push service this server sends to"
            )));
        }
        Ok(host.to_string())
    }
}

impl PushProvider for WebPush {
    fn key(&self) -> &'static str {
        "web_push"
    }

    fn validate<'a>(&'a self, token: &'a str) -> PushFuture<'a> {
        Box::pin(async move {
            let (_, host) = self.builder(token)?;
            if let Some(host) = host {
                crate::guard::resolve_public(&host, &self.security)
                    .await
                    .map_err(|e| PushError::Refused(e.to_string()))?;
            }
            Ok(())
        })
    }

    fn send<'a>(&'a self, token: &'a str, payload: &'a [u8]) -> PushFuture<'a> {
        Box::pin(async move {
            let (builder, _) = self.builder(token)?;
            let req = builder
                .with_vapid(&self.vapid, &self.contact)
                .build(payload.to_vec())
                .map_err(|e| PushError::Rejected(e.to_string()))?;
            let (parts, body) = req.into_parts();
            let mut out = self.client.post(parts.uri.to_string()).body(body);
            for (name, value) in &parts.headers {
                out = out.header(name.as_str(), value.as_bytes());
            }
            let resp = out
                .send()
                .await
                .map_err(|e| PushError::Rejected(e.without_url().to_string()))?;
            match resp.status().as_u16() {
                200..=299 => Ok(()),
                404 | 410 => Err(PushError::Gone),
                s => Err(PushError::Rejected(format!("status {s}"))),
            }
        })
    }
}
