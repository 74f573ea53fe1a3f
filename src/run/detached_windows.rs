//! Windows: start the agent detached, inheriting exactly three handles.
//!
//! Why not `std::process::Command`: std creates every process with `bInheritHandles = TRUE`,
//! so *every* inheritable handle of the starter reaches the agent, not only the ones given as
//! its stdio. A process's own standard handles are inheritable when its parent passed them
//! (that is how they got there), so `brm agent start` run with its output captured by a pipe
//! (a TD's script, `subprocess.run(..., capture_output=True)`, Maya) handed the write end of
//! that pipe to the agent, and the caller waited for end-of-file until the agent's idle exit.
//! Seen under Wine and the same on Windows (the inheritance rules are documented:
//! learn.microsoft.com/windows/win32/procthread/inheritance). Maya itself holds many
//! inheritable handles. The cure Microsoft documents
//! (devblogs.microsoft.com/oldnewthing/20111216-00/?p=8873) is an explicit list:
//! `PROC_THREAD_ATTRIBUTE_HANDLE_LIST` with the null device (stdin) and the agent log
//! (stdout, stderr), which std does not expose on stable Rust, hence this hand-written
//! `CreateProcessW`.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle, OwnedHandle, RawHandle};
use std::path::Path;

use windows_sys::Win32::Foundation::{
    SetHandleInformation, ERROR_ACCESS_DENIED, HANDLE, HANDLE_FLAG_INHERIT,
};
use windows_sys::Win32::System::Threading::{
    CreateProcessW, DeleteProcThreadAttributeList, InitializeProcThreadAttributeList,
    UpdateProcThreadAttribute, CREATE_BREAKAWAY_FROM_JOB, CREATE_NEW_PROCESS_GROUP,
    CREATE_UNICODE_ENVIRONMENT, DETACHED_PROCESS, EXTENDED_STARTUPINFO_PRESENT,
    LPPROC_THREAD_ATTRIBUTE_LIST, PROCESS_INFORMATION, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
    STARTF_USESTDHANDLES, STARTUPINFOEXW,
};

/// Starts `exe args…` detached from the caller's console, in its own process group and out of
/// the caller's job when allowed, with stdin from `NUL`, stdout and stderr appended to `log`,
/// the caller's environment plus `env`, in `cwd`. Returns the process id.
pub(super) fn spawn_detached(
    exe: &Path,
    args: &[&str],
    env: &[(&str, &OsStr)],
    cwd: &Path,
    log: File,
) -> io::Result<u32> {
    let nul = std::fs::OpenOptions::new().read(true).open("NUL")?;
    let handles: [HANDLE; 2] = [nul.as_raw_handle() as HANDLE, log.as_raw_handle() as HANDLE];
    for h in handles {
        // Inheritable, or the handle list refuses them; only this process created them, and
        // they are closed when this function returns.
        // SAFETY: valid handles owned by `nul` and `log`.
        if unsafe { SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT) } == 0 {
            return Err(io::Error::last_os_error());
        }
    }
    let mut cmdline = command_line(exe, args);
    let env_block = environment_block(env);
    let app = wide(exe.as_os_str());
    let dir = wide(cwd.as_os_str());
    let attrs = AttrList::with_handles(&handles)?;

    // SAFETY: zeroed STARTUPINFOEXW is a valid "no options" value; fields set below.
    let mut si: STARTUPINFOEXW = unsafe { std::mem::zeroed() };
    si.StartupInfo.cb = std::mem::size_of::<STARTUPINFOEXW>() as u32;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = handles[0];
    si.StartupInfo.hStdOutput = handles[1];
    si.StartupInfo.hStdError = handles[1];
    si.lpAttributeList = attrs.ptr();

    let base = EXTENDED_STARTUPINFO_PRESENT
        | CREATE_UNICODE_ENVIRONMENT
        | DETACHED_PROCESS
        | CREATE_NEW_PROCESS_GROUP;
    // Out of any kill-on-close job the starter (a launcher) runs in: the agent and its renders
    // must outlive it. A job that forbids breakaway refuses the flag: then start inside it.
    let mut result = create(
        &app,
        &mut cmdline,
        &env_block,
        &dir,
        &mut si,
        base | CREATE_BREAKAWAY_FROM_JOB,
    );
    if matches!(&result, Err(e) if e.raw_os_error() == Some(ERROR_ACCESS_DENIED as i32)) {
        result = create(&app, &mut cmdline, &env_block, &dir, &mut si, base);
    }
    drop(attrs);
    result
}

fn create(
    app: &[u16],
    cmdline: &mut [u16],
    env_block: &[u16],
    dir: &[u16],
    si: &mut STARTUPINFOEXW,
    flags: u32,
) -> io::Result<u32> {
    // SAFETY: zeroed PROCESS_INFORMATION is filled by CreateProcessW on success.
    let mut pi: PROCESS_INFORMATION = unsafe { std::mem::zeroed() };
    // SAFETY: every string is NUL-terminated UTF-16 that outlives the call; the command line
    // buffer is writable as CreateProcessW requires; `si` holds a live attribute list.
    let ok = unsafe {
        CreateProcessW(
            app.as_ptr(),
            cmdline.as_mut_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            1,
            flags,
            env_block.as_ptr() as *const core::ffi::c_void,
            dir.as_ptr(),
            &si.StartupInfo,
            &mut pi,
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fresh handles owned by nothing else; closing them does not affect the process.
    unsafe {
        drop(OwnedHandle::from_raw_handle(pi.hProcess as RawHandle));
        drop(OwnedHandle::from_raw_handle(pi.hThread as RawHandle));
    }
    Ok(pi.dwProcessId)
}

/// A `PROC_THREAD_ATTRIBUTE_LIST` holding one handle list (the handles must outlive it).
struct AttrList {
    buf: Vec<usize>,
}

impl AttrList {
    fn with_handles(handles: &[HANDLE]) -> io::Result<AttrList> {
        let mut size = 0usize;
        // SAFETY: the documented size query: null list, count 1; it "fails" with the size.
        unsafe { InitializeProcThreadAttributeList(std::ptr::null_mut(), 1, 0, &mut size) };
        if size == 0 {
            return Err(io::Error::last_os_error());
        }
        // usize elements: the list needs pointer alignment.
        let mut list = AttrList {
            buf: vec![0usize; size.div_ceil(std::mem::size_of::<usize>())],
        };
        // SAFETY: the buffer is at least `size` bytes and pointer-aligned.
        if unsafe { InitializeProcThreadAttributeList(list.ptr(), 1, 0, &mut size) } == 0 {
            list.buf.clear();
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `handles` outlives the list (the caller keeps both until CreateProcessW
        // returned); the size is that of the array.
        let ok = unsafe {
            UpdateProcThreadAttribute(
                list.ptr(),
                0,
                PROC_THREAD_ATTRIBUTE_HANDLE_LIST as usize,
                handles.as_ptr() as *const core::ffi::c_void,
                std::mem::size_of_val(handles),
                std::ptr::null_mut(),
                std::ptr::null(),
            )
        };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(list)
    }

    fn ptr(&self) -> LPPROC_THREAD_ATTRIBUTE_LIST {
        self.buf.as_ptr() as LPPROC_THREAD_ATTRIBUTE_LIST
    }
}

impl Drop for AttrList {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            // SAFETY: initialised by InitializeProcThreadAttributeList.
            unsafe { DeleteProcThreadAttributeList(self.ptr()) };
        }
    }
}

/// Makes this process's standard handles non-inheritable. The agent got them inheritable (the
/// handle list requires it: the null device and its own log), and renders are started with
/// std's `Command`, which passes every inheritable handle on: each render would hold the
/// agent's log open (locking it against rotation or removal while renders run for hours).
/// Renders get their own stdio explicitly, and std duplicates an inherited stdio handle anyway.
pub fn disinherit_std_handles() {
    use windows_sys::Win32::System::Console::{
        GetStdHandle, STD_ERROR_HANDLE, STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
    };
    for which in [STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE] {
        // SAFETY: plain calls; an invalid or null handle makes SetHandleInformation fail.
        unsafe {
            let h = GetStdHandle(which);
            if !h.is_null() && h != windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE {
                SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0);
            }
        }
    }
}

/// The file this code was loaded from: `brm.dll` inside Maya (the plug-in links it), or the
/// executable brm is linked into. Maya's own executable would be the wrong place to look for
/// the agent; the module's `bin\` holding `brm.dll` and `brm.exe` is the right one.
pub fn module_path() -> Option<std::path::PathBuf> {
    use std::os::windows::ffi::OsStringExt;
    use windows_sys::Win32::System::LibraryLoader::{
        GetModuleFileNameW, GetModuleHandleExW, GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
        GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
    };
    let mut module = std::ptr::null_mut();
    let addr = module_path as *const () as *const u16;
    // SAFETY: FROM_ADDRESS takes any address inside a loaded module; no reference is added.
    let ok = unsafe {
        GetModuleHandleExW(
            GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
            addr,
            &mut module,
        )
    };
    if ok == 0 {
        return None;
    }
    let mut buf = vec![0u16; 32_768];
    // SAFETY: the buffer holds `buf.len()` UTF-16 units.
    let n = unsafe { GetModuleFileNameW(module, buf.as_mut_ptr(), buf.len() as u32) } as usize;
    if n == 0 || n >= buf.len() {
        return None;
    }
    Some(std::ffi::OsString::from_wide(&buf[..n]).into())
}

fn wide(s: &OsStr) -> Vec<u16> {
    s.encode_wide().chain(std::iter::once(0)).collect()
}

/// The caller's environment with `extra` set on top, as a sorted UTF-16 block (Windows keeps
/// environment blocks sorted, case-insensitively; names compared as the system does).
fn environment_block(extra: &[(&str, &OsStr)]) -> Vec<u16> {
    let mut vars: Vec<(std::ffi::OsString, std::ffi::OsString)> = std::env::vars_os()
        .filter(|(k, _)| !extra.iter().any(|(e, _)| k.eq_ignore_ascii_case(e)))
        .collect();
    vars.extend(extra.iter().map(|(k, v)| (k.into(), v.to_os_string())));
    vars.sort_by_key(|(k, _)| k.to_string_lossy().to_uppercase());
    let mut block = Vec::new();
    for (k, v) in vars {
        block.extend(k.encode_wide());
        block.push(u16::from(b'='));
        block.extend(v.encode_wide());
        block.push(0);
    }
    if block.is_empty() {
        block.push(0);
    }
    block.push(0);
    block
}

/// A command line the C runtime (and Rust's std) splits back into exactly `exe, args…`
/// (quoting rules: learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments).
pub(super) fn command_line(exe: &Path, args: &[&str]) -> Vec<u16> {
    let mut out: Vec<u16> = Vec::new();
    // The program name is taken up to the next quote, without backslash escapes.
    out.push(u16::from(b'"'));
    out.extend(exe.as_os_str().encode_wide());
    out.push(u16::from(b'"'));
    for a in args {
        out.push(u16::from(b' '));
        quote_arg(a, &mut out);
    }
    out.push(0);
    out
}

fn quote_arg(arg: &str, out: &mut Vec<u16>) {
    let needs = arg.is_empty() || arg.contains([' ', '\t', '\n', '\u{b}', '"']);
    if !needs {
        out.extend(arg.encode_utf16());
        return;
    }
    out.push(u16::from(b'"'));
    let mut backslashes = 0usize;
    for c in arg.encode_utf16() {
        if c == u16::from(b'\\') {
            backslashes += 1;
            continue;
        }
        let n = if c == u16::from(b'"') {
            backslashes * 2 + 1
        } else {
            backslashes
        };
        out.extend(std::iter::repeat_n(u16::from(b'\\'), n));
        out.push(c);
        backslashes = 0;
    }
    out.extend(std::iter::repeat_n(u16::from(b'\\'), backslashes * 2));
    out.push(u16::from(b'"'));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_path_is_the_file_this_code_is_linked_into() {
        // In a unit test brm is linked into the test executable itself.
        let p = module_path().expect("module path");
        assert_eq!(p, std::env::current_exe().unwrap());
    }

    fn line(exe: &str, args: &[&str]) -> String {
        let mut w = command_line(Path::new(exe), args);
        w.pop();
        String::from_utf16(&w).unwrap()
    }

    #[test]
    fn command_line_quotes_as_the_c_runtime_splits() {
        assert_eq!(
            line(r"C:\Program Files\brm\bin\brm.exe", &["agent", "serve"]),
            r#""C:\Program Files\brm\bin\brm.exe" agent serve"#
        );
        assert_eq!(line("a.exe", &[""]), r#""a.exe" """#);
        assert_eq!(
            line("a.exe", &[r"C:\dir with space\"]),
            r#""a.exe" "C:\dir with space\\""#
        );
        assert_eq!(line("a.exe", &[r#"say "hi""#]), r#""a.exe" "say \"hi\"""#);
        assert_eq!(line("a.exe", &[r"back\slash"]), r#""a.exe" back\slash"#);
    }

    #[test]
    fn environment_block_overrides_case_insensitively_and_ends_twice() {
        let block = environment_block(&[("BRM_HOME", OsStr::new(r"C:\home"))]);
        assert_eq!(&block[block.len() - 2..], &[0, 0]);
        let text = String::from_utf16_lossy(&block);
        let entries: Vec<&str> = text.split('\0').filter(|s| !s.is_empty()).collect();
        let homes: Vec<&&str> = entries
            .iter()
            .filter(|e| e.to_ascii_uppercase().starts_with("BRM_HOME="))
            .collect();
        assert_eq!(homes, vec![&r"BRM_HOME=C:\home"]);
    }
}
