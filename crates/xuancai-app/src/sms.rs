//! SMS delivery of one-time codes (ACC-1), behind a trait. The development
//! provider writes the code to the server log and to `DATA_DIR/sms-outbox.log`
//! (what end-to-end tests read); [`HttpSms`] posts to a gateway.

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::pin::Pin;

use xuancai_domain::{CodePurpose, OneTimeCode, PhoneNumber};

#[derive(Debug, thiserror::Error)]
#[error("SMS delivery failed: {0}")]
pub struct SmsError(pub String);

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;

pub trait SmsSender: Send + Sync + std::fmt::Debug {
    /// Deliver `text` (which contains `code`) to `to`, with the template of
    /// `purpose`: every purpose has its own template naming what the code is for.
    fn send<'a>(
        &'a self,
        to: &'a PhoneNumber,
        code: &'a OneTimeCode,
        purpose: CodePurpose,
        text: &'a str,
    ) -> SendFuture<'a>;

    /// The processor (`xuancai_domain::privacy::PROCESSORS` key) that receives
    /// the number, if delivery discloses it to a third party (DATA-6).
    fn processor(&self) -> Option<&'static str> {
        None
    }
}

/// Development delivery: the log and an outbox file.
#[derive(Debug, Clone)]
pub struct DevSms {
    outbox: PathBuf,
}

impl DevSms {
    pub fn new(outbox: PathBuf) -> Self {
        Self { outbox }
    }
}

impl SmsSender for DevSms {
    fn send<'a>(
        &'a self,
        to: &'a PhoneNumber,
        code: &'a OneTimeCode,
        purpose: CodePurpose,
        text: &'a str,
    ) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(to = %to.masked(), code = code.expose(), purpose = purpose.key(), "development SMS (not sent)");
            // One line per SMS: number, code, template, text.
            let line = format!("{} {} {} {}\n", to.as_e164(), code.expose(), purpose.key(), text);
            let path = self.outbox.clone();
            tokio::task::spawn_blocking(move || {
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)?;
                f.write_all(line.as_bytes())
            })
            .await
            .map_err(|e| SmsError(e.to_string()))?
            .map_err(|e| SmsError(e.to_string()))
        })
    }
}

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
    token: Option<crate::config::Secret>,
}

impl HttpSms {
    pub fn new(url: String, token: Option<crate::config::Secret>) -> Result<Self, SmsError> {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| SmsError(e.to_string()))?;
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
