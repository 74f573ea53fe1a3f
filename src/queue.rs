//! The queue: scheduler, persistence in SQLite, fallback, retries, verification.
//!
//! (Being written: see the owning issue.)

use crate::error::{ErrorKind, Kind};

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("{0}")]
    Other(String),
}

impl Kind for QueueError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Internal
    }
}
