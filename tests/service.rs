//! The agent as a user service (`brm agent install-service`): the unit systemd reads, and a
//! reboot simulated for real: the agent and its render killed with one job running and one
//! queued, then the unit's own start command run as systemd would run it (its `ExecStart=`
//! with its `Environment=` lines and nothing else of ours). Maya is the faithful fake under
//! tests/fakes; processes, sockets and SQLite are real.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{scene, Env};

/// This suite's `Env`: brm's home in `brm/` beside the `config` folder the unit is written
/// to (`XDG_CONFIG_HOME`), as in a real home folder.
fn service_env(extra: &[(&str, &str)]) -> Env {
    let mut e = Env::bare(tempfile::tempdir().unwrap());
    let h = e.dir.path().to_path_buf();
    e.set("BRM_HOME", &h.join("brm").display().to_string());
    e.set("XDG_CONFIG_HOME", &h.join("config").display().to_string());
    for (k, v) in extra {
        e.set(k, v);
    }
    e
}

/// What these tests ask of an `Env` beyond the shared harness.
trait Service {
    fn config(&self) -> PathBuf;
    fn unit(&self) -> PathBuf;
    fn records(&self) -> Vec<Value>;
    fn cube_chunked(&self, frames: &str, out: &Path, chunk: &str) -> u64;
}

impl Service for Env {
    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn unit(&self) -> PathBuf {
        self.config().join("systemd/user/brm-agent.service")
    }

    fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("record.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    fn cube_chunked(&self, frames: &str, out: &Path, chunk: &str) -> u64 {
        let scene = scene("cube__cube.ma");
        let v = self.json(&[
            "render",
            &scene,
            "--frames",
            frames,
            "--gpu",
            "cpu",
            "--method",
            "render",
            "--chunk",
            chunk,
            "-o",
            out.to_str().unwrap(),
            "--json",
        ]);
        v["id"].as_u64().unwrap()
    }
}

/// The unit's `ExecStart=` argv and `Environment=` pairs, read the way systemd reads them
/// for the unit we write (plain words, or one double-quoted word with `\\`/`\"` escapes).
fn parse_unit(text: &str) -> (Vec<String>, Vec<(String, String)>) {
    fn words(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let (mut quoted, mut any) = (false, false);
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    quoted = !quoted;
                    any = true;
                }
                '\\' if quoted => cur.extend(chars.next()),
                ' ' if !quoted => {
                    if any || !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    any = false;
                }
                c => cur.push(c),
            }
        }
        if any || !cur.is_empty() {
            out.push(cur);
        }
        out.into_iter()
            .map(|w| w.replace("%%", "%").replace("$$", "$"))
            .collect()
    }
    let mut exec = Vec::new();
    let mut env = Vec::new();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("ExecStart=") {
            exec = words(v);
        } else if let Some(v) = line.strip_prefix("Environment=") {
            for w in words(v) {
                let (k, val) = w.split_once('=').unwrap();
                env.push((k.to_string(), val.to_string()));
            }
        }
    }
    (exec, env)
}

fn pid_alive(pid: i64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit_once(')')
                .map(|(_, r)| !r.trim_start().starts_with('Z'))
                .unwrap_or(false)
        })
        .unwrap_or(false)
}

extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

/// Frames with a non-empty file in `out`'s layer folder (brm writes `<out>/<layer>/...`).
fn frames_on_disk(out: &Path) -> Vec<i64> {
    let mut f: Vec<i64> = std::fs::read_dir(out.join("masterLayer"))
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.metadata().map(|m| m.len() > 0).unwrap_or(false))
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.split('.').rev().nth(1)?.parse().ok()
                })
                .collect()
        })
        .unwrap_or_default();
    f.sort();
    f.dedup();
    f
}

#[test]
fn install_writes_an_enabled_unit_that_systemd_analyze_verifies_and_uninstall_removes_it() {
    let env = service_env(&[]);
    std::fs::create_dir_all(env.config()).unwrap();
    let out = env.brm_ok(&["agent", "install-service", "--no-start"]);
    assert!(out.contains("brm-agent.service"), "{out}");
    // BRM_HOME is set: the output says where the service files are, and why.
    assert!(
        out.contains("the service files live where systemd and the desktop read them"),
        "{out}"
    );
    let unit = std::fs::read_to_string(env.unit()).unwrap();
    let (exec, vars) = parse_unit(&unit);
    let brm = Path::new(&common::brm_bin()).canonicalize().unwrap();
    assert_eq!(exec, [brm.to_str().unwrap(), "agent", "serve"], "{unit}");
    assert!(unit.contains("KillMode=process"), "{unit}");
    assert!(unit.contains("WantedBy=default.target"), "{unit}");
    assert!(
        vars.iter()
            .any(|(k, v)| k == "BRM_HOME" && v.ends_with("/brm")),
        "the unit must pass the installer's BRM_HOME: {unit}"
    );
    assert!(!vars.iter().any(|(k, _)| k == "BRM_AGENT"), "{unit}");
    let link = env
        .config()
        .join("systemd/user/default.target.wants/brm-agent.service");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("../brm-agent.service")
    );
    // No systemd user session in the test environment: the XDG autostart entry is written too.
    let desktop = std::fs::read_to_string(env.config().join("autostart/brm-agent.desktop"))
        .unwrap_or_default();
    if !Path::new("/run/systemd/system").is_dir() {
        assert!(desktop.contains("agent start"), "{desktop}");
        assert!(desktop.contains("[Desktop Entry]") && desktop.contains("Type=Application"));
    }

    match Command::new("systemd-analyze").arg("--version").output() {
        Ok(_) => {
            let v = Command::new("systemd-analyze")
                .arg("verify")
                .arg(env.unit())
                .output()
                .unwrap();
            assert!(
                v.status.success() && v.stderr.is_empty(),
                "systemd-analyze verify refused the unit:\n{}\n{unit}",
                String::from_utf8_lossy(&v.stderr)
            );
        }
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("systemd-analyze is missing: install Debian's systemd package (scripts/test.sh does)")
        }
        Err(_) => eprintln!("note: systemd-analyze not installed; unit syntax not verified"),
    }

    let out = env.brm_ok(&["agent", "uninstall-service"]);
    assert!(out.contains("removed"), "{out}");
    assert!(!env.unit().exists() && std::fs::symlink_metadata(&link).is_err());
    assert!(!env.config().join("autostart/brm-agent.desktop").exists());
    // Issue 22.17: the folders install made are gone too, the config folder stays.
    for d in [
        "systemd/user/default.target.wants",
        "systemd/user",
        "systemd",
        "autostart",
    ] {
        assert!(!env.config().join(d).exists(), "{d} left behind: {out}");
    }
    assert!(env.config().is_dir());
    let again = env.brm_ok(&["agent", "uninstall-service"]);
    assert!(again.contains("nothing removed"), "{again}");
}

#[test]
fn after_a_simulated_reboot_the_units_start_command_resumes_the_queue() {
    let env = service_env(&[("BRM_FAKE_FRAME_SECONDS", "0.4")]);
    env.brm_ok(&["agent", "install-service", "--no-start"]);
    let (out_a, out_b) = (env.dir.path().join("out-a"), env.dir.path().join("out-b"));
    // One CPU slot: A runs (one chunk of 8 frames), B waits in the queue.
    let a = env.cube_chunked("1-8", &out_a, "8");
    let b = env.cube_chunked("1-3", &out_b, "3");
    let deadline = Instant::now() + Duration::from_secs(60);
    let first = loop {
        let recs = env.records();
        let start = recs.into_iter().find(|r| r["event"] == "start");
        if let Some(r) = start {
            if frames_on_disk(&out_a).len() >= 2 {
                break r;
            }
        }
        assert!(Instant::now() < deadline, "job {a} never got going");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        env.json(&["status", &b.to_string(), "--json"])["state"],
        "queued"
    );

    // The "reboot": the agent and the render die at once, SIGKILL, nothing cleaned up.
    let agent = env.json(&["agent", "status", "--json"])["pid"]
        .as_i64()
        .unwrap();
    let pgid = first["pgid"].as_i64().unwrap();
    unsafe {
        kill(agent as i32, 9);
        kill(-(pgid as i32), 9);
    }
    let gone = Instant::now() + Duration::from_secs(10);
    while (pid_alive(agent) || pid_alive(first["pid"].as_i64().unwrap())) && Instant::now() < gone {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!pid_alive(agent), "the agent survived SIGKILL");
    let before: Vec<i64> = frames_on_disk(&out_a);
    assert!(!before.is_empty() && before.len() < 8, "{before:?}");

    // Login after the reboot: systemd runs the unit's ExecStart with the unit's environment
    // (and its own minimal one: HOME, PATH), not the artist's shell.
    let unit = std::fs::read_to_string(env.unit()).unwrap();
    let (exec, vars) = parse_unit(&unit);
    let log = std::fs::File::create(env.dir.path().join("unit.log")).unwrap();
    let mut agent_cmd = Command::new(&exec[0]);
    agent_cmd
        .args(&exec[1..])
        .env_clear()
        .env("HOME", env.dir.path())
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .envs(vars)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut served = agent_cmd.spawn().unwrap();

    let va = env.wait_end(a, Duration::from_secs(90));
    let vb = env.wait_end(b, Duration::from_secs(90));
    let unit_log = std::fs::read_to_string(env.dir.path().join("unit.log")).unwrap_or_default();
    assert_eq!(va["state"], "done", "{va:#}\nagent log:\n{unit_log}");
    assert_eq!(vb["state"], "done", "{vb:#}\nagent log:\n{unit_log}");
    assert_eq!(frames_on_disk(&out_a), (1..=8).collect::<Vec<_>>());
    assert_eq!(frames_on_disk(&out_b), (1..=3).collect::<Vec<_>>());
    // The client talked to the unit's agent, not one it auto-started.
    let st = env.json(&["agent", "status", "--json"]);
    assert_eq!(st["pid"].as_u64().unwrap(), served.id() as u64);
    // The interrupted job rendered only its missing frames after the reboot.
    let out_a_s = out_a.to_str().unwrap();
    let later: Vec<i64> = env
        .records()
        .iter()
        .filter(|r| r["event"] == "end")
        .filter(|r| {
            r["argv"].as_array().is_some_and(|a| {
                a.iter()
                    .any(|x| x.as_str().is_some_and(|x| x.starts_with(out_a_s)))
            })
        })
        .flat_map(|r| {
            r["frames"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_i64().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(!later.is_empty(), "no render of job {a} after the reboot");
    for f in &before {
        assert!(
            !later.contains(f),
            "frame {f} was on disk before the reboot and rendered again: {later:?}"
        );
    }
    env.brm_ok(&["agent", "stop"]);
    let _ = served.wait();
}
