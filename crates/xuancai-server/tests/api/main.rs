//! API tests: each test spawns its own server on port 0 with a fresh data
//! dir (SQLite file), or a fresh PostgreSQL database.

mod auth;
mod helpers;
