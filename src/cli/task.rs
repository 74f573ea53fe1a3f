//! `brm task run`: on a farm node, render one task of a farm job (see `brm::farm::node`).
//! Exit codes: 0 every frame of the task exists, 1 failed or cancelled, 2 bad job file or
//! task, 3 no renderer on this node.

use std::path::PathBuf;
use std::time::Duration;

use brm::farm::assign;
use brm::farm::node::{self, NodeOptions};

#[derive(clap::Args)]
pub struct TaskArgs {
    #[command(subcommand)]
    pub command: TaskCommand,
}

#[derive(clap::Subcommand)]
pub enum TaskCommand {
    /// Render one task of a farm job (the chunk from --task or the engine's variables).
    Run(RunArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// The farm job file (brm-farm-job.json) or its folder.
    #[arg(long)]
    pub job: PathBuf,
    /// The task index (default: SLURM_ARRAY_TASK_ID, CUE_IFRAME or BRM_TASK).
    #[arg(long)]
    pub task: Option<usize>,
    /// Run the post task: check that every frame of the job exists.
    #[arg(long)]
    pub post: bool,
    /// Milliseconds between TERM and KILL when the engine stops the task.
    #[arg(long)]
    pub grace_ms: Option<u64>,
}

pub fn run(a: TaskArgs) -> brm::Result<i32> {
    match a.command {
        TaskCommand::Run(r) => node::run_task(
            &NodeOptions {
                job: r.job,
                task: r.task,
                post: r.post,
                grace: r.grace_ms.map(Duration::from_millis),
            },
            &assign::process_env,
        ),
    }
}
