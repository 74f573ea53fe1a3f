//! One module per subcommand. Each has an `Args` struct (clap) and `run(args) -> Result<i32>`
//! returning the exit code; errors are printed by `main` with their exit code.

#[cfg(brm_wip)]
pub mod agent;
pub mod frames;
pub mod info;
#[cfg(brm_wip)]
pub mod jobs;
#[cfg(brm_wip)]
pub mod render;
pub mod scene;
