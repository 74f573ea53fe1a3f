//! Following a farm job's numbered task logs over the shared filesystem (`brm farm log`):
//! each node appends `<log_dir>/task-NNNN.log`; a reader keeps, per file, the last sequence
//! number it printed, so following never repeats or skips a line.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::PathBuf;

use super::FarmJob;
use crate::protocol::jobs::LogRecord;

/// Where a follower stands in each task log.
#[derive(Default, Debug)]
pub struct Cursors {
    after: BTreeMap<PathBuf, u64>,
}

/// One line of a farm job's logs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FarmLine {
    /// The task index, None for the post task.
    pub task: Option<usize>,
    #[serde(flatten)]
    pub record: LogRecord,
}

/// New lines of every task log (or of `only` that task), task by task in index order.
pub fn read_new(job: &FarmJob, cursors: &mut Cursors, only: Option<usize>) -> Vec<FarmLine> {
    let mut out = Vec::new();
    let mut files: Vec<(Option<usize>, PathBuf)> = (0..job.tasks.len())
        .filter(|i| only.is_none_or(|o| o == *i))
        .map(|i| (Some(i), job.task_log(i)))
        .collect();
    if only.is_none() {
        files.push((None, job.log_dir.join("post.log")));
    }
    for (task, p) in files {
        let Ok(f) = std::fs::File::open(&p) else {
            continue;
        };
        let after = cursors.after.get(&p).copied().unwrap_or(0);
        let Ok(recs) = crate::joblog::read_records(BufReader::new(f), after, 100_000) else {
            continue;
        };
        if let Some(last) = recs.last() {
            cursors.after.insert(p.clone(), last.seq);
        }
        out.extend(recs.into_iter().map(|record| FarmLine { task, record }));
    }
    out
}
