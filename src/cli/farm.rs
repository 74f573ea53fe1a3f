//! `brm farm submit|status|cancel|list|log`: hand a job to a studio farm engine and follow it
//! (DESIGN §10). The render flags are `brm render`'s; the farm flags say what each task asks
//! the engine for and where the shared files go.

use std::path::PathBuf;
use std::time::Duration;

use brm::farm::record::{FarmRecord, FarmStatus};
use brm::farm::submit::{self, SubmitOptions};
use brm::farm::{follow, Engine, PathRule, Resources};
use brm::paths::Paths;
use brm::plan::GpuChoice;

#[derive(clap::Args)]
pub struct FarmArgs {
    #[command(subcommand)]
    pub command: FarmCommand,
}

#[derive(clap::Subcommand)]
pub enum FarmCommand {
    /// Write the farm job and the engine's files, and submit them.
    Submit(Box<SubmitArgs>),
    /// Show a farm job: the engine's state and the frames on the shared filesystem.
    Status(JobArg),
    /// Cancel a farm job through its engine (scancel, deadlinecommand).
    Cancel(JobArg),
    /// List this user's farm jobs.
    List(ListArgs),
    /// Print the task logs the nodes wrote beside the outputs (--follow to keep printing).
    Log(LogArgs),
}

#[derive(clap::Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub render: super::render::JobArgs,
    /// GPU on the node: cpu, or driver indices N,M (Deadline: GPU affinity); default auto:
    /// the GPUs the engine assigns the task (--gpus-per-task), else the node's idle ones.
    #[arg(long, default_value = "auto")]
    pub gpu: String,
    /// Output directory every node can write (default: `renders` in the job's shared folder).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Follow the job until it ends (Slurm; other engines: their own monitor).
    #[arg(long)]
    pub wait: bool,
    /// slurm | deadline | opencue | openjd
    #[arg(long)]
    pub engine: String,
    /// Write everything a submit would (job file, engine files, scene copy) into DIR; submit nothing.
    #[arg(long, value_name = "DIR")]
    pub dry_run: Option<PathBuf>,
    /// Shared folder every node reads, for the scene copy and job files (default: BRM_FARM_SCENES).
    #[arg(long, value_name = "DIR")]
    pub scene_dir: Option<PathBuf>,
    /// GPUs per task (default 1; 0 with --gpu cpu).
    #[arg(long)]
    pub gpus_per_task: Option<u32>,
    #[arg(long, default_value_t = 1)]
    pub cpus_per_task: u32,
    /// Memory per task in MiB.
    #[arg(long)]
    pub memory: Option<u64>,
    /// GPU memory per task in MiB (OpenCue, OpenJD).
    #[arg(long)]
    pub gpu_memory: Option<u64>,
    /// Wall-clock limit per task in seconds (default: --timeout).
    #[arg(long)]
    pub time_limit: Option<u64>,
    /// Deadline pool (Slurm: the partition when --partition is not given).
    #[arg(long)]
    pub pool: Option<String>,
    /// Deadline group / OpenCue service tags.
    #[arg(long)]
    pub group: Option<String>,
    /// Slurm partition.
    #[arg(long)]
    pub partition: Option<String>,
    /// Add a post task after all layers that checks every frame exists.
    #[arg(long)]
    pub post: bool,
    /// Path mapping FROM=TO applied on the nodes (repeatable), e.g. 'Z:\projects=/mnt/projects'.
    #[arg(long = "path-map", value_name = "FROM=TO")]
    pub path_map: Vec<String>,
    /// The brm program on the nodes (default: BRM_FARM_BRM, else this brm's path).
    #[arg(long, value_name = "PATH")]
    pub node_brm: Option<PathBuf>,
    /// Deadline: a CommandLine job running `brm task run` instead of Deadline's MayaBatch plug-in.
    #[arg(long)]
    pub deadline_commandline: bool,
}

#[derive(clap::Args)]
pub struct JobArg {
    /// farm-N (or N), or the job folder / its brm-farm-job.json
    pub job: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct ListArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct LogArgs {
    pub job: String,
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Only this task's log.
    #[arg(long)]
    pub task: Option<usize>,
    /// Only brm's notes, not the renderer's output.
    #[arg(long)]
    pub notes: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: FarmArgs) -> brm::Result<i32> {
    let paths = Paths::from_env();
    match a.command {
        FarmCommand::Submit(s) => submit_cmd(*s, &paths),
        FarmCommand::Status(j) => status_cmd(&j, &paths),
        FarmCommand::Cancel(j) => {
            let rec = submit::cancel(&paths, &j.job)?;
            if j.json {
                outln!("{}", serde_json::json!({"id": rec.id, "cancelled": true}));
            } else {
                outln!(
                    "{}: cancel sent to {} ({})",
                    rec.id,
                    rec.engine,
                    submit::ids_text(&rec.engine_ids)
                );
            }
            Ok(0)
        }
        FarmCommand::List(l) => {
            let list = FarmRecord::list(&paths);
            if l.json {
                print_json(&list)?;
            } else if list.is_empty() {
                outln!("no farm jobs; submit one with `brm farm submit SCENE --engine slurm`");
            } else {
                outln!(
                    "{:<10} {:<9} {:<16} {:<24} JOB FILE",
                    "ID",
                    "ENGINE",
                    "ENGINE IDS",
                    "NAME"
                );
                for r in &list {
                    let ids = if r.submitted {
                        submit::ids_text(&r.engine_ids)
                    } else {
                        "(written)".into()
                    };
                    outln!(
                        "{:<10} {:<9} {:<16} {:<24} {}",
                        r.id,
                        r.engine.as_str(),
                        ids,
                        r.name,
                        r.job_file.display()
                    );
                }
            }
            Ok(0)
        }
        FarmCommand::Log(l) => log_cmd(&l, &paths),
    }
}

fn print_json<T: serde::Serialize>(v: &T) -> brm::Result<()> {
    let s =
        serde_json::to_string_pretty(v).map_err(|e| brm::Error::InvalidArgument(e.to_string()))?;
    outln!("{s}");
    Ok(())
}

fn submit_cmd(a: SubmitArgs, paths: &Paths) -> brm::Result<i32> {
    let spec = a.render.spec(&a.gpu, a.output.clone())?;
    let engine: Engine = a.engine.parse()?;
    let mut opts = SubmitOptions::new(engine);
    opts.scene_dir = a.scene_dir.clone();
    opts.dry_run = a.dry_run.clone();
    opts.resources = Resources {
        gpus_per_task: a
            .gpus_per_task
            .unwrap_or(if spec.gpu == GpuChoice::Cpu { 0 } else { 1 }),
        cpus_per_task: a.cpus_per_task.max(1),
        memory_mb: a.memory,
        gpu_memory_mb: a.gpu_memory,
        time_limit_s: a.time_limit.or(a.render.timeout),
    };
    opts.pool = a.pool.clone();
    opts.group = a.group.clone();
    opts.partition = a.partition.clone();
    opts.post_task = a.post;
    let mut rules: Vec<String> = a.path_map.clone();
    if rules.is_empty() {
        if let Some(env) = brm::config::farm_path_map() {
            rules.extend(
                env.split(';')
                    .filter(|s| !s.trim().is_empty())
                    .map(String::from),
            );
        }
    }
    opts.path_map = rules
        .iter()
        .map(|r| PathRule::parse(r))
        .collect::<Result<_, _>>()?;
    opts.brm = a.node_brm.clone();
    opts.deadline_commandline = a.deadline_commandline;
    let done = submit::submit(spec, &opts, paths)?;
    for w in &done.warnings {
        errln!("brm: warning: {w}");
    }
    let rec = &done.record;
    if a.render.json && !a.wait {
        print_json(&serde_json::json!({
            "id": rec.id,
            "engine": rec.engine,
            "submitted": rec.submitted,
            "engine_ids": rec.engine_ids,
            "job_file": rec.job_file,
            "files": done.files,
            "commands": done.commands,
            "env_kept": done.env_kept,
            "env_dropped": done.env_dropped,
        }))?;
        return Ok(0);
    }
    outln!("{}", rec.id);
    errln!(
        "farm job {} ({} tasks, {} frames) written to {}",
        rec.id,
        done.job.tasks.len(),
        done.job.frames_total(),
        done.job.job_dir.display()
    );
    for f in &done.files {
        errln!("  {}", f.display());
    }
    errln!(
        "the job and engine files are mode {:o} (owner writes, the render group reads: the nodes' user must be in the folder's group)",
        brm::farm::SHARED_FILE_MODE
    );
    // Names only: a value of the submitter's environment is never printed.
    errln!(
        "environment that travels ({}): {}",
        done.env_kept.len(),
        if done.env_kept.is_empty() {
            "none".to_string()
        } else {
            done.env_kept.join(" ")
        }
    );
    if a.dry_run.is_some() {
        errln!(
            "stays on this machine ({}; add names or patterns with BRM_FARM_ENV_KEEP, credentials never travel): {}",
            done.env_dropped.len(),
            done.env_dropped.join(" ")
        );
    }
    if rec.submitted {
        errln!(
            "submitted to {} as {}; follow it with `brm farm status {}` or `brm farm log {} --follow`",
            rec.engine,
            submit::ids_text(&rec.engine_ids),
            rec.id,
            rec.id
        );
    } else {
        errln!("nothing submitted; to submit by hand:");
        for c in &done.commands {
            errln!("  {c}");
        }
    }
    if a.wait && rec.submitted {
        if rec.engine.get().can_follow() {
            return wait(paths, &rec.id, a.render.json);
        }
        // Only Slurm's state can be asked from here; elsewhere "done" is all frames on disk.
        errln!(
            "--wait follows Slurm jobs; follow this {} job in its monitor, or with `brm farm status {}` (frames on the shared filesystem)",
            rec.engine, rec.id
        );
    }
    Ok(0)
}

fn print_status(s: &FarmStatus) {
    outln!(
        "{} {} on {} ({}): {}/{} frames",
        s.id,
        s.state.as_str(),
        s.engine,
        submit::ids_text(&s.engine_ids),
        s.frames_done,
        s.frames_total
    );
    for t in &s.tasks {
        // The engine's own word beside brm's, where the engine was asked.
        let word = t
            .engine_state
            .as_deref()
            .map(|w| format!(" ({} says {w})", s.engine))
            .unwrap_or_default();
        outln!(
            "  task {} layer {}: {} {}/{} frames{word}",
            t.index,
            if t.layer.is_empty() {
                "(view layers)"
            } else {
                &t.layer
            },
            t.state.as_str(),
            t.frames_done,
            t.frames
        );
    }
    if !s.missing.is_empty() {
        outln!("  missing frames: {}", s.missing);
    }
    outln!("  task logs: {}", s.log_dir.display());
}

fn status_cmd(j: &JobArg, paths: &Paths) -> brm::Result<i32> {
    let s = submit::status(paths, &j.job)?;
    if j.json {
        print_json(&s)?;
    } else {
        print_status(&s);
    }
    Ok(0)
}

/// Follow until the engine says the job ended; 0 when every frame exists.
fn wait(paths: &Paths, id: &str, json: bool) -> brm::Result<i32> {
    let mut last = (usize::MAX, "");
    loop {
        let s = submit::status(paths, id)?;
        if (s.frames_done, s.state.as_str()) != last && !json {
            errln!(
                "{id}: {}/{} frames ({})",
                s.frames_done,
                s.frames_total,
                s.state.as_str()
            );
            last = (s.frames_done, s.state.as_str());
        }
        if s.state.is_final() {
            if json {
                print_json(&s)?;
            } else {
                print_status(&s);
            }
            return Ok(if s.state == brm::farm::FarmState::Done {
                0
            } else {
                1
            });
        }
        std::thread::sleep(Duration::from_millis(1000));
    }
}

fn log_cmd(l: &LogArgs, paths: &Paths) -> brm::Result<i32> {
    use std::io::Write;
    let (_, job) = FarmRecord::find(paths, &l.job)?;
    let mut cur = follow::Cursors::default();
    // A closed stdout (`| head`) ends the command quietly, never with a panic.
    let mut out = std::io::stdout().lock();
    let mut print = |lines: &[follow::FarmLine]| -> bool {
        for line in lines {
            if l.notes && line.record.stream != 1 {
                continue;
            }
            let text = if l.json {
                serde_json::to_string(line).unwrap_or_default()
            } else {
                let who = match line.task {
                    Some(t) => format!("task {t}"),
                    None => "post".into(),
                };
                if line.record.stream == 1 {
                    format!("[{who}] [brm] {}", line.record.text)
                } else {
                    format!("[{who}] {}", line.record.text)
                }
            };
            if writeln!(out, "{text}").is_err() {
                return false;
            }
        }
        out.flush().is_ok()
    };
    loop {
        let lines = follow::read_new(&job, &mut cur, l.task);
        if !print(&lines) || !l.follow {
            return Ok(0);
        }
        if lines.is_empty() {
            let s = submit::status(paths, &l.job)?;
            if s.state.is_final() {
                // One last read: lines written just before the end.
                print(&follow::read_new(&job, &mut cur, l.task));
                return Ok(0);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

/// `brm log|status|cancel farm-N …` are the farm commands for a farm job id (agent job ids
/// are numbers, farm ids `farm-N`): rewrite them to `brm farm log|status|cancel farm-N …`.
pub fn alias_args(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let is =
        |i: usize, f: &dyn Fn(&str) -> bool| args.get(i).and_then(|a| a.to_str()).is_some_and(f);
    if is(1, &|c| matches!(c, "log" | "status" | "cancel"))
        && is(2, &|j| {
            j.strip_prefix("farm-")
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        })
    {
        args.insert(1, "farm".into());
    }
    args
}

/// The farm jobs under `brm jobs` (the most recent 20): engine, engine ids, state, frames.
pub fn print_farm_jobs() {
    let paths = Paths::from_env();
    let list = FarmRecord::list(&paths);
    if list.is_empty() {
        return;
    }
    outln!();
    outln!(
        "{:<10} {:<9} {:<10} {:>13}  {:<20} {:<24}",
        "FARM JOB",
        "ENGINE",
        "STATE",
        "FRAMES",
        "ENGINE IDS",
        "NAME"
    );
    for r in list.iter().rev().take(20).rev() {
        let (state, frames) = match submit::status(&paths, &r.id) {
            Ok(s) => (
                s.state.as_str().to_string(),
                format!("{}/{}", s.frames_done, s.frames_total),
            ),
            Err(_) => ("missing".to_string(), "-".to_string()),
        };
        let ids = if r.submitted {
            submit::ids_text(&r.engine_ids)
        } else {
            "(written)".into()
        };
        outln!(
            "{:<10} {:<9} {:<10} {:>13}  {:<20} {:<24}",
            r.id,
            r.engine.as_str(),
            state,
            frames,
            ids,
            r.name
        );
    }
}
