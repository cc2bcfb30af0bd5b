//! External image processors over HTTP (IMG-5): rembg's server protocol.

use std::time::Duration;

use xuancai_app::config::{ProcessorConfig, Secret};
use xuancai_app::studio::JobError;
use xuancai_app::studio::external::{ImageProcessor, ProcessFuture};
use xuancai_domain::privacy::{Processor, Purpose};

/// Largest answer accepted from a processor.
const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// An image API that takes the photo as the multipart field `file` and
/// answers with the cut-out image — the protocol of rembg's server
/// (`POST /api/remove`) and of the HTTP gateways operators put in front of
/// the cloud vendors' APIs.
pub struct HttpProcessor {
    register: &'static Processor,
    url: String,
    token: Option<Secret>,
    client: reqwest::Client,
}

impl std::fmt::Debug for HttpProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpProcessor")
            .field("key", &self.register.key)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl HttpProcessor {
    /// The configured processor; its key must name an image processor of
    /// the register.
    pub fn new(
        config: &ProcessorConfig,
        security: &xuancai_app::net::SecurityConfig,
    ) -> Result<Self, String> {
        let register = xuancai_domain::privacy::processor(&config.key)
            .filter(|p| p.purpose == Purpose::Studio)
            .ok_or_else(|| {
                format!(
                    "studio_processor {:?} is not an image processor of the register (use one of: {})",
                    config.key,
                    xuancai_domain::privacy::PROCESSORS
                        .iter()
                        .filter(|p| p.purpose == Purpose::Studio)
                        .map(|p| p.key)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        crate::guard::check_url(&config.url, security)
            .map_err(|e| format!("studio_processor_url {:?}: {e}", config.url))?;
        let client = crate::guard::client(Duration::from_secs(60), security)?;
        Ok(Self {
            register,
            url: config.url.clone(),
            token: config.token.clone(),
            client,
        })
    }
}

impl ImageProcessor for HttpProcessor {
    fn register(&self) -> &'static Processor {
        self.register
    }

    fn cutout<'a>(&'a self, photo: &'a [u8], file_name: &'a str) -> ProcessFuture<'a> {
        Box::pin(async move {
            let unavailable = |m: String| {
                JobError::retryable("processor_unavailable", format!("{}: {m}", self.register.key))
            };
            let part = reqwest::multipart::Part::bytes(photo.to_vec()).file_name(file_name.to_string());
            let mut req = self
                .client
                .post(&self.url)
                .multipart(reqwest::multipart::Form::new().part("file", part));
            if let Some(t) = &self.token {
                req = req.bearer_auth(String::from_utf8_lossy(t.expose()));
            }
            let resp = req.send().await.map_err(|e| unavailable(e.to_string()))?;
            let status = resp.status();
            if status.is_server_error() || status.as_u16() == 429 {
                return Err(unavailable(format!("answered {status}")));
            }
            if !status.is_success() {
                return Err(JobError::permanent(
                    "processor_refused",
                    format!("{} refused the photo ({status})", self.register.key),
                ));
            }
            if resp.content_length().is_some_and(|n| n > MAX_ANSWER as u64) {
                return Err(JobError::permanent(
                    "processor_refused",
                    "the answer is too large",
                ));
            }
            let body = resp.bytes().await.map_err(|e| unavailable(e.to_string()))?;
            if body.len() > MAX_ANSWER {
                return Err(JobError::permanent(
                    "processor_refused",
                    "the answer is too large",
                ));
            }
            Ok(body.to_vec())
        })
    }
}
