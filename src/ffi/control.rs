//! C ABI for pausing and resuming a job. Added for `import brm` (`Job.pause()` /
//! `Job.resume()`), which binds only the C ABI and so needs these as entry points; additive,
//! the ABI version stays the same. Thin wrappers over [`crate::client::Client::pause`].

use super::jobs::{brm_client, with_client};
use super::{arg_ref, brm_result, guard, write_out};

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
