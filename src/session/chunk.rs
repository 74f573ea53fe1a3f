//! One chunk rendered on a warm session: the warm [`Backend`] of an attempt. The engine's
//! [`AttemptRunner`](crate::runner::AttemptRunner) drives it like a cold attempt (the same
//! log ingest, parser, watchdog, cancel and verification); this file says only what differs:
//! the request goes out when the session is ready, the session's `@brm` lines are its
//! protocol, `chunk_done` ends the work, the memory limit, and an exit is a failure.
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
use crate::run::{ExitInfo, LogTail, RunError};
use crate::runner::{AttemptSpec, Backend, Line, Sink};

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
    reused: bool,
    chunk: u64,
    output: String,
    output_dir: String,
    image_name: String,
    padding: u32,
    runs: Vec<(i64, i64, i64)>,
    phase: Phase,
    started: Instant,
    last_memory: Instant,
    max_rss: Option<u64>,
}

impl WarmChunk {
    /// `frames` of `task` for `job_id` on `session`: sent at once when it is ready (a
    /// reused session), else when it announces that its scene is loaded. Start it with
    /// [`AttemptRunner::start`](crate::runner::AttemptRunner::start).
    pub fn new(
        mut session: Session,
        frames: &[i64],
        task: &plan::Task,
        job_id: u64,
        max_rss: Option<u64>,
    ) -> WarmChunk {
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
        WarmChunk {
            session,
            reused,
            chunk,
            output,
            output_dir: task.output_dir.to_string_lossy().into_owned(),
            image_name: task.image_name.clone(),
            padding: task.padding,
            runs: plan::chunk::arithmetic_runs(frames),
            phase: Phase::WaitReady,
            started: Instant::now(),
            last_memory: Instant::now(),
            max_rss,
        }
    }

    /// Send the chunk's request; `Some(why)` when it could not be sent.
    fn send_request(&mut self) -> Option<String> {
        let req = Request::Render {
            chunk: self.chunk,
            output: &self.output,
            runs: self.runs.clone(),
            output_dir: &self.output_dir,
            image_name: &self.image_name,
            padding: self.padding,
        };
        match self.session.send(&req) {
            Ok(()) => {
                self.phase = Phase::Rendering;
                None
            }
            Err(e) => Some(format!(
                "warm session {}: the request could not be sent ({e})",
                self.session.id
            )),
        }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Whether the session was already warm (scene loaded) when this chunk started.
    pub fn reused(&self) -> bool {
        self.reused
    }

    /// The session back, idle, when the chunk ended with `chunk_done ok`, its attempt ran
    /// `undisturbed` ([`AttemptRunner::into_backend`](crate::runner::AttemptRunner::into_backend))
    /// and it still runs; else it is killed (group) and `None`.
    pub fn into_session(mut self, undisturbed: bool) -> Option<Session> {
        let clean = undisturbed
            && self.phase == (Phase::Done { ok: true })
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

impl Backend for WarmChunk {
    fn start(
        &mut self,
        _spec: &AttemptSpec,
        sink: &mut dyn Sink,
    ) -> Result<Option<String>, RunError> {
        let mut refused = None;
        if self.reused {
            sink.note(&format!(
                "warm session {} (pid {}) reused: the scene is already loaded, chunk {} of the session",
                self.session.id, self.session.pid, self.chunk
            ));
            refused = self.send_request();
        } else {
            let argv = std::iter::once(self.session.command.program.display().to_string())
                .chain(
                    self.session
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
                self.session.id, self.session.pid
            ));
        }
        sink.started(0, self.session.pid, self.session.start_time);
        Ok(refused)
    }

    fn tail(&self) -> &LogTail {
        &self.session.tail
    }

    fn tail_mut(&mut self) -> &mut LogTail {
        &mut self.session.tail
    }

    fn try_exit(&mut self) -> Result<Option<Option<ExitInfo>>, RunError> {
        self.session.try_exit()
    }

    /// Cancel and every stop end the session (TERM to its group now, KILL after the grace).
    fn terminate(&mut self) {
        self.session.terminate();
    }

    fn kill(&mut self) {
        self.session.kill();
    }

    fn group_alive(&self) -> bool {
        self.session.group_alive()
    }

    fn pid(&self) -> u32 {
        self.session.pid
    }

    fn start_time(&self) -> u64 {
        self.session.start_time
    }

    fn noun(&self) -> &'static str {
        "chunk"
    }

    fn what(&self) -> String {
        format!("warm session {}", self.session.id)
    }

    /// The session's protocol: `session_ready` (send the request), its dependency list,
    /// `chunk_done`. Everything else is the renderer's output.
    fn line(&mut self, text: &str, stopping: bool, sink: &mut dyn Sink) -> Line {
        match control_line(text) {
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
                if self.phase == Phase::WaitReady && !stopping {
                    if let Some(why) = self.send_request() {
                        return Line::Stop(why);
                    }
                }
                Line::Control
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
                Line::Control
            }
            Some(Control::Unlisted(why)) => {
                sink.note(&format!(
                    "warm session {}: {why}; it will not be reused for another job",
                    self.session.id
                ));
                self.session.deps = DepState::Unlisted(why);
                Line::Control
            }
            Some(Control::ChunkDone { chunk, ok, message }) if chunk == self.chunk => {
                self.phase = Phase::Done { ok };
                if ok {
                    Line::Control
                } else {
                    // The renderer raised inside the session: its state is suspect, end it.
                    Line::Stop(format!(
                        "warm session {}: chunk {chunk} failed: {}",
                        self.session.id,
                        message.unwrap_or_else(|| "no reason given".into())
                    ))
                }
            }
            _ => Line::Output,
        }
    }

    fn done(&self) -> Option<bool> {
        match self.phase {
            Phase::Done { ok } => Some(ok),
            _ => None,
        }
    }

    /// The memory limit, at most every [`MEMORY_EVERY`].
    fn check(&mut self, now: Instant) -> Option<String> {
        let limit = self.max_rss?;
        if now.duration_since(self.last_memory) < MEMORY_EVERY {
            return None;
        }
        self.last_memory = now;
        let rss = rss_bytes(self.session.pid).filter(|r| *r > limit)?;
        Some(format!(
            "warm session {} uses {} MiB, over the limit of {} MiB (BRM_WARM_MAX_RSS_MB); stopping it",
            self.session.id,
            rss >> 20,
            limit >> 20
        ))
    }

    /// A session ends only when told to: an exit during its chunk is a crash.
    fn ended_early(&self, exit: Option<ExitInfo>) -> Option<String> {
        let how = exit
            .map(|e| e.to_string())
            .unwrap_or_else(|| "ended".into());
        Some(format!(
            "warm session {} ended during the chunk ({how})",
            self.session.id
        ))
    }

    fn end_reason(&self, _spec: &AttemptSpec, _exit: Option<Option<ExitInfo>>) -> String {
        format!("warm session {}", self.session.id)
    }
}
