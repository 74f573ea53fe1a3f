//! One chunk rendered on a warm session, driven like an attempt: the engine polls it, it
//! reports lines and notes through the same [`Sink`], and verification is the same.
//!
//! Safety (issue 13 §3): a session that crashes, falls silent past the silence timeout, runs
//! past the task time, grows past the memory limit (`BRM_WARM_MAX_RSS_MB`) or prints a
//! fatal line is killed with its whole group; the host then re-runs the chunk's remaining
//! frames cold. Cancel kills the session. Only a chunk that ended with `chunk_done ok` and
//! nothing wrong gives its session back ([`WarmChunk::into_session`]).

use std::time::{Duration, Instant};

use super::memory::rss_bytes;
use super::request::{control_line, Control, Request};
use super::{DepState, Dependencies, Session};
use crate::plan;
use crate::run::{ExitInfo, RunError, TailLine, Watchdog};
use crate::runner::{AttemptSpec, AttemptState, Outcome, Sink, Tracker};

/// Most reads of the session log per poll (as the attempt runner).
const READS_PER_POLL: usize = 16;
/// How often the memory limit is checked.
const MEMORY_EVERY: Duration = Duration::from_millis(500);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    /// The session is loading its scene; the request goes out on `session_ready`.
    WaitReady,
    /// The request is out; waiting for `chunk_done`.
    Rendering,
    /// `chunk_done` arrived.
    Done { ok: bool },
}

/// A chunk on a session (see the module doc).
pub struct WarmChunk {
    session: Session,
    spec: AttemptSpec,
    reused: bool,
    chunk: u64,
    output: String,
    output_dir: String,
    image_name: String,
    padding: u32,
    runs: Vec<(i64, i64, i64)>,
    phase: Phase,
    state: AttemptState,
    /// Progress, the fatal line, the baseline and verification: a cold attempt's too.
    tracker: Tracker,
    watchdog: Watchdog,
    /// Why the session is being stopped or failed (timeout, memory, crash, renderer error).
    failure: Option<String>,
    kill_at: Option<Instant>,
    exit: Option<Option<ExitInfo>>,
    offset: u64,
    started: Instant,
    last_memory: Instant,
    max_rss: Option<u64>,
    lines: Vec<TailLine>,
}

impl WarmChunk {
    /// Render `spec.frames` of `task` on `session`: at once when it is ready (a reused
    /// session), else when it announces that its scene is loaded.
    pub fn launch(
        mut session: Session,
        spec: AttemptSpec,
        task: &plan::Task,
        endings: &mut Vec<String>,
        job_id: u64,
        max_rss: Option<u64>,
        sink: &mut dyn Sink,
    ) -> Result<WarmChunk, RunError> {
        // As a cold attempt (`AttemptRunner::launch_for`): files already there for these
        // frames do not count unless this chunk writes them again.
        let mut tracker = Tracker::new(&spec);
        tracker.take_baseline(&spec, task, endings, "chunk", sink);
        let reused = session.is_ready();
        session.jobs.insert(job_id);
        let chunk = session.next_chunk;
        session.next_chunk += 1;
        let hashes = "#".repeat(task.padding.max(1) as usize);
        let output = task
            .output_dir
            .join(format!("{}.{hashes}", task.image_name))
            .to_string_lossy()
            .into_owned();
        let runs = plan::chunk::arithmetic_runs(&spec.frames);
        let offset = session.tail.offset();
        let watchdog = Watchdog::new(
            Instant::now(),
            spec.task_timeout,
            spec.silence_timeout,
            session.tail.bytes_read(),
        );
        let mut c = WarmChunk {
            session,
            spec,
            reused,
            chunk,
            output,
            output_dir: task.output_dir.to_string_lossy().into_owned(),
            image_name: task.image_name.clone(),
            padding: task.padding,
            runs,
            phase: Phase::WaitReady,
            state: AttemptState::Running,
            tracker,
            watchdog,
            failure: None,
            kill_at: None,
            exit: None,
            offset,
            started: Instant::now(),
            last_memory: Instant::now(),
            max_rss,
            lines: Vec::new(),
        };
        if reused {
            sink.note(&format!(
                "warm session {} (pid {}) reused: the scene is already loaded, chunk {} of the session",
                c.session.id, c.session.pid, c.chunk
            ));
            c.send_request(sink);
        } else {
            let argv = std::iter::once(c.session.command.program.display().to_string())
                .chain(
                    c.session
                        .command
                        .args
                        .iter()
                        .map(|a| crate::runner::shell_quote_for_display(a)),
                )
                .collect::<Vec<_>>()
                .join(" ");
            // The same "running:" note as a cold render's: what ran, argument by argument.
            sink.note(&format!("running: {argv}"));
            sink.note(&format!(
                "warm session {} started (pid {}): it loads the scene once and keeps it for the next chunks",
                c.session.id, c.session.pid
            ));
        }
        sink.started(0, c.session.pid, c.session.start_time);
        Ok(c)
    }

    fn send_request(&mut self, sink: &mut dyn Sink) {
        let req = Request::Render {
            chunk: self.chunk,
            output: &self.output,
            runs: self.runs.clone(),
            output_dir: &self.output_dir,
            image_name: &self.image_name,
            padding: self.padding,
        };
        match self.session.send(&req) {
            Ok(()) => self.phase = Phase::Rendering,
            Err(e) => {
                let why = format!(
                    "warm session {}: the request could not be sent ({e})",
                    self.session.id
                );
                sink.note(&why);
                self.failure = Some(why);
                self.begin_stop(Duration::from_secs(2));
            }
        }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Whether the session was already warm (scene loaded) when this chunk started.
    pub fn reused(&self) -> bool {
        self.reused
    }

    pub fn spec(&self) -> &AttemptSpec {
        &self.spec
    }

    pub fn state(&self) -> AttemptState {
        self.state
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// What the chunk learnt from its log and the files it found before it (as a cold
    /// attempt's).
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }

    /// Cancel kills the session (TERM to its group now, KILL after `grace`).
    pub fn cancel(&mut self, grace: Duration) {
        self.tracker.mark_cancelled();
        self.begin_stop(grace);
    }

    fn begin_stop(&mut self, grace: Duration) {
        if self.kill_at.is_some()
            || matches!(self.state, AttemptState::Exited | AttemptState::Verified)
        {
            return;
        }
        self.session.terminate();
        self.kill_at = Some(Instant::now() + grace);
        self.state = AttemptState::Cancelling;
    }

    fn poll_kill(&mut self) {
        if self.kill_at.is_some_and(|t| Instant::now() >= t) {
            self.session.kill();
        }
    }

    /// One round: read the session's lines, send the request once it is ready, notice the
    /// end of the chunk, a crash, a timeout, the memory limit, a fatal line.
    pub fn poll(&mut self, sink: &mut dyn Sink) -> Result<AttemptState, RunError> {
        if matches!(self.state, AttemptState::Exited | AttemptState::Verified) {
            return Ok(self.state);
        }
        if self.exit.is_none() {
            self.exit = self.session.try_exit()?;
        }
        let mut reads = 0;
        let mut drained = false;
        loop {
            self.lines.clear();
            self.session.read_lines(&mut self.lines)?;
            reads += 1;
            let at_end = self.session.tail.at_end();
            if at_end && self.exit.is_some() {
                self.session.tail.flush_partial(&mut self.lines);
            }
            let lines = std::mem::take(&mut self.lines);
            for l in &lines {
                if matches!(self.phase, Phase::Done { .. }) {
                    // After chunk_done a session prints nothing until its next request.
                    break;
                }
                self.offset = l.end_offset;
                sink.line(&l.text);
                match control_line(&l.text) {
                    Some(Control::Ready) => {
                        if !self.session.ready {
                            self.session.ready = true;
                            sink.note(&format!(
                                "warm session {}: scene loaded in {:.1} s; rendering chunk {}",
                                self.session.id,
                                self.started.elapsed().as_secs_f64(),
                                self.chunk
                            ));
                        }
                        if self.phase == Phase::WaitReady && self.kill_at.is_none() {
                            self.send_request(sink);
                        }
                    }
                    Some(Control::Dependencies(files)) => {
                        let deps = Dependencies::record(files);
                        sink.note(&format!(
                            "warm session {}: its scene depends on {} file(s){}; they are checked before each reuse",
                            self.session.id,
                            deps.len(),
                            match deps.missing() {
                                0 => String::new(),
                                n => format!(" ({n} missing now)"),
                            }
                        ));
                        self.session.deps = DepState::Listed(deps);
                    }
                    Some(Control::Unlisted(why)) => {
                        sink.note(&format!(
                            "warm session {}: {why}; it will not be reused for another job",
                            self.session.id
                        ));
                        self.session.deps = DepState::Unlisted(why);
                    }
                    Some(Control::ChunkDone { chunk, ok, message }) if chunk == self.chunk => {
                        if !ok {
                            let why = format!(
                                "warm session {}: chunk {chunk} failed: {}",
                                self.session.id,
                                message.unwrap_or_else(|| "no reason given".into())
                            );
                            sink.note(&why);
                            self.failure = Some(why);
                        }
                        self.phase = Phase::Done { ok };
                    }
                    _ => {
                        self.tracker.feed(&l.text);
                        if let Some(reason) = self.tracker.settle() {
                            sink.note(&format!(
                                "fatal renderer error: {reason}; stopping warm session {}",
                                self.session.id
                            ));
                            self.begin_stop(Duration::from_secs(2));
                        }
                    }
                }
            }
            self.lines = lines;
            sink.batch_done();
            if matches!(self.phase, Phase::Done { .. }) || at_end {
                drained = true;
                break;
            }
            // Bounded also after the session died: a flood is read over several polls.
            if reads >= READS_PER_POLL {
                break;
            }
        }
        if self.phase == (Phase::Done { ok: true }) && self.kill_at.is_none() {
            self.state = AttemptState::Exited;
            return Ok(self.state);
        }
        if matches!(self.phase, Phase::Done { ok: false }) {
            // The renderer raised inside the session: its state is suspect, end it.
            self.begin_stop(Duration::from_secs(2));
        }
        if self.exit.is_none() && self.kill_at.is_none() {
            let now = Instant::now();
            if let Some(t) = self.watchdog.check(now, self.session.tail.bytes_read()) {
                let why = format!("{t}; stopping warm session {}", self.session.id);
                sink.note(&why);
                self.failure = Some(t.to_string());
                self.begin_stop(Duration::from_secs(5));
            } else if let Some(limit) = self.max_rss {
                if now.duration_since(self.last_memory) >= MEMORY_EVERY {
                    self.last_memory = now;
                    if let Some(rss) = rss_bytes(self.session.pid).filter(|r| *r > limit) {
                        let why = format!(
                            "warm session {} uses {} MiB, over the limit of {} MiB (BRM_WARM_MAX_RSS_MB); stopping it",
                            self.session.id,
                            rss >> 20,
                            limit >> 20
                        );
                        sink.note(&why);
                        self.failure = Some(why);
                        self.begin_stop(Duration::from_secs(2));
                    }
                }
            }
        }
        self.poll_kill();
        let Some(exit) = self.exit else {
            return Ok(self.state);
        };
        if !drained {
            // The session ended with lines still to read: the next poll goes on reading.
            return Ok(self.state);
        }
        if self.session.group_alive() {
            // The leader ended; helpers must not keep the GPU. A stop waits for the group.
            if self.kill_at.is_none() {
                self.session.kill();
            }
            self.poll_kill();
            return Ok(self.state);
        }
        if self.failure.is_none() && !self.tracker.cancelled() {
            let how = exit
                .map(|e| e.to_string())
                .unwrap_or_else(|| "ended".into());
            let why = format!(
                "warm session {} ended during the chunk ({how})",
                self.session.id
            );
            sink.note(&why);
            self.failure = Some(why);
        }
        self.state = AttemptState::Exited;
        Ok(self.state)
    }

    /// Check the chunk's outputs (as a cold attempt's).
    pub fn verify(&mut self, task: &plan::Task, endings: &mut Vec<String>) -> Outcome {
        let otherwise = match &self.failure {
            Some(f) => f.clone(),
            None => format!("warm session {}", self.session.id),
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

    /// KILL the session's group once a stop's grace is over (the engine calls this when it
    /// cannot poll the chunk itself, e.g. after a cancel).
    pub fn kill_if_due(&mut self) {
        self.poll_kill();
    }

    /// The session failed (crash, hang, memory, renderer error, fatal line) rather than
    /// finishing the chunk: its remaining frames go cold.
    pub fn session_failed(&self) -> bool {
        !self.tracker.cancelled()
            && (self.failure.is_some() || self.tracker.fatal().is_some() || self.exit.is_some())
    }

    /// The session back, idle, when the chunk ended cleanly and it still runs; else it is
    /// killed (group) and `None`.
    pub fn into_session(mut self) -> Option<Session> {
        let clean = self.phase == (Phase::Done { ok: true })
            && self.failure.is_none()
            && self.tracker.fatal().is_none()
            && !self.tracker.cancelled()
            && self.kill_at.is_none()
            && matches!(self.session.try_exit(), Ok(None));
        if clean {
            self.session.chunks += 1;
            self.session.idle_since = Instant::now();
            // Later lines (none expected) are the next chunk's; start it where this one ended.
            Some(self.session)
        } else {
            self.session.kill();
            None
        }
    }
}
