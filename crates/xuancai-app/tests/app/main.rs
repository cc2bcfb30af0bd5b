//! The use cases tested without HTTP (issue 20, "proof that cannot be
//! fooled"): the gate and the retention jobs on a real SQLite store with
//! local blobs, driven through `xuancai_app` alone. Fast to build, so
//! `cargo mutants` can measure them (docs/CONFORMANCE.md).

mod broadcasts;
mod gate;
mod keys;
mod leases;
mod retention;
mod rotation;
mod streams;
mod support;
