//! Warm render sessions (issue 13) end to end: the real `brm` agent and real Blender
//! sessions (`blender -b SCENE --python brm_blender_session.py`). Each test has its own
//! BRM_HOME and agent, and renders on the CPU slot (no GPU here).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{Env, ROOT};

/// This suite's `Env`: the shared one, with Blender required and the warm-session settings
/// at their defaults whatever the developer's shell says.
fn warm_env(extra: &[(&str, &str)]) -> Env {
    blender_present();
    let mut e = Env::home(extra);
    for k in ["BRM_WARM_SESSIONS", "BRM_WARM_MAX_RSS_MB"] {
        if !extra.iter().any(|(ek, _)| *ek == k) {
            e.unset(k);
        }
    }
    e
}

/// What these tests ask of an `Env` beyond the shared harness.
trait Warm {
    fn out(&self, name: &str) -> PathBuf;
    fn submit(&self, scene: &Path, frames: &str, chunk: &str, out: &str, extra: &[&str]) -> u64;
    fn wait(&self, id: u64) -> Value;
    fn notes(&self, id: u64) -> Vec<String>;
    fn session(&self) -> Value;
    fn rendering_session_pid(&self) -> i64;
}

impl Warm for Env {
    fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Submit `scene` (frames, chunk) and return the job id.
    fn submit(&self, scene: &Path, frames: &str, chunk: &str, out: &str, extra: &[&str]) -> u64 {
        let o = self.out(out);
        let mut a = vec![
            "render",
            scene.to_str().unwrap(),
            "--frames",
            frames,
            "--chunk",
            chunk,
            "-o",
            o.to_str().unwrap(),
            "--json",
        ];
        a.extend_from_slice(extra);
        // examples/shot.blend (and copies of it) has two renderable view layers, which
        // render as outputs of their own: these tests follow one session, of one layer.
        if (scene == shot().as_path() || scene.file_name().is_some_and(|n| n == "other.blend"))
            && !extra.contains(&"--layer")
        {
            a.extend_from_slice(&["--layer", "beauty"]);
        }
        self.json(&a)["id"].as_u64().unwrap()
    }

    fn wait(&self, id: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let v = self.json(&["status", &id.to_string(), "--json"]);
            let st = v["state"].as_str().unwrap().to_string();
            if ["done", "failed", "cancelled"].contains(&st.as_str()) {
                return v;
            }
            assert!(Instant::now() < deadline, "job {id} did not finish: {v:#}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// brm's own notes of a job.
    fn notes(&self, id: u64) -> Vec<String> {
        self.brm_ok(&["log", &id.to_string(), "--json"])
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["stream"] == 1)
            .map(|l| l["text"].as_str().unwrap().to_string())
            .collect()
    }

    fn session(&self) -> Value {
        self.json(&["agent", "status", "--json"])["slots"][0]["session"].clone()
    }

    /// The pid of the session rendering now (waits for one).
    fn rendering_session_pid(&self) -> i64 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let s = self.session();
            if s["state"] == "rendering" {
                return s["pid"].as_i64().unwrap();
            }
            assert!(Instant::now() < deadline, "no session started: {s:#}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn blender_present() {
    let ok = Command::new("blender")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(ok, "Blender is required for the warm-session tests: install it with scripts/ensure-blender.sh (apt-get install blender)");
}

fn shot() -> PathBuf {
    PathBuf::from(ROOT).join("examples/shot.blend")
}

fn frames_done(v: &Value) -> Vec<i64> {
    let mut f: Vec<i64> = v["frames_done_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    f.sort();
    f
}

/// Non-empty files under `dir` (a layer's frames go to `<dir>/<layer>/`).
fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => files_in(&e.path()),
                    Ok(m) if m.len() > 0 => 1,
                    _ => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Processes of process group `pgid` (from /proc), zombies excluded.
fn group_members(pgid: i64) -> Vec<i64> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i64>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 3 && f[0] != "Z" && f[2].parse::<i64>().ok() == Some(pgid) {
            out.push(pid);
        }
    }
    out
}

fn wait_gone(pgid: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !group_members(pgid).is_empty() {
        assert!(
            Instant::now() < deadline,
            "session group {pgid} still has processes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Several chunks of one job and a second job of a content-identical snapshot (a re-submit:
/// the client snapshots the scene again, to a new path) render in one Blender session; a
/// different scene ends it and gets its own.
#[test]
fn chunks_and_a_resubmit_reuse_one_session_and_another_scene_gets_its_own() {
    let env = warm_env(&[]);
    let a = env.submit(&shot(), "1-12", "4", "a", &[]);
    let va = env.wait(a);
    assert_eq!(va["state"], "done", "{va:#}");
    assert_eq!(frames_done(&va), (1..=12).collect::<Vec<_>>());
    let s1 = env.session();
    assert_eq!(s1["state"], "idle", "{s1:#}");
    assert_eq!(s1["chunks"], 3, "{s1:#}");
    let b = env.submit(&shot(), "13-20", "4", "b", &[]);
    let vb = env.wait(b);
    assert_eq!(vb["state"], "done", "{vb:#}");
    assert_eq!(files_in(&env.out("b")), 8);
    let s2 = env.session();
    assert_eq!(
        s2["pid"], s1["pid"],
        "the re-submit reused the session: {s2:#}"
    );
    assert_eq!(s2["chunks"], 5, "{s2:#}");
    assert_eq!(s2["jobs"], serde_json::json!([a, b]));
    for t in vb["tasks"].as_array().unwrap() {
        assert_eq!(t["warm_chunks"], 1, "{t:#}");
    }
    let na = env.notes(a);
    assert_eq!(
        na.iter().filter(|n| n.contains("started (pid")).count(),
        1,
        "{na:#?}"
    );
    assert!(na.iter().any(|n| n.contains("scene loaded in")), "{na:#?}");
    let nb = env.notes(b);
    assert!(!nb.iter().any(|n| n.contains("started (pid")), "{nb:#?}");
    assert_eq!(
        nb.iter().filter(|n| n.contains("reused")).count(),
        4,
        "{nb:#?}"
    );

    // Another scene (different content): the idle session ends, a new one starts.
    let other = env.dir.path().join("other.blend");
    let o = Command::new("blender")
        .args(["-b", shot().to_str().unwrap(), "--python-expr"])
        .arg(format!(
            "import bpy; bpy.context.scene.render.resolution_x += 2; bpy.ops.wm.save_as_mainfile(filepath={:?})",
            other.to_str().unwrap()
        ))
        .output()
        .unwrap();
    assert!(other.is_file(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = env.submit(&other, "1-2", "2", "c", &[]);
    assert_eq!(env.wait(c)["state"], "done");
    let s3 = env.session();
    assert_ne!(s3["pid"], s1["pid"], "{s3:#}");
    assert_eq!(s3["jobs"], serde_json::json!([c]));
    wait_gone(s1["pid"].as_i64().unwrap());
    let nc = env.notes(c);
    assert!(
        nc.iter()
            .any(|n| n.contains(&format!("is needed by job {c}"))),
        "{nc:#?}"
    );
}

/// A session killed mid-chunk (a crash): its group is cleared and the chunk's remaining
/// frames render cold; nothing is lost.
#[test]
fn a_crashed_session_is_replaced_by_a_cold_render_of_the_remaining_frames() {
    let env = warm_env(&[]);
    let id = env.submit(&shot(), "1-24", "24", "out", &[]);
    let pid = env.rendering_session_pid();
    let deadline = Instant::now() + Duration::from_secs(60);
    while files_in(&env.out("out")) < 2 {
        assert!(Instant::now() < deadline, "no frame rendered");
        std::thread::sleep(Duration::from_millis(10));
    }
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    let v = env.wait(id);
    assert_eq!(v["state"], "done", "{v:#}");
    assert_eq!(frames_done(&v), (1..=24).collect::<Vec<_>>());
    let notes = env.notes(id);
    assert!(
        notes.iter().any(|n| n.contains("ended during the chunk")),
        "{notes:#?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("cold, outside the warm session")),
        "{notes:#?}"
    );
    let cold_at = notes
        .iter()
        .position(|n| n.contains("cold, outside the warm session"))
        .unwrap();
    assert!(
        notes[cold_at..].iter().any(|n| n.starts_with("running: ")),
        "a cold render ran after the session failed: {notes:#?}"
    );
    assert!(group_members(pid).is_empty());
}

/// Cancel kills the session with its group; the job is cancelled, no Blender is left.
#[test]
fn cancel_kills_the_session() {
    let env = warm_env(&[]);
    let id = env.submit(&shot(), "1-24", "24", "out", &[]);
    let pid = env.rendering_session_pid();
    assert!(!group_members(pid).is_empty());
    env.brm_ok(&["cancel", &id.to_string(), "--grace-ms", "1000"]);
    let v = env.wait(id);
    assert_eq!(v["state"], "cancelled", "{v:#}");
    wait_gone(pid);
    assert!(env.session().is_null(), "no session is kept after a cancel");
}

/// A session over the memory limit is killed and the chunk renders cold; `--cold` never
/// starts a session.
#[test]
fn memory_limit_and_cold_opt_out() {
    let env = warm_env(&[("BRM_WARM_MAX_RSS_MB", "1")]);
    let id = env.submit(&shot(), "1-3", "3", "mem", &[]);
    let v = env.wait(id);
    assert_eq!(v["state"], "done", "{v:#}");
    let notes = env.notes(id);
    assert!(
        notes.iter().any(|n| n.contains("over the limit")),
        "{notes:#?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("cold, outside the warm session")),
        "{notes:#?}"
    );

    let env = warm_env(&[]);
    let id = env.submit(&shot(), "1-4", "2", "cold", &["--cold"]);
    let v = env.wait(id);
    assert_eq!(v["state"], "done", "{v:#}");
    let notes = env.notes(id);
    assert!(
        !notes.iter().any(|n| n.contains("warm session")),
        "{notes:#?}"
    );
    assert!(env.session().is_null());
    for t in v["tasks"].as_array().unwrap() {
        assert_eq!(t["warm_chunks"], 0);
    }
}

/// The fake Maya's sessions: the shared `Env` already points Maya at the fakes
/// (`BRM_MAYA_ROOTS`, no `MAYA_LOCATION`).
fn fake_maya_env(extra: &[(&str, &str)]) -> Env {
    warm_env(extra)
}

fn cube_scene() -> PathBuf {
    let p = PathBuf::from(ROOT).join("../shared/testdata/maya/cube__cube.ma");
    assert!(
        p.is_file(),
        "test scene {} is missing: the shared test data must sit beside the repository",
        p.display()
    );
    p
}

/// The custom mayapy level in session mode, under the fake mayapy with a scene-load time:
/// the scene is opened once for three chunks and a re-submit; the fake's invocation record
/// shows one mayapy start.
#[test]
fn mayapy_session_opens_the_scene_once_for_chunks_and_a_resubmit() {
    let mut env = fake_maya_env(&[("BRM_FAKE_LOAD_SECONDS", "1")]);
    let record = env.dir.path().join("record.jsonl");
    env.set("BRM_FAKE_RECORD", &record.display().to_string());
    let a = env.submit(&cube_scene(), "1-9", "3", "a", &["--gpu", "cpu"]);
    let va = env.wait(a);
    assert_eq!(va["state"], "done", "{va:#}");
    assert_eq!(frames_done(&va), (1..=9).collect::<Vec<_>>());
    let b = env.submit(&cube_scene(), "10-12", "3", "b", &["--gpu", "cpu"]);
    let vb = env.wait(b);
    assert_eq!(vb["state"], "done", "{vb:#}");
    assert_eq!(vb["tasks"][0]["warm_chunks"], 1);
    let starts: Vec<Value> = std::fs::read_to_string(&record)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["event"] == "start")
        .collect();
    assert_eq!(starts.len(), 1, "one mayapy for four chunks: {starts:#?}");
    assert_eq!(env.session()["chunks"], 4);
    let notes = env.notes(b);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("mayapy-custom in warm session 1 (reused")),
        "{notes:#?}"
    );
}

/// A session that falls silent (the fake Maya's `silent` failure, first invocation only) is
/// stopped by the silence watchdog and killed with its group; having rendered no frame, the
/// task falls back to the next level (`Render`), which renders it.
#[test]
fn a_silent_session_is_killed_by_the_watchdog_and_the_chunk_renders_elsewhere() {
    let mut env = fake_maya_env(&[
        ("BRM_FAKE_FAIL", "silent"),
        ("BRM_FAKE_FAIL_LEVEL", "custom"),
    ]);
    let marker = env.dir.path().join("fail-once");
    env.set("BRM_FAKE_FAIL_ONCE", &marker.display().to_string());
    let id = env.submit(
        &cube_scene(),
        "1-3",
        "3",
        "out",
        &["--gpu", "cpu", "--silence-timeout", "2"],
    );
    let pid = env.rendering_session_pid();
    let v = env.wait(id);
    assert_eq!(v["state"], "done", "{v:#}");
    assert_eq!(frames_done(&v), vec![1, 2, 3]);
    let notes = env.notes(id);
    assert!(
        notes.iter().any(|n| n.contains("stopping warm session 1")),
        "{notes:#?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("falling back to render")),
        "{notes:#?}"
    );
    assert!(group_members(pid).is_empty());
    assert!(env.session().is_null());
}

fn blender_script(script: &str, args: &[&str]) -> String {
    let o = Command::new("blender")
        .args(["-b", "--factory-startup", "--python"])
        .arg(PathBuf::from(ROOT).join("tests/blender").join(script))
        .arg("--")
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The centre pixel (r, g, b) of a PNG, read by Blender.
fn pixel(png: &Path) -> (u32, u32, u32) {
    let out = blender_script("write_png.py", &["--probe", png.to_str().unwrap()]);
    let line = out.lines().find(|l| l.starts_with("PIXEL ")).unwrap();
    let v: Vec<u32> = line[6..].split(' ').map(|x| x.parse().unwrap()).collect();
    (v[0], v[1], v[2])
}

/// Issue 19: a texture replaced on disk between two submits of the same .blend is not
/// rendered from the idle session that loaded the old one: the session ends with a note
/// naming the file, and the second job's frames show the new colour.
#[test]
fn a_changed_texture_ends_the_warm_session_and_renders_new() {
    let env = warm_env(&[]);
    let dir = env.dir.path().join("proj");
    std::fs::create_dir_all(dir.join("tex")).unwrap();
    let tex = dir.join("tex/wood.png");
    let scene = dir.join("shot.blend");
    blender_script("write_png.py", &[tex.to_str().unwrap(), "1", "0", "0"]);
    blender_script(
        "texture_scene.py",
        &[scene.to_str().unwrap(), tex.to_str().unwrap()],
    );
    let a = env.submit(&scene, "1-2", "1", "a", &[]);
    let va = env.wait(a);
    assert_eq!(va["state"], "done", "{va:#}");
    let s1 = env.session();
    assert_eq!(s1["state"], "idle", "{s1:#}");
    let (r, g, _) = pixel(&env.out("a").join("shot.0002.png"));
    assert!(r > 150 && g < 50, "red first: {r} {g}");

    blender_script("write_png.py", &[tex.to_str().unwrap(), "0", "1", "0"]);
    let b = env.submit(&scene, "1-2", "1", "b", &[]);
    let vb = env.wait(b);
    assert_eq!(vb["state"], "done", "{vb:#}");
    for f in ["shot.0001.png", "shot.0002.png"] {
        let (r, g, _) = pixel(&env.out("b").join(f));
        assert!(g > 150 && r < 50, "{f} shows the new texture: {r} {g}");
    }
    let nb = env.notes(b);
    let changed: Vec<&String> = nb
        .iter()
        .filter(|n| n.contains("not reused") && n.contains(tex.to_str().unwrap()))
        .collect();
    assert_eq!(changed.len(), 1, "{nb:#?}");
    assert!(
        changed[0].contains("changed since the scene was loaded"),
        "{changed:?}"
    );
    assert_ne!(env.session()["pid"], s1["pid"]);
}

/// Issue 19.1, the mayapy session: a Maya scene that references another file. The session
/// reports the reference (`file -q -list`, references, file textures); a re-submit with the
/// reference unchanged reuses the session, one after the referenced file changed does not,
/// and the note names the file.
#[test]
fn a_changed_maya_reference_ends_the_mayapy_session() {
    let mut env = fake_maya_env(&[]);
    let record = env.dir.path().join("record.jsonl");
    env.set("BRM_FAKE_RECORD", &record.display().to_string());
    let dir = env.dir.path().join("proj");
    std::fs::create_dir_all(&dir).unwrap();
    let reference = dir.join("set.ma");
    std::fs::write(
        &reference,
        "//Maya ASCII 2023 scene\n// the set, version 1\n",
    )
    .unwrap();
    // The cube scene with its two reference commands replaced by one to `set.ma`.
    let cube = std::fs::read_to_string(cube_scene()).unwrap();
    let mut lines: Vec<String> = Vec::new();
    let mut skip = 0;
    for l in cube.lines() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        if l.starts_with("file -r") {
            skip = 2; // the command's two continuation lines
            if l.starts_with("file -r ") {
                lines.push(format!(
                    "file -r -ns \"set\" -rfn \"setRN\" -typ \"mayaAscii\" \"{}\";",
                    reference.display()
                ));
            }
            continue;
        }
        lines.push(l.to_string());
    }
    let scene = dir.join("shot.ma");
    std::fs::write(&scene, lines.join("\n") + "\n").unwrap();
    let starts = || {
        std::fs::read_to_string(&record)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"event\": \"start\"") || l.contains("\"event\":\"start\""))
            .count()
    };
    let a = env.submit(&scene, "1-3", "3", "a", &["--gpu", "cpu"]);
    assert_eq!(env.wait(a)["state"], "done");
    let b = env.submit(&scene, "4-6", "3", "b", &["--gpu", "cpu"]);
    assert_eq!(env.wait(b)["state"], "done");
    assert_eq!(starts(), 1, "the unchanged reference keeps the session");
    std::fs::write(
        &reference,
        "//Maya ASCII 2023 scene\n// the set, version 2 (moved a wall)\n",
    )
    .unwrap();
    let c = env.submit(&scene, "7-9", "3", "c", &["--gpu", "cpu"]);
    assert_eq!(env.wait(c)["state"], "done");
    assert_eq!(starts(), 2, "a fresh session after the reference changed");
    let notes = env.notes(c);
    assert!(
        notes.iter().any(|n| n.contains("not reused")
            && n.contains(&reference.display().to_string())
            && n.contains("changed")),
        "{notes:#?}"
    );
}
