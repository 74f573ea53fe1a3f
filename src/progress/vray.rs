//! V-Ray (for Maya, and Standalone) log lines.
//!
//! Frame start `progr: begin scene preprocessing for frame N` / `V-Ray: Updating frame at time
//! N`, progress and estimate `Rendering image...: 45.00% [ 0h  0m  1.2s] [ 0h  0m  3.6s est]`,
//! images `Successfully written image file "<path>"`, frame end `V-Ray: Total frame time`,
//! fatal: licence (common detector) and an output path V-Ray cannot create.

use std::path::PathBuf;

use super::text::{after, find, finder, leading_frame, number_before, quoted_path};
use super::{LogParser, ProgressEvent};

finder!(BEGIN_FRAME, "begin scene preprocessing for frame ");
finder!(UPDATING_FRAME, "Updating frame at time ");
finder!(RENDERING_IMAGE, "Rendering image");
finder!(WRITTEN, "Successfully written image file ");
finder!(TOTAL_FRAME_TIME, "Total frame time");
finder!(VRAY_ERROR, "V-Ray error: ");
finder!(CANNOT_BE_CREATED, "cannot be created");
finder!(VRAY_WARNING, "V-Ray warning");

/// Follows one V-Ray render process.
#[derive(Debug, Default)]
pub struct VRayParser {
    frame: Option<i64>,
    files: Vec<PathBuf>,
}

impl VRayParser {
    pub fn new() -> Self {
        Self::default()
    }
}

/// `[ 0h  0m  3.6s est]` → seconds.
fn estimate_seconds(line: &str) -> Option<u64> {
    let end = line.rfind(" est]")?;
    let start = line[..end].rfind('[')? + 1;
    let mut total = 0f64;
    for part in line[start..end].split_whitespace() {
        let (num, unit) = part.split_at(part.len().checked_sub(1)?);
        let v: f64 = num.parse().ok()?;
        total += v * match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            _ => return None,
        };
    }
    Some(total.round() as u64)
}

impl LogParser for VRayParser {
    fn feed(&mut self, line: &str, out: &mut Vec<ProgressEvent>) {
        if find(&RENDERING_IMAGE, line).is_some() {
            if let Some(pct) = line.find('%') {
                if let Some(p) = number_before(line, pct) {
                    out.push(ProgressEvent::Percent { percent: p });
                }
                if let Some(seconds) = estimate_seconds(line) {
                    out.push(ProgressEvent::Eta { seconds });
                }
            }
            return;
        }
        let started = after(&BEGIN_FRAME, line).or_else(|| after(&UPDATING_FRAME, line));
        if let Some(frame) = started.and_then(leading_frame) {
            if self.frame != Some(frame) {
                self.frame = Some(frame);
                self.files.clear();
                out.push(ProgressEvent::FrameStarted { frame });
            }
            return;
        }
        if let Some(path) = after(&WRITTEN, line).and_then(quoted_path) {
            self.files.push(path.clone());
            out.push(ProgressEvent::FileSaved { path });
            return;
        }
        if find(&TOTAL_FRAME_TIME, line).is_some() {
            out.push(ProgressEvent::FrameFinished {
                frame: self.frame.take(),
                files: std::mem::take(&mut self.files),
            });
            return;
        }
        if find(&VRAY_ERROR, line).is_some() {
            out.push(ProgressEvent::Fatal {
                reason: format!("V-Ray error: {}", line.trim()),
            });
            return;
        }
        if find(&VRAY_WARNING, line).is_some() && find(&CANNOT_BE_CREATED, line).is_some() {
            out.push(ProgressEvent::Fatal {
                reason: format!("V-Ray cannot create the output path: {}", line.trim()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::feed_all;

    fn run(lines: &[&str]) -> Vec<ProgressEvent> {
        feed_all(Box::new(VRayParser::new()), lines)
    }

    #[test]
    fn a_frame_from_start_to_end() {
        let out = run(&[
            // Banner quoted in github.com/ynput/OpenPype/pull/5420 (V-Ray 6 log via Deadline).
            "[2023/Aug/10|17:33:55] [15 MB] V-Ray Standalone, version 6 Standalone Update 1.2 for x64",
            // CGRU/cgru afanasy/python/parsers/vray.py re_frame: "progr: begin scene
            // preprocessing for frame N"; re_percent "Rendering image...: NN%".
            "[2023/Aug/10|17:33:56] SCEN   progr: begin scene preprocessing for frame 3",
            "[2023/Aug/10|17:34:01] progr: Rendering image...:  45.00% [ 0h  0m  1.2s] [ 0h  0m  3.6s est]",
            // CGRU vray.py IMAGE: 'Successfully written image file ' + quoted path.
            "[2023/Aug/10|17:34:05] Successfully written image file \"C:/proj/images/shot.0003.exr\"",
            // Deadline MayaBatch handler "V-Ray: Total frame time" (bumpybox/custom
            // plugins/MayaPype/MayaPype.py HandleVrayFrameComplete).
            "V-Ray: Total frame time 9.8 s",
        ]);
        assert_eq!(
            out,
            vec![
                ProgressEvent::FrameStarted { frame: 3 },
                ProgressEvent::Percent { percent: 45.0 },
                ProgressEvent::Eta { seconds: 4 },
                ProgressEvent::FileSaved {
                    path: "C:/proj/images/shot.0003.exr".into()
                },
                ProgressEvent::FrameFinished {
                    frame: Some(3),
                    files: vec!["C:/proj/images/shot.0003.exr".into()]
                },
            ]
        );
    }

    #[test]
    fn maya_export_line_starts_a_frame() {
        // Deadline MayaPype.py HandleVrayExportProgress: "V-Ray: Updating frame at time ([0-9]+)".
        let out = run(&["V-Ray: Updating frame at time 12"]);
        assert_eq!(out, vec![ProgressEvent::FrameStarted { frame: 12 }]);
    }

    #[test]
    fn fatal_lines() {
        for line in [
            // deadline-cloud-for-maya adaptor.py _vray_license_error.
            "error: Could not obtain a license",
            // Deadline MayaCmd.py (github.com/bsukhadia/beta), vray: "V-Ray error: .*" is
            // HandleFatalError.
            "V-Ray error: There is no license available",
            // Deadline MayaPype.py: ".*V-Ray warning.* The file path for .* cannot be created.*".
            "V-Ray warning: The file path for \"/no/such/x.exr\" cannot be created",
        ] {
            let out = run(&[line]);
            assert!(
                matches!(out.as_slice(), [ProgressEvent::Fatal { .. }]),
                "{line}: {out:?}"
            );
        }
    }
}
