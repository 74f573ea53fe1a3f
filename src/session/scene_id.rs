//! Scene identity by content: length + a hash of the bytes, cached by (path, length, mtime).
//!
//! Why content: every submit snapshots the scene to a new path, so a re-submit of the same
//! shot has a new file with the same bytes; it may reuse the warm session, a changed scene
//! never. The hash is std's SipHash (keys fixed within one agent process, which is all a
//! session lives for) over the whole file, with the length beside it.

use std::collections::HashMap;
use std::hash::Hasher;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// A scene's content identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SceneId {
    pub len: u64,
    pub hash: u64,
}

/// Cache of scene ids (hashing a 1 GiB scene per chunk would cost more than it saves).
#[derive(Default)]
pub struct SceneIds {
    cache: HashMap<(PathBuf, u64, Option<SystemTime>), SceneId>,
}

impl SceneIds {
    /// The content id of `path` (hashed once per path, length and mtime).
    pub fn id(&mut self, path: &Path) -> std::io::Result<SceneId> {
        let meta = std::fs::metadata(path)?;
        let k = (path.to_path_buf(), meta.len(), meta.modified().ok());
        if let Some(id) = self.cache.get(&k) {
            return Ok(*id);
        }
        let id = hash_file(path)?;
        if self.cache.len() > 256 {
            self.cache.clear();
        }
        self.cache.insert(k, id);
        Ok(id)
    }
}

fn hash_file(path: &Path) -> std::io::Result<SceneId> {
    let mut f = std::fs::File::open(path)?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.write(&buf[..n]);
        len += n as u64;
    }
    Ok(SceneId {
        len,
        hash: h.finish(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_copies_match_and_a_changed_scene_does_not() {
        let d = tempfile::tempdir().unwrap();
        let (a, b, c) = (d.path().join("a"), d.path().join("b"), d.path().join("c"));
        std::fs::write(&a, b"BLENDER scene bytes").unwrap();
        std::fs::write(&b, b"BLENDER scene bytes").unwrap();
        std::fs::write(&c, b"BLENDER scene bytez").unwrap();
        let mut ids = SceneIds::default();
        assert_eq!(ids.id(&a).unwrap(), ids.id(&b).unwrap());
        assert_ne!(ids.id(&a).unwrap(), ids.id(&c).unwrap());
        assert!(ids.id(&d.path().join("missing")).is_err());
    }
}
