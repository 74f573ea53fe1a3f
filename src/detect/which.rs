//! Find an executable on a PATH-style list, the way a shell would (without using one).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The file name of executable `stem` on this OS (`Render` → `Render.exe` on Windows).
pub(crate) fn exe_name(stem: &str) -> String {
    if cfg!(windows) {
        format!("{stem}.exe")
    } else {
        stem.to_string()
    }
}

/// Whether `p` is a file this user may execute.
pub(crate) fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// First executable `stem` (with `.exe` on Windows) in the directories of `path`.
pub(crate) fn find_on_path(stem: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    let path = path?;
    let name = exe_name(stem);
    std::env::split_paths(path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(&name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn finds_only_executables_in_order() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        std::fs::write(a.path().join("tool"), "not executable").unwrap();
        std::fs::write(b.path().join("tool"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(
            b.path().join("tool"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let path = std::env::join_paths([a.path(), b.path()]).unwrap();
        assert_eq!(
            find_on_path("tool", Some(&path)),
            Some(b.path().join("tool"))
        );
        assert_eq!(find_on_path("other", Some(&path)), None);
        assert_eq!(find_on_path("tool", None), None);
    }
}
