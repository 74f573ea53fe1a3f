//! C ABI for scenes: inspection (as JSON, the document `brm scene inspect --json` prints) and
//! snapshot paths for the Maya plugin, which exports the open scene (`MFileIO::exportAll`) to
//! a path brm hands out rather than choosing one itself (unique, per-user 0700 directory,
//! covered by retention).

use std::ffi::c_char;
use std::path::Path;

use super::{arg_str, brm_result, check_out, guard, to_c_string, write_out, FfiError};
use crate::paths::Paths;
use crate::scene::{self, SnapshotStore};

/// The longest scene path accepted (Windows extended paths reach 32,767 UTF-16 units; Linux
/// allows 4,096 bytes).
const MAX_PATH_BYTES: usize = 32 * 1024;

/// Inspect a scene file (`.ma` fully, `.mb` best effort, `.blend` through Blender itself:
/// frames, engine, camera and view layers, cached by content) and return its
/// description as JSON: `{"schema":1,"path":…,"format":"ma","renderer":…,"start_frame":…,
/// "end_frame":…,"by_frame":…,"animation":…,"image_prefix":…,"layers":[{"name","node",
/// "renderable","start_frame","end_frame","from_reference"}],"required_plugins":[{"name",
/// "version","node_types"}],"cameras":[…],"warnings":[…]}`. Free with `brm_string_free`.
///
/// # Safety
/// `path` must be NULL (→ error) or a NUL-terminated string; `out` NULL (→ error) or valid
/// for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn brm_scene_inspect_json(
    path: *const c_char,
    out: *mut *mut c_char,
) -> brm_result {
    guard(|| {
        let path = arg_str(path, "path")?;
        check_out(out, "out")?;
        if path.is_empty() {
            return Err(FfiError::invalid(
                "argument `path` is empty; pass the scene file's path",
            ));
        }
        if path.len() > MAX_PATH_BYTES {
            // Errors quote the path: never one that grows with the caller's input.
            return Err(FfiError::invalid(format!(
                "argument `path` is {} bytes long, more than any file system allows ({MAX_PATH_BYTES}); \
                 pass the scene file's path (it starts \"{}\")",
                path.len(),
                crate::text::escape_controls(&crate::text::cap_echo(path, 64))
            )));
        }
        let info = crate::submit::scene::inspect(Path::new(path), &Paths::from_env())?;
        write_out(out, to_c_string(&scene::to_json(&info)));
        Ok(())
    })
}

/// A new, unique snapshot path for a scene called `scene_name` (file name or path, e.g.
/// "shot010.ma"; no extension means `.ma`), in the per-user snapshot directory (created with
/// mode 0700; `BRM_SNAPSHOT_DIR` or `BRM_HOME` move it). The file is created empty so no one
/// else gets the same path; export the scene over it. Free with `brm_string_free`.
///
/// # Safety
/// `scene_name` must be NULL (→ error) or a NUL-terminated string; `out` NULL (→ error) or
/// valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn brm_scene_snapshot_path(
    scene_name: *const c_char,
    out: *mut *mut c_char,
) -> brm_result {
    guard(|| {
        let name = arg_str(scene_name, "scene_name")?;
        check_out(out, "out")?;
        let store = SnapshotStore::new(Paths::from_env().snapshots);
        let path = store.reserve_path(name)?;
        let text = path.to_str().ok_or_else(|| {
            FfiError::invalid(format!(
                "the snapshot path {} is not valid UTF-8; set BRM_SNAPSHOT_DIR to a UTF-8 directory",
                path.display()
            ))
        })?;
        write_out(out, to_c_string(text));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::{brm_last_error, brm_string_free};
    use super::*;
    use std::ffi::{CStr, CString};

    fn last_error() -> String {
        let mut buf = [0 as c_char; 1024];
        let mut need = 0usize;
        unsafe { brm_last_error(buf.as_mut_ptr(), buf.len(), &mut need) };
        unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    fn take(p: *mut c_char) -> String {
        let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string();
        unsafe { brm_string_free(p) };
        s
    }

    #[test]
    fn inspect_json_of_a_real_scene() {
        let path = CString::new(
            crate::scene::testdata("layers__layers.ma")
                .to_str()
                .unwrap(),
        )
        .unwrap();
        let mut out: *mut c_char = std::ptr::null_mut();
        let r = unsafe { brm_scene_inspect_json(path.as_ptr(), &mut out) };
        assert_eq!(r, brm_result::BRM_OK, "{}", last_error());
        let v: serde_json::Value = serde_json::from_str(&take(out)).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["renderer"], "arnold");
        assert_eq!(v["layers"][0]["name"], "masterLayer");
        assert_eq!(v["layers"][2]["start_frame"], 20.0);
    }

    #[test]
    fn inspect_rejects_null_bad_utf8_missing_and_empty() {
        let mut out: *mut c_char = std::ptr::null_mut();
        let r = unsafe { brm_scene_inspect_json(std::ptr::null(), &mut out) };
        assert_eq!(r, brm_result::BRM_ERR_NULL_ARGUMENT);
        assert!(out.is_null());
        let bad = b"/tmp/\xff.ma\0";
        let r = unsafe { brm_scene_inspect_json(bad.as_ptr() as *const c_char, &mut out) };
        assert_eq!(r, brm_result::BRM_ERR_INVALID_UTF8);
        let p = CString::new("/nonexistent/shot.ma").unwrap();
        let r = unsafe { brm_scene_inspect_json(p.as_ptr(), &mut out) };
        assert_eq!(r, brm_result::BRM_ERR_NOT_FOUND);
        assert!(last_error().contains("does not exist"), "{}", last_error());
        let r = unsafe { brm_scene_inspect_json(p.as_ptr(), std::ptr::null_mut()) };
        assert_eq!(r, brm_result::BRM_ERR_NULL_ARGUMENT);
        let e = CString::new("").unwrap();
        let r = unsafe { brm_scene_inspect_json(e.as_ptr(), &mut out) };
        assert_eq!(r, brm_result::BRM_ERR_INVALID_ARGUMENT);
        assert!(out.is_null());
    }

    #[test]
    fn inspect_huge_path_is_an_error_not_a_crash() {
        let p = CString::new("a".repeat(1 << 20) + ".ma").unwrap();
        let mut out: *mut c_char = std::ptr::null_mut();
        let r = unsafe { brm_scene_inspect_json(p.as_ptr(), &mut out) };
        assert_ne!(r, brm_result::BRM_OK);
        assert_ne!(r, brm_result::BRM_ERR_PANIC);
        assert!(out.is_null());
    }

    #[test]
    fn inspect_huge_path_error_does_not_echo_it_whole() {
        // Issue 9: a 100 MB path used to give a 100 MB error message. 8 MB is enough to show it.
        let p = CString::new("b".repeat(8 << 20) + ".ma").unwrap();
        let mut out: *mut c_char = std::ptr::null_mut();
        let r = unsafe { brm_scene_inspect_json(p.as_ptr(), &mut out) };
        assert_eq!(r, brm_result::BRM_ERR_INVALID_ARGUMENT);
        let mut need = 0usize;
        unsafe { brm_last_error(std::ptr::null_mut(), 0, &mut need) };
        assert!(need < 1024, "error message of {need} bytes");
        assert!(last_error().contains("bytes long"), "{}", last_error());
    }

    #[test]
    fn snapshot_path_rejects_null_and_bad_names() {
        let mut out: *mut c_char = std::ptr::null_mut();
        let r = unsafe { brm_scene_snapshot_path(std::ptr::null(), &mut out) };
        assert_eq!(r, brm_result::BRM_ERR_NULL_ARGUMENT);
        let bad = b"\xfe\xff.ma\0";
        let r = unsafe { brm_scene_snapshot_path(bad.as_ptr() as *const c_char, &mut out) };
        assert_eq!(r, brm_result::BRM_ERR_INVALID_UTF8);
        let txt = CString::new("notes.txt").unwrap();
        let r = unsafe { brm_scene_snapshot_path(txt.as_ptr(), &mut out) };
        assert_eq!(r, brm_result::BRM_ERR_INVALID_ARGUMENT);
        assert!(
            last_error().contains(".ma, .mb or .blend"),
            "{}",
            last_error()
        );
        let name = CString::new("shot.ma").unwrap();
        let r = unsafe { brm_scene_snapshot_path(name.as_ptr(), std::ptr::null_mut()) };
        assert_eq!(r, brm_result::BRM_ERR_NULL_ARGUMENT);
        assert!(out.is_null());
    }

    /// Uses the real per-user snapshot directory (whatever BRM_HOME / BRM_SNAPSHOT_DIR say;
    /// the environment is not changed here) and removes what it created.
    #[test]
    fn snapshot_path_is_unique_and_in_the_snapshot_dir() {
        let expected_dir = Paths::from_env().snapshots;
        let name = CString::new("/proj/scenes/shot010.mb").unwrap();
        let mut a: *mut c_char = std::ptr::null_mut();
        let mut b: *mut c_char = std::ptr::null_mut();
        assert_eq!(
            unsafe { brm_scene_snapshot_path(name.as_ptr(), &mut a) },
            brm_result::BRM_OK,
            "{}",
            last_error()
        );
        assert_eq!(
            unsafe { brm_scene_snapshot_path(name.as_ptr(), &mut b) },
            brm_result::BRM_OK
        );
        let (a, b) = (take(a), take(b));
        assert_ne!(a, b);
        for p in [&a, &b] {
            let p = Path::new(p);
            assert_eq!(p.parent().unwrap(), expected_dir);
            assert!(p.is_file());
            assert!(p
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("shot010-"));
            assert_eq!(p.extension().unwrap(), "mb");
            std::fs::remove_file(p).unwrap();
        }
    }
}
