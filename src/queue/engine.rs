//! The engine: scheduler and supervisor of every render on this workstation.
//!
//! One lock guards the whole model (jobs, tasks, GPU slots, running renders), so two clients
//! submitting at once can never put two tasks on one slot. A tick thread polls running
//! renders (ingests their log files, parses progress, enforces timeouts, notices exits),
//! finalises attempts (verify outputs, fall back, retry remaining frames) and starts queued
//! tasks on free slots. Submissions start tasks at once, without waiting for a tick.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::joblog::JobLog;
use super::store::{self, AttemptRow, JobRow, TaskRow};
use super::types::*;
use super::{verify, QueueError};
use crate::detect::SystemReport;
use crate::frames::FrameSet;
use crate::paths::Paths;
use crate::plan::{self, Executables, GpuSlot, JobSpec, Method};
use crate::progress::{self, LogParser, ProgressEvent};
use crate::run::{Attached, Child, CommandSpec, ExitInfo, LogTail, Stream, TailLine, Watchdog};
use crate::scene::{self, SnapshotStore};

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
}

impl EngineConfig {
    /// Settings from the environment: `BRM_RESERVE_GPU0` (1), `BRM_TASKS_PER_GPU` (1),
    /// `BRM_CPU_SLOTS` (1), `BRM_CANCEL_GRACE_MS` (10000), `BRM_SCRIPTS_DIR`.
    pub fn from_env(paths: Paths, report: Arc<SystemReport>) -> EngineConfig {
        EngineConfig {
            paths,
            scripts_dir: scripts_dir(),
            report,
            reserve_gpu0: crate::config::reserve_gpu0(),
            tasks_per_gpu: crate::config::tasks_per_gpu(),
            cpu_slots: crate::config::cpu_slots(),
            cancel_grace: crate::config::cancel_grace(),
            tick: crate::config::tick(),
            keep_snapshots: 5,
            snapshot_max_age: Duration::from_secs(24 * 3600),
        }
    }
}

/// The render scripts: `BRM_SCRIPTS_DIR`, else beside the executable (a Maya module's
/// `bin/../scripts`, an install prefix's `share/brm/scripts`), else the source tree.
pub fn scripts_dir() -> PathBuf {
    if let Some(d) = crate::config::scripts_dir() {
        return d;
    }
    let marker = "brm_render_custom.py";
    if let Ok(exe) = std::env::current_exe() {
        if let Some(bin) = exe.parent() {
            for cand in [
                bin.join("../scripts"),
                bin.join("../share/brm/scripts"),
                bin.join("scripts"),
            ] {
                if cand.join(marker).is_file() {
                    return cand;
                }
            }
        }
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/maya_plugin/scripts"))
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
    submitted_ms: i64,
    started_ms: i64,
    finished_ms: i64,
    error: Option<String>,
    warnings: Vec<String>,
    log: JobLog,
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

enum Proc {
    Child(Child),
    Attached(Attached),
    /// The render ended while no agent was watching.
    Gone,
}

impl Proc {
    /// Polite stop of the whole group (TERM; Windows CTRL_BREAK). Non-blocking.
    fn terminate(&self) {
        match self {
            Proc::Child(c) => c.terminate(),
            Proc::Attached(a) => a.terminate(),
            Proc::Gone => {}
        }
    }

    /// Forced stop of every process left in the group. Non-blocking; no-op once gone.
    fn kill(&self) {
        match self {
            Proc::Child(c) => c.kill(),
            Proc::Attached(a) => a.kill(),
            Proc::Gone => {}
        }
    }

    /// Any process of the group still running (zombies do not count).
    fn group_alive(&self) -> bool {
        match self {
            Proc::Child(c) => c.is_group_alive(),
            Proc::Attached(a) => a.is_group_alive(),
            Proc::Gone => false,
        }
    }
}

/// A cancel in progress: TERM was sent; KILL is due at `kill_at`. The engine's lock is never
/// held through a grace period.
#[derive(Debug, Clone, Copy)]
struct Cancelling {
    kill_at: Instant,
    killed: bool,
}

impl Cancelling {
    fn begin(proc: &Proc, grace: Duration) -> Cancelling {
        proc.terminate();
        let mut c = Cancelling {
            kill_at: Instant::now() + grace,
            killed: false,
        };
        c.poll(proc);
        c
    }

    fn poll(&mut self, proc: &Proc) {
        if !self.killed && Instant::now() >= self.kill_at {
            proc.kill();
            self.killed = true;
        }
    }
}

/// Most bytes of one render's log ingested per tick, so one flooding render cannot hold the
/// engine's lock for long; the rest is read on the next tick.
const INGEST_BUDGET_CALLS: usize = 16;

struct Running {
    job_id: u64,
    task_idx: usize,
    slot: usize,
    level: Method,
    frames: Vec<i64>,
    commands: Vec<CommandSpec>,
    cmd_index: usize,
    proc: Proc,
    pid: u32,
    tail: LogTail,
    log_path: PathBuf,
    offset: u64,
    offset_dirty: bool,
    parser: Box<dyn LogParser>,
    watchdog: Watchdog,
    reported: BTreeSet<i64>,
    fatal: Option<String>,
    timeout: Option<String>,
    cancelling: Option<Cancelling>,
    user_cancel: bool,
    exit: Option<Option<ExitInfo>>,
}

/// Where a new `Running` starts: which task, slot and level, which commands, which process.
struct Launch {
    task_idx: usize,
    slot: usize,
    level: Method,
    frames: Vec<i64>,
    commands: Vec<CommandSpec>,
    cmd_index: usize,
    proc: Proc,
    pid: u32,
    log_path: PathBuf,
    offset: u64,
}

impl Running {
    /// Follow a render (new or re-attached) from `offset` of its log, with the job's parser
    /// and timeouts.
    fn new(job: &Job, l: Launch) -> crate::Result<Running> {
        let tail = LogTail::open(&l.log_path, l.offset)?;
        let watchdog = Watchdog::new(
            Instant::now(),
            job.spec.task_timeout_s.map(Duration::from_secs),
            job.spec.silence_timeout_s.map(Duration::from_secs),
            l.offset,
        );
        Ok(Running {
            job_id: job.id,
            task_idx: l.task_idx,
            slot: l.slot,
            level: l.level,
            frames: l.frames,
            commands: l.commands,
            cmd_index: l.cmd_index,
            proc: l.proc,
            pid: l.pid,
            tail,
            log_path: l.log_path,
            offset: l.offset,
            offset_dirty: false,
            parser: progress::parser_for(job.spec.renderer.as_deref(), l.level),
            watchdog,
            reported: BTreeSet::new(),
            fatal: None,
            timeout: None,
            cancelling: None,
            user_cancel: false,
            exit: None,
        })
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
    wake: Arc<Wake>,
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

/// Wake the engine as soon as `pid` (our child) exits, without reaping it: `try_wait` in the
/// tick still collects the status. Keeps per-task overhead far below the tick interval.
#[cfg(target_os = "linux")]
fn watch_exit(pid: u32, wake: Arc<Wake>) {
    let _ = std::thread::Builder::new()
        .name("brm-exit-watch".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            // SAFETY: waitid with WNOWAIT only observes the child's state; info is ours.
            unsafe {
                let mut info: libc::siginfo_t = std::mem::zeroed();
                libc::waitid(
                    libc::P_PID,
                    pid as libc::id_t,
                    &mut info,
                    libc::WEXITED | libc::WNOWAIT,
                );
            }
            wake.notify();
        });
}

#[cfg(not(target_os = "linux"))]
fn watch_exit(_pid: u32, _wake: Arc<Wake>) {}

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
        let wake = Arc::new(Wake::default());
        let mut st = State {
            wake: Arc::clone(&wake),
            cfg,
            conn,
            db_path,
            slots,
            jobs: BTreeMap::new(),
            running: HashMap::new(),
            exes,
            snapshots,
        };
        st.load()?;
        st.commit()?;
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
                            eprintln!("brm engine: {e}");
                            Duration::from_millis(200)
                        }
                    };
                    me.wake.wait(tick);
                }
            })
            .unwrap_or_else(|e| panic!("cannot start the engine thread: {e}"))
    }

    /// Stop the tick loop. Renders keep running; a later engine re-attaches to them.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake.notify();
    }

    /// One round of supervision and scheduling; returns how long to sleep.
    pub fn tick(&self) -> crate::Result<Duration> {
        let mut st = self.lock()?;
        // One SQLite transaction per tick: finishing a task and starting the next are a
        // handful of writes that should cost one commit, not one each.
        let changed = st.batch(|st| {
            let changed = st.poll_all()?;
            st.schedule()?;
            st.commit()?;
            Ok(changed)
        })?;
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
        let mut st = self.lock()?;
        let job = st.jobs.get_mut(&id).ok_or(QueueError::NoSuchJob(id))?;
        let finished = job.state.is_final();
        let mut page = job.log.lines_after(after_seq, max.max(1), stream)?;
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
                st.running.is_empty() && st.jobs.values().all(|j| j.state.is_final() || j.paused)
            }
            Err(_) => false,
        }
    }

    /// Slots and what runs on them (for `brm agent status`).
    pub fn slots_json(&self) -> crate::Result<serde_json::Value> {
        let st = self.lock()?;
        Ok(serde_json::Value::Array(
            st.slots
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let running = s.busy.and_then(|a| st.running.get(&a)).map(|r| {
                        serde_json::json!({"job": r.job_id, "task": r.task_idx, "pid": r.pid, "level": method_name(r.level)})
                    });
                    let kind = match &s.kind {
                        GpuSlot::Cpu => "cpu".to_string(),
                        GpuSlot::Gpu { index, .. } => format!("gpu {index}"),
                    };
                    serde_json::json!({"slot": i, "kind": kind, "running": running})
                })
                .collect(),
        ))
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

fn describe_exit(e: &Option<ExitInfo>, level: Method) -> String {
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

fn frames_text(frames: &[i64]) -> String {
    FrameSet::from_frames(frames.iter().copied()).compact()
}

impl State {
    fn dbe(&self) -> impl Fn(rusqlite::Error) -> QueueError + '_ {
        db(&self.db_path)
    }

    /// Load the persisted queue and re-attach to renders still running.
    fn load(&mut self) -> crate::Result<()> {
        let jobs = store::load_jobs(&self.conn).map_err(self.dbe())?;
        let tasks = store::load_tasks(&self.conn).map_err(self.dbe())?;
        let frames = store::load_frames(&self.conn).map_err(self.dbe())?;
        let attempts = store::load_running_attempts(&self.conn).map_err(self.dbe())?;
        let mut done_by_task: HashMap<u64, BTreeMap<i64, Vec<String>>> = HashMap::new();
        for f in frames {
            let files: Vec<String> = serde_json::from_str(&f.files).unwrap_or_default();
            done_by_task
                .entry(f.task_id)
                .or_default()
                .insert(f.frame, files);
        }
        let mut tasks_by_job: HashMap<u64, Vec<TaskRow>> = HashMap::new();
        for t in tasks {
            tasks_by_job.entry(t.job_id).or_default().push(t);
        }
        for row in jobs {
            let Ok(spec) = serde_json::from_str::<JobSpec>(&row.spec) else {
                eprintln!(
                    "brm engine: job {} has a spec this brm cannot read; leaving it alone",
                    row.id
                );
                continue;
            };
            let state = JobState::parse(&row.state).unwrap_or(JobState::Failed);
            let log = JobLog::open(
                Path::new(&row.log_path),
                row.log_len,
                row.log_next_seq,
                !state.is_final(),
            )?;
            let slots: Vec<usize> = serde_json::from_str(&row.slots).unwrap_or_default();
            let levels = plan::levels_for(&spec);
            let exes = self.job_exes(&spec);
            let mut rts = Vec::new();
            for t in tasks_by_job.remove(&row.id).unwrap_or_default() {
                let frames: Vec<i64> = serde_json::from_str(&t.frames).unwrap_or_default();
                let mut tstate = TaskState::parse(&t.state).unwrap_or(TaskState::Queued);
                if tstate == TaskState::Running {
                    tstate = TaskState::Queued; // re-marked running below if re-attached
                }
                rts.push(TaskRt {
                    id: t.id,
                    plan: plan::Task {
                        index: t.idx as usize,
                        layer: t.layer,
                        layer_display: t.layer_display,
                        frames,
                        output_dir: PathBuf::from(t.output_dir),
                        image_name: t.image_name,
                        padding: t.padding,
                        renderer: spec.renderer.clone(),
                    },
                    state: tstate,
                    level_idx: t.level_idx as usize,
                    retries_used: t.retries_used,
                    attempts: t.attempts,
                    done: done_by_task.remove(&t.id).unwrap_or_default(),
                    error: t.error,
                });
            }
            self.jobs.insert(
                row.id,
                Job {
                    id: row.id,
                    name: row.name,
                    state,
                    paused: state == JobState::Paused,
                    cancel_requested: state == JobState::Cancelled,
                    submitted_ms: row.submitted_ms,
                    started_ms: row.started_ms,
                    finished_ms: row.finished_ms,
                    error: row.error,
                    warnings: serde_json::from_str(&row.warnings).unwrap_or_default(),
                    log,
                    log_dirty: false,
                    output_dir: PathBuf::from(row.output_dir),
                    levels,
                    allowed: slots,
                    spec,
                    exes,
                    tasks: rts,
                    endings: Vec::new(),
                },
            );
        }
        for a in attempts {
            self.reattach(a)?;
        }
        let ids: Vec<u64> = self.jobs.keys().copied().collect();
        for id in ids {
            self.refresh_job(id)?;
        }
        Ok(())
    }

    fn reattach(&mut self, a: AttemptRow) -> crate::Result<()> {
        let Some(job) = self.jobs.get_mut(&a.job_id) else {
            return Ok(());
        };
        let Some(task_idx) = job.tasks.iter().position(|t| t.id == a.task_id) else {
            return Ok(());
        };
        let commands: Vec<CommandSpec> = serde_json::from_str(&a.commands).unwrap_or_default();
        let frames: Vec<i64> = serde_json::from_str(&a.frames).unwrap_or_default();
        let level = method_from(&a.level);
        let proc = match Attached::find(a.pid, a.start_time) {
            Some(att) => Proc::Attached(att),
            None => Proc::Gone,
        };
        let note = match &proc {
            Proc::Attached(_) => format!(
                "re-attached to the render of task {} (pid {}) after an agent restart; following its log",
                task_idx, a.pid
            ),
            _ => format!(
                "the render of task {} (pid {}) ended while no agent was watching; checking its frames",
                task_idx, a.pid
            ),
        };
        let running = Running::new(
            job,
            Launch {
                task_idx,
                slot: a.slot as usize,
                level,
                frames,
                commands,
                cmd_index: a.cmd_index as usize,
                proc,
                pid: a.pid,
                log_path: PathBuf::from(&a.log_path),
                offset: a.log_offset,
            },
        )?;
        job.tasks[task_idx].state = TaskState::Running;
        if let Some(s) = self.slots.get_mut(running.slot) {
            s.busy = Some(a.id);
        }
        self.running.insert(a.id, running);
        self.note(a.job_id, &note);
        Ok(())
    }

    /// Write a brm note into a job's log.
    fn note(&mut self, job_id: u64, text: &str) {
        if let Some(job) = self.jobs.get_mut(&job_id) {
            job.log.append(Stream::Brm, text);
            job.log_dirty = true;
        }
    }

    fn submit(&mut self, mut spec: JobSpec) -> crate::Result<u64> {
        if !spec.scene.is_file() {
            return Err(crate::Error::NotFound(format!(
                "scene {} does not exist (or is not a file); check the path",
                spec.scene.display()
            )));
        }
        if let Some(f) = &spec.frames {
            FrameSet::parse(f)?;
        }
        let info = match scene::inspect(&spec.scene) {
            Ok(i) => Some(i),
            Err(e) => {
                // A .mb brm cannot read fully is still renderable when the job says what to
                // render; anything else (not a scene, unreadable) is refused now.
                let partial = crate::error::Kind::kind(&e) == crate::ErrorKind::Unsupported;
                if !partial || (spec.layers.is_empty() && spec.frames.is_none()) {
                    return Err(e.into());
                }
                None
            }
        };
        if spec.renderer.is_none() {
            spec.renderer = info.as_ref().and_then(|i| i.renderer.clone());
        }
        if spec.maya_version.is_none() {
            spec.maya_version = info.as_ref().and_then(|i| i.maya_version.clone());
        }
        let (kinds, mut warnings) =
            plan::select_slots(&spec.gpu, &self.cfg.report, self.cfg.reserve_gpu0)?;
        let allowed: Vec<usize> = kinds
            .iter()
            .flat_map(|k| {
                self.slots
                    .iter()
                    .enumerate()
                    .filter(move |(_, s)| match (&s.kind, k) {
                        (GpuSlot::Cpu, GpuSlot::Cpu) => true,
                        (GpuSlot::Gpu { index: a, .. }, GpuSlot::Gpu { index: b, .. }) => a == b,
                        _ => false,
                    })
            })
            .map(|(i, _)| i)
            .collect();
        if allowed.is_empty() {
            return Err(crate::Error::InvalidArgument(
                "no render slot matches the job's GPU choice on this machine; see `brm info` for the GPUs".into(),
            ));
        }
        let output_dir = spec
            .output_dir
            .clone()
            .unwrap_or_else(|| self.cfg.paths.default_output());
        let tasks = plan::plan_tasks(&spec, info.as_ref(), allowed.len(), &output_dir)?;
        if tasks.is_empty() {
            return Err(
                QueueError::Empty("no renderable layer or no frame in the job".into()).into(),
            );
        }
        // What inspection could not read matters for Maya scenes; a .blend is read by Blender
        // itself at render time, so its inspection notes are no news to the job.
        if let Some(i) = info.as_ref().filter(|_| !spec.is_blend()) {
            warnings.extend(i.warnings.iter().cloned());
        }
        // What the job renders with comes from its own environment; levels that cannot
        // start there are skipped with one note, and a job no level can render is refused now.
        let exes = self.job_exes(&spec);
        let all_levels = plan::levels_for(&spec);
        let source = spec
            .source_scene
            .clone()
            .unwrap_or_else(|| spec.scene.clone());
        let (usable, skipped) = plan::usable_levels(&exes, &all_levels, &source)?;
        for (l, e) in &skipped {
            warnings.push(format!("level {} skipped: {e}", method_name(*l)));
        }
        let first_level = all_levels
            .iter()
            .position(|l| usable.first() == Some(l))
            .unwrap_or(0);
        if let (Some(v), Some(have), true) = (
            &spec.maya_version,
            &exes.maya_version,
            usable.iter().any(|m| m.is_maya()),
        ) {
            if !have.starts_with(v.get(..4).unwrap_or(v)) {
                warnings.push(format!(
                    "the scene was saved by Maya {v}, which is not installed in the job's environment; rendering with Maya {have}"
                ));
            }
        }
        // Two live jobs writing the same file names overwrite each other's frames.
        for other in self.jobs.values().filter(|j| !j.state.is_final()) {
            let clash = tasks.iter().find(|t| {
                other
                    .tasks
                    .iter()
                    .any(|o| o.plan.output_dir == t.output_dir && o.plan.image_name == t.image_name)
            });
            if let Some(t) = clash {
                warnings.push(format!(
                    "job {} (still {}) writes the same files ({}/{}.*): frames may overwrite each other;                      give this job another --output",
                    other.id,
                    other.state.as_str(),
                    t.output_dir.display(),
                    t.image_name
                ));
            }
        }
        let levels = plan::levels_for(&spec);
        let name = spec.name.clone().unwrap_or_else(|| {
            let src = spec.source_scene.as_ref().unwrap_or(&spec.scene);
            src.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "job".into())
        });
        let now = now_ms();
        let spec_json = serde_json::to_string(&spec)
            .map_err(|e| crate::Error::InvalidArgument(e.to_string()))?;
        let tx = self.conn.unchecked_transaction().map_err(self.dbe())?;
        let id = store::insert_job(
            &tx,
            &JobRow {
                id: 0,
                name: name.clone(),
                spec: spec_json,
                state: JobState::Queued.as_str().into(),
                priority: spec.priority,
                submitted_ms: now,
                started_ms: 0,
                finished_ms: 0,
                error: None,
                warnings: serde_json::to_string(&warnings).unwrap_or_else(|_| "[]".into()),
                log_path: String::new(),
                log_len: 0,
                log_next_seq: 1,
                output_dir: output_dir.to_string_lossy().into_owned(),
                slots: serde_json::to_string(&allowed).unwrap_or_else(|_| "[]".into()),
            },
        )
        .map_err(self.dbe())?;
        let log_path = self.cfg.paths.logs().join(format!("job-{id}.log"));
        store::set_job_log_path(&tx, id, &log_path.to_string_lossy()).map_err(self.dbe())?;
        let mut rts = Vec::new();
        for t in tasks {
            let tid = store::insert_task(
                &tx,
                &TaskRow {
                    id: 0,
                    job_id: id,
                    idx: t.index as u32,
                    layer: t.layer.clone(),
                    layer_display: t.layer_display.clone(),
                    frames: serde_json::to_string(&t.frames).unwrap_or_else(|_| "[]".into()),
                    output_dir: t.output_dir.to_string_lossy().into_owned(),
                    image_name: t.image_name.clone(),
                    padding: t.padding,
                    state: TaskState::Queued.as_str().into(),
                    level_idx: first_level as u32,
                    retries_used: 0,
                    attempts: 0,
                    error: None,
                },
            )
            .map_err(self.dbe())?;
            rts.push(TaskRt {
                id: tid,
                plan: t,
                state: TaskState::Queued,
                level_idx: first_level,
                retries_used: 0,
                attempts: 0,
                done: BTreeMap::new(),
                error: None,
            });
        }
        tx.commit().map_err(self.dbe())?;
        let log = JobLog::open(&log_path, 0, 1, true)?;
        let frames_total: usize = rts.iter().map(|t| t.plan.frames.len()).sum();
        let summary =
            format!(
            "job {id} '{name}' queued: {} task(s), {frames_total} frame(s), scene {}, levels {}",
            rts.len(),
            spec.scene.display(),
            levels.iter().map(|m| method_name(*m)).collect::<Vec<_>>().join(" → ")
        );
        self.jobs.insert(
            id,
            Job {
                id,
                name,
                spec,
                state: JobState::Queued,
                paused: false,
                cancel_requested: false,
                submitted_ms: now,
                started_ms: 0,
                finished_ms: 0,
                error: None,
                warnings: warnings.clone(),
                log,
                log_dirty: true,
                output_dir,
                levels,
                allowed,
                tasks: rts,
                endings: Vec::new(),
                exes,
            },
        );
        self.note(id, &summary);
        for w in warnings {
            self.note(id, &format!("warning: {w}"));
        }
        Ok(id)
    }

    /// Start queued tasks on free slots: priority first, then submission order.
    fn schedule(&mut self) -> crate::Result<()> {
        let mut order: Vec<(i32, u64)> = self
            .jobs
            .values()
            .filter(|j| !j.state.is_final() && !j.paused && !j.cancel_requested)
            .map(|j| (-j.spec.priority, j.id))
            .collect();
        order.sort();
        for (_, job_id) in order {
            loop {
                if !self.slots.iter().any(|s| s.busy.is_none()) {
                    return Ok(());
                }
                let Some(job) = self.jobs.get(&job_id) else {
                    break;
                };
                let Some(slot) = job
                    .allowed
                    .iter()
                    .copied()
                    .find(|&i| self.slots.get(i).is_some_and(|s| s.busy.is_none()))
                else {
                    break;
                };
                let Some(task_idx) = job.tasks.iter().position(|t| t.state == TaskState::Queued)
                else {
                    break;
                };
                self.start_attempt(job_id, task_idx, slot)?;
            }
        }
        Ok(())
    }

    /// Start the task's next attempt at its current level on `slot`. When the level cannot
    /// even be started (executable missing), that counts as failing before any frame.
    fn start_attempt(&mut self, job_id: u64, task_idx: usize, slot: usize) -> crate::Result<()> {
        if let Some(why) = self.level_unavailable(job_id, task_idx)? {
            return self.skip_level(job_id, task_idx, why);
        }
        let work_dir = self.cfg.paths.state.join("jobs").join(job_id.to_string());
        let (level, frames, built) = {
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            let task = &mut job.tasks[task_idx];
            let level = job
                .levels
                .get(task.level_idx)
                .copied()
                .unwrap_or(Method::Auto);
            let frames = task.remaining();
            let slot_kind = self.slots[slot].kind.clone();
            let built = std::fs::create_dir_all(&work_dir)
                .map_err(|e| crate::Error::io(format!("creating {}", work_dir.display()), e))
                .and_then(|_| {
                    plan::command_for(
                        &job.spec, &task.plan, &frames, level, &slot_kind, &job.exes, &work_dir,
                    )
                    .map_err(crate::Error::from)
                });
            (level, frames, built)
        };
        if frames.is_empty() {
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            job.tasks[task_idx].state = TaskState::Done;
            self.save_task(job_id, task_idx)?;
            return self.refresh_job(job_id);
        }
        let commands = match built {
            Ok(c) if !c.is_empty() => c,
            Ok(_) => {
                return self.level_failed_to_start(
                    job_id,
                    task_idx,
                    level,
                    "the plan produced no command",
                )
            }
            Err(e) => return self.level_failed_to_start(job_id, task_idx, level, &e.to_string()),
        };
        let attempt_no = {
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            job.tasks[task_idx].attempts += 1;
            job.tasks[task_idx].attempts
        };
        // One raw log per job and slot: a slot runs one render at a time, so attempts follow
        // each other in the file, each tailed from where it starts. (Creating a file per
        // attempt cost more than everything else brm does for a short task.)
        let log_path = self
            .cfg
            .paths
            .logs()
            .join(format!("job-{job_id}"))
            .join(format!("slot-{slot}.log"));
        if let Some(d) = log_path.parent() {
            std::fs::create_dir_all(d)
                .map_err(|e| crate::Error::io(format!("creating {}", d.display()), e))?;
        }
        let log_start = std::fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0);
        let slot_desc = match &self.slots[slot].kind {
            GpuSlot::Cpu => "CPU".to_string(),
            GpuSlot::Gpu { index, uuid } => format!(
                "GPU {index}{}",
                uuid.as_ref().map(|u| format!(" ({u})")).unwrap_or_default()
            ),
        };
        let layer = self.jobs[&job_id].tasks[task_idx]
            .plan
            .layer_display
            .clone();
        self.note(
            job_id,
            &format!(
                "task {task_idx} (layer '{layer}', frames {}) attempt {attempt_no}: {} on {slot_desc}",
                frames_text(&frames),
                method_name(level)
            ),
        );
        let spawned = self.spawn_command(job_id, &commands[0], &log_path);
        let (child, pid, start_time) = match spawned {
            Ok(v) => v,
            Err(e) => return self.level_failed_to_start(job_id, task_idx, level, &e),
        };
        let attempt_id = store::insert_attempt(
            &self.conn,
            &AttemptRow {
                id: 0,
                task_id: self.jobs[&job_id].tasks[task_idx].id,
                job_id,
                level: method_name(level).into(),
                frames: serde_json::to_string(&frames).unwrap_or_else(|_| "[]".into()),
                slot: slot as u32,
                commands: serde_json::to_string(&commands).unwrap_or_else(|_| "[]".into()),
                cmd_index: 0,
                pid,
                start_time,
                log_path: log_path.to_string_lossy().into_owned(),
                log_offset: log_start,
                state: "running".into(),
                started_ms: now_ms(),
            },
        )
        .map_err(self.dbe())?;
        let running = Running::new(
            &self.jobs[&job_id],
            Launch {
                task_idx,
                slot,
                level,
                frames,
                commands,
                cmd_index: 0,
                proc: Proc::Child(child),
                pid,
                log_path,
                offset: log_start,
            },
        )?;
        self.slots[slot].busy = Some(attempt_id);
        self.running.insert(attempt_id, running);
        let job = self
            .jobs
            .get_mut(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        job.tasks[task_idx].state = TaskState::Running;
        self.save_task(job_id, task_idx)?;
        self.refresh_job(job_id)
    }

    /// The programs of a job, from its environment (the agent's when it carries none).
    fn job_exes(&self, spec: &JobSpec) -> Executables {
        Executables::for_job(
            &spec.env,
            spec.maya_version.as_deref(),
            &self.cfg.report,
            &self.exes.scripts_dir,
            &self.exes.blender_scripts_dir,
        )
    }

    /// Why the task's current level cannot start now (its program vanished since submit,
    /// checked again after resolving the job's environment anew), or `None`.
    fn level_unavailable(
        &mut self,
        job_id: u64,
        task_idx: usize,
    ) -> crate::Result<Option<plan::PlanError>> {
        let job = self
            .jobs
            .get(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        let level = job.levels.get(job.tasks[task_idx].level_idx).copied();
        let Some(level) = level else {
            return Ok(None);
        };
        if job.exes.check_level(level).is_ok() {
            return Ok(None);
        }
        let fresh = self.job_exes(&job.spec);
        let job = self
            .jobs
            .get_mut(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        job.exes = fresh;
        Ok(job.exes.check_level(level).err())
    }

    /// A level that cannot exist is not a failed attempt: one note, then the next level, or
    /// the task fails with what to install or set.
    fn skip_level(
        &mut self,
        job_id: u64,
        task_idx: usize,
        why: plan::PlanError,
    ) -> crate::Result<()> {
        let job = self
            .jobs
            .get_mut(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        let task = &mut job.tasks[task_idx];
        let level = job
            .levels
            .get(task.level_idx)
            .copied()
            .unwrap_or(Method::Auto);
        let msg = if task.level_idx + 1 < job.levels.len() {
            task.level_idx += 1;
            task.state = TaskState::Queued;
            format!(
                "task {task_idx}: level {} skipped: {why}; using {}",
                method_name(level),
                method_name(job.levels[task.level_idx])
            )
        } else {
            task.state = TaskState::Failed;
            task.error = Some(why.to_string());
            format!("task {task_idx} failed: {why}")
        };
        self.note(job_id, &msg);
        self.save_task(job_id, task_idx)?;
        self.refresh_job(job_id)
    }

    fn spawn_command(
        &mut self,
        job_id: u64,
        cmd: &CommandSpec,
        log_path: &Path,
    ) -> Result<(Child, u32, u64), String> {
        let argv = std::iter::once(cmd.program.display().to_string())
            .chain(cmd.args.iter().map(|a| shell_quote_for_display(a)))
            .collect::<Vec<_>>()
            .join(" ");
        self.note(job_id, &format!("running: {argv}"));
        match Child::spawn(cmd, log_path) {
            Ok(child) => {
                let (pid, st) = (child.pid(), child.start_time());
                watch_exit(pid, Arc::clone(&self.wake));
                Ok((child, pid, st))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// A level could not start or failed before any frame: fall back or fail the task.
    fn level_failed_to_start(
        &mut self,
        job_id: u64,
        task_idx: usize,
        level: Method,
        why: &str,
    ) -> crate::Result<()> {
        let job = self
            .jobs
            .get_mut(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        let task = &mut job.tasks[task_idx];
        let msg;
        if task.done.is_empty() && task.level_idx + 1 < job.levels.len() {
            task.level_idx += 1;
            task.state = TaskState::Queued;
            msg = format!(
                "task {task_idx}: level {} failed before any frame finished ({why}); falling back to {}",
                method_name(level),
                method_name(job.levels[task.level_idx])
            );
        } else {
            task.state = TaskState::Failed;
            task.error = Some(format!("{} could not render: {why}", method_name(level)));
            msg = format!(
                "task {task_idx} failed: {} could not render: {why}",
                method_name(level)
            );
        }
        self.note(job_id, &msg);
        self.save_task(job_id, task_idx)?;
        self.refresh_job(job_id)
    }

    fn save_task(&self, job_id: u64, task_idx: usize) -> crate::Result<()> {
        let job = self
            .jobs
            .get(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        let t = &job.tasks[task_idx];
        store::update_task(
            &self.conn,
            t.id,
            t.state.as_str(),
            t.level_idx as u32,
            t.retries_used,
            t.attempts,
            t.error.as_deref(),
        )
        .map_err(self.dbe())?;
        Ok(())
    }

    /// Poll every running render. Returns whether anything finished.
    fn poll_all(&mut self) -> crate::Result<bool> {
        let ids: Vec<u64> = self.running.keys().copied().collect();
        let mut changed = false;
        for id in ids {
            changed |= self.poll_attempt(id)?;
        }
        Ok(changed)
    }

    fn poll_attempt(&mut self, aid: u64) -> crate::Result<bool> {
        let mut lines: Vec<TailLine> = Vec::new();
        let mut events: Vec<ProgressEvent> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let Some(r) = self.running.get_mut(&aid) else {
            return Ok(false);
        };
        let Some(job) = self.jobs.get_mut(&r.job_id) else {
            return Ok(false);
        };
        // 1. Has the process ended? Check before reading so the last lines are not missed.
        if r.exit.is_none() {
            r.exit = match &mut r.proc {
                Proc::Child(c) => c.try_wait()?.map(Some),
                Proc::Attached(a) => (!a.is_alive()).then_some(None),
                Proc::Gone => Some(None),
            };
        }
        // 2. Ingest new lines (after an exit: everything, then a trailing partial line), a
        // bounded batch at a time so memory stays flat whatever the render prints.
        let mut calls = 0;
        loop {
            lines.clear();
            r.tail.read_lines(&mut lines)?;
            calls += 1;
            let at_end = r.tail.at_end();
            if at_end && r.exit.is_some() {
                r.tail.flush_partial(&mut lines);
            }
            for l in &lines {
                job.log.append(Stream::Output, &l.text);
                r.parser.feed(&l.text, &mut events);
                r.offset = l.end_offset;
            }
            if !lines.is_empty() {
                job.log_dirty = true;
                r.offset_dirty = true;
            }
            job.log.flush_if_over(1 << 20)?;
            for ev in events.drain(..) {
                match ev {
                    ProgressEvent::FrameFinished { frame: Some(f), .. } => {
                        r.reported.insert(f);
                    }
                    // A fatal line counts also when the process already ended before its
                    // last lines were read (a fast failure): it still explains the exit.
                    ProgressEvent::Fatal { reason } if r.fatal.is_none() => {
                        if r.exit.is_none() {
                            notes.push(format!(
                                "fatal renderer error: {reason}; stopping the render"
                            ));
                            r.cancelling = Some(Cancelling::begin(&r.proc, Duration::from_secs(2)));
                        } else {
                            notes.push(format!("fatal renderer error: {reason}"));
                        }
                        r.fatal = Some(reason);
                    }
                    _ => {}
                }
            }
            if at_end || (r.exit.is_none() && calls >= INGEST_BUDGET_CALLS) {
                break;
            }
        }
        // 3. Timeouts.
        if r.exit.is_none() && r.cancelling.is_none() {
            // Bytes read, not complete lines: a progress bar without line breaks is alive.
            if let Some(t) = r.watchdog.check(Instant::now(), r.tail.bytes_read()) {
                notes.push(format!("{t}; stopping the render"));
                r.timeout = Some(t.to_string());
                r.cancelling = Some(Cancelling::begin(&r.proc, Duration::from_secs(5)));
            }
        }
        if let Some(c) = &mut r.cancelling {
            c.poll(&r.proc);
        }
        let job_id = r.job_id;
        for n in notes {
            self.note(job_id, &n);
        }
        let Some(r) = self.running.get_mut(&aid) else {
            return Ok(false);
        };
        let Some(exit) = r.exit else {
            return Ok(false);
        };
        // 4. Ended: clear the group (helpers left behind must not hold the GPU); a cancel
        // waits until every process of the group is gone.
        if r.cancelling.is_some() {
            if r.proc.group_alive() {
                if let Some(c) = &mut r.cancelling {
                    c.poll(&r.proc);
                }
                return Ok(false);
            }
        } else {
            r.proc.kill();
        }
        let ok = matches!(exit, Some(ExitInfo { code: Some(0), .. }));
        if ok && r.cmd_index + 1 < r.commands.len() && r.fatal.is_none() {
            // Next arithmetic run of a `Render` attempt, same log.
            r.cmd_index += 1;
            r.exit = None;
            let cmd = r.commands[r.cmd_index].clone();
            let log_path = r.log_path.clone();
            let idx = r.cmd_index as u32;
            match self.spawn_command(job_id, &cmd, &log_path) {
                Ok((child, pid, st)) => {
                    if let Some(r) = self.running.get_mut(&aid) {
                        r.proc = Proc::Child(child);
                        r.pid = pid;
                    }
                    store::update_attempt_process(&self.conn, aid, idx, pid, st)
                        .map_err(self.dbe())?;
                    return Ok(false);
                }
                Err(e) => {
                    self.note(job_id, &format!("could not start the next command: {e}"));
                    if let Some(r) = self.running.get_mut(&aid) {
                        r.exit = Some(Some(ExitInfo {
                            code: Some(127),
                            signal: None,
                        }));
                    }
                }
            }
        }
        self.finalize(aid)?;
        Ok(true)
    }

    /// An attempt ended: verify frames, then done, fall back, retry remaining, or fail.
    fn finalize(&mut self, aid: u64) -> crate::Result<()> {
        let Some(r) = self.running.remove(&aid) else {
            return Ok(());
        };
        if let Some(s) = self.slots.get_mut(r.slot) {
            if s.busy == Some(aid) {
                s.busy = None;
            }
        }
        let exit = r.exit.flatten();
        let job_id = r.job_id;
        let ti = r.task_idx;
        let (found, task_id) = {
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            (
                verify::find_outputs_cached(&job.tasks[ti].plan, &r.frames, &mut job.endings),
                job.tasks[ti].id,
            )
        };
        let mut newly = 0usize;
        for (frame, files) in &found {
            let files: Vec<String> = files
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            store::record_frame(
                &self.conn,
                task_id,
                job_id,
                *frame,
                &serde_json::to_string(&files).unwrap_or_else(|_| "[]".into()),
                aid,
            )
            .map_err(self.dbe())?;
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            if job.tasks[ti].done.insert(*frame, files).is_none() {
                newly += 1;
            }
        }
        store::update_attempt_offset(&self.conn, aid, r.offset).map_err(self.dbe())?;
        let missing: Vec<i64> = r
            .frames
            .iter()
            .copied()
            .filter(|f| !found.contains_key(f))
            .collect();
        let reason = if r.user_cancel {
            "cancelled".to_string()
        } else if let Some(f) = &r.fatal {
            format!("fatal: {f}")
        } else if let Some(t) = &r.timeout {
            t.clone()
        } else {
            describe_exit(&r.exit.unwrap_or(None), r.level)
        };
        let attempt_state = if missing.is_empty() {
            "done"
        } else if r.user_cancel {
            "cancelled"
        } else {
            "failed"
        };
        store::finish_attempt(
            &self.conn,
            aid,
            attempt_state,
            exit.as_ref().and_then(|e| e.code),
            (!missing.is_empty()).then_some(reason.as_str()),
        )
        .map_err(self.dbe())?;
        let mut notes = vec![format!(
            "task {ti} {} ({reason}): {newly} frame(s) verified{}",
            if missing.is_empty() {
                "finished"
            } else {
                "stopped"
            },
            if missing.is_empty() {
                String::new()
            } else {
                format!(", {} missing: {}", missing.len(), frames_text(&missing))
            }
        )];
        {
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            let max_retries = job.spec.max_retries;
            let nlevels = job.levels.len();
            let levels = job.levels.clone();
            let cancel = job.cancel_requested || r.user_cancel;
            let task = &mut job.tasks[ti];
            let remaining = task.remaining();
            if remaining.is_empty() {
                task.state = TaskState::Done;
                task.error = None;
            } else if cancel {
                task.state = TaskState::Cancelled;
            } else if task.done.is_empty() && task.level_idx + 1 < nlevels {
                task.level_idx += 1;
                task.state = TaskState::Queued;
                notes.push(format!(
                    "level {} failed before any frame finished; falling back to {}",
                    method_name(r.level),
                    method_name(levels[task.level_idx])
                ));
            } else if let Some(f) = &r.fatal {
                // Fatal means fatal: the same level would hit the same line again, so no
                // retry; the error quotes the renderer.
                task.state = TaskState::Failed;
                let e = format!(
                    "frames {} were not rendered: {} stopped on a fatal renderer error: {f}",
                    frames_text(&remaining),
                    method_name(r.level)
                );
                notes.push(format!("task {ti} failed: {e}"));
                task.error = Some(e);
            } else if task.retries_used < max_retries {
                task.retries_used += 1;
                task.state = TaskState::Queued;
                notes.push(format!(
                    "retrying the {} remaining frame(s) {} on {} (retry {} of {max_retries})",
                    remaining.len(),
                    frames_text(&remaining),
                    method_name(levels.get(task.level_idx).copied().unwrap_or(r.level)),
                    task.retries_used
                ));
            } else {
                task.state = TaskState::Failed;
                let e = format!(
                    "frames {} were not rendered ({reason})",
                    frames_text(&remaining)
                );
                notes.push(format!("task {ti} failed: {e}"));
                task.error = Some(e);
            }
        }
        for n in notes {
            self.note(job_id, &n);
        }
        self.save_task(job_id, ti)?;
        self.refresh_job(job_id)
    }

    fn cancel(&mut self, id: u64, grace: Duration) -> crate::Result<()> {
        let job = self.jobs.get_mut(&id).ok_or(QueueError::NoSuchJob(id))?;
        if job.state.is_final() || job.cancel_requested {
            return Ok(());
        }
        job.cancel_requested = true;
        for t in job.tasks.iter_mut() {
            if t.state == TaskState::Queued {
                t.state = TaskState::Cancelled;
            }
        }
        let ntasks = job.tasks.len();
        for r in self.running.values_mut().filter(|r| r.job_id == id) {
            r.user_cancel = true;
            if r.cancelling.is_none() {
                r.cancelling = Some(Cancelling::begin(&r.proc, grace));
            }
        }
        self.note(
            id,
            &format!(
                "cancel requested: stopping running renders (grace {} ms)",
                grace.as_millis()
            ),
        );
        for ti in 0..ntasks {
            self.save_task(id, ti)?;
        }
        self.refresh_job(id)
    }

    fn retry(&mut self, id: u64) -> crate::Result<()> {
        let job = self.jobs.get_mut(&id).ok_or(QueueError::NoSuchJob(id))?;
        match job.state {
            JobState::Failed | JobState::Cancelled => {}
            JobState::Done => {
                return Err(QueueError::InvalidState {
                    id,
                    state: "done".into(),
                    hint: "every frame is rendered; submit again to re-render".into(),
                }
                .into())
            }
            s => {
                return Err(QueueError::InvalidState {
                    id,
                    state: s.as_str().into(),
                    hint: "wait for it to finish, or cancel it first".into(),
                }
                .into())
            }
        }
        if !job.spec.scene.is_file() {
            return Err(crate::Error::NotFound(format!(
                "the job's scene {} is gone (snapshot removed?); submit the scene again",
                job.spec.scene.display()
            )));
        }
        job.cancel_requested = false;
        job.paused = false;
        job.error = None;
        job.finished_ms = 0;
        job.log.keep_in_memory();
        let mut n = 0;
        for t in job.tasks.iter_mut() {
            if matches!(t.state, TaskState::Failed | TaskState::Cancelled) {
                t.state = TaskState::Queued;
                t.retries_used = 0;
                t.error = None;
                n += 1;
            }
        }
        let ntasks = job.tasks.len();
        self.note(
            id,
            &format!("retry requested: {n} task(s) queued again with their unfinished frames"),
        );
        for ti in 0..ntasks {
            self.save_task(id, ti)?;
        }
        self.refresh_job(id)
    }

    /// Derive a job's state from its tasks; persist and announce changes.
    fn refresh_job(&mut self, id: u64) -> crate::Result<()> {
        let Some(job) = self.jobs.get_mut(&id) else {
            return Ok(());
        };
        let count = |s: TaskState| job.tasks.iter().filter(|t| t.state == s).count();
        let (running, queued, done, failed) = (
            count(TaskState::Running),
            count(TaskState::Queued),
            count(TaskState::Done),
            count(TaskState::Failed),
        );
        let new = if running > 0 {
            JobState::Running
        } else if done == job.tasks.len() {
            JobState::Done
        } else if job.cancel_requested {
            JobState::Cancelled
        } else if queued > 0 {
            if job.paused {
                JobState::Paused
            } else if job.started_ms > 0 {
                JobState::Running
            } else {
                JobState::Queued
            }
        } else if failed > 0 {
            JobState::Failed
        } else {
            JobState::Cancelled
        };
        if new == job.state && !(new == JobState::Running && job.started_ms == 0) {
            return Ok(());
        }
        let old = job.state;
        job.state = new;
        let now = now_ms();
        if new == JobState::Running && job.started_ms == 0 {
            job.started_ms = now;
        }
        if new.is_final() {
            job.finished_ms = now;
            if new == JobState::Failed {
                let errs: Vec<String> = job.tasks.iter().filter_map(|t| t.error.clone()).collect();
                job.error = Some(errs.join("; "));
            }
        }
        store::update_job(
            &self.conn,
            id,
            new.as_str(),
            job.started_ms,
            job.finished_ms,
            job.error.as_deref(),
        )
        .map_err(db(&self.db_path))?;
        if old != new {
            let frames_done: usize = job.tasks.iter().map(|t| t.done.len()).sum();
            let total: usize = job.tasks.iter().map(|t| t.plan.frames.len()).sum();
            let msg = format!("job {id} {}: {frames_done}/{total} frames", new.as_str());
            self.note(id, &msg);
            if new.is_final() {
                let _ = self.cleanup_snapshots();
                if let Some(job) = self.jobs.get_mut(&id) {
                    let _ = job.log.flush();
                    job.log.release_memory();
                }
            }
        }
        Ok(())
    }

    fn cleanup_snapshots(&self) -> crate::Result<Vec<PathBuf>> {
        let in_use: HashSet<PathBuf> = self
            .jobs
            .values()
            .filter(|j| !j.state.is_final())
            .map(|j| j.spec.scene.clone())
            .collect();
        let report =
            self.snapshots
                .cleanup(&in_use, self.cfg.keep_snapshots, self.cfg.snapshot_max_age)?;
        Ok(report.removed)
    }

    /// Run `f` inside one transaction (rolled back if it fails).
    fn batch<T>(&mut self, f: impl FnOnce(&mut State) -> crate::Result<T>) -> crate::Result<T> {
        self.conn
            .execute_batch("BEGIN")
            .map_err(db(&self.db_path))?;
        let r = f(self);
        let end = if r.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = self.conn.execute_batch(end).map_err(db(&self.db_path));
        let v = r?;
        ended?;
        Ok(v)
    }

    /// Flush job logs, then persist log lengths and ingested offsets together.
    fn commit(&mut self) -> crate::Result<()> {
        let dirty_jobs: Vec<u64> = self
            .jobs
            .values()
            .filter(|j| j.log_dirty)
            .map(|j| j.id)
            .collect();
        let dirty_attempts: Vec<(u64, u64)> = self
            .running
            .iter()
            .filter(|(_, r)| r.offset_dirty)
            .map(|(id, r)| (*id, r.offset))
            .collect();
        if dirty_jobs.is_empty() && dirty_attempts.is_empty() {
            return Ok(());
        }
        for id in &dirty_jobs {
            if let Some(j) = self.jobs.get_mut(id) {
                j.log.flush()?;
            }
        }
        // Inside a tick's transaction already, or a transaction of its own.
        let own = self.conn.is_autocommit();
        if own {
            self.conn
                .execute_batch("BEGIN")
                .map_err(db(&self.db_path))?;
        }
        let written = (|| -> rusqlite::Result<()> {
            for id in &dirty_jobs {
                if let Some(j) = self.jobs.get(id) {
                    store::update_job_log(&self.conn, *id, j.log.len(), j.log.next_seq())?;
                }
            }
            for (aid, off) in &dirty_attempts {
                store::update_attempt_offset(&self.conn, *aid, *off)?;
            }
            Ok(())
        })();
        if own {
            let end = if written.is_ok() {
                "COMMIT"
            } else {
                "ROLLBACK"
            };
            self.conn.execute_batch(end).map_err(db(&self.db_path))?;
        }
        written.map_err(db(&self.db_path))?;
        for id in dirty_jobs {
            if let Some(j) = self.jobs.get_mut(&id) {
                j.log_dirty = false;
            }
        }
        for (aid, _) in dirty_attempts {
            if let Some(r) = self.running.get_mut(&aid) {
                r.offset_dirty = false;
            }
        }
        Ok(())
    }

    fn summary(&self, j: &Job) -> JobSummary {
        let frames_total: usize = j.tasks.iter().map(|t| t.plan.frames.len()).sum();
        let mut frames_done: usize = j.tasks.iter().map(|t| t.done.len()).sum();
        // Frames the renderer reported but not yet verified count toward live progress.
        for r in self.running.values().filter(|r| r.job_id == j.id) {
            let t = &j.tasks[r.task_idx];
            frames_done += r
                .reported
                .iter()
                .filter(|f| !t.done.contains_key(f))
                .count();
        }
        let frames_done = frames_done.min(frames_total);
        let frames_failed: usize = j
            .tasks
            .iter()
            .filter(|t| t.state == TaskState::Failed)
            .map(|t| t.remaining().len())
            .sum();
        let count = |s: TaskState| j.tasks.iter().filter(|t| t.state == s).count() as u32;
        JobSummary {
            id: j.id,
            name: j.name.clone(),
            state: j.state,
            priority: j.spec.priority,
            scene: j.spec.scene.to_string_lossy().into_owned(),
            source_scene: j
                .spec
                .source_scene
                .as_ref()
                .unwrap_or(&j.spec.scene)
                .to_string_lossy()
                .into_owned(),
            output_dir: j.output_dir.to_string_lossy().into_owned(),
            log_path: j.log.path().to_string_lossy().into_owned(),
            submitted_ms: j.submitted_ms,
            started_ms: j.started_ms,
            finished_ms: j.finished_ms,
            frames_total: frames_total as u64,
            frames_done: frames_done as u64,
            frames_failed: frames_failed as u64,
            progress: if frames_total == 0 {
                0.0
            } else {
                frames_done as f64 / frames_total as f64
            },
            tasks_total: j.tasks.len() as u32,
            tasks_running: count(TaskState::Running),
            tasks_done: count(TaskState::Done),
            tasks_failed: count(TaskState::Failed),
            error: j.error.clone(),
            warnings: j.warnings.clone(),
        }
    }

    fn detail(&self, j: &Job) -> JobDetail {
        let mut layers: Vec<String> = Vec::new();
        let mut done_list = Vec::new();
        let mut missing = Vec::new();
        let mut files = Vec::new();
        let mut tasks = Vec::new();
        for t in &j.tasks {
            if !layers.contains(&t.plan.layer_display) {
                layers.push(t.plan.layer_display.clone());
            }
            for (f, fl) in &t.done {
                done_list.push(*f);
                files.extend(fl.iter().cloned());
            }
            if t.state == TaskState::Failed || t.state == TaskState::Cancelled {
                missing.extend(t.remaining());
            }
            tasks.push(TaskSummary {
                index: t.plan.index as u32,
                layer: t.plan.layer_display.clone(),
                state: t.state,
                level: method_name(j.levels.get(t.level_idx).copied().unwrap_or(Method::Auto))
                    .into(),
                frames: t.plan.frames.clone(),
                frames_done: t.done.keys().copied().collect(),
                attempts: t.attempts,
                output_dir: t.plan.output_dir.to_string_lossy().into_owned(),
                error: t.error.clone(),
            });
        }
        JobDetail {
            summary: self.summary(j),
            layers,
            frames_done_list: done_list,
            frames_missing: missing,
            files,
            tasks,
        }
    }
}

/// Quote an argument for the log line that shows what ran (display only: nothing is ever
/// run through a shell).
fn shell_quote_for_display(a: &str) -> String {
    if !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%{}".contains(c))
    {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
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
