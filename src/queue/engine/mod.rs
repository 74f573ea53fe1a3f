//! The engine: scheduler and supervisor of every render on this workstation.
//!
//! One lock guards the whole model (jobs, tasks, GPU slots, running renders), so two clients
//! submitting at once can never put two tasks on one slot. A tick thread polls the
//! `runner::AttemptRunner` of every running attempt (the runner owns the render's life: log,
//! progress, timeouts, fatal lines, exit, verification), persists what they report, decides
//! what an outcome means for the task (done, fall back, retry remaining frames, fail) and
//! starts queued tasks on free slots. Submissions start tasks at once, without waiting for a
//! tick.
//!
//! Files: `submit` (accept a job), `attempts` (start and drive attempts), `control` (cancel,
//! retry, job state, transactions), `load` (restart, re-attach), `space` (a full state
//! disk: pause, resume), `view` (summaries).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::Connection;

mod attempts;
mod change;
mod control;
mod ended;
mod forget;
mod load;
mod space;
mod submit;
mod view;
mod warm;

use super::store::{self, AttemptRow, JobRow, TaskRow};
use super::QueueError;
use crate::detect::SystemReport;
use crate::frames::FrameSet;
use crate::joblog::JobLog;
use crate::paths::Paths;
use crate::plan::{self, Executables, GpuSlot, JobSpec, Method};
use crate::protocol::jobs::*;
use crate::protocol::replies::{SlotRun, SlotSession, SlotStatus};
use crate::run::{CommandSpec, ExitNotify, RenderPriority, Stream};
use crate::runner::{
    slot_log_path, AttemptRunner, AttemptSpec, AttemptState, Backend, Commands, Outcome, Sink,
};
use crate::scene::{self, SnapshotStore};
use crate::session::{SessionPool, WarmChunk};

/// How the engine is set up: where its files live and which slots it offers.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub paths: Paths,
    /// Where brm_render_custom.py / brm_render_basic.py live.
    pub scripts_dir: PathBuf,
    pub report: Arc<SystemReport>,
    /// GPU 0 is the artist's: batch uses 1+ unless asked (DESIGN §3).
    pub reserve_gpu0: bool,
    /// Renders allowed at once on one GPU.
    pub tasks_per_gpu: u32,
    /// Renders allowed at once on the CPU (CPU-only jobs, machines without GPUs).
    pub cpu_slots: u32,
    /// How long a cancelled render gets between TERM and KILL, unless the caller says.
    pub cancel_grace: Duration,
    /// How often running renders are polled.
    pub tick: Duration,
    /// Snapshots kept by retention, and their maximum age.
    pub keep_snapshots: usize,
    pub snapshot_max_age: Duration,
    /// Finished jobs older than this are forgotten when the agent starts (`None` = never).
    pub job_retention: Option<Duration>,
    /// Render chunks in warm sessions where the level has a session mode (issue 13).
    pub warm_sessions: bool,
    /// An idle warm session ends after this long.
    pub warm_idle: Duration,
    /// A warm session over this resident size is killed (bytes; `None`: no limit).
    pub warm_max_rss: Option<u64>,
    /// The priority renders and warm sessions start at (`BRM_RENDER_NICE`, issue 20).
    pub render_priority: RenderPriority,
}

impl EngineConfig {
    /// Settings from the environment: `BRM_RESERVE_GPU0` (1), `BRM_TASKS_PER_GPU` (1),
    /// `BRM_CPU_SLOTS` (1), `BRM_CANCEL_GRACE_MS` (10000), `BRM_SCRIPTS_DIR`.
    pub fn from_env(paths: Paths, report: Arc<SystemReport>) -> EngineConfig {
        EngineConfig {
            paths,
            scripts_dir: crate::plan::exes::scripts_dir(),
            report,
            reserve_gpu0: crate::config::reserve_gpu0(),
            tasks_per_gpu: crate::config::tasks_per_gpu(),
            cpu_slots: crate::config::cpu_slots(),
            cancel_grace: crate::config::cancel_grace(),
            tick: crate::config::tick(),
            keep_snapshots: 5,
            snapshot_max_age: Duration::from_secs(24 * 3600),
            job_retention: crate::config::job_retention(),
            warm_sessions: crate::config::warm_sessions(),
            warm_idle: crate::config::warm_idle(),
            warm_max_rss: crate::config::warm_max_rss(),
            render_priority: crate::run::RenderPriority::background(crate::config::render_nice()),
        }
    }
}

/// Blender's setup script lives in `blender/` beside the Maya scripts when installed, and
/// in `scripts/blender` in the source tree.
fn blender_scripts_dir(scripts_dir: &Path) -> PathBuf {
    let marker = "brm_blender_setup.py";
    let installed = scripts_dir.join("blender");
    if installed.join(marker).is_file() {
        return installed;
    }
    let source = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/blender"));
    if source.join(marker).is_file() {
        return source;
    }
    installed
}

/// One place a task can run.
#[derive(Debug, Clone)]
struct Slot {
    kind: GpuSlot,
    busy: Option<u64>,
}

/// A task in memory: the plan plus where it stands.
struct TaskRt {
    id: u64,
    plan: plan::Task,
    state: TaskState,
    level_idx: usize,
    retries_used: u32,
    attempts: u32,
    done: BTreeMap<i64, Vec<String>>,
    error: Option<String>,
    /// Render the rest cold: a warm session failed on this task (issue 13 §3).
    cold: bool,
    /// Attempts of this task that rendered in a warm session (for status).
    warm_chunks: u32,
}

impl TaskRt {
    fn remaining(&self) -> Vec<i64> {
        self.plan
            .frames
            .iter()
            .copied()
            .filter(|f| !self.done.contains_key(f))
            .collect()
    }
}

struct Job {
    id: u64,
    name: String,
    spec: JobSpec,
    state: JobState,
    paused: bool,
    cancel_requested: bool,
    /// Since when the job is paused (0: not paused), and the time it was paused before:
    /// its clock stops while it is (`brm status`).
    paused_since_ms: i64,
    paused_total_ms: i64,
    submitted_ms: i64,
    started_ms: i64,
    finished_ms: i64,
    error: Option<String>,
    warnings: Vec<String>,
    log: JobLog,
    /// Which task each log line came from (`brm log --task`).
    task_lines: crate::queue::tasklines::TaskLines,
    log_dirty: bool,
    output_dir: PathBuf,
    levels: Vec<Method>,
    allowed: Vec<usize>,
    tasks: Vec<TaskRt>,
    /// File-name endings (extension, AOV suffix) this job's renders wrote: verification
    /// tries them before reading whole folders.
    endings: Vec<String>,
    /// The programs this job renders with, from its own environment (`plan::exes`).
    exes: Executables,
}

/// A running attempt: the runner plus where it belongs.
struct Running {
    job_id: u64,
    task_idx: usize,
    slot: usize,
    runner: AttemptRunner,
    /// The runner's log offset moved since it was last persisted.
    offset_dirty: bool,
}

/// The engine's [`Sink`]: render lines and the runner's notes go to the job log, in order;
/// a (re)started command's identity is kept for the attempt row.
struct JobSink<'a> {
    log: &'a mut JobLog,
    tasks: &'a mut crate::queue::tasklines::TaskLines,
    task: u32,
    dirty: bool,
    started: Option<(usize, u32, u64)>,
    flush_error: Option<crate::joblog::JobLogError>,
}

impl Sink for JobSink<'_> {
    fn line(&mut self, text: &str) {
        let seq = self.log.append(Stream::Output, text);
        self.tasks.record(seq, self.task);
        self.dirty = true;
    }

    fn note(&mut self, text: &str) {
        let seq = self.log.append(Stream::Brm, text);
        self.tasks.record(seq, self.task);
        self.dirty = true;
    }

    fn started(&mut self, cmd_index: usize, pid: u32, start_time: u64) {
        self.started = Some((cmd_index, pid, start_time));
    }

    fn batch_done(&mut self) {
        // Written out each MiB (as before the runner existed); the first error is kept for
        // the poll's caller, which decides what a failed write means (a full disk).
        if self.flush_error.is_none() {
            if let Err(e) = self.log.flush_if_over(1 << 20) {
                self.flush_error = Some(e);
            }
        }
    }
}

struct State {
    cfg: EngineConfig,
    conn: Connection,
    db_path: PathBuf,
    slots: Vec<Slot>,
    jobs: BTreeMap<u64, Job>,
    running: HashMap<u64, Running>,
    exes: Executables,
    snapshots: SnapshotStore,
    /// Idle warm sessions and sessions being ended.
    sessions: SessionPool,
    /// Wakes the tick thread when a render exits (given to every runner).
    notify: ExitNotify,
    /// Paused because the disk under the state folder is full (`space`).
    space: Option<space::SpacePause>,
    /// Previews of the latest verified frame per job and layer (made off this thread).
    previews: crate::preview::Previews,
}

/// Wakes the tick thread early: a render exited, a job was submitted.
#[derive(Default)]
pub(crate) struct Wake {
    flag: Mutex<bool>,
    cond: Condvar,
}

impl Wake {
    fn notify(&self) {
        if let Ok(mut f) = self.flag.lock() {
            *f = true;
            self.cond.notify_all();
        }
    }

    fn wait(&self, timeout: Duration) {
        if let Ok(mut f) = self.flag.lock() {
            if !*f {
                f = match self.cond.wait_timeout(f, timeout) {
                    Ok((g, _)) => g,
                    Err(_) => return,
                };
            }
            *f = false;
        }
    }
}

/// The engine. Share it as `Arc<Engine>`; [`Engine::start`] runs its tick thread.
pub struct Engine {
    state: Mutex<State>,
    changed: Condvar,
    stop: AtomicBool,
    wake: Arc<Wake>,
}

fn db(state_path: &Path) -> impl Fn(rusqlite::Error) -> QueueError + '_ {
    move |e| QueueError::db(state_path, e)
}

impl Engine {
    /// Open the queue database, build the slots, and re-attach to renders that a previous
    /// agent left running.
    pub fn open(cfg: EngineConfig) -> crate::Result<Arc<Engine>> {
        crate::paths::ensure_private_dir(&cfg.paths.state).map_err(|e| {
            crate::Error::io(
                format!("creating state dir {}", cfg.paths.state.display()),
                e,
            )
        })?;
        std::fs::create_dir_all(cfg.paths.logs()).map_err(|e| {
            crate::Error::io(
                format!("creating log dir {}", cfg.paths.logs().display()),
                e,
            )
        })?;
        let db_path = cfg.paths.database();
        let conn = store::open(&db_path)?;
        let mut slots = Vec::new();
        for g in &cfg.report.gpus {
            for _ in 0..cfg.tasks_per_gpu {
                slots.push(Slot {
                    kind: GpuSlot::Gpu {
                        index: g.index,
                        uuid: Some(g.uuid.clone()),
                    },
                    busy: None,
                });
            }
        }
        for _ in 0..cfg.cpu_slots {
            slots.push(Slot {
                kind: GpuSlot::Cpu,
                busy: None,
            });
        }
        let mut exes = Executables::from_report(&cfg.report, cfg.scripts_dir.clone());
        exes.blender_scripts_dir = blender_scripts_dir(&cfg.scripts_dir);
        let snapshots = SnapshotStore::new(cfg.paths.snapshots.clone());
        let previews_root = cfg.paths.state.join("previews");
        let wake = Arc::new(Wake::default());
        let waker = Arc::clone(&wake);
        let mut st = State {
            notify: Arc::new(move || waker.notify()),
            cfg,
            conn,
            db_path,
            slots,
            jobs: BTreeMap::new(),
            running: HashMap::new(),
            exes,
            snapshots,
            space: None,
            sessions: SessionPool::default(),
            previews: crate::preview::Previews::start(previews_root),
        };
        st.load()?;
        st.commit()?;
        // Never fatal: a queue that cannot forget old jobs still renders new ones.
        if let Err(e) = st.apply_job_retention() {
            eprintln!("brm engine: job retention: {e}");
        }
        let engine = Arc::new(Engine {
            state: Mutex::new(st),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            wake,
        });
        Ok(engine)
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, QueueError> {
        self.state.lock().map_err(|_| QueueError::Poisoned)
    }

    /// Run the tick loop on a thread until [`Engine::stop`].
    pub fn start(self: &Arc<Self>) -> std::thread::JoinHandle<()> {
        let me = Arc::clone(self);
        std::thread::Builder::new()
            .name("brm-engine".into())
            .spawn(move || {
                while !me.stop.load(Ordering::Relaxed) {
                    let tick = match me.tick() {
                        Ok(t) => t,
                        Err(e) => {
                            space::say(&format!("brm engine: {e}"));
                            Duration::from_millis(200)
                        }
                    };
                    me.wake.wait(tick);
                }
            })
            .unwrap_or_else(|e| panic!("cannot start the engine thread: {e}"))
    }

    /// Stop the tick loop. Renders keep running; a later engine re-attaches to them.
    /// The database file was emptied under the running agent: write nothing more into it.
    ///
    /// Why: SQLite checkpoints its write-ahead log into the database file when the
    /// connection closes (and when the log passes its auto-checkpoint size). Into an emptied
    /// file that writes back only the pages changed since the last checkpoint: a file that
    /// holds some of the queue, or all of it, depending on when SQLite last checkpointed.
    /// Neither can be told apart from the outside, so the file is left as found (empty), the
    /// log is kept beside it for whoever recovers it, and the next brm refuses the database
    /// as damaged (`store::open`), saying how to recover. Then the engine stops.
    pub fn abandon_database(&self) {
        if let Ok(st) = self.lock() {
            let _ = st
                .conn
                .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true);
            let _ = st.conn.pragma_update(None, "wal_autocheckpoint", 0);
        }
        self.stop();
    }

    pub fn stop(&self) {
        if let Ok(mut st) = self.lock() {
            // Idle sessions hold a scene and a GPU for nobody once the engine is gone.
            st.sessions.end_all();
        }
        self.stop.store(true, Ordering::Relaxed);
        self.wake.notify();
    }

    /// One round of supervision and scheduling; returns how long to sleep.
    pub fn tick(&self) -> crate::Result<Duration> {
        let mut st = self.lock()?;
        if !st.space_ok()? {
            for r in st.running.values_mut() {
                r.runner.kill_if_due();
            }
            return Ok(space::PAUSED_TICK);
        }
        // One SQLite transaction per tick: finishing a task and starting the next are a
        // handful of writes that should cost one commit, not one each.
        let changed = match st.batch(|st| {
            let changed = st.poll_all()?;
            st.expire_sessions();
            st.schedule()?;
            st.commit()?;
            Ok(changed)
        }) {
            Ok(c) => c,
            Err(e) if space::is_disk_full(&e) => {
                st.pause_for_space(true, &e.to_string());
                drop(st);
                self.changed.notify_all();
                return Ok(space::PAUSED_TICK);
            }
            Err(e) => return Err(e),
        };
        let tick = st.cfg.tick;
        drop(st);
        if changed {
            self.changed.notify_all();
        }
        Ok(tick)
    }

    /// Queue a job; returns its id. Tasks start at once where slots are free.
    pub fn submit(&self, spec: JobSpec) -> crate::Result<u64> {
        let mut st = self.lock()?;
        st.refuse_if_full()?;
        let id = st.submit(spec)?;
        self.settle(st, id)?;
        Ok(id)
    }

    pub fn jobs(&self) -> crate::Result<Vec<JobSummary>> {
        let st = self.lock()?;
        Ok(st.jobs.values().map(|j| st.summary(j)).collect())
    }

    pub fn summary(&self, id: u64) -> crate::Result<JobSummary> {
        let st = self.lock()?;
        let job = st.jobs.get(&id).ok_or(QueueError::NoSuchJob(id))?;
        Ok(st.summary(job))
    }

    pub fn detail(&self, id: u64) -> crate::Result<JobDetail> {
        let st = self.lock()?;
        let job = st.jobs.get(&id).ok_or(QueueError::NoSuchJob(id))?;
        Ok(st.detail(job))
    }

    /// Log lines after `after_seq` (non-blocking), optionally of one stream only.
    pub fn logs(
        &self,
        id: u64,
        after_seq: u64,
        max: usize,
        stream: Option<u32>,
    ) -> crate::Result<LogPage> {
        self.logs_of_task(id, after_seq, max, stream, None)
    }

    /// [`Engine::logs`], only the lines of task `task` when given (brm's job-wide notes are
    /// left out then). A page scans a bounded number of lines, so a call never takes long;
    /// `next_seq` moves past what was scanned.
    pub fn logs_of_task(
        &self,
        id: u64,
        after_seq: u64,
        max: usize,
        stream: Option<u32>,
        task: Option<u32>,
    ) -> crate::Result<LogPage> {
        let mut st = self.lock()?;
        let job = st.jobs.get_mut(&id).ok_or(QueueError::NoSuchJob(id))?;
        if let Some(t) = task {
            if t as usize >= job.tasks.len() {
                return Err(QueueError::NoSuchTask {
                    id,
                    task: t,
                    valid: match job.tasks.len() {
                        0 => "none".into(),
                        1 => "0".into(),
                        n => format!("0-{}", n - 1),
                    },
                }
                .into());
            }
        }
        let finished = job.state.is_final();
        let max = max.max(1);
        let mut page = match task {
            None => job.log.lines_after(after_seq, max, stream)?,
            Some(t) => {
                let mut out = LogPage {
                    next_seq: after_seq,
                    ..LogPage::default()
                };
                for _ in 0..50 {
                    let p = job.log.lines_after(out.next_seq, 2000, stream)?;
                    let moved = p.next_seq != out.next_seq;
                    out.next_seq = p.next_seq;
                    out.lines.extend(
                        p.lines
                            .into_iter()
                            .filter(|l| job.task_lines.task_of(l.seq) == Some(t)),
                    );
                    if !moved || out.lines.len() >= max {
                        break;
                    }
                }
                out
            }
        };
        page.complete = finished && page.next_seq + 1 >= job.log.next_seq();
        Ok(page)
    }

    /// Block until the job is finished or `timeout` passes.
    pub fn wait(&self, id: u64, timeout: Duration) -> crate::Result<JobState> {
        let deadline = Instant::now() + timeout;
        let mut st = self.lock()?;
        loop {
            let state = st.jobs.get(&id).ok_or(QueueError::NoSuchJob(id))?.state;
            if state.is_final() {
                return Ok(state);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(QueueError::Timeout(timeout.as_millis() as u64, id).into());
            }
            st = self
                .changed
                .wait_timeout(st, (deadline - now).min(Duration::from_millis(250)))
                .map_err(|_| QueueError::Poisoned)?
                .0;
        }
    }

    /// Cancel a job: queued tasks are dropped, running renders get TERM, then KILL after
    /// `grace`. Idempotent; returns the job's state afterwards.
    pub fn cancel(&self, id: u64, grace: Option<Duration>) -> crate::Result<JobState> {
        let mut st = self.lock()?;
        let grace = grace.unwrap_or(st.cfg.cancel_grace);
        st.cancel(id, grace)?;
        if st.space.is_some() {
            // A full state disk: the cancel acts (the render may be what fills the disk)
            // and is recorded when space returns (`space`); nothing else can be written now.
            let state = st
                .jobs
                .get(&id)
                .map(|j| j.state)
                .ok_or(QueueError::NoSuchJob(id))?;
            drop(st);
            self.changed.notify_all();
            return Ok(state);
        }
        self.settle(st, id)
    }

    /// After a request changed a job: schedule, persist, wake waiters, return its state.
    fn settle(&self, mut st: MutexGuard<'_, State>, id: u64) -> crate::Result<JobState> {
        st.batch(|st| {
            st.schedule()?;
            st.commit()
        })?;
        let state = st
            .jobs
            .get(&id)
            .map(|j| j.state)
            .ok_or(QueueError::NoSuchJob(id))?;
        drop(st);
        self.changed.notify_all();
        Ok(state)
    }

    /// Queue a failed or cancelled job's unfinished frames again.
    pub fn retry(&self, id: u64) -> crate::Result<()> {
        let mut st = self.lock()?;
        st.refuse_if_full()?;
        st.retry(id)?;
        self.settle(st, id).map(|_| ())
    }

    /// Pause (`true`) or resume a job: a paused job starts no new tasks.
    pub fn set_paused(&self, id: u64, paused: bool) -> crate::Result<JobState> {
        let mut st = self.lock()?;
        let job = st.jobs.get_mut(&id).ok_or(QueueError::NoSuchJob(id))?;
        if job.state.is_final() {
            return Err(QueueError::InvalidState {
                id,
                state: job.state.as_str().into(),
                hint: "only queued or running jobs can be paused or resumed".into(),
            }
            .into());
        }
        job.paused = paused;
        st.note(
            id,
            if paused {
                "job paused: no new tasks start until it is resumed"
            } else {
                "job resumed"
            },
        );
        st.refresh_job(id)?;
        self.settle(st, id)
    }

    /// Apply snapshot retention now; returns the removed paths.
    pub fn cleanup_snapshots(&self) -> crate::Result<Vec<PathBuf>> {
        let st = self.lock()?;
        st.cleanup_snapshots()
    }

    /// Nothing queued or running.
    pub fn is_idle(&self) -> bool {
        match self.lock() {
            Ok(st) => {
                st.running.is_empty()
                    && st.jobs.values().all(|j| j.state.is_final() || j.paused)
                    && st.sessions.is_empty()
            }
            Err(_) => false,
        }
    }

    /// Slots and what runs on them (for `brm agent status`).
    pub fn slots(&self) -> crate::Result<Vec<SlotStatus>> {
        let st = self.lock()?;
        Ok(st
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| SlotStatus {
                slot: i,
                kind: match &s.kind {
                    GpuSlot::Cpu => "cpu".to_string(),
                    GpuSlot::Gpu { index, .. } => format!("gpu {index}"),
                },
                running: s.busy.and_then(|a| st.running.get(&a)).map(|r| SlotRun {
                    job: r.job_id,
                    task: r.task_idx,
                    pid: r.runner.pid(),
                    level: method_name(r.runner.spec().level).into(),
                    state: format!("{:?}", r.runner.state()).to_lowercase(),
                    warm_session: r.runner.backend::<WarmChunk>().map(|w| w.session().id()),
                }),
                session: st.session_status(i),
            })
            .collect())
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Auto => "auto",
        Method::MayapyCustom => "mayapy-custom",
        Method::Render => "render",
        Method::MayapyBasic => "mayapy-basic",
        Method::Blender => "blender",
    }
}

fn method_from(s: &str) -> Method {
    s.parse().unwrap_or(Method::Auto)
}

/// What an attempt of `job` at `level` runs, for the runner.
fn attempt_spec(
    job: &Job,
    level: Method,
    frames: Vec<i64>,
    commands: Vec<CommandSpec>,
    log_path: PathBuf,
    priority: RenderPriority,
) -> AttemptSpec {
    AttemptSpec {
        level,
        renderer: job.spec.renderer.clone(),
        frames,
        commands,
        log_path,
        task_timeout: job.spec.task_timeout_s.map(Duration::from_secs),
        silence_timeout: job.spec.silence_timeout_s.map(Duration::from_secs),
        priority,
    }
}

fn frames_text(frames: &[i64]) -> String {
    FrameSet::from_frames(frames.iter().copied()).compact()
}

/// Scene formats that Maya renders (used by fronts to choose defaults).
pub fn is_maya_scene(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("ma") | Some("mb")
    )
}
