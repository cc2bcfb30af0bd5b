//! SMS delivery through an operator's HTTP gateway.

use xuancai_app::config::Secret;
use xuancai_app::sms::{SendFuture, SmsError, SmsSender};
use xuancai_domain::{CodePurpose, OneTimeCode, PhoneNumber};

/// A gateway reached over HTTP: `POST url` with JSON
/// `{"phone": "+8613800138000", "code": "123456", "template": "sign_in",
/// "text": "【炫彩】您的登录验证码为123456…"}` (templates: `sign_in`, `verify`,
/// `guardian`; each text names what the code is for) and
/// `Authorization: Bearer TOKEN` when a token is configured. Any 2xx is
/// delivery; anything else is an error (the code is then not usable, since
/// the caller reports the failure).
#[derive(Debug, Clone)]
pub struct HttpSms {
    client: reqwest::Client,
    url: String,
    token: Option<Secret>,
}

impl HttpSms {
    /// The gateway's URL is checked against the outbound deny-list
    /// (`crate::guard`) unless the operator allowed its host.
    pub fn new(
        url: String,
        token: Option<Secret>,
        security: &xuancai_app::net::SecurityConfig,
    ) -> Result<Self, SmsError> {
        crate::guard::check_url(&url, security).map_err(|e| SmsError(format!("sms_http_url: {e}")))?;
        let client = crate::guard::client(std::time::Duration::from_secs(10), security).map_err(SmsError)?;
        Ok(Self { client, url, token })
    }
}

impl SmsSender for HttpSms {
    fn processor(&self) -> Option<&'static str> {
        Some("sms_gateway")
    }

    fn send<'a>(
        &'a self,
        to: &'a PhoneNumber,
        code: &'a OneTimeCode,
        purpose: CodePurpose,
        text: &'a str,
    ) -> SendFuture<'a> {
        Box::pin(async move {
            let mut req = self.client.post(&self.url).json(&serde_json::json!({
                "phone": to.as_e164(),
                "code": code.expose(),
                "template": purpose.key(),
                "text": text,
            }));
            if let Some(t) = &self.token {
                req = req.bearer_auth(String::from_utf8_lossy(t.expose()));
            }
            let resp = req
                .send()
                .await
                .map_err(|e| SmsError(format!("gateway unreachable: {e}")))?;
            if resp.status().is_success() {
                Ok(())
            } else {
                Err(SmsError(format!("gateway answered {}", resp.status())))
            }
        })
    }
}
