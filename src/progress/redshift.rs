//! Redshift (in Maya `Render -r redshift` / mayapy) log lines.
//!
//! Frame start `Rendering frame N (i/n)...`, block progress `Block a/b (x,y) rendered by GPU g
//! in t`, images `Saved file '<path>' …` / `Saving: <path>`, frame end `Frame … done`, and
//! Redshift's own fatal lines (render aborted, no devices, illegal memory access, missing
//! plugin). Licence / device / memory failures are caught by the common detector too.

use std::path::PathBuf;

use super::text::{after, find, finder, leading_int, quoted_path, ratio_percent};
use super::{LogParser, ProgressEvent};

finder!(RENDERING_FRAME, "Rendering frame ");
finder!(BLOCK, "Block ");
finder!(RENDERED_BY_GPU, " rendered by GPU");
finder!(SAVED_FILE, "Saved file ");
finder!(SAVING, "Saving: ");
finder!(FRAME_DONE, "rame done");
finder!(FRAME_RENDERING_DONE, "rame rendering done");
finder!(ABORTED, "Frame rendering aborted");
finder!(INTERNALLY_ABORTED, "Rendering was internally aborted");
finder!(NO_DEVICES, "No devices found");
finder!(ILLEGAL_ACCESS, "illegal memory access");
finder!(ABORTING_THE_RENDER, "Aborting the render");
finder!(NO_RS_PREFERENCE, "Cannot find procedure \"rsPreference\"");

/// Follows one Redshift render process.
#[derive(Debug, Default)]
pub struct RedshiftParser {
    frame: Option<i64>,
    files: Vec<PathBuf>,
}

impl RedshiftParser {
    pub fn new() -> Self {
        Self::default()
    }
}

impl LogParser for RedshiftParser {
    fn feed(&mut self, line: &str, out: &mut Vec<ProgressEvent>) {
        if let Some(rest) = after(&RENDERING_FRAME, line) {
            if let Some(frame) = leading_int(rest) {
                self.frame = Some(frame);
                self.files.clear();
                out.push(ProgressEvent::FrameStarted { frame });
            }
            return;
        }
        if find(&RENDERED_BY_GPU, line).is_some() {
            if let Some(p) = after(&BLOCK, line).and_then(ratio_percent) {
                out.push(ProgressEvent::Percent { percent: p });
            }
            return;
        }
        let saved = after(&SAVED_FILE, line).or_else(|| after(&SAVING, line));
        if let Some(path) = saved.and_then(quoted_path) {
            // `Saved file '/x.exr' in 0.05s`: quoted_path stops at the closing quote.
            self.files.push(path.clone());
            out.push(ProgressEvent::FileSaved { path });
            return;
        }
        if find(&FRAME_DONE, line).is_some() || find(&FRAME_RENDERING_DONE, line).is_some() {
            out.push(ProgressEvent::FrameFinished {
                frame: self.frame.take(),
                files: std::mem::take(&mut self.files),
            });
            return;
        }
        let fatal = if find(&ABORTED, line).is_some() || find(&INTERNALLY_ABORTED, line).is_some() {
            Some("Redshift aborted the frame")
        } else if find(&NO_DEVICES, line).is_some() {
            Some("Redshift found no usable GPU")
        } else if find(&ABORTING_THE_RENDER, line).is_some() {
            // "There's less than 128MB of free VRAM … Aborting the render" (measured in
            // aws-deadline/deadline-cloud-samples, see the shared real_log_lines.json).
            Some("Redshift aborted the render")
        } else if find(&ILLEGAL_ACCESS, line).is_some() {
            Some("GPU illegal memory access")
        } else if find(&NO_RS_PREFERENCE, line).is_some() {
            Some("the Redshift plug-in is not loaded")
        } else {
            None
        };
        if let Some(what) = fatal {
            out.push(ProgressEvent::Fatal {
                reason: format!("{what}: {}", line.trim()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::feed_all;

    fn run(lines: &[&str]) -> Vec<ProgressEvent> {
        feed_all(Box::new(RedshiftParser::new()), lines)
    }

    #[test]
    fn a_frame_from_start_to_end() {
        let out = run(&[
            // Line shape matched by Deadline's MayaBatch plugin, handler
            // HandleRedshiftNewFrameProgress: "Rendering frame \d+ \((\d+)/(\d+)\)"
            // (bumpybox/custom plugins/MayaPype/MayaPype.py); CGRU matches the trailing
            // "frame N..." (CGRU/cgru afanasy/python/parsers/redshift.py re_frame_start).
            "Rendering frame 12 (1/3)...",
            // Real lines quoted in CGRU/cgru afanasy/python/parsers/redshift.py EXAMPLE OUTPUT.
            "INFO : [Redshift] Block 32/48 (7,4) rendered by GPU 0 in 2ms",
            "       [Redshift] Block 126/135 (14,0) rendered by GPU 1 in 12ms",
            // "Saving: (.+)" is CGRU redshift.py's re_image; "Saved file '…' in …" is
            // Redshift 3's wording.
            "\tSaving: /proj/images/beauty/shot.0012.exr",
            "Saved file '/proj/images/beauty/shot.0012.Z.exr' in 0.05s.",
            // CGRU redshift.py re_frame_done: ".*Frame.*done.*".
            "Frame done - total time for frame 12: 4.2s",
        ]);
        assert_eq!(
            out,
            vec![
                ProgressEvent::FrameStarted { frame: 12 },
                ProgressEvent::Percent {
                    percent: 32.0 * 100.0 / 48.0
                },
                ProgressEvent::Percent {
                    percent: 126.0 * 100.0 / 135.0
                },
                ProgressEvent::FileSaved {
                    path: "/proj/images/beauty/shot.0012.exr".into()
                },
                ProgressEvent::FileSaved {
                    path: "/proj/images/beauty/shot.0012.Z.exr".into()
                },
                ProgressEvent::FrameFinished {
                    frame: Some(12),
                    files: vec![
                        "/proj/images/beauty/shot.0012.exr".into(),
                        "/proj/images/beauty/shot.0012.Z.exr".into()
                    ]
                },
            ]
        );
    }

    #[test]
    fn fatal_lines() {
        for line in [
            // CGRU redshift.py str_error and Deadline MayaPype.py HandleFatalError.
            "Frame rendering aborted.",
            "Rendering was internally aborted",
            "No devices found. Aborting rendering.",
            "Error an illegal memory access was encountered",
            "// Error: line 1: Cannot find procedure \"rsPreference\".",
            // CGRU redshift.py EXAMPLE OUTPUT (licence).
            "Error: [Redshift] License error: (RLM) All licenses in use (-22) //",
            // deadline-cloud-for-maya pull/480 (measured against a real Redshift).
            "[Redshift] Maxon licensing error: no license available",
            // Brief's Redshift licence lines.
            "[Redshift] License acquisition failed",
            "[Redshift] No license found",
            // Deadline MayaPype.py HandleRedshiftGPUAffinityError regex.
            "redshiftSelectCudaDevices.mel line 12: Invalid device id: 1",
            "[Redshift] CUDA error: cudaErrorInvalidDevice",
            "[Redshift] CUDA error: out of memory",
        ] {
            let out = run(&[line]);
            assert!(
                matches!(out.as_slice(), [ProgressEvent::Fatal { .. }]),
                "{line}: {out:?}"
            );
        }
    }

    #[test]
    fn frame_done_without_start_has_no_frame() {
        let out = run(&["Frame rendering done"]);
        assert_eq!(
            out,
            vec![ProgressEvent::FrameFinished {
                frame: None,
                files: vec![]
            }]
        );
    }
}
