//! The phone vendors' push channels (DATA-5): Xiaomi, Huawei, OPPO, vivo
//! and Meizu, as [`PushProvider`]s beside Web Push. Each one is off until
//! the operator configures its app credentials (`[[push_vendor]]` in the
//! config file); then Android devices register their vendor token under the
//! vendor's register key (`xiaomi_push`, …) and every push is logged as a
//! disclosure (DATA-6) like any other.
//!
//! The requests follow the vendors' published server APIs: Xiaomi's
//! `/v3/message/regid` with the app secret; Huawei's OAuth 2.0 client
//! credentials then `/v1/{app_id}/messages:send`; OPPO's `/server/v1/auth`
//! (SHA-256 signature) then the unicast notification; vivo's
//! `/message/auth` (MD5 signature) then `/message/send`; Meizu's
//! `pushByPushId` with its MD5 parameter signature. Access tokens are
//! cached until shortly before they expire. The base URL of each can be
//! overridden (a gateway, or the tests' stand-in).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Digest as _;

use xuancai_app::config::{Secret, Vendor, VendorConfig};
use xuancai_app::push::{PushError, PushFuture, PushProvider};

/// What a push says: the title and body of the JSON payload every provider gets.
fn notification(payload: &[u8]) -> (String, String) {
    let v: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    let text = |k: &str| {
        v[k].as_str()
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect::<String>()
    };
    (text("title"), text("body"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn md5_hex(s: &str) -> String {
    hex(&md5::Md5::digest(s.as_bytes()))
}

fn sha256_hex(s: &str) -> String {
    hex(&sha2::Sha256::digest(s.as_bytes()))
}

fn millis_now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
        .to_string()
}

fn rejected(vendor: Vendor, what: impl std::fmt::Display) -> PushError {
    PushError::Rejected(format!("{}: {what}", vendor.key()))
}

/// A vendor channel.
pub struct VendorPush {
    vendor: Vendor,
    app_id: String,
    app_key: String,
    secret: Secret,
    package: String,
    base: String,
    client: reqwest::Client,
    /// Huawei, OPPO, vivo: the access token and when to fetch a new one.
    token: Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for VendorPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VendorPush")
            .field("vendor", &self.vendor.key())
            .field("app_id", &self.app_id)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
struct HuaweiToken {
    access_token: String,
    expires_in: u64,
}

impl VendorPush {
    pub fn new(c: &VendorConfig, security: &xuancai_app::net::SecurityConfig) -> Result<Self, String> {
        let base = c
            .base_url
            .clone()
            .unwrap_or_else(|| c.vendor.default_base().to_string())
            .trim_end_matches('/')
            .to_string();
        crate::guard::check_url(&base, security)
            .map_err(|e| format!("push_vendor {}: base_url: {e}", c.vendor.key()))?;
        let client = crate::guard::client(Duration::from_secs(10), security)?;
        Ok(Self {
            vendor: c.vendor,
            app_id: c.app_id.clone(),
            app_key: c.app_key.clone(),
            secret: c.secret.clone(),
            package: c.package.clone(),
            base,
            client,
            token: Mutex::new(None),
        })
    }

    fn secret(&self) -> String {
        String::from_utf8_lossy(self.secret.expose()).into_owned()
    }

    fn cached_token(&self) -> Option<String> {
        let slot = self.token.lock().ok()?;
        slot.as_ref()
            .filter(|(_, until)| Instant::now() < *until)
            .map(|(t, _)| t.clone())
    }

    fn keep_token(&self, token: &str, valid: Duration) {
        if let Ok(mut slot) = self.token.lock() {
            // Renew a minute early.
            *slot = Some((
                token.to_string(),
                Instant::now() + valid.saturating_sub(Duration::from_secs(60)),
            ));
        }
    }

    async fn post_json(&self, req: reqwest::RequestBuilder) -> Result<Value, PushError> {
        let resp = req.send().await.map_err(|e| rejected(self.vendor, e))?;
        let status = resp.status();
        let body: Value = resp.json().await.map_err(|e| rejected(self.vendor, e))?;
        if !status.is_success() {
            return Err(rejected(self.vendor, format!("status {status}: {body}")));
        }
        Ok(body)
    }

    /// The access token of Huawei, OPPO or vivo.
    async fn access_token(&self) -> Result<String, PushError> {
        if let Some(t) = self.cached_token() {
            return Ok(t);
        }
        let (token, valid) = match self.vendor {
            Vendor::Huawei => {
                let form = [
                    ("grant_type", "client_credentials".to_string()),
                    ("client_id", self.app_id.clone()),
                    ("client_secret", self.secret()),
                ];
                let v = self
                    .post_json(
                        self.client
                            .post(format!("{}/oauth2/v3/token", self.auth_base()))
                            .form(&form),
                    )
                    .await?;
                let t: HuaweiToken = serde_json::from_value(v).map_err(|e| rejected(self.vendor, e))?;
                (t.access_token, Duration::from_secs(t.expires_in))
            }
            Vendor::Oppo => {
                let ts = millis_now();
                let form = [
                    ("app_key", self.app_key.clone()),
                    ("timestamp", ts.clone()),
                    (
                        "sign",
                        sha256_hex(&format!("{}{ts}{}", self.app_key, self.secret())),
                    ),
                ];
                let v = self
                    .post_json(
                        self.client
                            .post(format!("{}/server/v1/auth", self.base))
                            .form(&form),
                    )
                    .await?;
                if v["code"].as_i64() != Some(0) {
                    return Err(rejected(self.vendor, format!("auth: {v}")));
                }
                let t = v["data"]["auth_token"].as_str().unwrap_or_default().to_string();
                (t, Duration::from_secs(23 * 3600))
            }
            Vendor::Vivo => {
                let ts = millis_now();
                let body = json!({
                    "appId": self.app_id,
                    "appKey": self.app_key,
                    "timestamp": ts,
                    "sign": md5_hex(&format!("{}{}{ts}{}", self.app_id, self.app_key, self.secret())),
                });
                let v = self
                    .post_json(
                        self.client
                            .post(format!("{}/message/auth", self.base))
                            .json(&body),
                    )
                    .await?;
                if v["result"].as_i64() != Some(0) {
                    return Err(rejected(self.vendor, format!("auth: {v}")));
                }
                let t = v["authToken"].as_str().unwrap_or_default().to_string();
                (t, Duration::from_secs(23 * 3600))
            }
            Vendor::Xiaomi | Vendor::Meizu => return Ok(String::new()),
        };
        if token.is_empty() {
            return Err(rejected(self.vendor, "no access token in the answer"));
        }
        self.keep_token(&token, valid);
        Ok(token)
    }

    /// Huawei's OAuth server is a separate host, unless a base URL is set.
    fn auth_base(&self) -> &str {
        if self.base == Vendor::Huawei.default_base() {
            "https://oauth-login.cloud.huawei.com"
        } else {
            &self.base
        }
    }

    async fn deliver(&self, token: &str, payload: &[u8]) -> Result<(), PushError> {
        let (title, body) = notification(payload);
        match self.vendor {
            Vendor::Xiaomi => {
                let form = [
                    ("registration_id", token.to_string()),
                    ("restricted_package_name", self.package.clone()),
                    ("title", title),
                    ("description", body),
                    ("payload", String::from_utf8_lossy(payload).into_owned()),
                    ("pass_through", "0".into()),
                    ("notify_type", "-1".into()),
                ];
                let req = self
                    .client
                    .post(format!("{}/v3/message/regid", self.base))
                    .header("Authorization", format!("key={}", self.secret()))
                    .form(&form);
                let v = self.post_json(req).await?;
                match v["code"].as_i64() {
                    Some(0) => Ok(()),
                    _ => Err(rejected(self.vendor, v)),
                }
            }
            Vendor::Huawei => {
                let access = self.access_token().await?;
                let msg = json!({
                    "validate_only": false,
                    "message": {
                        "notification": { "title": title, "body": body },
                        "android": { "notification": { "click_action": { "type": 3 } } },
                        "token": [token],
                    }
                });
                let req = self
                    .client
                    .post(format!("{}/v1/{}/messages:send", self.base, self.app_id))
                    .bearer_auth(access)
                    .json(&msg);
                let v = self.post_json(req).await?;
                match v["code"].as_str() {
                    Some("80000000") => Ok(()),
                    // The token is not (or no longer) valid.
                    Some("80300007") => Err(PushError::Gone),
                    _ => Err(rejected(self.vendor, v)),
                }
            }
            Vendor::Oppo => {
                let access = self.access_token().await?;
                let message = json!({
                    "target_type": 2,
                    "target_value": token,
                    "notification": { "title": title, "content": body },
                });
                let form = [("auth_token", access), ("message", message.to_string())];
                let req = self
                    .client
                    .post(format!("{}/server/v1/message/notification/unicast", self.base))
                    .form(&form);
                let v = self.post_json(req).await?;
                match v["code"].as_i64() {
                    Some(0) => Ok(()),
                    _ => Err(rejected(self.vendor, v)),
                }
            }
            Vendor::Vivo => {
                let access = self.access_token().await?;
                let msg = json!({
                    "regId": token,
                    "notifyType": 4,
                    "title": title,
                    "content": body,
                    "skipType": 1,
                    "requestId": hex(&xuancai_app::crypto::random::<16>()),
                });
                let req = self
                    .client
                    .post(format!("{}/message/send", self.base))
                    .header("authToken", access)
                    .json(&msg);
                let v = self.post_json(req).await?;
                match v["result"].as_i64() {
                    Some(0) => Ok(()),
                    _ => Err(rejected(self.vendor, v)),
                }
            }
            Vendor::Meizu => {
                let message = json!({ "noticeBarInfo": { "title": title, "content": body } }).to_string();
                let mut params = vec![
                    ("appId", self.app_id.clone()),
                    ("pushIds", token.to_string()),
                    ("messageJson", message),
                ];
                params.sort();
                let signed: String = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                params.push(("sign", md5_hex(&format!("{signed}{}", self.secret()))));
                let req = self
                    .client
                    .post(format!(
                        "{}/garcia/api/server/push/varnished/pushByPushId",
                        self.base
                    ))
                    .form(&params);
                let v = self.post_json(req).await?;
                match v["code"].as_str() {
                    Some("200") => Ok(()),
                    _ => Err(rejected(self.vendor, v)),
                }
            }
        }
    }
}

impl PushProvider for VendorPush {
    fn key(&self) -> &'static str {
        self.vendor.key()
    }

    /// A vendor registration id: 1–512 characters of letters, digits and `+/=_:.-`.
    fn validate<'a>(&'a self, token: &'a str) -> PushFuture<'a> {
        let ok = !token.is_empty()
            && token.len() <= 512
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=_:.-".contains(&b));
        let result = if ok {
            Ok(())
        } else {
            Err(PushError::InvalidToken(format!(
                "not a {} registration id",
                self.vendor.key()
            )))
        };
        Box::pin(std::future::ready(result))
    }

    fn send<'a>(&'a self, token: &'a str, payload: &'a [u8]) -> PushFuture<'a> {
        Box::pin(self.deliver(token, payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_the_vendors_hex_digests() {
        // RFC 1321 and FIPS 180-2 test vectors.
        assert_eq!(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let (t, b) = notification("{\"title\":\"维护\",\"body\":\"今晚\"}".as_bytes());
        assert_eq!((t.as_str(), b.as_str()), ("维护", "今晚"));
    }
}
