//! Tests of planning as a whole: scene → tasks → commands.

use std::path::{Path, PathBuf};

use super::*;
use crate::error::{ErrorKind, Kind};
use crate::scene::{LayerInfo, SceneFormat, SceneInfo};

const WEIRD: &str = "it's a \"layer\"; $(rm -rf /) `x` & | > *";

fn layer(name: &str, node: &str, renderable: bool) -> LayerInfo {
    LayerInfo {
        name: name.into(),
        node: node.into(),
        renderable,
        start_frame: None,
        end_frame: None,
        from_reference: false,
    }
}

/// shot010.ma: masterLayer (not renderable), beauty (rs_beauty), fx 20-30, a referenced layer.
fn scene() -> SceneInfo {
    let mut s = SceneInfo::empty(Path::new("/snap/shot010_snapshot.ma"), SceneFormat::Ma);
    s.renderer = Some("arnold".into());
    s.start_frame = Some(1.0);
    s.end_frame = Some(10.0);
    s.by_frame = Some(1.0);
    s.animation = Some(true);
    let mut fx = layer("fx", "rs_fx", true);
    fx.start_frame = Some(20.0);
    fx.end_frame = Some(30.0);
    let mut refd = layer("refLayer", "ref:rs_refLayer", true);
    refd.from_reference = true;
    s.layers = vec![
        layer("masterLayer", "defaultRenderLayer", false),
        layer("beauty", "rs_beauty", true),
        fx,
        refd,
    ];
    s.cameras = vec!["|shotCam".into()];
    s
}

fn spec() -> JobSpec {
    let mut s = JobSpec::new("/snap/shot010_snapshot.ma");
    s.source_scene = Some(PathBuf::from("/proj/scenes/shot010.ma"));
    s
}

fn out() -> PathBuf {
    std::env::temp_dir().join("brm-plan-out")
}

fn frames_of(tasks: &[Task]) -> Vec<Vec<i64>> {
    tasks.iter().map(|t| t.frames.clone()).collect()
}

#[test]
fn all_renderable_layers_with_their_ranges() {
    let tasks = plan_tasks(&spec(), Some(&scene()), 1, &out()).unwrap();
    assert_eq!(tasks.len(), 2, "{tasks:#?}");
    assert_eq!(
        (tasks[0].layer.as_str(), tasks[0].layer_display.as_str()),
        ("rs_beauty", "beauty")
    );
    assert_eq!(tasks[0].frames, (1..=10).collect::<Vec<_>>());
    assert_eq!(tasks[1].layer, "rs_fx");
    assert_eq!(
        tasks[1].frames,
        (20..=30).collect::<Vec<_>>(),
        "per-layer override wins"
    );
    assert_eq!(
        tasks.iter().map(|t| t.index).collect::<Vec<_>>(),
        vec![0, 1]
    );
    assert_eq!(tasks[0].output_dir, out().join("beauty"));
    assert_eq!(
        tasks[0].image_name, "shot010",
        "<Scene> is the user's scene, not the snapshot"
    );
    assert_eq!(tasks[1].output_dir, out().join("fx"));
    assert_eq!(tasks[0].padding, 4);
    assert_eq!(tasks[0].renderer.as_deref(), Some("arnold"));
}

#[test]
fn named_layers_by_name_or_node_and_unknown_layer_lists_layers() {
    let mut s = spec();
    s.layers = vec!["rs_fx".into(), "masterLayer".into(), "fx".into()];
    let tasks = plan_tasks(&s, Some(&scene()), 1, &out()).unwrap();
    let layers: Vec<(&str, &str)> = tasks
        .iter()
        .map(|t| (t.layer.as_str(), t.layer_display.as_str()))
        .collect();
    assert_eq!(
        layers,
        vec![("rs_fx", "fx"), ("defaultRenderLayer", "masterLayer")],
        "deduplicated, order kept"
    );
    s.layers = vec!["bg".into()];
    let e = plan_tasks(&s, Some(&scene()), 1, &out()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let msg = e.to_string();
    assert!(
        msg.contains("\"bg\"")
            && msg.contains("beauty (rs_beauty)")
            && msg.contains("masterLayer (defaultRenderLayer) [not renderable]"),
        "{msg}"
    );
}

#[test]
fn no_renderable_layer_is_an_error() {
    let mut sc = scene();
    sc.layers.iter_mut().for_each(|l| l.renderable = false);
    let e = plan_tasks(&spec(), Some(&sc), 1, &out())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no renderable layer") && e.contains("--layer"),
        "{e}"
    );
}

#[test]
fn frames_from_spec_step_and_animation_off() {
    let mut s = spec();
    s.layers = vec!["beauty".into()];
    s.frames = Some("1-100x5".parse().unwrap());
    let t = plan_tasks(&s, Some(&scene()), 1, &out()).unwrap();
    let all: Vec<i64> = t.iter().flat_map(|t| t.frames.clone()).collect();
    assert_eq!(all.len(), 21);
    assert_eq!(*all.last().unwrap(), 100);

    let mut sc = scene();
    sc.by_frame = Some(3.0);
    s.frames = None;
    let t = plan_tasks(&s, Some(&sc), 1, &out()).unwrap();
    assert_eq!(t[0].frames, vec![1, 4, 7, 10]);

    sc.animation = Some(false);
    let t = plan_tasks(&s, Some(&sc), 1, &out()).unwrap();
    assert_eq!(t[0].frames, vec![1], "animation off: one frame, like Maya");

    let e = plan_tasks(&s, None, 1, &out()).unwrap_err();
    assert!(e.to_string().contains("--frames"), "{e}");
    // A bad spec never reaches a plan: it is refused where it enters, typed or in JSON.
    let e = "1-".parse::<crate::frames::FrameSpec>().unwrap_err();
    assert_eq!(crate::Error::from(e).kind(), ErrorKind::FrameSyntax);
    let e = serde_json::from_str::<JobSpec>(r#"{"scene":"/s/a.ma","frames":"1-"}"#).unwrap_err();
    assert!(e.to_string().contains("no end frame"), "{e}");
}

#[test]
fn maya_scene_without_information_renders_master_layer() {
    let mut s = spec();
    s.frames = Some("1-3".parse().unwrap());
    let t = plan_tasks(&s, None, 1, &out()).unwrap();
    assert_eq!(
        (t[0].layer.as_str(), t[0].layer_display.as_str()),
        ("defaultRenderLayer", "masterLayer")
    );
    assert_eq!(t[0].output_dir, out().join("masterLayer"));
    assert_eq!(t[0].renderer, None);
}

#[test]
fn chunking_rules() {
    let mut s = spec();
    s.layers = vec!["beauty".into()];
    s.frames = Some("1-24".parse().unwrap());
    assert_eq!(
        plan_tasks(&s, Some(&scene()), 1, &out()).unwrap().len(),
        1,
        "1 slot, 24 frames: one task"
    );
    let t = plan_tasks(&s, Some(&scene()), 3, &out()).unwrap();
    assert_eq!(
        frames_of(&t),
        vec![
            (1..=8).collect::<Vec<_>>(),
            (9..=16).collect(),
            (17..=24).collect()
        ]
    );
    s.frames = Some("1-120".parse().unwrap());
    let t = plan_tasks(&s, Some(&scene()), 1, &out()).unwrap();
    assert_eq!(
        t.iter().map(|t| t.frames.len()).collect::<Vec<_>>(),
        vec![50, 50, 20]
    );
    s.chunk_size = Some(7);
    s.frames = Some("1-10".parse().unwrap());
    assert_eq!(
        frames_of(&plan_tasks(&s, Some(&scene()), 4, &out()).unwrap()),
        vec![(1..=7).collect::<Vec<_>>(), (8..=10).collect()]
    );
    s.chunk_size = Some(0);
    assert_eq!(
        plan_tasks(&s, Some(&scene()), 1, &out())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn interleaved_order_before_chunking() {
    let mut s = spec();
    s.layers = vec!["beauty".into()];
    s.frames = Some("1-9".parse().unwrap());
    s.order = Order::Interleaved;
    s.chunk_size = Some(3);
    let t = plan_tasks(&s, Some(&scene()), 1, &out()).unwrap();
    assert_eq!(
        frames_of(&t),
        vec![vec![1, 9, 5], vec![3, 7, 2], vec![4, 6, 8]]
    );
}

#[test]
fn image_patterns_and_tokens() {
    let mut s = spec();
    s.layers = vec!["beauty".into()];
    s.frames = Some("1".parse().unwrap());
    let mut sc = scene();
    sc.image_prefix = Some("<Scene>/<RenderLayer>/<RenderPass>/<Scene>_<Camera><Version>".into());
    let t = &plan_tasks(&s, Some(&sc), 1, &out()).unwrap()[0];
    assert_eq!(
        t.output_dir,
        out().join("shot010").join("beauty"),
        "unknown tokens dropped, empty parts removed"
    );
    assert_eq!(t.image_name, "shot010_shotCam");

    s.image_pattern = Some("../../etc/%s_%l_%c".into());
    s.camera = Some("|rig|cam:main".into());
    let t = &plan_tasks(&s, Some(&sc), 1, &out()).unwrap()[0];
    assert_eq!(
        t.output_dir,
        out().join("etc"),
        "stays under the output root"
    );
    assert_eq!(t.image_name, "shot010_beauty_cam_main");

    // A pattern without a layer token, two layers: each layer gets its own folder.
    s.layers = vec![];
    s.image_pattern = Some("frames/<Scene>".into());
    let t = plan_tasks(&s, Some(&sc), 1, &out()).unwrap();
    assert_eq!(t[0].output_dir, out().join("beauty").join("frames"));
    assert_eq!(t[1].output_dir, out().join("fx").join("frames"));

    // No camera known, several cameras: "cam".
    s.camera = None;
    sc.cameras = vec!["a".into(), "b".into()];
    s.image_pattern = Some("<Camera>".into());
    s.layers = vec!["beauty".into()];
    assert_eq!(
        plan_tasks(&s, Some(&sc), 1, &out()).unwrap()[0].image_name,
        "cam"
    );
    s.output_dir = Some(PathBuf::from("/abs/renders"));
    assert_eq!(
        plan_tasks(&s, Some(&sc), 1, &out()).unwrap()[0].output_dir,
        PathBuf::from("/abs/renders")
    );
}

#[test]
fn expected_prefix_pads_frames() {
    let t = Task {
        index: 0,
        layer: "rs_beauty".into(),
        layer_display: "beauty".into(),
        frames: vec![7],
        output_dir: "/o".into(),
        image_name: "shot010".into(),
        padding: 4,
        renderer: None,
    };
    assert_eq!(expected_file_prefix(&t, 7), "shot010.0007.");
    assert_eq!(expected_file_prefix(&t, 12345), "shot010.12345.");
    assert_eq!(expected_file_prefix(&t, -7), "shot010.-007.");
}

#[test]
fn blend_scenes() {
    let mut s = JobSpec::new("/p/shot.blend");
    s.frames = Some("1-24".parse().unwrap());
    let t = plan_tasks(&s, None, 1, &out()).unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].layer, "");
    assert_eq!(t[0].output_dir, out());
    assert_eq!(t[0].image_name, "shot");
    s.layers = vec!["ViewLayer".into(), "fg".into()];
    let t = plan_tasks(&s, None, 1, &out()).unwrap();
    assert_eq!(
        t.iter().map(|t| t.layer.as_str()).collect::<Vec<_>>(),
        vec!["ViewLayer", "fg"]
    );
    assert_eq!(t[1].output_dir, out().join("fg"));
    s.frames = Some("-2-2".parse().unwrap());
    assert_eq!(
        plan_tasks(&s, None, 1, &out()).unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    s.frames = None;
    let e = plan_tasks(
        &s,
        Some(&SceneInfo::empty(
            Path::new("/p/shot.blend"),
            SceneFormat::Blend,
        )),
        1,
        &out(),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains(".blend") && e.to_string().contains("--frames"),
        "{e}"
    );
    s.frames = Some("1".parse().unwrap());
    s.method = Method::Render;
    assert_eq!(
        plan_tasks(&s, None, 1, &out()).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    let mut m = spec();
    m.method = Method::Blender;
    assert!(plan_tasks(&m, Some(&scene()), 1, &out())
        .unwrap_err()
        .to_string()
        .contains("blender"));
}

mod commands;
