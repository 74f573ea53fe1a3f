//! Process supervision with real processes (DESIGN §3, §9): logs land in the file whatever the
//! volume, lines follow the split/cap/lossy rules, cancel leaves no process behind, renders
//! survive the agent and are re-attached only by pid *and* start time, and hosts' leaked
//! descriptors do not reach renders.
//!
//! The child is `tests/helpers/run_child.py` (a stand-in for a renderer). Unix only: the
//! checks read `/proc`; the Windows code is compile-checked.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use brm::run::{
    Attached, Child, CommandSpec, ExitInfo, LineRing, LogTail, RunError, Stream, TailLine,
};

/// The real Python interpreter (not a pyenv/asdf shim, which needs the inherited environment).
fn python() -> &'static PathBuf {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let out = std::process::Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 is needed by these tests");
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

fn helper() -> String {
    // Beside this file (`file!()` is relative to the package root, or absolute).
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join(file!());
    here.with_file_name("helpers")
        .join("run_child.py")
        .to_string_lossy()
        .into_owned()
}

fn child_cmd(args: &[&str]) -> CommandSpec {
    let mut all = vec![helper()];
    all.extend(args.iter().map(|s| s.to_string()));
    CommandSpec::new(python()).args(all)
}

/// Waits for the direct child to exit; panics after `limit` (a hang, not a performance check).
fn wait_exit(child: &mut Child, limit: Duration) -> ExitInfo {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(e) = child.try_wait().unwrap() {
            return e;
        }
        assert!(
            Instant::now() < deadline,
            "child {} did not exit within {limit:?}",
            child.pid()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// All lines of a finished child's log, read the way the agent does.
fn read_all(path: &Path) -> Vec<TailLine> {
    let mut tail = LogTail::open(path, 0).unwrap();
    let mut out = Vec::new();
    loop {
        tail.read_lines(&mut out).unwrap();
        if tail.at_end() {
            break;
        }
    }
    tail.flush_partial(&mut out);
    out
}

fn texts(lines: &[TailLine]) -> Vec<&str> {
    lines.iter().map(|l| l.text.as_str()).collect()
}

/// (pid, state, pgrp) of every process, from /proc.
fn processes() -> Vec<(u32, u8, u32)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let close = stat.iter().rposition(|&b| b == b')').unwrap();
        let rest = String::from_utf8_lossy(&stat[close + 1..]).into_owned();
        let f: Vec<&str> = rest.split_whitespace().collect();
        v.push((pid, f[0].as_bytes()[0], f[2].parse().unwrap()));
    }
    v
}

fn running_in_group(pgid: u32) -> Vec<u32> {
    processes()
        .into_iter()
        .filter(|&(_, st, g)| g == pgid && st != b'Z' && st != b'X')
        .map(|p| p.0)
        .collect()
}

#[test]
fn stdout_and_stderr_land_in_one_log_split_on_every_break() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("task.log");
    let mut child = Child::spawn(&child_cmd(&["mixed"]), &log).unwrap();
    assert!(child.pid() > 0);
    assert!(child.start_time() > 0);
    let exit = wait_exit(&mut child, Duration::from_secs(60));
    assert!(exit.success(), "{exit}");
    let lines = read_all(&log);
    assert_eq!(texts(&lines), ["out1", "err1", "p1", "p2", "done"]);
    assert_eq!(
        lines.last().unwrap().end_offset,
        std::fs::metadata(&log).unwrap().len()
    );
}

#[test]
fn exit_code_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Child::spawn(&child_cmd(&["exit", "3"]), &dir.path().join("t.log")).unwrap();
    let exit = wait_exit(&mut child, Duration::from_secs(60));
    assert_eq!(
        exit,
        ExitInfo {
            code: Some(3),
            signal: None
        }
    );
    // Asking again gives the same answer; cancelling a finished render is a no-op.
    assert_eq!(child.try_wait().unwrap(), Some(exit));
    child.cancel(Duration::from_secs(1));
}

#[test]
fn a_100_mb_line_is_capped_and_invalid_utf8_is_lossy() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("task.log");
    let size: u64 = 100 << 20;
    let mut child = Child::spawn(&child_cmd(&["bigline", &size.to_string()]), &log).unwrap();
    // Follow while it writes, as the agent does.
    let mut tail = LogTail::open(&log, 0).unwrap();
    let mut lines = Vec::new();
    loop {
        tail.read_lines(&mut lines).unwrap();
        if tail.at_end() && child.try_wait().unwrap().is_some() {
            tail.read_lines(&mut lines).unwrap();
            if tail.at_end() {
                break;
            }
        }
        if tail.at_end() {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    tail.flush_partial(&mut lines);
    assert_eq!(
        lines.len(),
        3,
        "{:?}",
        lines.iter().map(|l| l.text.len()).collect::<Vec<_>>()
    );
    let cut = size - 16 * 1024;
    assert_eq!(
        lines[0].text,
        format!("{} … [{cut} bytes cut]", "x".repeat(16 * 1024))
    );
    assert_eq!(lines[0].end_offset, size + 1);
    assert_eq!(lines[1].text, "\u{fffd}\u{fffd}bad");
    assert_eq!(lines[2].text, "after");
}

#[test]
fn cancel_kills_grandchildren_that_ignore_sigterm_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("task.log");
    let pidfile = dir.path().join("kids");
    let mut child = Child::spawn(&child_cmd(&["tree", pidfile.to_str().unwrap()]), &log).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pidfile.exists() {
        assert!(Instant::now() < deadline, "helpers did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let kids: Vec<u32> = std::fs::read_to_string(&pidfile)
        .unwrap()
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(kids.len(), 2);
    let pgid = child.pid();
    let mut members = running_in_group(pgid);
    members.sort();
    let mut expected = kids.clone();
    expected.push(pgid);
    expected.sort();
    assert_eq!(
        members, expected,
        "the child and both helpers share the render's group"
    );
    assert!(child.is_group_alive());

    child.cancel(Duration::from_millis(300));
    assert!(
        running_in_group(pgid).is_empty(),
        "left: {:?}",
        running_in_group(pgid)
    );
    assert!(!child.is_group_alive());
    let exit = child
        .try_wait()
        .unwrap()
        .expect("cancel reaps the direct child");
    assert_eq!(
        exit.signal,
        Some(libc::SIGTERM),
        "the child itself obeyed TERM: {exit}"
    );

    let again = Instant::now();
    child.cancel(Duration::from_secs(30));
    child.cancel(Duration::from_secs(30));
    assert!(
        again.elapsed() < Duration::from_secs(30),
        "second cancel must not wait the grace"
    );
    assert!(running_in_group(pgid).is_empty());
}

/// The engine's non-blocking form: terminate now, kill on a later tick.
#[test]
fn terminate_then_kill_without_blocking_leaves_no_helper() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("kids");
    let mut child = Child::spawn(
        &child_cmd(&["tree", pidfile.to_str().unwrap()]),
        &dir.path().join("task.log"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !pidfile.exists() {
        assert!(Instant::now() < deadline, "helpers did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pgid = child.pid();
    child.terminate();
    let exit = wait_exit(&mut child, Duration::from_secs(30));
    assert_eq!(exit.signal, Some(libc::SIGTERM));
    // The leader obeyed; its helpers ignore TERM and are still in the group.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(running_in_group(pgid).len(), 2);
    assert!(child.is_group_alive());
    child.kill();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.is_group_alive() {
        assert!(Instant::now() < deadline, "group survived SIGKILL");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(running_in_group(pgid).is_empty());
    child.kill(); // no-op on a gone group
    child.terminate();
}

/// Run twice: by the test harness (checks), and re-executed by itself with
/// `BRM_RUN_TEST_SPAWNER` set to play the agent that starts a render and dies.
#[test]
fn render_survives_its_parent_and_is_reattached_by_pid_and_start_time() {
    if let Ok(out) = std::env::var("BRM_RUN_TEST_SPAWNER") {
        let out = PathBuf::from(out);
        let child = Child::spawn(&child_cmd(&["sleep", "60"]), &out.with_extension("log")).unwrap();
        std::fs::write(&out, format!("{} {}", child.pid(), child.start_time())).unwrap();
        std::process::exit(0); // the "agent" dies without waiting or cancelling
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spawned");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "render_survives_its_parent_and_is_reattached_by_pid_and_start_time",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("BRM_RUN_TEST_SPAWNER", &out)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    let (pid, start) = text.split_once(' ').unwrap();
    let (pid, start): (u32, u64) = (pid.parse().unwrap(), start.parse().unwrap());

    let attached =
        Attached::find(pid, start).expect("the render outlived the process that started it");
    assert!(attached.is_alive());
    assert_eq!(attached.pid(), pid);
    assert!(
        Attached::find(pid, start + 1).is_none(),
        "a pid with another start time is never attached"
    );
    assert!(Attached::find(pid, start - 1).is_none());

    attached.cancel(Duration::from_millis(500));
    assert!(!attached.is_alive());
    assert!(running_in_group(pid).is_empty());
    assert!(Attached::find(pid, start).is_none());
    attached.cancel(Duration::from_millis(500)); // idempotent
}

#[test]
fn descriptors_leaked_by_the_host_are_not_inherited() {
    let dir = tempfile::tempdir().unwrap();
    let leaked_path = std::ffi::CString::new(dir.path().join("leak").to_str().unwrap()).unwrap();
    // Like a host (Maya) that opens files without O_CLOEXEC.
    let fd = unsafe { libc::open(leaked_path.as_ptr(), libc::O_CREAT | libc::O_RDWR, 0o600) };
    assert!(fd >= 3);
    assert_eq!(
        unsafe { libc::fcntl(fd, libc::F_GETFD) } & libc::FD_CLOEXEC,
        0
    );

    let child = Child::spawn(
        &CommandSpec::new("sleep").args(["30"]),
        &dir.path().join("t.log"),
    )
    .unwrap();
    // The program's own start-up opens descriptors for a moment (ld.so reading libc.so.6
    // as fd 3): a single look can catch one of those. An inherited descriptor never goes
    // away (sleep closes nothing), so look until the child holds only 0-2, for a while.
    let fds_of = |pid: u32| -> Vec<String> {
        let mut fds: Vec<(u32, String)> = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .flatten()
            .filter_map(|e| {
                let n: u32 = e.file_name().to_str()?.parse().ok()?;
                let target = std::fs::read_link(e.path()).ok()?;
                Some((n, format!("{n} -> {}", target.display())))
            })
            .collect();
        fds.sort();
        fds.into_iter().map(|(_, t)| t).collect()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut fds = fds_of(child.pid());
    while fds.len() != 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        fds = fds_of(child.pid());
    }
    child.cancel(Duration::from_millis(500));
    unsafe { libc::close(fd) };
    assert_eq!(
        fds.len(),
        3,
        "the child holds only stdin, stdout and stderr, not the leaked fd {fd}: {fds:?}"
    );
}

#[test]
fn a_flooding_child_is_never_blocked_by_a_slow_reader() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("task.log");
    let total: u64 = 64 << 20;
    // Nobody reads while it writes: with a pipe it would stall after 64 KiB.
    let mut child = Child::spawn(&child_cmd(&["flood", &total.to_string()]), &log).unwrap();
    let exit = wait_exit(&mut child, Duration::from_secs(120));
    assert!(exit.success(), "{exit}");
    let written = std::fs::metadata(&log).unwrap().len();
    assert!(written >= total);

    // The agent catches up later with bounded memory; the ring keeps only a window.
    let mut tail = LogTail::open(&log, 0).unwrap();
    let mut ring = LineRing::new(1000, 1 << 20);
    let mut batch = Vec::new();
    let mut count = 0u64;
    let mut last_end = 0;
    loop {
        batch.clear();
        tail.read_lines(&mut batch).unwrap();
        for l in batch.drain(..) {
            count += 1;
            last_end = l.end_offset;
            ring.push(Stream::Output, 0, l.text);
        }
        if tail.at_end() {
            break;
        }
    }
    assert_eq!(count, written / 100);
    assert_eq!(last_end, written);
    assert_eq!(ring.len(), 1000);
    assert_eq!(ring.dropped(), count - 1000);
    let (lines, first) = ring.lines_after(0, 10);
    assert_eq!(first, count - 999);
    assert_eq!(lines[0].text, "y".repeat(99));
}

#[test]
fn arguments_reach_the_program_verbatim_without_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("task.log");
    let weird = [
        "it's \"quoted\"",
        "$HOME `id` $(id)",
        "a;b|c&&d > /tmp/x",
        "*",
        "",
        "layer with spaces",
    ];
    let mut args = vec!["args"];
    args.extend(weird);
    let mut child = Child::spawn(&child_cmd(&args), &log).unwrap();
    assert!(wait_exit(&mut child, Duration::from_secs(60)).success());
    assert_eq!(texts(&read_all(&log)), weird);
}

#[test]
fn env_clear_gives_exactly_the_given_environment_and_cwd() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("task.log");
    let mut cmd = child_cmd(&["env"]);
    cmd.env_clear = true;
    cmd.env = vec![("BRM_TEST_VAR".into(), "a b=c".into())];
    cmd.cwd = Some(dir.path().to_path_buf());
    let mut child = Child::spawn(&cmd, &log).unwrap();
    assert!(wait_exit(&mut child, Duration::from_secs(60)).success());
    let lines = read_all(&log);
    let t = texts(&lines);
    let cwd = std::fs::canonicalize(dir.path()).unwrap();
    assert_eq!(t[0], format!("cwd={}", cwd.display()));
    assert!(t.contains(&"BRM_TEST_VAR=a b=c"), "{t:?}");
    assert!(
        !t.iter()
            .any(|l| l.starts_with("HOME=") || l.starts_with("PATH=")),
        "{t:?}"
    );
}

#[test]
fn spawn_errors_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("task.log");
    let missing = dir.path().join("no-such-renderer");
    let e = Child::spawn(&CommandSpec::new(&missing), &log).unwrap_err();
    assert!(matches!(e, RunError::ProgramNotFound { .. }), "{e}");
    assert!(e.to_string().contains("no-such-renderer"));

    let mut cmd = child_cmd(&["exit", "0"]);
    cmd.cwd = Some(dir.path().join("gone"));
    let e = Child::spawn(&cmd, &log).unwrap_err();
    assert!(matches!(e, RunError::BadCwd { .. }), "{e}");

    let e = Child::spawn(&CommandSpec::new("sleep").args(["1\0"]), &log).unwrap_err();
    assert!(matches!(e, RunError::InvalidCommand(_)), "{e}");

    let e = Child::spawn(&CommandSpec::new("sleep"), &dir.path().join("no/dir/t.log")).unwrap_err();
    assert!(matches!(e, RunError::LogOpen { .. }), "{e}");

    // A file that is not executable.
    let plain = dir.path().join("plain.txt");
    std::fs::write(&plain, "not a program").unwrap();
    let e = Child::spawn(&CommandSpec::new(&plain), &log).unwrap_err();
    assert!(matches!(e, RunError::Spawn { .. }), "{e}");
}
