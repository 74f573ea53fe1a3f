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
        let _ = paths;
        PathBuf::from(format!(r"\\.\pipe\brm-agent-{}", crate::paths::user_tag()))
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
    /// a `PermissionDenied` error carrying a [`crate::agent::trust::Untrusted`] that says why.
    pub fn connect(path: &Path) -> std::io::Result<Box<dyn Conn>> {
        use crate::agent::trust;
        if let Some(dir) = path.parent() {
            trust::check_dir(dir).map_err(trust::Untrusted::into_io)?;
        }
        trust::check_socket(path).map_err(trust::Untrusted::into_io)?;
        let s = UnixStream::connect(path)?;
        trust::check_peer(&s, path).map_err(trust::Untrusted::into_io)?;
        Ok(Box::new(s))
    }

    fn peer_is_us(s: &UnixStream) -> bool {
        crate::agent::trust::peer_uid(s) == Some(crate::agent::trust::my_uid())
    }
}

#[cfg(windows)]
mod imp {
    use super::*;
    use std::fs::File;
    use std::os::windows::ffi::OsStrExt;
    use std::os::windows::io::FromRawHandle;
    use windows_sys::Win32::Foundation::{
        GetLastError, ERROR_PIPE_CONNECTED, INVALID_HANDLE_VALUE,
    };
    use windows_sys::Win32::Storage::FileSystem::PIPE_ACCESS_DUPLEX;
    use windows_sys::Win32::System::Pipes::{
        ConnectNamedPipe, CreateNamedPipeW, PIPE_READMODE_BYTE, PIPE_REJECT_REMOTE_CLIENTS,
        PIPE_TYPE_BYTE, PIPE_UNLIMITED_INSTANCES, PIPE_WAIT,
    };

    impl Conn for File {
        fn try_clone_box(&self) -> std::io::Result<Box<dyn Conn>> {
            Ok(Box::new(self.try_clone()?))
        }
        fn set_read_timeout(&self, _t: Option<Duration>) -> std::io::Result<()> {
            Ok(())
        }
    }

    pub struct Listener {
        name: Vec<u16>,
    }

    impl Listener {
        pub fn bind(path: &Path) -> std::io::Result<Listener> {
            let name: Vec<u16> = path
                .as_os_str()
                .encode_wide()
                .chain(std::iter::once(0))
                .collect();
            Ok(Listener { name })
        }

        /// Blocks until a client connects (the server loop runs this on its own thread).
        pub fn accept(&self) -> std::io::Result<Option<Box<dyn Conn>>> {
            // SAFETY: name is NUL-terminated UTF-16; the default security descriptor gives
            // the creating user full access.
            let h = unsafe {
                CreateNamedPipeW(
                    self.name.as_ptr(),
                    PIPE_ACCESS_DUPLEX,
                    PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
                    PIPE_UNLIMITED_INSTANCES,
                    65536,
                    65536,
                    0,
                    std::ptr::null(),
                )
            };
            if h == INVALID_HANDLE_VALUE {
                return Err(std::io::Error::last_os_error());
            }
            // SAFETY: h is a valid pipe handle we own.
            let ok = unsafe { ConnectNamedPipe(h, std::ptr::null_mut()) };
            if ok == 0 && unsafe { GetLastError() } != ERROR_PIPE_CONNECTED {
                let e = std::io::Error::last_os_error();
                // SAFETY: closing the handle we created.
                drop(unsafe { File::from_raw_handle(h as _) });
                return Err(e);
            }
            // SAFETY: ownership of h moves into the File.
            Ok(Some(Box::new(unsafe { File::from_raw_handle(h as _) })))
        }
    }

    pub fn connect(path: &Path) -> std::io::Result<Box<dyn Conn>> {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)?;
        Ok(Box::new(f))
    }
}

pub use imp::{connect, Listener};
