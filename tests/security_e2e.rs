//! Issue 9 ("nothing lost, nobody in"), items 1, 4, 6, 7 and 8, end to end: the real `brm`
//! binary and agent, real sockets, real SQLite, a real impostor process running as another
//! uid (through `setpriv`; the tests run as root, as `scripts/test.sh` does). Maya is the
//! faithful fake under tests/fakes. Each test has its own folders, so its own agent.
//!
//! `BRM_TEST_BIN=/path/to/old/brm` runs these against another build (how each was checked to
//! fail before its fix).

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::*;

/// The uid the impostor runs as: nobody's, so no real account is touched.
const IMPOSTOR_UID: u32 = 4242;

/// Tests that need a second uid need root. In CI that is a failure, never a silent skip.
fn require_root(test: &str) -> bool {
    if am_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test} needs root (to run an impostor as another uid with setpriv); run the tests as root"
    );
    eprintln!("SKIPPED {test}: needs root to run a process as another uid");
    false
}

impl Env {
    /// No BRM_HOME: the default locations, with the temp dir and HOME moved into the test's
    /// folder and no XDG_RUNTIME_DIR (so the runtime folder is `$TMPDIR/brm-<uid>/run`).
    fn defaults(dir: tempfile::TempDir) -> Env {
        let mut e = Env::bare(dir);
        let tmp = e.dir.path().join("tmp");
        let home = e.dir.path().join("home");
        std::fs::create_dir(&tmp).unwrap();
        std::fs::create_dir(&home).unwrap();
        // A shared temp dir, like /tmp: world-writable with the sticky bit.
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).unwrap();
        std::fs::set_permissions(e.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        e.set("TMPDIR", &tmp.display().to_string());
        e.set("HOME", &home.display().to_string());
        e.unset("BRM_HOME");
        e.unset("XDG_RUNTIME_DIR");
        e.unset("XDG_STATE_HOME");
        e.unset("BRM_SNAPSHOT_DIR");
        e
    }
}

/// A Python interpreter another uid can run (not one under /root).
fn system_python() -> &'static str {
    for p in ["/usr/bin/python3", "/usr/local/bin/python3"] {
        if Path::new(p).is_file() {
            return p;
        }
    }
    panic!("no system python3 (/usr/bin/python3) for the impostor process; apt-get install python3")
}

/// The impostor: runs as `IMPOSTOR_UID`, makes `runtime` (and its parent) mode 0777 if they
/// do not exist, listens on `runtime/agent.sock` (mode 0777), records every byte it
/// receives into `record`, and answers every line with an "ok" whose text carries terminal
/// escape codes (what the attack run saw printed raw on the victim's terminal).
fn impostor(runtime: &Path, record: &Path) -> Child {
    const SCRIPT: &str = r#"
import json, os, socket, sys
run, record = sys.argv[1], sys.argv[2]
for d in (os.path.dirname(run), run):
    if not os.path.isdir(d):
        os.mkdir(d)
        os.chmod(d, 0o777)
sock = os.path.join(run, "agent.sock")
if os.path.exists(sock):
    os.unlink(sock)
s = socket.socket(socket.AF_UNIX)
s.bind(sock)
os.chmod(sock, 0o777)
s.listen(16)
open(record, "ab").close()
evil = "\x1b]0;pwned\x07\x1b[2J"
while True:
    c, _ = s.accept()
    f = c.makefile("rb")
    for line in f:
        with open(record, "ab") as r:
            r.write(line)
        reply = {"ok": True, "result": {"protocol": 1, "agent": evil, "pid": 1, "id": 1}}
        c.sendall((json.dumps(reply) + "\n").encode())
    c.close()
"#;
    Command::new("setpriv")
        .args([
            &format!("--reuid={IMPOSTOR_UID}"),
            &format!("--regid={IMPOSTOR_UID}"),
            "--clear-groups",
            system_python(),
            "-c",
            SCRIPT,
        ])
        .arg(runtime)
        .arg(record)
        .stdin(Stdio::null())
        .spawn()
        .expect("setpriv (util-linux) runs the impostor as another uid")
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Item 1: another user creates `$TMPDIR/brm-<uid>` first and listens on its socket. The
/// victim's brm must refuse (saying why), send it nothing — no hello, no spec with the
/// environment — and start no agent of its own there.
#[test]
fn impostor_owning_the_runtime_folder_receives_nothing() {
    if !require_root("impostor_owning_the_runtime_folder_receives_nothing") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut env = Env::defaults(dir);
    env.set("BRM_SECRET_TOKEN", "hunter2");
    let runtime = env.dir.path().join("tmp/brm-0/run");
    let box_dir = env.dir.path().join("impostor");
    std::fs::create_dir(&box_dir).unwrap();
    std::fs::set_permissions(&box_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let record = box_dir.join("received");
    let _imp = Killed(impostor(&runtime, &record));
    wait_for("the impostor's socket", Duration::from_secs(20), || {
        runtime.join("agent.sock").exists() && record.exists()
    });

    let (o, took) = env.brm_within(&["jobs"], Duration::from_secs(60));
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(
        t.contains("owned by uid 4242") && t.contains("brm-0"),
        "the refusal names the folder and its owner: {t}"
    );
    assert!(
        !t.contains('\u{1b}'),
        "no raw escape code reaches the terminal: {t:?}"
    );
    assert!(took < Duration::from_secs(30), "{took:?}");

    let sc = scene("cube__cube.ma");
    let o = env.brm(&["render", &sc, "--frames", "1", "--gpu", "cpu"]);
    assert!(!o.status.success(), "{}", text(&o));
    let got = std::fs::read(&record).unwrap();
    assert!(
        got.is_empty(),
        "the impostor received: {}",
        String::from_utf8_lossy(&got)
    );
}

/// Item 1: even where the folders look right, the process behind the socket must be us
/// (peer credentials from the kernel). Here root hands the impostor's socket file over to
/// itself (chown), so only `SO_PEERCRED` can tell.
#[test]
fn impostor_behind_a_socket_we_own_is_refused_by_peer_credentials() {
    if !require_root("impostor_behind_a_socket_we_own_is_refused_by_peer_credentials") {
        return;
    }
    let env = Env::home(&[]);
    // The impostor must reach its own folder inside the test's.
    std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let runtime = env.runtime_dir();
    std::fs::create_dir(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o777)).unwrap();
    let box_dir = env.dir.path().join("impostor");
    std::fs::create_dir(&box_dir).unwrap();
    std::fs::set_permissions(&box_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let record = box_dir.join("received");
    let _imp = Killed(impostor(&runtime, &record));
    let sock = runtime.join("agent.sock");
    wait_for("the impostor's socket", Duration::from_secs(20), || {
        sock.exists() && record.exists()
    });
    // Make the folder and socket look like ours: only the peer is not.
    std::os::unix::fs::chown(&sock, Some(0), Some(0)).unwrap();
    std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();

    let (o, _) = env.brm_within(&["jobs"], Duration::from_secs(60));
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("runs as uid 4242"), "{t}");
    assert!(std::fs::read(&record).unwrap().is_empty());
}

/// Item 1: a runtime folder of ours that others can write is refused too (they could swap
/// the socket), with the fix in the message.
#[test]
fn runtime_folder_writable_by_others_is_refused() {
    let env = Env::home(&[]);
    std::fs::create_dir(env.runtime_dir()).unwrap();
    std::fs::set_permissions(env.runtime_dir(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let o = env.brm(&["jobs"]);
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(
        t.contains("written by other users") && t.contains("chmod 700"),
        "{t}"
    );
}

/// Item 1: text from the agent is printed with control characters escaped: a job name
/// carrying an OSC title sequence and a screen clear, shown by `brm status` and `brm jobs`.
#[test]
fn agent_text_reaches_the_terminal_escaped() {
    let env = Env::home(&[]);
    let id = env.cube_job("1", &["--name", "\u{1b}]0;pwned\u{7}shot\u{1b}[2J"]);
    let ids = id.to_string();
    for args in [vec!["status", ids.as_str()], vec!["jobs"]] {
        let o = env.brm(&args);
        let t = text(&o);
        assert!(o.status.success(), "{t}");
        assert!(
            !t.contains('\u{1b}') && !t.contains('\u{7}'),
            "brm {args:?} printed raw control codes: {t:?}"
        );
        assert!(t.contains("\\x1b]0;pwned\\x07shot\\x1b[2J"), "{t}");
    }
}

/// Item 6: an agent stopped with SIGSTOP: every client call returns with a clear error
/// within its timeout (the CLI and the library the C ABI and Maya use).
#[test]
fn a_stopped_agent_gives_a_timeout_error_not_a_hang() {
    let env = Env::home(&[("BRM_REQUEST_TIMEOUT_MS", "1500")]);
    env.brm_ok(&["jobs"]);
    let pid = env.agent_pid();
    // SAFETY: signalling the agent this test started.
    unsafe { libc::kill(pid as i32, libc::SIGSTOP) };
    struct Cont(i64);
    impl Drop for Cont {
        fn drop(&mut self) {
            // SAFETY: resuming the agent this test stopped.
            unsafe { libc::kill(self.0 as i32, libc::SIGCONT) };
        }
    }
    let _cont = Cont(pid);

    let (o, took) = env.brm_within(&["jobs"], Duration::from_secs(40));
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("did not answer") && t.contains("1500 ms"), "{t}");
    assert!(took < Duration::from_secs(25), "took {took:?}");

    // The library, as brm_client_new/brm_jobs_json use it, with a short request timeout.
    let t0 = Instant::now();
    let opts = brm::client::ClientOptions::from_json(&format!(
        r#"{{"home": "{}", "autostart": false, "request_timeout_ms": 800}}"#,
        env.dir.path().display()
    ))
    .unwrap();
    let r = brm::client::Client::connect(opts).and_then(|mut c| c.jobs());
    let Err(e) = r else {
        panic!("a stopped agent cannot answer")
    };
    assert_eq!(e.kind(), brm::ErrorKind::Unavailable, "{e}");
    assert!(e.to_string().contains("did not answer"), "{e}");
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());

    // And through the C entry points Maya calls (brm_client_new, brm_jobs_json).
    use brm::ffi::jobs::{brm_client_free, brm_client_new, brm_jobs_json};
    let opts = std::ffi::CString::new(format!(
        r#"{{"home": "{}", "autostart": false, "request_timeout_ms": 800}}"#,
        env.dir.path().display()
    ))
    .unwrap();
    let t0 = Instant::now();
    let mut c = std::ptr::null_mut();
    let r = unsafe { brm_client_new(opts.as_ptr(), &mut c) };
    if r == brm::ffi::brm_result::BRM_OK {
        let mut out = std::ptr::null_mut();
        let r = unsafe { brm_jobs_json(c, &mut out) };
        assert_eq!(r, brm::ffi::brm_result::BRM_ERR_UNAVAILABLE);
        unsafe { brm_client_free(c) };
    } else {
        assert_eq!(r, brm::ffi::brm_result::BRM_ERR_UNAVAILABLE);
    }
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
}

/// Item 4: the runtime folder is deleted (logind does this at logout) while a chunked job
/// runs. No second agent starts, no frame renders twice, the one agent rebinds its socket
/// and `brm agent stop` stops it.
#[test]
fn deleting_the_runtime_folder_never_makes_two_agents() {
    let env = Env::home(&[("BRM_FAKE_FRAME_SECONDS", "0.3")]);
    // --cold: one renderer start per task, so starts count renders (a warm session would
    // render all eight in one process).
    let id = env.cube_job("1-8", &["--chunk", "1", "--cold"]);
    let pid = env.agent_pid();
    wait_for("the job to start", Duration::from_secs(30), || {
        env.starts() >= 1
    });
    std::fs::remove_dir_all(env.runtime_dir()).unwrap();
    // Clients keep coming while the socket is gone: none may start a second agent.
    for _ in 0..5 {
        let _ = env.brm_within(&["jobs"], Duration::from_secs(60));
    }
    let v = env.wait_end(id, Duration::from_secs(120));
    assert_eq!(v["state"], "done", "{v:#}");
    assert_eq!(env.agent_pid(), pid, "the first agent serves again");
    assert_eq!(env.starts(), 8, "each one-frame task rendered exactly once");
    env.brm_ok(&["agent", "stop"]);
    wait_for("the agent to exit", Duration::from_secs(20), || {
        !pid_alive(pid)
    });
}

/// Item 4: the same with only `agent.lock` deleted.
#[test]
fn deleting_the_lock_file_never_makes_two_agents() {
    let env = Env::home(&[]);
    env.brm_ok(&["jobs"]);
    let pid = env.agent_pid();
    std::fs::remove_file(env.runtime_dir().join("agent.lock")).unwrap();
    std::fs::remove_file(env.runtime_dir().join("agent.sock")).unwrap();
    for _ in 0..3 {
        let _ = env.brm_within(&["jobs"], Duration::from_secs(60));
    }
    assert_eq!(env.agent_pid(), pid);
    env.brm_ok(&["agent", "stop"]);
    wait_for("the agent to exit", Duration::from_secs(20), || {
        !pid_alive(pid)
    });
}

/// Item 7: a database truncated to 0 bytes is refused with where it is and how to recover,
/// left as it is; moved aside only on request, after which job ids continue past the old
/// logs (the old job 1's log is never overwritten).
#[test]
fn a_damaged_database_is_refused_then_moved_aside_on_request() {
    let mut env = Env::home(&[]);
    let id = env.cube_job("1", &[]);
    assert_eq!(env.wait_end(id, Duration::from_secs(60))["state"], "done");
    env.brm_ok(&["agent", "stop"]);
    let db = env.state_dir().join("brm.sqlite3");
    let log1 = env.state_dir().join(format!("logs/job-{id}.log"));
    let log1_before = std::fs::read(&log1).unwrap();
    assert!(!log1_before.is_empty());
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", db.display()));
    }
    std::fs::write(&db, b"").unwrap();

    let o = env.brm(&["jobs"]);
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(
        t.contains("damaged") && t.contains(&db.display().to_string()),
        "{t}"
    );
    assert!(t.contains("BRM_MOVE_DAMAGED_DB=1"), "{t}");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "left untouched");

    env.set("BRM_MOVE_DAMAGED_DB", "1");
    env.brm_ok(&["agent", "start"]);
    let kept: Vec<_> = std::fs::read_dir(env.state_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".damaged-"))
        .collect();
    assert!(
        !kept.is_empty(),
        "the damaged file is kept beside the new one"
    );
    let id2 = env.cube_job("2", &[]);
    assert!(id2 > id, "job id {id2} reused after {id}");
    assert_eq!(env.wait_end(id2, Duration::from_secs(60))["state"], "done");
    assert_eq!(std::fs::read(&log1).unwrap(), log1_before, "old log kept");
}

/// Item 7: the database truncated under a running agent. What brm promises: the agent
/// stops rather than go on as an empty queue, writes nothing more into the emptied file
/// (SQLite's close would otherwise checkpoint its write-ahead log into it: a file holding
/// all of the queue or only part of it, depending on when SQLite last checkpointed), keeps
/// the log beside it, and the next command refuses the file as damaged and names the log.
/// Deterministic: the file stays at 0 bytes whatever the log holds.
#[test]
fn a_database_truncated_while_the_agent_runs_is_not_used_as_empty() {
    let env = Env::home(&[]);
    let id = env.cube_job("1", &[]);
    assert_eq!(env.wait_end(id, Duration::from_secs(60))["state"], "done");
    let pid = env.agent_pid();
    let db = env.state_dir().join("brm.sqlite3");
    let wal = env.state_dir().join("brm.sqlite3-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert!(
        wal_len > 0,
        "precondition: the running agent's write-ahead log holds the job"
    );
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .unwrap()
        .set_len(0)
        .unwrap();
    wait_for("the agent to stop", Duration::from_secs(20), || {
        !pid_alive(pid)
    });
    assert_eq!(
        std::fs::metadata(&db).unwrap().len(),
        0,
        "the stopping agent wrote its write-ahead log back into the emptied file"
    );
    assert!(
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0,
        "the write-ahead log is kept for recovery"
    );
    let o = env.brm(&["jobs"]);
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("damaged"), "{t}");
    assert!(
        t.contains("brm.sqlite3-wal"),
        "the refusal names the kept log: {t}"
    );
    assert_eq!(
        std::fs::metadata(&db).unwrap().len(),
        0,
        "refused, left untouched"
    );
}

/// Item 7: garbage over the database (not just truncation) is refused the same way.
#[test]
fn a_database_overwritten_with_garbage_is_refused() {
    let env = Env::home(&[]);
    env.brm_ok(&["jobs"]);
    env.brm_ok(&["agent", "stop"]);
    let db = env.state_dir().join("brm.sqlite3");
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", db.display()));
    }
    std::fs::write(&db, vec![0x5au8; 8192]).unwrap();
    let o = env.brm(&["jobs"]);
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("damaged"), "{t}");
    assert_eq!(std::fs::read(&db).unwrap(), vec![0x5au8; 8192]);
}

/// Item 8: a request line is capped: the agent answers an oversized one with an error and
/// hangs up instead of buffering it.
#[test]
fn an_oversized_request_line_is_refused() {
    let env = Env::home(&[]);
    env.brm_ok(&["jobs"]);
    let pid = env.agent_pid();
    let mut s = UnixStream::connect(env.runtime_dir().join("agent.sock")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(b"{\"op\":\"hello\",\"protocol\":1,\"client\":\"t\"}\n")
        .unwrap();
    let chunk = vec![b'x'; 1 << 20];
    let mut sent = 0usize;
    for _ in 0..24 {
        if s.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let a = String::from_utf8_lossy(&answer);
    assert!(a.contains("longer than 4 MiB"), "after {sent} bytes: {a}");
    let rss_kb: u64 = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    assert!(rss_kb < 64 * 1024, "agent RSS {rss_kb} kB");
    env.brm_ok(&["jobs"]);
}

/// Item 8: output folders: system folders refused, `//` normalised (Blender reads `//` as
/// "beside the .blend"), `--camera` refused for .blend scenes.
#[test]
fn output_and_camera_checks_at_submit() {
    let env = Env::home(&[]);
    let sc = scene("cube__cube.ma");
    for bad in ["/", "/etc", "/usr/share"] {
        let o = env.brm(&["render", &sc, "--frames", "1", "--gpu", "cpu", "-o", bad]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{bad}: {t}");
        assert!(t.contains("system folder"), "{t}");
    }
    let want = env.dir.path().join("renders/x");
    let raw = format!("/{}", want.display());
    let v = env.json(&[
        "render", &sc, "--frames", "1", "--gpu", "cpu", "-o", &raw, "--json",
    ]);
    let id = v["id"].as_u64().unwrap();
    let v = env.json(&["status", &id.to_string(), "--json"]);
    assert_eq!(v["output_dir"], want.display().to_string(), "{v:#}");

    let blend = format!("{ROOT}/examples/shot.blend");
    let o = env.brm(&[
        "render", &blend, "--frames", "1", "--camera", "CamB", "-o", &raw,
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("--camera") && t.contains(".blend"), "{t}");
}

/// Item 8: an unwritable (immutable) state folder stops the agent with a message that says
/// what to do, not a signal.
#[test]
fn an_immutable_state_folder_gives_a_clear_error() {
    let env = Env::home(&[]);
    env.brm_ok(&["jobs"]);
    env.brm_ok(&["agent", "stop"]);
    let state = env.state_dir();
    let immutable = Command::new("chattr")
        .arg("+i")
        .arg(&state)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    struct Mutable(PathBuf);
    impl Drop for Mutable {
        fn drop(&mut self) {
            let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        }
    }
    let _m = Mutable(state.clone());
    if !immutable {
        // No chattr on this file system (overlayfs): make the state path unusable instead.
        std::fs::remove_dir_all(&state).unwrap();
        std::fs::write(&state, b"not a folder").unwrap();
    }
    let (o, _) = env.brm_within(&["jobs"], Duration::from_secs(60));
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(
        t.contains("must write there") || t.contains("state"),
        "names the state folder and the fix: {t}"
    );
    if immutable {
        assert!(t.contains("chattr -i"), "{t}");
    }
}

/// Item 8: the database is 0600, and a finished job's stored environment is dropped once its
/// retention passes (here 0 h, at the next agent start).
#[test]
fn the_stored_environment_is_private_and_dropped_after_retention() {
    let mut env = Env::home(&[("BRM_SECRET_TOKEN", "hunter2")]);
    let id = env.cube_job("1", &[]);
    assert_eq!(env.wait_end(id, Duration::from_secs(60))["state"], "done");
    let db = env.state_dir().join("brm.sqlite3");
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "database mode {mode:o}");
    let spec = |db: &Path| -> String {
        let c = rusqlite::Connection::open(db).unwrap();
        c.query_row("SELECT spec FROM jobs WHERE id = ?1", [id as i64], |r| {
            r.get(0)
        })
        .unwrap()
    };
    assert!(spec(&db).contains("hunter2"), "kept while retention runs");
    env.brm_ok(&["agent", "stop"]);
    env.set("BRM_ENV_RETENTION_H", "0");
    env.brm_ok(&["jobs"]);
    assert!(!spec(&db).contains("hunter2"), "{}", spec(&db));
}
