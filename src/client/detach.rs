//! Starting the agent as a detached background process.
//!
//! The agent must outlive whoever started it (Maya, a shell): its own session, no inherited
//! descriptors (a host like Maya may leak some), stdin from /dev/null, stdout/stderr to its
//! own log file. It inherits the starter's environment; each job carries its own anyway.
//! The spawn itself is `run::spawn_detached`; this module finds the executable.

use std::path::{Path, PathBuf};

use crate::paths::Paths;
use crate::run::spawn_detached;

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
    crate::run::module_path()
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
