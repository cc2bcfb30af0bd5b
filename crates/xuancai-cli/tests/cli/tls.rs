//! TLS in the binary (issue 23 item 3): the real `xuancai serve --tls-cert
//! --tls-key` process with a throwaway certificate answers over HTTPS with
//! HTTP/2 and HTTP/1.1, never in plaintext, sets `Secure` cookies without
//! being told, reloads a renewed certificate on SIGHUP, and keeps the one it
//! has when the new files are broken.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh self-signed certificate for `localhost`, written to `cert` and
/// `key`; its DER.
fn certificate(cert: &Path, key: &Path) -> Vec<u8> {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .unwrap_or_else(|e| panic!("rcgen: {e}"));
    std::fs::write(cert, made.cert.pem()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(key, made.signing_key.serialize_pem()).unwrap_or_else(|e| panic!("{e}"));
    made.cert.der().to_vec()
}

fn serve(data: &Path, cert: &Path, key: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xuancai"))
        .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .arg("--tls-cert")
        .arg(cert)
        .arg("--tls-key")
        .arg(key)
        .env_remove("XUANCAI_DATABASE_URL")
        .env_remove("XUANCAI_BLOB_URL")
        .env_remove("XUANCAI_SECURE_COOKIES")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let base = crate::common::announced(&mut child);
    let addr = base
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("not announced as https: {base}"))
        .parse()
        .unwrap_or_else(|e| panic!("{base}: {e}"));
    Server { child, addr }
}

/// A new client (so a new connection and handshake) trusting `roots`.
fn client(s: &Server, roots: &[&Path], http1: bool) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .resolve("localhost", s.addr)
        .tls_info(true)
        .timeout(Duration::from_secs(10));
    for r in roots {
        let pem = std::fs::read(r).unwrap_or_else(|e| panic!("{e}"));
        b = b.add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap_or_else(|e| panic!("{e}")));
    }
    if http1 {
        b = b.http1_only();
    }
    b.build().unwrap_or_else(|e| panic!("{e}"))
}

fn url(s: &Server, path: &str) -> String {
    format!("https://localhost:{}{path}", s.addr.port())
}

/// The certificate the server presented on a new connection.
async fn served_certificate(s: &Server, roots: &[&Path]) -> Option<Vec<u8>> {
    let r = client(s, roots, false).get(url(s, "/health")).send().await.ok()?;
    r.extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate())
        .map(<[u8]>::to_vec)
}

fn hang_up(s: &Server) {
    let done = Command::new("kill")
        .args(["-HUP", &s.child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(done.success());
}

fn copy(from: &Path, to: &Path) -> PathBuf {
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("{e}"));
    to.to_path_buf()
}

#[tokio::test]
async fn sec3_tls_serves_http2_and_http1_sets_secure_cookies_and_reloads_on_sighup() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let first = certificate(&cert, &key);
    let first_pem = copy(&cert, &dir.path().join("first.pem"));
    let s = serve(&dir.path().join("data"), &cert, &key);

    // HTTP/2 by ALPN, and HTTP/1.1 for clients that only speak it.
    for (http1, version) in [
        (false, reqwest::Version::HTTP_2),
        (true, reqwest::Version::HTTP_11),
    ] {
        let r = client(&s, &[&first_pem], http1)
            .get(url(&s, "/health"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((r.status().as_u16(), r.version()), (200, version));
    }
    // No plaintext on the TLS port.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/health", s.addr.port()))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err() || plain.is_ok_and(|r| !r.status().is_success()));
    // Cookies are Secure under TLS, without --secure-cookies.
    let r = client(&s, &[&first_pem], false)
        .get(url(&s, "/api/v1/consent-state"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert_eq!(served_certificate(&s, &[&first_pem]).await, Some(first.clone()));

    // A renewed certificate (a new key too), then SIGHUP: new connections get it.
    let second = certificate(&cert, &key);
    let second_pem = copy(&cert, &dir.path().join("second.pem"));
    let roots = [first_pem.as_path(), second_pem.as_path()];
    assert_eq!(
        served_certificate(&s, &roots).await,
        Some(first.clone()),
        "nothing changes before the signal"
    );
    hang_up(&s);
    let deadline = Instant::now() + Duration::from_secs(10);
    while served_certificate(&s, &roots).await.as_ref() != Some(&second) {
        assert!(
            Instant::now() < deadline,
            "the renewed certificate was not served after SIGHUP"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Broken files on the next SIGHUP: the server keeps the pair it has.
    std::fs::write(&cert, "not a certificate").unwrap_or_else(|e| panic!("{e}"));
    hang_up(&s);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(served_certificate(&s, &roots).await, Some(second));
}

#[test]
fn sec3_tls_needs_both_files_and_refuses_a_key_of_another_certificate() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (other_cert, other_key) = (dir.path().join("other.pem"), dir.path().join("other.key"));
    certificate(&cert, &key);
    certificate(&other_cert, &other_key);
    let run = |args: &[&Path]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xuancai"));
        cmd.args(["serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .env_remove("XUANCAI_DATABASE_URL")
            .env_remove("XUANCAI_BLOB_URL");
        if let Some(c) = args.first() {
            cmd.arg("--tls-cert").arg(c);
        }
        if let Some(k) = args.get(1) {
            cmd.arg("--tls-key").arg(k);
        }
        cmd.output().unwrap_or_else(|e| panic!("{e}"))
    };
    let only_cert = run(&[&cert]);
    assert!(!only_cert.status.success(), "a certificate without its key");
    let mismatched = run(&[&cert, &other_key]);
    assert!(!mismatched.status.success());
    let err = String::from_utf8_lossy(&mismatched.stderr);
    assert!(err.contains("does not match"), "{err}");
}
