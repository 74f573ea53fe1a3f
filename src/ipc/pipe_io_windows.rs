//! One end of the agent's named pipe, with read timeouts.
//!
//! A synchronous pipe handle has no read timeout (`ReadFile` waits until data comes), so a
//! client whose agent stalls would wait for ever, and a Maya main thread with it. Both ends are
//! therefore opened for overlapped I/O (`FILE_FLAG_OVERLAPPED`): a read is started, waited for
//! up to the timeout, and cancelled (`CancelIoEx`) when it runs out, giving
//! `io::ErrorKind::TimedOut` — what `UnixStream::set_read_timeout` gives on Unix (there
//! `WouldBlock`): the caller sees a timeout, no byte is lost (a read that completes while
//! being cancelled returns its data). Writes wait for completion, like a blocking write.

use std::io;
use std::os::windows::io::{AsRawHandle, OwnedHandle};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use windows_sys::Win32::Foundation::{
    GetLastError, ERROR_BROKEN_PIPE, ERROR_IO_PENDING, ERROR_NO_DATA, ERROR_OPERATION_ABORTED,
    ERROR_PIPE_NOT_CONNECTED, HANDLE, WAIT_OBJECT_0,
};
use windows_sys::Win32::Storage::FileSystem::{ReadFile, WriteFile};
use windows_sys::Win32::System::Threading::{CreateEventW, WaitForSingleObject, INFINITE};
use windows_sys::Win32::System::IO::{CancelIoEx, GetOverlappedResult, OVERLAPPED};

/// A connected pipe end opened with `FILE_FLAG_OVERLAPPED`.
#[derive(Debug)]
pub struct PipeConn {
    handle: OwnedHandle,
    /// Shared by clones, as a socket's `SO_RCVTIMEO` is.
    timeout: Arc<Mutex<Option<Duration>>>,
}

impl PipeConn {
    pub(super) fn new(handle: OwnedHandle) -> PipeConn {
        PipeConn {
            handle,
            timeout: Arc::new(Mutex::new(None)),
        }
    }

    pub(super) fn raw(&self) -> HANDLE {
        self.handle.as_raw_handle() as HANDLE
    }

    pub fn try_clone(&self) -> io::Result<PipeConn> {
        Ok(PipeConn {
            handle: self.handle.try_clone()?,
            timeout: Arc::clone(&self.timeout),
        })
    }

    pub fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        if t == Some(Duration::ZERO) {
            // As std's sockets: a zero timeout is an error, not "no timeout".
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "cannot set a 0 duration timeout",
            ));
        }
        *self.timeout.lock().unwrap_or_else(|p| p.into_inner()) = t;
        Ok(())
    }

    fn read_timeout(&self) -> Option<Duration> {
        *self.timeout.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// An OVERLAPPED with its own manual-reset event (closed on drop).
struct Op {
    ov: OVERLAPPED,
    event: OwnedHandle,
}

impl Op {
    fn new() -> io::Result<Box<Op>> {
        // SAFETY: an unnamed manual-reset event, initially unsignalled.
        let ev = unsafe { CreateEventW(std::ptr::null(), 1, 0, std::ptr::null()) };
        if ev.is_null() {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh handle owned by nothing else.
        let event = unsafe { std::os::windows::io::FromRawHandle::from_raw_handle(ev as _) };
        // SAFETY: a zeroed OVERLAPPED is the documented starting state.
        let mut op = Box::new(Op {
            ov: unsafe { std::mem::zeroed() },
            event,
        });
        op.ov.hEvent = op.event.as_raw_handle() as HANDLE;
        Ok(op)
    }
}

/// Waits for a client on a server instance (`ConnectNamedPipe`, overlapped, no timeout).
pub(super) fn wait_for_client(h: HANDLE) -> io::Result<()> {
    use windows_sys::Win32::Foundation::ERROR_PIPE_CONNECTED;
    use windows_sys::Win32::System::Pipes::ConnectNamedPipe;
    let mut op = Op::new()?;
    let ov: *mut OVERLAPPED = &mut op.ov;
    // SAFETY: `op` outlives the operation (GetOverlappedResult waits for it).
    if unsafe { ConnectNamedPipe(h, ov) } == 0 {
        // SAFETY: plain call right after the failing one.
        match unsafe { GetLastError() } {
            ERROR_PIPE_CONNECTED => return Ok(()),
            ERROR_IO_PENDING => {}
            code => return Err(io::Error::from_raw_os_error(code as i32)),
        }
    }
    let mut n = 0u32;
    // SAFETY: as above; waits until a client connected.
    if unsafe { GetOverlappedResult(h, ov, &mut n, 1) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// End of the pipe seen as end of file (the other side closed), like a socket.
fn eof(code: u32) -> bool {
    code == ERROR_BROKEN_PIPE || code == ERROR_PIPE_NOT_CONNECTED || code == ERROR_NO_DATA
}

impl io::Read for PipeConn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let h = self.raw();
        let len = buf.len().min(u32::MAX as usize) as u32;
        // Boxed: the OVERLAPPED must not move while the system may still write to it.
        let mut op = Op::new()?;
        let event = op.ov.hEvent;
        let ov: *mut OVERLAPPED = &mut op.ov;
        let mut n = 0u32;
        // SAFETY: `buf` and `op` outlive the operation: every path below waits for it to end.
        let ok = unsafe { ReadFile(h, buf.as_mut_ptr(), len, std::ptr::null_mut(), ov) };
        if ok == 0 {
            // SAFETY: plain call right after the failing one.
            let code = unsafe { GetLastError() };
            if eof(code) {
                return Ok(0);
            }
            if code != ERROR_IO_PENDING {
                return Err(io::Error::from_raw_os_error(code as i32));
            }
            let ms = match self.read_timeout() {
                Some(t) => t.as_millis().clamp(1, u128::from(INFINITE - 1)) as u32,
                None => INFINITE,
            };
            // SAFETY: the event handle lives in `op`.
            let waited = unsafe { WaitForSingleObject(event, ms) };
            if waited != WAIT_OBJECT_0 {
                // SAFETY: cancels only this operation; then wait for it to finish either way.
                unsafe { CancelIoEx(h, ov) };
            }
        }
        // SAFETY: waits (TRUE) until the operation has ended, so `buf` is free afterwards.
        if unsafe { GetOverlappedResult(h, ov, &mut n, 1) } == 0 {
            // SAFETY: plain call right after the failing one.
            let code = unsafe { GetLastError() };
            if eof(code) {
                return Ok(0);
            }
            if code == ERROR_OPERATION_ABORTED {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the brm agent did not answer in time",
                ));
            }
            return Err(io::Error::from_raw_os_error(code as i32));
        }
        Ok(n as usize)
    }
}

impl io::Write for PipeConn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let h = self.raw();
        let len = buf.len().min(u32::MAX as usize) as u32;
        let mut op = Op::new()?;
        let ov: *mut OVERLAPPED = &mut op.ov;
        let mut n = 0u32;
        // SAFETY: `buf` and `op` outlive the operation (GetOverlappedResult waits for it).
        let ok = unsafe { WriteFile(h, buf.as_ptr(), len, std::ptr::null_mut(), ov) };
        if ok == 0 {
            // SAFETY: plain call right after the failing one.
            let code = unsafe { GetLastError() };
            if code != ERROR_IO_PENDING {
                return Err(io::Error::from_raw_os_error(code as i32));
            }
        }
        // SAFETY: as above.
        if unsafe { GetOverlappedResult(h, ov, &mut n, 1) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
