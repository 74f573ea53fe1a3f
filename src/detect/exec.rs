//! Run a short external query (`nvidia-smi`, `blender --version`) without a shell and with a
//! time limit, capturing its output.
//!
//! Why not `Command::output()`: it waits forever, and a wedged driver makes `nvidia-smi` hang
//! for minutes; Blender can block on a missing display library. The pipes are drained on
//! threads (so a chatty child never blocks on a full pipe) and handed back over channels with
//! a deadline; a child past the deadline is killed. A reader thread stays behind only if a
//! grandchild keeps the pipe open, and it ends when that grandchild does.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::DetectError;

/// Output of a finished query. Capped at [`MAX_OUTPUT`] bytes per stream.
#[derive(Debug)]
pub(crate) struct Output {
    pub success: bool,
    pub status: String,
    pub stdout: String,
    pub stderr: String,
}

/// Larger outputs are cut: these queries print a few lines.
pub(crate) const MAX_OUTPUT: u64 = 1 << 20;

fn drain<R: Read + Send + 'static>(stream: Option<R>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(stream) = stream {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stream.take(MAX_OUTPUT).read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
    } else {
        let _ = tx.send(Vec::new());
    }
    rx
}

/// Run `program args…` (no shell) with stdin closed; kill it after `timeout`.
pub(crate) fn run_with_timeout(
    program: &Path,
    args: &[&str],
    timeout: Duration,
) -> Result<Output, DetectError> {
    let name = program.display().to_string();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| DetectError::Spawn {
            program: name.clone(),
            source,
        })?;
    let out_rx = drain(child.stdout.take());
    let err_rx = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(source) => {
                return Err(DetectError::Spawn {
                    program: name,
                    source,
                })
            }
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(DetectError::Timeout {
                program: name,
                seconds: timeout.as_secs_f64(),
            });
        }
        thread::sleep(Duration::from_millis(5));
    };
    // The child is gone; its pipes close unless a grandchild inherited them.
    let rest = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(200));
    let stdout = out_rx.recv_timeout(rest).unwrap_or_default();
    let stderr = err_rx
        .recv_timeout(Duration::from_millis(200))
        .unwrap_or_default();
    Ok(Output {
        success: status.success(),
        status: status.to_string(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn captures_output_and_status() {
        let out = run_with_timeout(
            Path::new("/bin/sh"),
            &["-c", "echo hi; echo err >&2; exit 3"],
            Duration::from_secs(5),
        )
        .unwrap();
        assert!(!out.success);
        assert_eq!(out.stdout, "hi\n");
        assert_eq!(out.stderr, "err\n");
        assert!(out.status.contains('3'), "{}", out.status);
    }

    #[test]
    fn kills_a_hung_child() {
        let e = run_with_timeout(
            Path::new("/bin/sh"),
            &["-c", "sleep 30"],
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert!(matches!(e, DetectError::Timeout { .. }), "{e}");
        assert!(e.to_string().contains("did not finish"), "{e}");
    }

    #[test]
    fn missing_program_is_a_spawn_error() {
        let e = run_with_timeout(
            Path::new("/nonexistent/brm/prog"),
            &[],
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(matches!(e, DetectError::Spawn { .. }));
    }
}
