//! Client side of the agent protocol.
//!
//! (Being written: see the owning issue.)

use crate::error::{ErrorKind, Kind};

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Other(String),
}

impl Kind for ClientError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Internal
    }
}
