//! Windows transport: a per-user named pipe that only this user can open, and that a client
//! trusts only when this user created it.
//!
//! - **DACL limited to the user.** The default security of a named pipe also grants read
//!   access to Everyone and the anonymous account (learn.microsoft.com/windows/win32/ipc/
//!   named-pipe-security-and-access-rights), so every instance is created with an explicit,
//!   protected DACL: full access for this user's SID and nobody else (`D:P(A;;GA;;;<sid>)`).
//! - **No squatting.** The first instance is created with `FILE_FLAG_FIRST_PIPE_INSTANCE`:
//!   if another process (another user) already serves that name, the agent refuses to start
//!   instead of sharing it; and the client checks that the pipe it opened is owned by its own
//!   SID before sending anything (a pipe created by another user has that user as owner).
//! - **Always an instance waiting.** The next instance is created before a connected one is
//!   handed over, so a client never finds the name missing between two accepts (it would take
//!   that for "no agent" and start a second one); a client that finds every instance busy
//!   waits for one (`WaitNamedPipeW`).
//! - Remote clients are rejected (`PIPE_REJECT_REMOTE_CLIENTS`).
//!
//! - Read timeouts work as on Unix: both ends use overlapped I/O (`pipe_io_windows.rs`).

use super::*;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::fs::OpenOptionsExt;
use std::os::windows::io::{FromRawHandle, OwnedHandle};
use std::sync::Mutex;

use windows_sys::Win32::Foundation::{
    CloseHandle, LocalFree, ERROR_PIPE_BUSY, HANDLE, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW, GetSecurityInfo,
    SDDL_REVISION_1, SE_KERNEL_OBJECT,
};
use windows_sys::Win32::Security::{
    EqualSid, GetTokenInformation, TokenUser, OWNER_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR,
    PSID, SECURITY_ATTRIBUTES, TOKEN_QUERY, TOKEN_USER,
};
use windows_sys::Win32::Storage::FileSystem::{
    FILE_FLAG_FIRST_PIPE_INSTANCE, FILE_FLAG_OVERLAPPED, PIPE_ACCESS_DUPLEX,
};
use windows_sys::Win32::System::Pipes::{
    CreateNamedPipeW, WaitNamedPipeW, PIPE_READMODE_BYTE, PIPE_REJECT_REMOTE_CLIENTS,
    PIPE_TYPE_BYTE, PIPE_UNLIMITED_INSTANCES, PIPE_WAIT,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

#[path = "pipe_io_windows.rs"]
mod pipe_io;
pub use pipe_io::PipeConn;

impl Conn for PipeConn {
    fn try_clone_box(&self) -> io::Result<Box<dyn Conn>> {
        Ok(Box::new(self.try_clone()?))
    }
    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        PipeConn::set_read_timeout(self, t)
    }
}

/// The pipe name for a state folder: per user, and per `BRM_HOME` (two homes, two agents,
/// as two socket files on Unix).
pub(super) fn pipe_name(paths: &crate::paths::Paths) -> PathBuf {
    // FNV-1a of the runtime folder, case-folded as Windows paths are.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in paths.runtime.to_string_lossy().to_lowercase().bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    PathBuf::from(format!(
        r"\\.\pipe\brm-agent-{}-{hash:016x}",
        crate::paths::user_tag()
    ))
}

/// This process's user SID, in the buffer `GetTokenInformation(TokenUser)` filled.
struct UserSid {
    buf: Vec<u64>,
}

impl UserSid {
    fn current() -> io::Result<UserSid> {
        let mut token: HANDLE = std::ptr::null_mut();
        // SAFETY: pseudo-handle of this process; out-pointer on our stack.
        if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
            return Err(io::Error::last_os_error());
        }
        let mut len = 0u32;
        // SAFETY: the size query (null buffer) of a documented information class.
        unsafe { GetTokenInformation(token, TokenUser, std::ptr::null_mut(), 0, &mut len) };
        let mut buf = vec![0u64; (len as usize).div_ceil(8).max(1)];
        // SAFETY: `buf` holds at least `len` bytes, 8-byte aligned.
        let ok = unsafe {
            GetTokenInformation(token, TokenUser, buf.as_mut_ptr().cast(), len, &mut len)
        };
        let err = io::Error::last_os_error();
        // SAFETY: the token handle we opened.
        unsafe { CloseHandle(token) };
        if ok == 0 {
            return Err(err);
        }
        Ok(UserSid { buf })
    }

    fn psid(&self) -> PSID {
        // SAFETY: the buffer starts with the TOKEN_USER the system wrote.
        unsafe { (*(self.buf.as_ptr() as *const TOKEN_USER)).User.Sid }
    }

    fn to_string_sid(&self) -> io::Result<String> {
        let mut s: *mut u16 = std::ptr::null_mut();
        // SAFETY: a valid SID; the system allocates `s` (freed below with LocalFree).
        if unsafe { ConvertSidToStringSidW(self.psid(), &mut s) } == 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `s` is a NUL-terminated UTF-16 string.
        let text = unsafe {
            let len = (0..).take_while(|&i| *s.add(i) != 0).count();
            String::from_utf16_lossy(std::slice::from_raw_parts(s, len))
        };
        // SAFETY: allocated by ConvertSidToStringSidW.
        unsafe { LocalFree(s.cast()) };
        Ok(text)
    }
}

/// A self-relative security descriptor from SDDL (freed on drop).
struct Descriptor(PSECURITY_DESCRIPTOR);

// SAFETY: the descriptor is immutable memory owned by this value alone.
unsafe impl Send for Descriptor {}
unsafe impl Sync for Descriptor {}

impl Descriptor {
    /// Owner and the only access: this user (protected: nothing inherited).
    fn user_only() -> io::Result<Descriptor> {
        let sid = UserSid::current()?.to_string_sid()?;
        let sddl: Vec<u16> = format!("O:{sid}D:P(A;;GA;;;{sid})")
            .encode_utf16()
            .chain(std::iter::once(0))
            .collect();
        let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: NUL-terminated SDDL; the system allocates `sd`.
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                sddl.as_ptr(),
                SDDL_REVISION_1,
                &mut sd,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Descriptor(sd))
    }
}

impl Drop for Descriptor {
    fn drop(&mut self) {
        // SAFETY: allocated by ConvertStringSecurityDescriptorToSecurityDescriptorW.
        unsafe { LocalFree(self.0) };
    }
}

pub struct Listener {
    name: Vec<u16>,
    sd: Descriptor,
    /// The instance the next client connects to (always one, see the module notes).
    next: Mutex<Option<PipeConn>>,
}

impl Listener {
    /// Creates the first instance; fails if the name is already served (another agent, or
    /// another user squatting it).
    pub fn bind(path: &Path) -> io::Result<Listener> {
        let name: Vec<u16> = path
            .as_os_str()
            .encode_wide()
            .chain(std::iter::once(0))
            .collect();
        let sd = Descriptor::user_only()?;
        let first = create_instance(&name, &sd, true).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "{e}; the pipe {} is already served by another process: stop the other \
                     brm agent, or find who created it",
                    path.display()
                ),
            )
        })?;
        Ok(Listener {
            name,
            sd,
            next: Mutex::new(Some(first)),
        })
    }

    /// Blocks until a client connects (the server loop runs this on its own thread).
    pub fn accept(&self) -> io::Result<Option<Box<dyn Conn>>> {
        let pending = self.next.lock().unwrap_or_else(|p| p.into_inner()).take();
        let pipe = match pending {
            Some(p) => p,
            None => create_instance(&self.name, &self.sd, false)?,
        };
        pipe_io::wait_for_client(pipe.raw())?;
        // The next instance before handing this one over: the name never disappears.
        if let Ok(next) = create_instance(&self.name, &self.sd, false) {
            *self.next.lock().unwrap_or_else(|p| p.into_inner()) = Some(next);
        }
        Ok(Some(Box::new(pipe)))
    }
}

fn create_instance(name: &[u16], sd: &Descriptor, first: bool) -> io::Result<PipeConn> {
    let sa = SECURITY_ATTRIBUTES {
        nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
        lpSecurityDescriptor: sd.0,
        bInheritHandle: 0,
    };
    let open_mode = PIPE_ACCESS_DUPLEX
        | FILE_FLAG_OVERLAPPED
        | if first {
            FILE_FLAG_FIRST_PIPE_INSTANCE
        } else {
            0
        };
    // SAFETY: NUL-terminated UTF-16 name; `sa` and its descriptor outlive the call.
    let h = unsafe {
        CreateNamedPipeW(
            name.as_ptr(),
            open_mode,
            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
            PIPE_UNLIMITED_INSTANCES,
            65536,
            65536,
            0,
            &sa,
        )
    };
    if h == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: ownership of the fresh handle moves into the connection.
    Ok(PipeConn::new(unsafe {
        OwnedHandle::from_raw_handle(h as _)
    }))
}

/// Opens the agent's pipe (waiting up to 2 s while every instance is busy) and checks that
/// this user created it.
pub fn connect(path: &Path) -> io::Result<Box<dyn Conn>> {
    let name: Vec<u16> = path
        .as_os_str()
        .encode_wide()
        .chain(std::iter::once(0))
        .collect();
    let mut tries = 0;
    let f = loop {
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(FILE_FLAG_OVERLAPPED)
            .open(path)
        {
            Ok(f) => break PipeConn::new(OwnedHandle::from(f)),
            Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY as i32) && tries < 4 => {
                tries += 1;
                // SAFETY: NUL-terminated name; waits at most 500 ms.
                unsafe { WaitNamedPipeW(name.as_ptr(), 500) };
            }
            Err(e) => return Err(e),
        }
    };
    if !owned_by_us(f.raw())? {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "refused {}: it was created by another user, not by your brm agent; \
                 do not send it anything (ask an administrator who runs it)",
                path.display()
            ),
        ));
    }
    Ok(Box::new(f))
}

/// Whether the owner of the object behind handle `h` is this process's user.
pub(crate) fn owned_by_us(h: HANDLE) -> io::Result<bool> {
    let me = UserSid::current()?;
    let mut owner: PSID = std::ptr::null_mut();
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: a valid handle; the system allocates `sd`, into which `owner` points.
    let rc = unsafe {
        GetSecurityInfo(
            h,
            SE_KERNEL_OBJECT,
            OWNER_SECURITY_INFORMATION,
            &mut owner,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut sd,
        )
    };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc as i32));
    }
    // SAFETY: both SIDs are valid for the duration of the call.
    let same = !owner.is_null() && unsafe { EqualSid(owner, me.psid()) } != 0;
    // SAFETY: allocated by GetSecurityInfo.
    unsafe { LocalFree(sd) };
    Ok(same)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use std::io::{Read, Write};
    use std::os::windows::io::AsRawHandle;

    #[test]
    fn a_read_times_out_when_the_agent_does_not_answer_and_nothing_is_lost() {
        let name = PathBuf::from(format!(r"\\.\pipe\brm-test-timeout-{}", std::process::id()));
        let listener = Listener::bind(&name).unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let server = std::thread::spawn(move || {
            let mut conn = listener.accept().unwrap().unwrap();
            rx.recv().unwrap(); // silent until told
            conn.write_all(b"late answer\n").unwrap();
            let mut buf = [0u8; 5];
            conn.read_exact(&mut buf).unwrap();
            buf
        });
        let mut client = connect(&name).unwrap();
        client
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let t0 = std::time::Instant::now();
        let mut buf = [0u8; 64];
        let e = client.read(&mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
        // The connection still works, both ways, after a timeout.
        tx.send(()).unwrap();
        client.set_read_timeout(None).unwrap();
        let mut got = Vec::new();
        while !got.ends_with(b"\n") {
            let n = client.read(&mut buf).unwrap();
            assert_ne!(n, 0, "early end of file");
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"late answer\n");
        client.write_all(b"hello").unwrap();
        assert_eq!(&server.join().unwrap(), b"hello");
        drop(client);
    }

    #[test]
    fn pipe_names_differ_per_home_and_are_stable() {
        let a = crate::paths::Paths::under(Path::new(r"C:\a"));
        let b = crate::paths::Paths::under(Path::new(r"C:\b"));
        let a2 = crate::paths::Paths::under(Path::new(r"c:\A"));
        assert_ne!(pipe_name(&a), pipe_name(&b));
        assert_eq!(pipe_name(&a), pipe_name(&a2));
        assert!(pipe_name(&a)
            .to_string_lossy()
            .starts_with(r"\\.\pipe\brm-agent-"));
    }

    /// Wine (which the CI runs these tests under) exports this from its ntdll; Windows does not.
    fn under_wine() -> bool {
        use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleA, GetProcAddress};
        // SAFETY: NUL-terminated names; ntdll is loaded in every process.
        unsafe {
            let ntdll = GetModuleHandleA(b"ntdll.dll\0".as_ptr());
            !ntdll.is_null() && GetProcAddress(ntdll, b"wine_get_version\0".as_ptr()).is_some()
        }
    }

    /// The DACL of the object behind `f`, in SDDL.
    fn dacl_sddl(f: &File) -> String {
        use windows_sys::Win32::Security::Authorization::ConvertSecurityDescriptorToStringSecurityDescriptorW;
        use windows_sys::Win32::Security::DACL_SECURITY_INFORMATION;
        let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: valid handle; the system allocates `sd`.
        let rc = unsafe {
            GetSecurityInfo(
                f.as_raw_handle() as HANDLE,
                SE_KERNEL_OBJECT,
                DACL_SECURITY_INFORMATION,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut sd,
            )
        };
        assert_eq!(rc, 0, "GetSecurityInfo");
        let mut s: *mut u16 = std::ptr::null_mut();
        // SAFETY: `sd` is valid; the system allocates `s`.
        let ok = unsafe {
            ConvertSecurityDescriptorToStringSecurityDescriptorW(
                sd,
                SDDL_REVISION_1,
                DACL_SECURITY_INFORMATION,
                &mut s,
                std::ptr::null_mut(),
            )
        };
        assert_ne!(ok, 0);
        // SAFETY: NUL-terminated string from the system; both freed with LocalFree.
        unsafe {
            let len = (0..).take_while(|&i| *s.add(i) != 0).count();
            let text = String::from_utf16_lossy(std::slice::from_raw_parts(s, len));
            LocalFree(s.cast());
            LocalFree(sd);
            text
        }
    }

    #[test]
    fn the_pipe_is_ours_only_and_a_second_agent_cannot_take_its_name() {
        let name = PathBuf::from(format!(r"\\.\pipe\brm-test-{}", std::process::id()));
        let listener = Listener::bind(&name).unwrap();
        if under_wine() {
            // Wine 8.0 ignores FILE_FLAG_FIRST_PIPE_INSTANCE (docs/ARCHITECTURE.md, "What Wine
            // proves"): only a real Windows can show the refusal.
            eprintln!("note: under Wine a second first instance is not refused");
        } else {
            assert!(Listener::bind(&name).is_err(), "the name is taken");
        }
        let server = std::thread::spawn(move || {
            let first = listener.accept().map(|c| c.is_some());
            let second = listener.accept().map(|c| c.is_some());
            (first, second)
        });
        let conn = connect(&name).unwrap();
        // A second client, on the instance made while the first was handed over.
        // Busy until the server made the next instance (a client waits, as `connect` does).
        let raw = (0..100)
            .find_map(|_| {
                match std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&name)
                {
                    Ok(f) => Some(f),
                    Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY as i32) => {
                        std::thread::sleep(Duration::from_millis(20));
                        None
                    }
                    Err(e) => panic!("{e}"),
                }
            })
            .expect("a second instance");
        let (first, second) = server.join().unwrap();
        assert!(first.unwrap() && second.unwrap());
        assert!(
            owned_by_us(raw.as_raw_handle() as HANDLE).unwrap(),
            "the pipe's owner is this user"
        );
        // The DACL as the system reports it: one entry, this user, nothing inherited.
        let me = UserSid::current().unwrap().to_string_sid().unwrap();
        let dacl = dacl_sddl(&raw);
        drop((conn, raw));
        assert!(dacl.starts_with("D:P"), "{dacl}");
        assert!(dacl.contains(&me), "{dacl} lacks {me}");
        assert_eq!(dacl.matches("(A;").count(), 1, "{dacl}");
        assert!(!dacl.contains(";WD)") && !dacl.contains(";AN)"), "{dacl}");
    }
}
