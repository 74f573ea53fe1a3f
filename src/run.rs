//! Process supervision: spawn without a shell in its own process group, logs, cancel, timeouts.
//!
//! (Being written: see the owning issue.)

use crate::error::{ErrorKind, Kind};

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Other(String),
}

impl Kind for RunError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Internal
    }
}
