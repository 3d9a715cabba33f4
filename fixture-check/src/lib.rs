//! Compile-time check of `pasarela-gen`'s output.
//!
//! `build.rs` generates a client for every fixture spec in
//! `generator/tests/fixtures/` and this crate includes them all, one module
//! per fixture (named after the file), so `cargo build` proves the emitted
//! code compiles against `pasarela-runtime` and
//! `cargo clippy --workspace --all-targets -- -D warnings` proves it is
//! lint-clean. The crate has no API of its own and is never published.

include!(concat!(env!("OUT_DIR"), "/all.rs"));

/// The runtime every generated module calls (by its absolute path).
pub use pasarela_runtime;
