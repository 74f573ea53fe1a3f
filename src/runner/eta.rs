//! Time left for an attempt, from what the renderer says and what brm measured: the mean
//! time of the frames this attempt finished, the current frame's percent (and the renderer's
//! own ETA line when it prints one). `None` means "unknown" and is shown as such: a guess
//! before any evidence would mislead the artist more than saying nothing.

use std::time::{Duration, Instant};

use crate::progress::ProgressEvent;

/// The frame clock of one attempt.
#[derive(Debug, Clone)]
pub struct FrameClock {
    /// When the current frame began (its start line, else the end of the previous frame,
    /// else the attempt's start).
    frame_began: Instant,
    percent: Option<f32>,
    renderer_eta: Option<(u64, Instant)>,
    measured: Duration,
    finished: u32,
    /// The first finished frame's time: it carries the renderer's start-up (scene load),
    /// so it is left out of the mean once later frames exist.
    first: Option<Duration>,
}

impl FrameClock {
    pub fn new(now: Instant) -> FrameClock {
        FrameClock {
            frame_began: now,
            percent: None,
            renderer_eta: None,
            measured: Duration::ZERO,
            finished: 0,
            first: None,
        }
    }

    /// Feed one parsed progress event seen at `now`.
    pub fn event(&mut self, ev: &ProgressEvent, now: Instant) {
        match ev {
            ProgressEvent::FrameStarted { .. } => {
                self.frame_began = now;
                self.percent = None;
                self.renderer_eta = None;
            }
            ProgressEvent::FrameFinished { .. } => {
                let took = now.saturating_duration_since(self.frame_began);
                if self.first.is_none() {
                    self.first = Some(took);
                } else {
                    self.measured += took;
                }
                self.finished += 1;
                self.frame_began = now;
                self.percent = None;
                self.renderer_eta = None;
            }
            ProgressEvent::Percent { percent } if percent.is_finite() => {
                self.percent = Some(percent.clamp(0.0, 100.0));
            }
            ProgressEvent::Eta { seconds } => self.renderer_eta = Some((*seconds, now)),
            _ => {}
        }
    }

    /// Mean seconds per frame: measured frames first, else extrapolated from the current
    /// frame's percent (at least 1 % done, so a first progress line does not give nonsense).
    pub fn frame_seconds(&self, now: Instant) -> Option<f64> {
        if let Some(m) = self.measured_frame_seconds() {
            return Some(m);
        }
        if let Some(f) = self.first {
            return Some(f.as_secs_f64());
        }
        let p = f64::from(self.percent?);
        let elapsed = now
            .saturating_duration_since(self.frame_began)
            .as_secs_f64();
        (p >= 1.0).then(|| elapsed * 100.0 / p)
    }

    /// Mean seconds per frame of the frames this attempt finished after its first (no
    /// guess; `None` until two frames finished).
    pub fn measured_frame_seconds(&self) -> Option<f64> {
        (self.finished > 1).then(|| self.measured.as_secs_f64() / f64::from(self.finished - 1))
    }

    /// Seconds left for `remaining` frames (the current one included), or `None` when
    /// nothing is known yet.
    pub fn eta_s(&self, remaining: usize, now: Instant) -> Option<u64> {
        if remaining == 0 {
            return Some(0);
        }
        let per_frame = self.frame_seconds(now);
        let elapsed = now
            .saturating_duration_since(self.frame_began)
            .as_secs_f64();
        let current = if let Some((s, at)) = self.renderer_eta {
            Some((s as f64 - now.saturating_duration_since(at).as_secs_f64()).max(0.0))
        } else if let Some(p) = self.percent.filter(|p| *p >= 1.0) {
            Some(elapsed * (100.0 - f64::from(p)) / f64::from(p))
        } else {
            per_frame.map(|f| (f - elapsed).max(0.0))
        }?;
        let rest = per_frame.unwrap_or(current + elapsed) * (remaining - 1) as f64;
        Some((current + rest).round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_until_a_frame_finishes_or_a_percent_is_seen() {
        let t0 = Instant::now();
        let c = FrameClock::new(t0);
        assert_eq!(c.eta_s(10, t0 + Duration::from_secs(5)), None);
        assert_eq!(c.eta_s(0, t0), Some(0));
    }

    #[test]
    fn measured_frames_give_the_mean_times_the_frames_left() {
        let t0 = Instant::now();
        let mut c = FrameClock::new(t0);
        let done = ProgressEvent::FrameFinished {
            frame: Some(1),
            files: vec![],
        };
        // The first frame carries the start-up (16 s); later ones take 10 s.
        c.event(&done, t0 + Duration::from_secs(16));
        assert_eq!(c.measured_frame_seconds(), None);
        c.event(&done, t0 + Duration::from_secs(26));
        assert_eq!(c.measured_frame_seconds(), Some(10.0));
        // 10 s per frame, 3 left, the current one just began.
        assert_eq!(c.eta_s(3, t0 + Duration::from_secs(26)), Some(30));
        // 4 s into the current frame: 6 s of it left, then 2 more frames.
        assert_eq!(c.eta_s(3, t0 + Duration::from_secs(30)), Some(26));
    }

    #[test]
    fn the_renderers_percent_gives_an_estimate_for_the_first_frame() {
        let t0 = Instant::now();
        let mut c = FrameClock::new(t0);
        c.event(&ProgressEvent::FrameStarted { frame: 1 }, t0);
        c.event(
            &ProgressEvent::Percent { percent: 25.0 },
            t0 + Duration::from_secs(5),
        );
        // 25 % in 5 s: 15 s left of this frame, 20 s for each of the 2 others.
        assert_eq!(c.eta_s(3, t0 + Duration::from_secs(5)), Some(55));
    }
}
