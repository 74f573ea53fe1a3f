//! Unix specifics: session/process group, descriptor hygiene, group signalling, start times.

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

use super::priority::RenderPriority;

/// Highest descriptor number the fallback loop visits (when `close_range` is unavailable):
/// `RLIMIT_NOFILE` can be a million or more, and a spawn must stay cheap.
const MAX_FD_SCAN: libc::c_int = 65_536;
/// `CLOSE_RANGE_CLOEXEC` from `<linux/close_range.h>` (Linux 5.11+).
#[cfg(target_os = "linux")]
const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
/// How long to wait for a group to vanish after `SIGKILL` (processes in uninterruptible
/// sleep, e.g. a wedged GPU driver or NFS, die only when the kernel call returns).
const KILL_WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(10);

/// Prepares `cmd` so the child (after `fork`, before `exec`):
/// - becomes a session and process-group leader (`setsid`): cancel can signal the whole
///   group, and the terminal's or Maya's job control (SIGINT, SIGHUP) never reaches it;
/// - inherits no descriptor ≥ 3: hosts such as Maya leak descriptors without `FD_CLOEXEC`
///   (sockets, licence files); a render holding them keeps ports and files busy after the host
///   exits. They are *marked* close-on-exec rather than closed, so std's own exec-error pipe
///   (already close-on-exec) keeps working and a failed exec is still reported;
/// - gets default dispositions for signals the agent may ignore (ignored signals survive
///   `exec`, and a render ignoring `SIGTERM` would turn every cancel into a `SIGKILL`).
///
/// - when `priority` is lowered (a workstation render), runs at that nice value and the
///   background I/O priority (Linux; see `priority.rs`), inherited by all it starts.
///
/// Only async-signal-safe calls run in the child (`setsid`, `signal`, `fcntl`, `syscall`).
///
/// Fast path: when none of that is needed — the caller (the agent) already leads its own
/// session without a terminal, holds no inheritable descriptor and ignores none of those
/// signals — the child only gets its own process group (`process_group(0)`), which lets std
/// use `posix_spawn` (vfork-like) instead of `fork`: about half the cost of a spawn, which is
/// most of brm's per-task overhead on short tasks. A lowered priority needs the `pre_exec`
/// step even then (there is no `posix_spawn` attribute for nice or I/O priority).
pub(super) fn configure(cmd: &mut Command, priority: RenderPriority) {
    // A lowered render always gets its own session: with the scheduler's autogroups (on by
    // default on desktop Linux) nice only orders processes *within* a session, so the
    // session itself must be niced (see `priority.rs`).
    if !priority.is_lowered() && spawn_hygiene_already_holds() {
        cmd.process_group(0);
        return;
    }
    let max_fd = fd_scan_limit();
    #[cfg(target_os = "linux")]
    let nice = super::priority::linux::Nice::new(priority.nice());
    // SAFETY: the closure runs between fork and exec and only makes async-signal-safe
    // system calls; it allocates nothing and takes no locks.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            for sig in RESET_SIGNALS {
                libc::signal(sig, libc::SIG_DFL);
            }
            mark_inherited_cloexec(max_fd);
            // A background render yields to the artist (issue 20); its children inherit it.
            #[cfg(target_os = "linux")]
            nice.apply_to_self();
            Ok(())
        });
    }
}

/// Signals a render must not inherit as ignored.
const RESET_SIGNALS: [libc::c_int; 5] = [
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGCHLD,
];

/// True when a child started with only its own process group is as isolated as the
/// `pre_exec` path would make it (see [`configure`]).
fn spawn_hygiene_already_holds() -> bool {
    // SAFETY: getsid/getpid/sigaction queries only read process state.
    unsafe {
        if libc::getsid(0) != libc::getpid() {
            return false;
        }
        for sig in RESET_SIGNALS {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, std::ptr::null(), &mut old) != 0
                || old.sa_sigaction == libc::SIG_IGN
            {
                return false;
            }
        }
    }
    // A session leader that opened a terminal controls it; renders must not share it.
    if std::fs::File::open("/dev/tty").is_ok() {
        return false;
    }
    no_inheritable_fds()
}

/// Whether every open descriptor ≥ 3 is close-on-exec.
fn no_inheritable_fds() -> bool {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return false;
    };
    for entry in dir.flatten() {
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<libc::c_int>().ok())
        else {
            continue;
        };
        if fd < 3 {
            continue;
        }
        // SAFETY: F_GETFD on a descriptor number; EBADF (the read_dir's own fd, closed since)
        // is fine.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
        if flags >= 0 && flags & libc::FD_CLOEXEC == 0 {
            return false;
        }
    }
    true
}

fn fd_scan_limit() -> libc::c_int {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0;
    if !ok || lim.rlim_cur == libc::RLIM_INFINITY {
        return MAX_FD_SCAN;
    }
    (lim.rlim_cur.min(MAX_FD_SCAN as libc::rlim_t)) as libc::c_int
}

/// Sets `FD_CLOEXEC` on every descriptor ≥ 3. Async-signal-safe.
fn mark_inherited_cloexec(max_fd: libc::c_int) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system call on integer arguments.
        let r = unsafe {
            libc::syscall(
                libc::SYS_close_range,
                3 as libc::c_uint,
                libc::c_uint::MAX,
                CLOSE_RANGE_CLOEXEC,
            )
        };
        if r == 0 {
            return;
        }
    }
    mark_cloexec_range(3, max_fd);
}

/// The portable fallback: `fcntl` on every number in `from..to`. Async-signal-safe.
fn mark_cloexec_range(from: libc::c_int, to: libc::c_int) {
    for fd in from..to {
        // SAFETY: fcntl on a descriptor number; EBADF for unused numbers is expected.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags >= 0 && flags & libc::FD_CLOEXEC == 0 {
                libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
            }
        }
    }
}

/// Nice +10 (at most 19) for the calling thread; Linux applies `setpriority` on a thread id to
/// that thread alone. Other Unixes: no per-thread nice, no-op.
pub(super) fn lower_thread_priority() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on integers.
        unsafe {
            // The raw system call, not glibc's `gettid()` wrapper: that one is a glibc 2.30
            // symbol, and the release build must load on glibc 2.28 (Rocky/RHEL 8).
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            *libc::__errno_location() = 0;
            let cur = libc::getpriority(libc::PRIO_PROCESS, tid);
            if cur == -1 && *libc::__errno_location() != 0 {
                return false;
            }
            let target = (cur + 10).min(19);
            target != cur && libc::setpriority(libc::PRIO_PROCESS, tid, target) == 0
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// SIGTERM (then SIGCONT, so a stopped process acts on it) to group `pgid`.
pub(super) fn terminate_group(pgid: u32) {
    signal_group(pgid, libc::SIGTERM);
    signal_group(pgid, libc::SIGCONT);
}

/// SIGKILL to group `pgid`.
pub(super) fn kill_group(pgid: u32) {
    signal_group(pgid, libc::SIGKILL);
}

/// Sends `sig` to every process of group `pgid`. Errors (group gone) are ignored.
fn signal_group(pgid: u32, sig: libc::c_int) {
    if pgid == 0 || pgid > i32::MAX as u32 {
        return;
    }
    // SAFETY: kill with a negative pid signals a process group; no memory involved.
    unsafe {
        libc::kill(-(pgid as libc::pid_t), sig);
    }
}

/// Whether group `pgid` still has a running (non-zombie) member.
///
/// `kill(-pgid, 0)` alone is not enough: zombies still count as members, and orphaned
/// grandchildren become zombies of PID 1 — which in a container may never reap them.
pub(super) fn group_alive(pgid: u32) -> bool {
    if pgid == 0 || pgid > i32::MAX as u32 {
        return false;
    }
    // SAFETY: signal 0 only checks existence and permission.
    let r = unsafe { libc::kill(-(pgid as libc::pid_t), 0) };
    if r != 0 {
        // ESRCH: no member. EPERM: a member we may not signal (still alive).
        return std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH);
    }
    #[cfg(target_os = "linux")]
    {
        linux::group_has_running_member(pgid).unwrap_or(true)
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// TERM the group, wait up to `grace` for it to empty, KILL it, wait for it to empty.
/// `reap` is called while waiting so the direct child (if ours) does not linger as a zombie.
/// Returns whether the group is gone.
pub(super) fn cancel_group(pgid: u32, grace: Duration, reap: &dyn Fn()) -> bool {
    reap();
    if !group_alive(pgid) {
        return true;
    }
    terminate_group(pgid);
    if wait_empty(pgid, grace, reap) {
        return true;
    }
    kill_group(pgid);
    wait_empty(pgid, KILL_WAIT, reap)
}

fn wait_empty(pgid: u32, limit: Duration, reap: &dyn Fn()) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        reap();
        if !group_alive(pgid) {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        std::thread::sleep(POLL.min(deadline - now));
    }
}

/// Start time of `child`, read right after spawn (it is not reaped yet, so the pid is its).
pub(super) fn child_start_time(child: &std::process::Child) -> Option<u64> {
    process_start_time(child.id())
}

/// Whether `pid` exists and is not a zombie.
pub(super) fn process_running(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        linux::stat(pid).is_some_and(|s| s.state != b'Z' && s.state != b'X')
    }
    #[cfg(target_os = "macos")]
    {
        macos::bsdinfo(pid).is_some_and(|i| i.pbi_status != macos::SZOMB)
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    {
        // SAFETY: signal 0 only checks existence.
        unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
    }
}

/// Start time of process `pid` (Linux: clock ticks since boot; macOS: µs since the epoch).
/// `None` if it does not exist or the platform offers no start time — then nothing is ever
/// re-attached, which is safe (a reused pid is never mistaken for a render).
pub(super) fn process_start_time(pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        linux::stat(pid).map(|s| s.start_time)
    }
    #[cfg(target_os = "macos")]
    {
        macos::bsdinfo(pid).map(|i| {
            i.pbi_start_tvsec
                .saturating_mul(1_000_000)
                .saturating_add(i.pbi_start_tvusec)
        })
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    {
        let _ = pid;
        None
    }
}

#[cfg(target_os = "linux")]
mod linux {
    /// The fields of `/proc/<pid>/stat` brm uses.
    pub(super) struct Stat {
        pub state: u8,
        pub pgrp: u32,
        pub start_time: u64,
    }

    /// Parses `/proc/<pid>/stat`. The command name (field 2) may hold spaces and parentheses,
    /// so fields are counted from the *last* `)`.
    pub(super) fn stat(pid: u32) -> Option<Stat> {
        let text = std::fs::read(format!("/proc/{pid}/stat")).ok()?;
        parse_stat(&text)
    }

    pub(super) fn parse_stat(text: &[u8]) -> Option<Stat> {
        let close = text.iter().rposition(|&b| b == b')')?;
        let rest = std::str::from_utf8(&text[close + 1..]).ok()?;
        // rest starts at field 3 (state): field n is index n - 3.
        let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
        Some(Stat {
            state: *fields.first()?.as_bytes().first()?,
            pgrp: fields.get(5 - 3)?.parse().ok()?,
            start_time: fields.get(22 - 3)?.parse().ok()?,
        })
    }

    /// Scans `/proc` for a non-zombie process in group `pgid`; `None` if `/proc` is unreadable.
    pub(super) fn group_has_running_member(pgid: u32) -> Option<bool> {
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if let Some(s) = stat(pid) {
                if s.pgrp == pgid && s.state != b'Z' && s.state != b'X' {
                    return Some(true);
                }
            }
        }
        Some(false)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn parses_names_with_spaces_and_parens() {
            let line = b"4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
            let s = super::parse_stat(line).unwrap();
            assert_eq!(s.state, b'S');
            assert_eq!(s.pgrp, 4242);
            assert_eq!(s.start_time, 987654);
        }

        #[test]
        fn own_process_is_found() {
            let s = super::stat(std::process::id()).unwrap();
            assert!(s.start_time > 0);
            assert_ne!(s.state, b'Z');
        }
    }
}

#[cfg(target_os = "macos")]
mod macos {
    /// `SZOMB` from `<sys/proc.h>`.
    pub(super) const SZOMB: u32 = 5;

    pub(super) fn bsdinfo(pid: u32) -> Option<libc::proc_bsdinfo> {
        // SAFETY: proc_bsdinfo is plain data; proc_pidinfo fills at most `size` bytes of it.
        unsafe {
            let mut info: libc::proc_bsdinfo = std::mem::zeroed();
            let size = std::mem::size_of::<libc::proc_bsdinfo>() as libc::c_int;
            let n = libc::proc_pidinfo(
                pid as libc::c_int,
                libc::PROC_PIDTBSDINFO,
                0,
                &mut info as *mut _ as *mut libc::c_void,
                size,
            );
            (n == size).then_some(info)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_loop_marks_leaked_descriptors_close_on_exec() {
        let path = std::ffi::CString::new("/dev/null").unwrap();
        // SAFETY: test-only descriptor juggling on a descriptor this test owns.
        unsafe {
            let fd = libc::open(path.as_ptr(), libc::O_RDONLY);
            assert!(fd >= 3);
            assert_eq!(libc::fcntl(fd, libc::F_GETFD) & libc::FD_CLOEXEC, 0);
            mark_cloexec_range(fd, fd + 1);
            assert_ne!(libc::fcntl(fd, libc::F_GETFD) & libc::FD_CLOEXEC, 0);
            libc::close(fd);
        }
    }

    #[test]
    fn scan_limit_is_capped() {
        let n = fd_scan_limit();
        assert!(n > 3 && n <= MAX_FD_SCAN);
    }

    #[cfg(any(target_os = "linux", target_os = "macos"))]
    #[test]
    fn absent_group_is_not_alive_and_own_process_has_a_start_time() {
        assert!(!group_alive(0));
        assert!(!group_alive(u32::MAX));
        assert!(process_running(std::process::id()));
        assert!(process_start_time(std::process::id()).is_some());
        assert_eq!(process_start_time(u32::MAX / 2), None);
    }
}
