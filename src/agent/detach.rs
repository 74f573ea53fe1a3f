//! Starting the agent as a detached background process.
//!
//! The agent must outlive whoever started it (Maya, a shell): its own session, no inherited
//! descriptors (a host like Maya may leak some), stdin from /dev/null, stdout/stderr to its
//! own log file. It inherits the starter's environment; each job carries its own anyway.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::paths::Paths;

/// Where the agent executable is looked for, in order: `BRM_AGENT`, `brm` beside this
/// library (a Maya module's lib/ → ../bin, an install prefix's lib/ → ../bin), beside the
/// running executable. Returns the candidates so errors can say where brm looked.
pub fn agent_candidates(explicit: Option<&Path>) -> Vec<PathBuf> {
    let exe_name = if cfg!(windows) { "brm.exe" } else { "brm" };
    let mut out = Vec::new();
    if let Some(p) = explicit {
        out.push(p.to_path_buf());
        return out;
    }
    if let Some(p) = crate::config::agent_exe() {
        out.push(p);
        return out;
    }
    if let Some(lib) = library_path() {
        if let Some(dir) = lib.parent() {
            out.push(dir.join(exe_name));
            out.push(dir.join("..").join("bin").join(exe_name));
        }
    }
    if let Ok(exe) = std::env::current_exe() {
        if exe.file_stem().is_some_and(|s| s == "brm") {
            out.push(exe.clone());
        }
        if let Some(dir) = exe.parent() {
            out.push(dir.join(exe_name));
        }
    }
    out
}

/// The file this code was loaded from (libbrm.so inside Maya; the brm binary itself).
#[cfg(unix)]
fn library_path() -> Option<PathBuf> {
    use std::ffi::CStr;
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    let addr = library_path as *const () as *const libc::c_void;
    // SAFETY: dladdr only reads loader tables; info is a plain struct we own.
    let r = unsafe { libc::dladdr(addr, &mut info) };
    if r == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: dli_fname is a NUL-terminated string owned by the loader.
    let name = unsafe { CStr::from_ptr(info.dli_fname) };
    let p = PathBuf::from(name.to_string_lossy().into_owned());
    p.canonicalize().ok().or(Some(p))
}

#[cfg(windows)]
fn library_path() -> Option<PathBuf> {
    None
}

/// Start `agent serve` detached. Returns once the process is spawned (not yet listening).
/// `home` (the client's `BRM_HOME` override, if any) is passed on so both use the same files.
pub fn spawn_agent(exe: &Path, paths: &Paths, home: Option<&Path>) -> std::io::Result<u32> {
    spawn_detached(
        exe,
        &["agent".to_string(), "serve".to_string()],
        paths,
        home,
    )
}

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
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        const DETACHED_PROCESS: u32 = 0x0000_0008;
        const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        // Out of any kill-on-close job the starter (e.g. a launcher) runs in: the agent and
        // its renders must outlive it.
        const CREATE_BREAKAWAY_FROM_JOB: u32 = 0x0100_0000;
        cmd.creation_flags(
            DETACHED_PROCESS
                | CREATE_NEW_PROCESS_GROUP
                | CREATE_NO_WINDOW
                | CREATE_BREAKAWAY_FROM_JOB,
        );
        // A job that forbids breakaway refuses the flag: start inside it rather than not at all.
        if let Ok(child) = cmd.spawn() {
            return Ok(child.id());
        }
        cmd.creation_flags(DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW);
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
