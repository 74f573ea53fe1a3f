//! `brm frames` end to end: the built binary, its output formats and its exit codes.

use std::process::{Command, Output};

fn brm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brm"))
        .arg("frames")
        .args(args)
        .output()
        .expect("run brm")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

#[test]
fn json_lists_21_frames_ending_at_100() {
    let o = brm(&["1-100x5", "--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v["spec"], "1-100x5");
    assert_eq!(v["count"], 21);
    let frames: Vec<i64> = v["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_i64().unwrap())
        .collect();
    assert_eq!(frames.len(), 21);
    assert_eq!(frames[0], 1);
    assert_eq!(frames[19], 96);
    assert_eq!(*frames.last().unwrap(), 100);
    assert_eq!(v["compact"], "1-96x5,100");
}

#[test]
fn compact_and_count() {
    let o = brm(&["1-100x5", "--compact"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "1-96x5,100\n");
    let o = brm(&["1-100x5", "--count"]);
    assert_eq!(stdout(&o), "21\n");
}

#[test]
fn default_prints_one_frame_per_line_in_spec_order() {
    let o = brm(&["10-1x4,3"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "10\n6\n2\n1\n3\n");
}

#[test]
fn negative_specs_are_accepted_as_the_positional() {
    let o = brm(&["-5-5", "--count"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(stdout(&o), "11\n");
    let o = brm(&["-3"]);
    assert_eq!(stdout(&o), "-3\n");
    let o = brm(&["--compact", "-10--1"]);
    assert_eq!(stdout(&o), "-10--1\n");
}

#[test]
fn colon_is_a_usage_error_that_explains_itself() {
    let o = brm(&["1-10:2"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("brm: error: invalid frame set '1-10:2' at byte 4"),
        "{err}"
    );
    assert!(
        err.contains("Deadline") && err.contains("fileseq") && err.contains("x"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn cap_and_flag_conflicts() {
    let o = brm(&["1-100", "--cap", "50"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("more than the limit of 50"));
    let o = brm(&["1-100", "--cap", "100", "--count"]);
    assert_eq!(stdout(&o), "100\n");
    let o = brm(&["1-10", "--compact", "--count"]);
    assert_eq!(o.status.code(), Some(2));
}
