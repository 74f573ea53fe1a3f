//! Scenes: snapshots, retention, Maya ASCII inspection.
//!
//! (Being written: see the owning issue.)

use crate::error::{ErrorKind, Kind};

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    #[error("{0}")]
    Other(String),
}

impl Kind for SceneError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Internal
    }
}
