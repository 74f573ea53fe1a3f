//! A newer brm meeting an older running agent (tests/fakes/old_agent.py speaks protocol 1 as
//! the first release's agent does): a clear message, and the agent restarted as the new brm
//! as soon as no render runs — not while one does.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BRM: &str = env!("CARGO_BIN_EXE_brm");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn brm(home: &Path, args: &[&str]) -> Output {
    Command::new(BRM)
        .args(args)
        .env("BRM_HOME", home)
        .env("BRM_AGENT", BRM)
        .env("BRM_NO_NVML", "1")
        .env("BRM_NVIDIA_SMI", home.join("none"))
        .env("BRM_AGENT_IDLE_S", "60")
        .env("MAYA_LOCATION", "")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn records(p: &Path) -> Vec<Value> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn an_older_agent_is_told_and_restarted_as_soon_as_no_render_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let (busy, record) = (tmp.path().join("busy"), tmp.path().join("record.jsonl"));
    std::fs::write(&busy, "").unwrap();
    let mut old = Command::new("python3")
        .arg(format!("{ROOT}/tests/fakes/old_agent.py"))
        .args([&home, Path::new("0.0.1"), &busy, &record])
        .spawn()
        .unwrap();
    let sock = home.join("run/agent.sock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !sock.exists() {
        assert!(Instant::now() < deadline, "the old agent did not start");
        std::thread::sleep(Duration::from_millis(20));
    }

    let o = brm(&home, &["jobs", "--json"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("older 0.0.1") && err.contains("queued jobs are kept"),
        "no clear message: {err}"
    );
    // A render runs: the old agent is left alone.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        old.try_wait().unwrap().is_none(),
        "stopped while a render ran"
    );
    assert!(
        records(&record).iter().any(|r| r["op"] == "agent_status"),
        "nobody is watching for the render to end"
    );

    std::fs::remove_file(&busy).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if old.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the old agent was never restarted"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let shutdowns: Vec<Value> = records(&record)
        .into_iter()
        .filter(|r| r["op"] == "shutdown")
        .collect();
    assert_eq!(shutdowns.len(), 1, "{shutdowns:?}");
    assert_eq!(shutdowns[0]["busy"], false, "shut down while a render ran");

    // The new agent serves now (started by the waiter, or by this call at the latest).
    let deadline = Instant::now() + Duration::from_secs(20);
    let st: Value = loop {
        let o = brm(&home, &["agent", "status", "--json"]);
        if o.status.success() {
            break serde_json::from_slice(&o.stdout).unwrap();
        }
        assert!(Instant::now() < deadline, "no new agent");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(st["version"], env!("CARGO_PKG_VERSION"));
    let agent_log = std::fs::read_to_string(home.join("state/agent.log")).unwrap_or_default();
    assert!(
        agent_log.contains("no render runs on agent 0.0.1"),
        "the waiter did not do the restart: {agent_log}"
    );
    let o = brm(&home, &["jobs", "--json"]);
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("older"),
        "the new agent is not older"
    );
    let _ = brm(&home, &["agent", "stop"]);
}
