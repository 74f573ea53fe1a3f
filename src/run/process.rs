//! One render process as its supervisor sees it, whoever started it: our child, a render
//! re-attached after an agent restart, or one that ended while nobody watched. Plus the exit
//! watch that wakes a supervisor the moment its child ends.
//!
//! Why here: waiting for exits and signalling groups is process code, and process code lives
//! in `run/` only, once (the attempt runner and the engine only call these).

use std::sync::Arc;

use super::{Attached, Child, ExitInfo, RunError};

/// Called (from another thread) when a watched child exits.
pub type ExitNotify = Arc<dyn Fn() + Send + Sync>;

/// A render process and how to reach its group.
pub enum Process {
    /// Spawned by this process: its exit status can be collected.
    Child(Child),
    /// Found again by pid + start time after a restart: alive or not, no exit status.
    Attached(Attached),
    /// The render ended while no supervisor was watching.
    Gone,
}

impl Process {
    /// Polite stop of the whole group (TERM; Windows CTRL_BREAK). Non-blocking.
    pub fn terminate(&self) {
        match self {
            Process::Child(c) => c.terminate(),
            Process::Attached(a) => a.terminate(),
            Process::Gone => {}
        }
    }

    /// Forced stop of every process left in the group. Non-blocking; no-op once gone.
    pub fn kill(&self) {
        match self {
            Process::Child(c) => c.kill(),
            Process::Attached(a) => a.kill(),
            Process::Gone => {}
        }
    }

    /// Any process of the group still running (zombies do not count).
    pub fn group_alive(&self) -> bool {
        match self {
            Process::Child(c) => c.is_group_alive(),
            Process::Attached(a) => a.is_group_alive(),
            Process::Gone => false,
        }
    }

    /// `None` while running; `Some(Some(status))` when our child exited, `Some(None)` when a
    /// process we cannot reap (re-attached, gone) is no longer there.
    pub fn try_exit(&mut self) -> Result<Option<Option<ExitInfo>>, RunError> {
        Ok(match self {
            Process::Child(c) => c.try_wait()?.map(Some),
            Process::Attached(a) => (!a.is_alive()).then_some(None),
            Process::Gone => Some(None),
        })
    }

    /// The leader's pid (0 when gone and unknown).
    pub fn pid(&self) -> u32 {
        match self {
            Process::Child(c) => c.pid(),
            Process::Attached(a) => a.pid(),
            Process::Gone => 0,
        }
    }
}

/// Whether process `pid` still exists (any state but reaped), e.g. an agent just started.
/// Elsewhere than Unix: assumed alive (callers then rely on their own timeouts).
pub fn process_exists(pid: u32) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Call `notify` as soon as `pid` (our child) exits, without reaping it: `try_wait` still
/// collects the status. Keeps per-task overhead far below a supervisor's polling interval.
#[cfg(target_os = "linux")]
pub fn watch_exit(pid: u32, notify: ExitNotify) {
    let _ = std::thread::Builder::new()
        .name("brm-exit-watch".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            // SAFETY: waitid with WNOWAIT only observes the child's state; info is ours.
            unsafe {
                let mut info: libc::siginfo_t = std::mem::zeroed();
                libc::waitid(
                    libc::P_PID,
                    pid as libc::id_t,
                    &mut info,
                    libc::WEXITED | libc::WNOWAIT,
                );
            }
            notify();
        });
}

/// Elsewhere supervisors poll at their tick.
#[cfg(not(target_os = "linux"))]
pub fn watch_exit(_pid: u32, _notify: ExitNotify) {}
