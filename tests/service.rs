//! The agent as a user service (`brm agent install-service`): the unit systemd reads, and a
//! reboot simulated for real: the agent and its render killed with one job running and one
//! queued, then the unit's own start command run as systemd would run it (its `ExecStart=`
//! with its `Environment=` lines and nothing else of ours). Maya is the faithful fake under
//! tests/fakes; processes, sockets and SQLite are real.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BRM: &str = env!("CARGO_BIN_EXE_brm");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Env {
    home: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

impl Env {
    fn new(extra: &[(&str, &str)]) -> Env {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let mut vars: Vec<(String, String)> = vec![
            ("BRM_HOME".into(), h.join("brm").display().to_string()),
            ("BRM_AGENT".into(), BRM.into()),
            ("BRM_MAYA_ROOTS".into(), format!("{ROOT}/tests/fakes")),
            ("BRM_NO_NVML".into(), "1".into()),
            (
                "BRM_NVIDIA_SMI".into(),
                h.join("no-nvidia-smi").display().to_string(),
            ),
            (
                "BRM_FAKE_RECORD".into(),
                h.join("record.jsonl").display().to_string(),
            ),
            ("BRM_AGENT_IDLE_S".into(), "60".into()),
            ("BRM_TICK_MS".into(), "10".into()),
            ("MAYA_LOCATION".into(), String::new()),
            (
                "XDG_CONFIG_HOME".into(),
                h.join("config").display().to_string(),
            ),
        ];
        for (k, v) in extra {
            vars.retain(|(ek, _)| ek != k);
            vars.push((k.to_string(), v.to_string()));
        }
        Env { home, vars }
    }

    fn brm(&self, args: &[&str]) -> Output {
        let mut c = Command::new(BRM);
        c.args(args).stdin(Stdio::null());
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn brm_ok(&self, args: &[&str]) -> String {
        let o = self.brm(args);
        assert!(
            o.status.success(),
            "brm {args:?} failed ({:?}):\n{}\n{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.brm_ok(args)).unwrap()
    }

    fn config(&self) -> PathBuf {
        self.home.path().join("config")
    }

    fn unit(&self) -> PathBuf {
        self.config().join("systemd/user/brm-agent.service")
    }

    fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(self.home.path().join("record.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    fn cube_job(&self, frames: &str, out: &Path, chunk: &str) -> u64 {
        let scene = format!("{ROOT}/../shared/testdata/maya/cube__cube.ma");
        assert!(
            Path::new(&scene).is_file(),
            "shared test scene {scene} missing"
        );
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

    fn wait_done(&self, id: u64, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.json(&["status", &id.to_string(), "--json"]);
            let st = v["state"].as_str().unwrap().to_string();
            if ["done", "failed", "cancelled"].contains(&st.as_str()) || Instant::now() > deadline {
                return v;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = self.brm(&["agent", "stop"]);
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
    let env = Env::new(&[]);
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
    let brm = Path::new(BRM).canonicalize().unwrap();
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
    let env = Env::new(&[("BRM_FAKE_FRAME_SECONDS", "0.4")]);
    env.brm_ok(&["agent", "install-service", "--no-start"]);
    let (out_a, out_b) = (env.home.path().join("out-a"), env.home.path().join("out-b"));
    // One CPU slot: A runs (one chunk of 8 frames), B waits in the queue.
    let a = env.cube_job("1-8", &out_a, "8");
    let b = env.cube_job("1-3", &out_b, "3");
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
    let log = std::fs::File::create(env.home.path().join("unit.log")).unwrap();
    let mut agent_cmd = Command::new(&exec[0]);
    agent_cmd
        .args(&exec[1..])
        .env_clear()
        .env("HOME", env.home.path())
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .envs(vars)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut served = agent_cmd.spawn().unwrap();

    let va = env.wait_done(a, Duration::from_secs(90));
    let vb = env.wait_done(b, Duration::from_secs(90));
    let unit_log = std::fs::read_to_string(env.home.path().join("unit.log")).unwrap_or_default();
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
