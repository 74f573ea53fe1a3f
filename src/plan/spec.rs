//! What a user asks for: the job spec and its option values (method, order, GPU choice).
//!
//! Option values parse from the strings the CLI, the C ABI setters and the Maya plugin pass
//! (`"mayapy-custom"`, `"interleaved"`, `"1,2"`, `"GPU-…"`); a wrong value names every valid
//! one so the user can fix it without reading docs.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::PlanError;

/// How a task is rendered. `Auto` tries the levels of [`super::levels_for`] in order (three-level
/// fallback for Maya scenes, DESIGN §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Maya: mayapy + brm's custom script, then `Render`, then mayapy + basic script.
    /// Blender scenes: Blender.
    Auto,
    /// `mayapy brm_render_custom.py task.json` (level 1: per-frame progress, exact names).
    MayapyCustom,
    /// Maya's `Render` command line renderer (level 2).
    Render,
    /// `mayapy brm_render_basic.py task.json` (level 3: fewest assumptions about the scene).
    MayapyBasic,
    /// `blender -b` (for `.blend` scenes).
    Blender,
}

impl Method {
    /// Every method, in the order of its name list in errors and help.
    pub const ALL: [Method; 5] = [
        Method::Auto,
        Method::MayapyCustom,
        Method::Render,
        Method::MayapyBasic,
        Method::Blender,
    ];

    /// The CLI / C ABI spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::MayapyCustom => "mayapy-custom",
            Method::Render => "render",
            Method::MayapyBasic => "mayapy-basic",
            Method::Blender => "blender",
        }
    }

    /// Whether a scene of `host` can render with this method: `auto` for any, the Maya
    /// levels for a Maya scene, `blender` for a `.blend` (what a front offers for its scenes).
    pub fn renders_for(self, host: crate::renderer::Host) -> bool {
        match self {
            Method::Auto => true,
            Method::Blender => host == crate::renderer::Host::Blender,
            _ => host == crate::renderer::Host::Maya,
        }
    }

    /// Whether this level runs Maya (as opposed to Blender).
    pub fn is_maya(self) -> bool {
        matches!(
            self,
            Method::MayapyCustom | Method::Render | Method::MayapyBasic
        )
    }

    /// The log parser for a render started with this method for `renderer` (the job's;
    /// `None` = the scene's own). The method decides the dialect: Blender logs whatever the
    /// renderer string says (Cycles, Eevee); with the mayapy methods the script's `@brm` lines
    /// are the authority on frames. The renderer's own parser comes from the registry.
    pub fn parser(self, renderer: Option<&str>) -> Box<dyn crate::progress::LogParser> {
        match self {
            Method::Blender => crate::renderer::parser_for(Some("blender"), false),
            Method::MayapyCustom | Method::MayapyBasic => {
                crate::renderer::parser_for(renderer, true)
            }
            Method::Render | Method::Auto => crate::renderer::parser_for(renderer, false),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn valid_list<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> String {
    all.iter().map(|&v| name(v)).collect::<Vec<_>>().join(", ")
}

impl FromStr for Method {
    type Err = PlanError;
    fn from_str(s: &str) -> Result<Self, PlanError> {
        let t = s.trim().to_ascii_lowercase().replace('_', "-");
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == t)
            .ok_or_else(|| PlanError::InvalidValue {
                what: "method",
                value: shorten(s),
                valid: valid_list(&Method::ALL, Method::as_str),
            })
    }
}

/// The order frames render in. Interleaved renders coarse to fine (first, last, middle,
/// quarters, …) so a partial render already shows the whole shot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    #[default]
    Sequential,
    Interleaved,
}

impl Order {
    pub const ALL: [Order; 2] = [Order::Sequential, Order::Interleaved];

    pub fn as_str(self) -> &'static str {
        match self {
            Order::Sequential => "sequential",
            Order::Interleaved => "interleaved",
        }
    }
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Order {
    type Err = PlanError;
    fn from_str(s: &str) -> Result<Self, PlanError> {
        let t = s.trim().to_ascii_lowercase();
        Order::ALL
            .into_iter()
            .find(|o| o.as_str() == t)
            .ok_or_else(|| PlanError::InvalidValue {
                what: "order",
                value: shorten(s),
                valid: valid_list(&Order::ALL, Order::as_str),
            })
    }
}

/// Which GPUs a job may use. Serialized as its string form (`"auto"`, `"cpu"`, `"1,2"`,
/// `"GPU-…"`), the same text the CLI takes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum GpuChoice {
    /// Idle cards (GPU 1 and up by default), most free memory first.
    #[default]
    Auto,
    /// Render on CPU (GPUs hidden from the renderer).
    Cpu,
    /// These driver indices (PCI-bus order, as `nvidia-smi` and `brm info` number them).
    Indices(Vec<u32>),
    /// These cards by UUID (`GPU-…`, or `MIG-…` for a MIG instance).
    Uuids(Vec<String>),
}

const GPU_VALID: &str =
    "auto, cpu, an index like 1, a list like 1,2, or a UUID like GPU-4f2c… (see `brm info`)";

impl FromStr for GpuChoice {
    type Err = PlanError;
    fn from_str(s: &str) -> Result<Self, PlanError> {
        let bad = || PlanError::InvalidValue {
            what: "gpu",
            value: shorten(s),
            valid: GPU_VALID.to_string(),
        };
        let t = s.trim();
        if t.eq_ignore_ascii_case("auto") {
            return Ok(GpuChoice::Auto);
        }
        if t.eq_ignore_ascii_case("cpu") {
            return Ok(GpuChoice::Cpu);
        }
        let parts: Vec<&str> = t.split(',').map(str::trim).collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(bad());
        }
        let is_uuid = |p: &str| {
            let up = p.to_ascii_uppercase();
            (up.starts_with("GPU-") || up.starts_with("MIG-")) && p.len() > 4
        };
        if parts.iter().all(|p| is_uuid(p)) {
            let mut v: Vec<String> = Vec::new();
            for p in parts {
                if !v.iter().any(|x| x.eq_ignore_ascii_case(p)) {
                    v.push(p.to_string());
                }
            }
            return Ok(GpuChoice::Uuids(v));
        }
        let mut v: Vec<u32> = Vec::new();
        for p in parts {
            let i = p.parse::<u32>().map_err(|_| bad())?;
            if !v.contains(&i) {
                v.push(i);
            }
        }
        Ok(GpuChoice::Indices(v))
    }
}

impl fmt::Display for GpuChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpuChoice::Auto => f.write_str("auto"),
            GpuChoice::Cpu => f.write_str("cpu"),
            GpuChoice::Indices(v) => {
                f.write_str(&v.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
            }
            GpuChoice::Uuids(v) => f.write_str(&v.join(",")),
        }
    }
}

impl Serialize for GpuChoice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for GpuChoice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Default retries of the remaining frames after some frames finished.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

fn default_max_retries() -> u32 {
    DEFAULT_MAX_RETRIES
}

/// A render job as submitted: what to render, where, how. Fields absent from JSON take the
/// defaults of [`JobSpec::new`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    #[serde(default)]
    pub name: Option<String>,
    /// What is rendered (normally a snapshot of the user's scene).
    pub scene: PathBuf,
    /// The user's own scene, for the `<Scene>` token and display; `scene` when None.
    #[serde(default)]
    pub source_scene: Option<PathBuf>,
    /// Layer names (Render Setup name or node name; Blender view layers); empty = all
    /// renderable layers of the scene.
    #[serde(default)]
    pub layers: Vec<String>,
    /// Frame-set spec (`1-100x5`, …), parsed where it entered brm; None = the scene's range
    /// (per-layer overrides win).
    #[serde(default)]
    pub frames: Option<crate::frames::FrameSpec>,
    #[serde(default)]
    pub gpu: GpuChoice,
    #[serde(default = "default_method")]
    pub method: Method,
    /// Renderer override (`Render -r`, task JSON "renderer"); None = the scene's.
    #[serde(default)]
    pub renderer: Option<String>,
    #[serde(default)]
    pub camera: Option<String>,
    /// Output root; None = the caller's default (`plan_tasks`' `default_output`).
    #[serde(default)]
    pub output_dir: Option<PathBuf>,
    /// Image name pattern with `<Scene>`, `<RenderLayer>`, `<Camera>`, `<Version>` tokens (and
    /// `%s %l %c`); None = the scene's prefix, else `<RenderLayer>/<Scene>`.
    #[serde(default)]
    pub image_pattern: Option<String>,
    /// Frames per task; None = automatic (see `chunk::auto_chunk_size`).
    #[serde(default)]
    pub chunk_size: Option<u32>,
    #[serde(default)]
    pub priority: i32,
    #[serde(default)]
    pub order: Order,
    #[serde(default)]
    pub task_timeout_s: Option<u64>,
    #[serde(default)]
    pub silence_timeout_s: Option<u64>,
    /// Retries of the remaining frames after frames finished.
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    /// The client's environment (already filtered); renders get exactly this plus GPU pinning.
    #[serde(default)]
    pub env: Vec<(String, String)>,
    /// Maya project folder (`-proj`).
    #[serde(default)]
    pub project: Option<PathBuf>,
    /// The Maya version to render with (default: the one that saved the scene, when that
    /// one is installed; else the default install).
    #[serde(default)]
    pub maya_version: Option<String>,
    /// Never render in a warm session (issue 13): every chunk starts its own renderer and
    /// loads the scene itself. For scenes whose state a previous chunk could leak into the
    /// next, or to measure a cold render.
    #[serde(default)]
    pub cold: bool,
    /// Start only once this job (an id of the same queue) is done (`--after N`); when it
    /// ends failed or cancelled, this job fails too, saying so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
}

fn default_method() -> Method {
    Method::Auto
}

impl JobSpec {
    /// A spec rendering `scene` with every default: all renderable layers, the scene's frame
    /// range, GPU auto, method auto, sequential, automatic chunks.
    pub fn new(scene: impl Into<PathBuf>) -> Self {
        JobSpec {
            name: None,
            scene: scene.into(),
            source_scene: None,
            layers: Vec::new(),
            frames: None,
            gpu: GpuChoice::Auto,
            method: Method::Auto,
            renderer: None,
            camera: None,
            output_dir: None,
            image_pattern: None,
            chunk_size: None,
            priority: 0,
            order: Order::Sequential,
            task_timeout_s: None,
            silence_timeout_s: None,
            max_retries: DEFAULT_MAX_RETRIES,
            env: Vec::new(),
            project: None,
            maya_version: None,
            cold: false,
            after: None,
        }
    }

    /// Whether the scene is a Blender file (by extension, case-insensitive).
    pub fn is_blend(&self) -> bool {
        self.scene
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("blend"))
    }
}

/// An echo of a bad value for an error message, cut to a readable length (a 10 MB value
/// must not become a 10 MB message).
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 80;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_parses_and_lists_valid_values() {
        assert_eq!(
            "mayapy-custom".parse::<Method>().unwrap(),
            Method::MayapyCustom
        );
        assert_eq!(" Render ".parse::<Method>().unwrap(), Method::Render);
        assert_eq!(
            "mayapy_basic".parse::<Method>().unwrap(),
            Method::MayapyBasic
        );
        for m in Method::ALL {
            assert_eq!(m.as_str().parse::<Method>().unwrap(), m);
        }
        let e = "mayabatch".parse::<Method>().unwrap_err().to_string();
        assert!(
            e.contains("mayabatch")
                && e.contains("auto, mayapy-custom, render, mayapy-basic, blender"),
            "{e}"
        );
        assert_eq!(
            serde_json::to_string(&Method::MayapyCustom).unwrap(),
            "\"mayapy-custom\""
        );
    }

    #[test]
    fn order_parses() {
        assert_eq!("interleaved".parse::<Order>().unwrap(), Order::Interleaved);
        assert_eq!("SEQUENTIAL".parse::<Order>().unwrap(), Order::Sequential);
        let e = "random".parse::<Order>().unwrap_err().to_string();
        assert!(e.contains("sequential, interleaved"), "{e}");
    }

    #[test]
    fn gpu_choice_parses_all_forms() {
        assert_eq!("auto".parse::<GpuChoice>().unwrap(), GpuChoice::Auto);
        assert_eq!("CPU".parse::<GpuChoice>().unwrap(), GpuChoice::Cpu);
        assert_eq!(
            "1".parse::<GpuChoice>().unwrap(),
            GpuChoice::Indices(vec![1])
        );
        assert_eq!(
            "1, 2,1".parse::<GpuChoice>().unwrap(),
            GpuChoice::Indices(vec![1, 2])
        );
        assert_eq!(
            "GPU-4f2c8a1e-9b7d".parse::<GpuChoice>().unwrap(),
            GpuChoice::Uuids(vec!["GPU-4f2c8a1e-9b7d".into()])
        );
        assert_eq!(
            "GPU-a,MIG-b".parse::<GpuChoice>().unwrap(),
            GpuChoice::Uuids(vec!["GPU-a".into(), "MIG-b".into()])
        );
        for bad in ["", "1,,2", "-1", "one", "1,GPU-a", "GPU-", "1.5"] {
            let e = bad.parse::<GpuChoice>().unwrap_err().to_string();
            assert!(e.contains("auto, cpu"), "{bad}: {e}");
        }
    }

    #[test]
    fn gpu_choice_serializes_as_text() {
        for text in ["auto", "cpu", "1,2", "GPU-a,GPU-b"] {
            let g: GpuChoice = text.parse().unwrap();
            let json = serde_json::to_string(&g).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<GpuChoice>(&json).unwrap(), g);
        }
        assert!(serde_json::from_str::<GpuChoice>("\"x\"").is_err());
    }

    #[test]
    fn job_spec_json_defaults() {
        let s: JobSpec = serde_json::from_str(r#"{"scene": "/p/shot.ma"}"#).unwrap();
        assert_eq!(s, JobSpec::new("/p/shot.ma"));
        assert_eq!(s.max_retries, 2);
        let back: JobSpec = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        assert!(JobSpec::new("/p/a.BLEND").is_blend());
        assert!(!JobSpec::new("/p/a.ma").is_blend());
    }
}
