//! What the engine drives for one running attempt: a cold render ([`AttemptRunner`]) or a
//! chunk on a warm session ([`WarmChunk`]). One set of calls for both, so the engine's
//! scheduling, cancel, persistence and verification code does not care which it is.

use std::time::Duration;

use super::WarmChunk;
use crate::plan;
use crate::run::RunError;
use crate::runner::{AttemptRunner, AttemptSpec, AttemptState, Outcome, Sink, Tracker};

/// A running attempt, cold or warm.
// One per running attempt (a handful at a time): boxing the common cold case buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum Attempt {
    Cold(AttemptRunner),
    Warm(Box<WarmChunk>),
}

impl Attempt {
    pub fn poll(&mut self, sink: &mut dyn Sink) -> Result<AttemptState, RunError> {
        match self {
            Attempt::Cold(r) => r.poll(sink),
            Attempt::Warm(w) => w.poll(sink),
        }
    }

    pub fn verify(&mut self, task: &plan::Task, endings: &mut Vec<String>) -> Outcome {
        match self {
            Attempt::Cold(r) => r.verify(task, endings),
            Attempt::Warm(w) => w.verify(task, endings),
        }
    }

    pub fn cancel(&mut self, grace: Duration) {
        match self {
            Attempt::Cold(r) => r.cancel(grace),
            Attempt::Warm(w) => w.cancel(grace),
        }
    }

    pub fn offset(&self) -> u64 {
        match self {
            Attempt::Cold(r) => r.offset(),
            Attempt::Warm(w) => w.offset(),
        }
    }

    pub fn pid(&self) -> u32 {
        match self {
            Attempt::Cold(r) => r.pid(),
            Attempt::Warm(w) => w.session().pid(),
        }
    }

    pub fn start_time(&self) -> u64 {
        match self {
            Attempt::Cold(r) => r.start_time(),
            Attempt::Warm(w) => w.session().start_time(),
        }
    }

    pub fn spec(&self) -> &AttemptSpec {
        match self {
            Attempt::Cold(r) => r.spec(),
            Attempt::Warm(w) => w.spec(),
        }
    }

    pub fn state(&self) -> AttemptState {
        match self {
            Attempt::Cold(r) => r.state(),
            Attempt::Warm(w) => w.state(),
        }
    }

    /// Progress, ETA, the fatal line and the baseline: kept the same way, cold or warm.
    pub fn tracker(&self) -> &Tracker {
        match self {
            Attempt::Cold(r) => r.tracker(),
            Attempt::Warm(w) => w.tracker(),
        }
    }

    pub fn kill_if_due(&mut self) {
        match self {
            Attempt::Cold(r) => r.kill_if_due(),
            Attempt::Warm(w) => w.kill_if_due(),
        }
    }

    /// The warm chunk, when this attempt renders in a session.
    pub fn warm(&self) -> Option<&WarmChunk> {
        match self {
            Attempt::Cold(_) => None,
            Attempt::Warm(w) => Some(w),
        }
    }
}
