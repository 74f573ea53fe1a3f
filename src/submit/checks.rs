//! Checks a job gets in the client before it is sent: mistakes that are cheap to catch here
//! and costly later (frames sprayed into a system folder, a flag silently ignored).
//!
//! They run where the user's paths still mean what the user meant (the client's working
//! folder) and before anything is snapshotted or queued, so a refusal loses nothing.

use std::path::{Component, Path, PathBuf};

use crate::plan::JobSpec;

/// Folders whose whole tree belongs to the system: no render output goes there.
#[cfg(unix)]
const SYSTEM_TREES: &[&str] = &[
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/sbin",
    "/sys", "/usr",
];

/// Folders that hold other folders: fine below, never as the output folder itself.
#[cfg(unix)]
const SYSTEM_ROOTS: &[&str] = &[
    "/", "/home", "/media", "/mnt", "/opt", "/root", "/run", "/srv", "/var",
];

/// A leading `~` as a shell would expand it (`~` and `~/x`: the user's home folder), for a
/// path that reached brm quoted (`-o '~/x'`, Python, the C ABI) rather than a folder named
/// `~` in the working folder. `~name/x` is refused: write the folder out in full.
pub fn expand_tilde(path: &Path, what: &str) -> crate::Result<PathBuf> {
    let Some(text) = path.to_str() else {
        return Ok(path.to_path_buf());
    };
    let Some(rest) = text.strip_prefix('~') else {
        return Ok(path.to_path_buf());
    };
    let rest = if rest.is_empty() {
        ""
    } else if let Some(r) = rest.strip_prefix('/').or_else(|| rest.strip_prefix('\\')) {
        r
    } else {
        return Err(crate::Error::InvalidArgument(format!(
            "{what} {text}: brm expands only ~ and ~/ (your own home folder); write the \
             folder out in full"
        )));
    };
    match crate::config::home_dir() {
        Some(home) if rest.is_empty() => Ok(home),
        Some(home) => Ok(home.join(rest)),
        None => Err(crate::Error::InvalidArgument(format!(
            "{what} {text}: cannot expand ~ (no home folder is set: HOME is empty); write \
             the folder out in full"
        ))),
    }
}

/// Apply every check to `spec` (output folder already absolute), normalising what needs it.
pub fn check(spec: &mut JobSpec) -> crate::Result<()> {
    if let Some(o) = spec.output_dir.take() {
        spec.output_dir = Some(output_dir(&o)?);
    }
    if spec.is_blend() && spec.camera.is_some() {
        return Err(crate::Error::InvalidArgument(
            "--camera is not supported for .blend scenes: Blender renders the scene's active \
             camera. Set the camera in the .blend (Scene properties > Camera) and submit again \
             without --camera"
                .into(),
        ));
    }
    Ok(())
}

/// The output folder as it will reach the renderer: lexically normalised (`//tmp/x` is
/// `/tmp/x`; Blender reads a leading `//` as "relative to the .blend", which would write into
/// the snapshot folder), refused when it is a system folder or one this user cannot write.
pub fn output_dir(dir: &Path) -> crate::Result<PathBuf> {
    let norm: PathBuf = dir
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    #[cfg(unix)]
    {
        let shown = norm.display();
        let system = SYSTEM_TREES.iter().any(|t| norm.starts_with(t))
            || SYSTEM_ROOTS.iter().any(|r| norm == Path::new(r));
        if system {
            return Err(crate::Error::InvalidArgument(format!(
                "refusing to render into {shown}: it is a system folder. Give --output a \
                 folder of your own, e.g. a shot's render folder"
            )));
        }
        // (A file in the way is left to the render, which reports the frames it could not
        // write; an unwritable folder is refused now.)
        if let Some(existing) = norm.ancestors().find(|a| a.exists()) {
            if existing.is_dir() && !writable(existing) {
                return Err(crate::Error::InvalidArgument(format!(
                    "cannot render into {shown}: {} is not writable by you. Give --output a \
                     folder you can write",
                    existing.display()
                )));
            }
        }
    }
    #[cfg(windows)]
    {
        // A drive root, the Windows folder and the program folders.
        let mut system: Vec<PathBuf> = [
            "SystemRoot",
            "ProgramFiles",
            "ProgramFiles(x86)",
            "ProgramData",
        ]
        .iter()
        .filter_map(|v| std::env::var_os(v).map(PathBuf::from))
        .collect();
        system.retain(|p| !p.as_os_str().is_empty());
        let is_root =
            norm.parent().is_none() || norm.components().count() <= 2 && norm.file_name().is_none();
        if is_root || system.iter().any(|s| norm.starts_with(s)) {
            return Err(crate::Error::InvalidArgument(format!(
                "refusing to render into {}: it is a system folder. Give --output a folder of \
                 your own, e.g. a shot's render folder",
                norm.display()
            )));
        }
    }
    Ok(norm)
}

#[cfg(unix)]
fn writable(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: access reads a NUL-terminated path we own.
    unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn double_slash_and_dots_are_normalised() {
        let t = tempfile::tempdir().unwrap();
        let raw = format!("/{}/./x", t.path().display());
        assert_eq!(output_dir(Path::new(&raw)).unwrap(), t.path().join("x"));
    }

    #[test]
    fn system_folders_are_refused_with_what_to_do() {
        for d in ["/", "/etc", "/etc/brm", "//usr/lib", "/proc/self", "/var"] {
            let e = output_dir(Path::new(d)).unwrap_err().to_string();
            assert!(
                e.contains("system folder") && e.contains("--output"),
                "{d}: {e}"
            );
        }
        output_dir(Path::new("/var/tmp/brm-renders")).unwrap();
    }

    #[test]
    fn camera_is_refused_for_blend_scenes() {
        let mut s = JobSpec::new("/shots/a.blend");
        s.camera = Some("CamB".into());
        let e = check(&mut s).unwrap_err().to_string();
        assert!(e.contains("--camera") && e.contains(".blend"), "{e}");
        let mut m = JobSpec::new("/shots/a.ma");
        m.camera = Some("cam".into());
        check(&mut m).unwrap();
    }
}
