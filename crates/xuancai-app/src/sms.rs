//! SMS delivery of one-time codes (ACC-1), behind a trait. The development
//! provider writes the code to the server log and to `DATA_DIR/sms-outbox.log`
//! (what end-to-end tests read); the HTTP gateway is an outbound adapter
//! (`xuancai_outbound::sms::HttpSms`).

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
