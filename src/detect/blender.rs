//! Blender: `BRM_BLENDER`, else `blender` on PATH, else the usual install folders; version from
//! `blender --version` (first line "Blender 4.2.1"), run with a time limit so a Blender that
//! hangs (missing GL, a dialog) only costs its version, never detection itself.

use std::path::{Path, PathBuf};

use super::{exec, which, BlenderInstall, DetectError, DetectOptions};

pub(crate) fn detect_blender(opts: &DetectOptions) -> Option<BlenderInstall> {
    let path = find_blender(opts)?;
    let version = exec::run_with_timeout(&path, &["--version"], opts.timeout())
        .ok()
        .and_then(|out| parse_version(&out.stdout));
    Some(BlenderInstall { path, version })
}

/// The Blender executable `opts` points at, without running it (cheap enough for every
/// submit and attempt start).
pub fn find_blender(opts: &DetectOptions) -> Option<PathBuf> {
    match &opts.blender {
        Some(p) => p.is_file().then(|| p.clone()),
        None => which::find_on_path("blender", opts.path_var().as_deref()).or_else(well_known),
    }
}

/// "Blender 4.2.1 LTS" → "4.2.1". Blender may print warnings before its banner, so the first
/// line starting with "Blender " is used.
pub(crate) fn parse_version(stdout: &str) -> Option<String> {
    stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Blender "))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string)
}

/// Standard install locations when Blender is not on PATH (macOS app bundle; the newest
/// `Blender Foundation\Blender X.Y` on Windows).
fn well_known() -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        let p = PathBuf::from("/Applications/Blender.app/Contents/MacOS/Blender");
        return p.is_file().then_some(p);
    }
    if cfg!(windows) {
        let base = std::env::var_os("ProgramFiles")
            .map(PathBuf::from)?
            .join("Blender Foundation");
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        dirs.sort_by_key(|d| version_key(d));
        return dirs
            .into_iter()
            .rev()
            .map(|d| d.join("blender.exe"))
            .find(|p| p.is_file());
    }
    None
}

/// Sort key for "Blender 3.6" < "Blender 4.10".
fn version_key(dir: &Path) -> Vec<u32> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.rsplit(' ')
        .next()
        .unwrap_or("")
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Ask Blender for a `.blend` scene's frame range (start, end, step), for jobs that give no
/// frames: brm must know every frame to expect, so it cannot just pass `-a`. The scene path
/// travels as an argument after `--`, never inside the Python expression.
pub fn blend_frame_range(
    blender: &Path,
    scene: &Path,
    timeout: std::time::Duration,
) -> Result<(i64, i64, i64), DetectError> {
    let expr = "import bpy; s = bpy.context.scene; print('BRM_RANGE', s.frame_start, s.frame_end, s.frame_step)";
    let scene_s = scene.to_string_lossy();
    let out = super::exec::run_with_timeout(
        blender,
        &["-b", scene_s.as_ref(), "--python-expr", expr],
        timeout,
    )?;
    let line = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("BRM_RANGE "));
    let nums: Vec<i64> = line
        .map(|l| {
            l.split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    match nums.as_slice() {
        [s, e, st] => Ok((*s, *e, (*st).max(1))),
        _ => Err(DetectError::Parse {
            program: blender.display().to_string(),
            message: format!(
                "it did not report the frame range of {} ({}); give the frames with --frames",
                scene.display(),
                out.stderr.lines().last().unwrap_or(out.status.as_str())
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_from_banner() {
        assert_eq!(
            parse_version("Blender 3.4.1\n\tbuild date: 2022-12-20\n"),
            Some("3.4.1".into())
        );
        assert_eq!(
            parse_version("Color management: warning\nBlender 4.2.1 LTS\n"),
            Some("4.2.1".into())
        );
        assert_eq!(parse_version("nothing here\n"), None);
        assert_eq!(parse_version(""), None);
    }

    #[test]
    fn version_key_orders_numerically() {
        assert!(version_key(Path::new("Blender 3.6")) < version_key(Path::new("Blender 4.10")));
        assert!(version_key(Path::new("Blender 4.2")) < version_key(Path::new("Blender 4.10")));
    }

    #[cfg(unix)]
    #[test]
    fn hung_blender_still_detected_without_version() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let b = dir.path().join("blender");
        std::fs::write(&b, "#!/bin/sh\nexec sleep 30\n").unwrap();
        std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o755)).unwrap();
        let opts = DetectOptions {
            blender: Some(b.clone()),
            command_timeout: Some(std::time::Duration::from_millis(300)),
            ..Default::default()
        };
        let found = detect_blender(&opts).unwrap();
        assert_eq!(found.path, b);
        assert_eq!(found.version, None);
    }

    #[cfg(unix)]
    #[test]
    fn blender_on_path_with_version() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let b = dir.path().join("blender");
        std::fs::write(
            &b,
            "#!/bin/sh\n[ \"$1\" = --version ] && echo 'Blender 3.4.1' && echo '\tbuild date: x'\n",
        )
        .unwrap();
        std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o755)).unwrap();
        let opts = DetectOptions {
            path: Some(dir.path().as_os_str().to_owned()),
            ..Default::default()
        };
        let found = detect_blender(&opts).unwrap();
        assert_eq!(found.path, b);
        assert_eq!(found.version.as_deref(), Some("3.4.1"));
    }
}
