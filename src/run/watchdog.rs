//! Task timeouts: maximum run time, and log silence (a stalled render).
//!
//! Silence is measured from the growth of the log *file*, not from parsed lines: a renderer
//! printing a progress bar with bare `\r`, or one very long line, is alive even though no
//! complete line arrives. The queue polls [`Watchdog::check`] with the file length it already
//! knows (from its [`super::LogTail`] or a `stat`), so this type does no I/O and is trivially
//! testable with synthetic instants.

use std::time::{Duration, Instant};

/// Which limit a task ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutKind {
    /// The task ran longer than its maximum time.
    TaskTime { limit: Duration },
    /// The log did not grow for this long.
    Silence { limit: Duration },
}

impl std::fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeoutKind::TaskTime { limit } => {
                write!(
                    f,
                    "task ran longer than its time limit of {} s",
                    limit.as_secs()
                )
            }
            TimeoutKind::Silence { limit } => {
                write!(
                    f,
                    "render printed nothing for {} s (stalled?)",
                    limit.as_secs()
                )
            }
        }
    }
}

/// Watches one running task against its time and silence limits.
#[derive(Clone, Debug)]
pub struct Watchdog {
    started: Instant,
    max_task: Option<Duration>,
    max_silence: Option<Duration>,
    last_len: u64,
    last_growth: Instant,
}

impl Watchdog {
    /// A watchdog for a task that started at `started` (for a re-attached render: when the
    /// agent noticed it, or earlier if known) whose log is `log_len` bytes now. `None` or a
    /// zero duration disables a limit.
    pub fn new(
        started: Instant,
        max_task: Option<Duration>,
        max_silence: Option<Duration>,
        log_len: u64,
    ) -> Self {
        let nonzero = |d: Option<Duration>| d.filter(|d| !d.is_zero());
        Watchdog {
            started,
            max_task: nonzero(max_task),
            max_silence: nonzero(max_silence),
            last_len: log_len,
            last_growth: started,
        }
    }

    /// Records the log length seen at `now` and says whether a limit is exceeded. Once a
    /// limit is reported the caller cancels the task; asking again reports it again.
    pub fn check(&mut self, now: Instant, log_len: u64) -> Option<TimeoutKind> {
        if log_len != self.last_len {
            self.last_len = log_len;
            self.last_growth = now;
        }
        if let Some(limit) = self.max_task {
            if now.saturating_duration_since(self.started) >= limit {
                return Some(TimeoutKind::TaskTime { limit });
            }
        }
        if let Some(limit) = self.max_silence {
            if now.saturating_duration_since(self.last_growth) >= limit {
                return Some(TimeoutKind::Silence { limit });
            }
        }
        None
    }

    /// How long the log has been silent as of `now`.
    pub fn silent_for(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.last_growth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_resets_on_growth_and_task_time_wins() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut w = Watchdog::new(t0, Some(s(100)), Some(s(10)), 0);
        assert_eq!(w.check(t0 + s(9), 0), None);
        assert_eq!(
            w.check(t0 + s(9), 50),
            None,
            "growth resets the silence clock"
        );
        assert_eq!(w.check(t0 + s(18), 50), None);
        assert_eq!(
            w.check(t0 + s(19), 50),
            Some(TimeoutKind::Silence { limit: s(10) })
        );
        assert_eq!(
            w.check(t0 + s(100), 60),
            Some(TimeoutKind::TaskTime { limit: s(100) })
        );
    }

    #[test]
    fn disabled_limits_never_fire() {
        let t0 = Instant::now();
        let mut w = Watchdog::new(t0, None, Some(Duration::ZERO), 0);
        assert_eq!(w.check(t0 + Duration::from_secs(1_000_000), 0), None);
        assert_eq!(
            w.silent_for(t0 + Duration::from_secs(5)),
            Duration::from_secs(5)
        );
    }
}
