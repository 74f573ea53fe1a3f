//! `brm scene inspect SCENE [--json]`: what brm reads from a scene before rendering it
//! (renderer, frame range, image prefix, cameras, plugins, render layers with their renderable
//! flag and frame overrides), so a TD can see what `brm render` would do without Maya.

use std::fmt::Write as _;
use std::path::PathBuf;

use brm::scene::{self, SceneInfo};

#[derive(clap::Args)]
pub struct SceneArgs {
    #[command(subcommand)]
    pub command: SceneCommand,
}

#[derive(clap::Subcommand)]
pub enum SceneCommand {
    /// Show render layers, renderer, frame range, cameras and required plugins of a scene
    /// (.ma fully, .mb best effort, .blend minimally).
    Inspect(InspectArgs),
}

#[derive(clap::Args)]
pub struct InspectArgs {
    /// The scene file (.ma, .mb or .blend).
    pub scene: PathBuf,
    /// Print JSON (`"schema": 1`, the same document as `brm_scene_inspect_json`).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SceneArgs) -> brm::Result<i32> {
    match args.command {
        SceneCommand::Inspect(a) => inspect(a),
    }
}

fn inspect(args: InspectArgs) -> brm::Result<i32> {
    let info = brm::submit::scene::inspect(&args.scene, &brm::paths::Paths::from_env())?;
    if args.json {
        outln!("{}", scene::to_json(&info));
    } else {
        outln!("{}", render(&info).trim_end_matches('\n'));
    }
    Ok(0)
}

fn frame(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        Some(f) => format!("{f}"),
    }
}

/// The human-readable description.
pub fn render(info: &SceneInfo) -> String {
    let mut s = String::new();
    let fmt = match info.format {
        scene::SceneFormat::Ma => "Maya ASCII",
        scene::SceneFormat::Mb => "Maya Binary",
        scene::SceneFormat::Blend => "Blender",
    };
    let _ = writeln!(s, "{:<14}{}", "Scene", info.path.display());
    let _ = writeln!(s, "{:<14}{}", "Format", fmt);
    if let Some(v) = &info.maya_version {
        let _ = writeln!(s, "{:<14}{}", "Saved by", saved_by(v));
    }
    if let Some(v) = &info.blender_version {
        let _ = writeln!(s, "{:<14}Blender {v}", "Saved by");
    }
    let _ = writeln!(
        s,
        "{:<14}{}",
        "Renderer",
        info.renderer.as_deref().unwrap_or("-")
    );
    let by = match info.by_frame {
        Some(b) if b != 1.0 => format!(" by {}", frame(Some(b))),
        _ => String::new(),
    };
    let anim = match info.animation {
        Some(false) => " (animation off: Maya renders the current frame only)",
        _ => "",
    };
    let range = if info.start_frame.is_none() && info.end_frame.is_none() {
        "-".to_string()
    } else {
        format!(
            "{}-{}{by}{anim}",
            frame(info.start_frame),
            frame(info.end_frame)
        )
    };
    let _ = writeln!(s, "{:<14}{}", "Frames", range);
    let prefix = match info.image_prefix.as_deref() {
        None | Some("") => "(renderer default)".to_string(),
        Some(p) => p.to_string(),
    };
    if info.format.is_maya() {
        let _ = writeln!(s, "{:<14}{}", "Image prefix", prefix);
    }
    let cams = if info.cameras.is_empty() {
        "-".to_string()
    } else {
        info.cameras.join(", ")
    };
    let _ = writeln!(s, "{:<14}{}", "Cameras", cams);
    if info.required_plugins.is_empty() {
        if info.format.is_maya() {
            let _ = writeln!(s, "{:<14}-", "Plugins");
        }
    } else {
        let list: Vec<String> = info
            .required_plugins
            .iter()
            .map(|p| match &p.version {
                Some(v) => format!("{} {}", p.name, v),
                None => p.name.clone(),
            })
            .collect();
        let _ = writeln!(s, "{:<14}{}", "Plugins", list.join(", "));
    }
    if !info.layers.is_empty() {
        let _ = writeln!(s);
        let wn = info
            .layers
            .iter()
            .map(|l| l.name.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let wd = info
            .layers
            .iter()
            .map(|l| l.node.chars().count())
            .max()
            .unwrap_or(0)
            .max(4);
        let _ = writeln!(
            s,
            "{:<wn$}  {:<wd$}  {:<10}  {:<11}  FROM REFERENCE",
            "LAYER", "NODE", "RENDERABLE", "FRAMES"
        );
        for l in &info.layers {
            let frames = if l.start_frame.is_none() && l.end_frame.is_none() {
                "scene".to_string()
            } else {
                let (st, en) = info.layer_range(l);
                format!("{}-{}", frame(st), frame(en))
            };
            let _ = writeln!(
                s,
                "{:<wn$}  {:<wd$}  {:<10}  {:<11}  {}",
                l.name,
                l.node,
                if l.renderable { "yes" } else { "no" },
                frames,
                if l.from_reference { "yes" } else { "no" }
            );
        }
    }
    if !info.warnings.is_empty() {
        let _ = writeln!(s);
        for w in &info.warnings {
            let _ = writeln!(s, "warning: {w}");
        }
    }
    s
}

/// Maya's `requires maya "2018ff09"` names the release and an internal file version; say the
/// release the artist knows, and keep the raw tag for a TD: `Maya 2018 (file version 2018ff09)`.
fn saved_by(v: &str) -> String {
    let year: String = v.chars().take_while(char::is_ascii_digit).collect();
    let rest = &v[year.len()..];
    if year.len() == 4 && !rest.is_empty() && !rest.starts_with('.') {
        format!("Maya {year} (file version {v})")
    } else {
        format!("Maya {v}")
    }
}
