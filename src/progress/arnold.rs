//! Arnold (MtoA) log lines.
//!
//! Arnold prefixes each line with `hh:mm:ss  <mem>MB  [LEVEL] |`. Frame start
//! `[mtoa.session] … at frame N.000000`, progress `NN% done - R rays/pixel`, images
//! `[driver_exr] writing file `<path>'`, frame end `render done`, fatal
//! `[mtoa] Failed batch render`, `ERROR | [clm] …` (licensing), `[mtoa] Failed to find license`.

use std::path::PathBuf;

use super::text::{after, find, finder, leading_frame, number_before, quoted_path};
use super::{LogParser, ProgressEvent};

finder!(MTOA_SESSION, "[mtoa.session]");
finder!(AT_FRAME, " at frame ");
finder!(PCT_DONE, "% done");
finder!(WRITING_FILE, "writing file ");
finder!(RENDER_DONE, "render done");
finder!(FAILED_BATCH, "[mtoa] Failed batch render");
finder!(NO_MTOA, "\"mtoa\", was not found on MAYA_PLUG_IN_PATH");
finder!(CLM, "[clm]");
finder!(ERROR, "ERROR");
finder!(FAILED_TO_FIND_LICENSE, "Failed to find licen");

/// Follows one Arnold render process.
#[derive(Debug, Default)]
pub struct ArnoldParser {
    frame: Option<i64>,
    files: Vec<PathBuf>,
}

impl ArnoldParser {
    pub fn new() -> Self {
        Self::default()
    }
}

impl LogParser for ArnoldParser {
    fn feed(&mut self, line: &str, out: &mut Vec<ProgressEvent>) {
        if let Some(at) = find(&PCT_DONE, line) {
            if let Some(p) = number_before(line, at) {
                out.push(ProgressEvent::Percent { percent: p });
            }
            return;
        }
        if find(&MTOA_SESSION, line).is_some() {
            if let Some(frame) = after(&AT_FRAME, line).and_then(leading_frame) {
                if self.frame != Some(frame) {
                    self.frame = Some(frame);
                    self.files.clear();
                    out.push(ProgressEvent::FrameStarted { frame });
                }
            }
            return;
        }
        if let Some(path) = after(&WRITING_FILE, line).and_then(quoted_path) {
            self.files.push(path.clone());
            out.push(ProgressEvent::FileSaved { path });
            return;
        }
        if find(&RENDER_DONE, line).is_some() {
            out.push(ProgressEvent::FrameFinished {
                frame: self.frame.take(),
                files: std::mem::take(&mut self.files),
            });
            return;
        }
        if find(&FAILED_BATCH, line).is_some() {
            out.push(ProgressEvent::Fatal {
                reason: format!("Arnold batch render failed: {}", line.trim()),
            });
        } else if find(&NO_MTOA, line).is_some() {
            out.push(ProgressEvent::Fatal {
                reason: format!(
                    "Arnold (mtoa) is not installed in the job's environment: {}",
                    line.trim()
                ),
            });
        } else if (find(&CLM, line).is_some() && find(&ERROR, line).is_some())
            || find(&FAILED_TO_FIND_LICENSE, line).is_some()
        {
            out.push(ProgressEvent::Fatal {
                reason: format!("licence failure: {}", line.trim()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::feed_all;

    fn run(lines: &[&str]) -> Vec<ProgressEvent> {
        feed_all(Box::new(ArnoldParser::new()), lines)
    }

    #[test]
    fn a_frame_from_start_to_end() {
        let out = run(&[
            // docs.arnoldrenderer.com/display/A5ARP/How+to+Read+a+Render+Log (MtoA log).
            "00:00:00   773MB         | log started Tue Jul 21 15:26:25 2015",
            "00:00:00   773MB         | [mtoa.session]     Initializing at frame 1.000000",
            "00:00:00   773MB         | [mtoa] Exporting Arnold options 'defaultArnoldRenderOptions'",
            // Quoted in github.com/ynput/OpenPype/pull/4416 (Deadline log of MtoA 5.1).
            r"00:00:05  1523MB         | [color_manager_ocio] default ocio.config found in D:\REPO_SW\APP\MTOA\5.1.3.3\MAYA2023\WINDOWS\bin\../ocio/configs/arnold/config.ocio",
            // CGRU/cgru afanasy/python/parsers/maya_arnold.py sample lines.
            "|     0% done - 37 rays/pixel",
            "12:34:56      32MB   |   45% done - 23 rays/pixel",
            "00:00:02   390MB         |   100% done - 33 rays/pixel",
            // Arnold driver line; "render done" is matched by Deadline's MayaBatch plugin
            // (bumpybox/custom plugins/MayaPype/MayaPype.py).
            "00:00:02   391MB         | [driver_exr] writing file `/proj/images/shot.0001.exr'",
            "00:00:02   391MB         | render done in 0:02.120",
        ]);
        assert_eq!(
            out,
            vec![
                ProgressEvent::FrameStarted { frame: 1 },
                ProgressEvent::Percent { percent: 0.0 },
                ProgressEvent::Percent { percent: 45.0 },
                ProgressEvent::Percent { percent: 100.0 },
                ProgressEvent::FileSaved {
                    path: "/proj/images/shot.0001.exr".into()
                },
                ProgressEvent::FrameFinished {
                    frame: Some(1),
                    files: vec!["/proj/images/shot.0001.exr".into()]
                },
            ]
        );
    }

    #[test]
    fn second_frame_of_a_session() {
        let out = run(&[
            "00:00:00   773MB         | [mtoa.session]     Initializing at frame 1.000000",
            "00:00:02   391MB         | render done in 0:02.120",
            "00:00:03   500MB         | [mtoa.session]     Updating at frame 2.000000",
            "00:00:05   501MB         | render done in 0:01.900",
        ]);
        assert_eq!(
            out,
            vec![
                ProgressEvent::FrameStarted { frame: 1 },
                ProgressEvent::FrameFinished {
                    frame: Some(1),
                    files: vec![]
                },
                ProgressEvent::FrameStarted { frame: 2 },
                ProgressEvent::FrameFinished {
                    frame: Some(2),
                    files: vec![]
                },
            ]
        );
    }

    #[test]
    fn fatal_lines() {
        for line in [
            // Deadline MayaCmd.py (github.com/bsukhadia/beta) HandleFatalError:
            // r"Plug-in, \"mtoa\", was not found on MAYA_PLUG_IN_PATH".
            "// Error: file: /usr/autodesk/maya2025/scripts/others/loadPlugin.mel line 1: Plug-in, \"mtoa\", was not found on MAYA_PLUG_IN_PATH. //",
            // Deadline MayaPype.py HandleFatalError: "\[mtoa\] Failed batch render".
            "// Error: [mtoa] Failed batch render",
            // Brief: Arnold licence failures.
            "00:00:01   810MB ERROR   | [clm] license checkout for arnold 7.4 failed",
            "[mtoa] Failed to find license for MtoA",
            // aws-deadline/deadline-cloud-for-maya adaptor.py (error_on_arnold_license_fail).
            "00:00:01   810MB ERROR   | aborting render because the abort_on_license_fail option was enabled",
            // Arnold GPU.
            "00:00:04  2048MB ERROR   | [gpu] out of GPU memory",
        ] {
            let out = run(&[line]);
            assert!(matches!(out.as_slice(), [ProgressEvent::Fatal { .. }]), "{line}: {out:?}");
        }
    }
}
