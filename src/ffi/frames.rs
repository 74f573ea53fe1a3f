//! C ABI for frame sets (DESIGN §4, §5): parse once, then ask for the count, pages of frames
//! or the compact form. The handle keeps the lazy representation, so a ten-million-frame set
//! costs the caller nothing until it copies frames out, one page at a time.

use std::ffi::c_char;

use super::{arg_ref, arg_str, brm_result, check_out, guard, to_c_string, write_out, FfiError};
use crate::frames::{FrameSet, DEFAULT_FRAME_CAP};

/// A parsed frame set. Opaque: create with `brm_frames_parse`, free with `brm_frameset_free`.
/// A handle may be read from several threads at once.
#[allow(non_camel_case_types)]
pub struct brm_frameset {
    inner: FrameSet,
}

/// Parse a frame-set spec such as `"1-100x5"`, `"1,5,10"`, `"10-1"`, `"1-10y3"` or `"-5-5"`,
/// with the default cap of 10,000,000 frames.
///
/// On success `*out` receives a new handle (free it with `brm_frameset_free`). Errors:
/// `BRM_ERR_NULL_ARGUMENT`, `BRM_ERR_INVALID_UTF8`, `BRM_ERR_FRAME_SYNTAX` (the message from
/// `brm_last_error` names the byte position and a fix), `BRM_ERR_TOO_MANY_FRAMES`.
///
/// # Safety
/// `spec` must be NULL or a NUL-terminated string; `out` must be NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_frames_parse(
    spec: *const c_char,
    out: *mut *mut brm_frameset,
) -> brm_result {
    brm_frames_parse_with_cap(spec, DEFAULT_FRAME_CAP, out)
}

/// Like `brm_frames_parse`, refusing specs with more than `cap` frames
/// (`BRM_ERR_TOO_MANY_FRAMES`). The count is computed without expanding the frames.
///
/// # Safety
/// `spec` must be NULL or a NUL-terminated string; `out` must be NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_frames_parse_with_cap(
    spec: *const c_char,
    cap: u64,
    out: *mut *mut brm_frameset,
) -> brm_result {
    guard(|| {
        check_out(out, "out")?;
        let spec = arg_str(spec, "spec")?;
        let inner = FrameSet::parse_with_cap(spec, cap)?;
        write_out(out, Box::into_raw(Box::new(brm_frameset { inner })));
        Ok(())
    })
}

/// Write the number of frames in `fs` (duplicates already dropped) to `*out_len`.
///
/// # Safety
/// `fs` must be NULL or a live handle; `out_len` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_frameset_len(
    fs: *const brm_frameset,
    out_len: *mut u64,
) -> brm_result {
    guard(|| {
        check_out(out_len, "out_len")?;
        let fs = arg_ref(fs, "fs")?;
        write_out(out_len, fs.inner.len());
        Ok(())
    })
}

/// Copy a page of frames: the frames at positions `offset`, `offset + 1`, … (in iteration
/// order: the order of the spec, duplicates dropped), at most `cap` of them, into `buf`, and
/// write how many were copied to `*out_written`. Page through a large set by adding the count
/// to `offset` until it is 0. An `offset` at or past the end copies nothing and succeeds.
/// `buf` may be NULL only when `cap` is 0.
///
/// # Safety
/// `fs` must be NULL or a live handle; `buf` NULL or valid for `cap` writes of `int64_t`;
/// `out_written` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_frameset_frames(
    fs: *const brm_frameset,
    offset: u64,
    buf: *mut i64,
    cap: usize,
    out_written: *mut usize,
) -> brm_result {
    guard(|| {
        check_out(out_written, "out_written")?;
        let fs = arg_ref(fs, "fs")?;
        if buf.is_null() && cap > 0 {
            return Err(FfiError::null("buf"));
        }
        let mut n = 0usize;
        for (k, f) in fs.inner.iter_from(offset).take(cap).enumerate() {
            buf.add(k).write(f);
            n = k + 1;
        }
        write_out(out_written, n);
        Ok(())
    })
}

/// Write the compact spec of `fs` (e.g. `"1-96x5,100"` for `"1-100x5"`) to `*out`: a string
/// that parses back to the same frames in the same order, also in fileseq and Deadline. Free
/// it with `brm_string_free`. An empty set gives `""`.
///
/// # Safety
/// `fs` must be NULL or a live handle; `out` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_frameset_compact(
    fs: *const brm_frameset,
    out: *mut *mut c_char,
) -> brm_result {
    guard(|| {
        check_out(out, "out")?;
        let fs = arg_ref(fs, "fs")?;
        let s = to_c_string(&fs.inner.compact());
        if s.is_null() {
            return Err(FfiError::new(
                brm_result::BRM_ERR_INTERNAL,
                "could not allocate the compact string",
            ));
        }
        write_out(out, s);
        Ok(())
    })
}

/// Free a frame set. NULL is a no-op.
///
/// # Safety
/// `fs` must be NULL or a handle from `brm_frames_parse*` not freed before.
#[no_mangle]
pub unsafe extern "C" fn brm_frameset_free(fs: *mut brm_frameset) {
    if fs.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(Box::from_raw(fs))));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::{brm_last_error, brm_string_free};
    use std::ffi::{CStr, CString};
    use std::ptr::{null, null_mut};

    fn last_error() -> String {
        let mut buf = vec![0 as c_char; 1024];
        let mut need = 0usize;
        let r = unsafe { brm_last_error(buf.as_mut_ptr(), buf.len(), &mut need) };
        assert_eq!(r, brm_result::BRM_OK);
        unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    fn parse(spec: &str) -> *mut brm_frameset {
        let c = CString::new(spec).unwrap();
        let mut fs = null_mut();
        assert_eq!(
            unsafe { brm_frames_parse(c.as_ptr(), &mut fs) },
            brm_result::BRM_OK
        );
        assert!(!fs.is_null());
        fs
    }

    #[test]
    fn parse_len_compact_free() {
        let fs = parse("1-100x5");
        let mut n = 0u64;
        assert_eq!(unsafe { brm_frameset_len(fs, &mut n) }, brm_result::BRM_OK);
        assert_eq!(n, 21);
        let mut s = null_mut();
        assert_eq!(
            unsafe { brm_frameset_compact(fs, &mut s) },
            brm_result::BRM_OK
        );
        assert_eq!(unsafe { CStr::from_ptr(s) }.to_str().unwrap(), "1-96x5,100");
        unsafe { brm_string_free(s) };
        unsafe { brm_frameset_free(fs) };
        unsafe { brm_frameset_free(null_mut()) };
    }

    #[test]
    fn null_arguments_are_errors_and_leave_outputs_alone() {
        let spec = CString::new("1-10").unwrap();
        let sentinel = std::ptr::dangling_mut::<brm_frameset>();
        let mut fs = sentinel;
        assert_eq!(
            unsafe { brm_frames_parse(null(), &mut fs) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
        assert_eq!(fs, sentinel);
        assert!(last_error().contains("spec"));
        assert_eq!(
            unsafe { brm_frames_parse(spec.as_ptr(), null_mut()) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
        let mut n = 7u64;
        assert_eq!(
            unsafe { brm_frameset_len(null(), &mut n) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
        assert_eq!(n, 7);
        let h = parse("1-10");
        assert_eq!(
            unsafe { brm_frameset_len(h, null_mut()) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
        let mut w = 9usize;
        let mut buf = [0i64; 4];
        assert_eq!(
            unsafe { brm_frameset_frames(null(), 0, buf.as_mut_ptr(), 4, &mut w) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
        assert_eq!(
            unsafe { brm_frameset_frames(h, 0, null_mut(), 4, &mut w) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
        assert_eq!(w, 9);
        assert_eq!(
            unsafe { brm_frameset_frames(h, 0, buf.as_mut_ptr(), 4, null_mut()) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
        assert_eq!(
            unsafe { brm_frameset_frames(h, 0, null_mut(), 0, &mut w) },
            brm_result::BRM_OK
        );
        assert_eq!(w, 0);
        let mut s = null_mut();
        assert_eq!(
            unsafe { brm_frameset_compact(null(), &mut s) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
        assert!(s.is_null());
        assert_eq!(
            unsafe { brm_frameset_compact(h, null_mut()) },
            brm_result::BRM_ERR_NULL_ARGUMENT
        );
        unsafe { brm_frameset_free(h) };
    }

    #[test]
    fn invalid_utf8_and_syntax_errors() {
        let bad = b"1-\xff0\0";
        let mut fs = null_mut();
        let r = unsafe { brm_frames_parse(bad.as_ptr() as *const c_char, &mut fs) };
        assert_eq!(r, brm_result::BRM_ERR_INVALID_UTF8);
        assert!(fs.is_null());
        let spec = CString::new("1-10:2").unwrap();
        assert_eq!(
            unsafe { brm_frames_parse(spec.as_ptr(), &mut fs) },
            brm_result::BRM_ERR_FRAME_SYNTAX
        );
        assert!(fs.is_null());
        let msg = last_error();
        assert!(msg.contains("byte 4") && msg.contains("hint"), "{msg}");
    }

    #[test]
    fn huge_specs_are_refused_by_the_cap() {
        let spec = CString::new("-9223372036854775808-9223372036854775807").unwrap();
        let mut fs = null_mut();
        assert_eq!(
            unsafe { brm_frames_parse(spec.as_ptr(), &mut fs) },
            brm_result::BRM_ERR_TOO_MANY_FRAMES
        );
        assert!(fs.is_null());
        let spec = CString::new("1-11").unwrap();
        assert_eq!(
            unsafe { brm_frames_parse_with_cap(spec.as_ptr(), 10, &mut fs) },
            brm_result::BRM_ERR_TOO_MANY_FRAMES
        );
        assert_eq!(
            unsafe { brm_frames_parse_with_cap(spec.as_ptr(), 11, &mut fs) },
            brm_result::BRM_OK
        );
        unsafe { brm_frameset_free(fs) };
        let long: String = (0..20_000)
            .map(|i| format!("{}-{}x3,", i * 10, i * 10 + 6))
            .collect::<String>()
            + "0";
        let spec = CString::new(long).unwrap();
        let h = unsafe {
            let mut h = null_mut();
            assert_eq!(brm_frames_parse(spec.as_ptr(), &mut h), brm_result::BRM_OK);
            h
        };
        let mut n = 0u64;
        assert_eq!(unsafe { brm_frameset_len(h, &mut n) }, brm_result::BRM_OK);
        assert_eq!(n, 60_000);
        unsafe { brm_frameset_free(h) };
    }

    #[test]
    fn pages_cover_the_set_in_order() {
        let fs = parse("10-1x4,20-30,5,-3");
        let want = FrameSet::parse("10-1x4,20-30,5,-3").unwrap().to_vec();
        let mut got = Vec::new();
        let mut buf = [0i64; 3];
        let mut offset = 0u64;
        loop {
            let mut w = usize::MAX;
            let r = unsafe { brm_frameset_frames(fs, offset, buf.as_mut_ptr(), buf.len(), &mut w) };
            assert_eq!(r, brm_result::BRM_OK);
            if w == 0 {
                break;
            }
            got.extend_from_slice(&buf[..w]);
            offset += w as u64;
        }
        assert_eq!(got, want);
        let mut w = 5usize;
        let r = unsafe { brm_frameset_frames(fs, u64::MAX, buf.as_mut_ptr(), buf.len(), &mut w) };
        assert_eq!((r, w), (brm_result::BRM_OK, 0));
        unsafe { brm_frameset_free(fs) };
    }

    #[test]
    fn a_ten_million_frame_set_pages_lazily() {
        let fs = parse("1-10000000");
        let mut buf = [0i64; 4];
        let mut w = 0usize;
        let r = unsafe { brm_frameset_frames(fs, 9_999_998, buf.as_mut_ptr(), 4, &mut w) };
        assert_eq!((r, w), (brm_result::BRM_OK, 2));
        assert_eq!(&buf[..2], &[9_999_999, 10_000_000]);
        unsafe { brm_frameset_free(fs) };
    }
}
