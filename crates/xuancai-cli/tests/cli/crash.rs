//! Atomic uploads (IMG-1): the real `xuancai serve` process is killed
//! mid-upload, or crashes between writing a photo's blobs and committing its
//! row; after a restart nothing half-written is reachable, the orphaned blobs
//! are cleaned up, and the same upload then succeeds.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `xuancai serve --dev` on a free port; read the port from stderr.
fn serve(data: &Path, config: Option<&Path>, fault: Option<&str>) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xuancai"));
    cmd.args(["serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .env_remove("XUANCAI_DATABASE_URL")
        .env_remove("XUANCAI_BLOB_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    if let Some(f) = fault {
        cmd.env("XUANCAI_FAULT", f);
    }
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn: {e}"));
    let base = crate::common::announced(&mut child);
    Server { child, base }
}

fn blob_files(data: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() { walk(&p, out) } else { out.push(p) }
        }
    }
    let mut out = Vec::new();
    walk(&data.join("blobs"), &mut out);
    out
}

async fn login(s: &Server, data: &Path) -> String {
    let c = reqwest::Client::new();
    // CON-1: the versions in force of the two documents, agreed to before
    // the code is asked for.
    let docs: serde_json::Value = c
        .get(format!("{}/api/v1/documents", s.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    let mut agree = serde_json::Map::new();
    for d in docs["documents"].as_array().into_iter().flatten() {
        if let Some(kind @ ("user_agreement" | "privacy_policy")) = d["kind"].as_str() {
            agree.insert(kind.into(), d["current"]["version"].clone());
        }
    }
    let r = c
        .post(format!("{}/api/v1/auth/code", s.base))
        .json(&serde_json::json!({ "phone": "13800138000", "agree": agree, "sensitive": ["phone"] }))
        .send()
        .await;
    assert_eq!(r.map(|r| r.status().as_u16()).ok(), Some(202));
    let outbox = std::fs::read_to_string(data.join("sms-outbox.log")).unwrap_or_default();
    let code = outbox
        .lines()
        .last()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or_default()
        .to_string();
    let r = c
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&serde_json::json!({ "phone": "13800138000", "code": code, "agree": agree, "sensitive": ["phone"] }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    v["token"]
        .as_str()
        .unwrap_or_else(|| panic!("token in {v}"))
        .to_string()
}

async fn photo_count(s: &Server, token: &str, filter: &str) -> usize {
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/photos?filter={filter}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    v["items"].as_array().map(Vec::len).unwrap_or(usize::MAX)
}

fn photo() -> Vec<u8> {
    let path = xuancai_vision::AssetDir::from_env()
        .root()
        .join("testdata/astronaut.png");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn upload(s: &Server, token: &str, bytes: Vec<u8>) -> reqwest::Result<reqwest::Response> {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("a.png"));
    reqwest::Client::new()
        .post(format!("{}/api/v1/photos", s.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
}

#[tokio::test]
async fn img1_killed_mid_upload_leaves_nothing_reachable() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    let mut s = serve(&data, None, None);
    let token = login(&s, &data).await;

    // Send the headers and half of a large body, then SIGKILL the server.
    let body_len = 8 * 1024 * 1024;
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut tcp = std::net::TcpStream::connect(&addr).unwrap_or_else(|e| panic!("{e}"));
    let head = format!(
        "POST /api/v1/photos HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XB\r\nContent-Length: {body_len}\r\n\r\n\
         --XB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let src = photo();
    tcp.write_all(&src[..src.len() / 2])
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(Duration::from_millis(300));
    s.child.kill().unwrap_or_else(|e| panic!("{e}"));
    let _ = s.child.wait();
    drop(tcp);

    let s = serve(&data, None, None);
    assert_eq!(photo_count(&s, &token, "library").await, 0, "no photo row");
    assert!(blob_files(&data).is_empty(), "no blob: {:?}", blob_files(&data));
    let r = upload(&s, &token, src).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 201, "the same upload now succeeds");
}

#[tokio::test]
async fn img1_crash_between_blobs_and_row_is_cleaned_up_after_restart() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    // Unfinished uploads may be cleaned up at once (the default waits an
    // hour); the first server's jobs run only at start, before the upload.
    std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("{e}"));
    let first = dir.path().join("first.toml");
    std::fs::write(&first, "upload_grace_secs = 0\njob_interval_secs = 3600\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut s = serve(&data, Some(&first), Some("after-blobs"));
    let token = login(&s, &data).await;
    let src = photo();
    assert!(
        upload(&s, &token, src.clone()).await.is_err(),
        "the server died mid-request"
    );
    let status = s.child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(!status.success(), "aborted");
    assert_eq!(
        blob_files(&data).len(),
        3,
        "the blobs were written before the crash"
    );

    // Restart with a fast job interval.
    let config = dir.path().join("xuancai.toml");
    std::fs::write(&config, "upload_grace_secs = 0\njob_interval_secs = 1\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let s = serve(&data, Some(&config), None);
    assert_eq!(
        photo_count(&s, &token, "library").await,
        0,
        "the row never committed"
    );
    assert_eq!(photo_count(&s, &token, "trash").await, 0);
    let mut cleaned = false;
    for _ in 0..100 {
        if blob_files(&data).is_empty() {
            cleaned = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(cleaned, "orphaned blobs deleted: {:?}", blob_files(&data));
    let r = upload(&s, &token, src).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    assert_eq!(v["duplicate"], false);
    assert_eq!(blob_files(&data).len(), 3);
}

async fn job(s: &Server, token: &str, id: &str) -> serde_json::Value {
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/jobs/{id}", s.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 200);
    r.json().await.unwrap_or_default()
}

/// Issue 7: the process dies mid-job (after the result is stored, before
/// the job is marked done). After a restart the job is claimed again once
/// its lease runs out and completes exactly once: one result, two attempts,
/// the second finding the first's result.
#[tokio::test]
async fn studio_job_survives_a_crash_and_completes_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("xuancai.toml");
    std::fs::write(&config, "studio_lease_secs = 2\njob_interval_secs = 3600\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut s = serve(&data, Some(&config), Some("job-after-result"));
    let token = login(&s, &data).await;
    let r = upload(&s, &token, photo())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    let photo_id = v["photo"]["id"].as_str().unwrap_or_default().to_string();
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/jobs", s.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "kind": "cutout", "photo": photo_id }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), 202);
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    let id = v["id"].as_str().unwrap_or_default().to_string();
    // The worker aborts the process once the result is stored.
    let status = s.child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(!status.success(), "aborted mid-job");

    let s = serve(&data, Some(&config), None);
    // Issue 22 item 5: the result is the job's (its file and preview under
    // the owner's `results/`), not a photo of the library.
    let stored = || result_files(&data, &id);
    assert_eq!(
        stored().len(),
        2,
        "the result was stored before the crash: {:?}",
        stored()
    );
    let mut done = serde_json::Value::Null;
    for _ in 0..300 {
        done = job(&s, &token, &id).await;
        if done["state"] == "done" || done["state"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["attempts"], 2, "claimed again after the lease ran out");
    assert_eq!(
        done["result"]["notes"][0], "stored by an earlier attempt",
        "the second attempt found the first one's result: {done}"
    );
    assert_eq!(stored().len(), 2, "one result, not two: {:?}", stored());
    assert_eq!(
        photo_count(&s, &token, "library").await,
        1,
        "nothing added to the library"
    );
}

/// The blob files of job `id`'s result, wherever the owner's prefix is.
fn result_files(data: &std::path::Path, id: &str) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, id: &str, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, id, out);
            } else if p
                .parent()
                .is_some_and(|d| d.ends_with(id) && d.parent().is_some_and(|r| r.ends_with("results")))
            {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(data, id, &mut out);
    out
}

/// Issue 7: `serve --workers 0` only queues; a separate `xuancai worker`
/// on the same database and blobs runs the job.
#[tokio::test]
async fn a_separate_worker_process_runs_the_jobs() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("xuancai.toml");
    std::fs::write(&config, "studio_workers = 0\n").unwrap_or_else(|e| panic!("{e}"));
    let s = serve(&data, Some(&config), None);
    let token = login(&s, &data).await;
    let r = upload(&s, &token, photo())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    let photo_id = v["photo"]["id"].as_str().unwrap_or_default().to_string();
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/jobs", s.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "kind": "sticker", "photo": photo_id, "caption": "你好" }))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let v: serde_json::Value = r.json().await.unwrap_or_default();
    let id = v["id"].as_str().unwrap_or_default().to_string();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        job(&s, &token, &id).await["state"],
        "queued",
        "no worker in the server"
    );

    let mut worker = Command::new(env!("CARGO_BIN_EXE_xuancai"))
        .args(["worker", "--dev", "--data-dir"])
        .arg(&data)
        .env_remove("XUANCAI_DATABASE_URL")
        .env_remove("XUANCAI_BLOB_URL")
        .env("XUANCAI_WORKERS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let mut done = serde_json::Value::Null;
    for _ in 0..600 {
        done = job(&s, &token, &id).await;
        if done["state"] == "done" || done["state"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = worker.kill();
    let _ = worker.wait();
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["result"]["format"], "webp");
    assert_eq!(
        result_files(&data, &id).len(),
        2,
        "the result is stored with the job"
    );
    assert_eq!(photo_count(&s, &token, "library").await, 1, "not in the library");
}
