//! Issue 23 item 6: a backup and a restore, run for real on SQLite + local
//! files and on PostgreSQL (pg_dump / pg_restore) + S3: what was there
//! comes back byte for byte, and an account erased after the backup was
//! taken does not come back (the erasure log is replayed). A backup holds
//! no plaintext of what it backs up, and no key.

use serde_json::{Value, json};
use xuancai_app::backup::{backup, restore};
use xuancai_app::config::Secret;

use crate::helpers::{Backend, TestApp, on_db, pg, s3, spawn_with, testdata};

const MASTER: [u8; 32] = [9; 32];
const ALICE: (&str, &str) = ("13700137021", "+8613700137021");
const BOB: (&str, &str) = ("13900139022", "+8613900139022");

fn keyed(c: &mut xuancai_app::Config) {
    c.master_key = Some(Secret::new(MASTER.to_vec()));
}

async fn upload(app: &TestApp, token: &str, name: &str) -> (String, Vec<u8>) {
    let r = app.upload(token, name, testdata(name)).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap_or_default();
    let id = v["photo"]["id"].as_str().unwrap_or_default().to_string();
    let bytes = app
        .call("GET", &format!("/api/v1/photos/{id}/original"), Some(token), None)
        .await
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .to_vec();
    (id, bytes)
}

async fn users(app: &TestApp) -> i64 {
    let n: Result<(i64,), _> = on_db!(app, |db| sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&db)
        .await);
    n.unwrap_or_else(|e| panic!("{e}")).0
}

/// The blob store a configuration names (local folder or S3 bucket).
fn blobs_of(config: &xuancai_app::Config) -> xuancai_app::blobs::Blobs {
    xuancai_outbound::blobs::open(config.blob_url.as_deref(), &config.s3, None, &config.data_dir)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

async fn backup_story(backend: Backend) {
    let app = spawn_with(backend, keyed).await;
    let alice = app.login(ALICE.0, ALICE.1).await;
    let bob = app.login(BOB.0, BOB.1).await;
    app.json(
        "PATCH",
        "/api/v1/me",
        &alice,
        Some(&json!({ "nickname": "备份里的小炫" })),
        200,
    )
    .await;
    let (alice_photo, alice_bytes) = upload(&app, &alice, "coffee.png").await;
    upload(&app, &bob, "astronaut.png").await;
    let bob_id = app.json("GET", "/api/v1/me", &bob, None, 200).await["user_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let to = dir.path().join("backup");
    let taken = backup(&app.config, xuancai_outbound::connect, &to)
        .await
        .unwrap_or_else(|e| panic!("backup: {e}"));
    assert!(taken.blobs >= 6, "two photos' renditions: {taken:?}");
    assert!(
        backup(&app.config, xuancai_outbound::connect, &to).await.is_err(),
        "an existing folder is never overwritten"
    );
    // Sealed at rest, no key inside.
    for f in files(&to) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        let found = bytes.windows(ALICE.1.len()).any(|w| w == ALICE.1.as_bytes())
            || bytes
                .windows("备份里的小炫".len())
                .any(|w| w == "备份里的小炫".as_bytes());
        assert!(!found, "{} holds plaintext", f.display());
        assert!(!f.ends_with("dev-master.key"), "the master key is not backed up");
    }

    // After the backup, Bob cancels and, past the retention period, is erased.
    app.control.advance(61_000); // one code a minute per number (ACC-1)
    let code = crate::rights::fresh_code(&app, &bob, BOB.1).await;
    app.json(
        "POST",
        "/api/v1/me/cancellation",
        &bob,
        Some(&json!({ "code": code, "confirm_exported": true, "confirm_forfeit": true })),
        200,
    )
    .await;
    app.control.advance(100 * 86_400_000);
    let report = app.control.run_jobs_once().await;
    assert_eq!(report.erased_accounts, 1, "{report:?}");

    // Disaster: the database and the blobs are lost; the operator restores
    // into an empty database and an empty store, carrying over the erasure
    // log (kept apart from the database, as docs/OPERATIONS.md says).
    let target_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut target = app.config.clone();
    target.data_dir = target_dir.path().to_path_buf();
    let mut admin = None;
    if backend == Backend::PostgresS3 {
        let a = pg::Admin::connect().await;
        let (url, name) = a.fresh_database().await;
        target.database_url = Some(url);
        (target.blob_url, target.s3) = s3::bucket().await;
        admin = Some((a, name));
    }
    let (old_store, new_store) = (blobs_of(&app.config), blobs_of(&target));
    let log = old_store.list("erasures/").await.unwrap_or_default();
    assert_eq!(log.len(), 1, "one erasure logged: {log:?}");
    assert!(
        !log[0].contains(&bob_id),
        "the log names nobody in clear: {log:?}"
    );
    for key in &log {
        let entry = old_store.raw(key).await.unwrap_or_else(|e| panic!("{e}"));
        new_store
            .put_raw(key, &entry)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let restored = restore(&target, xuancai_outbound::connect, &to)
        .await
        .unwrap_or_else(|e| panic!("restore: {e}"));
    assert_eq!(
        restored.erased_again, 1,
        "Bob was erased after the backup: {restored:?}"
    );
    assert!(
        restore(&target, xuancai_outbound::connect, &to).await.is_err(),
        "a restore never writes over a database in use"
    );

    let again = spawn_with(backend, |c| {
        *c = target.clone();
        c.listen = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
    })
    .await;
    // Alice's session, profile and photo, byte for byte.
    let me = again.json("GET", "/api/v1/me", &alice, None, 200).await;
    assert_eq!(me["nickname"], "备份里的小炫", "{me}");
    let bytes = again
        .call(
            "GET",
            &format!("/api/v1/photos/{alice_photo}/original"),
            Some(&alice),
            None,
        )
        .await
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bytes.to_vec(), alice_bytes);
    // Bob did not come back: no session, no row, no blob.
    assert_eq!(
        again.call("GET", "/api/v1/me", Some(&bob), None).await.status(),
        401
    );
    assert_eq!(users(&again).await, 1, "only Alice's account");
    let keys = new_store.list("").await.unwrap_or_default();
    assert!(
        keys.iter().all(|k| !k.contains(&bob_id)),
        "Bob's blobs are back: {keys:?}"
    );
    assert!(
        keys.iter().any(|k| k.contains(&alice_photo)),
        "Alice's are there: {keys:?}"
    );
    again.cleanup().await;
    if let Some((a, name)) = admin {
        a.drop_database(&name).await;
    }
    app.cleanup().await;
}

#[tokio::test]
async fn ret2_sec4_backup_and_restore_on_sqlite_and_local_files_keep_erasures() {
    backup_story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn ret2_sec4_backup_and_restore_on_postgres_and_s3_keep_erasures() {
    backup_story(Backend::PostgresS3).await;
}
