//! SEC-5: the dependencies and the toolchain are verified, not trusted.
//!
//! - every crate comes from crates.io, locked to one version with its
//!   checksum (cargo refuses a download that does not match);
//! - every model, font and test photo is fetched from a package registry by
//!   exact version and checked by sha256 (`assets/manifest.json`), with its
//!   licence recorded; the converter's Python packages are pinned;
//! - CI refuses unformatted code and any clippy warning before the tests run,
//!   on the Rust version the workspace declares.
//!
//! Code review itself is a process (pull requests on the forge), not
//! something a test can prove; these tests keep the parts the code can.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[test]
fn sec5_every_crate_is_locked_to_crates_io_with_its_checksum() {
    let lock = read("Cargo.lock");
    let mut registry = 0;
    for block in lock.split("[[package]]").skip(1) {
        let field = |name: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name} = \"")))
                .map(|v| v.trim_end_matches('"').to_string())
        };
        let name = field("name").unwrap_or_default();
        match field("source") {
            // A workspace member.
            None => assert!(name.starts_with("xuancai"), "{name} has no source"),
            Some(source) => {
                assert_eq!(
                    source, "registry+https://github.com/rust-lang/crates.io-index",
                    "{name}: only crates.io (no git or path overrides)"
                );
                let sum = field("checksum").unwrap_or_default();
                assert!(is_sha256(&sum), "{name}: checksum {sum:?}");
                registry += 1;
            }
        }
    }
    assert!(registry > 100, "the lock file was read ({registry} crates)");
}

#[test]
fn sec5_every_asset_is_pinned_checksummed_and_licensed() {
    let manifest: serde_json::Value =
        serde_json::from_str(&read("assets/manifest.json")).unwrap_or_else(|e| panic!("{e}"));
    let packages = manifest["packages"].as_object().cloned().unwrap_or_default();
    assert!(!packages.is_empty());
    for (id, p) in &packages {
        let version = p["version"].as_str().unwrap_or_default();
        assert!(
            !version.is_empty() && !version.contains(['*', '^', '~', '>', '<', ' ']),
            "{id}: an exact version, not {version:?}"
        );
        assert!(
            matches!(
                p["registry"].as_str(),
                Some("pypi" | "npm" | "debian" | "crates.io")
            ),
            "{id}: from a package registry"
        );
        assert!(
            is_sha256(p["sha256"].as_str().unwrap_or_default()),
            "{id}: sha256"
        );
        assert!(
            !p["license"].as_str().unwrap_or_default().is_empty(),
            "{id}: licence"
        );
    }
    for f in manifest["files"].as_array().cloned().unwrap_or_default() {
        let dest = f["dest"].as_str().unwrap_or_default();
        assert!(
            is_sha256(f["sha256"].as_str().unwrap_or_default()),
            "{dest}: sha256"
        );
        let package = f["package"].as_str().unwrap_or_default();
        assert!(
            packages.contains_key(package),
            "{dest}: from a listed package, not {package:?}"
        );
    }
    for req in [
        "tools/assets/requirements.txt",
        "tools/assets/requirements-test.txt",
    ] {
        for line in read(req).lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            assert!(line.contains("=="), "{req}: {line:?} is not pinned");
        }
    }
}

#[test]
fn sec5_ci_gates_format_lints_and_the_declared_toolchain() {
    let ci = read(".ci/run");
    assert!(ci.contains("bash tools/ci/lint.sh"), ".ci/run runs the checks");
    assert!(ci.contains("make test"), ".ci/run runs the README's test command");
    let lint = read("tools/ci/lint.sh");
    for gate in [
        "cargo fmt --all -- --check",
        "cargo clippy --profile ci --workspace --all-targets -- -D warnings",
        "tools/ci/layering.py",
        "cargo-deny\" check licenses bans sources",
    ] {
        assert!(lint.contains(gate), "tools/ci/lint.sh runs {gate:?}");
    }
    let deny = read("deny.toml");
    assert!(
        !deny.contains("\"GPL") && !deny.contains("\"AGPL") && !deny.contains("\"LGPL"),
        "no copyleft licence is allowed for a crate"
    );
    let workspace = read("Cargo.toml");
    assert!(
        workspace.lines().any(|l| l.starts_with("rust-version = ")),
        "the workspace declares its Rust version"
    );
    assert!(
        workspace.contains("[workspace.lints"),
        "lints are set once for the workspace"
    );
}
