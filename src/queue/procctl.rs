//! Non-blocking control of a render's process group, for the engine's tick loop.
//!
//! `run::Child::cancel` waits out the grace period, which must not happen while the engine
//! holds its lock; the engine instead sends TERM, notes a deadline, and sends KILL on a later
//! tick. Renders run in their own session, so the group id is the leader's pid.

use std::time::{Duration, Instant};

/// A cancel in progress: TERM sent at `since`, KILL due at `kill_at`.
#[derive(Debug, Clone, Copy)]
pub struct Cancelling {
    pub kill_at: Instant,
    pub killed: bool,
}

impl Cancelling {
    pub fn begin(pid: u32, grace: Duration) -> Cancelling {
        terminate_group(pid);
        Cancelling { kill_at: Instant::now() + grace, killed: grace.is_zero() && kill_group_now(pid) }
    }

    /// Send KILL once the grace period is over. Returns true once KILL was sent.
    pub fn poll(&mut self, pid: u32) -> bool {
        if !self.killed && Instant::now() >= self.kill_at {
            self.killed = kill_group_now(pid);
        }
        self.killed
    }
}

#[cfg(unix)]
pub fn terminate_group(pid: u32) {
    if pid > 1 {
        // SAFETY: kill(2) with a negative pid signals the process group; no memory involved.
        unsafe {
            libc::kill(-(pid as libc::pid_t), libc::SIGTERM);
        }
    }
}

/// KILL every process left in the group (also used after a render exits normally: helpers
/// it left behind must not hold the GPU).
#[cfg(unix)]
pub fn kill_group_now(pid: u32) -> bool {
    if pid > 1 {
        // SAFETY: as above.
        unsafe {
            libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
        }
    }
    true
}

/// Whether any process of the group is still there.
#[cfg(unix)]
pub fn group_exists(pid: u32) -> bool {
    if pid <= 1 {
        return false;
    }
    // SAFETY: signal 0 only checks for existence.
    let r = unsafe { libc::kill(-(pid as libc::pid_t), 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(windows)]
pub fn terminate_group(_pid: u32) {}

#[cfg(windows)]
pub fn kill_group_now(_pid: u32) -> bool {
    true
}

#[cfg(windows)]
pub fn group_exists(_pid: u32) -> bool {
    false
}
