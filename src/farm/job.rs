//! The engine-neutral farm job: one versioned JSON file (`brm-farm-job.json`) written beside
//! the engine files. Every emitter reads only this, and every node (`brm task run`) renders
//! from it, so what a farm runs is exactly what the file says — a TD can read or edit it.
//!
//! The tasks are planned once, at submit (layer × chunk, output names brm decides), and stored
//! whole: a node does not re-plan, so all nodes agree on frames and file names even when they
//! run another brm build or cannot read the artist's scene inspection.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::pathmap::PathRule;
use super::{Engine, FarmError};
use crate::plan::{JobSpec, Task};

/// Version of the job file; a node refuses a newer one with a message.
pub const FARM_JOB_SCHEMA: u32 = 1;
/// The job file's name inside the job folder.
pub const FARM_JOB_FILE: &str = "brm-farm-job.json";
/// Frames per farm task when the user gives no `--chunk` (a scene load per 10 frames).
pub const DEFAULT_FARM_CHUNK: u32 = 10;

/// What each task asks the engine for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resources {
    /// GPUs per task (`--gres=gpu:N`, `GPUsPerTask`, `<gpus>`, `amount.worker.gpu`).
    pub gpus_per_task: u32,
    pub cpus_per_task: u32,
    /// Memory per task in MiB (None = the engine's default).
    #[serde(default)]
    pub memory_mb: Option<u64>,
    /// GPU memory per task in MiB (OpenCue `<gpu_memory>`, OpenJD `amount.worker.vram`).
    #[serde(default)]
    pub gpu_memory_mb: Option<u64>,
    /// Wall-clock limit per task in seconds.
    #[serde(default)]
    pub time_limit_s: Option<u64>,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            gpus_per_task: 1,
            cpus_per_task: 1,
            memory_mb: None,
            gpu_memory_mb: None,
            time_limit_s: None,
        }
    }
}

/// One render layer of the farm job: its tasks (indices into [`FarmJob::tasks`]) form one
/// engine-side group (a Slurm array job, a Deadline job of the batch, an OpenCue layer, an
/// OpenJD step).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FarmLayer {
    /// The layer as users see it ("" for a `.blend`'s view layers as set up in the file).
    pub display: String,
    /// A name engines accept: ≥ 3 characters of `[A-Za-z0-9_.-]`, unique in the job.
    pub safe_name: String,
    /// Tasks of this layer, in order; their indices are consecutive.
    pub tasks: Vec<usize>,
}

impl FarmLayer {
    /// First and last task index (the array range of this layer).
    pub fn range(&self) -> (usize, usize) {
        (
            self.tasks.first().copied().unwrap_or(0),
            self.tasks.last().copied().unwrap_or(0),
        )
    }
}

/// The farm job file (see the module doc).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FarmJob {
    pub schema: u32,
    /// brm's name for it (`farm-7`), also the prefix of engine job names.
    pub id: String,
    /// Job name (the scene's stem unless given), as engines show it; safe characters only.
    pub name: String,
    pub engine: Engine,
    pub created_ms: i64,
    /// What every node renders: `scene` is the copy in the shared scene folder, `env` what
    /// the submitter's environment gives the render (the node adds GPU pinning).
    pub spec: JobSpec,
    /// The artist's own scene (never modified, never read by a node).
    pub source_scene: PathBuf,
    pub tasks: Vec<Task>,
    pub layers: Vec<FarmLayer>,
    pub resources: Resources,
    pub priority: i32,
    /// Deadline pool / OpenCue facility-less "show" grouping / Slurm partition: each engine
    /// uses the one it has.
    #[serde(default)]
    pub pool: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub partition: Option<String>,
    /// A post task after all layers: `brm task run --post` checks every frame exists.
    #[serde(default)]
    pub post_task: bool,
    /// Path mapping applied on the node (and emitted where the engine maps paths itself).
    #[serde(default)]
    pub path_map: Vec<PathRule>,
    /// The brm program every node runs (a shared install or the same path on every node).
    pub brm: PathBuf,
    /// The folder of this file, the scene copy and the engine files.
    pub job_dir: PathBuf,
    /// Where nodes append their numbered task logs (beside the outputs).
    pub log_dir: PathBuf,
}

impl FarmJob {
    /// Group tasks into layers with engine-safe unique names.
    pub fn layers_of(tasks: &[Task]) -> Vec<FarmLayer> {
        let mut layers: Vec<FarmLayer> = Vec::new();
        for t in tasks {
            match layers.iter_mut().find(|l| l.display == t.layer_display) {
                Some(l) => l.tasks.push(t.index),
                None => layers.push(FarmLayer {
                    display: t.layer_display.clone(),
                    safe_name: String::new(),
                    tasks: vec![t.index],
                }),
            }
        }
        let mut used: Vec<String> = Vec::new();
        for (i, l) in layers.iter_mut().enumerate() {
            let base = if l.display.is_empty() {
                "render".to_string()
            } else {
                safe_name(&l.display)
            };
            let mut name = base.clone();
            if used.contains(&name) {
                name = format!("{base}_{i}");
            }
            used.push(name.clone());
            l.safe_name = name;
        }
        layers
    }

    /// The job file's path.
    pub fn file(&self) -> PathBuf {
        self.job_dir.join(FARM_JOB_FILE)
    }

    /// Write the job file (pretty JSON, so it reads and diffs well).
    pub fn save(&self) -> Result<PathBuf, FarmError> {
        let path = self.file();
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| FarmError::Invalid(format!("cannot serialize the farm job: {e}")))?;
        super::write_shared(&path, (text + "\n").as_bytes())
            .map_err(|e| FarmError::io("cannot write the farm job file", &path, e))?;
        Ok(path)
    }

    /// Read a job file (or the job file of a job folder).
    pub fn load(path: &Path) -> Result<FarmJob, FarmError> {
        let path = if path.is_dir() {
            path.join(FARM_JOB_FILE)
        } else {
            path.to_path_buf()
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| FarmError::io("cannot read the farm job file", &path, e))?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| FarmError::BadJobFile {
                path: path.clone(),
                why: e.to_string(),
            })?;
        let schema = v.get("schema").and_then(|s| s.as_u64()).unwrap_or(0);
        if schema == 0 || schema > u64::from(FARM_JOB_SCHEMA) {
            return Err(FarmError::BadJobFile {
                path,
                why: format!(
                    "schema {schema}, this brm reads schema 1 to {FARM_JOB_SCHEMA}; install the brm that wrote it on the nodes"
                ),
            });
        }
        serde_json::from_value(v).map_err(|e| FarmError::BadJobFile {
            path,
            why: e.to_string(),
        })
    }

    pub fn task(&self, index: usize) -> Result<&Task, FarmError> {
        self.tasks.get(index).ok_or(FarmError::NoSuchTask {
            index,
            last: self.tasks.len().saturating_sub(1),
        })
    }

    /// The numbered log of a task (`seq \t stream \t time_ms \t text`, as the agent's job
    /// logs), beside the outputs.
    pub fn task_log(&self, index: usize) -> PathBuf {
        self.log_dir.join(format!("task-{index:04}.log"))
    }

    /// The raw render output of a task's attempts.
    pub fn render_log(&self, index: usize) -> PathBuf {
        self.log_dir.join(format!("task-{index:04}.render.log"))
    }

    /// Every frame of the job.
    pub fn frames_total(&self) -> usize {
        self.tasks.iter().map(|t| t.frames.len()).sum()
    }

    /// The argv a node runs for one task; `task` is the engine's token for the index
    /// (`"{{Task.Param.Task}}"`, `"#IFRAME#"`, `"<STARTFRAME>"`) or None when the engine
    /// passes it in a variable (Slurm's `SLURM_ARRAY_TASK_ID`).
    pub fn node_argv(&self, task: Option<&str>) -> Vec<String> {
        let mut a = vec![
            self.brm.display().to_string(),
            "task".into(),
            "run".into(),
            "--job".into(),
            self.file().display().to_string(),
        ];
        if let Some(t) = task {
            a.extend(["--task".into(), t.to_string()]);
        }
        a
    }

    /// The argv of the post task.
    pub fn post_argv(&self) -> Vec<String> {
        let mut a = self.node_argv(None);
        a.push("--post".into());
        a
    }
}

/// A name farm engines accept: `[A-Za-z0-9_.-]`, other characters become `_`, at least 3
/// characters (Cuebot's rule for show, shot and layer names), at most 60.
pub fn safe_name(s: &str) -> String {
    let mut n: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    while n.len() < 3 {
        n.push('_');
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_meet_cuebot_rules() {
        assert_eq!(safe_name("a"), "a__");
        assert_eq!(safe_name("rs_beauty"), "rs_beauty");
        assert_eq!(safe_name("it's \"x\"; $(y)"), "it_s__x_____y_");
    }

    fn task(i: usize, layer: &str) -> Task {
        Task {
            index: i,
            layer: layer.into(),
            layer_display: layer.into(),
            frames: vec![i as i64],
            output_dir: PathBuf::from("/out"),
            image_name: "x".into(),
            padding: 4,
            renderer: None,
        }
    }

    #[test]
    fn layers_group_consecutive_tasks_with_unique_names() {
        let t = [task(0, "a b"), task(1, "a b"), task(2, "a_b"), task(3, "")];
        let l = FarmJob::layers_of(&t);
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].tasks, vec![0, 1]);
        assert_eq!(l[0].safe_name, "a_b");
        assert_eq!(l[1].safe_name, "a_b_1");
        assert_eq!(l[2].safe_name, "render");
        assert_eq!(l[0].range(), (0, 1));
    }
}
