//! Submit preparation, the same for every front before a job goes to the agent (or the farm):
//! paths made absolute (`~` expanded), the output folder checked, the scene checked and
//! snapshotted so the artist can keep editing the original, a `.blend`'s facts asked of
//! Blender, the environment captured. Below the client: it knows nothing of the transport.

pub mod checks;
pub mod env;
pub mod scene;

use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, Kind};
use crate::paths::Paths;
use crate::plan::JobSpec;

/// A job ready to send, and the snapshot made for it.
#[derive(Debug)]
pub struct Prepared {
    pub spec: JobSpec,
    /// The snapshot this preparation made (none when the scene already was one).
    pub snapshot: Option<MadeSnapshot>,
}

/// A snapshot made for a submit: removed again when the job is refused, and named in errors
/// by the artist's file instead.
#[derive(Debug)]
pub struct MadeSnapshot {
    pub snap: PathBuf,
    pub artist: PathBuf,
}

impl MadeSnapshot {
    /// The job was refused: remove the snapshot and tell `e` with the artist's file.
    pub fn refused(&self, e: crate::Error) -> crate::Error {
        let _ = std::fs::remove_file(&self.snap);
        scene::artist_error(e, &self.snap, &self.artist)
    }
}

/// Prepare `spec` for a submit to the agent whose folders are `paths`. The scene is
/// snapshotted unless it already is a snapshot; the client's environment travels with the
/// job unless the spec carries one.
pub fn prepare(mut spec: JobSpec, paths: &Paths) -> crate::Result<Prepared> {
    spec.scene = absolute(&checks::expand_tilde(&spec.scene, "scene")?);
    if let Some(o) = &spec.output_dir {
        let o = checks::expand_tilde(o, "output folder")?;
        spec.output_dir = Some(absolute(&o));
    }
    checks::check(&mut spec)?;
    if !spec.scene.is_file() {
        return Err(crate::Error::NotFound(format!(
            "scene {} does not exist (or is not a file); check the path",
            spec.scene.display()
        )));
    }
    let snapdir = paths
        .snapshots
        .canonicalize()
        .unwrap_or_else(|_| paths.snapshots.clone());
    let scene_canon = spec
        .scene
        .canonicalize()
        .unwrap_or_else(|_| spec.scene.clone());
    // A .blend: what Blender says decides layers, frames and the output folder.
    if spec.is_blend() {
        scene::apply_blend_facts(&mut spec, paths)?;
    }
    // The snapshot this submit made: removed again when the job is refused, and named
    // in errors by the artist's file instead.
    let mut made: Option<MadeSnapshot> = None;
    if !scene_canon.starts_with(&snapdir) {
        // Refuse what is not a scene before snapshotting it, naming the artist's file
        // (a partial .mb read is fine: the agent decides with the job's layers/frames).
        if let Err(e) = crate::scene::inspect(&spec.scene) {
            if Kind::kind(&e) != ErrorKind::Unsupported {
                return Err(e.into());
            }
        }
        // A snapshot folder another user controls would hand them the artist's scene.
        #[cfg(unix)]
        crate::ipc::trust::check_dir(&paths.snapshots).map_err(|u| crate::Error::Reworded {
            kind: ErrorKind::Unavailable,
            message: u.to_string(),
        })?;
        let store = crate::scene::SnapshotStore::new(paths.snapshots.clone());
        let snap = store.snapshot(&spec.scene)?;
        if spec.source_scene.is_none() {
            spec.source_scene = Some(spec.scene.clone());
        }
        made = Some(MadeSnapshot {
            snap: snap.clone(),
            artist: spec.scene.clone(),
        });
        spec.scene = snap;
    }
    if spec.env.is_empty() {
        spec.env = env::capture_env();
    }
    Ok(Prepared {
        spec,
        snapshot: made,
    })
}

fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}
