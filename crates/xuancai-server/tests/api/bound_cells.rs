//! Issue 19 item 16 (SEC-4): every sealed value is bound to its owner, its
//! column and its row, and comment text, blessing messages and work titles
//! are sealed like the other personal fields.
//!
//! Whoever can write the database (but holds no key) moves ciphertexts
//! between rows, columns and accounts here; the server must never show a
//! value in a place it was not written to. And nothing a user writes is in
//! the database in plaintext.

use serde_json::{Value, json};
use xuancai_app::config::Secret;
use xuancai_app::crypto::Keys;
use xuancai_store::SealedColumn;

use crate::helpers::{Backend, TestApp, on_db, spawn_with, testdata};

const MASTER: [u8; 32] = [7; 32];
const ALICE: (&str, &str) = ("13700137011", "+8613700137011");
const BOB: (&str, &str) = ("13900139012", "+8613900139012");

const TITLE: &str = "咖啡时光这标题独一份";
const ALICE_COMMENT: &str = "谢谢大家这条评论独一份";
const BOB_COMMENT: &str = "拍得真好这条评论也独一份";
const MESSAGE: &str = "新年快乐这句祝福独一份";
const FAMILY: &str = "家人相册独一份";
const TRIP: &str = "旅行相册独一份";

/// Run `sql` with byte-string parameters on the test's database; rows changed.
async fn exec(app: &TestApp, sql: &str, params: &[&[u8]]) -> u64 {
    let done = on_db!(app, |db| {
        let mut q = sqlx::query(sql);
        for p in params {
            q = q.bind(*p);
        }
        q.execute(&db).await.map(|r| r.rows_affected())
    });
    done.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// `(id, value)` rows of a query with byte-string parameters.
async fn rows(app: &TestApp, sql: &str, params: &[&[u8]]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let got = on_db!(app, |db| {
        let mut q = sqlx::query_as(sql);
        for p in params {
            q = q.bind(*p);
        }
        q.fetch_all(&db).await
    });
    got.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn user_id(app: &TestApp, keys: &Keys, e164: &str) -> Vec<u8> {
    let hmac = keys.lookup_hash(e164);
    let found = rows(
        app,
        "SELECT id, phone_hmac FROM users WHERE phone_hmac = $1",
        &[&hmac],
    )
    .await;
    found.into_iter().next().map(|r| r.0).unwrap_or_default()
}

async fn album(app: &TestApp, token: &str, name: &str) -> String {
    let v = app
        .json(
            "POST",
            "/api/v1/albums",
            token,
            Some(&json!({ "name": name })),
            201,
        )
        .await;
    v["id"].as_str().unwrap_or_default().to_string()
}

/// Album id → name, as the owner's list shows them.
async fn album_names(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let v = app.json("GET", "/api/v1/albums", token, None, 200).await;
    let mut out: Vec<(String, String)> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            (
                a["id"].as_str().unwrap_or_default().to_string(),
                a["name"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn texts(v: &Value, field: &str) -> Vec<Option<String>> {
    v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c[field].as_str().map(str::to_string))
        .collect()
}

/// Alice: two albums, a public work, a comment on it; Bob: a comment on
/// it; Alice sends Bob a blessing. Returns (alice, bob, work id).
async fn content(app: &TestApp) -> (String, String, String) {
    let alice = app.login(ALICE.0, ALICE.1).await;
    let bob = app.login(BOB.0, BOB.1).await;
    album(app, &alice, FAMILY).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    album(app, &alice, TRIP).await;
    let photo: Value = app
        .upload(&alice, "coffee.png", testdata("coffee.png"))
        .await
        .json()
        .await
        .unwrap_or_default();
    let photo = photo["photo"]["id"].as_str().unwrap_or_default().to_string();
    let work = app
        .json(
            "POST",
            "/api/v1/works",
            &alice,
            Some(&json!({ "photo": photo, "title": TITLE, "visibility": "public" })),
            201,
        )
        .await;
    assert_eq!(work["title"], TITLE, "{work}");
    let work = work["id"].as_str().unwrap_or_default().to_string();
    let comments = format!("/api/v1/works/{work}/comments");
    for (token, text) in [(&alice, ALICE_COMMENT), (&bob, BOB_COMMENT)] {
        app.json("POST", &comments, token, Some(&json!({ "text": text })), 201)
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let me = app.json("GET", "/api/v1/me", &bob, None, 200).await;
    let body = json!({ "to": me["user_id"], "work": work, "message": MESSAGE });
    app.json("POST", "/api/v1/blessings", &alice, Some(&body), 201)
        .await;
    (alice, bob, work)
}

async fn bound_story(backend: Backend) {
    let app = spawn_with(backend, |c| c.master_key = Some(Secret::new(MASTER.to_vec()))).await;
    let keys = Keys::new(&Secret::new(MASTER.to_vec())).unwrap_or_else(|e| panic!("{e}"));
    let (alice, bob, work) = content(&app).await;
    let comments = format!("/api/v1/works/{work}/comments");
    let listed = app.json("GET", &comments, &bob, None, 200).await;
    assert_eq!(
        texts(&listed, "text"),
        vec![Some(ALICE_COMMENT.into()), Some(BOB_COMMENT.into())]
    );
    let inbox = app.json("GET", "/api/v1/blessings", &bob, None, 200).await;
    assert_eq!(texts(&inbox, "message"), vec![Some(MESSAGE.into())]);
    assert_eq!(inbox["items"][0]["work"]["title"], TITLE, "{inbox}");

    // At rest: no title, comment or message in plaintext anywhere.
    for (sql, what) in [
        ("SELECT id, CAST(title AS BLOB) FROM works", "a work title"),
        ("SELECT id, CAST(text AS BLOB) FROM comments", "a comment"),
        (
            "SELECT id, CAST(message AS BLOB) FROM blessings",
            "a blessing message",
        ),
    ] {
        let sql = match backend {
            Backend::SqliteLocal => sql.to_string(),
            Backend::PostgresS3 => sql
                .replace("CAST(", "convert_to(")
                .replace(" AS BLOB)", ", 'UTF8')"),
        };
        for (_, plain) in rows(&app, &sql, &[]).await {
            assert!(
                plain.is_empty(),
                "{what} is stored in plaintext: {:?}",
                String::from_utf8_lossy(&plain)
            );
        }
    }
    if backend == Backend::SqliteLocal {
        let mut file = std::fs::read(app.data_dir.join("xuancai.db")).unwrap_or_default();
        file.extend(std::fs::read(app.data_dir.join("xuancai.db-wal")).unwrap_or_default());
        for text in [TITLE, ALICE_COMMENT, BOB_COMMENT, MESSAGE, FAMILY, TRIP] {
            let found = file.windows(text.len()).any(|w| w == text.as_bytes());
            assert!(!found, "{text:?} is in the database file in plaintext");
        }
    }

    // Within one account: the two albums' names swapped.
    let alice_id = user_id(&app, &keys, ALICE.1).await;
    let bob_id = user_id(&app, &keys, BOB.1).await;
    let before = album_names(&app, &alice).await;
    assert_eq!(
        before
            .iter()
            .map(|a| a.1.as_str())
            .filter(|n| [FAMILY, TRIP].contains(n))
            .count(),
        2,
        "{before:?}"
    );
    let albums = rows(
        &app,
        "SELECT id, name_ciphertext FROM albums WHERE user_id = $1 ORDER BY id",
        &[&alice_id],
    )
    .await;
    assert_eq!(albums.len(), 2);
    exec(
        &app,
        "UPDATE albums SET name_ciphertext = $1 WHERE id = $2",
        &[&albums[1].1, &albums[0].0],
    )
    .await;
    exec(
        &app,
        "UPDATE albums SET name_ciphertext = $1 WHERE id = $2",
        &[&albums[0].1, &albums[1].0],
    )
    .await;
    let after = album_names(&app, &alice).await;
    for ((id, name), (_, was)) in after.iter().zip(&before) {
        assert!(
            name.is_empty() || name == was,
            "album {id} shows another album's name {name:?} (was {was:?})"
        );
    }

    // Across columns: the work's title put where an album's name goes.
    let titles = rows(&app, "SELECT id, title_ciphertext FROM works", &[]).await;
    assert_eq!(titles.len(), 1);
    exec(
        &app,
        "UPDATE albums SET name_ciphertext = $1 WHERE id = $2",
        &[&titles[0].1, &albums[0].0],
    )
    .await;
    let shown = album_names(&app, &alice).await;
    assert!(
        shown.iter().all(|a| a.1 != TITLE),
        "a work's title shows as an album's name: {shown:?}"
    );

    // Across accounts: Alice's comment text moved into Bob's comment.
    let alice_comment = rows(
        &app,
        "SELECT id, text_ciphertext FROM comments WHERE author_id = $1",
        &[&alice_id],
    )
    .await;
    let bob_comment = rows(
        &app,
        "SELECT id, text_ciphertext FROM comments WHERE author_id = $1",
        &[&bob_id],
    )
    .await;
    exec(
        &app,
        "UPDATE comments SET text_ciphertext = $1 WHERE id = $2",
        &[&alice_comment[0].1, &bob_comment[0].0],
    )
    .await;
    let listed = app.json("GET", &comments, &alice, None, 200).await;
    assert_eq!(
        texts(&listed, "text"),
        vec![Some(ALICE_COMMENT.into()), None],
        "Bob's comment shows Alice's words: {listed}"
    );
    // And the blessing's message moved into the work's title.
    let messages = rows(&app, "SELECT id, message_ciphertext FROM blessings", &[]).await;
    exec(
        &app,
        "UPDATE works SET title_ciphertext = $1 WHERE id = $2",
        &[&messages[0].1, &titles[0].0],
    )
    .await;
    let w = app
        .json("GET", &format!("/api/v1/works/{work}"), &alice, None, 200)
        .await;
    assert_ne!(w["title"], MESSAGE, "a blessing's message shows as a title: {w}");
    app.cleanup().await;
}

#[tokio::test]
async fn sec4_sealed_values_are_bound_to_row_column_and_owner_on_sqlite() {
    bound_story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn sec4_sealed_values_are_bound_to_row_column_and_owner_on_postgres() {
    bound_story(Backend::PostgresS3).await;
}

/// `sql` with `$1` read as text from bytes, on either database.
fn text_param(backend: Backend, sql: &str) -> String {
    match backend {
        Backend::SqliteLocal => sql.replace("$1", "CAST($1 AS TEXT)"),
        Backend::PostgresS3 => sql.replace("$1", "convert_from($1, 'UTF8')"),
    }
}

/// Rows written by the version before binding: values sealed without
/// associated data, titles, comments and messages in plaintext, the account
/// at `seal_version` 1. The start-up pass re-seals them once, bound; the
/// content reads the same; an account already bound is left alone.
async fn legacy_story(backend: Backend) {
    let app = spawn_with(backend, |c| c.master_key = Some(Secret::new(MASTER.to_vec()))).await;
    let keys = Keys::new(&Secret::new(MASTER.to_vec())).unwrap_or_else(|e| panic!("{e}"));
    let (alice, bob, work) = content(&app).await;
    let alice_id = user_id(&app, &keys, ALICE.1).await;
    let bob_id = user_id(&app, &keys, BOB.1).await;
    let wrapped = rows(
        &app,
        "SELECT id, wrapped_data_key FROM users WHERE id = $1",
        &[&alice_id],
    )
    .await;
    let owner = xuancai_domain::UserId::from_bytes(alice_id.clone().try_into().unwrap_or_default());
    let key = keys
        .unwrap_data_key(&owner, &wrapped[0].1)
        .unwrap_or_else(|e| panic!("{e}"));
    let bob_rows_before = rows(
        &app,
        "SELECT id, phone_ciphertext FROM users WHERE id = $1",
        &[&bob_id],
    )
    .await;

    let unbound_phone = key.seal_unbound(ALICE.1.as_bytes());
    exec(
        &app,
        "UPDATE users SET seal_version = 1, phone_ciphertext = $1 WHERE id = $2",
        &[&unbound_phone, &alice_id],
    )
    .await;
    for (id, sealed) in rows(
        &app,
        "SELECT id, name_ciphertext FROM albums WHERE user_id = $1",
        &[&alice_id],
    )
    .await
    {
        let name = key
            .open(SealedColumn::AlbumName, &id, &sealed)
            .unwrap_or_else(|e| panic!("{e}"));
        let unbound = key.seal_unbound(&name);
        exec(
            &app,
            "UPDATE albums SET name_ciphertext = $1 WHERE id = $2",
            &[&unbound, &id],
        )
        .await;
    }
    let set_plain = |table: &str, column: &str| {
        text_param(
            backend,
            &format!("UPDATE {table} SET {column} = $1, {column}_ciphertext = NULL WHERE id = $2"),
        )
    };
    let ids = |table: &str, owner: &str| format!("SELECT id, id FROM {table} WHERE {owner} = $1");
    let work_id = rows(&app, &ids("works", "owner_id"), &[&alice_id]).await;
    exec(
        &app,
        &set_plain("works", "title"),
        &[TITLE.as_bytes(), &work_id[0].0],
    )
    .await;
    let comment_id = rows(&app, &ids("comments", "author_id"), &[&alice_id]).await;
    exec(
        &app,
        &set_plain("comments", "text"),
        &[ALICE_COMMENT.as_bytes(), &comment_id[0].0],
    )
    .await;
    let blessing_id = rows(&app, &ids("blessings", "sender_id"), &[&alice_id]).await;
    exec(
        &app,
        &set_plain("blessings", "message"),
        &[MESSAGE.as_bytes(), &blessing_id[0].0],
    )
    .await;
    assert_eq!(
        app.call("GET", "/api/v1/me", Some(&alice), None).await.status(),
        500,
        "the old format does not open while serving"
    );

    let restart = || {
        spawn_with(backend, |c| {
            c.master_key = Some(Secret::new(MASTER.to_vec()));
            c.data_dir = app.config.data_dir.clone();
            c.database_url = app.config.database_url.clone();
            c.blob_url = app.config.blob_url.clone();
        })
    };
    let again = restart().await;
    let me = again.json("GET", "/api/v1/me", &alice, None, 200).await;
    assert!(me["phone"].as_str().unwrap_or_default().ends_with("7011"), "{me}");
    let names: Vec<String> = album_names(&again, &alice)
        .await
        .into_iter()
        .map(|a| a.1)
        .collect();
    assert!(
        names.contains(&FAMILY.to_string()) && names.contains(&TRIP.to_string()),
        "{names:?}"
    );
    let w = again
        .json("GET", &format!("/api/v1/works/{work}"), &alice, None, 200)
        .await;
    assert_eq!(w["title"], TITLE, "{w}");
    let listed = again
        .json("GET", &format!("/api/v1/works/{work}/comments"), &bob, None, 200)
        .await;
    assert_eq!(
        texts(&listed, "text"),
        vec![Some(ALICE_COMMENT.into()), Some(BOB_COMMENT.into())]
    );
    let inbox = again.json("GET", "/api/v1/blessings", &bob, None, 200).await;
    assert_eq!(texts(&inbox, "message"), vec![Some(MESSAGE.into())]);

    // At rest: bound, no plaintext left, the account marked; Bob untouched.
    let marked = rows(
        &again,
        "SELECT id, id FROM users WHERE id = $1 AND seal_version = 2",
        &[&alice_id],
    )
    .await;
    assert_eq!(marked.len(), 1, "the account is marked bound");
    let phone = rows(
        &again,
        "SELECT id, phone_ciphertext FROM users WHERE id = $1",
        &[&alice_id],
    )
    .await;
    assert_eq!(
        key.open(SealedColumn::UserPhone, &alice_id, &phone[0].1)
            .ok()
            .as_deref(),
        Some(ALICE.1.as_bytes()),
        "the phone is sealed bound to its column and row"
    );
    let titles = rows(
        &again,
        "SELECT id, title_ciphertext FROM works WHERE owner_id = $1",
        &[&alice_id],
    )
    .await;
    assert_eq!(
        key.open(SealedColumn::WorkTitle, &titles[0].0, &titles[0].1)
            .ok()
            .as_deref(),
        Some(TITLE.as_bytes())
    );
    let plain = rows(
        &again,
        &text_param(
            backend,
            "SELECT id, id FROM works WHERE owner_id = $2 AND title <> ''",
        )
        .replace("$2", "$1"),
        &[&alice_id],
    )
    .await;
    assert!(plain.is_empty(), "the plaintext title is emptied");
    assert_eq!(
        rows(
            &again,
            "SELECT id, phone_ciphertext FROM users WHERE id = $1",
            &[&bob_id]
        )
        .await,
        bob_rows_before,
        "an account already bound is left as it is"
    );
    let albums = rows(&again, "SELECT id, name_ciphertext FROM albums ORDER BY id", &[]).await;
    again.cleanup().await;

    // Once is enough: the next start changes nothing.
    let third = restart().await;
    assert_eq!(
        rows(&third, "SELECT id, name_ciphertext FROM albums ORDER BY id", &[]).await,
        albums
    );
    third.cleanup().await;
    app.cleanup().await;
}

#[tokio::test]
async fn sec4_rows_sealed_before_binding_are_resealed_once_at_start_on_sqlite() {
    legacy_story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn sec4_rows_sealed_before_binding_are_resealed_once_at_start_on_postgres() {
    legacy_story(Backend::PostgresS3).await;
}
