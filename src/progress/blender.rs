//! Blender (Cycles, Eevee) `-b … -a` / `-f` log lines.
//!
//! Status lines `Fra:N Mem:… | Time:… | Remaining:… | … | Sample a/b` (Cycles), `Path Tracing
//! Tile a/b` / `Rendered a/b Tiles` (older Cycles), `Rendering a / b samples` (Eevee); a frame
//! ends with `Saved: '<path>'`. Out-of-GPU-memory lines are caught by the common detector.

use super::text::{after, clock_seconds, find, finder, leading_int, quoted_path, ratio_percent};
use super::{LogParser, ProgressEvent};

finder!(FRA, "Fra:");
finder!(REMAINING, "Remaining:");
finder!(SAMPLE, "| Sample ");
finder!(PATH_TRACING_TILE, "Path Tracing Tile ");
finder!(RENDERED, "| Rendered ");
finder!(RENDERING, "| Rendering ");
finder!(SAVED, "Saved: ");
finder!(CANNOT_SAVE, "Render error: cannot save");
finder!(CUDA_ERROR, "Error: CUDA error");

/// Follows one Blender render process.
#[derive(Debug, Default)]
pub struct BlenderParser {
    frame: Option<i64>,
}

impl BlenderParser {
    pub fn new() -> Self {
        Self::default()
    }
}

impl LogParser for BlenderParser {
    fn feed(&mut self, line: &str, out: &mut Vec<ProgressEvent>) {
        if let Some(path) = after(&SAVED, line).and_then(quoted_path) {
            out.push(ProgressEvent::FileSaved { path: path.clone() });
            out.push(ProgressEvent::FrameFinished {
                frame: self.frame,
                files: vec![path],
            });
            return;
        }
        // Afanasy's blender parser (CGRU/cgru afanasy/python/parsers/blender.py) treats
        // both as errors: the image cannot be written, or Cycles' CUDA device failed.
        if find(&CANNOT_SAVE, line).is_some() || find(&CUDA_ERROR, line).is_some() {
            out.push(ProgressEvent::Fatal {
                reason: format!("Blender: {}", line.trim()),
            });
            return;
        }
        let Some(rest) = after(&FRA, line) else {
            return;
        };
        if let Some(frame) = leading_int(rest) {
            if self.frame != Some(frame) {
                self.frame = Some(frame);
                out.push(ProgressEvent::FrameStarted { frame });
            }
        }
        let percent = after(&SAMPLE, line)
            .and_then(ratio_percent)
            .or_else(|| after(&PATH_TRACING_TILE, line).and_then(ratio_percent))
            .or_else(|| after(&RENDERED, line).and_then(ratio_percent))
            .or_else(|| {
                // Eevee: "| Rendering 8 / 64 samples" (not "| Rendering 1 / 1" of other stages).
                let rest = after(&RENDERING, line)?;
                find(&SAMPLES, rest)?;
                ratio_percent(rest)
            });
        if let Some(p) = percent {
            out.push(ProgressEvent::Percent { percent: p });
        }
        if let Some(seconds) = after(&REMAINING, line).and_then(clock_seconds) {
            out.push(ProgressEvent::Eta { seconds });
        }
    }
}

finder!(SAMPLES, "samples");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::feed_all;

    fn run(lines: &[&str]) -> Vec<ProgressEvent> {
        feed_all(Box::new(BlenderParser::new()), lines)
    }

    #[test]
    fn cycles_frame() {
        let out = run(&[
            // github.com/OpenShot/openshot-qt/issues/2812 (Cycles 2.7x log).
            "Fra:125 Mem:12.37M (0.00M, Peak 14.83M) | Time:00:00.12 | Mem:0.71M, Peak:0.71M | Background Lines, RenderLayer | Path Tracing Tile 0/16, Sample 0/10",
            "Fra:125 Mem:12.37M (0.00M, Peak 14.83M) | Time:00:00.13 | Remaining:00:00.14 | Mem:0.71M, Peak:1.20M | Background Lines, RenderLayer | Path Tracing Tile 1/16, Sample 10/10",
            // Two-line frame end of Blender 4.5, quoted in a public parser's notes
            // (dailies_telemetry; see find_string "Saved: '/tmp/").
            "Saved: '/tmp/dailies/frame_0125.png'",
            " Time: 00:00.76 (Saving: 00:00.48)",
        ]);
        assert_eq!(
            out,
            vec![
                ProgressEvent::FrameStarted { frame: 125 },
                ProgressEvent::Percent { percent: 0.0 },
                ProgressEvent::Percent {
                    percent: 100.0 / 16.0
                },
                ProgressEvent::Eta { seconds: 0 },
                ProgressEvent::FileSaved {
                    path: "/tmp/dailies/frame_0125.png".into()
                },
                ProgressEvent::FrameFinished {
                    frame: Some(125),
                    files: vec!["/tmp/dailies/frame_0125.png".into()]
                },
            ]
        );
    }

    #[test]
    fn newer_cycles_and_eevee_progress() {
        let out = run(&[
            // github.com/princeton-vl/infinigen/issues/68 (Cycles 3.x, BVH stage: no percent).
            "Fra:1 Mem:17765.97M (Peak 23433.50M) | Time:00:39.16 | Mem:1517.36M, Peak:1517.36M | Scene, ViewLayer | Updating Scene BVH | Building BVH 54%, duplicates 0%",
            // Line shape of a public Blender-log test fixture (find_string "Sample ${i}/400").
            "Fra:1 Mem:25.00M (Peak 25.37M) | Time:00:01.10 | Mem:0.00M, Peak:0.00M | Scene, ViewLayer | Sample 100/400",
            "Fra:2 Mem:30.00M (Peak 31.00M) | Time:00:00.50 | Scene, ViewLayer | Rendering 8 / 16 samples",
        ]);
        assert_eq!(
            out,
            vec![
                ProgressEvent::FrameStarted { frame: 1 },
                ProgressEvent::Percent { percent: 25.0 },
                ProgressEvent::FrameStarted { frame: 2 },
                ProgressEvent::Percent { percent: 50.0 },
            ]
        );
    }

    #[test]
    fn afanasy_blender_error_lines_are_fatal() {
        // CGRU/cgru afanasy/python/parsers/blender.py str_error: "Render error: cannot save",
        // "Error: CUDA error".
        for line in [
            "Render error: cannot save /renders/shot.0001.png: Permission denied",
            "Error: CUDA error: Launch failed in cuCtxSynchronize()",
        ] {
            let out = run(&[line]);
            assert!(
                matches!(out.as_slice(), [ProgressEvent::Fatal { .. }]),
                "{line}: {out:?}"
            );
        }
        // A healthy frame line is not.
        assert!(
            !run(&["Fra:1 Mem:8.55M (11.55M, peak 29.22M) | Scene, Part 1-16"])
                .iter()
                .any(|e| matches!(e, ProgressEvent::Fatal { .. }))
        );
    }

    #[test]
    fn cycles_out_of_gpu_memory_is_fatal() {
        for line in [
            // github.com/ynshung/blender-colab/issues/5.
            "System is out of GPU and shared host memory",
            // github.com/vosen/ZLUDA/issues/223.
            r"Out of memory in cuStreamCreate(&cuda_stream_, CU_STREAM_NON_BLOCKING) (C:\Users\blender\git\blender-v410\blender.git\intern\cycles\device\cuda\queue.cpp:21)",
        ] {
            let out = run(&[line]);
            assert!(
                matches!(out.as_slice(), [ProgressEvent::Fatal { .. }]),
                "{line}: {out:?}"
            );
        }
    }
}
