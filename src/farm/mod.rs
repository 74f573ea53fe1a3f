//! Farm hand-off (DESIGN §10): one engine-neutral job file, turned into what each farm engine
//! expects, submitted, followed and cancelled through the engine's own tools; on every node
//! `brm task run` renders a chunk with the same attempt runner as the agent.
//!
//! brm does not schedule the farm — Slurm, Deadline, OpenCue or an OpenJD runner does. brm
//! writes files a TD can read, edit and re-submit by hand, and keeps one record per farm job
//! (`<state>/farm/farm-N.json`) so `brm farm status|cancel|log` find it again.
//!
//! - [`job`]: the versioned farm job file and how a [`crate::plan::JobSpec`] becomes one.
//! - [`pathmap`]: shared-scene copy, refusal of per-user folders, path mapping rules.
//! - [`engine`]: the [`engine::FarmEngine`] trait and the one list of engines.
//! - [`slurm`], [`deadline`], [`opencue`], [`openjd`]: one emitter (and submitter) per engine.
//! - [`node`]: the node-side worker (`brm task run`): chunk and GPUs from the engine's
//!   variables, fallback and retries with the attempt runner, numbered log beside the outputs.
//! - [`record`]: the per-user list of farm jobs and their engine ids; status from outputs.

pub mod assign;
pub mod deadline;
pub mod engine;
pub mod envfilter;
pub mod follow;
pub mod job;
pub mod node;
pub mod opencue;
pub mod openjd;
pub mod pathmap;
pub mod record;
pub mod slurm;
pub mod submit;
pub mod taskstate;
pub mod tool;
pub mod verified;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, Kind};

pub use job::{FarmJob, FarmLayer, Resources, FARM_JOB_FILE, FARM_JOB_SCHEMA};
pub use pathmap::PathRule;
pub use record::{FarmRecord, FarmState, FarmStatus};

/// A farm engine brm writes for: a handle on one entry of [`engine::ENGINES`]. Job files and
/// records carry it as the engine's name (`"slurm"`), so they read the same as ever.
#[derive(Clone, Copy)]
pub struct Engine(&'static dyn engine::FarmEngine);

impl Engine {
    /// Every engine, in the list's order.
    pub fn all() -> impl Iterator<Item = Engine> {
        engine::ENGINES.iter().map(|e| Engine(*e))
    }

    pub fn as_str(self) -> &'static str {
        self.0.name()
    }

    /// What the engine does (export, submit, status, cancel).
    pub fn get(self) -> &'static dyn engine::FarmEngine {
        self.0
    }
}

impl PartialEq for Engine {
    fn eq(&self, other: &Engine) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Engine {}

impl std::hash::Hash for Engine {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Engine {
    type Err = FarmError;
    fn from_str(s: &str) -> Result<Self, FarmError> {
        engine::lookup(s)
            .map(Engine)
            .ok_or_else(|| FarmError::UnknownEngine {
                value: s.chars().take(40).collect(),
                known: engine::names(),
            })
    }
}

impl Serialize for Engine {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Engine {
    /// Only an engine's own name, as job files and records are written (no alias).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Engine, D::Error> {
        let name = String::deserialize(d)?;
        engine::ENGINES
            .iter()
            .find(|e| e.name() == name)
            .map(|e| Engine(*e))
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown farm engine {name:?}, expected one of: {}",
                    engine::names()
                ))
            })
    }
}

/// Errors of the farm hand-off. Each says what was wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum FarmError {
    #[error("unknown farm engine {value:?}; use one of: {known}")]
    UnknownEngine { value: String, known: String },

    /// The scene or an output lies in a folder only this user on this machine can see.
    #[error("{what} {} is inside brm's own per-user folder {}, which no farm node can read; {hint}", path.display(), folder.display())]
    PrivatePath {
        what: &'static str,
        path: PathBuf,
        folder: PathBuf,
        hint: &'static str,
    },

    /// A farm job needs a shared scene folder.
    #[error("no shared scene folder for the farm: give --scene-dir DIR or set BRM_FARM_SCENES to a folder every node can read (e.g. /mnt/projects/brm-farm)")]
    NoSceneDir,

    #[error("{context} {}: {source}", path.display())]
    Io {
        context: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A farm job file that is not one (or of a newer schema).
    #[error("{} is not a usable brm farm job file: {why}", path.display())]
    BadJobFile { path: PathBuf, why: String },

    /// No farm job of that name.
    #[error("no farm job {name:?}; `brm farm list` shows them (or give the job folder or its {FARM_JOB_FILE})")]
    NoSuchJob { name: String },

    /// A task index outside the job.
    #[error("task {index} is not in the farm job (it has tasks 0-{last}); check the engine's task variable")]
    NoSuchTask { index: usize, last: usize },

    /// No task was named and no engine variable gives one.
    #[error("no task given: pass --task N, or run under a farm engine that sets SLURM_ARRAY_TASK_ID, CUE_IFRAME or the OpenJD task parameter")]
    NoTask,

    /// An engine tool (sbatch, squeue, deadlinecommand, …) is missing or failed.
    #[error("{tool}: {message}")]
    Tool { tool: String, message: String },

    /// A bad farm option.
    #[error("{0}")]
    Invalid(String),
}

impl FarmError {
    pub(crate) fn io(
        context: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        FarmError::Io {
            context,
            path: path.into(),
            source,
        }
    }
}

impl Kind for FarmError {
    fn kind(&self) -> ErrorKind {
        match self {
            FarmError::UnknownEngine { .. }
            | FarmError::PrivatePath { .. }
            | FarmError::NoSceneDir
            | FarmError::NoTask
            | FarmError::NoSuchTask { .. }
            | FarmError::BadJobFile { .. }
            | FarmError::Invalid(_) => ErrorKind::InvalidArgument,
            FarmError::NoSuchJob { .. } => ErrorKind::NotFound,
            FarmError::Tool { .. } => ErrorKind::Unavailable,
            FarmError::Io { .. } => ErrorKind::Io,
        }
    }
}

impl crate::error::ModuleError for FarmError {}

/// Mode of the files a farm submit writes into the shared scene folder: the owner writes,
/// the group (the studio's render group: the nodes' user must be in it) reads, nobody else.
pub const SHARED_FILE_MODE: u32 = 0o640;

/// Write a farm file (job file, engine files) with [`SHARED_FILE_MODE`], whatever the umask.
pub fn write_shared(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(SHARED_FILE_MODE))?;
    }
    Ok(())
}
