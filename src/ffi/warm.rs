//! C ABI for warm render sessions (issue 13): a job's opt-out. Additive; the ABI version
//! stays the same.

use super::jobs::brm_job_spec;
use super::{arg_mut, brm_result, guard};

/// `cold` non-zero: never render this job in a warm session (every chunk starts its own
/// renderer and loads the scene itself). Default 0: chunks may reuse a warm session of the
/// same scene content on their slot.
///
/// # Safety
/// `s` a live spec.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_cold(s: *mut brm_job_spec, cold: u32) -> brm_result {
    guard(|| {
        arg_mut(s, "spec")?.spec.cold = cold != 0;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::jobs::{brm_job_spec_free, brm_job_spec_new};

    #[test]
    fn cold_is_set_and_null_is_refused() {
        unsafe {
            assert_ne!(
                brm_job_spec_set_cold(std::ptr::null_mut(), 1),
                brm_result::BRM_OK
            );
            let mut s = std::ptr::null_mut();
            assert_eq!(brm_job_spec_new(&mut s), brm_result::BRM_OK);
            assert!(!(*s).spec.cold);
            assert_eq!(brm_job_spec_set_cold(s, 1), brm_result::BRM_OK);
            assert!((*s).spec.cold);
            assert_eq!(brm_job_spec_set_cold(s, 0), brm_result::BRM_OK);
            assert!(!(*s).spec.cold);
            brm_job_spec_free(s);
        }
    }
}
