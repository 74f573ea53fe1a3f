//! Upgrades never lose a queue: the queue database and files of the first brm release
//! (tests/fixtures/queue-v1, made by its `make.sh` with that release's brm: one job done, one
//! interrupted mid-render by a "reboot", one queued) opened by today's brm. The schema migrates
//! forward, every job keeps its id, state, frames and log, and the agent finishes the
//! interrupted job (only its missing frames) and the queued one.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

const BRM: &str = env!("CARGO_BIN_EXE_brm");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// The fixture with its paths moved to `dest` (the data is the release's; only where it lies
/// changes, as when a studio restores a home folder elsewhere).
fn relocated_fixture(dest: &Path) -> PathBuf {
    let fixture = Path::new(ROOT).join("tests/fixtures/queue-v1");
    copy_tree(&fixture.join("root"), dest);
    std::os::unix::fs::symlink(Path::new(ROOT).join("tests/fakes"), dest.join("fakes")).unwrap();
    let paths = std::fs::read_to_string(fixture.join("paths.txt")).unwrap();
    let mut replace: Vec<(String, String)> = Vec::new();
    for line in paths.lines() {
        let (key, old) = line.split_once(' ').unwrap();
        let new = match key {
            "root" => dest.display().to_string(),
            "fakes" => format!("{ROOT}/tests/fakes"),
            other => panic!("unknown key {other} in paths.txt"),
        };
        replace.push((old.to_string(), new));
    }
    let db = dest.join("home/state/brm.sqlite3");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1, "the fixture is the first release's schema");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    for t in tables {
        let cols: Vec<(String, String)> = conn
            .prepare(&format!("PRAGMA table_info({t})"))
            .unwrap()
            .query_map([], |r| Ok((r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        for (c, _) in cols.into_iter().filter(|(_, ty)| ty == "TEXT") {
            for (old, new) in &replace {
                conn.execute(
                    &format!("UPDATE {t} SET {c} = replace({c}, ?1, ?2)"),
                    [old, new],
                )
                .unwrap();
            }
        }
    }
    drop(conn);
    db
}

fn brm(home: &Path, args: &[&str]) -> Output {
    Command::new(BRM)
        .args(args)
        .env("BRM_HOME", home.join("home"))
        .env("BRM_AGENT", BRM)
        .env("BRM_MAYA_ROOTS", home.join("fakes"))
        .env("BRM_NO_NVML", "1")
        .env("BRM_NVIDIA_SMI", home.join("none"))
        .env("BRM_TICK_MS", "10")
        .env("BRM_AGENT_IDLE_S", "60")
        .env("MAYA_LOCATION", "")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn json(home: &Path, args: &[&str]) -> Value {
    let o = brm(home, args);
    assert!(
        o.status.success(),
        "brm {args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn mtime(p: &Path) -> SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

#[test]
fn the_first_releases_queue_opens_migrates_and_finishes_with_todays_brm() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let db = relocated_fixture(home);
    let frame = |job: u32, f: u32| home.join(format!("out{job}/masterLayer/cube.{f:04}.exr"));
    let kept = [frame(2, 1), frame(2, 2)];
    let kept_mtimes: Vec<SystemTime> = kept.iter().map(|p| mtime(p)).collect();
    let log1_lines = std::fs::read_to_string(home.join("home/state/logs/job-1.log"))
        .unwrap()
        .lines()
        .count();

    let jobs = json(home, &["jobs", "--json"]);
    let ids: Vec<u64> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "{jobs:#}");
    for id in [1, 2, 3] {
        assert!(ids.contains(&id), "job {id} lost: {jobs:#}");
    }
    let j1 = json(home, &["status", "1", "--json"]);
    assert_eq!(j1["state"], "done", "{j1:#}");
    assert_eq!(j1["frames_done"], 4, "{j1:#}");
    let log1 = brm(home, &["log", "1", "--json"]);
    assert!(log1.status.success());
    assert_eq!(
        String::from_utf8_lossy(&log1.stdout).lines().count(),
        log1_lines,
        "job 1's log lost or gained lines"
    );

    let deadline = Instant::now() + Duration::from_secs(120);
    let (j2, j3) = loop {
        let (j2, j3) = (
            json(home, &["status", "2", "--json"]),
            json(home, &["status", "3", "--json"]),
        );
        let fin =
            |v: &Value| ["done", "failed", "cancelled"].contains(&v["state"].as_str().unwrap());
        if (fin(&j2) && fin(&j3)) || Instant::now() > deadline {
            break (j2, j3);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let agent_log = std::fs::read_to_string(home.join("home/state/agent.log")).unwrap_or_default();
    assert_eq!(j2["state"], "done", "{j2:#}\n{agent_log}");
    assert_eq!(j3["state"], "done", "{j3:#}\n{agent_log}");
    for f in 1..=6 {
        assert!(frame(2, f).is_file(), "job 2 frame {f} missing");
    }
    for f in 1..=2 {
        assert!(frame(3, f).is_file(), "job 3 frame {f} missing");
    }
    for (p, t) in kept.iter().zip(kept_mtimes) {
        assert_eq!(mtime(p), t, "{} was rendered again", p.display());
    }
    // The database now carries today's schema version (migrations ran forward, none lost).
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert!(version >= 1);
    let n: i64 = conn
        .query_row("SELECT count(*) FROM jobs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3);
    let _ = brm(home, &["agent", "stop"]);
}
