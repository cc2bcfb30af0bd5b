//! RET-1: personal information is stored in mainland China and not sent
//! out of it. Where each recipient is, is configuration, checked at start:
//!
//! - [`ResidencyConfig`] (`[residency]`): the allowed regions (default: the
//!   mainland regions of the major clouds — Hong Kong, Macao and Taiwan
//!   regions are *not* mainland and are not on it), and the declared region
//!   of each recipient the operator configures: this server (and its local
//!   files), the S3 bucket, the SMS gateway, an external image processor.
//! - [`recipients`]: every place personal information goes under this
//!   configuration, with its region — the published register lists them.
//! - [`check`]: start-up refuses a recipient outside the allowed regions,
//!   or one whose region is not declared (an S3 bucket no longer falls back
//!   to `us-east-1`).
//!
//! The regions of the built-in recipients (the phone vendors' push
//! services, the listed image APIs) are in the inventory
//! (`xuancai_domain::privacy::Processor::region`).

use serde::Deserialize;

use crate::config::{Config, SmsConfig};

/// Mainland China regions of the major clouds, and `cn` for a machine the
/// operator runs in the mainland.
pub const MAINLAND_REGIONS: &[&str] = &[
    "cn",
    // AWS China
    "cn-north-1",
    "cn-northwest-1",
    // Alibaba Cloud (not cn-hongkong)
    "cn-qingdao",
    "cn-beijing",
    "cn-zhangjiakou",
    "cn-huhehaote",
    "cn-wulanchabu",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-nanjing",
    "cn-fuzhou",
    "cn-wuhan-lr",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-guangzhou",
    "cn-chengdu",
    // Tencent Cloud (not ap-hongkong)
    "ap-beijing",
    "ap-nanjing",
    "ap-shanghai",
    "ap-guangzhou",
    "ap-chengdu",
    "ap-chongqing",
    // Huawei Cloud
    "cn-north-4",
    "cn-north-9",
    "cn-east-2",
    "cn-east-3",
    "cn-south-1",
    "cn-southwest-2",
];

/// The `[residency]` section of the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResidencyConfig {
    /// Regions personal information may be stored in or sent to.
    #[serde(deserialize_with = "crate::settings::list_of")]
    pub allowed: Vec<String>,
    /// Where this server runs (its database file and local blobs).
    pub server: String,
    /// The S3 bucket's region; without it the S3 client's (`AWS_REGION`).
    pub object_store: Option<String>,
    /// The SMS gateway's region (needed with `sms_http_url`).
    pub sms_gateway: Option<String>,
    /// The external image processor's region (needed for `custom_image`;
    /// the listed vendors' regions are in the inventory).
    pub image_processor: Option<String>,
}

impl Default for ResidencyConfig {
    fn default() -> Self {
        Self {
            allowed: MAINLAND_REGIONS.iter().map(|r| (*r).to_string()).collect(),
            server: "cn".into(),
            object_store: None,
            sms_gateway: None,
            image_processor: None,
        }
    }
}

impl ResidencyConfig {
    pub fn allows(&self, region: &str) -> bool {
        self.allowed.iter().any(|a| a.eq_ignore_ascii_case(region.trim()))
    }

    /// The S3 bucket's declared region: `[residency] object_store`, else
    /// the S3 client's region (`AWS_REGION`, read with the settings).
    pub fn object_store_region(&self, s3: &crate::settings::S3Settings) -> Option<String> {
        self.object_store
            .clone()
            .or_else(|| s3.region.clone())
            .filter(|r| !r.trim().is_empty())
    }
}

/// One place personal information goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The inventory key (`sms_gateway`, `xiaomi_push`, …) or `server`, `object_store`.
    pub key: String,
    pub name: String,
    /// `None`: not declared.
    pub region: Option<String>,
}

/// Every recipient this configuration turns on, with its region.
pub fn recipients(config: &Config) -> Vec<Recipient> {
    let r = &config.residency;
    let mut out = vec![Recipient {
        key: "server".into(),
        name: "本服务（数据库与本地文件）".into(),
        region: Some(r.server.clone()),
    }];
    if config.blob_url.as_deref().is_some_and(|u| u.starts_with("s3://")) {
        out.push(Recipient {
            key: "object_store".into(),
            name: "对象存储（S3 兼容）".into(),
            region: r.object_store_region(&config.s3),
        });
    }
    for p in xuancai_domain::privacy::PROCESSORS {
        if !crate::privacy::documents::processor_enabled(p, config) {
            continue;
        }
        let declared = match p.key {
            "sms_gateway" => match config.sms {
                // The development outbox is a file on this server.
                SmsConfig::Log => Some(r.server.clone()),
                SmsConfig::Http { .. } => r.sms_gateway.clone(),
            },
            _ => p.region.map(str::to_string).or_else(|| r.image_processor.clone()),
        };
        out.push(Recipient {
            key: p.key.into(),
            name: p.name.into(),
            region: declared,
        });
    }
    out
}

/// RET-1 at start: every recipient's region is declared and allowed.
pub fn check(config: &Config) -> Result<(), String> {
    for rec in recipients(config) {
        // Web Push goes to each browser's own push service; see docs/PRIVACY.md.
        if rec.key == "web_push" {
            continue;
        }
        match rec.region {
            None => {
                return Err(format!(
                    "RET-1: the region of {} ({}) is not declared: set it in [residency] \
                     (object_store, sms_gateway, image_processor) or AWS_REGION for S3",
                    rec.name, rec.key
                ));
            }
            Some(region) if !config.residency.allows(&region) => {
                return Err(format!(
                    "RET-1: {} ({}) is in region {region:?}, outside the allowed regions \
                     ([residency] allowed): personal information stays in mainland China",
                    rec.name, rec.key
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, ProcessorConfig, SmsConfig};

    fn s3(region: Option<&str>) -> Config {
        let mut c = Config {
            blob_url: Some("s3://photos".into()),
            ..Config::default()
        };
        c.residency.object_store = region.map(str::to_string);
        c
    }

    #[test]
    fn ret1_mainland_regions_only_and_declared() {
        assert_eq!(check(&Config::default()), Ok(()), "local files, development SMS");
        assert_eq!(check(&s3(Some("cn-north-1"))), Ok(()));
        for outside in ["us-east-1", "cn-hongkong", "ap-hongkong", "eu-central-1"] {
            let e = check(&s3(Some(outside))).err().unwrap_or_default();
            assert!(
                e.contains("outside the allowed regions") && e.contains(outside),
                "{e}"
            );
        }
        let mut sms = Config {
            sms: SmsConfig::Http {
                url: "https://sms.example.cn/send".into(),
                token: None,
            },
            ..Config::default()
        };
        let e = check(&sms).err().unwrap_or_default();
        assert!(e.contains("not declared") && e.contains("sms_gateway"), "{e}");
        sms.residency.sms_gateway = Some("cn-beijing".into());
        assert_eq!(check(&sms), Ok(()));
        let mut custom = Config::default();
        custom.studio.processor = Some(ProcessorConfig {
            key: "custom_image".into(),
            url: "https://img.example.cn".into(),
            token: None,
        });
        assert!(check(&custom).is_err(), "a custom processor declares its region");
        custom.residency.image_processor = Some("ap-shanghai".into());
        assert_eq!(check(&custom), Ok(()));
        // The listed vendors' regions come from the inventory.
        custom.studio.processor = Some(ProcessorConfig {
            key: "baidu_image".into(),
            url: "https://aip.baidubce.com".into(),
            token: None,
        });
        custom.residency.image_processor = None;
        assert_eq!(check(&custom), Ok(()));
        // An operator who widens the list takes that decision in the configuration.
        let mut wide = s3(Some("us-east-1"));
        wide.residency.allowed.push("us-east-1".into());
        assert_eq!(check(&wide), Ok(()));
    }

    #[test]
    fn ret1_every_recipient_is_listed_with_its_region() {
        let mut c = s3(Some("cn-north-1"));
        c.residency.server = "cn-hangzhou".into();
        let list = recipients(&c);
        let region = |key: &str| list.iter().find(|r| r.key == key).and_then(|r| r.region.clone());
        assert_eq!(region("server").as_deref(), Some("cn-hangzhou"));
        assert_eq!(region("object_store").as_deref(), Some("cn-north-1"));
        assert_eq!(
            region("sms_gateway").as_deref(),
            Some("cn-hangzhou"),
            "the dev outbox is a local file"
        );
        assert_eq!(region("web_push").as_deref(), Some("global"));
    }
}
