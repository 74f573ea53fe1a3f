//! Job → tasks: which layers, which frames, in which chunks, written where and under which
//! names.
//!
//! brm decides every output name itself (DESIGN §3) so it knows each file to expect and can
//! verify and re-render missing frames: the image pattern (the user's, else the scene's own
//! prefix, else `<RenderLayer>/<Scene>`) is resolved here, token by token, into a folder under
//! the output root and an image name; renders are then told exactly that.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::chunk::{auto_chunk_size, chunk, interleave};
use super::spec::{JobSpec, Method, Order};
use super::PlanError;
use crate::frames::FrameSet;
use crate::scene::{LayerInfo, SceneFormat, SceneInfo, DEFAULT_RENDER_LAYER, MASTER_LAYER};

/// Frame-number digits in file names (`shot010.0007.exr`).
pub const DEFAULT_PADDING: u32 = 4;

/// The pattern used when neither the user nor the scene gives one.
pub const DEFAULT_IMAGE_PATTERN: &str = "<RenderLayer>/<Scene>";

/// One unit of work: one layer, one chunk of frames, one process (per arithmetic run for
/// `Render`) on one slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Position in the job's task list (0-based; also names the task file `task-<index>.json`).
    pub index: usize,
    /// The layer node as `Render -rl` takes it (`rs_beauty`, `defaultRenderLayer`); for
    /// Blender the view layer name, "" = the scene's view layers as set up in the file.
    pub layer: String,
    /// The name users see (Render Setup name, `masterLayer` for the default layer).
    pub layer_display: String,
    /// Frames in render order.
    pub frames: Vec<i64>,
    /// Absolute folder the images go to (includes the layer subfolder).
    pub output_dir: PathBuf,
    /// File name prefix: files are `<image_name>.<frame padded>.<ext>`.
    pub image_name: String,
    pub padding: u32,
    /// The renderer that will run: the job's override, else the scene's (None = unknown).
    /// Chooses renderer-specific flags and the progress parser.
    #[serde(default)]
    pub renderer: Option<String>,
}

/// The file name prefix of `frame`'s images: `"<image_name>.<frame padded>."`; any extension
/// (and AOV suffixes after it) may follow.
pub fn expected_file_prefix(task: &Task, frame: i64) -> String {
    format!("{}.{}.", task.image_name, pad_frame(frame, task.padding))
}

/// `7` → `0007` at padding 4; negative frames keep their sign in front (`-007`), as Maya does.
pub fn pad_frame(frame: i64, padding: u32) -> String {
    format!("{:0width$}", frame, width = padding as usize)
}

/// A layer to render: its node (argv) and display name, and the scene's record of it.
struct LayerChoice<'a> {
    node: String,
    display: String,
    info: Option<&'a LayerInfo>,
}

fn layer_list(scene: &SceneInfo) -> String {
    if scene.layers.is_empty() {
        return "none found".into();
    }
    scene
        .layers
        .iter()
        .map(|l| {
            let mut s = if l.name == l.node {
                l.name.clone()
            } else {
                format!("{} ({})", l.name, l.node)
            };
            if !l.renderable {
                s.push_str(" [not renderable]");
            }
            if l.from_reference {
                s.push_str(" [from reference]");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A layer named without scene information: the default layer has two names; others are
/// passed on as given (the mayapy scripts resolve Render Setup names and node names alike).
fn layer_by_name(name: &str) -> LayerChoice<'static> {
    if name == MASTER_LAYER || name == DEFAULT_RENDER_LAYER {
        LayerChoice {
            node: DEFAULT_RENDER_LAYER.into(),
            display: MASTER_LAYER.into(),
            info: None,
        }
    } else {
        LayerChoice {
            node: name.into(),
            display: name.into(),
            info: None,
        }
    }
}

fn resolve_layers<'a>(
    spec: &JobSpec,
    scene: Option<&'a SceneInfo>,
    blend: bool,
) -> Result<Vec<LayerChoice<'a>>, PlanError> {
    let mut out: Vec<LayerChoice<'a>> = Vec::new();
    let known = scene.filter(|s| !s.layers.is_empty());
    if spec.layers.is_empty() {
        if blend {
            // Blender renders the view layers enabled in the file.
            return Ok(vec![LayerChoice {
                node: String::new(),
                display: String::new(),
                info: None,
            }]);
        }
        match known {
            None => out.push(layer_by_name(MASTER_LAYER)),
            Some(s) => {
                out.extend(s.renderable_layers().map(|l| LayerChoice {
                    node: l.node.clone(),
                    display: l.name.clone(),
                    info: Some(l),
                }));
                if out.is_empty() {
                    return Err(PlanError::NoRenderableLayers {
                        scene: s.path.clone(),
                        layers: layer_list(s),
                    });
                }
            }
        }
        return Ok(out);
    }
    for name in &spec.layers {
        let choice = match known {
            None if blend => LayerChoice {
                node: name.clone(),
                display: name.clone(),
                info: None,
            },
            None => layer_by_name(name),
            Some(s) => match s.find_layer(name) {
                Some(l) => LayerChoice {
                    node: l.node.clone(),
                    display: l.name.clone(),
                    info: Some(l),
                },
                None => {
                    return Err(PlanError::UnknownLayer {
                        layer: name.clone(),
                        scene: s.path.clone(),
                        layers: layer_list(s),
                    })
                }
            },
        };
        if !out.iter().any(|c| c.node == choice.node) {
            out.push(choice);
        }
    }
    Ok(out)
}

fn round_frame(v: f64, what: &str) -> Result<i64, PlanError> {
    if !v.is_finite() || v.abs() > 1e15 {
        return Err(PlanError::BadSceneRange {
            message: format!("the scene's {what} {v} is not a usable frame number"),
        });
    }
    Ok(v.round() as i64)
}

/// The frames of one layer, in the user's order (or ascending for the scene's range).
fn resolve_frames(
    spec: &JobSpec,
    scene: Option<&SceneInfo>,
    layer: &LayerChoice<'_>,
) -> Result<Vec<i64>, PlanError> {
    if let Some(frames) = &spec.frames {
        return Ok(frames.set().to_vec());
    }
    let Some(scene) = scene else {
        return Err(PlanError::NoFrames {
            why: "no scene information was given".into(),
        });
    };
    let (start, end) = match layer.info {
        Some(l) => scene.layer_range(l),
        None => (scene.start_frame, scene.end_frame),
    };
    let (Some(start), Some(end)) = (start, end) else {
        let why = if scene.format == SceneFormat::Blend {
            "brm does not read the frame range of .blend files".to_string()
        } else {
            format!(
                "the scene {} has no frame range brm could read",
                scene.path.display()
            )
        };
        return Err(PlanError::NoFrames { why });
    };
    let start = round_frame(start, "start frame")?;
    let end = round_frame(end, "end frame")?;
    let has_override = layer
        .info
        .is_some_and(|l| l.start_frame.is_some() || l.end_frame.is_some());
    if scene.animation == Some(false) && !has_override {
        // Animation off in the render settings: Maya renders a single frame.
        return Ok(vec![start]);
    }
    if start > end {
        return Err(PlanError::BadSceneRange {
            message: format!("the scene's start frame {start} is after its end frame {end}"),
        });
    }
    let by = round_frame(scene.by_frame.unwrap_or(1.0), "frame step")?.max(1);
    // Through FrameSet so the frame cap applies to absurd scene ranges too.
    Ok(FrameSet::range(start, end, by as u64)?.to_vec())
}

/// Replace the characters no file system accepts in a name (Windows' set, the strictest).
fn sanitize_component(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Values of the image-name tokens for one task.
pub(crate) struct TokenValues<'a> {
    pub scene: &'a str,
    pub layer: &'a str,
    pub camera: &'a str,
}

/// Whether a pattern varies per layer (has `<RenderLayer>`, `<Layer>` or `%l`).
fn has_layer_token(pattern: &str) -> bool {
    let lower = pattern.to_ascii_lowercase();
    lower.contains("<renderlayer>") || lower.contains("<layer>") || pattern.contains("%l")
}

/// Resolve `<Scene>`, `<RenderLayer>`/`<Layer>`, `<Camera>`, `<Version>` (empty), `%s`, `%l`,
/// `%c`; other `<tokens>` (e.g. `<RenderPass>`, the renderer's to fill) are dropped so brm's
/// names stay predictable. Returns the sub-folders and the image name; `..`, `.` and empty
/// parts are removed so output stays under the output root.
pub(crate) fn resolve_pattern(pattern: &str, v: &TokenValues<'_>) -> (Vec<String>, String) {
    let mut text = String::with_capacity(pattern.len() + 32);
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            if let Some(close) = rest.find('>') {
                let token = rest[1..close].to_ascii_lowercase();
                text.push_str(match token.as_str() {
                    "scene" => v.scene,
                    "renderlayer" | "layer" => v.layer,
                    "camera" => v.camera,
                    _ => "",
                });
                rest = &rest[close + 1..];
                continue;
            }
        }
        if c == '%' {
            let value = match rest[1..].chars().next() {
                Some('s') => Some(v.scene),
                Some('l') => Some(v.layer),
                Some('c') => Some(v.camera),
                _ => None,
            };
            if let Some(value) = value {
                text.push_str(value);
                rest = &rest[2..];
                continue;
            }
        }
        text.push(c);
        rest = &rest[c.len_utf8()..];
    }
    let mut parts: Vec<String> = text
        .split(['/', '\\'])
        .map(sanitize_component)
        .filter(|p| !p.is_empty() && p != "." && p != "..")
        .collect();
    let name = parts.pop().unwrap_or_else(|| sanitize_component(v.scene));
    let name = if name.is_empty() {
        "image".to_string()
    } else {
        name
    };
    (parts, name)
}

/// `|grp|shotCam` → `shotCam`; namespaces `a:cam` → `a_cam` (safe in file names).
fn camera_short_name(camera: &str) -> String {
    camera
        .rsplit('|')
        .next()
        .unwrap_or(camera)
        .replace(':', "_")
}

fn is_blend(spec: &JobSpec, scene: Option<&SceneInfo>) -> bool {
    scene
        .map(|s| s.format == SceneFormat::Blend)
        .unwrap_or_else(|| spec.is_blend())
}

/// Split a job into tasks. `slots` is how many GPU slots will run it (for automatic chunk
/// size); `default_output` is the output root when the spec has none.
///
/// Layers: `spec.layers` (each must exist in the scene when the scene lists layers), else the
/// scene's renderable layers (not those from references); a Maya scene without information
/// renders `masterLayer`; a `.blend` renders its enabled view layers as one task set (layer "").
/// Frames: `spec.frames`, else the scene's range with per-layer overrides and its step (one
/// frame when the scene has animation off). Order interleaved reorders coarse to fine before
/// chunking. Chunks: `spec.chunk_size`, else [`auto_chunk_size`].
pub fn plan_tasks(
    spec: &JobSpec,
    scene: Option<&SceneInfo>,
    slots: usize,
    default_output: &Path,
) -> Result<Vec<Task>, PlanError> {
    let blend = is_blend(spec, scene);
    match spec.method {
        Method::Blender if !blend => {
            return Err(PlanError::MethodMismatch {
                method: spec.method,
                scene: spec.scene.clone(),
                hint: "use --method auto for Maya scenes".into(),
            })
        }
        m if m.is_maya() && blend => {
            return Err(PlanError::MethodMismatch {
                method: m,
                scene: spec.scene.clone(),
                hint: "Blender scenes render with --method auto or blender".into(),
            })
        }
        _ => {}
    }
    if spec.chunk_size == Some(0) {
        return Err(PlanError::InvalidValue {
            what: "chunk size",
            value: "0".into(),
            valid: "a number of frames, 1 or more".into(),
        });
    }
    let layers = resolve_layers(spec, scene, blend)?;
    let root = spec
        .output_dir
        .clone()
        .unwrap_or_else(|| default_output.to_path_buf());
    let root = std::path::absolute(&root).unwrap_or(root);
    let pattern = spec
        .image_pattern
        .clone()
        .filter(|p| !p.trim().is_empty())
        .or_else(|| {
            if blend {
                None
            } else {
                scene
                    .and_then(|s| s.image_prefix.clone())
                    .filter(|p| !p.trim().is_empty())
            }
        })
        .unwrap_or_else(|| DEFAULT_IMAGE_PATTERN.to_string());
    let add_layer_folder = layers.len() > 1 && !has_layer_token(&pattern);
    let source = spec.source_scene.as_deref().unwrap_or(&spec.scene);
    let scene_stem = source
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scene".into());
    let camera = match (&spec.camera, scene) {
        (Some(c), _) => camera_short_name(c),
        (None, Some(s)) if s.cameras.len() == 1 => camera_short_name(&s.cameras[0]),
        _ => "cam".to_string(),
    };
    let renderer = spec
        .renderer
        .clone()
        .or_else(|| scene.and_then(|s| s.renderer.clone()))
        .map(|r| crate::renderer::canonical(&r));

    let mut tasks = Vec::new();
    for layer in &layers {
        let frames = resolve_frames(spec, scene, layer)?;
        if frames.is_empty() {
            return Err(PlanError::NoFrames {
                why: "the frame set is empty".into(),
            });
        }
        if blend {
            if let Some(&f) = frames.iter().find(|&&f| f < 0) {
                return Err(PlanError::NegativeBlenderFrame { frame: f });
            }
        }
        let ordered = match spec.order {
            Order::Sequential => frames,
            Order::Interleaved => interleave(&frames),
        };
        let size = spec
            .chunk_size
            .map(|c| c as usize)
            .unwrap_or_else(|| auto_chunk_size(ordered.len(), slots));
        let values = TokenValues {
            scene: &scene_stem,
            layer: &layer.display,
            camera: &camera,
        };
        let (dirs, image_name) = resolve_pattern(&pattern, &values);
        let mut output_dir = root.clone();
        if add_layer_folder {
            let folder = sanitize_component(&layer.display);
            output_dir.push(if folder.is_empty() { "layer" } else { &folder });
        }
        output_dir.extend(dirs);
        for frames in chunk(&ordered, size) {
            tasks.push(Task {
                index: tasks.len(),
                layer: layer.node.clone(),
                layer_display: layer.display.clone(),
                frames,
                output_dir: output_dir.clone(),
                image_name: image_name.clone(),
                padding: DEFAULT_PADDING,
                renderer: renderer.clone(),
            });
        }
    }
    Ok(tasks)
}
