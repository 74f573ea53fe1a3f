//! Where frames go without `--output` (issue 19.3), with real files: a folder per job when
//! the scene names none, the `.blend`'s own Output path resolved against the artist's file
//! (real Blender), and a warning at submit before frames of another render are overwritten.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

mod common;
use common::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn submit(e: &Env, args: &[&str]) -> (u64, String) {
    let o = e.brm(args);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let id = String::from_utf8_lossy(&o.stdout)
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no job id in: {t}"));
    (id, String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn two_jobs_without_output_get_a_folder_each_and_overwrite_nothing() {
    let e = Env::home(&[]);
    let sc = scene("cube__cube.ma");
    let args = ["render", sc.as_str(), "--frames", "1-3", "--gpu", "cpu"];
    let (a, _) = submit(&e, &args);
    assert_eq!(e.wait_end(a, Duration::from_secs(60))["state"], "done");
    let (b, said) = submit(&e, &args);
    let v = e.wait_end(b, Duration::from_secs(60));
    assert_eq!(v["state"], "done", "{v}");
    let renders = e.state_dir().join("renders");
    for id in [a, b] {
        let s: Value = e.json(&["status", &id.to_string(), "--json"]);
        assert_eq!(
            Path::new(s["output_dir"].as_str().unwrap()),
            renders.join(format!("job-{id}")),
            "{s}"
        );
    }
    let log = e.brm_ok(&["log", &b.to_string(), "--notes"]);
    assert!(!log.contains("overwrote"), "{log}");
    assert!(!said.contains("overwrites"), "{said}");
}

#[test]
fn a_blend_renders_into_its_own_output_path_beside_the_artists_file_and_warns_before_overwriting() {
    let e = Env::home(&[]);
    // The artist's folder: examples/shot.blend, whose Output path is //render/shot.####.
    let artist = e.dir.path().join("sq010_sh020");
    std::fs::create_dir_all(&artist).unwrap();
    let blend = artist.join("shot.blend");
    std::fs::copy(format!("{ROOT}/examples/shot.blend"), &blend).unwrap();
    let b = blend.display().to_string();
    let args = [
        "render",
        b.as_str(),
        "--frames",
        "1",
        "--gpu",
        "cpu",
        "--cold",
    ];
    let (first, said) = submit(&e, &args);
    assert!(
        said.contains(&format!("frames go to {}", artist.join("render").display())),
        "{said}"
    );
    let v = e.wait_end(first, Duration::from_secs(120));
    assert_eq!(v["state"], "done", "{v}");
    for layer in ["beauty", "fx"] {
        assert!(artist
            .join("render")
            .join(layer)
            .join("shot.0001.png")
            .is_file());
    }
    // The same frame again: said at submit, before it renders.
    let (second, said) = submit(&e, &args);
    assert!(
        said.contains("warning: 1 of the frames to render already exist in")
            && said.contains(&artist.join("render").join("fx").display().to_string())
            && said.contains("this job overwrites them"),
        "{said}"
    );
    assert_eq!(
        e.wait_end(second, Duration::from_secs(120))["state"],
        "done"
    );
}

/// Issue 19.2: `examples/shot.blend` has two renderable view layers (`beauty`, `fx`).
/// Without `--layer` each is its own output, `<output>/<layer>/`, and every layer's frames
/// are counted (before, both were rendered into one `shot.####.png`: one was lost).
#[test]
fn every_renderable_view_layer_of_a_blend_is_its_own_output() {
    let e = Env::home(&[]);
    let out = e.dir.path().join("out");
    let o = out.display().to_string();
    let scene = format!("{ROOT}/examples/shot.blend");
    let args = [
        "render",
        scene.as_str(),
        "--frames",
        "1-2",
        "--gpu",
        "cpu",
        "-o",
        o.as_str(),
    ];
    let (id, _) = submit(&e, &args);
    let v = e.wait_end(id, Duration::from_secs(180));
    assert_eq!(v["state"], "done", "{v}");
    assert_eq!(v["frames_done"], 4, "two layers × two frames: {v}");
    let mut files = Vec::new();
    for layer in ["beauty", "fx"] {
        for f in 1..=2 {
            let p = out.join(layer).join(format!("shot.000{f}.png"));
            assert!(p.is_file(), "{} missing", p.display());
            files.push(std::fs::read(&p).unwrap());
        }
    }
    assert_ne!(files[0], files[2], "beauty and fx are different renders");
    let status = e.brm_ok(&["status", &id.to_string()]);
    assert!(
        status.contains("layer beauty") && status.contains("layer fx"),
        "{status}"
    );
}
