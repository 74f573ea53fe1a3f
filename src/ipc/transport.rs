//! The local socket between clients and the agent.
//!
//! Unix: a socket file in the per-user runtime dir (itself 0700), mode 0600, and every
//! connection's peer uid checked against ours, so another user on the machine can neither
//! submit renders nor read logs. Windows: a named pipe per user name, local clients only.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A connected byte stream (either side).
pub trait Conn: Read + Write + Send {
    /// A second handle for writing while another thread/reader owns this one.
    fn try_clone_box(&self) -> std::io::Result<Box<dyn Conn>>;
    fn set_read_timeout(&self, t: Option<Duration>) -> std::io::Result<()>;
    /// Bound blocking writes too (a stopped agent stops reading; a big request then blocks).
    /// Transports that cannot bound writes keep this default, which does nothing.
    fn set_write_timeout(&self, _t: Option<Duration>) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where clients find the agent: the socket path (Unix) or pipe name (Windows).
pub fn endpoint(paths: &crate::paths::Paths) -> PathBuf {
    #[cfg(unix)]
    {
        paths.agent_socket()
    }
    #[cfg(windows)]
    {
        imp::pipe_name(paths)
    }
}

#[cfg(unix)]
mod imp {
    use super::*;
    use std::os::unix::net::{UnixListener, UnixStream};

    impl Conn for UnixStream {
        fn try_clone_box(&self) -> std::io::Result<Box<dyn Conn>> {
            Ok(Box::new(self.try_clone()?))
        }
        fn set_read_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
            UnixStream::set_read_timeout(self, t)
        }
        fn set_write_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
            UnixStream::set_write_timeout(self, t)
        }
    }

    pub struct Listener {
        inner: UnixListener,
    }

    impl Listener {
        /// Bind the socket (the caller holds the agent lock, so a stale file can be removed).
        pub fn bind(path: &Path) -> std::io::Result<Listener> {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::remove_file(path);
            // Create with a restrictive umask so there is no moment the socket is open to others.
            // SAFETY: umask has no preconditions; restored right after bind.
            let old = unsafe { libc::umask(0o177) };
            let bound = UnixListener::bind(path);
            unsafe { libc::umask(old) };
            let inner = bound?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
            inner.set_nonblocking(true)?;
            Ok(Listener { inner })
        }

        /// Accept one connection if one is waiting (non-blocking), checking the peer's uid.
        pub fn accept(&self) -> std::io::Result<Option<Box<dyn Conn>>> {
            match self.inner.accept() {
                Ok((s, _)) => {
                    s.set_nonblocking(false)?;
                    if !peer_is_us(&s) {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::PermissionDenied,
                            "refused a connection from another user",
                        ));
                    }
                    Ok(Some(Box::new(s)))
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
                Err(e) => Err(e),
            }
        }
    }

    /// Connect to the agent's socket, but only to this user's own agent: the folders up to
    /// the socket and the socket itself must be ours and closed to others (checked before a
    /// byte is sent), and the kernel must say the listening process runs as us. A refusal is
    /// a `PermissionDenied` error carrying a [`crate::ipc::trust::Untrusted`] that says why.
    pub fn connect(path: &Path) -> std::io::Result<Box<dyn Conn>> {
        use crate::ipc::trust;
        if let Some(dir) = path.parent() {
            trust::check_dir(dir).map_err(trust::Untrusted::into_io)?;
        }
        trust::check_socket(path).map_err(trust::Untrusted::into_io)?;
        let s = UnixStream::connect(path)?;
        trust::check_peer(&s, path).map_err(trust::Untrusted::into_io)?;
        Ok(Box::new(s))
    }

    fn peer_is_us(s: &UnixStream) -> bool {
        crate::ipc::trust::peer_uid(s) == Some(crate::ipc::trust::my_uid())
    }
}

#[cfg(windows)]
#[path = "transport_windows.rs"]
mod imp;

pub use imp::{connect, Listener};
