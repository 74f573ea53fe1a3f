//! C ABI for the farm hand-off (additive): submit a job spec built with the
//! `brm_job_spec_*` setters to a farm engine, and read a farm job's status. What the Maya
//! plug-in's `brmSubmit -farm ENGINE` needs; no agent is involved.

use std::ffi::c_char;
use std::path::PathBuf;

use serde::Deserialize;

use super::jobs::brm_job_spec;
use super::{arg_ref, arg_str, brm_result, check_out, guard, to_c_string, write_out, FfiError};
use crate::farm::submit::{self, SubmitOptions};
use crate::farm::{Engine, PathRule, Resources};
use crate::paths::Paths;

/// The farm options a caller may give as JSON (all optional; unknown keys are refused so a
/// typo is not silently ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FarmOptionsJson {
    scene_dir: Option<PathBuf>,
    dry_run: Option<PathBuf>,
    gpus_per_task: Option<u32>,
    cpus_per_task: Option<u32>,
    memory_mb: Option<u64>,
    gpu_memory_mb: Option<u64>,
    time_limit_s: Option<u64>,
    pool: Option<String>,
    group: Option<String>,
    partition: Option<String>,
    #[serde(default)]
    post: bool,
    #[serde(default)]
    path_map: Vec<String>,
    node_brm: Option<PathBuf>,
    #[serde(default)]
    deadline_commandline: bool,
}

/// Submit `spec` to the farm `engine` (`"slurm"`, `"deadline"`, `"opencue"`, `"openjd"`).
/// `options_json` may be NULL or a JSON object with any of: `scene_dir`, `dry_run`,
/// `gpus_per_task`, `cpus_per_task`, `memory_mb`, `gpu_memory_mb`, `time_limit_s`, `pool`,
/// `group`, `partition`, `post`, `path_map` (array of `"FROM=TO"`), `node_brm`,
/// `deadline_commandline`. On success `*out_json` receives `{"id", "name", "engine", "submitted",
/// "engine_ids", "job_file", "files", "commands", "warnings"}` (free with
/// `brm_string_free`).
///
/// # Safety
/// `spec` a live spec; `engine` a C string; `options_json` NULL or a C string; `out_json`
/// valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_farm_submit_json(
    spec: *const brm_job_spec,
    engine: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> brm_result {
    guard(|| {
        let s = arg_ref(spec, "spec")?;
        let engine: Engine = arg_str(engine, "engine")?
            .parse()
            .map_err(crate::Error::from)?;
        check_out(out_json, "out_json")?;
        let o: FarmOptionsJson = if options_json.is_null() {
            FarmOptionsJson::default()
        } else {
            let text = arg_str(options_json, "options_json")?;
            if text.trim().is_empty() {
                FarmOptionsJson::default()
            } else {
                serde_json::from_str(text).map_err(|e| {
                    FfiError::invalid(format!("options_json is not valid farm options: {e}"))
                })?
            }
        };
        if s.spec.scene.as_os_str().is_empty() {
            return Err(FfiError::invalid(
                "the job spec has no scene; call brm_job_spec_set_scene first",
            ));
        }
        let mut job = s.spec.clone();
        let mut env = crate::submit::env::capture_env();
        for (k, v) in &s.extra_env {
            env.retain(|(ek, _)| ek != k);
            env.push((k.clone(), v.clone()));
        }
        job.env = env;
        let mut opts = SubmitOptions::new(engine);
        opts.scene_dir = o.scene_dir;
        opts.dry_run = o.dry_run;
        opts.resources = Resources {
            gpus_per_task: o
                .gpus_per_task
                .unwrap_or(if job.gpu == crate::plan::GpuChoice::Cpu {
                    0
                } else {
                    1
                }),
            cpus_per_task: o.cpus_per_task.unwrap_or(1).max(1),
            memory_mb: o.memory_mb,
            gpu_memory_mb: o.gpu_memory_mb,
            time_limit_s: o.time_limit_s.or(job.task_timeout_s),
        };
        opts.pool = o.pool;
        opts.group = o.group;
        opts.partition = o.partition;
        opts.post_task = o.post;
        opts.path_map = o
            .path_map
            .iter()
            .map(|r| PathRule::parse(r))
            .collect::<Result<_, _>>()
            .map_err(crate::Error::from)?;
        opts.brm = o.node_brm;
        opts.deadline_commandline = o.deadline_commandline;
        let done = submit::submit(job, &opts, &Paths::from_env())?;
        let r = &done.record;
        let v = serde_json::json!({
            "id": r.id,
            "name": r.name,
            "engine": r.engine,
            "submitted": r.submitted,
            "engine_ids": r.engine_ids,
            "job_file": r.job_file,
            "files": done.files,
            "commands": done.commands,
            "warnings": done.warnings,
        });
        write_out(out_json, to_c_string(&v.to_string()));
        Ok(())
    })
}

/// A farm job's status as JSON (`brm farm status --json`): `state`, `frames_done`,
/// `frames_total`, `missing`, `tasks`, `engine_ids`, `log_dir`. `job` is `farm-N` or the
/// job folder. Free with `brm_string_free`.
///
/// # Safety
/// `job` a C string; `out_json` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_farm_status_json(
    job: *const c_char,
    out_json: *mut *mut c_char,
) -> brm_result {
    guard(|| {
        let job = arg_str(job, "job")?;
        check_out(out_json, "out_json")?;
        let s = submit::status(&Paths::from_env(), job)?;
        let text = serde_json::to_string(&s)
            .map_err(|e| FfiError::new(brm_result::BRM_ERR_INTERNAL, e.to_string()))?;
        write_out(out_json, to_c_string(&text));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::{CStr, CString};

    #[test]
    fn null_and_bad_arguments_are_errors_not_crashes() {
        let mut out: *mut c_char = std::ptr::null_mut();
        let eng = CString::new("slurm").unwrap();
        // SAFETY: NULL spec is the case under test; the other pointers are valid.
        let r = unsafe {
            brm_farm_submit_json(std::ptr::null(), eng.as_ptr(), std::ptr::null(), &mut out)
        };
        assert_eq!(r, brm_result::BRM_ERR_NULL_ARGUMENT);
        assert!(out.is_null());
        let mut spec: *mut brm_job_spec = std::ptr::null_mut();
        // SAFETY: valid out-pointer.
        assert_eq!(
            unsafe { super::super::jobs::brm_job_spec_new(&mut spec) },
            brm_result::BRM_OK
        );
        let bad = CString::new("nomad").unwrap();
        // SAFETY: live spec, valid strings and out-pointer.
        let r = unsafe { brm_farm_submit_json(spec, bad.as_ptr(), std::ptr::null(), &mut out) };
        assert_eq!(r, brm_result::BRM_ERR_INVALID_ARGUMENT);
        let opts = CString::new(r#"{"pooll": "x"}"#).unwrap();
        // SAFETY: as above.
        let r = unsafe { brm_farm_submit_json(spec, eng.as_ptr(), opts.as_ptr(), &mut out) };
        assert_eq!(r, brm_result::BRM_ERR_INVALID_ARGUMENT);
        let mut buf = [0u8; 512];
        let mut needed = 0usize;
        // SAFETY: valid buffer and out-pointer.
        unsafe {
            super::super::brm_last_error(buf.as_mut_ptr() as *mut c_char, buf.len(), &mut needed)
        };
        let msg = CStr::from_bytes_until_nul(&buf).unwrap().to_string_lossy();
        assert!(msg.contains("pooll"), "{msg}");
        let job = CString::new("farm-999999").unwrap();
        // SAFETY: valid strings and out-pointer.
        let r = unsafe { brm_farm_status_json(job.as_ptr(), &mut out) };
        assert_eq!(r, brm_result::BRM_ERR_NOT_FOUND);
        // SAFETY: spec from brm_job_spec_new.
        unsafe { super::super::jobs::brm_job_spec_free(spec) };
    }
}
