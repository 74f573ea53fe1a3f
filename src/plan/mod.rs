//! Plans: a job becomes tasks (layer × chunk of frames), each rendered by commands with their
//! argv and environment per method level and GPU slot.
//!
//! - [`spec`]: the job spec and option values (method, order, GPU choice).
//! - [`tasks`]: layers × frames → tasks, output folders and image names brm decides.
//! - [`chunk`]: frame order (interleaved) and chunk sizes.
//! - [`gpu`]: GPU slots and pinning (DESIGN §3).
//! - [`command`]: the exact commands per level (never through a shell).
//!
//! Planning is pure (no processes started): the queue calls [`plan_tasks`] at submit, picks
//! slots with [`select_slots`], and asks [`command_for`] for each attempt of each task.

pub mod chunk;
pub mod command;
pub mod exes;
pub mod gpu;
pub mod spec;
pub mod tasks;

use std::path::PathBuf;

use crate::error::{ErrorKind, Kind};

pub use command::{command_for, levels_for, TaskFile};
pub use exes::{usable_levels, Executables};
pub use gpu::{pinning_env, select_slots, GpuSlot};
pub use spec::{GpuChoice, JobSpec, Method, Order};
pub use tasks::{expected_file_prefix, pad_frame, plan_tasks, Task};

/// Errors of this module. Each says what was wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// An option value is not one brm knows.
    #[error("invalid {what} {value:?}; use one of: {valid}")]
    InvalidValue {
        what: &'static str,
        value: String,
        valid: String,
    },

    /// The frame set does not parse or is too large.
    #[error(transparent)]
    Frames(#[from] crate::frames::FrameError),

    /// No frames to render could be determined.
    #[error("no frames to render: {why}; give them with --frames (e.g. 1-100)")]
    NoFrames { why: String },

    /// The scene's frame range is unusable.
    #[error("{message}; give the frames with --frames")]
    BadSceneRange { message: String },

    /// A layer name the scene does not have.
    #[error("the scene {} has no render layer {layer:?}; its layers: {layers}", scene.display())]
    UnknownLayer {
        layer: String,
        scene: PathBuf,
        layers: String,
    },

    /// The scene has layers but none is renderable.
    #[error("the scene {} has no renderable layer (layers: {layers}); name one with --layer or make one renderable", scene.display())]
    NoRenderableLayers { scene: PathBuf, layers: String },

    /// A GPU index or UUID that is not on this machine.
    #[error("there is no GPU {wanted} on this machine; {available} (see `brm info`)")]
    UnknownGpu { wanted: String, available: String },

    /// The method cannot render this kind of scene.
    #[error("method {method} cannot render {}; {hint}", scene.display())]
    MethodMismatch {
        method: Method,
        scene: PathBuf,
        hint: String,
    },

    /// Blender treats negative `-f` values as relative to the end frame.
    #[error("Blender cannot render negative frame {frame} from the command line (it reads -N as \"N frames before the end\"); renumber the frames")]
    NegativeBlenderFrame { frame: i64 },

    /// The program a level needs is not installed or not found.
    #[error("cannot render with method {level}: {program} not found: {looked}")]
    MissingExecutable {
        program: String,
        level: Method,
        looked: String,
    },

    /// No level of the job can start: every program it needs is missing from the job's
    /// environment. One message for all levels (not a failure per level).
    #[error("cannot render {}: {reasons}", scene.display())]
    NothingCanRender { scene: PathBuf, reasons: String },

    /// One of brm's own render scripts is missing.
    #[error("brm's render script {} is missing; the brm installation is incomplete, reinstall it", path.display())]
    MissingScript { path: PathBuf },

    /// The task file for the mayapy scripts could not be written.
    #[error("cannot write the task file {}: {source}; check that the folder is writable and the disk not full", path.display())]
    TaskFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Kind for PlanError {
    fn kind(&self) -> ErrorKind {
        match self {
            PlanError::InvalidValue { .. }
            | PlanError::NoFrames { .. }
            | PlanError::BadSceneRange { .. }
            | PlanError::NoRenderableLayers { .. }
            | PlanError::MethodMismatch { .. } => ErrorKind::InvalidArgument,
            PlanError::Frames(e) => e.kind(),
            PlanError::UnknownLayer { .. }
            | PlanError::UnknownGpu { .. }
            | PlanError::MissingExecutable { .. }
            | PlanError::MissingScript { .. } => ErrorKind::NotFound,
            PlanError::NegativeBlenderFrame { .. } => ErrorKind::Unsupported,
            PlanError::NothingCanRender { .. } => ErrorKind::RendererUnavailable,
            PlanError::TaskFile { .. } => ErrorKind::Io,
        }
    }
}

impl crate::error::ModuleError for PlanError {}

#[cfg(test)]
mod tests;
