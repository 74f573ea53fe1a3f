//! What every attempt learns from its log and judges by its files, whatever runs it.
//!
//! A cold attempt ([`super::AttemptRunner`]: commands spawned one after the other) and a
//! chunk on a warm session (`session::WarmChunk`: a request to a renderer that is already
//! running) differ in how their processes start, stop and say they are done. They do not
//! differ in what a log line means or in which frames count: the progress parser, the frames
//! the renderer reported, the frame clock behind the ETA, the first fatal line, the files
//! that were there before (the baseline) and the verification of the outputs are this one
//! type's, written once (as RQD's `RunningFrame` keeps its frame facts apart from how the
//! frame's process runs).

use std::collections::BTreeSet;
use std::time::Instant;

use super::{eta::FrameClock, verify, AttemptSpec, Outcome, Sink};
use crate::plan;
use crate::progress::{LogParser, ProgressEvent};
use crate::run::ExitInfo;

/// The progress and verification facts of one attempt.
pub struct Tracker {
    parser: Box<dyn LogParser>,
    /// Events of the lines fed since the last [`Tracker::settle`].
    events: Vec<ProgressEvent>,
    reported: BTreeSet<i64>,
    clock: FrameClock,
    fatal: Option<String>,
    cancelled: bool,
    baseline: verify::Baseline,
}

impl Tracker {
    /// A tracker with the parser for `spec`'s method and renderer.
    pub fn new(spec: &AttemptSpec) -> Tracker {
        Tracker {
            parser: spec.level.parser(spec.renderer.as_deref()),
            events: Vec::new(),
            reported: BTreeSet::new(),
            clock: FrameClock::new(Instant::now()),
            fatal: None,
            cancelled: false,
            baseline: verify::Baseline::default(),
        }
    }

    /// Record the files already there for `spec`'s frames, so that only files this attempt
    /// writes count as its frames, and say so when there are any (`what`: "attempt",
    /// "chunk"). Every host that verifies outputs starts this way.
    pub fn take_baseline(
        &mut self,
        spec: &AttemptSpec,
        task: &plan::Task,
        endings: &mut Vec<String>,
        what: &str,
        sink: &mut dyn Sink,
    ) {
        let baseline = verify::Baseline::take(task, &spec.frames, endings);
        if !baseline.is_empty() {
            let before = baseline.frames(task, &spec.frames);
            sink.note(&format!(
                "{} earlier frame(s) already in {} ({}): only files this {what} writes count",
                before.len(),
                task.output_dir.display(),
                crate::frames::FrameSet::from_frames(before.iter().copied()).compact()
            ));
        }
        self.baseline = baseline;
    }

    /// Parse one line of the render's output; its events wait for [`Tracker::settle`].
    pub fn feed(&mut self, line: &str) {
        self.parser.feed(line, &mut self.events);
    }

    /// Take in the events of the lines fed so far: frames reported, the frame clock, the
    /// first fatal line. Returns that fatal line's reason when it arrived now: the host
    /// stops its render (or, already ended, notes why it ended).
    pub fn settle(&mut self) -> Option<String> {
        let mut newly_fatal = None;
        let now = Instant::now();
        for ev in self.events.drain(..) {
            self.clock.event(&ev, now);
            match ev {
                ProgressEvent::FrameFinished { frame: Some(f), .. } => {
                    self.reported.insert(f);
                }
                ProgressEvent::Fatal { reason } if self.fatal.is_none() => {
                    self.fatal = Some(reason.clone());
                    newly_fatal = Some(reason);
                }
                _ => {}
            }
        }
        newly_fatal
    }

    /// The user (or the host for the user) stopped this attempt.
    pub fn mark_cancelled(&mut self) {
        self.cancelled = true;
    }

    pub fn cancelled(&self) -> bool {
        self.cancelled
    }

    /// The renderer's first fatal line.
    pub fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }

    /// Frames the renderer said it finished (not yet verified).
    pub fn reported(&self) -> &BTreeSet<i64> {
        &self.reported
    }

    /// Seconds left for `remaining` frames of this attempt; `None` = unknown yet.
    pub fn eta_s(&self, remaining: usize) -> Option<u64> {
        self.clock.eta_s(remaining, Instant::now())
    }

    /// Mean seconds per frame of the frames this attempt finished.
    pub fn measured_frame_seconds(&self) -> Option<f64> {
        self.clock.measured_frame_seconds()
    }

    /// Mean seconds per frame measured (or extrapolated) so far.
    pub fn frame_seconds(&self) -> Option<f64> {
        self.clock.frame_seconds(Instant::now())
    }

    /// The files that were there before the attempt (what a host persists so that a
    /// re-attached attempt is verified by the same rule).
    pub fn baseline(&self) -> &verify::Baseline {
        &self.baseline
    }

    /// Restore the baseline of a re-attached attempt.
    pub fn set_baseline(&mut self, b: verify::Baseline) {
        self.baseline = b;
    }

    /// Check the outputs of `frames` of `task`: found (written by this attempt), missing,
    /// and why it ended — cancelled, a full disk, the fatal line, else `otherwise` (the
    /// host's own words: a timeout, the exit, the session's failure).
    pub fn outcome(
        &self,
        frames: &[i64],
        task: &plan::Task,
        endings: &mut Vec<String>,
        exit: Option<ExitInfo>,
        otherwise: String,
    ) -> Outcome {
        let found = verify::find_outputs_cached(task, frames, endings);
        let (found, freshness) = verify::only_fresh(found, &self.baseline, task, frames);
        let missing: Vec<i64> = frames
            .iter()
            .copied()
            .filter(|f| !found.contains_key(f))
            .collect();
        let disk = if missing.is_empty() || self.cancelled {
            None
        } else {
            verify::disk_full_reason(&task.output_dir)
        };
        let reason = if self.cancelled {
            "cancelled".to_string()
        } else if let Some(d) = &disk {
            d.clone()
        } else if let Some(f) = &self.fatal {
            format!("fatal: {f}")
        } else {
            otherwise
        };
        Outcome {
            found,
            missing,
            reason,
            exit,
            fatal: self.fatal.clone(),
            cancelled: self.cancelled,
            freshness,
            disk_full: disk.is_some(),
        }
    }
}
