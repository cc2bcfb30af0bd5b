//! Configuration, in layers: defaults, then a TOML file (`--config`), then
//! `XUANCAI_…` environment variables, then command-line flags (the CLI maps
//! the last two onto [`Config`] after [`Config::apply_file`]). Secrets are
//! redacted in `Debug`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

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
}

/// How this process works on the studio's job queue.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// `[[push_vendor]]` in the config file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct VendorFile {
    vendor: String,
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    app_key: String,
    secret: String,
    #[serde(default)]
    package: String,
    base_url: Option<String>,
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
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            workers: 1,
            threads: cores,
            lease_secs: 60,
            max_attempts: 3,
            poll_ms: 500,
            max_pending_per_user: 20,
            producer: "xuancai".into(),
            processor: None,
        }
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
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("xuancai-data"),
            database_url: None,
            master_key: None,
            dev_mode: false,
            code_ttl_secs: 300,
            code_max_attempts: 5,
            sends_per_phone_minute: 1,
            sends_per_phone_day: 10,
            sends_per_ip_day: 50,
            session_ttl_secs: 30 * 24 * 3600,
            secure_cookies: false,
            tls_cert: None,
            tls_key: None,
            metrics_token: None,
            blob_url: None,
            max_upload_bytes: 50 * 1024 * 1024,
            max_upload_pixels: 100_000_000,
            trash_retention_secs: 30 * 24 * 3600,
            job_interval_secs: 60,
            upload_grace_secs: 3600,
            sms: SmsConfig::Log,
            argon2_m_cost_kib: 19 * 1024,
            argon2_t_cost: 2,
            password_failures_per_hour: 10,
            utc_offset_minutes: 480,
            check_in_coins: 10,
            operators: Vec::new(),
            usage_retention_days: 180,
            cancelled_retention_months: xuancai_domain::privacy::CANCELLED_ACCOUNT_RETENTION_MONTHS,
            guardian_wait_days: xuancai_domain::privacy::GUARDIAN_WAIT_DAYS,
            holidays: Vec::new(),
            make_up_days: Vec::new(),
            region: xuancai_domain::privacy::DEFAULT_REGION.to_string(),
            shutdown_date: None,
            shutdown_erase_days: 30,
            push_contact: "mailto:privacy@localhost".into(),
            push_allow_loopback: false,
            push_vendors: Vec::new(),
            studio: StudioConfig::default(),
            security: crate::net::SecurityConfig::default(),
            quotas: crate::quotas::QuotaConfig::default(),
            contact: crate::contact::ContactConfig::default(),
            residency: crate::residency::ResidencyConfig::default(),
        }
    }
}

/// A configuration file (TOML). Every key is optional; unknown keys are an
/// error so that typos do not pass silently.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    blob_url: Option<String>,
    /// A file holding the master key (64 hex digits); keep it 0600.
    master_key_file: Option<PathBuf>,
    dev: Option<bool>,
    secure_cookies: Option<bool>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    metrics_token: Option<String>,
    max_upload_bytes: Option<u64>,
    max_upload_pixels: Option<u64>,
    trash_retention_days: Option<u32>,
    job_interval_secs: Option<u64>,
    /// ACC-1's limits on one-time codes (per number per minute and per day,
    /// per client address per day).
    sends_per_phone_minute: Option<u64>,
    sends_per_phone_day: Option<u64>,
    sends_per_ip_day: Option<u64>,
    upload_grace_secs: Option<i64>,
    session_ttl_days: Option<u32>,
    sms_http_url: Option<String>,
    sms_http_token: Option<String>,
    utc_offset_minutes: Option<i32>,
    check_in_coins: Option<i64>,
    operators: Option<Vec<String>>,
    usage_retention_days: Option<u32>,
    cancelled_retention_months: Option<u32>,
    guardian_wait_days: Option<u32>,
    holidays: Option<Vec<String>>,
    make_up_days: Option<Vec<String>>,
    region: Option<String>,
    shutdown_date: Option<String>,
    shutdown_erase_days: Option<u32>,
    push_contact: Option<String>,
    studio_workers: Option<usize>,
    studio_threads: Option<usize>,
    studio_lease_secs: Option<i64>,
    studio_max_attempts: Option<u32>,
    studio_max_pending: Option<u64>,
    studio_producer: Option<String>,
    push_vendor: Option<Vec<VendorFile>>,
    studio_processor: Option<String>,
    studio_processor_url: Option<String>,
    studio_processor_token: Option<String>,
    security: Option<crate::net::SecurityConfig>,
    quotas: Option<crate::quotas::QuotaConfig>,
    contact: Option<crate::contact::ContactConfig>,
    residency: Option<crate::residency::ResidencyConfig>,
}

/// Why a configuration file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

impl Config {
    /// Apply a TOML file over the current values (the layer between the
    /// defaults and the environment).
    pub fn apply_file(&mut self, path: &std::path::Path) -> Result<(), ConfigError> {
        let err = |message: String| ConfigError::File {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let f: FileConfig = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        if let Some(v) = f.listen {
            self.listen = v;
        }
        if let Some(v) = f.data_dir {
            self.data_dir = v;
        }
        if f.database_url.is_some() {
            self.database_url = f.database_url;
        }
        if f.blob_url.is_some() {
            self.blob_url = f.blob_url;
        }
        if let Some(p) = f.master_key_file {
            let hex = std::fs::read_to_string(&p)
                .map_err(|e| err(format!("master_key_file {}: {e}", p.display())))?;
            self.master_key = Some(
                Secret::from_hex(&hex)
                    .ok_or_else(|| err(format!("master_key_file {}: not 64 hex digits", p.display())))?,
            );
        }
        if let Some(v) = f.dev {
            self.dev_mode = v;
        }
        if let Some(v) = f.secure_cookies {
            self.secure_cookies = v;
        }
        if f.tls_cert.is_some() {
            self.tls_cert = f.tls_cert;
        }
        if f.tls_key.is_some() {
            self.tls_key = f.tls_key;
        }
        if let Some(t) = f.metrics_token.filter(|t| !t.is_empty()) {
            self.metrics_token = Some(Secret::new(t.into_bytes()));
        }
        if let Some(v) = f.max_upload_bytes {
            self.max_upload_bytes = v;
        }
        if let Some(v) = f.max_upload_pixels {
            self.max_upload_pixels = v;
        }
        if let Some(v) = f.trash_retention_days {
            self.trash_retention_secs = i64::from(v) * 86_400;
        }
        if let Some(v) = f.job_interval_secs {
            self.job_interval_secs = v.max(1);
        }
        if let Some(v) = f.sends_per_phone_minute {
            self.sends_per_phone_minute = v.max(1);
        }
        if let Some(v) = f.sends_per_phone_day {
            self.sends_per_phone_day = v.max(1);
        }
        if let Some(v) = f.sends_per_ip_day {
            self.sends_per_ip_day = v.max(1);
        }
        if let Some(v) = f.upload_grace_secs {
            self.upload_grace_secs = v.max(0);
        }
        if let Some(v) = f.session_ttl_days {
            self.session_ttl_secs = i64::from(v) * 86_400;
        }
        if let Some(url) = f.sms_http_url {
            self.sms = SmsConfig::Http {
                url,
                token: f.sms_http_token.map(|t| Secret::new(t.into_bytes())),
            };
        }
        if let Some(v) = f.utc_offset_minutes {
            self.utc_offset_minutes = v;
        }
        if let Some(v) = f.check_in_coins {
            self.check_in_coins = v;
        }
        if let Some(v) = f.operators {
            self.operators = v;
        }
        if let Some(v) = f.usage_retention_days {
            self.usage_retention_days = v;
        }
        if let Some(v) = f.cancelled_retention_months {
            // RET-2: within 3 months, whatever the file says.
            self.cancelled_retention_months =
                v.min(xuancai_domain::privacy::CANCELLED_ACCOUNT_RETENTION_MONTHS);
        }
        if let Some(v) = f.guardian_wait_days {
            self.guardian_wait_days = v.min(xuancai_domain::privacy::GUARDIAN_WAIT_DAYS);
        }
        if let Some(v) = f.holidays {
            self.holidays = v;
        }
        if let Some(v) = f.make_up_days {
            self.make_up_days = v;
        }
        if let Some(v) = f.region {
            self.region = v;
        }
        if f.shutdown_date.is_some() {
            self.shutdown_date = f.shutdown_date;
        }
        if let Some(v) = f.shutdown_erase_days {
            self.shutdown_erase_days = v;
        }
        if let Some(v) = f.push_contact {
            self.push_contact = v;
        }
        if let Some(v) = f.studio_workers {
            self.studio.workers = v;
        }
        if let Some(v) = f.studio_threads {
            self.studio.threads = v.max(1);
        }
        if let Some(v) = f.studio_lease_secs {
            self.studio.lease_secs = v.max(1);
        }
        if let Some(v) = f.studio_max_attempts {
            self.studio.max_attempts = v.max(1);
        }
        if let Some(v) = f.studio_max_pending {
            self.studio.max_pending_per_user = v;
        }
        for v in f.push_vendor.unwrap_or_default() {
            let vendor = Vendor::parse(&v.vendor).ok_or_else(|| {
                err(format!(
                    "push_vendor {:?}: use xiaomi, huawei, oppo, vivo or meizu",
                    v.vendor
                ))
            })?;
            self.push_vendors.push(VendorConfig {
                vendor,
                app_id: v.app_id,
                app_key: v.app_key,
                secret: Secret::new(v.secret.into_bytes()),
                package: v.package,
                base_url: v.base_url,
            });
        }
        if let Some(v) = f.security {
            self.security = v;
        }
        if let Some(v) = f.quotas {
            self.quotas = v;
        }
        if let Some(v) = f.contact {
            self.contact = v;
        }
        if let Some(v) = f.residency {
            self.residency = v;
        }
        if let Some(v) = f.studio_producer {
            self.studio.producer = v;
        }
        match (f.studio_processor, f.studio_processor_url) {
            (Some(key), Some(url)) => {
                self.studio.processor = Some(ProcessorConfig {
                    key,
                    url,
                    token: f.studio_processor_token.map(|t| Secret::new(t.into_bytes())),
                });
            }
            (None, None) => {}
            _ => return Err(err("studio_processor and studio_processor_url go together".into())),
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
