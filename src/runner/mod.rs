//! The attempt runner: the whole life of one render attempt, with an explicit state.
//!
//! ```text
//!   Launching ──started──▶ Running ──exit / done──────────▶ Exited ──verify()──▶ Verified
//!                            │  ▲                           ▲
//!                            │  └─ next command (Render's    │
//!                            │     arithmetic runs)          │
//!                            └─cancel / fatal line / timeout / backend failure
//!                                          ─▶ Cancelling ──group empty──┘
//! ```
//!
//! In the spirit of OpenCue RQD's `RunningFrame`: one object owns following the log file,
//! parsing progress, the watchdog (task time, log silence), fatal lines, cancel (TERM,
//! grace, KILL of the group), the end of the group, output verification and re-attaching
//! after a restart, whatever runs the frames. How the processes run is the [`Backend`]'s:
//! [`Commands`] spawns a cold attempt's commands one after the other; a warm session's chunk
//! (`session::WarmChunk`) sends a request to a renderer that already runs. The runner knows
//! nothing of jobs, slots, SQLite or the agent: the local engine drives many runners, and a
//! farm node (`brm task run`) hosts one on its own. What the host must persist or show comes
//! out through [`Sink`].
//!
//! Process code itself (spawn, group signals, exit watch) is `run/`'s; this module only
//! decides when to use it.

pub mod backend;
pub mod commands;
pub mod complete;
pub mod eta;
pub mod policy;
pub mod tracker;
pub mod verify;

use std::any::Any;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use backend::{Backend, Line};
pub use commands::Commands;
pub use tracker::Tracker;

use crate::plan::{self, Method};
use crate::run::{CommandSpec, ExitInfo, ExitNotify, RenderPriority, RunError, TailLine, Watchdog};

/// Where an attempt stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptState {
    /// Commands chosen, nothing spawned yet.
    Launching,
    /// A command of the attempt is running (or, re-attached, was running).
    Running,
    /// Stopping: TERM was sent to the group; KILL follows after the grace. Left only when no
    /// process of the group remains.
    Cancelling,
    /// Every process ended; the log is read to its end.
    Exited,
    /// Outputs checked: [`AttemptRunner::verify`] gave the outcome.
    Verified,
}

/// What one attempt runs and how it is watched.
#[derive(Clone, Debug)]
pub struct AttemptSpec {
    /// The method level (chooses the progress parser; `Render`'s exit codes are explained).
    pub level: Method,
    /// The renderer that runs (registry name or alias; `None` = unknown).
    pub renderer: Option<String>,
    /// The frames this attempt should render.
    pub frames: Vec<i64>,
    /// Run one after the other, each after the previous one exited 0.
    pub commands: Vec<CommandSpec>,
    /// stdout+stderr of every command, appended.
    pub log_path: PathBuf,
    pub task_timeout: Option<Duration>,
    pub silence_timeout: Option<Duration>,
    /// The priority its commands start at: lowered on a workstation (the artist keeps
    /// working, issue 20), normal on a farm node.
    pub priority: RenderPriority,
}

/// What the host hears from a runner while it polls it.
pub trait Sink {
    /// One line the render printed (already split, capped, lossy UTF-8).
    fn line(&mut self, text: &str);
    /// One of the runner's own notes ("running: …", "fatal renderer error: …").
    fn note(&mut self, text: &str);
    /// A (next) command started: persist its identity for re-attaching.
    fn started(&mut self, _cmd_index: usize, _pid: u32, _start_time: u64) {}
    /// One bounded batch of lines was handed over: a host that buffers lines (the engine's
    /// job log) writes them out here, so its memory stays flat whatever the render prints.
    fn batch_done(&mut self) {}
}

/// Most reads of one render's log per poll, so one flooding render cannot hold its host for
/// long; the rest is read on the next poll.
const READS_PER_POLL: usize = 16;

/// How an attempt ended, after verification.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Frames whose files exist and are not empty, with the files.
    pub found: BTreeMap<i64, Vec<PathBuf>>,
    /// Frames of the attempt without files.
    pub missing: Vec<i64>,
    /// Why it ended, in words ("cancelled", "fatal: …", a timeout, an exit code).
    pub reason: String,
    /// The exit status of the last command, when known.
    pub exit: Option<ExitInfo>,
    /// The renderer's fatal line, when one was seen.
    pub fatal: Option<String>,
    /// Stopped by [`AttemptRunner::cancel`].
    pub cancelled: bool,
    /// Frames that had files before the attempt: written again, or kept (not counted).
    pub freshness: verify::Freshness,
    /// The output folder's disk was full ("no space left on <folder>").
    pub disk_full: bool,
}

/// A stop in progress: TERM was sent; KILL is due at `kill_at`.
#[derive(Debug, Clone, Copy)]
struct Stop {
    kill_at: Instant,
    killed: bool,
}

/// One render attempt (see the module doc), whatever runs it ([`Backend`]).
pub struct AttemptRunner {
    spec: AttemptSpec,
    state: AttemptState,
    backend: Box<dyn Backend>,
    offset: u64,
    /// Progress, the fatal line, the baseline and verification.
    tracker: Tracker,
    watchdog: Watchdog,
    /// Why the runner (a timeout) or the backend (a crashed session, a limit) ended it.
    failure: Option<String>,
    stop: Option<Stop>,
    exit: Option<Option<ExitInfo>>,
    lines: Vec<TailLine>,
}

impl AttemptRunner {
    /// Run `spec` on `backend`, after recording the files already there for the attempt's
    /// frames ([`verify::Baseline`]), so that only files this attempt writes count as its
    /// frames. Every host that verifies outputs starts attempts this way.
    pub fn start(
        spec: AttemptSpec,
        backend: Box<dyn Backend>,
        task: &plan::Task,
        endings: &mut Vec<String>,
        sink: &mut dyn Sink,
    ) -> Result<AttemptRunner, RunError> {
        let mut tracker = Tracker::new(&spec);
        tracker.take_baseline(&spec, task, endings, backend.noun(), sink);
        Self::begin(spec, backend, tracker, sink)
    }

    /// A cold attempt ([`Commands`]) started by [`AttemptRunner::start`]. `notify`
    /// (optional) is called from another thread when a command exits, so the host can poll
    /// at once.
    pub fn launch_for(
        spec: AttemptSpec,
        task: &plan::Task,
        endings: &mut Vec<String>,
        notify: Option<ExitNotify>,
        sink: &mut dyn Sink,
    ) -> Result<AttemptRunner, RunError> {
        let backend = Box::new(Commands::new(&spec.log_path, notify)?);
        Self::start(spec, backend, task, endings, sink)
    }

    /// A cold attempt without a baseline (every file found counts): for hosts that do not
    /// verify against earlier files.
    pub fn launch(
        spec: AttemptSpec,
        notify: Option<ExitNotify>,
        sink: &mut dyn Sink,
    ) -> Result<AttemptRunner, RunError> {
        let backend = Box::new(Commands::new(&spec.log_path, notify)?);
        let tracker = Tracker::new(&spec);
        Self::begin(spec, backend, tracker, sink)
    }

    fn begin(
        spec: AttemptSpec,
        mut backend: Box<dyn Backend>,
        tracker: Tracker,
        sink: &mut dyn Sink,
    ) -> Result<AttemptRunner, RunError> {
        let refused = backend.start(&spec, sink)?;
        let mut r = Self::new(spec, backend, tracker);
        if let Some(why) = refused {
            r.fail(why, Duration::from_secs(2), sink);
        }
        Ok(r)
    }

    /// Follow a cold render a previous host started: found by pid **and** start time (a
    /// reused pid is never mistaken for it), from `offset` of its log. When it is gone, the
    /// attempt is judged by its output files.
    pub fn reattach(
        spec: AttemptSpec,
        cmd_index: usize,
        pid: u32,
        start_time: u64,
        offset: u64,
        notify: Option<ExitNotify>,
    ) -> Result<AttemptRunner, RunError> {
        let backend = Commands::reattach(&spec, cmd_index, pid, start_time, offset, notify)?;
        let tracker = Tracker::new(&spec);
        Ok(Self::new(spec, Box::new(backend), tracker))
    }

    fn new(spec: AttemptSpec, backend: Box<dyn Backend>, tracker: Tracker) -> AttemptRunner {
        let watchdog = Watchdog::new(
            Instant::now(),
            spec.task_timeout,
            spec.silence_timeout,
            backend.tail().bytes_read(),
        );
        AttemptRunner {
            offset: backend.tail().offset(),
            spec,
            state: AttemptState::Running,
            backend,
            tracker,
            watchdog,
            failure: None,
            stop: None,
            exit: None,
            lines: Vec::new(),
        }
    }

    /// What the attempt learnt from its log and the files it found before it (progress,
    /// ETA, the baseline): the same whatever the backend.
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }

    /// Restore the baseline of a re-attached attempt.
    pub fn set_baseline(&mut self, b: verify::Baseline) {
        self.tracker.set_baseline(b);
    }

    pub fn state(&self) -> AttemptState {
        self.state
    }

    /// The backend, when it is a `B` (a host reaching the warm session it started).
    pub fn backend<B: Backend>(&self) -> Option<&B> {
        (self.backend.as_ref() as &dyn Any).downcast_ref::<B>()
    }

    /// The backend, and whether the attempt ran undisturbed: no cancel, stop, timeout,
    /// backend failure or fatal line (only then may a warm session serve again).
    pub fn into_backend(self) -> (Box<dyn Backend>, bool) {
        let undisturbed = self.stop.is_none()
            && self.failure.is_none()
            && self.tracker.fatal().is_none()
            && !self.tracker.cancelled();
        (self.backend, undisturbed)
    }

    /// The backend failed (crashed, hung, over a limit, a fatal line, an exit) rather than
    /// finishing its work, and nobody cancelled it: meaningful for a backend that should
    /// outlive its attempt, whose remaining frames then go cold (a warm session).
    pub fn backend_failed(&self) -> bool {
        !self.tracker.cancelled()
            && (self.failure.is_some() || self.tracker.fatal().is_some() || self.exit.is_some())
    }

    pub fn spec(&self) -> &AttemptSpec {
        &self.spec
    }

    pub fn pid(&self) -> u32 {
        self.backend.pid()
    }

    /// The current command's start time.
    pub fn start_time(&self) -> u64 {
        self.backend.start_time()
    }

    pub fn cmd_index(&self) -> usize {
        self.backend.cmd_index()
    }

    /// Byte offset in the log just after the last line handed to the sink (what a host
    /// persists to resume after a restart).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Start stopping the render: TERM to the group now, KILL after `grace`. Idempotent.
    pub fn cancel(&mut self, grace: Duration) {
        self.tracker.mark_cancelled();
        self.begin_stop(grace);
    }

    /// Stop the attempt for `why` (noted, and the outcome's reason unless one was named).
    fn fail(&mut self, why: String, grace: Duration, sink: &mut dyn Sink) {
        sink.note(&why);
        if self.failure.is_none() {
            self.failure = Some(why);
        }
        self.begin_stop(grace);
    }

    fn begin_stop(&mut self, grace: Duration) {
        if self.stop.is_some()
            || matches!(self.state, AttemptState::Exited | AttemptState::Verified)
        {
            return;
        }
        self.backend.terminate();
        self.stop = Some(Stop {
            kill_at: Instant::now() + grace,
            killed: false,
        });
        self.state = AttemptState::Cancelling;
        self.poll_kill();
    }

    /// Send the KILL of a stop whose grace has ended, and nothing else (no log read, no
    /// state change): for a host that cannot record anything now (a full disk) but must
    /// still stop what it was asked to stop.
    pub fn kill_if_due(&mut self) {
        self.poll_kill();
    }

    fn poll_kill(&mut self) {
        if let Some(c) = &mut self.stop {
            if !c.killed && Instant::now() >= c.kill_at {
                self.backend.kill();
                c.killed = true;
            }
        }
    }

    /// One round of supervision: notice an exit, hand new log lines to `sink` and the
    /// parser, act on fatal lines, timeouts and the backend's own events, start the next
    /// command. Returns the state afterwards; [`AttemptState::Exited`] means: call
    /// [`AttemptRunner::verify`].
    pub fn poll(&mut self, sink: &mut dyn Sink) -> Result<AttemptState, RunError> {
        if matches!(self.state, AttemptState::Exited | AttemptState::Verified) {
            return Ok(self.state);
        }
        // 1. Has the process ended? Checked before reading so the last lines are not missed.
        if self.exit.is_none() {
            self.exit = self.backend.try_exit()?;
        }
        // 2. Ingest new lines (after an exit: everything, then a trailing partial line), a
        // bounded batch at a time so memory stays flat whatever the render prints.
        let drained = self.ingest(sink)?;
        if self.backend.done() == Some(true) && self.stop.is_none() {
            // The work is over and the process goes on (a session, for its next chunk).
            self.state = AttemptState::Exited;
            return Ok(self.state);
        }
        // 3. Timeouts (bytes read, not lines: a progress bar without line breaks is alive),
        // then the backend's own limits.
        if self.exit.is_none() && self.stop.is_none() {
            let now = Instant::now();
            if let Some(t) = self.watchdog.check(now, self.backend.tail().bytes_read()) {
                sink.note(&format!("{t}; stopping {}", self.backend.what()));
                self.failure = Some(t.to_string());
                self.begin_stop(Duration::from_secs(5));
            } else if let Some(why) = self.backend.check(now) {
                self.fail(why, Duration::from_secs(2), sink);
            }
        }
        self.poll_kill();
        let Some(exit) = self.exit else {
            return Ok(self.state);
        };
        if !drained {
            // Ended, but lines are still to be read: the next poll goes on reading them.
            return Ok(self.state);
        }
        // 4. Ended: clear the group (helpers left behind must not hold the GPU); the attempt
        // ends only when no process of the group remains (a stop's KILL waits its grace).
        if self.backend.group_alive() {
            if self.stop.is_none() {
                self.backend.kill();
            }
            self.poll_kill();
            if self.backend.group_alive() {
                return Ok(self.state);
            }
        }
        let ok = matches!(exit, Some(ExitInfo { code: Some(0), .. }));
        if ok && self.stop.is_none() && self.tracker.fatal().is_none() {
            match self.backend.next(&self.spec, sink) {
                Ok(true) => {
                    self.exit = None;
                    self.state = AttemptState::Running;
                    return Ok(self.state);
                }
                Ok(false) => {}
                Err(e) => {
                    sink.note(&format!("could not start the next command: {e}"));
                    self.exit = Some(Some(ExitInfo {
                        code: Some(127),
                        signal: None,
                    }));
                }
            }
        }
        if self.failure.is_none() && !self.tracker.cancelled() {
            if let Some(why) = self.backend.ended_early(exit) {
                sink.note(&why);
                self.failure = Some(why);
            }
        }
        self.state = AttemptState::Exited;
        Ok(self.state)
    }

    /// Read the log in bounded batches: each line to the sink, then to the backend (its own
    /// protocol) or the parser. True when it read to the end (or the backend's work is
    /// over and what follows is not this attempt's).
    fn ingest(&mut self, sink: &mut dyn Sink) -> Result<bool, RunError> {
        let mut reads = 0;
        loop {
            self.lines.clear();
            self.backend.tail_mut().read_lines(&mut self.lines)?;
            reads += 1;
            let at_end = self.backend.tail().at_end();
            if at_end && self.exit.is_some() {
                self.backend.tail_mut().flush_partial(&mut self.lines);
            }
            let lines = std::mem::take(&mut self.lines);
            for l in &lines {
                if self.backend.done().is_some() {
                    break;
                }
                self.offset = l.end_offset;
                sink.line(&l.text);
                match self.backend.line(&l.text, self.stop.is_some(), sink) {
                    Line::Output => {
                        self.tracker.feed(&l.text);
                        if let Some(reason) = self.tracker.settle() {
                            self.on_fatal(&reason, sink);
                        }
                    }
                    Line::Control => {}
                    Line::Stop(why) => self.fail(why, Duration::from_secs(2), sink),
                }
            }
            self.lines = lines;
            sink.batch_done();
            if at_end || self.backend.done().is_some() {
                return Ok(true);
            }
            // Also after an exit: a render that flooded its log and ended is read over
            // several polls, never in one unbounded gulp (the host buffers what it gets).
            if reads >= READS_PER_POLL {
                return Ok(false);
            }
        }
    }

    /// The renderer printed a fatal line. It counts also when the process already ended
    /// before its last lines were read (a fast failure): it still explains the exit.
    fn on_fatal(&mut self, reason: &str, sink: &mut dyn Sink) {
        if self.exit.is_none() {
            sink.note(&format!(
                "fatal renderer error: {reason}; stopping {}",
                self.backend.what()
            ));
            self.begin_stop(Duration::from_secs(2));
        } else {
            sink.note(&format!("fatal renderer error: {reason}"));
        }
    }

    /// Check the outputs of an ended attempt (state [`AttemptState::Exited`]; earlier it
    /// checks what exists so far). `endings` caches file-name endings across a job's tasks.
    pub fn verify(&mut self, task: &plan::Task, endings: &mut Vec<String>) -> Outcome {
        let otherwise = match &self.failure {
            Some(f) => f.clone(),
            None => self.backend.end_reason(&self.spec, self.exit),
        };
        let outcome = self.tracker.outcome(
            &self.spec.frames,
            task,
            endings,
            self.exit.flatten(),
            otherwise,
        );
        if self.state == AttemptState::Exited {
            self.state = AttemptState::Verified;
        }
        outcome
    }
}

/// An exit in words; `Render`'s documented codes explained.
pub fn describe_exit(e: &Option<ExitInfo>, level: Method) -> String {
    match e {
        Some(ExitInfo { code: Some(c), .. }) => match (level, c) {
            // Maya's command-line renderer (as Deadline's MayaCmd plugin reads it).
            (Method::Render, 206) => {
                "exit code 206: Render could not parse its command line".into()
            }
            (Method::Render, 211) => {
                "exit code 211: the renderer reported an error (scene, layer or device)".into()
            }
            (_, 0) => "exit code 0".into(),
            (_, c) => format!("exit code {c}"),
        },
        Some(ExitInfo {
            signal: Some(s), ..
        }) => format!("killed by signal {s}"),
        Some(_) => "ended".into(),
        None => "ended while no agent was watching".into(),
    }
}

/// Quote an argument for the log line that shows what ran (display only: nothing is ever
/// run through a shell).
pub fn shell_quote_for_display(a: &str) -> String {
    if !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%{}".contains(c))
    {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// The log file of a slot's attempts (one per job and slot; attempts follow each other in
/// it, each tailed from where it starts).
pub fn slot_log_path(logs: &Path, job_id: u64, slot: usize) -> PathBuf {
    logs.join(format!("job-{job_id}"))
        .join(format!("slot-{slot}.log"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_exit_codes_are_explained() {
        let code = |c| {
            Some(ExitInfo {
                code: Some(c),
                signal: None,
            })
        };
        assert!(
            describe_exit(&code(206), Method::Render).contains("could not parse its command line")
        );
        assert!(describe_exit(&code(211), Method::Render).contains("renderer reported an error"));
        assert_eq!(describe_exit(&code(211), Method::Blender), "exit code 211");
        assert!(describe_exit(&None, Method::Render).contains("no agent was watching"));
    }

    #[test]
    fn display_quoting_never_hides_an_argument() {
        assert_eq!(shell_quote_for_display("-rl"), "-rl");
        assert_eq!(
            shell_quote_for_display("it's \"x\"; rm -rf $(y)"),
            "'it'\\''s \"x\"; rm -rf $(y)'"
        );
        assert_eq!(shell_quote_for_display(""), "''");
    }
}
