//! The JSON Schema of the agent's answers and job documents, generated from the Rust types
//! themselves (`schemars`), so the readers in other languages (the C ABI's consumers, the
//! Maya plug-in, Python) are checked against one description instead of copying it.
//!
//! The document is committed as `schema/brm.schema.json`; `tests/schema.rs` regenerates it
//! and fails on drift (refresh with `scripts/gen-schema.sh`). Besides the types (`$defs`) it
//! names which reply each request gets (`x-brm-replies`) and the protocol version.

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::Schema;
use serde_json::{json, Map, Value};

use super::jobs::{JobDetail, JobState, JobSummary, LogPage, TaskState, JOB_SCHEMA};
use super::replies::{
    AgentStatus, Done, Forgotten, FramesQueued, HelloReply, Removed, StateReply, Stopping,
    Submitted,
};
use super::PROTOCOL_VERSION;

/// Each request's `op` and the schema of its reply: the table of [`super::replies`].
type ReplySchema = fn(&mut SchemaGenerator) -> Schema;
const REPLIES: &[(&str, ReplySchema)] = &[
    ("hello", |g| g.subschema_for::<HelloReply>()),
    ("submit", |g| g.subschema_for::<Submitted>()),
    ("jobs", |g| g.subschema_for::<Vec<JobSummary>>()),
    ("job", |g| g.subschema_for::<JobDetail>()),
    ("status", |g| g.subschema_for::<JobSummary>()),
    ("logs", |g| g.subschema_for::<LogPage>()),
    ("wait", |g| g.subschema_for::<StateReply>()),
    ("cancel", |g| g.subschema_for::<StateReply>()),
    ("retry", |g| g.subschema_for::<Done>()),
    ("retry_frames", |g| g.subschema_for::<FramesQueued>()),
    ("set_priority", |g| g.subschema_for::<StateReply>()),
    ("pause", |g| g.subschema_for::<StateReply>()),
    ("resume", |g| g.subschema_for::<StateReply>()),
    ("cleanup", |g| g.subschema_for::<Removed>()),
    ("forget", |g| g.subschema_for::<Forgotten>()),
    ("prune", |g| g.subschema_for::<Forgotten>()),
    ("prunable", |g| g.subschema_for::<Forgotten>()),
    ("agent_status", |g| g.subschema_for::<AgentStatus>()),
    ("shutdown", |g| g.subschema_for::<Stopping>()),
];

/// The whole schema document, as committed in `schema/brm.schema.json`.
pub fn document() -> Value {
    let mut g = SchemaSettings::draft2020_12().into_generator();
    let mut replies = Map::new();
    for (op, schema) in REPLIES {
        replies.insert((*op).to_string(), schema(&mut g).to_value());
    }
    // The states are named on their own too: readers list them (final states, labels).
    g.subschema_for::<JobState>();
    g.subschema_for::<TaskState>();
    let defs = g.take_definitions(true);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://brm.invalid/schema/brm.schema.json",
        "title": "brm agent protocol: replies and job documents",
        "description": "Generated from src/protocol by scripts/gen-schema.sh; do not edit. \
            `x-brm-protocol` is the agent protocol version (hello); `x-brm-job-schema` is the \
            version of the job documents, sent in each JobSummary and JobDetail as `schema` \
            (fields are only added within a version); `x-brm-replies` names the reply of each \
            request op; `$defs` holds the types.",
        "x-brm-protocol": PROTOCOL_VERSION,
        "x-brm-job-schema": JOB_SCHEMA,
        "x-brm-replies": replies,
        "$defs": defs,
    })
}

/// [`document`] as the committed file's text: pretty, with a final newline.
pub fn document_text() -> String {
    let mut s = serde_json::to_string_pretty(&document()).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_names_every_reply_and_the_job_types() {
        let d = document();
        assert_eq!(
            d["x-brm-replies"].as_object().map(|m| m.len()),
            Some(REPLIES.len())
        );
        for name in [
            "JobSummary",
            "JobDetail",
            "TaskSummary",
            "JobState",
            "TaskState",
        ] {
            assert!(d["$defs"].get(name).is_some(), "{name} missing");
        }
    }
}
