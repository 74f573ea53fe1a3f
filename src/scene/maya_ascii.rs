//! Maya ASCII (`.ma`) inspection: read the MEL statements a `.ma` file is made of (through
//! [`super::mel`]) and interpret the few that describe rendering: `requires`, `file -r`,
//! `currentUnit`, `createNode`, `select -ne`, `setAttr`, `connectAttr`.
//!
//! Time values: a `.ma` file writes time attributes in the unit of its `currentUnit -t` line,
//! i.e. in frames (checked on the shared scenes: `:time1.o` is 537 where the scene's
//! `playbackOptions -min 537`, and frame overrides read `.atv 1` / `.atv 10`). No tick
//! conversion applies here (it does in Maya Binary, see [`super::maya_binary`]).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::mel::{LexError, Lexer, Statement, Token};
use super::model::{is_interesting_type, parse_bool, Model, Value};
use super::{RequiredPlugin, SceneError, SceneFormat, SceneInfo};

/// Inspect a `.ma` file.
pub fn inspect(path: &Path) -> Result<SceneInfo, SceneError> {
    let mut f = File::open(path).map_err(|e| SceneError::read(path, e))?;
    // Maya writes `//Maya ASCII <version> scene` as the first line of every .ma file; text
    // without it is refused here, before any job is planned from it.
    let mut head = [0u8; 64];
    let n = read_up_to(&mut f, &mut head).map_err(|e| SceneError::read(path, e))?;
    let text = String::from_utf8_lossy(&head[..n]);
    if !text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with("//Maya ASCII")
    {
        return Err(SceneError::UnknownFormat {
            path: path.to_path_buf(),
            reason: "it does not start with the '//Maya ASCII' header Maya writes; \
                     re-save the scene from Maya as Maya ASCII"
                .into(),
        });
    }
    std::io::Seek::rewind(&mut f).map_err(|e| SceneError::read(path, e))?;
    parse(f, path)
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Inspect `.ma` text from any reader (`path` is only reported).
pub fn parse<R: Read>(src: R, path: &Path) -> Result<SceneInfo, SceneError> {
    let mut lexer = Lexer::new(src);
    let mut model = Model::default();
    let mut current: Option<usize> = None;
    let mut statements = 0u64;
    let mut first = true;
    let mut header_ok = false;
    loop {
        let st = match lexer.next_statement() {
            Ok(Some(s)) => s,
            Ok(None) => break,
            Err(LexError::Io(e)) => return Err(SceneError::read(path, e)),
            Err(LexError::UnterminatedString { line }) => {
                return Err(SceneError::MalformedAscii {
                    path: path.to_path_buf(),
                    line,
                    message: "a quoted string is never closed (file cut short?)".into(),
                })
            }
        };
        if first {
            first = false;
            header_ok = st.command().is_some();
        }
        statements += 1;
        apply(&mut model, &mut current, &st);
    }
    if statements == 0 || !header_ok {
        return Err(SceneError::UnknownFormat {
            path: path.to_path_buf(),
            reason: "no MEL statements found, this does not look like Maya ASCII".into(),
        });
    }
    let mut info = SceneInfo::empty(path, SceneFormat::Ma);
    model.fill(&mut info);
    if let Some(unit) = &model.time_unit {
        if !is_frame_unit(unit) {
            info.warnings.push(format!(
                "the scene's time unit is {unit:?}: frame numbers are in that unit"
            ));
        }
    }
    Ok(info)
}

/// Units whose "frame" is what users call a frame (all Maya fps units are).
fn is_frame_unit(unit: &str) -> bool {
    !matches!(unit, "hour" | "min" | "sec" | "millisec")
}

/// Interpret one statement.
fn apply(model: &mut Model, current: &mut Option<usize>, st: &Statement) {
    let Some(cmd) = st.command() else { return };
    let args = &st.tokens[1..];
    match cmd {
        "createNode" => *current = create_node(model, args),
        "select" => {
            // `select -ne :defaultRenderGlobals;` makes that node current for setAttr.
            let name = args.iter().rev().find(|t| !t.is_flag()).map(Token::text);
            *current = name.and_then(|n| model.lookup_or_globals(n));
        }
        "setAttr" => set_attr(model, *current, args),
        "connectAttr" => {
            let plugs: Vec<&str> = args
                .iter()
                .filter(|t| matches!(t, Token::Str(_)))
                .map(Token::text)
                .collect();
            if plugs.len() >= 2 {
                model.connect(plugs[0], plugs[1]);
            }
        }
        "requires" => requires(model, args),
        "file" => {
            // `file -r ... "path";` is a reference (the `-rdi` lines are its deferred twin).
            let is_ref = args
                .iter()
                .any(|t| t.text() == "-r" || t.text() == "-reference");
            if is_ref {
                if let Some(p) = args.iter().rev().find(|t| matches!(t, Token::Str(_))) {
                    model.references.push(p.text().to_string());
                }
            }
        }
        "currentUnit" => {
            let mut it = args.iter();
            while let Some(t) = it.next() {
                if t.text() == "-t" || t.text() == "-time" {
                    model.time_unit = it.next().map(|v| v.text().to_string());
                }
            }
        }
        _ => {}
    }
}

/// `createNode TYPE [-s] [-n NAME] [-p PARENT] [-ss];` — returns the node to receive
/// following `setAttr`s, or `None` for node types brm does not keep.
fn create_node(model: &mut Model, args: &[Token]) -> Option<usize> {
    let ty = args.first()?.text();
    if !is_interesting_type(ty) {
        return None;
    }
    let mut name = None;
    let mut parent = None;
    let mut i = 1;
    while i < args.len() {
        match args[i].text() {
            "-n" | "-name" => {
                name = args.get(i + 1).map(Token::text);
                i += 1;
            }
            "-p" | "-parent" => {
                parent = args.get(i + 1).map(Token::text);
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    let name = name?;
    Some(model.add_node(name, ty, parent))
}

/// Flags of `setAttr` that take one argument.
fn setattr_flag_takes_arg(flag: &str) -> bool {
    matches!(
        flag,
        "-k" | "-keyable"
            | "-l"
            | "-lock"
            | "-cb"
            | "-channelBox"
            | "-s"
            | "-size"
            | "-type"
            | "-typ"
            | "-ch"
            | "-capacityHint"
            | "-ca"
            | "-caching"
    )
}

/// `setAttr [flags] ".attr" [-type T] values...;` on the current node (or `node.attr`).
/// An attribute written with flags only and no value (`setAttr -k on ".fs";`) changes nothing.
fn set_attr(model: &mut Model, current: Option<usize>, args: &[Token]) {
    let mut attr: Option<&str> = None;
    let mut ty: Option<&str> = None;
    let mut values: Vec<&Token> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = &args[i];
        if t.is_flag() {
            if setattr_flag_takes_arg(t.text()) {
                if matches!(t.text(), "-type" | "-typ") {
                    ty = args.get(i + 1).map(Token::text);
                }
                i += 1;
            }
        } else if attr.is_none() && matches!(t, Token::Str(_)) {
            attr = Some(t.text());
        } else {
            values.push(t);
        }
        i += 1;
    }
    let Some(attr) = attr else { return };
    let (node, attr) = if attr.starts_with('.') {
        match current {
            Some(n) => (n, attr),
            None => return,
        }
    } else {
        // `setAttr "node.attr" ...`
        let (n, a) = super::model::split_plug(attr);
        match model.lookup_or_globals(n) {
            Some(i) => (i, a),
            None => return,
        }
    };
    let value = if ty == Some("string") {
        // One string, or a parenthesised concatenation `( "a" + "b" )`.
        let s: String = values
            .iter()
            .filter(|t| matches!(t, Token::Str(_)))
            .map(|t| t.text())
            .collect();
        if values.is_empty() {
            return;
        }
        Value::Str(s)
    } else if ty.is_some() {
        return; // vectors, arrays, matrices: nothing brm reads
    } else {
        match values.first() {
            None => return,
            Some(Token::Str(s)) => Value::Str(s.clone()),
            Some(Token::Word(w)) => match parse_bool(w) {
                Some(b) if !w.starts_with(['0', '1']) => Value::Bool(b),
                _ => match w.parse::<f64>() {
                    Ok(n) => Value::Num(n),
                    Err(_) => Value::Str(w.clone()),
                },
            },
        }
    };
    model.set_attr(node, attr, value);
}

/// `requires [-nodeType T]... [-dataType T]... PLUGIN VERSION;` (`requires maya "2023"` is
/// the Maya version, not a plugin).
fn requires(model: &mut Model, args: &[Token]) {
    let mut node_types = Vec::new();
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = &args[i];
        if t.is_flag() {
            if matches!(t.text(), "-nodeType" | "-nt") {
                if let Some(v) = args.get(i + 1) {
                    node_types.push(v.text().to_string());
                }
            }
            i += 2; // every `requires` flag takes one argument
            continue;
        }
        positional.push(t.text().to_string());
        i += 1;
    }
    let Some(name) = positional.first().cloned() else {
        return;
    };
    if name == "maya" {
        model.maya_version = positional.get(1).cloned();
        return;
    }
    let version = positional.get(1).cloned();
    if let Some(p) = model.requires.iter_mut().find(|p| p.name == name) {
        // The same plugin listed twice (it happens): merge.
        for t in node_types {
            if !p.node_types.contains(&t) {
                p.node_types.push(t);
            }
        }
        if p.version.is_none() {
            p.version = version;
        }
        return;
    }
    model.requires.push(RequiredPlugin {
        name,
        version,
        node_types,
    });
}

#[cfg(test)]
mod tests {
    use super::super::{testdata, LayerInfo, MASTER_LAYER};
    use super::*;

    fn parse_str(s: &str) -> SceneInfo {
        parse(s.as_bytes(), Path::new("t.ma")).unwrap()
    }

    fn layer<'a>(info: &'a SceneInfo, name: &str) -> &'a LayerInfo {
        info.find_layer(name)
            .unwrap_or_else(|| panic!("no layer {name}: {:?}", info.layers))
    }

    #[test]
    fn defaults_when_render_globals_are_not_written() {
        let info = inspect(&testdata("cube__cube.ma")).unwrap();
        assert_eq!(info.format, SceneFormat::Ma);
        assert_eq!(info.renderer.as_deref(), Some("mayaSoftware"));
        assert_eq!(
            (info.start_frame, info.end_frame, info.by_frame),
            (Some(1.0), Some(10.0), Some(1.0))
        );
        assert_eq!(info.animation, Some(false));
        assert_eq!(info.layers.len(), 1);
        assert_eq!(info.layers[0].name, MASTER_LAYER);
        assert_eq!(info.layers[0].node, "defaultRenderLayer");
        assert!(info.layers[0].renderable && !info.layers[0].from_reference);
        assert_eq!(info.cameras, ["persp"]);
        let names: Vec<_> = info
            .required_plugins
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["stereoCamera", "mtoa"]);
        let mtoa = &info.required_plugins[1];
        assert_eq!(mtoa.version.as_deref(), Some("5.1.0"));
        assert_eq!(mtoa.node_types, ["aiOptions", "aiAOVDriver", "aiAOVFilter"]);
    }

    #[test]
    fn render_setup_layers_overrides_and_renderable_flag() {
        let info = inspect(&testdata("layers__layers.ma")).unwrap();
        assert_eq!(info.renderer.as_deref(), Some("arnold"));
        assert_eq!(info.animation, Some(true));
        assert_eq!(info.image_prefix.as_deref(), Some(""));
        let names: Vec<_> = info
            .layers
            .iter()
            .map(|l| (l.name.as_str(), l.node.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("masterLayer", "defaultRenderLayer"),
                ("layerFrameRange1", "rs_layerFrameRange1"),
                ("renderSetupLayer2", "rs_renderSetupLayer2"),
                ("layerDefaultFrames", "rs_layerDefaultFrames"),
                ("renderSetupLayer4", "rs_renderSetupLayer4"),
                ("notRenderableLayer", "rs_notRenderableLayer"),
            ]
        );
        // Absolute overrides in the layer's render-settings collection.
        let l = layer(&info, "layerFrameRange1");
        assert_eq!((l.start_frame, l.end_frame), (Some(1.0), Some(10.0)));
        let l = layer(&info, "renderSetupLayer2");
        assert_eq!((l.start_frame, l.end_frame), (Some(20.0), Some(30.0)));
        // No override: the scene's range.
        let l = layer(&info, "layerDefaultFrames");
        assert_eq!((l.start_frame, l.end_frame), (None, None));
        assert_eq!(info.layer_range(l), (Some(1.0), Some(10.0)));
        // Relative override: end = 10 * 1 + 10.
        let l = layer(&info, "renderSetupLayer4");
        assert_eq!((l.start_frame, l.end_frame), (None, Some(20.0)));
        // Not renderable, with a relative start override (1 * 1 + 4).
        let l = layer(&info, "rs_notRenderableLayer");
        assert!(!l.renderable);
        assert_eq!(l.start_frame, Some(5.0));
        let default: Vec<_> = info.renderable_layers().map(|l| l.name.as_str()).collect();
        assert_eq!(
            default,
            [
                "masterLayer",
                "layerFrameRange1",
                "renderSetupLayer2",
                "layerDefaultFrames",
                "renderSetupLayer4"
            ]
        );
        assert!(info.layers.iter().all(|l| !l.from_reference));
        // camera2/3 are .rnd no; persp and camera1 stay renderable.
        assert_eq!(info.cameras, ["persp", "camera1"]);
        let plugins: Vec<_> = info
            .required_plugins
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(plugins, ["stereoCamera", "mtoa", "renderSetup.py"]);
        assert_eq!(info.required_plugins[2].node_types.len(), 15);
        assert!(
            info.warnings
                .iter()
                .any(|w| w.contains("scene_file_to_reference.mb")),
            "{:?}",
            info.warnings
        );
    }

    #[test]
    fn two_layers_no_variation() {
        let info = inspect(&testdata("layers_no_variation__layers_no_variation.ma")).unwrap();
        let names: Vec<_> = info.renderable_layers().map(|l| l.node.as_str()).collect();
        assert_eq!(
            names,
            [
                "defaultRenderLayer",
                "rs_layerTheFIrst",
                "rs_layerTheSecond"
            ]
        );
        assert!(info
            .layers
            .iter()
            .all(|l| l.start_frame.is_none() && l.end_frame.is_none()));
        assert_eq!(info.renderer.as_deref(), Some("arnold"));
    }

    #[test]
    fn renderman_renderer_and_multiline_requires() {
        let info = inspect(&testdata("renderman__renderman.ma")).unwrap();
        assert_eq!(info.renderer.as_deref(), Some("renderman"));
        let rfm = info
            .required_plugins
            .iter()
            .find(|p| p.name == "RenderMan_for_Maya.py")
            .unwrap();
        assert!(rfm.node_types.len() > 3, "{rfm:?}");
        assert!(rfm.version.as_deref().unwrap().starts_with("25"));
    }

    #[test]
    fn layers_under_a_foreign_manager_are_from_reference() {
        let info = inspect(&testdata("referenced_layers__referenced_layers.ma")).unwrap();
        let l = layer(&info, "imported_scene_defaultRenderLayer");
        assert!(l.from_reference);
        let own: Vec<_> = info.renderable_layers().map(|l| l.node.as_str()).collect();
        assert_eq!(own, ["defaultRenderLayer"]);
        assert_eq!(
            info.warnings
                .iter()
                .filter(|w| w.contains("references 2 file"))
                .count(),
            1,
            "{:?}",
            info.warnings
        );
    }

    #[test]
    fn attributes_without_values_keep_defaults() {
        // ref.ma writes `setAttr -k on ".fs";` and `setAttr -k on ".ef";` with no value.
        let info = inspect(&testdata("referenced_layers__ref.ma")).unwrap();
        assert_eq!((info.start_frame, info.end_frame), (Some(1.0), Some(10.0)));
        assert_eq!(info.renderer.as_deref(), Some("arnold"));
        assert_eq!(info.animation, Some(false));
    }

    #[test]
    fn older_scene() {
        let info = inspect(&testdata("adaptor__maya-test.ma")).unwrap();
        assert_eq!(info.renderer.as_deref(), Some("mayaSoftware"));
        assert_eq!(info.required_plugins[0].name, "mtoa");
        assert_eq!(info.required_plugins[0].version.as_deref(), Some("3.1.1.1"));
    }

    #[test]
    fn render_globals_values() {
        let info = parse_str(
            "//Maya ASCII 2024 scene\nrequires maya \"2024\";\ncurrentUnit -l centimeter -a degree -t film;\n\
             createNode renderLayerManager -n \"renderLayerManager\";\n\
             createNode renderLayer -n \"defaultRenderLayer\";\n\
             createNode renderLayer -n \"rs_fx\";\n\tsetAttr \".rndr\" no;\n\
             createNode renderSetupLayer -n \"fx\";\n\
             createNode camera -n \"shotCamShape\" -p \"|shot|shotCam\";\n\
             select -ne :defaultRenderGlobals;\n\tsetAttr \".ren\" -type \"string\" \"redshift\";\n\
             \tsetAttr \".an\" yes;\n\tsetAttr \".fs\" 1001;\n\tsetAttr \".ef\" 1100;\n\tsetAttr \".bfs\" 2;\n\
             \tsetAttr \".ifp\" -type \"string\" \"<Scene>/<RenderLayer>/<Scene>\";\n\
             connectAttr \"renderLayerManager.rlmi[0]\" \"defaultRenderLayer.rlid\";\n\
             connectAttr \"renderLayerManager.rlmi[1]\" \"rs_fx.rlid\";\n\
             connectAttr \"rs_fx.msg\" \"fx.lrl\";\n",
        );
        assert_eq!(info.renderer.as_deref(), Some("redshift"));
        assert_eq!(
            (info.start_frame, info.end_frame, info.by_frame),
            (Some(1001.0), Some(1100.0), Some(2.0))
        );
        assert_eq!(info.animation, Some(true));
        assert_eq!(
            info.image_prefix.as_deref(),
            Some("<Scene>/<RenderLayer>/<Scene>")
        );
        assert_eq!(info.layers[1].name, "fx");
        assert!(!info.layers[1].renderable);
        assert_eq!(info.cameras, ["shot|shotCam"]);
        assert!(info.required_plugins.is_empty());
        assert!(info.warnings.is_empty(), "{:?}", info.warnings);
    }

    #[test]
    fn legacy_layer_adjustment_of_frame_range() {
        let info = parse_str(
            "createNode renderLayer -n \"defaultRenderLayer\";\n\
             createNode renderLayer -n \"legacy\";\n\tsetAttr \".adjs[0].val\" 5;\n\tsetAttr \".adjs[1].val\" 8;\n\
             connectAttr \":defaultRenderGlobals.fs\" \"legacy.adjs[0].plg\";\n\
             connectAttr \":defaultRenderGlobals.ef\" \"legacy.adjs[1].plg\";\n",
        );
        let l = layer(&info, "legacy");
        assert_eq!((l.start_frame, l.end_frame), (Some(5.0), Some(8.0)));
        assert!(!l.from_reference);
    }

    #[test]
    fn namespaced_layers_are_from_reference_and_strings_concatenate() {
        let info = parse_str(
            "createNode renderLayer -n \"defaultRenderLayer\";\ncreateNode renderLayer -n \"ref:rs_beauty\";\n\
             select -ne :defaultRenderGlobals;\nsetAttr \".ifp\" -type \"string\" (\"a/\"\n + \"b\");\n",
        );
        assert!(layer(&info, "ref:rs_beauty").from_reference);
        assert_eq!(info.image_prefix.as_deref(), Some("a/b"));
    }

    #[test]
    fn garbage_and_cut_files_are_clear_errors() {
        let e = parse("\"never closed".as_bytes(), Path::new("cut.ma")).unwrap_err();
        assert!(
            matches!(e, SceneError::MalformedAscii { line: 1, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("re-save"), "{e}");
        let e = parse("".as_bytes(), Path::new("empty.ma")).unwrap_err();
        assert!(e.to_string().contains("Maya ASCII"), "{e}");
    }
}
