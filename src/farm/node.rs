//! `brm task run`: the node-side worker. It renders one task of a farm job with the attempt
//! runner — the same fallback, retries of remaining frames, progress, fatal lines and output
//! verification as the agent — but with no agent and no SQLite: everything it needs is in
//! the job file, and what it leaves is on the shared filesystem.
//!
//! - Exit codes engines understand: 0 every frame of the task exists, 1 failed or cancelled
//!   (frames missing), 2 bad job file or task, 3 no renderer on this node.
//! - A re-run renders only the frames this job has not rendered yet: a frame counts when this
//!   job's node recorded it and its file is unchanged and whole (`verified`), never because
//!   some file of that name exists (it may be another job's).
//! - Progress on stdout as `Progress: NN%` (the form Deadline's CommandLine plug-in parses,
//!   `.*Progress: (\d+)%.*`) and one `brm: frame F done` per frame.
//! - Its numbered log (`seq \t stream \t time_ms \t text`, as the agent's job logs) is
//!   appended to `<log_dir>/task-NNNN.log` beside the outputs, so `brm farm log` on the
//!   workstation follows it over the shared filesystem.
//! - SIGTERM (Slurm's `scancel`, an engine's kill) cancels the render: TERM to its process
//!   group, KILL after the grace; the worker exits only when no render process is left.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::assign::{self, EnvFn};
use super::pathmap::map_path;
use super::{FarmError, FarmJob};
use crate::plan::{self, Executables, GpuChoice, GpuSlot, Method, Task};
use crate::runner::policy::{self, Ended, FailReason, Next};
use crate::runner::{AttemptRunner, AttemptSpec, AttemptState, Sink};

/// What `brm task run` was asked.
#[derive(Clone, Debug, Default)]
pub struct NodeOptions {
    pub job: PathBuf,
    /// The task index; None = from the engine's variables.
    pub task: Option<usize>,
    /// Run the post task (check every frame of the job) instead of a render task.
    pub post: bool,
    /// Grace between TERM and KILL on cancel.
    pub grace: Option<Duration>,
}

static STOP: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_stop(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn catch_stop() {
    #[cfg(unix)]
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        for s in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::signal(s, on_stop as *const () as libc::sighandler_t);
        }
    }
}

/// The numbered task log beside the outputs (same record format as the agent's job log).
pub struct NodeLog {
    file: Option<File>,
    next_seq: u64,
    echo: bool,
}

impl NodeLog {
    /// Open for appending, continuing the numbering of an earlier run of the same task.
    pub fn open(path: &Path, echo: bool) -> NodeLog {
        let next_seq = File::open(path)
            .ok()
            .and_then(|f| crate::joblog::read_records(BufReader::new(f), 0, usize::MAX).ok())
            .and_then(|r| r.last().map(|l| l.seq + 1))
            .unwrap_or(1);
        if let Some(d) = path.parent() {
            let _ = std::fs::create_dir_all(d);
        }
        let file = OpenOptions::new().create(true).append(true).open(path).ok();
        NodeLog {
            file,
            next_seq,
            echo,
        }
    }

    fn write(&mut self, stream: u32, text: &str) {
        let text = text.replace(['\n', '\r'], " ");
        let ms = crate::protocol::jobs::now_ms();
        if let Some(f) = &mut self.file {
            let _ = writeln!(f, "{}\t{stream}\t{ms}\t{text}", self.next_seq);
        }
        self.next_seq += 1;
        if self.echo {
            // A closed stdout (the engine went away) must not stop the render.
            let mut out = std::io::stdout().lock();
            let _ = if stream == 1 {
                writeln!(out, "brm: {text}")
            } else {
                writeln!(out, "{text}")
            };
            let _ = out.flush();
        }
    }

    /// One of brm's notes (stream 1).
    pub fn note(&mut self, text: &str) {
        self.write(1, text);
    }
}

impl Sink for NodeLog {
    fn line(&mut self, text: &str) {
        self.write(0, text);
    }
    fn note(&mut self, text: &str) {
        self.write(1, text);
    }
}

/// Apply the job's path mapping to what the node reads and writes.
fn mapped(job: &FarmJob) -> FarmJob {
    if job.path_map.is_empty() {
        return job.clone();
    }
    let m = |p: &Path| PathBuf::from(map_path(&job.path_map, &p.to_string_lossy()));
    let mut j = job.clone();
    j.spec.scene = m(&j.spec.scene);
    j.spec.output_dir = j.spec.output_dir.as_deref().map(m);
    j.spec.project = j.spec.project.as_deref().map(m);
    j.log_dir = m(&j.log_dir);
    j.job_dir = m(&j.job_dir);
    for t in &mut j.tasks {
        t.output_dir = m(&t.output_dir);
    }
    j
}

/// `brm task run`: returns the exit code (see the module doc).
pub fn run_task(opts: &NodeOptions, env: EnvFn<'_>) -> crate::Result<i32> {
    let mut job = mapped(&FarmJob::load(&opts.job)?);
    // The job carries only what travels (`envfilter`): the render gets the node's own
    // environment with the job's variables over it (folder lists: the job's first).
    if !job.spec.env.is_empty() {
        let node: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        job.spec.env = super::envfilter::on_node(node, &job.spec.env);
    }
    if opts.post {
        return Ok(post_task(&job));
    }
    let (index, from) = match opts.task {
        Some(t) => (t, "--task"),
        None => assign::task_from_env(env).ok_or(FarmError::NoTask)?,
    };
    let task = job.task(index)?.clone();
    let mut log = NodeLog::open(&job.task_log(index), true);
    catch_stop();
    let host = sysinfo::System::host_name().unwrap_or_default();
    log.note(&super::taskstate::start_note(
        &job.id,
        index,
        from,
        &format!(
            "on {host}: layer {}, frames {}",
            if task.layer_display.is_empty() {
                "(the scene's view layers)"
            } else {
                &task.layer_display
            },
            crate::frames::FrameSet::from_frames(task.frames.iter().copied()).compact()
        ),
    ));
    let slot = node_slot(&job, env, &mut log);
    let code = render_task(&job, &task, &slot, opts, &mut log);
    Ok(code)
}

/// The slot this task renders on (see `assign`): the engine's GPUs, else the node's own.
fn node_slot(job: &FarmJob, env: EnvFn<'_>, log: &mut NodeLog) -> GpuSlot {
    let assigned = assign::assigned_gpus(env);
    if let Some(a) = &assigned {
        log.note(&format!("GPUs assigned by {}", a.source));
    }
    if job.spec.gpu == GpuChoice::Cpu || job.resources.gpus_per_task == 0 {
        log.note("the job renders on CPU (--gpu cpu): GPUs are hidden from the renderer");
        return GpuSlot::Cpu;
    }
    if let Some(a) = assigned {
        return assign::slot_of(&a);
    }
    // No engine variable: the node's own cards, GPU 0 included (no artist on a farm node).
    let report = crate::detect::detect(&crate::detect::DetectOptions::from_env());
    match plan::select_slots(&GpuChoice::Auto, &report, false) {
        Ok((slots, _)) => {
            let s = slots.into_iter().next().unwrap_or(GpuSlot::Cpu);
            log.note(&format!(
                "no GPU assigned by the engine; rendering on {} of this node",
                s.label()
            ));
            s
        }
        Err(_) => GpuSlot::Cpu,
    }
}

fn scripts_dirs() -> (PathBuf, PathBuf) {
    let scripts = crate::plan::exes::scripts_dir();
    let marker = "brm_blender_setup.py";
    let installed = scripts.join("blender");
    let blender = if installed.join(marker).is_file() {
        installed
    } else {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/blender"))
    };
    (scripts, blender)
}

/// Render the task's missing frames; after each attempt `runner::policy` decides (the same
/// answer the agent gets): fall back a level while no frame of the task is done, else retry
/// the remaining frames on the same level while retries are left; a full disk or a fatal
/// renderer line fails the task.
fn render_task(
    job: &FarmJob,
    task: &Task,
    slot: &GpuSlot,
    opts: &NodeOptions,
    log: &mut NodeLog,
) -> i32 {
    let spec = &job.spec;
    let mut endings = Vec::new();
    // Only frames this farm job rendered before count as done (see `verified`): a file that
    // merely exists may be another job's, and is rendered again.
    let ours = super::verified::still_ours(job, task);
    let mut remaining: Vec<i64> = task
        .frames
        .iter()
        .copied()
        .filter(|f| !ours.contains(f))
        .collect();
    let total = task.frames.len();
    if remaining.is_empty() {
        log.note(&super::taskstate::done_note(
            task.index,
            &format!(
                "all {total} frames of this task were rendered by this farm job before and are unchanged; nothing to render"
            ),
        ));
        progress(log, total, total);
        return 0;
    }
    if !ours.is_empty() {
        log.note(&format!(
            "{} of {total} frames were rendered by this farm job before and are unchanged; rendering the other {}",
            ours.len(),
            crate::frames::FrameSet::from_frames(remaining.iter().copied()).compact()
        ));
    }
    let (scripts, blender_scripts) = scripts_dirs();
    let report = crate::detect::detect(&crate::detect::DetectOptions::from_env());
    let exes = Executables::for_job(
        &spec.env,
        spec.maya_version.as_deref(),
        &report,
        &scripts,
        &blender_scripts,
    );
    let levels = plan::levels_for(spec);
    let usable = match plan::usable_levels(&exes, &levels, &job.source_scene) {
        Ok((u, skipped)) => {
            for (l, e) in skipped {
                log.note(&format!("level {l} skipped: {e}"));
            }
            u
        }
        Err(e) => {
            log.note(&super::taskstate::failed_note(
                task.index,
                &format!("cannot render on this node: {e}"),
            ));
            return 3;
        }
    };
    let grace = opts.grace.unwrap_or_else(crate::config::cancel_grace);
    let work = job.log_dir.join(format!("task-{:04}.work", task.index));
    let mut level_i = 0;
    let mut retries = 0;
    // The level does not persist between runs of a task (each starts at the first level),
    // so only frames verified in this run say that a level of this run renders: the
    // policy's "frames of the task done" counts those (the engine keeps the level with its
    // task, so there the two are the same).
    let earlier = ours.len();
    let mut done: BTreeSet<i64> = ours;
    loop {
        let level = usable[level_i];
        let commands = match plan::command_for(spec, task, &remaining, level, slot, &exes, &work) {
            Ok(c) => c,
            Err(e) => {
                log.note(&super::taskstate::failed_note(
                    task.index,
                    &format!("cannot plan level {level}: {e}"),
                ));
                return 3;
            }
        };
        log.note(&format!(
            "level {level} on {}: frames {}",
            slot.label(),
            crate::frames::FrameSet::from_frames(remaining.iter().copied()).compact()
        ));
        let aspec = AttemptSpec {
            level,
            renderer: task.renderer.clone().or_else(|| spec.renderer.clone()),
            frames: remaining.clone(),
            commands,
            log_path: job.render_log(task.index),
            task_timeout: spec.task_timeout_s.map(Duration::from_secs),
            silence_timeout: spec.silence_timeout_s.map(Duration::from_secs),
            priority: crate::run::RenderPriority::NORMAL, // a node has no artist to yield to
        };
        let mut runner = match AttemptRunner::launch_for(aspec, task, &mut endings, None, log) {
            Ok(r) => r,
            Err(e) => {
                log.note(&format!("level {level} could not start: {e}"));
                if level_i + 1 < usable.len() {
                    level_i += 1;
                    continue;
                }
                return 3;
            }
        };
        let mut printed: BTreeSet<i64> = BTreeSet::new();
        let started = Instant::now();
        loop {
            if STOP.load(Ordering::SeqCst) && runner.state() != AttemptState::Cancelling {
                log.note("stop requested by the engine; cancelling the render");
                runner.cancel(grace);
            }
            let st = match runner.poll(log) {
                Ok(s) => s,
                Err(e) => {
                    log.note(&format!("lost the render: {e}"));
                    runner.cancel(grace);
                    AttemptState::Cancelling
                }
            };
            let mut fresh_now = Vec::new();
            for f in runner.tracker().reported().iter() {
                if printed.insert(*f) && !done.contains(f) {
                    log.note(&format!("frame {f} done"));
                    progress(log, done.len() + printed.len(), total);
                    fresh_now.push(*f);
                }
            }
            // Recorded as they come (fresh and whole only), so `brm farm status` shows the
            // task's progress while it renders; the attempt's verification records the rest.
            if !fresh_now.is_empty() {
                let found =
                    crate::runner::verify::find_outputs_cached(task, &fresh_now, &mut endings);
                let (found, _) = crate::runner::verify::only_fresh(
                    found,
                    runner.tracker().baseline(),
                    task,
                    &fresh_now,
                );
                let _ = super::verified::append(job, task, &found);
            }
            if st == AttemptState::Exited {
                break;
            }
            std::thread::sleep(Duration::from_millis(if started.elapsed().as_secs() < 2 {
                20
            } else {
                100
            }));
        }
        let outcome = runner.verify(task, &mut endings);
        for (frame, file, why) in &outcome.freshness.damaged {
            log.note(&format!(
                "frame {frame}: {} is incomplete ({why}); it does not count",
                file.display()
            ));
        }
        if !outcome.freshness.kept.is_empty() {
            log.note(&format!(
                "kept {} earlier frame(s) that this render did not write again ({}); they do not count as rendered",
                outcome.freshness.kept.len(),
                crate::frames::FrameSet::from_frames(outcome.freshness.kept.iter().copied()).compact()
            ));
        }
        if let Err(e) = super::verified::append(job, task, &outcome.found) {
            log.note(&format!(
                "cannot record the verified frames in {}: {e}; a re-run renders them again",
                super::verified::record_path(job, task.index).display()
            ));
        }
        let before = done.len() + printed.iter().filter(|f| !done.contains(f)).count();
        done.extend(outcome.found.keys().copied());
        remaining = outcome.missing.clone();
        if done.len() != before {
            progress(log, done.len(), total);
        }
        let next = policy::decide(&Ended {
            cancelled: outcome.cancelled,
            disk_full: outcome.disk_full,
            fatal: outcome.fatal.is_some(),
            warm_failed: false, // a node runs no warm sessions
            written: outcome.found.len(),
            task_done: done.len().saturating_sub(earlier),
            task_missing: remaining.len(),
            retries_used: retries,
            max_retries: spec.max_retries,
            next_level: level_i + 1 < usable.len(),
        });
        let missing = crate::frames::FrameSet::from_frames(remaining.iter().copied()).compact();
        let ended = format!(
            "level {level} ended ({}); missing frames {missing}",
            outcome.reason
        );
        match next {
            Next::Done => {
                log.note(&super::taskstate::done_note(
                    task.index,
                    &format!(
                        "{total}/{total} frames verified in {}",
                        task.output_dir.display()
                    ),
                ));
                return 0;
            }
            Next::Cancelled => {
                log.note(&super::taskstate::cancelled_note(&format!(
                    "frames {missing} were not rendered"
                )));
                return 1;
            }
            Next::FallBack => {
                log.note(&ended);
                level_i += 1;
                log.note(&format!(
                    "no frame finished: falling back to level {}",
                    usable[level_i]
                ));
            }
            Next::Retry => {
                log.note(&ended);
                retries += 1;
                log.note(&format!(
                    "retry {retries} of {}: rendering the remaining frames",
                    spec.max_retries
                ));
            }
            Next::Fail {
                reason: FailReason::DiskFull,
            } => {
                // As the agent: another level or a retry would meet the same full disk.
                log.note(&ended);
                log.note(&super::taskstate::failed_note(
                    task.index,
                    &format!("frames {missing} were not rendered: {}", outcome.reason),
                ));
                return 1;
            }
            // `RerunCold` needs a warm session, which a node never has; were it asked, a
            // failure is the safe answer.
            Next::Fail { .. } | Next::RerunCold => {
                log.note(&ended);
                log.note(&super::taskstate::failed_note(
                    task.index,
                    &format!("frames {missing} missing"),
                ));
                return 1;
            }
        }
    }
}

fn progress(log: &mut NodeLog, done: usize, total: usize) {
    let pct = (done * 100).checked_div(total).unwrap_or(100);
    // Deadline's CommandLine plug-in parses `.*Progress: (\d+)%.*` from stdout.
    log.note(&format!("Progress: {pct}% ({done}/{total} frames)"));
}

/// The post task: every frame of every layer exists (0), or a list of what is missing (1).
fn post_task(job: &FarmJob) -> i32 {
    let mut log = NodeLog::open(&job.log_dir.join("post.log"), true);
    let done = super::record::frames_on_disk(job);
    let total = job.frames_total();
    let have: usize = done.iter().sum();
    for (t, d) in job.tasks.iter().zip(&done) {
        if *d < t.frames.len() {
            log.note(&format!(
                "task {} (layer {}): {d}/{} frames",
                t.index,
                t.layer_display,
                t.frames.len()
            ));
        }
    }
    log.note(&format!(
        "post: {have}/{total} frames of farm job {} exist",
        job.id
    ));
    if have == total {
        0
    } else {
        1
    }
}

/// The methods a job's tasks will try, for messages (`auto` expands to its levels).
pub fn levels_text(spec: &crate::plan::JobSpec) -> String {
    plan::levels_for(spec)
        .iter()
        .map(|m: &Method| m.as_str())
        .collect::<Vec<_>>()
        .join(" → ")
}
