//! Xuancai's application layer: every use case of the service, with no HTTP
//! in it (the compiler keeps it so: this crate does not depend on axum,
//! hyper or tower, and CI checks it with `tools/ci/layering.py`).
//!
//! It owns the application state ([`App`]: store, blobs, keys, clock,
//! engines, configuration, SMS and push channels), its error ([`AppError`],
//! mapped to HTTP only by `xuancai-server`), start-up from a configuration
//! ([`startup`]), and one module per area:
//!
//! - [`accounts`]: one-time codes and their limits (ACC-1, ACC-7, MIN-4);
//!   [`passwords`] (the bounded hashing pool), [`password_login`]
//!   (with its limits per number, address and service), [`profile`];
//! - [`photos`]: upload (sniff, decode once, renditions, de-duplication,
//!   location stripping), the stored renditions (IMG-1);
//! - [`templates`]: the sticker catalogue and its use counts (CON-6);
//! - [`studio`]: job requests, the workers, one runner per job kind,
//!   external processors (IMG-2..5);
//! - [`privacy`]: the gate's rules, consents and agreements, disclosures,
//!   documents, rights requests and the export (R-1..R-8, CON-*, MIN-*);
//! - [`maintenance`]: the periodic jobs (trash purge, retention and
//!   erasure, shutdown, blob clean-up — IMG-1, RET-2, RET-3);
//! - [`net`]: limits for anonymous callers, the client's address behind
//!   trusted proxies, which outbound addresses are allowed;
//! - [`quotas`]: what one account may store and how fast it may write;
//! - [`streams`]: open event streams, counted per account and in all;
//! - [`keys`]: the blob key layout — every `u/{user}/…` path is built there;
//! - infrastructure: [`blobs`] (encrypted blobs on local files or S3),
//!   [`crypto`] (SEC-4), [`store`] (choosing the backend), [`clock`],
//!   [`config`]; the outbound channels as traits — [`sms`], [`push`],
//!   `studio::ImageProcessor` — whose HTTP adapters live in
//!   `xuancai-outbound` and are handed in at start-up.

pub mod accounts;
pub mod backup;
pub mod blobs;
pub mod broadcasts;
pub mod clock;
pub mod coins;
pub mod config;
pub mod contact;
pub mod crypto;
pub mod error;
pub mod keys;
pub mod maintenance;
pub mod metrics;
pub mod net;
pub mod password_login;
pub mod passwords;
pub mod photos;
pub mod privacy;
pub mod profile;
pub mod push;
pub mod quotas;
pub mod residency;
pub mod rotation;
pub mod safety;
pub mod sealing;
pub mod settings;
pub mod sign_in;
pub mod sms;
pub mod social;
pub mod startup;
mod state;
pub mod store;
pub mod streams;
pub mod studio;
pub mod templates;
pub mod whole;
pub mod works;

pub use config::Config;
pub use error::AppError;
pub use startup::{Control, StartupError};
pub use state::{App, Shutdown};
