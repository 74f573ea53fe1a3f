//! Plans: a job becomes tasks (layer x chunk), each with its argv and environment per method.
//!
//! (Being written: see the owning issue.)

use crate::error::{ErrorKind, Kind};

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    Other(String),
}

impl Kind for PlanError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Internal
    }
}
