//! C ABI for system detection: the whole report as JSON, and the GPU list as typed structs
//! (what the Maya plugin's GPU menu needs without a JSON parser).
//!
//! Installs are detected once per process (cached; `brm_shutdown` clears the cache); GPU
//! memory and utilization are read live on every call.

use std::ffi::c_char;

use super::{brm_result, check_out, guard, to_c_string, write_out, FfiError};
use crate::detect::{self, GpuInfo};

/// One GPU. The caller sets `struct_size = sizeof(brm_gpu)` in the first element of the array
/// it passes (so a newer header with a larger struct keeps working against this library).
/// Strings are NUL-terminated UTF-8, cut at a character boundary if too long.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct brm_gpu {
    pub struct_size: u32,
    /// The driver's index (PCI-bus order).
    pub index: u32,
    /// "GPU-…" UUID ("" when unknown).
    pub uuid: [c_char; 96],
    pub name: [c_char; 128],
    /// e.g. "00000000:01:00.0".
    pub pci_bus_id: [c_char; 32],
    pub memory_total_mib: u64,
    pub memory_free_mib: u64,
    /// Percent busy, -1 when unknown.
    pub utilization_percent: i32,
    /// -1 unknown/unsupported, 0 off, 1 on.
    pub mig_mode: i32,
}

/// Copy `s` into a fixed array, NUL-terminated, cut at a UTF-8 character boundary.
fn fill<const N: usize>(dst: &mut [c_char; N], s: &str) {
    let mut end = s.len().min(N.saturating_sub(1));
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    for (d, b) in dst.iter_mut().zip(s.as_bytes()[..end].iter()) {
        *d = *b as c_char;
    }
    for d in dst[end..].iter_mut() {
        *d = 0;
    }
}

impl brm_gpu {
    fn from_info(g: &GpuInfo, struct_size: u32) -> Self {
        let mut out = brm_gpu {
            struct_size,
            index: g.index,
            uuid: [0; 96],
            name: [0; 128],
            pci_bus_id: [0; 32],
            memory_total_mib: g.memory_total_mib,
            memory_free_mib: g.memory_free_mib,
            utilization_percent: g
                .utilization_percent
                .map(|u| u.min(i32::MAX as u32) as i32)
                .unwrap_or(-1),
            mig_mode: match g.mig_mode {
                None => -1,
                Some(false) => 0,
                Some(true) => 1,
            },
        };
        fill(&mut out.uuid, &g.uuid);
        fill(&mut out.name, &g.name);
        fill(&mut out.pci_bus_id, &g.pci_bus_id);
        out
    }
}

/// The system report as JSON (`{"schema":1,...}`, see `brm info --json`), GPUs read now.
/// Free the string with `brm_string_free`.
///
/// # Safety
/// `out` must be NULL (→ error) or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn brm_detect_json(out: *mut *mut c_char) -> brm_result {
    guard(|| {
        check_out(out, "out")?;
        let report = detect::detect_cached_with_live_gpus();
        let json = serde_json::to_string(&report).map_err(|e| {
            FfiError::new(
                brm_result::BRM_ERR_INTERNAL,
                format!("could not serialize the system report: {e}"),
            )
        })?;
        write_out(out, to_c_string(&json));
        Ok(())
    })
}

/// Copy the GPUs (read now) into `out[0..cap]`; `*out_count` gets the number of GPUs.
///
/// `out[0].struct_size` must be set to `sizeof(brm_gpu)` (a smaller value is rejected with
/// `BRM_ERR_INVALID_ARGUMENT`; a larger one is used as the array stride, leaving the fields
/// this library does not know untouched). Pass `out = NULL, cap = 0` to ask for the count:
/// `BRM_OK` when there are no GPUs, else `BRM_ERR_BUFFER_TOO_SMALL` with `*out_count` set,
/// which is also the answer whenever `cap` is too small.
///
/// # Safety
/// `out` must be NULL (only with `cap = 0`) or valid for `cap` elements of
/// `out[0].struct_size` bytes each; `out_count` must be valid for writes.
#[no_mangle]
pub unsafe extern "C" fn brm_detect_gpus(
    out: *mut brm_gpu,
    cap: usize,
    out_count: *mut usize,
) -> brm_result {
    guard(|| {
        check_out(out_count, "out_count")?;
        stride_of(out, cap)?;
        let gpus = detect::detect_gpus(&detect::DetectOptions::from_env()).gpus;
        copy_gpus(&gpus, out, cap, out_count)
    })
}

/// The array stride the caller declared in `out[0].struct_size` (see [`brm_detect_gpus`]).
///
/// # Safety
/// `out` must be NULL or valid for reading one `u32` at its start.
unsafe fn stride_of(out: *const brm_gpu, cap: usize) -> Result<usize, FfiError> {
    if out.is_null() {
        if cap > 0 {
            return Err(FfiError::null("out"));
        }
        return Ok(std::mem::size_of::<brm_gpu>());
    }
    let declared = std::ptr::addr_of!((*out).struct_size).read_unaligned() as usize;
    if declared < std::mem::size_of::<brm_gpu>() {
        return Err(FfiError::invalid(format!(
            "out[0].struct_size is {declared} but sizeof(brm_gpu) is {}; set struct_size = sizeof(brm_gpu) \
             (is the header older than the library?)",
            std::mem::size_of::<brm_gpu>()
        )));
    }
    if !declared.is_multiple_of(std::mem::align_of::<brm_gpu>()) {
        return Err(FfiError::invalid(format!(
            "out[0].struct_size {declared} is not a multiple of the struct's alignment; set struct_size = sizeof(brm_gpu)"
        )));
    }
    Ok(declared)
}

/// Write `gpus` into the caller's array (all checks included).
///
/// # Safety
/// As [`brm_detect_gpus`].
unsafe fn copy_gpus(
    gpus: &[GpuInfo],
    out: *mut brm_gpu,
    cap: usize,
    out_count: *mut usize,
) -> Result<(), FfiError> {
    check_out(out_count, "out_count")?;
    let stride = stride_of(out, cap)?;
    write_out(out_count, gpus.len());
    if gpus.len() > cap {
        return Err(FfiError::new(
            brm_result::BRM_ERR_BUFFER_TOO_SMALL,
            format!(
                "{} GPUs found but room for {cap}; pass an array of *out_count elements",
                gpus.len()
            ),
        ));
    }
    for (i, g) in gpus.iter().enumerate() {
        let slot = (out as *mut u8).add(i * stride) as *mut brm_gpu;
        slot.write(brm_gpu::from_info(g, stride as u32));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn fill_truncates_on_char_boundary_and_terminates() {
        let mut a = [1 as c_char; 8];
        fill(&mut a, "abcdefghij");
        assert_eq!(
            unsafe { CStr::from_ptr(a.as_ptr()) }.to_str().unwrap(),
            "abcdefg"
        );
        let mut b = [1 as c_char; 6];
        fill(&mut b, "abcdé"); // é is 2 bytes at 4..6: only "abcd" fits with the NUL
        assert_eq!(
            unsafe { CStr::from_ptr(b.as_ptr()) }.to_str().unwrap(),
            "abcd"
        );
        assert_eq!(b[4], 0);
        assert_eq!(b[5], 0);
        let mut c = [1 as c_char; 4];
        fill(&mut c, "");
        assert!(c.iter().all(|&x| x == 0));
    }

    #[test]
    fn from_info_maps_unknowns() {
        let g = GpuInfo {
            index: 2,
            uuid: "GPU-abc".into(),
            name: "NVIDIA RTX A6000".into(),
            pci_bus_id: "00000000:01:00.0".into(),
            memory_total_mib: 49140,
            memory_free_mib: 48500,
            utilization_percent: None,
            mig_mode: Some(true),
        };
        let c = brm_gpu::from_info(&g, std::mem::size_of::<brm_gpu>() as u32);
        assert_eq!(c.index, 2);
        assert_eq!(c.utilization_percent, -1);
        assert_eq!(c.mig_mode, 1);
        assert_eq!(
            unsafe { CStr::from_ptr(c.name.as_ptr()) }.to_str().unwrap(),
            "NVIDIA RTX A6000"
        );
        assert_eq!(
            unsafe { CStr::from_ptr(c.uuid.as_ptr()) }.to_str().unwrap(),
            "GPU-abc"
        );
    }

    #[test]
    fn detect_json_has_schema() {
        let mut p: *mut c_char = std::ptr::null_mut();
        assert_eq!(unsafe { brm_detect_json(&mut p) }, brm_result::BRM_OK);
        let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned();
        unsafe { crate::ffi::brm_string_free(p) };
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["schema"], 1);
        assert!(v["cpus"]["logical"].as_u64().unwrap() >= 1);
        assert_eq!(
            unsafe { brm_detect_json(std::ptr::null_mut()) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
    }

    #[test]
    fn detect_gpus_checks_arguments() {
        let mut n = usize::MAX;
        assert_eq!(
            unsafe { brm_detect_gpus(std::ptr::null_mut(), 0, std::ptr::null_mut()) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
        assert_eq!(
            unsafe { brm_detect_gpus(std::ptr::null_mut(), 4, &mut n) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
        assert_eq!(n, usize::MAX, "not written on failure");
        let mut bufs = [brm_gpu::from_info(
            &GpuInfo {
                index: 0,
                uuid: String::new(),
                name: String::new(),
                pci_bus_id: String::new(),
                memory_total_mib: 0,
                memory_free_mib: 0,
                utilization_percent: None,
                mig_mode: None,
            },
            8,
        ); 4];
        assert_eq!(
            unsafe { brm_detect_gpus(bufs.as_mut_ptr(), 4, &mut n) },
            brm_result::BRM_ERR_INVALID_ARGUMENT
        );
        bufs[0].struct_size = std::mem::size_of::<brm_gpu>() as u32;
        let r = unsafe { brm_detect_gpus(bufs.as_mut_ptr(), 4, &mut n) };
        let live = detect::detect_gpus(&detect::DetectOptions::from_env()).gpus;
        if live.len() <= 4 {
            assert_eq!(r, brm_result::BRM_OK);
            assert_eq!(n, live.len());
        }
        // Count query.
        let r = unsafe { brm_detect_gpus(std::ptr::null_mut(), 0, &mut n) };
        assert_eq!(n, live.len());
        assert_eq!(
            r,
            if live.is_empty() {
                brm_result::BRM_OK
            } else {
                brm_result::BRM_ERR_BUFFER_TOO_SMALL
            }
        );
    }

    fn fake(i: u32) -> GpuInfo {
        GpuInfo {
            index: i,
            uuid: format!("GPU-{i:08}-aaaa-bbbb-cccc-dddddddddddd"),
            name: "NVIDIA RTX A6000".into(),
            pci_bus_id: format!("00000000:0{}:00.0", i + 1),
            memory_total_mib: 49140,
            memory_free_mib: 48000 + u64::from(i),
            utilization_percent: Some(i * 10),
            mig_mode: Some(false),
        }
    }

    #[test]
    fn copy_gpus_reports_count_and_too_small() {
        let gpus = [fake(0), fake(1)];
        let mut n = 0usize;
        let r = unsafe { copy_gpus(&gpus, std::ptr::null_mut(), 0, &mut n) };
        assert_eq!(r.unwrap_err().code, brm_result::BRM_ERR_BUFFER_TOO_SMALL);
        assert_eq!(n, 2);
        let mut one = [brm_gpu::from_info(
            &fake(9),
            std::mem::size_of::<brm_gpu>() as u32,
        )];
        let r = unsafe { copy_gpus(&gpus, one.as_mut_ptr(), 1, &mut n) };
        assert_eq!(r.unwrap_err().code, brm_result::BRM_ERR_BUFFER_TOO_SMALL);
        assert_eq!(one[0].index, 9, "nothing written when too small");
        let mut two = [one[0]; 2];
        unsafe { copy_gpus(&gpus, two.as_mut_ptr(), 2, &mut n) }.unwrap();
        assert_eq!(two[1].index, 1);
        assert_eq!(two[1].memory_free_mib, 48001);
        assert_eq!(two[1].utilization_percent, 10);
        assert_eq!(two[1].mig_mode, 0);
        assert_eq!(
            unsafe { CStr::from_ptr(two[1].pci_bus_id.as_ptr()) }
                .to_str()
                .unwrap(),
            "00000000:02:00.0"
        );
    }

    #[test]
    fn larger_struct_size_is_used_as_stride() {
        // A caller built against a future header whose brm_gpu has 16 more bytes.
        const BIG: usize = std::mem::size_of::<brm_gpu>() + 16;
        #[repr(C, align(8))]
        struct Big([u8; BIG]);
        let mut arr = [Big([0xAB; BIG]), Big([0xAB; BIG])];
        unsafe { (arr.as_mut_ptr() as *mut u32).write(BIG as u32) };
        let mut n = 0usize;
        unsafe {
            copy_gpus(
                &[fake(0), fake(1)],
                arr.as_mut_ptr() as *mut brm_gpu,
                2,
                &mut n,
            )
        }
        .unwrap();
        let second = unsafe { &*((arr.as_ptr() as *const u8).add(BIG) as *const brm_gpu) };
        assert_eq!(second.index, 1);
        assert_eq!(second.struct_size as usize, BIG);
        assert!(
            arr[0].0[std::mem::size_of::<brm_gpu>()..]
                .iter()
                .all(|&b| b == 0xAB),
            "unknown tail untouched"
        );
    }
}
