//! Client side of the agent protocol (the full client is being wired in).

use crate::error::{ErrorKind, Kind};

/// Errors of the client side.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Other(String),
}

impl Kind for ClientError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Unavailable
    }
}
