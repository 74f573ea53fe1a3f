//! Where one farm task stands, for `brm farm status`: the engine's word when brm can ask the
//! engine (Slurm), else what the node itself wrote in the task's log on the shared filesystem
//! (every engine: the node's `brm task run` starts, ends and cancels with a note), else the
//! frames on disk. A task line never shows `-`.
//!
//! The node's end notes are written with the functions here, so the words the status reads
//! are the words the node wrote.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Where a farm job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FarmState {
    /// Files written, nothing submitted.
    Written,
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
    /// Nothing says (an engine word brm does not know, and no node's task log).
    Unknown,
}

impl FarmState {
    pub fn as_str(self) -> &'static str {
        match self {
            FarmState::Written => "written",
            FarmState::Queued => "queued",
            FarmState::Running => "running",
            FarmState::Done => "done",
            FarmState::Failed => "failed",
            FarmState::Cancelled => "cancelled",
            FarmState::Unknown => "unknown",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            FarmState::Done | FarmState::Failed | FarmState::Cancelled | FarmState::Written
        )
    }
}

/// The note a node writes when it starts a task (`brm task run`).
pub fn start_note(job: &str, index: usize, from: &str, rest: &str) -> String {
    format!("farm job {job} task {index} ({from}) {rest}")
}

/// The note a node writes when every frame of a task is verified.
pub fn done_note(index: usize, rest: &str) -> String {
    format!("task {index} done: {rest}")
}

/// The note a node writes when a task ends with frames missing.
pub fn failed_note(index: usize, rest: &str) -> String {
    format!("task {index} failed: {rest}")
}

/// The note a node writes when its task was stopped (the engine cancelled it).
pub fn cancelled_note(rest: &str) -> String {
    format!("cancelled; {rest}")
}

/// The state the node's last start or end note in the task log says (None: no log, or no
/// such note: no node has started the task). A node stopped without a word (SIGKILL, a lost
/// node) stays "running" here; where the engine can be asked, its word comes first.
pub fn from_node_log(path: &Path, index: usize) -> Option<FarmState> {
    let tail = read_tail(path, 64 * 1024)?;
    let start = format!(" task {index} (");
    let done = done_note(index, "");
    let failed = failed_note(index, "");
    let cancelled = cancelled_note("");
    for line in tail.lines().rev() {
        // `seq \t stream \t ms \t text`; brm's notes are stream 1.
        let mut parts = line.splitn(4, '\t');
        let (_, stream, _, text) = (parts.next(), parts.next(), parts.next(), parts.next());
        let (Some("1"), Some(text)) = (stream, text) else {
            continue;
        };
        if text.starts_with(&done) {
            return Some(FarmState::Done);
        }
        if text.starts_with(&failed) {
            return Some(FarmState::Failed);
        }
        if text.starts_with(&cancelled) {
            return Some(FarmState::Cancelled);
        }
        if text.starts_with("farm job ") && text.contains(&start) {
            return Some(FarmState::Running);
        }
    }
    None
}

fn read_tail(path: &Path, max: u64) -> Option<String> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    let from = len.saturating_sub(max);
    f.seek(SeekFrom::Start(from)).ok()?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    // A cut first line is not a record.
    Some(if from > 0 {
        text.split_once('\n')
            .map(|(_, r)| r.to_string())
            .unwrap_or_default()
    } else {
        text
    })
}

/// One task's state from what is known of it.
///
/// * `submitted`: false when the files were only written.
/// * `engine`: the engine's word mapped to a state (None: not asked, or not known to it).
/// * `node`: what the node's task log says (`from_node_log`).
/// * `complete`: every frame of the task is verified on disk.
///
/// The frames are the truth: a complete task is done whatever the engine says; an engine or
/// node that says done while frames are missing (deleted since, or never written) is failed.
pub fn task_state(
    submitted: bool,
    engine: Option<FarmState>,
    node: Option<FarmState>,
    complete: bool,
) -> FarmState {
    if complete {
        return FarmState::Done;
    }
    if !submitted {
        return FarmState::Written;
    }
    let said = match engine {
        Some(s) if s != FarmState::Unknown => Some(s),
        _ => node,
    };
    match said {
        Some(FarmState::Done) => FarmState::Failed,
        Some(s) => s,
        // Submitted, and no node has started it.
        None => FarmState::Queued,
    }
}

/// The job's state from its tasks' states: anything still running or queued first, then
/// the frames (all there: done), then cancelled, then failed.
pub fn job_state(tasks: &[FarmState], all_frames: bool) -> FarmState {
    let any = |s: FarmState| tasks.contains(&s);
    if any(FarmState::Running) {
        FarmState::Running
    } else if any(FarmState::Queued) {
        FarmState::Queued
    } else if all_frames {
        FarmState::Done
    } else if any(FarmState::Written) {
        FarmState::Written
    } else if any(FarmState::Cancelled) {
        FarmState::Cancelled
    } else if any(FarmState::Failed) {
        FarmState::Failed
    } else {
        FarmState::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FarmState::*;

    #[test]
    fn a_task_state_comes_from_engine_then_node_then_frames() {
        let table = [
            // submitted, engine, node, complete => state
            (false, None, None, false, Written),
            (false, None, None, true, Done),
            (true, None, None, false, Queued),
            (true, None, None, true, Done),
            (true, Some(Running), None, false, Running),
            (true, Some(Queued), Some(Running), false, Queued),
            (true, Some(Unknown), Some(Running), false, Running),
            (true, None, Some(Running), false, Running),
            (true, None, Some(Failed), false, Failed),
            (true, None, Some(Cancelled), false, Cancelled),
            (true, Some(Done), None, false, Failed),
            (true, None, Some(Done), false, Failed),
            (true, Some(Failed), Some(Failed), true, Done),
        ];
        for (submitted, engine, node, complete, want) in table {
            assert_eq!(
                task_state(submitted, engine, node, complete),
                want,
                "{submitted} {engine:?} {node:?} {complete}"
            );
        }
    }

    #[test]
    fn a_job_state_comes_from_its_tasks() {
        assert_eq!(job_state(&[Done, Running], false), Running);
        assert_eq!(job_state(&[Done, Queued], false), Queued);
        assert_eq!(job_state(&[Done, Done], true), Done);
        assert_eq!(job_state(&[Written, Written], false), Written);
        assert_eq!(job_state(&[Failed, Cancelled], false), Cancelled);
        assert_eq!(job_state(&[Done, Failed], false), Failed);
        assert_eq!(job_state(&[], true), Done);
    }

    fn log(lines: &[(u32, &str)]) -> tempfile::NamedTempFile {
        use std::io::Write;
        let mut f = tempfile::NamedTempFile::new().unwrap();
        for (i, (stream, text)) in lines.iter().enumerate() {
            writeln!(f, "{}\t{stream}\t0\t{text}", i + 1).unwrap();
        }
        f
    }

    #[test]
    fn the_node_log_says_where_its_task_stands() {
        let start = start_note("farm-1", 3, "--task", "on node1: layer beauty, frames 1-4");
        let f = log(&[(1, &start), (0, "Fra:1 Mem:12M")]);
        assert_eq!(from_node_log(f.path(), 3), Some(Running));
        let f = log(&[(1, &start), (1, &done_note(3, "4/4 frames verified in /x"))]);
        assert_eq!(from_node_log(f.path(), 3), Some(Done));
        let f = log(&[(1, &start), (1, &failed_note(3, "frames 2-4 missing"))]);
        assert_eq!(from_node_log(f.path(), 3), Some(Failed));
        let f = log(&[
            (1, &start),
            (1, &cancelled_note("frames 2-4 were not rendered")),
        ]);
        assert_eq!(from_node_log(f.path(), 3), Some(Cancelled));
        // A re-run after a failure: the last start counts.
        let f = log(&[(1, &start), (1, &failed_note(3, "x")), (1, &start)]);
        assert_eq!(from_node_log(f.path(), 3), Some(Running));
        // The renderer printing brm's words is not brm's note.
        let f = log(&[(1, &start), (0, "task 3 done: fake")]);
        assert_eq!(from_node_log(f.path(), 3), Some(Running));
        let f = log(&[(1, "something else")]);
        assert_eq!(from_node_log(f.path(), 3), None);
        assert_eq!(
            from_node_log(Path::new("/nonexistent/task-0003.log"), 3),
            None
        );
    }
}
