//! Xuancai's HTTP server: HTTP only. Each handler parses the request, calls
//! a use case of `xuancai-app`, and maps the answer.
//!
//! It owns start-up of the HTTP side ([`startup`]: the application from
//! `xuancai_app::startup`, the router, the listener — port 0 in tests), the
//! one place where errors become HTTP statuses and stable codes
//! ([`error`]), the extractors that say who calls ([`extract`]: session,
//! active account, operator), one module per HTTP resource ([`routes`],
//! which also serves the OpenAPI document and the web app) and the
//! Oblivious HTTP gateway ([`ohttp`]).

pub mod error;
pub mod extract;
pub mod ohttp;
pub mod respond;
pub mod routes;
pub mod startup;
pub mod tls;

pub use startup::Application;
pub use xuancai_app::Config;
/// The application's modules, as the server and its tests reach them.
pub use xuancai_app::{blobs, clock, config, crypto, privacy, studio};
