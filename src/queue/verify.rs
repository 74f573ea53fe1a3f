//! Output verification: a frame is done when its file exists and is not empty.
//!
//! brm chooses every output name (DESIGN §3), so for each task and frame it knows the file
//! prefix `<image_name>.<padded frame>.`; the extension is whatever the renderer wrote.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::plan::{expected_file_prefix, Task};

/// The non-empty files found for each of `frames` in the task's output directory.
/// Frames with no file are absent from the map.
pub fn find_outputs(task: &Task, frames: &[i64]) -> BTreeMap<i64, Vec<PathBuf>> {
    let wanted: HashMap<String, i64> = frames.iter().map(|&f| (expected_file_prefix(task, f), f)).collect();
    let mut found: BTreeMap<i64, Vec<PathBuf>> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(&task.output_dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some((stem, _ext)) = name.rsplit_once('.') else { continue };
        let key = format!("{stem}.");
        let Some(&frame) = wanted.get(&key) else { continue };
        let non_empty = entry.metadata().map(|m| m.is_file() && m.len() > 0).unwrap_or(false);
        if non_empty {
            found.entry(frame).or_default().push(entry.path());
        }
    }
    found
}

/// Whether `path` is inside `dir` (used to accept renderer-reported files).
pub fn is_within(path: &Path, dir: &Path) -> bool {
    path.starts_with(dir)
}
