//! What the client learns about a scene around a submit: a `.blend`'s facts from Blender
//! (frames, view layers; cached by content), and errors told with the artist's own file
//! instead of the snapshot brm made of it.

use std::path::Path;
use std::time::Duration;

use crate::client::ClientError;
use crate::paths::Paths;

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
    ClientError::Remote {
        kind,
        message: fixed,
    }
    .into()
}
