//! Log-parsing speed: how fast brm's progress parsers eat a render log.
//!
//! `cargo bench --bench progress_parse` builds ~256 MiB of realistic render output in memory
//! (Arnold, Redshift, Blender and plain Maya lines, the samples the parser tests use), then
//! times (a) splitting it into lines only — the floor any consumer pays — and (b) splitting
//! plus feeding every line to the parser of each renderer kind. It prints MiB/s and the
//! parse/split ratio. std::time only: no harness, no timed assertions.

use std::hint::black_box;
use std::time::Instant;

use brm::progress::ProgressEvent;

const LINES: &[&str] = &[
    "00:00:02   390MB         |    45% done - 23 rays/pixel",
    "00:00:00   773MB         | [mtoa] Exporting Arnold options 'defaultArnoldRenderOptions'",
    "INFO : [Redshift] Block 126/135 (14,0) rendered by GPU 1 in 12ms",
    "Fra:125 Mem:12.37M (0.00M, Peak 14.83M) | Time:00:00.13 | Remaining:00:00.14 | Mem:0.71M, Peak:1.20M | Background Lines, RenderLayer | Path Tracing Tile 1/16, Sample 10/10",
    "// Warning: file: /opt/autodesk/maya2025/scripts/others/supportRenderers.mel line 77: The renderer \"vray\" used by this scene, is not currently available. //",
    "OpenCL evaluator is attempting to initialize OpenCL.",
    "  GPU Memory Limit : 20470 MB.",
    "00:00:03   833MB         | Arnold 7.4.0.0 [516ade3d] linux x86_64 clang-15.0.7 oiio-2.6.3 osl-1.13.3",
];

fn build(target_bytes: usize) -> String {
    let mut text = String::with_capacity(target_bytes + 512);
    let mut i = 0usize;
    while text.len() < target_bytes {
        text.push_str(LINES[i % LINES.len()]);
        text.push('\n');
        i += 1;
    }
    text
}

fn mib_per_s(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / secs
}

fn main() {
    let text = build(256 * 1024 * 1024);
    let bytes = text.len();

    let start = Instant::now();
    let mut count = 0usize;
    for line in text.split('\n') {
        count += black_box(line).len() & 1;
    }
    let split = start.elapsed().as_secs_f64();
    black_box(count);
    println!("split only         {:>8.0} MiB/s", mib_per_s(bytes, split));

    // The registry's parser for each renderer; "Any" is a renderer brm does not know (every
    // Maya renderer's parser reads the log).
    for (label, renderer) in [
        ("Arnold", Some("arnold")),
        ("Redshift", Some("redshift")),
        ("Blender", Some("blender")),
        ("Any", None),
    ] {
        let mut parser = brm::renderer::parser_for(renderer, false);
        let mut events: Vec<ProgressEvent> = Vec::with_capacity(64);
        let mut total = 0usize;
        let start = Instant::now();
        for line in text.split('\n') {
            parser.feed(line, &mut events);
            total += events.len();
            events.clear();
        }
        let secs = start.elapsed().as_secs_f64();
        black_box(total);
        println!(
            "parse {:<12} {:>8.0} MiB/s  ({:.1}x split time, {} events)",
            label,
            mib_per_s(bytes, secs),
            secs / split,
            total
        );
    }
}
