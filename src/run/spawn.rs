//! Starting a render and controlling it: [`Child`] for a render this agent started,
//! [`Attached`] for one an earlier agent started (after a crash or an upgrade).
//!
//! The platform details (session/process group, descriptor hygiene, Job Objects, process
//! start times) live in `unix.rs` and `windows.rs`; this file holds what is common.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::{CommandSpec, RenderPriority, RunError};

#[cfg(unix)]
use super::unix as sys;
#[cfg(windows)]
use super::windows as sys;

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExitInfo {
    /// Exit code, when it exited normally.
    pub code: Option<i32>,
    /// Signal number that ended it (Unix only).
    pub signal: Option<i32>,
}

impl ExitInfo {
    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    fn from_status(status: std::process::ExitStatus) -> ExitInfo {
        #[cfg(unix)]
        let signal = std::os::unix::process::ExitStatusExt::signal(&status);
        #[cfg(not(unix))]
        let signal = None;
        ExitInfo {
            code: status.code(),
            signal,
        }
    }
}

impl std::fmt::Display for ExitInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.code, self.signal) {
            (Some(c), _) => write!(f, "exit code {c}"),
            (None, Some(s)) => write!(f, "killed by signal {s}"),
            (None, None) => write!(f, "unknown exit status"),
        }
    }
}

/// A render this agent spawned: the leader of its own process group (Unix) or Job Object
/// (Windows), writing stdout and stderr to its log file.
///
/// Dropping a `Child` neither kills nor waits for the render: renders outlive the agent by
/// design. Call [`Child::cancel`] to stop it.
#[derive(Debug)]
pub struct Child {
    inner: Mutex<std::process::Child>,
    pid: u32,
    start_time: u64,
    /// Set once cancel saw the group empty: later cancels must not signal a group id that the
    /// system may since have reused.
    gone: AtomicBool,
    #[cfg(windows)]
    job: Option<sys::Job>,
}

impl Child {
    /// Starts `cmd` (never through a shell) with stdin from the null device and stdout+stderr
    /// appended to `log_path` (created if missing, mode 0600 on Unix; existing content kept,
    /// so a retried task's log continues in the same file).
    pub fn spawn(cmd: &CommandSpec, log_path: &Path) -> Result<Child, RunError> {
        Self::spawn_with(cmd, log_path, false, RenderPriority::NORMAL)
    }

    /// Like [`Child::spawn`], at `priority` (a workstation render yields to the artist).
    pub fn spawn_at(
        cmd: &CommandSpec,
        log_path: &Path,
        priority: RenderPriority,
    ) -> Result<Child, RunError> {
        Self::spawn_with(cmd, log_path, false, priority)
    }

    /// Like [`Child::spawn`], but with stdin a pipe the caller writes requests into (a warm
    /// session takes its chunk requests there); take it with [`Child::take_stdin`].
    pub fn spawn_piped(
        cmd: &CommandSpec,
        log_path: &Path,
        priority: RenderPriority,
    ) -> Result<Child, RunError> {
        Self::spawn_with(cmd, log_path, true, priority)
    }

    /// The write end of a [`Child::spawn_piped`] child's stdin (once; `None` afterwards).
    pub fn take_stdin(&self) -> Option<std::process::ChildStdin> {
        self.lock().stdin.take()
    }

    fn spawn_with(
        cmd: &CommandSpec,
        log_path: &Path,
        piped: bool,
        priority: RenderPriority,
    ) -> Result<Child, RunError> {
        validate(cmd)?;
        if let Some(cwd) = &cmd.cwd {
            let usable = std::fs::metadata(cwd).and_then(|m| {
                if m.is_dir() {
                    Ok(())
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::NotADirectory,
                        "not a directory",
                    ))
                }
            });
            if let Err(source) = usable {
                return Err(RunError::BadCwd {
                    program: cmd.program.clone(),
                    cwd: cwd.clone(),
                    source,
                });
            }
        }
        let log = open_log(log_path)?;
        let log2 = log.try_clone().map_err(|source| RunError::LogOpen {
            path: log_path.to_path_buf(),
            source,
        })?;

        let mut command = Command::new(&cmd.program);
        command.args(&cmd.args);
        if cmd.env_clear {
            command.env_clear();
        }
        command.envs(cmd.env.iter().map(|(k, v)| (k, v)));
        if let Some(cwd) = &cmd.cwd {
            command.current_dir(cwd);
        }
        command
            .stdin(if piped { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2));
        sys::configure(&mut command, priority);

        let child = command.spawn().map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => RunError::ProgramNotFound {
                program: cmd.program.clone(),
            },
            io::ErrorKind::InvalidInput => RunError::InvalidCommand(format!(
                "{} cannot be started: {source}",
                cmd.program.display()
            )),
            _ => RunError::Spawn {
                program: cmd.program.clone(),
                source,
            },
        })?;
        let pid = child.id();
        #[cfg(windows)]
        sys::after_spawn(&child, priority);
        #[cfg(windows)]
        let job = sys::Job::assign(&child);
        let start_time = sys::child_start_time(&child).unwrap_or(0);
        Ok(Child {
            inner: Mutex::new(child),
            pid,
            start_time,
            gone: AtomicBool::new(false),
            #[cfg(windows)]
            job,
        })
    }

    /// The OS process id (also the process group id on Unix).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The process start time, in an OS-specific unit (Linux: clock ticks since boot, field
    /// 22 of `/proc/<pid>/stat`; macOS: microseconds since the epoch; Windows: creation
    /// FILETIME). Store it with the pid: [`Attached::find`] needs both. 0 if unknown.
    pub fn start_time(&self) -> u64 {
        self.start_time
    }

    fn lock(&self) -> MutexGuard<'_, std::process::Child> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The exit status if the direct child has exited (reaping it), `None` while it runs.
    /// Never blocks. Helper processes it left in its group are not waited for: use
    /// [`Child::cancel`] to make sure none is left.
    pub fn try_wait(&mut self) -> Result<Option<ExitInfo>, RunError> {
        let pid = self.pid;
        self.lock()
            .try_wait()
            .map(|s| s.map(ExitInfo::from_status))
            .map_err(|source| RunError::Wait { pid, source })
    }

    /// Stops the render and everything in its process group: a polite request (Unix
    /// `SIGTERM`; Windows `CTRL_BREAK`), up to `grace` for the group to exit, then a forced
    /// kill (`SIGKILL` to the group; `TerminateJobObject`). Returns once the group is gone
    /// (or, if processes stuck in the kernel survive `SIGKILL`, after a further 10 s).
    /// Reaps the direct child. Idempotent: cancelling a finished or cancelled render is a
    /// no-op.
    ///
    /// Not reached: a grandchild that made itself a new session (`setsid`) on Unix, or one
    /// started in the instant before the Job Object was assigned on Windows.
    pub fn cancel(&self, grace: Duration) {
        if self.gone.load(Ordering::Acquire) {
            return;
        }
        let reap = || {
            let _ = self.lock().try_wait();
        };
        #[cfg(unix)]
        let gone = sys::cancel_group(self.pid, grace, &reap);
        #[cfg(windows)]
        let gone = match &self.job {
            Some(job) => job.cancel(self.pid, grace, &reap),
            None => {
                let handle = {
                    use std::os::windows::io::AsRawHandle;
                    self.lock().as_raw_handle()
                };
                sys::cancel_process(handle, self.pid, grace, &reap)
            }
        };
        if gone {
            self.gone.store(true, Ordering::Release);
        }
    }

    /// Whether any process of the render's group (Windows: job) is still running. Reaps the
    /// direct child if it exited; zombies do not count.
    pub fn is_group_alive(&self) -> bool {
        if self.gone.load(Ordering::Acquire) {
            return false;
        }
        #[cfg(unix)]
        let alive = {
            let _ = self.lock().try_wait();
            sys::group_alive(self.pid)
        };
        #[cfg(windows)]
        let alive = match &self.job {
            Some(job) => job.active_processes() > 0,
            None => matches!(self.lock().try_wait(), Ok(None)),
        };
        if !alive {
            // Once empty, the group id may be reused: never signal it again.
            self.gone.store(true, Ordering::Release);
        }
        alive
    }

    /// Non-blocking first half of a cancel, for a caller that keeps its own deadline (the
    /// engine's tick): the polite request (Unix `SIGTERM` + `SIGCONT` to the group; Windows
    /// `CTRL_BREAK`). Follow with [`Child::kill`] once the grace period is over, unless
    /// [`Child::is_group_alive`] turned false. No-op once the group is gone.
    pub fn terminate(&self) {
        if !self.is_group_alive() {
            return;
        }
        #[cfg(unix)]
        sys::terminate_group(self.pid);
        #[cfg(windows)]
        sys::ctrl_break(self.pid);
    }

    /// Non-blocking forced kill of every process of the render (Unix `SIGKILL` to the group;
    /// Windows `TerminateJobObject`). Also right after a normal exit: helpers the renderer
    /// left behind must not keep holding the GPU. No-op once the group is gone.
    pub fn kill(&self) {
        if !self.is_group_alive() {
            return;
        }
        #[cfg(unix)]
        sys::kill_group(self.pid);
        #[cfg(windows)]
        match &self.job {
            Some(job) => job.terminate(),
            None => {
                use std::os::windows::io::AsRawHandle;
                sys::terminate_process(self.lock().as_raw_handle());
            }
        }
    }
}

/// A render started by an earlier agent process, found again by pid and start time.
///
/// Its exit code cannot be known (it is not this process's child); the queue judges the task
/// by its log and its output files instead.
#[derive(Debug)]
pub struct Attached {
    pid: u32,
    start_time: u64,
    #[cfg(windows)]
    handle: std::os::windows::io::OwnedHandle,
    /// The render's Job Object, opened by name (it outlives the agent that made it).
    #[cfg(windows)]
    job: Option<sys::Job>,
}

impl Attached {
    /// The running process `pid` if its start time is `start_time` (as recorded from
    /// [`Child::start_time`]); `None` if it exited or the pid now belongs to another process.
    pub fn find(pid: u32, start_time: u64) -> Option<Attached> {
        if pid == 0 {
            return None;
        }
        #[cfg(unix)]
        {
            if sys::process_start_time(pid)? != start_time || !sys::process_running(pid) {
                return None;
            }
            Some(Attached { pid, start_time })
        }
        #[cfg(windows)]
        {
            let handle = sys::open_process(pid)?;
            if sys::handle_start_time(&handle)? != start_time || !sys::handle_running(&handle) {
                return None;
            }
            Some(Attached {
                pid,
                start_time,
                handle,
                job: sys::Job::open(pid, start_time),
            })
        }
    }

    /// What is left of a render whose leading process `pid` (started at `start_time`) ended
    /// while nobody watched, when members of its process group still run: helpers that
    /// ignored SIGTERM, say, which a cancel must still KILL and which must not hold the GPU.
    /// `None` when the group is empty, or when `pid` now belongs to another process (then
    /// the group id is no longer ours: see `leader_reused`). Unix only (Windows: `None`; the
    /// earlier agent's Job Object went with it).
    pub fn find_leftover_group(pid: u32, start_time: u64) -> Option<Attached> {
        if pid == 0 {
            return None;
        }
        #[cfg(unix)]
        {
            let a = Attached { pid, start_time };
            (!a.leader_reused() && sys::group_alive(pid)).then_some(a)
        }
        #[cfg(windows)]
        {
            let _ = start_time;
            None
        }
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn start_time(&self) -> u64 {
        self.start_time
    }

    /// Whether the render's leading process still runs (same pid *and* start time).
    pub fn is_alive(&self) -> bool {
        #[cfg(unix)]
        {
            sys::process_start_time(self.pid) == Some(self.start_time)
                && sys::process_running(self.pid)
        }
        #[cfg(windows)]
        {
            sys::handle_running(&self.handle)
        }
    }

    /// Like [`Child::cancel`], for the render's process group (Unix) or its Job Object
    /// (Windows, reopened by name; only the leading process when the job cannot be opened).
    pub fn cancel(&self, grace: Duration) {
        #[cfg(unix)]
        {
            if self.leader_reused() {
                return;
            }
            sys::cancel_group(self.pid, grace, &|| {});
        }
        #[cfg(windows)]
        match &self.job {
            Some(job) => {
                job.cancel(self.pid, grace, &|| {});
            }
            None => {
                use std::os::windows::io::AsRawHandle;
                sys::cancel_process(self.handle.as_raw_handle(), self.pid, grace, &|| {});
            }
        }
    }

    /// Non-blocking polite request, as [`Child::terminate`].
    pub fn terminate(&self) {
        #[cfg(unix)]
        if !self.leader_reused() && sys::group_alive(self.pid) {
            sys::terminate_group(self.pid);
        }
        #[cfg(windows)]
        if sys::handle_running(&self.handle) {
            sys::ctrl_break(self.pid);
        }
    }

    /// Non-blocking forced kill, as [`Child::kill`] (Windows: the job, or the leading process
    /// when the job cannot be opened).
    pub fn kill(&self) {
        #[cfg(unix)]
        if !self.leader_reused() && sys::group_alive(self.pid) {
            sys::kill_group(self.pid);
        }
        #[cfg(windows)]
        match &self.job {
            Some(job) => job.terminate(),
            None => {
                use std::os::windows::io::AsRawHandle;
                sys::terminate_process(self.handle.as_raw_handle());
            }
        }
    }

    /// Whether any process of the render's group (Windows: its job, else the leader) is still
    /// running.
    pub fn is_group_alive(&self) -> bool {
        #[cfg(unix)]
        {
            !self.leader_reused() && sys::group_alive(self.pid)
        }
        #[cfg(windows)]
        match &self.job {
            Some(job) => job.active_processes() > 0,
            None => sys::handle_running(&self.handle),
        }
    }

    /// The group id is the leader's pid. While any member lives the id cannot be reused; if a
    /// process lives under that pid with another start time, the group is long gone.
    #[cfg(unix)]
    fn leader_reused(&self) -> bool {
        sys::process_start_time(self.pid).is_some_and(|t| t != self.start_time)
    }
}

/// Rejects commands the OS would misread, with a message naming the culprit.
fn validate(cmd: &CommandSpec) -> Result<(), RunError> {
    if cmd.program.as_os_str().is_empty() {
        return Err(RunError::InvalidCommand("the program path is empty".into()));
    }
    let nul = |s: &str| s.contains('\0');
    if let Some(a) = cmd.args.iter().find(|a| nul(a)) {
        return Err(RunError::InvalidCommand(format!(
            "argument {a:?} contains a NUL byte"
        )));
    }
    if let Some((k, _)) = cmd
        .env
        .iter()
        .find(|(k, v)| nul(k) || nul(v) || k.is_empty() || k.contains('='))
    {
        return Err(RunError::InvalidCommand(format!(
            "environment variable {k:?} has an empty name, a '=' in its name or a NUL byte"
        )));
    }
    Ok(())
}

/// Opens the task log for appending: every write of the render lands at the end, whatever
/// else appends (stdout and stderr share it; a retry continues it).
fn open_log(path: &Path) -> Result<File, RunError> {
    let mut opts = OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path).map_err(|source| RunError::LogOpen {
        path: path.to_path_buf(),
        source,
    })
}
