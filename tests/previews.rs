//! Previews of what rendered (issue 20.3): when frames are verified the agent makes a small
//! PNG of the latest one per job and layer (EXR tone-mapped), `brm status` and its JSON name
//! it, and forgetting the job removes it. Real agent, the fake Maya writing real EXR frames
//! (tests/fakes), and real Blender PNG frames.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{wait_for, Env, ROOT};

fn png_size(p: &Path) -> (u32, u32) {
    let b = std::fs::read(p).unwrap();
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        p.display()
    );
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20))
}

#[test]
fn an_exr_job_gets_a_preview_that_status_names_and_forget_removes() {
    let env = Env::home(&[]);
    let id = env.cube_job("1-3", &[]);
    let v = env.wait_end(id, Duration::from_secs(120));
    assert_eq!(v["state"], "done", "{v:#}");
    let mut preview = String::new();
    wait_for("the preview", Duration::from_secs(30), || {
        let v = env.json(&["status", &id.to_string(), "--json"]);
        preview = v["preview"].as_str().unwrap_or_default().to_string();
        !preview.is_empty()
    });
    let p = Path::new(&preview);
    assert!(p.starts_with(env.state_dir().join("previews")), "{preview}");
    // The fake's frames are 1-px EXRs: kept at their size, never enlarged.
    assert_eq!(png_size(p), (1, 1));
    let text = env.brm_ok(&["status", &id.to_string()]);
    assert!(text.contains(&format!("preview:  {preview}")), "{text}");
    env.brm_ok(&["forget", &id.to_string()]);
    assert!(!p.exists(), "the preview outlived its job");
}

#[test]
fn a_blender_job_gets_a_preview_per_view_layer_at_most_256_wide() {
    let have = std::process::Command::new("blender")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        have || std::env::var_os("CI").is_none(),
        "Blender is required in CI"
    );
    if !have {
        eprintln!("SKIP: no blender here");
        return;
    }
    let env = Env::home(&[]);
    let out = env.dir.path().join("out");
    let v = env.json(&[
        "render",
        &format!("{ROOT}/examples/shot.blend"),
        "--frames",
        "1-2",
        "--gpu",
        "cpu",
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]);
    let id = v["id"].as_u64().unwrap();
    assert_eq!(env.wait_end(id, Duration::from_secs(300))["state"], "done");
    let mut previews = Vec::new();
    wait_for(
        "a preview of each view layer",
        Duration::from_secs(30),
        || {
            let v = env.json(&["status", &id.to_string(), "--json"]);
            previews = v["previews"].as_array().cloned().unwrap_or_default();
            previews.len() == 2
        },
    );
    let layers: Vec<&str> = previews
        .iter()
        .map(|p| p["layer"].as_str().unwrap())
        .collect();
    assert_eq!(layers, ["beauty", "fx"]);
    for p in &previews {
        assert_eq!(p["frame"], 2, "{p}");
        let (w, h) = png_size(Path::new(p["path"].as_str().unwrap()));
        assert!(w <= 256 && w > 0 && h > 0, "{w}x{h}");
    }
}
