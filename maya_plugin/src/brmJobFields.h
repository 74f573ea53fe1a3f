// The job documents as the plug-in knows them: the keys of brm's job summary (what
// brm_jobs_json lists and brm_job_json extends) and the job states. They are the properties
// of JobSummary and the values of JobState in schema/brm.schema.json, the schema generated
// from the Rust types; tests/schema_readers.rs fails when they differ, and when a command
// reads a key of a job that is not listed here.
#pragma once

#include <cstddef>
#include <string>

namespace brm_maya {

// Every key of a job summary (schema/brm.schema.json $defs.JobSummary.properties).
static const char* const kJobFields[] = {
    "after",        "error",          "eta_s",          "finished_ms",     "frames_done",  "frames_failed",
    "frames_total", "id",             "log_path",       "name",            "output_dir",   "output_dirs",
    "paused_since_ms", "paused_total_ms", "preview",    "preview_source",  "priority",     "progress",
    "scene",        "schema",         "source_scene",   "started_ms",      "state",        "submitted_ms",
    "tasks_done",   "tasks_failed",   "tasks_running",  "tasks_total",     "warnings",
};

// The job states, in brm_job_state order ($defs.JobState.enum).
static const char* const kJobStates[] = {"queued", "running", "done", "failed", "cancelled", "paused"};

// Finished for good (JobState::is_final): nothing more runs unless retried.
inline bool jobStateIsFinal(const std::string& state)
{
    return state == kJobStates[2] || state == kJobStates[3] || state == kJobStates[4];
}

}  // namespace brm_maya
