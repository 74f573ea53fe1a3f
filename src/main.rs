//! `brm`: the command-line front of the Batch Render Manager (DESIGN §6).
//!
//! Exit codes: 0 ok, 1 job failed, 2 usage, 3 not found/unavailable.

#[macro_use]
mod cli;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "brm",
    version,
    about = "Batch Render Manager: background GPU renders for Maya and Blender",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show GPUs, CPUs, memory, Maya and Blender installs.
    Info(cli::info::InfoArgs),
    /// Parse a frame set and print its frames, count or compact form.
    Frames(cli::frames::FramesArgs),
    /// Inspect scenes (render layers, renderer, frame range).
    Scene(cli::scene::SceneArgs),
    /// Submit a render job to the agent (with --wait, follow it to the end).
    Render(Box<cli::render::RenderArgs>),
    /// List the jobs.
    Jobs(cli::jobs::JobsArgs),
    /// Show one job: state, frames, tasks.
    Status(cli::status::StatusArgs),
    /// Print a job's log (--follow to keep printing, --notes for brm's notes only, --tail N, --task N).
    Log(cli::log::LogArgs),
    /// Cancel a job (its whole process trees).
    Cancel(cli::jobs::CancelArgs),
    /// Queue a failed or cancelled job's unfinished frames again (--frames: re-render chosen
    /// frames of any finished job, even those that exist).
    Retry(cli::jobs::RetryArgs),
    /// Change a queued, running or paused job's priority (higher runs first).
    Priority(cli::jobs::PriorityArgs),
    /// Pause a job: it starts no new tasks.
    Pause(cli::jobs::JobArgs),
    /// Resume a paused job.
    Resume(cli::jobs::JobArgs),
    /// Forget a finished job and its logs (its frames stay); see also `brm jobs --prune`.
    Forget(cli::jobs::JobArgs),
    /// Apply snapshot retention now.
    Cleanup(cli::jobs::CleanupArgs),
    /// Manage the per-user agent.
    Agent(cli::agent::AgentArgs),
    /// Hand a job to the studio farm (Slurm, Deadline, OpenCue, OpenJD) and follow it.
    Farm(cli::farm::FarmArgs),
    /// On a farm node: render one task of a farm job.
    Task(cli::task::TaskArgs),
}

fn main() {
    let cli = match Cli::try_parse_from(cli::farm::alias_args(std::env::args_os().collect())) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let result = match cli.command {
        Command::Info(a) => cli::info::run(a),
        Command::Frames(a) => cli::frames::run(a),
        Command::Scene(a) => cli::scene::run(a),
        Command::Render(a) => cli::render::run(*a),
        Command::Jobs(a) => cli::jobs::jobs(a),
        Command::Status(a) => cli::status::run(a),
        Command::Log(a) => cli::log::run(a),
        Command::Cancel(a) => cli::jobs::cancel(a),
        Command::Retry(a) => cli::jobs::retry(a),
        Command::Priority(a) => cli::jobs::priority(a),
        Command::Pause(a) => cli::jobs::pause(a, true),
        Command::Resume(a) => cli::jobs::pause(a, false),
        Command::Forget(a) => cli::jobs::forget(a),
        Command::Cleanup(a) => cli::jobs::cleanup(a),
        Command::Agent(a) => cli::agent::run(a),
        Command::Farm(a) => cli::farm::run(a),
        Command::Task(a) => cli::task::run(a),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            errln!("brm: error: {e}");
            std::process::exit(e.exit_code());
        }
    }
}
