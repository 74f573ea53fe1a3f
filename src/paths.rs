//! Where brm keeps its per-user files.
//!
//! Everything hangs off one root so tests (and studios that want it elsewhere) can move it all
//! with `BRM_HOME`. Without it we follow the platform conventions: XDG state/runtime dirs on
//! Linux, `%LOCALAPPDATA%` on Windows, `~/Library/Application Support` on macOS. Snapshots go
//! to a per-user directory under the system temp dir, as DESIGN §3 asks (mode 0700).

use std::path::{Path, PathBuf};

/// The per-user locations brm uses. Build with [`Paths::from_env`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Durable state: the SQLite queue database, task logs.
    pub state: PathBuf,
    /// Volatile per-session things: the agent socket, its pid/lock file.
    pub runtime: PathBuf,
    /// Scene snapshots (per-user temp dir, 0700).
    pub snapshots: PathBuf,
}

impl Paths {
    /// Resolve from the environment (`BRM_HOME`, then platform defaults; `BRM_SNAPSHOT_DIR`,
    /// the more specific setting, moves the snapshots in either case).
    pub fn from_env() -> Paths {
        if let Some(home) = crate::config::home() {
            let mut p = Paths::under(&home);
            if let Some(s) = crate::config::snapshot_dir() {
                p.snapshots = s;
            }
            return p;
        }
        let user = user_tag();
        let tmp = std::env::temp_dir();
        let state =
            platform_state_dir().unwrap_or_else(|| tmp.join(format!("brm-{user}")).join("state"));
        let runtime = std::env::var_os("XDG_RUNTIME_DIR")
            .filter(|v| !v.is_empty())
            .map(|d| PathBuf::from(d).join("brm"))
            .unwrap_or_else(|| tmp.join(format!("brm-{user}")).join("run"));
        let snapshots = crate::config::snapshot_dir()
            .unwrap_or_else(|| tmp.join(format!("brm-{user}")).join("snapshots"));
        Paths {
            state,
            runtime,
            snapshots,
        }
    }

    /// All locations under one root (what `BRM_HOME` does).
    pub fn under(root: &Path) -> Paths {
        Paths {
            state: root.join("state"),
            runtime: root.join("run"),
            snapshots: root.join("snapshots"),
        }
    }

    /// The queue database.
    pub fn database(&self) -> PathBuf {
        self.state.join("brm.sqlite3")
    }

    /// Directory of per-task log files.
    pub fn logs(&self) -> PathBuf {
        self.state.join("logs")
    }

    /// Default output directory for renders when the job names none.
    pub fn default_output(&self) -> PathBuf {
        self.state.join("renders")
    }

    /// The agent's socket (Unix) — on Windows the pipe name is derived from the user instead.
    pub fn agent_socket(&self) -> PathBuf {
        self.runtime.join("agent.sock")
    }

    /// The agent's own log (its stdio after detaching).
    pub fn agent_log(&self) -> PathBuf {
        self.state.join("agent.log")
    }
}

/// Create `dir` (and parents) readable only by this user (0700 on Unix).
pub fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir)?;
        if meta.permissions().mode() & 0o777 != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// A tag that keeps users apart in shared directories: the uid on Unix, the user name elsewhere.
pub fn user_tag() -> String {
    #[cfg(unix)]
    {
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        uid.to_string()
    }
    #[cfg(not(unix))]
    {
        std::env::var("USERNAME")
            .unwrap_or_else(|_| "user".into())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect()
    }
}

fn platform_state_dir() -> Option<PathBuf> {
    #[cfg(windows)]
    {
        std::env::var_os("LOCALAPPDATA").map(|d| PathBuf::from(d).join("brm"))
    }
    #[cfg(target_os = "macos")]
    {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join("Library/Application Support/brm"))
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
            return Some(PathBuf::from(d).join("brm"));
        }
        std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .map(|h| PathBuf::from(h).join(".local/state/brm"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_root_keeps_everything_together() {
        let p = Paths::under(Path::new("/x"));
        assert_eq!(p.database(), Path::new("/x/state/brm.sqlite3"));
        assert_eq!(p.agent_socket(), Path::new("/x/run/agent.sock"));
        assert_eq!(p.snapshots, Path::new("/x/snapshots"));
    }
}
