//! SMS delivery of one-time codes (ACC-1), behind a trait. The development
//! provider writes the code to the server log and to `DATA_DIR/sms-outbox.log`
//! (what end-to-end tests read); a real gateway is another implementation.

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::pin::Pin;

use xuancai_domain::{OneTimeCode, PhoneNumber};

#[derive(Debug, thiserror::Error)]
#[error("SMS delivery failed: {0}")]
pub struct SmsError(pub String);

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;

pub trait SmsSender: Send + Sync + std::fmt::Debug {
    fn send<'a>(&'a self, to: &'a PhoneNumber, code: &'a OneTimeCode) -> SendFuture<'a>;
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
    fn send<'a>(&'a self, to: &'a PhoneNumber, code: &'a OneTimeCode) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(to = %to.masked(), code = code.expose(), "development SMS (not sent)");
            let line = format!("{} {}\n", to.as_e164(), code.expose());
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
