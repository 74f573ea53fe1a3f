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
