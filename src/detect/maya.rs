//! Maya installs (2022 and later) and their executables.
//!
//! Looked for, in this order: `MAYA_LOCATION` (what a studio launcher such as Rez sets, so it
//! comes first), the install folders (`/usr/autodesk/mayaYYYY`, `C:\Program Files\Autodesk\MayaYYYY`,
//! `/Applications/Autodesk/mayaYYYY`, or `BRM_MAYA_ROOTS`), then `Render`/`mayapy`/`maya` on
//! PATH (symlinks followed to their install root). The same install found twice is reported
//! once (by canonical root). Maya before 2022 is ignored: its Python 2 mayapy cannot run the
//! brm scripts and Autodesk no longer supports it.

use std::cmp::Reverse;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{which, DetectOptions, MayaInstall};

/// Oldest Maya release brm supports.
pub const MIN_MAYA_YEAR: u32 = 2022;

/// The folders Autodesk installs Maya into on this OS.
pub(crate) fn default_roots() -> Vec<PathBuf> {
    if cfg!(windows) {
        let base = std::env::var_os("ProgramFiles")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(r"C:\Program Files"));
        vec![base.join("Autodesk")]
    } else if cfg!(target_os = "macos") {
        vec![PathBuf::from("/Applications/Autodesk")]
    } else {
        vec![PathBuf::from("/usr/autodesk")]
    }
}

/// The release year in an install folder name: "maya2024", "Maya2025", "maya2023-x64" → year.
pub(crate) fn version_from_name(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    let rest = lower.strip_prefix("maya")?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() != 4 {
        return None;
    }
    digits.parse().ok()
}

/// The folder holding the executables: `<root>/bin`, or `<root>/Maya.app/Contents/bin` (macOS).
fn bin_dir(root: &Path) -> Option<PathBuf> {
    [
        root.join("bin"),
        root.join("Maya.app").join("Contents").join("bin"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
}

/// The install root of a `bin` folder (inverse of [`bin_dir`]).
fn root_of_bin(bin: &Path) -> Option<PathBuf> {
    if bin.file_name()? != "bin" {
        return None;
    }
    let parent = bin.parent()?;
    if parent.file_name()? == "Contents"
        && parent
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|n| n == "Maya.app")
    {
        return parent.parent()?.parent().map(Path::to_path_buf);
    }
    Some(parent.to_path_buf())
}

/// `MAYA_LOCATION` may name the root or, on macOS, `<root>/Maya.app/Contents`.
fn normalize_location(loc: &Path) -> PathBuf {
    if loc.file_name().is_some_and(|n| n == "Contents") {
        if let Some(app) = loc
            .parent()
            .filter(|p| p.file_name().is_some_and(|n| n == "Maya.app"))
        {
            if let Some(root) = app.parent() {
                return root.to_path_buf();
            }
        }
    }
    loc.to_path_buf()
}

/// A canonical path without Windows' `\\?\` prefix (kept readable for users and argv).
pub(crate) fn canonical(p: &Path) -> PathBuf {
    match std::fs::canonicalize(p) {
        Ok(c) => {
            #[cfg(windows)]
            {
                let s = c.to_string_lossy();
                if let Some(rest) = s.strip_prefix(r"\\?\") {
                    if !rest.starts_with("UNC\\") {
                        return PathBuf::from(rest);
                    }
                }
            }
            c
        }
        Err(_) => p.to_path_buf(),
    }
}

fn exe_in(bin: &Path, stem: &str) -> Option<PathBuf> {
    let p = bin.join(which::exe_name(stem));
    p.is_file().then_some(p)
}

/// The install at `root`, if it has at least one Maya executable.
fn install_at(root: &Path, source: &str) -> Option<MayaInstall> {
    let root = canonical(root);
    let bin = bin_dir(&root)?;
    let install = MayaInstall {
        version: root
            .file_name()
            .and_then(|n| version_from_name(&n.to_string_lossy()))
            .map(|y| y.to_string())
            .unwrap_or_else(|| "unknown".into()),
        render: exe_in(&bin, "Render"),
        mayapy: exe_in(&bin, "mayapy"),
        maya: exe_in(&bin, "maya"),
        root,
        source: source.into(),
    };
    (install.render.is_some() || install.mayapy.is_some() || install.maya.is_some())
        .then_some(install)
}

fn supported(install: &MayaInstall) -> bool {
    install
        .version
        .parse::<u32>()
        .map(|y| y >= MIN_MAYA_YEAR)
        .unwrap_or(true)
}

/// All supported Maya installs: `MAYA_LOCATION` first, then newest first.
pub(crate) fn detect_maya(opts: &DetectOptions) -> Vec<MayaInstall> {
    let mut found: Vec<MayaInstall> = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut add = |install: Option<MayaInstall>, found: &mut Vec<MayaInstall>| {
        if let Some(i) = install.filter(supported) {
            if seen.insert(i.root.clone()) {
                found.push(i);
            }
        }
    };

    // `Some("")`: unset on purpose (a job's environment without it), so the process's own
    // MAYA_LOCATION must not stand in.
    let location = match &opts.maya_location {
        Some(l) if l.as_os_str().is_empty() => None,
        Some(l) => Some(l.clone()),
        None => std::env::var_os("MAYA_LOCATION")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
    };
    if let Some(loc) = location {
        add(
            install_at(&normalize_location(&loc), "MAYA_LOCATION"),
            &mut found,
        );
    }
    let located = found.len();

    let (roots, source) = match &opts.maya_roots {
        Some(r) => (r.clone(), "BRM_MAYA_ROOTS"),
        None => (default_roots(), "default-root"),
    };
    for root in roots {
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| version_from_name(&e.file_name().to_string_lossy()).is_some())
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            add(install_at(&dir, source), &mut found);
        }
    }

    let path = opts.path_var();
    for stem in ["Render", "mayapy", "maya"] {
        let Some(exe) = which::find_on_path(stem, path.as_deref()) else {
            continue;
        };
        let exe = canonical(&exe);
        let Some(root) = exe.parent().and_then(root_of_bin) else {
            continue;
        };
        if let Some(install) = install_at(&root, "PATH") {
            // A folder with no Maya year in its name must at least look like Maya (mayapy is
            // distinctive; a lone `Render` on PATH could be anything).
            if install.version != "unknown" || install.mayapy.is_some() {
                add(Some(install), &mut found);
            }
        }
    }

    found[located..].sort_by_key(|i| Reverse(i.version.parse::<u32>().unwrap_or(0)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn touch_exe(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "#!/bin/sh\nexit 0\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    fn make_install(root: &Path, mac: bool) {
        let bin = if mac {
            root.join("Maya.app/Contents/bin")
        } else {
            root.join("bin")
        };
        for stem in ["Render", "mayapy", "maya"] {
            touch_exe(&bin.join(which::exe_name(stem)));
        }
    }

    fn opts(roots: Vec<PathBuf>, path: OsString) -> DetectOptions {
        DetectOptions {
            maya_roots: Some(roots),
            path: Some(path),
            maya_location: Some(PathBuf::from("/nonexistent/brm-test/maya")),
            ..Default::default()
        }
    }

    #[test]
    fn version_from_folder_names() {
        assert_eq!(version_from_name("maya2024"), Some(2024));
        assert_eq!(version_from_name("Maya2025"), Some(2025));
        assert_eq!(version_from_name("maya2023-x64"), Some(2023));
        assert_eq!(version_from_name("maya20245"), None);
        assert_eq!(version_from_name("mayaUSD"), None);
        assert_eq!(version_from_name("bifrost"), None);
    }

    #[test]
    fn finds_linux_and_mac_layouts_ignores_old_and_sorts_newest_first() {
        let t = tempfile::tempdir().unwrap();
        make_install(&t.path().join("maya2023"), false);
        make_install(&t.path().join("maya2025"), true);
        make_install(&t.path().join("maya2019"), false);
        std::fs::create_dir_all(t.path().join("maya2024")).unwrap(); // empty leftover: ignored
        std::fs::create_dir_all(t.path().join("other/bin")).unwrap();
        let found = detect_maya(&opts(vec![t.path().to_path_buf()], OsString::new()));
        let versions: Vec<&str> = found.iter().map(|i| i.version.as_str()).collect();
        assert_eq!(versions, ["2025", "2023"]);
        let root = canonical(t.path());
        assert_eq!(found[0].root, root.join("maya2025"));
        assert_eq!(
            found[0].mayapy,
            Some(
                root.join("maya2025/Maya.app/Contents/bin")
                    .join(which::exe_name("mayapy"))
            )
        );
        assert_eq!(
            found[1].render,
            Some(root.join("maya2023/bin").join(which::exe_name("Render")))
        );
        assert_eq!(found[1].source, "BRM_MAYA_ROOTS");
    }

    #[test]
    fn maya_location_comes_first_and_dedups() {
        let t = tempfile::tempdir().unwrap();
        make_install(&t.path().join("maya2023"), false);
        make_install(&t.path().join("maya2026"), false);
        let mut o = opts(vec![t.path().to_path_buf()], OsString::new());
        o.maya_location = Some(t.path().join("maya2023"));
        let found = detect_maya(&o);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].version, "2023");
        assert_eq!(found[0].source, "MAYA_LOCATION");
        assert_eq!(found[1].version, "2026");
    }

    #[test]
    fn mac_maya_location_contents_folder() {
        let t = tempfile::tempdir().unwrap();
        make_install(&t.path().join("maya2024"), true);
        let mut o = opts(vec![], OsString::new());
        o.maya_location = Some(t.path().join("maya2024/Maya.app/Contents"));
        let found = detect_maya(&o);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].version, "2024");
        assert_eq!(found[0].root, canonical(&t.path().join("maya2024")));
    }

    #[cfg(unix)]
    #[test]
    fn path_symlink_resolves_to_install_root_once() {
        let t = tempfile::tempdir().unwrap();
        let install = t.path().join("autodesk/maya2024");
        make_install(&install, false);
        let bin = t.path().join("usrbin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(install.join("bin/maya"), bin.join("maya")).unwrap();
        std::os::unix::fs::symlink(install.join("bin/Render"), bin.join("Render")).unwrap();
        // A lone unrelated `Render` elsewhere on PATH is not Maya.
        touch_exe(&t.path().join("junk/bin/Render"));
        let path = std::env::join_paths([t.path().join("junk/bin"), bin]).unwrap();
        let found = detect_maya(&opts(vec![], path));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].version, "2024");
        assert_eq!(found[0].source, "PATH");
        assert_eq!(found[0].root, canonical(&install));
    }
}
