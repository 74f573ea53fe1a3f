//! Task → the exact commands that render it, per method level: program, argv (never a shell
//! line: layer names with quotes, spaces or `;$()` are single argv items), and environment
//! (the client's, plus GPU pinning).
//!
//! Levels (DESIGN §3): mayapy + custom script → `Render` → mayapy + basic script for Maya
//! scenes; Blender for `.blend`. The mayapy levels get their work as a task JSON file (data,
//! never code), the command line tools as flags.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::chunk::arithmetic_runs;
use super::exes::{Executables, BASIC_SCRIPT, CUSTOM_SCRIPT};
use super::gpu::{pinning_env, GpuSlot, PINNING_VARS};
use super::spec::{JobSpec, Method};
use super::tasks::Task;
use super::PlanError;
use crate::run::CommandSpec;

/// The Blender setup script (view layer selection, Cycles device), run with `--python`.
pub const BLENDER_SETUP_SCRIPT: &str = "brm_blender_setup.py";
/// The warm Blender session script (issue 13): loads the scene once, renders chunk requests
/// read from stdin. It imports the setup script, so both must be there.
pub const BLENDER_SESSION_SCRIPT: &str = "brm_blender_session.py";

/// The levels to try for a job, in order. `Auto` on a Maya scene is the three-level fallback;
/// on a `.blend`, Blender. An explicit method is the only level.
pub fn levels_for(spec: &JobSpec) -> Vec<Method> {
    match spec.method {
        Method::Auto if spec.is_blend() => vec![Method::Blender],
        Method::Auto => vec![Method::MayapyCustom, Method::Render, Method::MayapyBasic],
        m => vec![m],
    }
}

/// The task file the mayapy scripts read (schema 1, CONTRACTS.md).
#[derive(Debug, Serialize)]
pub struct TaskFile<'a> {
    pub schema: u32,
    pub scene: PathBuf,
    pub project: Option<PathBuf>,
    pub layer: &'a str,
    pub layer_display: &'a str,
    pub frames: &'a [i64],
    pub camera: Option<&'a str>,
    pub renderer: Option<&'a str>,
    pub output_dir: &'a Path,
    pub image_name: &'a str,
    pub padding: u32,
    /// 0 on a GPU slot (the pinned card is device 0 inside the render), null on CPU.
    pub gpu_device: Option<u32>,
    /// From the renderer registry: attribute settings per canonical renderer name for this
    /// slot; the script applies those of the renderer that renders (`crate::renderer`).
    pub renderer_settings: BTreeMap<&'static str, Vec<(&'static str, i64)>>,
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The child's environment: the client's (minus stale pinning), then pinning. With no
/// captured environment (e.g. a farm task), the agent's is inherited and only pinning is set.
fn environment(
    spec: &JobSpec,
    task: &Task,
    slot: &GpuSlot,
    python: bool,
) -> (Vec<(String, String)>, bool) {
    let replaced = |k: &str| {
        PINNING_VARS.iter().any(|v| v.eq_ignore_ascii_case(k))
            || crate::renderer::gpu_env_vars().any(|v| v.eq_ignore_ascii_case(k))
            || (python && k.eq_ignore_ascii_case("PYTHONUNBUFFERED"))
    };
    let mut env: Vec<(String, String)> = spec
        .env
        .iter()
        .filter(|(k, _)| !replaced(k))
        .cloned()
        .collect();
    env.extend(pinning_env(slot));
    for kv in crate::renderer::env_for(task.renderer.as_deref(), slot.is_gpu()) {
        if !env.iter().any(|(k, _)| *k == kv.0) {
            env.push(kv);
        }
    }
    if python {
        env.push(("PYTHONUNBUFFERED".into(), "1".into()));
    }
    (env, !spec.env.is_empty())
}

fn require_script(dir: &Path, name: &str) -> Result<PathBuf, PlanError> {
    let p = dir.join(name);
    if p.is_file() {
        Ok(absolute(&p))
    } else {
        Err(PlanError::MissingScript { path: p })
    }
}

/// `Render -r` value for a renderer name (canonical or alias; see `crate::renderer`).
pub fn render_renderer_flag(renderer: &str) -> String {
    crate::renderer::render_flag(renderer)
}

/// The commands that render `frames` (a subset of `task.frames`, e.g. the remaining ones on a
/// retry) of `task` at `level` on `slot`. Mayapy levels write `<work_dir>/task-<index>.json`.
///
/// - mayapy levels: `mayapy <script> <task.json>`, env + `PYTHONUNBUFFERED=1`.
/// - `Render`: one command per arithmetic run of the frames (ascending: `Render` has no frame
///   list, and one Maya start per run beats one per frame):
///   `Render [-r R] -rl NODE -s S -e E -b STEP -rd DIR -im NAME -pad N [-cam C] [-proj P]
///   [-gpu {0}] SCENE`. `-r` is given when the job overrides the renderer, or when
///   renderer-specific flags need it (Redshift on a GPU slot: `-gpu {0}`, the pinned card).
/// - Blender: `blender -b SCENE [--python setup.py] -o DIR/NAME.#### (-s S -e E -j STEP -a |
///   -f LIST) -- --cycles-device CUDA|CPU [--view-layer NAME]`; the render flag comes last
///   because Blender acts on arguments in order; after `--` the arguments are data for the
///   scripts (Cycles reads `--cycles-device`, brm's setup script `--view-layer`).
pub fn command_for(
    spec: &JobSpec,
    task: &Task,
    frames: &[i64],
    level: Method,
    slot: &GpuSlot,
    exes: &Executables,
    work_dir: &Path,
) -> Result<Vec<CommandSpec>, PlanError> {
    if frames.is_empty() {
        return Err(PlanError::NoFrames {
            why: format!("task {} was given no frames to render", task.index),
        });
    }
    match level {
        Method::Auto => Err(PlanError::InvalidValue {
            what: "method level",
            value: "auto".into(),
            valid:
                "a concrete level from levels_for(): mayapy-custom, render, mayapy-basic, blender"
                    .into(),
        }),
        Method::MayapyCustom | Method::MayapyBasic => {
            let file = work_dir.join(format!("task-{}.json", task.index));
            mayapy_command(spec, task, frames, level, slot, exes, &file).map(|c| vec![c.0])
        }
        Method::Render => render_commands(spec, task, frames, slot, exes),
        Method::Blender => blender_command(spec, task, frames, slot, exes).map(|c| vec![c]),
    }
}

/// The mayapy command and the task file it reads (written to `path`), as JSON.
fn mayapy_command(
    spec: &JobSpec,
    task: &Task,
    frames: &[i64],
    level: Method,
    slot: &GpuSlot,
    exes: &Executables,
    path: &Path,
) -> Result<(CommandSpec, serde_json::Value), PlanError> {
    let mayapy = exes
        .mayapy
        .clone()
        .ok_or_else(|| exes.maya_missing("mayapy", level))?;
    let script = require_script(
        &exes.scripts_dir,
        if level == Method::MayapyCustom {
            CUSTOM_SCRIPT
        } else {
            BASIC_SCRIPT
        },
    )?;
    // The canonical name only (the scripts keep no name table of their own).
    let renderer = spec.renderer.as_deref().map(crate::renderer::canonical);
    let file = TaskFile {
        schema: 1,
        scene: absolute(&spec.scene),
        project: spec.project.as_deref().map(absolute),
        layer: &task.layer,
        layer_display: &task.layer_display,
        frames,
        camera: spec.camera.as_deref(),
        renderer: renderer.as_deref(),
        output_dir: &task.output_dir,
        image_name: &task.image_name,
        padding: task.padding,
        gpu_device: slot.is_gpu().then_some(0),
        renderer_settings: crate::renderer::script_settings(slot.is_gpu()),
    };
    write_task_file(path, &file)?;
    let (env, env_clear) = environment(spec, task, slot, true);
    let cmd = CommandSpec {
        program: mayapy,
        args: vec![arg(&script), arg(&absolute(path))],
        env,
        env_clear,
        cwd: None,
    };
    Ok((cmd, serde_json::to_value(&file).unwrap_or_default()))
}

/// Write the task file whole or not at all (temp file + rename), so a script never reads
/// half a file.
fn write_task_file(path: &Path, file: &TaskFile<'_>) -> Result<(), PlanError> {
    let io = |source: std::io::Error| PlanError::TaskFile {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let json = serde_json::to_vec_pretty(file).map_err(|e| io(std::io::Error::other(e)))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

fn render_commands(
    spec: &JobSpec,
    task: &Task,
    frames: &[i64],
    slot: &GpuSlot,
    exes: &Executables,
) -> Result<Vec<CommandSpec>, PlanError> {
    let render = exes
        .render
        .clone()
        .ok_or_else(|| exes.maya_missing("Render", Method::Render))?;
    let mut sorted = frames.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    // The renderer's own device flags for a pinned GPU (Redshift: `-gpu {0}`), from the
    // registry whatever name the job or scene used for it.
    let known = task.renderer.as_deref().and_then(crate::renderer::lookup);
    let gpu_args = known
        .map(|r| r.render_args(slot.is_gpu()))
        .unwrap_or_default();
    let renderer_flag = match (&spec.renderer, known) {
        (Some(r), _) => Some(render_renderer_flag(r)),
        (None, Some(r)) if !gpu_args.is_empty() => Some(r.render_flag.to_string()),
        _ => None,
    };
    let (env, env_clear) = environment(spec, task, slot, false);
    let scene = arg(&absolute(&spec.scene));
    let mut out = Vec::new();
    for (start, end, step) in arithmetic_runs(&sorted) {
        let mut a: Vec<String> = Vec::new();
        if let Some(r) = &renderer_flag {
            a.extend(["-r".into(), r.clone()]);
        }
        a.extend(["-rl".into(), task.layer.clone()]);
        a.extend([
            "-s".into(),
            start.to_string(),
            "-e".into(),
            end.to_string(),
            "-b".into(),
            step.to_string(),
        ]);
        a.extend([
            "-rd".into(),
            arg(&task.output_dir),
            "-im".into(),
            task.image_name.clone(),
            "-pad".into(),
            task.padding.to_string(),
        ]);
        if let Some(c) = &spec.camera {
            a.extend(["-cam".into(), c.clone()]);
        }
        if let Some(p) = &spec.project {
            a.extend(["-proj".into(), arg(&absolute(p))]);
        }
        a.extend(gpu_args.iter().cloned());
        a.push(scene.clone());
        out.push(CommandSpec {
            program: render.clone(),
            args: a,
            env: env.clone(),
            env_clear,
            cwd: None,
        });
    }
    Ok(out)
}

/// `1,2,3,4,9,11` → `1..4,9,11`: Blender's `-f` list, ranges of 3+ consecutive frames folded.
fn blender_frame_list(frames: &[i64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < frames.len() {
        let mut j = i;
        while j + 1 < frames.len() && frames[j].checked_add(1) == Some(frames[j + 1]) {
            j += 1;
        }
        if j >= i + 2 {
            parts.push(format!("{}..{}", frames[i], frames[j]));
        } else {
            parts.extend(frames[i..=j].iter().map(i64::to_string));
        }
        i = j + 1;
    }
    parts.join(",")
}

fn blender_command(
    spec: &JobSpec,
    task: &Task,
    frames: &[i64],
    slot: &GpuSlot,
    exes: &Executables,
) -> Result<CommandSpec, PlanError> {
    if let Some(&f) = frames.iter().find(|&&f| f < 0) {
        return Err(PlanError::NegativeBlenderFrame { frame: f });
    }
    let blender = exes.blender.clone().ok_or_else(|| exes.blender_missing())?;
    let mut a: Vec<String> = vec!["-b".into(), arg(&absolute(&spec.scene))];
    // A snapshot lives elsewhere than the artist's .blend, so Blender would resolve `//`
    // relative paths (textures, linked libraries) against the wrong folder: the setup script
    // rebases them onto the original scene's folder (passed as data, below).
    let source_dir = spec
        .source_scene
        .as_ref()
        .filter(|src| absolute(src) != absolute(&spec.scene))
        .and_then(|src| absolute(src).parent().map(Path::to_path_buf));
    if !task.layer.is_empty() || source_dir.is_some() {
        let setup = require_script(&exes.blender_scripts_dir, BLENDER_SETUP_SCRIPT)?;
        a.extend(["--python".into(), arg(&setup)]);
    }
    let hashes = "#".repeat(task.padding.max(1) as usize);
    a.extend([
        "-o".into(),
        arg(&task
            .output_dir
            .join(format!("{}.{hashes}", task.image_name))),
    ]);
    let runs = arithmetic_runs(frames);
    match runs.as_slice() {
        [(start, end, step)] if start != end => {
            a.extend([
                "-s".into(),
                start.to_string(),
                "-e".into(),
                end.to_string(),
                "-j".into(),
                step.to_string(),
                "-a".into(),
            ]);
        }
        _ => a.extend(["-f".into(), blender_frame_list(frames)]),
    }
    a.push("--".into());
    a.extend([
        "--cycles-device".into(),
        if matches!(slot, GpuSlot::Gpu { .. }) {
            "CUDA"
        } else {
            "CPU"
        }
        .into(),
    ]);
    if !task.layer.is_empty() {
        a.extend(["--view-layer".into(), task.layer.clone()]);
    }
    if let Some(dir) = &source_dir {
        a.extend(["--source-dir".into(), arg(dir)]);
    }
    let (env, env_clear) = environment(spec, task, slot, true);
    Ok(CommandSpec {
        program: blender,
        args: a,
        env,
        env_clear,
        cwd: None,
    })
}

/// A warm session's command (issue 13) and what makes two sessions interchangeable.
#[derive(Debug, Clone)]
pub struct SessionCommand {
    pub command: CommandSpec,
    /// Arguments that differ between content-identical submits (the snapshot's path, the
    /// job's task file): left out of the session key.
    pub volatile: Vec<String>,
    /// What the session set up from data rather than arguments (the mayapy task file minus
    /// frames and outputs): part of the session key.
    pub setup: String,
}

/// The session command of `task` at `level` on `slot`, or `None` when the level has no
/// session mode (only brm's custom mayapy script and Blender have one).
pub fn session_command(
    spec: &JobSpec,
    task: &Task,
    level: Method,
    slot: &GpuSlot,
    exes: &Executables,
    work_dir: &Path,
) -> Result<Option<SessionCommand>, PlanError> {
    match level {
        Method::Blender => {
            let command = blender_session_command(spec, task, slot, exes)?;
            let volatile = command.args.get(1).cloned().into_iter().collect();
            Ok(Some(SessionCommand {
                command,
                volatile,
                setup: String::new(),
            }))
        }
        Method::MayapyCustom => {
            let path = work_dir.join(format!("session-task-{}.json", task.index));
            let (mut command, file) =
                mayapy_command(spec, task, &task.frames, level, slot, exes, &path)?;
            let mut setup = file;
            if let Some(o) = setup.as_object_mut() {
                for k in ["scene", "frames", "output_dir", "image_name", "padding"] {
                    o.remove(k);
                }
            }
            let volatile = command.args.get(1).cloned().into_iter().collect();
            command.args.insert(1, "--session".into());
            Ok(Some(SessionCommand {
                command,
                volatile,
                setup: setup.to_string(),
            }))
        }
        _ => Ok(None),
    }
}

/// The command of a warm Blender session for `task` on `slot` (issue 13):
/// `blender -b SCENE --python brm_blender_session.py -- --cycles-device D [--view-layer L]
/// [--source-dir DIR]`, the same program, scene, script options and environment as the cold
/// command, minus the output and frame flags: those come with each chunk request.
pub fn blender_session_command(
    spec: &JobSpec,
    task: &Task,
    slot: &GpuSlot,
    exes: &Executables,
) -> Result<CommandSpec, PlanError> {
    let first = task.frames.first().copied().unwrap_or(1).max(0);
    let mut cold = blender_command(spec, task, &[first], slot, exes)?;
    require_script(&exes.blender_scripts_dir, BLENDER_SETUP_SCRIPT)?;
    let session = require_script(&exes.blender_scripts_dir, BLENDER_SESSION_SCRIPT)?;
    let tail = cold
        .args
        .iter()
        .position(|a| a == "--")
        .map(|i| cold.args.split_off(i))
        .unwrap_or_default();
    cold.args.truncate(2); // `-b SCENE`
    cold.args.extend(["--python".into(), arg(&session)]);
    cold.args.extend(tail);
    Ok(cold)
}
