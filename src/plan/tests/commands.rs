//! Commands per level: argv, environment, task files, missing programs.

use super::*;

#[test]
fn levels() {
    assert_eq!(
        levels_for(&spec()),
        vec![Method::MayapyCustom, Method::Render, Method::MayapyBasic]
    );
    assert_eq!(
        levels_for(&JobSpec::new("/a/b.blend")),
        vec![Method::Blender]
    );
    let mut s = spec();
    s.method = Method::Render;
    assert_eq!(levels_for(&s), vec![Method::Render]);
}

// ---- commands ----

struct Env {
    dir: tempfile::TempDir,
    exes: Executables,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let scripts = dir.path().join("scripts");
    std::fs::create_dir_all(scripts.join("blender")).unwrap();
    for f in [
        "brm_render_custom.py",
        "brm_render_basic.py",
        "blender/brm_blender_setup.py",
    ] {
        std::fs::write(scripts.join(f), "# test\n").unwrap();
    }
    let exes = Executables {
        render: Some("/maya/bin/Render".into()),
        mayapy: Some("/maya/bin/mayapy".into()),
        blender: Some("/usr/bin/blender".into()),
        blender_scripts_dir: scripts.join("blender"),
        scripts_dir: scripts,
        maya_root: Some("/maya".into()),
        ..Default::default()
    };
    Env { dir, exes }
}

fn task(layer: &str, frames: Vec<i64>, renderer: Option<&str>) -> Task {
    Task {
        index: 3,
        layer: layer.into(),
        layer_display: layer.trim_start_matches("rs_").into(),
        frames,
        output_dir: "/out/beauty".into(),
        image_name: "shot010".into(),
        padding: 4,
        renderer: renderer.map(str::to_string),
    }
}

fn gpu1() -> GpuSlot {
    GpuSlot::Gpu {
        index: 1,
        uuid: Some("GPU-1111".into()),
    }
}

fn get<'a>(env: &'a [(String, String)], k: &str) -> Option<&'a str> {
    env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn sv(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn mayapy_custom_command_and_task_file() {
    let e = env();
    let work = e.dir.path().join("work");
    let mut s = spec();
    s.env = vec![
        ("PATH".into(), "/usr/bin".into()),
        ("CUDA_VISIBLE_DEVICES".into(), "0,1,2".into()),
        ("LM_LICENSE_FILE".into(), "27000@lic".into()),
    ];
    s.camera = Some("shotCam".into());
    let t = task(WEIRD, vec![1, 7, 13, 19], Some("redshift"));
    let cmds = command_for(
        &s,
        &t,
        &[7, 13],
        Method::MayapyCustom,
        &gpu1(),
        &e.exes,
        &work,
    )
    .unwrap();
    assert_eq!(cmds.len(), 1);
    let c = &cmds[0];
    assert_eq!(c.program, PathBuf::from("/maya/bin/mayapy"));
    let task_file = work.join("task-3.json");
    assert_eq!(
        c.args,
        vec![
            e.exes
                .scripts_dir
                .join("brm_render_custom.py")
                .to_string_lossy()
                .into_owned(),
            task_file.to_string_lossy().into_owned()
        ]
    );
    assert!(c.env_clear);
    assert_eq!(get(&c.env, "PATH"), Some("/usr/bin"));
    assert_eq!(get(&c.env, "LM_LICENSE_FILE"), Some("27000@lic"));
    assert_eq!(
        get(&c.env, "CUDA_VISIBLE_DEVICES"),
        Some("GPU-1111"),
        "stale client pinning replaced"
    );
    assert_eq!(
        c.env
            .iter()
            .filter(|(k, _)| k == "CUDA_VISIBLE_DEVICES")
            .count(),
        1
    );
    assert_eq!(get(&c.env, "REDSHIFT_GPUDEVICES"), Some("0"));
    assert_eq!(get(&c.env, "PYTHONUNBUFFERED"), Some("1"));
    assert_eq!(c.cwd, None);

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&task_file).unwrap()).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["scene"], "/snap/shot010_snapshot.ma");
    assert_eq!(
        json["layer"], WEIRD,
        "layer name travels as data, untouched"
    );
    assert_eq!(json["frames"], serde_json::json!([7, 13]));
    assert_eq!(json["camera"], "shotCam");
    assert!(json["renderer"].is_null(), "null = the scene's renderer");
    assert!(json["project"].is_null());
    assert_eq!(json["output_dir"], "/out/beauty");
    assert_eq!(json["image_name"], "shot010");
    assert_eq!(json["padding"], 4);
    assert_eq!(json["gpu_device"], 0);

    let cmds = command_for(
        &s,
        &t,
        &[1],
        Method::MayapyBasic,
        &GpuSlot::Cpu,
        &e.exes,
        &work,
    )
    .unwrap();
    assert!(cmds[0].args[0].ends_with("brm_render_basic.py"));
    assert_eq!(get(&cmds[0].env, "CUDA_VISIBLE_DEVICES"), Some(""));
    assert_eq!(get(&cmds[0].env, "REDSHIFT_GPUDEVICES"), None);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&task_file).unwrap()).unwrap();
    assert!(json["gpu_device"].is_null());
}

#[test]
fn render_command_one_per_arithmetic_run() {
    let e = env();
    let mut s = spec();
    s.camera = Some("|shot cam".into());
    s.project = Some("/proj".into());
    let t = task("rs_beauty", vec![], Some("arnold"));
    let cmds = command_for(
        &s,
        &t,
        &[1, 6, 11, 16],
        Method::Render,
        &gpu1(),
        &e.exes,
        e.dir.path(),
    )
    .unwrap();
    assert_eq!(cmds.len(), 1);
    assert_eq!(cmds[0].program, PathBuf::from("/maya/bin/Render"));
    assert_eq!(
        cmds[0].args,
        sv(&[
            "-rl",
            "rs_beauty",
            "-s",
            "1",
            "-e",
            "16",
            "-b",
            "5",
            "-rd",
            "/out/beauty",
            "-im",
            "shot010",
            "-pad",
            "4",
            "-cam",
            "|shot cam",
            "-proj",
            "/proj",
            "/snap/shot010_snapshot.ma"
        ])
    );
    assert!(
        !cmds[0].env_clear,
        "no captured environment: inherit the agent's, pinning on top"
    );
    assert_eq!(get(&cmds[0].env, "CUDA_VISIBLE_DEVICES"), Some("GPU-1111"));
    assert_eq!(get(&cmds[0].env, "PYTHONUNBUFFERED"), None);

    let cmds = command_for(
        &spec(),
        &t,
        &[7, 1, 2, 3],
        Method::Render,
        &gpu1(),
        &e.exes,
        e.dir.path(),
    )
    .unwrap();
    let runs: Vec<Vec<String>> = cmds.iter().map(|c| c.args[2..8].to_vec()).collect();
    assert_eq!(
        runs,
        vec![
            sv(&["-s", "1", "-e", "3", "-b", "1"]),
            sv(&["-s", "7", "-e", "7", "-b", "1"])
        ]
    );
}

#[test]
fn render_renderer_flags() {
    let e = env();
    let s = spec();
    // Redshift from the scene on a GPU slot: -r redshift and -gpu {0} (the pinned card).
    let t = task("rs_beauty", vec![], Some("redshift"));
    let c = &command_for(&s, &t, &[5], Method::Render, &gpu1(), &e.exes, e.dir.path()).unwrap()[0];
    assert_eq!(&c.args[..2], &sv(&["-r", "redshift"]));
    let n = c.args.len();
    assert_eq!(
        &c.args[n - 3..],
        &sv(&["-gpu", "{0}", "/snap/shot010_snapshot.ma"])
    );
    assert_eq!(get(&c.env, "REDSHIFT_GPUDEVICES"), Some("0"));
    // On CPU: no GPU flags, GPUs hidden.
    let c = &command_for(
        &s,
        &t,
        &[5],
        Method::Render,
        &GpuSlot::Cpu,
        &e.exes,
        e.dir.path(),
    )
    .unwrap()[0];
    assert!(
        !c.args.contains(&"-gpu".to_string()) && !c.args.contains(&"-r".to_string()),
        "{:?}",
        c.args
    );
    assert_eq!(get(&c.env, "CUDA_VISIBLE_DEVICES"), Some(""));
    // Renderer override mapped to Render's names.
    let mut s2 = spec();
    s2.renderer = Some("mayaSoftware".into());
    let c = &command_for(
        &s2,
        &task("rs_beauty", vec![], Some("mayaSoftware")),
        &[5],
        Method::Render,
        &gpu1(),
        &e.exes,
        e.dir.path(),
    )
    .unwrap()[0];
    assert_eq!(&c.args[..2], &sv(&["-r", "sw"]));
    // Pinning by index when the UUID is unknown.
    let slot = GpuSlot::Gpu {
        index: 2,
        uuid: None,
    };
    let c = &command_for(&s, &t, &[5], Method::Render, &slot, &e.exes, e.dir.path()).unwrap()[0];
    assert_eq!(get(&c.env, "CUDA_VISIBLE_DEVICES"), Some("2"));
    assert_eq!(get(&c.env, "CUDA_DEVICE_ORDER"), Some("PCI_BUS_ID"));
}

#[test]
fn weird_layer_names_are_single_argv_items() {
    let e = env();
    let t = task(WEIRD, vec![], None);
    let c = &command_for(
        &spec(),
        &t,
        &[1, 2],
        Method::Render,
        &gpu1(),
        &e.exes,
        e.dir.path(),
    )
    .unwrap()[0];
    assert_eq!(&c.args[..2], &sv(&["-rl", WEIRD]));
    let mut b = JobSpec::new("/p/my shot.blend");
    b.frames = Some("1".parse().unwrap());
    let c = &command_for(
        &b,
        &t,
        &[1],
        Method::Blender,
        &gpu1(),
        &e.exes,
        e.dir.path(),
    )
    .unwrap()[0];
    let n = c.args.len();
    assert_eq!(&c.args[n - 2..], &sv(&["--view-layer", WEIRD]));
    assert_eq!(c.args[1], "/p/my shot.blend");
}

#[test]
fn blender_commands() {
    let e = env();
    let s = JobSpec::new("/p/shot.blend");
    let mut t = task("", vec![], None);
    t.output_dir = "/out".into();
    t.image_name = "shot".into();
    let c = &command_for(
        &s,
        &t,
        &(1..=24).collect::<Vec<_>>(),
        Method::Blender,
        &gpu1(),
        &e.exes,
        e.dir.path(),
    )
    .unwrap()[0];
    assert_eq!(c.program, PathBuf::from("/usr/bin/blender"));
    assert_eq!(
        c.args,
        sv(&[
            "-b",
            "/p/shot.blend",
            "-o",
            "/out/shot.####",
            "-s",
            "1",
            "-e",
            "24",
            "-j",
            "1",
            "-a",
            "--",
            "--cycles-device",
            "CUDA"
        ])
    );
    assert_eq!(get(&c.env, "CUDA_VISIBLE_DEVICES"), Some("GPU-1111"));

    let c = &command_for(
        &s,
        &t,
        &[1, 7, 13, 2, 3, 4, 5],
        Method::Blender,
        &GpuSlot::Cpu,
        &e.exes,
        e.dir.path(),
    )
    .unwrap()[0];
    assert_eq!(
        c.args[4..],
        sv(&["-f", "1,7,13,2..5", "--", "--cycles-device", "CPU"])
    );
    let c = &command_for(
        &s,
        &t,
        &[9],
        Method::Blender,
        &GpuSlot::Cpu,
        &e.exes,
        e.dir.path(),
    )
    .unwrap()[0];
    assert_eq!(c.args[4..6], sv(&["-f", "9"]));

    t.layer = "fg".into();
    let c = &command_for(
        &s,
        &t,
        &[1, 3, 5],
        Method::Blender,
        &gpu1(),
        &e.exes,
        e.dir.path(),
    )
    .unwrap()[0];
    let setup = e
        .exes
        .blender_scripts_dir
        .join("brm_blender_setup.py")
        .to_string_lossy()
        .into_owned();
    assert_eq!(
        c.args,
        sv(&[
            "-b",
            "/p/shot.blend",
            "--python",
            &setup,
            "-o",
            "/out/shot.####",
            "-s",
            "1",
            "-e",
            "5",
            "-j",
            "2",
            "-a",
            "--",
            "--cycles-device",
            "CUDA",
            "--view-layer",
            "fg"
        ])
    );
    let err = command_for(
        &s,
        &t,
        &[-1, 0],
        Method::Blender,
        &gpu1(),
        &e.exes,
        e.dir.path(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

#[test]
fn missing_executables_and_scripts() {
    let e = env();
    let t = task("rs_beauty", vec![], None);
    let mut exes = e.exes.clone();
    exes.mayapy = None;
    let err = command_for(
        &spec(),
        &t,
        &[1],
        Method::MayapyCustom,
        &gpu1(),
        &exes,
        e.dir.path(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.to_string().contains("mayapy") && err.to_string().contains("/maya"),
        "{err}"
    );
    exes.render = None;
    exes.maya_root = None;
    let err = command_for(
        &spec(),
        &t,
        &[1],
        Method::Render,
        &gpu1(),
        &exes,
        e.dir.path(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("Render") && err.contains("MAYA_LOCATION"),
        "{err}"
    );
    exes.blender = None;
    let err = command_for(
        &JobSpec::new("/a.blend"),
        &task("", vec![], None),
        &[1],
        Method::Blender,
        &gpu1(),
        &exes,
        e.dir.path(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("BRM_BLENDER"), "{err}");
    let mut exes = e.exes.clone();
    exes.scripts_dir = e.dir.path().join("nowhere");
    let err = command_for(
        &spec(),
        &t,
        &[1],
        Method::MayapyBasic,
        &gpu1(),
        &exes,
        e.dir.path(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("brm_render_basic.py"), "{err}");
    assert_eq!(
        command_for(
            &spec(),
            &t,
            &[],
            Method::Render,
            &gpu1(),
            &e.exes,
            e.dir.path()
        )
        .unwrap_err()
        .kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        command_for(
            &spec(),
            &t,
            &[1],
            Method::Auto,
            &gpu1(),
            &e.exes,
            e.dir.path()
        )
        .unwrap_err()
        .kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn executables_from_report() {
    let mut r = super::gpu::tests::report(vec![]);
    r.maya = vec![crate::detect::MayaInstall {
        version: "2025".into(),
        root: "/usr/autodesk/maya2025".into(),
        render: Some("/usr/autodesk/maya2025/bin/Render".into()),
        mayapy: Some("/usr/autodesk/maya2025/bin/mayapy".into()),
        maya: None,
        source: "default-root".into(),
    }];
    r.blender = Some(crate::detect::BlenderInstall {
        path: "/usr/bin/blender".into(),
        version: Some("4.2.1".into()),
    });
    let x = Executables::from_report(&r, "/share/brm/scripts".into());
    assert_eq!(x.render, Some("/usr/autodesk/maya2025/bin/Render".into()));
    assert_eq!(x.mayapy, Some("/usr/autodesk/maya2025/bin/mayapy".into()));
    assert_eq!(x.blender, Some("/usr/bin/blender".into()));
    assert_eq!(
        x.blender_scripts_dir,
        PathBuf::from("/share/brm/scripts/blender")
    );
    assert_eq!(x.maya_root, Some("/usr/autodesk/maya2025".into()));
}

/// The planned Blender command, run for real on the example scene: the view layer travels as
/// data to brm's setup script, and every expected file appears.
#[test]
fn blender_command_renders_the_example_for_real() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let report = crate::detect::detect(&crate::detect::DetectOptions::from_env());
    let blender = report
        .blender
        .as_ref()
        .map(|b| b.path.clone())
        .expect("blender is needed: run scripts/ensure-blender.sh");
    let exes = Executables {
        blender: Some(blender),
        scripts_dir: root.join("maya_plugin/scripts"),
        blender_scripts_dir: root.join("scripts/blender"),
        ..Default::default()
    };
    let out = tempfile::tempdir().unwrap();
    let mut s = JobSpec::new(root.join("examples/shot.blend"));
    s.layers = vec!["fx".into()];
    s.frames = Some("1-3".parse().unwrap());
    let tasks = plan_tasks(&s, None, 1, out.path()).unwrap();
    assert_eq!(tasks.len(), 1);
    let t = &tasks[0];
    let cmds = command_for(
        &s,
        t,
        &t.frames,
        Method::Blender,
        &GpuSlot::Cpu,
        &exes,
        out.path(),
    )
    .unwrap();
    let run = |c: &crate::run::CommandSpec| {
        let mut p = std::process::Command::new(&c.program);
        p.args(&c.args);
        if c.env_clear {
            p.env_clear();
        }
        p.envs(c.env.iter().map(|(k, v)| (k, v)));
        p.output().unwrap()
    };
    let o = run(&cmds[0]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("shot, fx"),
        "rendered the fx view layer: {stdout}"
    );
    for f in 1..=3 {
        let name = format!("{}png", expected_file_prefix(t, f));
        let meta = std::fs::metadata(t.output_dir.join(&name))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{stdout}"));
        assert!(meta.len() > 0);
    }

    // A hostile name is one argv item, read as data: no such layer, fatal, nothing rendered.
    let mut bad = t.clone();
    bad.layer = WEIRD.into();
    bad.output_dir = out.path().join("bad");
    let cmds = command_for(
        &s,
        &bad,
        &[1],
        Method::Blender,
        &GpuSlot::Cpu,
        &exes,
        out.path(),
    )
    .unwrap();
    let o = run(&cmds[0]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success());
    assert!(
        stdout.contains("@brm {\"event\":\"error\"") && stdout.contains("has no view layer"),
        "{stdout}"
    );
    assert!(!bad.output_dir.exists());
}

/// Issue 8 defect 4: `--renderer rs` counted as Redshift for progress parsing but got no
/// `-gpu {0}` (nor `-r redshift`) on the command. Every name goes through the registry now.
#[test]
fn renderer_aliases_get_the_renderers_gpu_flags_and_env() {
    let e = env();
    let mut s = spec();
    s.renderer = Some("rs".into());
    let tasks = plan_tasks(&s, Some(&scene()), 1, &out()).unwrap();
    assert_eq!(tasks[0].renderer.as_deref(), Some("redshift"));
    for t in [&tasks[0], &task("rs_beauty", vec![], Some("rs"))] {
        let c =
            &command_for(&s, t, &[5], Method::Render, &gpu1(), &e.exes, e.dir.path()).unwrap()[0];
        assert_eq!(&c.args[..2], &sv(&["-r", "redshift"]), "{:?}", c.args);
        let n = c.args.len();
        assert_eq!(&c.args[n - 3..n - 1], &sv(&["-gpu", "{0}"]), "{:?}", c.args);
        assert_eq!(get(&c.env, "REDSHIFT_GPUDEVICES"), Some("0"));
    }
    // The mayapy script receives the canonical name, never the alias.
    let work = e.dir.path().join("work-rs");
    s.renderer = Some("sw".into());
    command_for(
        &s,
        &task("beauty", vec![1], Some("sw")),
        &[1],
        Method::MayapyCustom,
        &GpuSlot::Cpu,
        &e.exes,
        &work,
    )
    .unwrap();
    let file = std::fs::read_dir(&work)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(json["renderer"], "mayaSoftware");
}

/// The custom script's device settings come from the registry as data; the Python tests'
/// conftest.py mirrors exactly this shape.
#[test]
fn task_file_carries_the_registrys_script_settings() {
    let e = env();
    for (slot, value) in [(gpu1(), 1), (GpuSlot::Cpu, 0)] {
        let work = e.dir.path().join(format!("work-{value}"));
        command_for(
            &spec(),
            &task("beauty", vec![1], None),
            &[1],
            Method::MayapyCustom,
            &slot,
            &e.exes,
            &work,
        )
        .unwrap();
        let file = std::fs::read_dir(&work)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(
            json["renderer_settings"],
            serde_json::json!({"arnold": [["defaultArnoldRenderOptions.renderDevice", value]]})
        );
    }
}
