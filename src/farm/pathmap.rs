//! Paths a farm node can read: the shared scene copy, refusing brm's per-user folders, and
//! path mapping between the submitter's and the nodes' mounts.
//!
//! A node cannot read the workstation's snapshot folder or brm's state folder (per user,
//! 0700, often on local disk), so a farm submit copies the scene into a shared folder and
//! refuses scenes or outputs inside those folders. `/tmp` and the like are usually local
//! too, but a one-node farm sees them: a warning, not an error.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::FarmError;
use crate::paths::Paths;

/// One mapping rule: a path starting with `from` (on the submitter) starts with `to` on the
/// nodes, e.g. `Z:\projects` → `/mnt/projects`. Separators are normalised to `to`'s style.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathRule {
    pub from: String,
    pub to: String,
}

impl PathRule {
    /// Parse `FROM=TO` (the `--path-map` flag and `BRM_FARM_PATH_MAP`, rules separated by `;`).
    pub fn parse(s: &str) -> Result<PathRule, FarmError> {
        match s.split_once('=') {
            Some((f, t)) if !f.trim().is_empty() && !t.trim().is_empty() => Ok(PathRule {
                from: f.trim().to_string(),
                to: t.trim().to_string(),
            }),
            _ => Err(FarmError::Invalid(format!(
                "path mapping {s:?} is not FROM=TO; e.g. --path-map 'Z:\\projects=/mnt/projects'"
            ))),
        }
    }

    /// Whether `from` is a Windows path (drive letter or UNC): matched case-insensitively
    /// with either slash.
    pub fn from_is_windows(&self) -> bool {
        is_windows_path(&self.from)
    }

    /// The OpenJD path-mapping source OS for `from` ("windows" or "posix").
    pub fn source_os(&self) -> &'static str {
        if self.from_is_windows() {
            "windows"
        } else {
            "posix"
        }
    }
}

fn is_windows_path(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':') || s.starts_with("\\\\")
}

/// Apply the first matching rule to `path` (a string: it may be a Windows path on Linux).
pub fn map_path(rules: &[PathRule], path: &str) -> String {
    for r in rules {
        let win = r.from_is_windows();
        let norm = |s: &str| {
            if win {
                s.replace('\\', "/").to_ascii_lowercase()
            } else {
                s.to_string()
            }
        };
        let (p, f) = (norm(path), norm(r.from.trim_end_matches(['/', '\\'])));
        if p == f || p.starts_with(&format!("{f}/")) {
            let rest = &path[f.len()..];
            let to_win = is_windows_path(&r.to);
            let rest = if to_win {
                rest.replace('/', "\\")
            } else {
                rest.replace('\\', "/")
            };
            return format!("{}{}", r.to.trim_end_matches(['/', '\\']), rest);
        }
    }
    path.to_string()
}

/// Refuse `path` when it lies in one of brm's per-user folders (snapshots, state, runtime);
/// `Ok(Some(warning))` when it is in a usually-local place such as `/tmp`.
pub fn check_shared(
    what: &'static str,
    path: &Path,
    paths: &Paths,
) -> Result<Option<String>, FarmError> {
    let abs = absolute(path);
    for (folder, hint) in [
        (
            &paths.snapshots,
            "submit the artist's own scene (brm copies it to the shared scene folder)",
        ),
        (
            &paths.state,
            "give --output a folder on shared storage every node mounts",
        ),
        (&paths.runtime, "use a folder on shared storage"),
    ] {
        let f = absolute(folder);
        if abs.starts_with(&f) {
            return Err(FarmError::PrivatePath {
                what,
                path: abs,
                folder: f,
                hint,
            });
        }
    }
    let local = [
        absolute(&std::env::temp_dir()),
        PathBuf::from("/tmp"),
        PathBuf::from("/var/tmp"),
    ];
    if local.iter().any(|l| abs.starts_with(l)) {
        return Ok(Some(format!(
            "{what} {} is in a folder that is usually local to this machine; farm nodes other than this one will not see it",
            abs.display()
        )));
    }
    Ok(None)
}

pub(crate) fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Copy the artist's scene into `dir` (created), keeping its file name; the artist's file
/// is only read. Returns the copy's path.
pub fn copy_scene(scene: &Path, dir: &Path) -> Result<PathBuf, FarmError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| FarmError::io("cannot create the shared scene folder", dir, e))?;
    let name = scene
        .file_name()
        .ok_or_else(|| FarmError::Invalid(format!("{} has no file name", scene.display())))?;
    let dest = dir.join(name);
    std::fs::copy(scene, &dest)
        .map_err(|e| FarmError::io("cannot copy the scene to the shared folder", &dest, e))?;
    Ok(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_drive_maps_to_a_linux_mount() {
        let rules = vec![PathRule::parse("Z:\\projects=/mnt/projects").unwrap()];
        assert_eq!(
            map_path(&rules, "z:/Projects/shot/a.ma"),
            "/mnt/projects/shot/a.ma"
        );
        assert_eq!(
            map_path(&rules, "Z:\\projects\\shot\\a.ma"),
            "/mnt/projects/shot/a.ma"
        );
        assert_eq!(map_path(&rules, "/other/a.ma"), "/other/a.ma");
        // A prefix of a longer folder name is not a match.
        assert_eq!(
            map_path(&rules, "Z:\\projects2\\a.ma"),
            "Z:\\projects2\\a.ma"
        );
    }

    #[test]
    fn linux_to_windows_uses_backslashes() {
        let rules = vec![PathRule::parse("/mnt/p=P:\\").unwrap()];
        assert_eq!(map_path(&rules, "/mnt/p/s/a.ma"), "P:\\s\\a.ma");
    }

    #[test]
    fn bad_rule_says_the_form() {
        let e = PathRule::parse("nothing").unwrap_err().to_string();
        assert!(e.contains("FROM=TO"), "{e}");
    }

    #[test]
    fn per_user_folders_are_refused_tmp_warns() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::under(home.path());
        let e = check_shared("scene", &paths.snapshots.join("a.ma"), &paths).unwrap_err();
        assert!(e.to_string().contains("no farm node can read"), "{e}");
        // The system temp folder: /tmp here, %TEMP% on Windows (where "/tmp" is no such place).
        let w = check_shared(
            "output",
            &std::env::temp_dir().join("x"),
            &Paths::under(Path::new("/nonexistent-brm")),
        )
        .unwrap();
        assert!(w.unwrap().contains("usually local"));
        assert!(check_shared(
            "output",
            Path::new("/mnt/shared/x"),
            &Paths::under(Path::new("/nonexistent-brm"))
        )
        .unwrap()
        .is_none());
    }
}
