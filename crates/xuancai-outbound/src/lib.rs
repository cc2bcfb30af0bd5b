//! Xuancai's outbound adapters: every request the service itself sends to
//! another server goes through this crate — the SMS gateway ([`sms`]), Web
//! Push ([`web_push`]), S3 blob storage ([`blobs`]), the phone vendors' push channels ([`push_vendors`])
//! and external image processors ([`processor`]). Each implements a trait
//! of `xuancai-app` (`SmsSender`, `PushProvider`, `ImageProcessor`), so the
//! application layer holds no HTTP client; [`connect`] builds those the
//! configuration turns on, for `xuancai serve` and `xuancai worker` alike.
//! Every HTTP client here is built by [`guard::client`]: no redirects, and
//! no connection to an internal address unless the operator allowed it.

pub mod blobs;
pub mod guard;
pub mod processor;
pub mod push_vendors;
pub mod sms;
pub mod web_push;

use std::sync::Arc;

use xuancai_app::StartupError;
use xuancai_app::config::{Config, SmsConfig};
use xuancai_app::crypto::Keys;
use xuancai_app::push::{Channels, PushProvider};
use xuancai_app::sms::{DevSms, SmsSender};
use xuancai_app::startup::Outbound;
use xuancai_app::studio::ImageProcessor;

/// The outbound channels `config` turns on: the SMS provider (the
/// development outbox needs `dev_mode`), Web Push with the VAPID key from
/// the master key, the configured phone vendors (DATA-5), and an external
/// image processor when one is configured (IMG-5, off by default).
pub fn connect(config: &Config, keys: &Keys) -> Result<Outbound, StartupError> {
    let sms: Arc<dyn SmsSender> = match &config.sms {
        SmsConfig::Log if config.dev_mode => Arc::new(DevSms::new(config.data_dir.join("sms-outbox.log"))),
        SmsConfig::Log => return Err(StartupError::NoSms),
        SmsConfig::Http { url, token } => Arc::new(
            sms::HttpSms::new(url.clone(), token.clone(), &config.security)
                .map_err(|e| StartupError::Sms(e.to_string()))?,
        ),
    };
    let web_push = Arc::new(
        web_push::WebPush::new(
            keys.vapid_seed(),
            config.push_contact.clone(),
            config.push_allow_loopback,
            &config.security,
        )
        .map_err(|e| StartupError::Config(format!("VAPID key: {e}")))?,
    );
    let web_push_key = web_push.public_key();
    let mut channels: Vec<Arc<dyn PushProvider>> = vec![web_push];
    for v in &config.push_vendors {
        channels.push(Arc::new(
            push_vendors::VendorPush::new(v, &config.security).map_err(StartupError::Config)?,
        ));
    }
    let processor = config
        .studio
        .processor
        .as_ref()
        .map(|p| {
            processor::HttpProcessor::new(p, &config.security)
                .map(|p| Arc::new(p) as Arc<dyn ImageProcessor>)
                .map_err(StartupError::Config)
        })
        .transpose()?;
    Ok(Outbound {
        blobs: blobs::open(
            config.blob_url.as_deref(),
            &config.s3,
            config.residency.object_store_region(&config.s3).as_deref(),
            &config.data_dir,
        )?,
        sms,
        push: Arc::new(Channels::new(channels)),
        web_push_key,
        processor,
    })
}
