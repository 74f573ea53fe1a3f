//! The harness the end-to-end test files share: one `Env` per test (its own folders, so its
//! own agent), running the real `brm` binary, plus small waits and readers. `BRM_TEST_BIN`
//! runs a test file against another build (how each defect test was checked to fail before
//! its fix). Each test file uses part of it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

pub fn brm_bin() -> String {
    std::env::var("BRM_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_brm").to_string())
}

pub fn am_root() -> bool {
    // SAFETY: getuid cannot fail.
    unsafe { libc::getuid() == 0 }
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub vars: Vec<(String, Option<String>)>,
}

impl Env {
    /// Everything under one BRM_HOME (the usual test set-up).
    pub fn home(extra: &[(&str, &str)]) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let mut e = Env::bare(dir);
        let home = e.dir.path().display().to_string();
        e.set("BRM_HOME", &home);
        for (k, v) in extra {
            e.set(k, v);
        }
        e
    }

    pub fn bare(dir: tempfile::TempDir) -> Env {
        let mut e = Env { dir, vars: vec![] };
        let record = e.dir.path().join("record.jsonl").display().to_string();
        let nosmi = e.dir.path().join("no-nvidia-smi").display().to_string();
        e.set("BRM_AGENT", &brm_bin());
        e.set("BRM_MAYA_ROOTS", &format!("{ROOT}/tests/fakes"));
        e.set("BRM_NO_NVML", "1");
        e.set("BRM_NVIDIA_SMI", &nosmi);
        e.set("BRM_FAKE_RECORD", &record);
        e.set("BRM_AGENT_IDLE_S", "60");
        e.set("BRM_TICK_MS", "10");
        e.set("MAYA_LOCATION", "");
        // No desktop notifications from test agents; the tests of notifications turn them on.
        e.set("BRM_NOTIFY", "0");
        e
    }

    pub fn set(&mut self, k: &str, v: &str) {
        self.vars.retain(|(ek, _)| ek != k);
        self.vars.push((k.into(), Some(v.into())));
    }

    pub fn unset(&mut self, k: &str) {
        self.vars.retain(|(ek, _)| ek != k);
        self.vars.push((k.into(), None));
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(brm_bin());
        c.args(args).stdin(Stdio::null());
        for (k, v) in &self.vars {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        c
    }

    /// Run brm, killing it after `limit` (a hang is a test failure, not a hung test run).
    pub fn brm_within(&self, args: &[&str], limit: Duration) -> (Output, Duration) {
        let t = Instant::now();
        let child = self
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = wait_limited(child, limit)
            .unwrap_or_else(|| panic!("brm {args:?} did not return within {limit:?}"));
        (out, t.elapsed())
    }

    pub fn brm(&self, args: &[&str]) -> Output {
        self.brm_within(args, Duration::from_secs(120)).0
    }

    pub fn brm_ok(&self, args: &[&str]) -> String {
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

    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.brm_ok(args)).unwrap()
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn runtime_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    pub fn agent_pid(&self) -> i64 {
        self.json(&["agent", "status", "--json"])["pid"]
            .as_i64()
            .unwrap()
    }

    pub fn cube_job(&self, frames: &str, extra: &[&str]) -> u64 {
        let out = self.dir.path().join("out").display().to_string();
        let sc = scene("cube__cube.ma");
        let mut a = vec![
            "render",
            sc.as_str(),
            "--frames",
            frames,
            "--gpu",
            "cpu",
            "-o",
            out.as_str(),
        ];
        a.extend_from_slice(extra);
        a.push("--json");
        self.json(&a)["id"].as_u64().unwrap()
    }

    pub fn wait_end(&self, id: u64, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let v = self.json(&["status", &id.to_string(), "--json"]);
            let st = v["state"].as_str().unwrap_or_default().to_string();
            if ["done", "failed", "cancelled"].contains(&st.as_str()) || Instant::now() > deadline {
                return v;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn starts(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("record.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|r| r["event"] == "start")
            .count()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = self.brm_within(&["agent", "stop"], Duration::from_secs(30));
    }
}

/// Wait for `child` at most `limit`, killing it after; `None` when it had to be killed.
/// Its stdout and stderr (when piped) are read while it runs: a child that writes more than
/// a pipe holds (`brm log --json` of a long render) would otherwise block forever.
pub fn wait_limited(mut child: Child, limit: Duration) -> Option<Output> {
    fn drain(r: Option<impl std::io::Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    }
    let (out, err) = (drain(child.stdout.take()), drain(child.stderr.take()));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Killed: the readers are left behind (a grandchild may still hold the pipe open).
    let status = status?;
    Some(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

pub fn scene(name: &str) -> String {
    let p = format!("{ROOT}/../shared/testdata/maya/{name}");
    assert!(
        Path::new(&p).is_file(),
        "test scene {p} is missing: the shared test data must sit beside the repository"
    );
    p
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn pid_alive(pid: i64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit_once(')')
                .map(|(_, r)| !r.trim_start().starts_with('Z'))
                .unwrap_or(false)
        })
        .unwrap_or(false)
}

pub fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
