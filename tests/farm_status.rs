//! `brm farm status` and `brm farm submit --help` as a render wrangler reads them (issue 21.4):
//! every task line says where the task stands (the engine's word, else the node's own task
//! log, else the frames), never `-`; the submit help lists only flags that apply to a farm.
//! A Deadline CommandLine job through the faithful fake `deadlinecommand` (tests/fakes/deadline),
//! rendered task by task with `brm task run` and the fake Maya, as Deadline's Workers would.

mod common;

use common::{scene, text, Env, ROOT};

fn farm_env() -> Env {
    let mut env = Env::home(&[]);
    let path = format!(
        "{ROOT}/tests/fakes/deadline:{}",
        std::env::var("PATH").unwrap_or_default()
    );
    env.set("PATH", &path);
    let scenes = env.dir.path().join("scenes").display().to_string();
    env.set("BRM_FARM_SCENES", &scenes);
    let rec = env.dir.path().join("deadline.jsonl").display().to_string();
    env.set("BRM_FAKE_DEADLINE_RECORD", &rec);
    env.set("SLURM_CONF", "/nonexistent/slurm.conf");
    env.unset("CUDA_VISIBLE_DEVICES");
    env
}

/// The task lines of `brm farm status` (text) and the JSON task states.
fn status(env: &Env, id: &str) -> (Vec<String>, Vec<String>, String) {
    let out = env.brm_ok(&["farm", "status", id]);
    let lines: Vec<String> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("task "))
        .map(String::from)
        .collect();
    let v = env.json(&["farm", "status", id, "--json"]);
    let states = v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap().to_string())
        .collect();
    (lines, states, v["state"].as_str().unwrap().to_string())
}

fn files_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            all.extend(files_in(&p));
        } else {
            all.push(p);
        }
    }
    all
}

#[test]
fn every_farm_task_line_says_where_the_task_stands() {
    let env = farm_env();
    let out = env.dir.path().join("out");
    let v = env.json(&[
        "farm",
        "submit",
        &scene("cube__cube.ma"),
        "--engine",
        "deadline",
        "--deadline-commandline",
        "--frames",
        "1-6",
        "--chunk",
        "3",
        "--output",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(v["submitted"], true, "{v:#}");
    let id = v["id"].as_str().unwrap().to_string();
    let job = v["job_file"].as_str().unwrap().to_string();
    // Submitted, no Worker has started a task: queued, not `-`.
    let (lines, states, job_state) = status(&env, &id);
    assert_eq!(states, ["queued", "queued"], "{lines:#?}");
    assert_eq!(job_state, "queued");
    assert!(lines.iter().all(|l| !l.contains(": -")), "{lines:#?}");
    assert!(lines[0].contains(": queued 0/3 frames"), "{lines:#?}");
    // A Worker renders task 0: done; task 1 still queued.
    let o = env.brm(&["task", "run", "--job", &job, "--task", "0"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let (lines, states, job_state) = status(&env, &id);
    assert_eq!(states, ["done", "queued"], "{lines:#?}");
    assert_eq!(job_state, "queued");
    assert!(lines[0].contains(": done 3/3 frames"), "{lines:#?}");
    // Task 1 fails on every level: the node's own log says so.
    let mut failing = farm_env();
    failing.vars = env.vars.clone();
    failing.set("BRM_FAKE_FAIL", "start");
    let o = failing.brm(&["task", "run", "--job", &job, "--task", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let (lines, states, job_state) = status(&env, &id);
    assert_eq!(states, ["done", "failed"], "{lines:#?}");
    assert_eq!(job_state, "failed");
    assert!(lines[1].contains(": failed 0/3 frames"), "{lines:#?}");
    // Rendered again on a healthy Worker: the whole job is done.
    let o = env.brm(&["task", "run", "--job", &job, "--task", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let (lines, states, job_state) = status(&env, &id);
    assert_eq!(states, ["done", "done"], "{lines:#?}");
    assert_eq!(job_state, "done");
    // A deleted frame: the task that said done is failed now (the frames are the truth).
    let frame = files_in(&out)
        .into_iter()
        .find(|p| p.to_string_lossy().contains(".0002."))
        .expect("frame 2");
    std::fs::remove_file(frame).unwrap();
    let (lines, states, _) = status(&env, &id);
    assert_eq!(states, ["failed", "done"], "{lines:#?}");
    assert!(lines[0].contains(": failed 2/3 frames"), "{lines:#?}");
}

#[test]
fn farm_submit_help_lists_only_flags_that_apply_to_a_farm() {
    let env = farm_env();
    let help = env.brm_ok(&["farm", "submit", "--help"]);
    for flag in [
        "--engine",
        "--layer",
        "--frames",
        "--gpu",
        "--output",
        "--gpus-per-task",
        "--path-map",
        "--wait",
        "--dry-run",
    ] {
        assert!(help.contains(flag), "{flag} missing:\n{help}");
    }
    // A workstation's: warm sessions, the artist's GPU 0, brm's own renders folder.
    for local in [
        "--cold",
        "--verbose",
        "GPU 0 is left to the artist",
        "renders/job-N",
    ] {
        assert!(!help.contains(local), "{local} in:\n{help}");
    }
    let render = env.brm_ok(&["render", "--help"]);
    for local in [
        "--cold",
        "--verbose",
        "GPU 0 is left to the artist",
        "renders/job-N",
    ] {
        assert!(
            render.contains(local),
            "{local} missing from brm render --help"
        );
    }
    // A local-only flag on the farm is an error that names it, and nothing is written.
    let o = env.brm(&[
        "farm",
        "submit",
        &scene("cube__cube.ma"),
        "--engine",
        "deadline",
        "--cold",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--cold"), "{}", text(&o));
    assert!(!env.dir.path().join("scenes").exists());
}
