//! Every storage trait on sqlite: the shared SQL of `xuancai-store-sql`.

use crate::SqliteStore;

xuancai_store_sql::impl_store!(SqliteStore);
// One writer at a time: the claim's UPDATE is atomic without row locks.
xuancai_store_sql::impl_job_store!(SqliteStore, "");
