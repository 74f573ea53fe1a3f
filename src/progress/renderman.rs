//! RenderMan (RfM) log lines.
//!
//! Frame start `rfm Notice: Rendering <what> at N`, progress `R90000  NN%` (prman's
//! `-progress` output); a frame ends when progress reaches 100%. Licence failures
//! (`R5000x {SEVERE} License …`) are caught by the common detector.

use super::text::{after, find, finder, leading_frame, number_before};
use super::{LogParser, ProgressEvent};

finder!(R90000, "R90000");
finder!(RFM_RENDERING, "rfm Notice: Rendering ");
finder!(AT, " at ");

/// Follows one RenderMan render process.
#[derive(Debug, Default)]
pub struct RenderManParser {
    frame: Option<i64>,
    finished: bool,
}

impl RenderManParser {
    pub fn new() -> Self {
        Self::default()
    }
}

impl LogParser for RenderManParser {
    fn feed(&mut self, line: &str, out: &mut Vec<ProgressEvent>) {
        if find(&R90000, line).is_some() {
            if let Some(pct) = line.rfind('%') {
                if let Some(p) = number_before(line, pct) {
                    out.push(ProgressEvent::Percent { percent: p });
                    if p >= 100.0 && !self.finished {
                        self.finished = true;
                        out.push(ProgressEvent::FrameFinished {
                            frame: self.frame,
                            files: vec![],
                        });
                    } else if p < 100.0 {
                        self.finished = false;
                    }
                }
            }
            return;
        }
        if let Some(rest) = after(&RFM_RENDERING, line) {
            if let Some(frame) = after(&AT, rest).and_then(leading_frame) {
                self.frame = Some(frame);
                self.finished = false;
                out.push(ProgressEvent::FrameStarted { frame });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::feed_all;

    fn run(lines: &[&str]) -> Vec<ProgressEvent> {
        feed_all(Box::new(RenderManParser::new()), lines)
    }

    #[test]
    fn a_frame_from_start_to_end() {
        let out = run(&[
            // Deadline MayaPype.py HandleRendermanProgress: "rfm Notice: Rendering .* at ([0-9]+)"
            // (bumpybox/custom plugins/MayaPype/MayaPype.py).
            "rfm Notice: Rendering perspShape at 5",
            // aws-deadline/deadline-cloud-for-maya adaptor.py progress regex "R90000\s+([0-9]+)%".
            "R90000     4%",
            "R90000    57%",
            "R90000   100%",
        ]);
        assert_eq!(
            out,
            vec![
                ProgressEvent::FrameStarted { frame: 5 },
                ProgressEvent::Percent { percent: 4.0 },
                ProgressEvent::Percent { percent: 57.0 },
                ProgressEvent::Percent { percent: 100.0 },
                ProgressEvent::FrameFinished {
                    frame: Some(5),
                    files: vec![]
                },
            ]
        );
    }

    #[test]
    fn licence_lines_are_fatal() {
        for line in [
            // github.com/prman-pixar/RenderManForBlender/issues/608.
            "R50005 {SEVERE}  License error - feature: RPS-24.0",
            // github.com/prman-pixar/RenderManForBlender/issues/139.
            "PRMan: R50009 {SEVERE} License location is not set in rendermn.ini - aborting.",
        ] {
            let out = run(&[line]);
            assert!(
                matches!(out.as_slice(), [ProgressEvent::Fatal { .. }]),
                "{line}: {out:?}"
            );
        }
    }
}
