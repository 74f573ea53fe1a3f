//! The CLI as a newcomer met it (issue 22): an unknown task is an error, `~` in a quoted
//! path is the home folder, `--prune` lists and asks before it forgets, `brm jobs` is only
//! the local jobs, a paused job's clock stops, "to do" agrees with the done count, and
//! `brm scene inspect` of a .blend names its camera without a needless version warning.
//! Real agent, real SQLite, the fake Maya (tests/fakes) and, for the .blend, real Blender.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{scene, text, wait_for, Env, ROOT};

#[test]
fn an_unknown_task_of_brm_log_is_an_error_with_the_valid_range() {
    let env = Env::home(&[]);
    let id = env.cube_job("1-4", &["--chunk", "2"]);
    assert_eq!(env.wait_end(id, Duration::from_secs(120))["state"], "done");
    let o = env.brm(&["log", &id.to_string(), "--task", "99"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("job {id} has no task 99: its tasks are 0-1")),
        "{err}"
    );
    // The valid ones still print.
    assert!(!env
        .brm_ok(&["log", &id.to_string(), "--task", "1"])
        .is_empty());
}

#[test]
fn a_quoted_tilde_in_the_output_folder_is_the_home_folder() {
    let mut env = Env::home(&[]);
    let home = env.dir.path().join("artist");
    let work = env.dir.path().join("work");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    env.set("HOME", home.to_str().unwrap());
    let o = env
        .cmd(&[
            "render",
            &scene("cube__cube.ma"),
            "--frames",
            "1-2",
            "--gpu",
            "cpu",
            "-o",
            "~/renders/x",
            "--wait",
        ])
        .current_dir(&work)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains(&format!(
            "frames go to {}",
            home.join("renders/x").display()
        )),
        "{}",
        text(&o)
    );
    assert!(!work.join("~").exists(), "a folder named ~ was made");
    assert!(home.join("renders/x").is_dir());
    // Someone else's home is not guessed at.
    let o = env
        .cmd(&["render", &scene("cube__cube.ma"), "-o", "~alice/x"])
        .current_dir(&work)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("write the folder out in full"),
        "{}",
        text(&o)
    );
    assert!(!work.join("~alice").exists());
}

#[test]
fn prune_lists_and_asks_before_it_forgets() {
    let env = Env::home(&[]);
    let a = env.cube_job("1", &[]);
    let b = env.cube_job("2", &[]);
    for id in [a, b] {
        assert_eq!(env.wait_end(id, Duration::from_secs(120))["state"], "done");
    }
    // --dry-run lists and forgets nothing.
    let v = env.json(&["jobs", "--prune", "--dry-run", "--json"]);
    assert_eq!(v["would_forget"], serde_json::json!([a, b]));
    let o = env.brm(&["jobs", "--prune", "--dry-run"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("would forget 2 finished job(s)"),
        "{}",
        text(&o)
    );
    // No terminal to ask on and no --yes: refused, with what it would forget.
    let o = env.brm(&["jobs", "--prune"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("would forget 2 finished job(s) ({a}-{b})"))
            && text(&o).contains("--yes"),
        "{}",
        text(&o)
    );
    let left = env.json(&["jobs", "--json"]);
    assert_eq!(left.as_array().unwrap().len(), 2, "nothing was forgotten");
    let v = env.json(&["jobs", "--prune", "--yes", "--json"]);
    assert_eq!(v["forgotten"], serde_json::json!([a, b]));
}

#[test]
fn brm_jobs_lists_the_local_jobs_and_farm_jobs_only_with_farm() {
    let mut env = Env::home(&[]);
    let scenes = env.dir.path().join("scenes").display().to_string();
    env.set("BRM_FARM_SCENES", &scenes);
    env.set("SLURM_CONF", "/nonexistent/slurm.conf");
    let id = env.cube_job("1", &[]);
    assert_eq!(env.wait_end(id, Duration::from_secs(120))["state"], "done");
    let dry = env.dir.path().join("dry");
    env.brm_ok(&[
        "farm",
        "submit",
        &scene("cube__cube.ma"),
        "--engine",
        "slurm",
        "--frames",
        "1",
        "--dry-run",
        dry.to_str().unwrap(),
    ]);
    let jobs = env.brm_ok(&["jobs"]);
    assert!(
        !jobs.contains("FARM JOB") && !jobs.contains("farm-1"),
        "{jobs}"
    );
    assert!(
        jobs.lines()
            .last()
            .unwrap()
            .trim_start()
            .starts_with(&id.to_string()),
        "{jobs}"
    );
    let with = env.brm_ok(&["jobs", "--farm"]);
    assert!(
        with.contains("FARM JOB") && with.contains("farm-1"),
        "{with}"
    );
    let v = env.json(&["jobs", "--json"]);
    assert!(v.is_array(), "{v}");
    let v = env.json(&["jobs", "--farm", "--json"]);
    assert_eq!(v["jobs"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["farm"][0]["id"], "farm-1", "{v}");
}

/// `times:` and `frames:`/`to do:` of one `brm status` text.
fn status_text(env: &Env, id: u64) -> String {
    env.brm_ok(&["status", &id.to_string()])
}

fn line_of<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find(|l| l.trim_start().starts_with(key))
}

#[test]
fn a_paused_jobs_clock_stops_and_to_do_agrees_with_the_done_count() {
    let env = Env::home(&[("BRM_FAKE_FRAME_SECONDS", "0.4")]);
    let id = env.cube_job("1-8", &["--chunk", "8"]);
    // While it renders: the frames the renderer reported are not "to do".
    let mut checked = false;
    wait_for(
        "frames reported while rendering",
        Duration::from_secs(60),
        || {
            let t = status_text(&env, id);
            let done: usize = line_of(&t, "frames:")
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|f| f.split('/').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            if !(2..8).contains(&done) || !t.contains(": running") {
                return false;
            }
            let todo = line_of(&t, "to do:").unwrap_or_else(|| panic!("{t}"));
            let want = if done == 7 {
                "8".to_string()
            } else {
                format!("{}-8", done + 1)
            };
            assert_eq!(todo.split_whitespace().nth(2), Some(want.as_str()), "{t}");
            checked = true;
            true
        },
    );
    assert!(checked);
    assert_eq!(env.wait_end(id, Duration::from_secs(120))["state"], "done");
    // Paused while its first task renders: that task finishes, the clock stops.
    let id = env.cube_job("1-6", &["--chunk", "2"]);
    wait_for("the job to start", Duration::from_secs(60), || {
        env.json(&["status", &id.to_string(), "--json"])["tasks_running"] == 1
    });
    env.brm_ok(&["pause", &id.to_string()]);
    wait_for(
        "the running task to finish",
        Duration::from_secs(60),
        || {
            let v = env.json(&["status", &id.to_string(), "--json"]);
            v["state"] == "paused" && v["tasks_running"] == 0
        },
    );
    let times = |t: &str| {
        line_of(t, "times:")
            .unwrap_or_else(|| panic!("{t}"))
            .to_string()
    };
    let first = status_text(&env, id);
    std::thread::sleep(Duration::from_millis(2100));
    let second = status_text(&env, id);
    let (a, b) = (times(&first), times(&second));
    assert!(a.contains(", paused for "), "{a}");
    assert!(!a.contains("running for"), "{a}");
    let ran = |t: &str| t.split("rendered for ").nth(1).map(str::to_string);
    assert_eq!(ran(&a), ran(&b), "the clock moved while paused:\n{a}\n{b}");
    assert_ne!(a, b, "the pause itself is counted:\n{a}\n{b}");
    env.brm_ok(&["resume", &id.to_string()]);
    let v = env.wait_end(id, Duration::from_secs(120));
    assert_eq!(v["state"], "done");
    assert!(v["paused_total_ms"].as_i64().unwrap() >= 2000, "{v:#}");
}

#[test]
fn scene_inspect_of_a_blend_names_its_camera_and_no_needless_version_warning() {
    let have = Command::new("blender")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        have || std::env::var_os("CI").is_none(),
        "Blender is required in CI"
    );
    if !have {
        eprintln!("SKIP: no blender here");
        return;
    }
    let env = Env::home(&[]);
    let t = env.brm_ok(&["scene", "inspect", &format!("{ROOT}/examples/shot.blend")]);
    assert!(
        line_of(&t, "Cameras").is_some_and(|l| l.split_whitespace().nth(1) == Some("camera")),
        "{t}"
    );
    assert!(
        line_of(&t, "Saved by").is_some_and(|l| l.contains("Blender 3.4")),
        "{t}"
    );
    // Saved by 3.4, rendered by Debian's 3.4.x: nothing to warn about.
    assert!(!t.contains("warning: saved by Blender"), "{t}");
}

// ---------------------------------------------------------------- item 14: priority, retry
// --frames, --after

fn status_json(env: &Env, id: u64) -> serde_json::Value {
    env.json(&["status", &id.to_string(), "--json"])
}

#[test]
fn a_new_priority_reorders_the_queue_and_sticks() {
    let env = Env::home(&[("BRM_FAKE_FRAME_SECONDS", "0.3")]);
    // One CPU slot: a holds it while b and c wait.
    let a = env.cube_job("1-40", &["--chunk", "40"]);
    wait_for("a to start", Duration::from_secs(60), || {
        status_json(&env, a)["tasks_running"] == 1
    });
    let b = env.cube_job("1", &[]);
    let c = env.cube_job("2", &[]);
    let out = env.brm_ok(&["priority", &c.to_string(), "10"]);
    assert!(out.contains(&format!("job {c} priority 10")), "{out}");
    assert_eq!(status_json(&env, c)["priority"], 10);
    let jobs = env.brm_ok(&["jobs"]);
    let row = jobs
        .lines()
        .find(|l| l.trim_start().starts_with(&c.to_string()))
        .unwrap();
    assert!(row.contains(" 10 "), "{jobs}");
    env.brm_ok(&["cancel", &a.to_string()]);
    for id in [b, c] {
        assert_eq!(env.wait_end(id, Duration::from_secs(120))["state"], "done");
    }
    let (sb, sc) = (status_json(&env, b), status_json(&env, c));
    assert!(
        sc["started_ms"].as_i64() < sb["started_ms"].as_i64(),
        "c (priority 10) started after b (0):\n{sb:#}\n{sc:#}"
    );
    // A finished job's priority is not changed: a clear error.
    let o = env.brm(&["priority", &c.to_string(), "5"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("brm retry"), "{}", text(&o));
    // An unknown job: not found.
    let o = env.brm(&["priority", "999", "1"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
}

#[test]
fn retry_frames_renders_chosen_frames_of_a_done_job_again_even_when_they_exist() {
    let env = Env::home(&[]);
    let out = env.dir.path().join("out");
    let id = env.cube_job("1-4", &[]);
    assert_eq!(env.wait_end(id, Duration::from_secs(120))["state"], "done");
    let frames: Vec<std::path::PathBuf> = (1..=4)
        .map(|f| {
            common_files(&out)
                .into_iter()
                .find(|p| p.to_string_lossy().contains(&format!(".{f:04}.")))
                .unwrap_or_else(|| panic!("frame {f}"))
        })
        .collect();
    let before: Vec<_> = frames
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(1100));
    let said = env.brm_ok(&["retry", &id.to_string(), "--frames", "2,4"]);
    assert!(
        said.contains("frames 2,4") || said.contains("frames 2-4x2"),
        "{said}"
    );
    let v = env.wait_end(id, Duration::from_secs(120));
    assert_eq!(v["state"], "done", "{v:#}");
    assert_eq!(v["frames_done"], 4, "{v:#}");
    let after: Vec<_> = frames
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .collect();
    assert_eq!(after[0], before[0], "frame 1 was rendered again");
    assert_eq!(after[2], before[2], "frame 3 was rendered again");
    assert!(
        after[1] > before[1] && after[3] > before[3],
        "2 and 4 were not rendered again"
    );
    let log = env.brm_ok(&["log", &id.to_string(), "--notes"]);
    assert!(log.contains("retry requested: frames"), "{log}");
    // Frames the job does not have: a clear error, nothing queued.
    let o = env.brm(&["retry", &id.to_string(), "--frames", "3-9"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("job {id} has no frame 5-9: its frames are 1-4")),
        "{}",
        text(&o)
    );
    assert_eq!(status_json(&env, id)["state"], "done");
}

fn common_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            v.extend(common_files(&p));
        } else {
            v.push(p);
        }
    }
    v
}

#[test]
fn a_job_after_another_starts_when_it_is_done_and_fails_when_it_fails() {
    let env = Env::home(&[("BRM_FAKE_FRAME_SECONDS", "0.3")]);
    let a = env.cube_job("1-3", &[]);
    let b = env.cube_job("4", &["--after", &a.to_string()]);
    let t = env.brm_ok(&["status", &b.to_string()]);
    assert!(t.contains(&format!("after:    job {a}")), "{t}");
    if t.lines().next().is_some_and(|l| l.ends_with(": queued")) {
        assert!(t.contains("(waits for it to be done)"), "{t}");
    }
    assert_eq!(status_json(&env, b)["after"], a);
    let va = env.wait_end(a, Duration::from_secs(120));
    let vb = env.wait_end(b, Duration::from_secs(120));
    assert_eq!(
        (va["state"].as_str(), vb["state"].as_str()),
        (Some("done"), Some("done"))
    );
    assert!(
        vb["started_ms"].as_i64().unwrap() >= va["finished_ms"].as_i64().unwrap(),
        "b started before a was done:\n{va:#}\n{vb:#}"
    );
    // The job it waits for is cancelled: it fails, saying why.
    let c = env.cube_job("1-40", &["--chunk", "40"]);
    let d = env.cube_job("1", &["--after", &c.to_string()]);
    env.brm_ok(&["cancel", &c.to_string()]);
    let vd = env.wait_end(d, Duration::from_secs(120));
    assert_eq!(vd["state"], "failed", "{vd:#}");
    assert!(
        vd["error"].as_str().unwrap_or_default().contains(&format!(
            "job {c}, which this job waits for (--after {c}), ended cancelled"
        )),
        "{vd:#}"
    );
    // An unknown job to wait for is refused at submit.
    let o = env.brm(&[
        "render",
        &scene("cube__cube.ma"),
        "--after",
        "999",
        "--gpu",
        "cpu",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("no job 999"), "{}", text(&o));
}
