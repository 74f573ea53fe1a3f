//! Upgrades never lose a queue: a newer brm (CLI, or the plug-in's library) that meets an
//! older running agent says so once, and hands the restart to a small detached waiter (the new
//! `brm agent upgrade-wait`). The waiter asks the old agent to exit as soon as no render runs,
//! then starts the new agent, which opens the same database (migrating its schema forward)
//! and picks up every queued job. Nothing is cancelled or re-queued by hand: the queue is on
//! disk, and renders would even survive an earlier restart (they are re-attached by pid and
//! start time), but a render started by one release is left to finish under it.
//!
//! The waiter speaks only what every agent since protocol 1 understands (`hello`,
//! `agent_status`, `shutdown`), so it works with the first release's agent.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::protocol::replies::{AgentStatus, HelloReply};

use super::detach;
use super::{agent_running, Client, ClientOptions};
use crate::paths::Paths;

/// Set in the waiter process: its own connections to the old agent must not start another.
static IN_WAITER: AtomicBool = AtomicBool::new(false);
/// One message and one waiter per client process.
static NOTICED: AtomicBool = AtomicBool::new(false);

/// How often the waiter asks the old agent whether a render runs.
const POLL: Duration = Duration::from_millis(200);
/// The waiter gives up after this long (a queue busy without a gap for a day): the next brm
/// call starts another one.
const GIVE_UP: Duration = Duration::from_secs(24 * 3600);

/// `a.b.c` (pre-release or build suffix ignored) as numbers; `None` when it does not parse.
fn parse_version(v: &str) -> Option<Vec<u64>> {
    let core = v
        .trim()
        .trim_start_matches("brm ")
        .split(['-', '+'])
        .next()?;
    core.split('.').map(|p| p.parse().ok()).collect()
}

/// Is the agent's version older than ours? An unparsable agent version counts as older (every
/// release so far reports `a.b.c`).
pub fn is_older(agent: &str, ours: &str) -> bool {
    match (parse_version(agent), parse_version(ours)) {
        (Some(a), Some(o)) => a < o,
        (None, Some(_)) => true,
        _ => false,
    }
}

/// What the user reads when a newer brm meets an older agent.
pub fn message(agent: &str, pid: u64) -> String {
    format!(
        "brm {ours}: the running brm agent is the older {agent} (pid {pid}); it is restarted \
         as {ours} as soon as no render runs, and queued jobs are kept. Nothing to do \
         (`brm agent restart` restarts it now: running renders keep going and are re-attached)",
        ours = crate::VERSION
    )
}

/// Called by the client after every successful `hello` with the agent's answer. Cheap when
/// the versions match.
pub fn after_hello(paths: &Paths, opts: &ClientOptions, hello: &HelloReply) {
    if IN_WAITER.load(Ordering::SeqCst) {
        return;
    }
    let agent = hello.agent.as_str();
    if !is_older(agent, crate::VERSION) || NOTICED.swap(true, Ordering::SeqCst) {
        return;
    }
    let pid = u64::from(hello.pid);
    eprintln!("{}", message(agent, pid));
    let candidates = detach::agent_candidates(opts.agent_path.as_deref());
    let Some(exe) = candidates.iter().find(|p| p.is_file()) else {
        eprintln!(
            "brm: cannot restart the agent: no brm executable found (looked in {})",
            candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return;
    };
    let args = [
        "agent".to_string(),
        "upgrade-wait".to_string(),
        "--from-pid".to_string(),
        pid.to_string(),
    ];
    if let Err(e) = crate::run::spawn_detached(exe, &args, paths, opts.home.as_deref()) {
        eprintln!(
            "brm: cannot start the agent restart ({}): {e}",
            exe.display()
        );
    }
}

/// Why the waiter returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitOutcome {
    /// Another waiter is already on it.
    AlreadyWaiting,
    /// The old agent was stopped with no render running and the new one started (its pid).
    Restarted(u64),
    /// The old agent had already gone (idle exit, someone else restarted it).
    Gone,
    /// Waited [`GIVE_UP`] without a moment free of renders.
    GaveUp,
}

/// The waiter (`brm agent upgrade-wait --from-pid PID`): poll the old agent until no render
/// runs, ask it to exit, start `exe` (this brm) as the new agent.
pub fn wait_and_restart(paths: &Paths, from_pid: u64, exe: &Path) -> crate::Result<WaitOutcome> {
    IN_WAITER.store(true, Ordering::SeqCst);
    let Some(_lock) = try_lock(&paths.runtime.join("agent-upgrade.lock"))? else {
        return Ok(WaitOutcome::AlreadyWaiting);
    };
    let no_autostart = || ClientOptions {
        autostart: false,
        ..Default::default()
    };
    let started = Instant::now();
    loop {
        if started.elapsed() > GIVE_UP {
            return Ok(WaitOutcome::GaveUp);
        }
        let Ok(mut c) = Client::connect(no_autostart()) else {
            return Ok(WaitOutcome::Gone);
        };
        let Ok(st) = c.agent_status() else {
            return Ok(WaitOutcome::Gone);
        };
        if u64::from(st.pid) != from_pid {
            return Ok(WaitOutcome::Gone);
        }
        if !renders_running(&st) {
            eprintln!(
                "brm agent upgrade: no render runs on agent {} (pid {from_pid}); restarting it as {}",
                if st.version.is_empty() { "?" } else { &st.version },
                crate::VERSION
            );
            let _ = c.shutdown();
            drop(c);
            let deadline = Instant::now() + Duration::from_secs(30);
            while agent_running(paths) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            break;
        }
        drop(c);
        std::thread::sleep(POLL);
    }
    let mut c = Client::connect(ClientOptions {
        agent_path: Some(exe.to_path_buf()),
        ..Default::default()
    })?;
    let st = c.agent_status()?;
    Ok(WaitOutcome::Restarted(u64::from(st.pid)))
}

/// Any slot of an `agent_status` answer with a render on it.
fn renders_running(status: &AgentStatus) -> bool {
    status.slots.iter().any(|slot| slot.running.is_some())
}

/// The running executable, for the waiter to start as the new agent.
pub fn this_executable() -> crate::Result<PathBuf> {
    std::env::current_exe().map_err(|e| crate::Error::io("finding the running brm executable", e))
}

struct Lock {
    _file: std::fs::File,
}

#[cfg(unix)]
fn try_lock(path: &Path) -> crate::Result<Option<Lock>> {
    use std::os::fd::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| crate::Error::io(format!("opening {}", path.display()), e))?;
    // SAFETY: flock on a descriptor we own.
    let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    Ok((r == 0).then_some(Lock { _file: file }))
}

#[cfg(windows)]
fn try_lock(path: &Path) -> crate::Result<Option<Lock>> {
    use std::os::windows::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .share_mode(0)
        .open(path)
    {
        Ok(file) => Ok(Some(Lock { _file: file })),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert!(is_older("0.1.0", "0.2.0"));
        assert!(is_older("0.9.0", "0.10.0"));
        assert!(is_older("brm 0.1.0", "0.1.1"));
        assert!(!is_older("0.2.0", "0.2.0"));
        assert!(!is_older("0.3.0", "0.2.0"));
        assert!(!is_older("0.2.0-rc1", "0.2.0"));
        assert!(is_older("", "0.2.0"));
    }

    #[test]
    fn a_slot_with_a_render_counts_as_running() {
        let idle = serde_json::json!({"slots": [{"slot": 0, "running": null}]});
        let busy = serde_json::json!({"slots": [{"slot": 0, "running": null}, {"slot": 1, "running": {"job": 3}}]});
        let idle: AgentStatus = serde_json::from_value(idle).unwrap();
        let busy: AgentStatus = serde_json::from_value(busy).unwrap();
        assert!(!renders_running(&idle));
        assert!(renders_running(&busy));
    }

    #[test]
    fn the_message_says_what_happens_and_that_jobs_are_kept() {
        let m = message("0.0.9", 42);
        assert!(m.contains("0.0.9") && m.contains("pid 42") && m.contains("queued jobs are kept"));
    }
}
