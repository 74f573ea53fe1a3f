//! placeholder
use super::{FarmError, FarmJob};
use std::path::PathBuf;
pub struct OpenJdFiles {
    pub files: Vec<PathBuf>,
    pub commands: Vec<String>,
}
pub fn emit(_job: &FarmJob) -> Result<OpenJdFiles, FarmError> {
    Err(FarmError::Invalid("openjd: not yet".into()))
}
