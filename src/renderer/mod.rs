//! The renderer registry: everything brm knows about one renderer lives in one module here.
//!
//! Why: names, `Render -r` flags, GPU device flags, progress parsing and what the mayapy
//! script sets used to be decided in three places with three name tables, so `--renderer rs`
//! was Redshift for progress parsing but got no `-gpu {0}` on the command. Now plans,
//! progress parsing and the task file the scripts read all ask [`lookup`], and the scripts
//! receive the [`Renderer::name`] (canonical, what Maya's `currentRenderer` holds), never an
//! alias.
//!
//! Adding a renderer = one new module with a `pub(super) static RENDERER` and its tests, plus
//! one line in [`ALL`] (see docs/ARCHITECTURE.md, "Add a renderer").

mod arnold;
mod blender;
mod maya_hardware2;
mod maya_software;
mod redshift;
mod renderman;
mod vray;

use std::collections::BTreeMap;

use crate::progress::{combined, LogParser};

/// One attribute the custom mayapy script sets when this renderer renders: `attr`
/// (`node.attribute`) gets `gpu` on a GPU slot, `cpu` on the CPU. Skipped by the script when
/// the scene has no such node (the renderer's plug-in not loaded).
#[derive(Debug)]
pub struct ScriptSetting {
    pub attr: &'static str,
    pub gpu: i64,
    pub cpu: i64,
}

/// The program a renderer renders inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    Maya,
    Blender,
}

impl Host {
    /// Every host, in the order the C ABI names them.
    pub const ALL: [Host; 2] = [Host::Maya, Host::Blender];

    /// The spelling the C ABI's lists and the window use.
    pub fn as_str(self) -> &'static str {
        match self {
            Host::Maya => "maya",
            Host::Blender => "blender",
        }
    }
}

/// One renderer: its names, how `Render` and the scripts select it, what a pinned GPU needs,
/// and which log parser follows it.
#[derive(Debug)]
pub struct Renderer {
    /// The canonical name: Maya's `defaultRenderGlobals.currentRenderer` value (Blender:
    /// "blender"). The only name the mayapy scripts ever receive.
    pub name: &'static str,
    /// Other names users and scenes use, lower case (`rs`, `sw`, `mtoa`, …).
    pub aliases: &'static [&'static str],
    /// Maya or Blender.
    pub host: Host,
    /// The `Render -r` value.
    pub render_flag: &'static str,
    /// Extra `Render` arguments on a GPU slot. The pinned card is device 0 inside the render
    /// (DESIGN §3): never the host index. Non-empty also means `-r` is always given, since
    /// these flags exist only for that renderer.
    pub gpu_render_args: &'static [&'static str],
    /// Environment for a render pinned to a GPU (device 0 of the pinned card).
    pub gpu_env: &'static [(&'static str, &'static str)],
    /// A new parser for its log lines (one of `progress`'s); a render gets it wrapped with
    /// the `@brm` and fatal-line parsers ([`parser_for`]).
    pub parser: fn() -> Box<dyn LogParser>,
    /// Whether its parser is among those that follow the log of a render whose renderer is
    /// not known (false where another entry's parser already reads the same lines).
    pub tried_when_unknown: bool,
    /// What the custom mayapy script sets for it (device choice), sent as data in the task
    /// file. Device selection that needs the renderer's own procedure (Redshift's
    /// `redshiftSelectCudaDevices`) stays a branch on the canonical name in the script.
    pub script_settings: &'static [ScriptSetting],
}

impl Renderer {
    /// Whether `name` (any case, surrounding space ignored) names this renderer.
    pub fn is_called(&self, name: &str) -> bool {
        let lower = name.trim().to_ascii_lowercase();
        self.name.eq_ignore_ascii_case(&lower) || self.aliases.iter().any(|a| *a == lower)
    }

    /// `Render` arguments for a render on a pinned GPU (`on_gpu`) or on the CPU. Only that
    /// matters: the pinned card is device 0 whatever its host index (DESIGN §3).
    pub fn render_args(&self, on_gpu: bool) -> Vec<String> {
        if !on_gpu {
            return Vec::new();
        }
        self.gpu_render_args.iter().map(|s| s.to_string()).collect()
    }

    /// Environment for a render on a pinned GPU or the CPU (beyond the CUDA pinning every
    /// render gets).
    pub fn env(&self, on_gpu: bool) -> Vec<(String, String)> {
        if !on_gpu {
            return Vec::new();
        }
        self.gpu_env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

/// Every renderer brm knows, in the order unknown logs are tried.
pub static ALL: &[&Renderer] = &[
    &redshift::RENDERER,
    &arnold::RENDERER,
    &vray::RENDERER,
    &renderman::RENDERER,
    &maya_software::RENDERER,
    &maya_hardware2::RENDERER,
    &blender::RENDERER,
];

/// The renderer `name` names (canonical name or alias, any case).
pub fn lookup(name: &str) -> Option<&'static Renderer> {
    ALL.iter().copied().find(|r| r.is_called(name))
}

/// The canonical name for `name`; a name brm does not know is kept as given (a studio's own
/// renderer still renders, with generic progress parsing).
pub fn canonical(name: &str) -> String {
    lookup(name)
        .map(|r| r.name.to_string())
        .unwrap_or_else(|| name.trim().to_string())
}

/// The `Render -r` value for `name`.
pub fn render_flag(name: &str) -> String {
    lookup(name)
        .map(|r| r.render_flag.to_string())
        .unwrap_or_else(|| name.trim().to_string())
}

/// GPU environment when the renderer is unknown: every renderer's (each names its own
/// variables, so setting all of them is harmless and keeps an unknown scene off other cards).
pub fn env_for(renderer: Option<&str>, on_gpu: bool) -> Vec<(String, String)> {
    match renderer.and_then(lookup) {
        Some(r) => r.env(on_gpu),
        None => {
            let mut out: Vec<(String, String)> = Vec::new();
            for r in ALL {
                for kv in r.env(on_gpu) {
                    if !out.iter().any(|(k, _)| *k == kv.0) {
                        out.push(kv);
                    }
                }
            }
            out
        }
    }
}

/// The task file's `renderer_settings`: for every renderer with script settings, by canonical
/// name, the `[attr, value]` pairs for a GPU slot (`gpu`) or the CPU. All of them, because the
/// script only learns at run time which renderer the scene uses when the job does not say.
pub fn script_settings(gpu: bool) -> BTreeMap<&'static str, Vec<(&'static str, i64)>> {
    ALL.iter()
        .filter(|r| !r.script_settings.is_empty())
        .map(|r| {
            let v = r
                .script_settings
                .iter()
                .map(|s| (s.attr, if gpu { s.gpu } else { s.cpu }))
                .collect();
            (r.name, v)
        })
        .collect()
}

/// Every variable some renderer sets for a pinned GPU: removed from the client's environment
/// first, so a stale value from the artist's shell never widens a render to other cards.
pub fn gpu_env_vars() -> impl Iterator<Item = &'static str> {
    ALL.iter().flat_map(|r| r.gpu_env.iter().map(|(k, _)| *k))
}

/// The parser for a render of `renderer` (canonical name or alias; `None` or a name brm does
/// not know: the scene's own renderer, so every entry [`Renderer::tried_when_unknown`] reads
/// the log). It always understands the `@brm` lines; with `brm_authoritative` (the mayapy
/// methods, `plan::Method::parser`) those lines are the authority on frames from the first
/// line on. The registry entry is where a renderer's parser hangs: `progress` holds the
/// parsers and knows no registry.
pub fn parser_for(renderer: Option<&str>, brm_authoritative: bool) -> Box<dyn LogParser> {
    let inner = match renderer.and_then(lookup) {
        Some(r) => vec![(r.parser)()],
        None => ALL
            .iter()
            .filter(|r| r.tried_when_unknown)
            .map(|r| (r.parser)())
            .collect(),
    };
    combined(inner, brm_authoritative)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::ProgressEvent;
    use std::path::PathBuf;

    fn run(parser: &mut dyn LogParser, lines: &[&str]) -> Vec<ProgressEvent> {
        let mut out = Vec::new();
        for l in lines {
            parser.feed(l, &mut out);
        }
        out
    }

    #[test]
    fn brm_authoritative_parsers_take_frames_only_from_brm_lines() {
        // mayapy levels: the script's @brm lines own the frames from the first line on.
        let mut p = parser_for(Some("redshift"), true);
        let out = run(
            p.as_mut(),
            &[
                // Deadline MayaPype.py HandleRedshiftNewFrameProgress line shape.
                "Rendering frame 4 (1/1)...",
                // CGRU/cgru afanasy/python/parsers/redshift.py EXAMPLE OUTPUT.
                "INFO : [Redshift] Block 24/48 (7,4) rendered by GPU 0 in 2ms",
                r#"@brm {"event":"frame_done","frame":4,"files":["/o/s.0004.exr"]}"#,
            ],
        );
        assert_eq!(
            out,
            vec![
                ProgressEvent::Percent { percent: 50.0 },
                ProgressEvent::FrameFinished {
                    frame: Some(4),
                    files: vec![PathBuf::from("/o/s.0004.exr")]
                },
            ]
        );
        // Otherwise the renderer's own frame lines count.
        let mut p = parser_for(Some("redshift"), false);
        let out = run(p.as_mut(), &["Rendering frame 4 (1/1)..."]);
        assert_eq!(out, vec![ProgressEvent::FrameStarted { frame: 4 }]);
    }

    #[test]
    fn an_unknown_renderer_is_followed_by_every_maya_renderers_parser() {
        // Arnold's file line.
        let mut p = parser_for(None, false);
        let out = run(
            p.as_mut(),
            &["00:00:02   391MB         | [driver_exr] writing file `/o/a.0001.exr'"],
        );
        assert_eq!(
            out,
            vec![ProgressEvent::FileSaved {
                path: PathBuf::from("/o/a.0001.exr")
            }]
        );
        // A name brm does not know is the same as none.
        let mut p = parser_for(Some("studioRenderer"), false);
        let out = run(p.as_mut(), &["Rendering frame 4 (1/1)..."]);
        assert_eq!(out, vec![ProgressEvent::FrameStarted { frame: 4 }]);
        // Blender's lines are not a Maya renderer's.
        let mut p = parser_for(None, false);
        assert!(run(p.as_mut(), &["Saved: '/tmp/x_0001.png'"]).is_empty());
        let mut p = parser_for(Some("CYCLES"), false);
        assert_eq!(run(p.as_mut(), &["Saved: '/tmp/x_0001.png'"]).len(), 2);
    }

    #[test]
    fn every_name_and_alias_belongs_to_one_renderer() {
        let mut seen: Vec<String> = Vec::new();
        for r in ALL {
            for n in std::iter::once(r.name).chain(r.aliases.iter().copied()) {
                let l = n.to_ascii_lowercase();
                assert!(!seen.contains(&l), "{n} is claimed twice");
                assert_eq!(l, l.trim());
                seen.push(l);
            }
            assert!(r.aliases.iter().all(|a| *a == a.to_ascii_lowercase()));
        }
    }

    #[test]
    fn aliases_reach_the_canonical_name() {
        assert_eq!(canonical("rs"), "redshift");
        assert_eq!(canonical(" Redshift "), "redshift");
        assert_eq!(canonical("sw"), "mayaSoftware");
        assert_eq!(canonical("MTOA"), "arnold");
        assert_eq!(canonical("rman"), "renderman");
        assert_eq!(canonical("hw2"), "mayaHardware2");
        assert_eq!(canonical("studioRenderer"), "studioRenderer");
        assert_eq!(render_flag("mayaSoftware"), "sw");
        assert_eq!(render_flag("rs"), "redshift");
    }

    #[test]
    fn an_unknown_renderer_on_a_gpu_gets_every_renderers_device_zero() {
        let env = env_for(Some("studioRenderer"), true);
        assert!(env.contains(&("REDSHIFT_GPUDEVICES".into(), "0".into())));
        assert!(env_for(None, false).is_empty());
        assert!(gpu_env_vars().any(|v| v == "REDSHIFT_GPUDEVICES"));
    }
}
