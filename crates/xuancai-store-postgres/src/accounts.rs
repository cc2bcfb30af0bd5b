//! Every storage trait on postgres: the shared SQL of `xuancai-store-sql`.

use crate::PostgresStore;

xuancai_store_sql::impl_store!(PostgresStore);
// Concurrent claims skip the rows other claims have locked.
xuancai_store_sql::impl_job_store!(PostgresStore, " FOR UPDATE SKIP LOCKED");
