//! Starting a process detached from its starter (the agent, the upgrade waiter): its own
//! session, no inherited descriptors, stdin from /dev/null, output to the agent log.
//!
//! Moved here verbatim from `agent/detach.rs` (issue 8: process code lives in `run/` only).

use std::path::Path;

use crate::paths::Paths;

#[cfg(windows)]
#[path = "detached_windows.rs"]
mod windows;
#[cfg(windows)]
pub use windows::{disinherit_std_handles, module_path};

/// Start `exe args…` detached the way the agent is (own session, no inherited descriptors,
/// output to the agent log): also used for the upgrade waiter, which must outlive the client.
pub fn spawn_detached(
    exe: &Path,
    args: &[String],
    paths: &Paths,
    home: Option<&Path>,
) -> std::io::Result<u32> {
    std::fs::create_dir_all(&paths.state)?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(paths.agent_log())?;
    #[cfg(windows)]
    {
        // Not `Command::spawn`: it would hand the agent every inheritable handle of the
        // caller, such as the pipe capturing the caller's output (see detached_windows.rs).
        let env: Vec<(&str, &std::ffi::OsStr)> = home
            .map(|h| ("BRM_HOME", h.as_os_str()))
            .into_iter()
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        windows::spawn_detached(exe, &args, &env, &std::env::temp_dir(), log)
    }
    #[cfg(not(windows))]
    spawn_unix(exe, args, home, log)
}

#[cfg(not(windows))]
fn spawn_unix(
    exe: &Path,
    args: &[String],
    home: Option<&Path>,
    log: std::fs::File,
) -> std::io::Result<u32> {
    use std::process::{Command, Stdio};
    let log2 = log.try_clone()?;
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log2));
    if let Some(h) = home {
        cmd.env("BRM_HOME", h);
    }
    cmd.current_dir(std::env::temp_dir());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                close_inherited_fds();
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn()?;
    let pid = child.id();
    // The starter may live for hours (Maya): reap the agent when it exits so it does not
    // linger as a zombie of the artist's session.
    let _ = std::thread::Builder::new()
        .name("brm-agent-reaper".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            let _ = child.wait();
        });
    Ok(pid)
}

/// Close every descriptor above stderr in a freshly forked child (async-signal-safe).
#[cfg(unix)]
fn close_inherited_fds() {
    // SAFETY: getrlimit/close are async-signal-safe; closing fds we do not need.
    unsafe {
        let mut rl = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        let max = if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) == 0 {
            rl.rlim_cur.min(65_536)
        } else {
            1024
        };
        for fd in 3..max as libc::c_int {
            libc::close(fd);
        }
    }
}
