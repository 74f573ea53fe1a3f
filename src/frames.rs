//! Frame sets (DESIGN §4): parse, count, expand lazily, compact.
//!
//! (Being written: see the owning issue.)

use crate::error::{ErrorKind, Kind};

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("{0}")]
    Other(String),
}

impl Kind for FrameError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Internal
    }
}
