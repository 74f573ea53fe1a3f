//! The programs and scripts a job renders with, resolved from the **job's** environment.
//!
//! Why the job's and not the agent's: studios launch Maya through Rez and similar, so the
//! Maya version, `MAYA_LOCATION`, `PATH` and renderer plug-in paths live in the submitting
//! process's environment, which the job carries (`JobSpec::env`). The agent may have been
//! started from a plain shell, or from another Maya. Two jobs submitted from two Maya
//! environments therefore render side by side, each with its own install.
//!
//! Resolved at submit (errors reach the submitter at once) and checked again when an attempt
//! starts (an install may vanish). A job that carries no environment (a farm task, a test
//! hosting the engine) uses the agent's own detection.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::spec::Method;
use super::PlanError;
use crate::config::{self, Env};
use crate::detect::{DetectOptions, SystemReport};

/// The level-1 script (`mayapy <script> <task.json>`).
pub const CUSTOM_SCRIPT: &str = "brm_render_custom.py";
/// The level-3 script.
pub const BASIC_SCRIPT: &str = "brm_render_basic.py";

/// The render scripts (the mayapy scripts; Blender's setup beside them): `BRM_SCRIPTS_DIR`,
/// else beside the executable (a Maya module's `bin/../scripts`, an install prefix's
/// `share/brm/scripts`), else the source tree. The local engine and a farm node (`brm task
/// run`) both render with them.
pub fn scripts_dir() -> PathBuf {
    if let Some(d) = config::scripts_dir() {
        return d;
    }
    let marker = CUSTOM_SCRIPT;
    if let Ok(exe) = std::env::current_exe() {
        if let Some(bin) = exe.parent() {
            for cand in [
                bin.join("../scripts"),
                bin.join("../share/brm/scripts"),
                bin.join("scripts"),
            ] {
                if cand.join(marker).is_file() {
                    return cand;
                }
            }
        }
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/maya_plugin/scripts"))
}

/// The programs and scripts commands use, and where they came from (for error messages).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Executables {
    pub render: Option<PathBuf>,
    pub mayapy: Option<PathBuf>,
    pub blender: Option<PathBuf>,
    /// Folder of `brm_render_custom.py` and `brm_render_basic.py`.
    pub scripts_dir: PathBuf,
    /// Folder of `brm_blender_setup.py` (in the source tree `scripts/blender`; installed,
    /// `<scripts_dir>/blender`, the default of [`Executables::from_report`]).
    pub blender_scripts_dir: PathBuf,
    /// The Maya install the Maya executables come from, if any (named in errors).
    pub maya_root: Option<PathBuf>,
    /// Its version ("2025"), to warn when the scene was saved by another.
    pub maya_version: Option<String>,
    /// What was searched, in words, for the messages when something is missing (empty: the
    /// generic description).
    pub searched: String,
}

impl Executables {
    /// The first Maya install of the report (the `MAYA_LOCATION` one, else the newest) and its
    /// Blender.
    pub fn from_report(report: &SystemReport, scripts_dir: PathBuf) -> Self {
        Self::for_maya_version(report, scripts_dir, None)
    }

    /// Like [`Executables::from_report`], with the Maya install of `version` ("2024") when it
    /// is installed; else the default install (`MAYA_LOCATION` first, then the newest).
    pub fn for_maya_version(
        report: &SystemReport,
        scripts_dir: PathBuf,
        version: Option<&str>,
    ) -> Self {
        let maya = pick_maya(&report.maya, version);
        Executables {
            render: maya.and_then(|m| m.render.clone()),
            mayapy: maya.and_then(|m| m.mayapy.clone()),
            blender: report.blender.as_ref().map(|b| b.path.clone()),
            blender_scripts_dir: scripts_dir.join("blender"),
            scripts_dir,
            maya_root: maya.map(|m| m.root.clone()),
            maya_version: maya.map(|m| m.version.clone()),
            searched: String::new(),
        }
    }

    /// Resolve from a job's environment `env` (see the module doc); `version` picks among the
    /// Maya installs found there (the one that saved the scene). An empty `env` means the job
    /// carries none: `agent` (the agent's own detection) is used.
    pub fn for_job(
        env: &[(String, String)],
        version: Option<&str>,
        agent: &SystemReport,
        scripts_dir: &Path,
        blender_scripts_dir: &Path,
    ) -> Self {
        let mut exes = if env.is_empty() {
            let mut e = Self::for_maya_version(agent, scripts_dir.to_path_buf(), version);
            e.searched = "the agent's environment (the job carries none)".into();
            e
        } else {
            resolve_in(env, version, scripts_dir)
        };
        exes.blender_scripts_dir = blender_scripts_dir.to_path_buf();
        exes
    }

    /// Whether `level` can start at all: its program (and brm's script) exists. The error
    /// says what was searched and what to install or set.
    pub fn check_level(&self, level: Method) -> Result<(), PlanError> {
        let present = |p: &Option<PathBuf>| p.as_ref().is_some_and(|p| p.is_file());
        match level {
            Method::Auto => Ok(()),
            Method::MayapyCustom | Method::MayapyBasic => {
                if !present(&self.mayapy) {
                    return Err(self.maya_missing("mayapy", level));
                }
                let script = if level == Method::MayapyCustom {
                    CUSTOM_SCRIPT
                } else {
                    BASIC_SCRIPT
                };
                let p = self.scripts_dir.join(script);
                if p.is_file() {
                    Ok(())
                } else {
                    Err(PlanError::MissingScript { path: p })
                }
            }
            Method::Render if present(&self.render) => Ok(()),
            Method::Render => Err(self.maya_missing("Render", level)),
            Method::Blender if present(&self.blender) => Ok(()),
            Method::Blender => Err(self.blender_missing()),
        }
    }

    pub(crate) fn maya_missing(&self, exe: &str, level: Method) -> PlanError {
        let looked = match &self.maya_root {
            Some(root) => format!("the Maya install at {} has no {exe}", root.display()),
            None if !self.searched.is_empty() => format!(
                "no Maya 2022 or later was found in {}; set MAYA_LOCATION to your Maya install in the shell or launcher you submit from",
                self.searched
            ),
            None => "no Maya 2022 or later was found (brm looks in MAYA_LOCATION, the Autodesk install folder, BRM_MAYA_ROOTS and PATH); \
                     set MAYA_LOCATION to your Maya install"
                .to_string(),
        };
        PlanError::MissingExecutable {
            program: exe.to_string(),
            level,
            looked,
        }
    }

    pub(crate) fn blender_missing(&self) -> PlanError {
        PlanError::MissingExecutable {
            program: "blender".into(),
            level: Method::Blender,
            looked: if self.searched.is_empty() {
                "brm looked at BRM_BLENDER, PATH and the usual install folders; put blender on PATH or set BRM_BLENDER".into()
            } else {
                format!(
                    "brm looked in {}; put blender on that PATH or set BRM_BLENDER",
                    self.searched
                )
            },
        }
    }
}

/// The levels that can start, and each level that cannot with why.
pub type UsableLevels = (Vec<Method>, Vec<(Method, PlanError)>);

/// The levels of `levels` that can start with `exes`, and why each other one cannot. When
/// none can, the one error for the whole job: what is missing, where brm looked, what to set.
pub fn usable_levels(
    exes: &Executables,
    levels: &[Method],
    scene: &Path,
) -> Result<UsableLevels, PlanError> {
    let mut usable = Vec::new();
    let mut skipped = Vec::new();
    for &l in levels {
        match exes.check_level(l) {
            Ok(()) => usable.push(l),
            Err(e) => skipped.push((l, e)),
        }
    }
    if !usable.is_empty() {
        return Ok((usable, skipped));
    }
    // One message: the programs missing, then each distinct place looked (the three Maya
    // levels share one "no Maya found").
    let mut programs: Vec<String> = Vec::new();
    let mut looked: Vec<String> = Vec::new();
    for (_, e) in &skipped {
        let (p, l) = match e {
            PlanError::MissingExecutable {
                program, looked, ..
            } => (program.clone(), looked.clone()),
            other => (String::new(), other.to_string()),
        };
        if !p.is_empty() && !programs.contains(&p) {
            programs.push(p);
        }
        if !looked.contains(&l) {
            looked.push(l);
        }
    }
    let reasons = if programs.is_empty() {
        looked.join("; ")
    } else {
        format!(
            "{} not found: {}",
            programs.join(" and "),
            looked.join("; ")
        )
    };
    Err(PlanError::NothingCanRender {
        scene: scene.to_path_buf(),
        reasons,
    })
}

fn pick_maya<'a>(
    installs: &'a [crate::detect::MayaInstall],
    version: Option<&str>,
) -> Option<&'a crate::detect::MayaInstall> {
    let wanted = version.map(|v| v.chars().take(4).collect::<String>());
    wanted
        .as_deref()
        .and_then(|w| installs.iter().find(|m| m.version.starts_with(w)))
        .or(installs.first())
}

/// Detection run over the job's variables only: its `MAYA_LOCATION`, its `BRM_MAYA_ROOTS`
/// (else the Autodesk default folder), its `PATH`, its `BRM_BLENDER`. Never the agent's.
fn resolve_in(env: &[(String, String)], version: Option<&str>, scripts_dir: &Path) -> Executables {
    let job = Env::Job(env);
    let location = job.get("MAYA_LOCATION").map(PathBuf::from);
    let path = job.get("PATH").unwrap_or_default();
    let roots = config::maya_roots(job);
    let opts = DetectOptions {
        maya_roots: roots.clone(),
        path: Some(path.clone()),
        // Some("") = unset: the agent's own MAYA_LOCATION must not stand in for the job's.
        maya_location: Some(location.clone().unwrap_or_default()),
        blender: config::blender(job),
        ..DetectOptions::default()
    };
    let installs = crate::detect::detect_maya_installs(&opts);
    // The job's MAYA_LOCATION is the submitter's explicit choice (what a Rez or launcher
    // environment sets): it wins over the version that saved the scene. Without it, the
    // saved version is preferred among the installs the environment reaches.
    let chosen = installs
        .first()
        .filter(|m| location.is_some() && m.source == "MAYA_LOCATION");
    let maya = chosen.or_else(|| pick_maya(&installs, version));
    let blender = crate::detect::find_blender(&opts);
    Executables {
        render: maya.and_then(|m| m.render.clone()),
        mayapy: maya.and_then(|m| m.mayapy.clone()),
        blender,
        blender_scripts_dir: scripts_dir.join("blender"),
        scripts_dir: scripts_dir.to_path_buf(),
        maya_root: maya.map(|m| m.root.clone()),
        maya_version: maya.map(|m| m.version.clone()),
        searched: describe(location.as_deref(), roots.as_deref(), &path, &opts),
    }
}

/// "the job's environment: MAYA_LOCATION unset, Maya folders /usr/autodesk, PATH /usr/bin:/bin".
fn describe(
    location: Option<&Path>,
    roots: Option<&[PathBuf]>,
    path: &OsString,
    opts: &DetectOptions,
) -> String {
    let location = location
        .map(|l| format!("MAYA_LOCATION={}", l.display()))
        .unwrap_or_else(|| "MAYA_LOCATION unset".into());
    let roots = match roots {
        Some(r) => format!("BRM_MAYA_ROOTS={}", join(r)),
        None => format!(
            "the Autodesk folder {}",
            join(&crate::detect::default_maya_roots())
        ),
    };
    let path = if path.is_empty() {
        "PATH unset".to_string()
    } else {
        format!("PATH={}", path.to_string_lossy())
    };
    let blender = opts
        .blender
        .as_ref()
        .map(|b| format!(", BRM_BLENDER={}", b.display()))
        .unwrap_or_default();
    format!("the job's environment ({location}, {roots}, {path}{blender})")
}

fn join(p: &[PathBuf]) -> String {
    p.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(if cfg!(windows) { ";" } else { ":" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_maya(root: &Path, year: &str) -> PathBuf {
        let bin = root.join(format!("maya{year}")).join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        for exe in ["Render", "mayapy"] {
            std::fs::write(bin.join(exe), "#!/bin/sh\n").unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(bin.join(exe), std::fs::Permissions::from_mode(0o755))
                    .unwrap();
            }
        }
        root.join(format!("maya{year}"))
    }

    fn kv(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn each_job_gets_the_maya_of_its_own_environment() {
        let d = tempfile::tempdir().unwrap();
        let m24 = fake_maya(d.path(), "2024");
        let m25 = fake_maya(d.path(), "2025");
        let empty = d.path().join("no-roots");
        let agent = crate::plan::gpu::tests::report(vec![]);
        let scripts = Path::new("/s");
        for m in [&m24, &m25] {
            let env = vec![
                kv("MAYA_LOCATION", &m.display().to_string()),
                kv("BRM_MAYA_ROOTS", &empty.display().to_string()),
                kv("PATH", "/nonexistent"),
            ];
            let x = Executables::for_job(&env, None, &agent, scripts, scripts);
            assert_eq!(x.render.as_deref(), Some(m.join("bin/Render").as_path()));
            assert_eq!(x.mayapy.as_deref(), Some(m.join("bin/mayapy").as_path()));
            assert!(x.check_level(Method::Render).is_ok());
        }
    }

    #[test]
    fn the_jobs_maya_location_wins_over_the_scenes_version() {
        let d = tempfile::tempdir().unwrap();
        let m24 = fake_maya(d.path(), "2024");
        let m25 = fake_maya(d.path(), "2025");
        let agent = crate::plan::gpu::tests::report(vec![]);
        let s = Path::new("/s");
        let roots = kv("BRM_MAYA_ROOTS", &d.path().display().to_string());
        // Submitted from a 2024 environment, scene saved by 2025: Maya 2024 renders.
        let env = vec![
            roots.clone(),
            kv("MAYA_LOCATION", &m24.display().to_string()),
        ];
        let x = Executables::for_job(&env, Some("2025"), &agent, s, s);
        assert_eq!(x.maya_root.as_deref(), Some(m24.as_path()));
        assert_eq!(x.maya_version.as_deref(), Some("2024"));
        // No MAYA_LOCATION: the version that saved the scene, when reachable.
        let x = Executables::for_job(&[roots], Some("2024"), &agent, s, s);
        assert_eq!(x.maya_root.as_deref(), Some(m24.as_path()));
        let x = Executables::for_job(
            &[kv("BRM_MAYA_ROOTS", &d.path().display().to_string())],
            None,
            &agent,
            s,
            s,
        );
        assert_eq!(
            x.maya_root.as_deref(),
            Some(m25.as_path()),
            "newest by default"
        );
    }

    #[test]
    fn nothing_found_names_the_jobs_variables_and_folders() {
        let d = tempfile::tempdir().unwrap();
        let env = vec![
            kv("BRM_MAYA_ROOTS", &d.path().display().to_string()),
            kv("PATH", "/nonexistent/bin"),
        ];
        let agent = crate::plan::gpu::tests::report(vec![]);
        let x = Executables::for_job(&env, None, &agent, Path::new("/s"), Path::new("/s"));
        let e = x.check_level(Method::Render).unwrap_err().to_string();
        assert!(e.contains("MAYA_LOCATION unset"), "{e}");
        assert!(e.contains(&d.path().display().to_string()), "{e}");
        assert!(e.contains("PATH=/nonexistent/bin"), "{e}");
        assert!(x.check_level(Method::MayapyBasic).is_err());
    }

    #[test]
    fn no_level_at_all_is_one_renderer_unavailable_error() {
        use crate::error::{ErrorKind, Kind};
        use crate::ffi::brm_result;
        let d = tempfile::tempdir().unwrap();
        let env = vec![
            kv("BRM_MAYA_ROOTS", &d.path().display().to_string()),
            kv("PATH", "/nonexistent/bin"),
        ];
        let agent = crate::plan::gpu::tests::report(vec![]);
        let x = Executables::for_job(&env, None, &agent, Path::new("/s"), Path::new("/s"));
        let levels = [Method::MayapyCustom, Method::Render, Method::MayapyBasic];
        let e = usable_levels(&x, &levels, Path::new("/shots/a.ma")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RendererUnavailable);
        assert_eq!(e.kind().exit_code(), 3);
        assert_eq!(
            brm_result::from(e.kind()),
            brm_result::BRM_ERR_RENDERER_UNAVAILABLE
        );
        let text = e.to_string();
        assert_eq!(text.matches("no Maya 2022 or later").count(), 1, "{text}");
        assert!(text.contains("mayapy and Render not found"), "{text}");
    }
}
