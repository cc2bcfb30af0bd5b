//! Issue 19 item 16 (SEC-4): a user's wrapped data key is bound to the
//! account it belongs to. Whoever can write the database but does not hold
//! the master key cannot move one account's key and ciphertexts into another
//! account's row and have the server read them out to that account; keys
//! stored in the format written before binding are re-wrapped at start-up.

use serde_json::Value;
use xuancai_app::config::Secret;
use xuancai_app::crypto::Keys;

use crate::helpers::{Backend, TestApp, on_db, spawn_with};

const ALICE: (&str, &str) = ("13700137001", "+8613700137001");
const BOB: (&str, &str) = ("13900139002", "+8613900139002");
const MASTER: [u8; 32] = [42; 32];

/// Run `sql` with two byte-string parameters on the test's database.
async fn exec(app: &TestApp, sql: &str, a: &[u8], b: &[u8]) {
    let done = on_db!(app, |db| sqlx::query(sql)
        .bind(a)
        .bind(b)
        .execute(&db)
        .await
        .map(|r| r.rows_affected()));
    assert_eq!(done.unwrap_or_else(|e| panic!("{sql}: {e}")), 1, "{sql}");
}

/// `(id, wrapped_data_key, phone_ciphertext)` of the account of `phone_hmac`.
async fn row(app: &TestApp, phone_hmac: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let sql = "SELECT id, wrapped_data_key, phone_ciphertext FROM users WHERE phone_hmac = $1";
    on_db!(app, |db| sqlx::query_as(sql)
        .bind(phone_hmac)
        .fetch_one(&db)
        .await)
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn me(app: &TestApp, token: &str) -> (u16, Value) {
    let r = app.call("GET", "/api/v1/me", Some(token), None).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

async fn moved_key_story(backend: Backend) {
    let app = spawn_with(backend, |c| c.master_key = Some(Secret::new(MASTER.to_vec()))).await;
    let keys = Keys::new(&Secret::new(MASTER.to_vec())).unwrap_or_else(|e| panic!("{e}"));
    let alice_token = app.login(ALICE.0, ALICE.1).await;
    let bob_token = app.login(BOB.0, BOB.1).await;
    let (_, alice_phone) = me(&app, &alice_token).await;
    let alice_masked = alice_phone["phone"].as_str().unwrap_or_default().to_string();
    assert!(alice_masked.ends_with("7001"), "{alice_phone}");

    // Alice's wrapped key and her number's ciphertext, put into Bob's row.
    let (alice_id, alice_key, alice_phone_ct) = row(&app, &keys.lookup_hash(ALICE.1)).await;
    let (bob_id, bob_key, bob_phone_ct) = row(&app, &keys.lookup_hash(BOB.1)).await;
    assert_ne!(alice_id, bob_id);
    exec(
        &app,
        "UPDATE users SET wrapped_data_key = $1 WHERE id = $2",
        &alice_key,
        &bob_id,
    )
    .await;
    exec(
        &app,
        "UPDATE users SET phone_ciphertext = $1 WHERE id = $2",
        &alice_phone_ct,
        &bob_id,
    )
    .await;
    let (status, body) = me(&app, &bob_token).await;
    assert!(
        !body.to_string().contains(&alice_masked),
        "Bob's session reads Alice's number: {body}"
    );
    assert_eq!((status, body["code"].as_str()), (500, Some("internal")), "{body}");
    assert!(
        !body.to_string().contains("data key"),
        "a 5xx reveals nothing: {body}"
    );

    // Put Bob's row back: he reads his own number again.
    exec(
        &app,
        "UPDATE users SET wrapped_data_key = $1 WHERE id = $2",
        &bob_key,
        &bob_id,
    )
    .await;
    exec(
        &app,
        "UPDATE users SET phone_ciphertext = $1 WHERE id = $2",
        &bob_phone_ct,
        &bob_id,
    )
    .await;
    let (status, body) = me(&app, &bob_token).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["phone"].as_str().unwrap_or_default().ends_with("9002"),
        "{body}"
    );

    // A key in the format written before binding (as every row made by an
    // earlier version holds it): refused while serving, re-wrapped to the
    // same key at the next start, and Bob reads his number with it.
    let bob_user = xuancai_domain::UserId::from_bytes(bob_id.clone().try_into().unwrap_or_default());
    let (legacy_key, legacy) = keys.legacy_data_key(&bob_user);
    let sealed = legacy_key.seal_unbound(BOB.1.as_bytes());
    exec(
        &app,
        "UPDATE users SET wrapped_data_key = $1 WHERE id = $2",
        &legacy,
        &bob_id,
    )
    .await;
    exec(
        &app,
        "UPDATE users SET phone_ciphertext = $1, seal_version = 1 WHERE id = $2",
        &sealed,
        &bob_id,
    )
    .await;
    assert_eq!(
        me(&app, &bob_token).await.0,
        500,
        "the old format does not open while serving"
    );
    let restarted = spawn_with(backend, |c| {
        c.master_key = Some(Secret::new(MASTER.to_vec()));
        c.data_dir = app.config.data_dir.clone();
        c.database_url = app.config.database_url.clone();
        c.blob_url = app.config.blob_url.clone();
    })
    .await;
    let (status, body) = me(&restarted, &bob_token).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["phone"].as_str().unwrap_or_default().ends_with("9002"),
        "{body}"
    );
    let (_, rewrapped, _) = row(&restarted, &keys.lookup_hash(BOB.1)).await;
    // Bound to the account, and naming its master key (issue 23 item 5):
    // the version byte, the key's 4-byte id, then the sealed key.
    assert_eq!(
        (rewrapped.len(), rewrapped[0]),
        (legacy.len() + 5, 3),
        "bound format"
    );
    let (_, alice_after, _) = row(&restarted, &keys.lookup_hash(ALICE.1)).await;
    assert_eq!(alice_after, alice_key, "a bound key is left as it is");
    restarted.cleanup().await;
    app.cleanup().await;
}

#[tokio::test]
async fn sec4_a_data_key_moved_to_another_account_does_not_open_on_sqlite() {
    moved_key_story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn sec4_a_data_key_moved_to_another_account_does_not_open_on_postgres() {
    moved_key_story(Backend::PostgresS3).await;
}
