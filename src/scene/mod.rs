//! Scenes: what is in a scene file (render layers, renderer, frame range, plugins), and the
//! per-user snapshots that jobs render from, with their retention.
//!
//! Why brm reads scenes itself: to plan a job (which layers, which frames per layer) without
//! starting Maya, which costs a licence and 30-120 s. Maya ASCII is read fully
//! ([`maya_ascii`]); Maya Binary best effort ([`maya_binary`]); Blender scenes minimally
//! ([`blend`]), since Blender itself reads them at render time.
//!
//! Why snapshots: the user keeps working on their scene while the batch renders; the job must
//! render the scene as it was at submit time and must never touch the user's file. See
//! [`SnapshotStore`] and DESIGN §3 "Temp scenes".

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, Kind};

pub mod blend;
pub mod blend_query;
pub mod maya_ascii;
pub mod maya_binary;
pub mod mel;
mod model;
pub mod retention;
pub mod snapshot;
pub mod workspace;

pub use retention::CleanupReport;
pub use snapshot::SnapshotStore;

/// The schema number of the JSON that [`to_json`] writes (CLI `--json`, C ABI).
pub const SCENE_JSON_SCHEMA: u32 = 1;

/// The name brm uses for Maya's default render layer (what Render Setup shows).
pub const MASTER_LAYER: &str = "masterLayer";
/// The node of Maya's default render layer (what `Render -rl` takes).
pub const DEFAULT_RENDER_LAYER: &str = "defaultRenderLayer";

/// The file formats brm can inspect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SceneFormat {
    /// Maya ASCII (`.ma`): inspected fully.
    Ma,
    /// Maya Binary (`.mb`): best effort.
    Mb,
    /// Blender (`.blend`): minimal; Blender reads it at render time.
    Blend,
}

impl SceneFormat {
    /// The format a path's extension names (case-insensitive), if brm knows it.
    pub fn from_path(path: &Path) -> Option<SceneFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "ma" => Some(SceneFormat::Ma),
            "mb" => Some(SceneFormat::Mb),
            "blend" => Some(SceneFormat::Blend),
            _ => None,
        }
    }

    /// True for Maya scenes (rendered by Maya), false for Blender.
    pub fn is_maya(self) -> bool {
        matches!(self, SceneFormat::Ma | SceneFormat::Mb)
    }
}

/// What brm knows about a scene.
///
/// Frame numbers are in frames of the scene's time unit (Maya ASCII writes time attributes in
/// the unit of its `currentUnit -t` line; Maya Binary stores ticks, converted here). For `.ma`
/// files, render-globals attributes the file does not set hold Maya's defaults (start 1, end
/// 10, by 1, animation off, renderer `mayaSoftware`): Maya writes only non-default values.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SceneInfo {
    pub path: PathBuf,
    pub format: SceneFormat,
    /// The current renderer (`defaultRenderGlobals.currentRenderer`), e.g. "arnold".
    pub renderer: Option<String>,
    pub start_frame: Option<f64>,
    pub end_frame: Option<f64>,
    pub by_frame: Option<f64>,
    /// Render globals "animation": off means Maya renders the current frame only.
    pub animation: Option<bool>,
    /// Image file prefix (`<Scene>/<RenderLayer>/...` tokens); `None` or empty = Maya's default.
    pub image_prefix: Option<String>,
    /// Render layers, the default layer first. Includes layers from references (marked).
    pub layers: Vec<LayerInfo>,
    pub required_plugins: Vec<RequiredPlugin>,
    /// Renderable cameras (transform names where known, else shape names).
    pub cameras: Vec<String>,
    /// What could not be read or is uncertain; shown to the user.
    pub warnings: Vec<String>,
    /// The Maya version that saved the scene (`requires maya "2024"`), to render it with
    /// the matching install when several are present.
    #[serde(default)]
    pub maya_version: Option<String>,
    /// The Blender version that saved a .blend ("3.4": Blender stores major.minor).
    #[serde(default)]
    pub blender_version: Option<String>,
}

impl SceneInfo {
    /// An empty description of `path` (nothing known yet).
    pub fn empty(path: &Path, format: SceneFormat) -> SceneInfo {
        SceneInfo {
            path: path.to_path_buf(),
            format,
            renderer: None,
            start_frame: None,
            end_frame: None,
            by_frame: None,
            animation: None,
            image_prefix: None,
            layers: Vec::new(),
            required_plugins: Vec::new(),
            cameras: Vec::new(),
            warnings: Vec::new(),
            maya_version: None,
            blender_version: None,
        }
    }

    /// The layers a job renders when it names none: the scene's own renderable layers.
    pub fn renderable_layers(&self) -> impl Iterator<Item = &LayerInfo> {
        self.layers
            .iter()
            .filter(|l| l.renderable && !l.from_reference)
    }

    /// Find a layer by Render Setup name or node name (`beauty`, `rs_beauty`, `masterLayer`,
    /// `defaultRenderLayer`).
    pub fn find_layer(&self, name: &str) -> Option<&LayerInfo> {
        self.layers
            .iter()
            .find(|l| l.name == name)
            .or_else(|| self.layers.iter().find(|l| l.node == name))
    }

    /// A layer's frame range: its override where it has one, else the scene's.
    pub fn layer_range(&self, layer: &LayerInfo) -> (Option<f64>, Option<f64>) {
        (
            layer.start_frame.or(self.start_frame),
            layer.end_frame.or(self.end_frame),
        )
    }
}

/// One render layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// Render Setup name, or "masterLayer" for the default layer (legacy layers: node name).
    pub name: String,
    /// The renderLayer node, what `Render -rl` takes: "rs_X" or "defaultRenderLayer".
    pub node: String,
    pub renderable: bool,
    /// Per-layer frame-range override, when the layer has one.
    pub start_frame: Option<f64>,
    pub end_frame: Option<f64>,
    /// The layer arrived through a reference (a foreign renderLayerManager): not the scene's
    /// own, never rendered by default.
    pub from_reference: bool,
}

/// A plugin the scene needs loaded (`requires` statement / `PLUG` chunk).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredPlugin {
    /// Plugin name as Maya loads it, e.g. "mtoa", "renderSetup.py".
    pub name: String,
    pub version: Option<String>,
    /// Node types the scene uses from it (`-nodeType`).
    pub node_types: Vec<String>,
}

/// Errors of this module. Each says what was wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    #[error("scene file {path} does not exist; check the path (relative paths are taken from the current directory)")]
    NotFound { path: PathBuf },

    #[error("cannot read scene file {path}: {source}; check that it is a readable file")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path} is not a scene brm knows ({reason}); brm inspects Maya .ma/.mb and Blender .blend files")]
    UnknownFormat { path: PathBuf, reason: String },

    #[error("{path}: Maya ASCII parse error at line {line}: {message}; open and re-save the scene in Maya")]
    MalformedAscii {
        path: PathBuf,
        line: u64,
        message: String,
    },

    #[error("{path}: Maya Binary inspection is partial and could not read this file ({reason}); save the scene as Maya ASCII (.ma) for full inspection")]
    MayaBinary { path: PathBuf, reason: String },

    #[error(
        "{path} is not a readable Blender file ({reason}); open it in Blender and save it again"
    )]
    Blend { path: PathBuf, reason: String },

    #[error("the scene {} has no view layer {layer:?}; its view layers: {layers}", path.display())]
    UnknownViewLayer {
        path: PathBuf,
        layer: String,
        layers: String,
    },

    #[error("could not ask Blender about {}: {reason}", path.display())]
    BlenderQuery { path: PathBuf, reason: String },

    #[error("invalid scene name {name:?} for a snapshot: {reason}")]
    InvalidName { name: String, reason: String },

    #[error("snapshot failed while {context}: {source}; check free space and permissions of the snapshot directory (set BRM_SNAPSHOT_DIR to move it)")]
    Snapshot {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl SceneError {
    pub(crate) fn read(path: &Path, source: std::io::Error) -> SceneError {
        if source.kind() == std::io::ErrorKind::NotFound {
            SceneError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            SceneError::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    }

    pub(crate) fn snapshot(context: impl Into<String>, source: std::io::Error) -> SceneError {
        SceneError::Snapshot {
            context: context.into(),
            source,
        }
    }
}

impl Kind for SceneError {
    fn kind(&self) -> ErrorKind {
        match self {
            SceneError::NotFound { .. } | SceneError::UnknownViewLayer { .. } => {
                ErrorKind::NotFound
            }
            SceneError::BlenderQuery { .. } => ErrorKind::Unavailable,
            SceneError::Read { .. } | SceneError::Snapshot { .. } => ErrorKind::Io,
            SceneError::UnknownFormat { .. }
            | SceneError::MalformedAscii { .. }
            | SceneError::Blend { .. }
            | SceneError::InvalidName { .. } => ErrorKind::InvalidArgument,
            SceneError::MayaBinary { .. } => ErrorKind::Unsupported,
        }
    }
}

impl crate::error::ModuleError for SceneError {}

/// Inspect a scene file: `.ma` fully, `.mb` best effort, `.blend` minimally.
/// The file is only read, never written.
pub fn inspect(path: &Path) -> Result<SceneInfo, SceneError> {
    let meta = std::fs::metadata(path).map_err(|e| SceneError::read(path, e))?;
    if meta.is_dir() {
        return Err(SceneError::UnknownFormat {
            path: path.to_path_buf(),
            reason: "it is a directory".into(),
        });
    }
    let format = SceneFormat::from_path(path).ok_or_else(|| SceneError::UnknownFormat {
        path: path.to_path_buf(),
        reason: match path.extension() {
            Some(e) => format!("unknown extension .{}", e.to_string_lossy()),
            None => "no file extension".into(),
        },
    })?;
    match format {
        SceneFormat::Ma => maya_ascii::inspect(path),
        SceneFormat::Mb => maya_binary::inspect(path),
        SceneFormat::Blend => blend::inspect(path),
    }
}

/// The scene description as versioned JSON (`{"schema": 1, ...SceneInfo}`), as the CLI's
/// `--json` and `brm_scene_inspect_json` print it.
pub fn to_json(info: &SceneInfo) -> String {
    #[derive(Serialize)]
    struct Versioned<'a> {
        schema: u32,
        #[serde(flatten)]
        info: &'a SceneInfo,
    }
    serde_json::to_string_pretty(&Versioned {
        schema: SCENE_JSON_SCHEMA,
        info,
    })
    .unwrap_or_else(|e| {
        format!(
            "{{\"schema\": {SCENE_JSON_SCHEMA}, \"error\": {:?}}}",
            e.to_string()
        )
    })
}

/// Where the shared test scenes live (tests only): `../shared/testdata/maya` from the crate.
#[cfg(test)]
pub(crate) fn testdata(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/maya");
    assert!(
        dir.is_dir(),
        "test scenes missing: {} must exist (the shared Maya test data)",
        dir.display()
    );
    dir.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension_is_case_insensitive() {
        assert_eq!(
            SceneFormat::from_path(Path::new("a/b.MA")),
            Some(SceneFormat::Ma)
        );
        assert_eq!(
            SceneFormat::from_path(Path::new("b.mb")),
            Some(SceneFormat::Mb)
        );
        assert_eq!(
            SceneFormat::from_path(Path::new("b.blend")),
            Some(SceneFormat::Blend)
        );
        assert_eq!(SceneFormat::from_path(Path::new("b.txt")), None);
        assert_eq!(SceneFormat::from_path(Path::new("b")), None);
    }

    #[test]
    fn missing_file_is_not_found() {
        let e = inspect(Path::new("/nonexistent/dir/shot.ma")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("does not exist"), "{e}");
    }

    #[test]
    fn unknown_extension_says_what_is_supported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("notes.txt");
        std::fs::write(&p, "hi").unwrap();
        let e = inspect(&p).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.to_string().contains(".ma/.mb"), "{e}");
        let e = inspect(dir.path()).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
    }

    #[test]
    fn json_has_schema_first() {
        let info = SceneInfo::empty(Path::new("/x.ma"), SceneFormat::Ma);
        let j = to_json(&info);
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["format"], "ma");
        assert!(j.trim_start().starts_with("{\n  \"schema\""), "{j}");
    }

    #[test]
    fn every_shared_test_scene_inspects() {
        let dir = testdata("");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if SceneFormat::from_path(&p).is_none() {
                continue;
            }
            let info = inspect(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert!(!info.layers.is_empty(), "{}: no layers", p.display());
            assert_eq!(info.layers[0].node, DEFAULT_RENDER_LAYER, "{}", p.display());
            n += 1;
        }
        assert!(n >= 9, "only {n} scenes in {}", dir.display());
    }
}
