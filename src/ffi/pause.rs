//! Pausing and resuming a job from C (the Maya window's Pause/Resume, `brm pause|resume`).
//!
//! A paused job starts no new tasks; renders already running finish their chunk, so nothing
//! rendered is thrown away. Kept out of `jobs.rs`, which holds the rest of the job ABI.

use super::jobs::{brm_client, with_client};
use super::{arg_ref, brm_result, guard, write_out};

/// Pause (`paused` true) or resume (false) a job; `*out_state` (may be NULL) gets its state
/// afterwards: `BRM_JOB_RUNNING` while renders already started finish their chunk, then
/// `BRM_JOB_PAUSED`; after a resume `BRM_JOB_QUEUED` or `BRM_JOB_RUNNING`.
/// A finished job is an error (`BRM_ERR_INVALID_ARGUMENT`, saying its state); an unknown
/// id is `BRM_ERR_NOT_FOUND`. Pausing a paused job (or resuming a running one) is a no-op.
///
/// # Safety
/// `c` a live client; `out_state` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_set_paused(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_client_is_an_error_not_a_crash() {
        let mut state = 99u32;
        let r = unsafe { brm_set_paused(std::ptr::null_mut(), 1, true, &mut state) };
        assert_eq!(r, brm_result::BRM_ERR_NULL_ARGUMENT);
        assert_eq!(state, 99, "no output on failure");
    }
}
