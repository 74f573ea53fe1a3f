//! The readers of brm's job documents outside Rust, checked against the committed schema
//! (`schema/brm.schema.json`, generated from the Rust types; `tests/schema.rs` keeps it
//! current): the Python package (`python/brm/client.py`) and the Maya plug-in
//! (`maya_plugin/src/brmJobFields.h` and the commands that read jobs).
//!
//! Each reader declares the keys and states it knows (Python `JOB_FIELDS`, `DETAIL_FIELDS`,
//! `TASK_FIELDS`, the `JobState`/`TaskState` enums; C++ `kJobFields`, `kJobStates`); the
//! test compares them with the schema's properties and enums, and checks that the code
//! reads only keys the schema has, so a field added in Rust and forgotten in a reader (or
//! a key a reader guesses) fails here, not at a studio.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

fn schema() -> Value {
    serde_json::from_str(&read("schema/brm.schema.json")).expect("schema/brm.schema.json is JSON")
}

fn props(schema: &Value, def: &str) -> BTreeSet<String> {
    schema["$defs"][def]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("$defs.{def} has no properties"))
        .keys()
        .cloned()
        .collect()
}

fn enum_values(schema: &Value, def: &str) -> Vec<String> {
    schema["$defs"][def]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("$defs.{def} is no enum"))
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The double-quoted strings of `text`.
fn quoted(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The text from `start` up to the first `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str, what: &str) -> &'a str {
    let at = text
        .find(start)
        .unwrap_or_else(|| panic!("{what}: `{start}` not found"));
    let rest = &text[at + start.len()..];
    let stop = rest
        .find(end)
        .unwrap_or_else(|| panic!("{what}: no `{end}` after `{start}`"));
    &rest[..stop]
}

fn set(v: Vec<String>) -> BTreeSet<String> {
    v.into_iter().collect()
}

/// The `"value"`s of a Python `str` enum class's `NAME = "value"` lines.
fn python_enum(src: &str, class: &str) -> Vec<String> {
    let body = between(src, &format!("class {class}("), "\n\n\n", class);
    body.lines()
        .filter_map(|l| {
            let l = l.trim();
            let (name, value) = l.split_once(" = ")?;
            (name.chars().all(|c| c.is_ascii_uppercase() || c == '_') && value.starts_with('"'))
                .then(|| value.trim_matches('"').to_string())
        })
        .collect()
}

#[test]
fn the_python_reader_knows_every_job_task_and_state_field() {
    let s = schema();
    let src = read("python/brm/client.py");
    let summary = props(&s, "JobSummary");
    let detail: BTreeSet<String> = props(&s, "JobDetail")
        .difference(&summary)
        .cloned()
        .collect();
    for (name, want) in [
        ("JOB_FIELDS", summary),
        ("DETAIL_FIELDS", detail),
        ("TASK_FIELDS", props(&s, "TaskSummary")),
    ] {
        let have = set(quoted(between(&src, &format!("{name} = ("), ")", name)));
        assert_eq!(
            have, want,
            "python/brm/client.py {name} differs from schema/brm.schema.json"
        );
        // Declared is not enough: the reader reads each one.
        for key in &want {
            assert!(
                src.contains(&format!("d.get(\"{key}\"")) || src.contains(&format!("d[\"{key}\"]")),
                "python/brm/client.py declares {key:?} in {name} but no from_json reads it"
            );
        }
    }
    assert_eq!(python_enum(&src, "JobState"), enum_values(&s, "JobState"));
    assert_eq!(python_enum(&src, "TaskState"), enum_values(&s, "TaskState"));
}

#[test]
fn the_maya_plugin_reads_only_the_job_keys_of_the_schema() {
    let s = schema();
    let fields = read("maya_plugin/src/brmJobFields.h");
    let summary = props(&s, "JobSummary");
    let declared = set(quoted(between(
        &fields,
        "kJobFields[] = {",
        "};",
        "kJobFields",
    )));
    assert_eq!(
        declared, summary,
        "maya_plugin/src/brmJobFields.h kJobFields differs from schema/brm.schema.json"
    );
    let states = quoted(between(&fields, "kJobStates[] = {", "};", "kJobStates"));
    assert_eq!(states, enum_values(&s, "JobState"), "kJobStates");
    // Every key the job commands read of a job document is one the schema has: no guesses.
    let detail = props(&s, "JobDetail");
    for file in [
        "maya_plugin/src/brmJobsCommand.cpp",
        "maya_plugin/src/brmJobCommand.cpp",
    ] {
        let src = read(file);
        let mut rest = src.as_str();
        let mut read_keys = 0;
        while let Some(at) = rest.find("job[") {
            let inner = between(&rest[at..], "job[", "]", file);
            for key in quoted(inner) {
                assert!(
                    detail.contains(&key),
                    "{file} reads job key {key:?}, which schema/brm.schema.json does not have"
                );
                read_keys += 1;
            }
            rest = &rest[at + 4..];
        }
        assert!(
            read_keys > 0,
            "{file}: no job key read found (did the reader move?)"
        );
        assert!(
            !src.contains("\"job_id\""),
            "{file} still guesses a job_id key"
        );
    }
}
