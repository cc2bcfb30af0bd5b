//! Tests of `config` (a file of their own to keep `config.rs` short).

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
    let mut c = Config::default();
    c.apply_file(&file)?;
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
    let e = Config::default()
        .apply_file(&file)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
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
    let mut c = Config::default();
    c.apply_file(&file)?;
    assert_eq!(c.contact.minors_email, "minors@op.example.cn");
    assert!(!c.contact.is_example());
    assert_eq!(c.contact.complaints_per_ip_day, 5, "limits keep their defaults");
    // A section that leaves one channel at its example is still an example.
    std::fs::write(&file, "[contact]\nemail = \"privacy@op.example.cn\"\n")?;
    let mut c = Config::default();
    c.apply_file(&file)?;
    assert!(c.contact.is_example());
    Ok(())
}
