//! Xuancai's HTTP server.
//!
//! It owns configuration ([`config`]), start-up from a configuration
//! ([`startup`]: the app binds its port, port 0 in tests), the one place
//! where errors become HTTP statuses and stable codes ([`error`]), the
//! secrets at rest ([`crypto`]: keyed phone hashes, per-user data keys —
//! SEC-4), encrypted blobs ([`blobs`]: local folder or S3), password
//! hashing ([`passwords`]), SMS delivery ([`sms`]), the background jobs
//! ([`jobs`]: trash purge, blob clean-up) and one module per HTTP resource
//! ([`routes`]). Storage goes through the `xuancai-store` traits; the
//! embedded default is a SQLite file, PostgreSQL is chosen by URL.

pub mod blobs;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod error;
pub mod jobs;
pub mod ohttp;
pub mod passwords;
pub mod privacy;
pub mod push;
pub mod push_vendors;
pub mod routes;
pub mod sms;
pub mod startup;
pub mod store;
pub mod studio;

pub use config::Config;
pub use startup::Application;
