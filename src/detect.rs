//! System detection: GPUs (NVML, nvidia-smi), CPUs, memory, Maya and Blender installs.
//!
//! (Being written: see the owning issue.)

use crate::error::{ErrorKind, Kind};

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error("{0}")]
    Other(String),
}

impl Kind for DetectError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Internal
    }
}
pub fn clear_cache() {}
