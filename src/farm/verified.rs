//! The frames a farm job's own tasks verified, kept beside the task logs
//! (`<log_dir>/task-NNNN.frames`, one JSON object a line: frame and the files that made it).
//!
//! Why: a farm task is re-run (an engine's requeue after preemption, a wrangler's resubmit
//! of failed tasks) and must not render again what it already rendered, yet a file that
//! merely *exists* in the output folder may be another job's (another version of the shot,
//! an artist's local render) and must never count. So a frame found on disk counts for this
//! job only when this job's node recorded it, and the file is still the one recorded (path,
//! size, modification time) and whole ([`crate::runner::complete`]). Everything else is
//! rendered, and only what that render writes counts (the attempt runner's baseline: the
//! same rule as the agent's).
//!
//! The inode is not compared: nodes see the shared folder through their own mounts, where
//! SMB in particular may give the same file another number on every client.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::FarmJob;
use crate::plan::Task;
use crate::runner::complete::{check, Completeness};
use crate::runner::verify::FileId;

#[derive(Serialize, Deserialize)]
struct Line {
    frame: i64,
    files: Vec<FileId>,
}

/// Where task `index`'s record lives.
pub fn record_path(job: &FarmJob, index: usize) -> PathBuf {
    job.log_dir.join(format!("task-{index:04}.frames"))
}

/// What the task's record says (later lines win; unreadable lines are skipped).
fn load(path: &Path) -> BTreeMap<i64, Vec<FileId>> {
    let mut out = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        return out;
    };
    for l in text.lines() {
        if let Ok(line) = serde_json::from_str::<Line>(l) {
            out.insert(line.frame, line.files);
        }
    }
    out
}

fn same_file(rec: &FileId) -> bool {
    FileId::of(&rec.path).is_some_and(|now| now.len == rec.len && now.mtime_ns == rec.mtime_ns)
}

/// The task's frames this job rendered before whose files are still as recorded and whole.
pub fn still_ours(job: &FarmJob, task: &Task) -> BTreeSet<i64> {
    let wanted: BTreeSet<i64> = task.frames.iter().copied().collect();
    load(&record_path(job, task.index))
        .into_iter()
        .filter(|(f, files)| {
            wanted.contains(f)
                && !files.is_empty()
                && files.iter().all(|id| {
                    same_file(id) && !matches!(check(&id.path), Completeness::Incomplete(_))
                })
        })
        .map(|(f, _)| f)
        .collect()
}

/// Append the frames an attempt of this task verified (its fresh, whole files).
pub fn append(
    job: &FarmJob,
    task: &Task,
    found: &BTreeMap<i64, Vec<PathBuf>>,
) -> std::io::Result<()> {
    if found.is_empty() {
        return Ok(());
    }
    let path = record_path(job, task.index);
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let mut text = String::new();
    for (frame, files) in found {
        let files: Vec<FileId> = files.iter().filter_map(|p| FileId::of(p)).collect();
        let line = Line {
            frame: *frame,
            files,
        };
        if let Ok(s) = serde_json::to_string(&line) {
            text.push_str(&s);
            text.push('\n');
        }
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    f.write_all(text.as_bytes())
}

/// The frame numbers this job's nodes recorded for `task` (for status on the workstation,
/// whose paths to the files may differ from the nodes').
pub fn recorded_frames(job: &FarmJob, task: &Task) -> Vec<i64> {
    let wanted: BTreeSet<i64> = task.frames.iter().copied().collect();
    load(&record_path(job, task.index))
        .into_keys()
        .filter(|f| wanted.contains(f))
        .collect()
}
