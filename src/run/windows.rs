//! Windows specifics: process group + Job Object, cancel, start times.
//!
//! Each render gets its own Job Object so cancel reaches every process the renderer starts
//! (Maya's `Render` starts helpers; mayapy may spawn licence tools). The job is *not*
//! `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`: renders must outlive the agent. The process is
//! assigned right after `CreateProcess`; one it spawns in that instant escapes the job (std
//! does not expose a suspended start) — renderers take far longer than that to start helpers.
//!
//! Cancel sends `CTRL_BREAK_EVENT` to the render's process group (it is created with
//! `CREATE_NEW_PROCESS_GROUP`), which reaches it only when it shares the agent's console; after
//! the grace period `TerminateJobObject` ends every process of the job.
//!
//! Renders start with error dialogs off ([`QUIET_ERROR_MODE`]) and without a console window.
//!
//! Handles: std starts children with handle inheritance on, so every inheritable handle of
//! the agent reaches renders. The agent holds none: std creates its handles non-inheritable,
//! the agent is started with an explicit handle list (`run/detached_windows.rs`), and `brm
//! agent serve` makes its own stdio non-inheritable at start (`disinherit_std_handles`). A
//! render-side handle list would need a hand-written `CreateProcessW`. If the agent itself
//! runs inside a kill-on-close job (some launchers), renders die with that job unless
//! the agent was started with `CREATE_BREAKAWAY_FROM_JOB`.

use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle, RawHandle};
use std::os::windows::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::{FILETIME, HANDLE, STILL_ACTIVE, WAIT_TIMEOUT};
use windows_sys::Win32::System::Console::{GenerateConsoleCtrlEvent, CTRL_BREAK_EVENT};
use windows_sys::Win32::System::Diagnostics::Debug::{
    GetErrorMode, SetErrorMode, SEM_FAILCRITICALERRORS, SEM_NOGPFAULTERRORBOX,
    SEM_NOOPENFILEERRORBOX,
};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JobObjectBasicAccountingInformation,
    OpenJobObjectW, QueryInformationJobObject, TerminateJobObject,
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION,
};
use windows_sys::Win32::System::Threading::{
    GetCurrentThread, GetExitCodeProcess, GetProcessTimes, OpenProcess, SetPriorityClass,
    SetThreadPriority, TerminateProcess, WaitForSingleObject, BELOW_NORMAL_PRIORITY_CLASS,
    CREATE_NEW_PROCESS_GROUP, CREATE_NO_WINDOW, PROCESS_QUERY_LIMITED_INFORMATION,
    PROCESS_SYNCHRONIZE, PROCESS_TERMINATE, THREAD_PRIORITY_BELOW_NORMAL,
};

const KILL_WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(10);

/// Error dialogs a render must never wait behind: the critical-error box ("no disk in
/// drive"), the crash box (Windows Error Reporting's "has stopped working"), the open-file
/// error box. A crashing `mayabatch.exe` then exits and fails its task instead of hanging
/// until someone clicks (what OpenCue users report and Deadline ships popup handlers for).
pub(super) const QUIET_ERROR_MODE: u32 =
    SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX;

/// New process group (for `CTRL_BREAK`), no console window flashing up per render, and the
/// quiet error mode, which a child inherits from its creator unless started with
/// `CREATE_DEFAULT_ERROR_MODE` (learn.microsoft.com/windows/win32/api/errhandlingapi/
/// nf-errhandlingapi-seterrormode). The error mode is per process, so it is set on the
/// spawning process (the agent, a background process that must not show dialogs either).
///
/// A lowered `priority` (a workstation render, issue 20) adds `BELOW_NORMAL_PRIORITY_CLASS`;
/// processes the render starts inherit it (a below-normal or idle creator passes its class
/// on when no class is given, learn.microsoft.com/windows/win32/procthread/
/// scheduling-priorities). Windows has no documented way to set another process's I/O
/// priority at creation; the CPU class is what yields to the artist.
pub(super) fn configure(cmd: &mut Command, priority: super::priority::RenderPriority) {
    // SAFETY: plain calls on integers; only adds flags to the process's mode.
    unsafe { SetErrorMode(GetErrorMode() | QUIET_ERROR_MODE) };
    let class = if priority.is_lowered() {
        BELOW_NORMAL_PRIORITY_CLASS
    } else {
        0
    };
    cmd.creation_flags(CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW | class);
}

/// Sets a lowered render's class on the started process as well: the creation flag is what
/// Windows applies before the first instruction runs (so the render's own children inherit
/// it), this call makes it hold where a creation flag is ignored (Wine).
pub(super) fn after_spawn(child: &std::process::Child, priority: super::priority::RenderPriority) {
    if priority.is_lowered() {
        use std::os::windows::io::AsRawHandle;
        // SAFETY: the child's process handle is valid while `child` lives.
        unsafe { SetPriorityClass(child.as_raw_handle() as _, BELOW_NORMAL_PRIORITY_CLASS) };
    }
}

/// Below-normal priority for the calling thread.
pub(super) fn lower_thread_priority() -> bool {
    // SAFETY: the pseudo-handle of the current thread is always valid.
    unsafe { SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL) != 0 }
}

/// The Job Object holding one render's processes.
#[derive(Debug)]
pub(super) struct Job(OwnedHandle);

/// Job objects are named after the render (pid + creation time, unique for the life of the
/// machine's boot): a job lives as long as a process is in it, so an agent restarted after a
/// crash opens the same job by name and cancel still reaches every helper of the render.
fn job_name(pid: u32, start_time: u64) -> Vec<u16> {
    format!(r"Local\brm-render-{pid}-{start_time}")
        .encode_utf16()
        .chain(std::iter::once(0))
        .collect()
}

/// Access a re-attaching agent needs: query (active processes) and terminate.
const JOB_OBJECT_QUERY: u32 = 0x0004;
const JOB_OBJECT_TERMINATE: u32 = 0x0008;

impl Job {
    /// Creates a job and puts `child` in it; `None` if that fails (e.g. the agent runs in a
    /// job that forbids nesting on an old Windows): cancel then falls back to the process.
    pub(super) fn assign(child: &std::process::Child) -> Option<Job> {
        let name = child_start_time(child).map(|t| job_name(child.id(), t));
        let name_ptr = name.as_ref().map_or(std::ptr::null(), |n| n.as_ptr());
        // SAFETY: null attributes; the name (or null) is NUL-terminated UTF-16; the handle is
        // owned below.
        let raw = unsafe { CreateJobObjectW(std::ptr::null(), name_ptr) };
        if raw.is_null() {
            return None;
        }
        // SAFETY: `raw` is a fresh job handle that nothing else owns.
        let job = Job(unsafe { OwnedHandle::from_raw_handle(raw as RawHandle) });
        let process = child.as_raw_handle() as HANDLE;
        // SAFETY: both handles are valid for the duration of the call.
        let ok = unsafe { AssignProcessToJobObject(job.raw(), process) } != 0;
        ok.then_some(job)
    }

    /// The job of a render an earlier agent started, while any of its processes runs.
    pub(super) fn open(pid: u32, start_time: u64) -> Option<Job> {
        let name = job_name(pid, start_time);
        // SAFETY: NUL-terminated name; a null result means no such job (or no access).
        let raw =
            unsafe { OpenJobObjectW(JOB_OBJECT_QUERY | JOB_OBJECT_TERMINATE, 0, name.as_ptr()) };
        if raw.is_null() {
            return None;
        }
        // SAFETY: a fresh handle owned by nothing else.
        Some(Job(unsafe {
            OwnedHandle::from_raw_handle(raw as RawHandle)
        }))
    }

    fn raw(&self) -> HANDLE {
        self.0.as_raw_handle() as HANDLE
    }

    /// Processes still running in the job (0 if the query fails: nothing to wait for).
    pub(super) fn active_processes(&self) -> u32 {
        let mut info = JOBOBJECT_BASIC_ACCOUNTING_INFORMATION::default();
        // SAFETY: `info` is the struct this information class fills.
        let ok = unsafe {
            QueryInformationJobObject(
                self.raw(),
                JobObjectBasicAccountingInformation,
                &mut info as *mut _ as *mut core::ffi::c_void,
                std::mem::size_of::<JOBOBJECT_BASIC_ACCOUNTING_INFORMATION>() as u32,
                std::ptr::null_mut(),
            )
        } != 0;
        if ok {
            info.ActiveProcesses
        } else {
            0
        }
    }

    /// Ends every process of the job now.
    pub(super) fn terminate(&self) {
        // SAFETY: valid job handle.
        unsafe { TerminateJobObject(self.raw(), 1) };
    }

    /// CTRL_BREAK, grace, TerminateJobObject; returns whether the job is empty.
    pub(super) fn cancel(&self, pid: u32, grace: Duration, reap: &dyn Fn()) -> bool {
        reap();
        if self.active_processes() == 0 {
            return true;
        }
        ctrl_break(pid);
        if wait_until(grace, reap, || self.active_processes() == 0) {
            return true;
        }
        self.terminate();
        wait_until(KILL_WAIT, reap, || self.active_processes() == 0)
    }
}

/// Cancel of a single process (no job): CTRL_BREAK, grace, TerminateProcess.
pub(super) fn cancel_process(
    handle: RawHandle,
    pid: u32,
    grace: Duration,
    reap: &dyn Fn(),
) -> bool {
    let h = handle as HANDLE;
    let running = || process_handle_running(h);
    reap();
    if !running() {
        return true;
    }
    ctrl_break(pid);
    if wait_until(grace, reap, || !running()) {
        return true;
    }
    terminate_process(handle);
    wait_until(KILL_WAIT, reap, || !running())
}

/// CTRL_BREAK to process group `pid`; fails silently when the render has its own console.
pub(super) fn ctrl_break(pid: u32) {
    // SAFETY: plain call on integers.
    unsafe { GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, pid) };
}

/// Ends one process now.
pub(super) fn terminate_process(handle: RawHandle) {
    // SAFETY: a valid process handle with PROCESS_TERMINATE access (ours or opened so).
    unsafe { TerminateProcess(handle as HANDLE, 1) };
}

fn wait_until(limit: Duration, reap: &dyn Fn(), done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        reap();
        if done() {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        std::thread::sleep(POLL.min(deadline - now));
    }
}

fn process_handle_running(h: HANDLE) -> bool {
    // SAFETY: valid handle with SYNCHRONIZE access; a zero timeout never blocks.
    unsafe { WaitForSingleObject(h, 0) == WAIT_TIMEOUT }
}

fn creation_time(h: HANDLE) -> Option<u64> {
    let zero = FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    };
    let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
    // SAFETY: all four out-pointers point to FILETIMEs on our stack.
    let ok = unsafe { GetProcessTimes(h, &mut created, &mut exited, &mut kernel, &mut user) } != 0;
    ok.then_some(((created.dwHighDateTime as u64) << 32) | created.dwLowDateTime as u64)
}

/// Creation FILETIME of a child we just spawned.
pub(super) fn child_start_time(child: &std::process::Child) -> Option<u64> {
    creation_time(child.as_raw_handle() as HANDLE)
}

/// Opens `pid` with the rights re-attach needs (query, wait, terminate).
pub(super) fn open_process(pid: u32) -> Option<OwnedHandle> {
    let access = PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_SYNCHRONIZE | PROCESS_TERMINATE;
    // SAFETY: plain call; a null result means no access or no such process.
    let raw = unsafe { OpenProcess(access, 0, pid) };
    if raw.is_null() {
        return None;
    }
    // SAFETY: fresh handle owned by nothing else.
    Some(unsafe { OwnedHandle::from_raw_handle(raw as RawHandle) })
}

pub(super) fn handle_start_time(h: &OwnedHandle) -> Option<u64> {
    creation_time(h.as_raw_handle() as HANDLE)
}

pub(super) fn handle_running(h: &OwnedHandle) -> bool {
    let raw = h.as_raw_handle() as HANDLE;
    let mut code = 0u32;
    // SAFETY: valid handle, out-pointer on our stack.
    let ok = unsafe { GetExitCodeProcess(raw, &mut code) } != 0;
    if ok && code != STILL_ACTIVE as u32 {
        return false;
    }
    process_handle_running(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workstation_render_runs_below_normal_and_a_node_render_at_normal() {
        use std::os::windows::io::AsRawHandle;
        use windows_sys::Win32::System::Threading::{GetPriorityClass, NORMAL_PRIORITY_CLASS};
        let cases = [
            (
                super::super::priority::RenderPriority::background(10),
                BELOW_NORMAL_PRIORITY_CLASS,
            ),
            (
                super::super::priority::RenderPriority::NORMAL,
                NORMAL_PRIORITY_CLASS,
            ),
        ];
        for (priority, want) in cases {
            let mut cmd = Command::new("cmd.exe");
            // Waits for input: alive while its class is read.
            cmd.arg("/k").stdin(std::process::Stdio::piped());
            configure(&mut cmd, priority);
            let mut child = cmd.spawn().unwrap();
            after_spawn(&child, priority);
            // SAFETY: the child's process handle is valid until `child` is dropped.
            let class = unsafe { GetPriorityClass(child.as_raw_handle() as _) };
            let _ = child.kill();
            let _ = child.wait();
            assert_eq!(class, want, "{priority:?}");
        }
    }

    #[test]
    fn configure_turns_error_dialogs_off_for_the_spawning_process() {
        let mut cmd = Command::new("cmd.exe");
        configure(&mut cmd, super::super::priority::RenderPriority::NORMAL);
        // SAFETY: plain call.
        let mode = unsafe { GetErrorMode() };
        assert_eq!(mode & QUIET_ERROR_MODE, QUIET_ERROR_MODE, "{mode:#x}");
    }
}
