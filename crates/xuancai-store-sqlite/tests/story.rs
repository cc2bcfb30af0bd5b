//! The shared storage story on a real SQLite file (ACC-1, ACC-2, ACC-4).

#[tokio::test]
async fn acc1_acc2_acc4_sec1_story_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.path().join("xuancai.db").display());
    let store = xuancai_store_sqlite::open(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    xuancai_store::story::accounts(&store).await;
    xuancai_store::story::photos(&store).await;
    xuancai_store::story::profiles(&store).await;
    xuancai_store::story::privacy(&store).await;
    xuancai_store::story::notify(&store).await;
    xuancai_store::story_notify::complaints(&store).await;
    // Reopening applies no migration twice and keeps the data.
    drop(store);
    let again = xuancai_store_sqlite::open(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(again.pool())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n.0, 8, "the users the stories made (one erased)");
}

#[tokio::test]
async fn jobs_story_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.path().join("xuancai.db").display());
    let store = xuancai_store_sqlite::open(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    xuancai_store::story_jobs::jobs(&store).await;
    xuancai_store::story_jobs::templates(&store).await;
    xuancai_store::story_jobs::works(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jobs_race_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.path().join("xuancai.db").display());
    let store = xuancai_store_sqlite::open(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    xuancai_store::story_jobs::race(store, 6, 40).await;
}

/// ACC-1 (issue 19): the try limit and the send limit hold when guesses and
/// sends arrive at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acc1_code_limits_hold_under_concurrency_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.path().join("xuancai.db").display());
    let store = xuancai_store_sqlite::open(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    xuancai_store::story::codes_race(store, 40, 30).await;
}

/// Issue 19 item 5 (ADS-2, ADS-3): the broadcast queue's leases and cursor,
/// and nodes claiming at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ads3_broadcast_queue_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.path().join("xuancai.db").display());
    let store = xuancai_store_sqlite::open(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    xuancai_store::story_notify::broadcasts(store, 8).await;
}

/// The migrations compiled into the binary are every file of `migrations/`,
/// and opening a database records for each the checksum sqlx's `migrate!`
/// macro recorded before (databases made then still open).
#[tokio::test]
async fn the_compiled_in_migrations_are_the_folder_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.path().join("xuancai.db").display());
    let store = xuancai_store_sqlite::open(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let recorded: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let expected = xuancai_store_sql::migrations::folder_records(&folder).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(expected.len(), xuancai_store_sqlite::MIGRATIONS.len());
    assert_eq!(recorded, expected);
}

/// Issue 23 item 2: one maintenance lease, many nodes asking at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ret2_a_lease_is_held_by_one_node_at_a_time_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}", dir.path().join("xuancai.db").display());
    let store = xuancai_store_sqlite::open(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    xuancai_store::story::lease_race(store, 16).await;
}
