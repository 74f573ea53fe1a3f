//! Daily use of the `brm` CLI (issue 12), through the real binary, a real agent, real
//! sockets and SQLite; Maya is the faithful fake under tests/fakes. Each test has its own
//! BRM_HOME, so its own agent.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{scene, Env, ROOT};

/// What these tests ask of an `Env` beyond the shared harness.
trait Daily {
    fn status(&self, id: u64) -> Value;
    fn wait_final(&self, id: u64) -> Value;
    fn wait_until(&self, id: u64, what: &str, f: impl Fn(&Value) -> bool) -> Value;
    fn out(&self) -> PathBuf;
    fn cube(&self, frames: &str, extra: &[&str]) -> u64;
}

impl Daily for Env {
    fn status(&self, id: u64) -> Value {
        self.json(&["status", &id.to_string(), "--json"])
    }

    fn wait_final(&self, id: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let v = self.status(id);
            let st = v["state"].as_str().unwrap().to_string();
            if ["done", "failed", "cancelled"].contains(&st.as_str()) || Instant::now() > deadline {
                return v;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_until(&self, id: u64, what: &str, f: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let v = self.status(id);
            if f(&v) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {v:#}"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Submit the fake-Maya cube scene on the CPU slot with `extra` flags; returns the id.
    fn cube(&self, frames: &str, extra: &[&str]) -> u64 {
        let (sc, out) = (scene("cube__cube.ma"), self.out());
        let mut args = vec![
            "render",
            sc.as_str(),
            "--frames",
            frames,
            "--gpu",
            "cpu",
            "--method",
            "render",
            "-o",
            out.to_str().unwrap(),
            "--json",
        ];
        args.extend_from_slice(extra);
        self.json(&args)["id"].as_u64().unwrap()
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                dirs.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    files
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

// ---------------------------------------------------------------- item 1: closed pipe

#[test]
fn every_command_exits_quietly_when_its_reader_goes_away() {
    let env = Env::home(&[]);
    let id = env.cube("1-20", &[]);
    assert_eq!(env.wait_final(id)["state"], "done");
    let ids = id.to_string();
    for args in [
        vec!["log", ids.as_str()],
        vec!["status", ids.as_str()],
        vec!["status", ids.as_str(), "--json"],
        vec!["jobs"],
        vec!["info"],
        vec!["frames", "1-100000"],
        vec!["agent", "status"],
    ] {
        // The reader is closed before brm writes anything: every write gets EPIPE.
        let (r, w) = std::io::pipe().unwrap();
        drop(r);
        let mut c = env.cmd(&args);
        c.stdout(w).stderr(Stdio::piped());
        let o = c.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success() && !err.contains("panicked") && !err.contains("Broken pipe"),
            "brm {args:?} on a closed pipe: {:?}\n{err}",
            o.status
        );
    }
}

// ---------------------------------------------------------------- item 2: paused

#[test]
fn a_paused_job_reads_paused_everywhere_and_resumes_to_done() {
    let env = Env::home(&[("BRM_FAKE_FRAME_SECONDS", "0.4")]);
    let id = env.cube("1-6", &["--chunk", "2"]);
    let ids = id.to_string();
    env.wait_until(id, "a running task", |v| v["state"] == "running");
    let said = env.brm_ok(&["pause", &ids]);
    assert_eq!(said.trim(), format!("job {id} paused"));
    // The task already rendering goes on, the job reads paused (not "running").
    let v = env.status(id);
    assert_eq!(v["state"], "paused", "{v:#}");
    let text = env.brm_ok(&["status", &ids]);
    assert!(
        text.starts_with(&format!("job {id} 'cube__cube': paused")),
        "{text}"
    );
    let table = env.brm_ok(&["jobs"]);
    assert!(table.contains(" paused "), "{table}");
    // Once the running task ended, nothing new starts.
    env.wait_until(id, "the running task to end", |v| v["tasks_running"] == 0);
    std::thread::sleep(Duration::from_millis(600));
    let v = env.status(id);
    assert_eq!(v["state"], "paused", "{v:#}");
    assert_eq!(v["tasks_running"], 0);
    assert!(v["frames_done"].as_u64().unwrap() < 6, "{v:#}");
    assert!(v["eta_s"].is_null(), "no ETA while paused: {v:#}");
    assert_eq!(
        env.brm_ok(&["resume", &ids]).trim(),
        format!("job {id} running")
    );
    assert_eq!(env.wait_final(id)["state"], "done");
}

// ---------------------------------------------------------------- items 3 and 4: status

#[test]
fn status_shows_times_eta_missing_frames_outputs_and_task_counts_that_agree() {
    let env = Env::home(&[("BRM_FAKE_FRAME_SECONDS", "0.5")]);
    let id = env.cube("1-12", &["--chunk", "6"]);
    let ids = id.to_string();
    // While it runs: task counts add up to the job's (reported frames included), and an ETA
    // appears once a frame was measured.
    let v = env.wait_until(id, "a measured frame", |v| {
        v["state"] == "running" && v["frames_done"].as_u64().unwrap() >= 2
    });
    let tasks = v["tasks"].as_array().unwrap();
    let sum: u64 = tasks
        .iter()
        .map(|t| t["frames_finished"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, v["frames_done"].as_u64().unwrap(), "{v:#}");
    let eta = v["eta_s"]
        .as_u64()
        .expect("an ETA once frames were measured");
    assert!(eta > 0 && eta < 60, "{v:#}");
    let text = env.brm_ok(&["status", &ids]);
    let l = lines(&text);
    assert!(l[1].contains(", ETA "), "{text}");
    assert!(!l[1].contains("unknown"), "{text}");
    assert!(text.contains("  to do:    "), "{text}");
    assert!(text.contains("running for "), "{text}");
    assert!(
        text.contains("  ETA "),
        "running task shows its ETA: {text}"
    );
    let table = env.brm_ok(&["jobs"]);
    assert!(table.lines().all(|l| l == l.trim_end()), "{table:?}");
    let done = env.wait_final(id);
    assert_eq!(done["state"], "done");
    assert_eq!(done["eta_s"], 0);
    let text = env.brm_ok(&["status", &ids]);
    for want in [
        "submitted ",
        ", started ",
        ", ended ",
        ", took ",
        "  output:   ",
    ] {
        assert!(text.contains(want), "{want:?} missing in:\n{text}");
    }
    assert!(text.contains(env.out().to_str().unwrap()), "{text}");
    assert!(
        !text.contains("to do:") && !text.contains("missing:"),
        "{text}"
    );
    for t in text.lines().filter(|l| l.trim_start().starts_with("task ")) {
        assert!(t.contains("  6/6     frames"), "{t:?} in\n{text}");
    }
    assert!(text.lines().all(|l| l == l.trim_end()), "{text:?}");
}

#[test]
fn a_failed_job_lists_its_missing_frames_compactly() {
    let env = Env::home(&[("BRM_FAKE_FAIL", "crash-after:3")]);
    let id = env.cube("1-10", &["--retries", "0"]);
    let v = env.wait_final(id);
    assert_eq!(v["state"], "failed", "{v:#}");
    let text = env.brm_ok(&["status", &id.to_string()]);
    assert!(text.contains("  missing:  4-10"), "{text}");
    assert!(text.contains(", took "), "{text}");
}

// ---------------------------------------------------------------- item 5: log flags

#[test]
fn log_notes_tail_and_task_filter_the_flood() {
    let env = Env::home(&[]);
    let id = env.cube("1-4", &["--chunk", "2"]);
    assert_eq!(env.wait_final(id)["state"], "done");
    let ids = id.to_string();
    let all = env.brm_ok(&["log", &ids]);
    let notes = env.brm_ok(&["log", &ids, "--notes"]);
    assert!(!notes.is_empty());
    assert!(notes.lines().all(|l| l.starts_with("[brm] ")), "{notes}");
    assert!(all.lines().count() > notes.lines().count());
    let tail = env.brm_ok(&["log", &ids, "--tail", "3"]);
    let last3: Vec<&str> = all.lines().rev().take(3).collect::<Vec<_>>();
    assert_eq!(
        tail.lines().collect::<Vec<_>>(),
        last3.into_iter().rev().collect::<Vec<_>>()
    );
    assert_eq!(
        env.brm_ok(&["log", &ids, "--tail", "2", "--notes"])
            .lines()
            .count(),
        2
    );
    assert_eq!(env.brm_ok(&["log", &ids, "--tail", "0"]), "");
    let t0 = env.brm_ok(&["log", &ids, "--task", "0"]);
    let t1 = env.brm_ok(&["log", &ids, "--task", "1"]);
    assert!(t0.contains(".0001.") && !t0.contains(".0003."), "{t0}");
    assert!(t1.contains(".0003.") && !t1.contains(".0001."), "{t1}");
    let t1n = env.brm_ok(&["log", &ids, "--task", "1", "--notes"]);
    assert!(!t1n.is_empty() && t1n.lines().all(|l| l.starts_with("[brm] ")));
    // --follow on a finished job prints it all and ends.
    assert_eq!(env.brm_ok(&["log", &ids, "--follow"]), all);
    let o = env.brm(&["log", "999"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no job 999"));
}

// ---------------------------------------------------------------- item 6: Maya project

#[test]
fn without_output_a_scene_in_a_maya_project_renders_into_its_images_folder() {
    let env = Env::home(&[]);
    let proj = env.dir.path().join("proj");
    std::fs::create_dir_all(proj.join("scenes")).unwrap();
    std::fs::write(
        proj.join("workspace.mel"),
        "//Maya 2025 Project Definition\nworkspace -fr \"scene\" \"scenes\";\nworkspace -fr \"images\" \"images\";\n",
    )
    .unwrap();
    let sc = proj.join("scenes/cube.ma");
    std::fs::copy(scene("cube__cube.ma"), &sc).unwrap();
    let o = env.brm(&[
        "render",
        sc.to_str().unwrap(),
        "--frames",
        "1-2",
        "--gpu",
        "cpu",
        "--method",
        "render",
        "--wait",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let images = proj.join("images");
    assert!(
        err.contains(&format!("frames go to {}", images.display())),
        "{err}"
    );
    let files = files_under(&images);
    assert_eq!(
        files.len(),
        2,
        "frames under {}: {files:?}",
        images.display()
    );
}

// ---------------------------------------------------------------- item 10: text

#[test]
fn every_json_flag_and_job_argument_has_help() {
    let env = Env::home(&[]);
    for sub in [
        "info",
        "frames",
        "scene inspect",
        "render",
        "jobs",
        "status",
        "log",
        "cancel",
        "retry",
        "pause",
        "resume",
        "cleanup",
        "agent",
    ] {
        let mut args: Vec<&str> = sub.split(' ').collect();
        args.push("-h"); // short help: one line per entry, so an empty one stands alone
        let help = env.brm_ok(&args);
        // An entry alone on its line must be followed by its description (clap puts help on
        // the next line when the terminal is narrow); an empty entry is followed by the next
        // entry or nothing.
        let l: Vec<&str> = help.lines().collect();
        for (i, line) in l.iter().enumerate() {
            let t = line.trim();
            if t == "--json" || t == "<JOB>" {
                let next = l.get(i + 1).map(|n| n.trim()).unwrap_or("");
                assert!(
                    !next.is_empty() && !next.starts_with('-') && !next.starts_with('<'),
                    "`brm {sub} -h` has an empty entry {t:?}:\n{help}"
                );
            }
        }
    }
}

#[test]
fn the_jobs_table_has_dates_and_no_trailing_spaces() {
    let env = Env::home(&[]);
    let id = env.cube("1", &[]);
    env.wait_final(id);
    let t = env.brm_ok(&["jobs"]);
    let l = lines(&t);
    assert!(l[0].starts_with("   ID  STATE"), "{t}");
    assert!(l.iter().all(|x| *x == x.trim_end()), "{t:?}");
    // SUBMITTED is a date and a time: YYYY-MM-DD HH:MM:SS.
    let row = l[1];
    let date = row
        .split_whitespace()
        .find(|w| w.len() == 10 && w.as_bytes()[4] == b'-' && w.as_bytes()[7] == b'-');
    assert!(date.is_some(), "{row}");
}

#[test]
fn agent_status_describes_slots_in_words() {
    let env = Env::home(&[("BRM_FAKE_FRAME_SECONDS", "0.5")]);
    let id = env.cube("1-4", &[]);
    env.wait_until(id, "running", |v| v["tasks_running"] == 1);
    let s = env.brm_ok(&["agent", "status"]);
    assert!(!s.contains('{'), "raw JSON in {s}");
    assert!(
        s.lines()
            .any(|l| l.contains(&format!("job {id} task 0 (render, pid "))),
        "{s}"
    );
    env.brm_ok(&["cancel", &id.to_string(), "--grace-ms", "100"]);
}

// ---------------------------------------------------------------- item 8: the artist's file

#[test]
fn a_refused_submit_names_the_artists_file_and_leaves_no_snapshot() {
    let snaps = tempfile::tempdir().unwrap();
    let snapdir = snaps.path().join("snapshots");
    let env = Env::home(&[("BRM_SNAPSHOT_DIR", snapdir.to_str().unwrap())]);
    let sc = scene("layers__layers.ma");
    let o = env.brm(&[
        "render", &sc, "--layer", "nope", "--gpu", "cpu", "--frames", "1",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("no render layer \"nope\""), "{err}");
    assert!(err.contains("layers__layers.ma"), "{err}");
    assert!(
        !err.contains("snapshots") && !err.contains(snapdir.to_str().unwrap()),
        "the error names the snapshot: {err}"
    );
    let left: Vec<_> = std::fs::read_dir(&snapdir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "snapshots left behind: {left:?}");
    assert!(env.brm_ok(&["jobs"]).contains("no jobs"));
}

// ---------------------------------------------------------------- item 11: forget, prune

#[test]
fn forget_and_prune_remove_finished_jobs_and_logs_but_never_frames_or_live_jobs() {
    let env = Env::home(&[("BRM_FAKE_FRAME_SECONDS", "0.3")]);
    let a = env.cube("1-2", &["--name", "a"]);
    let b = env.cube("3-4", &["--name", "b"]);
    assert_eq!(env.wait_final(a)["state"], "done");
    assert_eq!(env.wait_final(b)["state"], "done");
    let live = env.cube("5-40", &["--name", "live"]);
    let log_a = env.status(a)["log_path"].as_str().unwrap().to_string();
    assert!(Path::new(&log_a).is_file());
    // A live job is refused, with what to do.
    let o = env.brm(&["forget", &live.to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("brm cancel"));
    let said = env.brm_ok(&["forget", &a.to_string()]);
    assert!(said.contains(&format!("job {a} forgotten")), "{said}");
    assert!(!Path::new(&log_a).exists(), "the log stays: {log_a}");
    assert_eq!(env.brm(&["status", &a.to_string()]).status.code(), Some(3));
    let frames = files_under(&env.out())
        .iter()
        .filter(|p| {
            let n = p.to_string_lossy();
            ["0001.", "0002.", "0003.", "0004."]
                .iter()
                .any(|f| n.contains(f))
        })
        .count();
    assert_eq!(frames, 4, "frames of the forgotten jobs were removed");
    // Recent jobs are kept by --older-than; a plain --prune takes every finished one.
    assert_eq!(
        env.json(&["jobs", "--prune", "--older-than", "1", "--yes", "--json"])["forgotten"],
        serde_json::json!([])
    );
    assert_eq!(
        env.json(&["jobs", "--prune", "--yes", "--json"])["forgotten"],
        serde_json::json!([b])
    );
    let left: Vec<u64> = env
        .json(&["jobs", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_u64().unwrap())
        .collect();
    assert_eq!(left, vec![live]);
    env.brm_ok(&["cancel", &live.to_string(), "--grace-ms", "100"]);
}

#[test]
fn the_agent_forgets_finished_jobs_past_the_retention_when_it_starts() {
    // 0.00002 days = 1.7 s.
    let env = Env::home(&[("BRM_JOB_RETENTION_DAYS", "0.00002")]);
    let id = env.cube("1", &[]);
    assert_eq!(env.wait_final(id)["state"], "done");
    env.brm_ok(&["agent", "stop"]);
    std::thread::sleep(Duration::from_millis(2500));
    assert!(env.brm_ok(&["jobs"]).contains("no jobs"));
    // 0 keeps jobs forever.
    let keep = Env::home(&[("BRM_JOB_RETENTION_DAYS", "0")]);
    let id = keep.cube("1", &[]);
    keep.wait_final(id);
    keep.brm_ok(&["agent", "stop"]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(keep.json(&["jobs", "--json"]).as_array().unwrap().len(), 1);
}

// ---------------------------------------------------------------- item 10: more text

#[test]
fn text_fixes_step_hint_saved_by_and_blender_layer_wording() {
    let env = Env::home(&[]);
    let o = env.brm(&["frames", "5-1x-2"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("5-1 already counts down") && err.contains("5-1x2"),
        "{err}"
    );
    assert!(!err.contains("swap"), "{err}");
    let err = String::from_utf8_lossy(&env.brm(&["frames", "1-5x-3"]).stderr).into_owned();
    assert!(err.contains("swap the ends: 5-1x3"), "{err}");
    let insp = env.brm_ok(&["scene", "inspect", &scene("adaptor__maya-test.ma")]);
    assert!(
        insp.contains("Saved by      Maya 2018 (file version 2018ff09)"),
        "{insp}"
    );
}

/// Blender renders for real in these tests; scripts/test.sh installs it, and CI fails
/// loudly when it is missing.
fn blender_present() -> bool {
    let ok = Command::new("blender")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "Blender is required in CI"
    );
    if !ok {
        eprintln!("SKIP: no blender here");
    }
    ok
}

#[test]
fn a_blend_job_names_its_layers_in_words() {
    if !blender_present() {
        return;
    }
    let env = Env::home(&[]);
    let out = env.out();
    let o = env.brm(&[
        "render",
        &format!("{ROOT}/examples/shot.blend"),
        "--frames",
        "1",
        "--gpu",
        "cpu",
        "-o",
        out.to_str().unwrap(),
        "--wait",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Its two renderable view layers render as outputs of their own (issue 19.2).
    assert!(text.contains("task 0 layer beauty: done"), "{text}");
    assert!(text.contains("task 1 layer fx: done"), "{text}");
    let v = env.json(&["jobs", "--json"]);
    let id = v[0]["id"].as_u64().unwrap().to_string();
    let notes = env.brm_ok(&["log", &id, "--notes"]);
    assert!(
        notes.contains("task 0 (layer 'beauty', frames 1)"),
        "{notes}"
    );
    assert!(!notes.contains("layer ''"), "{notes}");
}

// ---------------------------------------------------------------- item 9: machine warnings

#[test]
fn a_machine_wide_warning_is_said_once_and_short_with_detail_in_json_and_verbose() {
    let env = Env::home(&[]);
    let info = env.brm_ok(&["info"]);
    let full = env.json(&["info", "--json"])["gpu_reason"]
        .as_str()
        .unwrap()
        .to_string();
    let none: Vec<&str> = info.lines().filter(|l| l.contains("none: ")).collect();
    assert_eq!(none.len(), 1, "{info}");
    assert!(
        !none[0].contains(&full) && !none[0].contains("os error"),
        "{info}"
    );
    assert!(env.brm_ok(&["info", "-v"]).contains(&full), "{full}");
    let (sc, out) = (scene("cube__cube.ma"), env.out());
    let id = env.json(&[
        "render",
        &sc,
        "--frames",
        "1",
        "--method",
        "render",
        "-o",
        out.to_str().unwrap(),
        "--json",
    ])["id"]
        .as_u64()
        .unwrap();
    env.wait_final(id);
    let text = env.brm_ok(&["status", &id.to_string()]);
    let warn: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("no NVIDIA GPU"))
        .collect();
    assert_eq!(warn.len(), 1, "{text}");
    assert!(warn[0].len() <= 100 && !warn[0].contains(&full), "{text}");
    let notes = env.brm_ok(&["log", &id.to_string(), "--notes"]);
    assert_eq!(notes.matches("no NVIDIA GPU").count(), 1, "{notes}");
}

// ---------------------------------------------------------------- item 7: .blend inspect

#[test]
fn a_blend_is_inspected_by_blender_and_an_unknown_view_layer_is_refused_at_submit() {
    if !blender_present() {
        return;
    }
    let snaps = tempfile::tempdir().unwrap();
    let snapdir = snaps.path().join("snapshots");
    let env = Env::home(&[("BRM_SNAPSHOT_DIR", snapdir.to_str().unwrap())]);
    let shot = format!("{ROOT}/examples/shot.blend");
    let v = env.json(&["scene", "inspect", &shot, "--json"]);
    assert_eq!(v["renderer"], "cycles", "{v:#}");
    assert_eq!(v["start_frame"], 1.0);
    assert_eq!(v["end_frame"], 24.0);
    let names: Vec<&str> = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["beauty", "fx"], "{v:#}");
    let text = env.brm_ok(&["scene", "inspect", &shot]);
    assert!(
        text.contains("Renderer      cycles") && text.contains("Frames        1-24"),
        "{text}"
    );
    // Second time from the cache (same content): no Blender needed.
    let cached = env.brm(&["scene", "inspect", &shot, "--json"]);
    assert!(cached.status.success());
    let o = env.brm(&[
        "render", &shot, "--layer", "nosuch", "--gpu", "cpu", "--frames", "1",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("shot.blend has no view layer \"nosuch\"") && err.contains("beauty, fx"),
        "{err}"
    );
    assert!(!err.contains("snapshots"), "{err}");
    assert!(std::fs::read_dir(&snapdir)
        .map(|d| d.count() == 0)
        .unwrap_or(true));
    assert!(env.brm_ok(&["jobs"]).contains("no jobs"));
}

// ---------------------------------------------------------------- item 12: notifications

/// A real session bus (Debian's `dbus-daemon --session`) with `dbus-monitor` as the
/// listener: every Notify call brm makes is seen on the bus with its arguments.
struct SessionBus {
    daemon: std::process::Child,
    monitor: std::process::Child,
    address: String,
    seen: PathBuf,
    _dir: tempfile::TempDir,
}

impl SessionBus {
    fn start() -> Option<SessionBus> {
        // On PATH (dbus-monitor and gdbus have no --version that exits 0).
        let have = |p: &str| {
            std::env::var_os("PATH")
                .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(p).is_file()))
        };
        if !(have("dbus-daemon") && have("dbus-monitor") && have("gdbus")) {
            assert!(
                std::env::var_os("CI").is_none(),
                "dbus-daemon, dbus-monitor and gdbus are required in CI (scripts/test.sh installs them)"
            );
            eprintln!("SKIP: no dbus-daemon/dbus-monitor/gdbus here");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("bus");
        let address = format!("unix:path={}", sock.display());
        let daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile"])
            .arg(format!("--address={address}"))
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !sock.exists() {
            assert!(Instant::now() < deadline, "dbus-daemon did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        let seen = dir.path().join("seen.txt");
        let monitor = Command::new("dbus-monitor")
            .args(["--address", &address])
            .arg("interface='org.freedesktop.Notifications'")
            .stdout(std::fs::File::create(&seen).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let bus = SessionBus {
            daemon,
            monitor,
            address,
            seen,
            _dir: dir,
        };
        while !bus.text().contains("NameAcquired") {
            assert!(Instant::now() < deadline, "dbus-monitor did not connect");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(bus)
    }

    fn text(&self) -> String {
        std::fs::read_to_string(&self.seen).unwrap_or_default()
    }

    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let t = self.text();
            if t.contains(needle) {
                return t;
            }
            assert!(Instant::now() < deadline, "no {needle:?} on the bus:\n{t}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.monitor.kill();
        let _ = self.monitor.wait();
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

#[test]
fn a_job_that_ends_sends_a_desktop_notification_unless_turned_off() {
    let Some(bus) = SessionBus::start() else {
        return;
    };
    let env = Env::home(&[
        ("BRM_NOTIFY", "1"),
        ("DBUS_SESSION_BUS_ADDRESS", &bus.address),
    ]);
    let id = env.cube("1-2", &["--name", "shot010"]);
    assert_eq!(env.wait_final(id)["state"], "done");
    let seen = bus.wait_for(&format!("string \"brm: job {id} 'shot010' done\""));
    assert!(seen.contains("member=Notify"), "{seen}");
    assert!(seen.contains("string \"2/2 frames in "), "{seen}");
    assert!(seen.contains("uint32 0"), "{seen}");
    // A failure is critical (urgency 2) and says what is missing.
    let failing = Env::home(&[
        ("BRM_NOTIFY", "1"),
        ("DBUS_SESSION_BUS_ADDRESS", &bus.address),
        ("BRM_FAKE_FAIL", "crash-after:1"),
    ]);
    let bad = failing.cube("1-3", &["--retries", "0", "--name", "shot020"]);
    assert_eq!(failing.wait_final(bad)["state"], "failed");
    let seen = bus.wait_for(&format!("brm: job {bad} 'shot020' failed"));
    assert!(seen.contains("; missing 2-3; see `brm status"), "{seen}");
    assert!(seen.contains("byte 2"), "{seen}");
    // Off with a setting: the submitter's BRM_NOTIFY=0 (the agent itself has it on).
    let mut c = env.cmd(&[
        "render",
        &scene("cube__cube.ma"),
        "--frames",
        "1",
        "--gpu",
        "cpu",
        "--method",
        "render",
        "--name",
        "quiet",
        "-o",
        env.out().to_str().unwrap(),
        "--json",
    ]);
    c.env("BRM_NOTIFY", "0");
    let o = c.output().unwrap();
    assert!(o.status.success());
    let quiet: Value = serde_json::from_slice(&o.stdout).unwrap();
    let quiet = quiet["id"].as_u64().unwrap();
    assert_eq!(env.wait_final(quiet)["state"], "done");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!bus.text().contains("'quiet'"), "{}", bus.text());
}
