//! The attempt runner: the whole life of one render attempt, with an explicit state.
//!
//! ```text
//!   Launching ──spawned──▶ Running ──exit──────────────▶ Exited ──verify()──▶ Verified
//!                            │  ▲                           ▲
//!                            │  └─ next command (Render's    │
//!                            │     arithmetic runs)          │
//!                            └─cancel / fatal line / timeout─▶ Cancelling ──group empty──┘
//! ```
//!
//! In the spirit of OpenCue RQD's `RunningFrame`: one object owns spawning the commands,
//! following the log file, parsing progress, the watchdog (task time, log silence), fatal
//! lines, cancel (TERM, grace, KILL of the group), the exit, output verification and
//! re-attaching after a restart. It knows nothing of jobs, slots, SQLite or the agent: the
//! local engine drives many runners, and a farm node (`brm task run`) or a warm session can
//! host one on its own. What the host must persist or show comes out through [`Sink`].
//!
//! Process code itself (spawn, group signals, exit watch) is `run/`'s; this module only
//! decides when to use it.

pub mod complete;
pub mod eta;
pub mod policy;
pub mod tracker;
pub mod verify;

use std::collections::BTreeMap;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
pub use tracker::Tracker;

use crate::plan::{self, Method};
use crate::run::{
    watch_exit, Attached, Child, CommandSpec, ExitInfo, ExitNotify, LogTail, Process,
    RenderPriority, RunError, TailLine, Watchdog,
};

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

/// A cancel in progress: TERM was sent; KILL is due at `kill_at`.
#[derive(Debug, Clone, Copy)]
struct Cancel {
    kill_at: Instant,
    killed: bool,
}

/// One render attempt (see the module doc).
pub struct AttemptRunner {
    spec: AttemptSpec,
    state: AttemptState,
    cmd_index: usize,
    proc: Process,
    pid: u32,
    start_time: u64,
    tail: LogTail,
    offset: u64,
    /// Progress, the fatal line, the baseline and verification: shared with warm chunks.
    tracker: Tracker,
    watchdog: Watchdog,
    timeout: Option<String>,
    cancel: Option<Cancel>,
    exit: Option<Option<ExitInfo>>,
    notify: Option<ExitNotify>,
    lines: Vec<TailLine>,
}

impl AttemptRunner {
    /// [`AttemptRunner::launch`] after recording the files already there for the attempt's
    /// frames ([`verify::Baseline`]), so that only files this attempt writes count as its
    /// frames. Every host that verifies outputs should launch this way.
    pub fn launch_for(
        spec: AttemptSpec,
        task: &plan::Task,
        endings: &mut Vec<String>,
        notify: Option<ExitNotify>,
        sink: &mut dyn Sink,
    ) -> Result<AttemptRunner, RunError> {
        let mut tracker = Tracker::new(&spec);
        tracker.take_baseline(&spec, task, endings, "attempt", sink);
        let mut r = Self::launch(spec, notify, sink)?;
        // Nothing was read yet: the tracker that holds the baseline takes over.
        r.tracker = tracker;
        Ok(r)
    }

    /// Start the first command, following the log from its current end. `notify` (optional)
    /// is called from another thread when a command exits, so the host can poll at once.
    pub fn launch(
        spec: AttemptSpec,
        notify: Option<ExitNotify>,
        sink: &mut dyn Sink,
    ) -> Result<AttemptRunner, RunError> {
        if let Some(d) = spec.log_path.parent() {
            std::fs::create_dir_all(d).map_err(|e| RunError::LogOpen {
                path: d.to_path_buf(),
                source: e,
            })?;
        }
        let offset = std::fs::metadata(&spec.log_path)
            .map(|m| m.len())
            .unwrap_or(0);
        let mut r = Self::new(spec, 0, Process::Gone, 0, offset, notify)?;
        r.state = AttemptState::Launching;
        r.spawn_current(sink)?;
        Ok(r)
    }

    /// Follow a render a previous host started: found by pid **and** start time (a reused
    /// pid is never mistaken for it), from `offset` of its log. When it is gone, the attempt
    /// is judged by its output files.
    pub fn reattach(
        spec: AttemptSpec,
        cmd_index: usize,
        pid: u32,
        start_time: u64,
        offset: u64,
        notify: Option<ExitNotify>,
    ) -> Result<AttemptRunner, RunError> {
        // The leader may be gone while its group lives on (helpers that ignore SIGTERM after
        // a cancel's TERM): keep hold of the group, so the cancel's KILL (or the clean-up
        // after any exit) still reaches it.
        let proc = match Attached::find(pid, start_time)
            .or_else(|| Attached::find_leftover_group(pid, start_time))
        {
            Some(a) => Process::Attached(a),
            None => Process::Gone,
        };
        let mut r = Self::new(spec, cmd_index, proc, pid, offset, notify)?;
        r.start_time = start_time;
        Ok(r)
    }

    fn new(
        spec: AttemptSpec,
        cmd_index: usize,
        proc: Process,
        pid: u32,
        offset: u64,
        notify: Option<ExitNotify>,
    ) -> Result<AttemptRunner, RunError> {
        let tail = LogTail::open(&spec.log_path, offset)?;
        let watchdog = Watchdog::new(
            Instant::now(),
            spec.task_timeout,
            spec.silence_timeout,
            offset,
        );
        let tracker = Tracker::new(&spec);
        Ok(AttemptRunner {
            spec,
            state: AttemptState::Running,
            cmd_index,
            proc,
            pid,
            start_time: 0,
            tail,
            offset,
            tracker,
            watchdog,
            timeout: None,
            cancel: None,
            exit: None,
            notify,
            lines: Vec::new(),
        })
    }

    /// What the attempt learnt from its log and the files it found before it (progress,
    /// ETA, the baseline): the same for a cold attempt and a warm chunk.
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

    /// Whether the process was found again on re-attach (false: it ended unwatched).
    pub fn is_attached_alive(&self) -> bool {
        !matches!(self.proc, Process::Gone)
    }

    pub fn spec(&self) -> &AttemptSpec {
        &self.spec
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The current command's start time (0 when re-attached: the stored one stands).
    pub fn start_time(&self) -> u64 {
        self.start_time
    }

    pub fn cmd_index(&self) -> usize {
        self.cmd_index
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

    fn begin_stop(&mut self, grace: Duration) {
        if self.cancel.is_some()
            || matches!(self.state, AttemptState::Exited | AttemptState::Verified)
        {
            return;
        }
        self.proc.terminate();
        self.cancel = Some(Cancel {
            kill_at: Instant::now() + grace,
            killed: false,
        });
        self.state = AttemptState::Cancelling;
        self.poll_kill();
    }

    /// Send the KILL of a cancel whose grace has ended, and nothing else (no log read, no
    /// state change): for a host that cannot record anything now (a full disk) but must
    /// still stop what it was asked to stop.
    pub fn kill_if_due(&mut self) {
        self.poll_kill();
    }

    fn poll_kill(&mut self) {
        if let Some(c) = &mut self.cancel {
            if !c.killed && Instant::now() >= c.kill_at {
                self.proc.kill();
                c.killed = true;
            }
        }
    }

    fn spawn_current(&mut self, sink: &mut dyn Sink) -> Result<(), RunError> {
        let cmd = &self.spec.commands[self.cmd_index.min(self.spec.commands.len() - 1)];
        let argv = std::iter::once(cmd.program.display().to_string())
            .chain(cmd.args.iter().map(|a| shell_quote_for_display(a)))
            .collect::<Vec<_>>()
            .join(" ");
        sink.note(&format!("running: {argv}"));
        let child = Child::spawn_at(cmd, &self.spec.log_path, self.spec.priority)?;
        let (pid, start) = (child.pid(), child.start_time());
        if let Some(n) = &self.notify {
            watch_exit(pid, n.clone());
        }
        self.proc = Process::Child(child);
        self.pid = pid;
        self.start_time = start;
        self.exit = None;
        self.state = AttemptState::Running;
        sink.started(self.cmd_index, pid, start);
        Ok(())
    }

    /// One round of supervision: notice an exit, hand new log lines to `sink` and the
    /// parser, act on fatal lines and timeouts, start the next command. Returns the state
    /// afterwards; [`AttemptState::Exited`] means: call [`AttemptRunner::verify`].
    pub fn poll(&mut self, sink: &mut dyn Sink) -> Result<AttemptState, RunError> {
        if matches!(self.state, AttemptState::Exited | AttemptState::Verified) {
            return Ok(self.state);
        }
        // 1. Has the process ended? Checked before reading so the last lines are not missed.
        if self.exit.is_none() {
            self.exit = self.proc.try_exit()?;
        }
        // 2. Ingest new lines (after an exit: everything, then a trailing partial line), a
        // bounded batch at a time so memory stays flat whatever the render prints.
        let mut reads = 0;
        let mut drained = false;
        loop {
            self.lines.clear();
            self.tail.read_lines(&mut self.lines)?;
            reads += 1;
            let at_end = self.tail.at_end();
            if at_end && self.exit.is_some() {
                self.tail.flush_partial(&mut self.lines);
            }
            for l in &self.lines {
                sink.line(&l.text);
                self.tracker.feed(&l.text);
                self.offset = l.end_offset;
            }
            if let Some(reason) = self.tracker.settle() {
                self.on_fatal(&reason, sink);
            }
            sink.batch_done();
            if at_end {
                drained = true;
                break;
            }
            // Also after an exit: a render that flooded its log and ended is read over
            // several polls, never in one unbounded gulp (the host buffers what it gets).
            if reads >= READS_PER_POLL {
                break;
            }
        }
        // 3. Timeouts (bytes read, not lines: a progress bar without line breaks is alive).
        if self.exit.is_none() && self.cancel.is_none() {
            if let Some(t) = self.watchdog.check(Instant::now(), self.tail.bytes_read()) {
                sink.note(&format!("{t}; stopping the render"));
                self.timeout = Some(t.to_string());
                self.begin_stop(Duration::from_secs(5));
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
        // 4. Ended: clear the group (helpers left behind must not hold the GPU); a cancel
        // waits until every process of the group is gone.
        if self.cancel.is_some() {
            if self.proc.group_alive() {
                self.poll_kill();
                return Ok(self.state);
            }
        } else {
            self.proc.kill();
        }
        let ok = matches!(exit, Some(ExitInfo { code: Some(0), .. }));
        if ok && self.cmd_index + 1 < self.spec.commands.len() && self.tracker.fatal().is_none() {
            // Next arithmetic run of a `Render` attempt, same log.
            self.cmd_index += 1;
            match self.spawn_current(sink) {
                Ok(()) => return Ok(self.state),
                Err(e) => {
                    sink.note(&format!("could not start the next command: {e}"));
                    self.exit = Some(Some(ExitInfo {
                        code: Some(127),
                        signal: None,
                    }));
                }
            }
        }
        self.state = AttemptState::Exited;
        Ok(self.state)
    }

    /// The renderer printed a fatal line. It counts also when the process already ended
    /// before its last lines were read (a fast failure): it still explains the exit.
    fn on_fatal(&mut self, reason: &str, sink: &mut dyn Sink) {
        if self.exit.is_none() {
            sink.note(&format!(
                "fatal renderer error: {reason}; stopping the render"
            ));
            self.begin_stop(Duration::from_secs(2));
        } else {
            sink.note(&format!("fatal renderer error: {reason}"));
        }
    }

    /// Check the outputs of an ended attempt (state [`AttemptState::Exited`]; earlier it
    /// checks what exists so far). `endings` caches file-name endings across a job's tasks.
    pub fn verify(&mut self, task: &plan::Task, endings: &mut Vec<String>) -> Outcome {
        let otherwise = match &self.timeout {
            Some(t) => t.clone(),
            None => describe_exit(&self.exit.unwrap_or(None), self.spec.level),
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
