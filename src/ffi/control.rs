//! C ABI for changing a job after submit: pause and resume, a new priority, chosen frames
//! rendered again, the job a new one waits for; and the preview of its latest frame. Added for `import brm` (which binds only the
//! C ABI) and the Maya plug-in; additive, the ABI version stays the same. Thin wrappers over
//! [`crate::client::Client`].

use std::ffi::c_char;

use super::jobs::{brm_client, brm_job_spec, with_client};
use super::{
    arg_mut, arg_ref, arg_str, brm_result, check_out, guard, to_c_string, write_out, FfiError,
};

/// Shared body of `brm_pause` / `brm_resume`.
unsafe fn set_paused(
    c: *mut brm_client,
    job_id: u64,
    paused: bool,
    out_state: *mut u32,
) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        let state = with_client(c, |cl| cl.pause(job_id, paused))?;
        if !out_state.is_null() {
            write_out(out_state, state.code());
        }
        Ok(())
    })
}

/// Pause a queued or running job: it starts no new tasks (running ones finish) until
/// `brm_resume`. `*out_state` (may be NULL) gets its state afterwards (a `brm_job_state`).
/// A finished job gives `BRM_ERR_INVALID_ARGUMENT`; an unknown id `BRM_ERR_NOT_FOUND`.
///
/// # Safety
/// `c` a live client; `out_state` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_pause(
    c: *mut brm_client,
    job_id: u64,
    out_state: *mut u32,
) -> brm_result {
    set_paused(c, job_id, true, out_state)
}

/// Resume a paused job. `*out_state` (may be NULL) gets its state afterwards.
///
/// # Safety
/// `c` a live client; `out_state` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_resume(
    c: *mut brm_client,
    job_id: u64,
    out_state: *mut u32,
) -> brm_result {
    set_paused(c, job_id, false, out_state)
}

/// Give a queued, running or paused job a new priority (higher runs first; tasks not started
/// yet go by it). `*out_state` (may be NULL) gets its state. A finished job gives
/// `BRM_ERR_INVALID_ARGUMENT`; an unknown id `BRM_ERR_NOT_FOUND`.
///
/// # Safety
/// `c` a live client; `out_state` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_set_priority(
    c: *mut brm_client,
    job_id: u64,
    priority: i32,
    out_state: *mut u32,
) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        let state = with_client(c, |cl| cl.set_priority(job_id, priority))?;
        if !out_state.is_null() {
            write_out(out_state, state.code());
        }
        Ok(())
    })
}

/// Render `frames` (a frame spec, e.g. "5,9-12") of a finished job again, whether their
/// files exist or not, in every layer of the job that has them. `*out_queued` (may be NULL)
/// gets how many frames are queued. Frames the job does not have give
/// `BRM_ERR_INVALID_ARGUMENT` naming them; a job still queued or running too.
///
/// # Safety
/// `c` a live client; `frames` a NUL-terminated string; `out_queued` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_retry_frames(
    c: *mut brm_client,
    job_id: u64,
    frames: *const c_char,
    out_queued: *mut u32,
) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        let frames = crate::frames::FrameSpec::parse(arg_str(frames, "frames")?)?;
        let n = with_client(c, |cl| cl.retry_frames(job_id, &frames))?;
        if !out_queued.is_null() {
            write_out(out_queued, u32::try_from(n).unwrap_or(u32::MAX));
        }
        Ok(())
    })
}

/// Start the job only once job `after` (of the same queue) is done; 0 clears it. When that
/// job ends failed or cancelled, this one fails too, saying so. An unknown id is refused at
/// `brm_submit` (`BRM_ERR_NOT_FOUND`).
///
/// # Safety
/// `s` a live spec.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_after(s: *mut brm_job_spec, after: u64) -> brm_result {
    guard(|| {
        arg_mut(s, "spec")?.spec.after = (after != 0).then_some(after);
        Ok(())
    })
}

/// The path of the job's preview: a small PNG (256 px wide at most; EXR tone-mapped) of the
/// latest frame verified, over its layers, under brm's state folder (removed with the job).
/// Free with `brm_string_free`. `BRM_ERR_NOT_FOUND` when no preview is made yet (no frame
/// verified, or one that could not be read) or the job is unknown; `brm_job_json` lists
/// every layer's (`previews`).
///
/// # Safety
/// `c` a live client; `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_job_preview_path(
    c: *mut brm_client,
    job_id: u64,
    out: *mut *mut c_char,
) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        check_out(out, "out")?;
        let s = with_client(c, |cl| cl.status(job_id))?;
        let Some(p) = s.preview else {
            return Err(FfiError::new(
                brm_result::BRM_ERR_NOT_FOUND,
                format!("job {job_id} has no preview yet: one is made when a frame is verified"),
            ));
        };
        write_out(out, to_c_string(&p));
        Ok(())
    })
}
