//! The per-user list of farm jobs (`<state>/farm/farm-N.json`): which job file, which engine,
//! the engine's own job ids. `brm farm status|cancel|log` and `brm farm list` read it; the
//! job itself lives in the shared job folder, so a record is only a pointer.
//!
//! State comes from two places: the engine (queued, running, failed, cancelled) and the
//! outputs on the shared filesystem (which frames exist), the same verification the nodes do.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use super::taskstate::FarmState;
use super::{Engine, FarmError, FarmJob};
use crate::paths::Paths;
use crate::runner::verify;

/// One engine-side job of a farm job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineJob {
    /// The layer's safe name, `post` for the post task, `job` for a whole-job submission.
    pub layer: String,
    /// The engine's id (Slurm job id, Deadline JobID, OpenCue job name, …).
    pub id: String,
}

/// What `brm farm submit` remembers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FarmRecord {
    pub id: String,
    pub name: String,
    pub engine: Engine,
    pub job_file: PathBuf,
    #[serde(default)]
    pub engine_ids: Vec<EngineJob>,
    pub submitted_ms: i64,
    /// False when the files were only written (`--dry-run`, or no engine tool here).
    pub submitted: bool,
}

/// One task as the engine and the outputs see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TaskStatus {
    pub index: usize,
    pub layer: String,
    /// Where it stands (`taskstate`): the engine's word, else the node's task log, else
    /// the frames on disk.
    pub state: FarmState,
    /// The engine's word for it (`COMPLETED`, `RUNNING`, …), when asked.
    pub engine_state: Option<String>,
    pub frames_done: usize,
    pub frames: usize,
}

/// `brm farm status`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FarmStatus {
    pub id: String,
    pub name: String,
    pub engine: Engine,
    pub state: FarmState,
    pub engine_ids: Vec<EngineJob>,
    pub frames_done: usize,
    pub frames_total: usize,
    pub missing: String,
    pub tasks: Vec<TaskStatus>,
    pub job_file: PathBuf,
    pub log_dir: PathBuf,
}

fn dir(paths: &Paths) -> PathBuf {
    paths.state.join("farm")
}

impl FarmRecord {
    /// Reserve the next `farm-N` (created exclusively, so two submits never share one).
    pub fn allocate_id(paths: &Paths) -> Result<String, FarmError> {
        let d = dir(paths);
        std::fs::create_dir_all(&d)
            .map_err(|e| FarmError::io("cannot create the farm job list", &d, e))?;
        let mut n = list_ids(paths).into_iter().max().unwrap_or(0) + 1;
        loop {
            let p = d.join(format!("farm-{n}.json"));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&p)
            {
                Ok(_) => return Ok(format!("farm-{n}")),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
                Err(e) => return Err(FarmError::io("cannot create", &p, e)),
            }
        }
    }

    pub fn save(&self, paths: &Paths) -> Result<(), FarmError> {
        let p = dir(paths).join(format!("{}.json", self.id));
        let text =
            serde_json::to_string_pretty(self).map_err(|e| FarmError::Invalid(e.to_string()))?;
        std::fs::write(&p, text).map_err(|e| FarmError::io("cannot write", &p, e))
    }

    /// Find a farm job by its id (`farm-3` or `3`), or by its job folder or job file.
    pub fn find(paths: &Paths, name: &str) -> Result<(FarmRecord, FarmJob), FarmError> {
        let id = if name.chars().all(|c| c.is_ascii_digit()) && !name.is_empty() {
            format!("farm-{name}")
        } else {
            name.to_string()
        };
        let p = dir(paths).join(format!("{id}.json"));
        if id.starts_with("farm-") && p.is_file() {
            let text =
                std::fs::read_to_string(&p).map_err(|e| FarmError::io("cannot read", &p, e))?;
            let rec: FarmRecord =
                serde_json::from_str(&text).map_err(|e| FarmError::BadJobFile {
                    path: p.clone(),
                    why: e.to_string(),
                })?;
            let job = FarmJob::load(&rec.job_file)?;
            return Ok((rec, job));
        }
        let path = Path::new(name);
        if path.exists() {
            let job = FarmJob::load(path)?;
            let rec = FarmRecord {
                id: job.id.clone(),
                name: job.name.clone(),
                engine: job.engine,
                job_file: job.file(),
                engine_ids: Vec::new(),
                submitted_ms: job.created_ms,
                submitted: false,
            };
            // A record of the same id knows the engine ids.
            if let Ok((r, _)) = Self::find(paths, &job.id) {
                if r.job_file == rec.job_file {
                    return Ok((r, job));
                }
            }
            return Ok((rec, job));
        }
        Err(FarmError::NoSuchJob {
            name: name.chars().take(80).collect(),
        })
    }

    /// Every farm job of this user, oldest first.
    pub fn list(paths: &Paths) -> Vec<FarmRecord> {
        let mut ids = list_ids(paths);
        ids.sort_unstable();
        ids.into_iter()
            .filter_map(|n| {
                let p = dir(paths).join(format!("farm-{n}.json"));
                serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()
            })
            .collect()
    }
}

fn list_ids(paths: &Paths) -> Vec<u64> {
    let Ok(rd) = std::fs::read_dir(dir(paths)) else {
        return Vec::new();
    };
    rd.filter_map(|e| {
        let n = e.ok()?.file_name().into_string().ok()?;
        n.strip_prefix("farm-")?.strip_suffix(".json")?.parse().ok()
    })
    .collect()
}

/// Frames of each task that this job's nodes verified and that still exist on the shared
/// filesystem (a file of another job with the same name never counts: `verified`).
pub fn frames_on_disk(job: &FarmJob) -> Vec<usize> {
    let mut endings = Vec::new();
    job.tasks
        .iter()
        .map(|t| {
            let ours = super::verified::recorded_frames(job, t);
            verify::find_outputs_cached(t, &ours, &mut endings).len()
        })
        .collect()
}

/// Combine the engine's per-task words (None: not asked) with the nodes' task logs and the
/// outputs on disk (`taskstate`).
pub fn status_of(
    rec: &FarmRecord,
    job: &FarmJob,
    engine_states: Option<Vec<Option<String>>>,
    state_of: fn(&str) -> FarmState,
) -> FarmStatus {
    let mut endings = Vec::new();
    let mut tasks = Vec::new();
    let mut missing = Vec::new();
    let mut frames_done = 0;
    for (i, t) in job.tasks.iter().enumerate() {
        let es = engine_states
            .as_ref()
            .and_then(|v| v.get(i).cloned().flatten());
        // Only frames this job's nodes verified count (`verified`), done and missing alike.
        let ours = super::verified::recorded_frames(job, t);
        let found = verify::find_outputs_cached(t, &ours, &mut endings);
        missing.extend(t.frames.iter().filter(|f| !found.contains_key(f)));
        let done = found.len();
        frames_done += done;
        let state = super::taskstate::task_state(
            rec.submitted,
            es.as_deref().map(state_of),
            super::taskstate::from_node_log(&job.task_log(t.index), t.index),
            done >= t.frames.len(),
        );
        tasks.push(TaskStatus {
            index: i,
            layer: t.layer_display.clone(),
            state,
            engine_state: es,
            frames_done: done,
            frames: t.frames.len(),
        });
    }
    let total = job.frames_total();
    let states: Vec<FarmState> = tasks.iter().map(|t| t.state).collect();
    let state = super::taskstate::job_state(&states, frames_done == total);
    FarmStatus {
        id: rec.id.clone(),
        name: rec.name.clone(),
        engine: rec.engine,
        state,
        engine_ids: rec.engine_ids.clone(),
        frames_done,
        frames_total: total,
        missing: crate::frames::FrameSet::from_frames(missing).compact(),
        tasks,
        job_file: job.file(),
        log_dir: job.log_dir.clone(),
    }
}
