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

#[tokio::test]
async fn acc1_acc4_story_on_postgres() {
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
    let store = PostgresStore::open(&url(), Some(&schema))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    xuancai_store::story::accounts(&store).await;
    xuancai_store::story::photos(&store).await;
    xuancai_store::story::profiles(&store).await;
    xuancai_store::story::privacy(&store).await;
    xuancai_store::story::notify(&store).await;
    drop(store);
    admin
        .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}
