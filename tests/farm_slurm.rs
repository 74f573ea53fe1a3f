//! The farm on a real one-node Slurm (`../shared/farm/slurm/slurm_up.sh`, fake GPUs so each
//! task gets its own `CUDA_VISIBLE_DEVICES`): real sbatch/squeue/scancel, real `brm task run`
//! on the node, real Blender renders; Maya is the faithful fake under tests/fakes.
//!
//! These need the Slurm daemons, so they are `#[ignore]`d in the plain `cargo test` run and
//! run by the farm step of `scripts/test.sh` (which starts Slurm, runs them with
//! `--ignored`, and stops it), never skipped there.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

const BRM: &str = env!("CARGO_BIN_EXE_brm");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Farm {
    dir: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

impl Farm {
    fn new(extra: &[(&str, &str)]) -> Farm {
        let conf = std::env::var("SLURM_CONF").unwrap_or_else(|_| "/tmp/slurmci/slurm.conf".into());
        assert!(
            Path::new(&conf).is_file(),
            "no Slurm here ({conf} missing): start it with ../shared/farm/slurm/slurm_up.sh (scripts/test.sh does)"
        );
        let dir = tempfile::Builder::new()
            .prefix("brm-farm-")
            .tempdir_in("/tmp")
            .unwrap();
        let mut vars: Vec<(String, String)> = vec![
            ("SLURM_CONF".into(), conf),
            (
                "BRM_HOME".into(),
                dir.path().join("home").display().to_string(),
            ),
            (
                "BRM_FARM_SCENES".into(),
                dir.path().join("scenes").display().to_string(),
            ),
            ("BRM_MAYA_ROOTS".into(), format!("{ROOT}/tests/fakes")),
            ("BRM_NO_NVML".into(), "1".into()),
            (
                "BRM_NVIDIA_SMI".into(),
                dir.path().join("no-nvidia-smi").display().to_string(),
            ),
            ("MAYA_LOCATION".into(), String::new()),
            ("BRM_AGENT".into(), BRM.into()),
            ("BRM_AGENT_IDLE_S".into(), "5".into()),
        ];
        for (k, v) in extra {
            vars.retain(|(ek, _)| ek != k);
            vars.push((k.to_string(), v.to_string()));
        }
        Farm { dir, vars }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn brm(&self, args: &[&str]) -> Output {
        Command::new(BRM)
            .args(args)
            .envs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("run brm")
    }

    fn status(&self, id: &str) -> Value {
        let o = self.brm(&["farm", "status", id, "--json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
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

fn images(dir: &Path, ext: &str) -> usize {
    walk(dir)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .count()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                v.extend(walk(&p));
            } else {
                v.push(p);
            }
        }
    }
    v
}

/// Processes whose command line mentions `needle` (the job's output folder).
fn processes_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = e.file_name();
        if !name.to_string_lossy().chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.contains(needle) {
                found.push(format!("{}: {cmd}", name.to_string_lossy()));
            }
        }
    }
    found
}

#[test]
#[ignore = "needs the one-node Slurm: run by scripts/test.sh's farm step"]
fn slurm_renders_24_blender_frames_as_4_array_tasks_each_on_its_own_gpu() {
    let farm = Farm::new(&[]);
    let out = farm.out();
    let o = farm.brm(&[
        "farm",
        "submit",
        &format!("{ROOT}/examples/shot.blend"),
        "--engine",
        "slurm",
        "--frames",
        "1-24",
        "--chunk",
        "6",
        "--output",
        out.to_str().unwrap(),
        // The farm's GPUs are fake (device files cloned from /dev/null): Slurm assigns one
        // per task, Blender renders on the CPU.
        "--gpu",
        "cpu",
        "--gpus-per-task",
        "1",
        "--wait",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let id = String::from_utf8_lossy(&o.stdout)
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(images(&out, "png"), 24, "{}", text(&o));
    let s = farm.status(&id);
    assert_eq!(s["state"], "done", "{s:#}");
    assert_eq!(s["frames_done"], 24);
    let tasks = s["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 4);
    assert!(
        tasks.iter().all(|t| t["engine_state"] == "COMPLETED"),
        "{s:#}"
    );
    // Every task log shows the GPU Slurm gave it: four different ones.
    let log = farm.brm(&["farm", "log", &id, "--notes"]);
    let log = String::from_utf8_lossy(&log.stdout).to_string();
    let mut gpus: Vec<String> = log
        .lines()
        .filter_map(|l| l.split("CUDA_VISIBLE_DEVICES=").nth(1))
        .map(|v| v.trim().to_string())
        .collect();
    gpus.sort();
    gpus.dedup();
    assert_eq!(gpus.len(), 4, "{log}");
    for t in 0..4 {
        assert!(
            log.contains(&format!("[task {t}] [brm] task {t} done")),
            "{log}"
        );
    }
    assert!(log.contains("Progress: 100%"), "{log}");
    // The agent's commands take a farm id too: `brm log farm-N`, `brm status farm-N`.
    let o = farm.brm(&["log", &id]);
    let log = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success() && log.contains("[task 3] [brm] task 3 done"),
        "{}",
        text(&o)
    );
    let o = farm.brm(&["status", &id, "--json"]);
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["state"], "done");
    // `brm jobs` lists the farm job with its engine and the engine's job id.
    let o = farm.brm(&["jobs", "--farm"]);
    let jobs = String::from_utf8_lossy(&o.stdout).to_string();
    let slurm_id = s["engine_ids"][0]["id"].as_str().unwrap();
    let row = jobs
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap_or_else(|| panic!("{}", text(&o)));
    assert!(
        row.contains("slurm") && row.contains(slurm_id) && row.contains("24/24"),
        "{jobs}"
    );
    let _ = farm.brm(&["agent", "stop"]);
}

#[test]
#[ignore = "needs the one-node Slurm: run by scripts/test.sh's farm step"]
fn a_cancelled_slurm_job_leaves_no_task_and_no_render_and_a_resubmit_renders_only_the_missing_frames(
) {
    let scene = format!("{ROOT}/../shared/testdata/maya/cube__cube.ma");
    assert!(
        Path::new(&scene).is_file(),
        "shared test scene {scene} missing"
    );
    let farm = Farm::new(&[("BRM_FAKE_FRAME_SECONDS", "0.4")]);
    let out = farm.out();
    let args = |wait: bool| {
        let mut a = vec![
            "farm".to_string(),
            "submit".into(),
            scene.clone(),
            "--engine".into(),
            "slurm".into(),
            "--frames".into(),
            "1-40".into(),
            "--chunk".into(),
            "10".into(),
            "--output".into(),
            out.display().to_string(),
        ];
        if wait {
            a.push("--wait".into());
        }
        a
    };
    let o = farm.brm(&args(false).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o));
    let id = String::from_utf8_lossy(&o.stdout).trim().to_string();
    // Half-way: some frames exist, most do not.
    let t0 = Instant::now();
    loop {
        let s = farm.status(&id);
        if s["frames_done"].as_u64().unwrap() >= 4 {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no frame rendered: {s:#}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let o = farm.brm(&["farm", "cancel", &id]);
    assert!(o.status.success(), "{}", text(&o));
    // Slurm stops the tasks; brm task run cancels its render's process group first.
    let t0 = Instant::now();
    let s = loop {
        let s = farm.status(&id);
        let live = s["tasks"].as_array().unwrap().iter().any(|t| {
            matches!(
                t["engine_state"].as_str(),
                Some("RUNNING" | "PENDING" | "COMPLETING")
            )
        });
        if !live && processes_with(out.to_str().unwrap()).is_empty() {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "still running after cancel: {s:#}\n{:#?}",
            processes_with(out.to_str().unwrap())
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(s["state"], "cancelled", "{s:#}");
    let done = s["frames_done"].as_u64().unwrap();
    assert!(
        done < 40,
        "the cancel came too late to test anything: {s:#}"
    );
    // Re-submit: a new farm job. The cancelled job's frames are there, but they are not
    // this job's (issue 19.5: only files a job's own render writes count), so every frame
    // renders, and brm says it found them.
    let mut farm = farm;
    farm.vars.retain(|(k, _)| k != "BRM_FAKE_FRAME_SECONDS");
    let o = farm.brm(&args(true).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", text(&o));
    let id2 = String::from_utf8_lossy(&o.stdout)
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_string();
    assert_ne!(id, id2);
    let s2 = farm.status(&id2);
    assert_eq!(s2["state"], "done", "{s2:#}");
    let log = farm.brm(&["farm", "log", &id2, "--notes"]);
    let log = String::from_utf8_lossy(&log.stdout).to_string();
    assert!(
        log.contains("earlier frame(s) already in")
            && log.contains("only files this attempt writes count"),
        "{log}"
    );
    assert!(!log.contains("nothing to render"), "{log}");
    // Every frame was rendered by the new job.
    let rendered = log.matches("] [brm] frame ").count() as u64;
    assert_eq!(rendered, 40, "{log}");
}

#[test]
#[ignore = "needs the one-node Slurm: run by scripts/test.sh's farm step"]
fn a_rez_variable_and_a_studio_addition_reach_the_render_on_a_slurm_node_and_no_secret_does() {
    let scene = format!("{ROOT}/../shared/testdata/maya/cube__cube.ma");
    assert!(
        Path::new(&scene).is_file(),
        "shared test scene {scene} missing"
    );
    let secret = "dummyvalue-aws-7f3a";
    let farm = Farm::new(&[]);
    let rec = farm.dir.path().join("maya.jsonl");
    let mut farm = farm;
    farm.vars.extend(
        [
            ("REZ_USED_RESOLVE", "maya-2025.1 mtoa-5.4.2"),
            ("STUDIO_SHOT", "sq010_sh020"),
            ("BRM_FARM_ENV_KEEP", "STUDIO_*"),
            ("AWS_SECRET_ACCESS_KEY", secret),
            ("BRM_FAKE_RECORD", rec.to_str().unwrap()),
            (
                "BRM_FAKE_RECORD_ENV",
                "REZ_USED_RESOLVE,STUDIO_SHOT,AWS_SECRET_ACCESS_KEY",
            ),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let out = farm.out();
    let o = farm.brm(&[
        "farm",
        "submit",
        &scene,
        "--engine",
        "slurm",
        "--frames",
        "1-2",
        "--output",
        out.to_str().unwrap(),
        "--wait",
    ]);
    let said = text(&o);
    assert!(o.status.success(), "{said}");
    assert!(!said.contains(secret), "{said}");
    let id = String::from_utf8_lossy(&o.stdout)
        .lines()
        .next()
        .unwrap()
        .trim()
        .to_string();
    // What the render on the node saw (the fake Maya records the named variables).
    let ends: Vec<Value> = std::fs::read_to_string(&rec)
        .unwrap_or_else(|e| panic!("no render on the node recorded ({e}): {said}"))
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["event"] == "end")
        .collect();
    assert!(!ends.is_empty(), "{said}");
    for e in &ends {
        assert_eq!(
            e["env"]["REZ_USED_RESOLVE"], "maya-2025.1 mtoa-5.4.2",
            "{e:#}"
        );
        assert_eq!(e["env"]["STUDIO_SHOT"], "sq010_sh020", "{e:#}");
        assert_eq!(e["env"]["AWS_SECRET_ACCESS_KEY"], Value::Null, "{e:#}");
    }
    // Nothing the farm wrote or prints holds the secret: job and engine files, task logs,
    // `brm farm status` and `brm farm log`.
    let s = farm.status(&id);
    assert_eq!(s["state"], "done", "{s:#}");
    let job_dir = Path::new(s["job_file"].as_str().unwrap())
        .parent()
        .unwrap()
        .to_path_buf();
    for f in walk(&job_dir).into_iter().chain(walk(&out)) {
        let body = std::fs::read(&f).unwrap();
        assert!(
            !String::from_utf8_lossy(&body).contains(secret),
            "{} holds the secret",
            f.display()
        );
    }
    for args in [vec!["farm", "status", &id], vec!["farm", "log", &id]] {
        let o = farm.brm(&args);
        assert!(o.status.success(), "{}", text(&o));
        assert!(!text(&o).contains(secret), "{args:?}: {}", text(&o));
    }
    let _ = farm.brm(&["agent", "stop"]);
}
