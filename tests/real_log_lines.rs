//! Every real renderer line of `../shared/testdata/logs/real_log_lines.json` (each with its
//! public source in the file) through the parser the job's renderer gets from the registry:
//! fatal lines must fail the render, healthy ones (licence chatter included) must not.

use brm::plan::Method;
use brm::progress::ProgressEvent;

use serde_json::Value;

#[test]
fn real_lines_are_fatal_exactly_when_a_render_manager_must_stop() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/testdata/logs/real_log_lines.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!("{path}: {e}; the shared test data must sit beside the repository")
    });
    let doc: Value = serde_json::from_str(&text).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let renderer = case["renderer"].as_str();
        let method = if renderer == Some("blender") {
            Method::Blender
        } else {
            Method::Render
        };
        let mut p = method.parser(renderer);
        let mut out = Vec::new();
        for l in case["context"].as_array().into_iter().flatten() {
            p.feed(l.as_str().unwrap(), &mut out);
        }
        out.clear();
        p.feed(case["line"].as_str().unwrap(), &mut out);
        let fatal = out.iter().any(|e| matches!(e, ProgressEvent::Fatal { .. }));
        if let Some(want) = case["expect"]["fatal"].as_bool() {
            assert_eq!(fatal, want, "{id} ({}): {out:?}", case["source"]);
        }
        if let Some(range) = case["expect"]["percent"].as_array() {
            let (lo, hi) = (range[0].as_f64().unwrap(), range[1].as_f64().unwrap());
            assert!(
                out.iter()
                    .any(|e| matches!(e, ProgressEvent::Percent { percent }
                    if (*percent as f64) >= lo && (*percent as f64) <= hi)),
                "{id}: percent in {lo}..{hi} expected, got {out:?}"
            );
        }
    }
}
