//! What an operator configures, read in layers by one loader (figment):
//! built-in defaults, then the TOML file, then the environment, then the
//! command line's flags; a later layer wins (issue 18 item 4).
//!
//! [`Settings`] is the one list of keys: each is a key of the file
//! (`docs/CONFIG.md`) and an `XUANCAI_KEY` environment variable
//! (`XUANCAI_SECURITY__TRUSTED_PROXIES` for a key of a section); the flags
//! of `xuancai serve` name the same keys. The S3 client's settings come
//! from the `AWS_…` variables the AWS tools use. Nothing else in the
//! server reads the environment. [`crate::Config`] is what the program
//! runs on, made from the settings by [`crate::Config::from_settings`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::Serialized;
use figment::value::{Dict, Map};
use figment::{Figment, Metadata, Profile, Provider};
use serde::{Deserialize, Deserializer, Serialize};

use crate::config::{ConfigError, Secret};

/// Every setting, as the operator writes it (file keys). Every key is
/// optional; an unknown key is an error, so typos do not pass silently.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub blob_url: Option<String>,
    /// The master key itself, 64 hex digits (environment or flag; in a file
    /// prefer `master_key_file`).
    pub master_key: Option<Secret>,
    /// A file holding the master key (64 hex digits); keep it 0600.
    pub master_key_file: Option<PathBuf>,
    /// During a master-key rotation (`xuancai keys rotate`): the key being
    /// replaced, which then only opens what it wrapped.
    pub previous_master_key: Option<Secret>,
    pub previous_master_key_file: Option<PathBuf>,
    #[serde(deserialize_with = "flag")]
    pub dev: bool,
    #[serde(deserialize_with = "flag")]
    pub secure_cookies: bool,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub metrics_token: Option<Secret>,
    pub max_upload_bytes: u64,
    /// The same limit in MiB (`XUANCAI_MAX_UPLOAD_MB`, `--max-upload-mb`);
    /// wins over `max_upload_bytes` when given.
    #[serde(deserialize_with = "count")]
    pub max_upload_mb: Option<u64>,
    pub max_upload_pixels: u64,
    pub trash_retention_days: u32,
    pub job_interval_secs: u64,
    pub maintenance_lease_secs: u64,
    /// ACC-1's limits on one-time codes (per number per minute and per day,
    /// per client address per day).
    pub sends_per_phone_minute: u64,
    pub sends_per_phone_day: u64,
    pub sends_per_ip_day: u64,
    pub upload_grace_secs: i64,
    pub session_ttl_days: u32,
    pub sms_http_url: Option<String>,
    pub sms_http_token: Option<Secret>,
    pub utc_offset_minutes: i32,
    pub check_in_coins: i64,
    /// A list, or one comma-separated string (`XUANCAI_OPERATORS=+86…,+86…`).
    #[serde(deserialize_with = "list")]
    pub operators: Vec<String>,
    pub usage_retention_days: u32,
    pub cancelled_retention_months: u32,
    pub guardian_wait_days: u32,
    #[serde(deserialize_with = "list")]
    pub holidays: Vec<String>,
    #[serde(deserialize_with = "list")]
    pub make_up_days: Vec<String>,
    pub region: String,
    pub shutdown_date: Option<String>,
    pub shutdown_erase_days: u32,
    pub push_contact: String,
    pub studio_workers: usize,
    /// 0: every core.
    pub studio_threads: usize,
    pub studio_lease_secs: i64,
    pub studio_max_attempts: u32,
    pub studio_max_pending: u64,
    pub studio_producer: String,
    /// Issue 21 item 7: the content-safety threshold (0–1; 1 turns it off).
    pub studio_nsfw_threshold: f32,
    /// Issue 21 item 8: the C2PA signing chain (PEM, the signing certificate
    /// first) and its private key (PEM, PKCS#8). Required without `--dev`.
    pub aigc_signing_cert: Option<PathBuf>,
    pub aigc_signing_key: Option<PathBuf>,
    /// `es256` (default), `es384`, `es512`, `ps256`, `ps384`, `ps512`, `ed25519`.
    pub aigc_signing_alg: String,
    pub studio_processor: Option<String>,
    pub studio_processor_url: Option<String>,
    pub studio_processor_token: Option<Secret>,
    pub push_vendor: Vec<VendorSettings>,
    pub security: crate::net::SecurityConfig,
    pub quotas: crate::quotas::QuotaConfig,
    pub contact: crate::contact::ContactConfig,
    pub residency: crate::residency::ResidencyConfig,
    /// The model and font cache; default `$XDG_CACHE_HOME/xuancai` or
    /// `~/.cache/xuancai` (`XUANCAI_ASSETS_DIR`, as the set-up step uses).
    pub assets_dir: Option<PathBuf>,
    /// The ONNX Runtime library; default the one in the asset cache
    /// (`ORT_DYLIB_PATH` too, as ONNX Runtime's own tools use).
    pub onnxruntime: Option<PathBuf>,
    /// The S3 client (`s3://` blob URLs): from the `AWS_…` variables.
    pub s3: S3Settings,
    /// Failure injection for the crash tests only (`XUANCAI_FAULT`).
    pub fault: Option<String>,
}

/// `[[push_vendor]]`: one phone vendor's push channel (DATA-5).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorSettings {
    pub vendor: String,
    #[serde(default)]
    pub app_id: String,
    #[serde(default)]
    pub app_key: String,
    pub secret: Secret,
    #[serde(default)]
    pub package: String,
    pub base_url: Option<String>,
}

/// The S3 client's settings, from `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT`),
/// `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Settings {
    /// An S3-compatible server; plain `http://` only for loopback test servers.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    pub session_token: Option<Secret>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("xuancai-data"),
            database_url: None,
            blob_url: None,
            master_key: None,
            master_key_file: None,
            previous_master_key: None,
            previous_master_key_file: None,
            dev: false,
            secure_cookies: false,
            tls_cert: None,
            tls_key: None,
            metrics_token: None,
            max_upload_bytes: 50 * 1024 * 1024,
            max_upload_mb: None,
            max_upload_pixels: 100_000_000,
            trash_retention_days: 30,
            job_interval_secs: 60,
            maintenance_lease_secs: 60,
            sends_per_phone_minute: 1,
            sends_per_phone_day: 10,
            sends_per_ip_day: 50,
            upload_grace_secs: 3600,
            session_ttl_days: 30,
            sms_http_url: None,
            sms_http_token: None,
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
            studio_workers: 1,
            studio_threads: 0,
            studio_lease_secs: 60,
            studio_max_attempts: 3,
            studio_max_pending: 20,
            studio_producer: "xuancai".into(),
            studio_nsfw_threshold: xuancai_vision::safety::DEFAULT_NSFW_THRESHOLD,
            aigc_signing_cert: None,
            aigc_signing_key: None,
            aigc_signing_alg: "es256".into(),
            studio_processor: None,
            studio_processor_url: None,
            studio_processor_token: None,
            push_vendor: Vec::new(),
            security: crate::net::SecurityConfig::default(),
            quotas: crate::quotas::QuotaConfig::default(),
            contact: crate::contact::ContactConfig::default(),
            residency: crate::residency::ResidencyConfig::default(),
            assets_dir: None,
            onnxruntime: None,
            s3: S3Settings::default(),
            fault: None,
        }
    }
}

/// Environment variables whose name is not `XUANCAI_` and the key: the
/// AWS tools' names, and the older short names of flags.
const ALIASES: &[(&str, &str)] = &[
    ("AWS_ENDPOINT_URL", "s3.endpoint"),
    ("AWS_ENDPOINT", "s3.endpoint"),
    ("AWS_REGION", "s3.region"),
    ("AWS_DEFAULT_REGION", "s3.region"),
    ("AWS_ACCESS_KEY_ID", "s3.access_key_id"),
    ("AWS_SECRET_ACCESS_KEY", "s3.secret_access_key"),
    ("AWS_SESSION_TOKEN", "s3.session_token"),
    ("ORT_DYLIB_PATH", "onnxruntime"),
    ("XUANCAI_WORKERS", "studio_workers"),
    ("XUANCAI_TRASH_DAYS", "trash_retention_days"),
];

/// Read the settings: defaults, then `file` (if given), then the
/// environment, then `flags` (a serializable value whose fields are keys of
/// [`Settings`]; `None` fields are left out, so they do not override).
pub fn load(file: Option<&Path>, flags: &impl Serialize) -> Result<Settings, ConfigError> {
    // `vars_os`: a variable that is not UTF-8 (another program's) is
    // skipped, where `vars` would panic; none of ours can be one.
    let env = std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    load_from(file, flags, env)
}

/// [`load`] with the environment given (tests).
pub fn load_from(
    file: Option<&Path>,
    flags: &impl Serialize,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Settings, ConfigError> {
    let mut figment = Figment::from(Serialized::defaults(Settings::default()));
    if let Some(path) = file {
        figment = figment.merge(TomlFile::read(path)?);
    }
    let env: Vec<(String, String)> = env.into_iter().collect();
    let figment = figment
        .merge(Environment::new(&env)?)
        .merge(Serialized::defaults(flags));
    figment.extract().map_err(|e| ConfigError::Invalid(explain(&e)))
}

/// Every error of an extraction, each with its key (as the layer names it:
/// a file key, an environment variable) and the layer.
fn explain(e: &figment::Error) -> String {
    e.clone()
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            match (&e.metadata, &e.profile) {
                (Some(m), Some(p)) if m.interpolate(p, &e.path) != key => {
                    format!(
                        "{} ({key}, from {}): {}",
                        m.interpolate(p, &e.path),
                        m.name,
                        e.kind
                    )
                }
                (Some(m), _) => format!("{key} (from {}): {}", m.name, e.kind),
                _ => format!("{key}: {}", e.kind),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The defaults as JSON: which keys exist, and which hold text (an
/// environment variable for those is taken as written, never as a number:
/// a phone number, a key in hex).
fn shape() -> serde_json::Value {
    serde_json::to_value(Settings::default()).unwrap_or_default()
}

/// The environment as a layer: `XUANCAI_KEY` for each key of [`Settings`]
/// (`__` into a section), and the [`ALIASES`]. Other `XUANCAI_…`
/// variables belong to other tools (the CLI's, the tests') and are left
/// alone; an empty value counts as unset.
struct Environment {
    /// Key path and value, in the order they are applied (the last wins).
    vars: Vec<(String, figment::value::Value)>,
}

impl Environment {
    /// A variable naming a key of a section that has no such key is an
    /// error: it would otherwise be ignored without a word.
    fn new(env: &[(String, String)]) -> Result<Self, ConfigError> {
        let shape = shape();
        let mut ranked = Vec::new();
        for (name, value) in env {
            if value.is_empty() {
                continue;
            }
            // The key's own name wins over an alias; of two aliases, the
            // one listed first (AWS_ENDPOINT_URL over AWS_ENDPOINT).
            let (rank, key) = if let Some(i) = ALIASES.iter().position(|(n, _)| n == name) {
                (i + 1, ALIASES[i].1.to_string())
            } else if let Some(rest) = name.strip_prefix("XUANCAI_") {
                (0, rest.to_ascii_lowercase().replace("__", "."))
            } else {
                continue;
            };
            let Some(default) = key.split('.').try_fold(&shape, |v, k| v.get(k)) else {
                if let Some((section, _)) = key.split_once('.')
                    && shape.get(section).is_some_and(serde_json::Value::is_object)
                {
                    return Err(ConfigError::Invalid(format!(
                        "{name}: [{section}] has no such key (docs/CONFIG.md lists them)"
                    )));
                }
                continue;
            };
            let value = if default.is_string() || default.is_null() {
                figment::value::Value::from(value.clone())
            } else {
                value
                    .parse()
                    .unwrap_or_else(|_| figment::value::Value::from(value.clone()))
            };
            ranked.push((rank, key, value));
        }
        ranked.sort_by_key(|(rank, _, _)| std::cmp::Reverse(*rank));
        Ok(Self {
            vars: ranked.into_iter().map(|(_, k, v)| (k, v)).collect(),
        })
    }
}

impl Provider for Environment {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment variable(s)").interpolater(|_: &Profile, keys: &[&str]| {
            format!("XUANCAI_{}", keys.join("__").to_ascii_uppercase())
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut dict = Dict::new();
        for (key, value) in &self.vars {
            let path: Vec<&str> = key.split('.').collect();
            nest(&mut dict, &path, value.clone());
        }
        Ok(Map::from([(Profile::Default, dict)]))
    }
}

/// Put `value` at `path` in `dict`, making the sections on the way.
fn nest(dict: &mut Dict, path: &[&str], value: figment::value::Value) {
    match path {
        [] => {}
        [key] => {
            dict.insert((*key).to_string(), value);
        }
        [section, rest @ ..] => {
            let entry = dict
                .entry((*section).to_string())
                .or_insert_with(|| figment::value::Value::from(Dict::new()));
            if !matches!(entry, figment::value::Value::Dict(..)) {
                *entry = figment::value::Value::from(Dict::new());
            }
            if let figment::value::Value::Dict(_, inner) = entry {
                nest(inner, rest, value);
            }
        }
    }
}

/// The TOML file as a layer, read with the workspace's `toml` and named in
/// errors by its path.
struct TomlFile {
    path: PathBuf,
    table: toml::Table,
}

impl TomlFile {
    fn read(path: &Path) -> Result<Self, ConfigError> {
        let err = |message: String| ConfigError::File {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let table = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
        Ok(Self {
            path: path.to_path_buf(),
            table,
        })
    }
}

impl Provider for TomlFile {
    fn metadata(&self) -> Metadata {
        Metadata::from(
            format!("TOML file {}", self.path.display()),
            figment::Source::File(self.path.clone()),
        )
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Serialized::defaults(&self.table).data()
    }
}

/// A boolean written as `true`/`false`, `1`/`0`, `yes`/`no` or `on`/`off`
/// (as shells set flags).
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Int(i64),
        Text(String),
    }
    match Flag::deserialize(d)? {
        Flag::Bool(b) => Ok(b),
        Flag::Int(n) => Ok(n != 0),
        Flag::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" | "" => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "{other:?} is not true or false"
            ))),
        },
    }
}

/// A list of strings, or one string of comma-separated items.
fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    list_of(d)
}

/// A list, or one string of comma-separated items (`XUANCAI_SECURITY__
/// TRUSTED_PROXIES=10.0.0.5/32`): every item parsed as a `T`. The sections'
/// lists use it, so a list from the environment is written the same way
/// whatever section it is in.
pub(crate) fn list_of<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        Many(Vec<String>),
        One(String),
    }
    let items: Vec<String> = match List::deserialize(d)? {
        List::Many(v) => v,
        List::One(s) => s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
    };
    items
        .iter()
        .map(|i| {
            i.parse()
                .map_err(|e| serde::de::Error::custom(format!("{i:?}: {e}")))
        })
        .collect()
}

/// A whole number, or its digits as text (an environment variable).
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Count {
        Num(u64),
        Text(String),
    }
    match Option::<Count>::deserialize(d)? {
        None => Ok(None),
        Some(Count::Num(n)) => Ok(Some(n)),
        Some(Count::Text(t)) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{t:?} is not a whole number"))),
    }
}
