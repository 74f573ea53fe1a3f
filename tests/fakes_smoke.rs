//! The fake Maya (tests/fakes) speaks the renderers' real log lines, and brm's progress parsers
//! understand them: runs the fake `Render` and the fake `mayapy` with brm's real custom script,
//! feeds their output through `Method::parser` (the registry's parser), and checks frames, files and fatal
//! lines. Needs `python3` (the fakes are Python scripts).

use std::path::{Path, PathBuf};
use std::process::Command;

use brm::plan::Method;
use brm::progress::ProgressEvent;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fake(name: &str) -> PathBuf {
    root().join("tests/fakes/maya2025/bin").join(name)
}

fn scene(dir: &Path, renderer: &str) -> PathBuf {
    let path = dir.join("shot.ma");
    std::fs::write(
        &path,
        format!(
            "//Maya ASCII 2025 scene\n\
             createNode transform -s -n \"persp\";\n\
             createNode camera -s -n \"perspShape\" -p \"persp\";\n\
             createNode renderSetupLayer -n \"beauty\";\n\
             createNode renderLayer -n \"rs_beauty\";\n\
             select -ne :defaultRenderGlobals;\n\
             \tsetAttr \".ren\" -type \"string\" \"{renderer}\";\n"
        ),
    )
    .unwrap();
    path
}

/// Runs `cmd` with no inherited BRM_FAKE_* switches, returns (exit code, events).
fn run(
    mut cmd: Command,
    renderer: Option<&str>,
    method: Method,
) -> (Option<i32>, Vec<ProgressEvent>) {
    for (k, _) in std::env::vars() {
        if k.starts_with("BRM_FAKE") {
            cmd.env_remove(k);
        }
    }
    let output = cmd.output().expect("run a fake (is python3 on PATH?)");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut parser = method.parser(renderer);
    let mut events = Vec::new();
    for line in text.lines() {
        parser.feed(line, &mut events);
    }
    (output.status.code(), events)
}

fn finished(events: &[ProgressEvent]) -> Vec<(Option<i64>, Vec<PathBuf>)> {
    events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::FrameFinished { frame, files } => Some((*frame, files.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn fake_render_output_parses_per_renderer() {
    for renderer in ["arnold", "redshift", "vray", "sw", "hw2"] {
        let dir = tempfile::tempdir().unwrap();
        let scene = scene(dir.path(), "arnold");
        let out = dir.path().join("out");
        let mut cmd = Command::new(fake("Render"));
        cmd.args([
            "-r",
            renderer,
            "-rl",
            "rs_beauty",
            "-s",
            "1",
            "-e",
            "3",
            "-b",
            "1",
            "-rd",
        ])
        .arg(&out)
        .args(["-im", "shot", "-pad", "4"])
        .arg(&scene);
        let (code, events) = run(cmd, Some(renderer), Method::Render);
        assert_eq!(code, Some(0), "{renderer}");
        let done = finished(&events);
        let frames: Vec<Option<i64>> = done.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            frames,
            vec![Some(1), Some(2), Some(3)],
            "{renderer}: {events:?}"
        );
        for (frame, files) in done {
            let expected = out.join(format!("shot.{:04}.exr", frame.unwrap()));
            assert_eq!(files, vec![expected.clone()], "{renderer}");
            assert!(expected.metadata().unwrap().len() > 0);
        }
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, ProgressEvent::Fatal { .. })),
            "{renderer}: {events:?}"
        );
    }
}

#[test]
fn fake_licence_failures_are_fatal() {
    for renderer in ["arnold", "redshift", "vray", "renderman", "sw"] {
        let dir = tempfile::tempdir().unwrap();
        let scene = scene(dir.path(), "arnold");
        let mut cmd = Command::new(fake("Render"));
        cmd.args(["-r", renderer])
            .arg(&scene)
            .env("BRM_FAKE_FAIL", "licence");
        let (code, events) = run(cmd, Some(renderer), Method::Render);
        assert_eq!(code, Some(1), "{renderer}");
        assert!(
            matches!(events.as_slice(), [ProgressEvent::Fatal { .. }]),
            "{renderer}: {events:?}"
        );
    }
}

#[test]
fn fake_invalid_redshift_device_is_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let scene = scene(dir.path(), "redshift");
    let mut cmd = Command::new(fake("Render"));
    cmd.args(["-r", "redshift", "-gpu", "{1}"])
        .arg(&scene)
        .env("CUDA_VISIBLE_DEVICES", "GPU-1");
    let (code, events) = run(cmd, Some("redshift"), Method::Render);
    assert_eq!(code, Some(211));
    assert!(
        matches!(events.as_slice(), [ProgressEvent::Fatal { .. }]),
        "{events:?}"
    );
}

#[test]
fn custom_script_under_fake_mayapy_reports_frames_once() {
    let dir = tempfile::tempdir().unwrap();
    let scene = scene(dir.path(), "redshift");
    let out = dir.path().join("out").join("beauty");
    let task = serde_json::json!({
        "schema": 1, "scene": scene, "project": null, "layer": "rs_beauty",
        "layer_display": "beauty", "frames": [1, 7, 13], "camera": null, "renderer": null,
        "output_dir": out, "image_name": "shot010", "padding": 4, "gpu_device": 0
    });
    let task_path = dir.path().join("task.json");
    std::fs::write(&task_path, task.to_string()).unwrap();
    let mut cmd = Command::new(fake("mayapy"));
    cmd.arg(root().join("maya_plugin/scripts/brm_render_custom.py"))
        .arg(&task_path)
        .env("CUDA_VISIBLE_DEVICES", "GPU-0");
    let (code, events) = run(cmd, None, Method::MayapyCustom);
    assert_eq!(code, Some(0));
    let done = finished(&events);
    assert_eq!(
        done,
        [1i64, 7, 13]
            .iter()
            .map(|f| (Some(*f), vec![out.join(format!("shot010.{f:04}.exr"))]))
            .collect::<Vec<_>>(),
        "{events:?}"
    );
    let started = events
        .iter()
        .filter(|e| matches!(e, ProgressEvent::FrameStarted { .. }))
        .count();
    assert_eq!(started, 3);
    assert!(events
        .iter()
        .any(|e| matches!(e, ProgressEvent::Percent { .. })));
}
