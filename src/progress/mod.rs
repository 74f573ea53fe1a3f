//! Per-renderer log parsers: frame started/finished, files written, percent, ETA, fatal lines.
//!
//! A render's stdout+stderr is appended to a log file by `run`; the queue follows that file and
//! feeds every complete line to the [`LogParser`] the renderer registry builds with
//! [`combined`]. The parser turns
//! the renderer's own chatter into [`ProgressEvent`]s so brm knows, while the render is still
//! going, which frames finished, which files were written, and whether the render is already
//! doomed (licence refused, wrong GPU, out of GPU memory) — in which case the task is failed at
//! once instead of waiting for a timeout.
//!
//! Why line parsers and not regexes: a chatty render can write gigabytes of log. Every parser
//! here does plain substring work with searchers built once ([`memchr::memmem::Finder`]) and
//! only looks closer when a cheap test hits; nothing is compiled or allocated per line except
//! the events themselves.
//!
//! The machine-readable `@brm {json}` lines printed by brm's own mayapy scripts are understood
//! by every parser (see [`brm`]). When they are present they are the authority on frames: the
//! renderer's own frame lines are then ignored so a frame is never counted twice.

mod arnold;
mod blender;
mod brm;
mod fatal;
mod maya;
mod redshift;
mod renderman;
mod text;
mod vray;

use std::path::PathBuf;

pub use arnold::ArnoldParser;
pub use blender::BlenderParser;
pub use brm::BrmLineParser;
pub use maya::MayaNativeParser;
pub use redshift::RedshiftParser;
pub use renderman::RenderManParser;
pub use vray::VRayParser;

/// Something a render said about its progress.
#[derive(Clone, Debug, PartialEq)]
pub enum ProgressEvent {
    /// The render began work on this frame.
    FrameStarted { frame: i64 },
    /// A frame is done. `frame` is `None` when the renderer does not say which one (the
    /// consumer then attributes it to the frame it last saw start). `files` are the images
    /// written for it, as far as the log tells.
    FrameFinished {
        frame: Option<i64>,
        files: Vec<PathBuf>,
    },
    /// The renderer wrote an image file.
    FileSaved { path: PathBuf },
    /// Progress of the current frame, 0..=100.
    Percent { percent: f32 },
    /// The renderer's estimate of the time left for the current frame.
    Eta { seconds: u64 },
    /// The render cannot succeed (licence refused, invalid GPU device, out of GPU memory,
    /// the script's own fatal error): fail the task now. `reason` is the offending line or
    /// message, trimmed.
    Fatal { reason: String },
}

/// Turns log lines into [`ProgressEvent`]s. Stateful (current frame, files so far), one per
/// render process. `line` is one line without its terminator.
pub trait LogParser: Send {
    fn feed(&mut self, line: &str, out: &mut Vec<ProgressEvent>);
}

/// The parser for a render: `@brm` lines, then `inner` (the renderer's own parsers, chosen
/// by the renderer registry, `crate::renderer`), then the common fatal-line detector.
/// `brm_authoritative`: frames come only from `@brm` lines (the renderer's own frame lines
/// still give files, percent, ETA and fatal errors).
pub fn combined(inner: Vec<Box<dyn LogParser>>, brm_authoritative: bool) -> Box<dyn LogParser> {
    Box::new(Combined::new(inner, brm_authoritative))
}

/// `@brm` lines + the renderer parsers + the common fatal-line detector.
struct Combined {
    brm: BrmLineParser,
    inner: Vec<Box<dyn LogParser>>,
    /// Once true, frame events come only from `@brm` lines.
    brm_authoritative: bool,
    scratch: Vec<ProgressEvent>,
}

impl Combined {
    fn new(inner: Vec<Box<dyn LogParser>>, brm_authoritative: bool) -> Self {
        Combined {
            brm: BrmLineParser::new(),
            inner,
            brm_authoritative,
            scratch: Vec::new(),
        }
    }
}

impl LogParser for Combined {
    fn feed(&mut self, line: &str, out: &mut Vec<ProgressEvent>) {
        if let Some(json) = brm::brm_payload(line) {
            let before = out.len();
            self.brm.feed_payload(json, out);
            if out[before..].iter().any(|e| {
                matches!(
                    e,
                    ProgressEvent::FrameStarted { .. } | ProgressEvent::FrameFinished { .. }
                )
            }) {
                self.brm_authoritative = true;
            }
            return;
        }
        self.scratch.clear();
        for parser in self.inner.iter_mut() {
            parser.feed(line, &mut self.scratch);
        }
        let before = out.len();
        let mut seen_fatal = false;
        let mut seen_percent = false;
        for event in self.scratch.drain(..) {
            // Several parsers may understand the same line (RendererKind::Any): once is enough.
            if out[before..].contains(&event) {
                continue;
            }
            match &event {
                ProgressEvent::FrameStarted { .. } | ProgressEvent::FrameFinished { .. }
                    if self.brm_authoritative =>
                {
                    continue
                }
                // With several parsers on one line, report one fatal and one percent only.
                ProgressEvent::Fatal { .. } => {
                    if seen_fatal {
                        continue;
                    }
                    seen_fatal = true;
                }
                ProgressEvent::Percent { .. } => {
                    if seen_percent {
                        continue;
                    }
                    seen_percent = true;
                }
                _ => {}
            }
            out.push(event);
        }
        if !seen_fatal {
            if let Some(reason) = fatal::common_fatal(line) {
                out.push(ProgressEvent::Fatal { reason });
            }
        }
    }
}

/// Test helper: every event one renderer parser, combined as a render gets it, reports for
/// `lines`.
#[cfg(test)]
pub(crate) fn feed_all(parser: Box<dyn LogParser>, lines: &[&str]) -> Vec<ProgressEvent> {
    let mut p = combined(vec![parser], false);
    let mut out = Vec::new();
    for l in lines {
        p.feed(l, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(parser: &mut dyn LogParser, lines: &[&str]) -> Vec<ProgressEvent> {
        let mut out = Vec::new();
        for l in lines {
            parser.feed(l, &mut out);
        }
        out
    }

    #[test]
    fn brm_lines_are_authoritative_over_renderer_frame_lines() {
        let mut p = combined(vec![Box::new(ArnoldParser::new())], false);
        let out = run(
            p.as_mut(),
            &[
                r#"@brm {"event":"frame_start","frame":7}"#,
                // Arnold's own frame line (docs.arnoldrenderer.com "How to Read a Render Log").
                "00:00:00   773MB         | [mtoa.session]     Initializing at frame 7.000000",
                // CGRU afanasy/python/parsers/maya_arnold.py sample line.
                "|    50% done - 37 rays/pixel",
                r#"@brm {"event":"frame_done","frame":7,"files":["/o/a.0007.exr"]}"#,
            ],
        );
        assert_eq!(
            out,
            vec![
                ProgressEvent::FrameStarted { frame: 7 },
                ProgressEvent::Percent { percent: 50.0 },
                ProgressEvent::FrameFinished {
                    frame: Some(7),
                    files: vec![PathBuf::from("/o/a.0007.exr")]
                },
            ]
        );
    }

    #[test]
    fn any_kind_understands_every_maya_renderer_and_reports_one_fatal_per_line() {
        let mut p = crate::renderer::parser_for(None, false);
        // Redshift licence line quoted in CGRU/cgru afanasy/python/parsers/redshift.py.
        let out = run(
            p.as_mut(),
            &["Error: [Redshift] License error: (RLM) All licenses in use (-22) //"],
        );
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(matches!(out[0], ProgressEvent::Fatal { .. }));
        // Arnold progress (CGRU maya_arnold.py sample) through the Any parser: one percent.
        let out = run(
            p.as_mut(),
            &["12:34:56      32MB   |   45% done - 23 rays/pixel"],
        );
        assert_eq!(out, vec![ProgressEvent::Percent { percent: 45.0 }]);
    }

    #[test]
    fn common_fatal_lines_fail_any_renderer() {
        for kind in crate::renderer::ALL.iter().map(|r| r.name) {
            let mut p = crate::renderer::parser_for(Some(kind), false);
            // Cycles, quoted in github.com/princeton-vl/infinigen/issues/68.
            let out = run(p.as_mut(), &["System is out of GPU and shared host memory"]);
            assert!(
                matches!(out.as_slice(), [ProgressEvent::Fatal { .. }]),
                "{kind:?}: {out:?}"
            );
            // PyTorch-style CUDA message, quoted in github.com/wdrink/PyDeepFakeDet/issues/1.
            let out = run(
                p.as_mut(),
                &["RuntimeError: CUDA error: invalid device ordinal"],
            );
            assert!(
                matches!(out.as_slice(), [ProgressEvent::Fatal { .. }]),
                "{kind:?}: {out:?}"
            );
        }
    }

    #[test]
    fn ordinary_lines_give_nothing() {
        let mut p = crate::renderer::parser_for(None, false);
        let out = run(
            p.as_mut(),
            &[
                "",
                "File read in  5.3 seconds.",
                // Arnold licence *success* and info lines must not be fatal
                // (docs.arnoldrenderer.com "How to Read a Render Log").
                "00:00:00   773MB         | Arnold 4.2.7.4 windows icc-14.0.2 oiio-1.5.15 rlm-11.2.2 2015/06/15 09:39:31",
                "00:00:03   833MB         | Arnold 7.4.0.0 [516ade3d] linux x86_64 clang-15.0.7 oiio-2.6.3 osl-1.13.3 vdb-11.0.0 adlsdk-9.5.0.53 clmhub-3.1.1.43 rlm-14.2.5 optix-8.0.0 2025/02/04 21:52:37",
                "  GPU Memory Limit : 20470 MB.",
            ],
        );
        assert!(out.is_empty(), "{out:?}");
    }
}
