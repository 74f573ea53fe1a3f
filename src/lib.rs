//! brm — Batch Render Manager for Autodesk Maya studios.
//!
//! One engine, many fronts: this crate is the engine (frame sets, detection, scene snapshots,
//! plans, process supervision, progress parsing, the queue and its agent) and it exports a
//! stable C ABI (`include/brm.h`) that the Maya plugin and studio tools link against.
//! See `docs/ARCHITECTURE.md` for the map of modules and the data flow.

pub mod config;
pub mod error;
pub mod paths;

pub mod agent;
pub mod client;
pub mod detect;
pub mod farm;
pub mod frames;
pub mod ipc;
pub mod joblog;
pub mod notify;
pub mod plan;
pub mod preview;
pub mod progress;
pub mod protocol;
pub mod queue;
pub mod renderer;
pub mod run;
pub mod runner;
pub mod scene;
pub mod session;
pub mod submit;
pub mod text;

pub mod ffi;

pub use error::{Error, ErrorKind, Result};

/// The crate version, as printed by `brm --version` and returned by `brm_version()`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
