//! Which task each job-log line came from, so `brm log JOB --task N` can show one task of a
//! job whose tasks render side by side. Kept beside the job log (`job-N.tasks`) as ranges of
//! sequence numbers, `first \t last \t task` per line, appended as they grow: a range written
//! twice is read back once with its largest end. The job log's own format stays unchanged.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    first: u64,
    last: u64,
    task: u32,
}

/// The line → task ranges of one job.
#[derive(Debug)]
pub struct TaskLines {
    path: PathBuf,
    ranges: Vec<Range>,
    /// Ranges from this index on are not on disk as they are now.
    dirty_from: usize,
}

impl TaskLines {
    /// The index beside `log_path` (`job-N.log` → `job-N.tasks`), read back if it exists.
    pub fn open(log_path: &Path) -> TaskLines {
        let path = log_path.with_extension("tasks");
        let mut by_first: BTreeMap<u64, Range> = BTreeMap::new();
        if let Ok(text) = std::fs::read_to_string(&path) {
            for line in text.lines() {
                let mut p = line.split('\t').map(|x| x.parse::<u64>().ok());
                if let (Some(Some(first)), Some(Some(last)), Some(Some(task))) =
                    (p.next(), p.next(), p.next())
                {
                    let task = u32::try_from(task).unwrap_or(u32::MAX);
                    let e = by_first.entry(first).or_insert(Range { first, last, task });
                    e.last = e.last.max(last);
                }
            }
        }
        let ranges: Vec<Range> = by_first.into_values().collect();
        let dirty_from = ranges.len();
        TaskLines {
            path,
            ranges,
            dirty_from,
        }
    }

    /// A new, empty index for a new job log (a stale file of a reused job id is removed).
    pub fn create(log_path: &Path) -> TaskLines {
        let _ = std::fs::remove_file(log_path.with_extension("tasks"));
        TaskLines::open(log_path)
    }

    /// Line `seq` came from task `task`.
    pub fn record(&mut self, seq: u64, task: u32) {
        if let Some(r) = self.ranges.last_mut() {
            if r.task == task && seq > r.last {
                r.last = seq;
                self.dirty_from = self.dirty_from.min(self.ranges.len() - 1);
                return;
            }
            if self.task_of(seq) == Some(task) {
                return; // re-ingested after a restart: already known
            }
        }
        self.ranges.push(Range {
            first: seq,
            last: seq,
            task,
        });
        self.dirty_from = self.dirty_from.min(self.ranges.len() - 1);
    }

    /// The task line `seq` came from; `None` for brm's job-wide notes.
    pub fn task_of(&self, seq: u64) -> Option<u32> {
        let i = self.ranges.partition_point(|r| r.first <= seq);
        let r = self.ranges.get(i.checked_sub(1)?)?;
        (seq <= r.last).then_some(r.task)
    }

    /// Append what changed since the last flush.
    pub fn flush(&mut self) -> std::io::Result<()> {
        if self.dirty_from >= self.ranges.len() {
            return Ok(());
        }
        let mut text = String::new();
        for r in &self.ranges[self.dirty_from..] {
            text.push_str(&format!("{}\t{}\t{}\n", r.first, r.last, r.task));
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        f.write_all(text.as_bytes())?;
        self.dirty_from = self.ranges.len();
        Ok(())
    }

    /// Remove the file (the job is forgotten).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_survive_a_reopen_and_interleaved_tasks_stay_apart() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("job-1.log");
        let mut t = TaskLines::open(&log);
        for s in 1..=3 {
            t.record(s, 0);
        }
        t.flush().unwrap();
        t.record(4, 0); // grows the range already written
        t.record(5, 1);
        t.record(7, 0); // 6 is a job-wide note
        t.flush().unwrap();
        let back = TaskLines::open(&log);
        let tasks: Vec<Option<u32>> = (1..=8).map(|s| back.task_of(s)).collect();
        assert_eq!(
            tasks,
            vec![
                Some(0),
                Some(0),
                Some(0),
                Some(0),
                Some(1),
                None,
                Some(0),
                None
            ]
        );
    }
}
