//! Blender (`.blend`) inspection, minimal: Blender itself reads the scene at render time
//! (`blender -b scene.blend -a`), so brm only checks that the file is a Blender file and reads
//! the version from its 12-byte header when the file is not compressed.
//!
//! Header: `BLENDER`, pointer size (`_` 32-bit, `-` 64-bit), endianness (`v` little, `V`
//! big), three version digits (`304` = 3.4). Compressed files start with the gzip magic
//! (`1f 8b`, Blender before 3.0 and "compress" on) or zstd (`28 b5 2f fd`, Blender 3.0+).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::{SceneError, SceneFormat, SceneInfo};

/// Inspect a `.blend` file.
pub fn inspect(path: &Path) -> Result<SceneInfo, SceneError> {
    let mut f = File::open(path).map_err(|e| SceneError::read(path, e))?;
    let mut head = [0u8; 12];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(SceneError::read(path, e)),
        }
    }
    let head = &head[..n];
    let mut info = SceneInfo::empty(path, SceneFormat::Blend);
    let version = if let Some(v) = header_version(head) {
        Some(v)
    } else if head.starts_with(&[0x1f, 0x8b]) || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        info.warnings
            .push("the .blend file is compressed: its Blender version is not read".into());
        None
    } else {
        return Err(SceneError::Blend {
            path: path.to_path_buf(),
            reason: "it has no BLENDER header and is not gzip or zstd compressed".into(),
        });
    };
    // Only a version that differs from the rendering Blender's matters (`blend_query`).
    info.blender_version = version;
    info.warnings.push(
        "Blender scenes are inspected by Blender at render time: frame range, view layers and camera come from the .blend when rendering (no layers listed here)"
            .into(),
    );
    Ok(info)
}

/// "3.4" from an uncompressed header `BLENDER-v304`.
fn header_version(head: &[u8]) -> Option<String> {
    if head.len() < 12 || !head.starts_with(b"BLENDER") {
        return None;
    }
    let digits = &head[9..12];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let major = (digits[0] - b'0') as u32;
    let minor = ((digits[1] - b'0') * 10 + (digits[2] - b'0')) as u32;
    Some(format!("{major}.{minor}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_from_header() {
        assert_eq!(header_version(b"BLENDER-v304").as_deref(), Some("3.4"));
        assert_eq!(header_version(b"BLENDER_V279").as_deref(), Some("2.79"));
        assert_eq!(header_version(b"BLENDER-v3"), None);
        assert_eq!(header_version(b"NOTBLENDER00"), None);
    }

    #[test]
    fn uncompressed_and_compressed_and_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.blend");
        std::fs::write(&p, b"BLENDER-v304REST").unwrap();
        let info = inspect(&p).unwrap();
        assert_eq!(info.format, SceneFormat::Blend);
        assert_eq!(info.blender_version.as_deref(), Some("3.4"));
        // A version is a fact, not a warning (only a difference that matters warns).
        assert!(
            !info.warnings.iter().any(|w| w.contains("Blender 3.4")),
            "{:?}",
            info.warnings
        );
        std::fs::write(&p, [0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        let info = inspect(&p).unwrap();
        assert!(info.warnings.iter().any(|w| w.contains("compressed")));
        std::fs::write(&p, b"hello").unwrap();
        let e = inspect(&p).unwrap_err();
        assert!(e.to_string().contains("save it again"), "{e}");
    }

    #[test]
    fn example_scene_inspects() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shot.blend");
        let info = inspect(&p).unwrap();
        assert_eq!(info.format, SceneFormat::Blend);
        assert!(info.layers.is_empty());
    }
}
