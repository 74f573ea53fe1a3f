//! The few Win32 calls the fake renderer and the Wine tests need, declared by hand (this
//! package has no dependencies, so it builds offline). Signatures from the Windows SDK
//! headers (consoleapi.h, errhandlingapi.h, processthreadsapi.h, synchapi.h).

#![cfg(windows)]

use std::ffi::c_void;

pub type Handle = *mut c_void;
pub type CtrlHandler = unsafe extern "system" fn(u32) -> i32;

pub const PROCESS_QUERY_LIMITED_INFORMATION: u32 = 0x1000;
pub const PROCESS_TERMINATE: u32 = 0x0001;
pub const SYNCHRONIZE: u32 = 0x0010_0000;
pub const STILL_ACTIVE: u32 = 259;
pub const WAIT_TIMEOUT: u32 = 258;
pub const SEM_FAILCRITICALERRORS: u32 = 0x0001;
pub const SEM_NOGPFAULTERRORBOX: u32 = 0x0002;

#[link(name = "kernel32")]
extern "system" {
    pub fn SetConsoleCtrlHandler(handler: Option<CtrlHandler>, add: i32) -> i32;
    pub fn GetErrorMode() -> u32;
    pub fn GetConsoleWindow() -> Handle;
    pub fn OpenProcess(access: u32, inherit: i32, pid: u32) -> Handle;
    pub fn GetExitCodeProcess(process: Handle, code: *mut u32) -> i32;
    pub fn WaitForSingleObject(handle: Handle, ms: u32) -> u32;
    pub fn CloseHandle(handle: Handle) -> i32;
    pub fn TerminateProcess(process: Handle, code: u32) -> i32;
    pub fn GetModuleHandleA(name: *const u8) -> Handle;
    pub fn GetProcAddress(module: Handle, name: *const u8) -> *const c_void;
}

/// Whether this runs under Wine (its ntdll exports `wine_get_version`; Windows' does not).
pub fn under_wine() -> bool {
    // SAFETY: NUL-terminated names; ntdll is loaded in every process.
    unsafe {
        let ntdll = GetModuleHandleA(b"ntdll.dll\0".as_ptr());
        !ntdll.is_null() && !GetProcAddress(ntdll, b"wine_get_version\0".as_ptr()).is_null()
    }
}

/// A console control handler that swallows every event (Ctrl+C, Ctrl+Break, close, logoff,
/// shutdown): what a render helper that ignores them looks like.
unsafe extern "system" fn ignore_all(_event: u32) -> i32 {
    1
}

/// Ignore every console control event from now on.
pub fn ignore_console_events() {
    // SAFETY: installs a handler that only returns TRUE.
    unsafe {
        SetConsoleCtrlHandler(None, 1);
        SetConsoleCtrlHandler(Some(ignore_all), 1);
    }
}

/// Whether a process with this pid is running now.
pub fn process_running(pid: u32) -> bool {
    // SAFETY: plain calls; the handle is closed before returning.
    unsafe {
        let h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, 0, pid);
        if h.is_null() {
            return false;
        }
        let mut code = 0u32;
        let ok = GetExitCodeProcess(h, &mut code) != 0;
        let waiting = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
        CloseHandle(h);
        ok && code == STILL_ACTIVE && waiting
    }
}

/// Ends process `pid` at once, as Task Manager's "End task" or a crash would: no clean-up
/// runs in it. Returns whether it was ended.
pub fn kill_process(pid: u32) -> bool {
    // SAFETY: plain calls; the handle is closed before returning.
    unsafe {
        let h = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, 0, pid);
        if h.is_null() {
            return false;
        }
        let ok = TerminateProcess(h, 1) != 0;
        WaitForSingleObject(h, 10_000);
        CloseHandle(h);
        ok
    }
}

/// This process's error mode (inherited from its creator).
pub fn error_mode() -> u32 {
    // SAFETY: plain call.
    unsafe { GetErrorMode() }
}

/// Whether this process has a console window.
pub fn has_console_window() -> bool {
    // SAFETY: plain call.
    unsafe { !GetConsoleWindow().is_null() }
}
