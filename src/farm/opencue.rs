//! placeholder
use super::record::EngineJob;
use super::{FarmError, FarmJob};
use std::path::{Path, PathBuf};
pub fn emit(_job: &FarmJob) -> Result<PathBuf, FarmError> {
    Err(FarmError::Invalid("opencue: not yet".into()))
}
pub fn launch_hint(_p: &Path) -> String {
    String::new()
}
pub fn available() -> bool {
    false
}
pub fn submit(_f: &Path) -> Result<Vec<EngineJob>, FarmError> {
    Ok(vec![])
}
