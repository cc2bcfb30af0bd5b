//! Every storage trait on postgres: the shared SQL of `xuancai-store-sql`.

use crate::PostgresStore;

xuancai_store_sql::impl_store!(PostgresStore);
