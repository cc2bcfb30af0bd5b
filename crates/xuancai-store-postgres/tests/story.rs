//! The shared storage story on PostgreSQL (ACC-1, ACC-2, ACC-4). Each run
//! makes its own schema and drops it. The server is the one dev and CI
//! machines run at 127.0.0.1:5432 (trust auth, database `test`);
//! `XUANCAI_TEST_POSTGRES` points elsewhere.

use sqlx::Executor;
use xuancai_store_postgres::PostgresStore;

fn url() -> String {
    std::env::var("XUANCAI_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A store in a fresh schema, and the admin pool that drops it.
async fn fresh() -> (PostgresStore, sqlx::PgPool, String) {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap_or_else(|e| panic!("{e}"));
    let schema = format!("t_{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>());
    let admin = sqlx::PgPool::connect(&url())
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {} is required: {e}", url()));
    admin
        .execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let store = xuancai_store_postgres::open(&url(), Some(&schema))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (store, admin, schema)
}

async fn drop_schema(admin: &sqlx::PgPool, schema: &str) {
    admin
        .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn acc1_acc2_acc4_sec1_story_on_postgres() {
    let (store, admin, schema) = fresh().await;
    xuancai_store::story::accounts(&store).await;
    xuancai_store::story::photos(&store).await;
    xuancai_store::story::profiles(&store).await;
    xuancai_store::story::privacy(&store).await;
    xuancai_store::story::notify(&store).await;
    xuancai_store::story_notify::complaints(&store).await;
    drop(store);
    drop_schema(&admin, &schema).await;
}

#[tokio::test]
async fn jobs_story_on_postgres() {
    let (store, admin, schema) = fresh().await;
    xuancai_store::story_jobs::jobs(&store).await;
    xuancai_store::story_jobs::templates(&store).await;
    xuancai_store::story_jobs::works(&store).await;
    drop(store);
    drop_schema(&admin, &schema).await;
}

/// `FOR UPDATE SKIP LOCKED`: six workers on their own connections drain
/// forty jobs; each is done exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jobs_race_on_postgres() {
    let (store, admin, schema) = fresh().await;
    xuancai_store::story_jobs::race(store, 6, 40).await;
    drop_schema(&admin, &schema).await;
}

/// ACC-1 (issue 19): the try limit and the send limit hold when guesses and
/// sends arrive at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acc1_code_limits_hold_under_concurrency_on_postgres() {
    let (store, admin, schema) = fresh().await;
    xuancai_store::story::codes_race(store.clone(), 40, 30).await;
    drop(store);
    drop_schema(&admin, &schema).await;
}

/// Issue 19 item 5 (ADS-2, ADS-3): the broadcast queue's leases and cursor,
/// and nodes claiming at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ads3_broadcast_queue_on_postgres() {
    let (store, admin, schema) = fresh().await;
    xuancai_store::story_notify::broadcasts(store.clone(), 8).await;
    drop(store);
    drop_schema(&admin, &schema).await;
}

/// The migrations compiled into the binary are every file of `migrations/`,
/// and opening a database records for each the checksum sqlx's `migrate!`
/// macro recorded before (databases made then still open).
#[tokio::test]
async fn the_compiled_in_migrations_are_the_folder_on_postgres() {
    let (store, admin, schema) = fresh().await;
    let recorded: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let expected = xuancai_store_sql::migrations::folder_records(&folder).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(expected.len(), xuancai_store_postgres::MIGRATIONS.len());
    assert_eq!(recorded, expected);
    drop_schema(&admin, &schema).await;
}

/// Issue 23 item 2: one maintenance lease, many nodes asking at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ret2_a_lease_is_held_by_one_node_at_a_time_on_postgres() {
    let (store, admin, schema) = fresh().await;
    xuancai_store::story::lease_race(store.clone(), 16).await;
    drop(store);
    drop_schema(&admin, &schema).await;
}
