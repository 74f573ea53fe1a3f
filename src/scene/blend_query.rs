//! What a `.blend` holds (frame range, render engine, camera, view layers), asked of Blender
//! once and cached by the file's content. A compressed `.blend` cannot be read without
//! Blender's own reader, and its DNA changes between releases: Blender is the reliable
//! reader. The artist's file and its snapshot have the same content, so one query serves
//! `brm scene inspect`, the submit's layer check and the default frame range.
//!
//! The scene path travels as an argument of `blender -b`, never inside the Python
//! expression; nothing is shell-quoted because no shell is used.

use std::hash::Hasher;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{LayerInfo, SceneError, SceneInfo};

/// Bumped when [`BlendFacts`] or the query changes, so old cache entries are not read.
const CACHE_VERSION: u32 = 4;

/// One Python line printing the facts as JSON after a marker.
const EXPR: &str = "import bpy, json; s = bpy.context.scene; print('BRM_SCENE ' + json.dumps({'start': s.frame_start, 'end': s.frame_end, 'step': s.frame_step, 'engine': s.render.engine, 'camera': s.camera.name if s.camera else None, 'view_layers': [[v.name, bool(v.use)] for v in s.view_layers], 'version': '.'.join(str(x) for x in bpy.data.version[:2]), 'output': s.render.filepath, 'format': s.render.image_settings.file_format, 'app': '.'.join(str(x) for x in bpy.app.version[:2])}))";

/// What Blender says about a scene's active scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlendFacts {
    pub start: i64,
    pub end: i64,
    pub step: i64,
    /// `CYCLES`, `BLENDER_EEVEE`, `BLENDER_WORKBENCH`, …
    pub engine: String,
    pub camera: Option<String>,
    /// (name, renders) in the scene's order.
    pub view_layers: Vec<(String, bool)>,
    /// The Blender version that saved the file ("3.4").
    pub version: Option<String>,
    /// The scene's output path as saved (Output Properties › Output, `render.filepath`),
    /// `//` meaning beside the .blend; Blender's default is `/tmp/`.
    #[serde(default)]
    pub output: String,
    /// The output file format (`PNG`, `OPEN_EXR`, `OPEN_EXR_MULTILAYER`, …).
    #[serde(default)]
    pub format: String,
    /// The version of the Blender that answered (and renders): "3.4".
    #[serde(default)]
    pub app: Option<String>,
}

/// Why a file saved by Blender `file` may not render as the artist saw it in the Blender
/// `app` that renders it (both "major.minor"); `None` when the difference does not matter
/// (same major.minor: patch releases keep files as they are; an older file of the same
/// major version: Blender reads it as saved).
pub fn version_warning(file: &str, app: &str) -> Option<String> {
    let parse = |v: &str| -> Option<(u32, u32)> {
        let mut it = v.split('.');
        Some((
            it.next()?.trim().parse().ok()?,
            it.next()?.trim().parse().ok()?,
        ))
    };
    let (f, a) = (parse(file)?, parse(app)?);
    if f > a {
        Some(format!(
            "saved by Blender {file}, newer than the Blender {app} that renders it: what {app} \
             does not know (newer nodes, settings) is dropped or renders differently; install \
             Blender {file} or newer, or point BRM_BLENDER at it"
        ))
    } else if f.0 < a.0 {
        Some(format!(
            "saved by Blender {file} and rendered by Blender {app}: a file from an older major \
             version is converted on load and may not look as it did in {file}; check a \
             frame, or render with Blender {file} (BRM_BLENDER)"
        ))
    } else {
        None
    }
}

impl BlendFacts {
    /// The view layers a job without `--layer` renders as outputs of their own: every
    /// renderable one when there are several, since Blender writes one image per frame and
    /// the view layers would overwrite each other; none (render as the file says) when one
    /// layer renders, or when the file writes multilayer EXR (all layers in one file).
    pub fn separate_layers(&self) -> Vec<String> {
        if self.format == "OPEN_EXR_MULTILAYER" {
            return Vec::new();
        }
        let on: Vec<String> = self
            .view_layers
            .iter()
            .filter(|(_, on)| *on)
            .map(|(n, _)| n.clone())
            .collect();
        if on.len() > 1 {
            on
        } else {
            Vec::new()
        }
    }

    /// The folder the artist's file asks frames to go to: the folder part of its output
    /// path (`//render/shot_` → `<artist's folder>/render`), resolved against `artist` (the
    /// artist's .blend, never brm's snapshot of it). `None` when the file keeps Blender's
    /// default (`/tmp/`) or no path: that is no choice of the artist's.
    pub fn output_dir(&self, artist: &Path) -> Option<std::path::PathBuf> {
        let raw = self.output.trim();
        if raw.is_empty() || matches!(raw, "/tmp/" | "/tmp\\" | "/tmp" | "//") {
            return None;
        }
        let base = artist.parent().unwrap_or(Path::new("."));
        let full = match raw.strip_prefix("//") {
            Some(rel) => base.join(rel),
            None => std::path::PathBuf::from(raw),
        };
        // A trailing separator names a folder; otherwise the last part is a file prefix.
        if raw.ends_with('/') || raw.ends_with('\\') {
            Some(full)
        } else {
            full.parent().map(Path::to_path_buf)
        }
    }
}

impl BlendFacts {
    /// The frame set of the scene's range (`1-24`, `1-24x2`).
    pub fn frames(&self) -> Result<crate::frames::FrameSpec, crate::frames::FrameError> {
        crate::frames::FrameSpec::range(self.start, self.end, self.step.max(1) as u64)
    }

    /// Refuse a view layer the scene does not have, naming `artist` (the artist's file).
    pub fn check_layers(&self, wanted: &[String], artist: &Path) -> Result<(), SceneError> {
        for w in wanted {
            if !self.view_layers.iter().any(|(n, _)| n == w) {
                return Err(SceneError::UnknownViewLayer {
                    path: artist.to_path_buf(),
                    layer: w.clone(),
                    layers: self
                        .view_layers
                        .iter()
                        .map(|(n, on)| {
                            if *on {
                                n.clone()
                            } else {
                                format!("{n} [not rendered]")
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
        }
        Ok(())
    }

    /// Put the facts into an inspection result (replacing "read at render time").
    pub fn fill(&self, info: &mut SceneInfo) {
        info.renderer = Some(self.engine.to_ascii_lowercase());
        info.start_frame = Some(self.start as f64);
        info.end_frame = Some(self.end as f64);
        info.by_frame = Some(self.step as f64);
        info.animation = Some(true);
        info.cameras = self.camera.iter().cloned().collect();
        info.layers = self
            .view_layers
            .iter()
            .map(|(n, on)| LayerInfo {
                name: n.clone(),
                node: n.clone(),
                renderable: *on,
                start_frame: None,
                end_frame: None,
                from_reference: false,
            })
            .collect();
        info.warnings.retain(|w| {
            !w.contains("inspected by Blender at render time") && !w.contains("compressed")
        });
        info.blender_version = self.version.clone().or(info.blender_version.take());
        info.warnings.retain(|w| !w.starts_with("saved by Blender"));
        if let (Some(file), Some(app)) = (&info.blender_version, &self.app) {
            info.warnings.extend(version_warning(file, app));
        }
    }
}

/// A content key: 64-bit hash of the bytes plus their length.
fn content_key(path: &Path) -> Result<String, SceneError> {
    let mut f = std::fs::File::open(path).map_err(|e| SceneError::read(path, e))?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut len: u64 = 0;
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                h.write(&buf[..n]);
                len += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(SceneError::read(path, e)),
        }
    }
    Ok(format!("v{CACHE_VERSION}-{:016x}-{len}", h.finish()))
}

/// Ask `blender` about `scene`, from `cache_dir` when this content was asked before.
pub fn query(
    blender: &Path,
    scene: &Path,
    cache_dir: Option<&Path>,
    timeout: Duration,
) -> Result<BlendFacts, SceneError> {
    let cached: Option<PathBuf> = match cache_dir {
        Some(d) => Some(d.join(format!("blend-{}.json", content_key(scene)?))),
        None => None,
    };
    if let Some(c) = &cached {
        if let Some(f) = std::fs::read(c)
            .ok()
            .and_then(|b| serde_json::from_slice::<BlendFacts>(&b).ok())
        {
            return Ok(f);
        }
    }
    let scene_s = scene.to_string_lossy();
    let fail = |reason: String| SceneError::BlenderQuery {
        path: scene.to_path_buf(),
        reason,
    };
    let out = crate::detect::exec::run_with_timeout(
        blender,
        &["-b", scene_s.as_ref(), "--python-expr", EXPR],
        timeout,
    )
    .map_err(|e| fail(e.to_string()))?;
    let facts: BlendFacts = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("BRM_SCENE "))
        .and_then(|j| serde_json::from_str(j).ok())
        .ok_or_else(|| {
            fail(format!(
                "Blender did not describe the scene ({}); check that the file opens in Blender",
                out.stderr.lines().last().unwrap_or(out.status.as_str())
            ))
        })?;
    if let Some(c) = &cached {
        // Best effort: a cache that cannot be written only costs the next query.
        if let Some(d) = c.parent() {
            let _ = std::fs::create_dir_all(d);
        }
        let tmp = c.with_extension(format!("tmp{}", std::process::id()));
        if let Ok(text) = serde_json::to_vec(&facts) {
            if std::fs::write(&tmp, text).is_ok() {
                let _ = std::fs::rename(&tmp, c);
            }
        }
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> BlendFacts {
        BlendFacts {
            start: 1,
            end: 24,
            step: 2,
            engine: "CYCLES".into(),
            camera: Some("Camera".into()),
            view_layers: vec![("ViewLayer".into(), true), ("fx".into(), false)],
            version: Some("3.4".into()),
            output: "/tmp/".into(),
            format: "PNG".into(),
            app: Some("3.4".into()),
        }
    }

    #[test]
    fn only_a_blender_version_difference_that_matters_is_a_warning() {
        assert_eq!(version_warning("3.4", "3.4"), None);
        assert_eq!(version_warning("3.3", "3.4"), None);
        assert_eq!(version_warning("3.4", "3.4.1"), None);
        let newer = version_warning("4.2", "3.4").unwrap();
        assert!(newer.contains("newer than the Blender 3.4"), "{newer}");
        assert!(newer.contains("BRM_BLENDER"), "{newer}");
        assert!(version_warning("3.5", "3.4").is_some());
        let older = version_warning("2.93", "3.4").unwrap();
        assert!(older.contains("converted on load"), "{older}");
        assert_eq!(version_warning("garbage", "3.4"), None);
    }

    #[test]
    fn several_renderable_view_layers_render_apart_unless_the_file_writes_multilayer_exr() {
        let two = BlendFacts {
            view_layers: vec![
                ("beauty".into(), true),
                ("fx".into(), true),
                ("off".into(), false),
            ],
            ..facts()
        };
        assert_eq!(two.separate_layers(), vec!["beauty", "fx"]);
        let multi = BlendFacts {
            format: "OPEN_EXR_MULTILAYER".into(),
            ..two.clone()
        };
        assert!(multi.separate_layers().is_empty());
        assert!(facts().separate_layers().is_empty(), "one renderable layer");
    }

    #[test]
    fn the_output_folder_comes_from_the_artists_file_and_blenders_default_is_no_choice() {
        let artist = Path::new("/proj/sq010/sh020/shot.blend");
        let with = |o: &str| BlendFacts {
            output: o.into(),
            ..facts()
        };
        assert_eq!(with("/tmp/").output_dir(artist), None);
        assert_eq!(with("").output_dir(artist), None);
        assert_eq!(
            with("//render/shot_").output_dir(artist),
            Some(PathBuf::from("/proj/sq010/sh020/render"))
        );
        assert_eq!(
            with("//frames/").output_dir(artist),
            Some(PathBuf::from("/proj/sq010/sh020/frames/"))
        );
        assert_eq!(
            with("/renders/sh020/beauty_").output_dir(artist),
            Some(PathBuf::from("/renders/sh020"))
        );
    }

    #[test]
    fn frames_and_layer_check_name_the_artists_file() {
        let f = facts();
        assert_eq!(f.frames().unwrap().as_str(), "1-24x2");
        assert!(f
            .check_layers(&["ViewLayer".into()], Path::new("/a.blend"))
            .is_ok());
        let e = f
            .check_layers(&["nosuch".into()], Path::new("/shots/a.blend"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/shots/a.blend") && e.contains("\"nosuch\""),
            "{e}"
        );
        assert!(e.contains("ViewLayer, fx [not rendered]"), "{e}");
    }

    #[test]
    fn a_cached_answer_is_used_without_blender() {
        let d = tempfile::tempdir().unwrap();
        let scene = d.path().join("a.blend");
        std::fs::write(&scene, b"BLENDER-v304 content").unwrap();
        let cache = d.path().join("cache");
        std::fs::create_dir_all(&cache).unwrap();
        let key = content_key(&scene).unwrap();
        std::fs::write(
            cache.join(format!("blend-{key}.json")),
            serde_json::to_vec(&facts()).unwrap(),
        )
        .unwrap();
        let got = query(
            Path::new("/nonexistent/blender"),
            &scene,
            Some(&cache),
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(got, facts());
    }
}
