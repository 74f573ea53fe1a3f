//! Issue 9 ("nothing lost, nobody in"), items 2, 3 and 5, end to end: the real `brm` binary
//! and agent, real processes, real SQLite, a real full filesystem (a small tmpfs mounted for
//! the test; the tests run as root, as `scripts/test.sh` does). Maya is the faithful fake
//! under tests/fakes. Each test has its own folders, so its own agent.
//!
//! `BRM_TEST_BIN=/path/to/old/brm` runs these against another build (how each was checked to
//! fail before its fix).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::*;

impl Env {
    /// A cube job on the fake `Render` only (one level: no fallback hides a failure), with
    /// `job_env` added to the submitting client's environment (so to the job's).
    fn render_job(&self, frames: &str, out: &Path, job_env: &[(&str, &str)]) -> u64 {
        let sc = scene("cube__cube.ma");
        let out = out.display().to_string();
        let args = [
            "render",
            sc.as_str(),
            "--frames",
            frames,
            "--gpu",
            "cpu",
            "--method",
            "render",
            "-o",
            out.as_str(),
            "--json",
        ];
        let mut c = self.cmd(&args);
        for (k, v) in job_env {
            c.env(k, v);
        }
        let o = c
            .stderr(Stdio::piped())
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        assert!(o.status.success(), "submit failed: {}", text(&o));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()["id"]
            .as_u64()
            .unwrap()
    }

    /// The job's log as text (one line per entry).
    fn log_text(&self, id: u64) -> String {
        self.brm_ok(&["log", &id.to_string(), "--json"])
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .map(|v| v["text"].as_str().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn kill_agent(&self) {
        let pid = self.agent_pid();
        // SAFETY: plain kill(2) of the agent this test started.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        wait_for("the agent to die", Duration::from_secs(10), || {
            !pid_alive(pid)
        });
    }
}

fn frames_done(v: &Value) -> usize {
    v["frames_done_list"]
        .as_array()
        .map(|a| a.len())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------- item 2

/// Issue 9.2: a second job into the same folder whose renderer fails at start must not be
/// reported done because the first job's files are there; brm says it kept them.
#[test]
fn frames_of_an_earlier_job_do_not_count_as_new() {
    let e = Env::home(&[]);
    let out = e.dir.path().join("out");
    let first = e.render_job("1-4", &out, &[]);
    let v = e.wait_end(first, Duration::from_secs(60));
    assert_eq!(v["state"], "done", "{v}");
    assert_eq!(frames_done(&v), 4);

    let second = e.render_job("1-4", &out, &[("BRM_FAKE_FAIL", "start")]);
    let v = e.wait_end(second, Duration::from_secs(60));
    assert_eq!(
        v["state"], "failed",
        "a renderer that failed at start rendered nothing; the first job's files must not count: {v}"
    );
    assert_eq!(frames_done(&v), 0, "{v}");
    let log = e.log_text(second);
    assert!(
        log.contains("kept 4 earlier frame(s)"),
        "brm must say it kept the earlier frames:\n{log}"
    );
    // `brm render --wait` of such a job exits 1 (job failed), not 0.
    let sc = scene("cube__cube.ma");
    let o = e
        .cmd(&[
            "render",
            &sc,
            "--frames",
            "1-4",
            "--gpu",
            "cpu",
            "--method",
            "render",
            "-o",
            &out.display().to_string(),
            "--wait",
        ])
        .env("BRM_FAKE_FAIL", "start")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

/// Issue 9.2: re-rendering over earlier frames says so, and counts the new files.
#[test]
fn overwriting_earlier_frames_is_reported() {
    let e = Env::home(&[]);
    let out = e.dir.path().join("out");
    let first = e.render_job("1-3", &out, &[]);
    assert_eq!(e.wait_end(first, Duration::from_secs(60))["state"], "done");
    let second = e.render_job("1-3", &out, &[]);
    let v = e.wait_end(second, Duration::from_secs(60));
    assert_eq!(v["state"], "done", "{v}");
    assert_eq!(frames_done(&v), 3);
    let log = e.log_text(second);
    assert!(
        log.contains("overwrote 3 earlier frame(s)"),
        "brm must say it overwrote the earlier frames:\n{log}"
    );
}

// ---------------------------------------------------------------------------------- item 3

/// The pids of the TERM-ignoring helpers the fake render started (its log line).
fn helper_pids(log: &str) -> Vec<i64> {
    log.lines()
        .filter_map(|l| l.split("started helper processes ").nth(1))
        .flat_map(|rest| rest.split_whitespace().filter_map(|p| p.parse().ok()))
        .collect()
}

/// Issue 9.3: cancel a render whose helpers ignore SIGTERM, SIGKILL the agent during the
/// grace: the next agent must still end the job `cancelled`, never retry it, and KILL the
/// helpers (no process of the attempt left).
#[test]
fn a_cancel_survives_the_agent_dying_during_the_grace() {
    let e = Env::home(&[]);
    let out = e.dir.path().join("out");
    let id = e.render_job(
        "1-6",
        &out,
        &[
            ("BRM_FAKE_FAIL", "grandchildren"),
            ("BRM_FAKE_FRAME_SECONDS", "3"),
        ],
    );
    let mut helpers = Vec::new();
    wait_for("the helpers to start", Duration::from_secs(30), || {
        helpers = helper_pids(&e.log_text(id));
        helpers.len() == 2
    });
    // The fake prints their pids once they ignore SIGTERM (no sleep needed).
    let starts_before = e.starts();
    let o = e.brm(&["cancel", &id.to_string(), "--grace-ms", "4000", "--no-wait"]);
    assert!(o.status.success(), "{}", text(&o));
    e.kill_agent();
    // The render leader took TERM; its helpers did not. A new agent (started by this call)
    // must carry the cancel on to KILL when the grace ends.
    let v = e.wait_end(id, Duration::from_secs(40));
    assert_eq!(v["state"], "cancelled", "the cancel was lost: {v}");
    wait_for(
        "the TERM-ignoring helpers to be killed",
        Duration::from_secs(15),
        || helpers.iter().all(|&p| !pid_alive(p)),
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        e.starts(),
        starts_before,
        "a cancelled job was rendered again"
    );
    assert_eq!(
        e.json(&["status", &id.to_string(), "--json"])["state"],
        "cancelled"
    );
}

/// Issue 9.3: the cancel is persisted before any signal: with the agent killed the moment
/// the cancel returns and no agent running until the grace is long over, the next agent
/// KILLs the TERM-ignoring helpers at once and reports the job cancelled, not retried.
#[test]
fn a_cancel_whose_grace_passed_while_no_agent_ran_kills_at_once() {
    let e = Env::home(&[]);
    let out = e.dir.path().join("out");
    let id = e.render_job(
        "1-6",
        &out,
        &[
            ("BRM_FAKE_FAIL", "grandchildren"),
            ("BRM_FAKE_FRAME_SECONDS", "3"),
        ],
    );
    let mut helpers = Vec::new();
    wait_for("the helpers to start", Duration::from_secs(30), || {
        helpers = helper_pids(&e.log_text(id));
        helpers.len() == 2
    });
    // The fake prints their pids once they ignore SIGTERM (no sleep needed).
    let starts_before = e.starts();
    let agent = e.agent_pid();
    let o = e.brm(&["cancel", &id.to_string(), "--grace-ms", "1000", "--no-wait"]);
    assert!(o.status.success(), "{}", text(&o));
    // SAFETY: plain kill(2) of the agent this test started.
    unsafe { libc::kill(agent as libc::pid_t, libc::SIGKILL) };
    wait_for("the agent to die", Duration::from_secs(10), || {
        !pid_alive(agent)
    });
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        helpers.iter().all(|&p| pid_alive(p)),
        "the helpers ignore TERM: only a KILL ends them"
    );
    let t = Instant::now();
    let v = e.wait_end(id, Duration::from_secs(30));
    assert_eq!(v["state"], "cancelled", "the cancel was lost: {v}");
    wait_for("the helpers to be killed", Duration::from_secs(10), || {
        helpers.iter().all(|&p| !pid_alive(p))
    });
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "the grace was over: KILL at once, took {:?}",
        t.elapsed()
    );
    assert_eq!(
        e.starts(),
        starts_before,
        "a cancelled job was rendered again"
    );
}

// ---------------------------------------------------------------------------------- item 5

/// A small tmpfs, mounted for one test (root only; in CI a failure, never a silent skip),
/// unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(test: &str, size: &str) -> Option<SmallDisk> {
        if !am_root() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test} needs root (to mount a small tmpfs for a real ENOSPC)"
            );
            eprintln!("SKIPPED {test}: needs root to mount a tmpfs");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let o = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output()
            .expect("mount(8) is needed for the full-disk tests");
        assert!(o.status.success(), "mount tmpfs failed: {}", text(&o));
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fill the filesystem to the last byte (a real ENOSPC for every writer).
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let p = self.path().join("filler");
        let mut f = std::fs::File::create(&p).unwrap();
        let block = vec![0u8; 64 * 1024];
        loop {
            match f.write(&block) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
                Err(e) => panic!("filling {}: {e}", p.display()),
            }
        }
        // The last partial block too.
        let mut small = vec![0u8; 512];
        while f.write(&small).is_ok_and(|n| n > 0) {}
        small.truncate(1);
        while f.write(&small).is_ok_and(|n| n > 0) {}
        p
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn seqs(e: &Env, id: u64) -> Vec<u64> {
    e.brm_ok(&["log", &id.to_string(), "--json"])
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["seq"].as_u64())
        .collect()
}

/// Issue 9.5: the disk under brm's state fills up while a job renders. The job pauses with
/// one clear message (not an error five times a second), no log line is repeated or lost,
/// and when space returns the job resumes and completes.
#[test]
fn a_full_state_disk_pauses_jobs_and_they_resume_when_space_returns() {
    let Some(disk) = SmallDisk::mount("a_full_state_disk_pauses_jobs", "16m") else {
        return;
    };
    let home = disk.path().join("home");
    let e = Env::home(&[("BRM_HOME", &home.display().to_string())]);
    let out = e.dir.path().join("out");
    let id = e.render_job("1-12", &out, &[("BRM_FAKE_FRAME_SECONDS", "0.3")]);
    wait_for("the render to start", Duration::from_secs(30), || {
        e.log_text(id).contains("Rendering frame 2")
            || e.log_text(id).contains("Finished Rendering")
    });
    let filler = disk.fill();
    // The agent's own log (its stderr) full to its last page too: a message printed there
    // must not take the agent down (eprintln! panics when stderr cannot be written).
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(home.join("state").join("agent.log"))
            .unwrap();
        while f.write(b"x").is_ok_and(|n| n > 0) {}
    }
    // Wait for the pause itself (a busy machine may take longer than any fixed sleep),
    // then a while longer: the message must not repeat.
    wait_for("the pause for space", Duration::from_secs(60), || {
        e.log_text(id).contains("no space left on")
    });
    std::thread::sleep(Duration::from_secs(2));
    let v = e.json(&["status", &id.to_string(), "--json"]);
    assert!(
        v["state"] == "running" || v["state"] == "paused",
        "a full state disk must pause the job, not end it: {v}"
    );
    let log = e.log_text(id);
    let pauses = log.matches("no space left on").count();
    assert_eq!(
        pauses, 1,
        "one clear message while the disk is full:\n{log}"
    );
    let s = seqs(&e, id);
    let mut sorted = s.clone();
    sorted.dedup();
    assert_eq!(s.len(), sorted.len(), "repeated sequence numbers: {s:?}");
    std::fs::remove_file(filler).unwrap();
    let v = e.wait_end(id, Duration::from_secs(90));
    assert_eq!(v["state"], "done", "{v}\n{}", e.log_text(id));
    assert_eq!(frames_done(&v), 12);
    let s = seqs(&e, id);
    let expect: Vec<u64> = (1..=s.len() as u64).collect();
    assert_eq!(s, expect, "every line once, numbered without gaps");
    let log = e.log_text(id);
    assert!(log.contains("space is back"), "{log}");
    drop(e);
}

/// Issue 19.4: a renderer that dies while writing a frame leaves a fresh, non-empty,
/// truncated file (OpenEXR and PNG here). It does not count: the note names it, and the
/// retry renders it again, whole.
#[test]
fn a_frame_cut_short_by_a_crash_is_rendered_again() {
    for format in ["exr", "png"] {
        let e = Env::home(&[]);
        let out = e.dir.path().join("out");
        let marker = e.dir.path().join("crashed-once");
        let marker = marker.display().to_string();
        let id = e.render_job(
            "1-5",
            &out,
            &[
                ("BRM_FAKE_FAIL", "truncate-at:3"),
                ("BRM_FAKE_FAIL_ONCE", &marker),
                ("BRM_FAKE_IMAGE_FORMAT", format),
            ],
        );
        let v = e.wait_end(id, Duration::from_secs(60));
        let log = e.log_text(id);
        assert_eq!(v["state"], "done", "{format}: {v}\n{log}");
        assert_eq!(frames_done(&v), 5, "{format}: {v}");
        let frame3 = out
            .join("masterLayer")
            .join(format!("cube__cube.0003.{format}"));
        assert!(
            log.contains(&format!("frame 3: {} is incomplete", frame3.display())),
            "{format}: the note names the damaged frame:\n{log}"
        );
        assert!(log.contains("retry"), "{format}: {log}");
        let sizes: Vec<u64> = [1, 3]
            .iter()
            .map(|f| {
                std::fs::metadata(
                    out.join("masterLayer")
                        .join(format!("cube__cube.000{f}.{format}")),
                )
                .unwrap()
                .len()
            })
            .collect();
        assert_eq!(
            sizes[0], sizes[1],
            "{format}: frame 3 was written again, whole"
        );
    }
}

/// Issue 9.5: a full output disk gives "no space left on <folder>", not "exit code 1",
/// and no zero-byte frame counts.
#[test]
fn a_full_output_disk_is_named_and_no_empty_frame_counts() {
    let Some(disk) = SmallDisk::mount("a_full_output_disk_is_named", "1m") else {
        return;
    };
    let e = Env::home(&[]);
    let out = disk.path().join("out");
    std::fs::create_dir_all(out.join("masterLayer")).unwrap();
    disk.fill();
    let id = e.render_job("1-3", &out, &[]);
    let v = e.wait_end(id, Duration::from_secs(60));
    assert_eq!(v["state"], "failed", "{v}");
    assert_eq!(frames_done(&v), 0, "no empty frame may count: {v}");
    let err = v["error"].as_str().unwrap_or_default();
    assert!(
        err.contains(&format!(
            "no space left on {}",
            out.join("masterLayer").display()
        )),
        "the error must name the full folder: {err}"
    );
    drop(e);
}

/// Issue 9.5 with 9.3: a cancel while the state disk is full still stops the render (it may
/// be what fills the disk), TERM-ignoring helpers included after the grace, and the job
/// ends cancelled once space returns.
#[test]
fn a_cancel_on_a_full_state_disk_still_stops_the_render() {
    let Some(disk) = SmallDisk::mount("a_cancel_on_a_full_state_disk", "16m") else {
        return;
    };
    let home = disk.path().join("home");
    let e = Env::home(&[("BRM_HOME", &home.display().to_string())]);
    let out = e.dir.path().join("out");
    let id = e.render_job(
        "1-6",
        &out,
        &[
            ("BRM_FAKE_FAIL", "grandchildren"),
            ("BRM_FAKE_FRAME_SECONDS", "3"),
        ],
    );
    let mut helpers = Vec::new();
    wait_for("the helpers to start", Duration::from_secs(30), || {
        helpers = helper_pids(&e.log_text(id));
        helpers.len() == 2
    });
    let filler = disk.fill();
    wait_for("the pause", Duration::from_secs(10), || {
        e.log_text(id).contains("no space left on")
    });
    let o = e.brm(&["cancel", &id.to_string(), "--grace-ms", "500", "--no-wait"]);
    assert!(
        o.status.success(),
        "a cancel must act on a full disk: {}",
        text(&o)
    );
    wait_for(
        "the helpers to be killed on the full disk",
        Duration::from_secs(10),
        || helpers.iter().all(|&p| !pid_alive(p)),
    );
    std::fs::remove_file(filler).unwrap();
    let v = e.wait_end(id, Duration::from_secs(30));
    assert_eq!(v["state"], "cancelled", "{v}");
    drop(e);
}
