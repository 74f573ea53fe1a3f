//! Maya's own renderers (Maya Software, Maya Hardware 2.0) and Maya's batch wrapper lines.
//!
//! Frame end `Finished Rendering <path>.NNNN.<ext>` (the frame number is read from the file
//! name), frame start `Rendering frame N`, progress `NN% done`, fatal `Frame aborted`,
//! `Fatal Error. …` (Maya crashing), `FLEXlm error: …`.

use std::path::{Path, PathBuf};

use super::text::{after, find, finder, leading_int, number_before};
use super::{LogParser, ProgressEvent};

finder!(FINISHED_RENDERING, "Finished Rendering ");
finder!(RENDERING_FRAME, "Rendering frame ");
finder!(PCT_DONE, "% done");
finder!(PCT_OF_RENDERING, "Percentage of rendering done: ");
finder!(FRAME_ABORTED, "Frame aborted");
finder!(FATAL_ERROR, "Fatal Error");
finder!(FLEXLM, "FLEXlm error");

/// Follows one Maya Software / Hardware 2.0 render process.
#[derive(Debug, Default)]
pub struct MayaNativeParser {
    frame: Option<i64>,
}

impl MayaNativeParser {
    pub fn new() -> Self {
        Self::default()
    }
}

/// `/x/shot.0012.iff` → 12 (Maya's `name.#.ext` naming; brm always asks for it).
fn frame_from_file_name(path: &Path) -> Option<i64> {
    let name = path.file_name()?.to_str()?;
    let mut parts = name.rsplit('.');
    let _ext = parts.next()?;
    let number = parts.next()?;
    let digits = number.strip_prefix('-').unwrap_or(number);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok()
}

impl LogParser for MayaNativeParser {
    fn feed(&mut self, line: &str, out: &mut Vec<ProgressEvent>) {
        if let Some(rest) = after(&FINISHED_RENDERING, line) {
            let mut text = rest.trim();
            // Maya ends the sentence with a period after the extension: `….iff.`
            if text.ends_with('.') && !text.ends_with("..") {
                text = &text[..text.len() - 1];
            }
            if text.is_empty() {
                out.push(ProgressEvent::FrameFinished {
                    frame: self.frame.take(),
                    files: vec![],
                });
                return;
            }
            let path = PathBuf::from(text);
            let frame = frame_from_file_name(&path).or(self.frame);
            self.frame = None;
            out.push(ProgressEvent::FileSaved { path: path.clone() });
            out.push(ProgressEvent::FrameFinished {
                frame,
                files: vec![path],
            });
            return;
        }
        if let Some(rest) = after(&RENDERING_FRAME, line) {
            if let Some(frame) = leading_int(rest) {
                self.frame = Some(frame);
                out.push(ProgressEvent::FrameStarted { frame });
            }
            return;
        }
        // Maya Software: "Percentage of rendering done: 40 (…)"; Deadline's MayaCmd handler
        // `\[PROGRESS\] Percentage of rendering done: (.*)` (github.com/bsukhadia/beta).
        if let Some(rest) = after(&PCT_OF_RENDERING, line) {
            if let Some(p) = leading_int(rest.trim_start()) {
                out.push(ProgressEvent::Percent {
                    percent: p.clamp(0, 100) as f32,
                });
            }
            return;
        }
        if let Some(at) = find(&PCT_DONE, line) {
            if let Some(p) = number_before(line, at) {
                out.push(ProgressEvent::Percent { percent: p });
            }
            return;
        }
        if find(&FRAME_ABORTED, line).is_some()
            || find(&FATAL_ERROR, line).is_some()
            || find(&FLEXLM, line).is_some()
        {
            out.push(ProgressEvent::Fatal {
                reason: format!("Maya render failed: {}", line.trim()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::LogParser;

    fn run(mut p: Box<dyn LogParser>, lines: &[&str]) -> Vec<ProgressEvent> {
        let mut out = Vec::new();
        for l in lines {
            p.feed(l, &mut out);
        }
        out
    }

    #[test]
    fn software_frame() {
        let out = run(
            crate::renderer::parser_for(Some("sw"), false),
            &[
                // Status lines matched by Deadline's MayaBatch plugin
                // (bumpybox/custom plugins/MayaPype/MayaPype.py HandleStatusMessage).
                "Constructing shading groups",
                "Rendering current frame",
                "40% done.",
                // Deadline MayaPype.py HandleChunkedProgress1: "Finished Rendering.*\.([0-9]+)\.[^\.]+".
                "Finished Rendering /proj/images/masterLayer/shot.0007.iff.",
            ],
        );
        assert_eq!(
            out,
            vec![
                ProgressEvent::Percent { percent: 40.0 },
                ProgressEvent::FileSaved {
                    path: "/proj/images/masterLayer/shot.0007.iff".into()
                },
                ProgressEvent::FrameFinished {
                    frame: Some(7),
                    files: vec!["/proj/images/masterLayer/shot.0007.iff".into()]
                },
            ]
        );
    }

    #[test]
    fn hardware2_frame() {
        let out = run(
            crate::renderer::parser_for(Some("hw2"), false),
            &[
                "Rendering frame 3",
                "Finished Rendering /o/hw/shot.0003.exr",
            ],
        );
        assert_eq!(
            out,
            vec![
                ProgressEvent::FrameStarted { frame: 3 },
                ProgressEvent::FileSaved {
                    path: "/o/hw/shot.0003.exr".into()
                },
                ProgressEvent::FrameFinished {
                    frame: Some(3),
                    files: vec!["/o/hw/shot.0003.exr".into()]
                },
            ]
        );
    }

    #[test]
    fn any_kind_reports_a_shared_line_once() {
        // "Rendering frame " is understood by both the Redshift and the Maya parsers.
        let out = run(
            crate::renderer::parser_for(None, false),
            &["Rendering frame 9 (2/4)..."],
        );
        assert_eq!(out, vec![ProgressEvent::FrameStarted { frame: 9 }]);
    }

    #[test]
    fn fatal_lines() {
        for line in [
            // CGRU/cgru afanasy/python/parsers/maya.py str_error.
            "Frame aborted",
            "Fatal Error. Attempting to save in /usr/tmp/user.20240101.ma",
            // Deadline MayaPype.py: "FLEXlm error: .*".
            "FLEXlm error: -15,10. System Error: 111 \"Connection refused\"",
        ] {
            let out = run(crate::renderer::parser_for(Some("sw"), false), &[line]);
            assert!(
                matches!(out.as_slice(), [ProgressEvent::Fatal { .. }]),
                "{line}: {out:?}"
            );
        }
    }

    #[test]
    fn maya_software_percentage_lines() {
        // Shared real_log_lines.json case maya-pct-0, and Deadline MayaCmd.py's
        // "[PROGRESS] Percentage of rendering done: (.*)" handler.
        let out = run(
            crate::renderer::parser_for(Some("sw"), false),
            &["Percentage of rendering done: 0"],
        );
        assert_eq!(out, vec![ProgressEvent::Percent { percent: 0.0 }]);
        let out = run(
            crate::renderer::parser_for(None, false),
            &["[PROGRESS] Percentage of rendering done: 40 (elapsed 3s)"],
        );
        assert_eq!(out, vec![ProgressEvent::Percent { percent: 40.0 }]);
    }

    #[test]
    fn frame_numbers_from_names() {
        assert_eq!(frame_from_file_name(Path::new("/a/b.0012.exr")), Some(12));
        assert_eq!(frame_from_file_name(Path::new("/a/b.-0003.exr")), Some(-3));
        assert_eq!(frame_from_file_name(Path::new("/a/b.exr")), None);
        assert_eq!(frame_from_file_name(Path::new("/a/b.v2.exr")), None);
    }
}
