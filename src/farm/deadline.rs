//! placeholder
use super::record::EngineJob;
use super::{FarmError, FarmJob};
use std::path::PathBuf;
pub struct DeadlineFiles {
    pub files: Vec<PathBuf>,
    pub commands: Vec<String>,
}
pub fn emit(_job: &FarmJob, _cl: bool) -> Result<DeadlineFiles, FarmError> {
    Err(FarmError::Invalid("deadline: not yet".into()))
}
pub fn available() -> bool {
    false
}
pub fn submit(_f: &DeadlineFiles) -> Result<Vec<EngineJob>, FarmError> {
    Ok(vec![])
}
pub fn cancel(_ids: &[EngineJob]) -> Result<(), FarmError> {
    Ok(())
}
