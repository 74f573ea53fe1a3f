//! Issue 20: a workstation render (and what it starts) runs below the artist's programs — a
//! higher nice value and the lowest best-effort I/O priority — and `BRM_RENDER_NICE=0` turns
//! that off. (`brm task run` on a farm node renders at normal priority: checked in
//! tests/farm_engines.rs, `brm_task_run_renders_a_maya_chunk_…`.) The fake Maya records, with
//! `BRM_FAKE_PRIORITY=1`, its own `/proc/self/stat` nice and `ioprio_get` value and those of a
//! child it starts.
#![cfg(target_os = "linux")]

mod common;

use std::time::Duration;

use common::Env;
use serde_json::Value;

/// best-effort class (2) << 13 | level 7.
const BACKGROUND_IOPRIO: i64 = (2 << 13) | 7;

fn own_nice() -> i64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    rest.split_whitespace()
        .nth(19 - 3)
        .unwrap()
        .parse()
        .unwrap()
}

fn own_ioprio() -> i64 {
    // SAFETY: ioprio_get(IOPRIO_WHO_PROCESS, 0) only reads this thread's I/O priority.
    unsafe { libc::syscall(libc::SYS_ioprio_get, 1, 0) }
}

fn starts_of(env: &Env) -> Vec<Value> {
    std::fs::read_to_string(env.dir.path().join("record.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["event"] == "start")
        .collect()
}

fn render_one(env: &Env) -> Vec<Value> {
    let id = env.cube_job("1-2", &[]);
    let end = env.wait_end(id, Duration::from_secs(60));
    assert_eq!(end["state"], "done", "{end:#}");
    let starts = starts_of(env);
    assert!(!starts.is_empty());
    starts
}

#[test]
fn a_workstation_render_and_its_children_run_at_the_lowered_cpu_and_io_priority() {
    let env = Env::home(&[("BRM_FAKE_PRIORITY", "1")]);
    let expect_nice = own_nice().max(10);
    for s in render_one(&env) {
        for key in ["priority", "child_priority"] {
            assert_eq!(s[key]["nice"], expect_nice, "{key} of {s:#}");
            assert_eq!(s[key]["ioprio"], BACKGROUND_IOPRIO, "{key} of {s:#}");
        }
    }
}

#[test]
fn brm_render_nice_0_leaves_renders_at_the_agents_priority() {
    let env = Env::home(&[("BRM_FAKE_PRIORITY", "1"), ("BRM_RENDER_NICE", "0")]);
    for s in render_one(&env) {
        for key in ["priority", "child_priority"] {
            assert_eq!(s[key]["nice"], own_nice(), "{key} of {s:#}");
            assert_eq!(s[key]["ioprio"], own_ioprio(), "{key} of {s:#}");
        }
    }
}
