//! Configuration: defaults, then `XUANCAI_…` environment variables, then
//! command-line flags (the CLI maps its flags onto [`Config`]). Secrets are
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_parse_from_hex() {
        let s = Secret::from_hex(&"ab".repeat(32)).expect("hex");
        assert_eq!(s.expose()[0], 0xab);
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        let c = Config {
            master_key: Some(s),
            ..Config::default()
        };
        assert!(!format!("{c:?}").contains("abab"));
        assert!(Secret::from_hex("zz").is_none());
    }
}
