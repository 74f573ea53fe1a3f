//! Job documents of the agent protocol: job and task states and the summaries clients see.
//! The queue produces them (and stores the states as text); clients read them typed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a job is in its life. Stored as text in SQLite; numbered for the C ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
    Paused,
}

impl JobState {
    /// Every state, in `brm_job_state` order (the C ABI's and the readers' lists).
    pub const ALL: [JobState; 6] = [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Failed,
        JobState::Cancelled,
        JobState::Paused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
            JobState::Paused => "paused",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        Some(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            "cancelled" => JobState::Cancelled,
            "paused" => JobState::Paused,
            _ => return None,
        })
    }

    /// The number the C ABI uses (`brm_job_state`).
    pub fn code(self) -> u32 {
        match self {
            JobState::Queued => 0,
            JobState::Running => 1,
            JobState::Done => 2,
            JobState::Failed => 3,
            JobState::Cancelled => 4,
            JobState::Paused => 5,
        }
    }

    /// Finished for good: nothing more will run unless retried.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Cancelled
        )
    }
}

/// Where a task (layer × chunk) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl TaskState {
    /// Every state (the C ABI's and the readers' lists).
    pub const ALL: [TaskState; 5] = [
        TaskState::Queued,
        TaskState::Running,
        TaskState::Done,
        TaskState::Failed,
        TaskState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Done => "done",
            TaskState::Failed => "failed",
            TaskState::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<TaskState> {
        Some(match s {
            "queued" => TaskState::Queued,
            "running" => TaskState::Running,
            "done" => TaskState::Done,
            "failed" => TaskState::Failed,
            "cancelled" => TaskState::Cancelled,
            _ => return None,
        })
    }
}

/// The version of the job documents ([`JobSummary`], [`JobDetail`]), sent in each as
/// `"schema"`: bumped when a field changes meaning or goes (fields are only ever added
/// within a version). Readers outside Rust check it against `schema/brm.schema.json`.
pub const JOB_SCHEMA: u32 = 1;

/// A document without `"schema"` came from an agent before the field: version 1's shape.
fn job_schema() -> u32 {
    JOB_SCHEMA
}

/// What `brm jobs` / `brm status` / `brm_job_status` report about a job.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct JobSummary {
    pub id: u64,
    pub name: String,
    pub state: JobState,
    pub priority: i32,
    pub scene: String,
    pub source_scene: String,
    pub output_dir: String,
    pub log_path: String,
    pub submitted_ms: i64,
    pub started_ms: i64,
    pub finished_ms: i64,
    pub frames_total: u64,
    pub frames_done: u64,
    pub frames_failed: u64,
    pub progress: f64,
    pub tasks_total: u32,
    pub tasks_running: u32,
    pub tasks_done: u32,
    pub tasks_failed: u32,
    pub error: Option<String>,
    pub warnings: Vec<String>,
    /// Seconds until the job is done, from measured frame times and the renderers' percent;
    /// `None` (JSON `null`) = unknown (nothing measured yet, paused, or finished).
    #[serde(default)]
    pub eta_s: Option<u64>,
    /// The distinct output folders of its tasks (one per layer in a Maya project).
    #[serde(default)]
    pub output_dirs: Vec<String>,
    /// Since when the job is paused (ms since the epoch; 0: not paused), and how long it
    /// was paused before: its running time excludes both.
    #[serde(default)]
    pub paused_since_ms: i64,
    #[serde(default)]
    pub paused_total_ms: i64,
    /// The job this one waits for (`--after`), if any.
    #[serde(default)]
    pub after: Option<u64>,
    /// The preview (a small PNG under brm's state folder) of the latest frame verified,
    /// over the job's layers; `None` until one is made.
    #[serde(default)]
    pub preview: Option<String>,
    /// The full frame the preview shows (for "open in a viewer").
    #[serde(default)]
    pub preview_source: Option<String>,
    /// The version of this document's shape ([`JOB_SCHEMA`]).
    #[serde(default = "job_schema")]
    #[schemars(extend("const" = JOB_SCHEMA))]
    pub schema: u32,
}

/// The latest preview of one layer of a job.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct LayerPreview {
    pub layer: String,
    /// The frame it shows (0 when an earlier agent made it).
    pub frame: i64,
    pub path: String,
    /// The full frame it shows.
    #[serde(default)]
    pub source: Option<String>,
}

/// One task in a job's detail view.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct TaskSummary {
    pub index: u32,
    pub layer: String,
    pub state: TaskState,
    pub level: String,
    pub frames: Vec<i64>,
    pub frames_done: Vec<i64>,
    pub attempts: u32,
    pub output_dir: String,
    pub error: Option<String>,
    /// Frames finished so far, counted as the job counts them (verified plus those the
    /// renderer reported in the running attempt), so task and job counts agree.
    #[serde(default)]
    pub frames_finished: u64,
    /// Frames the running attempt's renderer reported finished that brm has not verified
    /// yet (they count in `frames_finished`, not in `frames_done`).
    #[serde(default)]
    pub frames_reported: Vec<i64>,
    /// Seconds left for this task; `None` = unknown (not started, nothing measured yet).
    #[serde(default)]
    pub eta_s: Option<u64>,
    /// Attempts of this task that rendered in a warm session (issue 13; 0: all cold).
    #[serde(default)]
    pub warm_chunks: u32,
}

/// `brm_job_json` / `brm status --json`: the summary plus tasks and frame lists.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct JobDetail {
    #[serde(flatten)]
    pub summary: JobSummary,
    pub layers: Vec<String>,
    pub frames_done_list: Vec<i64>,
    pub frames_missing: Vec<i64>,
    pub files: Vec<String>,
    pub tasks: Vec<TaskSummary>,
    /// The latest preview of each layer.
    #[serde(default)]
    pub previews: Vec<LayerPreview>,
}

/// One line of a job's log as clients receive it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct LogRecord {
    pub seq: u64,
    /// 0 = renderer output (stdout+stderr), 1 = brm's own notes.
    pub stream: u32,
    pub time_ms: i64,
    pub text: String,
}

/// A page of log lines: `next_seq` is what to pass as `after_seq` next time.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, JsonSchema)]
pub struct LogPage {
    pub lines: Vec<LogRecord>,
    pub next_seq: u64,
    /// True when the job is finished and every line has been returned.
    pub complete: bool,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_documents_carry_their_schema_version_and_older_ones_read_as_1() {
        let doc = r#"{"id":1,"name":"n","state":"done","priority":50,"scene":"s","source_scene":"s",
            "output_dir":"o","log_path":"l","submitted_ms":0,"started_ms":0,"finished_ms":0,
            "frames_total":1,"frames_done":1,"frames_failed":0,"progress":1.0,"tasks_total":1,
            "tasks_running":0,"tasks_done":1,"tasks_failed":0,"error":null,"warnings":[]}"#;
        let old: JobSummary = serde_json::from_str(doc).unwrap();
        assert_eq!(old.schema, JOB_SCHEMA);
        let v = serde_json::to_value(&old).unwrap();
        assert_eq!(v["schema"], JOB_SCHEMA);
    }
}
