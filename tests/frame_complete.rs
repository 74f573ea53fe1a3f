//! Frame completeness on files a real renderer wrote: Blender saves PNG, JPEG, TIFF and
//! OpenEXR (ZIP, PIZ, DWAA, uncompressed) frames; each is complete as written and
//! incomplete when cut short anywhere (what a renderer that crashed while writing leaves).

use std::path::Path;
use std::process::Command;

use brm::runner::complete::{check, Completeness};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn blender() -> String {
    std::env::var("BRM_BLENDER").unwrap_or_else(|_| "blender".into())
}

#[test]
fn frames_blender_wrote_are_complete_and_truncated_copies_are_not() {
    let d = tempfile::tempdir().unwrap();
    let o = Command::new(blender())
        .args(["-b", "--factory-startup", "--python"])
        .arg(Path::new(ROOT).join("tests/helpers/blender_frames.py"))
        .arg("--")
        .arg(d.path())
        .output()
        .expect("blender is needed (scripts/test.sh installs it)");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("GEN_DONE"),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let names = [
        "a.png", "a.jpg", "a.tif", "zip.exr", "piz.exr", "dwaa.exr", "none.exr",
    ];
    for name in names {
        let p = d.path().join(name);
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(
            check(&p),
            Completeness::Complete,
            "{name} as Blender wrote it"
        );
        let cut = d.path().join(format!("cut-{name}"));
        for at in [bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
            std::fs::write(&cut, &bytes[..at]).unwrap();
            assert!(
                matches!(check(&cut), Completeness::Incomplete(_)),
                "{name} cut at {at} of {} bytes: {:?}",
                bytes.len(),
                check(&cut)
            );
        }
    }
}
