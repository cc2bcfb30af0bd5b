//! API tests: each test spawns its own server on port 0 with a fresh data
//! dir (SQLite file + local blobs), or a fresh PostgreSQL database and S3
//! bucket.

mod abuse;
mod albums;
mod auth;
mod bound_cells;
mod codes;
mod contact;
mod deletion;
mod error_codes;
mod export;
mod faceswap;
mod gates;
mod guardians;
mod helpers;
mod jobs;
mod minors;
mod ohttp;
mod outbound;
mod packs;
mod photos;
mod portraits;
mod privacy;
mod profile;
mod public;
mod push;
mod push_vendors;
mod residency;
mod retention;
mod rights;
mod sealing;
mod sec6;
mod sensitive;
mod templates;
mod web;
mod works;
