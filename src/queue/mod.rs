//! The queue: jobs become tasks on GPU slots; renders are supervised, their logs ingested,
//! their frames verified; failures fall back or retry; everything persists in SQLite.
//!
//! - [`types`]: states and the summaries clients see.
//! - [`store`]: the SQLite schema, migrations and writes.
//! - [`joblog`]: a job's log file (numbered lines) and its in-memory tail.
//! - [`engine`]: the scheduler and supervisor loop hosting all of the above.
//! - `verify` (now `runner::verify`): which expected frame files exist.

pub mod engine;
mod env_retention;
pub mod store;
pub mod tasklines;

use std::path::PathBuf;

use crate::error::{ErrorKind, Kind};

pub use engine::{Engine, EngineConfig};

/// Errors of the queue.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue database {path}: {message}")]
    Database { path: PathBuf, message: String },
    #[error("no job {0} in this queue; `brm jobs` lists the jobs")]
    NoSuchJob(u64),
    #[error("job {id} has no task {task}: its tasks are {valid} (`brm status {id}` lists them)")]
    NoSuchTask { id: u64, task: u32, valid: String },
    #[error("job {id} is {state}; {hint}")]
    InvalidState {
        id: u64,
        state: String,
        hint: String,
    },
    #[error("job has nothing to render: {0}")]
    Empty(String),
    #[error("timed out after {0} ms waiting for job {1}")]
    Timeout(u64, u64),
    #[error("no space left on {dir}: brm's queue cannot record anything; free some space there (running renders go on, queued jobs resume by themselves)")]
    DiskFull { dir: PathBuf },
    #[error("the render engine stopped unexpectedly (internal lock poisoned); restart the agent with `brm agent stop`")]
    Poisoned,
}

impl Kind for QueueError {
    fn kind(&self) -> ErrorKind {
        match self {
            QueueError::Database { .. } | QueueError::DiskFull { .. } => ErrorKind::Io,
            QueueError::NoSuchJob(_) | QueueError::NoSuchTask { .. } => ErrorKind::NotFound,
            QueueError::InvalidState { .. } | QueueError::Empty(_) => ErrorKind::InvalidArgument,
            QueueError::Timeout(..) => ErrorKind::Timeout,
            QueueError::Poisoned => ErrorKind::Internal,
        }
    }
}

impl crate::error::ModuleError for QueueError {}

impl QueueError {
    pub(crate) fn db(path: &std::path::Path, e: rusqlite::Error) -> QueueError {
        QueueError::Database {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}
