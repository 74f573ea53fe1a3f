//! The C ABI's lists of names brm accepts and reports: renderers, render methods, job and
//! task states. Fronts (the Maya plug-in and through it the Batch Render window, Python)
//! take them from here instead of keeping their own copies that drift from the registry.
//! Additive; the ABI version stays the same.

use std::ffi::c_char;

use serde::Serialize;

use super::{arg_str, brm_result, check_out, guard, to_c_string, write_out, FfiError};
use crate::plan::Method;
use crate::protocol::jobs::{JobState, TaskState};
use crate::renderer::Host;

/// One renderer of the registry as the list reports it.
#[derive(Serialize)]
struct RendererEntry {
    /// The canonical name (Maya's `defaultRenderGlobals.currentRenderer` value).
    name: &'static str,
    /// Other names brm accepts for it, lower case.
    aliases: &'static [&'static str],
    /// Which program renders it: "maya" or "blender" (a Maya window offers only Maya's).
    host: &'static str,
}

/// One job state: its name, its `brm_job_state` number, whether it is final.
#[derive(Serialize)]
struct JobStateEntry {
    name: &'static str,
    code: u32,
    #[serde(rename = "final")]
    is_final: bool,
}

/// The states of [`brm_job_states_json`].
#[derive(Serialize)]
struct States {
    job: Vec<JobStateEntry>,
    task: Vec<&'static str>,
}

/// Serialize `v` and hand it out through `out` (only on success).
unsafe fn json_out(out: *mut *mut c_char, v: &impl Serialize) -> Result<(), FfiError> {
    check_out(out, "out")?;
    let json = serde_json::to_string(v)
        .map_err(|e| FfiError::new(brm_result::BRM_ERR_INTERNAL, e.to_string()))?;
    write_out(out, to_c_string(&json));
    Ok(())
}

fn renderers() -> Vec<RendererEntry> {
    crate::renderer::ALL
        .iter()
        .map(|r| RendererEntry {
            name: r.name,
            aliases: r.aliases,
            host: r.host.as_str(),
        })
        .collect()
}

fn states() -> States {
    States {
        job: JobState::ALL
            .iter()
            .map(|s| JobStateEntry {
                name: s.as_str(),
                code: s.code(),
                is_final: s.is_final(),
            })
            .collect(),
        task: TaskState::ALL.iter().map(|s| s.as_str()).collect(),
    }
}

/// The renderers brm knows, as JSON: `[{"name": "redshift", "aliases": ["rs", …], "host":
/// "maya"}, …]` in the registry's order (`host` "maya" or "blender"). Free the string with
/// `brm_string_free`.
///
/// # Safety
/// `out` must be NULL (→ error) or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn brm_renderers_json(out: *mut *mut c_char) -> brm_result {
    guard(|| json_out(out, &renderers()))
}

/// The render methods `brm_job_spec_set_method` accepts, as a JSON array of names, `"auto"`
/// first. Free the string with `brm_string_free`.
///
/// # Safety
/// `out` must be NULL (→ error) or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn brm_methods_json(out: *mut *mut c_char) -> brm_result {
    guard(|| json_out(out, &Method::ALL.map(Method::as_str)))
}

/// The render methods a scene of `host` (`"maya"` or `"blender"`) can use, as a JSON array of
/// names in `brm_methods_json`'s order, `"auto"` first: what a front offers for its scenes
/// (the Maya window lists the Maya levels, never `blender`). An unknown host is
/// `BRM_ERR_INVALID_ARGUMENT`. Free the string with `brm_string_free`.
///
/// # Safety
/// `host` must be NULL (→ error) or a NUL-terminated string; `out` NULL (→ error) or valid
/// for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn brm_methods_for_host_json(
    host: *const c_char,
    out: *mut *mut c_char,
) -> brm_result {
    guard(|| {
        let name = arg_str(host, "host")?;
        let host = Host::ALL
            .into_iter()
            .find(|h| h.as_str() == name)
            .ok_or_else(|| {
                FfiError::new(
                    brm_result::BRM_ERR_INVALID_ARGUMENT,
                    format!(
                        "unknown host '{name}': use one of {}",
                        Host::ALL.map(Host::as_str).join(", ")
                    ),
                )
            })?;
        let names: Vec<&str> = Method::ALL
            .into_iter()
            .filter(|m| m.renders_for(host))
            .map(Method::as_str)
            .collect();
        json_out(out, &names)
    })
}

/// The job and task states, as JSON: `{"job": [{"name": "queued", "code": 0, "final":
/// false}, …], "task": ["queued", …]}`; `code` is the `brm_job_state` value, `final` means
/// nothing more runs unless the job is retried. Free the string with `brm_string_free`.
///
/// # Safety
/// `out` must be NULL (→ error) or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn brm_job_states_json(out: *mut *mut c_char) -> brm_result {
    guard(|| json_out(out, &states()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(f: unsafe extern "C" fn(*mut *mut c_char) -> brm_result) -> serde_json::Value {
        let mut p: *mut c_char = std::ptr::null_mut();
        assert_eq!(unsafe { f(&mut p) }, brm_result::BRM_OK);
        let s = unsafe { std::ffi::CStr::from_ptr(p) }
            .to_str()
            .unwrap()
            .to_string();
        unsafe { super::super::brm_string_free(p) };
        serde_json::from_str(&s).unwrap()
    }

    #[test]
    fn lists_come_from_the_registry_and_the_state_types() {
        let r = take(brm_renderers_json);
        let names: Vec<&str> = r
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["name"].as_str())
            .collect();
        assert!(names.contains(&"redshift") && names.contains(&"mayaHardware2"));
        assert_eq!(r[0]["host"], "maya");
        assert!(r
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "blender" && e["host"] == "blender"));
        let m = take(brm_methods_json);
        assert_eq!(m[0], "auto");
        let for_host = |h: &str| {
            let h = std::ffi::CString::new(h).unwrap();
            let mut p: *mut c_char = std::ptr::null_mut();
            let r = unsafe { brm_methods_for_host_json(h.as_ptr(), &mut p) };
            if r != brm_result::BRM_OK {
                assert!(p.is_null(), "no output on an error");
                return Err(r);
            }
            let s = unsafe { std::ffi::CStr::from_ptr(p) }
                .to_str()
                .unwrap()
                .to_string();
            unsafe { super::super::brm_string_free(p) };
            Ok(serde_json::from_str::<Vec<String>>(&s).unwrap())
        };
        assert_eq!(
            for_host("maya").unwrap(),
            ["auto", "mayapy-custom", "render", "mayapy-basic"]
        );
        assert_eq!(for_host("blender").unwrap(), ["auto", "blender"]);
        assert_eq!(
            for_host("houdini"),
            Err(brm_result::BRM_ERR_INVALID_ARGUMENT)
        );
        let s = take(brm_job_states_json);
        let finals: Vec<&str> = s["job"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["final"] == true)
            .filter_map(|e| e["name"].as_str())
            .collect();
        assert_eq!(finals, ["done", "failed", "cancelled"]);
        assert_eq!(s["job"][5]["code"], 5);
        assert_eq!(s["task"].as_array().unwrap().len(), 5);
    }

    #[test]
    fn a_null_out_is_refused() {
        assert_eq!(
            unsafe { brm_renderers_json(std::ptr::null_mut()) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
    }
}
