//! How an attempt's processes run: the one thing a cold attempt and a warm chunk do
//! differently.
//!
//! [`super::AttemptRunner`] owns everything an attempt does whatever runs it: following the
//! log in bounded batches, the progress parser and the fatal line ([`super::Tracker`]), the
//! watchdog, cancel (TERM, grace, KILL of the group), waiting for the group to empty and
//! verification. A backend owns only its processes and what their lines mean to it, as RQD
//! runs a Docker frame as another backend of one `RunningFrame`:
//!
//! - [`super::Commands`]: a cold attempt, commands spawned one after the other, each after the
//!   previous exited 0 (`Render`'s arithmetic runs); its end is the last command's exit.
//! - `session::WarmChunk`: a request to a renderer that already runs (a warm session); its end
//!   is the session's `chunk_done` line, and an exit is the session failing.

use std::any::Any;
use std::time::Instant;

use super::{AttemptSpec, Sink};
use crate::run::{ExitInfo, LogTail, RunError};

/// What a backend makes of one line of the log, before the progress parser sees it.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// The renderer's output: parsed for progress and fatal lines.
    Output,
    /// A line of the backend's own protocol (a session's `@brm` events): consumed.
    Control,
    /// The backend cannot go on (a chunk the session failed, a request that could not be
    /// sent): the runner notes the words and stops the attempt.
    Stop(String),
}

/// The processes of one attempt (see the module doc). `Any` lets a host that knows which
/// backend it started reach it again ([`super::AttemptRunner::backend`]).
pub trait Backend: Any + Send {
    /// Begin the work: spawn the first command, or send the request to a ready session (a
    /// new one gets it when it says its scene is loaded). `Ok(Some(why))`: it could not; the
    /// runner notes why and stops the attempt.
    fn start(
        &mut self,
        spec: &AttemptSpec,
        sink: &mut dyn Sink,
    ) -> Result<Option<String>, RunError>;
    /// The log the attempt follows.
    fn tail(&self) -> &LogTail;
    fn tail_mut(&mut self) -> &mut LogTail;
    /// `None` while the process runs; `Some(status)` once it ended (`Some(None)`: ended, status
    /// unknown, e.g. a re-attached render).
    fn try_exit(&mut self) -> Result<Option<Option<ExitInfo>>, RunError>;
    /// Polite stop of the whole group (TERM). Non-blocking.
    fn terminate(&mut self);
    /// Forced stop of every process left in the group. Non-blocking.
    fn kill(&mut self);
    /// Any process of the group still running.
    fn group_alive(&self) -> bool;
    /// The current process's pid and start time (what a host persists to re-attach).
    fn pid(&self) -> u32;
    fn start_time(&self) -> u64;
    /// Which of the attempt's commands runs.
    fn cmd_index(&self) -> usize {
        0
    }
    /// What the notes call one piece of its work ("attempt", "chunk").
    fn noun(&self) -> &'static str;
    /// What the runner's notes call what it stops ("the render", "warm session 3").
    fn what(&self) -> String;
    /// One line of the log (`stopping`: the attempt is being stopped). Default: output.
    fn line(&mut self, _text: &str, _stopping: bool, _sink: &mut dyn Sink) -> Line {
        Line::Output
    }
    /// The work is over without an exit: `Some(ok)` once a session said `chunk_done`. Lines
    /// after it are not this attempt's. `None`: an exit ends this backend's work.
    fn done(&self) -> Option<bool> {
        None
    }
    /// A check of the backend's own limits, on the runner's watchdog round (a session's
    /// memory). `Some(why)`: stop the attempt.
    fn check(&mut self, _now: Instant) -> Option<String> {
        None
    }
    /// The last command exited 0 and nothing stops the attempt: start the next command of
    /// the attempt. `Ok(false)`: there is none.
    fn next(&mut self, _spec: &AttemptSpec, _sink: &mut dyn Sink) -> Result<bool, RunError> {
        Ok(false)
    }
    /// The process ended (its group gone) while nothing stopped it and no failure was named:
    /// the failure that is, when an exit is not how this backend ends (a session that died
    /// during its chunk). `None`: the exit is the end of the work.
    fn ended_early(&self, _exit: Option<ExitInfo>) -> Option<String> {
        None
    }
    /// The outcome's reason when nothing went wrong on the runner's side (no cancel, full
    /// disk, fatal line, timeout or backend failure): the exit in words, or the session.
    fn end_reason(&self, spec: &AttemptSpec, exit: Option<Option<ExitInfo>>) -> String;
}
