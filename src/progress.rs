//! Per-renderer log parsers: frame started/finished, percent, fatal lines.
//!
//! (Being written: see the owning issue.)

use crate::error::{ErrorKind, Kind};

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("{0}")]
    Other(String),
}

impl Kind for ProgressError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Internal
    }
}
