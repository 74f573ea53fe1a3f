//! What the client learns about a scene around a submit: a `.blend`'s facts from Blender
//! (frames, view layers; cached by content), and errors told with the artist's own file
//! instead of the snapshot brm made of it.

use std::path::Path;
use std::time::Duration;

use crate::paths::Paths;

/// Inspect a scene as `brm scene inspect` shows it, the one description the CLI, the C ABI
/// and Python share: a Maya scene read from its file; a `.blend` read from its file, then
/// frames, engine, camera and view layers from Blender itself (cached by content). Without
/// a Blender the file's own facts remain, with a warning saying what is missing and why.
pub fn inspect(path: &std::path::Path, paths: &Paths) -> crate::Result<crate::scene::SceneInfo> {
    let mut info = crate::scene::inspect(path)?;
    if info.format == crate::scene::SceneFormat::Blend {
        match blend_facts(path, paths) {
            Ok(f) => f.fill(&mut info),
            Err(e) => info
                .warnings
                .push(format!("frames and view layers not read: {e}")),
        }
    }
    Ok(info)
}

/// What Blender says about a `.blend` (cached by content under the state folder).
pub fn blend_facts(
    scene: &Path,
    paths: &Paths,
) -> crate::Result<crate::scene::blend_query::BlendFacts> {
    let report = crate::detect::detect_cached();
    let blender = report.blender.as_ref().map(|b| b.path.clone()).ok_or_else(|| {
        crate::Error::NotFound("no Blender found to read the scene (frame range, view layers); install Blender, set BRM_BLENDER, or give --frames".into())
    })?;
    Ok(crate::scene::blend_query::query(
        &blender,
        scene,
        Some(&paths.state.join("cache")),
        Duration::from_secs(120),
    )?)
}

/// Fill in a `.blend` job from what Blender says of the file (once per content, cached):
/// `--layer` is checked now, not at render time; without it, several renderable view layers
/// render as outputs of their own (`<output>/<layer>/`, as Maya's layers do: one image per
/// frame would keep only one); without frames, the scene's range; without `--output`, the
/// folder of the file's Output path, `//` resolved against the artist's folder (not the
/// snapshot's). With frames given, a Blender this process cannot find or run is no reason
/// to refuse: the job renders with the Blender of its own environment, as the file says.
pub(crate) fn apply_blend_facts(
    spec: &mut crate::plan::JobSpec,
    paths: &Paths,
) -> crate::Result<()> {
    let facts = match blend_facts(&spec.scene, paths) {
        Ok(f) => f,
        Err(_) if spec.frames.is_some() => return Ok(()),
        Err(e) => return Err(e),
    };
    facts.check_layers(&spec.layers, &spec.scene)?;
    if spec.layers.is_empty() {
        spec.layers = facts.separate_layers();
    }
    if spec.frames.is_none() {
        spec.frames = Some(facts.frames()?);
    }
    if spec.output_dir.is_none() {
        let artist = spec.source_scene.as_ref().unwrap_or(&spec.scene);
        let artist = std::path::absolute(artist).unwrap_or(artist.clone());
        if let Some(dir) = facts.output_dir(&artist) {
            spec.output_dir = Some(super::checks::output_dir(&dir)?);
        }
    }
    Ok(())
}

/// An error about a snapshot, told with the artist's own file: they never saw the snapshot's
/// name, so "…/snapshots/layers-3f2a.ma has no render layer" would send them looking for a
/// file they do not have.
pub(crate) fn artist_error(e: crate::Error, snap: &Path, artist: &Path) -> crate::Error {
    let kind = e.kind();
    let text = e.to_string();
    let mut fixed = text.replace(&snap.display().to_string(), &artist.display().to_string());
    if let (Some(sn), Some(an)) = (snap.file_name(), artist.file_name()) {
        fixed = fixed.replace(&*sn.to_string_lossy(), &an.to_string_lossy());
    }
    if fixed == text {
        return e;
    }
    crate::Error::Reworded {
        kind,
        message: fixed,
    }
}
