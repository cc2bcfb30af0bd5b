//! Issue 21 item 8: the operator's signing chain, and an edit recorded as
//! an edit. A chain from a CA made here signs; the manifest names its
//! signer; a face swap's output says `c2pa.opened` (the original as parent
//! ingredient) then `c2pa.edited`; a key that is not the chain's is refused
//! when the credentials are made (at start-up, not on a user's job). The
//! trust check with the C2PA SDK's own validator is
//! tools/assets/test_credentials.py; the test CA is tools/testca.py's.

use std::process::Command;

use xuancai_aigc::credentials::{Claim, sign};
use xuancai_aigc::{Credentials, inspect};
use xuancai_imaging::RgbaImage;
use xuancai_imaging::encode::{OutputFormat, encode_rgba};

/// (chain PEM, key PEM) of a signer issued by a fresh test CA
/// (tools/testca.py, openssl).
fn chain() -> (String, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/testca.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    (read("chain.pem"), read("key.pem"))
}

fn image(format: OutputFormat, shade: u8) -> Vec<u8> {
    let img = RgbaImage::from_fn(96, 64, |x, y| {
        image::Rgba([shade, (x * 2) as u8, (y * 3) as u8, 255])
    });
    encode_rgba(&img, format).unwrap_or_else(|e| panic!("{e}"))
}

const CLAIM: Claim<'static> = Claim {
    generator: "xuancai",
    version: "test",
    title: "xc-test",
    description: "face swap",
};

#[test]
fn img3_the_operator_chain_signs_and_an_edit_is_opened_then_edited() {
    let (cert, key) = chain();
    let credentials =
        Credentials::from_pem(cert.as_bytes(), key.as_bytes(), "es256").unwrap_or_else(|e| panic!("{e}"));
    assert!(!credentials.is_ephemeral());
    let original = image(OutputFormat::Jpeg, 40);
    for format in [OutputFormat::Jpeg, OutputFormat::Png, OutputFormat::WebP] {
        let edited = sign(&image(format, 200), &CLAIM, &credentials, Some(&original))
            .unwrap_or_else(|e| panic!("{e}"));
        let m = inspect(&edited)
            .unwrap_or_else(|e| panic!("{e}"))
            .c2pa
            .unwrap_or_else(|| panic!("manifest"));
        assert_eq!(m.actions, ["c2pa.opened", "c2pa.edited"], "{format:?}");
        assert!(m.declares_ai(), "{m:?}");
        assert_eq!(m.signer.as_deref(), Some("Xuancai Test Signer"));
        let active = m.json["active_manifest"].as_str().unwrap_or_default();
        let ingredients = m.json["manifests"][active]["ingredients"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(ingredients.len(), 1, "{ingredients:?}");
        assert_eq!(ingredients[0]["relationship"], "parentOf");
        assert_eq!(ingredients[0]["format"], "image/jpeg");
    }
    // A new image (no original) is created, not opened.
    let made =
        sign(&image(OutputFormat::Png, 90), &CLAIM, &credentials, None).unwrap_or_else(|e| panic!("{e}"));
    let m = inspect(&made)
        .unwrap_or_else(|e| panic!("{e}"))
        .c2pa
        .unwrap_or_else(|| panic!("manifest"));
    assert_eq!(m.actions, ["c2pa.created", "c2pa.edited"]);
}

#[test]
fn img3_a_key_that_is_not_the_chains_is_refused_when_the_credentials_are_made() {
    let (cert, _) = chain();
    let (_, other_key) = chain();
    let err = Credentials::from_pem(cert.as_bytes(), other_key.as_bytes(), "es256");
    assert!(err.is_err(), "a mismatched key must not sign");
    let (cert, key) = chain();
    assert!(Credentials::from_pem(cert.as_bytes(), key.as_bytes(), "rot13").is_err());
    assert!(Credentials::from_pem(b"not a certificate", key.as_bytes(), "es256").is_err());
}
