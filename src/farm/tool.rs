//! Running an engine's own command-line tools (sbatch, squeue, scancel, deadlinecommand,
//! python for pycue): never through a shell, output captured, a missing tool named with
//! what to install.

use std::path::PathBuf;
use std::process::Command;

use super::FarmError;

/// Where `program` is on `PATH` (None when absent).
pub fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// What a tool printed, and whether it exited 0.
#[derive(Debug, Clone)]
pub struct ToolOutput {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Run `program args…`; `install` says what provides it, for the error when it is missing.
pub fn run(program: &str, args: &[String], install: &str) -> Result<ToolOutput, FarmError> {
    let mut cmd = Command::new(program);
    // Engine CLIs pass their environment on (sbatch exports it to the nodes by default):
    // credentials and the session stay behind, as in the job file (`envfilter::DENY`).
    for (k, _) in std::env::vars_os() {
        if let Some(k) = k.to_str() {
            if super::envfilter::DENY
                .iter()
                .any(|p| super::envfilter::matches(p, k))
                && !matches!(k, "HOME" | "USER" | "LOGNAME" | "PWD")
            {
                cmd.env_remove(k);
            }
        }
    }
    let out = cmd
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| FarmError::Tool {
            tool: program.to_string(),
            message: if e.kind() == std::io::ErrorKind::NotFound {
                format!("not found on PATH; {install}")
            } else {
                format!("cannot start it: {e}")
            },
        })?;
    Ok(ToolOutput {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Like [`run`], but a non-zero exit is an error quoting the tool's own message.
pub fn run_ok(program: &str, args: &[String], install: &str) -> Result<ToolOutput, FarmError> {
    let o = run(program, args, install)?;
    if !o.ok {
        let msg = if o.stderr.trim().is_empty() {
            o.stdout.trim()
        } else {
            o.stderr.trim()
        };
        return Err(FarmError::Tool {
            tool: program.to_string(),
            message: format!("failed: {}", msg.chars().take(2000).collect::<String>()),
        });
    }
    Ok(o)
}
