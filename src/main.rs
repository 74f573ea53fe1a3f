//! `brm`: the command-line front of the Batch Render Manager (DESIGN §6).
//!
//! Exit codes: 0 ok, 1 job failed, 2 usage, 3 not found/unavailable.

mod cli;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "brm", version, about = "Batch Render Manager: background GPU renders for Maya and Blender", propagate_version = true)]
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
}

fn main() {
    let cli = match Cli::try_parse() {
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
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("brm: error: {e}");
            std::process::exit(e.exit_code());
        }
    }
}
