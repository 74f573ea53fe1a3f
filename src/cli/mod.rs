//! One module per subcommand. Each has an `Args` struct (clap) and `run(args) -> Result<i32>`
//! returning the exit code; errors are printed by `main` with their exit code.

#[macro_use]
pub mod out;

pub mod agent;
pub mod farm;
pub mod fmt;
pub mod frames;
pub mod info;
pub mod jobs;
pub mod log;
pub mod render;
pub mod scene;
pub mod status;
pub mod task;
