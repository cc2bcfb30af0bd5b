//! Every storage trait on sqlite: the shared SQL of `xuancai-store-sql`.

use crate::SqliteStore;

xuancai_store_sql::impl_store!(SqliteStore);
