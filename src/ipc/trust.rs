//! Is the agent at the other end really this user's own?
//!
//! The agent serves on its side (0600 socket, peer uid checked on accept), but a client must
//! check too: when `XDG_RUNTIME_DIR` is unset the runtime folder is `$TMPDIR/brm-<uid>`, a
//! name any local user can create first, listen in, and so receive the victim's job specs —
//! environment and credentials included. So before connecting the client checks who owns the
//! runtime folder (and each folder above it) and the socket, and after connecting it checks
//! the peer's credentials from the kernel (`SO_PEERCRED`), which cannot be forged.

use std::path::{Path, PathBuf};

/// Why a runtime folder, socket or peer is not trusted. Each says what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Untrusted {
    #[error(
        "{} is owned by uid {owner}, not by you (uid {me}): another local user may be posing \
         as your brm agent, so brm will not use it. Have its owner or an administrator remove \
         it, or point XDG_RUNTIME_DIR (or BRM_HOME) at a folder of your own",
        path.display()
    )]
    NotOurs { path: PathBuf, owner: u32, me: u32 },
    #[error(
        "{} can be written by other users (mode {mode:o}): anyone could replace the brm agent's \
         socket in it, so brm will not use it. Make it private (`chmod 700 {}`) or point \
         XDG_RUNTIME_DIR (or BRM_HOME) at a folder of your own",
        path.display(),
        path.display()
    )]
    OpenToOthers { path: PathBuf, mode: u32 },
    #[error(
        "{} is not a socket but a {what}: brm will not connect through it. Remove it; the \
         next brm command starts a fresh agent",
        path.display()
    )]
    NotASocket { path: PathBuf, what: &'static str },
    #[error(
        "the process listening at {} runs as {}, not as you (uid {me}): it is not your brm \
         agent, so brm sent it nothing. Remove the socket (or ask an administrator to) and \
         try again",
        path.display(),
        peer.map(|u| format!("uid {u}")).unwrap_or_else(|| "an unknown user".into())
    )]
    PeerNotUs {
        path: PathBuf,
        peer: Option<u32>,
        me: u32,
    },
    #[error("cannot check {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Untrusted {
    /// As an I/O error (kind `PermissionDenied`) carrying this one, for the transport layer;
    /// [`Untrusted::from_io`] gets it back.
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::PermissionDenied, self)
    }

    /// The `Untrusted` inside an I/O error made by [`Untrusted::into_io`], if any.
    pub fn from_io(e: &std::io::Error) -> Option<&Untrusted> {
        e.get_ref().and_then(|i| i.downcast_ref::<Untrusted>())
    }
}

/// This process's uid.
#[cfg(unix)]
pub fn my_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// Check `dir` and every existing folder above it. `dir` itself (when it exists) must be ours
/// and not writable by group or others; a folder above must belong to us or root and, when
/// others may write it, carry the sticky bit (as `/tmp` does), so nobody can swap `dir` out.
#[cfg(unix)]
pub fn check_dir(dir: &Path) -> Result<(), Untrusted> {
    use std::os::unix::fs::MetadataExt;
    let me = my_uid();
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(dir))
            .unwrap_or_else(|_| dir.to_path_buf())
    };
    for (i, p) in abs.ancestors().enumerate() {
        let meta = match std::fs::symlink_metadata(p) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(Untrusted::Io {
                    path: p.to_path_buf(),
                    source,
                })
            }
        };
        let owner = meta.uid();
        let mode = meta.mode() & 0o7777;
        if i == 0 {
            if owner != me {
                return Err(Untrusted::NotOurs {
                    path: p.to_path_buf(),
                    owner,
                    me,
                });
            }
            if mode & 0o022 != 0 {
                return Err(Untrusted::OpenToOthers {
                    path: p.to_path_buf(),
                    mode,
                });
            }
        } else {
            if owner != me && owner != 0 {
                return Err(Untrusted::NotOurs {
                    path: p.to_path_buf(),
                    owner,
                    me,
                });
            }
            if mode & 0o002 != 0 && mode & 0o1000 == 0 {
                return Err(Untrusted::OpenToOthers {
                    path: p.to_path_buf(),
                    mode,
                });
            }
        }
    }
    Ok(())
}

/// Check the socket file before connecting: absent is fine (nothing to talk to), otherwise it
/// must be a socket (not a symlink to one elsewhere) owned by us and not writable by others.
#[cfg(unix)]
pub fn check_socket(path: &Path) -> Result<(), Untrusted> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(Untrusted::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let ft = meta.file_type();
    if !ft.is_socket() {
        let what = if ft.is_symlink() {
            "symbolic link"
        } else if ft.is_dir() {
            "folder"
        } else {
            "file"
        };
        return Err(Untrusted::NotASocket {
            path: path.to_path_buf(),
            what,
        });
    }
    let me = my_uid();
    if meta.uid() != me {
        return Err(Untrusted::NotOurs {
            path: path.to_path_buf(),
            owner: meta.uid(),
            me,
        });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(Untrusted::OpenToOthers {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// The uid of the process at the other end of a connected Unix socket, from the kernel.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn peer_uid(s: &std::os::unix::net::UnixStream) -> Option<u32> {
    use std::os::fd::AsRawFd;
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `cred`, which is that large.
    let r = unsafe {
        libc::getsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            &mut cred as *mut libc::ucred as *mut libc::c_void,
            &mut len,
        )
    };
    (r == 0).then_some(cred.uid)
}

/// The uid of the process at the other end of a connected Unix socket, from the kernel.
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
pub fn peer_uid(s: &std::os::unix::net::UnixStream) -> Option<u32> {
    use std::os::fd::AsRawFd;
    let mut uid: libc::uid_t = 0;
    let mut gid: libc::gid_t = 0;
    // SAFETY: getpeereid writes two integers we own.
    let r = unsafe { libc::getpeereid(s.as_raw_fd(), &mut uid, &mut gid) };
    (r == 0).then_some(uid)
}

/// Refuse a connected socket whose peer is not this user (`path` only names it in the error).
#[cfg(unix)]
pub fn check_peer(s: &std::os::unix::net::UnixStream, path: &Path) -> Result<(), Untrusted> {
    let me = my_uid();
    match peer_uid(s) {
        Some(u) if u == me => Ok(()),
        peer => Err(Untrusted::PeerNotUs {
            path: path.to_path_buf(),
            peer,
            me,
        }),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn private_dir_passes_open_dir_is_refused_with_the_fix() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("run");
        std::fs::create_dir(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
        check_dir(&d).unwrap();
        check_dir(&d.join("not-yet")).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = check_dir(&d).unwrap_err().to_string();
        assert!(
            e.contains("written by other users") && e.contains("chmod 700"),
            "{e}"
        );
        // A folder below an open one is no better: the open one can be renamed away.
        let e = check_dir(&d.join("x")).unwrap_err().to_string();
        assert!(e.contains("mode 777"), "{e}");
    }

    #[test]
    fn a_regular_file_or_symlink_is_not_a_socket() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("agent.sock");
        std::fs::write(&f, b"").unwrap();
        assert!(check_socket(&f).unwrap_err().to_string().contains("a file"));
        let l = t.path().join("link.sock");
        std::os::unix::fs::symlink(&f, &l).unwrap();
        assert!(check_socket(&l)
            .unwrap_err()
            .to_string()
            .contains("symbolic link"));
        check_socket(&t.path().join("absent.sock")).unwrap();
    }

    #[test]
    fn our_own_listener_passes_the_peer_check() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("s.sock");
        let _l = std::os::unix::net::UnixListener::bind(&p).unwrap();
        let s = std::os::unix::net::UnixStream::connect(&p).unwrap();
        check_peer(&s, &p).unwrap();
        check_socket(&p).unwrap();
        let io = Untrusted::NotASocket {
            path: p.clone(),
            what: "file",
        }
        .into_io();
        let e = Untrusted::from_io(&io).unwrap().to_string();
        assert!(e.contains("not a socket"), "{e}");
    }
}
