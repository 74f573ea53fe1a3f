//! `brm scene inspect` end to end: the real binary on the shared Maya test scenes
//! (`../shared/testdata/maya`, never copied into the repository) and the Blender example.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn testdata_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/maya");
    assert!(
        dir.is_dir(),
        "the shared Maya test scenes are missing: {} must exist",
        dir.display()
    );
    dir
}

fn scene(name: &str) -> PathBuf {
    let p = testdata_dir().join(name);
    assert!(p.is_file(), "test scene missing: {}", p.display());
    p
}

fn brm(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brm"))
        .args(args)
        .output()
        .expect("run brm")
}

fn inspect(path: &Path, json: bool) -> Output {
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["scene".as_ref(), "inspect".as_ref(), path.as_os_str()];
    if json {
        args.push("--json".as_ref());
    }
    brm(&args)
}

fn json_of(path: &Path) -> serde_json::Value {
    let out = inspect(path, true);
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: bad JSON: {e}", path.display()))
}

#[test]
fn every_test_scene_inspects_as_json() {
    let mut n = 0;
    for entry in std::fs::read_dir(testdata_dir()).unwrap() {
        let p = entry.unwrap().path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext != "ma" && ext != "mb" {
            continue;
        }
        let v = json_of(&p);
        assert_eq!(v["schema"], 1, "{}", p.display());
        assert_eq!(v["format"], ext, "{}", p.display());
        assert_eq!(
            v["layers"][0]["node"],
            "defaultRenderLayer",
            "{}",
            p.display()
        );
        assert_eq!(v["layers"][0]["name"], "masterLayer", "{}", p.display());
        assert!(v["renderer"].is_string(), "{}", p.display());
        n += 1;
    }
    assert_eq!(n, 9, "expected the 8 .ma and 1 .mb shared scenes");
}

#[test]
fn layers_table_is_readable() {
    let out = inspect(&scene("layers__layers.ma"), false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Renderer      arnold"), "{text}");
    assert!(text.contains("Frames        1-10"), "{text}");
    assert!(text.contains("Cameras       persp, camera1"), "{text}");
    assert!(text.contains("mtoa 5.1.0"), "{text}");
    let row = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row {name} in\n{text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        row("LAYER"),
        ["LAYER", "NODE", "RENDERABLE", "FRAMES", "FROM", "REFERENCE"]
    );
    assert_eq!(
        row("masterLayer"),
        ["masterLayer", "defaultRenderLayer", "yes", "scene", "no"]
    );
    assert_eq!(
        row("renderSetupLayer2"),
        [
            "renderSetupLayer2",
            "rs_renderSetupLayer2",
            "yes",
            "20-30",
            "no"
        ]
    );
    assert_eq!(
        row("renderSetupLayer4"),
        [
            "renderSetupLayer4",
            "rs_renderSetupLayer4",
            "yes",
            "1-20",
            "no"
        ]
    );
    assert_eq!(
        row("notRenderableLayer"),
        [
            "notRenderableLayer",
            "rs_notRenderableLayer",
            "no",
            "5-10",
            "no"
        ]
    );
    assert!(
        text.contains("warning: the scene references 1 file"),
        "{text}"
    );
}

#[test]
fn referenced_layers_are_marked() {
    let v = json_of(&scene("referenced_layers__referenced_layers.ma"));
    let layers = v["layers"].as_array().unwrap();
    let foreign = layers
        .iter()
        .find(|l| l["node"] == "imported_scene_defaultRenderLayer")
        .expect("foreign layer listed");
    assert_eq!(foreign["from_reference"], true);
    let out = inspect(&scene("referenced_layers__referenced_layers.ma"), false);
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("imported_scene_defaultRenderLayer"))
        .unwrap();
    assert!(row.trim_end().ends_with("yes"), "{row}");
}

#[test]
fn maya_binary_is_best_effort_with_a_warning() {
    let out = inspect(&scene("layers__scene_file_to_reference.mb"), false);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Format        Maya Binary"), "{text}");
    assert!(
        text.contains("warning: Maya Binary inspection is partial"),
        "{text}"
    );
}

#[test]
fn blender_example_inspects() {
    let blend = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shot.blend");
    let v = json_of(&blend);
    assert_eq!(v["format"], "blend");
    // The version that saved it is a fact of its own, not a warning (issue 22.11); the
    // example is compressed, so Blender itself says it (the Windows run under Wine has no
    // Blender: then the inspection says so).
    let warnings = v["warnings"].to_string();
    if warnings.contains("no Blender found") {
        assert!(v["blender_version"].is_null(), "{v:#}");
    } else {
        assert_eq!(v["blender_version"], "3.4", "{v:#}");
    }
    assert!(!warnings.contains("saved by Blender"), "{v:#}");
}

#[test]
fn errors_say_what_to_do_with_exit_codes() {
    let out = inspect(Path::new("/nonexistent/shot.ma"), false);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not exist"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("notes.txt");
    std::fs::write(&txt, "x").unwrap();
    let out = inspect(&txt, false);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".ma/.mb"));

    let bad = dir.path().join("bad.mb");
    std::fs::write(&bad, "this is not IFF").unwrap();
    let out = inspect(&bad, false);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("save the scene as Maya ASCII (.ma)"));

    let out = brm(&["scene".as_ref()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "missing subcommand is a usage error"
    );
}
