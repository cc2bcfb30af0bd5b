//! What the program runs on: [`Config`], made from the operator's
//! [`Settings`] (read in layers by [`crate::settings::load`]) by
//! [`Config::from_settings`], which applies the rules the keys' values must
//! keep (RET-2's caps, a key file's contents, vendors' names). Secrets are
//! redacted in `Debug`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::settings::{S3Settings, Settings};

/// A secret byte string that never appears in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// From 64 hex digits.
    pub fn from_hex(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.len() != 64 {
            return None;
        }
        (0..32)
            .map(|i| u8::from_str_radix(s.get(i * 2..i * 2 + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()
            .map(Self)
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A secret is read from its text (a file key, an environment variable).
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Self(s.into_bytes()))
    }
}

/// Never written out: a serialized secret is `"<redacted>"`.
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("<redacted>")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// Where the SQLite file, local blobs, the dev keys and the dev SMS outbox live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: `sqlite://DATA_DIR/xuancai.db`.
    pub database_url: Option<String>,
    /// The master key (32 bytes) that wraps every user's data key (SEC-4).
    pub master_key: Option<Secret>,
    /// During a rotation, the master key being replaced (it only opens).
    pub previous_master_key: Option<Secret>,
    /// Development mode: generate a master key into the data dir when none is
    /// given, and deliver SMS codes to the log and `DATA_DIR/sms-outbox.log`.
    pub dev_mode: bool,
    /// One-time code lifetime, seconds (ACC-1: 5 minutes).
    pub code_ttl_secs: i64,
    /// Wrong tries allowed per code (ACC-1: 5).
    pub code_max_attempts: u32,
    /// Codes per number per minute and per day; per IP per day.
    pub sends_per_phone_minute: u64,
    pub sends_per_phone_day: u64,
    pub sends_per_ip_day: u64,
    /// Session lifetime, seconds.
    pub session_ttl_secs: i64,
    /// Mark cookies `Secure` (set when serving TLS or behind an HTTPS proxy).
    pub secure_cookies: bool,
    /// TLS in the binary (issue 23 item 3): the certificate chain (PEM) and
    /// its private key (PEM); both or neither. Reloaded on SIGHUP.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// `GET /metrics` answers only with `Authorization: Bearer` this token
    /// (issue 23 item 4); without one the page does not exist.
    pub metrics_token: Option<Secret>,
    /// `file:///PATH` or `s3://BUCKET`; default: `DATA_DIR/blobs`.
    pub blob_url: Option<String>,
    /// Largest accepted upload, bytes.
    pub max_upload_bytes: u64,
    /// Largest accepted image area, pixels (the decompression-bomb guard).
    pub max_upload_pixels: u64,
    /// How long photos stay in the trash before they are purged (IMG-1: 30 days).
    pub trash_retention_secs: i64,
    /// How often the background jobs (purge, blob clean-up) run.
    pub job_interval_secs: u64,
    /// A maintenance run's lease (renewed every third of it while it runs).
    pub maintenance_lease_secs: u64,
    /// How long the blobs of an upload that never committed are kept before
    /// the clean-up job deletes them (longer than any upload takes).
    pub upload_grace_secs: i64,
    /// How to deliver SMS codes.
    pub sms: SmsConfig,
    /// Argon2id memory (KiB) and passes for new password hashes (ACC-3).
    pub argon2_m_cost_kib: u32,
    pub argon2_t_cost: u32,
    /// Failed password logins allowed per number per hour.
    pub password_failures_per_hour: u64,
    /// The service's time zone as a UTC offset in minutes (for "one check-in a day").
    pub utc_offset_minutes: i32,
    /// Coins for a daily check-in (ACC-8).
    pub check_in_coins: i64,
    /// Operators' phone numbers (E.164): they may process rights requests and
    /// read the audit log (SEC-6). `XUANCAI_OPERATORS`, comma-separated.
    pub operators: Vec<String>,
    /// Days usage logs and IP prefixes are kept (DATA-1, RET-2).
    pub usage_retention_days: u32,
    /// Calendar months after cancellation within which an account is erased
    /// (RET-2: at most 3). A child's cancelled account is erased at once (MIN-6).
    pub cancelled_retention_months: u32,
    /// Days an account declared under 18 waits for its guardian before it is
    /// erased (MIN-2; at most 7).
    pub guardian_wait_days: u32,
    /// Public holidays and make-up working days (YYYY-MM-DD) for request deadlines.
    pub holidays: Vec<String>,
    pub make_up_days: Vec<String>,
    /// Where personal information is stored (RET-1), shown in the policy.
    pub region: String,
    /// RET-3: the day the service shuts down (YYYY-MM-DD). Once set, the
    /// shutdown is announced and sign-ups stop; `shutdown_erase_days` after
    /// it every account is erased (except under a recorded legal hold).
    pub shutdown_date: Option<String>,
    pub shutdown_erase_days: u32,
    /// The contact push services see in VAPID tokens (`mailto:` or `https:`).
    pub push_contact: String,
    /// The phone vendors' push channels the operator configured (DATA-5).
    pub push_vendors: Vec<VendorConfig>,
    /// Accept `http://127.0.0.1…` push endpoints (tests only; otherwise https
    /// only, so a subscription cannot point the server at local services).
    pub push_allow_loopback: bool,
    /// The studio's job workers (issue 7).
    pub studio: StudioConfig,
    /// Limits for anonymous callers, trusted proxies, outbound hosts.
    pub security: crate::net::SecurityConfig,
    /// Quotas per account.
    pub quotas: crate::quotas::QuotaConfig,
    /// how users reach the operator (`[contact]`).
    pub contact: crate::contact::ContactConfig,
    /// RET-1: allowed regions and where each recipient is (`[residency]`).
    pub residency: crate::residency::ResidencyConfig,
    /// The model and font cache (`None`: the user's cache directory).
    pub assets_dir: Option<PathBuf>,
    /// The ONNX Runtime library (`None`: the one in the asset cache).
    pub onnxruntime: Option<PathBuf>,
    /// The S3 client's endpoint, region and credentials (`s3://` blob URLs).
    pub s3: S3Settings,
    /// Failure injection for the crash tests only; `None` in production.
    pub fault: Option<String>,
    /// Issue 21 item 8: the operator's C2PA signing chain and key; `None`
    /// only in development (the ephemeral chain signs then).
    pub aigc_signing: Option<SigningFiles>,
}

/// Where the C2PA signing chain and key are, and the algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub alg: String,
}

/// How this process works on the studio's job queue.
#[derive(Debug, Clone, PartialEq)]
pub struct StudioConfig {
    /// Jobs this process runs at once (0: none — an HTTP-only process that
    /// leaves the queue to `xuancai worker`). Each running job holds one
    /// decoded photo and its working copies, so this bounds memory.
    pub workers: usize,
    /// Intra-op threads per model run (ONNX Runtime) and for the image work.
    pub threads: usize,
    /// A claimed job's lease; heartbeats renew it every third of it. A job
    /// whose worker died is taken again once its lease ran out.
    pub lease_secs: i64,
    /// Attempts (claims) before a job fails for good; a job whose worker
    /// died that often fails with `worker_lost`.
    pub max_attempts: u32,
    /// How often an idle worker looks for jobs enqueued by other processes.
    pub poll_ms: u64,
    /// Queued and running jobs one user may have at once.
    pub max_pending_per_user: u64,
    /// The service provider named in the AI-content metadata of face-swap
    /// results (GB 45438-2025 `ContentProducer`): the operator's name or code.
    pub producer: String,
    /// Issue 21 item 7: the content-safety check run on face-swap sources,
    /// targets and results and on works before they are shared.
    pub content: xuancai_vision::ContentPolicy,
    /// IMG-5: an external image API for cutouts. `None` (the default): every
    /// image is processed on this server and none leaves it.
    pub processor: Option<ProcessorConfig>,
}

/// A phone vendor's push service (DATA-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Xiaomi,
    Huawei,
    Oppo,
    Vivo,
    Meizu,
}

impl Vendor {
    pub const ALL: [Self; 5] = [Self::Xiaomi, Self::Huawei, Self::Oppo, Self::Vivo, Self::Meizu];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "xiaomi" => Self::Xiaomi,
            "huawei" => Self::Huawei,
            "oppo" => Self::Oppo,
            "vivo" => Self::Vivo,
            "meizu" => Self::Meizu,
            _ => return None,
        })
    }

    /// Its key in the register of processors.
    pub fn key(self) -> &'static str {
        match self {
            Self::Xiaomi => "xiaomi_push",
            Self::Huawei => "huawei_push",
            Self::Oppo => "oppo_push",
            Self::Vivo => "vivo_push",
            Self::Meizu => "meizu_push",
        }
    }

    /// The vendor's server API.
    pub fn default_base(self) -> &'static str {
        match self {
            Self::Xiaomi => "https://api.xmpush.xiaomi.com",
            Self::Huawei => "https://push-api.cloud.huawei.com",
            Self::Oppo => "https://api.push.oppomobile.com",
            Self::Vivo => "https://api-push.vivo.com.cn",
            Self::Meizu => "https://server-api-push.meizu.com",
        }
    }
}

/// One vendor's app credentials, as its developer console gives them:
/// Xiaomi (app secret, package), Huawei (app id, client secret), OPPO (app
/// key, master secret), vivo (app id, app key, app secret), Meizu (app id,
/// app secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorConfig {
    pub vendor: Vendor,
    pub app_id: String,
    pub app_key: String,
    pub secret: Secret,
    /// Xiaomi: the app's package name.
    pub package: String,
    /// Another server for the API (a gateway; the tests' stand-in).
    pub base_url: Option<String>,
}

/// An external image-processing API (IMG-5). Each call discloses the photo
/// to the processor and is logged (DATA-6); the processor shows as enabled
/// in the published register (DATA-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessorConfig {
    /// Its key in the register (`baidu_image`, `aliyun_image`,
    /// `tencent_image` or `custom_image`).
    pub key: String,
    /// Where the photo is POSTed (multipart field `file`; the answer is the
    /// cut-out PNG — the protocol of rembg's server and of image gateways).
    pub url: String,
    /// Sent as `Authorization: Bearer …`.
    pub token: Option<Secret>,
}

impl Default for StudioConfig {
    fn default() -> Self {
        Config::default().studio
    }
}

/// SMS delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsConfig {
    /// Development: write codes to the log and `DATA_DIR/sms-outbox.log`
    /// (needs `--dev`).
    Log,
    /// POST `{"phone": "+86…", "code": "123456", "template": "login"}` as
    /// JSON to a gateway, with an optional bearer token.
    Http { url: String, token: Option<Secret> },
}

impl Default for Config {
    /// The built-in defaults ([`Settings::default`]'s values).
    fn default() -> Self {
        Self::base(Settings::default())
    }
}

/// Why the settings were refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    /// A key's value does not fit it (the message names the key and the
    /// layer it came from), or an unknown key.
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// The program's configuration from the operator's settings: units
    /// converted, limits kept (RET-2 at most 3 months, MIN-2 at most 7
    /// days), the master key read from its file, vendors and the external
    /// processor checked.
    pub fn from_settings(mut s: Settings) -> Result<Self, ConfigError> {
        let invalid = |m: String| ConfigError::Invalid(m);
        let key_file = s.master_key_file.take();
        let hex_key = s.master_key.take();
        let previous = (s.previous_master_key.take(), s.previous_master_key_file.take());
        let vendors = std::mem::take(&mut s.push_vendor);
        let processor = (
            s.studio_processor.take(),
            s.studio_processor_url.take(),
            s.studio_processor_token.take(),
        );
        let nsfw_threshold = s.studio_nsfw_threshold;
        if s.aigc_signing_cert.is_some() != s.aigc_signing_key.is_some() {
            return Err(invalid(
                "aigc_signing_cert and aigc_signing_key go together: the chain and its key".into(),
            ));
        }
        let mut c = Self::base(s);
        c.studio.content = xuancai_vision::ContentPolicy::parse(nsfw_threshold)
            .map_err(|e| invalid(format!("studio_nsfw_threshold: {e}")))?;
        c.master_key = master_key("master_key", hex_key, key_file)?;
        c.previous_master_key = master_key("previous_master_key", previous.0, previous.1)?;
        for v in vendors {
            let vendor = Vendor::parse(&v.vendor).ok_or_else(|| {
                invalid(format!(
                    "push_vendor {:?}: use xiaomi, huawei, oppo, vivo or meizu",
                    v.vendor
                ))
            })?;
            c.push_vendors.push(VendorConfig {
                vendor,
                app_id: v.app_id,
                app_key: v.app_key,
                secret: v.secret,
                package: v.package,
                base_url: v.base_url,
            });
        }
        c.studio.processor = match processor {
            (Some(key), Some(url), token) => Some(ProcessorConfig { key, url, token }),
            (None, None, _) => None,
            _ => {
                return Err(invalid(
                    "studio_processor and studio_processor_url go together".into(),
                ));
            }
        };
        Ok(c)
    }

    /// Everything that cannot fail: values, units and caps.
    fn base(s: Settings) -> Self {
        let secret = |t: Option<Secret>| t.filter(|t| !t.expose().is_empty());
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            listen: s.listen,
            data_dir: s.data_dir,
            database_url: s.database_url,
            master_key: None,
            previous_master_key: None,
            dev_mode: s.dev,
            code_ttl_secs: 300,
            code_max_attempts: 5,
            sends_per_phone_minute: s.sends_per_phone_minute.max(1),
            sends_per_phone_day: s.sends_per_phone_day.max(1),
            sends_per_ip_day: s.sends_per_ip_day.max(1),
            session_ttl_secs: i64::from(s.session_ttl_days) * 86_400,
            secure_cookies: s.secure_cookies,
            tls_cert: s.tls_cert,
            tls_key: s.tls_key,
            metrics_token: secret(s.metrics_token),
            blob_url: s.blob_url,
            max_upload_bytes: s
                .max_upload_mb
                .map_or(s.max_upload_bytes, |mb| mb.saturating_mul(1024 * 1024)),
            max_upload_pixels: s.max_upload_pixels,
            trash_retention_secs: i64::from(s.trash_retention_days) * 86_400,
            job_interval_secs: s.job_interval_secs.max(1),
            maintenance_lease_secs: s.maintenance_lease_secs.max(1),
            upload_grace_secs: s.upload_grace_secs.max(0),
            sms: match s.sms_http_url {
                Some(url) => SmsConfig::Http {
                    url,
                    token: s.sms_http_token,
                },
                None => SmsConfig::Log,
            },
            argon2_m_cost_kib: 19 * 1024,
            argon2_t_cost: 2,
            password_failures_per_hour: 10,
            utc_offset_minutes: s.utc_offset_minutes,
            check_in_coins: s.check_in_coins,
            operators: s.operators.iter().map(|p| p.trim().to_string()).collect(),
            usage_retention_days: s.usage_retention_days,
            // RET-2: within 3 months, whatever the settings say; MIN-2: 7 days.
            cancelled_retention_months: s
                .cancelled_retention_months
                .min(xuancai_domain::privacy::CANCELLED_ACCOUNT_RETENTION_MONTHS),
            guardian_wait_days: s
                .guardian_wait_days
                .min(xuancai_domain::privacy::GUARDIAN_WAIT_DAYS),
            holidays: s.holidays,
            make_up_days: s.make_up_days,
            region: s.region,
            shutdown_date: s.shutdown_date,
            shutdown_erase_days: s.shutdown_erase_days,
            push_contact: s.push_contact,
            push_vendors: Vec::new(),
            push_allow_loopback: false,
            studio: StudioConfig {
                workers: s.studio_workers,
                threads: if s.studio_threads == 0 {
                    cores
                } else {
                    s.studio_threads
                },
                lease_secs: s.studio_lease_secs.max(1),
                max_attempts: s.studio_max_attempts.max(1),
                poll_ms: 500,
                max_pending_per_user: s.studio_max_pending,
                producer: s.studio_producer,
                content: xuancai_vision::ContentPolicy::default(),
                processor: None,
            },
            security: s.security,
            quotas: s.quotas,
            contact: s.contact,
            residency: s.residency,
            assets_dir: s.assets_dir,
            onnxruntime: s.onnxruntime,
            s3: s.s3,
            fault: s.fault.filter(|f| !f.is_empty()),
            aigc_signing: match (s.aigc_signing_cert, s.aigc_signing_key) {
                (Some(cert), Some(key)) => Some(SigningFiles {
                    cert,
                    key,
                    alg: s.aigc_signing_alg,
                }),
                _ => None,
            },
        }
    }
}

/// A master key from its 64 hex digits, else from the file holding them.
fn master_key(key: &str, hex: Option<Secret>, file: Option<PathBuf>) -> Result<Option<Secret>, ConfigError> {
    match (hex, file) {
        (Some(hex), _) => Ok(Some(hex_secret(hex.expose()).ok_or_else(|| {
            ConfigError::Invalid(format!("{key}: a master key is 64 hex digits"))
        })?)),
        (None, Some(p)) => {
            let file_error = |message: String| ConfigError::File {
                path: p.display().to_string(),
                message,
            };
            let text = std::fs::read(&p).map_err(|e| file_error(format!("{key}_file: {e}")))?;
            Ok(Some(hex_secret(&text).ok_or_else(|| {
                file_error(format!("{key}_file: not 64 hex digits"))
            })?))
        }
        (None, None) => Ok(None),
    }
}

/// 64 hex digits (surrounding white space allowed) as a 32-byte secret.
fn hex_secret(text: &[u8]) -> Option<Secret> {
    Secret::from_hex(std::str::from_utf8(text).ok()?)
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
