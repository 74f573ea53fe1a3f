//! The farm's engine files and the node worker without a farm: `--dry-run` job folders,
//! the OpenJD template through the real `openjd check` / `openjd run` (real Blender
//! renders), the OpenCue spec through `xmllint --dtdvalid` against Cuebot's DTD, the
//! Deadline files against the documented keys and through the faithful fake
//! `deadlinecommand` (tests/fakes/deadline), and `brm task run` on a Maya scene with the fake
//! Maya on a "node" whose GPU the engine assigned.
//!
//! Tests needing `openjd` or `xmllint` are `#[ignore]`d in the plain `cargo test` run and run
//! by the farm step of `scripts/test.sh`, which installs both (never skipped there).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;

use common::{Env, ROOT};

/// What only the farm tests add to the shared harness: a farm scene folder, the faithful
/// `deadlinecommand` first on the path, no Slurm client and no engine variables leaking in
/// from a test run inside a farm job.
trait Farm {
    fn farm(extra: &[(&str, &str)]) -> Env;
    fn p(&self, name: &str) -> PathBuf;
    fn brm_env(&self, args: &[&str], extra: &[(&str, &str)]) -> Output;
}

impl Farm for Env {
    fn farm(extra: &[(&str, &str)]) -> Env {
        let mut e = Env::home(&[]);
        // brm's own folders in home/, so a test can name a path inside them.
        let (home, scenes) = (e.p("home"), e.p("scenes"));
        e.set("BRM_HOME", &home.display().to_string());
        e.set("BRM_FARM_SCENES", &scenes.display().to_string());
        e.set(
            "PATH",
            &format!(
                "{ROOT}/tests/fakes/deadline:{}",
                std::env::var("PATH").unwrap_or_default()
            ),
        );
        // No Slurm client for these tests, even where one is installed.
        e.set("SLURM_CONF", "/nonexistent/slurm.conf");
        for k in [
            "CUDA_VISIBLE_DEVICES",
            "SLURM_ARRAY_TASK_ID",
            "SLURM_JOB_ID",
        ] {
            e.unset(k);
        }
        for (k, v) in extra {
            e.set(k, v);
        }
        e
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn brm_env(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        self.cmd(args)
            .envs(extra.iter().copied())
            .output()
            .expect("run brm")
    }
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn submit_json(env: &Env, args: &[&str]) -> Value {
    let mut a = vec!["farm", "submit"];
    a.extend_from_slice(args);
    a.push("--json");
    let o = env.brm(&a);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)))
}

fn pngs(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_dry_run_writes_the_job_file_engine_files_and_scene_copy_and_submits_nothing() {
    let env = Env::farm(&[]);
    let dry = env.p("dry");
    let out = env.p("out");
    let scene = format!("{ROOT}/examples/shot.blend");
    let v = submit_json(
        &env,
        &[
            &scene,
            "--engine",
            "slurm",
            "--frames",
            "1-10",
            "--chunk",
            "4",
            "--output",
            out.to_str().unwrap(),
            "--dry-run",
            dry.to_str().unwrap(),
            "--post",
        ],
    );
    assert_eq!(v["submitted"], false);
    let job: Value =
        serde_json::from_str(&std::fs::read_to_string(dry.join("brm-farm-job.json")).unwrap())
            .unwrap();
    assert_eq!(job["schema"], 1);
    assert_eq!(job["tasks"].as_array().unwrap().len(), 3);
    assert_eq!(job["source_scene"], scene);
    let copy = dry.join("scene/shot.blend");
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        std::fs::read(&scene).unwrap()
    );
    assert_eq!(job["spec"]["scene"], copy.display().to_string());
    let sbatch = std::fs::read_to_string(dry.join("slurm/layer-0-render.sbatch")).unwrap();
    assert!(sbatch.contains("#SBATCH --array=0-2"), "{sbatch}");
    assert!(sbatch.contains("#SBATCH --gres=gpu:1"), "{sbatch}");
    assert!(sbatch.contains(" task run --job "), "{sbatch}");
    assert!(dry.join("slurm/post.sbatch").is_file());
    // Nothing rendered, and the status says so.
    assert_eq!(pngs(&out), 0);
    let id = v["id"].as_str().unwrap();
    let o = env.brm(&["farm", "status", id, "--json"]);
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["state"], "written", "{s:#}");
    assert_eq!(s["frames_total"], 10);
    // Cancel of a job that was only written is a clear error.
    let o = env.brm(&["farm", "cancel", id]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("never submitted"), "{}", text(&o));
}

#[test]
fn scenes_and_outputs_in_brms_own_folders_are_refused_and_tmp_warns() {
    let env = Env::farm(&[]);
    let snap = env.p("home/snapshots");
    std::fs::create_dir_all(&snap).unwrap();
    let inside = snap.join("shot.blend");
    std::fs::copy(format!("{ROOT}/examples/shot.blend"), &inside).unwrap();
    // A snapshot (what the Maya plug-in exports) is copied to the shared folder: fine.
    let o = env.brm(&[
        "farm",
        "submit",
        inside.to_str().unwrap(),
        "--engine",
        "slurm",
        "--frames",
        "1",
        "--dry-run",
        env.p("dry-snap").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(env.p("dry-snap/scene/shot.blend").is_file());
    // But a shared scene folder inside brm's per-user folders is not shared.
    let o = env.brm(&[
        "farm",
        "submit",
        inside.to_str().unwrap(),
        "--engine",
        "slurm",
        "--frames",
        "1",
        "--scene-dir",
        env.p("home/snapshots/farm").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no farm node can read"), "{}", text(&o));
    let o = env.brm(&[
        "farm",
        "submit",
        &format!("{ROOT}/examples/shot.blend"),
        "--engine",
        "slurm",
        "--frames",
        "1",
        "--output",
        env.p("home/state/renders").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("shared storage"), "{}", text(&o));
    // /tmp is usually local: a warning, the job is written.
    let o = env.brm(&[
        "farm",
        "submit",
        &format!("{ROOT}/examples/shot.blend"),
        "--engine",
        "slurm",
        "--frames",
        "1",
        "--output",
        "/tmp/brm-farm-test-out",
        "--dry-run",
        env.p("dry").to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("usually local"), "{}", text(&o));
    // No shared scene folder at all: say how to give one.
    let mut env2 = Env::farm(&[]);
    env2.vars.retain(|(k, _)| k != "BRM_FARM_SCENES");
    let o = env2.brm(&[
        "farm",
        "submit",
        &format!("{ROOT}/examples/shot.blend"),
        "--engine",
        "slurm",
        "--frames",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("BRM_FARM_SCENES"), "{}", text(&o));
    let o = env.brm(&["farm", "submit", "x.ma", "--engine", "nomad"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("slurm, deadline, opencue, openjd"),
        "{}",
        text(&o)
    );
}

fn keys_of(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Deadline 10's documented keys (see src/farm/deadline.rs for the pages): indexed keys
/// (`EnvironmentKeyValue0`, `OutputDirectory0`) by their stem.
fn documented(key: &str, allowed: &[&str]) -> bool {
    let stem = key.trim_end_matches(|c: char| c.is_ascii_digit());
    allowed.contains(&key)
        || allowed.contains(&stem)
        || allowed.contains(&format!("{stem}0").as_str())
}

#[test]
fn deadline_files_use_only_documented_keys_and_the_fake_deadlinecommand_returns_job_ids() {
    let env = Env::farm(&[]);
    let rec = env.p("deadline.jsonl");
    let mut env = env;
    env.set("BRM_FAKE_DEADLINE_RECORD", &rec.display().to_string());
    let scene = common::scene("layers__layers.ma");
    let v = submit_json(
        &env,
        &[
            &scene,
            "-l",
            "masterLayer",
            "-l",
            "layerFrameRange1",
            "--engine",
            "deadline",
            "--frames",
            "1-8",
            "--chunk",
            "4",
            "--pool",
            "gpu",
            "--group",
            "rtx",
            "--priority",
            "10",
            "--gpu",
            "1",
            "--output",
            env.p("out").to_str().unwrap(),
            "--post",
            "--time-limit",
            "3600",
        ],
    );
    assert_eq!(v["submitted"], true, "{v:#}");
    let ids: Vec<String> = v["engine_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3, "two layers and a post job: {v:#}");
    assert!(ids
        .iter()
        .all(|i| i.len() == 24 && i.chars().all(|c| c.is_ascii_hexdigit())));
    let files: Vec<PathBuf> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| PathBuf::from(f.as_str().unwrap()))
        .filter(|f| f.extension().is_some_and(|e| e == "job"))
        .collect();
    let mut batch = None;
    for f in &files {
        let kv = keys_of(f);
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with("job_info.job") {
            for k in kv.keys() {
                assert!(
                    documented(k, brm::farm::deadline::JOB_INFO_KEYS),
                    "{name}: {k}"
                );
            }
            let b = kv["BatchName"].clone();
            assert_eq!(
                batch.get_or_insert(b.clone()),
                &b,
                "one BatchName groups the layers"
            );
            assert_eq!(kv["Pool"], "gpu");
            assert_eq!(kv["Group"], "rtx");
            assert_eq!(kv["Priority"], "60");
            assert_eq!(kv["TaskTimeoutMinutes"], "60");
        } else {
            let allowed = if kv.contains_key("Executable") {
                brm::farm::deadline::COMMANDLINE_PLUGIN_KEYS
            } else {
                brm::farm::deadline::MAYA_PLUGIN_KEYS
            };
            for k in kv.keys() {
                assert!(documented(k, allowed), "{name}: {k}");
            }
            if !kv.contains_key("Executable") {
                assert_eq!(kv["GPUsPerTask"], "1");
                assert_eq!(kv["GPUsSelectDevices"], "1");
                assert!(kv["SceneFile"].ends_with("layers__layers.ma"));
                assert_eq!(kv["UsingRenderLayers"], "1");
            }
        }
    }
    // What the fake deadlinecommand received; the post job depends on both layers.
    let subs: Vec<Value> = std::fs::read_to_string(&rec)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(subs.len(), ids.len());
    let post = subs.last().unwrap();
    assert_eq!(post["job_info"]["Plugin"], "CommandLine");
    assert_eq!(
        post["job_info"]["JobDependencies"],
        ids[..ids.len() - 1].join(",")
    );
    assert!(subs[0]["job_info"]["Plugin"] == "MayaBatch");
    // Cancel suspends every Deadline job.
    let o = env.brm(&["farm", "cancel", v["id"].as_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let suspended = std::fs::read_to_string(&rec)
        .unwrap()
        .matches("\"suspend\"")
        .count();
    assert_eq!(suspended, ids.len());
    // The CommandLine alternative runs brm task run with Deadline's frame token.
    let v = submit_json(
        &env,
        &[
            &scene,
            "--engine",
            "deadline",
            "--frames",
            "1-8",
            "--chunk",
            "4",
            "--deadline-commandline",
            "--output",
            env.p("out2").to_str().unwrap(),
            "--dry-run",
            env.p("dl").to_str().unwrap(),
        ],
    );
    assert_eq!(v["submitted"], false);
    let p = keys_of(
        &env.p("dl/deadline/layer-0-layer1.plugin_info.job")
            .with_file_name(
                std::fs::read_dir(env.p("dl/deadline"))
                    .unwrap()
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .find(|n| n.starts_with("layer-0-") && n.ends_with("plugin_info.job"))
                    .unwrap(),
            ),
    );
    assert!(p["Arguments"].contains("task run --job"), "{p:?}");
    assert!(p["Arguments"].ends_with("--task <STARTFRAME>"), "{p:?}");
}

#[test]
fn brm_task_run_renders_a_maya_chunk_with_fallback_progress_and_verification_on_the_assigned_gpu() {
    let env = Env::farm(&[]);
    let rec = env.p("maya.jsonl");
    let scene = common::scene("cube__cube.ma");
    let dry = env.p("job");
    let out = env.p("out");
    // The fake Maya's failure switches travel in the job's environment, as a studio's
    // launcher variables would.
    let mut env = env;
    env.set("BRM_FAKE_RECORD", &rec.display().to_string());
    env.set("BRM_FAKE_FAIL", "start");
    env.set("BRM_FAKE_FAIL_LEVEL", "custom");
    env.set("BRM_FAKE_PRIORITY", "1");
    submit_json(
        &env,
        &[
            &scene,
            "--engine",
            "slurm",
            "--frames",
            "1-6",
            "--chunk",
            "3",
            "--output",
            out.to_str().unwrap(),
            "--dry-run",
            dry.to_str().unwrap(),
        ],
    );
    let job = dry.join("brm-farm-job.json");
    // Slurm gave this task GPU 3.
    let node = [
        ("SLURM_JOB_ID", "41"),
        ("SLURM_ARRAY_TASK_ID", "1"),
        ("CUDA_VISIBLE_DEVICES", "3"),
    ];
    let o = env.brm_env(&["task", "run", "--job", job.to_str().unwrap()], &node);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains("GPUs assigned by Slurm (--gres): CUDA_VISIBLE_DEVICES=3"),
        "{t}"
    );
    assert!(t.contains("falling back to level render"), "{t}");
    assert!(t.contains("Progress: 100% (3/3 frames)"), "{t}");
    assert!(t.contains("task 1 done: 3/3 frames verified"), "{t}");
    // The render saw only the assigned card, and rendered task 1's frames 4-6.
    let starts: Vec<Value> = std::fs::read_to_string(&rec)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["event"] == "start")
        .collect();
    assert!(
        starts.iter().all(|s| s["cuda_visible_devices"] == "3"),
        "{starts:#?}"
    );
    assert_eq!(starts.last().unwrap()["level"], "render");
    // A node has no artist: the render and its children keep the node's priority (issue 20;
    // a workstation render is lowered, tests/render_priority.rs).
    #[cfg(target_os = "linux")]
    {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let own_nice: i64 = stat[stat.rfind(')').unwrap() + 2..]
            .split_whitespace()
            .nth(19 - 3)
            .unwrap()
            .parse()
            .unwrap();
        // SAFETY: ioprio_get(IOPRIO_WHO_PROCESS, 0) only reads this thread's I/O priority.
        let own_ioprio = unsafe { libc::syscall(libc::SYS_ioprio_get, 1, 0) };
        for s in &starts {
            for key in ["priority", "child_priority"] {
                assert_eq!(s[key]["nice"], own_nice, "{key} of {s:#}");
                assert_eq!(s[key]["ioprio"], own_ioprio, "{key} of {s:#}");
            }
        }
    }
    // The numbered log beside the outputs has the node's lines.
    let log = std::fs::read_to_string(
        out.join("brm-logs")
            .join(
                std::fs::read_dir(out.join("brm-logs"))
                    .unwrap()
                    .flatten()
                    .next()
                    .unwrap()
                    .file_name(),
            )
            .join("task-0001.log"),
    )
    .unwrap();
    assert!(log.lines().next().unwrap().starts_with("1\t1\t"), "{log}");
    assert!(log.contains("task 1 done"), "{log}");
    // A re-run renders nothing; with one frame deleted, only that frame.
    let o = env.brm_env(
        &["task", "run", "--job", job.to_str().unwrap(), "--task", "1"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("nothing to render"), "{}", text(&o));
    let frame5 = std::fs::read_dir(walk_dir(&out))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains(".0005."))
        .expect("frame 5");
    std::fs::remove_file(&frame5).unwrap();
    let o = env.brm_env(
        &["task", "run", "--job", job.to_str().unwrap(), "--task", "1"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(
            "were rendered by this farm job before and are unchanged; rendering the other 5"
        ),
        "{}",
        text(&o)
    );
    assert!(frame5.is_file());
    // Issue 19.5: another farm job into the same folder finds these files, but they are not
    // its own: it renders every frame, and only what it writes counts.
    let dry2 = env.p("job2");
    submit_json(
        &env,
        &[
            &scene,
            "--engine",
            "slurm",
            "--frames",
            "1-6",
            "--chunk",
            "3",
            "--output",
            out.to_str().unwrap(),
            "--dry-run",
            dry2.to_str().unwrap(),
        ],
    );
    let job2 = dry2.join("brm-farm-job.json");
    let before = std::fs::read_to_string(&rec).unwrap().lines().count();
    let o = env.brm_env(
        &[
            "task",
            "run",
            "--job",
            job2.to_str().unwrap(),
            "--task",
            "1",
        ],
        &[],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        !t.contains("nothing to render"),
        "another job's frames counted: {t}"
    );
    assert!(
        t.contains("3 earlier frame(s) already in")
            && t.contains("only files this attempt writes count"),
        "{t}"
    );
    assert!(t.contains("task 1 done: 3/3 frames verified"), "{t}");
    let frames_rendered: Vec<i64> = std::fs::read_to_string(&rec)
        .unwrap()
        .lines()
        .skip(before)
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["event"] == "end")
        .flat_map(|v| {
            v["frames"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| f.as_i64())
        })
        .collect();
    assert_eq!(
        frames_rendered,
        vec![4, 5, 6],
        "the second job renders its frames itself"
    );
    // No task from anywhere: usage error naming the variables.
    let o = env.brm_env(&["task", "run", "--job", job.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("SLURM_ARRAY_TASK_ID"), "{}", text(&o));
    let o = env.brm_env(
        &["task", "run", "--job", job.to_str().unwrap(), "--task", "9"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

/// The folder holding the frame images under `out` (the layer subfolder).
fn walk_dir(out: &Path) -> PathBuf {
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() && !p.ends_with("brm-logs") {
                stack.push(p);
            } else if p.to_string_lossy().contains(".0004.") {
                return d;
            }
        }
    }
    panic!("no frames under {}", out.display());
}

/// The level of each render the fake Maya recorded starting, in order.
fn levels_started(rec: &Path) -> Vec<String> {
    std::fs::read_to_string(rec)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["event"] == "start")
        .map(|v| v["level"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Issue 23.2: a node decides as the agent does (`runner::policy`). On the last level, an
/// attempt that wrote no frame is retried while retries are left; the old node failed the
/// task at once because that attempt "found no frames".
#[test]
fn brm_task_run_retries_an_attempt_that_wrote_no_frame_on_the_last_level() {
    let env = Env::farm(&[]);
    let dry = env.p("job");
    submit_json(
        &env,
        &[
            &common::scene("cube__cube.ma"),
            "--engine",
            "slurm",
            "--method",
            "render",
            "--frames",
            "1-3",
            "--output",
            env.p("out").to_str().unwrap(),
            "--dry-run",
            dry.to_str().unwrap(),
        ],
    );
    let job = dry.join("brm-farm-job.json");
    let rec = env.p("maya.jsonl");
    let once = env.p("failed-once");
    let o = env.brm_env(
        &["task", "run", "--job", job.to_str().unwrap(), "--task", "0"],
        &[
            ("BRM_FAKE_RECORD", rec.to_str().unwrap()),
            ("BRM_FAKE_FAIL", "start"),
            ("BRM_FAKE_FAIL_ONCE", once.to_str().unwrap()),
        ],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(
        t.contains("retry 1 of 2: rendering the remaining frames"),
        "{t}"
    );
    assert!(t.contains("task 0 done: 3/3 frames verified"), "{t}");
    assert_eq!(levels_started(&rec), ["render", "render"]);
}

/// Issue 23.2: what decides a fall-back is "no frame of the task is done", not "this
/// attempt wrote none". The first attempt renders frame 1 and crashes, its retry fails at
/// start without a frame: the task has a frame done on this level, so it retries there
/// (the old node fell back to the next level).
#[cfg(unix)]
#[test]
fn brm_task_run_falls_back_only_while_no_frame_of_the_task_is_done() {
    use std::os::unix::fs::PermissionsExt;
    let roots = tempfile::tempdir().unwrap();
    let bin = roots.path().join("maya2025/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let real = Path::new(ROOT).join("tests/fakes/maya2025/bin");
    for exe in ["Render", "maya"] {
        std::os::unix::fs::symlink(real.join(exe), bin.join(exe)).unwrap();
    }
    // A mayapy that sequences the fake's failures over the custom level's renders.
    let count = roots.path().join("custom-renders");
    let mayapy = bin.join("mayapy");
    std::fs::write(
        &mayapy,
        format!(
            r#"#!/bin/sh
case "$1" in
*brm_render_custom.py)
    n=$(( $(cat '{count}' 2>/dev/null || echo 0) + 1 ))
    echo "$n" > '{count}'
    case "$n" in
    1) BRM_FAKE_FAIL=crash-after:1; export BRM_FAKE_FAIL ;;
    2) BRM_FAKE_FAIL=start; export BRM_FAKE_FAIL ;;
    esac ;;
esac
exec '{real}' "$@"
"#,
            count = count.display(),
            real = real.join("mayapy").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&mayapy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = Env::farm(&[("BRM_MAYA_ROOTS", roots.path().to_str().unwrap())]);
    let dry = env.p("job");
    submit_json(
        &env,
        &[
            &common::scene("cube__cube.ma"),
            "--engine",
            "slurm",
            "--frames",
            "1-3",
            "--output",
            env.p("out").to_str().unwrap(),
            "--dry-run",
            dry.to_str().unwrap(),
        ],
    );
    let job = dry.join("brm-farm-job.json");
    let o = env.brm_env(
        &["task", "run", "--job", job.to_str().unwrap(), "--task", "0"],
        &[],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(!t.contains("falling back"), "{t}");
    assert!(
        t.contains("retry 2 of 2: rendering the remaining frames"),
        "{t}"
    );
    assert!(t.contains("task 0 done: 3/3 frames verified"), "{t}");
    assert_eq!(std::fs::read_to_string(&count).unwrap().trim(), "3", "{t}");
}

#[test]
#[ignore = "needs openjd-cli: run by scripts/test.sh's farm step"]
fn openjd_check_accepts_the_template_and_openjd_run_renders_the_blender_example() {
    let env = Env::farm(&[]);
    let dry = env.p("bundle");
    let out = env.p("out");
    submit_json(
        &env,
        &[
            &format!("{ROOT}/examples/shot.blend"),
            "--engine",
            "openjd",
            "--frames",
            "1-4",
            "--chunk",
            "2",
            "--gpu",
            "cpu",
            "--gpus-per-task",
            "1",
            "--gpu-memory",
            "4096",
            "--post",
            "--output",
            out.to_str().unwrap(),
            "--dry-run",
            dry.to_str().unwrap(),
            "--path-map",
            "Z:\\projects=/mnt/projects",
        ],
    );
    let dir = dry.join("openjd");
    let t: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("template.json")).unwrap()).unwrap();
    let step = &t["steps"][0];
    assert_eq!(
        step["parameterSpace"]["taskParameterDefinitions"][0]["range"],
        "0-1"
    );
    let amounts = step["hostRequirements"]["amounts"].as_array().unwrap();
    assert!(
        amounts
            .iter()
            .any(|a| a["name"] == "amount.worker.gpu" && a["min"] == 1),
        "{t:#}"
    );
    assert!(
        amounts
            .iter()
            .any(|a| a["name"] == "amount.worker.gpu.memory"),
        "{t:#}"
    );
    assert_eq!(t["steps"][1]["dependencies"][0]["dependsOn"], step["name"]);
    let pv: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("parameter_values.json")).unwrap())
            .unwrap();
    assert_eq!(pv["parameterValues"][0]["name"], "JobFile");
    let pm: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("path_mapping.json")).unwrap())
            .unwrap();
    assert_eq!(pm["path_mapping_rules"][0]["source_path_format"], "WINDOWS");
    let o = Command::new("openjd")
        .arg("check")
        .arg(dir.join("template.json"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let o = Command::new("openjd")
        .arg("run")
        .arg(dir.join("template.json"))
        .arg("-p")
        .arg(format!(
            "file://{}",
            dir.join("openjd_run_params.json").display()
        ))
        .arg("--path-mapping-rules")
        .arg(format!(
            "file://{}",
            dir.join("path_mapping.json").display()
        ))
        .envs(env.vars.iter().filter_map(|(k, v)| Some((k, v.as_ref()?))))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(pngs(&out), 4, "{}", text(&o));
    assert!(text(&o).contains("post: 4/4 frames"), "{}", text(&o));
}

#[test]
#[ignore = "needs xmllint (libxml2-utils): run by scripts/test.sh's farm step"]
fn the_opencue_spec_validates_against_cuebots_dtd_with_valid_names() {
    let env = Env::farm(&[]);
    let dry = env.p("cue");
    submit_json(
        &env,
        &[
            &common::scene("layers__layers.ma"),
            "-l",
            "masterLayer",
            "-l",
            "layerFrameRange1",
            "--engine",
            "opencue",
            "--frames",
            "1-8",
            "--chunk",
            "4",
            "--gpu-memory",
            "8192",
            "--memory",
            "16384",
            "--group",
            "gpu",
            "--post",
            "--name",
            "a",
            "--output",
            env.p("out").to_str().unwrap(),
            "--dry-run",
            dry.to_str().unwrap(),
        ],
    );
    let spec = dry.join("opencue/job.xml");
    let dtd = format!("{ROOT}/../shared/farm/opencue/cjsl-1.15.dtd");
    let o = Command::new("xmllint")
        .args(["--noout", "--nonet", "--dtdvalid", &dtd])
        .arg(&spec)
        .output()
        .expect("xmllint (apt-get install libxml2-utils)");
    assert!(o.status.success(), "{}", text(&o));
    let x = std::fs::read_to_string(&spec).unwrap();
    assert_eq!(x.matches("type=\"Render\"").count(), 2, "{x}");
    assert!(
        x.contains("<gpus>1</gpus>") && x.contains("<gpu_memory>8192m</gpu_memory>"),
        "{x}"
    );
    assert!(x.contains("--task #IFRAME#"), "{x}");
    assert!(x.contains("type=\"LAYER_ON_LAYER\""), "{x}");
    // Cuebot: show, shot and layer names ≥ 3 characters of [A-Za-z0-9_.-].
    for tag in ["<show>", "<shot>", "layer name=\""] {
        for part in x.split(tag).skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| *c != '<' && *c != '"')
                .collect();
            assert!(
                name.len() >= 3
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)),
                "{tag}{name}"
            );
        }
    }
}

/// Issue 21: credentials in the submitter's environment reach no file of any engine's dry
/// run (job file, engine files, scene copy) and no line it prints; the files are 0640; a
/// Rez variable and a `BRM_FARM_ENV_KEEP` addition travel and reach the render on a node,
/// a credential does not.
#[test]
fn the_farm_job_carries_no_secret_and_only_what_a_render_needs() {
    let secrets = [
        ("AWS_SECRET_ACCESS_KEY", "dummyvalue-aws-7f3a"),
        ("MY_API_TOKEN", "dummytoken-api-19c2"),
        ("GITHUB_TOKEN", "dummytoken-gh-55d0"),
        ("DB_PASSWORD", "dummypass-db-0b1e"),
    ];
    let travel = [
        ("REZ_USED_RESOLVE", "maya-2025.1 mtoa-5.4.2"),
        ("STUDIO_SHOT", "sq010_sh020"),
        ("BRM_FARM_ENV_KEEP", "STUDIO_*"),
    ];
    let env = Env::farm(&[]);
    let scene = common::scene("cube__cube.ma");
    let mut submit_env: Vec<(&str, &str)> = secrets.to_vec();
    submit_env.extend_from_slice(&travel);
    for engine in ["slurm", "deadline", "opencue", "openjd"] {
        let dry = env.p(&format!("dry-{engine}"));
        let out = env.p(&format!("out-{engine}"));
        let o = env.brm_env(
            &[
                "farm",
                "submit",
                &scene,
                "--engine",
                engine,
                "--frames",
                "1-2",
                "--output",
                out.to_str().unwrap(),
                "--dry-run",
                dry.to_str().unwrap(),
            ],
            &submit_env,
        );
        let said = text(&o);
        assert!(o.status.success(), "{engine}: {said}");
        for (name, value) in secrets {
            assert!(
                !said.contains(value),
                "{engine}: submit printed {name}'s value: {said}"
            );
            assert!(
                said.contains(name),
                "{engine}: the dropped names are listed: {said}"
            );
        }
        assert!(
            said.contains("REZ_USED_RESOLVE") && said.contains("mode 640"),
            "{said}"
        );
        let mut files = Vec::new();
        let mut stack = vec![dry.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    files.push(e.path());
                }
            }
        }
        assert!(files.len() >= 3, "{engine}: {files:?}");
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            let body = String::from_utf8_lossy(&bytes);
            for (name, value) in secrets {
                assert!(
                    !body.contains(value),
                    "{engine}: {} holds {name}'s value",
                    f.display()
                );
            }
            let in_scene_copy = f.parent().is_some_and(|p| p.ends_with("scene"));
            if !in_scene_copy {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o640, "{engine}: {} is {mode:o}", f.display());
            }
        }
        let job = std::fs::read_to_string(dry.join("brm-farm-job.json")).unwrap();
        assert!(
            job.contains("REZ_USED_RESOLVE") && job.contains("sq010_sh020"),
            "{job}"
        );
        assert!(
            !job.contains("\"HOME\"") && !job.contains("\"BRM_HOME\""),
            "{job}"
        );
    }
    // On a node (no secrets and no Rez in its own environment): the job's variables reach
    // the render, the dropped ones do not.
    let rec = env.p("node.jsonl");
    let r = rec.display().to_string();
    let job = env.p("dry-slurm").join("brm-farm-job.json");
    let o = env.brm_env(
        &["task", "run", "--job", job.to_str().unwrap(), "--task", "0"],
        &[
            ("BRM_FAKE_RECORD", r.as_str()),
            (
                "BRM_FAKE_RECORD_ENV",
                "REZ_USED_RESOLVE,STUDIO_SHOT,AWS_SECRET_ACCESS_KEY,MY_API_TOKEN",
            ),
        ],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    for (name, value) in secrets {
        assert!(!t.contains(value), "the node printed {name}'s value: {t}");
    }
    let start: Value = std::fs::read_to_string(&rec)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["event"] == "start")
        .expect("a render started");
    assert_eq!(
        start["env"]["REZ_USED_RESOLVE"], "maya-2025.1 mtoa-5.4.2",
        "{start}"
    );
    assert_eq!(start["env"]["STUDIO_SHOT"], "sq010_sh020", "{start}");
    assert!(start["env"]["AWS_SECRET_ACCESS_KEY"].is_null(), "{start}");
    assert!(start["env"]["MY_API_TOKEN"].is_null(), "{start}");
}
