//! Tests of `config` (a file of their own to keep `config.rs` short).

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::settings::load_from;

/// No flags given.
fn no_flags() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

/// The configuration from a file alone (no environment, no flags).
fn from_file(path: &Path) -> Result<Config, ConfigError> {
    Config::from_settings(load_from(Some(path), &no_flags(), Vec::new())?)
}

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

#[test]
fn files_layer_over_defaults_and_refuse_unknown_keys() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let key = dir.path().join("master.key");
    std::fs::write(&key, "cd".repeat(32))?;
    let file = dir.path().join("xuancai.toml");
    std::fs::write(
        &file,
        format!(
            "listen = \"0.0.0.0:9000\"\nblob_url = \"s3://photos\"\ntrash_retention_days = 7\n\
             master_key_file = {:?}\nsms_http_url = \"https://sms.example/send\"\nsms_http_token = \"t0ken\"\n",
            key.display().to_string()
        ),
    )?;
    let c = from_file(&file)?;
    assert_eq!(c.listen.port(), 9000);
    assert_eq!(c.blob_url.as_deref(), Some("s3://photos"));
    assert_eq!(c.trash_retention_secs, 7 * 86_400);
    assert_eq!(c.master_key.as_ref().map(|k| k.expose()[0]), Some(0xcd));
    assert_eq!(
        c.max_upload_bytes,
        Config::default().max_upload_bytes,
        "untouched keys keep defaults"
    );
    assert!(!format!("{c:?}").contains("t0ken"), "token redacted");
    std::fs::write(&file, "lisen = \"0.0.0.0:1\"\n")?;
    let e = from_file(&file).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("lisen"), "{e}");
    Ok(())
}

#[test]
fn r7_the_contact_section_replaces_the_examples() -> Result<(), Box<dyn std::error::Error>> {
    assert!(Config::default().contact.is_example(), "defaults are examples");
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("xuancai.toml");
    std::fs::write(
        &file,
        "[contact]\noperator = \"某某科技有限公司\"\nemail = \"privacy@op.example.cn\"\n\
         minors_email = \"minors@op.example.cn\"\naddress = \"北京市海淀区某路1号\"\n\
         officer = \"张三\"\nofficer_email = \"dpo@op.example.cn\"\n",
    )?;
    let c = from_file(&file)?;
    assert_eq!(c.contact.minors_email, "minors@op.example.cn");
    assert!(!c.contact.is_example());
    assert_eq!(c.contact.complaints_per_ip_day, 5, "limits keep their defaults");
    // A section that leaves one channel at its example is still an example.
    std::fs::write(&file, "[contact]\nemail = \"privacy@op.example.cn\"\n")?;
    let c = from_file(&file)?;
    assert!(c.contact.is_example());
    Ok(())
}

/// Issue 18 item 4: one loader, four layers, a later one winning: the
/// defaults, the file, the environment (every key, sections by `__`, the
/// AWS tools' names), the flags. Variables of other tools are left alone.
#[test]
fn settings_layer_defaults_then_file_then_environment_then_flags() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("xuancai.toml");
    std::fs::write(
        &file,
        "listen = \"0.0.0.0:9000\"\nstudio_workers = 3\ntrash_retention_days = 7\nsession_ttl_days = 2\n\
         [security]\npush_concurrency = 4\n",
    )?;
    let env = vars(&[
        ("XUANCAI_LISTEN", "0.0.0.0:9001"),
        ("XUANCAI_SESSION_TTL_DAYS", "9"),
        ("XUANCAI_SECURITY__TRUSTED_PROXIES", "[\"127.0.0.1/32\"]"),
        ("XUANCAI_OPERATORS", "+8613700137000, +8613700137001"),
        ("XUANCAI_DEV", "1"),
        ("XUANCAI_FAULT", "after-blobs"),
        ("XUANCAI_ASSETS_DIR", "/srv/assets"),
        ("AWS_ENDPOINT", "http://127.0.0.1:1"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:5055"),
        ("AWS_REGION", "cn-north-1"),
        ("AWS_SECRET_ACCESS_KEY", "s3cr3t"),
        // Other tools' variables and empty ones are not settings.
        ("XUANCAI_BIN", "/usr/bin/xuancai"),
        ("XUANCAI_LOG", "debug"),
        ("XUANCAI_REGION", ""),
        ("HOME", "/root"),
    ]);
    let mut flags = no_flags();
    flags.insert("listen".into(), "127.0.0.1:9002".into());
    let c = Config::from_settings(load_from(Some(&file), &flags, env)?)?;
    assert_eq!(c.listen.port(), 9002, "a flag wins over the environment");
    assert_eq!(
        c.session_ttl_secs,
        9 * 86_400,
        "the environment wins over the file"
    );
    assert_eq!(c.studio.workers, 3, "the file wins over the defaults");
    assert_eq!(c.trash_retention_secs, 7 * 86_400);
    assert_eq!(c.security.push_concurrency, 4, "a section's other keys stay");
    assert_eq!(c.security.trusted_proxies.len(), 1, "a section's key by `__`");
    assert_eq!(c.operators, ["+8613700137000", "+8613700137001"]);
    assert!(c.dev_mode);
    assert_eq!(c.fault.as_deref(), Some("after-blobs"));
    assert_eq!(c.assets_dir.as_deref(), Some(Path::new("/srv/assets")));
    assert_eq!(
        c.s3.endpoint.as_deref(),
        Some("http://127.0.0.1:5055"),
        "AWS_ENDPOINT_URL first"
    );
    assert_eq!(c.s3.region.as_deref(), Some("cn-north-1"));
    assert_eq!(c.region, Config::default().region, "an empty variable is unset");
    assert!(!format!("{c:?}").contains("s3cr3t"), "secrets redacted");
    Ok(())
}

/// A value the environment gives is taken as text where the key is text:
/// a master key of decimal digits is not a number, a phone number keeps
/// its `+`. A value that does not fit names the key and its layer.
#[test]
fn settings_from_the_environment_keep_text_and_name_the_bad_key() -> Result<(), Box<dyn std::error::Error>> {
    let digits = "1".repeat(64);
    let env = vars(&[
        ("XUANCAI_MASTER_KEY", digits.as_str()),
        ("XUANCAI_CONTACT__PHONE", "+861012345678"),
        ("XUANCAI_MAX_UPLOAD_MB", "2"),
        // A section's list, as one item or comma-separated, like the
        // top-level lists (the cluster test's nodes are set up this way).
        ("XUANCAI_SECURITY__TRUSTED_PROXIES", "127.0.0.1/32"),
        ("XUANCAI_SECURITY__INTERNAL_HOSTS", "127.0.0.1, sms.internal"),
        // Every key of a section, the limits of [contact] included (they
        // were left out of the keys the environment could set).
        ("XUANCAI_CONTACT__COMPLAINTS_PER_IP_DAY", "3"),
        ("XUANCAI_CONTACT__COMPLAINT_RETENTION_DAYS", "400"),
    ]);
    let c = Config::from_settings(load_from(None, &no_flags(), env)?)?;
    assert_eq!(c.master_key.as_ref().map(|k| k.expose()[0]), Some(0x11));
    assert_eq!(c.contact.phone.as_deref(), Some("+861012345678"));
    assert_eq!(c.max_upload_bytes, 2 * 1024 * 1024);
    assert_eq!(c.security.trusted_proxies.len(), 1);
    assert_eq!(c.security.internal_hosts, ["127.0.0.1", "sms.internal"]);
    assert_eq!(c.contact.complaints_per_ip_day, 3);
    assert_eq!(c.contact.complaint_retention_days, 400);
    // A section's key that does not exist is named, not ignored.
    let typo = load_from(
        None,
        &no_flags(),
        vars(&[("XUANCAI_CONTACT__COMPLAINTS_PER_DAYS", "3")]),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(typo.contains("XUANCAI_CONTACT__COMPLAINTS_PER_DAYS"), "{typo}");
    let bad = load_from(None, &no_flags(), vars(&[("XUANCAI_JOB_INTERVAL_SECS", "often")]))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        bad.contains("job_interval_secs") && bad.contains("environment"),
        "{bad}"
    );
    let short = Config::from_settings(load_from(
        None,
        &no_flags(),
        vars(&[("XUANCAI_MASTER_KEY", "abc")]),
    )?)
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(short.contains("64 hex digits"), "{short}");
    Ok(())
}

/// Issue 18 item 4: every key the loader takes (and every key of its
/// sections) is documented in docs/CONFIG.md.
#[test]
fn every_setting_is_documented() {
    let doc = include_str!("../../../docs/CONFIG.md");
    let defaults = serde_json::to_value(crate::settings::Settings::default()).unwrap_or_default();
    let mut missing = Vec::new();
    for (key, value) in defaults.as_object().into_iter().flatten() {
        if !doc.contains(&format!("`{key}`")) && !doc.contains(&format!("`[{key}]`")) {
            missing.push(key.clone());
        }
        for inner in value.as_object().into_iter().flat_map(|m| m.keys()) {
            if !doc.contains(&format!("`{inner}`")) {
                missing.push(format!("{key}.{inner}"));
            }
        }
    }
    assert!(missing.is_empty(), "not in docs/CONFIG.md: {missing:?}");
}
