//! The C ABI (`include/brm.h`): thin wrappers over the engine, in the rustls-ffi style.
//!
//! Conventions, done once here and used by every entry point:
//! - every fallible function returns [`brm_result`] and runs inside [`guard`], which catches
//!   panics (`BRM_ERR_PANIC`; a panic must never unwind into or abort the host, e.g. Maya);
//! - pointer arguments are checked for NULL and strings for UTF-8 before any work is done;
//! - out-parameters are written only on success (the needed-size out-param of a caller
//!   buffer is the one exception: it is also written on `BRM_ERR_BUFFER_TOO_SMALL`);
//! - a failure's message is kept per thread and copied out by [`brm_last_error`];
//! - strings the library allocates are freed only by [`brm_string_free`]; every `_free`
//!   accepts NULL.

#![allow(non_camel_case_types)]

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::ErrorKind;

pub mod control;
pub mod detect;
pub mod farm;
pub mod frames;
pub mod jobs;
pub mod lists;
pub mod scene;
pub mod warm;

/// Bumped when a function is removed or a signature or struct layout changes incompatibly.
/// Additive growth (new functions, new builder setters) keeps the number.
pub const BRM_ABI_VERSION: u32 = 1;

/// The result of every fallible `brm_` function. `BRM_OK` is 0.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum brm_result {
    BRM_OK = 0,
    /// A required pointer argument was NULL.
    BRM_ERR_NULL_ARGUMENT = 1,
    /// A string argument was not valid UTF-8.
    BRM_ERR_INVALID_UTF8 = 2,
    /// An argument had a value outside what the function accepts.
    BRM_ERR_INVALID_ARGUMENT = 3,
    /// A frame-set spec did not parse (message has the byte position and a hint).
    BRM_ERR_FRAME_SYNTAX = 4,
    /// A frame set has more frames than the cap.
    BRM_ERR_TOO_MANY_FRAMES = 5,
    /// A caller buffer is too small; the needed size was written.
    BRM_ERR_BUFFER_TOO_SMALL = 6,
    /// A job, file, layer or executable does not exist.
    BRM_ERR_NOT_FOUND = 7,
    /// The agent or a renderer is not available and could not be started.
    BRM_ERR_UNAVAILABLE = 8,
    /// An operating-system I/O error.
    BRM_ERR_IO = 9,
    /// Client and agent disagree (e.g. protocol version mismatch).
    BRM_ERR_PROTOCOL = 10,
    /// The job failed.
    BRM_ERR_JOB_FAILED = 11,
    /// A wait ran out of time before the job finished.
    BRM_ERR_TIMEOUT = 12,
    /// A valid request this build or platform cannot serve.
    BRM_ERR_UNSUPPORTED = 13,
    /// A bug inside the library panicked; the call was abandoned safely.
    BRM_ERR_PANIC = 14,
    /// An internal invariant failed.
    BRM_ERR_INTERNAL = 15,
    /// No renderer the job could use is installed or set in the submitting environment
    /// (e.g. no Maya for a `.ma` job); the message says what to install or set.
    BRM_ERR_RENDERER_UNAVAILABLE = 16,
}

impl From<ErrorKind> for brm_result {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidArgument => brm_result::BRM_ERR_INVALID_ARGUMENT,
            ErrorKind::FrameSyntax => brm_result::BRM_ERR_FRAME_SYNTAX,
            ErrorKind::TooManyFrames => brm_result::BRM_ERR_TOO_MANY_FRAMES,
            ErrorKind::NotFound => brm_result::BRM_ERR_NOT_FOUND,
            ErrorKind::Unavailable => brm_result::BRM_ERR_UNAVAILABLE,
            ErrorKind::RendererUnavailable => brm_result::BRM_ERR_RENDERER_UNAVAILABLE,
            ErrorKind::Io => brm_result::BRM_ERR_IO,
            ErrorKind::Protocol => brm_result::BRM_ERR_PROTOCOL,
            ErrorKind::JobFailed => brm_result::BRM_ERR_JOB_FAILED,
            ErrorKind::Timeout => brm_result::BRM_ERR_TIMEOUT,
            ErrorKind::Unsupported => brm_result::BRM_ERR_UNSUPPORTED,
            ErrorKind::Internal => brm_result::BRM_ERR_INTERNAL,
        }
    }
}

/// A failure at the ABI boundary: the code to return and the message for `brm_last_error`.
#[derive(Debug)]
pub(crate) struct FfiError {
    pub code: brm_result,
    pub message: String,
}

impl FfiError {
    pub fn new(code: brm_result, message: impl Into<String>) -> Self {
        FfiError {
            code,
            message: message.into(),
        }
    }
    pub fn null(name: &str) -> Self {
        FfiError::new(
            brm_result::BRM_ERR_NULL_ARGUMENT,
            format!("argument `{name}` is NULL; pass a valid pointer"),
        )
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        FfiError::new(brm_result::BRM_ERR_INVALID_ARGUMENT, message)
    }
}

impl From<crate::Error> for FfiError {
    fn from(e: crate::Error) -> Self {
        FfiError {
            code: e.kind().into(),
            message: e.to_string(),
        }
    }
}

macro_rules! impl_from_module_error {
    ($($t:ty),*) => {$(
        impl From<$t> for FfiError {
            fn from(e: $t) -> Self { FfiError::from(crate::Error::from(e)) }
        }
    )*};
}
impl_from_module_error!(
    crate::frames::FrameError,
    crate::detect::DetectError,
    crate::scene::SceneError,
    crate::plan::PlanError,
    crate::run::RunError,
    crate::queue::QueueError,
    crate::client::ClientError
);

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

pub(crate) fn set_last_error(message: &str) {
    LAST_ERROR.with(|e| {
        let mut e = e.borrow_mut();
        e.clear();
        e.push_str(message);
    });
}

/// Run an entry point's body: catch panics, record the error message, map to a code.
pub(crate) fn guard<F>(f: F) -> brm_result
where
    F: FnOnce() -> Result<(), FfiError>,
{
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => brm_result::BRM_OK,
        Ok(Err(e)) => {
            set_last_error(&e.message);
            e.code
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            set_last_error(&format!(
                "internal error in libbrm (panic: {what}); the call was abandoned, please report this"
            ));
            brm_result::BRM_ERR_PANIC
        }
    }
}

/// Borrow a NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn arg_str<'a>(p: *const c_char, name: &str) -> Result<&'a str, FfiError> {
    if p.is_null() {
        return Err(FfiError::null(name));
    }
    CStr::from_ptr(p).to_str().map_err(|e| {
        FfiError::new(
            brm_result::BRM_ERR_INVALID_UTF8,
            format!(
                "argument `{name}` is not valid UTF-8 (bad byte at position {}); pass UTF-8 text",
                e.valid_up_to()
            ),
        )
    })
}

/// Borrow a handle argument.
///
/// # Safety
/// `p` must be NULL or a live handle of type `T` from this library.
pub(crate) unsafe fn arg_ref<'a, T>(p: *const T, name: &str) -> Result<&'a T, FfiError> {
    p.as_ref().ok_or_else(|| FfiError::null(name))
}

/// Borrow a mutable handle argument.
///
/// # Safety
/// `p` must be NULL or a live, unaliased handle of type `T` from this library.
pub(crate) unsafe fn arg_mut<'a, T>(p: *mut T, name: &str) -> Result<&'a mut T, FfiError> {
    p.as_mut().ok_or_else(|| FfiError::null(name))
}

/// Check an out-parameter before doing work, so a NULL one fails without side effects.
pub(crate) fn check_out<T>(p: *mut T, name: &str) -> Result<(), FfiError> {
    if p.is_null() {
        Err(FfiError::null(name))
    } else {
        Ok(())
    }
}

/// Write an out-parameter (call only on success, after [`check_out`]).
///
/// # Safety
/// `p` must be non-NULL and valid for writes of `T`.
pub(crate) unsafe fn write_out<T>(p: *mut T, v: T) {
    p.write(v);
}

/// Turn a Rust string into a library-owned C string for `brm_string_free`.
/// Interior NULs (possible in renderer logs) become U+FFFD so nothing is silently cut.
pub(crate) fn to_c_string(s: &str) -> *mut c_char {
    let owned = if s.contains('\0') {
        s.replace('\0', "\u{FFFD}")
    } else {
        s.to_owned()
    };
    match CString::new(owned) {
        Ok(c) => c.into_raw(),
        // Unreachable: NULs were replaced above.
        Err(_) => std::ptr::null_mut(),
    }
}

/// Copy `s` NUL-terminated into a caller buffer of `len` bytes; `needed` (if non-NULL) gets
/// the size including the NUL, on success and on `BRM_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `buf` must be NULL or valid for `len` bytes of writes; `needed` NULL or valid.
pub(crate) unsafe fn copy_to_buffer(
    s: &str,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> Result<(), FfiError> {
    let bytes = s.as_bytes();
    let need = bytes.len() + 1;
    if !needed.is_null() {
        needed.write(need);
    }
    if buf.is_null() || len < need {
        return Err(FfiError::new(
            brm_result::BRM_ERR_BUFFER_TOO_SMALL,
            format!("buffer of {len} bytes is too small: {need} bytes needed (see the needed-size out-parameter)"),
        ));
    }
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf as *mut u8, bytes.len());
    buf.add(bytes.len()).write(0);
    Ok(())
}

/// Copy the calling thread's last error message into `buf` (NUL-terminated).
///
/// `*out_needed` (if not NULL) receives the size the message needs, NUL included, also when
/// the buffer is too small (`BRM_ERR_BUFFER_TOO_SMALL`). Pass `buf = NULL, len = 0` to ask for
/// the size. The message is empty when no call on this thread has failed yet. This function
/// never changes the stored message.
///
/// # Safety
/// `buf` must be NULL or valid for `len` bytes; `out_needed` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn brm_last_error(
    buf: *mut c_char,
    len: usize,
    out_needed: *mut usize,
) -> brm_result {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let msg = LAST_ERROR.with(|e| e.borrow().clone());
        match copy_to_buffer(&msg, buf, len, out_needed) {
            Ok(()) => brm_result::BRM_OK,
            Err(e) => e.code,
        }
    }));
    r.unwrap_or(brm_result::BRM_ERR_PANIC)
}

/// Free a string returned by the library. NULL is a no-op.
///
/// # Safety
/// `s` must be NULL or a string returned by a `brm_` function and not freed before.
#[no_mangle]
pub unsafe extern "C" fn brm_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| drop(CString::from_raw(s))));
}

/// The library version, e.g. "0.1.0". Static storage: do not free.
#[no_mangle]
pub extern "C" fn brm_version() -> *const c_char {
    static VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}

/// The ABI version this library implements; a consumer built against `BRM_ABI_VERSION`
/// should refuse to run when this differs.
#[no_mangle]
pub extern "C" fn brm_abi_version() -> u32 {
    BRM_ABI_VERSION
}

/// Release the library's process-wide resources (cached agent connections, caches). Safe to
/// call more than once; the library stays usable and re-creates what it needs on next use.
/// Call it before unloading a plugin that used brm.
#[no_mangle]
pub extern "C" fn brm_shutdown() {
    let _ = catch_unwind(|| {
        crate::detect::clear_cache();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_catches_panics_and_records_message() {
        let r = guard(|| panic!("boom"));
        assert_eq!(r, brm_result::BRM_ERR_PANIC);
        let mut buf = [0 as c_char; 256];
        let mut need = 0usize;
        let rr = unsafe { brm_last_error(buf.as_mut_ptr(), buf.len(), &mut need) };
        assert_eq!(rr, brm_result::BRM_OK);
        let msg = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
        assert!(msg.contains("boom"), "{msg}");
        assert_eq!(need, msg.len() + 1);
    }

    #[test]
    fn last_error_reports_needed_size_when_too_small() {
        set_last_error("0123456789");
        let mut need = 0usize;
        let mut small = [0 as c_char; 4];
        let r = unsafe { brm_last_error(small.as_mut_ptr(), small.len(), &mut need) };
        assert_eq!(r, brm_result::BRM_ERR_BUFFER_TOO_SMALL);
        assert_eq!(need, 11);
        let r = unsafe { brm_last_error(std::ptr::null_mut(), 0, &mut need) };
        assert_eq!(r, brm_result::BRM_ERR_BUFFER_TOO_SMALL);
    }

    #[test]
    fn arg_str_rejects_null_and_bad_utf8() {
        let e = unsafe { arg_str(std::ptr::null(), "spec") }.unwrap_err();
        assert_eq!(e.code, brm_result::BRM_ERR_NULL_ARGUMENT);
        let bad = b"ab\xffcd\0";
        let e = unsafe { arg_str(bad.as_ptr() as *const c_char, "spec") }.unwrap_err();
        assert_eq!(e.code, brm_result::BRM_ERR_INVALID_UTF8);
        assert!(e.message.contains("position 2"));
    }

    #[test]
    fn version_is_crate_version() {
        let v = unsafe { CStr::from_ptr(brm_version()) }.to_str().unwrap();
        assert_eq!(v, crate::VERSION);
    }
}
