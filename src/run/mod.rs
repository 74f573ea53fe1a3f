//! Process supervision for renders: spawn without a shell, logs, cancel, re-attach, timeouts.
//!
//! The shape follows what render-farm agents (OpenCue's RQD among them) learned the hard way:
//!
//! - **No pipe between the render and brm.** The render's stdout *and* stderr are the same
//!   per-task log file, opened `O_APPEND`. A pipe would block the renderer whenever brm reads
//!   slowly, and would kill it with `SIGPIPE` (or stall it) when the agent dies. With a file the
//!   renderer writes at disk speed and keeps running if the agent is killed; the agent follows
//!   the file with [`LogTail`] and, after a restart, resumes from the byte offset just after the
//!   last line it ingested (see [`TailLine::end_offset`]).
//! - **Own process group.** Each render is a session/process-group leader (Unix: `setsid`;
//!   Windows: a new process group plus a Job Object) so cancel reaches the renderer's helper
//!   processes too: `TERM` to the group, a grace period, then `KILL` ([`Child::cancel`]).
//! - **Identity is pid + start time.** A pid alone can be reused after a reboot or a long
//!   outage; [`Attached::find`] only re-attaches to a process whose start time matches the one
//!   recorded at spawn.
//! - **Bounded memory whatever the volume.** [`LogTail`] reads in fixed-size chunks and caps
//!   line length; [`LineRing`] keeps a bounded window of recent lines for live viewers.
//!
//! Limits worth knowing: a grandchild that calls `setsid()` itself leaves the group and is not
//! reached by cancel; on Windows a process spawned by the render in the few microseconds
//! before it is assigned to the Job Object escapes the job (see `windows.rs`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, Kind};

mod detached;
mod priority;
mod process;
mod ring;
mod spawn;
mod tail;
mod watchdog;

#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

pub use detached::spawn_detached;
#[cfg(windows)]
pub use detached::{disinherit_std_handles, module_path};
pub use priority::RenderPriority;
pub use process::{process_exists, watch_exit, ExitNotify, Process};
pub use ring::{LineRing, LogLine, Stream};
pub use spawn::{Attached, Child, ExitInfo};
pub use tail::{LogTail, TailLine, TailOptions, DEFAULT_MAX_LINE_BYTES, DEFAULT_READ_BUDGET};
pub use watchdog::{TimeoutKind, Watchdog};

/// Lowers the scheduling priority of the calling thread only (Linux: nice +10 for this
/// thread; Windows: below normal; elsewhere a no-op). Returns whether it changed anything.
///
/// Call it on the thread that follows render logs: on a machine whose cores are all busy,
/// log ingestion then yields to the renders instead of competing with them (see
/// `docs/perf/log_pipeline.md`). Not on a thread that spawns renders: on Unix a child inherits
/// the nice value of the thread that forks it.
pub fn lower_thread_priority() -> bool {
    #[cfg(unix)]
    {
        unix::lower_thread_priority()
    }
    #[cfg(windows)]
    {
        windows::lower_thread_priority()
    }
    #[cfg(not(any(unix, windows)))]
    {
        false
    }
}

/// One process to start: a program and its arguments, never a shell command line.
///
/// Arguments go to the program verbatim, so layer names with quotes, spaces or shell
/// metacharacters need no quoting (DESIGN §9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandSpec {
    /// Absolute path, or a bare name looked up on the `PATH` of the child's environment.
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Variables to set. With `env_clear` this is the *whole* environment of the child (the
    /// submitting client's captured environment plus GPU pinning); otherwise it is applied on
    /// top of the agent's own environment.
    pub env: Vec<(String, String)>,
    /// `true`: `env` is the full environment (nothing inherited from the agent).
    pub env_clear: bool,
    /// Working directory; `None` = the agent's.
    pub cwd: Option<PathBuf>,
}

impl CommandSpec {
    /// A command with no arguments, inheriting the agent's environment.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        CommandSpec {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            env_clear: false,
            cwd: None,
        }
    }

    /// Appends arguments (builder style, handy in tests and plans).
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }
}

/// Errors of process supervision. Each says what failed and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The program to run does not exist (or is not on the child's `PATH`).
    #[error("cannot start {}: program not found; check the install (brm info) or the path given", program.display())]
    ProgramNotFound { program: PathBuf },
    /// The command itself is malformed (empty program, NUL byte in an argument...).
    #[error("invalid command: {0}")]
    InvalidCommand(String),
    /// The working directory is missing or not a directory.
    #[error("cannot start {}: working directory {} is not usable ({source}); create it or choose another", program.display(), cwd.display())]
    BadCwd {
        program: PathBuf,
        cwd: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The operating system refused to start the program (permissions, not executable...).
    #[error("cannot start {}: {source}; check that it is an executable file you may run", program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The per-task log file could not be created or opened.
    #[error("cannot open log file {}: {source}; check that its folder exists and is writable", path.display())]
    LogOpen {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Reading the log file failed.
    #[error("cannot read log file {}: {source}", path.display())]
    LogRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The log file shrank below the offset already read: something truncated or replaced it.
    #[error("log file {} was truncated to {len} bytes after {offset} bytes had been read; lines after that point are lost — do not truncate task logs while a task runs", path.display())]
    LogTruncated {
        path: PathBuf,
        offset: u64,
        len: u64,
    },
    /// Resuming at a non-zero offset, but the log file is gone.
    #[error("log file {} is missing but {offset} bytes of it were already read; it was deleted while its task ran", path.display())]
    LogMissing { path: PathBuf, offset: u64 },
    /// Waiting for the child's exit status failed.
    #[error("cannot get the exit status of process {pid}: {source}")]
    Wait {
        pid: u32,
        #[source]
        source: std::io::Error,
    },
}

impl Kind for RunError {
    fn kind(&self) -> ErrorKind {
        match self {
            RunError::ProgramNotFound { .. } | RunError::BadCwd { .. } => ErrorKind::NotFound,
            RunError::LogMissing { .. } => ErrorKind::NotFound,
            RunError::InvalidCommand(_) => ErrorKind::InvalidArgument,
            RunError::Spawn { .. } => ErrorKind::Unavailable,
            RunError::LogOpen { .. }
            | RunError::LogRead { .. }
            | RunError::LogTruncated { .. }
            | RunError::Wait { .. } => ErrorKind::Io,
        }
    }
}

impl crate::error::ModuleError for RunError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_can_move_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Child>();
        send_sync::<Attached>();
        send_sync::<LogTail>();
        send_sync::<LineRing>();
        send_sync::<Watchdog>();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn lower_thread_priority_affects_only_the_calling_thread() {
        let prio = |tid: libc::id_t| unsafe { libc::getpriority(libc::PRIO_PROCESS, tid) };
        let main_tid = unsafe { libc::gettid() } as libc::id_t;
        let before = prio(main_tid);
        let (changed, after) = std::thread::spawn(move || {
            let changed = lower_thread_priority();
            (changed, prio(unsafe { libc::gettid() } as libc::id_t))
        })
        .join()
        .unwrap();
        assert_eq!(changed, before < 19);
        assert_eq!(after, (before + 10).min(19));
        assert_eq!(
            prio(main_tid),
            before,
            "the rest of the process keeps its priority"
        );
    }

    #[test]
    fn error_kinds() {
        let e = RunError::ProgramNotFound {
            program: "Render".into(),
        };
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("Render"));
        let e = RunError::LogTruncated {
            path: "t.log".into(),
            offset: 10,
            len: 2,
        };
        assert_eq!(e.kind(), ErrorKind::Io);
        assert_eq!(
            RunError::InvalidCommand("x".into()).kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn command_spec_serializes() {
        let c = CommandSpec::new("/opt/maya/bin/Render").args(["-r", "redshift"]);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<CommandSpec>(&json).unwrap(), c);
    }
}
