//! Job control entry points added after `jobs.rs` (kept apart so no file grows past its
//! size): pausing and resuming a job.

use super::jobs::{brm_client, brm_job_state, with_client};
use super::{arg_ref, brm_result, guard, write_out};

/// Pause (`paused` non-zero) or resume (`0`) a queued or running job. A paused job starts no
/// new tasks; those already rendering finish; its state reads `BRM_JOB_PAUSED` meanwhile.
/// `*out_state` (may be NULL) gets the job's state afterwards, a `brm_job_state` value.
/// A finished job cannot be paused: `BRM_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `c` a live client; `out_state` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_set_paused(
    c: *mut brm_client,
    job_id: u64,
    paused: i32,
    out_state: *mut u32,
) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        let state = with_client(c, |cl| cl.pause(job_id, paused != 0))?;
        if !out_state.is_null() {
            write_out(out_state, state.code());
        }
        Ok(())
    })
}

/// The state codes stay those of [`brm_job_state`] (checked at compile time).
const _: () = assert!(brm_job_state::BRM_JOB_PAUSED as u32 == 5);
